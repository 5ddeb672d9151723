"""Orders at the border: the order columns checked once (missing participants or dates,
dates outside the supported range, non-finite amounts) and keyed by customer for the
per-customer kernels (private; above ids and conversions, below the network and the
analyses).
"""

from __future__ import annotations

import warnings
from typing import NamedTuple, Optional, Sequence

import numpy as np
import pandas as pd

from . import _core
from ._convert import check_ticks, choice, column, date_ticks, numeric_column
from ._messages import at_rows, show as _show, space_hint as _space_hint, text_only
from .errors import DroppedRowsWarning, InputError, UnknownIdError
from .ids import factorize_ids, id_array, id_index


#: The money column's default name. Where the orders have a column of that name, rows
#: whose amount is <= 0 (refunds) are not order days in every per-customer analysis
#: (docs/concepts.md, "Refunds"); another name given must be a column.
AMOUNT = "amount"


def money_column(orders: object, amount: Optional[str]) -> Optional[str]:
    """The money column an analysis reads: ``amount``, or None when it is the default name
    and the orders are a DataFrame without that column. (An Activity always has money:
    its value column of that name, else its volumes.)"""
    if amount == AMOUNT and isinstance(orders, pd.DataFrame) and AMOUNT not in orders.columns:
        return None
    return amount


class _Columns(NamedTuple):
    """The order columns as the core reads them: ids (int64, or labels), int64 date ticks
    (``per_day`` a day; NaT the int64 minimum), float64 amounts or None."""
    ids: np.ndarray
    ticks: np.ndarray
    per_day: int
    amount: Optional[np.ndarray]


class Orders:
    """Order columns checked once and keyed by customer, in four named phases (an Activity,
    whose orders were mapped and checked once, enters at phase 3 with its ids, days and
    volumes as the amounts):

    1. ``_read``: the columns (ids by the rules of :mod:`downline.ids`, dates as ticks,
       amounts as float64), with no copy where they already are so;
    2. ``_checked``: one C++ scan counts missing dates, dates outside the supported range
       and non-finite amounts; rows are named (by the frame's labels) only when there are
       some; rows without a participant or date are dropped on request (``dropped_rows``);
    3. ``_keyed``: how the kernels find a customer: int64 ids grouped in C++ (``keys``,
       with the ``universe`` of allowed ids or None), or codes into :attr:`ids` (labels,
       or int ids with a universe of labels);
    4. the kernels (:meth:`summary`, and the churn and cohort kernels through
       :meth:`kernel_inputs` and :meth:`checked`), which report unknown ids.

    ``ids`` is the Index of the customers, or None where the first summary finds them
    (every int64 id with an order, ascending): :meth:`customers` gives them either way.
    """

    def __init__(self, orders: pd.DataFrame, participant: str, date: str, amount: Optional[str],
                 missing: str, participants: Optional[pd.Index] = None, unknown: str = "raise",
                 date_format: Optional[str] = None) -> None:
        # an Activity (of the network layer, above): its orders mapped and checked once
        mapped = getattr(orders, "_order_columns", None)
        if mapped is None and not isinstance(orders, pd.DataFrame):
            raise InputError(f"orders must be a pandas DataFrame or a downline Activity, not {type(orders).__name__}")
        choice(missing, "missing", ("raise", "drop"))
        self._unknown = choice(unknown, "unknown", ("raise", "drop"))
        self._participant = participant
        self._warned = False
        amount = money_column(orders, amount)
        customers = None  # an Activity's customers, when it numbered them
        if mapped is not None:
            cols, customers = mapped(amount, participant, participants is None)
            self.dropped_rows = np.empty(0, dtype=np.int64)
        else:
            cols, present = self._read(orders, participant, date, amount, date_format)
            cols, self.dropped_rows = self._checked(cols, present, orders.index, participant, date, amount, missing)
        self.ticks, self.per_day, self.amount = cols.ticks, cols.per_day, cols.amount
        if customers is not None:  # codes into the customers already
            self.by_id, self.universe, self.codes, self.ids = False, None, cols.ids, customers
        else:
            self._keyed(cols.ids, participants)

    # ------------------------------------------------------------------ phases
    @staticmethod
    def _read(orders: pd.DataFrame, participant: str, date: str, amount: Optional[str],
              date_format: Optional[str]) -> tuple[_Columns, Optional[np.ndarray]]:
        """The columns, and which rows have an id (None: every row can)."""
        dates = column(orders, date)
        if date_format is not None and not pd.api.types.is_datetime64_any_dtype(dates.dtype):
            try:
                dates = pd.to_datetime(dates, format=date_format)
            except (ValueError, TypeError) as exc:
                raise InputError(f"column {date!r}: dates that do not match {date_format!r} ({exc})") from None
        ticks, per_day = date_ticks(dates, date)
        values: Optional[np.ndarray] = None  # no money column: no amounts (0 where needed)
        if amount is not None:
            col = numeric_column(orders, amount)
            # a numpy float64 column: no copy (na_value= would copy it)
            values = col.to_numpy() if col.dtype == np.float64 else col.to_numpy(dtype=np.float64,
                                                                                 na_value=np.nan)
            values = np.ascontiguousarray(values, dtype=np.float64)
        # ids checked on every row, so that messages name the caller's rows
        keys, present = id_array(column(orders, participant), participant, allow_missing=True)
        return _Columns(keys, np.ascontiguousarray(ticks, dtype=np.int64), per_day, values), present

    @staticmethod
    def _checked(cols: _Columns, present: Optional[np.ndarray], index: pd.Index, participant: str, date: str,
                 amount: Optional[str], missing: str) -> tuple[_Columns, np.ndarray]:
        """The columns without the rows that miss a participant or date (an error unless
        ``missing="drop"``), and the dropped rows. Dates outside the supported range and
        non-finite amounts are errors either way (a refund is a negative amount, not a
        missing one)."""
        n_nat, n_bad_amounts, n_far = _core.scan_orders(cols.ticks, cols.amount, cols.per_day)
        check_ticks(cols.ticks, cols.per_day, date, n_far, index)
        # None when no row can lack a participant or date (no mask of every row)
        absent = cols.ticks == np.iinfo(np.int64).min if n_nat else None
        if present is not None:
            absent = ~present if absent is None else absent | ~present
        if n_bad_amounts:
            bad = ~np.isfinite(cols.amount)
            if missing == "drop" and absent is not None:
                bad &= ~absent
            if bad.any():
                rows = np.flatnonzero(bad)
                where, ids = at_rows(rows, index)
                raise InputError(f"column {amount!r} has {len(rows)} missing or infinite value(s) at {where}",
                                 ids=ids)
        if absent is None or not absent.any():
            return cols, np.empty(0, dtype=np.int64)
        rows = np.flatnonzero(absent)
        where, ids = at_rows(rows, index)
        msg = f"{len(rows)} order(s) with a missing {participant!r} or {date!r} at {where}"
        if missing == "raise":
            raise InputError(msg + " (pass missing='drop' to drop them)", ids=ids)
        warnings.warn("dropped " + msg, DroppedRowsWarning, stacklevel=4)
        keep = ~absent
        return _Columns(cols.ids[keep], np.ascontiguousarray(cols.ticks[keep]), cols.per_day,
                        None if cols.amount is None else np.ascontiguousarray(cols.amount[keep])), rows

    def _keyed(self, keys: np.ndarray, participants: Optional[pd.Index]) -> None:
        """Sets how the kernels find customers: ``by_id`` (int64 ``keys`` grouped in C++,
        ``universe`` the allowed ids or None for every id with an order) or ``codes`` into
        ``ids`` (found here with pandas: label ids, or a universe of labels)."""
        self.by_id = keys.dtype == np.int64
        self.universe: Optional[np.ndarray] = None
        self.ids: Optional[pd.Index] = None
        if participants is None:
            if self.by_id:
                self.keys = keys  # the customers: found by the first summary
            else:
                self.codes, self.ids = factorize_ids(keys, self._participant)
            return
        universe = id_index(participants, "participants")
        self.ids = pd.Index(universe, name=self._participant)
        if self.by_id and universe.dtype == np.int64:
            self.keys = keys
            self.universe = np.ascontiguousarray(universe.to_numpy(), dtype=np.int64)
            return  # duplicates and unknown ids are found while grouping
        self.by_id = False
        if universe.has_duplicates:
            dup = list(pd.unique(universe[universe.duplicated()]))
            raise InputError(f"participants have duplicate ids: {_show(dup)}", kind="duplicate_id", ids=dup)
        codes = self.ids.get_indexer(keys)
        unknown = codes < 0
        if unknown.any():
            self._report_unknown(int(unknown.sum()), list(pd.unique(keys[unknown])))
            known = ~unknown
            codes, self.ticks = codes[known], self.ticks[known]
            if self.amount is not None:
                self.amount = self.amount[known]
        self.codes = np.ascontiguousarray(codes, dtype=np.int64)

    # ------------------------------------------------------------------ results
    def customers(self, summary: Optional[_core.OrderSummary] = None) -> pd.Index:
        """The customers, in the order of every per-customer result: :attr:`ids`, or the
        ids a summary found when the customers are every id with an order."""
        if self.ids is not None:
            return self.ids
        if summary is None:
            raise InputError("the customers are known once the orders are summarised")
        return pd.Index(summary.ids, name=self._participant)

    def _report_unknown(self, n_orders: int, ids: list) -> None:
        msg = (f"{n_orders} order(s) of {len(ids)} participant(s) not among the participants: "
               f"{_show(ids, plain_numbers=text_only(self.ids))}")
        if self.ids is not None:
            msg += _space_hint(ids, self.ids)
        if self._unknown == "raise":
            raise UnknownIdError(msg, ids=ids)
        if not self._warned:
            warnings.warn("dropped " + msg, DroppedRowsWarning, stacklevel=4)
            self._warned = True

    def kernel_inputs(self) -> tuple[np.ndarray, Optional[np.ndarray]]:
        """(int64 customer keys of the kept orders, the universe of keys or None: every key
        with an order) for the C++ kernels that read the order columns as they are."""
        if self.by_id:
            return self.keys, self.universe
        return self.codes, np.arange(len(self.ids), dtype=np.int64)

    def checked(self, run, who: str = "participants", report_unknown: bool = True):
        """run() a C++ kernel; duplicate universe ids are named (as ``who``'s) and, with
        ``report_unknown``, unknown ids are reported as the summaries report them."""
        try:
            res = run()
        except InputError as exc:
            if exc.kind == "duplicate_id":
                raise InputError(f"{who} have duplicate ids: {_show(exc.ids)}", kind="duplicate_id",
                                 ids=exc.ids) from None
            raise
        if report_unknown and res.unknown.orders:
            self._report_unknown(int(res.unknown.orders), res.unknown.ids.tolist())
        return res

    def last_day(self) -> int:
        if len(self.ticks) == 0:
            raise InputError("no orders: give an as_of date")
        return int(self.ticks.max() // self.per_day)

    def summary(self, as_of_day: int, positive_only: bool = False,
                fields: Optional[Sequence[str]] = None) -> _core.OrderSummary:
        """Per-customer arrays up to as_of_day; with positive_only, rows with amount <= 0
        (refunds) add to ``amount`` but are not orders (docs/concepts.md: not activity).
        ``fields`` names the arrays needed (of orders, days, first, last, amount,
        first_day_amount; None: all): the others may be left out, which saves their memory."""
        if not self.by_id:
            amount = self.amount if self.amount is not None else np.zeros(len(self.ticks))
            return _core.summarize_orders(self.codes, self.ticks, self.per_day, amount, len(self.ids),
                                          int(as_of_day), bool(positive_only))
        want = None if fields is None else list(fields)
        return self.checked(lambda: _core.summarize_by_id(self.keys, self.ticks, self.per_day, self.amount,
                                                           int(as_of_day), bool(positive_only), self.universe,
                                                           want))
