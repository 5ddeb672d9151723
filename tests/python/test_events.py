"""Dated transfers and terminations: the network as of every date between the events
against a sponsor table edited by hand event by event (the definitions applied as
written), and every contradictory event named."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

import downline as dl
from reference import members_of, random_company


def by_hand(people: pd.DataFrame, events: pd.DataFrame, day: pd.Timestamp) -> dict:
    """id -> sponsor id (None for a root) of the network as of `day`: the events up to it
    applied one by one (a transfer moves the participant, a termination removes them and
    hands their recruits to their sponsor), then the participants enrolled later (and
    those below them) left out."""
    sponsor = {i: (None if pd.isna(s) else s) for i, s in zip(people["id"], people["sponsor_id"])}
    for _, e in events.sort_values("effective_on", kind="stable").iterrows():
        if e["effective_on"] > day:
            break
        p = e["participant_id"]
        if e["terminated"]:
            for r in [r for r, s in sponsor.items() if s == p]:
                sponsor[r] = sponsor[p]
            del sponsor[p]
        else:
            sponsor[p] = e["new_sponsor_id"]
    kept = members_of(sponsor, dict(zip(people["id"], people["enrolled_on"])), day)
    return {i: s for i, s in sponsor.items() if kept[i]}


def random_events(people: pd.DataFrame, rng: np.random.Generator, count: int) -> pd.DataFrame:
    """Valid events: transfers to someone outside one's downline, terminations, on random
    days after both parties enrolled, simulated on a copy of the sponsor table."""
    sponsor = {i: (None if pd.isna(s) else s) for i, s in zip(people["id"], people["sponsor_id"])}
    enrolled = dict(zip(people["id"], people["enrolled_on"]))
    rows, day = [], pd.Timestamp("2021-03-01")
    for _ in range(count):
        day += pd.Timedelta(days=int(rng.integers(0, 5)))
        alive = [i for i in sponsor if enrolled[i] <= day]
        if len(alive) < 3:
            continue
        p = alive[int(rng.integers(0, len(alive)))]
        if rng.random() < 0.3:
            for r in [r for r, s in sponsor.items() if s == p]:
                sponsor[r] = sponsor[p]
            del sponsor[p]
            rows.append((p, day, None, True))
            continue
        below, frontier = {p}, [p]
        while frontier:
            frontier = [r for r, s in sponsor.items() if s in frontier]
            below.update(frontier)
        targets = [i for i in alive if i not in below]
        if not targets:
            continue
        s = targets[int(rng.integers(0, len(targets)))]
        sponsor[p] = s
        rows.append((p, day, s, False))
    out = pd.DataFrame(rows, columns=["participant_id", "effective_on", "new_sponsor_id", "terminated"])
    if pd.api.types.is_integer_dtype(people["id"].dtype):
        out["new_sponsor_id"] = out["new_sponsor_id"].astype("Int64")
    return out.set_index(pd.Index([f"e{k}" for k in range(len(out))]))


def until_terminated(orders: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """The orders without those dated after their participant's termination (which the
    network refuses)."""
    ended = events[events["terminated"].astype(bool)].set_index("participant_id")["effective_on"]
    last = orders["participant_id"].map(ended)
    return orders[last.isna() | (orders["ordered_on"] <= last)]


def with_events(seed: int, n: int = 90, count: int = 30):
    """A random company with `count` valid events: (people, orders up to each termination,
    events, the network built with them)."""
    rng = np.random.default_rng(seed)
    people, orders = random_company(n, "random", rng)
    events = random_events(people, rng, count)
    orders = until_terminated(orders, events)
    return people, orders, events, dl.Network.from_frame(people, enrolled_on="enrolled_on", events=events)


@pytest.mark.parametrize("shape", ["random", "chain", "star", "forest"])
def test_as_of_equals_the_sponsor_table_edited_by_hand(shape):
    rng = np.random.default_rng(hash(shape) % 2**32)
    people, orders = random_company(80, shape, rng)
    events = random_events(people, rng, 40)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on", events=events)
    days = sorted(set(events["effective_on"]))
    # in date order, so that most dates share their events with the date before (the
    # network with those events applied, cut), and then again in a shuffled order (builds)
    between = sorted({d + pd.Timedelta(days=k) for d in days for k in (0, 1, 2)})
    dates = [pd.Timestamp("2020-06-01"), pd.Timestamp("2021-01-01"), *between]
    for day in [*dates, *rng.permutation(np.array(dates))]:
        got = net.as_of(day)
        want = by_hand(people, events, day)
        assert dict(zip(got.ids, [None if pd.isna(s) else s for s in got._parent_ids()])) == want
        # and it is a network like any other: its volumes are the hand-edited table's
        table = pd.DataFrame({"id": list(want), "sponsor_id": pd.array(list(want.values()), dtype="Int64")})
        if len(table):
            known = orders[orders["participant_id"].isin(want)]
            pd.testing.assert_frame_equal(got.volumes(known).sort_index(),
                                          dl.Network.from_frame(table).volumes(known).sort_index())
    assert net._applied_net is not None  # dates after the same events were cut, not built
    back = pickle.loads(pickle.dumps(net))
    assert back.events.equals(net.events)
    assert list(back.as_of(days[-1]).ids) == list(net.as_of(days[-1]).ids)


PEOPLE = pd.DataFrame({"id": [1, 2, 3, 4], "sponsor_id": pd.array([None, 1, 1, 2], dtype="Int64"),
                       "enrolled_on": pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01", "2020-04-01"])})


def event(p, day, new=None, ended=False):
    return {"participant_id": p, "effective_on": pd.Timestamp(day), "new_sponsor_id": new, "terminated": ended}


@pytest.mark.parametrize("rows, message", [
    ([event(9, "2021-01-01", ended=True)], "1 event\\(s\\) for ids not in the network: 9"),
    ([event(2, "2021-01-01", new=9)], "new sponsor\\(s\\) for ids not in the network: 9"),
    ([event(2, "2021-01-01", new=4)], "transfer of 2 on 2021-01-01\\): the new sponsor 4 is 2 or in their downline"),
    ([event(2, "2021-01-01", new=2)], "the new sponsor 2 is 2 itself"),
    ([event(2, "2021-01-01", ended=True), event(2, "2021-02-01", new=3)],
     "event 1 \\(transfer of 2 on 2021-02-01\\): 2 was terminated earlier"),
    ([event(3, "2021-01-01", ended=True), event(4, "2021-02-01", new=3)],
     "the new sponsor 3 was terminated earlier"),
    ([event(4, "2020-03-15", new=3)], "4 enrolled later, on 2020-04-01"),
    ([event(2, "2021-01-01", new=3, ended=True)], "both a new sponsor and a termination at rows 0"),
    ([event(2, "2021-01-01")], "neither a new sponsor nor a termination at rows 0"),
    ([event(2, None, ended=True)], "column 'effective_on' has missing dates at rows 0"),
])
def test_contradictory_events_are_named(rows, message):
    events = pd.DataFrame(rows)
    events["new_sponsor_id"] = events["new_sponsor_id"].astype("Int64")
    with pytest.raises(dl.InputError, match=message):
        dl.Network.from_frame(PEOPLE, enrolled_on="enrolled_on", events=events)


def test_a_termination_rolls_up_and_a_transfer_moves_the_downline():
    events = pd.DataFrame([event(2, "2021-01-01", new=3), event(3, "2021-02-01", ended=True)])
    events["new_sponsor_id"] = events["new_sponsor_id"].astype("Int64")
    net = dl.Network.from_frame(PEOPLE, enrolled_on="enrolled_on", events=events)
    jan = net.as_of("2021-01-15")
    assert list(jan.upline(4)) == [2, 3, 1]          # 2 moved under 3 with 4 below it
    feb = net.as_of("2021-02-01")
    assert 3 not in feb.ids and list(feb.upline(4)) == [2, 1]  # 3 left; 2 rolled up to 1
    assert list(net.as_of("2020-02-15").ids) == [1, 2]          # 3 and 4 not enrolled yet


def test_volumes_series_and_structure_as_of_a_date_use_the_events():
    rng = np.random.default_rng(77)
    people, orders = random_company(90, "random", rng)
    events = random_events(people, rng, 30)
    orders = until_terminated(orders, events)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on", events=events)
    for day in sorted(set(events["effective_on"]))[::4]:
        table = by_hand(people, events, day)
        hand = dl.Network.from_frame(pd.DataFrame({"id": list(table),
                                                   "sponsor_id": pd.array(list(table.values()), dtype="Int64")}))
        mine = orders[orders["participant_id"].isin(table) & (orders["ordered_on"] <= day)]
        want = hand.volumes(mine, start=day - pd.Timedelta(days=40), end=day + pd.Timedelta(days=1))
        got = net.volumes(orders, start=day - pd.Timedelta(days=40), end=day + pd.Timedelta(days=1), as_of=day)
        pd.testing.assert_frame_equal(got.sort_index(), want.sort_index(), check_dtype=False)
        shape = net.structure(orders, start=day - pd.Timedelta(days=40), end=day + pd.Timedelta(days=1), as_of=day)
        pd.testing.assert_frame_equal(shape.sort_index(), hand.structure(
            mine, start=day - pd.Timedelta(days=40), end=day + pd.Timedelta(days=1)).sort_index(), check_dtype=False)
    first, last = pd.Timestamp("2021-03-01"), pd.Timestamp("2021-06-01")
    series = net.volume_series(orders, first, last, columns=["gv", "downline"])
    for month in pd.date_range(first, last, freq="MS")[:-1]:
        end_day = month + pd.offsets.MonthBegin(1) - pd.Timedelta(days=1)
        got = net.volumes(orders, start=month, end=end_day + pd.Timedelta(days=1), as_of=end_day,
                          columns=["gv", "downline"])
        for c in ("gv", "downline"):
            assert series[(c, month)].dropna().sort_index().tolist() == got[c].sort_index().astype(float).tolist()


def test_a_plan_is_evaluated_on_the_network_as_it_stood():
    people, orders, events, net = with_events(78, count=30)
    orders = orders.assign(pv=orders["pv"] * 20)
    plan = dl.CompensationPlan({"active_pv": 50, "ranks": [{"name": "Bronze", "gv": 300}],
                                "unilevel": {"rates": [0.1, 0.05]}})
    day = sorted(set(events["effective_on"]))[len(events) // 2]
    month = day.to_period("M").start_time
    last = month + pd.offsets.MonthBegin(1) - pd.Timedelta(days=1)
    table = by_hand(people, events, last)
    hand = dl.Network.from_frame(pd.DataFrame({"id": list(table),
                                               "sponsor_id": pd.array(list(table.values()), dtype="Int64")}))
    got = plan.evaluate(net, orders, start=month)
    want = plan.evaluate(hand, orders[orders["participant_id"].isin(table)], start=month)
    pd.testing.assert_frame_equal(got.participants.sort_index(), want.participants.sort_index())


@pytest.mark.parametrize("columns", [None, ["rank", "title", "total"]])
def test_a_run_evaluates_each_period_on_the_network_as_it_stood(columns):
    people, orders, events, net = with_events(79, count=40)
    orders = orders.assign(pv=orders["pv"] * 20)
    plan = dl.CompensationPlan({"active_pv": 50, "ranks": [{"name": "Bronze", "gv": 300}, {"name": "Silver", "gv": 900}],
                                "unilevel": {"rates": [0.1, 0.05]}})
    months = pd.date_range(sorted(events["effective_on"])[5].to_period("M").start_time, periods=4, freq="MS")
    run = plan.run(net, orders, start=months[0], end=months[-1], columns=columns)
    held: dict = {}  # the highest rank so far, by id, from the hand-edited networks
    before: dict = {}
    for lo, hi in zip(months[:-1], months[1:]):
        table = by_hand(people, events, hi - pd.Timedelta(days=1))
        hand = dl.Network.from_frame(pd.DataFrame({"id": list(table),
                                                   "sponsor_id": pd.array(list(table.values()), dtype="Int64")}))
        want = plan.evaluate(hand, orders[orders["participant_id"].isin(table)], start=lo, end=hi)
        got = run.participants.xs(lo, level="period")
        assert sorted(got.index) == sorted(want.participants.index)
        for c in got.columns:
            if c == "title":
                continue
            pd.testing.assert_series_equal(got[c].sort_index(), want.participants[c].sort_index(), check_names=False)
        codes = want.participants["rank"].cat.codes
        for i, r in codes.items():
            held[i] = max(held.get(i, -1), r)
        if "title" in got:
            assert got["title"].cat.codes.to_dict() == {i: held[i] for i in got.index}
        pd.testing.assert_series_equal(run.totals.loc[lo], want.totals.rename(lo), check_names=False)
        changes = run.rank_changes.xs(lo, level="period") if lo != months[0] else None
        if changes is not None:
            both = sorted(set(before) & set(codes.index))
            assert sorted(changes.index) == both
            assert changes["before"].cat.codes.reindex(both).tolist() == [before[i] for i in both]
            assert changes["after"].cat.codes.reindex(both).tolist() == [codes[i] for i in both]
        before = codes.to_dict()
    assert len(run.periods) == 3 and max(held.values()) >= 0  # ranks were held
    assert (events["effective_on"].between(months[0], months[-1])).sum() >= 5  # events inside the run


def test_orders_after_a_termination_are_named():
    events = pd.DataFrame([event(2, "2021-01-10", ended=True)])
    events["new_sponsor_id"] = events["new_sponsor_id"].astype("Int64")
    net = dl.Network.from_frame(PEOPLE, enrolled_on="enrolled_on", events=events)
    orders = pd.DataFrame({"participant_id": [1, 2, 3, 2, 2],
                           "ordered_on": pd.to_datetime(["2021-02-01", "2021-01-10", "2021-01-20", "2021-01-11",
                                                         "2021-03-05"]),
                           "pv": [10.0, 20.0, 30.0, 40.0, 50.0]}, index=list("abcde"))
    message = ("2 order\\(s\\) dated after their participant's termination \\(column 'ordered_on'\\): rows "
               "3 \\(2 ordered on 2021-01-11, terminated on 2021-01-10\\), 4 \\(2 ordered on 2021-03-05, "
               "terminated on 2021-01-10\\) \\(labelled d, e\\)")
    for call in (lambda: net.activity(orders), lambda: net.volumes(orders, start="2021-01-01", end="2021-02-01"),
                 lambda: dl.CompensationPlan({"active_pv": 5, "unilevel": {"rates": [0.1]}}).evaluate(
                     net, orders, start="2021-01-01")):
        with pytest.raises(dl.InputError, match=message) as err:
            call()
        assert err.value.ids == [3, 4]
    # on the termination day itself, a refund later, or without the later orders: accepted
    kept = orders.drop(index=["d", "e"])
    assert net.volumes(kept, start="2021-01-01", end="2021-02-01").loc[2, "pv"] == 20.0
    refund = pd.concat([kept, pd.DataFrame({"participant_id": [2], "ordered_on": [pd.Timestamp("2021-01-15")],
                                            "pv": [-20.0]}, index=["f"])])
    assert net.volumes(refund, start="2021-01-01", end="2021-02-01").loc[2, "pv"] == 0.0


@pytest.mark.parametrize("seed", [81, 82])
def test_legs_types_churn_and_retention_as_of_a_date_use_the_events(seed):
    people, orders, events, net = with_events(seed)
    enrolled = dict(zip(people["id"], people["enrolled_on"]))
    ended = events[events["terminated"]].set_index("participant_id")["effective_on"]
    for day in sorted(set(events["effective_on"]))[2::5]:
        table = by_hand(people, events, day)
        hand = dl.Network.from_frame(pd.DataFrame({"id": list(table),
                                                   "sponsor_id": pd.array(list(table.values()), dtype="Int64"),
                                                   "enrolled_on": [enrolled[i] for i in table]}),
                                     enrolled_on="enrolled_on")
        known = orders[orders["participant_id"].isin(table)]
        start = day - pd.Timedelta(days=30)
        # legs: the hand-edited network's, of everyone with recruits then
        for leader in [i for i in table if i in set(table.values())][:6]:
            got = net.legs(leader, orders, as_of=day, start=start, end=day + pd.Timedelta(days=1))
            want = hand.legs(leader, known, start=start, end=day + pd.Timedelta(days=1))
            pd.testing.assert_frame_equal(got.sort_index(), want.sort_index())
        gone = next(i for i in people["id"] if i not in table)
        with pytest.raises(dl.InputError, match="is not in the network as of"):
            net.legs(gone, as_of=day)
        # types: the hand-edited network's; missing for the participants not in it
        got = dl.participant_types(net, orders, day, leader_downline=3, lookback_days=60)
        want = dl.participant_types(hand, known, day, leader_downline=3, lookback_days=60)
        assert got.reindex(want.index).astype(object).tolist() == want.astype(object).tolist()
        assert got.drop(index=list(table)).isna().all()
        # churn: as without events, but whoever was terminated by then has churned, the
        # event at their last activity
        plain = dl.churn(people, orders, day, churn_after=20)
        terminated = [i for i, d in ended.items() if d <= day and enrolled[i] <= day]
        plain.loc[terminated, "churned"] = True
        plain.loc[terminated, "duration"] = (plain.loc[terminated, "last_activity"]
                                             - plain.loc[terminated, "enrolled_on"]).dt.days.astype(np.int32)
        pd.testing.assert_frame_equal(dl.churn(net, orders, day, churn_after=20), plain)
        # organisations: the hand-edited network's
        leaders = [i for i in table if i in set(table.values())][:3]
        got = net.retention(orders, day, leaders=leaders, churn_after=20)
        want = hand.retention(known, day, leaders=leaders, churn_after=20)
        pd.testing.assert_frame_equal(got.event_table_, want.event_table_)
        with pytest.raises(dl.InputError, match="leaders not in the network as of as_of"):
            net.retention(orders, day, leaders=[gone], churn_after=20)


def test_churn_names_activity_after_a_termination():
    events = pd.DataFrame([event(2, "2021-01-10", ended=True)])
    events["new_sponsor_id"] = events["new_sponsor_id"].astype("Int64")
    net = dl.Network.from_frame(PEOPLE, enrolled_on="enrolled_on", events=events)
    orders = pd.DataFrame({"participant_id": [1, 2, 2, 2], "amount": [5.0, -3.0, 4.0, 6.0],
                           "ordered_on": pd.to_datetime(["2021-02-01", "2021-01-20", "2021-01-12", "2021-01-10"])},
                          index=[10, 11, 12, 13])
    # the refund (amount <= 0: not activity) may come later; the order of 2021-01-12 may not
    with pytest.raises(dl.InputError, match="1 order\\(s\\) dated after their participant's termination "
                                            "\\(column 'ordered_on'\\): rows 2 \\(2 ordered on 2021-01-12, "
                                            "terminated on 2021-01-10\\) \\(labelled 12\\)") as err:
        dl.churn(net, orders, "2021-03-01")
    assert err.value.ids == [2] and err.value.kind == "after_termination"
    ch = dl.churn(net, orders.drop(index=12), "2021-03-01")
    assert ch.loc[2, "churned"] and ch.loc[2, "last_activity"] == pd.Timestamp("2021-01-10")


@pytest.mark.parametrize("seed", [83, 84])
def test_segmentation_of_the_network_leaves_the_terminated_out(seed):
    # life-cycle and RFM of a network's participants as of a date: those of a list of the
    # participants in the hand-edited network of the date; migration: "terminated" set by
    # hand from the events on the network built without them
    people, orders, events, net = with_events(seed, count=40)
    orders = orders.assign(amount=orders["pv"])
    ended = events[events["terminated"].astype(bool)].set_index("participant_id")["effective_on"]
    p, d = next(iter(ended.items()))  # a refund after a termination is not activity: accepted
    orders = pd.concat([orders, pd.DataFrame({"participant_id": [p], "ordered_on": [d + pd.Timedelta(days=3)],
                                              "pv": [-5.0], "amount": [-5.0]})], ignore_index=True)
    ids = list(people["id"])
    days = sorted(set(events["effective_on"]))
    plain = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    checked = 0
    for day in days[3::7]:
        there = by_hand(people, events, day)  # enrolled by then, under someone who was, not terminated
        kept = [i for i in ids if i in there]
        mine = orders[orders["participant_id"].isin(kept)]
        got, want = dl.lifecycle(orders, day, participants=net), dl.lifecycle(mine, day, participants=kept)
        pd.testing.assert_frame_equal(got.segments, want.segments, check_names=False)
        pd.testing.assert_frame_equal(got.matrix, want.matrix)
        pd.testing.assert_frame_equal(dl.rfm(orders, day, participants=net), dl.rfm(mine, day, participants=kept),
                                      check_names=False)
        t0 = days[1]
        moved = dl.migration(orders, t0, day, participants=net)
        hand = dl.migration(orders, t0, day, participants=plain).transitions
        states = [*hand["from"].cat.categories, "terminated"]
        hand = hand.astype(pd.CategoricalDtype(states))
        for col, at in (("from", t0), ("to", day)):
            hand.loc[[i for i in ids if i in ended and ended[i] <= at], col] = "terminated"
        pd.testing.assert_frame_equal(moved.transitions, hand)
        counts = pd.crosstab(hand["from"], hand["to"], dropna=False).reindex(index=states, columns=states,
                                                                              fill_value=0)
        assert moved.matrix.to_numpy().tolist() == counts.to_numpy().tolist()
        checked += sum(1 for i in ids if i in ended and ended[i] <= day and i not in there)
    assert checked > 0
    # activity after a termination is named
    late = pd.concat([orders, pd.DataFrame({"participant_id": [p], "ordered_on": [d + pd.Timedelta(days=2)],
                                            "pv": [5.0], "amount": [5.0]})], ignore_index=True)
    for call in (lambda: dl.lifecycle(late, days[-1], participants=net),
                 lambda: dl.rfm(late, days[-1], participants=net),
                 lambda: dl.migration(late, days[0], days[-1], participants=net)):
        with pytest.raises(dl.InputError, match="1 order\\(s\\) dated after their participant's termination") as err:
            call()
        assert err.value.kind == "after_termination" and err.value.ids == [len(late) - 1]


def test_activity_of_another_network_after_a_termination_names_the_participants():
    events = pd.DataFrame([event(2, "2021-01-01", ended=True)])
    events["new_sponsor_id"] = events["new_sponsor_id"].astype("Int64")
    net = dl.Network.from_frame(PEOPLE, enrolled_on="enrolled_on", events=events)
    orders = pd.DataFrame({"participant_id": [1, 2, 2, 3], "amount": [10.0, 20.0, 5.0, 7.0],
                           "ordered_on": pd.to_datetime(["2020-05-01", "2020-06-01", "2021-02-01", "2021-03-01"])})
    act = dl.Network.from_frame(PEOPLE, enrolled_on="enrolled_on").activity(orders.assign(pv=orders["amount"]))
    for call in (lambda: dl.lifecycle(act, "2021-06-01", participants=net),
                 lambda: dl.rfm(act, "2021-06-01", participants=net),
                 lambda: dl.churn(net, act, "2021-06-01")):
        with pytest.raises(dl.InputError, match="1 participant\\(s\\) with activity dated after their termination: "
                                                "2 \\(last on 2021-02-01, terminated on 2021-01-01\\)"):
            call()


@pytest.mark.parametrize("string_ids", [False, True])
def test_as_of_cuts_where_the_dates_share_their_events(string_ids):
    # a date before the first event, and a date after the same events as the date asked
    # just before it (another day), are cuts; they equal the network built for the date
    rng = np.random.default_rng(7 + string_ids)
    people, _ = random_company(120, "random", rng, string_ids=string_ids)
    people["kind"] = pd.Categorical(rng.choice(["customer", "distributor"], len(people)))
    events = random_events(people, rng, 12)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on", kind="kind", events=events)
    first, last = events["effective_on"].min(), events["effective_on"].max()
    days = [first - pd.Timedelta(days=40), first - pd.Timedelta(days=1), last, first - pd.Timedelta(days=3),
            last + pd.Timedelta(days=5), last + pd.Timedelta(days=9), first - pd.Timedelta(days=2),
            last + pd.Timedelta(days=11)]
    made = []
    for day in days:
        got = net.as_of(day)
        made.append(net._applied_net is not None)
        want = by_hand(people, events, day)
        assert dict(zip(got.ids, [None if pd.isna(s) else s for s in got._parent_ids()])) == want
        kinds = dict(zip(people["id"], people["kind"]))
        assert list(got.kinds) == [kinds[i] for i in got.ids]
        assert list(got._base_rows) == [list(people["id"]).index(i) for i in got.ids]
    # the network with every event applied is made at a date after the last event when the
    # date just before was one too (not at the third date: a date before the first event
    # came between), then kept across a date before the first event (a cut of the network)
    assert made == [False, False, False, False, False, True, True, True]
    assert net.memory_bytes > dl.Network.from_frame(people, enrolled_on="enrolled_on").memory_bytes
