"""Network.volumes and Network.rollup against the brute-force reference."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import downline as dl
from reference import brute_volumes, random_company

SHAPES = ["random", "chain", "star", "mixed", "forest"]


def check(people, orders, columns=None, **kw):
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    got = net.volumes(orders, columns=columns, **kw)
    want = brute_volumes(people, orders, **kw)
    if columns is not None:
        want = want[columns]
    assert list(got.index) == list(want.index)
    assert list(got.columns) == list(want.columns)
    for col in want.columns:
        if col in ("downline", "active_downline", "frontline", "depth", "height"):
            np.testing.assert_array_equal(got[col].to_numpy(), want[col].to_numpy().astype(np.int64), err_msg=col)
        else:
            np.testing.assert_allclose(got[col].to_numpy(), want[col].to_numpy(dtype=float), rtol=1e-12, atol=1e-9,
                                       err_msg=col)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("n", [1, 2, 7, 60, 400])
def test_random_forests(seed, shape, n):
    rng = np.random.default_rng(1000 * seed + n)
    people, orders = random_company(n, shape, rng, string_ids=seed == 3)
    kw = {"levels": int(rng.integers(1, 6))}
    if seed % 2:
        kw["start"] = pd.Timestamp("2021-01-01") + pd.Timedelta(days=int(rng.integers(0, 50)))
        kw["end"] = kw["start"] + pd.Timedelta(days=int(rng.integers(0, 300)))
    if seed == 1:
        kw["as_of"] = pd.Timestamp("2021-01-01") + pd.Timedelta(days=int(rng.integers(0, n // 2 + 60)))
    if seed == 2:
        kw["min_pv"] = float(rng.integers(0, 100))
    check(people, orders, **kw)


@pytest.mark.parametrize("shape,n", [("random", 10_000), ("mixed", 3_000), ("chain", 2_000)])
def test_larger_networks(shape, n):
    rng = np.random.default_rng(n)
    people, orders = random_company(n, shape, rng)
    check(people, orders, levels=4, as_of="2021-06-30", start="2021-02-01")


@pytest.mark.parametrize("columns", [["gv", "pv"], ["gv"], ["pv"], ["height", "level_2", "gv"], []])
@pytest.mark.parametrize("as_of", [None, "2021-03-15"])
def test_selected_columns(columns, as_of):
    rng = np.random.default_rng(len(columns))
    people, orders = random_company(2_000, "mixed", rng)
    check(people, orders, columns=columns, levels=2, start="2021-02-01", end="2021-05-01", as_of=as_of)


def test_selected_columns_are_checked():
    rng = np.random.default_rng(1)
    people, orders = random_company(50, "random", rng)
    net = dl.Network.from_frame(people)
    with pytest.raises(dl.InputError, match=r"columns: 'level_4' not a column of the volumes \(columns: pv, gv"):
        net.volumes(orders, levels=3, columns=["gv", "level_4"])
    with pytest.raises(dl.InputError, match="columns: 'gv' named twice"):
        net.volumes(orders, columns=["gv", "gv"])
    with pytest.raises(dl.InputError, match="columns: expected a list of column names, not 'gv'"):
        net.volumes(orders, columns="gv")


def test_activity_is_reused_for_many_periods():
    rng = np.random.default_rng(5)
    people, orders = random_company(300, "random", rng)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    act = net.activity(orders)
    assert len(act) == len(orders)
    months = pd.date_range("2021-01-01", periods=6, freq="MS")
    for lo, hi in zip(months[:-1], months[1:]):
        got = net.volumes(act, start=lo, end=hi)
        want = brute_volumes(people, orders, start=lo, end=hi)
        np.testing.assert_allclose(got["gv"].to_numpy(), want["gv"].to_numpy(), atol=1e-9)


def test_rollup_series_frame_and_arrays():
    rng = np.random.default_rng(11)
    people, orders = random_company(500, "random", rng)
    net = dl.Network.from_frame(people)
    values = pd.DataFrame({"a": rng.normal(size=500), "b": rng.integers(0, 5, size=500)}, index=people["id"])
    # Reference: value of every descendant added to each ancestor by walking up.
    sponsor = dict(zip(people["id"], people["sponsor_id"]))
    want = values.astype(float).copy()
    for j in people["id"]:
        x = sponsor[j]
        while x is not pd.NA:
            want.loc[x] += values.loc[j]
            x = sponsor[x]
    got = net.rollup(values.sample(frac=1.0, random_state=1))  # rows in another order: aligned by id
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12, atol=1e-9)
    s = net.rollup(values["a"].iloc[:250])  # ids absent from the Series count as 0
    part = values["a"].copy()
    part.iloc[250:] = 0.0
    np.testing.assert_allclose(s.to_numpy(), net.rollup(part.to_numpy()), atol=1e-12)
    arr = net.rollup(values.to_numpy(dtype=float))
    np.testing.assert_allclose(arr, want.to_numpy(), atol=1e-9)
    with pytest.raises(dl.UnknownIdError, match="not in the network: 123"):
        net.rollup(pd.Series([1.0], index=[123]))
    with pytest.raises(dl.InputError, match="expected 500 rows"):
        net.rollup(np.ones(3))


def test_volume_columns_and_index():
    people, orders = dl.sample(2000)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on", kind="kind")
    v = net.volumes(orders, levels=2)
    assert list(v.columns) == ["pv", "gv", "level_1", "level_2", "power_leg", "lesser_legs", "downline",
                               "active_downline", "frontline", "depth", "height"]
    assert v.index.name == "id"
    assert v.index.equals(pd.Index(people["id"]))
    # Independent checks from pandas alone.
    pv = orders.groupby("participant_id")["pv"].sum().reindex(people["id"]).fillna(0.0)
    np.testing.assert_allclose(v["pv"].to_numpy(), pv.to_numpy(), atol=1e-9)
    recruits = people["sponsor_id"].value_counts().reindex(people["id"]).fillna(0).astype(int)
    np.testing.assert_array_equal(v["frontline"].to_numpy(), recruits.to_numpy())
    roots = people["sponsor_id"].isna().to_numpy()
    assert v["gv"].to_numpy()[roots].sum() == pytest.approx(orders["pv"].sum(), rel=1e-12)


def test_thread_count_does_not_change_results():
    # 150,000 orders: cut into slices mapped on separate threads (at least 65,536 rows each)
    rng = np.random.default_rng(11)
    people, orders = random_company(3_000, "random", rng)
    want = brute_volumes(people, orders, start="2021-02-01", end="2021-06-01")[["pv", "gv"]]
    copies = 150_000 // len(orders) + 1
    orders = pd.concat([orders] * copies, ignore_index=True)
    want = want * copies
    try:
        for threads in (1, 2, 3):
            dl.set_num_threads(threads)
            assert dl.num_threads() == threads
            net = dl.Network.from_frame(people)
            for got in (net.volumes(orders, start="2021-02-01", end="2021-06-01", columns=["pv", "gv"]),
                        net.volumes(net.activity(orders), start="2021-02-01", end="2021-06-01")[["pv", "gv"]]):
                np.testing.assert_allclose(got.to_numpy(), want.to_numpy(dtype=float), rtol=1e-12, atol=1e-9)
    finally:
        dl.set_num_threads(0)
    with pytest.raises(dl.InputError):
        dl.set_num_threads(-1)


@pytest.mark.parametrize("columns", [["pv"], ["gv"], ["gv", "pv"], ["pv", "gv"]])
def test_pv_gv_alone_equal_the_brute_force(columns):
    # PV and GV without the rest of the table take their own path (PV summed straight into
    # row order, GV rolled up in preorder, from one pass over the period's orders)
    rng = np.random.default_rng(23)
    people, orders = random_company(2_000, "random", rng)
    want = brute_volumes(people, orders, start="2021-03-01", end="2021-09-01")[columns]
    got = dl.Network.from_frame(people).volumes(orders, start="2021-03-01", end="2021-09-01", columns=columns)
    assert list(got.columns) == columns
    assert got.index.equals(want.index)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(dtype=float), rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("shape", SHAPES)
def test_levels_below_at_and_above_the_height(shape):
    # issue 23: levels beyond the network's height are zeros that cost nothing; the values
    # come from the brute force (every participant added up its sponsor links)
    rng = np.random.default_rng(len(shape))
    people, orders = random_company(60, shape, rng)
    height = int(brute_volumes(people, orders, levels=0)["depth"].max())
    for levels in sorted({max(height - 1, 0), height, height + 1, height + 6}):
        check(people, orders, levels=levels)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    for as_of in (None, "2021-01-20"):  # as_of: the zero columns have the included rows' length
        v = net.volumes(orders, levels=height + 6, as_of=as_of) if as_of else net.volumes(orders, levels=height + 6)
        above = [v[f"level_{l}"].to_numpy() for l in range(height + 1, height + 7)]
        assert all(len(a) == len(v) and not a.any() and not a.flags.writeable for a in above)
        assert all(np.shares_memory(a, above[0]) for a in above)  # one array for them all
        if height > 0:
            assert not np.shares_memory(v[f"level_{height}"].to_numpy(), above[0])


def test_levels_above_the_height_take_no_memory_and_absurd_ones_are_refused():
    # a 200,000-participant star (height 1) with 1,000 levels: 1.6 GB of zeros before
    code = """
import resource
import numpy as np, pandas as pd
import downline as dl
n = 200_000
people = pd.DataFrame({"id": np.arange(1, n + 1),
                       "sponsor_id": pd.array([None] + [1] * (n - 1), dtype="Int64")})
orders = pd.DataFrame({"participant_id": np.arange(1, n + 1),
                       "ordered_on": pd.Timestamp("2023-01-05"), "pv": np.ones(n)})
net = dl.Network.from_frame(people)
act = net.activity(orders)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
v = net.volumes(act, levels=1000)
grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(grew // 1024, v.shape[1], v.loc[1, "level_1"], v["level_1000"].abs().sum())
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    grew_mb, columns, level_1, level_1000 = r.stdout.split()
    assert (int(columns), float(level_1), float(level_1000)) == (1009, 199_999.0, 0.0)
    assert int(grew_mb) < 200, r.stdout  # ten 1.6 MB columns and the gathers, not 1.6 GB

    people = pd.DataFrame({"id": [1, 2, 3, 4], "sponsor_id": pd.array([None, 1, 2, 3], dtype="Int64")})
    orders = pd.DataFrame({"participant_id": [4], "ordered_on": [pd.Timestamp("2023-01-05")], "pv": [2.0]})
    net = dl.Network.from_frame(people)
    v = net.volumes(orders, levels=100_000)  # four participants: zeros from level 4 on
    assert v.shape == (4, 100_009)
    assert v.loc[1, "level_3"] == 2.0 and v["level_4"].sum() == 0 and v["level_100000"].sum() == 0
    for levels in (10**9, 2**20 + 1, 10**30):
        with pytest.raises(dl.InputError, match=rf"^levels = {levels} is more than the 1048576 level "
                                                "columns a table can have; the network's height is 3, "
                                                "so levels above 3 are all zeros$"):
            net.volumes(orders, levels=levels)


def test_one_and_many_columns_roll_up_to_the_same_bits():
    """A column rolled up alone, as part of a frame, and as GV in volumes: identical bits
    (one accumulator for every width), on values whose sums round."""
    people, orders = dl.sample(30_000, seed=9)
    net = dl.Network.from_frame(people)
    rng = np.random.default_rng(9)
    frame = pd.DataFrame({"a": rng.uniform(0, 1, len(people)) / 7, "b": rng.normal(size=len(people)) * 1e3,
                          "c": rng.uniform(-1, 1, len(people)) * 1e-3}, index=net.ids)
    wide = net.rollup(frame)
    for col in frame.columns:
        alone = net.rollup(frame[col])
        assert np.array_equal(wide[col].to_numpy(), alone.to_numpy()), col
    pv = orders[orders.ordered_on >= "2023-11-01"].groupby("participant_id")["pv"].sum().reindex(net.ids, fill_value=0)
    gv = net.volumes(orders[orders.ordered_on >= "2023-11-01"], columns=["gv"])["gv"]
    assert np.array_equal(net.rollup(pv.to_frame())["pv"].to_numpy(), net.rollup(pv).to_numpy())
    np.testing.assert_allclose(gv.to_numpy(), net.rollup(pv).to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("freq", ["MS", "W-MON", "10D"])
@pytest.mark.parametrize("mapped", [False, True])
@pytest.mark.parametrize("columns", [["pv", "gv", "level_2", "downline", "height"], ["gv", "pv"], ["gv"]])
def test_volume_series_is_volumes_period_by_period(freq, mapped, columns):
    rng = np.random.default_rng(31)
    people, orders = random_company(300, "random", rng)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    source = net.activity(orders) if mapped else orders
    got = net.volume_series(source, "2021-01-15", "2021-05-01", freq=freq, columns=columns)
    inner = pd.date_range("2021-01-15", "2021-05-01", freq=freq)
    bounds = sorted({pd.Timestamp("2021-01-15"), pd.Timestamp("2021-05-01"), *inner})
    assert list(got.columns.get_level_values("period").unique()) == bounds[:-1]
    assert got.index.equals(net.ids)
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        # the brute force of the period, on the network as of its last day
        want = brute_volumes(people, orders, start=lo, end=hi, as_of=hi - pd.Timedelta(days=1))
        for c in columns:
            series = got[(c, lo)]
            present = series.dropna()
            assert sorted(present.index) == sorted(want.index)
            assert present.to_numpy() == pytest.approx(want[c].reindex(present.index).to_numpy().astype(float))


def test_volume_series_without_enrolment_dates_has_every_participant_in_every_period():
    rng = np.random.default_rng(32)
    people, orders = random_company(200, "random", rng)
    net = dl.Network.from_frame(people)
    got = net.volume_series(orders, "2021-01-01", "2021-04-01", columns=["pv", "gv"])
    for lo in pd.date_range("2021-01-01", "2021-03-01", freq="MS"):
        want = brute_volumes(people.drop(columns="enrolled_on"), orders, start=lo, end=lo + pd.offsets.MonthBegin(1))
        for c in ("pv", "gv"):
            assert got[(c, lo)].to_numpy() == pytest.approx(want[c].reindex(net.ids).to_numpy().astype(float))


def test_volume_series_arguments_are_checked():
    people, orders = random_company(20, "random", np.random.default_rng(2))
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    with pytest.raises(dl.InputError, match="needs start and end"):
        net.volume_series(orders, "2021-01-01", None)
    with pytest.raises(dl.InputError, match="is not before end"):
        net.volume_series(orders, "2021-02-01", "2021-01-01")
    with pytest.raises(dl.InputError, match="not a pandas frequency"):
        net.volume_series(orders, "2021-01-01", "2021-03-01", freq="fortnightly")
    with pytest.raises(dl.InputError, match="not a column of the volumes|'gvv'"):
        net.volume_series(orders, "2021-01-01", "2021-03-01", columns=["gvv"])
