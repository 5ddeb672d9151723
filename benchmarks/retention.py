#!/usr/bin/env python
"""Benchmarks of downline's retention (issue 4) against pandas + statsmodels and the floor.

One command runs everything:

    .venv/bin/python benchmarks/retention.py [--sizes 1000000,10000000] [--quick]
                                             [--repeat R] [--out FILE.md] [--json FILE.json]

``--quick`` is a smoke run (100,000 participants, one run per path). For each size the
sample company is generated once (``dl.sample(n, orders_per_participant=8.0)``, saved as
``.npy`` files by ``make_data`` of benchmarks/run.py) with one more participant column:
``region``, 100 groups drawn at random (seed 7). As of: the day of the last order. Every
path runs in a fresh Python subprocess that rebuilds the DataFrames from those files, so
memory peaks do not mix:

* ``floor``: one streaming pass (numpy reduction, one thread) over the bytes a task reads:
  for churn + Kaplan-Meier the orders' ``participant_id`` and ``ordered_on`` and the
  participants' ``id``, ``enrolled_on`` and ``region``; for the cohort matrix the orders'
  two columns.
* ``downline-churn-km``: ``dl.churn(participants, orders, as_of)`` (90 days) then
  ``dl.KaplanMeier().fit(duration, churned, groups=region)``: one curve per region.
* ``pandas-churn-km``: the pandas way (last order per participant by ``groupby().max()``,
  joined to the participants, durations and flags vectorised) then statsmodels'
  ``SurvfuncRight`` on every region (the groups of one ``groupby().indices``).
* ``downline-cohort``: ``dl.cohort_retention(orders, as_of)`` (first-order cohorts).
* ``pandas-cohort``: months as ``datetime64[M]``, distinct (customer, month) pairs by
  ``drop_duplicates``, the cohort by ``groupby().transform("min")``, cells by
  ``groupby([cohort, k]).size()``.

The children save their results and this process checks them: churn durations and flags
identical; every region's survival at every event time and the numbers at risk equal to
statsmodels' (survival to 1e-12); cohort counts and sizes identical. A mismatch aborts
with exit code 1. Targets (issue 4): churn + Kaplan-Meier at least 30x faster than pandas
+ statsmodels, the cohort matrix at least 50x faster than pandas; PASS/FAIL is reported,
and a FAIL does not change the exit code (this is a report, not a test).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run as harness  # noqa: E402  (benchmarks/run.py: data files, measure, formatting)
from run import CheckFailed, fmt_t, fmt_x, measure, size_label  # noqa: E402
from segment import Steps, profile_top  # noqa: E402

TARGETS = {"churn_km": 30.0, "cohort": 50.0}
GROUPS = 100
CHURN_AFTER = 90


# ======================================================================================
# the peers (run in the children)
# ======================================================================================
def pandas_churn(people, orders, as_of, steps: Steps):
    """Every participant's churn status the pandas way (DOMAIN.md: churned when the last
    activity, enrolment or order, is more than 90 days before as_of)."""
    import numpy as np
    import pandas as pd

    steps.start()
    o = orders[orders["ordered_on"] < as_of + pd.Timedelta(days=1)]
    last = o.groupby("participant_id")["ordered_on"].max().dt.normalize()
    steps.lap("last order per participant (groupby().max())")
    enrol = people.set_index("id")["enrolled_on"]
    enrol = enrol[enrol <= as_of]
    last_act = np.maximum(last.reindex(enrol.index).fillna(enrol), enrol)
    churned = (as_of - last_act).dt.days > CHURN_AFTER
    duration = np.where(churned, (last_act - enrol).dt.days, (as_of - enrol).dt.days)
    out = pd.DataFrame({"duration": duration, "churned": churned.to_numpy()}, index=enrol.index)
    steps.lap("join, durations, churned flags")
    return out


def statsmodels_km(churn, region, steps: Steps):
    """statsmodels' Kaplan-Meier of every region."""
    import numpy as np
    import pandas as pd
    from statsmodels.duration.survfunc import SurvfuncRight

    steps.start()
    dur = churn["duration"].to_numpy(dtype=np.float64)
    ev = churn["churned"].to_numpy(dtype=np.float64)
    out = {g: SurvfuncRight(dur[idx], ev[idx]) for g, idx in pd.Series(region).groupby(region).indices.items()}
    steps.lap(f"SurvfuncRight per region ({len(out)} groups)")
    return out


def pandas_cohort(orders, as_of, steps: Steps):
    """The first-order cohort matrix the pandas way. Returns (counts cohort x k, sizes)."""
    import numpy as np
    import pandas as pd

    steps.start()
    o = orders[orders["ordered_on"] < as_of + pd.Timedelta(days=1)]
    month = o["ordered_on"].to_numpy().astype("datetime64[M]").astype(np.int64)
    steps.lap("drop orders after as_of, months")
    pairs = pd.DataFrame({"p": o["participant_id"].to_numpy(), "m": month}).drop_duplicates()
    steps.lap("distinct (customer, month) pairs (drop_duplicates)")
    first = pairs.groupby("p")["m"].transform("min")
    pairs["c"] = first.to_numpy()
    pairs["k"] = pairs["m"].to_numpy() - pairs["c"].to_numpy()
    steps.lap("cohort of each customer (groupby().transform('min'))")
    counts = pairs.groupby(["c", "k"]).size().unstack()
    sizes = counts[0]
    steps.lap("cells (groupby([cohort, k]).size())")
    return counts, sizes


# ======================================================================================
# children: one measured path each, in a fresh process
# ======================================================================================
def child(task: str, data: Path, repeat: int, as_of_text: str) -> dict:
    import numpy as np
    import pandas as pd

    out: dict = {"task": task}
    people, orders = harness.load_frames(data)
    region = np.load(data / "p_region.npy")
    out["rss_data_bytes"] = harness._status_kb("VmRSS:") * 1024
    import downline as dl

    as_of = pd.Timestamp(as_of_text)
    out["threads"] = dl.num_threads()
    # the region of every participant enrolled by as_of (the others are not participants yet)
    region_kept = region[people["enrolled_on"].to_numpy() <= as_of.to_datetime64()]
    if task == "floor":
        pid = orders["participant_id"].to_numpy()
        ticks = orders["ordered_on"].to_numpy().view(np.int64)
        ids = people["id"].to_numpy()
        enrol = people["enrolled_on"].to_numpy().view(np.int64)
        out.update(harness.floor_passes({"churn_km": (pid, ticks, ids, enrol, region), "cohort": (pid, ticks)},
                                        repeat))
    elif task == "downline-churn-km":
        steps = Steps()

        def path(steps=Steps()):
            steps.start()
            c = dl.churn(people, orders, as_of)
            steps.lap("dl.churn(participants, orders, as_of)")
            km = dl.KaplanMeier().fit(c["duration"], c["churned"], groups=region_kept)
            steps.lap(f"dl.KaplanMeier().fit(duration, churned, groups=region) ({GROUPS} groups)")
            return c, km
        st, (c, km) = measure(lambda: path(steps), repeat)
        out.update(whole=st, steps=steps.stats())
        np.save(data / "dl_churn_ids.npy", c.index.to_numpy())
        np.save(data / "dl_churn_duration.npy", c["duration"].to_numpy())
        np.save(data / "dl_churn_churned.npy", c["churned"].to_numpy())
        t = km.survival_table_.reset_index()
        for col in ("group", "time", "at_risk", "observed", "survival"):
            np.save(data / f"dl_km_{col}.npy", t[col].to_numpy())
        out["churned_share"] = float(c["churned"].mean())
        out["profile"] = profile_top(path)
    elif task == "pandas-churn-km":
        import statsmodels.duration.survfunc  # noqa: F401  (imported before the timing)

        steps = Steps()

        def path():
            c = pandas_churn(people, orders, as_of, steps)
            return c, statsmodels_km(c, region_kept, steps)
        st, (c, km) = measure(path, repeat)
        out.update(whole=st, steps=steps.stats())
        np.save(data / "pd_churn_ids.npy", c.index.to_numpy())
        np.save(data / "pd_churn_duration.npy", c["duration"].to_numpy())
        np.save(data / "pd_churn_churned.npy", c["churned"].to_numpy())
        rows = {k: [] for k in ("group", "time", "at_risk", "survival")}
        for g, sf in km.items():
            rows["group"].append(np.full(len(sf.surv_times), g))
            rows["time"].append(sf.surv_times)
            rows["at_risk"].append(sf.n_risk)
            rows["survival"].append(sf.surv_prob)
        for k, v in rows.items():
            np.save(data / f"sm_km_{k}.npy", np.concatenate(v))
    elif task == "downline-cohort":
        st, cr = measure(lambda: dl.cohort_retention(orders, as_of), repeat)
        out["whole"] = st
        np.save(data / "dl_cohort_counts.npy", cr.counts.fillna(0).to_numpy(dtype=np.int64))
        np.save(data / "dl_cohort_sizes.npy", cr.sizes.to_numpy())
        out["cohorts"] = len(cr.sizes)
        out["customers"] = int(cr.sizes.sum())
        out["profile"] = profile_top(lambda: dl.cohort_retention(orders, as_of))
    elif task == "pandas-cohort":
        steps = Steps()
        st, (counts, sizes) = measure(lambda: pandas_cohort(orders, as_of, steps), repeat)
        out.update(whole=st, steps=steps.stats())
        k = counts.shape[0]
        np.save(data / "pd_cohort_counts.npy",
                counts.reindex(columns=range(k)).fillna(0).to_numpy(dtype=np.int64))
        np.save(data / "pd_cohort_sizes.npy", sizes.to_numpy(dtype=np.int64))
    else:
        raise SystemExit(f"unknown child task {task!r}")
    return out


# ======================================================================================
# the parent: data, children, checks, report
# ======================================================================================
def say(msg: str) -> None:
    print(f"[retention] {msg}", file=sys.stderr, flush=True)


def run_child(task: str, data: Path, repeat: int, as_of: str) -> dict:
    return harness.script_child(str(Path(__file__).resolve()),
                                ["--child", task, "--data", str(data), "--repeat", str(repeat), "--as-of", as_of],
                                task)


def check_size(n: int, data: Path) -> list[str]:
    """downline against pandas and statsmodels. Returns the checks done."""
    import numpy as np

    def load(name):
        return np.load(data / f"{name}.npy")

    def fail(what):
        raise CheckFailed(f"CORRECTNESS CHECK FAILED at n={n:,}: {what}")

    for col in ("ids", "duration", "churned"):
        a, b = load(f"dl_churn_{col}"), load(f"pd_churn_{col}")
        if a.shape != b.shape or not np.array_equal(a, b):
            bad = np.flatnonzero(a != b) if a.shape == b.shape else []
            fail(f"churn {col} differs ({len(bad):,} participants)")
    # statsmodels lists event times only; downline lists every distinct time of a group
    dg, dt = load("dl_km_group"), load("dl_km_time")
    sg, st = load("sm_km_group"), load("sm_km_time")
    key_dl = dg.astype(np.int64) * 10**7 + dt.astype(np.int64)
    key_sm = sg.astype(np.int64) * 10**7 + st.astype(np.int64)
    pos = np.searchsorted(key_dl, key_sm)
    if (pos >= len(key_dl)).any() or not np.array_equal(key_dl[np.minimum(pos, len(key_dl) - 1)], key_sm):
        fail("Kaplan-Meier event times differ from statsmodels'")
    if not np.array_equal(load("dl_km_at_risk")[pos], load("sm_km_at_risk").astype(np.float64)):
        fail("Kaplan-Meier numbers at risk differ from statsmodels'")
    diff = np.abs(load("dl_km_survival")[pos] - load("sm_km_survival")).max(initial=0.0)
    if not diff <= 1e-12:
        fail(f"Kaplan-Meier survival differs from statsmodels' by {diff:g}")
    if int((load("dl_km_observed") > 0).sum()) != len(key_sm):
        fail("Kaplan-Meier event times: downline has event times statsmodels has not")
    for col in ("counts", "sizes"):
        a, b = load(f"dl_cohort_{col}"), load(f"pd_cohort_{col}")
        if a.shape != b.shape or not np.array_equal(a, b):
            fail(f"cohort {col} differ (downline shape {a.shape}, pandas {b.shape})")
    return [f"churn ids, durations and flags identical; Kaplan-Meier of {GROUPS} regions: every event time, "
            f"number at risk identical, survival within {max(diff, 0.0):.1e} of statsmodels'; cohort counts and "
            f"sizes identical"]


def bench_size(n: int, args) -> dict:
    import numpy as np

    with harness.dated_sample(n, args, "retention", say) as (r, data):
        np.save(data / "p_region.npy", np.random.default_rng(7).integers(0, GROUPS, n).astype(np.int32))
        for key, task in (("floor", "floor"), ("dl_churn_km", "downline-churn-km"),
                          ("pd_churn_km", "pandas-churn-km"), ("dl_cohort", "downline-cohort"),
                          ("pd_cohort", "pandas-cohort")):
            say(f"n={n:,}: {task} ...")
            r[key] = run_child(task, data, r["repeat"], r["as_of"])
        r["checks"] = check_size(n, data)
    return r


def ratios(r: dict) -> dict:
    out = {}
    for task, d, p in (("churn_km", "dl_churn_km", "pd_churn_km"), ("cohort", "dl_cohort", "pd_cohort")):
        dm, pm, fm = r[d]["whole"]["median"], r[p]["whole"]["median"], r["floor"][task]["median"]
        out[task] = {"downline": dm, "peer": pm, "floor": fm, "peer_over_downline": pm / dm,
                     "downline_over_floor": dm / fm}
    return out


def rows_for(r: dict) -> list[tuple]:
    rows, rat = [], ratios(r)
    titles = {"churn_km": "Churn + Kaplan-Meier by region", "cohort": "Cohort retention matrix"}
    for task, d, p, dcall, pcall in (
            ("churn_km", "dl_churn_km", "pd_churn_km", "dl.churn + dl.KaplanMeier().fit(groups=region)",
             "pandas churn + statsmodels SurvfuncRight per region"),
            ("cohort", "dl_cohort", "pd_cohort", "dl.cohort_retention(orders, as_of)",
             "pandas (drop_duplicates, transform('min'), size)")):
        fl = r["floor"][task]
        rows.append((titles[task], f"floor: one pass over the input columns (numpy {fl['kernel']}, 1 thread; "
                     f"{fl['bytes'] / 2**20:,.0f} MB)", fl, None, None, "1.00x (floor)"))
        dd = r[d]
        rows.append((titles[task], f"downline: {dcall}", dd["whole"], dd["whole"].get("peak_extra_bytes"),
                     dd["whole"].get("peak_total_bytes"), f"{fmt_x(rat[task]['downline_over_floor'])} of floor"))
        for step, st in dd.get("steps", {}).items():
            rows.append((titles[task], f"  downline step: {step}", st, None, None, ""))
        pp = r[p]
        rows.append((titles[task], f"peer: {pcall}", pp["whole"], pp["whole"].get("peak_extra_bytes"),
                     pp["whole"].get("peak_total_bytes"), f"peer/downline: {fmt_x(rat[task]['peer_over_downline'])}"))
        for step, st in pp.get("steps", {}).items():
            rows.append((titles[task], f"  peer step: {step}", st, None, None, ""))
    return rows


def targets_for(results: list[dict]) -> list[tuple[str, bool, str]]:
    out = []
    names = {"churn_km": "churn + Kaplan-Meier vs pandas + statsmodels", "cohort": "cohort matrix vs pandas"}
    for r in results:
        lab, rat = size_label(r["n"]), ratios(r)
        for task, target in TARGETS.items():
            x = rat[task]
            out.append((f"[{lab}] {names[task]}: downline >= {target:.0f}x faster", x["peer_over_downline"] >= target,
                        f"peer {fmt_t(x['peer'])} / downline {fmt_t(x['downline'])} = {x['peer_over_downline']:.1f}x"))
    return out


def report(results: list[dict], wall: float) -> str:
    import statsmodels

    threads = results[0]["dl_cohort"]["threads"] if results else "?"
    lines = ["# downline retention benchmark", ""]
    lines.append(harness.machine_line(threads, f", statsmodels {statsmodels.__version__}")
                 + f" As of: the day of the last order; churn after {CHURN_AFTER} days; {GROUPS} random regions. "
                 f"Run took {wall:.0f} s.")
    lines.append("")
    for r in results:
        lines.append(f"## {r['n']:,} participants, {r['data']['orders']:,} orders (as of {r['as_of']}; "
                     f"{r['repeat']} run{'s' if r['repeat'] > 1 else ''}, median [min])")
        lines.append("")
        lines.append(f"Churned share: {r['dl_churn_km']['churned_share']:.1%}; cohorts: {r['dl_cohort']['cohorts']} "
                     f"(first-order months), {r['dl_cohort']['customers']:,} customers. Peak extra = the path's own "
                     f"peak over the RSS before it; peak total = the whole process (data included).")
        lines.append("")
        lines += harness.timing_table(rows_for(r), "path")
        lines.append("")
        lines += harness.profile_lines(r, [("dl_churn_km", "churn + Kaplan-Meier"),
                                           ("dl_cohort", "dl.cohort_retention")])
        lines.append("Checks: " + "; ".join(r["checks"]) + ".")
        lines.append("")
    lines += harness.target_lines(targets_for(results))
    return "\n".join(lines)


def main(argv=None) -> int:
    return harness.as_of_main(argv, __doc__, child, bench_size, report)


if __name__ == "__main__":
    sys.exit(main())
