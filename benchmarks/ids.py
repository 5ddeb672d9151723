#!/usr/bin/env python
"""downline with participant ids of four kinds against pandas/numpy (issue 23), old and new side by side.

One command runs everything:

    .venv/bin/python benchmarks/ids.py [--sizes 1000000,10000000] [--quick] [--repeat R]
                                       [--package DIR[,DIR...]] [--kinds dense,sparse,float,string]
                                       [--tasks lifecycle,rfm,km,cohort,gv,volumes,gv_all]
                                       [--out FILE.md] [--json FILE.json] [--tmp DIR]

Data: the company of benchmarks/peers.py (``ensure_data``: deterministic, cached under
``--tmp``, ~8 orders per participant, 100 regions) with its ids given four ways, the same
participants, sponsors and orders relabelled consistently (participant ids, sponsor ids and
the orders' participant ids):

* ``dense``: int64 ids as generated (1,000,000 + a permutation of 0..N-1; nullable
  ``Int64`` sponsors);
* ``sparse``: int64 ids by a random injective map into [1, 10 N] (seed 23; stored once per
  size beside the data);
* ``float``: the dense ids as float64 (NaN for no sponsor);
* ``string``: "M" + the dense number (``object`` columns, None for no sponsor; one str
  object per distinct id in each column, shared by its rows).

Tasks (downline, then the peer, on the same frames):

* ``lifecycle``: ``dl.lifecycle(orders, as_of)`` / segment.py's pandas peer (the faster of
  its two grouping variants);
* ``rfm``: ``dl.rfm(orders, as_of)`` / segment.py's pandas peer (the faster variant);
* ``km``: ``dl.churn`` + ``dl.KaplanMeier().fit(..., groups=region)`` / retention.py's
  pandas + statsmodels peer;
* ``cohort``: ``dl.cohort_retention(orders, as_of)`` / retention.py's pandas peer;
* ``gv``: ``Network.from_frame`` + ``net.volumes(orders, start, end, columns=["gv"])`` for one
  month / run.py's numpy peer;
* ``volumes``: ``from_frame`` + ``net.volumes(orders, start, end)`` (the whole table) /
  peers.py's ``numpy_volumes``;
* ``gv_all``: ``from_frame`` + ``net.volumes(orders, columns=["gv"])``: every order of the
  history, no period / run.py's numpy peer over every order.

The numpy peers map ids the faster of two ways for numbers (``direct``: a table of rows
addressed by id - min id, whole floats as ints; ``index``: ``pd.Index.get_indexer``) and by
``get_indexer`` for strings; the pandas peers group the id columns as they are (pandas
factorizes them). Every (task, kind, tool) runs in a fresh subprocess (peers.py's guarded
children: timeout per run, memory guard) that rebuilds its kind's frames once, before the
timed runs; downline's side runs once per ``--package`` directory (on PYTHONPATH; default
this checkout's python/), the packages in turns (A B, then B A for the next cell).
Times: the median of R runs (fewer once a path used 60 s).

Checks: answers are put in one form (ids back to the dense numbers, RFM rows sorted by
them); the first downline answer of a task is the reference and every later answer (every
package and kind of downline, every peer) must equal it: counts exactly, sums to 1e-9
relative. A mismatch aborts with exit code 1. A path that fails, runs out of time or of
memory is reported so in its cell. Targets (PASS/FAIL lines; the exit code stays 0): every
task at least 10x faster than pandas/numpy for every kind (GV of every order: 3x); sparse
ints within 1.5x of dense ints and strings within 3x; for dense ints no task more than 10 %
slower than with the first package (old). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import peers  # noqa: E402  (benchmarks/peers.py: the company, the paths, guarded children, answers)
import run as harness  # noqa: E402  (benchmarks/run.py: frames, numpy peer, formatting)
from run import fmt_t, fmt_x, size_label  # noqa: E402

KINDS = ("dense", "sparse", "float", "string")
KIND_TITLES = {"dense": "dense ints", "sparse": "sparse ints", "float": "whole floats", "string": "strings"}
TASKS = ("lifecycle", "rfm", "km", "cohort", "gv", "volumes", "gv_all")
TASK_TITLES = {"lifecycle": "Life-cycle matrix", "rfm": "RFM scores + segments",
               "km": "Churn + Kaplan-Meier by region", "cohort": "Cohort matrix",
               "gv": "GV, one month, from DataFrames", "volumes": "Volumes table, one month",
               "gv_all": "GV of every order"}
# how the numpy peers may map ids to rows (run.np_lookup); the faster is the peer
PEER_IDMAPS = {"dense": ("direct", "index"), "sparse": ("direct", "index"), "float": ("direct", "index"),
               "string": ("index",)}
SPARSE_SPAN = 10  # sparse ids: a random injective map into [1, SPARSE_SPAN * N]
SPARSE_SEED = 23

TARGET_PEER = 10.0  # downline at least this many times faster than pandas/numpy ...
TARGET_PEER_GV_ALL = 3.0  # ... and this for GV of every order
TARGET_VS_DENSE = {"sparse": 1.5, "string": 3.0}  # downline's time with these ids over dense ints at most
TARGET_OLD = 1.10  # dense ints: new / old at most


def say(msg: str) -> None:
    print(f"[ids] {msg}", file=sys.stderr, flush=True)


# ======================================================================================
# the id kinds: relabelling the frames, and answers back to the dense numbers
# ======================================================================================
def sparse_map_path(data: Path) -> Path:
    return data / f"ids-sparse-x{SPARSE_SPAN}-seed{SPARSE_SEED}.npy"


def ensure_sparse_map(data: Path, n: int) -> None:
    """The sparse id of every dense number 0..n-1: n distinct values of [1, SPARSE_SPAN * n],
    in random order (written once per size)."""
    import numpy as np

    path = sparse_map_path(data)
    if not path.is_file():
        rng = np.random.default_rng(SPARSE_SEED)
        np.save(path, 1 + rng.choice(SPARSE_SPAN * n, n, replace=False).astype(np.int64))


def labels(n: int):
    """The string ids: "M" + every dense id, as str objects (one per id)."""
    import numpy as np

    return np.char.add("M", np.arange(peers.ID_BASE, peers.ID_BASE + n).astype(str)).astype(object)


def relabel(kind: str, people, orders, data: Path):
    """The frames with the ids of ``kind`` in the three id columns (built once per child,
    outside the timings)."""
    import numpy as np
    import pandas as pd

    if kind == "dense":
        return people, orders
    n = len(people)
    has = people["sponsor_id"].notna().to_numpy()
    # dense numbers 0..n-1 of the participants, their sponsors (0 for none) and the orders
    p = people["id"].to_numpy() - peers.ID_BASE
    s = people["sponsor_id"].to_numpy(dtype=np.int64, na_value=peers.ID_BASE) - peers.ID_BASE
    o = orders["participant_id"].to_numpy() - peers.ID_BASE
    if kind == "sparse":
        m = np.load(sparse_map_path(data))
        ids, sponsors, pid = m[p], pd.arrays.IntegerArray(m[s], ~has), m[o]
    elif kind == "float":
        ids, pid = (p + peers.ID_BASE).astype(np.float64), (o + peers.ID_BASE).astype(np.float64)
        sponsors = np.where(has, (s + peers.ID_BASE).astype(np.float64), np.nan)
    elif kind == "string":
        ids, sponsors, pid = labels(n)[p], labels(n)[s], labels(n)[o]  # each column its own objects
        sponsors[~has] = None
    else:
        raise ValueError(kind)
    return people.assign(id=ids, sponsor_id=sponsors), orders.assign(participant_id=pid)


def to_dense(kind: str, ids, data: Path):
    """Ids of ``kind`` back to the dense int64 ids."""
    import numpy as np
    import pandas as pd

    ids = np.asarray(ids)
    if kind in ("dense", "float"):
        return ids.astype(np.int64)
    if kind == "string":
        return pd.Series(ids, dtype=object).str.slice(1).astype(np.int64).to_numpy()
    m = np.load(sparse_map_path(data))
    order = np.argsort(m)
    k = order[np.minimum(np.searchsorted(m, ids, sorter=order), len(m) - 1)]
    if not np.array_equal(m[k], ids):
        raise ValueError("ids that are not sparse ids of the company")
    return peers.ID_BASE + k


def canonical(kind: str, task: str, answer: dict, data: Path) -> dict:
    """An answer in the form every kind shares: ids as dense numbers; RFM's rows (one per
    customer) sorted by them."""
    import numpy as np

    if "ids" not in answer:
        return answer
    answer = {**answer, "ids": to_dense(kind, answer["ids"], data)}
    if task == "rfm":
        order = np.argsort(answer["ids"], kind="stable")
        answer = {k: v[order] for k, v in answer.items()}
    return answer


# ======================================================================================
# children: one (task, kind, tool) in a fresh process
# ======================================================================================
def child(task: str, tool: str, kind: str, data: Path, results: Path, repeat: int, as_of_text: str) -> dict:
    import numpy as np

    people, orders = relabel(kind, *harness.load_frames(data), data)
    region = np.load(data / "p_region.npy")
    out = peers.child_info(task, tool)
    import downline as dl

    out.update(kind=kind, package=str(Path(dl.__file__).resolve().parent.parent))
    st, answer, more = peers.run_path(task, tool, people, orders, region, as_of_text, repeat, PEER_IDMAPS[kind])
    out.update(more, whole=st)
    answer = canonical(kind, task, answer, data)
    if any(results.glob(f"downline_{task}_*.npy")):
        label = f"{tool} on {KIND_TITLES[kind]}" + (f" from {out['package']}" if tool == "downline" else "")
        out["checks"] = out.get("checks", []) + peers.check_answer(results, task, label, answer)
    elif tool == "downline":  # the first downline answer of the task: the reference
        peers.save_answer(results, task, "downline", answer)
        out["reference"] = True
    else:
        out["unchecked"] = True
    return out


# ======================================================================================
# the parent: packages, data, children
# ======================================================================================
def package_info(text: str) -> list[dict]:
    """The --package directories: each one's path, git commit and a short label."""
    out = []
    for d in [x.strip() for x in text.split(",") if x.strip()]:
        path = Path(d).resolve()
        if not (path / "downline" / "__init__.py").is_file() or not list((path / "downline").glob("_core*.so")):
            raise SystemExit(f"error: {path} holds no built downline package (downline/__init__.py and _core)")

        def git(*a: str) -> str:
            return subprocess.run(["git", "-C", str(path), *a], capture_output=True, text=True).stdout.strip()

        top, commit = git("rev-parse", "--show-toplevel"), git("rev-parse", "--short", "HEAD")
        changed = bool(git("status", "--porcelain", "--untracked-files=no", "--", "."))
        label = f"{Path(top).name or path.name} {commit or '?'}{'+changes' if changed else ''}"
        out.append({"dir": str(path), "commit": commit, "changed": changed, "label": label})
    if len({p["label"] for p in out}) < len(out):
        for i, p in enumerate(out):
            p["label"] += f" #{i + 1}"
    return out


def bench_size(n: int, args: argparse.Namespace, tasks: list[str], kinds: list[str], packages: list[dict],
               tmp: Path) -> dict:
    repeat = args.repeat or (3 if args.quick or n >= 5_000_000 else 5)
    # phase 1: the company (cached) and the sparse ids
    data, facts = peers.ensure_data(n, args.orders_per_participant, tmp, csv=False)
    ensure_sparse_map(data, n)
    as_of = facts["as_of"]
    say(f"n={n:,}: {facts['orders']:,} orders; as of {as_of}; {peers.depth_line(facts)}")
    r: dict = {"n": n, "repeat": repeat, "data": facts, "as_of": as_of, "packages": packages,
               "load_start": os.getloadavg(), "cells": {t: {} for t in tasks}}
    results = Path(tempfile.mkdtemp(prefix=f"ids-results-{n}-", dir=tmp))
    runner = peers.Runner(args, data, results, as_of, repeat, script=Path(__file__).resolve())
    # phase 2: every (task, kind): downline once per package, then the peer. The packages
    # take turns: A B in one cell, B A in the next (of the task and of the kind)
    try:
        for ti, task in enumerate(tasks):
            for ki, kind in enumerate(kinds):
                cell = r["cells"][task][kind] = {"downline": {}}
                for p in (packages if (ti + ki) % 2 == 0 else packages[::-1]):
                    say(f"n={n:,}: {task} / {kind} / downline ({p['label']}) ...")
                    res = runner.child(task, "downline", extra=("--kind", kind), env={"PYTHONPATH": p["dir"]})
                    if res.get("status") == "ok" and res["package"] != p["dir"]:
                        raise RuntimeError(f"the child imported downline from {res['package']}, not {p['dir']}")
                    cell["downline"][p["label"]] = done(res)
                say(f"n={n:,}: {task} / {kind} / pandas ...")
                cell["pandas"] = done(runner.child(task, "pandas", extra=("--kind", kind)))
    finally:
        shutil.rmtree(results, ignore_errors=True)
    r["load_end"] = os.getloadavg()
    return r


def done(res: dict) -> dict:
    say("  " + (fmt_t(res["whole"]["median"]) if res["status"] == "ok" else res["status"]
                + (f": {res['error']}" if res.get("error") else "")))
    return res


# ======================================================================================
# the report
# ======================================================================================
def seconds(res: Optional[dict], limit: float) -> tuple[Optional[float], bool]:
    return peers.seconds_of(res, limit)


def cell_text(res: Optional[dict], r: dict, limit: float) -> str:
    """The median (and the number of runs when fewer than asked), or what happened."""
    if not res:
        return "-"
    if res.get("status") != "ok":
        return peers.time_text(res, limit)
    runs = len(res["whole"]["runs"])
    return fmt_t(res["whole"]["median"]) + (f" ({runs} run{'s' * (runs > 1)})" if runs < r["repeat"] else "")


def new_label(r: dict) -> str:
    return r["packages"][-1]["label"]


def time_ratio(res: Optional[dict], ref: Optional[dict], limit: float) -> tuple[Optional[float], bool]:
    """res's time / ref's time: (ratio, is a lower bound); None when either has no time
    or ref's is only a bound."""
    t, lower = seconds(res, limit)
    t0, lower0 = seconds(ref, limit)
    if t is None or not t0 or lower0:
        return None, False
    return t / t0, lower


def downline_of(r: dict, task: str, kind: str, label: Optional[str] = None) -> Optional[dict]:
    """downline's result of a cell (``label``: the package; default the last one)."""
    c = r["cells"][task].get(kind)
    return c["downline"].get(label or new_label(r)) if c else None


def ratio_cell(x: Optional[float], lower: bool) -> str:
    return "-" if x is None else f"{'>' * lower}{fmt_x(x)}"


def main_table(r: dict, kinds: list[str], limit: float) -> list[str]:
    """Rows = tasks; per kind: downline (for dense ints: one column per package),
    pandas/numpy, their ratio and (other kinds) downline's time over dense ints."""
    head, packages = ["task"], r["packages"]
    for kind in kinds:
        k = KIND_TITLES[kind]
        if kind == "dense" and len(packages) > 1:
            head += [f"{k}: downline {p['label']}" for p in packages]
        else:
            head.append(f"{k}: downline")
        head += [f"{k}: pandas/numpy", f"{k}: x"] + ([] if kind == "dense" else [f"{k}: vs dense"])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for task, cells in r["cells"].items():
        row = [TASK_TITLES[task]]
        for kind in kinds:
            c = cells.get(kind, {"downline": {}})
            shown = packages if kind == "dense" else packages[-1:]
            row += [cell_text(c["downline"].get(p["label"]), r, limit) for p in shown]
            row.append(cell_text(c.get("pandas"), r, limit))
            row.append(ratio_cell(*time_ratio(c.get("pandas"), c["downline"].get(new_label(r)), limit)))
            if kind != "dense":
                row.append(ratio_cell(*time_ratio(downline_of(r, task, kind), downline_of(r, task, "dense"), limit)))
        lines.append("| " + " | ".join(row) + " |")
    return lines


def packages_table(r: dict, kinds: list[str], limit: float) -> list[str]:
    """Rows = tasks; per kind: downline's time with every package and new / old."""
    packages = r["packages"]
    head = ["task"]
    for kind in kinds:
        head += [f"{KIND_TITLES[kind]}: {p['label']}" for p in packages] + [f"{KIND_TITLES[kind]}: new/old"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for task, cells in r["cells"].items():
        row = [TASK_TITLES[task]]
        for kind in kinds:
            c = cells.get(kind, {"downline": {}})
            row += [cell_text(c["downline"].get(p["label"]), r, limit) for p in packages]
            x, lower = time_ratio(c["downline"].get(new_label(r)), c["downline"].get(packages[0]["label"]), limit)
            row.append("-" if x is None else f"{'>' * lower}{x:.2f}x")
        lines.append("| " + " | ".join(row) + " |")
    return lines


def at_most(res: Optional[dict], ref: Optional[dict], most: float, r: dict, limit: float,
            what: str, what_ref: str) -> tuple[Optional[bool], str]:
    """PASS/FAIL of "res's time <= most x ref's", and the detail: n/a when ref has no time,
    FAIL when res failed."""
    x, lower = time_ratio(res, ref, limit)
    if x is not None:
        ok = x <= most if not lower or x > most else None
        return ok, (f"{what} {'> ' * lower}{fmt_t(seconds(res, limit)[0])} / {what_ref} "
                    f"{fmt_t(seconds(ref, limit)[0])} = {'>' * lower}{x:.2f}x")
    if seconds(ref, limit)[0] is None or seconds(ref, limit)[1]:
        return None, f"{what_ref}: {cell_text(ref, r, limit)}"
    return False, f"{what}: {cell_text(res, r, limit)}"


def targets_for(results: list[dict], kinds: list[str], limit: float) -> list[tuple]:
    out = []
    for r in results:
        lab = size_label(r["n"])
        for task, cells in r["cells"].items():
            want = TARGET_PEER_GV_ALL if task == "gv_all" else TARGET_PEER
            for kind, c in cells.items():
                d, peer = c["downline"].get(new_label(r)), c.get("pandas")
                x, lower = time_ratio(peer, d, limit)
                if x is not None:
                    ok = peers.at_least(x, want, lower)
                    detail = (f"pandas/numpy {'> ' * lower}{fmt_t(seconds(peer, limit)[0])} / downline "
                              f"{fmt_t(seconds(d, limit)[0])} = {'>' * lower}{x:.1f}x{peers.stopped_note(ok, lower)}")
                elif seconds(d, limit)[0] is None or seconds(d, limit)[1]:
                    ok, detail = False, f"downline: {cell_text(d, r, limit)}"
                else:
                    ok, detail = None, f"pandas/numpy: {cell_text(peer, r, limit)}"
                out.append((f"[{lab}] {TASK_TITLES[task]}, {KIND_TITLES[kind]}: downline >= {want:g}x faster "
                            f"than pandas/numpy", ok, detail))
        for kind, most in TARGET_VS_DENSE.items():
            for task in r["cells"]:
                if kind in kinds and "dense" in kinds:
                    ok, detail = at_most(downline_of(r, task, kind), downline_of(r, task, "dense"), most, r, limit,
                                         KIND_TITLES[kind], KIND_TITLES["dense"])
                    out.append((f"[{lab}] {TASK_TITLES[task]}: downline with {KIND_TITLES[kind]} within {most:g}x "
                                f"of dense ints", ok, detail))
        if len(r["packages"]) > 1 and "dense" in kinds:
            old, new = r["packages"][0]["label"], new_label(r)
            for task in r["cells"]:
                ok, detail = at_most(downline_of(r, task, "dense", new), downline_of(r, task, "dense", old),
                                     TARGET_OLD, r, limit, "new", "old")
                out.append((f"[{lab}] {TASK_TITLES[task]}, dense ints: `{new}` at most "
                            f"{(TARGET_OLD - 1) * 100:.0f} % slower than `{old}`", ok, detail))
    return out


def notes(r: dict) -> list[str]:
    out = []
    for task, cells in r["cells"].items():
        for kind, c in cells.items():
            v = (c.get("pandas") or {}).get("variants")
            if v and len(v) > 1:
                out.append(f"{TASK_TITLES[task]}, {KIND_TITLES[kind]}: pandas/numpy variants "
                           + ", ".join(f"{k} {fmt_t(t)}" for k, t in v.items()))
    failed = [f"{TASK_TITLES[t]} / {KIND_TITLES[k]} / {who}: {res['status']}"
              + (f" ({res['error']})" if res.get("error") else "")
              for t, cells in r["cells"].items() for k, c in cells.items()
              for who, res in [*((f"downline {p}", x) for p, x in c["downline"].items()), ("pandas", c.get("pandas"))]
              if res and res.get("status") != "ok"]
    if failed:
        out.append("failed: " + "; ".join(failed))
    every = [res for cells in r["cells"].values() for c in cells.values()
             for res in [*c["downline"].values(), c.get("pandas")] if res]
    checked = sum(len(res.get("checks", [])) for res in every)
    unchecked = [f"{res['task']} / {res['kind']}" for res in every if res.get("unchecked")]
    out.append(f"{checked} checks of the answers (every package and kind of downline, every peer) against the "
               f"first downline answer of each task: all equal (counts exactly, sums to {peers.RTOL:g} relative)"
               + (f"; not checked (no downline answer yet): {', '.join(unchecked)}" if unchecked else ""))
    return out


def report(results: list[dict], kinds: list[str], args: argparse.Namespace, wall: float) -> str:
    import statsmodels

    threads = next((res["threads"] for r in results for cells in r["cells"].values() for c in cells.values()
                    for res in c["downline"].values() if "threads" in res), "?")
    lines = peers.report_head("downline with ids of four kinds against pandas/numpy", threads,
                              f", statsmodels {statsmodels.__version__}", wall)
    for r in results:
        f = r["data"]
        lines += [peers.size_head(r, "median"), ""]
        packages = r["packages"]
        lines.append("Packages (downline's side; old = the first, new = the last): "
                     + "; ".join(f"`{p['label']}` ({p['dir']})" for p in packages) + ". Load average (1, 5, 15 min) "
                     f"at the start {', '.join(f'{x:.2f}' for x in r['load_start'])}, at the end "
                     f"{', '.join(f'{x:.2f}' for x in r['load_end'])}. Data: {peers.depth_line(f)}.")
        lines.append("")
        lines.append(f"downline against pandas/numpy (downline: `{new_label(r)}`; x = pandas/numpy time / downline "
                     f"time; vs dense = downline's time / its time with dense ints):")
        lines.append("")
        lines += main_table(r, kinds, args.timeout)
        lines.append("")
        if len(packages) > 1:
            lines.append("downline per package (new/old = the last package's time / the first's):")
            lines.append("")
            lines += packages_table(r, kinds, args.timeout)
            lines.append("")
        lines += [f"{x}." for x in notes(r)]
        lines.append("")
    lines += harness.target_lines(targets_for(results, kinds, args.timeout))
    return "\n".join(lines)


# ======================================================================================
# main
# ======================================================================================
def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.common_arguments(ap, "100,000 participants, 3 runs per path (a few minutes)", "path")
    ap.add_argument("--tasks", help=f"comma-separated subset of {','.join(TASKS)} (default: all)")
    ap.add_argument("--kinds", help=f"comma-separated subset of {','.join(KINDS)} (default: all)")
    ap.add_argument("--package", default=str(ROOT / "python"),
                    help="comma-separated directories holding a built downline package, run in turns for "
                         "downline's side (old first, new last; default: this checkout's python/)")
    peers.guarded_arguments(ap)
    ap.add_argument("--kind", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], args.kind, Path(args.data), Path(args.results),
                               max(args.repeat, 1), args.as_of)))
        return 0
    tasks = peers.choose(args.tasks, TASKS, "tasks")
    kinds = peers.choose(args.kinds, KINDS, "kinds")
    packages = package_info(args.package)
    tmp = harness.cache_dir(args)
    return harness.run_sizes(args, 100_000, lambda n: bench_size(n, args, tasks, kinds, packages, tmp),
                             lambda results, wall: report(results, kinds, args, wall))


if __name__ == "__main__":
    sys.exit(main())
