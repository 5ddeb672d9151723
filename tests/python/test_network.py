"""Network construction, structure queries and errors, from Python."""

import warnings

import numpy as np
import pandas as pd
import pytest

import downline as dl


def frame(ids, sponsors):
    return pd.DataFrame({"id": ids, "sponsor_id": sponsors})


def test_structure_queries_match_the_sponsor_links():
    people = frame(["a", "b", "c", "d", "e", "f"], [None, "a", "a", "b", "b", "d"])
    net = dl.Network.from_frame(people)
    assert len(net) == 6
    assert list(net.ids) == ["a", "b", "c", "d", "e", "f"]
    assert set(net.downline("a")) == {"b", "c", "d", "e", "f"}
    assert set(net.downline("b")) == {"d", "e", "f"}
    assert list(net.downline("c")) == []
    assert list(net.upline("f")) == ["d", "b", "a"]
    assert list(net.frontline("a")) == ["b", "c"]
    legs = net.legs("a")
    assert legs["size"].to_dict() == {"b": 4, "c": 1}
    orders = pd.DataFrame({"participant_id": ["f", "c", "c"], "ordered_on": ["2024-01-02"] * 3, "pv": [5.0, 1.0, 1.0]})
    legs = net.legs("a", orders)
    assert legs["volume"].to_dict() == {"b": 5.0, "c": 2.0}
    assert legs["power"].to_dict() == {"b": True, "c": False}
    assert net.depth.to_dict() == {"a": 0, "b": 1, "c": 1, "d": 2, "e": 2, "f": 3}
    with pytest.raises(KeyError):
        net.downline("zz")


@pytest.mark.parametrize("ids,sponsors,kind,named", [
    ([1, 2, 2], [None, 1, 1], "duplicate_id", "2"),
    (["x", "y", "y"], [None, "x", "x"], "duplicate_id", "y"),
    ([1, 2, 3], [None, 1, 9], "unknown_sponsor", "9"),
    (["x", "y"], [None, "q"], "unknown_sponsor", "q"),
    ([1, 2], [None, 2], "own_sponsor", "2"),
    (["x", "y"], [None, "y"], "own_sponsor", "y"),
    ([1, 2, 3], [None, 3, 2], "cycle", "3"),
    (["x", "y", "z"], ["z", "x", "y"], "cycle", "y"),
])
def test_invalid_networks_name_the_ids(ids, sponsors, kind, named):
    with pytest.raises(dl.InputError) as err:
        dl.Network.from_frame(frame(ids, sponsors))
    assert err.value.kind == kind
    assert named in str(err.value)
    assert isinstance(err.value, ValueError)


def test_a_chain_a_million_levels_deep():
    n = 1_000_000
    ids = np.arange(n, dtype=np.int64)[::-1].copy()
    sponsors = pd.array(np.r_[0, ids[:-1]], dtype="Int64")
    sponsors[0] = pd.NA
    net = dl.Network.from_frame(pd.DataFrame({"id": ids, "sponsor_id": sponsors}))
    orders = pd.DataFrame({"participant_id": ids, "ordered_on": pd.Timestamp("2024-01-01"), "pv": 1.0})
    v = net.volumes(orders, levels=1)
    assert v.loc[n - 1, "gv"] == n
    assert v.loc[n - 1, "downline"] == n - 1
    assert v.loc[0, "depth"] == n - 1
    assert v.loc[n - 1, "height"] == n - 1
    assert len(net.upline(0)) == n - 1


def test_roots_by_value_and_float_ids():
    people = pd.DataFrame({"id": [17850.0, 13047.0, 12583.0], "sponsor_id": [0, 17850, 17850]})
    net = dl.Network.from_frame(people, no_sponsor=0)
    assert set(net.downline(17850)) == {13047, 12583}
    with pytest.raises(dl.InputError, match="whole numbers at rows \\[1\\]|whole numbers at rows 1"):
        dl.Network.from_frame(pd.DataFrame({"id": [1.0, 2.5], "sponsor_id": [np.nan, 1.0]}))


def test_unknown_participants_in_orders():
    net = dl.Network.from_frame(frame([1, 2], [None, 1]))
    orders = pd.DataFrame({"participant_id": [1, 7, 2, 7, 8], "ordered_on": pd.to_datetime(["2024-01-01"] * 5),
                           "pv": [1.0, 2.0, 3.0, 4.0, 5.0]})
    with pytest.raises(dl.UnknownIdError, match="3 order\\(s\\) of 2 participant\\(s\\) not in the network: 7, 8"):
        net.volumes(orders)
    with pytest.warns(dl.DroppedRowsWarning, match="dropped 3 order"):
        act = net.activity(orders, unknown="drop")
    assert list(act.dropped_rows) == [1, 3, 4]
    assert act.dropped_ids == [7, 8]
    assert net.volumes(act).loc[1, "gv"] == 4.0
    snet = dl.Network.from_frame(frame(["a", "b"], [None, "a"]))
    sorders = orders.assign(participant_id=["a", "x", "b", "x", "y"])
    with pytest.raises(dl.UnknownIdError, match="x, y"):
        snet.volumes(sorders)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dl.DroppedRowsWarning)
        assert snet.volumes(sorders, unknown="drop").loc["a", "gv"] == 4.0


def test_bad_order_values_name_the_rows():
    net = dl.Network.from_frame(frame([1, 2], [None, 1]))
    orders = pd.DataFrame({"participant_id": [1, 2, 1], "ordered_on": ["2024-01-01", None, "2024-01-03"],
                           "pv": [1.0, 2.0, np.inf]})
    with pytest.raises(dl.InputError, match="missing or out-of-range date, rows: 1"):
        net.volumes(orders)
    orders["ordered_on"] = "2024-01-01"
    with pytest.raises(dl.InputError, match="NaN or infinite volume, rows: 2"):
        net.volumes(orders)
    with pytest.raises(dl.InputError, match="missing column 'amount'"):
        net.volumes(orders, pv="amount")
    with pytest.raises(dl.InputError, match="as_of needs enrolment dates"):
        net.volumes(orders.assign(pv=1.0), as_of="2024-01-01")


@pytest.mark.parametrize("ids", [[1, 2], ["a", "b"]])
def test_bad_order_values_name_the_columns_as_the_user_named_them(ids):
    net = dl.Network.from_frame(frame(ids, [None, ids[0]]))
    orders = pd.DataFrame({"who": [ids[0], ids[1], ids[0]], "day": ["2024-01-01", None, "2024-01-03"],
                           "points": [1.0, 2.0, 3.0], "cv": [1.0, 2.0, np.nan]})
    for call in (lambda o: net.activity(o, participant="who", date="day", pv="points"),
                 lambda o: net.volumes(o, participant="who", date="day", pv="points", start="2024-01-01")):
        with pytest.raises(dl.InputError, match=r"date, rows: 1 \(missing\) \(supported dates: .*\), in column 'day'"):
            call(orders)
        with pytest.raises(dl.InputError, match=r"NaN or infinite volume, rows: 0, in column 'points'"):
            call(orders.assign(day="2024-01-02", points=[np.inf, 1.0, 1.0]))
    with pytest.raises(dl.InputError, match=r"NaN or infinite value, rows: 2, in column 'cv'"):
        net.activity(orders.assign(day="2024-01-02"), participant="who", date="day", pv="points", values=["cv"])
    labelled = orders.assign(day="2024-01-02", points=[1.0, np.nan, 1.0]).set_axis(["x", "y", "z"])
    with pytest.raises(dl.InputError, match=r"rows: 1 \(labelled y\), in column 'points'"):
        net.activity(labelled, participant="who", date="day", pv="points")  # int and str ids alike


def test_results_do_not_copy_and_views_are_read_only():
    people, orders = dl.sample(1000)
    net = dl.Network.from_frame(people)
    depths = net._core.depths
    assert not depths.flags.writeable
    assert depths.base is not None  # a view of the network's own memory
    assert net.memory_bytes <= 64 * len(net)


def test_one_period_maps_only_its_orders_but_checks_every_row():
    net = dl.Network.from_frame(frame([1, 2], [None, 1]))
    orders = pd.DataFrame({"participant_id": [1, 2, 99], "ordered_on": ["2024-01-05", "2024-01-06", "2023-06-01"],
                           "pv": [1.0, 2.0, 3.0]})
    # 99 is unknown whatever the period (issue 25): outside it too, an error or dropped
    with pytest.raises(dl.UnknownIdError, match="99"):
        net.volumes(orders, start="2024-01-01", end="2024-02-01")
    with pytest.warns(dl.DroppedRowsWarning, match="1 order"):
        v = net.volumes(orders, start="2024-01-01", end="2024-02-01", unknown="drop")
    assert v.loc[1, "gv"] == 3.0
    with pytest.raises(dl.UnknownIdError, match="99"):
        net.volumes(orders, start="2023-01-01", end="2024-02-01")
    with pytest.raises(dl.UnknownIdError, match="99"):
        net.activity(orders)
    with pytest.raises(dl.InputError, match="NaN or infinite volume, rows: 2"):
        net.volumes(orders.assign(pv=[1.0, 2.0, np.nan]), start="2024-01-01", end="2024-02-01")
