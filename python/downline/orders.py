"""Orders at the border: the order columns checked once (missing participants or dates,
dates outside the supported range, non-finite amounts) and keyed by customer for the
per-customer kernels (private; above ids and conversions, below the network and the
analyses).
"""

from __future__ import annotations

import warnings
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from . import _core
from ._convert import check_ticks, choice, column, date_ticks, numeric_column
from ._messages import at_rows, show as _show, space_hint as _space_hint, text_only
from .errors import DroppedRowsWarning, InputError, UnknownIdError
from .ids import id_array, id_index


class Orders:
    """Order columns checked and turned into (customer codes, ticks, amounts)."""

    def __init__(self, orders: pd.DataFrame, participant: str, date: str, amount: Optional[str],
                 missing: str, participants: Optional[pd.Index] = None, unknown: str = "raise",
                 date_format: Optional[str] = None) -> None:
        if not isinstance(orders, pd.DataFrame):
            raise InputError(f"orders must be a pandas DataFrame, not {type(orders).__name__}")
        choice(missing, "missing", ("raise", "drop"))
        choice(unknown, "unknown", ("raise", "drop"))
        pid = column(orders, participant)
        dates = column(orders, date)
        if date_format is not None and not pd.api.types.is_datetime64_any_dtype(dates.dtype):
            try:
                dates = pd.to_datetime(dates, format=date_format)
            except (ValueError, TypeError) as exc:
                raise InputError(f"column {date!r}: dates that do not match {date_format!r} ({exc})") from None
        ticks, self.per_day = date_ticks(dates, date)
        values: Optional[np.ndarray] = None  # no money column: no amounts (0 where needed)
        if amount is not None:
            col = numeric_column(orders, amount)
            if col.dtype == np.float64:  # a numpy column: no copy (na_value= would copy it)
                values = col.to_numpy()
            else:
                values = col.to_numpy(dtype=np.float64, na_value=np.nan)
        # Missing participant or date: named, or dropped on request. Non-finite amounts
        # are errors either way (a refund is a negative amount, not a missing one). One
        # parallel C++ pass counts both; the rows are found only when there are some.
        ticks = np.ascontiguousarray(ticks, dtype=np.int64)
        if values is not None:
            values = np.ascontiguousarray(values, dtype=np.float64)
        n_nat, n_bad_amounts, n_far = _core.scan_orders(ticks, values, self.per_day)
        check_ticks(ticks, self.per_day, date, n_far, orders.index)  # dates outside 1900..2200: an error either way
        # ids checked on every row, so that messages name the caller's rows; `present` is
        # None where no id can be missing (no mask of every row in the usual case)
        keys, present = id_array(pid, participant, allow_missing=True)
        # rows without a participant or a date (None when there cannot be any)
        absent = ticks == np.iinfo(np.int64).min if n_nat else None
        if present is not None:
            absent = ~present if absent is None else absent | ~present
        bad_amount = ~np.isfinite(values) if n_bad_amounts else None
        if bad_amount is not None and bad_amount.any():
            drop_absent = missing == "drop" and absent is not None
            rows = np.flatnonzero(bad_amount & ~absent) if drop_absent else np.flatnonzero(bad_amount)
            if len(rows):
                where, ids = at_rows(rows, orders.index)
                raise InputError(f"column {amount!r} has {len(rows)} missing or infinite value(s) at {where}",
                                 ids=ids)
        self.dropped_rows = np.empty(0, dtype=np.int64)
        if absent is not None and absent.any():
            rows = np.flatnonzero(absent)
            where, ids = at_rows(rows, orders.index)
            msg = f"{len(rows)} order(s) with a missing {participant!r} or {date!r} at {where}"
            if missing == "raise":
                raise InputError(msg + " (pass missing='drop' to drop them)", ids=ids)
            warnings.warn("dropped " + msg, DroppedRowsWarning, stacklevel=3)
            self.dropped_rows = rows
            keep = ~absent
            keys, ticks = keys[keep], ticks[keep]
            values = values[keep] if values is not None else None
        self.ticks = np.ascontiguousarray(ticks, dtype=np.int64)
        self.amount = None if values is None else np.ascontiguousarray(values, dtype=np.float64)
        self._warned = False
        self._unknown = unknown
        self._participant = participant
        self._universe = None
        # int64 ids: grouped in C++ (hash-free id-range partitions), no factorize.
        self._fast = keys.dtype == np.int64
        if participants is None:
            if self._fast:
                self.keys, self.ids = keys, None  # ids: the first summary's ascending ids
            else:
                codes, uniques = pd.factorize(keys, sort=True)
                self.ids = pd.Index(uniques, name=participant)
                self.codes = np.ascontiguousarray(codes, dtype=np.int64)
            return
        universe = id_index(participants, "participants")
        self.ids = pd.Index(universe, name=participant)
        if self._fast and universe.dtype == np.int64:
            self.keys = keys
            self._universe = np.ascontiguousarray(universe.to_numpy(), dtype=np.int64)
            return  # duplicates and unknown ids are found while grouping
        self._fast = False
        if universe.has_duplicates:
            dup = list(pd.unique(universe[universe.duplicated()]))
            raise InputError(f"participants have duplicate ids: {_show(dup)}", kind="duplicate_id", ids=dup)
        codes = self.ids.get_indexer(keys)
        if (codes < 0).any():
            bad = codes < 0
            self._report_unknown(int(bad.sum()), list(pd.unique(keys[bad])))
            keep = ~bad
            codes, self.ticks = codes[keep], self.ticks[keep]
            if self.amount is not None:
                self.amount = self.amount[keep]
        self.codes = np.ascontiguousarray(codes, dtype=np.int64)

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

    def order_codes(self) -> np.ndarray:
        """Every kept order's customer position in ``ids`` (-1: not a customer)."""
        return self.codes if not self._fast else self.ids.get_indexer(self.keys)

    def kernel_inputs(self) -> tuple[np.ndarray, Optional[np.ndarray]]:
        """(int64 customer keys of the kept orders, the universe of keys or None: every key
        with an order) for the C++ kernels that read the order columns as they are."""
        if self._fast:
            return self.keys, self._universe
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
        (refunds) add to ``amount`` but are not orders (DOMAIN.md: not activity).
        ``fields`` names the arrays needed (of orders, days, first, last, amount,
        first_day_amount; None: all): the others may be left out, which saves their memory."""
        if not self._fast:
            amount = self.amount if self.amount is not None else np.zeros(len(self.ticks))
            return _core.summarize_orders(self.codes, self.ticks, self.per_day, amount, len(self.ids),
                                          int(as_of_day), bool(positive_only))
        want = None if fields is None else list(fields)
        s = self.checked(lambda: _core.summarize_by_id(self.keys, self.ticks, self.per_day, self.amount,
                                                        int(as_of_day), bool(positive_only), self._universe,
                                                        want))
        if self._universe is None and self.ids is None:
            self.ids = pd.Index(s.ids, name=self._participant)
        return s
