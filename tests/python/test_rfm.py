"""dl.rfm and dl.migration against brute-force pandas references written here."""

import numpy as np
import pandas as pd
import pytest

import downline as dl
from test_segment import brute_lifecycle, random_orders
from reference import members_as_of

AS_OF = pd.Timestamp("2022-10-15")


def brute_rfm_values(orders, as_of, universe):
    """recency, frequency (distinct days of rows with amount > 0), monetary (every row)."""
    o = orders.assign(day=orders["ordered_on"].dt.normalize())
    o = o[o["day"] <= as_of]
    out = {}
    for pid in universe:
        g = o[o["participant_id"] == pid]
        pos = g[g["amount"] > 0]
        f = pos["day"].nunique()
        r = (as_of - pos["day"].max()).days if f else None
        out[pid] = (r, f, g["amount"].sum())
    return pd.DataFrame.from_dict(out, orient="index", columns=["recency", "frequency", "monetary"])


def rank_scores(values: pd.Series, higher_is_better: bool) -> pd.Series:
    """The stated tie rule through pandas' rank: 1 + floor(5 * (strictly worse) / n)."""
    worse = values.rank(method="min", ascending=higher_is_better) - 1
    return (1 + np.floor(5 * worse / len(values))).astype(int)


def cut(value, edges, higher_is_better):
    if higher_is_better:
        score = 1
        for e in edges:
            if value >= e:
                score += 1
        return score
    for score, e in zip((5, 4, 3, 2), edges):
        if value <= e:
            return score
    return 1


def first_rule(r, f, m, rules, other):
    for name, rule in rules:
        ok = True
        for letter, v in zip("RFM", (r, f, m)):
            if letter in rule:
                lo, hi = rule[letter] if isinstance(rule[letter], tuple) else (rule[letter], rule[letter])
                ok &= lo <= v <= hi
        if ok:
            return name
    return other


def test_quantile_tie_rule_on_a_small_example():
    # F values 1, 1, 1, 2, 5 (5 customers): strictly smaller counts 0, 0, 0, 3, 4 -> 1, 1, 1, 4, 5
    days = ["2022-01-01", "2022-01-02", "2022-01-03", "2022-01-04", "2022-01-05"]
    rows = [(1, days[0]), (2, days[0]), (3, days[0]), (4, days[0]), (4, days[1]),
            *[(5, d) for d in days]]
    orders = pd.DataFrame(rows, columns=["participant_id", "ordered_on"]).assign(amount=10.0)
    orders["ordered_on"] = pd.to_datetime(orders["ordered_on"])
    got = dl.rfm(orders, "2022-01-05")
    assert got["F"].tolist() == [1, 1, 1, 4, 5]
    # recency 4, 4, 4, 3, 0: strictly larger counts 0, 0, 0, 3, 4 -> R 1, 1, 1, 4, 5
    assert got["recency"].tolist() == [4, 4, 4, 3, 0]
    assert got["R"].tolist() == [1, 1, 1, 4, 5]
    assert got["score"].tolist()[-1] == "555"


@pytest.mark.parametrize("seed", range(4))
def test_rfm_equals_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    ids, orders = random_orders(rng, 250, 1_500)  # refunds (negative amounts) and same-day orders
    orders["amount"] = np.where(rng.random(len(orders)) < 0.3, np.round(orders["amount"]), orders["amount"])
    universe = np.concatenate([ids, [1, 2]]) if seed % 2 else None
    bins = {"R": [10, 40, 90, 200], "M": [0, 50, 100, 250]} if seed >= 2 else None
    rules = [("hot", {"R": (4, 5)}), ("rich", {"M": (4, 5), "F": (3, 5)}), ("meh", {"F": 2})] if seed == 3 \
        else dl.segment.RFM_SEGMENTS
    got = dl.rfm(orders, AS_OF, participants=universe, bins=bins, segments=rules)
    want_universe = universe if universe is not None else np.sort(orders["participant_id"].unique())
    want = brute_rfm_values(orders, AS_OF, want_universe)
    assert list(got.index) == list(want_universe)
    np.testing.assert_array_equal(got["frequency"].to_numpy(), want["frequency"].to_numpy())
    np.testing.assert_array_equal(got["recency"].to_numpy(dtype=float, na_value=np.nan),
                                  want["recency"].to_numpy(dtype=float))
    np.testing.assert_allclose(got["monetary"].to_numpy(), want["monetary"].to_numpy(), atol=1e-9)
    buyers = want[want["frequency"] > 0]
    exp = pd.DataFrame(index=buyers.index)
    for letter, col, better in (("R", "recency", False), ("F", "frequency", True), ("M", "monetary", True)):
        if bins and letter in bins:
            exp[letter] = [cut(v, bins[letter], better) for v in buyers[col]]
        else:
            exp[letter] = rank_scores(buyers[col].astype(float), better)
    exp["score"] = exp["R"].astype(str) + exp["F"].astype(str) + exp["M"].astype(str)
    exp["segment"] = [first_rule(r, f, m, rules, "Other") for r, f, m in zip(exp["R"], exp["F"], exp["M"])]
    g = got.loc[buyers.index]
    for col in ("R", "F", "M"):
        np.testing.assert_array_equal(g[col].to_numpy(dtype=int), exp[col].to_numpy(), err_msg=col)
    assert g["score"].tolist() == exp["score"].tolist()
    assert g["segment"].astype(str).tolist() == exp["segment"].tolist()
    non_buyers = got.loc[~got.index.isin(buyers.index)]
    assert non_buyers["R"].isna().all() and non_buyers["segment"].isna().all()
    assert non_buyers["score"].isna().all()
    # equal values always share a score
    for col, score in (("frequency", "F"), ("recency", "R")):
        assert (g.groupby(buyers[col])[score].nunique() == 1).all()
    assert list(got["segment"].cat.categories) == [n for n, _ in rules] + ["Other"]


def test_default_segments_cover_every_r_f_cell():
    rules = dl.segment.RFM_SEGMENTS
    for r in range(1, 6):
        for f in range(1, 6):
            assert first_rule(r, f, 3, rules, None) is not None, (r, f)


def test_rfm_columns_do_not_share_their_missing_masks():
    # editing one score of the returned frame must leave the other columns alone
    orders = pd.DataFrame({"participant_id": [1, 1, 2, 3],
                           "ordered_on": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-05", "2024-03-01"]),
                           "amount": [5.0, 6.0, 7.0, 8.0]})
    out = dl.rfm(orders, "2024-03-01")
    out.loc[1, "R"] = pd.NA
    assert out.loc[1, "recency"] == 29  # 2024-03-01 - 2024-02-01 (a leap year)
    assert out.loc[1, ["F", "M"]].notna().all()


def test_rfm_dates_as_strings_timestamps_and_datetime64():
    rng = np.random.default_rng(5)
    _, orders = random_orders(rng, 50, 300)
    base = dl.rfm(orders, AS_OF)
    iso = orders.assign(ordered_on=orders["ordered_on"].dt.strftime("%Y-%m-%d"))
    pd.testing.assert_frame_equal(dl.rfm(iso, "2022-10-15"), base)
    pd.testing.assert_frame_equal(dl.rfm(orders, np.datetime64("2022-10-15")), base)
    pd.testing.assert_frame_equal(dl.rfm(orders.assign(ordered_on=orders["ordered_on"].dt.tz_localize("UTC")),
                                         AS_OF.to_pydatetime()), base)


def test_rfm_bad_arguments():
    _, orders = random_orders(np.random.default_rng(1), 20, 50)
    with pytest.raises(dl.InputError, match=r"bins\['R'\]: expected 4 increasing"):
        dl.rfm(orders, AS_OF, bins={"R": [5, 4, 3, 2]})
    with pytest.raises(dl.InputError, match="keys among"):
        dl.rfm(orders, AS_OF, bins={"X": [1, 2, 3, 4]})
    with pytest.raises(dl.InputError, match="within 1..5"):
        dl.rfm(orders, AS_OF, segments=[("a", {"R": (0, 3)})])
    with pytest.raises(dl.InputError, match="names must differ"):
        dl.rfm(orders, AS_OF, segments=[("a", {"R": 1}), ("a", {"R": 2})])
    with pytest.raises(dl.InputError, match="missing column 'amount'"):
        dl.rfm(orders.drop(columns="amount"), AS_OF)


# ----------------------------------------------------------------------------- migration
@pytest.mark.parametrize("seed", range(3))
def test_migration_equals_brute_force(seed):
    rng = np.random.default_rng(200 + seed)
    ids, orders = random_orders(rng, 200, 1_200)
    t0, t1 = pd.Timestamp("2022-05-01"), pd.Timestamp("2022-12-31")
    f_tiers, r_tiers = dl.segment.FREQUENCY_TIERS, dl.segment.RECENCY_TIERS
    if seed == 2:  # a network with enrolment dates, and participants who never order
        universe = np.concatenate([ids, [1, 2, 3]])
        enrolled = pd.Timestamp("2021-06-01") + pd.to_timedelta(rng.integers(0, 700, len(universe)), unit="D")
        # every other participant under an earlier one, who may have enrolled later: then
        # they are not in the network yet either (as of a date, as volumes has it)
        up = [None if k % 2 == 0 else universe[rng.integers(0, k)] for k in range(len(universe))]
        people = pd.DataFrame({"id": universe, "sponsor_id": pd.array(up, dtype="Int64"), "enrolled_on": enrolled})
        participants = dl.Network.from_frame(people, enrolled_on="enrolled_on")
        enrol = pd.Series(enrolled.to_numpy(), index=universe)
    else:
        universe = np.concatenate([ids, [1, 2]]) if seed else np.sort(orders["participant_id"].unique())
        participants = universe if seed else None
        first = orders.groupby("participant_id")["ordered_on"].min().dt.normalize()
        enrol = first.reindex(universe).fillna(pd.Timestamp("1900-01-01"))
    states = {}
    for name, t in (("from", t0), ("to", t1)):
        lc = brute_lifecycle(orders, t, f_tiers, r_tiers, universe)
        state = lc["segment"].fillna("no purchase")
        state[enrol.reindex(universe).to_numpy() > t] = "not yet enrolled"
        if seed == 2:
            inside = members_as_of(people, t)
            state[[not inside[i] for i in universe]] = "not yet enrolled"
        states[name] = state
    got = dl.migration(orders, t0, t1, participants=participants)
    assert list(got.transitions.index) == list(universe)
    assert got.transitions["from"].astype(str).tolist() == states["from"].tolist()
    assert got.transitions["to"].astype(str).tolist() == states["to"].tolist()
    labels = [f"{f} {r}" for f, _ in f_tiers for r, _ in r_tiers] + ["no purchase", "not yet enrolled"]
    want = pd.crosstab(states["from"], states["to"]).reindex(index=labels, columns=labels, fill_value=0)
    assert list(got.matrix.index) == labels and list(got.matrix.columns) == labels
    np.testing.assert_array_equal(got.matrix.to_numpy(), want.to_numpy())
    assert got.matrix.to_numpy().sum() == len(universe)
    rows = want.sum(axis=1).replace(0, np.nan)
    np.testing.assert_allclose(got.rates.to_numpy(), want.div(rows, axis=0).to_numpy())
    if seed == 2:
        assert got.matrix.loc["not yet enrolled"].sum() > 0 and got.matrix.loc["no purchase"].sum() > 0
        below_later = [i for i in universe if not members_as_of(people, t0)[i] and enrol[i] <= t0]
        assert below_later  # enrolled, but below a later enrolment


@pytest.mark.parametrize("listed", [False, True])
def test_migration_counts_customers_of_refunds_only_as_no_purchase(listed):
    rng = np.random.default_rng(17)
    ids, orders = random_orders(rng, 150, 900)  # amounts ~ N(40, 30): some refunds
    only_refunds = pd.DataFrame({"participant_id": [900001, 900002],
                                 "ordered_on": pd.to_datetime(["2022-03-01", "2022-09-01"]), "amount": [-10.0, 0.0]})
    orders = pd.concat([orders, only_refunds], ignore_index=True)
    t0, t1 = pd.Timestamp("2022-05-01"), pd.Timestamp("2022-12-31")
    universe = np.sort(orders["participant_id"].unique())
    if listed:
        universe = np.concatenate([universe, [1, 2]])  # listed, no row at all
    # by hand: refunds are not orders; a customer exists from their first row, a refund's too
    bought = orders[orders["amount"] > 0]
    first_row = orders.groupby("participant_id")["ordered_on"].min().dt.normalize()
    enrol = first_row.reindex(universe).fillna(pd.Timestamp("1900-01-01"))
    f_tiers, r_tiers = dl.segment.FREQUENCY_TIERS, dl.segment.RECENCY_TIERS
    want = {}
    for name, t in (("from", t0), ("to", t1)):
        state = brute_lifecycle(bought, t, f_tiers, r_tiers, universe)["segment"].fillna("no purchase")
        state[enrol.to_numpy() > t] = "not yet enrolled"
        want[name] = state
    got = dl.migration(orders, t0, t1, participants=universe if listed else None, amount="amount")
    assert got.transitions["from"].astype(str).tolist() == want["from"].tolist()
    assert got.transitions["to"].astype(str).tolist() == want["to"].tolist()
    assert got.transitions.loc[900001].tolist() == ["no purchase", "no purchase"]
    assert got.transitions.loc[900002].tolist() == ["not yet enrolled", "no purchase"]


def test_migration_rejects_dates_in_the_wrong_order():
    _, orders = random_orders(np.random.default_rng(2), 20, 50)
    with pytest.raises(dl.InputError, match="before t0"):
        dl.migration(orders, "2022-06-01", "2022-01-01")
