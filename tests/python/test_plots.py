"""The plots draw the data they are given: bar heights, rectangle widths and heatmap cells
against the brute-force reference of tests/python/reference.py or the object plotted."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import downline as dl
from reference import brute_volumes, random_company

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _company(seed: int, n: int = 300):
    people, orders = random_company(n, "random", np.random.default_rng(seed))
    return people, orders[orders["pv"] > 0].reset_index(drop=True)  # no refunds: nothing clipped


def _biggest(people: pd.DataFrame, ref: pd.DataFrame):
    """The participant with the largest downline (ties: the first row)."""
    return ref["downline"].reindex(people["id"]).idxmax()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_legs_bars_are_the_legs_volumes(seed):
    people, orders = _company(seed)
    start, end = "2021-02-01", "2021-05-01"
    ref = brute_volumes(people, orders, start=start, end=end)
    leader = _biggest(people, ref)
    recruits = people.loc[people["sponsor_id"] == leader, "id"].tolist()
    net = dl.Network.from_frame(people)
    ax = net.plot_legs(leader, orders, start=start, end=end)
    bars = {b.get_gid(): b for b in ax.patches}
    assert sorted(bars) == sorted(str(r) for r in recruits)
    for r in recruits:  # a leg's volume is its recruit's GV
        assert bars[str(r)].get_height() == pytest.approx(ref.at[r, "gv"], abs=1e-9)
    power = max(recruits, key=lambda r: ref.at[r, "gv"])
    colours = {k: matplotlib.colors.to_hex(b.get_facecolor()) for k, b in bars.items()}
    assert sum(c == colours[str(power)] for c in colours.values()) == 1  # only the power leg stands out
    assert ref.at[leader, "power_leg"] == pytest.approx(bars[str(power)].get_height())


def test_legs_beyond_fifty_bars_keep_the_largest_and_sum_the_others():
    # a star drawn for the plot: leader 0 and 120 recruits, recruit r ordering 1,000 x r PV
    m = 120
    people = pd.DataFrame({"id": range(m + 1), "sponsor_id": pd.array([None] + [0] * m, dtype="Int64")})
    orders = pd.DataFrame({"participant_id": range(1, m + 1), "ordered_on": pd.Timestamp("2023-01-10"),
                           "pv": [1000.0 * r for r in range(1, m + 1)]})
    net = dl.Network.from_frame(people)
    ax = net.plot_legs(0, orders, start="2023-01-01", end="2023-02-01")
    heights = [b.get_height() for b in ax.patches]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert len(heights) == 50
    assert labels[:49] == [str(r) for r in range(m, m - 49, -1)]  # the 49 largest legs, largest first
    assert heights[:49] == [1000.0 * r for r in range(m, m - 49, -1)]
    assert labels[49] == "others (71)" and heights[49] == sum(1000.0 * r for r in range(1, m - 48))
    assert ax.yaxis.get_major_formatter()(1234567, 0) == "1,234,567"
    assert "120 leg(s) of 0: power leg 120,000" in ax.get_title()
    fifty = orders[orders["participant_id"] <= 50]
    net = dl.Network.from_frame(people[people["id"] <= 50])  # 50 legs
    ax = net.plot_legs(0, fifty, start="2023-01-01", end="2023-02-01")
    table = net.legs(0, fifty, start="2023-01-01", end="2023-02-01")
    assert sorted(int(t.get_text()) for t in ax.get_xticklabels()) == list(range(1, 51))  # 50: every leg by id
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(r) for r in table.index]


def test_legs_need_orders_and_a_known_leader():
    people, orders = _company(4, 30)
    net = dl.Network.from_frame(people)
    with pytest.raises(dl.UnknownIdError):
        net.plot_legs(-1, orders)


@pytest.mark.parametrize("seed,levels", [(5, 2), (6, 3), (7, 6)])
def test_organisation_rectangles_are_gv_shares_under_their_sponsors(seed, levels):
    people, orders = _company(seed)
    ref = brute_volumes(people, orders)
    leader = _biggest(people, ref)
    sponsor = dict(zip(people["id"], people["sponsor_id"]))
    # the organisation down to `levels` levels, by walking the sponsor links
    def level_of(x):
        k = 0
        while x != leader:
            x = sponsor[x]
            if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
                return None
            k += 1
        return k
    members = {x: level_of(x) for x in people["id"]}
    members = {x: k for x, k in members.items() if k is not None and k < levels}
    min_share = 0.01
    net = dl.Network.from_frame(people)
    ax = net.plot_organisation(leader, orders, levels=levels, min_share=min_share)
    rects = {r.get_gid(): r for r in ax.patches}
    total = ref.at[leader, "gv"]
    want = {str(x) for x in members if ref.at[x, "gv"] / total >= min_share - 1e-12}
    assert set(rects) == want
    for x, k in members.items():
        r = rects.get(str(x))
        if r is None:
            continue
        assert r.get_width() == pytest.approx(ref.at[x, "gv"] / total, abs=1e-12)
        assert r.get_y() == pytest.approx(-k - 0.95)  # its row: level k below the leader
        if k > 0 and str(sponsor[x]) in rects:  # inside its sponsor's rectangle
            s = rects[str(sponsor[x])]
            assert s.get_x() - 1e-12 <= r.get_x() and r.get_x() + r.get_width() <= s.get_x() + s.get_width() + 1e-12


def test_organisation_errors():
    people, orders = _company(8, 40)
    net = dl.Network.from_frame(people)
    leaf = people.loc[~people["id"].isin(people["sponsor_id"].dropna()), "id"].iloc[0]
    with pytest.raises(dl.InputError, match="levels"):
        net.plot_organisation(leaf, orders, levels=0)
    with pytest.raises(dl.InputError, match="not positive"):
        net.plot_organisation(leaf, orders.iloc[0:0])


def test_lifecycle_heatmap_cells_are_the_matrix():
    rng = np.random.default_rng(9)
    n = 400
    orders = pd.DataFrame({
        "participant_id": rng.integers(0, 150, n),
        "ordered_on": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
    })
    as_of = pd.Timestamp("2023-12-31")
    lc = dl.lifecycle(orders, as_of)
    # the matrix by pandas: distinct order days -> frequency tier, days since the last -> recency tier
    days = orders.assign(day=orders["ordered_on"].dt.normalize()).drop_duplicates(["participant_id", "day"])
    per = days.groupby("participant_id")["day"].agg(["size", "max"])
    freq = pd.cut(per["size"], [0, 1, 3, np.inf], labels=["New", "Promising", "Constant"])
    rec = pd.cut((as_of - per["max"]).dt.days, [-1, 30, 90, np.inf], labels=["Active", "Sleeping", "Lost"])
    want = pd.crosstab(freq, rec).reindex(index=["New", "Promising", "Constant"],
                                           columns=["Active", "Sleeping", "Lost"], fill_value=0)
    ax = lc.plot()
    np.testing.assert_array_equal(ax.images[0].get_array(), want.to_numpy())
    labels = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    for (i, j), v in np.ndenumerate(want.to_numpy()):
        assert labels[(i, j)].split("\n")[0] == f"{v:,}"
    ax = lc.plot(shares=True)
    np.testing.assert_allclose(ax.images[0].get_array(), want.to_numpy() / want.to_numpy().sum())


def test_survival_plot_draws_bands_and_numbers_at_risk():
    t = np.array([1, 2, 2, 3, 5, 6, 8, 9, 12, 15], dtype=float)
    e = np.array([1, 1, 0, 1, 0, 1, 1, 0, 1, 0], dtype=bool)
    g = np.array(list("aaaaabbbbb"))
    km = dl.KaplanMeier().fit(t, e, groups=g)
    ax = km.plot(at_risk_counts=True)
    assert ax.get_xlabel() == "time (days)"  # the unit of churn's durations, by default
    assert dl.KaplanMeier(unit="weeks").fit(t, e).plot().get_xlabel() == "time (weeks)"
    with pytest.raises(dl.InputError, match="unit: expected the durations' unit"):
        dl.KaplanMeier(unit="")
    # the bands: every vertex lies between the group's lower and upper bounds on the timeline
    ci = km.confidence_interval_
    for band, label in zip(ax.collections, ["a", "b"]):
        y = band.get_paths()[0].vertices[:, 1]
        lo, hi = ci[f"{label}_lower_0.95"].min(), ci[f"{label}_upper_0.95"].max()
        assert np.nanmin(y) >= lo - 1e-12 and np.nanmax(y) <= hi + 1e-12
        assert np.isclose(np.nanmax(y), hi) and np.isclose(np.nanmin(y), lo)
    # numbers at risk under the axis: subjects with a duration >= the tick, by hand
    ticks = [x for x in ax.get_xticks() if 0 <= x <= t.max()]
    texts = [(round(tx.get_position()[0], 6), tx.get_text()) for tx in ax.texts]
    for label, row in (("a", 0), ("b", 1)):
        want = [str(int(np.sum(t[g == label] >= x))) for x in ticks]
        shown = [s for x, s in texts if s not in ("a", "b")][row * len(ticks):(row + 1) * len(ticks)]
        assert shown == want, (label, shown, want)


@pytest.mark.parametrize("as_of", ["2023-05-17", "2023-05-31"])
def test_cohort_heatmap_colours_months_after_the_first_and_marks_a_partial_month(as_of):
    # cohorts drawn for the plot: January (4 customers), February (2), March (1)
    orders = pd.DataFrame({
        "participant_id": [1, 2, 3, 4, 1, 2, 1, 5, 6, 5, 7],
        "ordered_on": pd.to_datetime(["2023-01-03", "2023-01-09", "2023-01-20", "2023-01-30", "2023-02-14",
                                      "2023-03-01", "2023-05-02", "2023-02-02", "2023-02-27", "2023-04-11",
                                      "2023-03-05"]),
    })
    cr = dl.cohort_retention(orders, as_of)
    ax = cr.plot()
    image = np.ma.filled(ax.images[0].get_array(), np.nan)
    # by hand: January 4 customers: month 1 {1}, 2 {2}, 4 {1}; February 2: month 2 {5}; March 1
    want = np.full((3, 5), np.nan)
    want[0, 1:5] = [1 / 4, 1 / 4, 0, 1 / 4]
    want[1, 1:4] = [0, 1 / 2, 0]
    want[2, 1:3] = [0, 0]
    np.testing.assert_allclose(image, want)  # month 0 not coloured; after as_of blank
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2023-01 (4)", "2023-02 (2)", "2023-03 (1)"]
    texts = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    assert [texts[(i, 0)] for i in range(3)] == ["4", "2", "1"]  # month 0: the cohort sizes
    assert texts[(0, 1)] == "25%" and texts[(1, 2)] == "50%"
    assert ax.images[0].get_clim() == (0.0, pytest.approx(np.nanpercentile(want, 99)))
    # the hatched cells: one collection of unit squares, each (column, row) by its centre
    hatched = sorted((round(float(path.vertices[:4, 0].mean())), round(float(path.vertices[:4, 1].mean())))
                     for c in ax.collections if c.get_hatch() for path in c.get_paths())
    if as_of == "2023-05-17":  # May observed in part: each cohort's May cell
        assert hatched == [(2, 2), (3, 1), (4, 0)]
    else:
        assert hatched == []
    assert ax.get_xlabel() == "months since the cohort month" and ax.get_ylabel() == "cohort (customers)"


def test_a_large_cohort_heatmap_fits_the_page_with_labels_apart():
    """60 monthly cohorts drawn for the plot (customer k first orders in month k and again
    the month after): the figure stays within MAX_FIGSIZE, the tick labels it keeps name
    their own rows and columns and do not overlap, and no cell's value is lost."""
    months = pd.date_range("2019-01-01", periods=60, freq="MS")
    orders = pd.DataFrame({"participant_id": np.repeat(np.arange(60), 2),
                           "ordered_on": np.ravel(np.column_stack([months, months + pd.DateOffset(months=1)]))})
    cr = dl.cohort_retention(orders, "2023-12-31")
    ax = cr.plot()
    width, height = ax.figure.get_size_inches()
    assert width <= dl.plots.MAX_FIGSIZE[0] and height <= dl.plots.MAX_FIGSIZE[1]
    image = np.ma.filled(ax.images[0].get_array(), np.nan)
    assert image.shape == (60, 60) and np.all(image[:59, 1] == 1.0) and np.isnan(image[59, 1])
    ax.figure.canvas.draw()
    for axis, name in ((ax.yaxis, "y"), (ax.xaxis, "x")):
        labels = axis.get_ticklabels()
        assert 5 <= len(labels) < 60, name  # thinned, not all 60 on top of each other
        boxes = sorted((t.get_window_extent() for t in labels), key=lambda b: b.y0 if name == "y" else b.x0)
        for a, b in zip(boxes, boxes[1:]):
            assert (a.y1 <= b.y0) if name == "y" else (a.x1 <= b.x0), (name, a, b)
    rows = {round(p): t.get_text() for p, t in zip(ax.get_yticks(), ax.get_yticklabels())}
    assert rows[0] == "2019-01 (1)" and all(rows[i].startswith(f"{months[i]:%Y-%m} ") for i in rows)
