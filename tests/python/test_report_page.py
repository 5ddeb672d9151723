"""The report as a person sees it: index.html rendered by headless Chromium (Debian's
``chromium``, which ./dev.sh installs), every image loaded and shown at its own size on a
page of ordinary width (so its text keeps its size); and the report of a real shop,
Online Retail, whose life-cycle matrix (refunds excluded) is pandas' and whose RFM is
``dl.rfm``'s."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import downline as dl
from downline.cli import main
from reference import brute_lifecycle

pytest.importorskip("matplotlib")

#: the window a reader opens the report in (CSS pixels)
WINDOW = (1280, 900)

#: appended to a copy of the page: once everything is loaded, what each image became
_PROBE = """<script>window.addEventListener("load", () => {
  const out = [...document.images].map(i => ({src: i.getAttribute("src"), complete: i.complete,
    natural: [i.naturalWidth, i.naturalHeight], shown: [i.clientWidth, i.clientHeight]}));
  const pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});</script>"""


def _chromium() -> str:
    exe = shutil.which("chromium")
    assert exe is not None, "headless Chromium is needed (Debian's chromium; ./dev.sh installs it)"
    return exe


def chromium_env() -> dict:
    """This process's environment without LD_PRELOAD: ./dev.sh sanitize preloads the
    sanitizer runtimes into Python, and Chromium hangs under them."""
    return {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}


def render(page: Path, tmp: Path) -> tuple[list[dict], Path]:
    """(what each image of the page became, a screenshot of the page) in headless Chromium."""
    exe = _chromium()
    probe = page.with_name("_probe.html")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    common = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
              f"--user-data-dir={tmp / 'chromium-profile'}", "--virtual-time-budget=10000",
              f"--window-size={WINDOW[0]},{WINDOW[1]}"]
    r = subprocess.run([*common, "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=120,
                       env=chromium_env())
    probe.unlink()
    assert r.returncode == 0, r.stderr[-2000:]
    found = r.stdout.split('<pre id="probe">', 1)
    assert len(found) == 2, "the page did not finish loading: " + r.stderr[-2000:]
    images = json.loads(found[1].split("</pre>", 1)[0].replace("&quot;", '"').replace("&amp;", "&"))
    shot = tmp / "screenshot.png"
    r = subprocess.run([*common, f"--screenshot={shot}", page.as_uri()], capture_output=True, text=True,
                       timeout=120, env=chromium_env())
    assert r.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", r.stderr[-2000:]
    return images, shot


def assert_page_renders(report: Path, tmp: Path, expect: set) -> None:
    images, _ = render(report / "index.html", tmp)
    assert {i["src"] for i in images} == {f"{name}.png" for name in expect}
    for i in images:
        assert i["complete"] and min(i["natural"]) > 0, f"{i['src']} did not load: {i}"
        # shown whole at its own size, not shrunk to fit: its text is as drawn (>= 10 px)
        assert i["shown"] == i["natural"], f"{i['src']} is shown at {i['shown']}, drawn at {i['natural']}"
    page = (report / "index.html").read_text(encoding="utf-8")
    for bad in (">NaN<", ">nan<", ">inf<", ">None<", "&lt;downline", "object at 0x"):
        assert bad not in page, bad


# ------------------------------------------------------------------ a generated company
def test_the_report_page_renders_with_every_image(tmp_path):
    people, orders = dl.sample(3000, seed=8)
    people.to_csv(tmp_path / "people.csv", index=False, date_format="%Y-%m-%d")
    orders.to_csv(tmp_path / "orders.csv", index=False, date_format="%Y-%m-%d")
    out = tmp_path / "report"
    assert main(["report", "--participants", str(tmp_path / "people.csv"), "--orders", str(tmp_path / "orders.csv"),
                 "--as-of", "2023-12-20", "--out", str(out), "--quiet"]) == 0
    assert_page_renders(out, tmp_path, {"lifecycle", "survival", "cohorts", "legs", "organisation"})


def test_a_missing_image_is_seen(tmp_path):
    """The check can fail: a page naming a PNG that is not there."""
    (tmp_path / "index.html").write_text("<!DOCTYPE html><html><body><img src='absent.png'></body></html>")
    images, _ = render(tmp_path / "index.html", tmp_path)
    assert [(i["src"], i["natural"]) for i in images] == [("absent.png", [0, 0])]


# ------------------------------------------------------------------ Online Retail
@pytest.fixture(scope="module")
def online_retail(tmp_path_factory):
    from conftest import DATA

    path = DATA / "online_retail" / "online_retail_uci_2010-12_2011-12.csv"
    if not path.is_file():
        pytest.skip(f"shared data file {path} is absent")
    raw = pd.read_csv(path, dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str})
    rows = raw[raw["CustomerID"].notna()]
    # as the shop exports them: a line per invoice line, cancellations (C...) with negative
    # amounts, customer ids as pandas writes a float column (17850.0), dates with a time
    orders = pd.DataFrame({"participant_id": rows["CustomerID"], "ordered_on": rows["InvoiceDate"],
                           "amount": (rows["Quantity"] * rows["UnitPrice"]).round(2)})
    orders["pv"] = orders["amount"]
    first = pd.to_datetime(orders["ordered_on"]).groupby(orders["participant_id"]).min()
    people = pd.DataFrame({"id": first.index, "sponsor_id": "", "enrolled_on": first.dt.strftime("%Y-%m-%d"),
                           "kind": "customer"})
    d = tmp_path_factory.mktemp("online_retail")
    people.to_csv(d / "people.csv", index=False)
    orders.to_csv(d / "orders.csv", index=False)
    out = d / "report"
    assert main(["report", "--participants", str(d / "people.csv"), "--orders", str(d / "orders.csv"),
                 "--as-of", "2011-12-09", "--out", str(out), "--quiet"]) == 0
    return d, out, orders.assign(participant_id=orders["participant_id"].astype(float).astype(np.int64),
                                 ordered_on=pd.to_datetime(orders["ordered_on"]))


def test_online_retail_report_is_pandas_and_rfm(online_retail, tmp_path):
    d, out, orders = online_retail
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "4,372 participants and 406,829 orders" in page  # the facts of shared/data/README.md
    # life-cycle: refund rows (amount <= 0: cancellations, free lines) are not order days
    bought = orders[orders["amount"] > 0].assign(ordered_on=lambda f: f["ordered_on"].dt.normalize())
    assert (orders["amount"] <= 0).sum() > 8000  # 8,905 cancellation lines and a few free ones
    want = brute_lifecycle(bought, "2011-12-09", dl.segment.FREQUENCY_TIERS, dl.segment.RECENCY_TIERS,
                           np.sort(bought["participant_id"].unique()))
    want = pd.crosstab(want["frequency_tier"], want["recency_tier"]).reindex(
        index=["New", "Promising", "Constant"], columns=["Active", "Sleeping", "Lost"], fill_value=0)
    got = pd.read_csv(out / "lifecycle_matrix.csv", index_col=0)
    np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())
    assert got.to_numpy().sum() == bought["participant_id"].nunique()  # 4,339 buyers
    # RFM: the report's rfm.csv is dl.rfm of the same orders, money in cents
    people = pd.read_csv(d / "people.csv")
    net = dl.Network.from_frame(people.assign(sponsor_id=np.nan), enrolled_on=None)
    rfm = dl.rfm(orders, "2011-12-09", participants=net)
    rep = pd.read_csv(out / "rfm.csv", index_col=0)
    assert list(rep.index) == list(rfm.index)
    np.testing.assert_allclose(rep["monetary"].fillna(0), rfm["monetary"].fillna(0).round(2), atol=1e-9)
    np.testing.assert_array_equal(rep["score"].fillna(-1), rfm["score"].astype(float).fillna(-1))
    assert rep["segment"].fillna("").tolist() == rfm["segment"].astype(object).fillna("").tolist()
    counts = pd.read_csv(out / "rfm_segments.csv", index_col=0)["customers"]
    assert counts.to_dict() == {k: v for k, v in rfm["segment"].value_counts().to_dict().items()}


def test_online_retail_report_page_renders(online_retail, tmp_path):
    _, out, _ = online_retail
    # every customer is a root: no legs or organisation to draw
    assert_page_renders(out, tmp_path, {"lifecycle", "survival", "cohorts"})
