"""The binary bonus of a plan on the placement tree, month by month with its carries:
the published example, and random placements against a brute force written here
(explicit subtree sums, carries carried by hand)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import downline as dl

from test_events import by_hand, random_events, until_terminated
from test_placement import with_placement
from reference import members_as_of, random_company


def months(n: int, first: str = "2021-01-01") -> list:
    return list(pd.date_range(first, periods=n + 1, freq="MS"))


def test_the_published_example():
    # left legs of 100,000 + 10,000 + 50,000, right legs of 10,000 + 90,000, at 8 %: 8,000
    # paid, 60,000 carried on the left; a second month adding 100,000 on the right pays
    # 4,800 and carries 40,000 on the right
    people = pd.DataFrame({"id": [1, 2, 3, 4, 5, 6], "sponsor_id": pd.array([None, 1, 1, 1, 1, 1], dtype="Int64"),
                           "placement_id": pd.array([None, 1, 1, 2, 2, 3], dtype="Int64"),
                           "side": [None, "L", "R", "L", "R", "L"]})
    jan, feb = "2024-01-10", "2024-02-10"
    orders = pd.DataFrame({"participant_id": [1, 2, 4, 5, 3, 6, 1, 6],
                           "ordered_on": pd.to_datetime([jan] * 6 + [feb] * 2),
                           "pv": [100.0, 100_000, 10_000, 50_000, 10_000, 90_000, 100, 100_000]})
    net = dl.Network.from_frame(people, placement="placement_id", side="side")
    plan = dl.CompensationPlan({"active_pv": 50, "binary": {"rate": 0.08}})
    run = plan.run(net, orders, start="2024-01-01", end="2024-03-01")
    one = run.participants.xs(1, level="id")
    assert one["binary"].tolist() == pytest.approx([8_000, 4_800])
    assert one["binary_left"].tolist() == pytest.approx([160_000, 60_000])
    assert one["binary_right"].tolist() == pytest.approx([100_000, 100_000])
    assert one["binary_paired"].tolist() == pytest.approx([100_000, 60_000])
    assert one["carry_left"].tolist() == pytest.approx([60_000, 0])
    assert one["carry_right"].tolist() == pytest.approx([0, 40_000])
    # February on its own, from January's carries
    jan_carry = run.participants.xs(pd.Timestamp("2024-01-01"), level="period")
    feb_alone = plan.evaluate(net, orders, start="2024-02-01", carry=jan_carry)
    pd.testing.assert_frame_equal(feb_alone.participants,
                                  run.participants.xs(pd.Timestamp("2024-02-01"), level="period").drop(columns="title"))
    # without January's carries nothing pairs: the right side carries its 100,000
    alone = plan.evaluate(net, orders, start="2024-02-01").participants.loc[1]
    assert (alone["binary"], alone["carry_left"], alone["carry_right"]) == (0, 0, 100_000)


def brute_binary(people: pd.DataFrame, orders: pd.DataFrame, bounds: list, active_pv: float, rate: float,
                 cap, flush: bool, members_on=None) -> pd.DataFrame:
    """Per (period, id) of the members: binary_left, binary_right, binary_paired, binary,
    carry_left, carry_right, by explicit subtree sums and carries kept in a dict.
    members_on(day): id -> whether in the network on that day (default: enrolled, with
    their upline); the others have no volume, and their placement subtrees still count."""
    members_on = members_on or (lambda day: members_as_of(people, day))
    ids = list(people["id"])
    child = {i: {} for i in ids}
    for i, p, s in zip(ids, people["placement_id"], people["side"]):
        if pd.notna(p):
            child[p][s] = i
    carry = {i: [0.0, 0.0] for i in ids}
    rows = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        members = members_on(hi - pd.Timedelta(days=1))
        pv = dict.fromkeys(ids, 0.0)
        inside = orders[(orders["ordered_on"] >= lo) & (orders["ordered_on"] < hi)]
        for pid, v in zip(inside["participant_id"], inside["pv"]):
            if members[pid]:
                pv[pid] += v

        def subtree(top):
            total, stack = 0.0, [top]
            while stack:
                x = stack.pop()
                total += pv[x]
                stack.extend(child[x].values())
            return total

        for i in ids:
            if not members[i]:
                continue
            sides = [max(0.0, carry[i][k] + (subtree(child[i][s]) if s in child[i] else 0.0))
                     for k, s in enumerate("LR")]
            active = pv[i] >= active_pv
            paired = min(sides) if active else 0.0
            bonus = min(rate * paired, cap) if cap is not None else rate * paired
            carry[i] = [0.0, 0.0] if (not active and flush) else [sides[0] - paired, sides[1] - paired]
            rows.append({"period": lo, "id": i, "binary_left": sides[0], "binary_right": sides[1],
                         "binary_paired": paired, "binary": bonus if active else 0.0,
                         "carry_left": carry[i][0], "carry_right": carry[i][1]})
    return pd.DataFrame(rows).set_index(["period", "id"])


@pytest.mark.parametrize("shape", ["random", "chain", "forest"])
@pytest.mark.parametrize("flush", [False, True])
@pytest.mark.parametrize("cap", [None, 25.0])
def test_random_placements_equal_the_brute_force(shape, flush, cap):
    rng = np.random.default_rng(hash((shape, flush, cap)) % 2**32)
    people, orders = random_company(120, "random", rng)
    people = with_placement(people, shape, rng)
    # refunds larger than the carries, and months without orders (inactive), come with the data
    orders = orders.assign(pv=orders["pv"] * rng.choice([1.0, 1.0, 1.0, -3.0], len(orders)))
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on", placement="placement_id", side="side")
    binary = {"rate": 0.1, "flush_inactive": flush, **({"cap": cap} if cap is not None else {})}
    plan = dl.CompensationPlan({"active_pv": 40, "binary": binary})
    bounds = months(5, "2021-01-01")
    run = plan.run(net, orders, start=bounds[0], end=bounds[-1])
    want = brute_binary(people, orders, bounds, 40, 0.1, cap, flush)
    got = run.participants[list(want.columns)]
    got.index = got.index.set_names(["period", "id"])
    pd.testing.assert_frame_equal(got.sort_index(), want.sort_index(), check_exact=False, rtol=1e-9, atol=1e-6)
    by_period = want.groupby(level="period")["binary"].sum().reindex(bounds[:-1], fill_value=0.0)
    assert run.totals["binary"].tolist() == pytest.approx(by_period.tolist())
    assert (run.participants["total"] == run.participants["binary"]).all()  # the only bonus
    # each month alone from the month before's carries (a month may have no members yet)
    def of_period(p):
        rows = run.participants[run.participants.index.get_level_values("period") == p]
        return rows.droplevel("period")

    for k in range(1, len(bounds) - 1):
        alone = plan.evaluate(net, orders, start=bounds[k], end=bounds[k + 1], carry=of_period(bounds[k - 1]))
        pd.testing.assert_frame_equal(alone.participants, of_period(bounds[k]).drop(columns="title"),
                                      check_index_type=False)


@pytest.mark.parametrize("flush", [False, True])
def test_a_binary_run_with_events_keeps_the_placement_tree(flush):
    # transfers and terminations edit the sponsor tree only: a terminated participant's
    # position stays in the placement tree, without volume or bonus, the volume placed
    # below it still counting above it
    rng = np.random.default_rng(31 + flush)
    people, orders = random_company(120, "random", rng)
    people = with_placement(people, "random", rng)
    events = random_events(people, rng, 60)
    orders = until_terminated(orders, events)
    orders = orders.assign(pv=orders["pv"] * rng.choice([1.0, 1.0, 1.0, -3.0], len(orders)))
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on", placement="placement_id", side="side",
                                events=events)
    plan = dl.CompensationPlan({"active_pv": 40, "unilevel": {"rates": [0.1]},
                                "binary": {"rate": 0.1, "cap": 30.0, "flush_inactive": flush}})
    bounds = months(5, sorted(events["effective_on"])[10].to_period("M").start_time)
    ids = list(people["id"])

    def members_on(day):
        kept = by_hand(people, events, day)
        return {i: i in kept for i in ids}

    run = plan.run(net, orders, start=bounds[0], end=bounds[-1])
    want = brute_binary(people, orders, bounds, 40, 0.1, 30.0, flush, members_on)
    got = run.participants[list(want.columns)]
    got.index = got.index.set_names(["period", "id"])
    pd.testing.assert_frame_equal(got.sort_index(), want.sort_index(), check_exact=False, rtol=1e-9, atol=1e-6)
    gone = set(events.loc[events["terminated"].astype(bool), "participant_id"])
    assert gone & set(run.participants.index.get_level_values("id")) and want["binary"].sum() > 0
    assert (events["effective_on"].between(bounds[0], bounds[-1])).sum() >= 5  # events inside the run
    # the sponsor tree's bonuses as on the network as it stood; each month alone from the
    # month before's carries (those of the participants terminated since ignored)
    for k in range(len(bounds) - 1):
        month = run.participants.xs(bounds[k], level="period")
        pd.testing.assert_series_equal(month["total"], month["unilevel"] + month["binary"], check_names=False)
        if k:
            before = run.participants.xs(bounds[k - 1], level="period")
            alone = plan.evaluate(net, orders, start=bounds[k], end=bounds[k + 1], carry=before)
            pd.testing.assert_frame_equal(alone.participants, month.drop(columns="title"), check_index_type=False)


def test_the_binary_bonus_counts_under_the_payout_cap():
    people = pd.DataFrame({"id": [1, 2, 3], "sponsor_id": pd.array([None, 1, 1], dtype="Int64"),
                           "placement_id": pd.array([None, 1, 1], dtype="Int64"), "side": [None, "L", "R"]})
    orders = pd.DataFrame({"participant_id": [1, 2, 3], "ordered_on": pd.to_datetime(["2024-01-10"] * 3),
                           "pv": [100.0, 500.0, 300.0], "amount": [100.0, 500.0, 300.0]})
    net = dl.Network.from_frame(people, placement="placement_id", side="side")
    plan = dl.CompensationPlan({"active_pv": 50, "unilevel": {"rates": [0.1]}, "binary": {"rate": 0.5},
                                "cap": {"share_of_sales": 0.1}})
    ev = plan.evaluate(net, orders, start="2024-01-01")
    earned = 0.1 * 800 + 0.5 * 300  # unilevel of 1, binary of 1
    assert ev.totals["earned"] == pytest.approx(earned)
    assert ev.totals["cap_factor"] == pytest.approx(0.1 * 900 / earned)
    assert ev.participants.loc[1, "binary"] == pytest.approx(150 * 0.1 * 900 / earned)
    assert ev.totals["paid"] == pytest.approx(90)
    assert ev.participants.loc[1, "carry_left"] == 200  # the carries are not capped


def test_binary_needs_a_placement_tree_and_good_carries():
    people = pd.DataFrame({"id": [1, 2], "sponsor_id": pd.array([None, 1], dtype="Int64"),
                           "placement_id": pd.array([None, 1], dtype="Int64"), "side": [None, "L"]})
    orders = pd.DataFrame({"participant_id": [1], "ordered_on": ["2024-01-10"], "pv": [100.0]})
    plan = dl.CompensationPlan({"active_pv": 50, "binary": {"rate": 0.1}})
    with pytest.raises(dl.InputError, match="needs a placement tree"):
        plan.evaluate(dl.Network.from_frame(people), orders, start="2024-01-01")
    net = dl.Network.from_frame(people, placement="placement_id", side="side")
    with pytest.raises(dl.InputError, match="no column 'carry_right'"):
        plan.evaluate(net, orders, start="2024-01-01", carry=pd.DataFrame({"carry_left": [1.0]}, index=[1]))
    with pytest.raises(dl.InputError, match="negative, NaN or infinite: \\[2\\]"):
        plan.evaluate(net, orders, start="2024-01-01",
                      carry=pd.DataFrame({"carry_left": [1.0, -1.0], "carry_right": [0.0, 0.0]}, index=[1, 2]))
    with pytest.raises(dl.UnknownIdError, match="not in the network: 7"):
        plan.evaluate(net, orders, start="2024-01-01",
                      carry=pd.DataFrame({"carry_left": [1.0], "carry_right": [0.0]}, index=[7]))
    with pytest.raises(dl.InputError, match="carry: the plan has no binary bonus"):
        dl.CompensationPlan({"active_pv": 50}).evaluate(net, orders, start="2024-01-01", carry=pd.DataFrame())
    for bad, message in [({"rate": -0.1}, "binary.rate"), ({"rate": 0.1, "cap": float("inf")}, "binary.cap"),
                         ({"rate": 0.1, "flush_inactive": 1}, "binary.flush_inactive"), ({}, "binary.rate"),
                         ({"rate": 0.1, "carry": 3}, "binary")]:
        with pytest.raises(dl.InputError, match=message):
            dl.CompensationPlan({"active_pv": 50, "binary": bad})
    plan_dict = {"active_pv": 50.0, "ranks": [], "binary": {"rate": 0.1, "cap": 500.0, "flush_inactive": True}}
    assert dl.CompensationPlan(plan_dict).to_dict() == plan_dict
    with pytest.raises(dl.InputError, match="columns"):
        dl.CompensationPlan({"active_pv": 50}).run(net, orders, "2024-01-01", "2024-02-01", columns=["binary"])
