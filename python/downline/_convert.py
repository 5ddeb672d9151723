"""Conversions at the border between pandas and the C++ core (private)."""

from __future__ import annotations

import datetime
import numbers
from typing import Any, Optional, Sequence

import numpy as np
import pandas as pd

from . import _core
from ._messages import at_rows, labelled, show
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
    """One date -> days since 1970-01-01. Dates are str (``"2024-01-31"``), datetime.date
    or datetime, pd.Timestamp or np.datetime64; numbers and bools are refused (pandas would
    read 20240131 as nanoseconds after 1970, a date in January 1970)."""
    if isinstance(value, (numbers.Number, np.bool_)) and not isinstance(value, (datetime.date, np.datetime64)):
        example = "2024-01-31"
        if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) \
                and 10_000_101 <= value <= 99_991_231:  # YYYYMMDD: show it as the date it spells
            digits = str(int(value))
            example = f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
        what = "a bool" if isinstance(value, (bool, np.bool_)) else "a number"
        raise InputError(f"{name}: {value!r} is {what}, not a date (pandas would read it as nanoseconds "
                         f"after 1970): give a date such as pd.Timestamp({example!r}) or {example!r}")
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise InputError(f"{name}: {value!r} is not a date ({exc})") from None
    if ts is pd.NaT:
        raise InputError(f"{name}: a date is required, got {value!r}")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return int((ts.normalize() - pd.Timestamp("1970-01-01")) // pd.Timedelta(days=1))


#: The largest value of the core's 32-bit parameters (days, counts, levels).
INT32_MAX = int(np.iinfo(np.int32).max)


def whole_number(value: Any, name: str, lo: int = 0, hi: Optional[int] = INT32_MAX) -> int:
    """A whole-number parameter (a Python or numpy integer, not a bool) in [lo, hi] (no
    upper bound when ``hi`` is None), as int; else InputError naming the parameter, its
    range and the value."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < lo \
            or (hi is not None and value > hi):
        bounds = f"from {lo:,} to {hi:,}" if hi is not None else f">= {lo:,}"
        raise InputError(f"{name} must be a whole number {bounds}, not {value!r}")
    return int(value)


def choice(value: Any, name: str, options: tuple) -> str:
    """A keyword parameter that takes one of a few strings; else InputError listing them."""
    if not isinstance(value, str) or value not in options:
        raise InputError(f"{name} must be {' or '.join(map(repr, options))}, not {value!r}")
    return value


def flag(value: Any, name: str) -> bool:
    """A True/False parameter (a bool or a numpy bool: "no" or a DataFrame is no flag)."""
    if not isinstance(value, (bool, np.bool_)):
        raise InputError(f"{name} must be True or False, not {value!r}")
    return bool(value)


def real_number(value: Any, name: str, lo: float = -np.inf, hi: float = np.inf, open_ends: bool = False) -> float:
    """A finite number parameter (a Python or numpy int or float, not a bool) in [lo, hi]
    (in (lo, hi) with ``open_ends``), as float; else InputError naming the parameter,
    its range and the value."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    x = float(value) if ok else np.nan
    inside = (lo < x < hi) if open_ends else (lo <= x <= hi)
    if not (ok and np.isfinite(x) and inside):
        low, high = (">", "<") if open_ends else (">=", "<=")
        span = " and ".join([f"{low} {lo:.15g}"] * bool(np.isfinite(lo)) + [f"{high} {hi:.15g}"] * bool(np.isfinite(hi)))
        raise InputError(f"{name} must be a finite number{' ' + span if span else ''}, not {value!r}")
    return x


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
        except (ValueError, TypeError, OverflowError) as exc:
            bad = _unparsable_rows(column)
            where = f"rows {bad[:10]}{' ...' if len(bad) > 10 else ''}{labelled(bad, column.index)}"
            raise InputError(f"column {name!r}: values that are not dates at {where} ({exc})", ids=bad) from None
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        column = column.dt.tz_localize(None)
    values = column.to_numpy()
    unit, _ = np.datetime_data(values.dtype)
    if unit not in _TICKS_PER_DAY:
        values = values.astype("datetime64[ns]")
        unit = "ns"
    return values.view(np.int64), _TICKS_PER_DAY[unit]


def check_days(days: np.ndarray, name: str, index: Optional[pd.Index] = None) -> None:
    """Raises InputError naming the rows (by ``index`` label where the frame has its own
    index) and dates of day numbers outside the supported range (SUPPORTED_DATES); the
    int32 minimum (a missing date) is left to the caller."""
    bad = ((days < FIRST_DAY) | (days > LAST_DAY)) & (days != _NO_DAY)
    if bad.any():
        _outside(name, np.flatnonzero(bad), days.astype(np.int64), 1, index)


def check_ticks(ticks: np.ndarray, per_day: int, name: str, count: int, index: Optional[pd.Index] = None) -> None:
    """Raises InputError naming the rows and dates of the `count` (> 0) date ticks outside
    the supported range (NaT, the int64 minimum, is left to the caller)."""
    if count <= 0:
        return
    lo, hi = FIRST_DAY * per_day, (LAST_DAY + 1) * per_day
    bad = ((ticks < lo) | (ticks >= hi)) & (ticks != np.iinfo(np.int64).min)
    _outside(name, np.flatnonzero(bad), ticks, per_day, index)


def _outside(name: str, rows: np.ndarray, ticks: np.ndarray, per_day: int, index: Optional[pd.Index]) -> None:
    """The error for dates outside the supported range: 'at rows 3 (1850-01-01), ...'."""
    days = np.floor_divide(ticks[rows[:10]], per_day).astype("timedelta64[D]") + np.datetime64("1970-01-01", "D")
    where, ids = at_rows(rows, index, notes=[str(d) for d in days])
    raise InputError(f"column {name!r} has {len(rows)} date(s) outside the supported range {SUPPORTED_DATES} "
                     f"at {where}", ids=ids)


def _unparsable_rows(column: pd.Series) -> list[int]:
    parsed = pd.to_datetime(column, errors="coerce")
    return [int(i) for i in np.flatnonzero(parsed.isna().to_numpy() & column.notna().to_numpy())]


def numeric_column(frame: pd.DataFrame, name: str) -> pd.Series:
    """The column ``name``, checked to hold real numbers: not text, bools or complex numbers."""
    col = column(frame, name)
    if not pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype) \
            or pd.api.types.is_complex_dtype(col.dtype):
        raise InputError(f"column {name!r} must be numeric, got {col.dtype}")
    return col


def _not_a_number(x: Any) -> bool:
    return not isinstance(x, (numbers.Real, np.bool_)) and not (x is None or x is pd.NA)


def real_array(data: Any, what: str, names: pd.Index, who: str = "participant(s)") -> np.ndarray:
    """Values of a Series, a DataFrame or an array (``names``: the id of each row, named
    as ``who``) -> float64, missing values (None, NaN, <NA>) as NaN. Numbers only: bools
    count 0 and 1; text, complex numbers, dates and other objects are errors naming the rows."""
    if isinstance(data, (pd.Series, pd.DataFrame)):
        dtypes = [data.dtype] if isinstance(data, pd.Series) else list(data.dtypes)
        if all(pd.api.types.is_numeric_dtype(d) and not pd.api.types.is_complex_dtype(d) for d in dtypes):
            data = data.to_numpy(dtype=np.float64, na_value=np.nan)  # no copy for float64 numpy data
        else:
            data = data.to_numpy()
    arr = np.asarray(data)
    if arr.dtype.kind == "O":
        odd = np.frompyfunc(_not_a_number, 1, 1)(arr).astype(bool)
        rows = np.flatnonzero(odd if odd.ndim == 1 else odd.any(axis=tuple(range(1, odd.ndim))))
        if len(rows):
            ids = list(names[rows])
            raise InputError(f"{what}: values that are not numbers (text or other objects) for {len(ids)} "
                             f"{who}: {show(ids)}", ids=ids)
        arr = np.where(pd.isna(arr), np.nan, arr).astype(np.float64)
    elif arr.dtype.kind not in "biuf":
        raise InputError(f"{what}: expected numbers, got {arr.dtype} values")
    return np.asarray(arr, dtype=np.float64)


def real_values(data: Any, what: str, names: pd.Index) -> np.ndarray:
    """:func:`real_array` of per-participant values, with missing values and infinities
    also errors naming the participants. One pass over numeric data (the finiteness check)."""
    arr = real_array(data, what, names)
    finite = np.isfinite(arr)
    if not finite.all():
        rows = np.flatnonzero(~finite if finite.ndim == 1 else ~finite.all(axis=tuple(range(1, finite.ndim))))
        ids = list(names[rows])
        raise InputError(f"{what}: missing or infinite values for {len(ids)} participant(s): {show(ids)}", ids=ids)
    return arr


def float_column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric column as float64 (no copy when it is float64); missing values of a
    nullable column are named by row."""
    col = numeric_column(frame, name)
    if pd.api.types.is_extension_array_dtype(col.dtype):
        if col.isna().any():
            where, ids = at_rows(np.flatnonzero(col.isna().to_numpy()), col.index)
            raise InputError(f"column {name!r} has missing values at {where}", ids=ids)
        return col.to_numpy(dtype=np.float64)
    return np.asarray(col.to_numpy(), dtype=np.float64)


def column(frame: pd.DataFrame, name: str) -> pd.Series:
    """The column ``name`` of a DataFrame; InputError when it is not a DataFrame, has no
    such column or has it more than once."""
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame with a column {name!r}, not {type(frame).__name__}")
    try:
        present = name in frame.columns
    except TypeError:  # a list or another unhashable value
        raise InputError(f"a column name is expected, not {name!r}") from None
    if not present:
        raise InputError(f"missing column {name!r} (columns: {', '.join(map(str, frame.columns))})")
    found = frame[name]
    if isinstance(found, pd.DataFrame):  # duplicate column names: which one is meant?
        raise InputError(f"column {name!r} appears {found.shape[1]} times in the frame: rename or drop all but one")
    return found


def column_names(value: Any, name: str, among: Optional[Sequence[str]] = None, what: str = "") -> list:
    """The list of column names given as the argument ``name`` (``values``, ``columns``):
    an iterable of str that is not itself a str, each name once and, with ``among``, each
    one of those (``what`` says of what: "of the volumes"); InputError naming the argument
    and the names otherwise."""
    try:
        names = None if isinstance(value, str) else list(value)
    except TypeError:
        names = None
    if names is None or not all(isinstance(c, str) for c in names):
        raise InputError(f"{name}: expected a list of column names, not {value!r}")
    twice = sorted({c for c in names if names.count(c) > 1})
    if twice:
        raise InputError(f"{name}: {', '.join(map(repr, twice))} named twice")
    if among is not None:
        unknown = [c for c in names if c not in among]
        if unknown:
            raise InputError(f"{name}: {', '.join(map(repr, unknown))} not a column {what} "
                             f"(columns: {', '.join(among)})".replace("  ", " "))
    return names


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


def period_bounds(lo: int, hi: int, freq: str) -> list[int]:
    """The bounds (day numbers) of consecutive periods from day lo to day hi (lo < hi):
    ``pandas.date_range(lo, hi, freq=freq)`` with lo and hi themselves as the first and
    last bound; a freq pandas does not know is an InputError."""
    try:
        inner = pd.date_range(timestamp(lo), timestamp(hi), freq=freq)
    except (ValueError, TypeError) as exc:
        raise InputError(f"freq: {freq!r} is not a pandas frequency ({exc})") from None
    days = (inner.values.astype("datetime64[D]") - EPOCH).astype(np.int64)
    return sorted({lo, hi, *days.tolist()})


def months_of_days(days: np.ndarray) -> np.ndarray:
    """Calendar months since 1970-01 of days since 1970-01-01."""
    return (EPOCH + days.astype("timedelta64[D]")).astype("datetime64[M]").astype(np.int64)
