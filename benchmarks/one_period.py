#!/usr/bin/env python
"""One period read from a DataFrame (issue 25): the calls that map only one period's orders
of a DataFrame, timed with the library on PYTHONPATH (run it with two builds, one after the
other, to compare them; benchmarks/README.md, "Unknown participants checked on every row").

    .venv/bin/python benchmarks/one_period.py [--participants 1000000] [--repeat 7]

Data: the generated company of benchmarks/peers.py (``ensure_data``), as benchmarks/plan.py
uses it; the month is [2023-01-01, 2023-02-01). Prints the minimum of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import peers  # noqa: E402
import run as harness  # noqa: E402


def best_ms(f, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return 1000 * min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--participants", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    import downline as dl

    tmp = Path(tempfile.gettempdir()) / "downline-peers"  # the cache of benchmarks/plan.py
    data, _ = peers.ensure_data(args.participants, 8.0, tmp, csv=False)
    people, orders = harness.load_frames(data)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    plan = dl.CompensationPlan.example()
    print(f"downline {dl.__version__} from {Path(dl.__file__).parent}; {len(orders):,} orders")
    calls = {
        'net.volumes(orders, "2023-01-01", "2023-02-01")': lambda: net.volumes(orders, "2023-01-01", "2023-02-01"),
        'plan.evaluate(net, orders, start="2023-01-01")': lambda: plan.evaluate(net, orders, start="2023-01-01"),
        "net.activity(orders)": lambda: net.activity(orders),
    }
    for name, call in calls.items():
        print(f"{name:52s} {best_ms(call, args.repeat):8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
