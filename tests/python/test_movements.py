"""Movements between two dates against the sponsor tables edited by hand (test_events's
by_hand): joined, terminated, transferred (from, to), and each participant's downline,
frontline and active downline on both dates; the plot draws the counts given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import downline as dl  # noqa: E402
from reference import random_company  # noqa: E402
from test_events import by_hand, random_events, with_events  # noqa: E402


def downline_sizes(sponsor: dict) -> tuple[dict, dict]:
    kids = {i: [] for i in sponsor}
    for i, s in sponsor.items():
        if s is not None:
            kids[s].append(i)

    def below(x):
        out, stack = [], list(kids[x])
        while stack:
            y = stack.pop()
            out.append(y)
            stack.extend(kids[y])
        return out

    return {i: below(i) for i in sponsor}, {i: len(kids[i]) for i in sponsor}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_movements_equal_the_hand_edited_tables(seed):
    people, orders, events, net = with_events(seed, n=70)
    days = sorted(events["effective_on"])
    start, end = days[len(days) // 3], days[2 * len(days) // 3] + pd.Timedelta(days=2)
    m = dl.movements(net, start, end, orders=orders, lookback_days=20)
    before, after = by_hand(people, events, start), by_hand(people, events, end)
    assert sorted(m.joined) == sorted(set(after) - set(before))
    inside = events[(events["effective_on"] > start) & (events["effective_on"] <= end)]
    # where each participant stood just before each event: the tables edited up to it
    stood = []
    for label, e in inside.iterrows():
        earlier = events.loc[:label].iloc[:-1]
        stood.append(by_hand(people, earlier, e["effective_on"] + pd.Timedelta(days=10_000))[e["participant_id"]])
    ended = inside["terminated"].to_numpy()
    assert list(m.terminated.index) == list(inside["participant_id"][ended])
    assert [None if pd.isna(s) else s for s in m.terminated["sponsor"]] == [s for s, t in zip(stood, ended) if t]
    assert list(m.transferred["participant_id"]) == list(inside["participant_id"][~ended])
    assert [None if pd.isna(s) else s for s in m.transferred["from_sponsor"]] == \
        [s for s, t in zip(stood, ended) if not t]
    assert list(m.transferred["to_sponsor"]) == list(inside["new_sponsor_id"][~ended])
    for when, table, day in (("before", before, start), ("after", after, end)):
        downline, frontline = downline_sizes(table)
        window = orders[(orders["ordered_on"] > day - pd.Timedelta(days=20)) & (orders["ordered_on"] <= day)]
        buyers = set(window.loc[window["pv"] > 0, "participant_id"]) & set(table)
        got = m.participants
        for i in table:
            assert got.loc[i, f"downline_{when}"] == len(downline[i])
            assert got.loc[i, f"frontline_{when}"] == frontline[i]
            assert got.loc[i, f"active_downline_{when}"] == sum(1 for d in downline[i] if d in buyers)
        for i in set(got.index) - set(table):
            assert pd.isna(got.loc[i, f"downline_{when}"])
    both = m.participants.dropna()
    assert (both["downline_change"] == both["downline_after"] - both["downline_before"]).all()
    # the orders mapped once (an Activity of the network) give the same table
    mapped = dl.movements(net, start, end, orders=net.activity(orders), lookback_days=20)
    pd.testing.assert_frame_equal(mapped.participants, m.participants)
    other = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    with pytest.raises(dl.InputError, match="another network"):
        dl.movements(net, start, end, orders=other.activity(orders))


def test_movements_plot_draws_the_counts():
    people, _ = random_company(40, "random", np.random.default_rng(5))
    events = random_events(people, np.random.default_rng(6), 12)
    m = dl.movements(dl.Network.from_frame(people, enrolled_on="enrolled_on", events=events),
                     "2021-01-01", "2021-12-31")
    ax = m.plot()
    assert [p.get_height() for p in ax.patches] == list(m.counts)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["joined", "terminated", "transferred"]
    assert ax.get_ylabel() == "participants"
    with pytest.raises(dl.InputError, match="is after end"):
        dl.movements(dl.Network.from_frame(people), "2021-02-01", "2021-01-01")
