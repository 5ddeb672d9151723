"""Conversions at the border between pandas and the C++ core (private)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError

_NS_PER_DAY = 86_400 * 1_000_000_000
_TICKS_PER_DAY = {"D": 1, "h": 24, "m": 1440, "s": 86_400, "ms": 86_400_000,
                  "us": 86_400_000_000, "ns": _NS_PER_DAY}


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
    core reports by row."""
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
    if name not in frame.columns:
        raise InputError(f"missing column {name!r} (columns: {', '.join(map(str, frame.columns))})")
    return frame[name]
