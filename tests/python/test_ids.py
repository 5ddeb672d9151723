"""String ids through the C++ id index: networks, lookups, orders and factorize, against the
same data with the test's own int numbering, pandas and Python dicts."""

import warnings

import numpy as np
import pandas as pd
import pytest

import downline as dl
from downline import _core
from downline.ids import factorize_ids

PIECES = ["M", "x", "é", "日", "😀", "0", "9", " ", "\0"]


def random_strings(rng, n):
    """n distinct strings: empty, equal prefixes, spaces around, NUL bytes, unicode, lengths
    around the 8 bytes compared in the index's slots."""
    out = {"", "M", "M1", "M10", "M100", " M1", "M1 ", "a", "a\0", "a\0\0", "12345678", "123456789", "é", "e\u0301"}
    while len(out) < n:
        k = int(rng.integers(0, 14))
        out.add("".join(PIECES[int(i)] for i in rng.integers(0, len(PIECES), k)))
    out = sorted(out)
    rng.shuffle(out)
    return out[:n]


def as_objects(values):
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    return arr


@pytest.mark.parametrize("n", [1, 50, 150_000])
def test_factorize_equals_pandas_and_a_dict(n):
    rng = np.random.default_rng(n)
    distinct = random_strings(rng, n)
    rows = as_objects([distinct[int(i)] for i in rng.integers(0, n, 4 * n)] + distinct)
    codes, labels = factorize_ids(rows, "id")
    assert list(labels) == sorted(distinct)  # Python's order: code points
    rank = {v: i for i, v in enumerate(sorted(distinct))}
    np.testing.assert_array_equal(codes, [rank[v] for v in rows])
    assert labels.name == "id" and codes.dtype == np.int64
    # pandas agrees, but for strings with NUL bytes: its factorize (1.5.3) reads str as C
    # strings and takes "a" and "a\0" for one
    plain = as_objects([v for v in rows if "\0" not in v])
    want_codes, want_labels = pd.factorize(plain, sort=True)
    codes, labels = factorize_ids(plain, "id")
    np.testing.assert_array_equal(codes, want_codes)
    assert list(labels) == list(want_labels)
    first = {}
    for r, v in enumerate(rows):
        first.setdefault(v, r)
    codes, rows_of = _core.factorize(rows, False)  # first appearance: a dict's order
    assert [rows[r] for r in rows_of] == list(first)
    assert all(rows[rows_of[c]] == v for v, c in zip(rows, codes))
    ints = rng.integers(-2**63, 2**63 - 1, n, dtype=np.int64)
    ints = np.concatenate([ints, ints[rng.integers(0, n, 3 * n)], [-2**63, 2**63 - 1]])
    codes, labels = factorize_ids(ints, "id")
    want_codes, want_labels = pd.factorize(ints, sort=True)
    np.testing.assert_array_equal(codes, want_codes)
    np.testing.assert_array_equal(labels.to_numpy(), want_labels)


def test_factorize_falls_back_to_pandas_for_other_labels():
    values = as_objects(["b", 3, ("t", 1), "a", 3])
    codes, labels = factorize_ids(values, "id")
    assert [labels[c] for c in codes] == list(values)  # not sortable: in order of appearance
    assert list(labels) == ["b", 3, ("t", 1), "a"]
    with pytest.raises(dl.InputError, match="column 'id' has missing ids at rows 1, 3"):
        _core.factorize(as_objects(["a", None, "b", np.nan]), True, "id")


def company(rng, n):
    """n participants with string ids and the same company with int ids (the test's own
    numbering), orders of both."""
    names = random_strings(rng, n)
    number = {s: int(x) for s, x in zip(names, rng.choice(10**9, n, replace=False))}
    sponsors = [None] + [names[int(rng.integers(0, i))] if rng.random() > 0.05 else None for i in range(1, n)]
    sponsors = [None if s == "" else s for s in sponsors]  # an empty sponsor is none (a root)
    order = rng.permutation(n)  # rows in any order: sponsors need not come first
    names = [names[i] for i in order]
    sponsors = [sponsors[i] for i in order]
    people = pd.DataFrame({"id": as_objects(names), "sponsor_id": as_objects(sponsors)})
    num = pd.DataFrame({"id": np.array([number[s] for s in names], dtype=np.int64),
                        "sponsor_id": pd.array([None if s is None else number[s] for s in sponsors], dtype="Int64")})
    pid = [names[int(i)] for i in rng.integers(0, n, 8 * n)]
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 90, len(pid)), unit="D")
    pv = rng.integers(-5, 50, len(pid)).astype(float)
    orders = pd.DataFrame({"participant_id": as_objects(pid), "ordered_on": days, "pv": pv})
    num_orders = orders.assign(participant_id=np.array([number[s] for s in pid], dtype=np.int64))
    return people, orders, num, num_orders, number


@pytest.mark.parametrize("n", [1, 40, 3_000])
def test_a_network_of_string_ids_equals_the_same_network_numbered(n):
    rng = np.random.default_rng(n + 1)
    people, orders, num, num_orders, number = company(rng, n)
    for frame in (people, people.astype({"id": "string", "sponsor_id": "string"})):
        net = dl.Network.from_frame(frame)
        ref = dl.Network.from_frame(num)
        assert net._keys == "str" and net._core.has_string_ids
        np.testing.assert_array_equal(net._core.parents, ref._core.parents)
        assert list(net.ids) == list(people["id"])
        got = net.volumes(orders, start="2024-01-15", end="2024-03-01")
        want = ref.volumes(num_orders, start="2024-01-15", end="2024-03-01")
        np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())
        assert list(got.index) == list(people["id"])
        act = net.activity(orders)
        np.testing.assert_array_equal(net.volumes(act).to_numpy(), ref.volumes(ref.activity(num_orders)).to_numpy())
    name_of = {v: k for k, v in number.items()}
    for s in list(people["id"])[:20]:
        assert list(net.downline(s)) == [name_of[x] for x in ref.downline(number[s])]
        assert list(net.upline(s)) == [name_of[x] for x in ref.upline(number[s])]
        assert list(net.frontline(s)) == [name_of[x] for x in ref.frontline(number[s])]
        legs, ref_legs = net.legs(s, orders), ref.legs(number[s], num_orders)
        assert [name_of[x] for x in ref_legs.index] == list(legs.index)
        np.testing.assert_array_equal(legs.to_numpy(), ref_legs.to_numpy())
    # values by id (a Series in another order, some ids absent): placed by the C++ index
    some = people["id"].sample(frac=0.5, random_state=1)
    values = pd.Series(np.arange(len(some), dtype=float), index=some.to_numpy())
    num_values = pd.Series(values.to_numpy(), index=[number[s] for s in some])
    np.testing.assert_array_equal(net.rollup(values).to_numpy(), ref.rollup(num_values).to_numpy())


def test_string_networks_name_bad_ids_by_their_labels():
    def build(ids, sponsors, **kw):
        return dl.Network.from_frame(pd.DataFrame({"id": as_objects(ids), "sponsor_id": as_objects(sponsors)}), **kw)

    with pytest.raises(dl.InputError, match="2 participant id\\(s\\) appear more than once: z, b") as e:
        build(["z", "b", "é", "z", "b", "z"], [None] * 6)
    assert e.value.ids == ["z", "b"] and e.value.kind == "duplicate_id"
    with pytest.raises(dl.InputError, match="are their own sponsor: 'b '") as e:
        build(["a", "b "], [None, "b "])
    assert e.value.ids == ["b "]
    with pytest.raises(dl.InputError, match="have a sponsor that is not a participant: 日 \\(sponsor 日本\\)") as e:
        build(["日", "a"], ["日本", None])
    assert e.value.ids == ["日"]
    with pytest.raises(dl.InputError, match="column 'id' has missing ids at rows 1, 3") as e:
        build(["a", None, "b", np.nan], [None] * 4)
    assert e.value.ids == [1, 3]
    # missing sponsors of every kind are roots; no_sponsor marks more
    net = build(["a", "b", "c", "d", "e"], [None, np.nan, "", pd.NA, "a"])
    assert list(net._core.parents) == [-1, 0, -1, -1, -1]
    net = build(["a", "b", "c"], ["ROOT", "a", "ROOT"], no_sponsor="ROOT")
    assert list(net.frontline("a")) == ["b"] and len(net.upline("c")) == 0
    # ids that are not all strings: matched by pandas, as before
    net = build(["a", 7, ("t", 1)], [None, "a", 7])
    assert net._keys == "rows" and list(net.upline(("t", 1))) == [7, "a"]
    with pytest.raises(dl.UnknownIdError, match="participant zz is not in the network"):
        build(["a"], [None]).downline("zz")
    with pytest.raises(dl.UnknownIdError, match="participant 5 is not in the network"):
        build(["a", ""], [None, "a"]).downline(5)  # not a str: not the empty id either


def test_unknown_string_ids_in_orders_are_named_in_order_of_appearance():
    net = dl.Network.from_frame(pd.DataFrame({"id": as_objects(["a", "b"]), "sponsor_id": as_objects([None, "a"])}))
    orders = pd.DataFrame({"participant_id": as_objects(["a", "zz", "b", "y", "zz", " a"]),
                           "ordered_on": pd.to_datetime(["2024-01-05"] * 6), "pv": [1.0, 2, 4, 8, 16, 32]})
    with pytest.raises(dl.UnknownIdError, match="4 order\\(s\\) of 3 participant\\(s\\) not in the network: zz, y, ' a' "
                                                "\\(' a' differs from 'a' only by surrounding spaces\\)") as e:
        net.volumes(orders)
    assert e.value.ids == ["zz", "y", " a"]
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        act = net.activity(orders, unknown="drop")
    assert "dropped 4 order(s)" in str(w[0].message)
    assert list(act.dropped_rows) == [1, 3, 4, 5] and act.dropped_ids == ["zz", "y", " a"]
    assert net.volumes(act).loc["a", "gv"] == 5.0
    with pytest.raises(dl.InputError, match="column 'participant_id' has missing ids at rows 2"):
        net.volumes(orders.assign(participant_id=as_objects(["a", "b", None, "a", "a", "a"])))
    # an int among the strings: pandas' path, the same answer
    mixed = orders.assign(participant_id=as_objects(["a", 3, "b", "y", "zz", " a"]))
    with pytest.raises(dl.UnknownIdError, match="not in the network: 3, y, zz, ' a'"):
        net.volumes(mixed)


def test_segments_of_string_customers_equal_the_numbered_ones():
    rng = np.random.default_rng(5)
    people, orders, num, num_orders, number = company(rng, 2_000)
    orders = orders.assign(amount=orders["pv"])
    num_orders = num_orders.assign(amount=orders["pv"])
    got = dl.order_summary(orders, as_of="2024-03-01")
    want = dl.order_summary(num_orders, as_of="2024-03-01")
    name_of = {v: k for k, v in number.items()}
    assert list(got.index) == sorted(name_of[x] for x in want.index)  # sorted by code point
    want.index = [name_of[x] for x in want.index]
    pd.testing.assert_frame_equal(got, want.loc[got.index], check_names=False)


@pytest.mark.parametrize("absent", [None, float("nan"), pd.NA, pd.NaT])
def test_str_order_ids_with_missing_ones_are_named_or_dropped(absent):
    orders = pd.DataFrame({"participant_id": pd.Series(["a", absent, "b", "a", absent], dtype=object),
                           "ordered_on": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-05", "2024-01-09",
                                                         "2024-01-09"])})
    with pytest.raises(dl.InputError, match="2 order\\(s\\) with a missing 'participant_id' or 'ordered_on' at "
                                            "rows 1, 4"):
        dl.order_summary(orders, amount=None)
    with pytest.warns(dl.DroppedRowsWarning, match="rows 1, 4"):
        got = dl.order_summary(orders, amount=None, missing="drop")
    kept = orders.iloc[[0, 2, 3]]  # the reference: pandas on the rows with an id
    assert list(got.index) == ["a", "b"]
    assert list(got["orders"]) == list(kept.groupby("participant_id").size())
    assert list(got["last_order"]) == list(kept.groupby("participant_id")["ordered_on"].max())
