#!/usr/bin/env python
"""Benchmarks of downline's segmentation (issue 3) against pandas and the floor.

One command runs everything:

    .venv/bin/python benchmarks/segment.py [--sizes 1000000,10000000] [--quick]
                                           [--repeat R] [--out FILE.md] [--json FILE.json]

``--quick`` is a smoke run (100,000 participants, one run per path). For each size the
sample company is generated once in this process (``dl.sample(n,
orders_per_participant=8.0)``: ~8 orders per participant, ~2 % refunds) and its columns
are saved as ``.npy`` files in a temp dir (with ``make_data`` / ``load_frames`` of
benchmarks/run.py). The as-of date is the day of the last order. Every measured path then
runs in a fresh Python subprocess that rebuilds the orders DataFrame from those files, so
memory peaks do not mix:

* ``floor``: one streaming pass over the order columns a task needs (``participant_id``
  int64, ``ordered_on`` as int64 ticks, and for RFM ``amount`` float64): every byte read
  once by a numpy reduction, one thread. No segmentation can read its input faster.
* ``downline-lifecycle``: ``dl.lifecycle(orders, as_of)`` (default tiers; every customer
  that appears in the orders).
* ``downline-rfm``: ``dl.rfm(orders, as_of)`` (quantile scores, default segment table).
* ``pandas-lifecycle``: the vectorised pandas way (normalise to days, drop orders after
  as_of, group by customer: distinct days and last day, recency, tiers by
  ``np.searchsorted``, the matrix by ``pd.crosstab``), in two variants: ``groupby().agg
  (nunique, max)`` and ``drop_duplicates`` then ``groupby().agg(size, max)``. The faster
  one is the peer; both are shown.
* ``pandas-rfm``: recency, frequency (distinct days of the rows with amount > 0) and
  monetary (all amounts up to as_of) per customer, scores by ``rank(method="min")`` with
  the library's tie rule, the score string and ``dl.segment.RFM_SEGMENTS`` applied with
  boolean masks (``np.select``: first match wins); same two grouping variants.

The children save their results (.npy) and this process checks that pandas equals
downline exactly: life-cycle matrix counts and every customer's segment; every customer's
R, F and M scores, score string and RFM segment. A mismatch aborts with exit code 1.
Targets (pandas/downline >= 30x, downline/floor <= 3x) are reported as PASS/FAIL; a FAIL
does not change the exit code (this is a report, not a test).
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run as harness  # noqa: E402  (benchmarks/run.py: data files, Peak/measure, formatting)
from run import CheckFailed, fmt_mb, fmt_t, fmt_x, measure, size_label  # noqa: E402

TARGET_PANDAS_OVER_DOWNLINE = 30.0
TARGET_DOWNLINE_OVER_FLOOR = 3.0
VARIANTS = ("agg", "dedup")  # the two pandas grouping variants (see pandas_lifecycle)
VARIANT_LABELS = {"agg": "groupby().agg(nunique, max)", "dedup": "drop_duplicates + groupby().agg(size, max)"}
NS_PER_DAY = 86_400 * 10**9


# ======================================================================================
# the pandas peers (run in the children)
# ======================================================================================
class Steps:
    """Wall time of the named steps of one run of a path, collected over the runs."""

    def __init__(self) -> None:
        self.runs: dict[str, list[float]] = {}
        self._t = 0.0

    def start(self) -> None:
        self._t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.runs.setdefault(name, []).append(now - self._t)
        self._t = now

    def stats(self) -> dict:
        return {k: harness._stats(v) for k, v in self.runs.items()}


def days_up_to(orders, as_of):
    """Step 1 of both pandas peers: order dates normalised to days, orders after as_of
    dropped. Returns (participant ids, days, amounts) of the kept rows."""
    day = orders["ordered_on"].dt.normalize()
    keep = day <= as_of
    if keep.all():  # the usual case here (as_of = the last order's day): no copies
        return orders["participant_id"], day, orders["amount"]
    return orders["participant_id"][keep], day[keep], orders["amount"][keep]


def per_customer_days(pid, day, variant: str):
    """Distinct order days and last order day per customer (index: sorted ids).

    variant "agg": one ``groupby().agg(nunique, max)``; variant "dedup": the distinct
    (customer, day) pairs by ``drop_duplicates``, then ``groupby().agg(size, max)``."""
    import pandas as pd

    frame = pd.DataFrame({"participant_id": pid.to_numpy(), "day": day.to_numpy()})
    if variant == "agg":
        g = frame.groupby("participant_id")["day"].agg(["nunique", "max"])
        return g["nunique"], g["max"]
    if variant == "dedup":
        g = frame.drop_duplicates(["participant_id", "day"]).groupby("participant_id")["day"].agg(["size", "max"])
        return g["size"], g["max"]
    raise ValueError(variant)


def pandas_lifecycle(orders, as_of, variant: str, steps: Steps):
    """The life-cycle segments and matrix the pandas way. Returns (segments, matrix)."""
    import numpy as np
    import pandas as pd
    import downline as dl

    f_names = [name for name, _ in dl.segment.FREQUENCY_TIERS]
    f_lo = np.array([lo for _, lo in dl.segment.FREQUENCY_TIERS])  # lowest frequency of each tier
    r_names = [name for name, _ in dl.segment.RECENCY_TIERS]
    r_hi = np.array([np.inf if hi is None else hi for _, hi in dl.segment.RECENCY_TIERS])  # highest recency

    steps.start()
    pid, day, _ = days_up_to(orders, as_of)
    steps.lap("normalise dates, drop orders after as_of")
    frequency, last = per_customer_days(pid, day, variant)
    steps.lap(f"group by customer: {VARIANT_LABELS[variant]}")
    recency = (as_of - last).dt.days
    f_code = np.searchsorted(f_lo, frequency.to_numpy(), side="right") - 1
    r_code = np.searchsorted(r_hi, recency.to_numpy(), side="left")
    f_tier = pd.Categorical.from_codes(f_code, categories=f_names, ordered=True)
    r_tier = pd.Categorical.from_codes(r_code, categories=r_names, ordered=True)
    segments = pd.DataFrame({"frequency": frequency, "recency": recency, "frequency_tier": f_tier,
                             "recency_tier": r_tier}, index=frequency.index)
    steps.lap("recency, tiers (np.searchsorted)")
    matrix = pd.crosstab(segments["frequency_tier"], segments["recency_tier"], dropna=False)
    matrix = matrix.reindex(index=f_names, columns=r_names, fill_value=0)  # every tier, even empty
    steps.lap("matrix (pd.crosstab)")
    return segments, matrix


def day_order_sums(pid, day, amount):
    """Sum of the amounts per customer (index: sorted ids), added one by one in day order
    (rows of the same day in row order) as downline's core does, so the sums are
    bit-identical. ``groupby().sum()`` uses Kahan summation in pandas >= 1.3: its sums
    differ from downline's in the last bits for ~30 % of the customers, which moves a few
    customers' M score across a quantile edge (the tie rule compares exact values).

    The rows are put in day order by a stable argsort of the day numbers as int16 (a
    radix sort; days since the first order day fit when the orders span < 90 years),
    and ``np.bincount`` adds the weights of each bin in input order."""
    import numpy as np
    import pandas as pd

    codes, ids = pd.factorize(pid.to_numpy(), sort=True)
    days = day.to_numpy().view(np.int64) // NS_PER_DAY
    days = days - days.min() if len(days) else days
    key = days.astype(np.int16) if len(days) and days.max() < 2**15 else days
    order = np.argsort(key, kind="stable")
    sums = np.bincount(codes[order], weights=amount.to_numpy(dtype=np.float64)[order], minlength=len(ids))
    return pd.Series(sums, index=ids)


def quantile_scores(values, higher_is_better: bool):
    """Scores 1..5 with the library's tie rule: 1 + floor(5 * w / n), w = customers strictly
    worse. rank(method="min") is 1 + the number of strictly smaller values (ascending), or
    of strictly larger ones (descending)."""
    import numpy as np

    n = len(values)
    worse = values.rank(method="min", ascending=higher_is_better).to_numpy().astype(np.int64) - 1
    return 1 + (5 * worse) // max(n, 1)


def pandas_rfm(orders, as_of, variant: str, steps: Steps):
    """RFM scores and segments of every customer with an order (amount > 0) the pandas way.
    Returns a DataFrame indexed by customer id (sorted)."""
    import numpy as np
    import pandas as pd
    import downline as dl

    rules = list(dl.segment.RFM_SEGMENTS)
    names = [name for name, _ in rules] + ["Other"]

    steps.start()
    pid, day, amount = days_up_to(orders, as_of)
    positive = (amount > 0).to_numpy()  # refunds count for money only, not as order days
    steps.lap("normalise dates, drop orders after as_of")
    frequency, last = per_customer_days(pid[positive], day[positive], variant)
    steps.lap(f"group the rows with amount > 0 by customer: {VARIANT_LABELS[variant]}")
    monetary = day_order_sums(pid, day, amount).reindex(frequency.index)
    steps.lap("monetary: sum of every amount (day order, np.bincount)")
    recency = (as_of - last).dt.days
    R = quantile_scores(recency, higher_is_better=False)
    F = quantile_scores(frequency, higher_is_better=True)
    M = quantile_scores(monetary, higher_is_better=True)
    steps.lap("recency, R/F/M scores (rank(method='min'))")
    score = pd.Series(100 * R + 10 * F + M, index=frequency.index).astype(str)
    conditions = []
    for _, rule in rules:
        mask = np.ones(len(R), dtype=bool)
        for letter, (lo, hi) in rule.items():
            s = {"R": R, "F": F, "M": M}[letter]
            mask &= (s >= lo) & (s <= hi)
        conditions.append(mask)
    seg = np.select(conditions, np.arange(len(rules)), default=len(rules))  # first match wins
    out = pd.DataFrame({"recency": recency, "frequency": frequency, "monetary": monetary, "R": R, "F": F,
                        "M": M, "score": score, "segment": pd.Categorical.from_codes(seg, categories=names)},
                       index=frequency.index)
    steps.lap("score string, segments (np.select)")
    return out


def kahan_note(orders, as_of, rfm_frame) -> dict:
    """(information) How much the idiomatic ``groupby().sum()`` differs from the day-order
    sums: customers whose monetary differs in the last bits, and whose M score moves."""
    import numpy as np

    pid, day, amount = days_up_to(orders, as_of)
    kahan = amount.groupby(pid.to_numpy()).sum().reindex(rfm_frame.index)
    m = quantile_scores(kahan, higher_is_better=True)
    diff = (kahan.to_numpy() - rfm_frame["monetary"].to_numpy())
    return {"monetary_differs": int((diff != 0).sum()), "monetary_max_abs_diff": float(np.abs(diff).max()),
            "m_score_differs": int((m != rfm_frame["M"].to_numpy()).sum()), "customers": len(rfm_frame)}


# ======================================================================================
# children: one measured path each, in a fresh process
# ======================================================================================
def profile_top(fn, k: int = 6) -> list[tuple[str, float]]:
    """(information) One profiled call of fn: the k functions with the most own time, named
    like ``Int64HashTable.factorize``, ``downline._core.summarize_orders`` or
    ``segment.py:47 __init__``."""
    import re

    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    rows = []
    for (file, line, name), (_, _, tottime, _, _) in pstats.Stats(prof).stats.items():
        if file != "~":  # Python code
            where = f"{Path(file).name}:{line} {name}"
        else:  # C code: "<built-in method m>", "<method 'm' of 'a.b.Class' objects>", "<cython.f>"
            m = re.fullmatch(r"<method '(\w+)' of '(?:[\w.]+\.)?(\w+)' objects>", name)
            where = f"{m.group(2)}.{m.group(1)}" if m else re.sub(r"^<(built-in (method|function) )?|>$", "", name)
        rows.append((where, tottime))
    return sorted(rows, key=lambda r: -r[1])[:k]


def child(task: str, data: Path, repeat: int, as_of_text: str, variant: str) -> dict:
    import numpy as np
    import pandas as pd

    out: dict = {"task": task, "variant": variant}
    _, orders = harness.load_frames(data)  # the participants frame is not needed
    out["rss_data_bytes"] = harness._status_kb("VmRSS:") * 1024
    import downline as dl

    as_of = pd.Timestamp(as_of_text)
    out["threads"] = dl.num_threads()

    if task == "floor":
        # every byte of the columns a task reads, once, by a numpy reduction (one thread)
        pid = orders["participant_id"].to_numpy()
        ticks = orders["ordered_on"].to_numpy().view(np.int64)
        amount = orders["amount"].to_numpy()
        out.update(harness.floor_passes({"lifecycle": (pid, ticks), "rfm": (pid, ticks, amount)}, repeat))
    elif task == "downline-lifecycle":
        st, lc = measure(lambda: dl.lifecycle(orders, as_of_text), repeat)
        out["whole"] = st
        seg = lc.segments
        np.save(data / "dl_lc_matrix.npy", lc.matrix.to_numpy())
        np.save(data / "dl_lc_ids.npy", seg.index.to_numpy())
        np.save(data / "dl_lc_segment.npy", seg["segment"].cat.codes.to_numpy().astype(np.int64))
        out.update(customers=len(seg), no_purchase=lc.no_purchase, matrix=lc.matrix.to_numpy().tolist(),
                   tiers=[list(lc.matrix.index), list(lc.matrix.columns)])
        del lc, seg
        out["profile"] = profile_top(lambda: dl.lifecycle(orders, as_of_text))
    elif task == "downline-rfm":
        st, r = measure(lambda: dl.rfm(orders, as_of_text), repeat)
        out["whole"] = st
        buyer = r["R"].notna().to_numpy()
        b = r[buyer]
        np.save(data / "dl_rfm_ids.npy", b.index.to_numpy())
        for c in ("R", "F", "M"):
            np.save(data / f"dl_rfm_{c}.npy", b[c].to_numpy(dtype=np.int64))
        np.save(data / "dl_rfm_score.npy", b["score"].to_numpy().astype("U3"))
        np.save(data / "dl_rfm_segment.npy", b["segment"].cat.codes.to_numpy().astype(np.int64))
        np.save(data / "dl_rfm_monetary.npy", b["monetary"].to_numpy())
        out.update(customers=len(r), buyers=int(buyer.sum()), segments=list(r["segment"].cat.categories),
                   segment_counts=r["segment"].value_counts(sort=False).astype(int).to_dict())
        del r, b
        out["profile"] = profile_top(lambda: dl.rfm(orders, as_of_text))
    elif task == "pandas-lifecycle":
        steps = Steps()
        st, (segments, matrix) = measure(lambda: pandas_lifecycle(orders, as_of, variant, steps), repeat)
        out.update(whole=st, steps=steps.stats(), tiers=[list(matrix.index), list(matrix.columns)])
        np.save(data / f"pd_lc_{variant}_matrix.npy", matrix.to_numpy())
        np.save(data / f"pd_lc_{variant}_ids.npy", segments.index.to_numpy())
        codes = segments["frequency_tier"].cat.codes.to_numpy().astype(np.int64) * len(matrix.columns) \
            + segments["recency_tier"].cat.codes.to_numpy()
        np.save(data / f"pd_lc_{variant}_segment.npy", codes)
    elif task == "pandas-rfm":
        steps = Steps()
        st, r = measure(lambda: pandas_rfm(orders, as_of, variant, steps), repeat)
        out.update(whole=st, steps=steps.stats(), segments=list(r["segment"].cat.categories))
        np.save(data / f"pd_rfm_{variant}_ids.npy", r.index.to_numpy())
        for c in ("R", "F", "M"):
            np.save(data / f"pd_rfm_{variant}_{c}.npy", r[c].to_numpy(dtype=np.int64))
        np.save(data / f"pd_rfm_{variant}_score.npy", r["score"].to_numpy().astype("U3"))
        np.save(data / f"pd_rfm_{variant}_segment.npy", r["segment"].cat.codes.to_numpy().astype(np.int64))
        np.save(data / f"pd_rfm_{variant}_monetary.npy", r["monetary"].to_numpy())
        if variant == VARIANTS[0]:
            out["kahan"] = kahan_note(orders, as_of, r)
    else:
        raise SystemExit(f"unknown child task {task!r}")
    return out


# ======================================================================================
# the parent: data, children, checks, report
# ======================================================================================
def say(msg: str) -> None:
    print(f"[segment] {msg}", file=sys.stderr, flush=True)


def run_child(task: str, data: Path, repeat: int, as_of: str, variant: str = "-") -> dict:
    return harness.script_child(str(Path(__file__).resolve()),
                                ["--child", task, "--data", str(data), "--repeat", str(repeat), "--as-of", as_of,
                                 "--variant", variant], f"{task} ({variant})")


def check_equal(n: int, what: str, data: Path, want_file: str, got_file: str, ids_file: str | None = None) -> None:
    """Raises CheckFailed unless the two saved arrays are identical (same shape and values);
    the message names the first differing customer (from ids_file) or cell."""
    import numpy as np

    want, got = np.load(data / want_file), np.load(data / got_file)
    if want.shape != got.shape:
        raise CheckFailed(f"CORRECTNESS CHECK FAILED at n={n:,}: {what}: pandas has shape {got.shape}, "
                          f"downline {want.shape}")
    bad = np.flatnonzero((want != got).ravel())
    if len(bad):
        first = int(bad[0])
        where = f"customer {np.load(data / ids_file)[first]}" if ids_file else f"cell {first}"
        raise CheckFailed(f"CORRECTNESS CHECK FAILED at n={n:,}: {what}: {len(bad):,} value(s) differ "
                          f"(first at {where}: pandas {got.ravel()[first]!r}, downline {want.ravel()[first]!r})")


def check_size(r: dict, data: Path) -> list[str]:
    """Every pandas variant against downline, exactly. Returns the checks done."""
    n, done = r["n"], []
    dlc, drf = r["dl_lifecycle"], r["dl_rfm"]
    for v in VARIANTS:
        plc, prf = r["pd_lifecycle"][v], r["pd_rfm"][v]
        if plc["tiers"] != dlc["tiers"]:
            raise CheckFailed(f"CORRECTNESS CHECK FAILED at n={n:,}: life-cycle tiers differ: pandas "
                              f"{plc['tiers']}, downline {dlc['tiers']}")
        for what, suffix in (("life-cycle matrix counts", "matrix"), ("life-cycle customer ids", "ids"),
                             ("life-cycle segment of every customer", "segment")):
            check_equal(n, f"{what} ({v})", data, f"dl_lc_{suffix}.npy", f"pd_lc_{v}_{suffix}.npy",
                        None if suffix == "matrix" else "dl_lc_ids.npy")
        if prf["segments"] != drf["segments"]:
            raise CheckFailed(f"CORRECTNESS CHECK FAILED at n={n:,}: RFM segment names differ: pandas "
                              f"{prf['segments']}, downline {drf['segments']}")
        for what, suffix in (("RFM customer ids", "ids"), ("R scores", "R"), ("F scores", "F"),
                             ("M scores", "M"), ("RFM score strings", "score"), ("RFM segments", "segment")):
            check_equal(n, f"{what} ({v})", data, f"dl_rfm_{suffix}.npy", f"pd_rfm_{v}_{suffix}.npy",
                        "dl_rfm_ids.npy")
        done.append(v)
    return [f"life-cycle matrix, ids and segments; RFM ids, R, F, M, score strings and segments: "
            f"identical for {', '.join(done)}"]


def monetary_diff(data: Path, variant: str) -> float:
    import numpy as np

    return float(np.max(np.abs(np.load(data / "dl_rfm_monetary.npy") - np.load(data / f"pd_rfm_{variant}_monetary.npy")),
                        initial=0.0))


def bench_size(n: int, args) -> dict:
    with harness.dated_sample(n, args, "segment", say) as (r, data):
        repeat, as_of = r["repeat"], r["as_of"]
        say(f"n={n:,}: {r['data']['orders']:,} orders, as of {as_of}")
        for key, task in (("floor", "floor"), ("dl_lifecycle", "downline-lifecycle"), ("dl_rfm", "downline-rfm")):
            say(f"n={n:,}: {task} ...")
            r[key] = run_child(task, data, repeat, as_of)
        for key, task in (("pd_lifecycle", "pandas-lifecycle"), ("pd_rfm", "pandas-rfm")):
            r[key] = {}
            for v in VARIANTS:
                say(f"n={n:,}: {task} ({VARIANT_LABELS[v]}) ...")
                r[key][v] = run_child(task, data, repeat, as_of, v)
        r["checks"] = check_size(r, data)
        r["monetary_max_abs_diff"] = {v: monetary_diff(data, v) for v in VARIANTS}
    # the pandas peer of each task: its fastest variant
    for task in ("pd_lifecycle", "pd_rfm"):
        r[task + "_peer"] = min(VARIANTS, key=lambda v: r[task][v]["whole"]["median"])
    return r


def ratios(r: dict) -> dict:
    """The four target ratios of one size."""
    med = lambda s: s["median"]  # noqa: E731
    out = {}
    for task, dl_key, pd_key, floor_key in (("lifecycle", "dl_lifecycle", "pd_lifecycle", "lifecycle"),
                                            ("rfm", "dl_rfm", "pd_rfm", "rfm")):
        d = med(r[dl_key]["whole"])
        p = med(r[pd_key][r[pd_key + "_peer"]]["whole"])
        f = med(r["floor"][floor_key])
        out[task] = {"downline": d, "pandas": p, "floor": f, "pandas_over_downline": p / d, "downline_over_floor": d / f}
    return out


def rows_for(r: dict) -> list[tuple]:
    """(task, path, time stats, peak extra, peak total, ratio text) rows of one size."""
    rows = []
    rat = ratios(r)

    def row(task, path, st, ratio="", peak=True):
        rows.append((task, path, st, st.get("peak_extra_bytes") if peak else None,
                     st.get("peak_total_bytes") if peak else None, ratio))

    for task, title, dl_key, pd_key, call in (
            ("lifecycle", "Life-cycle matrix", "dl_lifecycle", "pd_lifecycle", "dl.lifecycle(orders, as_of)"),
            ("rfm", "RFM scores + segments", "dl_rfm", "pd_rfm", "dl.rfm(orders, as_of)")):
        fl = r["floor"][task]
        cols = "participant_id, ordered_on" + (", amount" if task == "rfm" else "")
        gbs = fl["bytes"] / fl["median"] / 1e9
        row(title, f"floor: one pass over {cols} (numpy {fl['kernel']}, 1 thread; {fl['bytes'] / 2**20:,.0f} MB, "
            f"{gbs:.1f} GB/s)", fl, "1.00x (floor)", peak=False)
        d = r[dl_key]["whole"]
        row(title, f"downline-{task}: {call}", d, f"{fmt_x(rat[task]['downline_over_floor'])} of floor")
        peer = r[pd_key + "_peer"]
        for v in sorted(VARIANTS, key=lambda v: v != peer):
            p = r[pd_key][v]
            tag = "peer" if v == peer else "slower variant"
            row(title, f"pandas-{task} ({VARIANT_LABELS[v]}; {tag})", p["whole"],
                f"pandas/downline: {fmt_x(p['whole']['median'] / d['median'])}")
            for step, st in p["steps"].items():
                rows.append((title, f"  pandas step: {step}", st, None, None, ""))
    return rows


def targets_for(results: list[dict]) -> list[tuple[str, bool, str]]:
    out = []
    for r in results:
        lab, rat = size_label(r["n"]), ratios(r)
        for task, name in (("lifecycle", "life-cycle"), ("rfm", "RFM")):
            x = rat[task]
            out.append((f"[{lab}] {name}: downline >= {TARGET_PANDAS_OVER_DOWNLINE:.0f}x faster than pandas",
                        x["pandas_over_downline"] >= TARGET_PANDAS_OVER_DOWNLINE,
                        f"pandas {fmt_t(x['pandas'])} / downline {fmt_t(x['downline'])} = "
                        f"{x['pandas_over_downline']:.1f}x"))
            out.append((f"[{lab}] {name}: downline within {TARGET_DOWNLINE_OVER_FLOOR:.0f}x of the floor",
                        x["downline_over_floor"] <= TARGET_DOWNLINE_OVER_FLOOR,
                        f"downline {fmt_t(x['downline'])} / floor {fmt_t(x['floor'])} = "
                        f"{x['downline_over_floor']:.1f}x"))
    return out


def report(results: list[dict], wall: float) -> str:
    threads = results[0]["dl_lifecycle"]["threads"] if results else "?"
    lines = ["# downline segmentation benchmark", ""]
    lines.append(harness.machine_line(threads) + f" As of: the day of the last order. Run took {wall:.0f} s.")
    lines.append("")
    for r in results:
        n, dlc, drf = r["n"], r["dl_lifecycle"], r["dl_rfm"]
        lines.append(f"## {n:,} participants, {r['data']['orders']:,} orders, {dlc['customers']:,} customers "
                     f"(as of {r['as_of']}; {r['repeat']} run{'s' if r['repeat'] > 1 else ''}, median [min])")
        lines.append("")
        lines.append(f"Data: sample frames {fmt_mb(r['data']['frames_bytes'])}; RSS of a child after loading the "
                     f"orders {fmt_mb(dlc['rss_data_bytes'])}. Peak extra = the path's own peak over the RSS before "
                     f"it; peak total = the whole process (data included). RFM: {drf['buyers']:,} customers with an "
                     f"order of amount > 0 are scored.")
        lines.append("")
        lines += harness.timing_table(rows_for(r), "path")
        lines.append("")
        lines += harness.profile_lines(r, [("dl_lifecycle", "dl.lifecycle"), ("dl_rfm", "dl.rfm")])
        fl = r["floor"]
        lines.append("Floor kernels (median): " + "; ".join(
            f"{t}: " + ", ".join(f"{k} {fmt_t(s)}" for k, s in fl[t]["kernels"].items()) for t in ("lifecycle", "rfm"))
            + ".")
        k = r["pd_rfm"][VARIANTS[0]].get("kahan")
        if k:
            lines.append(f"pandas monetary is summed in day order (`np.bincount`), as downline sums, so it is "
                         f"bit-identical (max diff {max(r['monetary_max_abs_diff'].values()):g}). The idiomatic "
                         f"`groupby().sum()` (Kahan summation) differs in the last bits for "
                         f"{k['monetary_differs']:,} of {k['customers']:,} customers (max "
                         f"{k['monetary_max_abs_diff']:.1e}) and would move the M score of {k['m_score_differs']:,} "
                         f"customer(s) (info).")
        lines.append("Checks (exact): " + "; ".join(r["checks"]) + ".")
        lines.append("")
    lines += harness.target_lines(targets_for(results))
    return "\n".join(lines)


def main(argv=None) -> int:
    return harness.as_of_main(argv, __doc__, child, bench_size, report, "--variant")


if __name__ == "__main__":
    sys.exit(main())
