"""Segmentation: order summaries, lifetimes' RFM summary and the life-cycle matrix.

Every function here summarises all customers at once in the C++ core
(``_core.summarize_orders``: one counting sort of the orders by customer, then one pass
per customer in day order) and builds its pandas result from those arrays.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Optional, Sequence

import numpy as np
import pandas as pd

from . import _core
from ._convert import column, dates_of_days, day_number, flag, timestamp, whole_number
from ._html import summary_html
from .errors import InputError
from .ids import id_index
from .network import Network
from .orders import Orders

__all__ = ["Lifecycle", "Migration", "lifecycle", "migration", "order_summary", "rfm", "rfm_summary"]

#: Default frequency tiers: (name, lowest number of distinct order days).
FREQUENCY_TIERS = (("New", 1), ("Promising", 2), ("Constant", 4))
#: Default recency tiers: (name, most days since the last order; None = no bound).
RECENCY_TIERS = (("Active", 30), ("Sleeping", 90), ("Lost", None))
#: The most life-cycle segments (frequency tiers x recency tiers).
MAX_SEGMENTS = 32_767
#: The migration states of customers without a segment (names no segment label may take).
NO_PURCHASE = "no purchase"
NOT_ENROLLED = "not yet enrolled"
#: The migration state of a network's participants terminated by the date (its events).
TERMINATED = "terminated"



def _terminated(participants: Any, s: Any, day: int, orders: Any, participant: str, date: str,
                amount: Optional[str]) -> Optional[np.ndarray]:
    """With ``participants`` a Network with events: which of its participants (the
    customers of summary `s`, in its rows' order) were terminated on or before `day`, their
    activity up to it checked (none after the termination); None otherwise."""
    if not isinstance(participants, Network) or participants._events is None:
        return None
    last = np.where(s.days > 0, s.last, np.iinfo(np.int32).min)
    gone = np.zeros(len(participants), dtype=bool)
    gone[participants._terminated_upto(day, last, orders, participant, date, amount)] = True
    return gone


def _absent(participants: Any, day: int) -> Optional[np.ndarray]:
    """With ``participants`` a Network: which of its participants are not in it as of
    `day` (:meth:`Network.as_of`'s rule); None otherwise, or when everyone is."""
    return participants._absent_on(day) if isinstance(participants, Network) else None


def _without(s: Any, ids: pd.Index, gone: Optional[np.ndarray]) -> tuple[Any, pd.Index]:
    """Summary `s` and its customers `ids` without the customers `gone` (a mask; None or
    none: both as they are)."""
    if gone is None or not gone.any():
        return s, ids
    keep = ~gone
    arrays = {f: getattr(s, f) for f in ("orders", "days", "first", "last", "amount", "first_day_amount")}
    return SimpleNamespace(**{f: a[keep] if len(a) == len(ids) else a for f, a in arrays.items()}), ids[keep]


def customers(participants: Any) -> Optional[pd.Index]:
    """The customers a ``participants`` argument names: a Network's ids, a sequence of ids,
    or None (every customer with an order)."""
    if participants is None:
        return None
    return participants.ids if isinstance(participants, Network) else id_index(participants, "participants")


def order_summary(orders: pd.DataFrame, as_of: Any = None, participant: str = "participant_id",
                  date: str = "ordered_on", amount: Optional[str] = "amount", participants: Any = None,
                  missing: str = "raise", unknown: str = "raise") -> pd.DataFrame:
    """Every customer's order history up to ``as_of`` (inclusive) in one call.

    Parameters
    ----------
    orders : DataFrame or Activity
        One row per order, with columns named by ``participant``, ``date`` and ``amount``
        (``amount=None``: no money column; ``amount`` is then 0); or an :class:`Activity`
        (orders mapped onto a network once), whose volumes stand as the amount.
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
    o = Orders(orders, participant, date, amount, missing, customers(participants), unknown)
    as_of_day = o.last_day() if as_of is None else day_number(as_of, "as_of")
    s = o.summary(as_of_day, fields=("orders", "days", "first", "last", "amount"))
    present = s.days > 0
    return pd.DataFrame({"orders": s.orders, "order_days": s.days,
                         "first_order": dates_of_days(s.first, present), "last_order": dates_of_days(s.last, present),
                         "amount": s.amount}, index=o.customers(s))


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
    if not isinstance(freq, str) or freq != "D" or isinstance(freq_multiplier, (bool, np.bool_)) \
            or not isinstance(freq_multiplier, (int, np.integer)) or freq_multiplier != 1:
        raise InputError(f"rfm_summary supports freq='D' with freq_multiplier=1 only, not freq={freq!r}, "
                         f"freq_multiplier={freq_multiplier!r}")
    include_first_transaction = flag(include_first_transaction, "include_first_transaction")
    o = Orders(transactions, customer_id_col, datetime_col, monetary_value_col, "raise",
               date_format=datetime_format)
    end = o.last_day() if observation_period_end is None else day_number(observation_period_end,
                                                                          "observation_period_end")
    s = o.summary(end)
    keep = s.days > 0
    days = s.days[keep].astype(np.float64)
    first = s.first[keep].astype(np.float64)
    out = pd.DataFrame({"frequency": days - 1.0, "recency": s.last[keep] - first, "T": end - first},
                       index=o.customers(s)[keep])
    if monetary_value_col is not None:
        total, first_total = s.amount[keep], s.first_day_amount[keep]
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

    def _repr_html_(self) -> str:
        return summary_html(repr(self), self.matrix)


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
        bounds.append(float(whole_number(b, f"{what}: the bound of tier {name!r}", 0)))
    arr = np.asarray(bounds)
    if (np.diff(arr) <= 0).any():
        raise InputError(f"{what}: bounds must increase, got {bounds}")
    if lower and arr[0] < 1:
        raise InputError(f"{what}: the first tier must start at 1 order day or more, got {bounds[0]}")
    if not lower and arr[0] < 0:
        raise InputError(f"{what}: recency bounds must be >= 0, got {bounds[0]}")
    return names, arr


def _checked_tiers(frequency_tiers: Sequence, recency_tiers: Sequence) -> tuple:
    f_names, f_lo = _tiers(frequency_tiers, "frequency_tiers", lower=True)
    r_names, r_hi = _tiers(recency_tiers, "recency_tiers", lower=False)
    if f_lo[0] != 1:
        raise InputError(f"frequency_tiers: the first tier must start at 1 so that every buyer has a tier, "
                         f"got {int(f_lo[0])}")
    if np.isfinite(r_hi[-1]):
        raise InputError("recency_tiers: the last tier's bound must be None (no limit) so that every buyer "
                         "has a tier")
    if len(f_names) * len(r_names) > MAX_SEGMENTS:  # the core's int16 segment codes
        raise InputError(f"tiers: at most {MAX_SEGMENTS:,} segments (frequency tiers x recency tiers), got "
                         f"{len(f_names) * len(r_names):,}")
    # segment labels are "<frequency tier> <recency tier>": each must name one cell, and
    # none may be taken for a state without a segment
    seen: dict = {}
    for f in f_names:
        for r in r_names:
            label = f"{f} {r}"
            if label in seen:
                raise InputError(f"tiers: the segments ({seen[label][0]!r}, {seen[label][1]!r}) and ({f!r}, {r!r}) "
                                 f"would both be labelled {label!r}: rename a tier")
            if label in (NO_PURCHASE, NOT_ENROLLED):
                raise InputError(f"tiers: the segment ({f!r}, {r!r}) would be labelled {label!r}, the name of the "
                                 "state without a segment: rename a tier")
            seen[label] = (f, r)
    return f_names, f_lo, r_names, r_hi


def _segment_codes(s: _core.OrderSummary, as_of_day: int, f_lo: np.ndarray, r_hi: np.ndarray) -> Any:
    """Life-cycle cells in C++ (``lifecycle_codes``): ``recency`` (0 without an order),
    ``frequency_tier``, ``recency_tier``, ``segment`` (-1 without an order) and ``counts``
    (customers per segment, frequency-major)."""
    top = np.iinfo(np.int64).max
    return _core.lifecycle_codes(s.days, s.last, int(as_of_day), [int(x) for x in f_lo],
                                 [int(x) if np.isfinite(x) else top for x in r_hi])


def lifecycle(orders: pd.DataFrame, as_of: Any, participant: str = "participant_id", date: str = "ordered_on",
              frequency_tiers: Sequence = FREQUENCY_TIERS, recency_tiers: Sequence = RECENCY_TIERS,
              participants: Any = None, amount: Optional[str] = "amount", missing: str = "raise",
              unknown: str = "raise") -> Lifecycle:
    """The customer life-cycle matrix (purchase frequency x recency) at ``as_of``.

    Frequency = distinct order days up to ``as_of`` (inclusive); recency = days from the
    last of them to ``as_of``. ``frequency_tiers`` are ``(name, lowest frequency)`` pairs
    (default New: 1, Promising: 2-3, Constant: 4 or more); ``recency_tiers`` are
    ``(name, highest recency)`` pairs, the last bound ``None`` for "no limit" (default
    Active: 0-30 days, Sleeping: 31-90, Lost: more). Any number of tiers on either axis;
    they must cover every buyer, so the first frequency bound is 1 and the last recency
    bound is None. Segment labels are "<frequency tier> <recency tier>".

    Customers: everyone in ``orders`` (sorted by id), or ``participants`` (a Network or a
    sequence of ids) so that participants without orders are counted as "no purchase";
    a network's participants not in it as of ``as_of`` (:meth:`Network.as_of`: enrolled
    later, below someone who was, or terminated by then) are not customers then (activity
    after a termination is an error). Rows whose ``amount`` is <= 0 (refunds) are not orders, when the orders have that
    column (default ``"amount"``; ``amount=None``: every row counts; docs/concepts.md,
    "Refunds"). Missing participants or dates: see :func:`order_summary`.
    """
    f_names, f_lo, r_names, r_hi = _checked_tiers(frequency_tiers, recency_tiers)
    as_of_day = day_number(as_of, "as_of")
    o = Orders(orders, participant, date, amount, missing, customers(participants), unknown)
    s = o.summary(as_of_day, positive_only=o.amount is not None, fields=("days", "last"))
    _terminated(participants, s, as_of_day, orders, participant, date, amount)  # activity after it named
    s, ids = _without(s, o.customers(s), _absent(participants, as_of_day))
    c = _segment_codes(s, as_of_day, f_lo, r_hi)
    labels = [f"{f} {r}" for f in f_names for r in r_names]
    segments = pd.DataFrame({
        "frequency": s.days.astype(np.int64),
        "recency": pd.arrays.IntegerArray(c.recency, s.days == 0),
        "frequency_tier": pd.Categorical.from_codes(c.frequency_tier, categories=f_names, ordered=True),
        "recency_tier": pd.Categorical.from_codes(c.recency_tier, categories=r_names, ordered=True),
        "segment": pd.Categorical.from_codes(c.segment, categories=labels, ordered=True),
    }, index=ids, copy=False)  # copy=False: the new columns are not copied into 2-D blocks
    counts = c.counts.reshape(len(f_names), len(r_names))
    matrix = pd.DataFrame(counts, index=pd.Index(f_names, name="frequency_tier"),
                          columns=pd.Index(r_names, name="recency_tier"))
    return Lifecycle(segments, matrix, timestamp(as_of_day))


# --------------------------------------------------------------------------- RFM

#: Default RFM segments: (name, rule) pairs on the R and F scores, first match wins. The
#: R x F segment map widely used in CRM analytics (Champions = recent and frequent, ...);
#: it covers all 25 (R, F) cells, so "Other" is only reached with user rules.
RFM_SEGMENTS = (
    ("Champions", {"R": (5, 5), "F": (4, 5)}),
    ("Loyal Customers", {"R": (3, 4), "F": (4, 5)}),
    ("Potential Loyalists", {"R": (4, 5), "F": (2, 3)}),
    ("New Customers", {"R": (5, 5), "F": (1, 1)}),
    ("Promising", {"R": (4, 4), "F": (1, 1)}),
    ("Need Attention", {"R": (3, 3), "F": (3, 3)}),
    ("About to Sleep", {"R": (3, 3), "F": (1, 2)}),
    ("Can't Lose Them", {"R": (1, 2), "F": (5, 5)}),
    ("At Risk", {"R": (1, 2), "F": (3, 4)}),
    ("Hibernating", {"R": (1, 2), "F": (1, 2)}),
)


_SCORE_STRINGS = [f"{r}{f}{m}" for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)]


def _cut_edges(edges: Any, what: str) -> list[float]:
    """4 increasing finite cut points for one letter of ``bins``."""
    try:
        e = np.asarray(edges, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"bins[{what!r}]: expected 4 increasing numbers, got {edges!r}") from None
    if e.shape != (4,) or not np.isfinite(e).all() or (np.diff(e) <= 0).any():
        raise InputError(f"bins[{what!r}]: expected 4 increasing finite numbers, got {edges!r}")
    return e.tolist()


def _rules(segments: Sequence) -> list[tuple[str, dict]]:
    out = []
    try:
        items = list(segments)
    except TypeError:
        raise InputError(f"segments: expected (name, rule) pairs, got {segments!r}") from None
    for item in items:
        try:
            name, rule = item
        except (TypeError, ValueError):
            raise InputError(f"segments: expected (name, rule) pairs, got {item!r}") from None
        if not isinstance(rule, dict) or not set(rule) <= {"R", "F", "M"}:
            raise InputError(f"segments: the rule of {name!r} must be a dict with keys among 'R', 'F', 'M', "
                             f"got {rule!r}")
        ranges = {}
        for k, v in rule.items():
            pair = (v, v) if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) else v
            try:
                lo, hi = pair
            except (TypeError, ValueError):
                raise InputError(f"segments: {name!r} {k} must be a score or a (low, high) pair, got {v!r}") from None
            whole = all(isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)) for x in (lo, hi))
            if not (whole and 1 <= lo <= hi <= 5):
                raise InputError(f"segments: {name!r} {k} range must be whole scores within 1..5 with low <= high, "
                                 f"got {v!r}")
            ranges[k] = (int(lo), int(hi))
        out.append((str(name), ranges))
    names = [n for n, _ in out]
    if len(set(names)) != len(names):
        raise InputError(f"segments: names must differ, got {names}")
    return out


def rfm(orders: pd.DataFrame, as_of: Any = None, participant: str = "participant_id", date: str = "ordered_on",
        amount: str = "amount", bins: Optional[dict] = None, segments: Sequence = RFM_SEGMENTS,
        other: str = "Other", participants: Any = None, missing: str = "raise",
        unknown: str = "raise") -> pd.DataFrame:
    """RFM scores and segments of every customer at ``as_of`` (inclusive).

    * ``recency``: days from the last order day to ``as_of``; ``frequency``: distinct
      order days; ``monetary``: sum of ``amount`` up to ``as_of``. Rows with an amount
      <= 0 are refunds: they reduce ``monetary`` but are not orders (docs/concepts.md).
    * ``R``, ``F``, ``M``: scores 1..5 (nullable ``Int8``; 5 is best: most recent, most frequent, most
      money). By quantiles among the customers with an order, with the tie rule "equal
      values get equal scores": score = 1 + floor(5 * w / n), w = customers strictly worse,
      n = customers scored. Or by cut points: ``bins={"R": [30, 90, 180, 365], "F": [2, 3,
      5, 8], ...}`` (4 increasing edges per score given; the others by quantiles):
      R = 5 for recency <= 30, 4 for <= 90, ..., 1 above the last edge; F and M = 1 below
      the first edge, 2 from it, ..., 5 from the last edge on.
    * ``score``: the string "RFM", e.g. "545" (a categorical over "111" .. "555").
    * ``segment``: the first rule of ``segments`` that matches (``(name, {"R": (lo, hi),
      "F": ..., "M": ...})`` pairs, inclusive ranges, absent letters match anything), else
      ``other``. The default is :data:`RFM_SEGMENTS`.

    Customers: those in ``orders`` (sorted by id) or ``participants`` (Network or ids);
    customers without an order up to ``as_of`` get missing scores and segment. A
    network's participants not in it as of ``as_of`` (:meth:`Network.as_of`: enrolled
    later, below someone who was, or terminated by then) are not customers then: not
    scored, no row (activity after a termination is an error).
    Returns a DataFrame indexed by customer id.
    """
    rules = _rules(segments)
    if not isinstance(other, str) or other in [n for n, _ in rules]:
        raise InputError(f"other: expected a segment name that no rule has, got {other!r}")
    if bins is not None and (not isinstance(bins, dict) or not set(bins) <= {"R", "F", "M"}):
        raise InputError(f"bins: expected a dict with keys among 'R', 'F', 'M', got {bins!r}")
    bins = bins or {}
    o = Orders(orders, participant, date, amount, missing, customers(participants), unknown)
    if o.amount is None:  # monetary needs the money: here the default column is required
        if amount is None:
            raise InputError("rfm: amount=None, but monetary needs the orders' money column")
        column(orders, amount)
    as_of_day = o.last_day() if as_of is None else day_number(as_of, "as_of")
    s = o.summary(as_of_day, positive_only=True, fields=("days", "last", "amount"))
    _terminated(participants, s, as_of_day, orders, participant, date, amount)  # activity after it named
    s, ids = _without(s, o.customers(s), _absent(participants, as_of_day))
    cuts = [_cut_edges(bins[k], k) if k in bins else None for k in ("R", "F", "M")]
    # scores (the tie rule), score codes and the first matching rule: C++ (rfm_scores)
    ranges = [tuple(zip(*(rule.get(k, (1, 5)) for k in "RFM"))) for _, rule in rules]  # (lows, highs)
    r = _core.rfm_scores(s.days, s.last, s.amount, int(as_of_day), cuts, ranges)
    absent = s.days == 0  # each column gets its own mask: editing one must not edit the others
    out = pd.DataFrame({
        "recency": pd.arrays.IntegerArray(r.recency, absent.copy()),
        "frequency": s.days.astype(np.int64),
        "monetary": s.amount,
        "R": pd.arrays.IntegerArray(r.R, absent.copy()),
        "F": pd.arrays.IntegerArray(r.F, absent.copy()),
        "M": pd.arrays.IntegerArray(r.M, absent),
        "score": pd.Categorical.from_codes(r.score, categories=_SCORE_STRINGS),
        "segment": pd.Categorical.from_codes(r.segment, categories=[n_ for n_, _ in rules] + [other]),
    }, index=ids, copy=False)  # copy=False: the new columns are not copied into 2-D blocks
    return out


# --------------------------------------------------------------------------- migration



class Migration:
    """Movement of customers between life-cycle segments from ``t0`` to ``t1``
    (see :func:`migration`).

    Attributes
    ----------
    transitions : DataFrame
        Indexed by customer id: ``from`` and ``to`` (categoricals over the segment labels
        plus "no purchase", "not yet enrolled" and, for a network with events,
        "terminated").
    matrix : DataFrame
        Counts: rows = state at t0, columns = state at t1, every state present.
    rates : DataFrame
        ``matrix`` divided by its row totals (NaN for empty rows).
    """

    def __init__(self, transitions: pd.DataFrame, matrix: pd.DataFrame, t0: pd.Timestamp, t1: pd.Timestamp):
        self.transitions = transitions
        self.matrix = matrix
        totals = matrix.sum(axis=1).to_numpy(dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.rates = matrix.div(np.where(totals > 0, totals, np.nan), axis=0)
        self.t0, self.t1 = t0, t1

    def __repr__(self) -> str:
        stay = int(np.trace(self.matrix.to_numpy()))
        return (f"<Migration {self.t0.date()} -> {self.t1.date()}: {len(self.transitions):,} customers, "
                f"{stay:,} in the same state>")

    def _repr_html_(self) -> str:
        return summary_html(repr(self), self.matrix, max_rows=20)


def migration(orders: pd.DataFrame, t0: Any, t1: Any, participant: str = "participant_id",
              date: str = "ordered_on", frequency_tiers: Sequence = FREQUENCY_TIERS,
              recency_tiers: Sequence = RECENCY_TIERS, participants: Any = None,
              amount: Optional[str] = "amount", missing: str = "raise", unknown: str = "raise") -> Migration:
    """The migration matrix: customers counted by (life-cycle segment at ``t0``, segment
    at ``t1``), with the states "no purchase" (enrolled, no order up to the date) and
    "not yet enrolled", and for a network with events "terminated" (on or before the
    date; activity after the termination is an error).

    Enrolment: with ``participants`` a Network built with ``enrolled_on``, a participant
    is not yet enrolled at t while not in the network as of t (:meth:`Network.as_of`:
    their enrolment day, or a sponsor's up the line, is after t; orders dated before do
    not change that); otherwise a customer counts as enrolled from
    the day of their first row, a refund's too (so "no purchase" then holds participants
    listed in ``participants`` who never ordered, and customers whose rows up to the date
    are all refunds). Segments as in :func:`lifecycle` (same tiers, same ``amount`` rule
    for refunds).
    """
    f_names, f_lo, r_names, r_hi = _checked_tiers(frequency_tiers, recency_tiers)
    d0, d1 = day_number(t0, "t0"), day_number(t1, "t1")
    if d1 < d0:
        raise InputError(f"t1 ({t1}) is before t0 ({t0})")
    o = Orders(orders, participant, date, amount, missing, customers(participants), unknown)
    labels = [f"{f} {r}" for f in f_names for r in r_names]
    with_events = isinstance(participants, Network) and participants._events is not None
    states = labels + [NO_PURCHASE, NOT_ENROLLED] + ([TERMINATED] if with_events else [])
    enrolled = None
    if isinstance(participants, Network):
        enrolled = participants._enrolment_days()
    rows_rule = o.amount is not None
    # the first row's day, for the enrolment from first rows below: from t1's summary when
    # it counts every row
    reuse = enrolled is None and participants is None and not rows_rule
    need = ("days", "last", "first") if reuse else ("days", "last")
    summaries = {d1: o.summary(d1, positive_only=rows_rule, fields=need)}
    summaries[d0] = summaries[d1] if d0 == d1 else o.summary(d0, positive_only=rows_rule, fields=need)
    if enrolled is None:
        # Enrolled from the first row (a refund's too: the customer exists). Without
        # `participants`, every customer has a row, so one without a row by t1 has their
        # first after it; listed participants may have none (they are "no purchase"),
        # which only a pass over every date tells.
        upto = d1 if participants is None else np.iinfo(np.int32).max - 1
        first = summaries[d1] if reuse else o.summary(upto, positive_only=False, fields=("days", "first"))
        never = np.iinfo(np.int32).max if participants is None else np.iinfo(np.int32).min
        enrolled = np.where(first.days > 0, first.first, never)
    codes = []
    for day in (d0, d1):
        seg = _segment_codes(summaries[day], day, f_lo, r_hi).segment.astype(np.int64)
        code = np.where(seg >= 0, seg, len(labels))
        gone = _terminated(participants, summaries[day], day, orders, participant, date, amount)
        if isinstance(participants, Network) and participants._has_enrolment:  # not in the network then
            code[participants._absent_on(day)] = len(labels) + 1
        else:
            code[enrolled > day] = len(labels) + 1
        if gone is not None:
            code[gone] = len(labels) + 2
        codes.append(code)
    kind = pd.CategoricalDtype(states, ordered=False)
    transitions = pd.DataFrame({"from": pd.Categorical.from_codes(codes[0], dtype=kind),
                                "to": pd.Categorical.from_codes(codes[1], dtype=kind)},
                               index=o.customers(summaries[d1]))
    counts = np.bincount(codes[0] * len(states) + codes[1], minlength=len(states) ** 2)
    matrix = pd.DataFrame(counts.reshape(len(states), len(states)),
                          index=pd.Index(states, name=f"segment at {timestamp(d0).date()}"),
                          columns=pd.Index(states, name=f"segment at {timestamp(d1).date()}"))
    return Migration(transitions, matrix, timestamp(d0), timestamp(d1))
