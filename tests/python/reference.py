"""Brute-force reference of DOMAIN.md's rollups, written independently of the library:
plain Python dicts, every participant added to every ancestor by walking the sponsor links."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def brute_volumes(people: pd.DataFrame, orders: pd.DataFrame, start=None, end=None, as_of=None, levels=3,
                  min_pv=None) -> pd.DataFrame:
    ids = list(people["id"])
    sponsor = {}
    for i, s in zip(people["id"], people["sponsor_id"]):
        sponsor[i] = None if (s is None or (isinstance(s, float) and math.isnan(s)) or s is pd.NA) else s
    enrolled = dict(zip(people["id"], people["enrolled_on"])) if "enrolled_on" in people else {}
    lo = pd.Timestamp(start) if start is not None else None
    hi = pd.Timestamp(end) if end is not None else None
    snap = pd.Timestamp(as_of) if as_of is not None else None

    def upline(x):
        out = []
        while sponsor[x] is not None:
            x = sponsor[x]
            out.append(x)
        return out

    included = {x: snap is None or all(enrolled[y] <= snap for y in [x] + upline(x)) for x in ids}
    pv = {x: 0.0 for x in ids}
    positive = {x: False for x in ids}
    for pid, day, v in zip(orders["participant_id"], orders["ordered_on"], orders["pv"]):
        if lo is not None and day < lo or hi is not None and day >= hi or snap is not None and day > snap:
            continue
        if not included[pid]:
            continue
        pv[pid] += v
        positive[pid] = positive[pid] or v > 0
    active = {x: included[x] and (pv[x] >= min_pv if min_pv is not None else positive[x]) for x in ids}

    gv = dict(pv)
    level = {x: [0.0] * levels for x in ids}
    downline = {x: 0 for x in ids}
    active_down = {x: 0 for x in ids}
    height = {x: 0 for x in ids}
    legs = {x: {} for x in ids}
    for j in ids:
        up = upline(j)
        for dist, a in enumerate(up, start=1):
            gv[a] += pv[j]
            if dist <= levels:
                level[a][dist - 1] += pv[j]
            if included[j]:
                downline[a] += 1
                height[a] = max(height[a], dist)
            if active[j]:
                active_down[a] += 1
            leg_root = ([j] + up)[dist - 1]  # the member of a's frontline on the way to j
            legs[a][leg_root] = legs[a].get(leg_root, 0.0) + pv[j]
    rows = []
    for x in ids:
        if not included[x]:
            continue
        leg_volumes = [v for r, v in legs[x].items() if included[r]]
        for r in (c for c in ids if sponsor[c] == x and included[c] and c not in legs[x]):
            leg_volumes.append(0.0)
        power = max(leg_volumes) if leg_volumes else 0.0
        frontline = sum(1 for c in ids if sponsor[c] == x and included[c]) if len(ids) <= 3000 else None
        rows.append(dict(id=x, pv=pv[x], gv=gv[x], **{f"level_{k + 1}": level[x][k] for k in range(levels)},
                         power_leg=power, lesser_legs=gv[x] - pv[x] - power, downline=downline[x],
                         active_downline=active_down[x], frontline=frontline, depth=len(upline(x)),
                         height=height[x]))
    columns = ["id", "pv", "gv", *[f"level_{k + 1}" for k in range(levels)], "power_leg", "lesser_legs",
               "downline", "active_downline", "frontline", "depth", "height"]
    out = pd.DataFrame(rows, columns=columns).set_index("id")
    if out["frontline"].isna().any():  # large inputs: count recruits with one pass instead
        count = pd.Series([sponsor[c] for c in ids if sponsor[c] is not None and included[c]]).value_counts()
        out["frontline"] = count.reindex(out.index).fillna(0).astype(int)
    return out


def members_as_of(people: pd.DataFrame, day) -> dict:
    """id -> whether the participant is in the network as of `day`: they and every sponsor
    up to their root enrolled on or before it."""
    sponsor = {i: (None if pd.isna(s) else s) for i, s in zip(people["id"], people["sponsor_id"])}
    return members_of(sponsor, dict(zip(people["id"], people["enrolled_on"])), day)


def members_of(sponsor: dict, enrolled: dict, day) -> dict:
    """members_as_of for a sponsor table given as a dict (id -> sponsor id or None)."""
    def member(x):
        while x is not None:
            if enrolled[x] > day:
                return False
            x = sponsor[x]
        return True

    return {i: member(i) for i in sponsor}


def random_company(n: int, shape: str, rng: np.random.Generator, string_ids: bool = False):
    """Participants and orders with unsorted ids in shuffled rows."""
    parent = np.full(n, -1)
    for i in range(1, n):
        if shape == "random":
            parent[i] = rng.integers(0, i)
        elif shape == "chain":
            parent[i] = i - 1
        elif shape == "star":
            parent[i] = 0
        elif shape == "mixed":
            parent[i] = 0 if rng.random() < 0.3 else i - 1
        else:  # forest
            parent[i] = -1 if rng.random() < 0.2 else rng.integers(0, i)
    raw = rng.choice(np.arange(-(2**62), 2**62, 2**40, dtype=np.int64), size=n, replace=False)
    ids = [f"P{v:x}é" for v in raw] if string_ids else list(raw)
    order = rng.permutation(n)
    base = pd.Timestamp("2021-01-01")
    people = pd.DataFrame({
        "id": [ids[i] for i in order],
        "sponsor_id": [ids[parent[i]] if parent[i] >= 0 else None for i in order],
        "enrolled_on": [base + pd.Timedelta(days=int(i // 2 + rng.integers(0, 40))) for i in order],
    })
    if not string_ids:
        people["sponsor_id"] = people["sponsor_id"].astype("Int64")
    m = int(rng.integers(0, 8 * n + 1))
    kinds = rng.integers(0, 10, size=m)
    pv = np.where(kinds == 0, 0.0, np.where(kinds == 1, -rng.integers(0, 50, size=m).astype(float),
                                            rng.integers(0, 10000, size=m) / 100.0))
    orders = pd.DataFrame({
        "participant_id": [ids[i] for i in rng.integers(0, n, size=m)],
        "ordered_on": base + pd.to_timedelta(rng.integers(0, n // 2 + 60, size=m), unit="D"),
        "pv": pv,
    })
    if not string_ids:
        orders["participant_id"] = orders["participant_id"].astype(np.int64)
    return people, orders


def cdnow_master(data) -> pd.DataFrame:
    """The CDNOW master file (``data`` = the shared data folder): customer_id, date
    (datetime64), cds, dollar_value; one row per order."""
    df = pd.read_csv(data / "cdnow" / "CDNOW_master.txt", sep=r"\s+", header=0,
                     names=["customer_id", "date", "cds", "dollar_value"])
    df["date"] = pd.to_datetime(df["date"].astype(str), format="%Y%m%d")
    return df


def brute_lifecycle(orders, as_of, f_tiers, r_tiers, universe):
    """Life-cycle segments by the definition, customer by customer: frequency = distinct
    order days up to as_of, recency = days since the last; tiers as given. Rows whose
    amount is <= 0 (refunds) are not order days when the orders have an amount column."""
    if "amount" in orders.columns:
        orders = orders[orders["amount"] > 0]
    as_of = pd.Timestamp(as_of)
    days = orders.assign(day=orders["ordered_on"].dt.normalize())
    days = days[days["day"] <= as_of]
    rows = {}
    for pid, g in days.groupby("participant_id"):
        f = g["day"].nunique()
        r = (as_of - g["day"].max()).days
        ft = [name for name, lo in f_tiers if f >= lo][-1]
        rt = next(name for name, hi in r_tiers if hi is None or r <= hi)
        rows[pid] = (f, r, ft, rt)
    out = []
    for pid in universe:
        f, r, ft, rt = rows.get(pid, (0, None, None, None))
        out.append({"id": pid, "frequency": f, "recency": r, "frequency_tier": ft, "recency_tier": rt,
                    "segment": None if ft is None else f"{ft} {rt}"})
    return pd.DataFrame(out).set_index("id")
