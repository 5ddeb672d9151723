#!/usr/bin/env python
"""Compensation plans (issue 24): downline's plan evaluation against its own volumes, a
numpy peer, the back-office recursive SQL, and a long run's memory.

One command runs everything (Debian 12, as root: PostgreSQL 15 is installed with apt-get
when missing, as benchmarks/peers.py does):

    .venv/bin/python benchmarks/plan.py [--sizes 1000000,10000000] [--quick] [--repeat R]
                                        [--pv-scale S] [--sql-timeout SECONDS] [--no-sql]
                                        [--out FILE.md] [--json FILE.json] [--tmp DIR]

Data: the generated company of benchmarks/peers.py (``ensure_data``: ids unsorted, rows in
random order, depths up to ~800 at 1M), with its enrolment dates (the plan's fast start
and the network as of each period's last day), the example plan
(``dl.CompensationPlan.example()``) and the orders' PV multiplied by ``--pv-scale`` (default
4). The rank counts are printed, with a warning for a rank no one holds: in this company
Gold and Diamond are not held whatever the scale (only ~10 % of the participants order in
a month, so active frontlines, not volumes, limit the ranks: x4, x10, x20, x40 all give 5
Silvers and no Gold at 1M), so the generation bonus is zero there; the small check below
also runs with generations from Associate. The month is [2023-01-01, 2023-02-01); the run
covers the 24 months [2022-07-01, 2024-07-01).

Every path runs in a fresh child process under peers.py's guard (timeout, memory):

* **evaluate**: ``plan.evaluate(net, act, start, end)`` from an ``Activity`` mapped
  beforehand (``net.activity(orders)``, not timed), against ``net.volumes(act, start, end)``
  (the full volumes table) on the same month;
* **numpy**: the plan written in numpy (vectorised; Python loops over depth levels only):
  the sponsor index array, depth levels and per-level groups by sponsor (prepared once,
  timed apart, like downline's network), then, timed: the month's PV and fast-start CV by
  ``np.bincount``, GV bottom-up by ``np.add.reduceat`` per depth, capped GV per rank and
  active frontlines by ``np.bincount`` over the sponsors, ranks bottom-up per depth (the
  highest rank in each leg by ``np.maximum.reduceat``, qualified legs by
  ``np.add.reduceat``), gaps, then one bottom-up pass per depth over a [compressed levels
  | differential buckets | generations] matrix (per-level shifting), fast start by
  climbing k sponsors, and the cap. Its every column (and the totals) is checked equal to
  downline's (1e-9 relative; ranks and flags exactly), first on a company of 2,000
  participants (with the example plan, and with generations from Associate, so that the
  generation path is checked on non-zero values), then on each measured size;
* **SQL**: PostgreSQL 15 (peers.py's private cluster, its \\copy load and indexes): the
  back-office way, ``WITH RECURSIVE`` over the sponsor index for every GV, then the capped
  GV under each rank's leg cap and the active frontline (the inputs of the rank rules but
  the qualified legs), checked against downline's GV and the numpy peer's capped GVs;
  ``--sql-timeout`` (default 600 s): a stopped query counts as a lower bound; at most
  ``--sql-max`` participants (default 1M);
* **run**: a 24-month ``plan.run`` (the orders mapped beforehand), its time and peak memory
  (VmHWM, reset before the run) beyond the RSS before it, and that peak minus the result
  frames (``participants``, ``rank_changes``, ``totals``, ``ranks``; pandas' deep memory)
  per participant; every column up to ``--run-max`` participants (default 1M), above it
  only ``--large-run-columns`` (default rank, title, total: at 10M every column's frames
  alone would take ~24 GB of the machine's 24 GiB).

Targets: evaluate at most 3x the volumes table; downline at least 30x faster than the numpy
peer and 1000x faster than the recursive SQL; the run's memory beyond its result frames at
most 64 bytes per participant. PASS/FAIL lines do not change the exit code; a mismatch
aborts with exit code 1.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

HERE = Path(__file__).resolve().parent
SCRIPT = Path(__file__).resolve()
sys.path.insert(0, str(HERE))
import peers  # noqa: E402  (the generated company, the guarded children, PostgreSQL)
import run as harness  # noqa: E402  (data frames, Peak/measure, numpy building blocks, formatting)
from run import CheckFailed, fmt_mb, fmt_t, size_label  # noqa: E402

MONTH_START, MONTH_END = harness.MONTH_START, harness.MONTH_END
RUN_START, RUN_END = "2022-07-01", "2024-07-01"  # 24 calendar months
PV_SCALE = 4.0
CHECK_SIZE = 2_000  # the numpy peer is checked on this company first ...
CHECK_GENERATION_RANK = "Associate"  # ... also with generations from this rank (Gold is not held there)
SQL_TIMEOUT = 600.0
TARGET_VS_VOLUMES = 3.0
TARGET_VS_NUMPY = 30.0
TARGET_VS_SQL = 1000.0
TARGET_BYTES = 64.0
LARGE_RUN_COLUMNS = "rank,title,total"  # what a 24-month run keeps above --run-max
FLOAT_COLUMNS = ("pv", "cv", "gv", "pv_gap", "gv_gap", "legs_gap", "active_frontline_gap", "unilevel",
                 "differential", "generation", "fast_start", "total")
TOTALS = ("sales", "unilevel", "differential", "generation", "fast_start", "paid", "cap_factor", "earned")
NO_GAP = -1.0  # gaps are missing at the top rank: compared as this


def say(msg: str) -> None:
    print(f"[plan {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def day_number(text: str) -> int:
    import numpy as np

    return int(np.datetime64(text, "D").astype(np.int64))


# ======================================================================================
# the numpy peer
# ======================================================================================
def np_tree(people) -> dict:
    """What the peer prepares once (downline's network): the sponsor row of every row,
    depth levels, and per depth below the roots the rows sorted by sponsor with the starts
    of each sponsor's run (for ``reduceat``) and those sponsors; enrolment days."""
    import numpy as np

    ids = people["id"].to_numpy()
    lookup = harness.np_lookup(ids, "sort")
    parent, has = harness.np_parents(people, lookup)
    levels, depth = harness.np_levels(parent, has, "jump")
    groups = []
    for rows in levels[1:]:
        rs = rows[np.argsort(parent[rows], kind="stable")]
        p = parent[rs]
        starts = np.flatnonzero(np.concatenate([[True], p[1:] != p[:-1]]))
        groups.append((rs, starts, p[starts]))
    enrol = people["enrolled_on"].to_numpy().astype("datetime64[D]").astype(np.int64)
    return {"n": len(ids), "ids": ids, "lookup": lookup, "parent": parent, "has": has, "levels": levels,
            "groups": groups, "enrol": enrol}


def np_orders(orders, tree: dict, scale: float) -> tuple:
    """The orders as (row, day number, scaled PV) arrays (downline's Activity)."""
    import numpy as np

    return (tree["lookup"](orders["participant_id"].to_numpy()),
            orders["ordered_on"].to_numpy().astype("datetime64[D]").astype(np.int64),
            orders["pv"].to_numpy() * scale)


def np_ranks(plan: dict, tree: dict, pv, gv, active, member) -> dict:
    """Ranks bottom-up per depth, the capped GVs and the gaps to the next rank."""
    import numpy as np

    n, parent, has = tree["n"], tree["parent"], tree["has"]
    ranks = plan["ranks"]
    R = len(ranks)
    names = {r["name"]: i for i, r in enumerate(ranks)}
    inf = np.inf
    limit = np.array([r["max_leg_share"] * r["gv"] if "gv" in r and "max_leg_share" in r else inf for r in ranks])
    kids = parent[has]
    capped = np.empty((n, R))
    for r in range(R):  # pv + sum over recruits of min(GV, limit)
        capped[:, r] = pv + np.bincount(kids, weights=np.minimum(gv[has], limit[r]), minlength=n)
    frontline = np.bincount(kids, weights=active[has].astype(np.float64), minlength=n)
    base = np.ones((n, R), dtype=bool)  # every requirement but the qualified legs
    for r, q in enumerate(ranks):
        if "pv" in q:
            base[:, r] &= pv >= q["pv"]
        if "gv" in q:
            base[:, r] &= capped[:, r] >= q["gv"]
        if "active_frontline" in q:
            base[:, r] &= frontline >= q["active_frontline"]
    base &= member[:, None]
    legs = [[(e["count"], names[e["rank"]]) for e in q.get("legs", [])] for q in ranks]
    rank = np.full(n, -1, dtype=np.int64)
    top = np.full(n, -1, dtype=np.int64)  # highest rank in the subtree
    below = np.full(n, -1, dtype=np.int64)  # highest rank in the recruits' subtrees
    ql = np.zeros((n, R))  # qualified legs: recruits whose subtree holds rank >= r
    steps = np.arange(R)
    levels, groups = tree["levels"], tree["groups"]
    for d in range(len(levels) - 1, -1, -1):
        rows = levels[d]
        ok = base[rows]
        q_rows = ql[rows]
        for r, entries in enumerate(legs):
            for count, at in entries:
                ok[:, r] &= q_rows[:, at] >= count
        held = np.where(ok.any(axis=1), R - 1 - np.argmax(ok[:, ::-1], axis=1), -1)
        rank[rows] = held
        top[rows] = np.maximum(held, below[rows])
        if d > 0:
            rs, starts, up = groups[d - 1]
            h = top[rs]
            ql[up] = np.add.reduceat((h[:, None] >= steps[None, :]).astype(np.float64), starts, axis=0)
            below[up] = np.maximum.reduceat(h, starts)
    nxt = np.where(rank + 1 < R, rank + 1, -1)
    gaps = {k: np.full(n, np.nan) for k in ("pv_gap", "gv_gap", "legs_gap", "active_frontline_gap")}
    for r, q in enumerate(ranks):
        m = nxt == r
        zero = np.zeros(int(m.sum()))
        gaps["pv_gap"][m] = np.maximum(0.0, q["pv"] - pv[m]) if "pv" in q else zero
        gaps["gv_gap"][m] = np.maximum(0.0, q["gv"] - capped[m, r]) if "gv" in q else zero
        gaps["legs_gap"][m] = sum((np.maximum(0.0, c - ql[m, at]) for c, at in legs[r]), zero)
        gaps["active_frontline_gap"][m] = (np.maximum(0.0, q["active_frontline"] - frontline[m])
                                           if "active_frontline" in q else zero)
    return {"rank": rank, "next_rank": nxt, "capped": capped, **gaps}


def np_evaluate(plan: dict, tree: dict, orders: tuple, lo: int, hi: int) -> dict:
    """The plan for [lo, hi) (day numbers) on the prepared tree and orders: every
    participant's columns (rows: the people frame's) and the totals."""
    import numpy as np

    n, parent, has, enrol, groups = tree["n"], tree["parent"], tree["has"], tree["enrol"], tree["groups"]
    node, day, vol = orders
    inside = (day >= lo) & (day < hi)
    member = enrol <= hi - 1
    pv = np.where(member, np.bincount(node[inside], weights=vol[inside], minlength=n), 0.0)
    sales = float(vol[inside].sum())
    active = member & (pv >= plan["active_pv"])
    gv = pv.copy()
    for rs, starts, up in groups[::-1]:
        gv[up] += np.add.reduceat(gv[rs], starts)
    out = {"pv": pv, "cv": pv, "gv": gv, "active": active, **np_ranks(plan, tree, pv, gv, active, member)}
    rank = out["rank"]
    names = {r["name"]: i for i, r in enumerate(plan["ranks"])}

    # one bottom-up pass: [unilevel levels K | differential buckets B | generations G + 1]
    uni, dif, gen = plan.get("unilevel"), plan.get("differential"), plan.get("generation")
    K = len(uni["rates"]) if uni else 0
    rates = np.array(sorted({0.0, *(dif["rate_by_rank"].values() if dif else ())}))
    B = len(rates) if dif else 0
    G = len(gen["rates"]) + 1 if gen else 0
    rate_of = np.zeros(len(names) + 1)  # index rank + 1
    for name, x in (dif["rate_by_rank"].items() if dif else ()):
        rate_of[names[name] + 1] = x
    bucket = np.where(active, np.searchsorted(rates, rate_of[rank + 1]), 0)
    leader = active & (rank >= names[gen["rank"]]) if gen else np.zeros(n, dtype=bool)
    step = active if (uni and uni.get("compression")) else np.ones(n, dtype=bool)
    W = K + B + G
    S = np.zeros((n, W))
    cols = np.arange(B)
    cv = pv
    for rs, starts, up in groups[::-1]:
        s = S[rs]
        u = np.zeros_like(s)
        if K:  # compressed levels: an active recruit uses up a level
            lv = s[:, :K]
            u[:, :K] = np.where(step[rs, None], np.concatenate([np.zeros((len(rs), 1)), lv[:, :-1]], axis=1), lv)
            u[:, 0] += cv[rs]
        if B:  # largest bucket on the path: the recruit's own bucket absorbs the ones below it
            p = s[:, K:K + B]
            o = bucket[rs][:, None]
            u[:, K:K + B] = np.where(cols > o, p, np.where(cols == o, np.cumsum(p, axis=1), 0.0))
            u[np.arange(len(rs)), K + bucket[rs]] += cv[rs]
        if G:  # generations: a leader recruit starts one more
            g = s[:, K + B:]
            ld = leader[rs]
            u[:, K + B:] = np.where(ld[:, None], np.concatenate([np.zeros((len(rs), 1)), g[:, :-1]], axis=1), g)
            u[np.arange(len(rs)), K + B + ld.astype(np.int64)] += cv[rs]
        S[up] += np.add.reduceat(u, starts, axis=0)
    zeros = np.zeros(n)
    bonus = {}
    if K:
        by_rank = uni.get("levels_by_rank")
        paid = np.full(len(names) + 1, K)
        if by_rank is not None:
            paid[:] = 0
            for name, m in by_rank.items():
                paid[names[name] + 1] = min(K, m)
        take = np.arange(K)[None, :] < paid[rank + 1][:, None]
        bonus["unilevel"] = np.where(active, (S[:, :K] * np.array(uni["rates"]) * take).sum(axis=1), 0.0)
    if B:
        d = rates[bucket]
        own = d * cv + (np.maximum(0.0, d[:, None] - rates[None, :]) * S[:, K:K + B]).sum(axis=1)
        bonus["differential"] = np.where(d > 0, own, 0.0)
    if G:
        bonus["generation"] = np.where(leader, (S[:, K + B + 1:] * np.array(gen["rates"])).sum(axis=1), 0.0)
    fast = plan.get("fast_start")
    if fast:  # the k-th sponsor up earns rates[k] x the CV of the fast-start window
        since = day - enrol[node]
        keep = inside & (since >= 0) & (since < fast["days"])
        fs = np.where(member, np.bincount(node[keep], weights=vol[keep], minlength=n), 0.0)
        earned = np.zeros(n)
        who = np.flatnonzero(has)
        above = parent[who]
        for x in fast["rates"]:
            earned += x * np.bincount(above, weights=fs[who], minlength=n)
            up = has[above]
            who, above = who[up], parent[above[up]]
        bonus["fast_start"] = np.where(active, earned, 0.0)
    for b in ("unilevel", "differential", "generation", "fast_start"):
        bonus.setdefault(b, zeros)
    earned = float(sum(float(v.sum()) for v in bonus.values()))
    factor = 1.0
    cap = plan.get("cap")
    if cap:
        lim = cap["share_of_sales"] * sales
        if earned > lim:
            factor = lim / earned if lim > 0 else 0.0
    for b in bonus:
        out[b] = bonus[b] * factor
    out["total"] = out["unilevel"] + out["differential"] + out["generation"] + out["fast_start"]
    out["member"] = member
    out["totals"] = {"sales": sales, **{b: float(out[b].sum()) for b in bonus}, "paid": float(out["total"].sum()),
                     "cap_factor": factor, "earned": earned}
    return out


def np_answer(ev: dict, ids) -> dict:
    """The peer's answer in the saved form: members ordered by id."""
    import numpy as np

    m = ev["member"]
    order = np.argsort(ids[m], kind="stable")
    ans = {"ids": ids[m][order]}
    for c in (*FLOAT_COLUMNS, "active", "rank", "next_rank"):
        v = np.asarray(ev[c])[m][order]
        ans[c] = np.nan_to_num(v, nan=NO_GAP) if c in FLOAT_COLUMNS else v.astype(np.int64)
    ans["totals"] = np.array([ev["totals"][t] for t in TOTALS])
    return ans


def downline_answer(ev) -> dict:
    """downline's Evaluation in the saved form."""
    import numpy as np

    f = ev.participants.sort_index()
    ans = {"ids": f.index.to_numpy()}
    for c in FLOAT_COLUMNS:
        ans[c] = np.nan_to_num(f[c].to_numpy(dtype=np.float64), nan=NO_GAP)
    ans["active"] = f["active"].to_numpy().astype(np.int64)
    for c in ("rank", "next_rank"):
        ans[c] = f[c].cat.codes.to_numpy().astype(np.int64)
    ans["totals"] = np.array([ev.totals[t] for t in TOTALS], dtype=np.float64)
    return ans


# ======================================================================================
# children
# ======================================================================================
def load(data: Path, scale: float):
    import downline as dl

    people, orders = harness.load_frames(data)
    orders["pv"] *= scale
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    return people, orders, net


def child(tool: str, data: Path, results: Path, repeat: int, scale: float, generation_rank: str = "",
          run_columns: str = "") -> dict:
    import numpy as np
    import downline as dl

    plan = dl.CompensationPlan.example()
    if generation_rank:  # the small check: generations from a rank the company holds
        doc = plan.to_dict()
        doc["generation"]["rank"] = generation_rank
        plan = dl.CompensationPlan(doc)
    out: dict = {"tool": tool}
    if tool == "downline":
        _, orders, net = load(data, scale)
        act = net.activity(orders)
        del orders
        out["rss_before_bytes"] = harness._status_kb("VmRSS:") * 1024
        out["evaluate"], ev = peers.measure_runs(lambda: plan.evaluate(net, act, start=MONTH_START, end=MONTH_END),
                                                 repeat)
        out["volumes"], _ = peers.measure_runs(lambda: net.volumes(act, MONTH_START, MONTH_END), repeat)
        out["ranks"] = {str(k): int(v) for k, v in ev.ranks.items()}
        out["totals"] = {k: float(v) for k, v in ev.totals.items()}
        out["members"] = len(ev.participants)
        peers.save_answer(results, "plan", "downline", downline_answer(ev))
        out["threads"] = dl.num_threads()
    elif tool == "numpy":
        people, orders, _ = load(data, scale)
        plan_doc = plan.to_dict()  # (the Python dict of the JSON document)
        t0 = time.perf_counter()
        tree = np_tree(people)
        mapped = np_orders(orders, tree, 1.0)  # the PV is scaled already
        out["prepare_seconds"] = time.perf_counter() - t0
        del orders
        lo, hi = day_number(MONTH_START), day_number(MONTH_END)
        out["evaluate"], ev = peers.measure_runs(lambda: np_evaluate(plan_doc, tree, mapped, lo, hi), repeat)
        ans = np_answer(ev, tree["ids"])
        out["checks"] = peers.check_answer(results, "plan", "numpy", ans)
        # for the SQL's check: capped GV under each rank's leg cap and the active frontline, by id
        m = ev["member"]
        order = np.argsort(tree["ids"][m], kind="stable")
        peers.save_answer(results, "plan", "numpy", {"capped": ev["capped"][m][order]})
    elif tool == "run":
        _, orders, net = load(data, scale)
        act = net.activity(orders)
        del orders
        columns = [c for c in run_columns.split(",") if c] or None
        st, res = peers.measure_runs(lambda: plan.run(net, act, start=RUN_START, end=RUN_END, columns=columns), 1)
        frames = [res.participants, res.rank_changes, res.totals, res.ranks]
        out["columns"] = list(res.participants.columns)
        out["run"] = st
        out["periods"] = len(res.periods)
        out["rows"] = len(res.participants)
        out["result_bytes"] = int(sum(f.memory_usage(deep=True).sum() for f in frames))
        out["hwm_bytes"] = harness._status_kb("VmHWM:") * 1024
    return out


# ======================================================================================
# PostgreSQL: GV by recursive SQL, then the rank inputs
# ======================================================================================
def sql_rank_inputs(plan: dict, scale: float) -> str:
    limits = [r["max_leg_share"] * r["gv"] if "gv" in r and "max_leg_share" in r else None for r in plan["ranks"]]
    capped = ", ".join(f"COALESCE(m.pv, 0) + COALESCE(SUM({'g.gv' if x is None else f'LEAST(COALESCE(g.gv, 0), {x!r})'}), 0)"
                       for x in limits)
    month = peers.sql_month_pv().replace("SUM(pv) AS pv", f"SUM(pv) * {scale!r} AS pv")
    return f"""WITH RECURSIVE closure(ancestor, member) AS (
    SELECT id, id FROM participants
  UNION ALL
    SELECT c.ancestor, p.id FROM closure c JOIN participants p ON p.sponsor_id = c.member
), month AS ({month}), gv AS (
  SELECT c.ancestor AS id, COALESCE(SUM(m.pv), 0) AS gv FROM closure c LEFT JOIN month m ON m.participant_id = c.member
  GROUP BY c.ancestor
)
SELECT p.id, MAX(own.gv), {capped.replace('m.pv', 'mine.pv')},
       COUNT(*) FILTER (WHERE m.pv >= {plan['active_pv']!r})
FROM participants p JOIN gv own ON own.id = p.id LEFT JOIN month mine ON mine.participant_id = p.id
LEFT JOIN participants c ON c.sponsor_id = p.id LEFT JOIN gv g ON g.id = c.id
LEFT JOIN month m ON m.participant_id = c.id
GROUP BY p.id, mine.pv"""


def postgres_plan(pg: peers.Postgres, data: Path, results: Path, repeat: int, scale: float) -> dict:
    import numpy as np
    import pandas as pd
    import downline as dl

    plan = dl.CompensationPlan.example().to_dict()
    query = sql_rank_inputs(plan, scale)
    out = results / "postgres_plan.csv"
    res = pg.measured([peers.sql_copy(query)], out, repeat)
    res["sql"] = query
    if res["status"] != "ok":
        return res
    R = len(plan["ranks"])
    frame = pd.read_csv(out, header=None, index_col=0)
    ids = np.load(results / "downline_plan_ids.npy")
    frame = frame.reindex(ids)
    got = frame.to_numpy(dtype=np.float64)
    res["checks"] = [peers.compare("SQL gv", got[:, 0], np.load(results / "downline_plan_gv.npy")),
                     peers.compare("SQL capped GV per rank", got[:, 1:1 + R], np.load(results / "numpy_plan_capped.npy"))]
    out.unlink()
    peers.raise_on_failed_checks(res, "plan / PostgreSQL")
    return res


# ======================================================================================
# one size
# ======================================================================================
def bench_size(n: int, args: argparse.Namespace, tmp: Path) -> dict:
    repeat = args.repeat or (3 if args.quick or n >= 5_000_000 else 5)
    sql = not args.no_sql and n <= args.sql_max
    data, facts = peers.ensure_data(n, args.orders_per_participant, tmp, csv=sql)
    say(f"n={n:,}: {facts['orders']:,} orders; {peers.depth_line(facts)}")
    r: dict = {"n": n, "repeat": repeat, "data": facts, "scale": args.pv_scale}
    results = Path(tempfile.mkdtemp(prefix=f"plan-{n}-", dir=tmp))
    run = peers.Runner(args, data, results, facts["as_of"], repeat, script=SCRIPT)
    extra = ("--pv-scale", repr(args.pv_scale))
    pg = peers.Postgres(tmp, args.sql_timeout) if sql else None
    try:
        say(f"n={n:,}: evaluate / volumes (downline) ...")
        r["downline"] = ok(run.child("plan", "downline", extra=extra), "downline")
        say(f"n={n:,}: evaluate {fmt_t(r['downline']['evaluate']['median'])}, volumes "
            f"{fmt_t(r['downline']['volumes']['median'])}; ranks {r['downline']['ranks']}")
        r["missing_ranks"] = [k for k, v in r["downline"]["ranks"].items() if v == 0]
        if r["missing_ranks"]:
            say(f"n={n:,}: WARNING: no one holds {', '.join(r['missing_ranks'])} (PV x {args.pv_scale:g})")
        say(f"n={n:,}: numpy peer ...")
        r["numpy"] = run.child("plan", "numpy", extra=extra)
        say(f"n={n:,}: numpy {fmt_t(r['numpy']['evaluate']['median'])} (equal to downline's)")
        if not args.no_run:
            cols = "" if n <= args.run_max else args.large_run_columns
            say(f"n={n:,}: 24-month run ({'every column' if not cols else 'columns ' + cols}) ...")
            r["run"] = run.child("plan", "run", extra=extra + ("--run-columns", cols))
            say(f"n={n:,}: run {r['run']['status']}")
        if pg is not None:
            say(f"n={n:,}: PostgreSQL: starting a private cluster on 127.0.0.1:{pg.port} ...")
            pg.start()
            r["postgres_version"] = pg.version()
            load = peers.postgres_load(pg, data, 1, r)
            if load["status"] == "ok":
                say(f"n={n:,}: recursive SQL (limit {args.sql_timeout:g} s) ...")
                r["postgres"] = postgres_plan(pg, data, results, 1, args.pv_scale)
                say(f"n={n:,}: SQL {r['postgres']['status']}")
            else:
                r["postgres"] = {"status": load["status"], "error": "the \\copy load failed"}
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(results, ignore_errors=True)
    return r


def ok(res: dict, what: str) -> dict:
    """A child's result that the rest needs: an error stops the benchmark."""
    if res.get("status") != "ok":
        raise CheckFailed(f"{what}: {res.get('status')} {res.get('error', '')}")
    return res


def check_small(args: argparse.Namespace, tmp: Path) -> dict:
    """The numpy peer against downline on a small company, before any timing."""
    data, _ = peers.ensure_data(CHECK_SIZE, args.orders_per_participant, tmp, csv=False)
    checks, ranks = 0, {}
    for generation_rank in ("", CHECK_GENERATION_RANK):
        results = Path(tempfile.mkdtemp(prefix="plan-check-", dir=tmp))
        try:
            run = peers.Runner(args, data, results, "-", 1, script=SCRIPT)
            extra = ("--pv-scale", repr(args.pv_scale), "--generation-rank", generation_rank)
            held = ok(run.child("plan", "downline", extra=extra), "check / downline")["ranks"]
            ranks = ranks or held
            checks += len(ok(run.child("plan", "numpy", extra=extra), "check / numpy")["checks"])
        finally:
            shutil.rmtree(results, ignore_errors=True)
    say(f"check on {CHECK_SIZE:,} participants: {checks} checks equal; ranks {ranks}")
    return {"n": CHECK_SIZE, "checks": checks, "ranks": ranks}


# ======================================================================================
# the report
# ======================================================================================
def seconds(res: Optional[dict], key: str = "evaluate") -> tuple[Optional[float], bool]:
    if not res:
        return None, False
    if res.get("status") == "ok":
        return res[key]["median"], False
    if res.get("status") == "timeout":
        return res.get("limit"), True
    return None, False


def cell(res: Optional[dict], key: str, limit: float) -> str:
    if not res:
        return "not run"
    if res.get("status") == "ok":
        st = res[key]
        return f"{fmt_t(st['median'])} [{fmt_t(st['min'])}]"
    return peers.STATUS_TEXT.get(res.get("status"), "failed").format(limit=peers.limit_text(limit))


def ratio(t: Optional[float], lower: bool, ref: Optional[float]) -> str:
    return peers.ratio_text(t, lower, ref)


def size_section(r: dict, args: argparse.Namespace) -> list[str]:
    f, dlr = r["data"], r["downline"]
    ev, _ = seconds(dlr)
    lines = [f"## {r['n']:,} participants, {f['orders']:,} orders ({r['repeat']} runs, median [min])", "",
             f"Data: {peers.depth_line(f)}; {f['month_orders']:,} orders in the month, PV x {r['scale']:g}. "
             f"Members in the month: {dlr['members']:,}. Ranks held: "
             + ", ".join(f"{k} {v:,}" for k, v in dlr["ranks"].items())
             + f". Sales {dlr['totals']['sales']:,.0f}, paid {dlr['totals']['paid']:,.0f} (cap factor "
               f"{dlr['totals']['cap_factor']:.4g}).", "",
             "| path | time | peak extra | vs downline evaluate |", "|---|---|---|---|"]
    rows = [("downline `plan.evaluate(net, act, start, end)`", dlr, "evaluate"),
            ("downline `net.volumes(act, start, end)` (full table)", dlr, "volumes"),
            ("numpy peer (plan only; tree prepared apart)", r.get("numpy"), "evaluate")]
    for label, res, key in rows:
        t, lower = seconds(res, key)
        pk = res.get(key, {}).get("peak_extra_bytes") if res and res.get("status") == "ok" else None
        lines.append(f"| {label} | {cell(res, key, args.timeout)} | {fmt_mb(pk)} | "
                     f"{'1.00x' if res is dlr and key == 'evaluate' else ratio(t, lower, ev)} |")
    pgr = r.get("postgres")
    if pgr:
        res = {**pgr, "limit": args.sql_timeout}
        t, lower = seconds(res, "whole")
        lines.append(f"| PostgreSQL {r.get('postgres_version', '')}: recursive GV + capped GV per rank + active "
                     f"frontline | {cell(res, 'whole', args.sql_timeout)} | "
                     f"{fmt_mb(pgr.get('whole', {}).get('peak_extra_bytes'))} | {ratio(t, lower, ev)} |")
    rn = r.get("run")
    if rn and rn.get("status") == "ok":
        st = rn["run"]
        beyond = st["peak_extra_bytes"] - rn["result_bytes"]
        lines.append(f"| downline `plan.run` over {rn['periods']} months (1 run) | {fmt_t(st['median'])} | "
                     f"{fmt_mb(st['peak_extra_bytes'])} | - |")
        lines += ["", f"24-month run, columns {', '.join(rn.get('columns', ['all']))}: {rn['rows']:,} result rows; result "
                      f"frames {fmt_mb(rn['result_bytes'])}; peak "
                      f"beyond the RSS before the run {fmt_mb(st['peak_extra_bytes'])} (process peak "
                      f"{fmt_mb(st['peak_total_bytes'])}); beyond the result frames {fmt_mb(beyond)} = "
                      f"{beyond / r['n']:.0f} bytes per participant."]
    elif rn:
        lines += ["", f"24-month run: {rn.get('status')} {rn.get('error', '')}"]
    if r.get("numpy"):
        lines += ["", f"numpy peer: preparing the tree (ids, sponsor rows, depth levels, per-level groups) and "
                      f"mapping the orders took {fmt_t(r['numpy']['prepare_seconds'])} (not in its row, as "
                      f"downline's network and Activity are not in evaluate's); "
                      f"{len(r['numpy']['checks'])} checks equal to downline's answer."]
    lines.append("")
    return lines


def targets_for(results: list[dict], args: argparse.Namespace) -> list[tuple]:
    out = []
    for r in results:
        lab = size_label(r["n"])
        ev, _ = seconds(r["downline"])
        vol, _ = seconds(r["downline"], "volumes")
        out.append((f"[{lab}] evaluate at most {TARGET_VS_VOLUMES:g}x the volumes table", ev / vol <= TARGET_VS_VOLUMES,
                    f"{fmt_t(ev)} / {fmt_t(vol)} = {ev / vol:.2f}x"))
        t, lower = seconds(r.get("numpy"))
        if t:
            out.append((f"[{lab}] downline >= {TARGET_VS_NUMPY:g}x faster than the numpy peer",
                        t / ev >= TARGET_VS_NUMPY, f"{fmt_t(t)} / {fmt_t(ev)} = {t / ev:.1f}x"))
        pgr = r.get("postgres")
        if pgr:
            t, lower = seconds({**pgr, "limit": args.sql_timeout}, "whole")
            if t:
                ok = peers.at_least(t / ev, TARGET_VS_SQL, lower)
                out.append((f"[{lab}] downline >= {TARGET_VS_SQL:g}x faster than the recursive SQL", ok,
                            f"{'> ' * lower}{fmt_t(t)} / {fmt_t(ev)} = {'>' * lower}{t / ev:,.0f}x"
                            f"{peers.stopped_note(ok, lower)}"))
            else:
                out.append((f"[{lab}] downline >= {TARGET_VS_SQL:g}x faster than the recursive SQL", None,
                            pgr.get("status", "?")))
        rn = r.get("run")
        if rn and rn.get("status") == "ok":
            per = (rn["run"]["peak_extra_bytes"] - rn["result_bytes"]) / r["n"]
            out.append((f"[{lab}] 24-month run: memory beyond the result frames <= {TARGET_BYTES:g} bytes per "
                        f"participant", per <= TARGET_BYTES, f"{per:.0f} bytes"))
    return out


def report(results: list[dict], args: argparse.Namespace, wall: float, small: dict) -> str:
    threads = next((r["downline"].get("threads") for r in results), "?")
    lines = peers.report_head("Compensation plans (issue 24)", threads, "", wall)
    lines += [f"Plan: `dl.CompensationPlan.example()`. The numpy peer was first checked equal to downline on "
              f"{small['n']:,} participants ({small['checks']} checks; ranks held "
              + ", ".join(f"{k} {v:,}" for k, v in small["ranks"].items()) + ").", ""]
    for r in results:
        lines += size_section(r, args)
    lines += harness.target_lines(targets_for(results, args))
    return "\n".join(lines)


# ======================================================================================
# main
# ======================================================================================
def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.common_arguments(ap, "20,000 participants, 3 runs per path", "path")
    peers.guarded_arguments(ap)
    ap.add_argument("--pv-scale", type=float, default=PV_SCALE, help="the orders' PV is multiplied by this")
    ap.add_argument("--sql-timeout", type=float, default=SQL_TIMEOUT, help="seconds the recursive SQL may take")
    ap.add_argument("--sql-max", type=int, default=1_000_000, help="no SQL above this many participants")
    ap.add_argument("--run-max", type=int, default=1_000_000,
                    help="the 24-month run keeps every column up to this many participants ...")
    ap.add_argument("--large-run-columns", default=LARGE_RUN_COLUMNS,
                    help="... and only these above (comma-separated; every column at 10M would take ~24 GB)")
    ap.add_argument("--run-columns", default="", help=argparse.SUPPRESS)
    ap.add_argument("--no-sql", action="store_true", help="leave PostgreSQL out")
    ap.add_argument("--no-run", action="store_true", help="leave the 24-month run out")
    ap.add_argument("--tasks", help=argparse.SUPPRESS)
    ap.add_argument("--generation-rank", default="", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[1], Path(args.data), Path(args.results), max(args.repeat, 1),
                               args.pv_scale, args.generation_rank, args.run_columns)))
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # runs the finally blocks (the cluster is stopped)
    if not args.no_sql:
        peers.ensure_packages(["postgres"])
    tmp = harness.cache_dir(args)
    os.chmod(tmp, 0o755)  # the postgres user reaches its cluster's directory inside
    small = check_small(args, tmp)
    return harness.run_sizes(args, 20_000, lambda n: bench_size(n, args, tmp),
                             lambda results, wall: report(results, args, wall, small))


if __name__ == "__main__":
    sys.exit(main())
