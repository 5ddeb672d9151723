"""Determinism and thread safety (issue 6).

* Every result is bit-identical whatever ``dl.set_num_threads`` says (1, 2, 3 or 8 threads
  cut the inputs into different slices) and from one run to the next.
* One Network queried from 8 Python threads at once gives the same answers as the same
  queries run one after the other (downline releases the GIL, so the queries overlap).

Bit-identical means: the same index, columns and dtypes, and the same bytes in every
column (floats compared as their bit patterns, so -0.0 != 0.0 and NaN payloads count).
The data are large enough for every parallel step to cut its input into several slices.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import downline as dl

START, END, AS_OF = "2023-01-01", "2023-02-01", "2023-12-31"


@pytest.fixture(scope="module")
def company():
    # ~1.6M orders: every parallel step (grains of 2^14 .. 2^18 rows) gets several slices
    people, orders = dl.sample(200_000, seed=7)
    return people, orders


def _bits(values) -> bytes:
    """The exact bytes of a column: floats by bit pattern, objects by repr."""
    if isinstance(values, pd.MultiIndex):
        return b"|".join(_bits(values.get_level_values(i)) for i in range(values.nlevels))
    if isinstance(values, (pd.Index, pd.Series)):
        values = values.array
    if isinstance(values, pd.Categorical):
        return _bits(np.asarray(values.codes)) + repr(list(values.categories)).encode()
    if isinstance(values, pd.arrays.IntegerArray) or isinstance(values, pd.arrays.BooleanArray):
        return _bits(values._data) + _bits(values._mask)
    a = np.asarray(values)
    if a.dtype == object:
        return repr(a.tolist()).encode()
    return str(a.dtype).encode() + np.ascontiguousarray(a).view(np.uint8).tobytes()


def fingerprint(obj) -> list:
    """A list of (label, bytes) pairs that differ if any value, label or dtype differs."""
    if isinstance(obj, pd.DataFrame):
        out = [("index", _bits(obj.index)), ("columns", repr(list(obj.columns)).encode())]
        for i in range(obj.shape[1]):
            out.append((f"col {obj.columns[i]!r} {obj.dtypes.iloc[i]}", _bits(obj.iloc[:, i])))
        return out
    if isinstance(obj, pd.Series):
        return [("index", _bits(obj.index)), (f"values {obj.dtype}", _bits(obj))]
    if isinstance(obj, pd.Index):
        return [("index", _bits(obj))]
    if isinstance(obj, np.ndarray):
        return [("array", _bits(obj))]
    if isinstance(obj, (int, float, str, bool, np.generic, type(None), pd.Timestamp)):
        return [("scalar", repr(obj).encode())]
    if isinstance(obj, (tuple, list)):
        return [(f"[{i}] {k}", v) for i, x in enumerate(obj) for k, v in fingerprint(x)]
    # result objects (KaplanMeier, Lifecycle, ...): their public attributes
    attrs = {k: v for k, v in vars(obj).items() if not k.startswith("_") and not callable(v)}
    assert attrs, f"nothing to compare in {type(obj).__name__}"
    return [(f"{type(obj).__name__}.{k} {label}", v) for k in sorted(attrs)
            for label, v in fingerprint(attrs[k])]


def assert_identical(a, b, what: str) -> None:
    fa, fb = fingerprint(a), fingerprint(b)
    assert [k for k, _ in fa] == [k for k, _ in fb], f"{what}: different shapes of result"
    for (k, x), (_, y) in zip(fa, fb):
        assert x == y, f"{what}: {k} differs"


def every_result(people: pd.DataFrame, orders: pd.DataFrame) -> dict:
    """The library's main results, from the DataFrames up."""
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on", kind="kind")
    act = net.activity(orders)
    vol = net.volumes(act, start=START, end=END)
    lc = dl.lifecycle(orders, AS_OF, participants=net)
    ch = dl.churn(net, orders, AS_OF)
    kinds = people.set_index("id")["kind"].reindex(ch.index)
    types = dl.participant_types(net, orders, AS_OF)
    return {
        "network ids": net.ids,
        "network depth": net.depth,
        "volumes (from orders)": net.volumes(orders, start=START, end=END),
        "volumes (from activity)": vol,
        "volumes as of": net.volumes(act, as_of="2022-06-30", levels=5),
        "rollup": net.rollup(vol["pv"]),
        "lifecycle": lc,
        "migration": dl.migration(orders, "2022-12-31", AS_OF, participants=net),
        "rfm": dl.rfm(orders, AS_OF),
        "rfm_summary": dl.rfm_summary(orders, "participant_id", "ordered_on", "amount",
                                      observation_period_end=AS_OF),
        "order_summary": dl.order_summary(orders, AS_OF),
        "participant types": types,
        "downline counts": net.downline_counts(types),
        "volume mix": net.volume_mix(types, vol["pv"]),
        "churn": ch,
        "kaplan-meier": dl.KaplanMeier().fit(ch["duration"], ch["churned"], groups=kinds),
        "logrank": dl.logrank_test(ch["duration"], ch["churned"], groups=kinds),
        "retention by leader": net.retention(orders, AS_OF, top=5),
        "cohorts (first order)": dl.cohort_retention(orders, AS_OF),
        "cohorts (enrolment)": dl.cohort_retention(orders, AS_OF, cohort="enrolment", participants=net),
    }


def test_results_are_bit_identical_across_thread_counts_and_runs(company):
    people, orders = company
    before = dl.num_threads()
    try:
        dl.set_num_threads(1)
        reference = every_result(people, orders)
        for threads in (2, 3, 8, 1):
            dl.set_num_threads(threads)
            got = every_result(people, orders)
            assert got.keys() == reference.keys()
            for name in reference:
                assert_identical(got[name], reference[name], f"{name} with {threads} threads")
    finally:
        dl.set_num_threads(0 if before == dl.num_threads() else before)


def test_fingerprint_sees_a_last_bit_change(company):
    # the comparison above would catch a result that differs in one bit of one float
    frame = pd.DataFrame({"x": [0.1, 0.2, 0.3]})
    other = frame.copy()
    other.iloc[1, 0] = np.nextafter(0.2, 1.0)
    with pytest.raises(AssertionError, match="col 'x'"):
        assert_identical(other, frame, "nudged")
    assert_identical(frame.copy(), frame, "copy")
    zero = pd.Series([0.0])
    with pytest.raises(AssertionError):
        assert_identical(-zero, zero, "signed zero")


def test_one_network_queried_from_eight_threads(company):
    people, orders = company
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on", kind="kind")
    act = net.activity(orders)
    pv = net.volumes(act, start=START, end=END)["pv"]
    types = dl.participant_types(net, orders, AS_OF)
    big = net.volumes(act, start=START, end=END).nlargest(3, "gv").index.tolist()
    deep = net.depth.idxmax()
    queries = {
        "volumes(orders)": lambda: net.volumes(orders, start=START, end=END),
        "volumes(activity)": lambda: net.volumes(act, start=START, end=END, levels=4),
        "activity, then volumes": lambda: net.volumes(net.activity(orders), as_of="2022-06-30"),
        "rollup": lambda: net.rollup(pv),
        "rollup matrix": lambda: net.rollup(np.column_stack([pv.to_numpy(), np.ones(len(pv))])),
        "downline": lambda: net.downline(big[0]),
        "upline": lambda: net.upline(deep),
        "legs": lambda: net.legs(big[1], orders, start=START, end=END),
        "downline_counts": lambda: net.downline_counts(types),
        "volume_mix": lambda: net.volume_mix(types, pv),
        "retention": lambda: net.retention(orders, AS_OF, leaders=big),
        "churn": lambda: dl.churn(net, orders, AS_OF),
        "lifecycle": lambda: dl.lifecycle(orders, AS_OF, participants=net),
    }
    reference = {name: q() for name, q in queries.items()}

    names = [name for _ in range(3) for name in queries]  # every query 3 times, interleaved
    start = threading.Barrier(8)
    seen_threads = set()

    def run(i: int):
        if i < 8:
            start.wait()  # the first 8 tasks start together
        seen_threads.add(threading.get_ident())
        name = names[i]
        return name, queries[name]()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, range(len(names))))
    assert len(seen_threads) == 8
    for name, got in results:
        assert_identical(got, reference[name], f"{name} from 8 threads")


def test_a_running_call_keeps_its_thread_count_while_another_thread_sets_it():
    # issue 23: buffers sized from the thread count read once, loops re-reading the live
    # setting, crashed these within a second; each run must equal the one-thread result
    people, orders = dl.sample(50_000, seed=3)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    runs = {
        "lifecycle": lambda: dl.lifecycle(orders, AS_OF),
        "rfm": lambda: dl.rfm(orders, AS_OF),
        "order_summary": lambda: dl.order_summary(orders, AS_OF),
        "rfm_summary": lambda: dl.rfm_summary(orders, "participant_id", "ordered_on", "amount",
                                              observation_period_end=AS_OF),
        "migration": lambda: dl.migration(orders, "2023-06-30", AS_OF),
        "cohort_retention": lambda: dl.cohort_retention(orders, AS_OF),
        "cohort_retention (enrolment)": lambda: dl.cohort_retention(
            orders, AS_OF, cohort="enrolment", participants=net),
    }
    before = dl.num_threads()
    dl.set_num_threads(1)
    reference = {name: run() for name, run in runs.items()}
    stop = threading.Event()
    flips = 0

    def flip():
        nonlocal flips
        while not stop.is_set():
            dl.set_num_threads(1 + flips % 8)
            flips += 1

    flipper = threading.Thread(target=flip)
    flipper.start()
    try:
        for rep in range(6):
            for name, run in runs.items():
                assert_identical(run(), reference[name], f"{name}, run {rep}")
    finally:
        stop.set()
        flipper.join()
        dl.set_num_threads(0 if before == dl.num_threads() else before)
    assert flips > 1000


def test_thread_count_inputs_are_checked():
    # set_num_threads: whole numbers 0..1024, anything else an InputError naming it
    # (integers beyond int32 used to escape as pybind11's TypeError)
    before = dl.num_threads()
    try:
        for bad in (-1, 1025, 2**31, 2**40, 10**30, 2.0, "4", True, None):
            with pytest.raises(dl.InputError, match=rf"from 0 to 1,024, not {re.escape(repr(bad))}$"):
                dl.set_num_threads(bad)
        dl.set_num_threads(1024)
        assert dl.num_threads() == 1024
    finally:
        dl.set_num_threads(0)
    assert dl.num_threads() == before

    # DOWNLINE_NUM_THREADS: plain digits 0..1024; anything else is ignored with one line on
    # stderr, and the default (every core) is used
    def run(value):
        env = {k: v for k, v in os.environ.items() if k != "DOWNLINE_NUM_THREADS"}
        if value is not None:
            env["DOWNLINE_NUM_THREADS"] = value
        r = subprocess.run([sys.executable, "-c", "import downline as dl; print(dl.num_threads())"],
                           capture_output=True, text=True, env=env, check=True)
        return int(r.stdout), r.stderr

    default, err = run(None)
    assert err == ""
    assert run("3") == (3, "")
    assert run("0") == (default, "")
    assert run("") == (default, "")
    for bad in ("-2", "abc", "4x", " 4", "1025", "99999999999999999999"):
        got, err = run(bad)
        assert got == default, bad
        assert err == (f'downline: DOWNLINE_NUM_THREADS="{bad}" ignored: expected a whole number '
                       "from 0 to 1024; using every hardware thread\n"), bad
