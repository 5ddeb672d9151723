"""Writing a frame as CSV: the bytes of ``DataFrame.to_csv(path)``, faster for large frames
(private; the command line's tables)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Hashable, Optional, Sequence

import numpy as np
import pandas as pd

from . import _core

#: A column as the core's ``write_table`` takes it: (kind, array, texts).
Column = tuple


def write_csv(frame: pd.DataFrame, path: Path, cents: Sequence[Hashable] = ()) -> None:
    """``frame.to_csv(path)``, the same bytes: the header line by pandas, the rows by the
    core (``_core.write_table``, without the GIL) from each column's values: integers and
    whole cents as numbers, any other column one text per distinct value, that value as
    pandas writes it. The float columns named in ``cents`` are written as
    ``frame.round({c: 2 for c in cents}).to_csv(path)`` writes them (without a rounded
    copy of the frame). A frame it cannot vouch for (a MultiIndex, an index of neither
    integers nor str, objects other than str, a value holding a line break, a column of
    ``cents`` not float64) is written by ``to_csv`` itself."""
    columns = _frame_columns(frame, cents)
    if columns is None:
        frame.round({c: 2 for c in cents}).to_csv(path)
        return
    _core.write_table(str(path), frame.head(0).to_csv(), columns, len(frame), os.linesep)


def _frame_columns(frame: pd.DataFrame, cents: Sequence[Hashable] = ()) -> Optional[list[Column]]:
    """The index and every column as the core writes them (those named in ``cents``
    rounded to cents), or None when to_csv must write the frame."""
    index = frame.index
    if len(frame) == 0 or isinstance(index, pd.MultiIndex) or isinstance(frame.columns, pd.MultiIndex):
        return None
    if not (_numpy_kind(index.dtype) in ("i", "u") or pd.api.types.infer_dtype(index, skipna=False) == "string"):
        return None
    out = []
    columns = [(index.to_series(), False)] + [(frame.iloc[:, j], frame.columns[j] in cents)
                                              for j in range(frame.shape[1])]
    for column, rounded in columns:
        text = _column(column, rounded)
        if text is None:
            return None
        out.append(text)
    return out


def _column(column: pd.Series, cents: bool = False) -> Optional[Column]:
    """A column as integers, whole cents (a float64 column, rounded to cents with
    ``cents``) or texts of its distinct values; None when to_csv must write it."""
    if cents and column.dtype != np.float64:
        return None
    kind = _numpy_kind(column.dtype)
    values = column.to_numpy()
    if kind in ("i", "u") and (kind == "i" or values.max() <= np.iinfo(np.int64).max):
        return ("integers", values if values.dtype == np.int32 else values.astype(np.int64, copy=False), [])
    if column.dtype == np.float64:
        rounded = np.round(values, 2) if cents else np.ascontiguousarray(values)
        if _core.whole_cents(rounded):  # written as repr writes them (12.5, 0.07, 3.0, -0.0)
            return ("cents", rounded, [])
    if column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) not in ("string", "empty"):
        return None  # pandas' factorize takes 1 and True for one value: other objects go to to_csv
    return _distinct_texts(column, cents)


def _numpy_kind(dtype: object) -> str:
    """The kind of a numpy dtype ("i", "u", "f", ...); "" for pandas' own dtypes (Int64,
    category, ...)."""
    return dtype.kind if isinstance(dtype, np.dtype) else ""


def _distinct_texts(column: pd.Series, cents: bool = False) -> Optional[Column]:
    """Every distinct value written once by pandas (next to a constant column, so that an
    empty string is not quoted as a lone field; with ``cents`` rounded as ``round(2)``
    rounds them), each row its value's code; a missing value is written "". Floats are
    told apart by their bits (-0.0 is written as such). None when a text holds a line
    break."""
    if _numpy_kind(column.dtype) == "f":
        codes, bits = pd.factorize(column.to_numpy().view(f"i{column.dtype.itemsize}"))
        uniques = bits.view(column.dtype)
        if cents:
            uniques = np.round(uniques, 2)
    else:
        codes, uniques = pd.factorize(column.array)
    lines = pd.DataFrame({"v": uniques, "_": 0}).to_csv(index=False, header=False).split(os.linesep)
    if len(lines) != len(uniques) + 1:
        return None
    return ("texts", codes.astype(np.int64, copy=False), [line[:-2].encode("utf-8") for line in lines[:-1]])
