"""Segmentation: order summaries, lifetimes' RFM summary and the life-cycle matrix.

Every function here summarises all customers at once in the C++ core
(``_core.summarize_orders``: one counting sort of the orders by customer, then one pass
per customer in day order) and builds its pandas result from those arrays.
"""

from __future__ import annotations

import warnings
from typing import Any, Optional, Sequence

import numpy as np
import pandas as pd

from . import _core
from ._convert import column, date_ticks, day_number
from .errors import DroppedRowsWarning, InputError, UnknownIdError
from .network import _show

__all__ = ["Lifecycle", "lifecycle", "order_summary", "rfm_summary"]

#: Default frequency tiers: (name, lowest number of distinct order days).
FREQUENCY_TIERS = (("New", 1), ("Promising", 2), ("Constant", 4))
#: Default recency tiers: (name, most days since the last order; None = no bound).
RECENCY_TIERS = (("Active", 30), ("Sleeping", 90), ("Lost", None))

_EPOCH = np.datetime64("1970-01-01", "D")


def _id_values(pid: pd.Series) -> np.ndarray:
    """Id column values (no missing ones left): int64 for integer columns and for float
    columns of whole numbers (such as 17850.0), else the values as they are."""
    if pd.api.types.is_integer_dtype(pid.dtype):
        return pid.to_numpy(dtype=np.int64)
    if pd.api.types.is_float_dtype(pid.dtype):
        raw = pid.to_numpy(dtype=np.float64)
        if len(raw) and (raw == np.floor(raw)).all() and np.abs(raw).max() < 2.0**63:
            return raw.astype(np.int64)
        return raw
    return pid.to_numpy()


class _Orders:
    """Order columns checked and turned into (customer codes, ticks, amounts)."""

    def __init__(self, orders: pd.DataFrame, participant: str, date: str, amount: Optional[str],
                 missing: str, participants: Any = None, unknown: str = "raise",
                 date_format: Optional[str] = None) -> None:
        if not isinstance(orders, pd.DataFrame):
            raise InputError(f"orders must be a pandas DataFrame, not {type(orders).__name__}")
        if missing not in ("raise", "drop"):
            raise InputError(f"missing must be 'raise' or 'drop', not {missing!r}")
        if unknown not in ("raise", "drop"):
            raise InputError(f"unknown must be 'raise' or 'drop', not {unknown!r}")
        pid = column(orders, participant)
        dates = column(orders, date)
        if date_format is not None and not pd.api.types.is_datetime64_any_dtype(dates.dtype):
            try:
                dates = pd.to_datetime(dates, format=date_format)
            except (ValueError, TypeError) as exc:
                raise InputError(f"column {date!r}: dates that do not match {date_format!r} ({exc})") from None
        ticks, self.per_day = date_ticks(dates, date)
        if amount is None:
            values = np.zeros(len(orders), dtype=np.float64)
        else:
            col = column(orders, amount)
            if not pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
                raise InputError(f"column {amount!r} must be numeric, got {col.dtype}")
            values = col.to_numpy(dtype=np.float64, na_value=np.nan)
        # Missing participant or date: named, or dropped on request. Non-finite amounts
        # are errors either way (a refund is a negative amount, not a missing one).
        absent = pid.isna().to_numpy() | (ticks == np.iinfo(np.int64).min)
        bad_amount = ~np.isfinite(values)
        if amount is not None and bad_amount.any():
            rows = np.flatnonzero(bad_amount & ~absent) if missing == "drop" else np.flatnonzero(bad_amount)
            if len(rows):
                raise InputError(f"column {amount!r} has {len(rows)} missing or infinite value(s) at rows "
                                 f"{_show(rows.tolist())}", ids=rows.tolist())
        self.dropped_rows = np.empty(0, dtype=np.int64)
        if absent.any():
            rows = np.flatnonzero(absent)
            msg = (f"{len(rows)} order(s) with a missing {participant!r} or {date!r} at rows "
                   f"{_show(rows.tolist())}")
            if missing == "raise":
                raise InputError(msg + " (pass missing='drop' to drop them)", ids=rows.tolist())
            warnings.warn("dropped " + msg, DroppedRowsWarning, stacklevel=3)
            self.dropped_rows = rows
            keep = ~absent
            pid, ticks, values = pid[keep], ticks[keep], values[keep]
        self.ticks = np.ascontiguousarray(ticks, dtype=np.int64)
        self.amount = np.ascontiguousarray(values, dtype=np.float64)
        keys = _id_values(pid)
        if participants is None:
            codes, uniques = pd.factorize(keys, sort=True)
            self.ids = pd.Index(uniques, name=participant)
        else:
            universe = participants.ids if hasattr(participants, "ids") and hasattr(participants, "volumes") \
                else pd.Index(participants)
            if universe.has_duplicates:
                dup = list(pd.unique(universe[universe.duplicated()]))
                raise InputError(f"participants have duplicate ids: {_show(dup)}", kind="duplicate_id", ids=dup)
            self.ids = pd.Index(universe, name=participant)
            codes = self.ids.get_indexer(keys)
            if (codes < 0).any():
                bad = codes < 0
                ids = list(pd.unique(keys[bad]))
                msg = f"{int(bad.sum())} order(s) of {len(ids)} participant(s) not among the participants: {_show(ids)}"
                if unknown == "raise":
                    raise UnknownIdError(msg, ids=ids)
                warnings.warn("dropped " + msg, DroppedRowsWarning, stacklevel=3)
                keep = ~bad
                codes, self.ticks, self.amount = codes[keep], self.ticks[keep], self.amount[keep]
        self.codes = np.ascontiguousarray(codes, dtype=np.int64)

    def last_day(self) -> int:
        if len(self.ticks) == 0:
            raise InputError("no orders: give an as_of date")
        return int(self.ticks.max() // self.per_day)

    def summary(self, as_of_day: int) -> dict:
        return _core.summarize_orders(self.codes, self.ticks, self.per_day, self.amount, len(self.ids),
                                      int(as_of_day))


def _dates(days: np.ndarray, present: np.ndarray) -> np.ndarray:
    out = (_EPOCH + days.astype("timedelta64[D]")).astype("datetime64[ns]")
    out[~present] = np.datetime64("NaT")
    return out


def order_summary(orders: pd.DataFrame, as_of: Any = None, participant: str = "participant_id",
                  date: str = "ordered_on", amount: Optional[str] = "amount", participants: Any = None,
                  missing: str = "raise", unknown: str = "raise") -> pd.DataFrame:
    """Every customer's order history up to ``as_of`` (inclusive) in one call.

    Parameters
    ----------
    orders : DataFrame
        One row per order, with columns named by ``participant``, ``date`` and ``amount``
        (``amount=None``: no money column; ``amount`` is then 0).
    as_of : date-like, optional
        Orders after this day are left out. Default: the last order's day.
    participants : Network or sequence of ids, optional
        The customers to report, in this order (those without orders get zeros). By
        default, every customer that appears in ``orders``, sorted by id.
    missing : {"raise", "drop"}
        Orders with a missing participant or date: an :class:`InputError` naming the rows,
        or dropped with a :class:`DroppedRowsWarning` saying how many and which.
    unknown : {"raise", "drop"}
        With ``participants``: orders of other ids raise :class:`UnknownIdError` or are dropped.

    Returns
    -------
    DataFrame indexed by customer id: ``orders`` (rows), ``order_days`` (distinct order
    days), ``first_order``, ``last_order`` (NaT without an order) and ``amount`` (sum).
    """
    o = _Orders(orders, participant, date, amount, missing, participants, unknown)
    as_of_day = o.last_day() if as_of is None else day_number(as_of, "as_of")
    s = o.summary(as_of_day)
    present = s["days"] > 0
    return pd.DataFrame({"orders": s["orders"], "order_days": s["days"],
                         "first_order": _dates(s["first"], present), "last_order": _dates(s["last"], present),
                         "amount": s["amount"]}, index=o.ids)


def rfm_summary(transactions: pd.DataFrame, customer_id_col: str, datetime_col: str,
                monetary_value_col: Optional[str] = None, datetime_format: Optional[str] = None,
                observation_period_end: Any = None, freq: str = "D", freq_multiplier: int = 1,
                include_first_transaction: bool = False) -> pd.DataFrame:
    """lifetimes' ``summary_data_from_transaction_data`` with ``freq='D'``, computed in C++.

    Same arguments and the same output, so that a lifetimes user can switch by changing
    the import: a DataFrame indexed by customer id (sorted) with float columns

    * ``frequency``: number of order days after the first one (repeat purchase days);
    * ``recency``: days from the first to the last order day;
    * ``T``: days from the first order day to ``observation_period_end``;
    * ``monetary_value`` (with ``monetary_value_col``): mean of the daily totals of the
      repeat days (0 without repeat days); with ``include_first_transaction=True`` the
      first day is included in the mean (``frequency`` is unchanged, as in lifetimes).

    Orders after ``observation_period_end`` (default: the last order's day) are ignored and
    customers without an order by then are left out. Times of day are dropped (days are
    the period). Only ``freq='D'`` with ``freq_multiplier=1`` is supported.
    """
    if freq != "D" or freq_multiplier != 1:
        raise InputError(f"rfm_summary supports freq='D' with freq_multiplier=1 only, not freq={freq!r}, "
                         f"freq_multiplier={freq_multiplier!r}")
    o = _Orders(transactions, customer_id_col, datetime_col, monetary_value_col, "raise",
                date_format=datetime_format)
    end = o.last_day() if observation_period_end is None else day_number(observation_period_end,
                                                                          "observation_period_end")
    s = o.summary(end)
    keep = s["days"] > 0
    days = s["days"][keep].astype(np.float64)
    first = s["first"][keep].astype(np.float64)
    out = pd.DataFrame({"frequency": days - 1.0, "recency": s["last"][keep] - first, "T": end - first},
                       index=o.ids[keep])
    if monetary_value_col is not None:
        total, first_total = s["amount"][keep], s["first_day_amount"][keep]
        if include_first_transaction:
            out["monetary_value"] = total / days
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                mv = (total - first_total) / (days - 1.0)
            out["monetary_value"] = np.where(days > 1, mv, 0.0)
    out.index.name = customer_id_col
    return out


class Lifecycle:
    """The life-cycle segmentation of every customer at one date (see :func:`lifecycle`).

    Attributes
    ----------
    segments : DataFrame
        Indexed by customer id: ``frequency`` (distinct order days up to as_of),
        ``recency`` (days from the last order day to as_of; missing without an order),
        ``frequency_tier``, ``recency_tier`` and ``segment`` (categoricals; missing for
        customers without an order up to as_of).
    matrix : DataFrame
        Customers per cell: frequency tiers (rows) x recency tiers (columns), every tier
        present even when empty.
    shares : DataFrame
        ``matrix`` divided by the number of customers with an order.
    no_purchase : int
        Customers without an order up to as_of.
    active_base_share : float
        Share of the customers with an order who are in the first recency tier (NaN when
        no customer has an order).
    """

    def __init__(self, segments: pd.DataFrame, matrix: pd.DataFrame, as_of: pd.Timestamp) -> None:
        self.segments = segments
        self.matrix = matrix
        self.as_of = as_of
        buyers = int(matrix.to_numpy().sum())
        self.no_purchase = int(len(segments) - buyers)
        self.shares = matrix / buyers if buyers else matrix.astype(np.float64) * np.nan
        self.active_base_share = float(matrix.iloc[:, 0].sum() / buyers) if buyers else float("nan")

    def __repr__(self) -> str:
        return (f"<Lifecycle as of {self.as_of.date()}: {len(self.segments):,} customers, "
                f"{self.no_purchase:,} without a purchase, active base {self.active_base_share:.1%}>")


def _tiers(tiers: Any, what: str, lower: bool) -> tuple[list[str], np.ndarray]:
    """Checked (names, bounds). Frequency tiers are lowest values (increasing, the first
    >= 1); recency tiers are highest values (increasing; the last may be None)."""
    try:
        pairs = [(str(n), b) for n, b in tiers]
    except (TypeError, ValueError):
        raise InputError(f"{what}: expected (name, bound) pairs, got {tiers!r}") from None
    if not pairs:
        raise InputError(f"{what}: at least one tier is needed")
    names = [n for n, _ in pairs]
    if len(set(names)) != len(names):
        raise InputError(f"{what}: tier names must differ, got {names}")
    bounds = []
    for i, (name, b) in enumerate(pairs):
        if b is None and not lower and i == len(pairs) - 1:
            bounds.append(np.inf)
            continue
        if isinstance(b, bool) or not isinstance(b, (int, np.integer)):
            raise InputError(f"{what}: the bound of tier {name!r} must be a whole number, not {b!r}")
        bounds.append(float(b))
    arr = np.asarray(bounds)
    if (np.diff(arr) <= 0).any():
        raise InputError(f"{what}: bounds must increase, got {bounds}")
    if lower and arr[0] < 1:
        raise InputError(f"{what}: the first tier must start at 1 order day or more, got {bounds[0]}")
    if not lower and arr[0] < 0:
        raise InputError(f"{what}: recency bounds must be >= 0, got {bounds[0]}")
    return names, arr


def lifecycle(orders: pd.DataFrame, as_of: Any, participant: str = "participant_id", date: str = "ordered_on",
              frequency_tiers: Sequence = FREQUENCY_TIERS, recency_tiers: Sequence = RECENCY_TIERS,
              participants: Any = None, missing: str = "raise", unknown: str = "raise") -> Lifecycle:
    """The customer life-cycle matrix (purchase frequency x recency) at ``as_of``.

    Frequency = distinct order days up to ``as_of`` (inclusive); recency = days from the
    last of them to ``as_of``. ``frequency_tiers`` are ``(name, lowest frequency)`` pairs
    (default New: 1, Promising: 2-3, Constant: 4 or more); ``recency_tiers`` are
    ``(name, highest recency)`` pairs, the last bound ``None`` for "no limit" (default
    Active: 0-30 days, Sleeping: 31-90, Lost: more). Any number of tiers on either axis;
    they must cover every buyer, so the first frequency bound is 1 and the last recency
    bound is None. Segment labels are "<frequency tier> <recency tier>".

    Customers: everyone in ``orders`` (sorted by id), or ``participants`` (a Network or a
    sequence of ids) so that participants without orders are counted as "no purchase".
    Missing participants or dates: see :func:`order_summary`.
    """
    f_names, f_lo = _tiers(frequency_tiers, "frequency_tiers", lower=True)
    r_names, r_hi = _tiers(recency_tiers, "recency_tiers", lower=False)
    if f_lo[0] != 1:
        raise InputError(f"frequency_tiers: the first tier must start at 1 so that every buyer has a tier, "
                         f"got {int(f_lo[0])}")
    if np.isfinite(r_hi[-1]):
        raise InputError("recency_tiers: the last tier's bound must be None (no limit) so that every buyer "
                         "has a tier")
    as_of_day = day_number(as_of, "as_of")
    o = _Orders(orders, participant, date, None, missing, participants, unknown)
    s = o.summary(as_of_day)
    freq = s["days"]
    buyer = freq > 0
    recency = np.where(buyer, as_of_day - s["last"].astype(np.int64), -1)
    f_code = np.where(buyer, np.searchsorted(f_lo, freq, side="right") - 1, -1)
    r_code = np.where(buyer, np.searchsorted(r_hi, recency, side="left"), -1)
    labels = [f"{f} {r}" for f in f_names for r in r_names]
    seg_code = np.where(buyer, f_code * len(r_names) + r_code, -1)
    segments = pd.DataFrame({
        "frequency": freq.astype(np.int64),
        "recency": pd.array(np.where(buyer, recency, 0), dtype="Int64"),
        "frequency_tier": pd.Categorical.from_codes(f_code, categories=f_names, ordered=True),
        "recency_tier": pd.Categorical.from_codes(r_code, categories=r_names, ordered=True),
        "segment": pd.Categorical.from_codes(seg_code, categories=labels, ordered=True),
    }, index=o.ids)
    segments.loc[~buyer, "recency"] = pd.NA
    counts = np.bincount(seg_code[buyer], minlength=len(labels)).reshape(len(f_names), len(r_names))
    matrix = pd.DataFrame(counts, index=pd.Index(f_names, name="frequency_tier"),
                          columns=pd.Index(r_names, name="recency_tier"))
    return Lifecycle(segments, matrix, pd.Timestamp(_EPOCH + np.timedelta64(as_of_day, "D")))
