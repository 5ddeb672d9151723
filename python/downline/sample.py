"""Deterministic sample data shaped like a direct-selling company."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _core
from ._convert import flag, real_number, whole_number


def sample(participants: int = 100_000, orders_per_participant: float = 8.0, seed: int = 42,
           shuffle: bool = True, placement: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generates a sample company: heavy-tailed recruiting, several years of orders.

    ``participants``: 0 to 2**31 - 1; ``orders_per_participant``: the mean, from 0 to
    1,000; ``seed``: 0 to 2**64 - 1; ``shuffle``: True or False; ``placement``: True
    adds a placement tree for binary and hybrid plans.

    The same arguments give the same data on every machine.

    Returns
    -------
    participants : DataFrame
        ``id`` (int64), ``sponsor_id`` (nullable Int64, missing for roots),
        ``enrolled_on`` (datetime64), ``kind`` (categorical: customer, member, distributor).
        With ``placement=True`` also ``placement_id`` (nullable Int64, missing for roots)
        and ``side`` (categorical L or R, missing for roots): each sponsor's recruits go to
        its left and right in turn, the first to the left, each at the bottom of the
        sponsor's outer leg on that side (spillover). Give them to
        ``Network.from_frame(..., placement="placement_id", side="side")``.
    orders : DataFrame
        ``participant_id``, ``ordered_on`` (datetime64), ``amount``, ``pv``; about 2 % of the
        rows are refunds (negative amounts).
    """
    participants = whole_number(participants, "participants")
    # an infinite or huge mean would draw orders for ever
    orders_per_participant = real_number(orders_per_participant, "orders_per_participant", 0.0, 1000.0)
    seed = whole_number(seed, "seed", 0, 2**64 - 1)
    p, o, kind_names = _core.sample(participants, orders_per_participant, seed, flag(shuffle, "shuffle"),
                                    flag(placement, "placement"))
    sponsor = pd.arrays.IntegerArray(p["sponsor_id"], p["has_sponsor"] == 0)
    people = pd.DataFrame({
        "id": p["id"],
        "sponsor_id": sponsor,
        "enrolled_on": p["enrolled_on"].astype("datetime64[D]").astype("datetime64[ns]"),
        "kind": pd.Categorical.from_codes(p["kind"], categories=kind_names),
    })
    if placement:
        placed = p["has_placement"] == 1
        people["placement_id"] = pd.arrays.IntegerArray(p["placement_id"], ~placed)
        people["side"] = pd.Categorical.from_codes(np.where(placed, p["side"].astype(np.int8), -1),
                                                   categories=["L", "R"])
    orders = pd.DataFrame({
        "participant_id": o["participant_id"],
        "ordered_on": o["ordered_on"].astype("datetime64[D]").astype("datetime64[ns]"),
        "amount": o["amount"],
        "pv": o["pv"],
    })
    return people, orders


__all__ = ["sample"]
