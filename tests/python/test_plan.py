"""Compensation plans from Python: every column of ``CompensationPlan.evaluate`` against a
brute-force reference written here from the definitions (docs/concepts.md, explicit
ancestor walks), published worked examples, and malformed plans."""

from __future__ import annotations

import math

import pickle

import numpy as np
import pandas as pd
import pytest

import downline as dl

NAN = float("nan")


def brute(ids, sponsors, enrolled, orders, plan, start, end):
    """Every figure of one period from the definitions, by walking ancestors (row order)."""
    n = len(ids)
    row = {x: i for i, x in enumerate(ids)}
    parent = [row[s] if s is not None else -1 for s in sponsors]
    children = [[] for _ in range(n)]
    for v, p in enumerate(parent):
        if p >= 0:
            children[p].append(v)

    def ups(v):
        out, u = [], parent[v]
        while u >= 0:
            out.append(u)
            u = parent[u]
        return out

    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    # in the network as of the period's last day: enrolled by then, and the whole upline
    member = np.array([all(enrolled[u] < t1 for u in [v] + ups(v)) for v in range(n)])
    period = orders[(orders.ordered_on >= t0) & (orders.ordered_on < t1)]
    pv, cv, fs = np.zeros(n), np.zeros(n), np.zeros(n)
    fast = plan.get("fast_start")
    for o in period.itertuples():
        v = row[o.participant_id]
        if not member[v]:
            continue
        pv[v] += o.pv
        cv[v] += o.cv
        if fast and enrolled[v] <= o.ordered_on < enrolled[v] + pd.Timedelta(days=fast["days"]):
            fs[v] += o.cv
    sales = period.amount.sum()
    gv = pv.copy()
    for v in range(n):
        for u in ups(v):
            gv[u] += pv[v]
    active = pv >= plan["active_pv"]
    ranks = plan.get("ranks", [])
    rname = [r["name"] for r in ranks]
    rank = np.full(n, -1)
    depth = [len(ups(v)) for v in range(n)]

    def subtree(c):
        return [v for v in range(n) if v == c or c in ups(v)]

    def capped(u, r):
        q = ranks[r]
        cap = q["max_leg_share"] * q["gv"] if "gv" in q and "max_leg_share" in q else math.inf
        return pv[u] + sum(min(gv[c], cap) for c in children[u])

    def ql(u, name):
        k = rname.index(name)
        return sum(any(rank[v] >= k for v in subtree(c)) for c in children[u])

    def af(u):
        return sum(active[c] for c in children[u])

    gaps = {k: np.full(n, NAN) for k in ("pv_gap", "gv_gap", "legs_gap", "active_frontline_gap")}
    for u in sorted(range(n), key=lambda v: -depth[v]):
        if not member[u]:
            continue
        for r in range(len(ranks) - 1, -1, -1):
            q = ranks[r]
            if ("pv" in q and pv[u] < q["pv"]) or ("gv" in q and capped(u, r) < q["gv"]) \
                    or ("active_frontline" in q and af(u) < q["active_frontline"]) \
                    or any(ql(u, e["rank"]) < e["count"] for e in q.get("legs", [])):
                continue
            rank[u] = r
            break
        nx = rank[u] + 1
        if nx < len(ranks):
            q = ranks[nx]
            gaps["pv_gap"][u] = max(0, q["pv"] - pv[u]) if "pv" in q else 0
            gaps["gv_gap"][u] = max(0, q["gv"] - capped(u, nx)) if "gv" in q else 0
            gaps["legs_gap"][u] = sum(max(0, e["count"] - ql(u, e["rank"])) for e in q.get("legs", []))
            gaps["active_frontline_gap"][u] = max(0, q["active_frontline"] - af(u)) if "active_frontline" in q else 0
    bonus = {b: np.zeros(n) for b in ("unilevel", "differential", "generation", "fast_start")}
    uni, diff, gen = plan.get("unilevel"), plan.get("differential"), plan.get("generation")

    def rate(w):
        table = diff["rate_by_rank"]
        return table.get(rname[rank[w]], 0.0) if active[w] and rank[w] >= 0 else 0.0

    for v in range(n):
        up = ups(v)
        if uni:
            between = 0
            for i, u in enumerate(up):
                level = 1 + between if uni.get("compression") else i + 1
                paid = len(uni["rates"])
                if "levels_by_rank" in uni:
                    paid = min(paid, uni["levels_by_rank"].get(rname[rank[u]], 0) if rank[u] >= 0 else 0)
                if active[u] and level <= paid:
                    bonus["unilevel"][u] += uni["rates"][level - 1] * cv[v]
                between += active[u]
        if diff:
            top = 0.0
            for u in [v] + up:
                if active[u]:
                    bonus["differential"][u] += cv[v] * max(0.0, rate(u) - top)
                top = max(top, rate(u))
        if gen:
            k = rname.index(gen["rank"])
            leader = lambda w: active[w] and rank[w] >= k  # noqa: E731
            g = int(leader(v))
            for u in up:
                if leader(u) and 1 <= g <= len(gen["rates"]):
                    bonus["generation"][u] += gen["rates"][g - 1] * cv[v]
                g += leader(u)
        if fast:
            for k, u in enumerate(up[:len(fast["rates"])]):
                if active[u]:
                    bonus["fast_start"][u] += fast["rates"][k] * fs[v]
    earned = sum(b.sum() for b in bonus.values())
    factor = 1.0
    if "cap" in plan and earned > plan["cap"]["share_of_sales"] * sales:
        limit = plan["cap"]["share_of_sales"] * sales
        factor = limit / earned if limit > 0 else 0.0
    for b in bonus.values():
        b *= factor
    total = sum(bonus.values())
    return dict(member=member, pv=pv, cv=cv, gv=gv, active=active, rank=rank, **gaps, **bonus, total=total,
                sales=sales, factor=factor)


def random_company(rng, n):
    ids = [int(x) for x in rng.permutation(10 * n)[:n] + 1]
    shape = rng.integers(4)
    sponsors = [None]
    for i in range(1, n):
        p = {0: rng.integers(i), 1: i - 1, 2: 0}.get(shape, rng.integers(i) if rng.random() < 0.8 else -1)
        sponsors.append(None if p < 0 else ids[p])
    enrolled = [pd.Timestamp("2023-11-01") + pd.Timedelta(days=int(d)) for d in rng.integers(0, 120, n)]
    m = int(rng.integers(0, 6 * n + 1))
    pvs = np.round(rng.uniform(-20, 120, m), 2)
    orders = pd.DataFrame({"participant_id": [ids[i] for i in rng.integers(0, n, m)],
                           "ordered_on": pd.Timestamp("2023-12-01") + pd.to_timedelta(rng.integers(0, 80, m), "D"),
                           "pv": pvs, "cv": np.where(rng.random(m) < 0.3, pvs / 2, pvs), "amount": pvs * 1.5 + 2})
    people = pd.DataFrame({"id": ids, "sponsor_id": pd.array(sponsors, dtype="Int64"), "enrolled_on": enrolled})
    return people, orders


def random_plan(rng):
    R = int(rng.integers(0, 6))
    ranks = []
    for r in range(R):
        q = {"name": f"R{r}"}
        if rng.random() < 0.7:
            q["pv"] = float(rng.uniform(0, 90))
        if rng.random() < 0.7:
            q["gv"] = float(rng.uniform(0, 300) * (r + 1))
            if rng.random() < 0.6:
                q["max_leg_share"] = float(rng.uniform(0.2, 1))
        if rng.random() < 0.4:
            q["active_frontline"] = int(rng.integers(0, 3))
        if r and rng.random() < 0.5:
            q["legs"] = [{"count": int(rng.integers(1, 3)), "rank": f"R{rng.integers(r)}"}]
        ranks.append(q)
    plan = {"active_pv": float(rng.uniform(1, 60)), "ranks": ranks,
            "unilevel": {"rates": list(rng.uniform(0, 0.1, int(rng.integers(1, 6)))),
                         "compression": bool(rng.random() < 0.5)},
            "fast_start": {"days": int(rng.integers(1, 90)), "rates": list(rng.uniform(0, 0.2, int(rng.integers(1, 4))))}}
    if R and rng.random() < 0.5:
        plan["unilevel"]["levels_by_rank"] = {f"R{r}": int(rng.integers(0, 7)) for r in range(R) if rng.random() < 0.8}
    if R:
        plan["differential"] = {"rate_by_rank": {f"R{r}": float(rng.uniform(0, 0.2)) for r in range(R)
                                                 if rng.random() < 0.8}}
        plan["generation"] = {"rank": f"R{rng.integers(R)}", "rates": list(rng.uniform(0, 0.05, int(rng.integers(1, 4))))}
    if rng.random() < 0.6:
        plan["cap"] = {"share_of_sales": float(rng.uniform(0, 0.1))}
    return plan


@pytest.fixture
def threads():
    yield
    dl.set_num_threads(0)


@pytest.mark.parametrize("seed", range(40))
def test_evaluate_equals_the_brute_force_reference(seed, threads):
    rng = np.random.default_rng(seed)
    people, orders = random_company(rng, int(rng.integers(1, 40)) if seed < 35 else int(rng.integers(150, 300)))
    plan = random_plan(rng)
    ref = brute(people.id.tolist(), [None if pd.isna(s) else int(s) for s in people.sponsor_id],
                list(people.enrolled_on), orders, plan, "2024-01-01", "2024-02-01")
    member = ref["member"]
    ref = {k: (v[member] if isinstance(v, np.ndarray) else v) for k, v in ref.items()}
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    first = None
    for t in (1, 2, 3):
        dl.set_num_threads(t)
        ev = dl.CompensationPlan(plan).evaluate(net, orders, start="2024-01-01")
        p = ev.participants
        assert list(p.index) == list(people.id[member])  # participants enrolled after the period: left out
        for col in ("pv", "cv", "gv", "pv_gap", "gv_gap", "legs_gap", "active_frontline_gap", "unilevel",
                    "differential", "generation", "fast_start", "total"):
            np.testing.assert_allclose(p[col].to_numpy(dtype=float), ref[col], rtol=1e-9, atol=1e-9, err_msg=col)
        np.testing.assert_array_equal(p["active"].to_numpy(), ref["active"])
        np.testing.assert_array_equal(p["rank"].cat.codes.to_numpy(), ref["rank"])
        assert ev.totals["sales"] == pytest.approx(ref["sales"])
        assert ev.totals["cap_factor"] == pytest.approx(ref["factor"])
        assert ev.totals["paid"] == pytest.approx(ref["total"].sum())
        assert ev.ranks.sum() == (ref["rank"] >= 0).sum()
        if first is None:
            first = p
        else:
            pd.testing.assert_frame_equal(p, first)  # the same bits on any thread count
    # every order mapped once, CV and the amount with them: the same answer
    ev = dl.CompensationPlan(plan).evaluate(net, net.activity(orders, values=["cv", "amount"]), start="2024-01-01")
    pd.testing.assert_frame_equal(ev.participants, first, check_exact=True)
    assert ev.totals["sales"] == pytest.approx(ref["sales"])


def star(volumes, cv=None, plan=None):
    """Participant 0 sponsoring 1..m, each with one order of the given PV (and CV)."""
    m = len(volumes) - 1
    people = pd.DataFrame({"id": range(m + 1), "sponsor_id": pd.array([None] + [0] * m, dtype="Int64")})
    orders = pd.DataFrame({"participant_id": range(m + 1), "ordered_on": pd.Timestamp("2024-01-15"),
                           "pv": volumes, "cv": cv if cv is not None else volumes})
    return dl.CompensationPlan(plan).evaluate(dl.Network.from_frame(people), orders, start="2024-01-01")


def test_amway_stairstep_differential():
    # Amway's Sales and Marketing Plan brochure: a participant at 21 % with own volume 60,000
    # and frontline groups of 120,000 (12 %), 120,000 (12 %), 60,000 (9 %) and 240,000 (15 %)
    # earns 126,000 - 14,400 - 14,400 - 5,400 - 36,000 = 55,800.
    plan = {"active_pv": 1, "ranks": [{"name": "9%", "gv": 60000}, {"name": "12%", "gv": 120000},
                                      {"name": "15%", "gv": 240000}, {"name": "21%", "gv": 600000}],
            "differential": {"rate_by_rank": {"9%": 0.09, "12%": 0.12, "15%": 0.15, "21%": 0.21}}}
    ev = star([60000, 120000, 120000, 60000, 240000], plan=plan)
    assert ev.participants.differential.tolist() == pytest.approx([55800, 14400, 14400, 5400, 36000])
    assert ev.participants["rank"].tolist() == ["21%", "12%", "12%", "9%", "15%"]


def test_differential_over_a_team_and_the_leg_cap():
    plan = {"active_pv": 1, "ranks": [{"name": "Team", "pv": 1000}, {"name": "Leader", "gv": 1100}],
            "differential": {"rate_by_rank": {"Team": 0.12, "Leader": 0.15}}}
    # 15 % over a 12 % team of 1,000 volume pays 30 (the leader's own order carries no CV)
    assert star([100, 1000], cv=[0, 1000], plan=plan).participants.differential[0] == pytest.approx(30)
    # a leg cap of 80 % on 20,000 counts a single 19,000 leg as 16,000: 4,000 more needed
    capped = {"active_pv": 1, "ranks": [{"name": "Director", "gv": 20000, "max_leg_share": 0.8}]}
    p = star([0, 19000], plan=capped).participants
    assert p.gv_gap[0] == pytest.approx(4000)
    assert pd.isna(p["rank"][0]) and p["next_rank"][0] == "Director"


def test_fast_start_and_payout_cap():
    # 20 % on first-60-day orders of 132, 78 and 147 pays 26.40 + 15.60 + 29.40 = 71.40
    people = pd.DataFrame({"id": [0, 1, 2, 3], "sponsor_id": pd.array([None, 0, 0, 0], dtype="Int64"),
                           "enrolled_on": pd.to_datetime(["2023-01-01", "2023-12-20", "2023-12-25", "2024-01-02"])})
    orders = pd.DataFrame({"participant_id": [0, 1, 2, 3, 1], "pv": [50, 132, 78, 147, 500],
                           "ordered_on": pd.to_datetime(["2024-01-05"] * 4 + ["2024-01-31"])})
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    plan = dl.CompensationPlan({"active_pv": 50, "fast_start": {"days": 30, "rates": [0.2]}})
    assert plan.evaluate(net, orders, start="2024-01-01").participants.fast_start[0] == pytest.approx(71.40)
    # a payout cap of 900 over earnings of 900 and 450 pays 600 and 300
    people = pd.DataFrame({"id": [0, 1, 2, 3], "sponsor_id": pd.array([None, 0, None, 2], dtype="Int64")})
    orders = pd.DataFrame({"participant_id": [0, 1, 2, 3], "ordered_on": pd.Timestamp("2024-01-10"),
                           "pv": [1, 9000, 1, 4500], "amount": [0, 9000, 0, 0]})
    ev = dl.CompensationPlan({"active_pv": 1, "unilevel": {"rates": [0.1]}, "cap": {"share_of_sales": 0.1}}) \
        .evaluate(dl.Network.from_frame(people), orders, start="2024-01-01")
    assert ev.participants.total.tolist() == pytest.approx([600, 0, 300, 0])
    assert ev.totals["cap_factor"] == pytest.approx(900 / 1350)
    assert ev.totals["payout_ratio"] == pytest.approx(0.1)


@pytest.mark.parametrize("plan, needles", [
    ({}, ["active_pv", "missing"]),
    ({"active_pv": 0}, ["active_pv", "> 0"]),
    ({"active_pv": 50, "bonus": {}}, ["bonus", "not a field"]),
    ({"active_pv": 50, "ranks": [{"name": "A"}, {"name": "A"}]}, ["ranks[1].name", "unique"]),
    ({"active_pv": 50, "ranks": [{"name": "A", "gv": 5, "max_leg_share": 1.2}]}, ["ranks[0].max_leg_share", "1.2"]),
    ({"active_pv": 50, "ranks": [{"name": "A", "legs": [{"count": 1, "rank": "Z"}]}]}, ["ranks[0].legs[0].rank", "Z"]),
    ({"active_pv": 50, "ranks": [{"name": "A"}], "generation": {"rank": "B", "rates": [0.1]}}, ["generation.rank"]),
    ({"active_pv": 50, "unilevel": {"rates": []}}, ["unilevel.rates", "empty"]),
    ({"active_pv": 50, "unilevel": {"rates": [0.1, float("nan")]}}, ["unilevel.rates[1]", "nan"]),
    ({"active_pv": 50, "fast_start": {"days": 60, "rates": [-0.1]}}, ["fast_start.rates[0]", "-0.1"]),
    ({"active_pv": 50, "cap": {"share_of_sales": float("inf")}}, ["cap.share_of_sales", "inf"]),
    ({"active_pv": 50, "ranks": [{"name": f"R{r}"} for r in range(101)]}, ["ranks", "101 ranks", "at most 100"]),
])
def test_malformed_plans_name_the_field(plan, needles):
    with pytest.raises(dl.InputError) as exc:
        dl.CompensationPlan(plan)
    for s in needles:
        assert s in str(exc.value)


def test_plan_round_trip_repr_and_example(tmp_path):
    plan = dl.CompensationPlan.example()
    assert plan.ranks == ["Associate", "Bronze", "Silver", "Gold", "Diamond"]
    assert dl.CompensationPlan(plan.to_dict()) == plan
    assert plan.to_dict()["unilevel"]["levels_by_rank"]["Gold"] == 5
    assert "Diamond" in repr(plan) and "<table" in plan._repr_html_()
    path = tmp_path / "plan.json"
    path.write_text('{"active_pv": 20, "ranks": [{"name": "X", "pv": 20}]}')
    assert dl.CompensationPlan.from_json(path).to_dict() == {"active_pv": 20.0, "ranks": [{"name": "X", "pv": 20.0}]}
    path.write_text('{"active_pv": 20,')
    with pytest.raises(dl.InputError, match="plan.json: not a JSON document"):
        dl.CompensationPlan.from_json(path)


def test_activity_input_equals_the_frame():
    people, orders = dl.sample(3000, seed=5)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    plan = dl.CompensationPlan.example()
    frame = orders.drop(columns=["amount"])
    by_frame = plan.evaluate(net, frame, start="2023-03-01", end="2023-04-01")
    by_activity = plan.evaluate(net, net.activity(orders), start="2023-03-01", end="2023-04-01")
    pd.testing.assert_frame_equal(by_frame.participants, by_activity.participants)
    assert by_frame.totals["sales"] == pytest.approx(by_activity.totals["sales"])


def test_an_activity_carries_cv_and_amount_as_value_columns():
    people, orders = dl.sample(3000, seed=5)
    orders = orders.assign(cv=np.round(orders["pv"] * 0.8, 2))
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    plan = dl.CompensationPlan.example()
    march = dict(start="2023-03-01", end="2023-04-01")
    act = net.activity(orders, values=["cv", "amount"])
    assert act.values == ["cv", "amount"]
    by_frame = plan.evaluate(net, orders, **march)  # its cv and amount columns
    by_activity = plan.evaluate(net, act, **march)
    pd.testing.assert_frame_equal(by_activity.participants, by_frame.participants, check_exact=True)
    pd.testing.assert_series_equal(by_activity.totals, by_frame.totals, check_exact=True)
    in_march = (orders.ordered_on >= "2023-03-01") & (orders.ordered_on < "2023-04-01")
    assert by_activity.totals["sales"] == pytest.approx(orders.amount[in_march].sum())  # sales: the amounts
    cv = orders[in_march].groupby("participant_id")["cv"].sum()
    got = by_activity.participants["cv"]
    np.testing.assert_allclose(got.reindex(cv.index).to_numpy(), cv.to_numpy(), rtol=1e-12)
    assert (got.drop(cv.index) == 0).all()
    # pickled with its value columns
    again = pickle.loads(pickle.dumps(act))
    assert again.values == ["cv", "amount"]
    pd.testing.assert_frame_equal(plan.evaluate(again.network, again, **march).participants,
                                  by_activity.participants, check_exact=True)
    # bad names and values
    with pytest.raises(dl.InputError, match="cv: the Activity has no value column 'cv'"):
        plan.evaluate(net, net.activity(orders), cv="cv", **march)
    with pytest.raises(dl.InputError, match="values: expected a list of column names"):
        net.activity(orders, values="cv")
    with pytest.raises(dl.InputError, match="'cv' named twice"):
        net.activity(orders, values=["cv", "cv"])
    with pytest.raises(dl.InputError, match="nope"):
        net.activity(orders, values=["nope"])
    bad = orders.copy()
    bad.loc[bad.index[[4, 9]], "cv"] = [np.nan, np.inf]
    with pytest.raises(dl.InputError, match=r"NaN or infinite value, rows: 4, 9, in column 'cv'"):
        net.activity(bad, values=["cv"])


def test_some_random_companies_leave_participants_out():
    left_out = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        people, _ = random_company(rng, int(rng.integers(1, 40)) if seed < 35 else int(rng.integers(150, 300)))
        left_out += bool((people.enrolled_on >= pd.Timestamp("2024-02-01")).any())
    assert left_out > 20


def test_run_is_one_evaluation_per_month_and_titles_are_running_maxima():
    people, orders = dl.sample(4000, seed=11)
    orders["pv"] *= 6  # volumes that reach the example's upper ranks
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    plan = dl.CompensationPlan.example()
    run = plan.run(net, orders, start="2023-01-01", end="2024-01-01")
    assert len(run.periods) == 12 and run.periods[0] == pd.Timestamp("2023-01-01")
    best = None
    for i, period in enumerate(run.periods):
        ev = plan.evaluate(net, orders, start=period)
        got = run.participants.loc[period]
        pd.testing.assert_frame_equal(got.drop(columns="title"), ev.participants, check_names=False)
        pd.testing.assert_series_equal(run.totals.loc[period], ev.totals, check_names=False)
        codes = ev.participants["rank"].cat.codes
        best = codes if best is None else np.maximum(codes, best.reindex(codes.index, fill_value=-1))
        assert (got["title"].cat.codes.to_numpy() == best.to_numpy()).all()
    assert run.participants["rank"].cat.codes.max() >= 2  # ranks above the lowest are held
    ch = run.rank_changes
    assert set(ch["change"].unique()) >= {"advanced", "dropped", "same"}
    adv = ch[ch["change"] == "advanced"]
    assert (adv["after"].cat.codes > adv["before"].cat.codes).all()
    # rank changes against pandas: each period's ranks joined with the period before's
    for before, after in zip(run.periods[:-1], run.periods[1:]):
        both = pd.concat([run.participants.loc[before, "rank"].cat.codes.rename("b"),
                          run.participants.loc[after, "rank"].cat.codes.rename("a")], axis=1, join="inner")
        got = ch.loc[after]
        assert got.index.tolist() == both.index.tolist()
        assert (got["before"].cat.codes.to_numpy() == both["b"].to_numpy()).all()
        assert (got["after"].cat.codes.to_numpy() == both["a"].to_numpy()).all()
        kind = np.select([both["a"] > both["b"], both["a"] < both["b"]], ["advanced", "dropped"], "same")
        assert got["change"].astype(str).tolist() == kind.tolist()
    # a run of some columns: the same values in those, the same totals, ranks and changes
    some = plan.run(net, orders, start="2023-01-01", end="2024-01-01", columns=["total", "title", "gv"])
    assert list(some.participants.columns) == ["gv", "total", "title"]
    pd.testing.assert_frame_equal(some.participants, run.participants[["gv", "total", "title"]])
    pd.testing.assert_frame_equal(some.totals, run.totals)
    pd.testing.assert_frame_equal(some.ranks, run.ranks)
    pd.testing.assert_frame_equal(some.rank_changes, run.rank_changes)
    with pytest.raises(dl.InputError, match="columns: 'rnak' not a column of a run"):
        plan.run(net, orders, start="2023-01-01", end="2023-03-01", columns=["gv", "rnak"])
    with pytest.raises(dl.InputError, match="columns: expected a list"):
        plan.run(net, orders, start="2023-01-01", end="2023-03-01", columns="gv")
    with pytest.raises(dl.InputError, match="columns: expected a list"):
        plan.run(net, orders, start="2023-01-01", end="2023-03-01", columns=5)
    with pytest.raises(dl.InputError, match="at least one column"):
        plan.run(net, orders, start="2023-01-01", end="2023-03-01", columns=[])
    two = plan.run(net, orders, start="2023-01-01", end="2023-03-01", columns=(c for c in ["rank", "total"]))
    assert list(two.participants.columns) == ["rank", "total"]


def test_compare_plans():
    people, orders = dl.sample(3000, seed=3)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    plan = dl.CompensationPlan.example()
    same = dl.compare_plans(plan, plan, net, orders, start="2023-06-01")
    assert same.summary["gain"] == 0 and same.summary["lose"] == 0
    assert same.summary["equal"] == len(same.participants)
    richer = plan.to_dict()
    richer["unilevel"]["rates"] = [r * 2 for r in richer["unilevel"]["rates"]]
    del richer["cap"]
    cmp = dl.compare_plans(plan, richer, net, orders, start="2023-06-01")
    a, b = cmp.evaluations
    assert cmp.totals.loc["unilevel", "b"] == pytest.approx(2 * a.totals["unilevel"])
    assert cmp.summary["gain"] == int((b.participants.total > a.participants.total).sum()) > 0
    assert cmp.summary["lose"] == 0
    assert cmp.participants.difference.max() == pytest.approx(cmp.summary["largest_gain"])


def test_plots_return_axes():
    import matplotlib

    matplotlib.use("Agg")
    people, orders = dl.sample(2000, seed=4)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    plan = dl.CompensationPlan.example()
    ev = plan.evaluate(net, orders, start="2023-05-01")
    ax = ev.plot()
    assert [b.get_height() for b in ax.patches] == list(ev.ranks.to_numpy())
    ax = plan.run(net, orders, start="2023-01-01", end="2023-04-01").plot()
    assert len(ax.get_xticklabels()) == 3
    left, right = dl.compare_plans(plan, {**plan.to_dict(), "cap": {"share_of_sales": 0.01}}, net, orders,
                                   start="2023-05-01").plot()
    assert len(left.patches) == 2 * 5


def test_runs_of_degenerate_plans_and_the_ranks_table():
    people, orders = dl.sample(500, seed=2)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    run = dl.CompensationPlan({"active_pv": 10}).run(net, orders, start="2023-01-01", end="2023-03-01")
    assert run.ranks.shape == (2, 0) and run.totals["paid"].tolist() == [0, 0]
    assert len(run.rank_changes) > 0 and set(run.rank_changes["change"]) == {"same"}
    plan = dl.CompensationPlan.example()
    run = plan.run(net, orders, start="2023-01-01", end="2023-03-01")
    assert list(run.ranks.columns) == plan.ranks  # the ladder's order, not alphabetical
    for period in run.periods:
        assert run.ranks.loc[period].tolist() == plan.evaluate(net, orders, start=period).ranks.tolist()


def test_frames_are_editable_and_a_one_period_run_keeps_its_index():
    people, orders = dl.sample(800, seed=6)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    plan = dl.CompensationPlan.example()
    p = plan.evaluate(net, orders, start="2023-04-01").participants
    for col in p.columns:
        if p[col].dtype.kind == "f":
            p.loc[p.index[0], col] = 1.5  # every column of numbers can be changed in place
            assert p.loc[p.index[0], col] == 1.5
    run = plan.run(net, orders, start="2023-04-01", end="2023-05-01")
    assert run.rank_changes.index.names == ["period", "id"] and len(run.rank_changes) == 0
    assert "4.5%" in repr(dl.CompensationPlan({"active_pv": 1, "unilevel": {"rates": [0.045]}}))
