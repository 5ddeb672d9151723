"""Conversions at the border between pandas and the C++ core (private)."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pandas as pd

from . import _core
from .errors import InputError

_NS_PER_DAY = 86_400 * 1_000_000_000
_TICKS_PER_DAY = {"D": 1, "h": 24, "m": 1440, "s": 86_400, "ms": 86_400_000,
                  "us": 86_400_000_000, "ns": _NS_PER_DAY}

#: Dates read from data (text or datetime64 columns) must lie in this range, as in the C++
#: core (``downline::first_supported_day`` .. ``last_supported_day``): a year 1850 or 2250 in
#: a company's records is a typo or a placeholder, and is named as an error with its row.
SUPPORTED_DATES = "1900-01-01 to 2200-12-31"
FIRST_DAY = int((np.datetime64("1900-01-01", "D") - np.datetime64("1970-01-01", "D")).astype(np.int64))
LAST_DAY = int((np.datetime64("2200-12-31", "D") - np.datetime64("1970-01-01", "D")).astype(np.int64))
_NO_DAY = int(np.iinfo(np.int32).min)  # _core.day_numbers' mark of a missing date


def day_number(value: Any, name: str) -> int:
    """One date (Timestamp, datetime64, date, ISO string) -> days since 1970-01-01."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{name}: {value!r} is not a date ({exc})") from None
    if ts is pd.NaT:
        raise InputError(f"{name}: a date is required, got {value!r}")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return int((ts.normalize() - pd.Timestamp("1970-01-01")) // pd.Timedelta(days=1))


def date_ticks(column: pd.Series, name: str) -> tuple[np.ndarray, int]:
    """A date column -> (int64 ticks since the epoch, ticks per day), without a copy when
    the column already holds datetime64 values. NaT stays as the int64 minimum, which the
    core reports by row. Numbers are refused (pandas would read 20240131 as nanoseconds
    after 1970): dates are datetime64 values, Timestamps or date strings."""
    if (pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype)) \
            and not pd.api.types.is_datetime64_any_dtype(column.dtype) and column.notna().any():
        raise InputError(f"column {name!r} holds numbers ({column.dtype}), not dates: convert it first, "
                         "for example with pd.to_datetime(column, format='%Y%m%d') or unit='s'")
    if not (pd.api.types.is_datetime64_any_dtype(column.dtype)):
        try:
            column = pd.to_datetime(column, errors="raise")
        except (ValueError, TypeError) as exc:
            bad = _unparsable_rows(column)
            raise InputError(f"column {name!r}: values that are not dates at rows {bad[:10]}"
                             f"{' ...' if len(bad) > 10 else ''} ({exc})", ids=bad) from None
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        column = column.dt.tz_localize(None)
    values = column.to_numpy()
    unit, _ = np.datetime_data(values.dtype)
    if unit not in _TICKS_PER_DAY:
        values = values.astype("datetime64[ns]")
        unit = "ns"
    return values.view(np.int64), _TICKS_PER_DAY[unit]


def check_days(days: np.ndarray, name: str) -> None:
    """Raises InputError naming the rows and dates of day numbers outside the supported
    range (SUPPORTED_DATES); the int32 minimum (a missing date) is left to the caller."""
    bad = ((days < FIRST_DAY) | (days > LAST_DAY)) & (days != _NO_DAY)
    if bad.any():
        rows = [int(i) for i in np.flatnonzero(bad)]
        raise InputError(f"column {name!r} has {len(rows)} date(s) outside the supported range {SUPPORTED_DATES} "
                         f"at rows {_row_dates(rows, days[rows[:10]].astype(np.int64), 1)}", ids=rows)


def check_ticks(ticks: np.ndarray, per_day: int, name: str, count: int) -> None:
    """Raises InputError naming the rows and dates of the `count` (> 0) date ticks outside
    the supported range (NaT, the int64 minimum, is left to the caller)."""
    if count <= 0:
        return
    lo, hi = FIRST_DAY * per_day, (LAST_DAY + 1) * per_day
    bad = ((ticks < lo) | (ticks >= hi)) & (ticks != np.iinfo(np.int64).min)
    rows = [int(i) for i in np.flatnonzero(bad)]
    raise InputError(f"column {name!r} has {len(rows)} date(s) outside the supported range {SUPPORTED_DATES} "
                     f"at rows {_row_dates(rows, ticks[rows[:10]], per_day)}", ids=rows)


def _row_dates(rows: list[int], ticks: np.ndarray, per_day: int) -> str:
    """'3 (1850-01-01), 7 (2250-06-01)' for the first 10 rows, then how many more."""
    days = np.floor_divide(ticks, per_day).astype("timedelta64[D]") + np.datetime64("1970-01-01", "D")
    shown = ", ".join(f"{r} ({d})" for r, d in zip(rows[:10], days))
    return shown + (f", ... ({len(rows) - 10} more)" if len(rows) > 10 else "")


def _unparsable_rows(column: pd.Series) -> list[int]:
    parsed = pd.to_datetime(column, errors="coerce")
    return [int(i) for i in np.flatnonzero(parsed.isna().to_numpy() & column.notna().to_numpy())]


def float_column(frame: pd.DataFrame, name: str) -> np.ndarray:
    col = column(frame, name)
    if not pd.api.types.is_numeric_dtype(col.dtype):
        raise InputError(f"column {name!r} must be numeric, got {col.dtype}")
    if pd.api.types.is_extension_array_dtype(col.dtype):
        if col.isna().any():
            rows = [int(i) for i in np.flatnonzero(col.isna().to_numpy())]
            raise InputError(f"column {name!r} has missing values at rows {rows[:10]}", ids=rows)
        return col.to_numpy(dtype=np.float64)
    return np.asarray(col.to_numpy(), dtype=np.float64)


def column(frame: pd.DataFrame, name: str) -> pd.Series:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame with a column {name!r}, not {type(frame).__name__}")
    if name not in frame.columns:
        raise InputError(f"missing column {name!r} (columns: {', '.join(map(str, frame.columns))})")
    return frame[name]


#: Day 0 of the day numbers (days since 1970-01-01).
EPOCH = np.datetime64("1970-01-01", "D")


def dates_of_days(days: np.ndarray, present: Optional[np.ndarray] = None) -> np.ndarray:
    """datetime64[ns] of day numbers (one parallel C++ pass); NaT where not ``present``."""
    if present is not None:
        present = np.ascontiguousarray(present, dtype=bool).view(np.uint8)
    return _core.day_ticks(np.ascontiguousarray(days, dtype=np.int32), present).view("datetime64[ns]")



def timestamp(day: int) -> pd.Timestamp:
    """The Timestamp of a day number."""
    return pd.Timestamp(EPOCH + np.timedelta64(int(day), "D"))


def months_of_days(days: np.ndarray) -> np.ndarray:
    """Calendar months since 1970-01 of days since 1970-01-01."""
    return (EPOCH + days.astype("timedelta64[D]")).astype("datetime64[M]").astype(np.int64)
