"""Retention: Kaplan-Meier against statsmodels' and R's published tables, Fader and Hardie's
Table 1 and statsmodels on random data; log-rank against statsmodels' survdiff; churn and
cohort matrices against brute force written here and the CDNOW reference."""

import math

import numpy as np
import pandas as pd
import pytest

import downline as dl
from reference import cdnow_master

sm_survfunc = pytest.importorskip("statsmodels.duration.survfunc")

Z95 = 1.959963984540054


def _reference_km(data_dir, name):
    ref = pd.read_csv(data_dir / "reference" / "km" / f"km_statsmodels_{name}.csv")
    return {g: part.reset_index(drop=True) for g, part in ref.groupby("group")}


def _compare(km_log, km_loglog, label, ref, tol=1e-9):
    """Every column of a reference table (one row per event time) against the fits."""
    tab = km_log.survival_table_
    tab = tab.xs(label, level="group") if isinstance(tab.index, pd.MultiIndex) else tab
    ll = km_loglog.survival_table_
    ll = ll.xs(label, level="group") if isinstance(ll.index, pd.MultiIndex) else ll
    ev = tab[tab["observed"] > 0]
    ev_ll = ll[ll["observed"] > 0]
    np.testing.assert_array_equal(ev.index.to_numpy(dtype=float), ref["time"].to_numpy(dtype=float))
    np.testing.assert_array_equal(ev["at_risk"].to_numpy(), ref["n_risk"].to_numpy(dtype=float))
    np.testing.assert_array_equal(ev["observed"].to_numpy(), ref["n_event"].to_numpy(dtype=float))
    np.testing.assert_array_equal(ev["censored"].to_numpy(), ref["n_censor_at_time"].to_numpy(dtype=float))
    for ours, theirs, frame in (("survival", "surv", ev), ("std_err", "std_err", ev), ("lower", "lower95_log", ev),
                                ("upper", "upper95_log", ev), ("lower", "lower95_loglog", ev_ll),
                                ("upper", "upper95_loglog", ev_ll)):
        np.testing.assert_allclose(frame[ours].to_numpy(), ref[theirs].to_numpy(dtype=float), rtol=0, atol=tol,
                                   equal_nan=True, err_msg=f"{label} {ours} vs {theirs}")


def test_km_aml_matches_statsmodels_and_r(data_dir):
    aml = pd.read_csv(data_dir / "survival" / "aml_R_survival.csv")
    ref = _reference_km(data_dir, "aml")
    fits = {ci: dl.KaplanMeier(ci=ci).fit(aml["time"], aml["status"], groups=aml["x"]) for ci in ("log", "log-log")}
    for x in ("Maintained", "Nonmaintained"):
        _compare(fits["log"], fits["log-log"], x, ref[f"x={x}"])
    whole = {ci: dl.KaplanMeier(ci=ci).fit(aml["time"], aml["status"]) for ci in ("log", "log-log")}
    _compare(whole["log"], whole["log-log"], None, ref["all"])
    # R's published values (survival package, print(summary(survfit(...))))
    s = fits["log"].survival_at([9, 13, 18, 23, 31, 34, 48])["Maintained"].to_numpy()
    np.testing.assert_allclose(s, [.909, .818, .716, .614, .491, .368, .184], atol=5e-4)
    row = fits["log"].survival_table_.loc[("Maintained", 9.0)]
    assert row["std_err"] == pytest.approx(.0867, abs=5e-5)
    assert row["lower"] == pytest.approx(.7541, abs=5e-5) and row["upper"] == 1.0
    assert fits["log"].survival_at([45])["Nonmaintained"].iloc[0] == 0.0
    med = fits["log"].median_survival_time_
    assert med["Maintained"] == 31 and med["Nonmaintained"] == 23


def test_km_g3_and_waltons(data_dir):
    g3 = pd.read_csv(data_dir / "survival" / "g3.csv")
    event = g3["event"].astype(str).str.lower() == "true"
    ref = _reference_km(data_dir, "g3")
    fits = {ci: dl.KaplanMeier(ci=ci).fit(g3["time"], event, groups=g3["group"]) for ci in ("log", "log-log")}
    for g in ("Control", "RIT"):
        _compare(fits["log"], fits["log-log"], g, ref[f"group={g}"])
    # lifelines' published g3 Control values (log-log) and R's median 33 (S = 0.5 on [32, 34))
    ctl = fits["log-log"].survival_table_.xs("Control", level="group")
    ctl = ctl[ctl["observed"] > 0]
    np.testing.assert_allclose(ctl["survival"], [.833, .667, .5, .333], atol=5e-4)
    np.testing.assert_allclose(ctl["lower"], [.2731, .1946, .1109, .0461], atol=5e-5)
    np.testing.assert_allclose(ctl["upper"], [.975, .904, .804, .676], atol=5e-4)
    assert fits["log-log"].median_survival_time_["Control"] == 33.0
    ci = fits["log-log"].confidence_interval_
    assert ci.loc[9.0, "Control_lower_0.95"] == pytest.approx(.2731228499, abs=1e-9)

    w = pd.read_csv(data_dir / "survival" / "waltons_dataset.csv")
    ref = _reference_km(data_dir, "waltons")
    fits = {ci: dl.KaplanMeier(ci=ci).fit(w["T"], w["E"], groups=w["group"]) for ci in ("log", "log-log")}
    for g in ("control", "miR-137"):
        _compare(fits["log"], fits["log-log"], g, ref[f"group={g}"])


def test_km_fader_hardie_table_1(data_dir):
    sbg = pd.read_csv(data_dir / "survival" / "sbg_cohorts_fader_hardie_2007.csv")
    churned = sbg["recency"] < sbg["T"]
    km = dl.KaplanMeier().fit(sbg["recency"], churned, groups=sbg["cohort"])
    survivors = (km.survival_at(np.arange(1, 8)) * 1000).round().astype(int)
    assert survivors["highend"].tolist() == [869, 743, 653, 593, 551, 517, 491]
    assert survivors["regular"].tolist() == [631, 468, 382, 326, 289, 262, 241]


def _random_survival(rng, n, groups=3):
    time = rng.integers(0, 40, n).astype(float)  # many ties
    event = rng.random(n) < 0.6
    group = rng.choice(np.array(["a", "b", "c", "d"])[:groups], n)
    return time, event, group


@pytest.mark.parametrize("seed", range(6))
def test_km_random_equals_statsmodels(seed):
    rng = np.random.default_rng(seed)
    time, event, group = _random_survival(rng, int(rng.integers(5, 400)))
    weights = rng.integers(1, 4, len(time)).astype(float) if seed % 2 else None
    fits = {ci: dl.KaplanMeier(ci=ci).fit(time, event, groups=group, weights=weights) for ci in ("log", "log-log")}
    for g in np.unique(group):
        m = group == g
        sf = sm_survfunc.SurvfuncRight(time[m], event[m].astype(int),
                                       freq_weights=None if weights is None else weights[m])
        tab = fits["log"].survival_table_.xs(g, level="group")
        ll = fits["log-log"].survival_table_.xs(g, level="group")
        ev, ev_ll = tab[tab["observed"] > 0], ll[ll["observed"] > 0]
        np.testing.assert_allclose(ev.index.to_numpy(dtype=float), sf.surv_times)
        np.testing.assert_allclose(ev["survival"], sf.surv_prob, rtol=0, atol=1e-12)
        np.testing.assert_allclose(ev["at_risk"], sf.n_risk, rtol=0, atol=1e-9)
        np.testing.assert_allclose(ev["observed"], sf.n_events, rtol=0, atol=1e-9)
        if weights is not None:  # frequency weights: Greenwood on the data with rows repeated
            rep = np.repeat(np.flatnonzero(m), weights[m].astype(int))
            sf = sm_survfunc.SurvfuncRight(time[rep], event[rep].astype(int))
            np.testing.assert_allclose(ev["survival"], sf.surv_prob, rtol=0, atol=1e-12)
        se = np.where(sf.surv_prob > 0, sf.surv_prob_se, np.nan)
        np.testing.assert_allclose(ev["std_err"], se, rtol=1e-9, atol=1e-12, equal_nan=True)
        # intervals from statsmodels' S and SE with the textbook transforms
        s = sf.surv_prob
        with np.errstate(divide="ignore", invalid="ignore"):
            lo_log = s * np.exp(-Z95 * sf.surv_prob_se / s)
            hi_log = np.minimum(1, s * np.exp(Z95 * sf.surv_prob_se / s))
            v = sf.surv_prob_se / (s * np.abs(np.log(s)))
            lo_ll, hi_ll = s ** np.exp(Z95 * v), s ** np.exp(-Z95 * v)
        zero = s == 0
        for got, want in ((ev["lower"], lo_log), (ev["upper"], hi_log), (ev_ll["lower"], lo_ll),
                          (ev_ll["upper"], hi_ll)):
            want = np.where(zero, np.nan, want)
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, equal_nan=True)
        # censorings and every time, brute force: at risk = weight with duration >= t
        w = np.ones(m.sum()) if weights is None else weights[m]
        for t, row in tab.iterrows():
            here = time[m] == t
            assert row["at_risk"] == w[time[m] >= t].sum()
            assert row["censored"] == w[here & ~event[m]].sum()
            assert row["observed"] == w[here & event[m]].sum()
            assert row["removed"] == w[here].sum()
    # the event table: the same counts, in a frame of its own (changing it leaves the other)
    km = fits["log"]
    events = km.event_table_
    pd.testing.assert_frame_equal(events, km.survival_table_[["at_risk", "observed", "censored", "removed"]])
    events["at_risk"] *= 2
    assert (km.survival_table_["at_risk"] * 2 == events["at_risk"]).all()


@pytest.mark.parametrize("kind", ["small ints with gaps", "negative ints", "ints in a wide range", "strings",
                                  "floats"])
def test_km_group_labels_and_index_equal_factorizing(kind):
    """Group labels found without counting every subject (small whole numbers are their own
    codes), and the (group, time) index built from codes, equal what pandas finds by
    factorizing: the fit on the labels as objects and MultiIndex.from_arrays."""
    rng = np.random.default_rng(11)
    n = 3000
    time = rng.integers(0, 90, n).astype(np.int32)
    event = rng.random(n) < 0.7
    raw = rng.choice([3, 7, 10, 12, 40], n)  # 4..6, 8, 9, 11... never appear
    groups = {"small ints with gaps": raw, "negative ints": raw - 20, "ints in a wide range": raw * 10000,
              "strings": np.array([f"g{v}" for v in raw], dtype=object), "floats": raw / 4.0}[kind]
    km = dl.KaplanMeier().fit(time, event, groups=groups)
    tab = km.survival_table_
    # the reference: each group fitted alone, stacked by sorted label
    labels = sorted(set(groups.tolist()))
    alone = [dl.KaplanMeier().fit(time[groups == g], event[groups == g]).survival_table_ for g in labels]
    expected = pd.MultiIndex.from_arrays([np.concatenate([np.full(len(a), g, dtype=groups.dtype)
                                                          for g, a in zip(labels, alone)]),
                                          np.concatenate([a.index.to_numpy() for a in alone])],
                                         names=["group", "time"])
    assert tab.index.equals(expected)
    assert list(tab.index.levels[0]) == labels
    assert tab.index.levels[1].equals(expected.levels[1])
    assert tab.index.codes[1].tolist() == expected.codes[1].tolist()
    np.testing.assert_array_equal(tab.to_numpy(), np.concatenate([a.to_numpy() for a in alone]))
    assert list(km.median_survival_time_.index) == labels
    assert np.array_equal(km.timeline, np.union1d([0.0], time.astype(float)))


def test_km_event_table_is_read_after_fit_only():
    km = dl.KaplanMeier()
    assert not hasattr(km, "event_table_")
    km.fit([1.0, 2.0, 2.0], [1, 0, 1])
    assert list(km.event_table_.columns) == ["at_risk", "observed", "censored", "removed"]
    assert km.event_table_ is km.event_table_


def test_km_median_rules():
    # S reaches 0.5 exactly at 2 and stays until 5: midpoint 3.5 (R); below 0.5 at 3 else
    km = dl.KaplanMeier().fit([1, 2, 5, 6], [1, 1, 1, 1])
    assert km.median_survival_time_ == 3.5
    km = dl.KaplanMeier().fit([1, 2, 3], [1, 1, 1])
    assert km.median_survival_time_ == 2.0
    km = dl.KaplanMeier().fit([1, 2, 3, 4], [0, 0, 1, 0])  # 0.5 exactly at 3, no later event
    assert km.median_survival_time_ == 3.0
    km = dl.KaplanMeier().fit([1, 2, 3, 4], [1, 0, 0, 0])  # never down to 0.5
    assert math.isinf(km.median_survival_time_)


def test_km_errors_name_rows():
    with pytest.raises(dl.InputError, match="rows 1"):
        dl.KaplanMeier().fit([1.0, -2.0, 3.0], [1, 1, 0])
    with pytest.raises(dl.InputError, match="rows 2"):
        dl.KaplanMeier().fit([1.0, 2.0, np.nan], [1, 1, 0])
    with pytest.raises(dl.InputError, match="rows 0"):
        dl.KaplanMeier().fit([1.0, 2.0], [2, 1])
    with pytest.raises(dl.InputError, match="weight"):
        dl.KaplanMeier().fit([1.0, 2.0], [1, 1], weights=[1.0, 0.0])
    with pytest.raises(dl.InputError, match="rows 1"):
        dl.KaplanMeier().fit([1.0, 2.0], [1, 1], groups=["a", None])
    with pytest.raises(dl.InputError):
        dl.KaplanMeier(ci="plain")


@pytest.mark.parametrize("seed", range(4))
def test_logrank_equals_statsmodels(seed):
    rng = np.random.default_rng(100 + seed)
    time, event, group = _random_survival(rng, int(rng.integers(20, 300)), groups=2 + seed % 3)
    got = dl.logrank_test(time, event, group)
    chisq, p = sm_survfunc.survdiff(time, event.astype(int), group)
    assert got.statistic == pytest.approx(chisq, rel=1e-9)
    assert got.p_value == pytest.approx(p, rel=1e-7, abs=1e-15)
    assert got.degrees_of_freedom == len(np.unique(group)) - 1


def test_logrank_frequency_weights_equal_repeated_rows():
    rng = np.random.default_rng(7)
    time, event, group = _random_survival(rng, 80)
    w = rng.integers(1, 4, len(time))
    got = dl.logrank_test(time, event, group, weights=w.astype(float))
    rep = np.repeat(np.arange(len(time)), w)
    chisq, _ = sm_survfunc.survdiff(time[rep], event[rep].astype(int), group[rep])
    assert got.statistic == pytest.approx(chisq, rel=1e-9)


# ------------------------------------------------------------------------- churn

def _random_people(rng, n):
    people = pd.DataFrame({"id": rng.permutation(np.arange(100, 100 + n)),
                           "enrolled_on": pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 500, n), "D")})
    k = n * 4
    orders = pd.DataFrame({"participant_id": rng.choice(people["id"], k),
                           "ordered_on": pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 700, k), "D"),
                           "amount": rng.choice([-5.0, 10.0, 20.0], k)})
    return people, orders


@pytest.mark.parametrize("seed", range(4))
def test_churn_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    people, orders = _random_people(rng, 60)
    as_of = pd.Timestamp("2023-03-01")
    for amount in (None, "amount"):
        got = dl.churn(people, orders, as_of, churn_after=60, amount=amount)
        rows = []
        for pid, enrolled in zip(people["id"], people["enrolled_on"]):
            if enrolled > as_of:
                continue
            mine = orders[(orders["participant_id"] == pid) & (orders["ordered_on"] <= as_of)]
            if amount:
                mine = mine[mine["amount"] > 0]
            last = max([enrolled] + list(mine["ordered_on"]))
            churned = (as_of - last).days > 60
            rows.append((pid, enrolled, last, (last - enrolled).days if churned else (as_of - enrolled).days,
                         churned))
        want = pd.DataFrame(rows, columns=["id", "enrolled_on", "last_activity", "duration", "churned"]).set_index("id")
        got = got.sort_index()
        want = want.sort_index()
        assert got.index.tolist() == want.index.tolist()
        for col in want.columns:
            assert got[col].tolist() == want[col].tolist(), col


def test_churn_from_network_and_errors():
    rng = np.random.default_rng(3)
    people, orders = _random_people(rng, 30)
    people["sponsor_id"] = pd.array([None] * len(people), dtype="Int64")
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    a = dl.churn(net, orders, "2023-01-01")
    b = dl.churn(people, orders, "2023-01-01")
    pd.testing.assert_frame_equal(a.sort_index(), b.sort_index(), check_names=False)
    bad = orders.copy()
    bad.loc[0, "participant_id"] = 5
    with pytest.raises(dl.UnknownIdError, match="5"):
        dl.churn(people, bad, "2023-01-01")
    with pytest.raises(dl.InputError, match="enrol"):
        dl.churn(dl.Network.from_frame(people), orders, "2023-01-01")
    # duplicate participant ids are named, with int and with string ids
    dup = pd.concat([people, people.iloc[[3]]])
    for frame, o in ((dup, orders), (dup.assign(id="p" + dup["id"].astype(str)),
                                     orders.assign(participant_id="p" + orders["participant_id"].astype(str)))):
        with pytest.raises(dl.InputError, match="duplicate") as err:
            dl.churn(frame, o, "2023-01-01")
        assert err.value.kind == "duplicate_id" and list(err.value.ids) == [frame["id"].iloc[3]]
        with pytest.raises(dl.InputError, match="duplicate"):
            dl.cohort_retention(o, "2023-01-01", cohort="enrolment", participants=frame)


# ----------------------------------------------------------------------- cohorts

def test_cohort_retention_cdnow(data_dir):
    orders = cdnow_master(data_dir).rename(columns={"date": "ordered_on"})
    ref = pd.read_csv(data_dir / "reference" / "cohort" / "cdnow_master_cohort_retention_long.csv")
    got = dl.cohort_retention(orders, participant="customer_id").long
    got = got.assign(cohort=got["cohort"].astype(str))
    merged = ref.merge(got, on=["cohort", "k"], how="outer", suffixes=("_ref", ""), indicator=True)
    assert (merged["_merge"] == "both").all()
    np.testing.assert_array_equal(merged["active"], merged["active_ref"])
    np.testing.assert_array_equal(merged["cohort_size"], merged["cohort_size_ref"])
    np.testing.assert_allclose(merged["retention"], merged["retention_ref"], rtol=0, atol=1e-9)
    matrix = pd.read_csv(data_dir / "reference" / "cohort" / "cdnow_master_cohort_retention_matrix.csv")
    shares = dl.cohort_retention(orders, participant="customer_id").shares
    np.testing.assert_allclose(shares.to_numpy(dtype=float), matrix.drop(columns=["cohort", "cohort_size"]).to_numpy(),
                               atol=1e-9, equal_nan=True)


def _bought(orders):
    """The rows that are orders: with an amount column, those whose amount is > 0."""
    return orders[orders["amount"] > 0] if "amount" in orders.columns else orders


def _brute_cohorts(orders, as_of, cohort_of, by=None):
    orders = _bought(orders)
    o = orders[orders["ordered_on"] <= as_of].copy()
    o["month"] = o["ordered_on"].dt.to_period("M")
    cells = {}
    sizes = {}
    for pid, c in cohort_of.items():
        key = (by[pid] if by is not None else None, c)
        sizes[key] = sizes.get(key, 0) + 1
        months = set(o.loc[o["participant_id"] == pid, "month"])
        for m in months:
            k = (m - c).n
            if k >= 0:
                cells[key + (k,)] = cells.get(key + (k,), 0) + 1
    return sizes, cells


@pytest.mark.parametrize("seed", range(3))
def test_cohort_retention_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    people, orders = _random_people(rng, 50)
    as_of = pd.Timestamp("2023-02-10")
    last_month = as_of.to_period("M")
    by = pd.Series(rng.choice(["x", "y"], len(people)), index=people["id"])
    for cohort in ("first_order", "enrolment"):
        for split in (None, by):
            got = dl.cohort_retention(orders, as_of, cohort=cohort, participants=people, by=split)
            if cohort == "first_order":
                o = _bought(orders)
                o = o[o["ordered_on"] <= as_of]
                cohort_of = o.groupby("participant_id")["ordered_on"].min().dt.to_period("M")
            else:
                p = people[people["enrolled_on"] <= as_of]
                cohort_of = pd.Series(p["enrolled_on"].dt.to_period("M").to_numpy(), index=p["id"])
            sizes, cells = _brute_cohorts(orders, as_of, cohort_of, split)
            counts = got.counts
            for idx in counts.index:
                key = idx if split is not None else (None, idx)
                assert got.sizes.loc[idx] == sizes[key]
                for k in counts.columns:
                    v = counts.loc[idx, k]
                    if key[1] + k > last_month:
                        assert pd.isna(v)
                    else:
                        assert v == cells.get(key + (k,), 0), (cohort, idx, k)
            assert sum(sizes.values()) == int(got.sizes.sum())


def test_cohort_retention_split_without_participants_and_string_ids():
    rng = np.random.default_rng(11)
    people, orders = _random_people(rng, 40)
    as_of = pd.Timestamp("2023-01-15")
    by = pd.Series(rng.choice(["x", "y", "z"], len(people)), index=people["id"])
    # the customers are those of `by`; the same matrix as with the participants given
    got = dl.cohort_retention(orders, as_of, by=by)
    want = dl.cohort_retention(orders, as_of, participants=people, by=by)
    pd.testing.assert_frame_equal(got.counts, want.counts)
    pd.testing.assert_series_equal(got.sizes, want.sizes)
    o = _bought(orders)
    o = o[o["ordered_on"] <= as_of]
    cohort_of = o.groupby("participant_id")["ordered_on"].min().dt.to_period("M")
    sizes, _ = _brute_cohorts(orders, as_of, cohort_of, by)
    assert {k: v for k, v in got.sizes.items()} == sizes
    # string ids take the factorised path and give the same matrix
    so = orders.assign(participant_id="p" + orders["participant_id"].astype(str))
    sby = pd.Series(by.to_numpy(), index="p" + by.index.astype(str))
    pd.testing.assert_frame_equal(dl.cohort_retention(so, as_of, by=sby).counts, got.counts)
    pd.testing.assert_frame_equal(dl.cohort_retention(so, as_of).counts, dl.cohort_retention(orders, as_of).counts)
    # a customer with orders and no label is named
    with pytest.raises(dl.InputError, match="no group label") as err:
        dl.cohort_retention(orders, as_of, by=by.drop(by.index[:2]))
    assert set(err.value.ids) <= set(by.index[:2])
    with pytest.raises(dl.InputError, match="no group label"):
        dl.cohort_retention(so, as_of, by=sby.drop(sby.index[:2]))


def _peak_rss() -> int:
    """The process's peak resident memory (Linux: VmHWM), in bytes."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))


def _peak_rss_reset() -> int:
    """Resets the peak resident memory to the current one (Linux clear_refs 5) and returns it."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    return _peak_rss()


def test_cohort_retention_over_300_years_and_40_groups_equals_pandas():
    # issue 23: cells were allocated for groups x months x months (40 x 3612^2 here); now
    # only the rows with customers, each with its months up to as_of
    rng = np.random.default_rng(300)
    n = 80
    ids = np.arange(500, 500 + n)
    first = np.datetime64("1900-01-01") + rng.integers(0, 109_500, n).astype("timedelta64[D]")
    first[0] = np.datetime64("1900-01-01")
    later = np.repeat(first, 5) + rng.integers(0, 4000, 5 * n).astype("timedelta64[D]")
    orders = pd.DataFrame({"participant_id": np.concatenate([ids, np.repeat(ids, 5)]),
                           "ordered_on": np.concatenate([first, later]).astype("datetime64[ns]")})
    as_of = pd.Timestamp("2200-12-31")
    orders = orders[orders["ordered_on"] <= as_of]
    by = pd.Series(rng.integers(0, 40, n), index=ids)
    before = _peak_rss_reset()
    got = dl.cohort_retention(orders, as_of, by=by)
    grown = _peak_rss() - before  # groups x months x months of int64 would be 4 GB

    # pandas: months as whole numbers, a customer's cohort its first month
    month = orders["ordered_on"].dt.year * 12 + orders["ordered_on"].dt.month - 1
    act = pd.DataFrame({"pid": orders["participant_id"], "month": month}).drop_duplicates()
    cohort = act.groupby("pid")["month"].min()
    act["group"] = act["pid"].map(by)
    act["cohort"] = act["pid"].map(cohort)
    act["k"] = act["month"] - act["cohort"]
    cells = act.groupby(["group", "cohort", "k"])["pid"].nunique()
    sizes = cohort.groupby([by.reindex(cohort.index).to_numpy(), cohort.to_numpy()]).size()
    last = as_of.year * 12 + as_of.month - 1
    lo = int(cohort.min())
    assert got.counts.shape == (len(sizes), last - lo + 1)  # the rows with customers: 3612 months
    labels = [(g, (c.year * 12 + c.month - 1)) for g, c in got.sizes.index]
    assert labels == list(sizes.index)
    np.testing.assert_array_equal(got.sizes.to_numpy(), sizes.to_numpy())
    want = np.full(got.counts.shape, -1.0)  # -1: after as_of (missing)
    row = {key: r for r, key in enumerate(labels)}
    for r, (g, c) in enumerate(labels):
        want[r, :last - c + 1] = 0
    for (g, c, k), v in cells.items():
        want[row[(g, c)], k] = v
    np.testing.assert_array_equal(got.counts.to_numpy(dtype=float, na_value=-1.0), want)
    assert grown < 200 * 2**20, grown


# ------------------------------------------------------------ retention by organisation

def _random_forest(rng, n):
    """Participants with sponsors (a random forest: each sponsor comes earlier), enrolled
    after their sponsor, and random orders."""
    ids = rng.permutation(np.arange(1000, 1000 + n))
    sponsor = [None] + [ids[rng.integers(0, i)] if rng.random() < 0.9 else None for i in range(1, n)]
    enrolled = pd.Timestamp("2021-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 700, n)), "D")
    people = pd.DataFrame({"id": ids, "sponsor_id": pd.array(sponsor, dtype="Int64"), "enrolled_on": enrolled})
    k = n * 5
    orders = pd.DataFrame({"participant_id": rng.choice(ids, k),
                           "ordered_on": pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 800, k), "D")})
    return people, orders


def _organisation(people, leader, include_self):
    """The leader's descendants by following sponsor links (brute force), and the leader."""
    children = {}
    for pid, sp in zip(people["id"], people["sponsor_id"]):
        if not pd.isna(sp):
            children.setdefault(int(sp), []).append(int(pid))
    out, todo = [], [leader]
    while todo:
        x = todo.pop()
        out.append(x)
        todo.extend(children.get(x, []))
    return out if include_self else out[1:]


def test_network_retention_leaves_out_whoever_is_below_a_later_enrolment():
    # 3 enrolled before their sponsor 2: as of 2021-01-01 neither is in the network (as in
    # volumes), so 1's organisation is the one of the network without them
    people = pd.DataFrame({"id": [1, 2, 3, 4, 5], "sponsor_id": pd.array([None, 1, 2, 1, 3], dtype="Int64"),
                           "enrolled_on": pd.to_datetime(["2020-01-01", "2021-06-01", "2020-03-01", "2020-02-01",
                                                          "2020-04-01"])})
    orders = pd.DataFrame({"participant_id": [1, 3, 4, 5], "amount": [1.0, 1.0, 1.0, 1.0], "pv": [1.0] * 4,
                           "ordered_on": pd.to_datetime(["2020-12-01", "2020-05-01", "2020-06-01", "2020-11-20"])})
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    kept = people[people["id"].isin([1, 4])]
    hand = dl.Network.from_frame(kept, enrolled_on="enrolled_on")
    got = net.retention(orders, "2021-01-01", leaders=[1])
    want = hand.retention(orders[orders["participant_id"].isin([1, 4])], "2021-01-01", leaders=[1])
    pd.testing.assert_frame_equal(got.event_table_, want.event_table_)
    assert list(net.volumes(orders, as_of="2021-01-01").index) == [1, 4]  # the same participants
    with pytest.raises(dl.InputError, match="below someone who was\\): 3"):
        net.retention(orders, "2021-01-01", leaders=[3])


@pytest.mark.parametrize("seed", range(3))
def test_network_retention_equals_statsmodels_per_organisation(seed):
    rng = np.random.default_rng(seed)
    people, orders = _random_forest(rng, 300)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    as_of = pd.Timestamp("2022-09-30")  # some participants are not enrolled yet
    enrolled = people.set_index("id")["enrolled_on"]
    for include_self in (True, False):
        km = net.retention(orders, as_of, top=6, include_self=include_self)
        orgs = {int(p): [m for m in _organisation(people, int(p), include_self) if enrolled[m] <= as_of]
                for p in people["id"] if enrolled[p] <= as_of}
        sizes = sorted((-len(v), people.index[people["id"] == p][0], p) for p, v in orgs.items() if v)
        assert list(km.median_survival_time_.index) == [p for _, _, p in sizes[:6]]
        # the table's index holds its labels sorted, as MultiIndex.from_arrays makes them
        assert list(km.survival_table_.index.levels[0]) == sorted(p for _, _, p in sizes[:6])
        # every curve against statsmodels on the organisation's own rows (churn by brute force)
        for leader in km.median_survival_time_.index:
            dur, ev = [], []
            for m in orgs[leader]:
                mine = orders[(orders["participant_id"] == m) & (orders["ordered_on"] <= as_of)]["ordered_on"]
                last = max([enrolled[m]] + list(mine))
                churned = (as_of - last).days > 90
                dur.append((last - enrolled[m]).days if churned else (as_of - enrolled[m]).days)
                ev.append(int(churned))
            sf = sm_survfunc.SurvfuncRight(np.array(dur, float), np.array(ev, float))
            tab = km.survival_table_.xs(leader, level="group")
            ev_rows = tab[tab["observed"] > 0]
            np.testing.assert_array_equal(ev_rows.index.to_numpy(), sf.surv_times)
            np.testing.assert_array_equal(ev_rows["at_risk"].to_numpy(), sf.n_risk)
            np.testing.assert_allclose(ev_rows["survival"].to_numpy(), sf.surv_prob, rtol=0, atol=1e-12)
            assert tab["removed"].sum() == len(orgs[leader])
    # given leaders, in the order given
    chosen = [int(people["id"].iloc[0]), int(people["id"].iloc[5])]
    km = net.retention(orders, as_of, leaders=chosen[::-1])
    assert list(km.median_survival_time_.index) == chosen[::-1]


def test_network_retention_errors():
    rng = np.random.default_rng(5)
    people, orders = _random_forest(rng, 60)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    as_of = "2021-12-31"
    with pytest.raises(dl.UnknownIdError, match="12"):
        net.retention(orders, as_of, leaders=[12])
    late = int(people["id"].iloc[-1])  # the last one enrolled
    with pytest.raises(dl.InputError, match="not in the network as of as_of \\(enrolled later") as err:
        net.retention(orders, "2021-01-01", leaders=[late])
    assert err.value.ids == [late]
    has_sponsor = set(people["sponsor_id"].dropna().astype(int))
    leaf = next(int(p) for p in people["id"] if int(p) not in has_sponsor)
    with pytest.raises(dl.InputError, match="nobody in their downline"):
        net.retention(orders, "2023-01-01", leaders=[leaf], include_self=False)
    with pytest.raises(dl.InputError, match="top"):
        net.retention(orders, as_of, top=0)
    with pytest.raises(dl.InputError, match="enrol"):
        dl.Network.from_frame(people).retention(orders, as_of)


def test_plots_draw_the_data():
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    km = dl.KaplanMeier().fit([1, 2, 2, 3, 5], [1, 1, 0, 1, 0], groups=["a", "a", "a", "b", "b"])
    ax = km.plot(at_risk_counts=True)
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    np.testing.assert_allclose(lines["a"].get_ydata(), km.survival_function_["a"].to_numpy())
    np.testing.assert_allclose(lines["a"].get_xdata(), km.survival_function_.index.to_numpy())
    rng = np.random.default_rng(1)
    people, orders = _random_people(rng, 40)
    cr = dl.cohort_retention(orders, "2023-02-01")
    ax = cr.plot()
    want = cr.shares.to_numpy(dtype=float)
    want[:, 0] = np.nan  # month 0 (everyone) is not coloured
    np.testing.assert_allclose(ax.images[0].get_array().filled(np.nan), want, equal_nan=True)
