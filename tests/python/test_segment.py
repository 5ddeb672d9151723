"""Segmentation: rfm_summary against lifetimes' answers for CDNOW, lifecycle and
order_summary against brute-force pandas, the Online Retail facts."""

import numpy as np
import pandas as pd
import pytest

import downline as dl
from reference import brute_lifecycle, cdnow_master

pytestmark = pytest.mark.filterwarnings("ignore::downline.DroppedRowsWarning")


# ----------------------------------------------------------------------------- CDNOW
def _cdnow_sample(data):
    df = pd.read_csv(data / "cdnow" / "CDNOW_sample.txt", sep=r"\s+", header=None,
                     names=["master_id", "customer_id", "date", "cds", "dollar_value"])
    df["date"] = pd.to_datetime(df["date"].astype(str), format="%Y%m%d")
    return df


CASES = [
    ("cdnow_master_calib_1997-09-30_rfm_freqD.csv", cdnow_master, "1997-09-30"),
    ("cdnow_sample_calib_1997-09-30_rfm_freqD.csv", _cdnow_sample, "1997-09-30"),
    ("cdnow_sample_full_rfm_freqD.csv", _cdnow_sample, None),
]


@pytest.mark.parametrize("name,load,end", CASES)
def test_rfm_summary_reproduces_lifetimes_on_cdnow(data_dir, name, load, end):
    tx = load(data_dir)
    want = pd.read_csv(data_dir / "reference" / "rfm" / name, index_col="customer_id")
    got = dl.rfm_summary(tx, "customer_id", "date", "dollar_value", observation_period_end=end)
    assert got.index.name == "customer_id"
    assert list(got.columns) == ["frequency", "recency", "T", "monetary_value"]
    assert (got.dtypes == np.float64).all()
    assert list(got.index) == list(want.index)
    for col in ("frequency", "recency", "T"):
        np.testing.assert_array_equal(got[col].to_numpy(), want[col].to_numpy(dtype=float), err_msg=col)
    np.testing.assert_allclose(got["monetary_value"].to_numpy(), want["monetary_value"].to_numpy(), rtol=0,
                               atol=1e-6)
    # the other columns of the reference: rows, total value, first and last purchase
    summ = dl.order_summary(tx, as_of=end, participant="customer_id", date="date", amount="dollar_value")
    summ = summ.loc[want.index]
    np.testing.assert_array_equal(summ["orders"].to_numpy(), want["n_rows"].to_numpy())
    np.testing.assert_allclose(summ["amount"].to_numpy(), want["total_value"].to_numpy(), rtol=0, atol=1e-6)
    np.testing.assert_array_equal(summ["first_order"].to_numpy(),
                                  pd.to_datetime(want["first_purchase"]).to_numpy())
    np.testing.assert_array_equal(summ["last_order"].to_numpy(),
                                  pd.to_datetime(want["last_purchase"]).to_numpy())
    # without money: the three other columns only
    short = dl.rfm_summary(tx, "customer_id", "date", observation_period_end=end)
    assert list(short.columns) == ["frequency", "recency", "T"]


def test_rfm_summary_options(data_dir):
    tx = _cdnow_sample(data_dir)
    got = dl.rfm_summary(tx, "customer_id", "date", "dollar_value", include_first_transaction=True)
    daily = tx.groupby(["customer_id", "date"])["dollar_value"].sum()
    want = daily.groupby(level=0).mean()
    np.testing.assert_allclose(got["monetary_value"].to_numpy(), want.loc[got.index].to_numpy(), atol=1e-9)
    strings = tx.assign(date=tx["date"].dt.strftime("%Y%m%d"))
    again = dl.rfm_summary(strings, "customer_id", "date", "dollar_value", datetime_format="%Y%m%d")
    pd.testing.assert_frame_equal(again, dl.rfm_summary(tx, "customer_id", "date", "dollar_value"))
    with pytest.raises(dl.InputError, match="freq='D'"):
        dl.rfm_summary(tx, "customer_id", "date", freq="W")


# ----------------------------------------------------------------------------- brute force
def random_orders(rng, n_customers, n_orders, with_missing=False):
    ids = rng.choice(np.arange(10_000, 10_000 + 5 * n_customers), size=n_customers, replace=False)
    who = ids[rng.integers(0, n_customers, size=n_orders)]
    # few distinct days so that same-day orders (ties) are common; times within the day
    day = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 400, size=n_orders), unit="D")
    when = day + pd.to_timedelta(rng.integers(0, 86_400, size=n_orders), unit="s")
    amount = np.round(rng.normal(40, 30, size=n_orders), 2)  # some negative: refunds
    orders = pd.DataFrame({"participant_id": who, "ordered_on": when, "amount": amount})
    return ids, orders


TIERS = [
    (dl.segment.FREQUENCY_TIERS, dl.segment.RECENCY_TIERS),
    ((("one", 1), ("few", 3), ("many", 6), ("lots", 50)), (("hot", 0), ("cold", None))),  # "lots" stays empty
    ((("buyer", 1),), (("recent", 10), ("mid", 20), ("old", 200), ("ancient", None))),
]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("tiers", range(len(TIERS)))
def test_lifecycle_equals_brute_force(seed, tiers):
    rng = np.random.default_rng(seed)
    f_tiers, r_tiers = TIERS[tiers]
    ids, orders = random_orders(rng, 300, 2_000)
    as_of = "2022-10-15"
    universe = np.concatenate([ids, [1, 2, 3]])  # three participants who never order
    got = dl.lifecycle(orders, as_of, frequency_tiers=f_tiers, recency_tiers=r_tiers,
                       participants=universe if seed else None)
    want_universe = universe if seed else np.sort(orders["participant_id"].unique())
    want = brute_lifecycle(orders, as_of, f_tiers, r_tiers, want_universe)
    seg = got.segments
    assert list(seg.index) == list(want.index)
    np.testing.assert_array_equal(seg["frequency"].to_numpy(), want["frequency"].to_numpy())
    np.testing.assert_array_equal(seg["recency"].to_numpy(dtype=float, na_value=np.nan),
                                  want["recency"].to_numpy(dtype=float))
    for col in ("frequency_tier", "recency_tier", "segment"):
        assert isinstance(seg[col].dtype, pd.CategoricalDtype)
        assert list(seg[col].astype(object).where(seg[col].notna(), None)) == list(want[col]), col
    f_names, r_names = [n for n, _ in f_tiers], [n for n, _ in r_tiers]
    assert list(seg["segment"].cat.categories) == [f"{f} {r}" for f in f_names for r in r_names]
    want_matrix = (pd.crosstab(want["frequency_tier"], want["recency_tier"])
                   .reindex(index=f_names, columns=r_names, fill_value=0))
    np.testing.assert_array_equal(got.matrix.to_numpy(), want_matrix.to_numpy())
    assert list(got.matrix.index) == f_names and list(got.matrix.columns) == r_names
    buyers = int(want["segment"].notna().sum())
    assert got.no_purchase == len(want) - buyers
    np.testing.assert_allclose(got.shares.to_numpy(), want_matrix.to_numpy() / buyers)
    assert got.active_base_share == pytest.approx((want["recency_tier"] == r_names[0]).sum() / buyers)


def test_order_summary_equals_pandas():
    rng = np.random.default_rng(7)
    ids, orders = random_orders(rng, 200, 3_000)
    late = pd.DataFrame({"participant_id": [1, 2, 1], "ordered_on": pd.to_datetime(["2022-12-01"] * 3),
                         "amount": [5.0, 6.0, 7.0]})
    orders = pd.concat([orders, late], ignore_index=True)  # two customers who order only after as_of
    as_of = pd.Timestamp("2022-09-30")
    got = dl.order_summary(orders, as_of=as_of)
    kept = orders[orders["ordered_on"].dt.normalize() <= as_of]
    g = kept.groupby("participant_id")
    want = pd.DataFrame({"orders": g.size(), "order_days": g["ordered_on"].agg(lambda s: s.dt.normalize().nunique()),
                         "first_order": g["ordered_on"].min().dt.normalize(),
                         "last_order": g["ordered_on"].max().dt.normalize(), "amount": g["amount"].sum()})
    later_only = sorted(set(orders["participant_id"]) - set(kept["participant_id"]))
    assert len(later_only) > 0
    assert (got.loc[later_only, "orders"] == 0).all() and got.loc[later_only, "last_order"].isna().all()
    got = got.loc[want.index]
    for col in ("orders", "order_days", "first_order", "last_order"):
        np.testing.assert_array_equal(got[col].to_numpy(), want[col].to_numpy(), err_msg=col)
    np.testing.assert_allclose(got["amount"].to_numpy(), want["amount"].to_numpy(), atol=1e-9)


def test_bad_rows_are_named_or_dropped_with_a_count():
    orders = pd.DataFrame({"participant_id": pd.array([1, None, 2, 3], dtype="Int64"),
                           "ordered_on": pd.to_datetime(["2022-01-01", "2022-01-02", None, "2022-01-03"]),
                           "amount": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(dl.InputError, match=r"2 order\(s\) with a missing 'participant_id' or 'ordered_on' at rows 1, 2"):
        dl.lifecycle(orders, "2022-02-01")
    with pytest.warns(dl.DroppedRowsWarning, match=r"dropped 2 order\(s\) .* at rows 1, 2"):
        lc = dl.lifecycle(orders, "2022-02-01", missing="drop")
    assert list(lc.segments.index) == [1, 3]
    bad_amount = orders.dropna().assign(amount=[1.0, np.inf])
    with pytest.raises(dl.InputError, match=r"'amount' has 1 missing or infinite value\(s\) at rows 1"):
        dl.order_summary(bad_amount)
    with pytest.raises(dl.UnknownIdError, match=r"1 order\(s\) of 1 participant\(s\) not among the participants: 3"):
        dl.lifecycle(orders.dropna(), "2022-02-01", participants=[1, 2])
    with pytest.raises(dl.InputError, match="must increase"):
        dl.lifecycle(orders.dropna(), "2022-02-01", frequency_tiers=[("a", 1), ("b", 1)])
    with pytest.raises(dl.InputError, match="last tier's bound must be None"):
        dl.lifecycle(orders.dropna(), "2022-02-01", recency_tiers=[("a", 10)])
    strings = orders.dropna().assign(ordered_on=["2022-01-01", "2022-01-03"])
    assert list(dl.lifecycle(strings, np.datetime64("2022-01-03")).segments["recency"]) == [2, 0]


def test_lifecycle_of_a_network_counts_participants_without_orders():
    people, orders = dl.sample(2_000, seed=3)
    net = dl.Network.from_frame(people)
    lc = dl.lifecycle(orders, "2023-06-30", participants=net)
    assert list(lc.segments.index) == list(net.ids)
    bought = orders[(orders["ordered_on"] <= "2023-06-30") & (orders["amount"] > 0)]  # refunds are not orders
    assert lc.no_purchase == len(net) - bought["participant_id"].nunique()


def test_lifecycle_and_rfm_of_a_network_as_of_a_date_leave_out_the_participants_not_in_it_yet():
    # with enrolment dates: the participants enrolled by the date, under sponsors who were
    # (members_as_of written out in reference.py), as a list of ids
    from reference import members_as_of

    people, orders = dl.sample(2_000, seed=4)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    day = pd.Timestamp("2021-06-30")
    inside = members_as_of(people, day)
    kept = [i for i in people["id"] if inside[i]]
    assert 0 < len(kept) < len(people)
    mine = orders[orders["participant_id"].isin(kept)]
    got, want = dl.lifecycle(orders, day, participants=net), dl.lifecycle(mine, day, participants=kept)
    pd.testing.assert_frame_equal(got.segments, want.segments, check_names=False)
    assert got.no_purchase == want.no_purchase
    pd.testing.assert_frame_equal(dl.rfm(orders, day, participants=net), dl.rfm(mine, day, participants=kept),
                                  check_names=False)


# ----------------------------------------------------------------------------- Online Retail
def test_online_retail_loads_and_segments(data_dir):
    raw = pd.read_csv(data_dir / "online_retail" / "online_retail_uci_2010-12_2011-12.csv",
                      dtype={"InvoiceNo": str, "StockCode": str}, parse_dates=["InvoiceDate"])
    assert len(raw) == 541_909
    assert round(float((raw["Quantity"] * raw["UnitPrice"]).sum()), 2) == 9_747_747.93
    with_id = raw[raw["CustomerID"].notna()]
    assert len(with_id) == 406_829
    assert with_id["CustomerID"].nunique() == 4_372
    assert raw["InvoiceNo"].nunique() == 25_900
    clean = with_id[~with_id["InvoiceNo"].str.startswith("C") & (with_id["Quantity"] > 0)]
    orders = clean.assign(amount=clean["Quantity"] * clean["UnitPrice"])
    # the rows without a customer are named (or dropped on request) rather than ignored
    with pytest.raises(dl.InputError, match="missing 'CustomerID'"):
        dl.lifecycle(raw, "2011-12-09", participant="CustomerID", date="InvoiceDate")
    lc = dl.lifecycle(orders, "2011-12-09", participant="CustomerID", date="InvoiceDate")
    assert len(lc.segments) == 4_339
    # customers whose every line is free (amount 0) bought nothing: "no purchase"
    free_only = (orders.groupby("CustomerID")["amount"].max() <= 0).sum()
    assert lc.no_purchase == free_only == 1
    want = brute_lifecycle(orders.rename(columns={"CustomerID": "participant_id", "InvoiceDate": "ordered_on"}),
                           "2011-12-09", dl.segment.FREQUENCY_TIERS, dl.segment.RECENCY_TIERS,
                           np.sort(orders["CustomerID"].unique()))
    want_matrix = pd.crosstab(want["frequency_tier"], want["recency_tier"]).reindex(
        index=["New", "Promising", "Constant"], columns=["Active", "Sleeping", "Lost"], fill_value=0)
    np.testing.assert_array_equal(lc.matrix.to_numpy(), want_matrix.to_numpy())
    summ = dl.order_summary(orders, participant="CustomerID", date="InvoiceDate")
    assert summ["amount"].sum() == pytest.approx(orders["amount"].sum(), abs=1e-4)
