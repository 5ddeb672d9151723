"""Smoke test of an installed downline: run by tests/packaging/wheel.sh with the fresh
virtual environment's Python, from outside the source tree. Every figure is checked
against a plain pandas/numpy computation here. Exit code 0 when all hold."""

import sys

import numpy as np
import pandas as pd

import downline as dl

print(f"downline {dl.__version__} from {dl.__file__}")
expected_version = sys.argv[1] if len(sys.argv) > 1 else None
assert expected_version is None or dl.__version__ == expected_version, (dl.__version__, expected_version)
assert "site-packages" in dl.__file__ or "dist-packages" in dl.__file__, dl.__file__

people, orders = dl.sample(3000, seed=5)

# volumes: PV by pandas, and GV of every root = the month's PV of its whole tree
net = dl.Network.from_frame(people, enrolled_on="enrolled_on", kind="kind")
start, end = pd.Timestamp("2023-01-01"), pd.Timestamp("2023-02-01")
vol = net.volumes(orders, start=start, end=end)
month = orders[(orders["ordered_on"] >= start) & (orders["ordered_on"] < end)]
pv = month.groupby("participant_id")["pv"].sum().reindex(vol.index, fill_value=0.0)
assert np.allclose(vol["pv"], pv), "PV differs from pandas"
roots = people.loc[people["sponsor_id"].isna(), "id"].to_numpy()
assert np.isclose(vol.loc[roots, "gv"].sum(), month["pv"].sum()), "root GVs do not add up to the month's PV"

# life-cycle segments: frequency = distinct order days up to as_of (refunds, amount <= 0,
# are not order days), by pandas
as_of = pd.Timestamp("2023-12-31")
lc = dl.lifecycle(orders, as_of)
upto = orders[(orders["ordered_on"] < as_of + pd.Timedelta(days=1)) & (orders["amount"] > 0)]
days = pd.DataFrame({"id": upto["participant_id"], "day": upto["ordered_on"].dt.normalize()}).drop_duplicates()
freq = days.groupby("id").size()
assert (lc.segments["frequency"].reindex(freq.index) == freq).all(), "life-cycle frequency differs"

# Kaplan-Meier: S at the median duration by the product-limit formula written here
rng = np.random.default_rng(1)
t = rng.integers(1, 50, 500).astype(float)
e = rng.random(500) < 0.7
km = dl.KaplanMeier().fit(t, e)
s = 1.0
for u in np.unique(t[e]):
    s *= 1.0 - np.sum((t == u) & e) / np.sum(t >= u)
assert np.isclose(km.survival_function_["KM_estimate"].iloc[-1], s), "Kaplan-Meier differs"
print("smoke test passed: volumes, life-cycle segments and a survival curve")
