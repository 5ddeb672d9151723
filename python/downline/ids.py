"""Ids at the border: one conversion for every id column, sequence and scalar, for the
network and for the orders alike (private; above messages and conversions, below orders
and network).

The rules, written here once:

* integer ids: int64 as they are (no copy); other integer dtypes, nullable ones too, as
  int64; uint64 ids above the int64 maximum are refused (they would wrap to negative ids);
* float ids (float16, float32, float64, nullable Float64): whole numbers that the column's
  dtype holds exactly (up to 2**11, 2**24 and 2**53; beyond that neighbouring ids may
  already have merged) become int64 ids; other values are refused, naming the rows;
* bool columns are refused (True and False are not ids);
* anything else (strings, objects, categoricals...) is a label, kept as it is and compared
  exactly (``"2"`` is not 2).

A scalar id given to a lookup (:func:`scalar_key`) follows the same rules: it must equal a
participant's id exactly (2.0 finds 2, as pandas would; 2.5, ``"2"`` and True find nobody).
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pandas as pd

from . import _core
from ._messages import at_rows, rows as _rows
from .errors import InputError

_INT64_MAX = np.iinfo(np.int64).max


def _exact_limit(dtype: Any) -> int:
    """The exponent e: every whole number up to 2**e is held exactly by a float dtype."""
    numpy_dtype = getattr(dtype, "numpy_dtype", dtype)  # nullable Float64 -> float64
    return int(np.finfo(numpy_dtype).nmant) + 1


def id_array(col: pd.Series, name: str, allow_missing: bool = False) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """An id column -> (values, present mask or None), by the rules above: int64 values for
    integer and whole-float columns (no copy for an int64 column), else the labels as they
    are. Missing ids are errors naming the rows, unless ``allow_missing`` (the mask then
    says which are present; under missing entries the values are undefined)."""
    dtype = col.dtype
    refuse_bools(col, name)
    numeric = pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype)
    missing = None
    if not (isinstance(dtype, np.dtype) and dtype.kind in "iu"):  # a numpy integer column has none
        # str ids: checked in C++ on every thread; other objects: by pandas
        found = _core.str_or_missing(col.to_numpy()) if dtype == object else None
        missing = col.isna().to_numpy() if found is None else found
        if missing is False or not missing.any():
            missing = None
    if missing is not None and not allow_missing:
        where, ids = at_rows(_rows(missing), col.index)
        raise InputError(f"column {name!r} has missing ids at {where}", ids=ids)
    if not numeric:
        return col.to_numpy(), (None if missing is None else ~missing)
    if pd.api.types.is_integer_dtype(dtype):
        if pd.api.types.is_unsigned_integer_dtype(dtype):  # would wrap round to negative ids
            big = (col.to_numpy(dtype=np.uint64, na_value=0) > np.uint64(_INT64_MAX))
            if big.any():
                where, ids = at_rows(_rows(big), col.index)
                raise InputError(f"column {name!r}: ids above the int64 maximum {_INT64_MAX} at {where}", ids=ids)
        if pd.api.types.is_extension_array_dtype(dtype):
            raw = getattr(col.array, "_data", None)  # a nullable column's values: no copy
            if isinstance(raw, np.ndarray) and raw.dtype == np.int64:
                values = raw  # under missing entries: whatever they hold (the mask says)
            else:
                values = col.to_numpy(dtype=np.int64, na_value=0)
        else:
            values = np.asarray(col.to_numpy(), dtype=np.int64)
    else:  # float ids such as 17850.0 must be whole numbers that the column's float holds exactly
        raw = col.to_numpy(dtype=np.float64, na_value=0.0)
        present = np.ones(len(raw), dtype=bool) if missing is None else ~missing
        bad = (raw != np.floor(raw)) & present
        if bad.any():
            where, ids = at_rows(_rows(bad), col.index)
            raise InputError(f"column {name!r}: ids that are not whole numbers at {where}", ids=ids)
        bits = _exact_limit(dtype)
        inexact = (np.abs(raw) > 2.0**bits) & present
        if inexact.any():
            where, ids = at_rows(_rows(inexact), col.index)
            raise InputError(f"column {name!r}: ids beyond 2**{bits} in a float column at {where}: a {dtype} "
                             "cannot hold them exactly (neighbouring ids would merge); give integer ids, such as "
                             "pandas' nullable Int64 where some are missing", ids=ids)
        values = raw.astype(np.int64)
    return values, (None if missing is None else ~missing)


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
def refuse_bools(col: pd.Series, name: str) -> None:
    """True and False are not ids: a bool column is an error."""
    if pd.api.types.is_bool_dtype(col.dtype):
        raise InputError(f"column {name!r} holds booleans ({col.dtype}), not ids")


def id_index(values: Any, name: Optional[str]) -> pd.Index:
    """Ids given as a column, an Index or a sequence (a universe of customers, leaders) as
    the Index lookups use, by the rules of :func:`id_array` (no missing ids)."""
    if isinstance(values, (str, bytes, dict, pd.DataFrame)) or not pd.api.types.is_list_like(values):
        raise InputError(f"{name or 'ids'}: expected a list of ids (or a Network), not {type(values).__name__} "
                         f"{values!r}"[:200])
    if isinstance(values, pd.Series):
        col = values
    elif isinstance(values, pd.Index):
        col = pd.Series(values, index=pd.RangeIndex(len(values)), copy=False)
    else:
        col = pd.Series(pd.Index(values), copy=False)  # pandas' inference: [1, 2] int64, ["a"] object
    label = name if name is not None else col.name
    out, _ = id_array(col, str(label) if label is not None else "ids")
    return pd.Index(out, name=label)


def scalar_key(value: Any) -> Optional[int]:
    """The int64 id a scalar names, by the rules above, or None when it can be no integer
    id: a bool, text, a number that is not whole or is outside int64, None, NaN."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value) if -_INT64_MAX - 1 <= value <= _INT64_MAX else None
    if isinstance(value, (float, np.floating)):
        x = float(value)
        if not np.isfinite(x) or x != np.floor(x) or abs(x) > 2.0**_exact_limit(np.dtype(type(value))):
            return None  # not whole, or a float too large to name one integer exactly
        return int(x)
    return None


def owned(values: np.ndarray, col: pd.Series) -> np.ndarray:
    """``values`` read from ``col`` as an array of their own: copied when they are the
    column's memory (an int64 or a labels column), so that changing the caller's frame
    later changes nothing here; else as they are (a conversion already copied them)."""
    buffer = getattr(col.array, "_data", None) if pd.api.types.is_extension_array_dtype(col.dtype) \
        else col.to_numpy()
    return values.copy() if isinstance(buffer, np.ndarray) and np.may_share_memory(values, buffer) else values
