"""Issue 23, point 3: every input ends in a right answer or an InputError (UnknownIdError
for ids) that names the argument, column, row or value and the problem.

Expected values are worked out here by hand from the small inputs written in each test
(or by pandas / statsmodels), never copied from the library's output.
"""

from __future__ import annotations

import copy
import datetime
import pickle
import re

import numpy as np
import pandas as pd
import pytest

import downline as dl

AS_OF = "2024-03-31"


def people(ids, sponsors, **extra) -> pd.DataFrame:
    return pd.DataFrame({"id": ids, "sponsor_id": sponsors, **extra})


def orders(pids, dates, **cols) -> pd.DataFrame:
    return pd.DataFrame({"participant_id": pids, "ordered_on": pd.to_datetime(dates), **cols})


def small_net(**kw) -> dl.Network:
    """1 -> 2 -> 4, 1 -> 3 (int ids), enrolled in 2020."""
    frame = people([1, 2, 3, 4], pd.array([None, 1, 1, 2], dtype="Int64"),
                   enrolled_on=pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01", "2020-04-01"]))
    return dl.Network.from_frame(frame, enrolled_on="enrolled_on", **kw)


def raises(exc, *needles):
    """pytest.raises(exc) whose message holds every needle as plain text."""
    return pytest.raises(exc, match="(?s)" + "".join(f"(?=.*{re.escape(n)})" for n in needles))


SOME_ORDERS = orders([1, 2, 4, 3], ["2024-01-05", "2024-02-10", "2024-03-01", "2024-03-20"],
                     pv=[10.0, 20.0, 40.0, 80.0], amount=[10.0, 20.0, 40.0, 80.0])


# ===================================================================== 1. lookups by id
LOOKUPS = {  # small_net: the answers for participant 2 (and 1)
    "upline": ([1], [], lambda net, i: list(net.upline(i))),
    "downline": ([4], [2, 4, 3], lambda net, i: list(net.downline(i))),
    "frontline": ([4], [2, 3], lambda net, i: list(net.frontline(i))),
    "legs": ([4], [2, 3], lambda net, i: list(net.legs(i).index)),
}


@pytest.mark.parametrize("method", list(LOOKUPS))
@pytest.mark.parametrize("given", [2, 2.0, np.int64(2), np.int8(2), np.uint64(2), np.float32(2.0)])
def test_lookup_finds_an_equal_id(method, given):
    for_2, _, call = LOOKUPS[method]
    assert call(small_net(), given) == for_2


@pytest.mark.parametrize("method", list(LOOKUPS))
@pytest.mark.parametrize("given, shown", [(2.5, "2.5"), (2.999, "2.999"), ("2", "'2'"), (True, "True"),
                                          (np.bool_(True), "True"), (None, "None"), (np.nan, "nan"),
                                          (2**64, str(2**64)), (float(2**60), str(float(2**60))),
                                          ("two", "two"), ([2], "[2]")])
def test_lookup_refuses_an_id_that_only_looks_equal(method, given, shown):
    _, _, call = LOOKUPS[method]
    with raises(dl.UnknownIdError, f"participant {shown} is not in the network") as info:
        call(small_net(), given)
    assert info.value.ids == [given] or (given != given)  # nan != nan


def test_lookup_in_a_network_of_text_ids():
    net = dl.Network.from_frame(people(["1", "2", "3"], [None, "1", "2"]))
    assert list(net.upline("3")) == ["2", "1"]
    with raises(dl.UnknownIdError, "participant 2 is not in the network"):  # the number 2: no such id
        net.upline(2)
    with raises(dl.UnknownIdError, "participant 7 is not in the network"):  # text among text: plain
        net.upline("7")


# ===================================================================== 2. the network owns its ids
@pytest.mark.parametrize("dtype", ["int64", "Int64", "object", "float64"])
def test_changing_the_frame_after_the_build_changes_nothing(dtype):
    ids = [10, 20, 30, 40] if dtype != "object" else ["a", "b", "c", "d"]
    sponsors = [None, ids[0], ids[0], ids[1]]
    frame = people(pd.array(ids, dtype=dtype) if dtype != "object" else ids,
                   pd.array(sponsors, dtype="Int64" if dtype != "object" else object),
                   kind=pd.Categorical(["x", "y", "x", "y"]))
    net = dl.Network.from_frame(frame, kind="kind")
    before = list(frame["id"])
    pv = [1.0, 2.0, 4.0, 8.0]
    frame.loc[0, "id"] = ids[3] if dtype != "float64" else 40.0  # the caller edits the frame
    col = frame["id"].to_numpy()  # and edits the column's memory in place where it can
    if col.flags.writeable and col.dtype != object:
        col[1] = col[2]
    frame.loc[0, "kind"] = "y"
    assert list(net.ids) == [type(before[0])(x) if dtype == "float64" else x for x in ids]
    vol = net.volumes(orders(ids, ["2024-01-05"] * 4, pv=pv))
    assert list(vol.index) == list(net.ids)
    assert vol.loc[ids[0], "gv"] == sum(pv) and vol.loc[ids[1], "gv"] == pv[1] + pv[3]
    assert list(net.downline(ids[0])) == [ids[1], ids[3], ids[2]]
    assert list(net.kinds) == ["x", "y", "x", "y"]


# ===================================================================== 3. one id conversion
BIG = 2**63 + 5  # a uint64 id beyond int64: as int64 it would be -9223372036854775803


def _uint64_orders():
    return orders(np.array([7, BIG, 7], dtype=np.uint64), ["2024-01-05", "2024-01-06", "2024-02-01"],
                  amount=[1.0, 2.0, 4.0], pv=[1.0, 2.0, 4.0])


UINT64_PATHS = {
    "lifecycle": lambda o: dl.lifecycle(o, AS_OF),
    "rfm": lambda o: dl.rfm(o, AS_OF),
    "order_summary": lambda o: dl.order_summary(o),
    "rfm_summary": lambda o: dl.rfm_summary(o, "participant_id", "ordered_on"),
    "migration": lambda o: dl.migration(o, "2024-01-31", AS_OF),
    "cohort_retention": lambda o: dl.cohort_retention(o, AS_OF),
    "churn": lambda o: dl.churn(pd.DataFrame({"id": np.array([7, 8], dtype=np.uint64),
                                              "enrolled_on": pd.to_datetime(["2020-01-01"] * 2)}), o, AS_OF),
}


@pytest.mark.parametrize("path", list(UINT64_PATHS))
def test_uint64_ids_beyond_int64_are_refused_on_every_path(path):
    with raises(dl.InputError, "'participant_id': ids above the int64 maximum 9223372036854775807 at rows 1"):
        UINT64_PATHS[path](_uint64_orders())


def test_uint64_ids_of_the_participants_frame_are_refused_too():
    frame = pd.DataFrame({"id": np.array([BIG], dtype=np.uint64), "enrolled_on": pd.to_datetime(["2020-01-01"])})
    with raises(dl.InputError, "column 'id': ids above the int64 maximum", "at rows 0"):
        dl.churn(frame, orders(np.array([], dtype=np.int64), []), AS_OF)


@pytest.mark.parametrize("path", list(UINT64_PATHS))
def test_uint64_ids_within_int64_are_the_same_ids(path):
    o = _uint64_orders()
    o["participant_id"] = np.array([7, 8, 7], dtype=np.uint64)
    signed = o.assign(participant_id=o["participant_id"].astype(np.int64))
    got, want = UINT64_PATHS[path](o), UINT64_PATHS[path](signed)
    for attr in ("segments", "transitions", "counts"):
        got, want = getattr(got, attr, got), getattr(want, attr, want)
    pd.testing.assert_frame_equal(got, want, check_index_type=False)
    if isinstance(got.index, pd.Index) and got.index.dtype.kind in "iu":
        assert sorted(got.index) == sorted({7, 8})


@pytest.mark.parametrize("dtype, bits", [("float32", 24), ("float16", 11)])
def test_narrow_float_ids_must_be_exact(dtype, bits):
    ok = orders(np.array([3.0, 2.0**bits], dtype=dtype), ["2024-01-05"] * 2, amount=[1.0, 2.0])
    assert list(dl.order_summary(ok).index) == [3, 2**bits]
    bad = orders(np.array([3.0, 2.0**bits + 2], dtype=dtype), ["2024-01-05"] * 2, amount=[1.0, 2.0])
    with raises(dl.InputError, f"'participant_id': ids beyond 2**{bits} in a float column at rows 1",
                f"a {dtype} cannot hold them exactly"):
        dl.order_summary(bad)
    with raises(dl.InputError, f"column 'id': ids beyond 2**{bits} in a float column at rows 1"):
        dl.Network.from_frame(people(np.array([3.0, 2.0**bits + 2], dtype=dtype), [np.nan, 3.0]))


def test_order_ids_that_are_not_whole_numbers_are_refused():
    with raises(dl.InputError, "column 'participant_id': ids that are not whole numbers at rows 1"):
        dl.order_summary(orders([1.0, 2.5], ["2024-01-05"] * 2, amount=[1.0, 1.0]))


def test_bool_id_columns_are_refused():
    with raises(dl.InputError, "column 'participant_id' holds booleans (bool), not ids"):
        dl.lifecycle(orders([True, False], ["2024-01-05"] * 2), AS_OF)
    with raises(dl.InputError, "column 'participant_id' holds booleans (bool), not ids"):
        small_net().volumes(orders([True, False], ["2024-01-05"] * 2, pv=[1.0, 1.0]))


def test_customers_given_as_floats_are_int_ids():
    got = dl.order_summary(orders([1, 2], ["2024-01-05"] * 2, amount=[1.0, 2.0]), participants=[2.0, 1.0, 5.0])
    assert list(got.index) == [2, 1, 5] and list(got["amount"]) == [2.0, 1.0, 0.0]


# ===================================================================== 4. numbers are not dates
DATE_PARAMS = {
    "volumes as_of": lambda d: small_net().volumes(SOME_ORDERS, as_of=d),
    "volumes start": lambda d: small_net().volumes(SOME_ORDERS, start=d),
    "volumes end": lambda d: small_net().volumes(SOME_ORDERS, end=d),
    "legs as_of": lambda d: small_net().legs(1, SOME_ORDERS, as_of=d),
    "lifecycle as_of": lambda d: dl.lifecycle(SOME_ORDERS, d),
    "rfm as_of": lambda d: dl.rfm(SOME_ORDERS, d),
    "order_summary as_of": lambda d: dl.order_summary(SOME_ORDERS, d),
    "rfm_summary observation_period_end": lambda d: dl.rfm_summary(SOME_ORDERS, "participant_id", "ordered_on",
                                                                   observation_period_end=d),
    "migration t0": lambda d: dl.migration(SOME_ORDERS, d, AS_OF),
    "migration t1": lambda d: dl.migration(SOME_ORDERS, "2024-01-01", d),
    "churn as_of": lambda d: dl.churn(small_net(), SOME_ORDERS, d),
    "retention as_of": lambda d: small_net().retention(SOME_ORDERS, d),
    "cohort_retention as_of": lambda d: dl.cohort_retention(SOME_ORDERS, d),
    "participant_types as_of": lambda d: dl.participant_types(small_net(), SOME_ORDERS, d),
}


@pytest.mark.parametrize("where", list(DATE_PARAMS))
@pytest.mark.parametrize("number, what, example", [(20240331, "a number", "2024-03-31"),
                                                   (np.int64(20240331), "a number", "2024-03-31"),
                                                   (1.7e18, "a number", "2024-01-31"),
                                                   (True, "a bool", "2024-01-31")])
def test_a_number_given_as_a_date_is_refused(where, number, what, example):
    name = where.split()[-1]
    with raises(dl.InputError, f"{name}: {number!r} is {what}, not a date",
                f"pd.Timestamp('{example}')"):
        DATE_PARAMS[where](number)


@pytest.mark.parametrize("where", list(DATE_PARAMS))
def test_every_kind_of_date_gives_the_same_answer(where):
    want = DATE_PARAMS[where]("2024-03-20")
    for given in (datetime.date(2024, 3, 20), datetime.datetime(2024, 3, 20, 15, 30), pd.Timestamp("2024-03-20"),
                  np.datetime64("2024-03-20")):
        got = DATE_PARAMS[where](given)
        for attr in ("matrix", "counts", "survival_table_"):
            got, want = getattr(got, attr, got), getattr(want, attr, want)
        if isinstance(got, pd.Series):
            pd.testing.assert_series_equal(got, want)
        else:
            pd.testing.assert_frame_equal(got, want)


# ===================================================================== 5. parameters
WHOLE_PARAMS = {  # name: (call with the value, lowest, highest)
    "churn_after": (lambda v: dl.churn(small_net(), SOME_ORDERS, AS_OF, churn_after=v), 0, 2**31 - 1),
    "lookback_days": (lambda v: dl.participant_types(small_net(), SOME_ORDERS, AS_OF, lookback_days=v), 1,
                      2**31 - 1),
    "leader_downline": (lambda v: dl.participant_types(small_net(), SOME_ORDERS, AS_OF, leader_downline=v), 1,
                        2**31 - 1),
    "subscriber_window": (lambda v: dl.participant_types(small_net(), SOME_ORDERS, AS_OF, subscriber_window=v,
                                                         subscriber_months=1), 1, 32),
    "top": (lambda v: small_net().retention(SOME_ORDERS, AS_OF, top=v), 1, 2**31 - 1),
    "retention churn_after": (lambda v: small_net().retention(SOME_ORDERS, AS_OF, churn_after=v), 0, 2**31 - 1),
    "plot_organisation: levels": (lambda v: small_net()._organisation_levels(1, v), 1, 2**31 - 1),
    "set_num_threads: n": (lambda v: dl.set_num_threads(v), 0, 1024),
}


@pytest.mark.parametrize("name", list(WHOLE_PARAMS))
@pytest.mark.parametrize("bad", ["above", "below", 2.0, "3", True, None, np.float64(3.0)])
def test_whole_number_parameters_name_their_range(name, bad):
    call, lo, hi = WHOLE_PARAMS[name]
    value = hi + 1 if bad == "above" else lo - 1 if bad == "below" else bad
    if bad == "above" and name in ("churn_after", "lookback_days", "top"):
        value = 2**40  # beyond int32: once a pybind11 TypeError
    with raises(dl.InputError, f"{name.split()[-1] if name.startswith('retention') else name} must be a whole "
                f"number from {lo:,} to {hi:,}, not {value!r}"):
        call(value)


@pytest.mark.parametrize("bad", [-1, 2.0, "3", True, None, np.float64(3.0)])
def test_levels_must_be_a_whole_number(bad):
    # no upper bound here: levels above the height cost nothing, and an absurd count is
    # refused by the core naming the height (test_volumes.py)
    with raises(dl.InputError, f"levels must be a whole number >= 0, not {bad!r}"):
        small_net().volumes(SOME_ORDERS, levels=bad)


def test_numpy_scalars_are_accepted_where_python_numbers_are():
    net = small_net()
    pd.testing.assert_frame_equal(dl.churn(net, SOME_ORDERS, AS_OF, churn_after=np.int64(30)),
                                  dl.churn(net, SOME_ORDERS, AS_OF, churn_after=30))
    pd.testing.assert_frame_equal(net.volumes(SOME_ORDERS, levels=np.int16(2), min_pv=np.float32(15.0)),
                                  net.volumes(SOME_ORDERS, levels=2, min_pv=15.0))
    pd.testing.assert_series_equal(dl.participant_types(net, SOME_ORDERS, AS_OF, lookback_days=np.int32(60)),
                                   dl.participant_types(net, SOME_ORDERS, AS_OF, lookback_days=60))
    assert dl.KaplanMeier(alpha=np.float32(0.25)).alpha == 0.25  # 0.25 is exact in float32
    km = net.retention(SOME_ORDERS, AS_OF, top=np.uint8(1))
    assert list(km.survival_function_.columns) == [1]  # the largest organisation: 1's


def test_start_after_end_is_refused_and_an_empty_period_is_zeros():
    net = small_net()
    with raises(dl.InputError, "start (2024-02-01) is after end (2024-01-01)"):
        net.volumes(SOME_ORDERS, start="2024-02-01", end="2024-01-01")
    with raises(dl.InputError, "start (2024-01-02) is after end (2024-01-01)"):  # one day backwards
        net.volumes(SOME_ORDERS, start="2024-01-02", end="2024-01-01")
    vol = net.volumes(SOME_ORDERS, start="2024-02-01", end="2024-02-01")  # [start, start): no day
    assert (vol["pv"] == 0).all() and (vol["gv"] == 0).all()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, "10", True])
def test_min_pv_must_be_a_finite_number(bad):
    with raises(dl.InputError, f"min_pv must be a finite number, not {bad!r}"):
        small_net().volumes(SOME_ORDERS, min_pv=bad)


@pytest.mark.parametrize("alpha", [1e-300, 1e-16, 0.0, 1.0, 1 - 2**-53, -0.1, np.nan, np.inf, True, "0.05"])
def test_kaplan_meier_alpha_outside_its_range(alpha):
    with raises(dl.InputError, "alpha must be a finite number >= 1e-15 and <= 0.999999999999999",
                f"not {alpha!r}"):
        dl.KaplanMeier(alpha=alpha)


def test_kaplan_meier_alpha_at_the_ends_of_its_range():
    # z = Phi^-1(1 - alpha / 2): finite and positive at both ends; S = 1/2 at t = 1
    for alpha in (1e-15, 1 - 1e-15):
        table = dl.KaplanMeier(alpha=alpha).fit([1, 2], [1, 1]).survival_table_
        first = table.iloc[0]
        assert first["survival"] == 0.5
        assert 0.0 <= first["lower"] < 0.5 < first["upper"] <= 1.0


@pytest.mark.parametrize("frequency, recency, message", [
    ([("a b", 1), ("a", 2)], [("c", 30), ("b c", None)], "would both be labelled 'a b c'"),
    ([("no", 1)], [("purchase", None)], "would be labelled 'no purchase'"),
    ([("not yet", 1)], [("enrolled", None)], "would be labelled 'not yet enrolled'"),
])
def test_tier_labels_must_name_one_segment(frequency, recency, message):
    for run in (lambda: dl.lifecycle(SOME_ORDERS, AS_OF, frequency_tiers=frequency, recency_tiers=recency),
                lambda: dl.migration(SOME_ORDERS, "2024-01-31", AS_OF, frequency_tiers=frequency,
                                     recency_tiers=recency)):
        with raises(dl.InputError, message, "rename a tier"):
            run()


@pytest.mark.parametrize("call, column", [
    (lambda f: small_net().volumes(f), "pv"),
    (lambda f: dl.lifecycle(f, AS_OF), "participant_id"),
    (lambda f: dl.order_summary(f), "amount"),
])
def test_duplicate_column_names_are_refused(call, column):
    frame = pd.concat([SOME_ORDERS, SOME_ORDERS[[column]]], axis=1)
    with raises(dl.InputError, f"column {column!r} appears 2 times in the frame"):
        call(frame)


def test_duplicate_id_columns_in_a_participants_frame():
    frame = pd.concat([people([1, 2], [None, 1]), pd.DataFrame({"id": [3, 4]})], axis=1)
    with raises(dl.InputError, "column 'id' appears 2 times in the frame"):
        dl.Network.from_frame(frame)


def test_an_empty_network_remembers_its_enrolment_dates():
    frame = people(np.array([], dtype=np.int64), np.array([], dtype=np.int64), enrolled_on=pd.to_datetime([]))
    net = dl.Network.from_frame(frame, enrolled_on="enrolled_on")
    none = orders(np.array([], dtype=np.int64), [], pv=np.array([]), amount=np.array([]))
    assert dl.churn(net, none, AS_OF).empty
    assert net.volumes(none, as_of=AS_OF).empty
    assert dl.participant_types(net, none, AS_OF).empty
    assert net._enrolment_days() is not None and len(net._enrolment_days()) == 0
    assert pickle.loads(pickle.dumps(net))._enrolment_days() is not None
    without = dl.Network.from_frame(frame)
    with raises(dl.InputError, "as_of needs enrolment dates"):
        without.volumes(none, as_of=AS_OF)
    with raises(dl.InputError, "churn needs enrolment dates"):
        dl.churn(without, none, AS_OF)


# ===================================================================== 6. rollup
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_rollup_names_participants_with_non_finite_values(bad):
    net = small_net()
    with raises(dl.InputError, "rollup: missing or infinite values for 2 participant(s): 2, 4") as info:
        net.rollup(pd.Series([1.0, bad, 1.0, bad], index=[1, 2, 3, 4]))
    assert info.value.ids == [2, 4]
    with raises(dl.InputError, "for 1 participant(s): 3"):
        net.rollup(np.array([1.0, 1.0, bad, 1.0]))
    with raises(dl.InputError, "for 1 participant(s): 4"):
        net.rollup(pd.DataFrame({"a": [1.0, 1.0, 1.0, 1.0], "b": [1.0, 1.0, 1.0, bad]}, index=[1, 2, 3, 4]))
    with raises(dl.InputError, "for 1 participant(s): 1"):
        net.rollup(pd.Series(pd.array([None, 1, 1, 1], dtype="Int64"), index=[1, 2, 3, 4]))


@pytest.mark.parametrize("values", [
    pd.Series(["2", "1", "1", "1"], index=[1, 2, 3, 4]),
    np.array(["2", "1", "1", "1"], dtype=object),
    pd.DataFrame({"a": [1.0, 1.0, 1.0, 1.0], "b": ["1", "1", "1", "1"]}, index=[1, 2, 3, 4]),
])
def test_rollup_refuses_text(values):
    with raises(dl.InputError, "rollup: values that are not numbers"):
        small_net().rollup(values)


@pytest.mark.parametrize("values", [np.array([1 + 1j, 2, 3, 4]), pd.Series([1j, 0, 0, 0], index=[1, 2, 3, 4]),
                                    np.array(["2", "1", "1", "1"]), pd.Series(pd.to_datetime(["2024-01-01"] * 4))])
def test_rollup_refuses_complex_numbers_and_other_types(values):
    with raises(dl.InputError, "rollup: expected numbers, got"):
        small_net().rollup(values)


def test_rollup_counts_bools_and_reads_object_numbers():
    net = small_net()  # 1 -> 2 -> 4, 1 -> 3
    flags = pd.Series([True, False, True, True], index=[1, 2, 3, 4])
    # subtree counts of True by hand: 1: {1, 3, 4}; 2: {4}; 3: {3}; 4: {4}
    assert list(net.rollup(flags)) == [3.0, 1.0, 1.0, 1.0]
    mixed = np.array([1, 2.5, 3, 4], dtype=object)
    assert list(net.rollup(mixed)) == [1 + 2.5 + 3 + 4, 2.5 + 4, 3, 4]


def test_rollup_reads_a_series_and_a_frame_by_the_same_rule():
    # ids 0..3 in another order than pandas' default index: both are read by id
    net = dl.Network.from_frame(people([2, 0, 3, 1], pd.array([None, 2, 0, 2], dtype="Int64")))
    values = [1.0, 10.0, 100.0, 1000.0]  # at ids 0, 1, 2, 3 by the default index
    own = dict(enumerate(values))
    # subtrees: 2 -> {2, 0, 3, 1}; 0 -> {0, 3}; 3 -> {3}; 1 -> {1}
    want = [sum(own.values()), own[0] + own[3], own[3], own[1]]
    assert list(net.rollup(pd.Series(values))) == want
    assert list(net.rollup(pd.DataFrame({"v": values}))["v"]) == want
    other = dl.Network.from_frame(people(["a", "b"], [None, "a"]))
    for given in (pd.Series([1.0, 2.0]), pd.DataFrame({"v": [1.0, 2.0]})):
        with raises(dl.UnknownIdError, "not in the network: 0, 1", "pandas' default index"):
            other.rollup(given)


def test_volume_mix_follows_the_rollup_rule():
    net = small_net()
    with raises(dl.InputError, "pv: missing or infinite values for 1 participant(s): 3"):
        net.volume_mix(pd.Series(["a"] * 4, index=[1, 2, 3, 4]), pd.Series([1.0, 1.0, np.nan], index=[1, 2, 3]))
    with raises(dl.InputError, "pv: values that are not numbers"):
        net.volume_mix(["a"] * 4, np.array(["1", 1.0, 1.0, 1.0], dtype=object))


# ===================================================================== 7. narrow group labels
@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.uint8, np.uint16, np.uint32, np.int64, np.uint64])
def test_group_labels_at_the_extremes_of_their_dtype(dtype):
    info = np.iinfo(dtype)
    groups = np.array([info.min, info.min, info.max, info.max], dtype=dtype)
    km = dl.KaplanMeier().fit([1, 2, 3, 4], [1, 1, 1, 1], groups=groups)
    # each group: two subjects, events at its two times: S = 1/2 then 0; the median is
    # the midpoint of the time S reaches 1/2 and the next event time (R's rule)
    assert list(km.median_survival_time_.index) == [int(info.min), int(info.max)]
    assert list(km.median_survival_time_) == [1.5, 3.5]
    res = dl.logrank_test([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 0],
                          np.array([info.min, info.max, info.min, info.max, info.min, info.max], dtype=dtype))
    from statsmodels.duration.survfunc import survdiff
    chi2, _ = survdiff(np.array([1, 2, 3, 4, 5, 6.0]), np.array([1, 1, 1, 1, 1, 0]), np.array([0, 1, 0, 1, 0, 1]))
    assert res.statistic == pytest.approx(chi2, rel=1e-12)
    assert list(res.summary.index) == [int(info.min), int(info.max)]


# ===================================================================== 8. legs as of a date
def _enrolled_net():
    # 1 -> 2 -> 4, 2 -> 5, 1 -> 3; 3 and 4 enrol in 2021
    frame = people([1, 2, 3, 4, 5], pd.array([None, 1, 1, 2, 2], dtype="Int64"),
                   enrolled_on=pd.to_datetime(["2020-01-01", "2020-02-01", "2021-06-01", "2021-03-01",
                                               "2020-03-01"]))
    return dl.Network.from_frame(frame, enrolled_on="enrolled_on")


def test_legs_as_of_a_date_leave_later_participants_out():
    net = _enrolled_net()
    today = net.legs(1)
    assert list(today.index) == [2, 3] and list(today["size"]) == [3, 1]
    then = net.legs(1, as_of="2021-01-01")  # 3 and 4 not enrolled yet
    assert list(then.index) == [2] and list(then["size"]) == [2]
    o = orders([2, 4, 5, 5, 3], ["2020-06-01", "2021-04-01", "2020-07-01", "2021-02-01", "2021-07-01"],
               pv=[1.0, 10.0, 100.0, 1000.0, 10000.0])
    legs = net.legs(1, o, as_of="2021-01-01")
    assert list(legs.index) == [2] and list(legs["volume"]) == [1.0 + 100.0] and list(legs["power"]) == [True]
    later = net.legs(1, o, as_of="2021-12-31")
    assert list(later["size"]) == [3, 1] and list(later["volume"]) == [1.0 + 10.0 + 100.0 + 1000.0, 10000.0]
    with raises(dl.InputError, "legs: participant 4 is not in the network as of 2021-01-01"):
        net.legs(4, as_of="2021-01-01")
    with raises(dl.InputError, "legs: unknown argument(s) as_off, columns (the volumes arguments legs takes: date, end, levels,"):
        net.legs(1, o, columns=["gv"], as_off="2021-01-01")


# ===================================================================== 9. rows by label
LABELLED = ["a", "b", "c", "d"]


def test_rows_of_a_frame_with_its_own_index_are_named_by_label_too():
    net = small_net()
    o = orders([1, 2, 3, 4], ["2024-01-05"] * 4, pv=[1.0, np.nan, 1.0, 1.0], amount=[1.0, np.inf, 1.0, 1.0])
    o.index = LABELLED
    with raises(dl.InputError, "NaN or infinite volume, rows: 1 (labelled b)") as info:
        net.volumes(o)
    assert info.value.ids == [1]
    with raises(dl.InputError, "'amount' has 1 missing or infinite value(s) at rows 1 (labelled b)"):
        dl.order_summary(o)
    o2 = orders([1, None, 3, 4], ["2024-01-05", "2024-01-05", None, "1850-01-01"], pv=[1.0] * 4)
    o2.index = [10, 20, 30, 40]
    with raises(dl.InputError, "at rows 3 (1850-01-01) (labelled 40)"):
        dl.lifecycle(o2, AS_OF)
    with raises(dl.InputError, "rows: 2 (missing), 3 (1850-01-01) (labelled 30, 40)"):
        net.volumes(o2.assign(participant_id=[1, 2, 3, 4]))
    with raises(dl.InputError, "2 order(s) with a missing 'participant_id' or 'ordered_on' at rows 1, 2 "
                "(labelled 20, 30)"):
        dl.lifecycle(o2.iloc[:3], AS_OF)
    with raises(dl.InputError, "values that are not dates at rows [1] (labelled x)"):
        dl.lifecycle(pd.DataFrame({"participant_id": [1, 2], "ordered_on": ["2024-01-05", "soon"]},
                                  index=["w", "x"]), AS_OF)
    p = people([1, 2], [None, 1], enrolled_on=[pd.NaT, pd.Timestamp("2020-01-01")])
    p.index = ["first", "second"]
    with raises(dl.InputError, "has missing dates at rows 0 (labelled first)"):
        dl.Network.from_frame(p, enrolled_on="enrolled_on")
    with raises(dl.InputError, "column 'id': ids that are not whole numbers at rows 1 (labelled second)"):
        dl.Network.from_frame(p.assign(id=[1.0, 1.5], sponsor_id=[np.nan, 1.0]))


def test_text_ids_are_quoted_where_they_could_be_read_as_numbers():
    net = small_net()
    with raises(dl.UnknownIdError, "2 order(s) of 2 participant(s) not in the network: '2', x"):
        net.volumes(orders(["2", 1, "x"], ["2024-01-05"] * 3, pv=[1.0, 1.0, 1.0]))
    with raises(dl.UnknownIdError, "not among the participants: '2'"):
        dl.lifecycle(orders(["2", 1], ["2024-01-05"] * 2), AS_OF, participants=[1, 2])
    text = dl.Network.from_frame(people(["1", "2"], [None, "1"]))
    with raises(dl.UnknownIdError, "not in the network: 7"):  # among text ids, text is plain
        text.volumes(orders(["7"], ["2024-01-05"], pv=[1.0]))


# ===================================================================== 10. pickle and copy
def _same_network(a: dl.Network, b: dl.Network, o: pd.DataFrame) -> None:
    pd.testing.assert_index_equal(a.ids, b.ids)
    pd.testing.assert_frame_equal(a.volumes(o), b.volumes(o))
    for i in a.ids:
        assert list(a.upline(i)) == list(b.upline(i))
    assert (a.kinds is None) == (b.kinds is None)
    if a.kinds is not None:
        assert list(a.kinds) == list(b.kinds)
    assert (a._enrolment_days() is None) == (b._enrolment_days() is None)


@pytest.mark.parametrize("ids", [[1, 2, 3, 4], ["r", "x", "y", "z"], [-2**63, 2**63 - 1, 0, 5]])
def test_networks_pickle_and_copy_to_equal_networks(ids):
    frame = people(ids, pd.array([None, ids[0], ids[0], ids[1]], dtype="Int64" if isinstance(ids[0], int) else object),
                   enrolled_on=pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01", "2020-04-01"]),
                   kind=pd.Categorical(["a", "b", "a", "b"]))
    net = dl.Network.from_frame(frame, enrolled_on="enrolled_on", kind="kind")
    o = orders(ids, ["2024-01-05"] * 4, pv=[1.0, 2.0, 4.0, 8.0])
    for twin in (pickle.loads(pickle.dumps(net)), copy.copy(net), copy.deepcopy(net)):
        assert twin is not net
        _same_network(net, twin, o)
        assert list(twin.volumes(o, as_of="2020-02-15").index) == ids[:2]
    deep = copy.deepcopy(net)
    net.kinds[0] = "b"  # a deep copy has kinds of its own
    assert list(deep.kinds) == ["a", "b", "a", "b"]


def test_activities_pickle_with_their_network():
    net = small_net()
    o = orders([1, 2, 3, 4, 4], ["2024-01-05", "2024-02-05", "2024-02-06", "2023-12-31", "2024-03-01"],
               pv=[1.0, 2.0, 4.0, 8.0, 16.0])
    act = net.activity(o)
    net2, act2 = pickle.loads(pickle.dumps((net, act)))
    assert act2.network is net2
    for start, end in ((None, None), ("2024-01-01", "2024-02-06"), ("2024-02-06", "2024-03-02")):
        pd.testing.assert_frame_equal(net2.volumes(act2, start=start, end=end), net.volumes(act, start=start, end=end))
    alone = pickle.loads(pickle.dumps(act))
    pd.testing.assert_frame_equal(alone.network.volumes(alone), net.volumes(act))
    net3, act3 = copy.deepcopy((net, act))
    assert act3.network is net3
    pd.testing.assert_frame_equal(net3.volumes(act3), net.volumes(act))
    assert copy.copy(act).network is net


def test_a_pickled_activity_keeps_what_it_dropped_and_its_window():
    net = small_net()
    o = orders([1, 9, 3], ["2024-01-05"] * 3, pv=[1.0, 2.0, 4.0])
    with pytest.warns(dl.DroppedRowsWarning):
        act = net.activity(o, unknown="drop")
    back = pickle.loads(pickle.dumps(act))
    assert list(back.dropped_rows) == [1] and back.dropped_ids == [9] and len(back) == 2
    windowed = net.activity(o.iloc[[0, 2]], _window=(19727, 19728))  # 2024-01-05 only
    assert pickle.loads(pickle.dumps(windowed))._core.window == (19727, 19728)


# ===================================================================== 11. the adversarial pass
CHOICES = {  # keyword parameters that take one of a few strings
    "unknown": lambda v: small_net().volumes(SOME_ORDERS, unknown=v),
    "missing": lambda v: dl.lifecycle(SOME_ORDERS, AS_OF, missing=v),
    "cohort": lambda v: dl.cohort_retention(SOME_ORDERS, AS_OF, cohort=v),
    "ci": lambda v: dl.KaplanMeier(ci=v),
}


@pytest.mark.parametrize("name", list(CHOICES))
@pytest.mark.parametrize("value", ["nope", None, pd.Series(["raise"]), pd.DataFrame(), ["raise"]])
def test_keyword_choices_are_named(name, value):
    with raises(dl.InputError, f"{name} must be "):  # once a ValueError for a Series or DataFrame
        CHOICES[name](value)


FLAGS = {
    "include_self": lambda v: small_net().downline_counts([1, 1, 1, 1], include_self=v),
    "share": lambda v: small_net().volume_mix([1, 1, 1, 1], np.ones(4), share=v),
    "include_first_transaction": lambda v: dl.rfm_summary(SOME_ORDERS, "participant_id", "ordered_on",
                                                          include_first_transaction=v),
    "shuffle": lambda v: dl.sample(10, shuffle=v),
    "retention include_self": lambda v: small_net().retention(SOME_ORDERS, AS_OF, include_self=v),
}


@pytest.mark.parametrize("name", list(FLAGS))
@pytest.mark.parametrize("value", ["no", 0, None, pd.Series([True])])
def test_flags_must_be_true_or_false(name, value):
    # "no" was read as True; a Series raised pandas' ValueError
    with raises(dl.InputError, f"{name.split()[-1]} must be True or False, not {value!r}"):
        FLAGS[name](value)


@pytest.mark.parametrize("value", ["abc", 5, 2.5, np.nan, pd.DataFrame({"id": [1]}), {1: "a"}])
def test_customers_must_be_a_list_of_ids(value):
    for run in (lambda: dl.lifecycle(SOME_ORDERS, AS_OF, participants=value),
                lambda: dl.order_summary(SOME_ORDERS, participants=value)):
        with raises(dl.InputError, "participants: expected a list of ids (or a Network)"):
            run()


def test_no_sponsor_with_nullable_sponsors_and_bad_values():
    # a nullable sponsor column (what dl.sample and read_participants give) with no_sponsor=0
    # raised pandas' "Boolean array expected" ValueError
    frame = people([1, 2, 3], pd.array([None, 1, 0], dtype="Int64"))
    net = dl.Network.from_frame(frame, no_sponsor=0)
    assert list(net.upline(2)) == [1] and list(net.upline(3)) == []  # 3's sponsor 0 means none
    for bad in (True, [0], pd.Series([0])):  # True == 1 would make 2 a root
        with raises(dl.InputError, "no_sponsor must be one id value"):
            dl.Network.from_frame(frame, no_sponsor=bad)


def test_sample_parameters_are_checked():
    with raises(dl.InputError, "orders_per_participant must be a finite number >= 0 and <= 1000, not inf"):
        dl.sample(10, orders_per_participant=np.inf)  # once an endless loop
    with raises(dl.InputError, "participants must be a whole number from 0 to 2,147,483,647, not -1"):
        dl.sample(-1)
    with raises(dl.InputError, "seed must be a whole number from 0 to 18,446,744,073,709,551,615, not -1"):
        dl.sample(10, seed=-1)  # once a pybind11 TypeError


def test_kaplan_meier_inputs_of_other_kinds():
    # a list of mixed labels keeps its types (numpy would turn 1 into "1")
    km = dl.KaplanMeier().fit([1, 2, 3, 4], [1, 1, 1, 1], groups=["a", 1, "a", 1])
    assert sorted(km.median_survival_time_.index, key=str) == [1, "a"]
    with raises(dl.InputError, "durations: expected numbers, got <U1 values"):
        dl.KaplanMeier().fit(["1", "2"])  # text is not converted
    with raises(dl.InputError, "durations: expected numbers, got booleans"):
        dl.KaplanMeier().fit([True, False])
    with raises(dl.InputError, "durations: expected numbers, got timedelta64[ns] values"):
        dl.KaplanMeier().fit(pd.to_timedelta([1, 2], unit="D"))
    fitted = dl.KaplanMeier().fit([1, 2, 3])
    for times in ("abc", {"a": 1}, pd.NaT, np.nan, [1.0, None]):
        with raises(dl.InputError, "times:"):
            fitted.survival_at(times)
        with raises(dl.InputError, "times:"):
            fitted.at_risk_at(times)
    # S = 1/2 exactly at the first of two huge times: the midpoint, without overflowing to inf
    assert dl.KaplanMeier().fit([1e308, 1.7e308]).median_survival_time_ == 1e308 + (1.7e308 - 1e308) / 2


def test_results_asked_for_before_fit():
    km = dl.KaplanMeier()
    for name in ("median_survival_time_", "survival_table_", "event_table_", "survival_function_"):
        with raises(dl.InputError, f"KaplanMeier.{name}: call fit(...) first"):
            getattr(km, name)
        assert not hasattr(km, name)  # an AttributeError too, as in lifelines
    assert pickle.loads(pickle.dumps(km)).alpha == 0.05 and copy.deepcopy(km).ci == "log-log"


def test_too_many_life_cycle_segments():
    frequency = [(f"f{i}", i + 1) for i in range(200)]
    recency = [(f"r{i}", i) for i in range(199)] + [("last", None)]
    with raises(dl.InputError, "tiers: at most 32,767 segments (frequency tiers x recency tiers), got 40,000"):
        dl.lifecycle(SOME_ORDERS, AS_OF, frequency_tiers=frequency, recency_tiers=recency)


def test_bool_ids_are_refused_by_the_network():
    with raises(dl.InputError, "column 'id' holds booleans (bool), not ids"):
        dl.Network.from_frame(people([True, False], [None, True]))


def test_kaplan_meier_rows_of_a_series_with_its_own_index():
    index = ["a", "b", "c"]
    with raises(dl.InputError, "1 duration(s) with a missing, infinite or negative time at rows 1 (labelled b)"):
        dl.KaplanMeier().fit(pd.Series([1.0, np.nan, 3.0], index=index))
    with raises(dl.InputError, "event_observed: values other than 0/1 at rows 2 (labelled c)"):
        dl.KaplanMeier().fit([1, 2, 3], pd.Series([1, 0, 2], index=index))
    with raises(dl.InputError, "groups: missing group labels at rows 0 (labelled a)"):
        dl.KaplanMeier().fit([1, 2, 3], groups=pd.Series([None, "x", "y"], index=index))
    with raises(dl.InputError, "non-positive weight at rows 1 (labelled b)"):
        dl.KaplanMeier().fit([1, 2, 3], weights=pd.Series([1.0, -1.0, 1.0], index=index))
