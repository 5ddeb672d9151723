#!/usr/bin/env python
"""downline against the tools a user would pick instead (issue 7), on the same data and tasks.

One command runs everything (Debian 12, as root or with sudo: missing Debian packages are
installed with apt-get first):

    .venv/bin/python benchmarks/peers.py [--sizes 1000000,10000000] [--quick] [--repeat R]
                                         [--tasks load,gv,...] [--tools pandas,networkx,...]
                                         [--out FILE.md] [--json FILE.json] [--tmp DIR]

Data (``generate``, deterministic, seed 2024): heavy-tailed recruiting (preferential
attachment: a recruit's sponsor is a random earlier participant, recent ones more likely,
or with probability 0.5 that participant's sponsor), which gives a bulk ~30 levels deep,
mixed with a few long lines of sponsorship (consecutive enrolments each sponsoring the
next, 30 to 500 long, with recruits of their own below them): depths up to ~500. About 8
orders per participant (geometric counts) from enrolment over a life of ~18 months, up to
2024-06-30, ~2 % refunds; rows of both tables in random order; ``region``: 100 groups. Written once per
size under ``--tmp`` as ``participants.csv`` (id,sponsor_id,enrolled_on,kind,region; empty
sponsor for roots) and ``orders.csv`` (participant_id,ordered_on,amount,pv; ISO dates), and
as ``.npy`` columns that the in-memory tasks rebuild into the DataFrames pandas would read
(``load_frames`` of benchmarks/run.py). GV month: [2023-01-01, 2023-02-01); as of: the day
of the last order.

Every (task, tool) runs in a fresh Python subprocess (peak memory does not mix) under a
timeout of 10 minutes per run (``--timeout``: a peer that runs out of it is killed and
reported as "> 10 min") and a memory guard (the child is killed, "out of memory", when its
RSS passes ``--max-memory-gb`` or the machine has less than 1 GiB available). Times are
the median of R runs (fewer once a path has used 60 s), the minimum in brackets. The rows:

* **load** (both CSVs into DataFrames): *downline* ``dl.read_participants`` (with
  ``categories=["region"]``: the group label) + ``dl.read_orders``; *pandas* ``pd.read_csv`` with
  ``dtype=`` and ``parse_dates=``; *PostgreSQL* ``\\copy`` of both files into the tables;
  *floor* one pass over the files' bytes (read in 16 MiB blocks, newlines counted by numpy);
  *hand-written parser* a single-thread C parser compiled on the fly (``gcc -O2``): whole
  file read, ints, ISO dates to day numbers, kinds to codes, decimals, into column arrays.
* **gv** (one month's PV rolled up every downline, from the DataFrames): *downline*
  ``Network.from_frame`` + ``net.volumes(orders, start, end, columns=["gv"])``; *pandas/numpy*
  run.py's numpy peer (``get_indexer``, pointer-jumping depths, ``np.bincount`` per level);
  *NetworkX* a ``DiGraph`` of the sponsor edges, PV by ``groupby().sum()``, GV accumulated in
  reverse ``topological_sort`` order; *python-igraph* ``Graph.add_edges`` on mapped rows,
  ``topological_sorting``, accumulation over Python lists in reverse order; *PostgreSQL* the
  back-office recursive SQL (every participant's downline by ``WITH RECURSIVE`` over the
  sponsor index, joined to the month's PV, summed); *floor* one streaming pass (numpy
  reduction, one thread) over ids, sponsor ids, order participant ids, dates and pv.
* **volumes** (the full table: pv, gv, level_1..3, power_leg, lesser_legs, downline,
  active_downline, frontline, depth, height): *downline* ``from_frame`` +
  ``net.volumes(orders, start, end)``; *pandas/numpy* run.py's building blocks plus level
  volumes by ``np.bincount`` per generation, heights and power legs per depth level;
  *PostgreSQL* one recursive closure (ancestor, member, level) with ``FILTER`` aggregates;
  *floor* as for gv.
* **lifecycle**: *downline* ``dl.lifecycle(orders, as_of)``; *pandas* segment.py's peer (the
  faster of its two grouping variants); *PostgreSQL* ``COUNT(DISTINCT ordered_on)``, ``MAX``
  per customer, tiers by ``CASE``, ``GROUP BY``; *floor* over participant ids and dates.
* **km** (Kaplan-Meier by region): *downline* ``dl.churn`` + ``dl.KaplanMeier().fit(...,
  groups=region)``; *pandas + statsmodels* retention.py's peer (``groupby().max()``, 100 x
  ``SurvfuncRight``); *floor* over order ids and dates, participant ids, enrolment and region.
* **cohort**: *downline* ``dl.cohort_retention(orders, as_of)``; *pandas* retention.py's peer;
  *PostgreSQL* distinct (customer, month), first month per customer, ``GROUP BY``; *floor*
  over order ids and dates.

PostgreSQL 15 (Debian's) runs as a private cluster (initdb in a temp dir owned by
``postgres``, on 127.0.0.1 and a free port, fsync and synchronous commit off, 2 parallel
workers per gather), indexed (primary key, sponsor_id, participant_id, ordered_on) and
analysed after the load; only the SQL is timed (psql's ``\\timing``, the answer written by
``COPY (...) TO STDOUT``), with ``statement_timeout`` as the timeout. Its memory is the
cluster's summed proportional set size (Pss), sampled every 0.1 s. The cluster is stopped at
the end, also on errors.

Every peer's answer is checked against downline's (counts exactly, sums to 1e-9 relative),
and every loader's columns against the generated ones; a mismatch aborts with exit code 1
(a benchmark that compares different answers is worthless). Targets: each analysis task at
least 30x faster than its best peer (cohort 50x), gv and volumes 1000x faster than the
recursive SQL, every task within 3x of its floor, and the CSV load within 1.5x of the
hand-written parser; PASS/FAIL lines do not change
the exit code (exit 2: a tool failed with an error). See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Optional

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import retention  # noqa: E402  (benchmarks/retention.py: the pandas + statsmodels peers)
import run as harness  # noqa: E402  (benchmarks/run.py: data files, Peak/measure, numpy peer, formatting)
import segment  # noqa: E402  (benchmarks/segment.py: the pandas life-cycle peer)
from run import CheckFailed, fmt_mb, fmt_t, fmt_x, size_label  # noqa: E402

TASKS = ("load", "gv", "volumes", "lifecycle", "km", "cohort")
TASK_TITLES = {"load": "Load both CSVs", "gv": "GV for everyone (1 month)", "volumes": "Full volumes table (1 month)",
               "lifecycle": "Life-cycle matrix", "km": "Kaplan-Meier by region (100 groups)",
               "cohort": "Cohort matrix"}
PEERS = ("pandas", "networkx", "igraph", "postgres")
TOOLS = ("downline", *PEERS, "floor")
# which tools have a path for which task (the floor and the C parser come with "floor")
PLAN = {"load": ("downline", "pandas", "postgres"), "gv": ("downline", "pandas", "networkx", "igraph", "postgres"),
        "volumes": ("downline", "pandas", "postgres"), "lifecycle": ("downline", "pandas", "postgres"),
        "km": ("downline", "pandas"), "cohort": ("downline", "pandas", "postgres")}
TOOL_LABELS = {
    ("load", "downline"): "downline: dl.read_participants + dl.read_orders",
    ("load", "pandas"): "pandas: read_csv(dtype=..., parse_dates=...)",
    ("load", "postgres"): "PostgreSQL: \\copy into tables",
    ("gv", "downline"): "downline: from_frame + volumes(columns=[gv])",
    ("gv", "pandas"): "pandas/numpy: get_indexer, pointer jumping, bincount per level",
    ("gv", "networkx"): "NetworkX: DiGraph, reverse topological_sort",
    ("gv", "igraph"): "python-igraph: add_edges, topological_sorting, list loop",
    ("gv", "postgres"): "PostgreSQL: WITH RECURSIVE downline closure, SUM",
    ("volumes", "downline"): "downline: from_frame + volumes(orders, start, end)",
    ("volumes", "pandas"): "pandas/numpy: bincount per level and generation",
    ("volumes", "postgres"): "PostgreSQL: WITH RECURSIVE closure, FILTER aggregates",
    ("lifecycle", "downline"): "downline: dl.lifecycle(orders, as_of)",
    ("lifecycle", "pandas"): "pandas: segment.py's peer",
    ("lifecycle", "postgres"): "PostgreSQL: COUNT(DISTINCT), MAX, CASE, GROUP BY",
    ("km", "downline"): "downline: dl.churn + KaplanMeier().fit(groups=region)",
    ("km", "pandas"): "pandas + statsmodels: groupby().max(), SurvfuncRight per region",
    ("cohort", "downline"): "downline: dl.cohort_retention(orders, as_of)",
    ("cohort", "pandas"): "pandas: drop_duplicates, transform('min'), size",
    ("cohort", "postgres"): "PostgreSQL: DISTINCT (customer, month), MIN, GROUP BY",
}
DEBIAN_PACKAGES = {"networkx": ["python3-networkx"], "igraph": ["python3-igraph"], "postgres": ["postgresql-15"],
                   "pandas": ["python3-statsmodels"], "floor": ["gcc", "libc6-dev"]}
PG_BIN = Path("/usr/lib/postgresql/15/bin")

TARGET_PEER = 30.0  # downline at least this many times faster than the best peer...
TARGET_PEER_COHORT = 50.0  # ... and this for the cohort matrix
TARGET_RECURSIVE_SQL = 1000.0  # against the recursive SQL (gv, volumes)
TARGET_FLOOR = 3.0  # downline within this of its floor
TARGET_PARSER = 1.5  # the CSV load within this of the hand-written parser

TIMEOUT = 600.0  # seconds per run of a path (--timeout)
PREPARE_TIMEOUT = 600.0  # seconds a child may take to load its data before the first run
REPEAT_BUDGET = 60.0  # no more runs of a path once its runs took this long in all
MIN_AVAILABLE = 1 << 30  # kill a child when the machine has less memory available than this
RTOL, ATOL = 1e-9, 1e-6  # sums; counts are compared exactly

# the generated company
SEED = 2024
DATA_VERSION = 1  # bump when the generator changes (the cached files are named after it)
ID_BASE = 1_000_000
KINDS = ("customer", "member", "distributor")
KIND_SHARES = (0.60, 0.25, 0.15)
REGIONS = 100
ENROL_FIRST = "2019-01-01"
ENROL_DAYS = 5 * 365
ORDERS_LAST = "2024-06-30"
LIFE_MEAN_DAYS = 540.0
COPY_SPONSOR = 0.5  # preferential attachment: take the sponsor of the random earlier participant
RECENT_BIAS = 3.0  # that participant is the u**3 quantile back from the newest (u uniform): recent ones recruit
LINE_MIN, LINE_MAX = 30, 500  # long lines of sponsorship
REFUNDS = 0.02
MONTH_START, MONTH_END = harness.MONTH_START, harness.MONTH_END  # run.py's numpy peer computes this month


# ======================================================================================
# setup: Debian packages, the hand-written parser
# ======================================================================================
def say(msg: str) -> None:
    print(f"[peers] {msg}", file=sys.stderr, flush=True)


def ensure_packages(tools: list[str]) -> None:
    """Installs the Debian packages the chosen tools need (apt-get, as root or with sudo)."""
    want = [p for t in tools for p in DEBIAN_PACKAGES.get(t, [])]
    missing = [p for p in want if subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True,
                                                 text=True).stdout != "install ok installed"]
    if not missing:
        return
    say(f"installing Debian packages: {' '.join(missing)}")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], check=True, env=env,
                   stdout=subprocess.DEVNULL)


# A single-thread reference parser of the two CSV files (layout known, as a hand-written
# loader would be): the whole file read, then every field parsed into column arrays. Prints
# "@run" before each run and one JSON line of times and checksums.
CSV_PARSER_C = r"""
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void fail(const char *what, size_t row) {
  fprintf(stderr, "parse error: %s at data row %zu\n", what, row);
  exit(2);
}

static char *slurp(const char *path, size_t *len) {
  int fd = open(path, O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) { perror(path); exit(2); }
  size_t size = (size_t)st.st_size, got = 0;
  char *buf = malloc(size + 1);
  if (!buf) { perror("malloc"); exit(2); }
  while (got < size) {
    ssize_t r = read(fd, buf + got, size - got);
    if (r <= 0) { perror(path); exit(2); }
    got += (size_t)r;
  }
  close(fd);
  buf[size] = 0;
  *len = size;
  return buf;
}

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static const char *int_field(const char *p, int64_t *out) {
  int neg = *p == '-';
  p += neg;
  int64_t v = 0;
  while ((unsigned)(*p - '0') < 10u) v = v * 10 + (*p++ - '0');
  *out = neg ? -v : v;
  return p;
}

static const char *date_field(const char *p, int32_t *out) {
  const int64_t y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
  const int64_t m = (p[5] - '0') * 10 + (p[6] - '0'), d = (p[8] - '0') * 10 + (p[9] - '0');
  *out = (int32_t)days_from_civil(y, m, d);
  return p + 10;
}

/* the peak RSS of this program (ru_maxrss would include the RSS of the process that
   started it: Linux keeps the maximum across exec) */
static long hwm_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "VmHWM:", 6) == 0) kb = atol(line + 6);
  if (f) fclose(f);
  return kb;
}

static const double POW10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

/* decimal digits with an optional fraction: mantissa / 10^k, both exact doubles, so the
   quotient is correctly rounded (the same double as strtod); strtod for anything else */
static const char *decimal_field(const char *p, double *out) {
  const char *start = p;
  int neg = *p == '-', digits = 0, frac = 0;
  p += neg;
  int64_t mant = 0;
  while ((unsigned)(*p - '0') < 10u) { mant = mant * 10 + (*p++ - '0'); ++digits; }
  if (*p == '.') {
    ++p;
    while ((unsigned)(*p - '0') < 10u) { mant = mant * 10 + (*p++ - '0'); ++digits; ++frac; }
  }
  if (*p == 'e' || *p == 'E' || digits > 15) {
    char *end;
    *out = strtod(start, &end);
    return end;
  }
  const double v = (double)mant / POW10[frac];
  *out = neg ? -v : v;
  return p;
}

static const char *line_end(const char *p, size_t row) {
  if (*p == '\r') ++p;
  if (*p != '\n') fail("expected the end of the line", row);
  return p + 1;
}

static const char *KINDS[] = {"customer", "member", "distributor"};
static const size_t KIND_LENGTHS[] = {8, 6, 11};

typedef struct { int64_t *id, *sponsor; uint8_t *has; int32_t *day, *region; int8_t *kind; size_t n; } People;
typedef struct { int64_t *pid; int32_t *day; double *amount, *pv; size_t n; } Orders;

#define SEP(p, row) do { if (*(p) != ',') fail("expected ','", row); ++(p); } while (0)

static People parse_people(const char *buf, size_t len) {
  const size_t cap = len / 16 + 16;
  People t = {malloc(cap * 8), malloc(cap * 8), malloc(cap), malloc(cap * 4), malloc(cap * 4), malloc(cap), 0};
  const char *p = strchr(buf, '\n') + 1, *end = buf + len;
  while (p < end) {
    const size_t i = t.n++;
    p = int_field(p, &t.id[i]);
    SEP(p, i);
    t.has[i] = *p != ',';
    t.sponsor[i] = 0;
    if (t.has[i]) p = int_field(p, &t.sponsor[i]);
    SEP(p, i);
    p = date_field(p, &t.day[i]);
    SEP(p, i);
    const char *k = p;
    while (*p != ',' && *p != '\n') ++p;
    int code = -1;
    for (int c = 0; c < 3 && code < 0; ++c)
      if ((size_t)(p - k) == KIND_LENGTHS[c] && memcmp(k, KINDS[c], KIND_LENGTHS[c]) == 0) code = c;
    if (code < 0) fail("unknown kind", i);
    t.kind[i] = (int8_t)code;
    SEP(p, i);
    int64_t r;
    p = int_field(p, &r);
    t.region[i] = (int32_t)r;
    p = line_end(p, i);
  }
  return t;
}

static Orders parse_orders(const char *buf, size_t len) {
  const size_t cap = len / 16 + 16;
  Orders t = {malloc(cap * 8), malloc(cap * 4), malloc(cap * 8), malloc(cap * 8), 0};
  const char *p = strchr(buf, '\n') + 1, *end = buf + len;
  while (p < end) {
    const size_t i = t.n++;
    p = int_field(p, &t.pid[i]);
    SEP(p, i);
    p = date_field(p, &t.day[i]);
    SEP(p, i);
    p = decimal_field(p, &t.amount[i]);
    SEP(p, i);
    p = decimal_field(p, &t.pv[i]);
    p = line_end(p, i);
  }
  return t;
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: %s participants.csv orders.csv repeat\n", argv[0]); return 2; }
  const int repeat = atoi(argv[3]);
  double tp[64], to[64];
  long long sum_id = 0, n_has = 0, sum_sponsor = 0, sum_pday = 0, sum_region = 0, kinds[3] = {0, 0, 0};
  long long sum_pid = 0, sum_oday = 0;
  double sum_amount = 0, sum_pv = 0;
  size_t np = 0, no = 0;
  int runs = 0;
  double spent = 0;
  for (int r = 0; r < repeat && r < 64 && (r == 0 || spent < 60.0); ++r, ++runs) {
    printf("@run\n");
    fflush(stdout);
    size_t len;
    const double t0 = now();
    char *buf = slurp(argv[1], &len);
    People p = parse_people(buf, len);
    free(buf);
    const double t1 = now();
    buf = slurp(argv[2], &len);
    Orders o = parse_orders(buf, len);
    free(buf);
    const double t2 = now();
    tp[r] = t1 - t0;
    to[r] = t2 - t1;
    spent += t2 - t0;
    if (r == 0) {
      np = p.n;
      no = o.n;
      for (size_t i = 0; i < p.n; ++i) {
        sum_id += p.id[i];
        n_has += p.has[i];
        sum_sponsor += p.sponsor[i];
        sum_pday += p.day[i];
        sum_region += p.region[i];
        ++kinds[p.kind[i]];
      }
      for (size_t i = 0; i < o.n; ++i) {
        sum_pid += o.pid[i];
        sum_oday += o.day[i];
        sum_amount += o.amount[i];
        sum_pv += o.pv[i];
      }
    }
    free(p.id); free(p.sponsor); free(p.has); free(p.day); free(p.region); free(p.kind);
    free(o.pid); free(o.day); free(o.amount); free(o.pv);
  }
  printf("{\"participants_runs\": [");
  for (int r = 0; r < runs; ++r) printf("%s%.9f", r ? ", " : "", tp[r]);
  printf("], \"orders_runs\": [");
  for (int r = 0; r < runs; ++r) printf("%s%.9f", r ? ", " : "", to[r]);
  printf("], \"hwm_kb\": %ld, \"participants\": %zu, \"sum_id\": %lld, \"has_sponsor\": %lld, "
         "\"sum_sponsor\": %lld, \"sum_enrolled_day\": %lld, \"sum_region\": %lld, \"kinds\": [%lld, %lld, %lld], "
         "\"orders\": %zu, \"sum_participant_id\": %lld, \"sum_ordered_day\": %lld, \"sum_amount\": %.17g, "
         "\"sum_pv\": %.17g}\n", hwm_kb(), np, sum_id, n_has, sum_sponsor, sum_pday, sum_region, kinds[0],
         kinds[1], kinds[2], no, sum_pid, sum_oday, sum_amount, sum_pv);
  return 0;
}
"""


def build_parser(work: Path) -> Path:
    """Compiles CSV_PARSER_C with gcc -O2 into ``work``; returns the executable."""
    src = work / "csv_parser.c"
    exe = work / "csv_parser"
    src.write_text(CSV_PARSER_C)
    subprocess.run(["gcc", "-O2", "-std=c11", "-Wall", "-Werror", "-o", str(exe), str(src)], check=True)
    return exe


# ======================================================================================
# data: generated once per size, cached under --tmp
# ======================================================================================
def generate(n: int, orders_per_participant: float, data: Path) -> dict:
    """The company of ``n`` participants (see the module docstring), written to ``data`` as the
    .npy columns of benchmarks/run.py's ``make_data`` (plus ``p_region``; ``write_csv``
    writes the two CSV files). Returns facts about it (orders, depths, recruits)."""
    import numpy as np

    rng = np.random.default_rng(SEED)
    t0 = time.perf_counter()
    # participants in enrolment order: k's sponsor is enrolled before k
    roots = max(5, n // 10_000)
    n_lines = max(2, n // 100_000)
    lengths = np.rint(LINE_MIN * (LINE_MAX / LINE_MIN) ** rng.random(n_lines)).astype(np.int64)
    lengths[0] = LINE_MAX
    lengths = np.maximum(2, lengths * min(1.0, (n // 20) / lengths.sum())).astype(np.int64)  # at most 5 % of n
    room = int(0.6 * n) - roots - int(lengths.sum())
    starts = roots + np.sort(rng.choice(room, n_lines, replace=False)) + np.concatenate([[0], np.cumsum(lengths)[:-1]])
    sponsor = np.full(n, -1, dtype=np.int64)
    in_line = np.zeros(n, dtype=bool)
    for s, length in zip(starts, lengths):
        in_line[s + 1:s + length] = True  # the first of a line is recruited like anyone else
    sponsor[in_line] = np.flatnonzero(in_line) - 1
    a = roots
    while a < n:  # chunks of 2 %: each recruit picks among those enrolled before the chunk
        b = min(n, a + max(1, a // 50))
        rows = np.arange(a, b)[~in_line[a:b]]
        pick = a - 1 - (a * rng.random(len(rows)) ** RECENT_BIAS).astype(np.int64)
        up = sponsor[pick]
        sponsor[rows] = np.where((rng.random(len(rows)) < COPY_SPONSOR) & (up >= 0), up, pick)
        a = b
    has = sponsor >= 0
    _, depth = harness.np_levels(sponsor, has, "jump")
    recruits = np.bincount(sponsor[has], minlength=n)
    first_day = np.datetime64(ENROL_FIRST, "D").astype(np.int64)
    enrol = first_day + np.sort(rng.integers(0, ENROL_DAYS, n))
    kind = rng.choice(len(KINDS), n, p=KIND_SHARES).astype(np.int8)
    region = rng.integers(0, REGIONS, n).astype(np.int32)
    # orders: geometric counts (mean orders_per_participant), days over each one's life
    counts = rng.geometric(1.0 / (orders_per_participant + 1.0), n) - 1
    owner = np.repeat(np.arange(n), counts)
    last = np.minimum(enrol + rng.exponential(LIFE_MEAN_DAYS, n).astype(np.int64),
                      np.datetime64(ORDERS_LAST, "D").astype(np.int64))
    span = last - enrol + 1
    day = enrol[owner] + (rng.random(len(owner)) * span[owner]).astype(np.int64)
    amount = np.round(np.maximum(1.0, np.exp(rng.normal(3.8, 0.6, len(owner)))), 2)
    amount[rng.random(len(owner)) < REFUNDS] *= -1.0
    pv = np.round(amount * 0.8, 2)
    # ids unsorted (member numbers), rows of both tables in random order
    id_of = ID_BASE + rng.permutation(n).astype(np.int64)
    prow = rng.permutation(n)
    sp = sponsor[prow]
    orow = rng.permutation(len(owner))
    ns_day = np.int64(86_400 * 10**9)
    cols = {
        "p_id": id_of[prow],
        "p_sponsor": np.where(sp >= 0, id_of[np.maximum(sp, 0)], 0),
        "p_has_sponsor": sp >= 0,
        "p_enrolled_on": (enrol[prow] * ns_day).view("datetime64[ns]"),
        "p_kind": kind[prow],
        "p_region": region[prow],
        "o_participant_id": id_of[owner[orow]],
        "o_ordered_on": (day[orow] * ns_day).view("datetime64[ns]"),
        "o_amount": amount[orow],
        "o_pv": pv[orow],
    }
    del owner, day, amount, pv, orow
    for name, values in cols.items():
        np.save(data / f"{name}.npy", values)
    (data / "kinds.json").write_text(json.dumps(list(KINDS)))
    pct = np.percentile(depth, [50, 90, 99, 99.9], method="lower")
    return {
        "n": n, "orders": int(len(cols["o_pv"])), "roots": int((~has).sum()), "lines": int(n_lines),
        "line_lengths": [int(x) for x in sorted(lengths, reverse=True)],
        "max_depth": int(depth.max()),
        "depth_percentiles": {"p50": int(pct[0]), "p90": int(pct[1]), "p99": int(pct[2]), "p99.9": int(pct[3])},
        "deeper_than_30": int((depth > 30).sum()), "deeper_than_100": int((depth > 100).sum()),
        "max_recruits": int(recruits.max()), "recruiters": int((recruits > 0).sum()),
        "recruits_p99": int(np.percentile(recruits[recruits > 0], 99, method="lower")),
        "as_of": str(np.max(cols["o_ordered_on"]).astype("datetime64[D]")),
        "month_orders": int(((cols["o_ordered_on"] >= np.datetime64(MONTH_START))
                             & (cols["o_ordered_on"] < np.datetime64(MONTH_END))).sum()),
        "npy_seconds": time.perf_counter() - t0,
    }


def write_csv(data: Path) -> dict:
    """participants.csv and orders.csv of the .npy columns in ``data`` (dates written from a
    table of day labels: much faster than date_format). Returns their sizes and the time."""
    import numpy as np
    import pandas as pd

    t1 = time.perf_counter()
    names = ("p_id", "p_sponsor", "p_has_sponsor", "p_enrolled_on", "p_kind", "p_region", "o_participant_id",
             "o_ordered_on", "o_amount", "o_pv")
    cols = {name: np.load(data / f"{name}.npy") for name in names}
    ns_day = np.int64(86_400 * 10**9)
    lo = int(min(cols["p_enrolled_on"].view(np.int64).min(), cols["o_ordered_on"].view(np.int64).min()) // ns_day)
    hi = int(np.datetime64(ORDERS_LAST, "D").astype(np.int64))
    labels = np.datetime_as_string(np.arange(lo, hi + 1).astype("datetime64[D]"))

    def dates(ticks: np.ndarray) -> pd.Categorical:
        return pd.Categorical.from_codes(ticks.view(np.int64) // ns_day - lo, categories=labels)

    pd.DataFrame({"id": cols["p_id"], "sponsor_id": pd.arrays.IntegerArray(cols["p_sponsor"], ~cols["p_has_sponsor"]),
                  "enrolled_on": dates(cols["p_enrolled_on"]),
                  "kind": pd.Categorical.from_codes(cols["p_kind"], categories=list(KINDS)),
                  "region": cols["p_region"]}).to_csv(data / "participants.csv", index=False)
    o = {k[2:]: v for k, v in cols.items() if k.startswith("o_")}
    chunk = 5_000_000
    with open(data / "orders.csv", "w") as f:
        for start in range(0, len(o["pv"]), chunk):
            part = slice(start, start + chunk)
            pd.DataFrame({"participant_id": o["participant_id"][part], "ordered_on": dates(o["ordered_on"][part]),
                          "amount": o["amount"][part], "pv": o["pv"][part]}).to_csv(f, index=False,
                                                                                    header=start == 0)
    return {"csv_bytes": {f: (data / f).stat().st_size for f in ("participants.csv", "orders.csv")},
            "csv_seconds": time.perf_counter() - t1}


def ensure_data(n: int, opp: float, tmp: Path, csv: bool = True) -> tuple[Path, dict]:
    """The cached data of one size (generated when missing; the CSV files too when ``csv``):
    (directory, facts)."""
    data = tmp / f"data-{n}-opp{opp:g}-seed{SEED}-v{DATA_VERSION}"
    meta = data / "meta.json"
    if meta.is_file():
        facts = json.loads(meta.read_text())
    else:
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        say(f"n={n:,}: generating the data in {data} ...")
        facts = generate(n, opp, data)
        meta.write_text(json.dumps(facts, indent=1))
    if csv and "csv_bytes" not in facts:
        say(f"n={n:,}: writing the CSV files in {data} ...")
        facts.update(write_csv(data))
        meta.write_text(json.dumps(facts, indent=1))
    return data, facts


def depth_line(f: dict) -> str:
    p = f["depth_percentiles"]
    return (f"max depth {f['max_depth']} (median {p['p50']:g}, p90 {p['p90']:g}, p99 {p['p99']:g}, p99.9 "
            f"{p['p99.9']:g}; {f['deeper_than_30']:,} participants deeper than 30, {f['deeper_than_100']:,} deeper "
            f"than 100; {f['lines']} long lines of {', '.join(map(str, f['line_lengths'][:5]))}"
            f"{', ...' if f['lines'] > 5 else ''}); {f['roots']:,} roots; recruits per recruiter: p99 "
            f"{f['recruits_p99']:g}, max {f['max_recruits']:,}")


# ======================================================================================
# the peers (run in the children)
# ======================================================================================
def month_mask(orders: pd.DataFrame) -> np.ndarray:
    import numpy as np

    day = orders["ordered_on"].to_numpy()
    return (day >= np.datetime64(MONTH_START)) & (day < np.datetime64(MONTH_END))


def networkx_gv(people: pd.DataFrame, orders: pd.DataFrame) -> np.ndarray:
    """GV the NetworkX way: a DiGraph of sponsor -> recruit edges, the month's PV by pandas,
    then every participant after all of its recruits (reverse topological order)."""
    import networkx as nx
    import numpy as np

    ids = people["id"].to_numpy()
    sp = people["sponsor_id"]
    has = sp.notna().to_numpy()
    g = nx.DiGraph()
    g.add_nodes_from(ids.tolist())
    g.add_edges_from(zip(sp[has].to_numpy(dtype=np.int64).tolist(), ids[has].tolist()))
    if g.number_of_nodes() != len(ids):
        raise ValueError("duplicate participant ids or sponsors that are not participants")
    month = orders[month_mask(orders)]
    pv = month.groupby("participant_id")["pv"].sum()
    if not pv.index.isin(ids).all():
        raise ValueError("orders of participants not in the network")
    gv = dict.fromkeys(g, 0.0)
    gv.update(pv.to_dict())
    for node in reversed(list(nx.topological_sort(g))):  # raises on a cycle
        for child in g.successors(node):
            gv[node] += gv[child]
    return np.array([gv[i] for i in ids.tolist()])


def igraph_gv(people: pd.DataFrame, orders: pd.DataFrame) -> np.ndarray:
    """GV the python-igraph way: ids mapped to vertex numbers, a Graph of sponsor -> recruit
    edges, topological_sorting, then GV added into each sponsor in reverse order."""
    import igraph as ig
    import numpy as np

    lookup = harness.np_lookup(people["id"].to_numpy(), "index")
    parent, has = harness.np_parents(people, lookup)
    n = len(parent)
    g = ig.Graph(n=n, directed=True)
    kids = np.flatnonzero(has)
    g.add_edges(np.column_stack([parent[kids], kids]))
    order = g.topological_sorting(mode="out")
    if len(order) != n:
        raise ValueError("sponsor links form a cycle")
    m = month_mask(orders)
    pv = np.bincount(lookup(orders["participant_id"].to_numpy()[m]), weights=orders["pv"].to_numpy()[m], minlength=n)
    gv, up = pv.tolist(), parent.tolist()
    for v in reversed(order):
        p = up[v]
        if p >= 0:
            gv[p] += gv[v]
    return np.array(gv)


def numpy_volumes(people: pd.DataFrame, orders: pd.DataFrame, levels: int = 3,
                  idmap: str = "index") -> dict[str, np.ndarray]:
    """The full volumes table (DOMAIN.md) with numpy, written like run.py's numpy peer: ids
    by ``get_indexer`` (or ``idmap``, see run.py's np_lookup), depth levels by pointer
    jumping, subtree sums by ``np.bincount`` per level on a level-order layout
    (``bincount-compact``), level volumes by ``np.bincount`` per generation, heights and
    power legs by ``maximum.at`` per depth level."""
    import numpy as np

    kernel = "bincount-compact"
    lookup = harness.np_lookup(people["id"].to_numpy(), idmap)
    parent, has = harness.np_parents(people, lookup)
    rows_by_depth, depth = harness.np_levels(parent, has, "jump")
    n = len(parent)
    m = month_mask(orders)
    rows = lookup(orders["participant_id"].to_numpy()[m])
    opv = orders["pv"].to_numpy()[m]
    pv = np.bincount(rows, weights=opv, minlength=n)
    active = np.bincount(rows[opv > 0], minlength=n) > 0  # any order with pv > 0 in the period
    prep = harness.gv_prepare(kernel, parent, rows_by_depth, pv)

    def subtree_sums(values: np.ndarray) -> np.ndarray:
        p = {**prep, "pv": values[prep["order"]]}
        return harness.gv_to_rows(kernel, p, harness.gv_run(kernel, p))

    gv = subtree_sums(pv)
    kids = np.flatnonzero(has)
    up = parent[kids]
    out = {"pv": pv, "gv": gv}
    lv = pv
    for k in range(1, levels + 1):  # level k of X = level k-1 of X's recruits
        lv = np.bincount(up, weights=lv[kids], minlength=n)
        out[f"level_{k}"] = lv
    frontline = np.bincount(up, minlength=n)
    height = np.zeros(n, dtype=np.int64)
    power = np.full(n, -np.inf)
    for d in range(len(rows_by_depth) - 1, 0, -1):
        r = rows_by_depth[d]
        np.maximum.at(height, parent[r], height[r] + 1)
        np.maximum.at(power, parent[r], gv[r])
    power[frontline == 0] = 0.0
    out["power_leg"] = power
    out["lesser_legs"] = gv - pv - power
    out["downline"] = subtree_sums(np.ones(n)).astype(np.int64) - 1
    out["active_downline"] = subtree_sums(active.astype(np.float64)).astype(np.int64) - active
    out["frontline"] = frontline
    out["depth"] = depth.astype(np.int64)
    out["height"] = height
    return out


# ======================================================================================
# answers: what each path returns, in one form, and the checks against downline's
# ======================================================================================
VOLUME_COLUMNS = ("pv", "gv", "level_1", "level_2", "level_3", "power_leg", "lesser_legs", "downline",
                  "active_downline", "frontline", "depth", "height")


def cohort_answer(months: np.ndarray, counts: np.ndarray, sizes: np.ndarray, as_of: str) -> dict[str, np.ndarray]:
    """Cohort months from the first to as_of's (months since 1970-01), counts (cohort x k,
    0 where missing) and sizes, whatever months and columns the tool returned."""
    import numpy as np
    import pandas as pd

    last = int(np.datetime64(as_of, "M").astype(np.int64))
    every = np.arange(int(np.min(months)), last + 1)
    c = pd.DataFrame(np.asarray(counts, dtype=np.float64), index=np.asarray(months))
    c = c.reindex(index=every, columns=range(len(every))).fillna(0)
    s = pd.Series(np.asarray(sizes), index=np.asarray(months)).reindex(every).fillna(0)
    return {"months": every, "counts": c.to_numpy(dtype=np.int64), "sizes": s.to_numpy(dtype=np.int64)}


def save_answer(results: Path, task: str, tool: str, answer: dict) -> None:
    import numpy as np

    for name, values in answer.items():
        np.save(results / f"{tool}_{task}_{name}.npy", np.asarray(values))


def compare(what: str, got: Any, want: Any, exact: bool = False) -> dict:
    """One check: exact for integers and flags (and with ``exact``), 1e-9 relative (1e-6
    absolute) for floats."""
    import numpy as np

    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape:
        return {"check": what, "ok": False, "detail": f"shape {got.shape}, expected {want.shape}"}
    if not exact and (got.dtype.kind == "f" or want.dtype.kind == "f"):
        bad = ~np.isclose(got.astype(np.float64), want.astype(np.float64), rtol=RTOL, atol=ATOL)
    else:
        bad = got != want
    n_bad = int(bad.sum())
    if not n_bad:
        return {"check": what, "ok": True, "detail": ""}
    i = np.unravel_index(int(np.flatnonzero(bad.ravel())[0]), bad.shape)
    return {"check": what, "ok": False, "detail": f"{n_bad:,} value(s) differ; first at {tuple(map(int, i))}: "
                                                  f"{got[i]!r}, expected {want[i]!r}"}


def check_answer(results: Path, task: str, tool: str, got: dict) -> list[dict]:
    """The checks of a peer's answer against downline's saved one."""
    import numpy as np

    def want(name: str) -> np.ndarray:
        return np.load(results / f"downline_{task}_{name}.npy")

    if task != "km" or "observed" in got:  # an answer of downline's form: name by name
        return [compare(f"{task} {name} ({tool})", values, want(name)) for name, values in got.items()]
    # Kaplan-Meier: statsmodels lists event times only, downline every distinct time of a group
    checks = [compare(f"churn {c} ({tool})", got[c], want(c)) for c in ("ids", "duration", "churned")]
    key_dl = want("group").astype(np.int64) * 10**7 + want("time").astype(np.int64)
    key_sm = got["group"].astype(np.int64) * 10**7 + got["time"].astype(np.int64)
    pos = np.minimum(np.searchsorted(key_dl, key_sm), len(key_dl) - 1)
    checks.append(compare(f"Kaplan-Meier event times ({tool})", key_dl[pos], key_sm))
    checks.append(compare(f"Kaplan-Meier event times of downline ({tool})", len(key_sm),
                          int((want("observed") > 0).sum())))
    checks.append(compare(f"Kaplan-Meier numbers at risk ({tool})", got["at_risk"].astype(np.int64),
                          want("at_risk")[pos].astype(np.int64)))
    diff = float(np.abs(got["survival"] - want("survival")[pos]).max(initial=0.0))
    checks.append({"check": f"Kaplan-Meier survival ({tool}) within 1e-12", "ok": diff <= 1e-12,
                   "detail": f"max diff {diff:g}"})
    return checks


def load_checks(data: Path, tool: str, people: pd.DataFrame, orders: pd.DataFrame) -> list[dict]:
    """A loader's DataFrames against the generated columns, exactly (rows in file order;
    the amounts were written with repr, so they read back bit for bit)."""
    import numpy as np

    def col(name: str) -> np.ndarray:
        return np.load(data / f"{name}.npy")

    columns = [
        ("participants.id", lambda: people["id"].to_numpy(dtype=np.int64), col("p_id")),
        ("participants.sponsor_id present", lambda: people["sponsor_id"].notna().to_numpy(), col("p_has_sponsor")),
        ("participants.sponsor_id", lambda: people["sponsor_id"].to_numpy(dtype=np.int64, na_value=0),
         col("p_sponsor")),
        ("participants.enrolled_on", lambda: people["enrolled_on"].to_numpy().view(np.int64),
         col("p_enrolled_on").view(np.int64)),
        ("participants.kind", lambda: people["kind"].astype(str).to_numpy(), np.array(KINDS)[col("p_kind")]),
        ("participants.region", lambda: people["region"].astype(str).to_numpy(), col("p_region").astype(str)),
        ("orders.participant_id", lambda: orders["participant_id"].to_numpy(dtype=np.int64),
         col("o_participant_id")),
        ("orders.ordered_on", lambda: orders["ordered_on"].to_numpy().view(np.int64),
         col("o_ordered_on").view(np.int64)),
        ("orders.amount", lambda: orders["amount"].to_numpy(dtype=np.float64), col("o_amount")),
        ("orders.pv", lambda: orders["pv"].to_numpy(dtype=np.float64), col("o_pv")),
    ]
    checks = []
    for what, got, want in columns:
        try:
            checks.append(compare(f"load {what} ({tool})", got(), want, exact=True))
        except KeyError as exc:
            checks.append({"check": f"load {what} ({tool})", "ok": False, "detail": f"no column {exc}"})
    return checks


def sums_of_data(data: Path) -> dict:
    """Checksums of the generated columns, as the C parser and PostgreSQL report them."""
    import numpy as np

    def col(name: str) -> np.ndarray:
        return np.load(data / f"{name}.npy", mmap_mode="r")

    day = np.int64(86_400 * 10**9)
    return {"participants": len(col("p_id")), "sum_id": int(col("p_id").sum()),
            "has_sponsor": int(col("p_has_sponsor").sum()), "sum_sponsor": int(col("p_sponsor").sum()),
            "sum_enrolled_day": int((col("p_enrolled_on").view(np.int64) // day).sum()),
            "sum_region": int(col("p_region").astype(np.int64).sum()),
            "kinds": np.bincount(col("p_kind"), minlength=len(KINDS)).tolist(),
            "orders": len(col("o_pv")), "sum_participant_id": int(col("o_participant_id").sum()),
            "sum_ordered_day": int((col("o_ordered_on").view(np.int64) // day).sum()),
            "sum_amount": float(col("o_amount").sum()), "sum_pv": float(col("o_pv").sum())}


def sums_checks(tool: str, got: dict, want: dict) -> list[dict]:
    return [compare(f"load checksum {k} ({tool})", float(got[k]) if isinstance(want[k], float) else got[k], want[k])
            for k in want]


# ======================================================================================
# children: one measured path each, in a fresh process
# ======================================================================================
def measure_runs(fn: Callable[[], Any], repeat: int) -> tuple[dict, Any]:
    """harness.measure, one run at a time: "@run" is printed before each (the parent's
    timeout counts from it), and no run starts once the runs took REPEAT_BUDGET seconds.
    Peak total: the largest VmHWM after a run (Peak resets it before each), not ru_maxrss,
    which holds the RSS of the parent this process was started from (Linux keeps it across
    exec)."""
    peak = harness.Peak()
    runs: list[float] = []
    out = st = None
    total_kb = 0
    for _ in range(repeat):
        out = None
        print("@run", flush=True)
        st, out = harness.measure(fn, 1, peak)
        runs.append(st["median"])
        total_kb = max(total_kb, harness._status_kb("VmHWM:"))
        if sum(runs) > REPEAT_BUDGET:
            break
    stats = harness._stats(runs)
    stats.update({k: st[k] for k in ("peak_extra_bytes", "peak_total_bytes", "peak_exact")})
    if st["peak_exact"]:
        stats["peak_total_bytes"] = total_kb * 1024
    return stats, out


def child(task: str, tool: str, data: Path, results: Path, repeat: int, as_of_text: str, tasks: list[str]) -> dict:
    import numpy as np

    if task == "load":
        return child_load(tool, data, repeat)
    people, orders = harness.load_frames(data)
    region = np.load(data / "p_region.npy")
    out = child_info(task, tool)
    if tool == "floor":
        ids, ticks = orders["participant_id"].to_numpy(), orders["ordered_on"].to_numpy().view(np.int64)
        rollup = (people["id"].to_numpy(), np.load(data / "p_sponsor.npy"), ids, ticks, orders["pv"].to_numpy())
        columns = {"gv": rollup, "volumes": rollup, "lifecycle": (ids, ticks), "cohort": (ids, ticks),
                   "km": (ids, ticks, people["id"].to_numpy(), people["enrolled_on"].to_numpy().view(np.int64), region)}
        print("@run", flush=True)
        out["floors"] = harness.floor_passes({t: columns[t] for t in tasks if t in columns}, repeat)
        return out
    st, answer, more = run_path(task, tool, people, orders, region, as_of_text, repeat)
    out.update(more, whole=st)
    if tool == "downline":
        save_answer(results, task, tool, answer)
    else:
        out["checks"] = out.get("checks", []) + check_answer(results, task, tool, answer)
    return out


def child_info(task: str, tool: str) -> dict:
    """The start of a child's result: its task, tool, RSS with the data loaded and
    downline's threads (downline imported now, outside any timing)."""
    import downline as dl

    return {"task": task, "tool": tool, "rss_data_bytes": harness._status_kb("VmRSS:") * 1024,
            "threads": dl.num_threads()}


def run_path(task: str, tool: str, people: pd.DataFrame, orders: pd.DataFrame, region: np.ndarray, as_of_text: str,
             repeat: int, idmaps: tuple[str, ...] = ("index",)) -> tuple[dict, dict, dict]:
    """One (task, tool) path on the DataFrames, timed: (time stats, its answer, more results:
    steps, variants, checks). ``idmaps``: the ways the numpy peers may map ids to rows
    (run.py's ``np_lookup``), each timed; the faster is the peer. Tasks beyond TASKS: ``rfm``
    (RFM scores and segments of every customer with an order of amount > 0) and ``gv_all``
    (GV of every order of the history)."""
    import numpy as np
    import pandas as pd
    import downline as dl

    as_of = pd.Timestamp(as_of_text)
    steps = segment.Steps()
    more: dict = {}
    month = task in ("gv", "volumes")
    if task in ("gv", "gv_all") and tool == "downline":
        period = {"start": MONTH_START, "end": MONTH_END} if month else {}

        def path() -> Any:
            net = dl.Network.from_frame(people)
            return net.volumes(orders, columns=["gv"], **period)
        st, vol = measure_runs(path, repeat)
        answer = {"gv": vol["gv"].to_numpy()}
    elif task in ("gv", "gv_all") and tool == "pandas":
        period = (MONTH_START, MONTH_END) if month else None
        st, answer, more = fastest_variant(
            lambda m: harness.numpy_whole_path(people, orders, m, "bincount-compact", "jump", period=period), repeat,
            lambda res: {"gv": res[0][1]}, idmaps, IDMAP_LABELS)
    elif task == "gv" and tool == "networkx":
        st, gv = measure_runs(lambda: networkx_gv(people, orders), repeat)
        answer = {"gv": gv}
    elif task == "gv" and tool == "igraph":
        st, gv = measure_runs(lambda: igraph_gv(people, orders), repeat)
        answer = {"gv": gv}
    elif task == "volumes" and tool == "downline":
        def path() -> Any:
            net = dl.Network.from_frame(people)
            return net.volumes(orders, start=MONTH_START, end=MONTH_END)
        st, vol = measure_runs(path, repeat)
        answer = {c: vol[c].to_numpy() for c in VOLUME_COLUMNS}
    elif task == "volumes" and tool == "pandas":
        st, answer, more = fastest_variant(lambda m: numpy_volumes(people, orders, idmap=m), repeat, lambda a: a,
                                           idmaps, IDMAP_LABELS)
    elif task == "lifecycle" and tool == "downline":
        st, lc = measure_runs(lambda: dl.lifecycle(orders, as_of_text), repeat)
        answer = {"matrix": lc.matrix.to_numpy(dtype=np.int64)}
    elif task == "lifecycle" and tool == "pandas":
        st, answer, more = fastest_variant(lambda v: segment.pandas_lifecycle(orders, as_of, v, steps), repeat,
                                           lambda res: {"matrix": res[1].to_numpy(dtype=np.int64)})
    elif task == "rfm" and tool == "downline":
        st, r = measure_runs(lambda: dl.rfm(orders, as_of_text), repeat)
        answer = rfm_answer(r[r["R"].notna().to_numpy()])
    elif task == "rfm" and tool == "pandas":
        st, answer, more = fastest_variant(lambda v: segment.pandas_rfm(orders, as_of, v, steps), repeat, rfm_answer)
    elif task == "km":
        kept = region[people["enrolled_on"].to_numpy() <= as_of.to_datetime64()]
        if tool == "downline":
            def path() -> Any:
                c = dl.churn(people, orders, as_of)
                return c, dl.KaplanMeier().fit(c["duration"], c["churned"], groups=kept)
            st, (c, km) = measure_runs(path, repeat)
            t = km.survival_table_.reset_index()
            answer = {"group": t["group"].to_numpy(), "time": t["time"].to_numpy(), "at_risk": t["at_risk"].to_numpy(),
                      "observed": t["observed"].to_numpy(), "survival": t["survival"].to_numpy()}
        else:
            import statsmodels.duration.survfunc  # noqa: F401  (imported before the timing)

            def path() -> Any:
                c = retention.pandas_churn(people, orders, as_of, steps)
                return c, retention.statsmodels_km(c, kept, steps)
            st, (c, km) = measure_runs(path, repeat)
            parts: dict[str, list] = {k: [] for k in ("group", "time", "at_risk", "survival")}
            for g, sf in km.items():
                parts["group"].append(np.full(len(sf.surv_times), g))
                parts["time"].append(sf.surv_times)
                parts["at_risk"].append(sf.n_risk)
                parts["survival"].append(sf.surv_prob)
            answer = {k: np.concatenate(v) for k, v in parts.items()}
        answer.update(ids=c.index.to_numpy(), duration=c["duration"].to_numpy(dtype=np.int64),
                      churned=c["churned"].to_numpy(dtype=bool))
    elif task == "cohort" and tool == "downline":
        st, cr = measure_runs(lambda: dl.cohort_retention(orders, as_of), repeat)
        answer = cohort_answer(cr.sizes.index.asi8, cr.counts.fillna(0).to_numpy(), cr.sizes.to_numpy(), as_of_text)
    elif task == "cohort" and tool == "pandas":
        st, (counts, sizes) = measure_runs(lambda: retention.pandas_cohort(orders, as_of, steps), repeat)
        answer = cohort_answer(counts.index.to_numpy(), counts.to_numpy(), sizes.to_numpy(), as_of_text)
    else:
        raise SystemExit(f"no path for task {task!r} and tool {tool!r}")
    return st, answer, {**more, "steps": steps.stats()}


IDMAP_LABELS = {"index": "ids by get_indexer", "direct": "ids by direct addressing",
                "sort": "ids by argsort + searchsorted"}


def fastest_variant(run: Callable[[str], Any], repeat: int, answer_of: Callable[[Any], dict],
                    names: tuple[str, ...] = segment.VARIANTS,
                    labels: Optional[dict] = None) -> tuple[dict, dict, dict]:
    """The variants of a peer (default: segment.py's two grouping variants), each timed
    (``run(variant)``); the faster is the peer. Returns its (time stats, answer) and more
    results: every variant's median (by ``labels``) and the checks that the other variants'
    answers equal the faster's."""
    labels = labels or segment.VARIANT_LABELS
    variants, answers = {}, {}
    for v in names:
        variants[v], res = measure_runs(lambda: run(v), repeat)
        answers[v] = answer_of(res)
        del res
    best = min(variants, key=lambda v: variants[v]["median"])
    checks = [compare(f"{name} ({labels[v]} = the faster variant)", values, answers[best][name])
              for v, answer in answers.items() if v != best for name, values in answer.items()]
    return variants[best], answers[best], {"variants": {labels[v]: s["median"] for v, s in variants.items()},
                                           "checks": checks}


def rfm_answer(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """An RFM answer: every scored customer's id, R, F and M scores, segment name and
    monetary sum (``frame``: dl.rfm's rows of customers with an order of amount > 0, or
    segment.py's pandas_rfm)."""
    import numpy as np

    return {"ids": frame.index.to_numpy(), **{c: frame[c].to_numpy(dtype=np.int64) for c in ("R", "F", "M")},
            "segment": frame["segment"].astype(str).to_numpy(dtype=str),
            "monetary": frame["monetary"].to_numpy(dtype=np.float64)}


def child_load(tool: str, data: Path, repeat: int) -> dict:
    """The load task of one tool: both CSV files into DataFrames (or, for the floor, one
    pass over their bytes)."""
    import numpy as np
    import pandas as pd

    pfile, ofile = data / "participants.csv", data / "orders.csv"
    out: dict = {"task": "load", "tool": tool}
    if tool == "floor":
        buf = bytearray(1 << 24)
        view = memoryview(buf)

        def newlines() -> int:
            total = 0
            for path in (pfile, ofile):
                with open(path, "rb", buffering=0) as f:
                    while got := f.readinto(buf):
                        total += int(np.count_nonzero(np.frombuffer(view[:got], dtype=np.uint8) == 10))
            return total
        out["floor"], lines = measure_runs(newlines, repeat)
        out["floor"]["bytes"] = pfile.stat().st_size + ofile.stat().st_size
        out["checks"] = [compare("floor: newlines counted", lines, len(np.load(data / "p_id.npy", mmap_mode="r"))
                                 + len(np.load(data / "o_pv.npy", mmap_mode="r")) + 2)]
        return out
    if tool == "downline":
        import downline as dl

        def path() -> Any:  # region is a group label: read as a categorical
            return dl.read_participants(pfile, categories=["region"]), dl.read_orders(ofile)
    else:
        def path() -> Any:
            people = pd.read_csv(pfile, dtype={"id": np.int64, "sponsor_id": "Int64", "kind": "category",
                                               "region": np.int32}, parse_dates=["enrolled_on"])
            orders = pd.read_csv(ofile, dtype={"participant_id": np.int64, "amount": np.float64, "pv": np.float64},
                                 parse_dates=["ordered_on"])
            return people, orders
    out["whole"], (people, orders) = measure_runs(path, repeat)
    out["checks"] = load_checks(data, tool, people, orders)
    return out


# ======================================================================================
# the parent: subprocesses under a timeout and a memory guard
# ======================================================================================
def meminfo(field: str) -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return -1


def rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_guarded(cmd: list[str], timeout: float, max_rss: int, env: Optional[dict] = None) -> dict:
    """Runs cmd (``env``: more environment variables) under the timeout and the memory
    guard. Its stdout lines "@run" mark the start of a run (each run may take ``timeout``
    seconds; the time before the first, PREPARE_TIMEOUT) and its last line is a JSON
    object, which is returned; else {"status": "timeout" | "oom" | "error", ...}."""
    lines: queue.Queue = queue.Queue()
    err: list[str] = []

    def pump(stream: IO[str], sink: Callable[[Any], None], end: Callable[[], None]) -> None:
        for line in stream:
            sink(line)
        end()

    last, status, peak = "", "", 0
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=None if env is None else {**os.environ, **env}) as proc:
        threads = [threading.Thread(target=pump, args=(proc.stdout, lines.put, lambda: lines.put(None))),
                   threading.Thread(target=pump, args=(proc.stderr, err.append, lambda: None))]
        for t in threads:
            t.start()
        deadline = time.monotonic() + PREPARE_TIMEOUT
        while True:
            try:
                line = lines.get(timeout=0.1)
            except queue.Empty:
                line = ""
            if line is None:
                break
            if line.startswith("@run"):
                deadline = time.monotonic() + timeout
            elif line.strip():
                last = line
            rss = rss_bytes(proc.pid)
            peak = max(peak, rss)
            if time.monotonic() > deadline:
                status = "timeout"
            elif rss > max_rss or meminfo("MemAvailable") < MIN_AVAILABLE:
                status = "oom"
            if status:
                proc.kill()
                break
        proc.wait()
        for t in threads:
            t.join()
    stderr = "".join(err)
    if status:
        return {"status": status, "peak_rss_bytes": peak}
    if proc.returncode != 0 or not last.startswith("{"):
        oom = "MemoryError" in stderr or proc.returncode == -signal.SIGKILL
        if not oom:
            sys.stderr.write(stderr)
        return {"status": "oom" if oom else "error", "returncode": proc.returncode,
                "error": (stderr.strip().splitlines() or ["(no output)"])[-1]}
    res = json.loads(last)
    res.setdefault("status", "ok")
    return res


class Runner:
    """Starts the children of one size and collects their results (``script``: the
    benchmark script whose --child mode runs them; default this one)."""

    def __init__(self, args: argparse.Namespace, data: Path, results: Path, as_of: str, repeat: int,
                 script: Optional[Path] = None) -> None:
        self.args, self.data, self.results, self.as_of, self.repeat = args, data, results, as_of, repeat
        self.max_rss = int(args.max_memory_gb * 2**30)
        self.script = script or Path(__file__).resolve()

    def child(self, task: str, tool: str, tasks: Optional[list[str]] = None, extra: tuple[str, ...] = (),
              env: Optional[dict] = None) -> dict:
        """One child (``extra``: more arguments; ``env``: more environment variables)."""
        cmd = [sys.executable, *[f"-W{w}" for w in sys.warnoptions], str(self.script), "--child", task,
               tool, "--data", str(self.data), "--results", str(self.results), "--repeat", str(self.repeat),
               "--as-of", self.as_of, "--tasks", ",".join(tasks or [task]), *extra]
        t0 = time.perf_counter()
        res = run_guarded(cmd, self.args.timeout, self.max_rss, env)
        res["wall_seconds"] = time.perf_counter() - t0
        raise_on_failed_checks(res, f"{task} / {tool}")
        return res

    def parser(self, exe: Path) -> dict:
        res = run_guarded([str(exe), str(self.data / "participants.csv"), str(self.data / "orders.csv"),
                           str(self.repeat)], self.args.timeout, self.max_rss)
        if res["status"] != "ok":
            return res
        runs = [a + b for a, b in zip(res["participants_runs"], res["orders_runs"])]
        res["whole"] = {**harness._stats(runs), "peak_total_bytes": res["hwm_kb"] * 1024}
        res["checks"] = sums_checks("hand-written parser", res, sums_of_data(self.data))
        raise_on_failed_checks(res, "load / hand-written parser")
        return res


def raise_on_failed_checks(res: dict, what: str) -> None:
    for c in res.get("checks", []):
        if not c["ok"]:
            raise CheckFailed(f"CORRECTNESS CHECK FAILED ({what}): {c['check']}: {c['detail']}")


# ======================================================================================
# PostgreSQL: a private cluster on loopback
# ======================================================================================
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Postgres:
    """A PostgreSQL 15 cluster of our own: initdb in a temp dir owned by ``postgres``, on
    127.0.0.1 and a free port, stopped by ``stop()`` (call it in a ``finally``)."""

    def __init__(self, root: Path, timeout: float) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="downline-pg-", dir=root))
        self.pgdata = self.dir / "data"
        self.port = free_port()
        self.timeout = timeout
        self.started = False

    def _as_postgres(self, *cmd: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        shutil.chown(self.dir, "postgres")
        os.chmod(self.dir, 0o700)
        self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.pgdata), "-U", "postgres", "--auth=trust",
                          "-E", "UTF8", "--locale=C")
        gib = meminfo("MemTotal") / 2**30
        settings = {
            "port": self.port, "listen_addresses": "'127.0.0.1'", "unix_socket_directories": f"'{self.dir}'",
            "shared_buffers": f"'{max(1, int(gib / 6))}GB'", "effective_cache_size": f"'{max(1, int(gib * 0.6))}GB'",
            "work_mem": "'256MB'", "maintenance_work_mem": "'2GB'", "max_parallel_workers_per_gather": 2,
            "max_parallel_workers": 2, "max_parallel_maintenance_workers": 2, "max_worker_processes": 4,
            "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "wal_level": "minimal",
            "max_wal_senders": 0, "max_wal_size": "'16GB'", "checkpoint_timeout": "'1h'", "autovacuum": "off",
            "temp_file_limit": f"'{max(1, shutil.disk_usage(self.dir).free // 2**30 // 2)}GB'",
            "statement_timeout": f"'{max(1, int(self.timeout * 1000))}ms'",
        }
        with open(self.pgdata / "postgresql.conf", "a") as f:
            f.writelines(f"{k} = {v}\n" for k, v in settings.items())
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "-l", str(self.dir / "log"), "-w", "-t",
                          "120", "start")
        self.started = True

    def stop(self) -> None:
        if self.started:
            subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "-w",
                            "-m", "immediate", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.started = False
        shutil.rmtree(self.dir, ignore_errors=True)

    def version(self) -> str:
        return self.psql("SHOW server_version")[0].strip().split()[0]

    def psql(self, *commands: str, out: Optional[Path] = None) -> tuple[str, list[float]]:
        """Runs the commands in one session (``\\timing on`` first); returns (stdout, the
        time of every statement in seconds). Raises RuntimeError with psql's message."""
        cmd = [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres",
               "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", "\\timing on"]
        for c in commands:
            cmd += ["-c", c]
        if out is not None:
            cmd += ["-o", str(out)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=self.timeout + 120)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr.strip() or f"psql exit code {proc.returncode}")
        times = [float(m) / 1e3 for m in re.findall(r"^Time: ([0-9.]+) ms", proc.stdout, re.M)]
        text = "\n".join(line for line in proc.stdout.splitlines() if not line.startswith("Time: "))
        return text, times

    def _pids(self) -> list[int]:
        try:
            main = int((self.pgdata / "postmaster.pid").read_text().split()[0])
            kids = Path(f"/proc/{main}/task/{main}/children").read_text().split()
        except (OSError, ValueError, IndexError):
            return []
        return [main, *map(int, kids)]

    def pss_bytes(self) -> int:
        """The cluster's memory: the proportional set sizes of all its processes, summed."""
        total = 0
        for pid in self._pids():
            try:
                with open(f"/proc/{pid}/smaps_rollup") as f:
                    for line in f:
                        if line.startswith("Pss:"):
                            total += int(line.split()[1]) * 1024
                            break
            except OSError:
                pass
        return total

    def cancel_queries(self) -> None:
        for pid in self._pids()[1:]:
            try:
                if b"127.0.0.1" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGINT)  # a backend: cancels its query
            except OSError:
                pass

    def measured(self, commands: list[str], out: Optional[Path], repeat: int,
                 before: Optional[Callable[[], None]] = None) -> dict:
        """Runs the commands ``repeat`` times (fewer once they took REPEAT_BUDGET seconds),
        ``before()`` untimed ahead of each run. Time: the sum of psql's \\timing of the
        commands; memory: the cluster's Pss, sampled every 0.1 s."""
        runs: list[float] = []
        peak, base = 0, None
        for _ in range(repeat):
            if before:
                before()
            start = self.pss_bytes()
            base = start if base is None else min(base, start)
            done = threading.Event()
            low = threading.Event()
            top = [start]

            def sample() -> None:
                while not done.wait(0.1):
                    top[0] = max(top[0], self.pss_bytes())
                    if meminfo("MemAvailable") < MIN_AVAILABLE:
                        low.set()
                        self.cancel_queries()
            watcher = threading.Thread(target=sample, daemon=True)
            watcher.start()
            try:
                _, times = self.psql(*commands, out=out)
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                msg = str(exc)
                if isinstance(exc, subprocess.TimeoutExpired) or "statement timeout" in msg:
                    self.cancel_queries()
                    return {"status": "timeout"}
                if low.is_set() or "out of memory" in msg:
                    return {"status": "oom"}
                if "temp_file_limit" in msg:
                    return {"status": "error", "error": "temporary files beyond temp_file_limit (disk)"}
                raise
            finally:
                done.set()
                watcher.join()
            runs.append(sum(times))
            peak = max(peak, top[0])
            if sum(runs) > REPEAT_BUDGET:
                break
        return {"status": "ok", "whole": {**harness._stats(runs), "peak_extra_bytes": peak - (base or 0),
                                          "peak_total_bytes": peak}}


def sql_copy(query: str) -> str:
    return f"COPY ({query}) TO STDOUT (FORMAT csv)"


def sql_month_pv(extra: str = "") -> str:
    return (f"SELECT participant_id, SUM(pv) AS pv{extra} FROM orders WHERE ordered_on >= DATE '{MONTH_START}' "
            f"AND ordered_on < DATE '{MONTH_END}' GROUP BY participant_id")


SQL_GV = """WITH RECURSIVE closure(ancestor, member) AS (
    SELECT id, id FROM participants
  UNION ALL
    SELECT c.ancestor, p.id FROM closure c JOIN participants p ON p.sponsor_id = c.member
), month AS ({month})
SELECT c.ancestor, COALESCE(SUM(m.pv), 0) FROM closure c LEFT JOIN month m ON m.participant_id = c.member
GROUP BY c.ancestor"""

SQL_VOLUMES = """WITH RECURSIVE closure(ancestor, member, lvl) AS (
    SELECT id, id, 0 FROM participants
  UNION ALL
    SELECT c.ancestor, p.id, c.lvl + 1 FROM closure c JOIN participants p ON p.sponsor_id = c.member
), month AS ({month}), t AS (
  SELECT c.ancestor AS id,
         COALESCE(SUM(m.pv) FILTER (WHERE c.lvl = 0), 0) AS pv,
         COALESCE(SUM(m.pv), 0) AS gv,
         COALESCE(SUM(m.pv) FILTER (WHERE c.lvl = 1), 0) AS level_1,
         COALESCE(SUM(m.pv) FILTER (WHERE c.lvl = 2), 0) AS level_2,
         COALESCE(SUM(m.pv) FILTER (WHERE c.lvl = 3), 0) AS level_3,
         COUNT(*) - 1 AS downline,
         COUNT(*) FILTER (WHERE c.lvl > 0 AND m.active) AS active_downline,
         COUNT(*) FILTER (WHERE c.lvl = 1) AS frontline,
         MAX(c.lvl) AS height
  FROM closure c LEFT JOIN month m ON m.participant_id = c.member
  GROUP BY c.ancestor
), depth AS (
  SELECT member AS id, COUNT(*) - 1 AS depth FROM closure GROUP BY member
), legs AS (
  SELECT p.sponsor_id AS id, MAX(t.gv) AS power_leg
  FROM t JOIN participants p ON p.id = t.id WHERE p.sponsor_id IS NOT NULL GROUP BY p.sponsor_id
)
SELECT t.id, t.pv, t.gv, t.level_1, t.level_2, t.level_3, COALESCE(l.power_leg, 0),
       t.gv - t.pv - COALESCE(l.power_leg, 0), t.downline, t.active_downline, t.frontline, d.depth, t.height
FROM t JOIN depth d ON d.id = t.id LEFT JOIN legs l ON l.id = t.id"""

SQL_COHORT = """WITH m AS (
  SELECT DISTINCT participant_id, date_trunc('month', ordered_on::timestamp) AS month FROM orders
  WHERE ordered_on <= DATE '{as_of}'
), f AS (
  SELECT participant_id, MIN(month) AS cohort FROM m GROUP BY participant_id
)
SELECT ((EXTRACT(YEAR FROM f.cohort) - 1970) * 12 + EXTRACT(MONTH FROM f.cohort) - 1)::int,
       ((EXTRACT(YEAR FROM m.month) - EXTRACT(YEAR FROM f.cohort)) * 12
         + EXTRACT(MONTH FROM m.month) - EXTRACT(MONTH FROM f.cohort))::int,
       COUNT(*)
FROM m JOIN f USING (participant_id) GROUP BY 1, 2"""


def sql_lifecycle(as_of: str) -> str:
    """The life-cycle matrix cells (frequency tier, recency tier, customers), tiers from
    downline's defaults written as CASE expressions."""
    import downline as dl

    f_tiers = dl.segment.FREQUENCY_TIERS
    r_tiers = dl.segment.RECENCY_TIERS
    f_case = " ".join(f"WHEN f >= {lo} THEN {i}" for i, (_, lo) in reversed(list(enumerate(f_tiers))))
    r_case = " ".join(f"WHEN r <= {hi} THEN {i}" for i, (_, hi) in enumerate(r_tiers) if hi is not None)
    return (f"WITH c AS (SELECT participant_id, COUNT(DISTINCT ordered_on) AS f, DATE '{as_of}' - MAX(ordered_on) AS r "
            f"FROM orders WHERE ordered_on <= DATE '{as_of}' GROUP BY participant_id) "
            f"SELECT CASE {f_case} END, CASE {r_case} ELSE {len(r_tiers) - 1} END, COUNT(*) FROM c GROUP BY 1, 2")


def postgres_load(pg: Postgres, data: Path, repeat: int, r: dict) -> dict:
    """Creates the tables, \\copy-loads both files (the load row, repeated with a TRUNCATE
    before each run), checks the tables, then builds the indexes and runs VACUUM ANALYZE
    (timed for information)."""
    pg.psql("CREATE TABLE participants (id bigint NOT NULL, sponsor_id bigint, enrolled_on date NOT NULL, "
            "kind text NOT NULL, region integer NOT NULL)",
            "CREATE TABLE orders (participant_id bigint NOT NULL, ordered_on date NOT NULL, "
            "amount double precision NOT NULL, pv double precision NOT NULL)")
    res = pg.measured([f"\\copy participants FROM '{data / 'participants.csv'}' (FORMAT csv, HEADER)",
                       f"\\copy orders FROM '{data / 'orders.csv'}' (FORMAT csv, HEADER)"], None, repeat,
                      before=lambda: pg.psql("TRUNCATE participants, orders"))
    if res["status"] != "ok":
        return res
    text, _ = pg.psql(
        "SELECT count(*), sum(id), count(sponsor_id), sum(sponsor_id), sum(enrolled_on - DATE '1970-01-01'), "
        "sum(region), count(*) FILTER (WHERE kind = 'customer'), count(*) FILTER (WHERE kind = 'member'), "
        "count(*) FILTER (WHERE kind = 'distributor') FROM participants",
        "SELECT count(*), sum(participant_id), sum(ordered_on - DATE '1970-01-01'), sum(amount), sum(pv) FROM orders")
    p, o = (line.split("|") for line in text.strip().splitlines())
    got = {"participants": int(p[0]), "sum_id": int(p[1]), "has_sponsor": int(p[2]), "sum_sponsor": int(p[3]),
           "sum_enrolled_day": int(p[4]), "sum_region": int(p[5]), "kinds": [int(x) for x in p[6:9]],
           "orders": int(o[0]), "sum_participant_id": int(o[1]), "sum_ordered_day": int(o[2]),
           "sum_amount": float(o[3]), "sum_pv": float(o[4])}
    res["checks"] = sums_checks("PostgreSQL", got, sums_of_data(data))
    raise_on_failed_checks(res, "load / PostgreSQL")
    _, times = pg.psql("ALTER TABLE participants ADD PRIMARY KEY (id)",
                       "CREATE INDEX ON participants (sponsor_id)", "CREATE INDEX ON orders (participant_id)",
                       "CREATE INDEX ON orders (ordered_on)", "VACUUM ANALYZE participants",
                       "VACUUM ANALYZE orders")
    r["postgres_index_seconds"] = sum(times)
    return res


def postgres_task(pg: Postgres, task: str, results: Path, as_of: str, repeat: int, ids: np.ndarray) -> dict:
    """One task's SQL, timed, and its answer checked against downline's."""
    import numpy as np
    import pandas as pd

    query = {"gv": lambda: SQL_GV.format(month=sql_month_pv()),
             "volumes": lambda: SQL_VOLUMES.format(month=sql_month_pv(", bool_or(pv > 0) AS active")),
             "lifecycle": lambda: sql_lifecycle(as_of), "cohort": lambda: SQL_COHORT.format(as_of=as_of)}[task]()
    out = results / f"postgres_{task}.csv"
    res = pg.measured([sql_copy(query)], out, repeat)
    res["sql"] = query
    if res["status"] != "ok":
        return res
    if task in ("gv", "volumes"):
        names = ["id", "gv"] if task == "gv" else ["id", *VOLUME_COLUMNS]
        frame = pd.read_csv(out, names=names, index_col="id").reindex(ids)
        answer = {c: frame[c].to_numpy() for c in names[1:]}
        for c in ("downline", "active_downline", "frontline", "depth", "height"):
            if c in answer:
                answer[c] = answer[c].astype(np.int64)
    elif task == "lifecycle":
        import downline as dl

        cells = np.loadtxt(out, delimiter=",", dtype=np.int64, ndmin=2)
        matrix = np.zeros((len(dl.segment.FREQUENCY_TIERS), len(dl.segment.RECENCY_TIERS)), dtype=np.int64)
        matrix[cells[:, 0], cells[:, 1]] = cells[:, 2]
        answer = {"matrix": matrix}
    else:
        cells = np.loadtxt(out, delimiter=",", dtype=np.int64, ndmin=2)
        months = np.unique(cells[:, 0])
        counts = np.zeros((len(months), len(months)), dtype=np.int64)
        counts[np.searchsorted(months, cells[:, 0]), cells[:, 1]] = cells[:, 2]
        answer = cohort_answer(months, counts, counts[:, 0], as_of)
    out.unlink()
    res["checks"] = check_answer(results, task, "postgres", answer)
    raise_on_failed_checks(res, f"{task} / PostgreSQL")
    return res


# ======================================================================================
# one size
# ======================================================================================
def bench_size(n: int, args: argparse.Namespace, tasks: list[str], tools: list[str], tmp: Path) -> dict:
    import numpy as np

    repeat = args.repeat or (3 if args.quick or n >= 5_000_000 else 5)
    data, facts = ensure_data(n, args.orders_per_participant, tmp)
    say(f"n={n:,}: {facts['orders']:,} orders; {depth_line(facts)}")
    as_of = facts["as_of"]
    r: dict = {"n": n, "repeat": repeat, "data": facts, "as_of": as_of, "rows": {t: {} for t in tasks}, "floors": {}}
    results = Path(tempfile.mkdtemp(prefix=f"results-{n}-", dir=tmp))
    run = Runner(args, data, results, as_of, repeat)
    pg = Postgres(tmp, args.timeout) if "postgres" in tools and any("postgres" in PLAN[t] for t in tasks) else None

    def done(task: str, tool: str, res: dict) -> dict:
        say(f"n={n:,}: {task} / {tool}: " + (fmt_t(res["whole"]["median"]) if res["status"] == "ok" else res["status"]))
        return res

    try:
        if "floor" in tools:
            say(f"n={n:,}: floors (one pass over each task's bytes) ...")
            if any(t != "load" for t in tasks):
                r["floors"] = run.child("floor", "floor", [t for t in tasks if t != "load"])["floors"]
            if "load" in tasks:
                r["floors"]["load"] = run.child("load", "floor")["floor"]
                say(f"n={n:,}: load / hand-written parser (gcc -O2) ...")
                r["rows"]["load"]["parser"] = run.parser(build_parser(results))
        for task in tasks:
            for tool in PLAN[task]:
                if tool in tools and tool != "postgres":
                    say(f"n={n:,}: {task} / {tool} ...")
                    r["rows"][task][tool] = done(task, tool, run.child(task, tool))
        if pg is not None:  # last: its shared buffers stay resident while the cluster runs
            say(f"n={n:,}: PostgreSQL: starting a private cluster on 127.0.0.1:{pg.port} ...")
            pg.start()
            r["postgres_version"] = pg.version()
            say(f"n={n:,}: load / PostgreSQL (\\copy) ...")
            res = done("load", "postgres", postgres_load(pg, data, repeat, r))
            if "load" in tasks:
                r["rows"]["load"]["postgres"] = res
            if res["status"] == "ok":
                ids = np.load(data / "p_id.npy")
                for task in tasks:
                    if task != "load" and "postgres" in PLAN[task]:
                        say(f"n={n:,}: {task} / postgres ...")
                        r["rows"][task]["postgres"] = done(task, "postgres",
                                                           postgres_task(pg, task, results, as_of, repeat, ids))
            else:  # no tables: no SQL tasks
                r["postgres_load_failed"] = res["status"]
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(results, ignore_errors=True)
    return r


# ======================================================================================
# the report
# ======================================================================================
STATUS_TEXT = {"timeout": "> {limit}", "oom": "out of memory", "error": "failed", "n/a": "n/a"}


def time_text(res: dict, limit: float) -> str:
    if res.get("status") == "ok":
        st = res["whole"]
        runs = len(st["runs"])
        fewer = f" ({runs} run{'s' * (runs > 1)})" if runs < res.get("repeat", runs) else ""
        return f"{fmt_t(st['median'])} [{fmt_t(st['min'])}]{fewer}"
    if res.get("status") == "n/a":
        return res.get("note", "n/a")
    return STATUS_TEXT[res["status"]].format(limit=limit_text(limit))


def limit_text(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def seconds_of(res: Optional[dict], limit: float) -> tuple[Optional[float], bool]:
    """(time, is a lower bound): the median, or the timeout for a path that ran out of it."""
    if not res:
        return None, False
    if res.get("status") == "ok":
        return res["whole"]["median"], False
    if res.get("status") == "timeout":
        return limit, True
    return None, False


def ratio_text(t: Optional[float], lower: bool, ref: Optional[float]) -> str:
    if t is None or not ref:
        return "-"
    return (">" if lower else "") + fmt_x(t / ref)


def tool_label(task: str, tool: str) -> str:
    if tool == "parser":
        return "hand-written parser: C, gcc -O2, 1 thread"
    return TOOL_LABELS[(task, tool)]


def table_rows(r: dict, limit: float) -> list[str]:
    lines = ["| task | tool | time | peak extra | peak total | vs downline | vs floor |",
             "|---|---|---|---|---|---|---|"]
    for task, rows in r["rows"].items():
        fl = r["floors"].get(task)
        floor = fl["median"] if fl else None
        dl_t, _ = seconds_of(rows.get("downline"), limit)
        title = TASK_TITLES[task]
        if fl:
            what = (f"{fl['bytes'] / 2**20:,.0f} MB of CSV, 16 MiB reads, numpy newline count" if task == "load"
                    else f"numpy {fl['kernel']} over {fl['bytes'] / 2**20:,.0f} MB, 1 thread")
            lines.append(f"| {title} | floor: one pass ({what}) | {fmt_t(floor)} [{fmt_t(fl['min'])}] | - | - | "
                         f"{ratio_text(floor, False, dl_t)} | 1.00x |")
        for tool in ("parser", *TOOLS):
            res = rows.get(tool)
            if not res:
                continue
            res = {**res, "repeat": r["repeat"]}
            t, lower = seconds_of(res, limit)
            whole = res.get("whole", {})
            lines.append(f"| {title} | {tool_label(task, tool)} | {time_text(res, limit)} | "
                         f"{fmt_mb(whole.get('peak_extra_bytes'))} | {fmt_mb(whole.get('peak_total_bytes'))} | "
                         f"{'1.00x' if tool == 'downline' and t else ratio_text(t, lower, dl_t)} | "
                         f"{ratio_text(t, lower, floor)} |")
    return lines


def at_least(ratio: float, want: float, lower: bool) -> Optional[bool]:
    """PASS/FAIL of "ratio >= want"; None (undecided) when the peer was stopped at the time
    limit (its time, so the ratio, is only a lower bound) and that bound is below want."""
    if ratio >= want:
        return True
    return None if lower else False


def stopped_note(ok: Optional[bool], lower: bool) -> str:
    return " (undecided: the peer was stopped at the time limit, so this is a lower bound)" if (
        lower and ok is None) else ""


def targets_for(results: list[dict], limit: float) -> list[tuple]:
    out = []
    for r in results:
        lab = size_label(r["n"])
        for task, rows in r["rows"].items():
            dl_t, _ = seconds_of(rows.get("downline"), limit)
            if dl_t is None:
                out.append((f"[{lab}] {task}: downline", None, time_text(
                    rows.get("downline") or {"status": "n/a"}, limit)))
                continue
            peers = {tool: seconds_of(rows.get(tool), limit) for tool in PEERS if rows.get(tool)}
            peers = {k: v for k, v in peers.items() if v[0] is not None}
            if peers and task != "load":
                best = min(peers, key=lambda k: peers[k][0])
                t, lower = peers[best]
                want = TARGET_PEER_COHORT if task == "cohort" else TARGET_PEER
                ok = at_least(t / dl_t, want, lower)
                out.append((f"[{lab}] {task}: downline >= {want:.0f}x faster than the best peer ({best})",
                            ok, f"{best} {'> ' * lower}{fmt_t(t)} / downline {fmt_t(dl_t)} = "
                                f"{'>' * lower}{t / dl_t:.1f}x{stopped_note(ok, lower)}"))
            if task in ("gv", "volumes") and "postgres" in peers:
                t, lower = peers["postgres"]
                ok = at_least(t / dl_t, TARGET_RECURSIVE_SQL, lower)
                out.append((f"[{lab}] {task}: downline >= {TARGET_RECURSIVE_SQL:.0f}x faster than the recursive SQL",
                            ok, f"PostgreSQL {'> ' * lower}{fmt_t(t)} / downline {fmt_t(dl_t)} = "
                                f"{'>' * lower}{t / dl_t:.1f}x{stopped_note(ok, lower)}"))
            fl = r["floors"].get(task)
            if fl:
                out.append((f"[{lab}] {task}: downline within {TARGET_FLOOR:.0f}x of its floor",
                            dl_t / fl["median"] <= TARGET_FLOOR,
                            f"downline {fmt_t(dl_t)} / floor {fmt_t(fl['median'])} = {dl_t / fl['median']:.1f}x"))
            parser = rows.get("parser")
            if task == "load" and parser and parser.get("status") == "ok":
                pt = parser["whole"]["median"]
                out.append((f"[{lab}] load: downline within {TARGET_PARSER}x of the hand-written parser",
                            dl_t / pt <= TARGET_PARSER, f"downline {fmt_t(dl_t)} / parser {fmt_t(pt)} = "
                                                        f"{dl_t / pt:.2f}x"))
    return out


def report_head(title: str, threads: Any, versions: str, wall: float) -> list[str]:
    """A report's title and machine line (``versions``: more tools as ", name x.y")."""
    return [f"# {title}", "", harness.machine_line(threads, versions)
            + f" Month: [{MONTH_START}, {MONTH_END}). Run took {wall:.0f} s.", ""]


def size_head(r: dict, times: str) -> str:
    """The heading of one size (``times``: what the times are, e.g. "median [min]")."""
    return (f"## {r['n']:,} participants, {r['data']['orders']:,} orders (as of {r['as_of']}; {r['repeat']} "
            f"run{'s' * (r['repeat'] > 1)}, {times})")


def report(results: list[dict], args: argparse.Namespace, wall: float) -> str:
    versions = [f", {name} {v}" for name, v in peer_versions().items()]
    pg = next((r["postgres_version"] for r in results if r.get("postgres_version")), None)
    threads = next((res["threads"] for r in results for rows in r["rows"].values() for res in rows.values()
                    if "threads" in res), "?")
    lines = report_head("downline against its peers", threads,
                        "".join(versions) + (f", PostgreSQL {pg}" if pg else ""), wall)
    for r in results:
        f = r["data"]
        lines += [size_head(r, "median [min]"), ""]
        lines.append(f"Data: {depth_line(f)}; {f['month_orders']:,} orders in the month; CSV files "
                     + ", ".join(f"{k} {fmt_mb(v)}" for k, v in f["csv_bytes"].items())
                     + ". Peak extra = the path's own peak over the RSS before it (PostgreSQL: the cluster's Pss); "
                     "peak total = the whole process, data included. vs downline = time / downline's time (how many "
                     "times slower); vs floor = time / the task's floor.")
        lines.append("")
        lines += table_rows(r, args.timeout)
        lines.append("")
        notes = []
        lc = r["rows"].get("lifecycle", {}).get("pandas", {})
        if lc.get("variants"):
            notes.append("pandas life-cycle variants: " + ", ".join(f"{k} {fmt_t(v)}" for k, v in
                                                                    lc["variants"].items()))
        if "postgres_index_seconds" in r:
            notes.append(f"PostgreSQL indexes (primary key, sponsor_id, participant_id, ordered_on) + VACUUM ANALYZE "
                         f"after the load: {fmt_t(r['postgres_index_seconds'])} (not in any row)")
        if "postgres_load_failed" in r:
            notes.append(f"PostgreSQL: loading the CSV files failed ({r['postgres_load_failed']}), so no SQL ran")
        failed = [f"{t} / {tool}: {res.get('error', '')}" for t, rows in r["rows"].items() for tool, res in rows.items()
                  if res.get("status") == "error"]
        if failed:
            notes.append("failed: " + "; ".join(failed))
        checked = sum(len(res.get("checks", [])) for rows in r["rows"].values() for res in rows.values())
        notes.append(f"{checked} checks of the peers' answers against downline's (and of every loader's columns "
                     f"against the generated ones): all equal (counts exactly, sums to {RTOL:g} relative)")
        lines += [f"{x}." for x in notes]
        lines.append("")
    lines += harness.target_lines(targets_for(results, args.timeout))
    return "\n".join(lines)


def peer_versions() -> dict:
    import importlib

    out = {}
    for name, module in (("NetworkX", "networkx"), ("python-igraph", "igraph"), ("statsmodels", "statsmodels")):
        try:
            out[name] = importlib.import_module(module).__version__
        except ImportError:
            pass
    return out


# ======================================================================================
# main
# ======================================================================================
def choose(text: Optional[str], every: tuple, what: str) -> list[str]:
    if not text:
        return list(every)
    chosen = [x.strip() for x in text.split(",") if x.strip()]
    bad = [x for x in chosen if x not in every]
    if bad:
        raise SystemExit(f"unknown {what}: {', '.join(bad)} (choose from {', '.join(every)})")
    return [x for x in every if x in chosen]


def guarded_arguments(ap: argparse.ArgumentParser) -> None:
    """The options of the guarded children (--timeout, --max-memory-gb) and their internal
    ones (--child TASK TOOL, --results, --as-of)."""
    ap.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds a run of a path may take (default 600)")
    ap.add_argument("--max-memory-gb", type=float, default=0.8 * meminfo("MemTotal") / 2**30,
                    help="a child whose RSS passes this is stopped as out of memory (default: 80%% of the RAM)")
    ap.add_argument("--child", nargs=2, metavar=("TASK", "TOOL"), help=argparse.SUPPRESS)
    ap.add_argument("--results", help=argparse.SUPPRESS)
    ap.add_argument("--as-of", help=argparse.SUPPRESS)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.common_arguments(ap, "20,000 participants, 3 runs per path (well under a minute)", "path")
    ap.add_argument("--tasks", help=f"comma-separated subset of {','.join(TASKS)} (default: all)")
    ap.add_argument("--tools", help=f"comma-separated subset of {','.join(TOOLS)} (default: all; downline always runs)")
    guarded_arguments(ap)
    args = ap.parse_args(argv)
    tasks = choose(args.tasks, TASKS, "tasks")
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], Path(args.data), Path(args.results),
                               max(args.repeat, 1), args.as_of, tasks)))
        return 0
    tools = choose(args.tools, TOOLS, "tools")
    if "downline" not in tools:
        tools.insert(0, "downline")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # runs the finally blocks (the cluster is stopped)
    ensure_packages(tools)
    tmp = harness.cache_dir(args)
    os.chmod(tmp, 0o755)  # the postgres user reaches its cluster's directory inside
    failed = False

    def bench(n: int) -> dict:
        nonlocal failed
        r = bench_size(n, args, tasks, tools, tmp)
        failed |= any(res.get("status") == "error" for rows in r["rows"].values() for res in rows.values())
        return r

    code = harness.run_sizes(args, 20_000, bench, lambda results, wall: report(results, args, wall))
    return code or (2 if failed else 0)


if __name__ == "__main__":
    sys.exit(main())
