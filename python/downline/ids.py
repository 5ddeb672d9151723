"""Id columns at the border: integer, whole-float and label ids checked and turned into
what the core indexes (private; above messages and conversions, below orders and network).
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from . import _core
from ._messages import rows as _rows, show as _show
from .errors import InputError

_INT64_MAX = np.iinfo(np.int64).max
#: Every whole number up to this is a float64 exactly; beyond it neighbouring ids merge.
FLOAT_EXACT = 2.0**53


def integer_ids(col: pd.Series, name: str, allow_missing: bool) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """An id column -> (int64 values, present mask or None). No copy for an int64 column."""
    dtype = col.dtype
    missing = col.isna().to_numpy() if (allow_missing or not pd.api.types.is_integer_dtype(dtype)
                                        or pd.api.types.is_extension_array_dtype(dtype)) else None
    if missing is not None and not missing.any():
        missing = None
    if missing is not None and not allow_missing:
        raise InputError(f"column {name!r} has missing ids at rows {_show(_rows(missing))}",
                         ids=_rows(missing))
    if pd.api.types.is_integer_dtype(dtype):
        if pd.api.types.is_unsigned_integer_dtype(dtype):  # would wrap round to negative ids
            big = (col.to_numpy(dtype=np.uint64, na_value=0) > np.uint64(_INT64_MAX))
            if big.any():
                raise InputError(f"column {name!r}: ids above the int64 maximum {_INT64_MAX} at rows "
                                 f"{_show(_rows(big))}", ids=_rows(big))
        if pd.api.types.is_extension_array_dtype(dtype):
            raw = getattr(col.array, "_data", None)  # a nullable column's values: no copy
            if isinstance(raw, np.ndarray) and raw.dtype == np.int64:
                values = raw  # under missing entries: whatever they hold (the mask says)
            else:
                values = col.to_numpy(dtype=np.int64, na_value=0)
        else:
            values = np.asarray(col.to_numpy(), dtype=np.int64)
    else:  # float ids such as 17850.0 must be whole numbers that a float holds exactly
        raw = col.to_numpy(dtype=np.float64, na_value=0.0)
        present = np.ones(len(raw), dtype=bool) if missing is None else ~missing
        bad = (raw != np.floor(raw)) & present
        if bad.any():
            rows = _rows(bad)
            raise InputError(f"column {name!r}: ids that are not whole numbers at rows {_show(rows)}", ids=rows)
        inexact = (np.abs(raw) > FLOAT_EXACT) & present
        if inexact.any():
            rows = _rows(inexact)
            raise InputError(f"column {name!r}: ids beyond 2**53 in a float column at rows {_show(rows)}: a float "
                             "cannot hold them exactly (neighbouring ids would merge); give integer ids, such as "
                             "pandas' nullable Int64 where some are missing", ids=rows)
        values = raw.astype(np.int64)
    return values, (None if missing is None else ~missing)


def id_values(pid: pd.Series) -> np.ndarray:
    """Id column values (no missing ones left): int64 for integer columns and for float
    columns of whole numbers (such as 17850.0), else the values as they are."""
    if pd.api.types.is_integer_dtype(pid.dtype):
        return pid.to_numpy(dtype=np.int64)
    if pd.api.types.is_float_dtype(pid.dtype):
        raw = pid.to_numpy(dtype=np.float64)
        if len(raw) and (raw == np.floor(raw)).all():
            inexact = np.abs(raw) > FLOAT_EXACT
            if inexact.any():  # pandas already rounded them: neighbouring ids have merged
                rows = np.flatnonzero(inexact).tolist()
                raise InputError(f"column {pid.name!r}: ids beyond 2**53 in a float column at rows {_show(rows)}: "
                                 "a float cannot hold them exactly; give integer ids (pandas' nullable Int64 "
                                 "where some are missing)", ids=rows)
            return raw.astype(np.int64)
        return raw
    return pid.to_numpy()


def factorize_ids(values: np.ndarray, name: str) -> tuple[np.ndarray, pd.Index]:
    """Ids without missing ones -> (int64 code of each, the distinct ids in ascending order,
    named ``name``). str ids (compared as given: no stripping, unicode as is, ordered by
    code point as Python orders str) and int64 ids are factorized in C++ on every thread;
    labels of other kinds (tuples, ints mixed with strings, whole floats) by
    pandas.factorize, which is slower (and keeps the order of first appearance for labels
    that cannot be sorted together)."""
    if values.dtype == object or values.dtype == np.int64:
        try:
            codes, first = _core.factorize(values, True, name)
        except _core.NotStrings:
            pass
        else:
            return codes.astype(np.int64), pd.Index(values[first], dtype=values.dtype, name=name)
    try:
        codes, uniques = pd.factorize(values, sort=True)
    except TypeError:  # such as ints mixed with tuples
        codes, uniques = pd.factorize(values, sort=False)
    return np.ascontiguousarray(codes, dtype=np.int64), pd.Index(uniques, name=name)
