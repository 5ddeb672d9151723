"""Structure metrics (legs, power-leg share, Herfindahl and Gini of the leg volumes, breadth
by level) and the depth profile, against a brute force over explicit children lists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import downline as dl
from reference import brute_volumes, random_company


def brute_structure(people: pd.DataFrame, orders: pd.DataFrame, levels: int, **period) -> pd.DataFrame:
    vol = brute_volumes(people, orders, **period)  # the rows in the network as of the date
    members = set(vol.index)
    children = {i: [] for i in people["id"]}
    for i, s in zip(people["id"], people["sponsor_id"]):
        if pd.notna(s) and i in members:
            children[s].append(i)
    rows = []
    for x in vol.index:
        legs = [max(0.0, vol.loc[c, "gv"]) for c in children[x]]
        total = sum(legs)
        gv = vol.loc[x, "gv"]
        row = {"id": x, "legs": len(legs),
               "power_leg_share": max(legs) / gv if legs and gv > 0 else np.nan,
               # the definitions as written: shares squared; mean absolute difference over pairs
               "herfindahl": sum((v / total) ** 2 for v in legs) if total > 0 else np.nan,
               "gini": (sum(abs(a - b) for a in legs for b in legs) / (2 * len(legs) * total)
                        if total > 0 else np.nan)}
        level = [x]
        for k in range(1, levels + 1):
            level = [c for p in level for c in children[p]]
            row[f"breadth_{k}"] = len(level)
        rows.append(row)
    return pd.DataFrame(rows).set_index("id")


@pytest.mark.parametrize("shape", ["random", "star", "chain", "forest"])
def test_structure_equals_a_brute_force(shape):
    rng = np.random.default_rng(hash(shape) % 2**32)
    people, orders = random_company(200, shape, rng)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    for period in [dict(), dict(start="2021-02-01", end="2021-03-01"), dict(as_of="2021-02-15")]:
        got = net.structure(orders, levels=4, **period)
        want = brute_structure(people, orders, 4, **period)
        pd.testing.assert_frame_equal(got, want.reindex(got.index), check_dtype=False, check_index_type=False,
                                      rtol=1e-9)
        assert sorted(got.index) == sorted(want.index)


def test_structure_of_a_worked_example():
    # 1 has three legs: 2 (GV 60 with 4), 3 (GV 30) and 5 (a refund: -10, counted as 0)
    people = pd.DataFrame({"id": [1, 2, 3, 4, 5], "sponsor_id": pd.array([None, 1, 1, 2, 1], dtype="Int64")})
    orders = pd.DataFrame({"participant_id": [1, 2, 3, 4, 5], "ordered_on": ["2024-01-05"] * 5,
                           "pv": [10.0, 20.0, 30.0, 40.0, -10.0]})
    s = dl.Network.from_frame(people).structure(orders, levels=2).loc[1]
    assert s["legs"] == 3 and s["breadth_1"] == 3 and s["breadth_2"] == 1
    assert s["power_leg_share"] == pytest.approx(60 / 90)
    assert s["herfindahl"] == pytest.approx((60 / 90) ** 2 + (30 / 90) ** 2)
    # legs 0, 30, 60: mean absolute difference (0+30+60+30+0+30+60+30+0)/9 = 240/9, mean 30
    assert s["gini"] == pytest.approx((240 / 9) / (2 * 30))


def test_depth_profile():
    rng = np.random.default_rng(4)
    people, _ = random_company(300, "forest", rng)
    net = dl.Network.from_frame(people)
    sponsor = dict(zip(people["id"], people["sponsor_id"]))
    depth = {}
    for i in people["id"]:
        d, x = 0, i
        while pd.notna(sponsor[x]):
            x, d = sponsor[x], d + 1
        depth[i] = d
    want = pd.Series(list(depth.values())).value_counts().sort_index()
    got = net.depth_profile()
    assert got.index.name == "depth" and list(got.index) == list(range(len(got)))
    assert got.to_dict() == want.to_dict()
    assert len(dl.Network.from_frame(people.head(0)).depth_profile()) == 0
