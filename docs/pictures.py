"""Draws the README's pictures into docs/img/: three plots of the sample company and the
first screen of its report as headless Chromium shows it.

    .venv/bin/python docs/pictures.py [--out docs/img] [--participants 100000]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import downline as dl  # noqa: E402
from downline.cli import main as downline_command  # noqa: E402

AS_OF = "2023-12-30"
MONTH = ("2023-11-01", "2023-12-01")


def plots(participants: int, out: Path) -> list:
    """legs.png, cohorts.png and survival.png of the sample company."""
    people, orders = dl.sample(participants)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on", kind="kind")
    vol = net.volumes(orders, start=MONTH[0], end=MONTH[1])
    leader = vol.sort_values(["gv", "downline"], ascending=False).index[0]
    ch = dl.churn(net, orders, AS_OF)
    km = dl.KaplanMeier().fit(ch["duration"], ch["churned"], groups=ch["enrolled_on"].dt.year)
    drawn = {
        "legs": lambda: net.plot_legs(leader, orders, start=MONTH[0], end=MONTH[1]),
        "cohorts": lambda: dl.cohort_retention(orders, AS_OF).plot(),
        "survival": lambda: km.plot(at_risk_counts=True),
    }
    for name, draw in drawn.items():
        ax = draw()
        ax.figure.tight_layout()
        ax.figure.savefig(out / f"{name}.png", dpi=80)
        plt.close(ax.figure)
    return list(drawn)


def report_screen(participants: int, out: Path) -> None:
    """report.png: the top of `downline report` on the sample company, 1280 x 900."""
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("headless Chromium is needed (Debian's chromium; ./dev.sh installs it)")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        with contextlib.redirect_stdout(io.StringIO()):
            assert downline_command(["demo", "--participants", str(participants), "--dir", str(d / "data"),
                                     "--quiet"]) == 0
            assert downline_command(["report", "--participants", str(d / "data" / "participants.csv"), "--orders",
                                     str(d / "data" / "orders.csv"), "--as-of", AS_OF, "--out",
                                     str(d / "report"), "--quiet"]) == 0
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--user-data-dir={d / 'profile'}", "--virtual-time-budget=10000", "--window-size=1280,900",
                        f"--screenshot={out / 'report.png'}", (d / "report" / "index.html").as_uri()],
                       check=True, capture_output=True, timeout=120,
                       env={k: v for k, v in os.environ.items() if k != "LD_PRELOAD"})  # no sanitizer runtime


def main(argv: list | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(Path(__file__).with_name("img")))
    ap.add_argument("--participants", type=int, default=100_000)
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = plots(args.participants, out)
    report_screen(args.participants, out)
    print("wrote " + ", ".join(str(out / f"{n}.png") for n in names + ["report"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
