"""Jupyter's view of the objects (_repr_html_): compact, and showing the right numbers."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

import downline as dl
from reference import brute_volumes, random_company


def _cells(html: str) -> list[str]:
    return [c.strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html, flags=re.S)]


def test_network_html_counts_participants_per_depth():
    people, orders = random_company(200, "random", np.random.default_rng(11))
    net = dl.Network.from_frame(people)
    html = net._repr_html_()
    assert html.startswith('<div class="downline">') and len(html) < 5000
    depth = brute_volumes(people, orders)["depth"].value_counts().sort_index()
    cells = _cells(html)
    for d, count in depth.items():  # the table: depth (header) -> participants
        assert str(d) in cells and str(count) in cells
    assert f"{len(people):,} participants" in html


def test_result_objects_show_their_main_table():
    rng = np.random.default_rng(12)
    orders = pd.DataFrame({"participant_id": rng.integers(0, 60, 300),
                           "ordered_on": pd.Timestamp("2023-01-01")
                           + pd.to_timedelta(rng.integers(0, 300, 300), unit="D")})
    lc = dl.lifecycle(orders, "2023-12-31")
    cells = _cells(lc._repr_html_())
    for v in lc.matrix.to_numpy().ravel():
        assert str(v) in cells
    km = dl.KaplanMeier().fit([1, 2, 2, 3, 5, 8], [1, 1, 0, 1, 1, 0], groups=list("aaabbb"))
    html = km._repr_html_()
    # medians by hand: group a: S(1) = 2/3, S(2) = 1/3 -> 2; group b: S(3) = 2/3, S(5) = 1/3 -> 5
    assert {"a", "b", "2", "5"} <= set(_cells(html))
    assert "not fitted" in dl.KaplanMeier()._repr_html_()
    cr = dl.cohort_retention(orders, "2023-12-31")
    assert "100.0%" in _cells(cr._repr_html_())  # month 0 of every cohort
