#!/usr/bin/env python
"""The network over time (issue 26): a run with a binary bonus, volume series, and the
network as of many dates with events.

One command runs everything:

    .venv/bin/python benchmarks/over_time.py [--sizes 1000000,10000000] [--quick] [--repeat R]
                                             [--events E] [--as-of-dates K] [--as-of-probe P]
                                             [--as-of-budget SECONDS]
                                             [--out FILE.md] [--json FILE.json] [--tmp DIR]

Data: ``dl.sample(N, seed=42)`` (8 orders per participant over four years), cached as
pickles in ``--tmp`` (default /tmp/downline-peers, a folder ``over-time-N`` per size). The
24 months are the last 24 calendar months of the orders ([2022-01-01, 2024-01-01) for this
sample). Everything runs in this one process, in R rounds (default 3; 1 with --quick):
times are the minimum of the rounds [median], ratios from the minimums.

* **binary run**: a placement tree made for the sample (participants in enrolment order,
  breadth-first fill: the i-th (0-based) is placed under the ((i-1)//2)-th, on the left
  when i is odd: a complete binary tree), ``Network.from_frame(..., placement=, side=)``,
  the orders mapped once (``net.activity(orders, values=["amount"])``), then a 24-month
  ``plan.run(net, act, start, end, columns=["rank", "title", "total"])`` of the example
  plan (``dl.CompensationPlan.example()``), of the same plan with
  ``"binary": {"rate": 0.1, "cap": 5000}``, and of a plan with the example's ranks and the
  binary bonus alone (no unilevel, differential, generation, fast start, cap). Peak memory
  of each run: VmHWM reset before it, beyond the RSS before it (benchmarks/run.py's Peak).
  Target: the run with the binary bonus at most 3x the run without.
* **volume_series**: on ``Network.from_frame(people, enrolled_on="enrolled_on")``,
  ``net.volume_series(act, start, end, freq="MS", columns=["gv"])`` over the 24 months
  against the 24 single months ``net.volumes(act, start=m, end=m_next, as_of=m_next - 1
  day, columns=["gv"])`` from the same Activity (the as_of the series uses), and against
  the 24 months from the orders DataFrame each time. Every month of the series is checked
  equal to its single month (np.allclose on the rows present, the same rows), and one
  month of the DataFrame path to the Activity's. Targets: the series at most the 24
  single months (24x one month, each month its own cost), and faster than the 24 months
  from the DataFrame.
* **as_of with events**: E events (default 100,000; at most N/10), valid by
  construction: their participants are leaves of the sponsor tree (they sponsor nobody),
  each in one event, half terminated, half transferred to a participant who is in no
  event (so never terminated and never under a transferred participant), dated uniformly
  over the 24 months after both enrolments. The build with events against the build
  without ("a rebuild", ``Network.from_frame(people, enrolled_on="enrolled_on")``) and
  the C++ build alone (``_core.Network`` on arrays made beforehand); then
  ``net.as_of(date)`` on P dates (default 20) spread evenly over the events' window; when
  their mean x K fits in ``--as-of-budget`` seconds (default 300), on all K dates
  (default 1,000, one pass), else the K dates are extrapolated from the P dates (said in
  the report). Each result's size is checked against the enrolments and terminations up
  to the date, and the last date's transfers against the new sponsors. The cost of one
  date is split (on 5 of the dates) into the pieces of as_of for int ids (as in commit
  9f9f13d): the sponsor rows (``net._parent_rows()``), the events applied
  (``downline.events.applied``), the members, the build's arrays and the C++ build
  (``_core.Network``); the pieces' members are checked equal to ``net.as_of``'s. The
  floor of any as_of that returns a network of its own: the arrays a network holds copied
  once (nothing computed, no id index). Then as_of on P dates that share their events with
  the date before (the days after the last event, the first two left out: they build; and
  the days before the first event): cuts of the network with those events applied, each
  checked as above. Target: as_of on K dates at least 10x faster than K rebuilds.

PASS/FAIL lines do not change the exit code (0); a failed check stops with exit code 1.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run as harness  # noqa: E402  (benchmarks/run.py: options, Peak, stats, formatting)
from run import CheckFailed, fmt_mb, fmt_t, size_label  # noqa: E402

SEED = 42
ORDERS_PER_PARTICIPANT = 8.0
REPEAT = 3
MONTHS = 24
EVENTS = 100_000
AS_OF_DATES = 1_000  # the figure
AS_OF_PROBE = 20  # dates always timed
AS_OF_BUDGET = 300.0  # seconds the K dates may take, else extrapolated
SPLIT_DATES = 5
BINARY = {"rate": 0.1, "cap": 5000}
RUN_COLUMNS = ["rank", "title", "total"]
TARGET_BINARY_OVER_PLAIN = 3.0
TARGET_AS_OF_SPEEDUP = 10.0
PLANS = (("without binary (example plan)", "plain"), ("with binary (example plan + binary)", "binary"),
         ("binary alone (example ranks + binary)", "binary_only"))


def say(msg: str) -> None:
    print(f"[over_time {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ======================================================================================
# data
# ======================================================================================
def ensure_sample(n: int, opp: float, tmp: Path) -> tuple[Any, Any, dict]:
    """dl.sample(n, seed=42): (people, orders, facts), from the cache in tmp when there."""
    import pandas as pd

    import downline as dl

    data = tmp / f"over-time-{n}" if opp == ORDERS_PER_PARTICIPANT else tmp / f"over-time-{n}-opp{opp:g}"
    meta = data / "meta.json"
    if meta.is_file():
        t0 = time.perf_counter()
        people = pd.read_pickle(data / "people.pkl")
        orders = pd.read_pickle(data / "orders.pkl")
        say(f"n={n:,}: sample read from {data} in {fmt_t(time.perf_counter() - t0)}")
        return people, orders, json.loads(meta.read_text())
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    say(f"n={n:,}: generating the sample (dl.sample, seed {SEED}) ...")
    t0 = time.perf_counter()
    people, orders = dl.sample(n, orders_per_participant=opp, seed=SEED)
    seconds = time.perf_counter() - t0
    people.to_pickle(data / "people.pkl", protocol=pickle.HIGHEST_PROTOCOL)
    orders.to_pickle(data / "orders.pkl", protocol=pickle.HIGHEST_PROTOCOL)
    facts = {"participants": len(people), "orders": len(orders), "seed": SEED,
             "orders_per_participant": opp, "first_order": str(orders["ordered_on"].min().date()),
             "last_order": str(orders["ordered_on"].max().date()), "sample_seconds": seconds}
    meta.write_text(json.dumps(facts, indent=1))
    say(f"n={n:,}: sample made in {fmt_t(seconds)}, cached in {data}")
    return people, orders, facts


def window(orders: Any) -> tuple:
    """The last MONTHS calendar months of the orders: (start, end) Timestamps."""
    import pandas as pd

    last = orders["ordered_on"].max()
    end = last.to_period("M").to_timestamp() + pd.DateOffset(months=1)
    return end - pd.DateOffset(months=MONTHS), end


def placed(people: Any) -> Any:
    """people with a placement tree: in enrolment order (ties by row), the i-th under the
    ((i-1)//2)-th, 'L' when i is odd, 'R' when even; the first is the root."""
    import numpy as np
    import pandas as pd

    n = len(people)
    order = np.argsort(people["enrolled_on"].to_numpy(), kind="stable")
    ids = people["id"].to_numpy()
    pos = np.arange(n)
    parent = np.zeros(n, dtype=np.int64)
    has = pos > 0
    parent[order[has]] = ids[order[(pos[has] - 1) // 2]]
    mask = np.zeros(n, dtype=bool)
    mask[order[0]] = True
    side = np.empty(n, dtype=object)
    side[order] = np.where(pos % 2 == 1, "L", "R")
    side[order[0]] = None
    return people.assign(placement_id=pd.arrays.IntegerArray(parent, mask), side=side)


def make_events(people: Any, count: int, lo: Any, hi: Any, seed: int = SEED) -> Any:
    """`count` valid events (see the module's docstring): participant_id, effective_on,
    new_sponsor_id (Int64, missing for a termination), terminated."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = len(people)
    ids = people["id"].to_numpy()
    sp = people["sponsor_id"]
    sponsors = sp.to_numpy(dtype=np.int64, na_value=0)[sp.notna().to_numpy()]
    leaf = ~np.isin(ids, sponsors)
    leaves = np.flatnonzero(leaf)
    if count > len(leaves):
        raise CheckFailed(f"{count:,} events asked for, only {len(leaves):,} leaves")
    subjects = rng.choice(leaves, size=count, replace=False)
    in_event = np.zeros(n, dtype=bool)
    in_event[subjects] = True
    others = np.flatnonzero(~in_event)
    enrol = people["enrolled_on"].to_numpy().astype("datetime64[D]").astype(np.int64)
    lo_d = int(np.datetime64(lo.date(), "D").astype(np.int64))
    hi_d = int(np.datetime64(hi.date(), "D").astype(np.int64))
    terminated = np.zeros(count, dtype=bool)
    terminated[: count // 2] = True
    rng.shuffle(terminated)
    new = np.where(terminated, -1, others[rng.integers(0, len(others), size=count)])
    first = np.maximum(lo_d, enrol[subjects])
    first = np.where(terminated, first, np.maximum(first, enrol[np.maximum(new, 0)]))
    if (first > hi_d).any():
        raise CheckFailed("an event's participant or new sponsor enrolled after the events' window")
    day = first + np.floor(rng.random(count) * (hi_d - first + 1)).astype(np.int64)
    return pd.DataFrame({
        "participant_id": ids[subjects],
        "effective_on": day.astype("datetime64[D]").astype("datetime64[ns]"),
        "new_sponsor_id": pd.arrays.IntegerArray(np.where(terminated, 0, ids[np.maximum(new, 0)]), terminated),
        "terminated": terminated,
    })


# ======================================================================================
# timing
# ======================================================================================
class Rounds:
    """Times of named paths over rounds, with the peak memory of each path."""

    def __init__(self) -> None:
        self.runs: dict[str, list[float]] = {}
        self.peaks: dict[str, harness.Peak] = {}

    def time(self, name: str, fn: Callable[[], Any], keep: bool = False) -> Any:
        peak = self.peaks.setdefault(name, harness.Peak())
        gc.collect()
        trim()
        peak.start()
        t0 = time.perf_counter()
        out = fn()
        self.runs.setdefault(name, []).append(time.perf_counter() - t0)
        peak.stop()
        return out if keep else None

    def add(self, name: str, seconds: float) -> None:
        self.runs.setdefault(name, []).append(seconds)

    def stats(self) -> dict[str, dict]:
        out = {}
        for k, runs in self.runs.items():
            st = harness._stats(runs)
            if k in self.peaks:
                st["peak_extra_bytes"] = self.peaks[k].extra_kb * 1024
            out[k] = st
        return out


def trim() -> None:
    """Gives the heap's free memory back (glibc malloc_trim), so that a path's peak beyond
    the RSS before it is not hidden by memory an earlier path freed."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def rss_bytes() -> int:
    return harness._status_kb("VmRSS:") * 1024


# ======================================================================================
# 1. a run with a binary bonus
# ======================================================================================
def plans() -> dict:
    import downline as dl

    base = dl.CompensationPlan.example().to_dict()
    with_binary = {**base, "binary": dict(BINARY)}
    alone = {k: base[k] for k in ("name", "active_pv", "ranks") if k in base}
    alone["binary"] = dict(BINARY)
    return {"plain": dl.CompensationPlan(base), "binary": dl.CompensationPlan(with_binary),
            "binary_only": dl.CompensationPlan(alone)}


def bench_binary(people: Any, orders: Any, start: Any, end: Any, repeat: int) -> dict:
    import downline as dl

    t0 = time.perf_counter()
    frame = placed(people)
    make_placement = time.perf_counter() - t0
    clock = Rounds()
    net = None
    for _ in range(repeat):
        net = None
        net = clock.time("build with the placement tree", lambda: dl.Network.from_frame(
            frame, enrolled_on="enrolled_on", placement="placement_id", side="side"), keep=True)
    del frame
    act = clock.time("map the orders (activity, values=[amount])",
                     lambda: net.activity(orders, values=["amount"]), keep=True)
    chosen = plans()
    trees = net.memory_bytes + net.placement.memory_bytes
    say(f"  placement made in {fmt_t(make_placement)}; trees {fmt_mb(trees)}; "
        f"orders mapped in {fmt_t(clock.runs['map the orders (activity, values=[amount])'][0])}")
    facts: dict = {}
    for k in range(repeat):
        for label, key in PLANS:
            gc.collect()
            run = clock.time(key, lambda: chosen[key].run(net, act, start, end, columns=RUN_COLUMNS), keep=k == 0)
            if run is not None:  # the first round's answer, for the report
                totals = run.totals
                facts[key] = {"periods": len(totals), "rows": len(run.participants),
                              "result_bytes": int(run.participants.memory_usage(deep=True).sum()),
                              "sales": float(totals["sales"].sum()), "paid": float(totals["paid"].sum()),
                              "binary": float(totals["binary"].sum()) if "binary" in totals else None}
                del run, totals
        say(f"  round {k + 1}/{repeat}: " + ", ".join(f"{key} {fmt_t(clock.runs[key][-1])}" for _, key in PLANS))
    out = {"times": clock.stats(), "facts": facts, "placement_seconds": make_placement,
           "network_bytes": trees, "rss_after": rss_bytes()}
    del net, act
    gc.collect()
    return out


# ======================================================================================
# 2. volume_series against single months
# ======================================================================================
def bench_series(net: Any, orders: Any, start: Any, end: Any, repeat: int) -> dict:
    import numpy as np
    import pandas as pd

    bounds = pd.date_range(start, end, freq="MS")
    months = list(zip(bounds[:-1], bounds[1:]))
    day = pd.Timedelta(days=1)
    clock = Rounds()
    act = clock.time("map the orders (activity)", lambda: net.activity(orders), keep=True)
    checked = 0
    for k in range(repeat):
        gc.collect()
        series = clock.time("series", lambda: net.volume_series(act, start, end, freq="MS", columns=["gv"]),
                            keep=k == 0)
        gv = series["gv"] if series is not None else None
        del series
        total = 0.0
        for p, (a, b) in enumerate(months):
            t0 = time.perf_counter()
            one = net.volumes(act, start=a, end=b, as_of=b - day, columns=["gv"])
            total += time.perf_counter() - t0
            if gv is not None:  # every month of the series equals its single month
                col = gv.iloc[:, p]
                present = col.notna().to_numpy()
                same_rows = present.sum() == len(one) and col.index[present].equals(one.index)
                if not same_rows or not np.allclose(col.to_numpy()[present], one["gv"].to_numpy()):
                    raise CheckFailed(f"volume_series: the month {a.date()} differs from volumes(act, "
                                      f"start={a.date()}, end={b.date()}, as_of={(b - day).date()}) "
                                      f"(same rows: {same_rows})")
                checked += 1
            if p == len(months) - 1:
                last = one
            del one
        clock.add("24 single months from the Activity", total)
        del gv
        gc.collect()
        total = 0.0
        for p, (a, b) in enumerate(months):
            t0 = time.perf_counter()
            one = net.volumes(orders, start=a, end=b, as_of=b - day, columns=["gv"])
            total += time.perf_counter() - t0
            if k == 0 and p == len(months) - 1:
                if not (one.index.equals(last.index) and np.allclose(one["gv"].to_numpy(), last["gv"].to_numpy())):
                    raise CheckFailed(f"volumes: the month {a.date()} from the DataFrame differs from the Activity's")
                checked += 1
            del one
        del last
        clock.add("24 single months from the DataFrame", total)
        say(f"  round {k + 1}/{repeat}: series {fmt_t(clock.runs['series'][-1])}, 24 months from the Activity "
            f"{fmt_t(clock.runs['24 single months from the Activity'][-1])}, from the DataFrame {fmt_t(total)}")
    # one month alone (the last, the largest network), for the "24x one month" reading
    for _ in range(repeat):
        a, b = months[-1]
        clock.time("one month (the last) from the Activity",
                   lambda: net.volumes(act, start=a, end=b, as_of=b - day, columns=["gv"]))
    del act
    gc.collect()
    return {"times": clock.stats(), "checked_months": checked, "months": len(months)}


# ======================================================================================
# 3. as_of with events
# ======================================================================================
def as_of_split(net: Any, date: Any) -> tuple[dict, Any]:
    """net.as_of(date) in its pieces, as network.py's as_of does them for int ids (since
    commit 9f9f13d: the members' arrays straight to the C++ build), each timed: ({piece:
    seconds}, the ids of the members)."""
    import numpy as np

    from downline import _core
    from downline._convert import day_number
    from downline.events import applied

    if net._keys != "int":
        raise CheckFailed("as_of_split follows as_of for int ids only")
    t = {}
    t0 = time.perf_counter()
    day = day_number(date, "date")
    parents = net._parent_rows()
    t["sponsor rows (net._parent_rows, made once)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    parents, terminated = applied(net._events, parents, net._events.upto(day))
    t["events applied (events.applied)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    keep = ~terminated
    enrolled = net._enrolment_days()
    keep &= enrolled <= day
    while True:
        orphan = keep & (parents >= 0) & ~keep[np.maximum(parents, 0)]
        if not orphan.any():
            break
        keep &= ~orphan
    rows = np.flatnonzero(keep)
    t["members (enrolled, not terminated, upline in)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    ids = net._ids.take(rows)
    values = ids.to_numpy()
    up = parents[rows]
    has = up >= 0
    sponsors = np.where(has, net._ids.to_numpy()[np.maximum(up, 0)], 0)
    days = np.ascontiguousarray(enrolled[rows])
    args = (np.ascontiguousarray(values, dtype=np.int64), np.ascontiguousarray(sponsors, dtype=np.int64),
            has.astype(np.uint8), days)
    t["the build's arrays (ids, sponsor ids, days)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    core = _core.Network(*args)
    t["build (C++ _core.Network)"] = time.perf_counter() - t0
    del core
    return t, ids


def core_build(people: Any, repeat: int) -> dict:
    """The C++ build alone (``_core.Network``) on every participant, from arrays made
    beforehand: the part of a rebuild that as_of cannot leave out by building as it does."""
    import numpy as np

    from downline import _core

    ids = np.ascontiguousarray(people["id"].to_numpy(), dtype=np.int64)
    sp = people["sponsor_id"]
    has = sp.notna().to_numpy().astype(np.uint8)
    sponsors = np.ascontiguousarray(sp.to_numpy(dtype=np.int64, na_value=0))
    days = np.ascontiguousarray(people["enrolled_on"].to_numpy().astype("datetime64[D]").astype(np.int64))
    clock = Rounds()
    for _ in range(repeat):
        clock.time("core", lambda: _core.Network(ids, sponsors, has, days))
    return clock.stats()["core"]


def copy_floor(net: Any, repeat: int) -> dict:
    """The floor of any as_of that returns a network of its own: the arrays a network holds
    (parents, ends, depths, positions of rows, rows of positions, enrolment days, int64
    ids) copied once into fresh arrays, sequentially, nothing computed, no id index."""
    import numpy as np

    core = net._core
    arrays = [core.parents, core.ends, core.depths, core.position_of_row, core.row_of_position,
              core.enrolment_days, net.ids.to_numpy()]
    clock = Rounds()
    for _ in range(repeat):
        gc.collect()
        clock.time("copy", lambda: [np.array(x, copy=True) for x in arrays])
    out = clock.stats()["copy"]
    out["bytes"] = int(sum(x.nbytes for x in arrays))
    return out


def bench_as_of(people: Any, events: Any, lo: Any, hi: Any, args: argparse.Namespace, repeat: int) -> dict:
    import numpy as np
    import pandas as pd

    import downline as dl

    clock = Rounds()
    for _ in range(repeat):
        gc.collect()
        clock.time("rebuild", lambda: dl.Network.from_frame(people, enrolled_on="enrolled_on"))
        gc.collect()
        net = None
        net = clock.time("build with events", lambda: dl.Network.from_frame(people, enrolled_on="enrolled_on",
                                                                           events=events), keep=True)
    core = core_build(people, repeat)
    floor = copy_floor(net, max(repeat, 3))
    say(f"  the copy of a network's arrays {fmt_t(floor['min'])} (rebuild / copy = "
        f"{min(clock.runs['rebuild']) / floor['min']:.1f}x)")
    say(f"  build {fmt_t(min(clock.runs['rebuild']))} (C++ alone {fmt_t(core['min'])}), with {len(events):,} events "
        f"{fmt_t(min(clock.runs['build with events']))}")
    plain = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    ev_day = events["effective_on"].to_numpy()
    term = events["terminated"].to_numpy()
    K = args.as_of_dates
    all_dates = pd.DatetimeIndex(np.linspace(lo.value, hi.value, K).astype("datetime64[ns]")).normalize()
    P = min(args.as_of_probe, K)
    probe = all_dates[np.linspace(0, K - 1, P).round().astype(int)]

    def one(date: Any, check: bool) -> float:
        t0 = time.perf_counter()
        then = net.as_of(date)
        seconds = time.perf_counter() - t0
        if check:  # the members: those of the network without events, less the terminated
            want = len(plain.as_of(date)) - int((term & (ev_day <= np.datetime64(date))).sum())
            if len(then) != want:
                raise CheckFailed(f"as_of({date.date()}): {len(then):,} participants, expected {want:,}")
        return seconds

    probe_times = [one(d, True) for d in probe]
    per_date = float(np.mean(probe_times))
    say(f"  as_of on {P} dates: mean {fmt_t(per_date)} per date (min {fmt_t(min(probe_times))}, max "
        f"{fmt_t(max(probe_times))})")
    # the last date: every transfer under its new sponsor
    last = net.as_of(hi)
    moved = events[~events["terminated"]].head(50)
    for pid, new in zip(moved["participant_id"], moved["new_sponsor_id"]):
        if last.upline(pid)[0] != new:
            raise CheckFailed(f"as_of({hi.date()}): {pid} is under {last.upline(pid)[0]}, not under {new}")
    del last
    full = None
    if K > P and per_date * K <= args.as_of_budget:
        say(f"  as_of on all {K:,} dates (about {fmt_t(per_date * K)}) ...")
        t0 = time.perf_counter()
        for d in all_dates:
            net.as_of(d)
        full = time.perf_counter() - t0
        per_date_all = full / K
    else:
        per_date_all = per_date
    # the pieces of one date
    split: dict[str, list[float]] = {}
    check_ids = None
    for d in probe[np.linspace(0, P - 1, min(SPLIT_DATES, P)).round().astype(int)]:
        pieces, check_ids = as_of_split(net, d)
        for k, v in pieces.items():
            split.setdefault(k, []).append(v)
        if not check_ids.equals(net.as_of(d).ids):
            raise CheckFailed(f"as_of({d.date()}) in pieces differs from net.as_of")
    del check_ids
    # dates that share their events with the date before (after the last event, and
    # before the first): cut from the network with those events applied, not built
    cuts: dict[str, list[float]] = {}
    for name, first in (("after the same events", hi + pd.Timedelta(days=1)),
                        ("before the first event", lo - pd.Timedelta(days=P + 1))):
        days = [first + pd.Timedelta(days=k) for k in range(P)]
        times = [one(d, True) for d in days]
        cuts[name] = times[2:] if name.startswith("after") else times  # the first two build (see as_of)
        say(f"  as_of on {len(cuts[name])} dates {name} (cut): mean {fmt_t(float(np.mean(cuts[name])))}")
    out = {"times": {**clock.stats(), "core build": core, "copy floor": floor}, "events": len(events),
           "cuts": {k: float(np.mean(v)) for k, v in cuts.items()},
           "transfers": int((~term).sum()),
           "terminations": int(term.sum()), "dates": K, "probe_dates": P, "probe_times": probe_times,
           "probe_mean": per_date, "full_seconds": full, "per_date": per_date_all,
           "extrapolated": full is None and K > P,
           "split": {k: float(np.mean(v)) for k, v in split.items()}, "split_dates": len(next(iter(split.values()))),
           "window": [str(lo.date()), str(hi.date())]}
    del net, plain
    gc.collect()
    return out


# ======================================================================================
# one size
# ======================================================================================
def bench_size(n: int, args: argparse.Namespace, tmp: Path) -> dict:
    import downline as dl

    repeat = args.repeat or (1 if args.quick else REPEAT)
    people, orders, facts = ensure_sample(n, args.orders_per_participant, tmp)
    start, end = window(orders)
    r: dict = {"n": n, "repeat": repeat, "data": facts, "threads": dl.num_threads(),
               "window": [str(start.date()), str(end.date())], "source": source(), "load_start": os.getloadavg()}
    say(f"n={n:,}: {len(orders):,} orders {facts['first_order']} .. {facts['last_order']}; "
        f"24 months [{start.date()}, {end.date()})")
    if "binary" in args.parts:
        say(f"n={n:,}: 1. 24-month runs with and without the binary bonus ...")
        r["binary"] = bench_binary(people, orders, start, end, repeat)
    if "series" in args.parts:
        say(f"n={n:,}: 2. volume_series against single months ...")
        net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
        r["series"] = bench_series(net, orders, start, end, repeat)
        del net
        gc.collect()
    if "as_of" in args.parts:
        count = min(args.events, n // 10)
        last = orders["ordered_on"].max().normalize()
        del orders
        gc.collect()
        t0 = time.perf_counter()
        events = make_events(people, count, start, last)
        say(f"n={n:,}: 3. as_of with {count:,} events (made in {fmt_t(time.perf_counter() - t0)}) ...")
        r["as_of"] = bench_as_of(people, events, start, last, args, repeat)
        r["as_of"]["asked_events"] = args.events
    r["load_end"] = os.getloadavg()
    return r


def source() -> str:
    """The commit of the library's source tree, and whether python/ has changes."""
    import subprocess

    root = HERE.parent
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "python", "src", "include"],
                               capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"
    return head + (" (python/, src/ or include/ modified)" if dirty else "")


# ======================================================================================
# the report
# ======================================================================================
def cell(st: Optional[dict]) -> str:
    return "-" if st is None else f"{fmt_t(st['min'])} [{fmt_t(st['median'])}]"


def size_section(r: dict) -> list[str]:
    f = r["data"]
    lines = [f"## {r['n']:,} participants, {f['orders']:,} orders ({r['repeat']} round{'s' * (r['repeat'] > 1)}, "
             f"min [median])", "",
             f"Orders {f['first_order']} .. {f['last_order']}; the 24 months [{r['window'][0]}, {r['window'][1]}). "
             f"downline at commit {r['source']}; load average (1, 5, 15 min) "
             + ", ".join(f"{x:.2f}" for x in r["load_start"]) + " at the start, "
             + ", ".join(f"{x:.2f}" for x in r["load_end"]) + f" at the end ({os.cpu_count()} cores).", ""]
    b = r.get("binary")
    if b:
        t = b["times"]
        plain = t["plain"]["min"]
        lines += ["### 1. A 24-month `plan.run` with a binary bonus", "",
                  f"Placement tree (breadth-first fill in enrolment order) made in {fmt_t(b['placement_seconds'])}; "
                  f"sponsor + placement trees {fmt_mb(b['network_bytes'])}; `from_frame(..., placement=, side=)` "
                  f"{cell(t['build with the placement tree'])}; orders mapped (`activity(values=['amount'])`) "
                  f"{cell(t['map the orders (activity, values=[amount])'])}. "
                  f"`plan.run(net, act, start, end, columns={RUN_COLUMNS})`:", "",
                  "| plan | time | vs without binary | peak extra | result frame | paid (24 months) | binary paid |",
                  "|---|---|---|---|---|---|---|"]
        for label, key in PLANS:
            st, fa = t[key], b["facts"][key]
            paid_binary = "-" if fa["binary"] is None else f"{fa['binary']:,.0f}"
            lines.append(f"| {label} | {cell(st)} | {st['min'] / plain:.2f}x | {fmt_mb(st.get('peak_extra_bytes'))} | "
                         f"{fmt_mb(fa['result_bytes'])} | {fa['paid']:,.0f} | {paid_binary} |")
        extra = t["binary"]["min"] - plain
        lines += ["", f"The binary bonus adds {fmt_t(extra)} to the run ({extra / plain:+.0%}); the binary plan alone "
                      f"(ranks + binary) takes {t['binary_only']['min'] / plain:.2f}x the run without binary. Peak "
                      f"extra: VmHWM reset before the run, beyond the RSS before it (result frame included).", ""]
    s = r.get("series")
    if s:
        t = s["times"]
        ser = t["series"]["min"]
        lines += ["### 2. `volume_series` against single months", "",
                  f"On `Network.from_frame(people, enrolled_on=...)`; orders mapped once "
                  f"({cell(t['map the orders (activity)'])}, not in the rows). {s['checked_months']} checks equal "
                  f"(each month of the series = its single month from the Activity; one month from the DataFrame = "
                  f"the Activity's).", "",
                  "| path | time | vs the series |", "|---|---|---|"]
        for key, label in (("series", "`volume_series(act, start, end, freq='MS', columns=['gv'])` (24 months)"),
                           ("24 single months from the Activity", "24 x `volumes(act, m, m_next, as_of=m_next - 1 day, "
                                                                  "columns=['gv'])`"),
                           ("24 single months from the DataFrame", "24 x `volumes(orders_frame, ...)` (the same, "
                                                                   "from the DataFrame)"),
                           ("one month (the last) from the Activity", "one month (the last, the largest) from the "
                                                                      "Activity")):
            lines.append(f"| {label} | {cell(t[key])} | {t[key]['min'] / ser:.2f}x |")
        lines += ["", f"24 x the last month: {fmt_t(24 * t['one month (the last) from the Activity']['min'])}.", ""]
    a = r.get("as_of")
    if a:
        t = a["times"]
        rebuild = t["rebuild"]["min"]
        K = a["dates"]
        lines += ["### 3. `net.as_of(date)` with events", "",
                  f"{a['events']:,} events ({a['transfers']:,} transfers, {a['terminations']:,} terminations of "
                  f"leaves) dated {a['window'][0]} .. {a['window'][1]}"
                  + (f" (asked {a['asked_events']:,}; at most N/10)" if a["asked_events"] != a["events"] else "")
                  + ".", "",
                  "| path | time | vs a rebuild |", "|---|---|---|",
                  f"| a rebuild: `Network.from_frame(people, enrolled_on=...)` | {cell(t['rebuild'])} | 1.00x |",
                  f"| the C++ build alone (`_core.Network` on the {r['n']:,} participants' arrays) | "
                  f"{cell(t['core build'])} | {t['core build']['min'] / rebuild:.2f}x |",
                  f"| floor: the arrays a network holds ({t['copy floor']['bytes'] / 1e6:,.0f} MB) copied once, "
                  f"nothing computed, no index | {cell(t['copy floor'])} | {t['copy floor']['min'] / rebuild:.2f}x "
                  f"(a rebuild is {rebuild / t['copy floor']['min']:.1f}x the floor) |",
                  f"| the build with the events (`events=`, checked) | {cell(t['build with events'])} | "
                  f"{t['build with events']['min'] / rebuild:.2f}x |",
                  f"| `net.as_of(date)`, mean over {a['probe_dates']} dates (min {fmt_t(min(a['probe_times']))}, max "
                  f"{fmt_t(max(a['probe_times']))}) | {fmt_t(a['probe_mean'])} | {a['probe_mean'] / rebuild:.2f}x |"]
        if a["full_seconds"] is not None:
            lines.append(f"| `net.as_of(date)` on {K:,} dates (1 pass) | {fmt_t(a['full_seconds'])} "
                         f"({fmt_t(a['per_date'])} a date) | {a['per_date'] / rebuild:.2f}x a date |")
        for name, v in a.get("cuts", {}).items():
            lines.append(f"| `net.as_of(date)` on dates {name} (a cut, no build), mean | {fmt_t(v)} | "
                         f"{v / rebuild:.2f}x |")
        lines.append(f"| {K:,} rebuilds ({K:,} x the minimum) | {fmt_t(K * rebuild)} | - |")
        if a["extrapolated"]:
            lines.append(f"| `net.as_of(date)` on {K:,} dates, **extrapolated** from the {a['probe_dates']} dates | "
                         f"{fmt_t(K * a['per_date'])} | - |")
        lines += ["", f"One date in pieces (mean over {a['split_dates']} dates, as `as_of` does them for int ids; "
                      f"the pieces' result checked equal to `net.as_of`'s ids):", "",
                  "| piece | time | share |", "|---|---|---|"]
        whole = sum(a["split"].values())
        for k, v in a["split"].items():
            lines.append(f"| {k} | {fmt_t(v)} | {v / whole:.0%} |")
        lines += [f"| **sum** | **{fmt_t(whole)}** | |", ""]
    return lines


def targets_for(results: list[dict]) -> list[tuple]:
    out = []
    for r in results:
        lab = size_label(r["n"])
        b = r.get("binary")
        if b:
            x, y = b["times"]["binary"]["min"], b["times"]["plain"]["min"]
            out.append((f"[{lab}] a 24-month run with a binary bonus at most {TARGET_BINARY_OVER_PLAIN:g}x the run "
                        f"without", x / y <= TARGET_BINARY_OVER_PLAIN, f"{fmt_t(x)} / {fmt_t(y)} = {x / y:.2f}x"))
        s = r.get("series")
        if s:
            t = s["times"]
            ser, act, frame = (t[k]["min"] for k in ("series", "24 single months from the Activity",
                                                     "24 single months from the DataFrame"))
            one = t["one month (the last) from the Activity"]["min"]
            out.append((f"[{lab}] volume_series over 24 months at most the 24 single months from the Activity "
                        f"(24x one month)", ser <= act,
                        f"{fmt_t(ser)} / {fmt_t(act)} = {ser / act:.2f}x (against 24 x the last month, "
                        f"{fmt_t(24 * one)}: {ser / (24 * one):.2f}x)"))
            out.append((f"[{lab}] volume_series faster than 24 volumes calls from the DataFrame", ser < frame,
                        f"{fmt_t(frame)} / {fmt_t(ser)} = {frame / ser:.2f}x faster"))
        a = r.get("as_of")
        if a:
            rebuild, per = a["times"]["rebuild"]["min"], a["per_date"]
            K = a["dates"]
            how = (f"extrapolated from {a['probe_dates']} dates" if a["extrapolated"] else
                   (f"measured on {K:,} dates" if a["full_seconds"] is not None else f"{K} dates"))
            out.append((f"[{lab}] as_of on {K:,} dates at least {TARGET_AS_OF_SPEEDUP:g}x faster than {K:,} rebuilds",
                        rebuild / per >= TARGET_AS_OF_SPEEDUP,
                        f"{fmt_t(K * rebuild)} / {fmt_t(K * per)} = {rebuild / per:.2f}x ({how}; {fmt_t(per)} a "
                        f"date against a rebuild of {fmt_t(rebuild)})"))
    return out


def report(results: list[dict], wall: float) -> str:
    return harness.titled_report("The network over time (issue 26)", results, wall, size_section, targets_for)


# ======================================================================================
# main
# ======================================================================================
def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.common_arguments(ap, "100,000 participants, 1 round", "round")
    ap.set_defaults(sizes="1000000,10000000", repeat=0, orders_per_participant=ORDERS_PER_PARTICIPANT)
    ap.add_argument("--events", type=int, default=EVENTS, help="events for as_of (at most N/10)")
    ap.add_argument("--as-of-dates", type=int, default=AS_OF_DATES, help="K: dates as_of is compared on")
    ap.add_argument("--as-of-probe", type=int, default=AS_OF_PROBE, help="dates always timed")
    ap.add_argument("--as-of-budget", type=float, default=AS_OF_BUDGET,
                    help="seconds the K dates may take; else extrapolated from the probe dates")
    ap.add_argument("--parts", default="binary,series,as_of", help="which of binary, series, as_of to run")
    args = ap.parse_args(argv)
    args.parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    tmp = harness.cache_dir(args)
    return harness.run_sizes(args, 100_000, lambda n: bench_size(n, args, tmp),
                             lambda results, wall: report(results, wall))


if __name__ == "__main__":
    sys.exit(main())
