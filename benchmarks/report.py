#!/usr/bin/env python
"""The whole ``downline report`` against the analytics it contains (issue 25).

One command runs everything:

    .venv/bin/python benchmarks/report.py [--sizes 1000000] [--quick] [--repeat R] [--no-subprocess]
                                          [--out FILE.md] [--json FILE.json] [--tmp DIR]

Data: ``dl.sample(N)`` (seed 42, 8 orders per participant) written as ``downline demo``
writes it (``downline.cli._write_sample``: participants.csv and orders.csv, ISO dates,
money in cents), cached in ``--tmp`` (default /tmp/downline-peers, a folder
``report-N-seed42-opp8`` per size); the report is as of the day of the last order.

Everything runs in this one process, in R rounds (default 3; 1 with --quick), each:

* **report**: ``downline.cli.main(["report", "--participants", ..., "--orders", ...,
  "--as-of", DAY, "--out", DIR, "--quiet"])`` into a fresh folder (removed after the
  round); each step's time is recorded by wrapping ``cli._Progress.step`` (reading each
  file, the network, every table, writing the CSV files, drawing the plots), and "the
  rest" is the whole command minus its steps (the summary tables, the HTML page, the
  arguments);
* **analytics**: the calls ``build_report`` makes (``Network.from_frame``, ``volumes``,
  ``lifecycle``, ``migration``, ``rfm``, ``participant_types``, ``churn``,
  ``KaplanMeier().fit``, ``cohort_retention``), with the same arguments, on the frames
  the library's readers returned (read once, before the rounds), every result kept to
  the end of the round as build_report keeps its tables.

Then the command once as a subprocess (``.venv/bin/downline report ...``): the wall time
a user sees, the interpreter and the imports included. Times are the minimum of the R
rounds (the median is in the JSON); the ratio is report / analytics from the minimums.
Target: the whole report at most 3x its analytics (a PASS/FAIL line; the exit code stays
0 unless a command fails). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run as harness  # noqa: E402  (benchmarks/run.py: options, stats, formatting)
from run import CheckFailed, fmt_t, size_label  # noqa: E402

SEED = 42
ORDERS_PER_PARTICIPANT = 8.0
REPEAT = 3
TARGET_REPORT_OVER_ANALYTICS = 3.0
# the report's steps (cli._Progress.step's `what`, by its first words) and the analytics' names
ANALYTICS = ("Network.from_frame", "volumes", "lifecycle", "migration", "rfm", "participant_types", "churn",
             "KaplanMeier.fit", "cohort_retention")
STEP_NAMES = (("building the network", "Network.from_frame"), ("volumes of", "volumes"),
              ("life-cycle segments", "lifecycle"), ("migration from", "migration"), ("RFM scores", "rfm"),
              ("participant types", "participant_types"), ("churn", "churn"),
              ("Kaplan-Meier", "KaplanMeier.fit"), ("cohort retention", "cohort_retention"),
              ("writing", "write the CSV files"), ("drawing the plots", "draw the plots"))
REST = "the rest (summary tables, HTML page, arguments)"


def say(msg: str) -> None:
    print(f"[report {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ======================================================================================
# data: the demo's CSV files, cached per size
# ======================================================================================
def ensure_company(n: int, opp: float, tmp: Path) -> tuple[Path, dict]:
    """The sample company of n participants as the demo writes it (generated when missing):
    (folder, facts: rows, as_of, file sizes)."""
    data = tmp / f"report-{n}-seed{SEED}-opp{opp:g}"
    meta = data / "meta.json"
    if meta.is_file():
        return data, json.loads(meta.read_text())
    import downline as dl
    from downline.cli import _write_sample

    shutil.rmtree(data, ignore_errors=True)
    say(f"n={n:,}: generating the sample and writing its CSV files in {data} ...")
    t0 = time.perf_counter()
    people, orders = dl.sample(n, orders_per_participant=opp, seed=SEED)
    _write_sample(people, orders, data)
    facts = {"participants": len(people), "orders": len(orders),
             "as_of": str(orders["ordered_on"].max().normalize().date()),
             "csv_bytes": {f: (data / f).stat().st_size for f in ("participants.csv", "orders.csv")},
             "seconds": time.perf_counter() - t0}
    meta.write_text(json.dumps(facts, indent=1))
    return data, facts


# ======================================================================================
# the two paths
# ======================================================================================
def step_name(what: str) -> str:
    """The short name of a report step (``what`` as the command says it)."""
    if what.startswith("reading "):
        return "read " + Path(what[len("reading "):].split(" as text")[0]).name
    return next((name for start, name in STEP_NAMES if what.startswith(start)), what)


class StepClock:
    """Records the time of every step of the command (cli._Progress.step wrapped while
    in use)."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}

    def __enter__(self) -> "StepClock":
        from downline import cli

        self._step = cli._Progress.step
        clock = self

        def step(progress: Any, what: str, run: Callable[[], Any]) -> Any:
            t0 = time.perf_counter()
            out = clock._step(progress, what, run)
            name = step_name(what)
            clock.times[name] = clock.times.get(name, 0.0) + time.perf_counter() - t0
            return out

        cli._Progress.step = step
        return self

    def __exit__(self, *exc: Any) -> None:
        from downline import cli

        cli._Progress.step = self._step


def command(data: Path, as_of: str, out: Path) -> list[str]:
    return ["report", "--participants", str(data / "participants.csv"), "--orders", str(data / "orders.csv"),
            "--as-of", as_of, "--out", str(out), "--quiet"]


def run_report(data: Path, as_of: str, tmp: Path) -> dict[str, float]:
    """The whole command in this process: each step's time, the rest and the whole."""
    from downline import cli

    out = Path(tempfile.mkdtemp(prefix="report-out-", dir=tmp))
    try:
        with StepClock() as clock, contextlib.redirect_stdout(io.StringIO()):
            t0 = time.perf_counter()
            code = cli.main(command(data, as_of, out))
            whole = time.perf_counter() - t0
        if code != 0:
            raise CheckFailed(f"downline report exited with {code}")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    times = dict(clock.times)
    times[REST] = whole - sum(times.values())
    times["whole"] = whole
    return times


def run_analytics(people: Any, orders: Any, as_of_text: str) -> dict[str, float]:
    """The analytics of build_report alone, with its arguments (the command's defaults), on
    frames in memory: each call's time and their sum."""
    import pandas as pd

    import downline as dl
    from downline.cli import _volume_month

    times: dict[str, float] = {}
    results: list = []  # kept to the end, as build_report keeps its tables

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        out = fn()
        times[name] = time.perf_counter() - t0
        results.append(out)
        return out

    as_of = pd.Timestamp(as_of_text)
    start, end = _volume_month(as_of, None)
    vol_as_of = min(as_of, end - pd.Timedelta(days=1))
    cols = dict(participant="participant_id", date="ordered_on")
    amount = "amount" if "amount" in orders.columns else None
    net = timed("Network.from_frame", lambda: dl.Network.from_frame(people, id="id", sponsor="sponsor_id",
                                                                     enrolled_on="enrolled_on", kind="kind"))
    timed("volumes", lambda: net.volumes(orders, start=start, end=end, as_of=vol_as_of, pv="pv", **cols))
    timed("lifecycle", lambda: dl.lifecycle(orders, as_of, participants=net, amount=amount, **cols))
    timed("migration", lambda: dl.migration(orders, as_of - pd.DateOffset(months=3), as_of, participants=net,
                                            amount=amount, **cols))
    timed("rfm", lambda: dl.rfm(orders, as_of, amount=amount or "pv", participants=net, **cols))
    timed("participant_types", lambda: dl.participant_types(net, orders, as_of, pv="pv", **cols))
    ch = timed("churn", lambda: dl.churn(net, orders, as_of, amount=amount, **cols))
    timed("KaplanMeier.fit", lambda: dl.KaplanMeier().fit(ch["duration"], ch["churned"],
                                                          groups=ch["enrolled_on"].dt.year.to_numpy()))
    timed("cohort_retention", lambda: dl.cohort_retention(orders, as_of, amount=amount, **cols))
    times["whole"] = sum(times.values())
    return times


def run_subprocess(data: Path, as_of: str, tmp: Path) -> float:
    """The command as a user runs it (the venv's ``downline`` script, else ``python -m
    downline.cli``): its wall time."""
    exe = Path(sys.executable).parent / "downline"
    cmd = [str(exe)] if exe.is_file() else [sys.executable, "-m", "downline.cli"]
    out = Path(tempfile.mkdtemp(prefix="report-out-", dir=tmp))
    try:
        t0 = time.perf_counter()
        proc = subprocess.run(cmd + command(data, as_of, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
        wall = time.perf_counter() - t0
    finally:
        shutil.rmtree(out, ignore_errors=True)
    if proc.returncode != 0:
        raise CheckFailed(f"downline report (subprocess) exited with {proc.returncode}: {proc.stderr[-2000:]}")
    return wall


def stats(rounds: list[dict[str, float]]) -> dict[str, dict]:
    """Per step: min, median and every round."""
    return {k: harness._stats([r[k] for r in rounds]) for k in rounds[0]}


# ======================================================================================
# one size
# ======================================================================================
def bench_size(n: int, args: argparse.Namespace, tmp: Path) -> dict:
    import downline as dl
    from downline.readers import read_company_files

    repeat = args.repeat or (1 if args.quick else REPEAT)
    data, facts = ensure_company(n, args.orders_per_participant, tmp)
    as_of = facts["as_of"]
    say(f"n={n:,}: {facts['orders']:,} orders, as of {as_of}; reading the frames for the analytics ...")
    people, orders = read_company_files(data / "participants.csv", data / "orders.csv", enrolled_on="enrolled_on",
                                        kind="kind")
    reports, analytics = [], []
    for k in range(repeat):
        gc.collect()
        reports.append(run_report(data, as_of, tmp))
        gc.collect()
        analytics.append(run_analytics(people, orders, as_of))
        say(f"n={n:,}: round {k + 1}/{repeat}: report {fmt_t(reports[-1]['whole'])}, analytics "
            f"{fmt_t(analytics[-1]['whole'])}")
    r = {"n": n, "repeat": repeat, "data": facts, "threads": dl.num_threads(), "report": stats(reports),
         "analytics": stats(analytics)}
    del people, orders
    if not args.no_subprocess:
        gc.collect()
        r["subprocess_seconds"] = run_subprocess(data, as_of, tmp)
        say(f"n={n:,}: subprocess {fmt_t(r['subprocess_seconds'])}")
    return r


# ======================================================================================
# the report
# ======================================================================================
def cell(st: Optional[dict]) -> str:
    return "-" if st is None else f"{fmt_t(st['min'])} [{fmt_t(st['median'])}]"


def size_section(r: dict) -> list[str]:
    f, rep, ana = r["data"], r["report"], r["analytics"]
    lines = [f"## {r['n']:,} participants, {f['orders']:,} orders (as of {f['as_of']}; {r['repeat']} "
             f"round{'s' * (r['repeat'] > 1)}, min [median])", "",
             f"Files: participants.csv {f['csv_bytes']['participants.csv'] / 1e6:,.1f} MB, orders.csv "
             f"{f['csv_bytes']['orders.csv'] / 1e6:,.1f} MB.", "",
             "| step | report | analytics |", "|---|---|---|"]
    steps = [k for k in rep if k not in ("whole", REST)]
    for k in steps + [REST]:
        lines.append(f"| {k} | {cell(rep.get(k))} | {cell(ana.get(k))} |")
    lines.append(f"| **whole** | **{cell(rep['whole'])}** | **{cell(ana['whole'])}** |")
    if "subprocess_seconds" in r:
        lines += ["", f"The command as a subprocess (`downline report ... --quiet`, interpreter and imports "
                      f"included, 1 run): {fmt_t(r['subprocess_seconds'])} wall."]
    lines.append("")
    return lines


def targets_for(results: list[dict]) -> list[tuple]:
    out = []
    for r in results:
        rep, ana = r["report"]["whole"]["min"], r["analytics"]["whole"]["min"]
        x = rep / ana
        detail = f"{fmt_t(rep)} / {fmt_t(ana)} = {x:.2f}x (minimums)"
        if "subprocess_seconds" in r:
            detail += f"; as a subprocess {fmt_t(r['subprocess_seconds'])} / {fmt_t(ana)} = " \
                      f"{r['subprocess_seconds'] / ana:.2f}x"
        out.append((f"[{size_label(r['n'])}] the whole report at most {TARGET_REPORT_OVER_ANALYTICS:g}x its "
                    f"analytics", x <= TARGET_REPORT_OVER_ANALYTICS, detail))
    return out


def report(results: list[dict], wall: float) -> str:
    return harness.titled_report("The whole `downline report` against its analytics (issue 25)", results, wall, size_section, targets_for)


# ======================================================================================
# main
# ======================================================================================
def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.common_arguments(ap, "100,000 participants, 1 round", "round")
    ap.set_defaults(sizes="1000000", repeat=0, orders_per_participant=ORDERS_PER_PARTICIPANT)
    ap.add_argument("--no-subprocess", action="store_true", help="leave out the run as a subprocess")
    args = ap.parse_args(argv)
    tmp = harness.cache_dir(args)
    return harness.run_sizes(args, 100_000, lambda n: bench_size(n, args, tmp),
                             lambda results, wall: report(results, wall))


if __name__ == "__main__":
    sys.exit(main())
