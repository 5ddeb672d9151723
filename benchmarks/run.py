#!/usr/bin/env python
"""Benchmarks of downline's volume rollups against the floor and a numpy peer.

One command runs everything (``./dev.sh bench [ARGS]`` calls this script with the
build directory):

    .venv/bin/python benchmarks/run.py --build-dir build [--sizes 1000000,10000000]
                                       [--quick] [--repeat R] [--out FILE]

For each size it runs the C++ harness (BUILD/benchmarks/bench_rollup) and, in fresh
Python subprocesses (one per measured path, so that memory peaks do not mix):

* downline from pandas: ``Network.from_frame`` + ``net.volumes(orders, start, end,
  columns=["pv", "gv"])`` (the whole path: build, map the month's orders, PV, GV);
  ``from_frame`` + ``net.activity(orders)`` + the full ``net.volumes(act, ...)`` table
  (information); and ``net.rollup(pv)`` alone;
* a numpy peer written to be fast (vectorised; Python loops only over depth levels):
  id mapping, sponsor index array, depth levels, PV by ``np.bincount`` and GV by a
  level-by-level rollup. Alternatives are timed first and the fastest is used.

numpy's GV must equal downline's (``np.allclose``): a mismatch aborts the run with exit
code 1. Targets are reported as PASS/FAIL; a FAIL does not change the exit code (this is
a report, not a test). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

MONTH_START = "2023-01-01"  # the one month every path computes: [start, end)
MONTH_END = "2023-02-01"
LEVELS = 3
# numpy GV kernels that work on the same prepared arrays as downline's rollup (parents and
# the rows of each depth level); "bincount-compact" first relabels the network in level
# order (a layout of its own) and is reported for information.
SAME_ARRAY_KERNELS = ("bincount", "add.at")

TARGET_GV_OVER_FLOOR = 1.5
TARGET_NUMPY_OVER_GV = 20.0
TARGET_NUMPY_OVER_PATH = 5.0
TARGET_BUILD_10M_SECONDS = 3.0
TARGET_BYTES_PER_PARTICIPANT = 64.0


# ======================================================================================
# memory and timing helpers (used in the children)
# ======================================================================================
def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return -1


class Peak:
    """Peak RSS of one step: VmHWM is reset (Linux clear_refs 5) just before the step, so
    the step's extra peak is VmHWM after it minus VmRSS before it. Falls back to
    ru_maxrss (whole-process peak) when the reset is not permitted."""

    def __init__(self) -> None:
        self.total_kb = 0  # peak of the whole child (data included)
        self.extra_kb = 0  # largest extra peak of the step over the RSS before it
        self.exact = True

    def _note(self) -> None:
        self.total_kb = max(self.total_kb, _status_kb("VmHWM:"),
                            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)

    def start(self) -> None:
        gc.collect()
        self._note()
        self._before = _status_kb("VmRSS:")
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            self.exact = False

    def stop(self) -> None:
        hwm = _status_kb("VmHWM:") if self.exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self.extra_kb = max(self.extra_kb, hwm - self._before)
        self._note()


def _stats(runs: list[float]) -> dict:
    s = sorted(runs)
    m = len(s) // 2
    med = s[m] if len(s) % 2 else 0.5 * (s[m - 1] + s[m])
    return {"median": med, "min": s[0], "runs": runs}


def measure(fn, repeat: int, peak: Peak | None = None):
    """Runs fn() `repeat` times; returns (stats, last result, peak). The previous result is
    dropped before each run so that two results never coexist."""
    peak = peak or Peak()
    runs, out = [], None
    for _ in range(repeat):
        out = None
        peak.start()
        t0 = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - t0)
        peak.stop()
    st = _stats(runs)
    st.update(peak_extra_bytes=peak.extra_kb * 1024, peak_total_bytes=peak.total_kb * 1024,
              peak_exact=peak.exact)
    return st, out


# ======================================================================================
# data: generated once per size, shared by the children as .npy files
# ======================================================================================
def make_data(n: int, orders_per_participant: float, data: Path) -> dict:
    import numpy as np
    import downline as dl

    t0 = time.perf_counter()
    people, orders = dl.sample(n, orders_per_participant=orders_per_participant)
    seconds = time.perf_counter() - t0
    sp = people["sponsor_id"]
    cols = {
        "p_id": people["id"].to_numpy(),
        "p_sponsor": sp.to_numpy(dtype=np.int64, na_value=0),
        "p_has_sponsor": sp.notna().to_numpy(),
        "p_enrolled_on": people["enrolled_on"].to_numpy(),
        "p_kind": people["kind"].cat.codes.to_numpy(),
        "o_participant_id": orders["participant_id"].to_numpy(),
        "o_ordered_on": orders["ordered_on"].to_numpy(),
        "o_amount": orders["amount"].to_numpy(),
        "o_pv": orders["pv"].to_numpy(),
    }
    for name, values in cols.items():
        np.save(data / f"{name}.npy", values)
    (data / "kinds.json").write_text(json.dumps(list(people["kind"].cat.categories)))
    return {"sample_seconds": seconds, "orders": len(orders),
            "frames_bytes": int(people.memory_usage(deep=True).sum() + orders.memory_usage(deep=True).sum())}


@contextlib.contextmanager
def sample_dir(n: int, args, name: str):
    """A temp folder (in ``--tmp``) for the sample files of n participants, removed on
    leaving unless ``--keep-data``."""
    data = Path(tempfile.mkdtemp(prefix=f"downline-{name}-{n}-", dir=args.tmp))
    try:
        yield data
    finally:
        if not args.keep_data:
            shutil.rmtree(data, ignore_errors=True)


@contextlib.contextmanager
def dated_sample(n: int, args, name: str, say):
    """The start of a size in segment.py and retention.py: the sample company (make_data) in
    a sample_dir, as of the day of its last order. Yields (r, folder): r the size's result
    so far, {"n", "repeat" (runs per path), "data" (make_data's facts), "as_of"}."""
    import numpy as np

    repeat = args.repeat or (1 if args.quick else (3 if n >= 5_000_000 else 5))
    with sample_dir(n, args, name) as data:
        say(f"n={n:,}: generating the sample (dl.sample, {args.orders_per_participant:g} orders per participant) ...")
        r = {"n": n, "repeat": repeat, "data": make_data(n, args.orders_per_participant, data)}
        ticks = np.load(data / "o_ordered_on.npy", mmap_mode="r")
        r["as_of"] = str(np.max(ticks).astype("datetime64[D]"))
        yield r, data


def load_frames(data: Path):
    """The DataFrames of downline.sample(n), rebuilt exactly (same dtypes) from the .npy files."""
    import numpy as np
    import pandas as pd

    def col(name):
        return np.load(data / f"{name}.npy")

    people = pd.DataFrame({
        "id": col("p_id"),
        "sponsor_id": pd.arrays.IntegerArray(col("p_sponsor"), ~col("p_has_sponsor")),
        "enrolled_on": col("p_enrolled_on"),
        "kind": pd.Categorical.from_codes(col("p_kind"), categories=json.loads((data / "kinds.json").read_text())),
    })
    orders = pd.DataFrame({
        "participant_id": col("o_participant_id"),
        "ordered_on": col("o_ordered_on"),
        "amount": col("o_amount"),
        "pv": col("o_pv"),
    })
    return people, orders


# ======================================================================================
# the numpy peer
# ======================================================================================
def np_lookup(ids, method: str):
    """id -> row mapping for unsorted ids. Rejects duplicate ids, and unknown ids at lookup
    (as downline does). method: "sort" (argsort + searchsorted), "index" (pandas hash
    index, pd.Index.get_indexer: any hashable ids, strings too) or "direct" (whole-number
    ids, int or float: a table of rows over [min id, max id], addressed by id - min)."""
    import numpy as np
    import pandas as pd

    n = len(ids)
    if method == "direct":
        keys = whole_numbers(ids)
        if keys is None:
            raise ValueError("direct addressing needs whole-number ids")
        lo = int(keys.min()) if n else 0
        size = int(keys.max()) - lo + 1 if n else 0
        if size > 64 * max(n, 1):
            raise ValueError(f"ids span {size:,} values for {n:,} rows: too sparse for a table")
        table = np.full(size, -1, dtype=np.int64)
        table[keys - lo] = np.arange(n)
        if n and np.count_nonzero(table >= 0) != n:
            raise ValueError("duplicate participant ids")

        def lookup(q):
            k = whole_numbers(q)
            if k is None or (len(k) and (k.min() < lo or k.max() >= lo + size)):
                raise ValueError("unknown participant ids")
            rows = table[k - lo]
            if (rows < 0).any():
                raise ValueError("unknown participant ids")
            return rows
    elif method == "sort":
        order = np.argsort(ids)
        sids = ids[order]
        if n > 1 and (sids[1:] == sids[:-1]).any():
            raise ValueError("duplicate participant ids")

        def lookup(q):
            pos = np.searchsorted(sids, q)
            np.minimum(pos, n - 1, out=pos)
            if not (sids[pos] == q).all():
                raise ValueError("unknown participant ids")
            return order[pos]
    elif method == "index":
        index = pd.Index(ids)
        if not index.is_unique:
            raise ValueError("duplicate participant ids")

        def lookup(q):
            rows = index.get_indexer(q)
            if (rows < 0).any():
                raise ValueError("unknown participant ids")
            return rows
    else:
        raise ValueError(method)
    return lookup


def whole_numbers(values):
    """int64 values of an int or float array of whole numbers; None for anything else."""
    import numpy as np

    values = np.asarray(values)
    if values.dtype.kind in "iu":
        return values.astype(np.int64, copy=False)
    if values.dtype.kind != "f":
        return None
    keys = values.astype(np.int64)
    return keys if (keys == values).all() else None


def np_parents(people, lookup):
    """Sponsor row of every row (-1 for a root) and the has-sponsor mask. The sponsor
    column may hold ints (nullable Int64), floats (NaN for roots) or labels (None)."""
    import numpy as np
    import pandas as pd

    sp = people["sponsor_id"]
    has = sp.notna().to_numpy()
    spv = sp.to_numpy(dtype=np.int64, na_value=0) if pd.api.types.is_integer_dtype(sp.dtype) else sp.to_numpy()
    parent = np.full(len(people), -1, dtype=np.int64)
    parent[has] = lookup(spv[has])
    if (parent == np.arange(len(parent))).any():
        raise ValueError("own sponsor")
    return parent, has


def np_levels(parent, has, method: str = "jump"):
    """Depth of every row and the rows grouped by depth (level d holds the rows at depth
    d); raises on cycles. Python loops run over depth levels (or doubling rounds) only.

    method "jump": depth by pointer jumping (each round adds the distance to the current
    ancestor and jumps to the ancestor's ancestor: log2(max depth) vectorised rounds),
    then rows grouped by depth once (stable argsort of the int16 depths: a radix sort).
    method "bfs": level by level from the roots over a CSR children array."""
    import numpy as np

    n = len(parent)
    if method == "jump":
        depth = has.astype(np.int32)
        anc = parent.copy()
        todo = np.flatnonzero(has)
        rounds = 0
        while len(todo):
            rounds += 1
            if rounds > 64:
                raise ValueError("sponsor links form a cycle")
            a = anc[todo]
            depth[todo] += depth[a]
            up = anc[a]
            anc[todo] = up
            todo = todo[up >= 0]
        counts = np.bincount(depth)
        order = np.argsort(depth.astype(np.int16) if len(counts) < 2**15 else depth, kind="stable")
        levels = np.split(order, np.cumsum(counts)[:-1])
        return levels, depth
    if method != "bfs":
        raise ValueError(method)
    kp = parent[has]
    counts = np.bincount(kp, minlength=n)
    first = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=first[1:])
    children = np.flatnonzero(has)[np.argsort(kp, kind="stable")]  # grouped by sponsor row
    frontier = np.flatnonzero(~has)
    levels = [frontier]
    reached = len(frontier)
    while True:
        c = counts[frontier]
        total = int(c.sum())
        if total == 0:
            break
        before = np.cumsum(c) - c
        frontier = children[np.repeat(first[frontier] - before, c) + np.arange(total)]
        levels.append(frontier)
        reached += total
    if reached != n:
        raise ValueError("sponsor links form a cycle")
    depth = np.empty(n, dtype=np.int32)
    for d, rows in enumerate(levels):
        depth[rows] = d
    return levels, depth


def np_month_pv(orders, lookup, n, period=(MONTH_START, MONTH_END)):
    """PV of every row for the period [start, end) (default: the month; None: every
    order): orders of the period, ids mapped, np.bincount."""
    import numpy as np

    if period is None:
        return np.bincount(lookup(orders["participant_id"].to_numpy()), weights=orders["pv"].to_numpy(), minlength=n)
    day = orders["ordered_on"].to_numpy()
    m = (day >= np.datetime64(period[0])) & (day < np.datetime64(period[1]))
    rows = lookup(orders["participant_id"].to_numpy()[m])
    return np.bincount(rows, weights=orders["pv"].to_numpy()[m], minlength=n)


def np_month_pv_all_mapped(orders, lookup, n):
    """Like np_month_pv but maps every order first (what downline's Activity does once,
    for reuse over many periods); information only."""
    import numpy as np

    rows = lookup(orders["participant_id"].to_numpy())
    day = orders["ordered_on"].to_numpy()
    m = (day >= np.datetime64(MONTH_START)) & (day < np.datetime64(MONTH_END))
    return np.bincount(rows[m], weights=orders["pv"].to_numpy()[m], minlength=n)


# ---- GV kernels: prepare (untimed in the "prepared arrays" comparison) and run --------
def gv_prepare(kernel: str, parent, levels, pv):
    """Prepared arrays for a kernel; pv is per row (input order)."""
    import numpy as np

    if kernel in ("bincount", "add.at"):
        # rows of each level and their sponsors' rows, deepest level first
        return {"pv": pv, "steps": [(rows, parent[rows]) for rows in reversed(levels[1:])]}
    if kernel == "bincount-compact":
        # rows relabelled in level order; level d is the range [bounds[d], bounds[d+1]) and
        # a sponsor index is relative to the start of the level above
        n = len(parent)
        order = np.concatenate(levels)
        pos = np.empty(n, dtype=np.int64)
        pos[order] = np.arange(n)
        bounds = np.zeros(len(levels) + 1, dtype=np.int64)
        np.cumsum([len(r) for r in levels], out=bounds[1:])
        rel = np.zeros(n, dtype=np.int64)
        for d in range(1, len(levels)):
            a, b = bounds[d], bounds[d + 1]
            rel[a:b] = pos[parent[order[a:b]]] - bounds[d - 1]
        return {"pv": pv[order], "order": order, "rel": rel, "bounds": [int(b) for b in bounds]}
    raise ValueError(kernel)


def gv_run(kernel: str, prep):
    """GV from prepared arrays. bincount/add.at return per row (input order);
    bincount-compact returns level order (use gv_to_rows)."""
    import numpy as np

    gv = prep["pv"].copy()
    if kernel == "bincount":
        n = len(gv)
        for rows, sponsors in prep["steps"]:
            gv += np.bincount(sponsors, weights=gv[rows], minlength=n)
    elif kernel == "add.at":
        for rows, sponsors in prep["steps"]:
            np.add.at(gv, sponsors, gv[rows])
    elif kernel == "bincount-compact":
        rel, b = prep["rel"], prep["bounds"]
        for d in range(len(b) - 2, 0, -1):
            lo, hi, up = b[d], b[d + 1], b[d - 1]
            gv[up:lo] += np.bincount(rel[lo:hi], weights=gv[lo:hi], minlength=lo - up)
    else:
        raise ValueError(kernel)
    return gv


def gv_to_rows(kernel: str, prep, gv):
    import numpy as np

    if kernel != "bincount-compact":
        return gv
    out = np.empty_like(gv)
    out[prep["order"]] = gv
    return out


def numpy_whole_path(people, orders, idmap: str, kernel: str, depth_method: str, all_orders: bool = False,
                     period=(MONTH_START, MONTH_END)):
    """The numpy peer from the DataFrames: returns (pv, gv, depth) per row and step times.
    ``period``: [start, end) of the PV (None: every order of the history)."""
    t = {}
    t0 = time.perf_counter()
    ids = people["id"].to_numpy()
    lookup = np_lookup(ids, idmap)
    parent, has = np_parents(people, lookup)
    t1 = time.perf_counter()
    levels, depth = np_levels(parent, has, depth_method)
    t2 = time.perf_counter()
    pv = np_month_pv_all_mapped(orders, lookup, len(ids)) if all_orders else np_month_pv(orders, lookup, len(ids),
                                                                                            period)
    t3 = time.perf_counter()
    prep = gv_prepare(kernel, parent, levels, pv)
    gv = gv_to_rows(kernel, prep, gv_run(kernel, prep))
    t4 = time.perf_counter()
    t.update(id_mapping=t1 - t0, depth_levels=t2 - t1, pv=t3 - t2, gv=t4 - t3)
    return (pv, gv, depth), t


# ======================================================================================
# children: one measured path each, in a fresh process
# ======================================================================================
def _check(name: str, got, want, rtol=1e-9, atol=1e-6) -> dict:
    import numpy as np

    ok = bool(np.allclose(got, want, rtol=rtol, atol=atol))
    diff = float(np.max(np.abs(got - want))) if len(got) else 0.0
    return {"check": name, "ok": ok, "max_abs_diff": diff}


def child(task: str, n: int, data: Path, repeat: int, idmap: str, kernel: str, depth_method: str) -> dict:
    import numpy as np

    out: dict = {"task": task}
    if task == "make-data":
        return {**out, **make_data(n, float(os.environ["BENCH_OPP"]), data)}

    people, orders = load_frames(data)
    out["rss_data_bytes"] = _status_kb("VmRSS:") * 1024
    import downline as dl

    if task == "downline-full":
        steps = {"from_frame": [], "activity": [], "volumes": []}

        def path():
            t0 = time.perf_counter()
            net = dl.Network.from_frame(people)
            t1 = time.perf_counter()
            act = net.activity(orders)
            t2 = time.perf_counter()
            vol = net.volumes(act, start=MONTH_START, end=MONTH_END, levels=LEVELS)
            t3 = time.perf_counter()
            for k, v in zip(steps, (t1 - t0, t2 - t1, t3 - t2)):
                steps[k].append(v)
            return net, act, vol

        st, (net, act, vol) = measure(path, repeat)
        out["whole"] = st
        out["steps"] = {k: _stats(v) for k, v in steps.items()}
        out["memory_bytes"] = net.memory_bytes
        np.save(data / "dl_pv.npy", vol["pv"].to_numpy())
        np.save(data / "dl_gv.npy", vol["gv"].to_numpy())
        np.save(data / "dl_depth.npy", vol["depth"].to_numpy())
        out["checks"] = [{"check": "volumes rows are in the input row order", "max_abs_diff": 0.0,
                          "ok": bool((vol.index.to_numpy() == people["id"].to_numpy()).all())}]
    elif task == "downline-path":
        # the whole path: build, map the month's orders, PV, GV (one call per step)
        steps = {"from_frame": [], "volumes": []}

        def path():
            t0 = time.perf_counter()
            net = dl.Network.from_frame(people)
            t1 = time.perf_counter()
            vol = net.volumes(orders, start=MONTH_START, end=MONTH_END, columns=["pv", "gv"])
            t2 = time.perf_counter()
            steps["from_frame"].append(t1 - t0)
            steps["volumes"].append(t2 - t1)
            return vol

        st, vol = measure(path, repeat)
        out["whole"] = st
        out["steps"] = {k: _stats(v) for k, v in steps.items()}
        out["checks"] = [_check("volumes(orders, columns=[pv, gv]) gv == full table gv", vol["gv"].to_numpy(),
                                np.load(data / "dl_gv.npy")),
                         _check("volumes(orders, columns=[pv, gv]) pv == full table pv", vol["pv"].to_numpy(),
                                np.load(data / "dl_pv.npy"))]
    elif task == "downline-gv":
        net = dl.Network.from_frame(people)
        pv = np.load(data / "dl_pv.npy")
        st, gv = measure(lambda: net.rollup(pv), repeat)
        out["gv"] = st
        out["checks"] = [_check("net.rollup(pv) == volumes gv", gv, np.load(data / "dl_gv.npy"))]
    elif task == "numpy-path":
        steps = {"id_mapping": [], "depth_levels": [], "pv": [], "gv": []}
        all_orders = os.environ.get("BENCH_ALL_ORDERS") == "1"

        def path():
            res, t = numpy_whole_path(people, orders, idmap, kernel, depth_method, all_orders=all_orders)
            for k, v in t.items():
                steps[k].append(v)
            return res

        st, (pv, gv, depth) = measure(path, repeat)
        out["whole"] = st
        out["steps"] = {k: _stats(v) for k, v in steps.items()}
        out["checks"] = [_check("numpy pv == downline pv", pv, np.load(data / "dl_pv.npy")),
                         _check("numpy gv == downline gv", gv, np.load(data / "dl_gv.npy")),
                         _check("numpy depth == downline depth", depth, np.load(data / "dl_depth.npy"), 0, 0)]
    elif task == "numpy-gv":
        ids = people["id"].to_numpy()
        parent, has = np_parents(people, np_lookup(ids, idmap))
        levels, _ = np_levels(parent, has, depth_method)
        prep = gv_prepare(kernel, parent, levels, np.load(data / "dl_pv.npy"))
        del people, orders
        st, gv = measure(lambda: gv_run(kernel, prep), repeat)
        out["gv"] = st
        out["levels"] = len(levels)
        out["checks"] = [_check(f"numpy {kernel} gv == downline gv", gv_to_rows(kernel, prep, gv),
                                np.load(data / "dl_gv.npy"))]
    elif task == "numpy-variants":
        # which id mapping and which GV kernel the numpy peer should use (fastest wins)
        ids = people["id"].to_numpy()
        day = orders["ordered_on"].to_numpy()
        month_ids = orders["participant_id"].to_numpy()[(day >= np.datetime64(MONTH_START))
                                                         & (day < np.datetime64(MONTH_END))]
        idmaps = {}
        for method in ("sort", "index"):
            def mapping():
                lookup = np_lookup(ids, method)
                np_parents(people, lookup)
                return lookup(month_ids)
            idmaps[method], _ = measure(mapping, repeat)
        parent, has = np_parents(people, np_lookup(ids, "sort"))
        depths, want_depth = {}, np.load(data / "dl_depth.npy")
        checks = []
        for method in ("jump", "bfs"):
            depths[method], (levels, depth) = measure(lambda: np_levels(parent, has, method), repeat)
            checks.append(_check(f"numpy depth ({method}) == downline depth", depth, want_depth, 0, 0))
        pv = np.load(data / "dl_pv.npy")
        want = np.load(data / "dl_gv.npy")
        kernels = {}
        for k in ("bincount", "add.at", "bincount-compact"):
            prep = gv_prepare(k, parent, levels, pv)
            kernels[k], gv = measure(lambda: gv_run(k, prep), repeat)
            checks.append(_check(f"numpy {k} gv == downline gv", gv_to_rows(k, prep, gv), want))
            del prep, gv
        out.update(idmaps=idmaps, depths=depths, kernels=kernels, checks=checks, levels=len(levels),
                   month_orders=int(len(month_ids)))
        out["idmap"] = min(idmaps, key=lambda m: idmaps[m]["median"])
        out["kernel"] = min(kernels, key=lambda k: kernels[k]["median"])
        out["depth"] = min(depths, key=lambda k: depths[k]["median"])
    else:
        raise SystemExit(f"unknown child task {task!r}")
    return out


# ======================================================================================
# the parent: runs everything, prints the table and the targets
# ======================================================================================
class CheckFailed(RuntimeError):
    pass


def script_child(script: str, args: list[str], what: str, env: dict | None = None) -> dict:
    """Runs ``python script args`` (a benchmark script's --child mode) in a fresh process and
    returns the JSON object of its last output line, with its wall time."""
    cmd = [sys.executable, script, *args]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise RuntimeError(f"child {what} failed with exit code {proc.returncode}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["wall_seconds"] = time.perf_counter() - t0
    return res


def floor_passes(columns: dict, repeat: int) -> dict:
    """The floor of each task: every byte of its columns read once by a numpy reduction (one
    thread), the faster of add.reduce and maximum.reduce. ``columns``: task -> arrays."""
    import numpy as np

    out = {}
    kernels = {"add.reduce": np.add.reduce, "max": np.maximum.reduce}
    for label, cols in columns.items():
        runs = {}
        for k, f in kernels.items():
            runs[k], _ = measure(lambda: [f(c) for c in cols], repeat)
        best = min(runs, key=lambda k: runs[k]["median"])
        out[label] = {**runs[best], "kernel": best, "bytes": int(sum(c.nbytes for c in cols)),
                      "kernels": {k: st["median"] for k, st in runs.items()}}
    return out


def machine_line(threads, peers: str = "") -> str:
    """The report's "Machine: ..." sentence (cores, CPU, Python, numpy, pandas, ``peers``:
    more versions as ", name x.y", and downline's threads)."""
    import numpy as np
    import pandas as pd

    return (f"Machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python "
            f"{platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}{peers}; downline "
            f"threads: {threads}.")


def profile_lines(r: dict, keys: list[tuple[str, str]]) -> list[str]:
    """One line per (result key, name) with the child's profile: where the time goes."""
    lines = []
    for key, name in keys:
        prof = r[key].get("profile") or []
        if prof:
            lines.append(f"Where {name} spends its time (one profiled call, own time, info): "
                         + ", ".join(f"`{f}` {fmt_t(t)}" for f, t in prof) + ".")
    return lines


def target_lines(targets: list[tuple]) -> list[str]:
    """The "## Targets" section: one line per (name, ok, detail); ok is True (PASS), False
    (FAIL), None (n/a) or "info"."""
    lines = ["## Targets", ""]
    for name, ok, detail in targets:
        status = "n/a" if ok is None else ("info" if ok == "info" else ("PASS" if ok else "FAIL"))
        lines.append(f"- **{status}** {name}: {detail}")
    lines.append("")
    return lines


def run_child(task: str, n: int, data: Path, repeat: int, idmap: str = "sort", kernel: str = "bincount",
              depth: str = "jump", env: dict | None = None) -> dict:
    res = script_child(str(Path(__file__).resolve()),
                       ["--child", task, str(n), "--data", str(data), "--repeat", str(repeat), "--idmap", idmap,
                        "--kernel", kernel, "--depth", depth], f"{task} (n={n})", env)
    for c in res.get("checks", []):
        if not c["ok"]:
            raise CheckFailed(f"CORRECTNESS CHECK FAILED at n={n}: {c['check']} (max abs diff {c['max_abs_diff']:g})")
    return res


def run_harness(exe: Path, n: int, opp: float, repeat: int) -> dict:
    cmd = [str(exe), "--participants", str(n), "--orders-per-participant", str(opp), "--repeat", str(repeat)]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise RuntimeError(f"{' '.join(cmd)} failed with exit code {proc.returncode}")
    res = json.loads(proc.stdout)
    if res["gv_vs_floor_max_rel_diff"] > 1e-9 or res["volumes_gv_max_abs_diff"] != 0:
        raise CheckFailed(f"CORRECTNESS CHECK FAILED in bench_rollup at n={n}: GV differs from the floor")
    return res


def say(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def fmt_t(s: float | None) -> str:
    if s is None:
        return "-"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    return f"{s * 1e6:.0f} µs"


def timing_table(rows, second: str) -> list[str]:
    """Markdown rows of (task, path, stats or None, peak extra, peak total, ratio) tuples."""
    lines = [f"| task | {second} | time | peak extra | peak total | ratio |", "|---|---|---|---|---|---|"]
    for task, path, st, extra, total, ratio in rows:
        tt = "-" if st is None else f"{fmt_t(st['median'])} [{fmt_t(st['min'])}]"
        lines.append(f"| {task} | {path} | {tt} | {fmt_mb(extra)} | {fmt_mb(total)} | {ratio} |")
    return lines


def fmt_mb(b: float | None) -> str:
    return "-" if b is None or b < 0 else f"{b / 2**20:,.0f} MB"


def fmt_x(r: float | None) -> str:
    return "-" if r is None else (f"{r:.1f}x" if r >= 10 else f"{r:.2f}x")


def size_label(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else (f"{n // 1000}k" if n % 1000 == 0 else str(n))


def bench_size(n: int, args, exe: Path) -> dict:
    big = n >= 5_000_000
    repeat = args.repeat or (3 if big else 5)
    vrepeat = 1 if big else min(repeat, 3)
    r: dict = {"n": n, "repeat": repeat}
    with sample_dir(n, args, "bench") as data:
        say(f"n={n:,}: generating the sample (dl.sample) ...")
        r["data"] = run_child("make-data", n, data, 1, env={"BENCH_OPP": str(args.orders_per_participant)})
        say(f"n={n:,}: C++ harness (repeat {repeat}) ...")
        r["cpp"] = run_harness(exe, n, args.orders_per_participant, repeat)
        say(f"n={n:,}: downline from pandas: from_frame + activity + full volumes table ...")
        r["dl_full"] = run_child("downline-full", n, data, repeat)
        say(f"n={n:,}: downline from pandas: from_frame + volumes(orders, columns=[pv, gv]) ...")
        r["dl_path"] = run_child("downline-path", n, data, repeat)
        say(f"n={n:,}: downline net.rollup(pv) ...")
        r["dl_gv"] = run_child("downline-gv", n, data, repeat)
        say(f"n={n:,}: numpy variants (id mapping, GV kernels) ...")
        r["np_variants"] = v = run_child("numpy-variants", n, data, vrepeat)
        idmap, kernel, depth = v["idmap"], v["kernel"], v["depth"]
        say(f"n={n:,}: numpy peer whole path (idmap={idmap}, depth={depth}, kernel={kernel}) ...")
        r["np_path"] = run_child("numpy-path", n, data, repeat, idmap, kernel, depth)
        say(f"n={n:,}: numpy peer mapping every order (info) ...")
        r["np_path_all"] = run_child("numpy-path", n, data, vrepeat, idmap, kernel, depth,
                                     env={"BENCH_ALL_ORDERS": "1"})
        same = min(SAME_ARRAY_KERNELS, key=lambda k: v["kernels"][k]["median"])
        say(f"n={n:,}: numpy GV on the same prepared arrays (kernel={same}) ...")
        r["np_gv"] = run_child("numpy-gv", n, data, repeat, idmap, same, depth)
        r["np_gv"]["kernel"] = same
    return r


def rows_for(r: dict) -> list[tuple]:
    """(task, tool, time stats, peak extra, peak total, ratio text) rows of one size."""
    c, dp, df, dg = r["cpp"], r["dl_path"], r["dl_full"], r["dl_gv"]
    v, npp, npa, ng = r["np_variants"], r["np_path"], r["np_path_all"], r["np_gv"]
    med = lambda s: s["median"]  # noqa: E731
    kernel, idmap = v["kernel"], v["idmap"]
    floor = med(c["floor"])
    rows = []

    def row(task, tool, st, extra=None, total=None, ratio=""):
        rows.append((task, tool, st, extra, total, ratio))

    # GV rollup on prepared arrays
    t = "GV rollup, prepared arrays"
    row(t, "floor: C++ reverse pass over preorder parents", c["floor"], ratio="1.00x (floor)")
    row(t, "floor, level order (C++, info)", c["floor_level"], ratio=f"{fmt_x(med(c['floor_level']) / floor)} of floor")
    row(t, "downline C++ subtree_sum", c["gv"], ratio=f"{fmt_x(med(c['gv']) / floor)} of floor")
    row(t, "downline net.rollup(pv) from Python (row order in and out)", dg["gv"], dg["gv"]["peak_extra_bytes"],
        dg["gv"]["peak_total_bytes"], ratio=f"{fmt_x(med(dg['gv']) / floor)} of floor")
    row(t, f"numpy level-by-level, same arrays ({ng['kernel']})", ng["gv"], ng["gv"]["peak_extra_bytes"],
        ng["gv"]["peak_total_bytes"],
        ratio=f"numpy/downline: {fmt_x(med(ng['gv']) / med(c['gv']))} (C++), {fmt_x(med(ng['gv']) / med(dg['gv']))} (Python)")
    for k, st in v["kernels"].items():
        if k != ng["kernel"]:
            own = "" if k in SAME_ARRAY_KERNELS else ", own level-order layout"
            row(t, f"numpy level-by-level ({k}{own}, info)", st,
                ratio=f"numpy/downline: {fmt_x(med(st) / med(c['gv']))} (C++), {fmt_x(med(st) / med(dg['gv']))} (Python)")
    # whole path
    t = "Whole path from DataFrames (1 month)"
    row(t, "downline: from_frame + volumes(orders, start, end, columns=[pv, gv])", dp["whole"],
        dp["whole"]["peak_extra_bytes"], dp["whole"]["peak_total_bytes"], ratio="1.00x")
    for k, label in (("from_frame", "from_frame"), ("volumes", "volumes (maps the month's orders, PV, GV)")):
        row(t, f"  downline step: {label}", dp["steps"][k])
    row(t, f"numpy peer (idmap={idmap}, {kernel})", npp["whole"], npp["whole"]["peak_extra_bytes"],
        npp["whole"]["peak_total_bytes"], ratio=f"numpy/downline: {fmt_x(med(npp['whole']) / med(dp['whole']))}")
    for k in ("id_mapping", "depth_levels", "pv", "gv"):
        row(t, f"  numpy step: {k}", npp["steps"][k])
    row(t, "downline: from_frame + activity (every order) + full volumes table (info)", df["whole"],
        df["whole"]["peak_extra_bytes"], df["whole"]["peak_total_bytes"],
        ratio=f"{fmt_x(med(df['whole']) / med(dp['whole']))} of downline path")
    for k, label in (("from_frame", "from_frame"), ("activity", "activity (maps all orders)"),
                     ("volumes", "volumes (table, levels=3)")):
        row(t, f"  downline step: {label}", df["steps"][k])
    row(t, "numpy peer mapping every order (info)", npa["whole"], npa["whole"]["peak_extra_bytes"],
        npa["whole"]["peak_total_bytes"], ratio=f"numpy/downline (full path): {fmt_x(med(npa['whole']) / med(df['whole']))}")
    for k, st in v["idmaps"].items():
        row(t, f"  numpy id mapping variant: {k} (info)", st)
    # C++ steps
    t = "C++ steps (harness)"
    row(t, "Network build", c["build"], c["build_peak_extra_bytes"],
        ratio=f"{c['network_bytes_per_participant']:.1f} B/participant")
    row(t, "Activity (map all orders)", c["activity"], c["activity_peak_extra_bytes"])
    row(t, "PV, one month (personal_volume)", c["pv"])
    row(t, "GV (subtree_sum)", c["gv"], ratio=f"{fmt_x(med(c['gv']) / floor)} of floor")
    row(t, "volumes() table, levels=3", c["volumes"], c["volumes_peak_extra_bytes"])
    row(t, "12 months PV+GV, one Activity", c["months12"])
    row(t, "12 months, personal_volume_by_period + 12 GV (info)", c["months12_by_period"])
    row(t, "whole harness process (peak RSS)", None, None, c["peak_rss_bytes"])
    return rows


def targets_for(results: list[dict]) -> list[tuple[str, bool | None, str]]:
    out = []
    for r in results:
        n, c = r["n"], r["cpp"]
        lab = size_label(n)
        ratio = c["gv"]["median"] / c["floor"]["median"]
        out.append((f"[{lab}] GV rollup (C++ subtree_sum) within {TARGET_GV_OVER_FLOOR}x of the floor",
                    ratio <= TARGET_GV_OVER_FLOOR,
                    f"{fmt_t(c['gv']['median'])} vs floor {fmt_t(c['floor']['median'])} = {ratio:.2f}x"))
        ng, dg, cg = r["np_gv"]["gv"]["median"], r["dl_gv"]["gv"]["median"], c["gv"]["median"]
        out.append((f"[{lab}] downline GV (C++ subtree_sum) >= {TARGET_NUMPY_OVER_GV:.0f}x faster than numpy "
                    f"level-by-level on the same prepared arrays ({r['np_gv']['kernel']})", ng / cg >= TARGET_NUMPY_OVER_GV,
                    f"numpy {fmt_t(ng)} / C++ {fmt_t(cg)} = {ng / cg:.1f}x"))
        out.append((f"[{lab}] (info) the same from Python, net.rollup(pv) with values in row order", "info",
                    f"numpy {fmt_t(ng)} / downline {fmt_t(dg)} = {ng / dg:.1f}x"))
        comp = r["np_variants"]["kernels"]["bincount-compact"]["median"]
        out.append((f"[{lab}] (info) against numpy on a level-order relabelling of its own (bincount-compact)", "info",
                    f"numpy {fmt_t(comp)} / C++ {fmt_t(cg)} = {comp / cg:.1f}x"))
        npw, dpw = r["np_path"]["whole"]["median"], r["dl_path"]["whole"]["median"]
        out.append((f"[{lab}] whole path from DataFrames (build, map the orders, PV, GV) >= "
                    f"{TARGET_NUMPY_OVER_PATH:.0f}x faster than numpy",
                    npw / dpw >= TARGET_NUMPY_OVER_PATH, f"numpy {fmt_t(npw)} / downline {fmt_t(dpw)} = {npw / dpw:.2f}x"))
        dfw = r["dl_full"]["whole"]["median"]
        out.append((f"[{lab}] (info) the same with activity (every order mapped) + the full volumes table", "info",
                    f"numpy {fmt_t(npw)} / downline {fmt_t(dfw)} = {npw / dfw:.2f}x"))
        bpp = c["network_bytes_per_participant"]
        out.append((f"[{lab}] network memory <= {TARGET_BYTES_PER_PARTICIPANT:.0f} bytes per participant",
                    bpp <= TARGET_BYTES_PER_PARTICIPANT, f"{bpp:.1f} B/participant ({fmt_mb(c['network_memory_bytes'])})"))
    big = [r for r in results if r["n"] == 10_000_000]
    if big:
        c, dp = big[0]["cpp"], big[0]["dl_path"]
        b = c["build"]["median"]
        out.append((f"[10M] building a 10,000,000-participant network (C++ Network) within {TARGET_BUILD_10M_SECONDS:.0f} s",
                    b <= TARGET_BUILD_10M_SECONDS,
                    f"median {b:.2f} s (runs: {', '.join(f'{x:.2f}' for x in c['build']['runs'])} s)"))
        f = dp["steps"]["from_frame"]["median"]
        out.append((f"[10M] building it from pandas (Network.from_frame) within {TARGET_BUILD_10M_SECONDS:.0f} s",
                    f <= TARGET_BUILD_10M_SECONDS,
                    f"median {f:.2f} s (runs: {', '.join(f'{x:.2f}' for x in dp['steps']['from_frame']['runs'])} s)"))
    else:
        out.append(("building a 10,000,000-participant network within 3 s", None, "not measured (10M not in --sizes)"))
    return out


def report(results: list[dict], args, wall: float) -> str:
    import numpy as np
    import pandas as pd

    lines = ["# downline rollup benchmark", ""]
    lines.append(f"Machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
                 f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}. "
                 f"Month: [{MONTH_START}, {MONTH_END}). Run took {wall:.0f} s.")
    lines.append("")
    for r in results:
        n = r["n"]
        c = r["cpp"]
        lines.append(f"## {n:,} participants, {c['orders']:,} orders (max depth {c['max_depth']}, "
                     f"{c['roots']:,} roots; {r['repeat']} runs, median [min])")
        lines.append("")
        lines.append(f"Data: sample frames {fmt_mb(r['data']['frames_bytes'])}; RSS of a child after loading them "
                     f"{fmt_mb(r['dl_path']['rss_data_bytes'])}. Peak extra = the step's own peak over the RSS "
                     f"before it; peak total = the whole process (data included).")
        lines.append("")
        lines += timing_table(rows_for(r), "tool")
        lines.append("")
        bd = c.get("build_breakdown")
        if bd:
            parts = ", ".join(f"{k} {fmt_t(bd[k])}" for k in
                              ("index", "sponsors", "children", "preorder", "arrays", "relabel"))
            lines.append(f"C++ build phases (downline::BuildProfile, median of {r['repeat']} builds; "
                         f"build {fmt_t(c['build']['median'])}): {parts}.")
        if "build_one_thread" in c:
            lines.append(f"One thread instead of {c['threads']} (info): build "
                         f"{fmt_t(c['build_one_thread']['median'])} (vs {fmt_t(c['build']['median'])}), "
                         f"activity {fmt_t(c['activity_one_thread']['median'])} "
                         f"(vs {fmt_t(c['activity']['median'])}).")
        v = r["np_variants"]
        lines.append(f"numpy choices (fastest wins): id mapping `{v['idmap']}` ("
                     + ", ".join(f"{k} {fmt_t(s['median'])}" for k, s in v["idmaps"].items())
                     + f"); depth levels `{v['depth']}` ("
                     + ", ".join(f"{k} {fmt_t(s['median'])}" for k, s in v["depths"].items())
                     + f"); GV kernel `{v['kernel']}` ("
                     + ", ".join(f"{k} {fmt_t(s['median'])}" for k, s in v["kernels"].items())
                     + f"); {v['month_orders']:,} orders in the month, {v['levels']} depth levels.")
        lines.append("")
    lines += target_lines(targets_for(results))
    return "\n".join(lines)


def common_arguments(ap: argparse.ArgumentParser, quick: str, unit: str) -> None:
    """The options every benchmark script shares (``quick``: what --quick runs; ``unit``:
    what --repeat counts, "step" or "path")."""
    ap.add_argument("--sizes", default="1000000,10000000", help="comma-separated participant counts")
    ap.add_argument("--quick", action="store_true", help=f"smoke run: {quick}")
    ap.add_argument("--repeat", type=int, default=0, help=f"runs per {unit} (default 5, 3 from 5M participants)")
    ap.add_argument("--orders-per-participant", type=float, default=8.0)
    ap.add_argument("--out", help="also write the markdown report to this file")
    ap.add_argument("--json", help="also write all raw results to this JSON file")
    ap.add_argument("--tmp", default=None, help="where the per-size sample files go (default: system temp)")
    ap.add_argument("--keep-data", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)  # internal: a child's sample files


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dir", default=str(ROOT / "build"), help="CMake build dir holding benchmarks/bench_rollup")
    common_arguments(ap, "200,000 participants only", "step")
    # internal: one measured path in a fresh process
    ap.add_argument("--child", nargs=2, metavar=("TASK", "N"), help=argparse.SUPPRESS)
    ap.add_argument("--idmap", default="sort", help=argparse.SUPPRESS)
    ap.add_argument("--kernel", default="bincount", help=argparse.SUPPRESS)
    ap.add_argument("--depth", default="jump", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        res = child(args.child[0], int(args.child[1]), Path(args.data), max(args.repeat, 1), args.idmap, args.kernel,
                    args.depth)
        print(json.dumps(res))
        return 0

    exe = Path(args.build_dir).resolve() / "benchmarks" / "bench_rollup"
    if not exe.is_file():
        print(f"error: {exe} not found; build it first (cmake --build {args.build_dir} --target bench_rollup)",
              file=sys.stderr)
        return 2
    return run_sizes(args, 200_000, lambda n: bench_size(n, args, exe),
                     lambda results, wall: report(results, args, wall))


def as_of_main(argv, doc: str, child, bench_size, report, *child_options: str) -> int:
    """main() of segment.py and retention.py: the common options, then either one measured
    path (``--child TASK --data DIR --as-of DAY`` and the ``child_options``, strings that
    default to "-"): child(task, data, repeat, as_of, *options) printed as JSON; or every
    size (run_sizes; --quick: 100,000 participants)."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    common_arguments(ap, "100,000 participants, one run per path", "path")
    # internal: one measured path in a fresh process
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--as-of", help=argparse.SUPPRESS)
    for option in child_options:
        ap.add_argument(option, default="-", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        options = [getattr(args, o.lstrip("-").replace("-", "_")) for o in child_options]
        print(json.dumps(child(args.child, Path(args.data), max(args.repeat, 1), args.as_of, *options)))
        return 0
    return run_sizes(args, 100_000, lambda n: bench_size(n, args), report)


def cache_dir(args) -> Path:
    """Where the per-size samples are cached: ``--tmp``, or downline-peers in the system's
    temporary folder (made if missing)."""
    tmp = Path(args.tmp or Path(tempfile.gettempdir()) / "downline-peers").resolve()
    tmp.mkdir(parents=True, exist_ok=True)
    return tmp


def titled_report(title: str, results: list, wall: float, size_section, targets) -> str:
    """A benchmark script's markdown: the title, the machine line, each size's section
    (size_section(result) -> lines) and the targets (targets(results) -> tuples)."""
    threads = results[0]["threads"] if results else "?"
    lines = [f"# {title}", "", machine_line(threads) + f" Run took {wall:.0f} s.", ""]
    for r in results:
        lines += size_section(r)
    lines += target_lines(targets(results))
    return "\n".join(lines)


def run_sizes(args, quick_size: int, bench, make_report) -> int:
    """The driver both benchmark scripts share: bench(n) for every size of ``--sizes`` (or
    ``quick_size`` with ``--quick``), then make_report(results, wall seconds) printed and
    written to ``--out`` / ``--json``. Exit code 1 when a correctness check fails."""
    sizes = [quick_size] if args.quick else [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    t0 = time.perf_counter()
    results = []
    try:
        for n in sizes:
            results.append(bench(n))
    except CheckFailed as exc:
        print(f"\n*** {exc} ***\n", file=sys.stderr)
        print(f"*** {exc} ***")
        return 1
    text = make_report(results, time.perf_counter() - t0)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
