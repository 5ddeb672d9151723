"""Writing a frame as CSV: the bytes of ``DataFrame.to_csv(path)``, faster for large frames
(private; the command line's tables)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Hashable, Optional, Sequence

import numpy as np
import pandas as pd

#: Rows assembled at a time.
CHUNK_ROWS = 16_384

#: Integer columns whose greatest and least values are closer than this are written from a
#: table of every number between them.
SHORT_RANGE = 1 << 16

#: Integer columns of a longer range: how many rows are sampled to tell ids (all distinct:
#: digit by digit) from counts (values repeated: a table of the distinct values).
SAMPLE_ROWS = 4096

#: A column's text: (width, fill), fill(block, start, stop) writing rows start:stop into a
#: (rows, width) block of bytes, NUL where a text is shorter than the width.
ColumnText = tuple[int, Callable[[np.ndarray, int, int], None]]


def write_csv(frame: pd.DataFrame, path: Path, cents: Sequence[Hashable] = ()) -> None:
    """``frame.to_csv(path)``, the same bytes: the header line by pandas, the rows put
    together by numpy from each column's text (integers digit by digit, every other column
    one text per distinct value, that value as pandas writes it). The float columns named
    in ``cents`` are written as ``frame.round({c: 2 for c in cents}).to_csv(path)`` writes
    them (each distinct value rounded, not a rounded copy of the frame). A frame it cannot
    vouch for (a MultiIndex, an index of neither integers nor str, objects other than str,
    a value holding a line break or a NUL, a column of ``cents`` not float64) is written by
    ``to_csv`` itself."""
    columns = _frame_text(frame, cents)
    if columns is None:
        frame.round({c: 2 for c in cents}).to_csv(path)
        return
    with open(path, "wb") as f:
        f.write(frame.head(0).to_csv().encode("utf-8"))
        for start in range(0, len(frame), CHUNK_ROWS):
            f.write(_rows(columns, start, min(len(frame), start + CHUNK_ROWS)))


def _frame_text(frame: pd.DataFrame, cents: Sequence[Hashable] = ()) -> Optional[list[ColumnText]]:
    """The text of the index and of every column (those named in ``cents`` rounded to
    cents), or None when to_csv must write the frame."""
    index = frame.index
    if len(frame) == 0 or isinstance(index, pd.MultiIndex) or isinstance(frame.columns, pd.MultiIndex):
        return None
    if not (_numpy_kind(index.dtype) in ("i", "u") or pd.api.types.infer_dtype(index, skipna=False) == "string"):
        return None
    out = []
    columns = [(index.to_series(), False)] + [(frame.iloc[:, j], frame.columns[j] in cents)
                                              for j in range(frame.shape[1])]
    for column, rounded in columns:
        text = _column_text(column, rounded)
        if text is None:
            return None
        out.append(text)
    return out


def _column_text(column: pd.Series, cents: bool = False) -> Optional[ColumnText]:
    """A column's text (integers digit by digit or from a table, else one text per distinct
    value; with ``cents``, a float64 column rounded to cents), or None."""
    if cents:
        return _distinct_text(column, cents=True) if column.dtype == np.float64 else None
    if _numpy_kind(column.dtype) in ("i", "u"):
        values = column.to_numpy()
        if len(values) and np.iinfo(np.int64).min < values.min() and values.max() <= np.iinfo(np.int64).max:
            return _integer_text(values.astype(np.int64, copy=False))
    if column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) not in ("string", "empty"):
        return None  # pandas' factorize takes 1 and True for one value: other objects go to to_csv
    return _distinct_text(column)


def _numpy_kind(dtype: object) -> str:
    """The kind of a numpy dtype ("i", "u", "f", ...); "" for pandas' own dtypes (Int64,
    category, ...)."""
    return dtype.kind if isinstance(dtype, np.dtype) else ""


def _integer_text(values: np.ndarray) -> ColumnText:
    """Integers as decimal digits: from a table of every number between the least and the
    greatest when that range is short, from a table of the distinct values when a sample
    of the rows repeats values, else digit by digit."""
    low, high = int(values.min()), int(values.max())
    if high - low < SHORT_RANGE:
        width = max(len(str(low)), len(str(high)))
        return _table_text(values - low, np.arange(low, high + 1).astype(f"S{width}"))
    sample = values[::max(1, len(values) // SAMPLE_ROWS)]
    if 2 * len(np.unique(sample)) > len(sample):
        return _digits_text(values)
    codes, uniques = pd.factorize(values)
    width, fill = _digits_text(uniques)
    texts = np.zeros((len(uniques), width), dtype=np.uint8)
    fill(texts, 0, len(uniques))
    return _table_text(codes, texts.view(f"S{width}").ravel())


def _digits_text(values: np.ndarray) -> ColumnText:
    """Integers digit by digit: "-" first for the negative ones, then the digits
    right-aligned in the width of the longest (the NULs between are dropped)."""
    negative = values < 0
    magnitude = _unsigned(np.abs(values))
    sign = int(negative.any())
    digits = _digit_count(magnitude)

    def fill(block: np.ndarray, start: int, stop: int) -> None:
        if sign:
            block[:, 0] = np.where(negative[start:stop], ord("-"), 0)
        _put_digits(block[:, sign:], magnitude[start:stop])

    return sign + digits, fill


def _cents_texts(values: np.ndarray) -> Optional[np.ndarray]:
    """Floats that are all whole cents (each the double nearest a number of cents, as
    ``round(2)`` leaves them) below 10**13, as pandas writes them (Python's shortest repr:
    12.5, 0.07, 3.0, -0.0), made from the cents: "-" first for the negative ones, the whole
    part right-aligned, ".", one or two digits (fixed-width bytes; the NULs between are
    dropped when written). None for any other floats."""
    with np.errstate(invalid="ignore"):
        if not (np.abs(values) < 1e13).all():
            return None
        cents = np.rint(values * 100)
        if not (cents / 100 == values).all():
            return None
    negative = np.signbit(values)
    whole, part = np.divmod(_unsigned(np.abs(cents).astype(np.int64)), 100)
    tens, ones = np.divmod(part, 10)
    sign, digits = int(negative.any()), _digit_count(whole)
    block = np.zeros((len(values), sign + digits + 3), dtype=np.uint8)
    if sign:
        block[:, 0] = np.where(negative, ord("-"), 0)
    _put_digits(block[:, sign:sign + digits], whole)
    block[:, sign + digits] = ord(".")
    block[:, sign + digits + 1] = tens + ord("0")
    block[:, sign + digits + 2] = np.where(ones > 0, ones + ord("0"), 0)
    return block.view(f"S{block.shape[1]}").ravel()


def _unsigned(magnitude: np.ndarray) -> np.ndarray:
    """Non-negative integers as uint32 when they fit (faster to divide), else uint64."""
    return magnitude.astype(np.uint32 if magnitude.max() < 1 << 32 else np.uint64)


def _digit_count(magnitude: np.ndarray) -> int:
    """The digits of the largest of these non-negative integers."""
    return len(str(int(magnitude.max())))


def _put_digits(block: np.ndarray, magnitude: np.ndarray) -> None:
    """Non-negative integers into a (rows, width) block, right-aligned, NUL before."""
    rest = magnitude
    ten = magnitude.dtype.type(10)
    width = block.shape[1]
    for k in range(width - 1, -1, -1):
        tens = rest // ten
        block[:, k] = np.where((rest > 0) | (k == width - 1), rest - tens * ten + ord("0"), 0)
        rest = tens


def _distinct_text(column: pd.Series, cents: bool = False) -> Optional[ColumnText]:
    """Every distinct value written once (whole cents from the cents, anything else by
    pandas, next to a constant column so that an empty string is not quoted as a lone
    field), each row's text taken from them; "" for a missing value. Floats are told apart
    by their bits (-0.0 is written as such), and with ``cents`` rounded as ``round(2)``
    rounds them. None when a text holds a line break or a NUL."""
    if _numpy_kind(column.dtype) == "f":
        codes, bits = pd.factorize(column.to_numpy().view(f"i{column.dtype.itemsize}"))
        uniques = np.round(bits.view(column.dtype), 2) if cents else bits.view(column.dtype)
        texts = _cents_texts(uniques) if column.dtype == np.float64 else None
        if texts is not None:
            return _table_text(codes, texts)
    else:
        codes, uniques = pd.factorize(column.array)
    lines = pd.DataFrame({"v": uniques, "_": 0}).to_csv(index=False, header=False).split(os.linesep)
    if len(lines) != len(uniques) + 1:
        return None
    encoded = [line[:-2].encode("utf-8") for line in lines[:-1]] + [b""]  # code -1 (missing): the last
    if any(b"\0" in text for text in encoded):
        return None
    return _table_text(codes, np.array(encoded, dtype=bytes))


def _table_text(codes: np.ndarray, texts: np.ndarray) -> ColumnText:
    """Each row's text taken from ``texts`` (fixed-width bytes) at its code."""
    width = texts.dtype.itemsize

    def fill(block: np.ndarray, start: int, stop: int) -> None:
        block[:] = texts[codes[start:stop]].view(np.uint8).reshape(stop - start, width)

    return width, fill


def _rows(columns: list[ColumnText], start: int, stop: int) -> bytes:
    """Rows start:stop as CSV: each column's text, a comma between, a line end; the NULs
    of the shorter texts dropped."""
    end = np.frombuffer(os.linesep.encode(), dtype=np.uint8)
    width = sum(w for w, _ in columns) + len(columns) - 1 + len(end)
    block = np.zeros((stop - start, width), dtype=np.uint8)
    at = 0
    for w, fill in columns:
        if at:
            block[:, at] = ord(",")
            at += 1
        fill(block[:, at:at + w], start, stop)
        at += w
    block[:, at:] = end
    return block.tobytes().translate(None, b"\0")
