"""Participant types and per-downline mixes against brute-force references written here
(explicit descendant sets, explicit month sets)."""

import numpy as np
import pandas as pd
import pytest

import downline as dl
from reference import members_as_of, random_company


def upline_map(people):
    return dict(zip(people["id"], people["sponsor_id"].astype(object).where(people["sponsor_id"].notna(), None)))


def descendants(people):
    """id -> set of descendant ids (explicit walk up from every participant)."""
    up = upline_map(people)
    out = {pid: set() for pid in people["id"]}
    for pid in people["id"]:
        s = up[pid]
        while s is not None:
            out[s].add(pid)
            s = up[s]
    return out


def brute_types(people, orders, as_of, lookback=365, k=3, m=3, leader=20):
    as_of = pd.Timestamp(as_of)
    up = upline_map(people)
    enrolled = dict(zip(people["id"], people["enrolled_on"]))

    inc = members_as_of(people, as_of)
    desc = descendants(people)
    start = as_of - pd.Timedelta(days=lookback)  # exclusive
    o = orders[(orders["pv"] > 0) & (orders["ordered_on"] <= as_of)]
    in_window = set(o.loc[o["ordered_on"] > start, "participant_id"])
    last_month = as_of.year * 12 + as_of.month - 1
    months = {}
    for pid, d in zip(o["participant_id"], o["ordered_on"]):
        mi = d.year * 12 + d.month - 1
        if last_month - m < mi <= last_month:
            months.setdefault(pid, set()).add(mi)
    builders = {up[pid] for pid in people["id"]
                if up[pid] is not None and inc[pid] and start < enrolled[pid]}
    out = {}
    for pid in people["id"]:
        if not inc[pid]:
            out[pid] = None
        elif sum(inc[d] for d in desc[pid]) >= leader:
            out[pid] = "leader"
        elif pid in builders:
            out[pid] = "builder"
        elif len(months.get(pid, ())) >= k:
            out[pid] = "subscriber"
        elif pid in in_window:
            out[pid] = "consumer"
        else:
            out[pid] = "inactive"
    return pd.Series(out)


CASES = [(60, "random", 0), (200, "mixed", 1), (300, "forest", 2), (40, "star", 3), (120, "chain", 4)]


@pytest.mark.parametrize("n,shape,seed", CASES)
def test_participant_types_equal_brute_force(n, shape, seed):
    rng = np.random.default_rng(seed)
    people, orders = random_company(n, shape, rng)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    span = people["enrolled_on"].max() - people["enrolled_on"].min()
    as_of = people["enrolled_on"].min() + span * 0.7
    args = [dict(), dict(lookback_days=30, subscriber_months=2, subscriber_window=4, leader_downline=3)]
    for a in args:
        got = dl.participant_types(net, orders, as_of, **a)
        want = brute_types(people, orders, as_of, a.get("lookback_days", 365), a.get("subscriber_months", 3),
                           a.get("subscriber_window", 3), a.get("leader_downline", 20))
        assert list(got.index) == list(net.ids)
        assert list(got.cat.categories) == list(dl.TYPES)
        assert got.astype(object).where(got.notna(), None).tolist() == want.loc[got.index].tolist(), a
    # the same from an Activity mapped once
    act = net.activity(orders)
    again = dl.participant_types(net, act, as_of, **args[1])
    pd.testing.assert_series_equal(again, dl.participant_types(net, orders, as_of, **args[1]))


def test_every_type_occurs_and_subscribers_are_counted_by_calendar_month():
    # 0 <- 1 <- 2 ..., monthly orders for 1, an order in the window for 2
    people = pd.DataFrame({"id": [0, 1, 2, 3], "sponsor_id": pd.array([None, 0, 0, 0], dtype="Int64"),
                           "enrolled_on": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-01-01", "2024-03-01"])})
    orders = pd.DataFrame({"participant_id": [1, 1, 1, 2, 1],
                           "ordered_on": pd.to_datetime(["2024-01-31", "2024-02-01", "2024-03-15", "2023-06-01",
                                                         "2024-03-20"]),
                           "pv": [10.0, 10.0, 10.0, 5.0, -10.0]})
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    got = dl.participant_types(net, orders, "2024-03-20", leader_downline=3)
    assert got.tolist() == ["leader", "subscriber", "consumer", "inactive"]
    got = dl.participant_types(net, orders, "2024-03-20", leader_downline=4)
    assert got.tolist()[0] == "builder"  # recruited 3 on 2024-03-01
    # on March 10 the orders fall in January and February: 2 of the last 3 calendar
    # months, but only 1 of the last 2 (February, March)
    assert dl.participant_types(net, orders, "2024-03-10", subscriber_months=2, subscriber_window=3).loc[1] \
        == "subscriber"
    assert dl.participant_types(net, orders, "2024-03-10", subscriber_months=2, subscriber_window=2).loc[1] \
        == "consumer"
    # before participant 3 enrolled: no type
    assert pd.isna(dl.participant_types(net, orders, "2024-02-15").loc[3])


def test_participant_types_need_enrolment_dates_and_valid_thresholds():
    people, orders = random_company(30, "random", np.random.default_rng(3))
    with pytest.raises(dl.InputError, match="enrolment dates"):
        dl.participant_types(dl.Network.from_frame(people), orders, "2021-03-01")
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    with pytest.raises(dl.InputError, match="cannot exceed"):
        dl.participant_types(net, orders, "2021-03-01", subscriber_months=4, subscriber_window=3)
    with pytest.raises(dl.InputError, match="lookback_days"):
        dl.participant_types(net, orders, "2021-03-01", lookback_days=0)


# ----------------------------------------------------------------------------- mixes
@pytest.mark.parametrize("n,shape,seed", CASES)
def test_downline_counts_and_volume_mix_equal_brute_force(n, shape, seed):
    rng = np.random.default_rng(50 + seed)
    people, orders = random_company(n, shape, rng)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    as_of = people["enrolled_on"].quantile(0.8)
    types = dl.participant_types(net, orders, as_of, leader_downline=3)
    lc = dl.lifecycle(orders.assign(amount=orders["pv"]), as_of, participants=net)
    desc = descendants(people)
    for labels in (types, lc.segments["segment"]):
        got = net.downline_counts(labels)
        assert list(got.columns) == list(labels.cat.categories)
        assert list(got.index) == list(net.ids)
        lab = labels.to_dict()  # the life-cycle has no row for those not in the network as of as_of: no label
        want = np.array([[sum(1 for d in desc[pid] if lab.get(d) == c) for c in labels.cat.categories]
                         for pid in net.ids])
        np.testing.assert_array_equal(got.to_numpy(), want)
        with_self = net.downline_counts(labels, include_self=True)
        own = np.array([[lab.get(pid) == c for c in labels.cat.categories] for pid in net.ids], dtype=int)
        np.testing.assert_array_equal(with_self.to_numpy(), want + own)
    pv = orders[orders["ordered_on"] <= as_of].groupby("participant_id")["pv"].sum()
    pv = pv.reindex(net.ids, fill_value=0.0)
    mix = net.volume_mix(types, pv)
    sums = net.volume_mix(types, pv, share=False)
    lab = types.to_dict()
    for row, pid in enumerate(net.ids):
        members = desc[pid] | {pid}
        gv = sum(pv[d] for d in members)
        for j, c in enumerate(types.cat.categories):
            part = sum(pv[d] for d in members if lab[d] == c)
            assert sums.iat[row, j] == pytest.approx(part, abs=1e-6)
            if gv != 0:
                assert mix.iat[row, j] == pytest.approx(part / gv, rel=1e-9, abs=1e-9)
            else:
                assert np.isnan(mix.iat[row, j])


def test_mix_labels_align_by_id_and_reject_unknown_ids():
    people, orders = random_company(50, "random", np.random.default_rng(9))
    net = dl.Network.from_frame(people)
    labels = pd.Series(["a", "b"] * 25, index=net.ids)
    shuffled = labels.sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(net.downline_counts(shuffled), net.downline_counts(labels))
    pd.testing.assert_frame_equal(net.downline_counts(labels.to_numpy()), net.downline_counts(labels))
    partial = labels.iloc[:10]  # the other 40 have no label
    assert net.downline_counts(partial, include_self=True).to_numpy().sum() <= 10 * 50
    with pytest.raises(dl.UnknownIdError, match="not in the network: 12345"):
        net.downline_counts(pd.concat([labels, pd.Series(["a"], index=[12345])]))
    with pytest.raises(dl.InputError, match="missing or infinite"):
        net.volume_mix(labels, np.full(len(net), np.nan))
