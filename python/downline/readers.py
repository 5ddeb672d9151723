"""Reading participants and orders from CSV files with downline's C++ readers.

The readers take RFC 4180 files (quoted fields, ``\\r\\n`` line ends) in UTF-8, with or
without a byte order mark, with integer ids (``17850`` or, as pandas writes a float column,
``17850.0``) and ISO dates (``YYYY-MM-DD``, a time after the date is ignored). Any other
encoding (UTF-16, Latin-1...) and anything that is not text (NUL bytes, a binary file, a
directory, ``/dev/zero``) is an :class:`InputError` naming the file, line and byte offset
and how to convert the file (``iconv -f latin1 -t utf-8 in.csv > out.csv``).
Plain files (no quotes, no blank lines, no spaces around fields) are read on every thread
(see :func:`downline.set_num_threads`); errors name the file, line and column. Only the
columns asked for are read; the file may hold others in any order.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Optional, Sequence, TypeVar

import numpy as np
import pandas as pd

from . import _core
from .errors import InputError

__all__ = ["read_participants", "read_orders"]


def _path(path: "str | os.PathLike[str]") -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise InputError(f"path: expected a file path, not {type(path).__name__}")
    return os.fspath(path)


def _optional(name: Optional[str], default: str, what: str) -> tuple[str, bool]:
    """(column, required): None reads `default` when the file has it; a name is required."""
    if name is None:
        return default, False
    if not isinstance(name, str) or not name:
        raise InputError(f"{what}: expected a column name, not {name!r}")
    return name, True


def _categorical(codes: np.ndarray, names: "list[str]") -> pd.Categorical:
    """Codes in order of first appearance -> a categorical with sorted categories (as
    ``pandas.read_csv(dtype="category")`` gives)."""
    labels = np.asarray(names, dtype=object)
    order = np.argsort(labels, kind="stable")
    rank = np.empty(len(labels) + 1, dtype=np.int32)
    rank[order] = np.arange(len(labels), dtype=np.int32)
    rank[-1] = -1  # code -1 (an empty field) stays missing
    return pd.Categorical.from_codes(rank[codes], categories=labels[order])


def _dates(ticks: np.ndarray) -> np.ndarray:
    return ticks.view("datetime64[ns]")


_RAISES = """
    Raises
    ------
    InputError
        A file that cannot be read, a missing column, a field that does not parse: the
        message names the file, line and column. A file that is not UTF-8 text (UTF-16,
        Latin-1, NUL bytes, a binary file, a directory): the message names the file, line
        and byte offset and says how to convert it.
    """


_Reader = TypeVar("_Reader", bound=Callable[..., Any])


def _raises_input_error(reader: _Reader) -> _Reader:
    """Ends a reader's docstring with the errors both readers raise (_RAISES)."""
    if reader.__doc__:  # None under python -OO
        reader.__doc__ += _RAISES
    return reader


@_raises_input_error
def read_participants(path: "str | os.PathLike[str]", id: str = "id", sponsor: str = "sponsor_id",
                      enrolled_on: Optional[str] = None, kind: Optional[str] = None,
                      categories: Sequence[str] = ()) -> pd.DataFrame:
    """Reads a participants CSV file into the frame :meth:`Network.from_frame` takes.

    Parameters
    ----------
    path : str or path-like
        A CSV file in UTF-8, with or without a byte order mark.
    id, sponsor : str
        Columns of participant ids and sponsor ids (integers, also written as whole
        decimals such as ``17850.0``; an empty sponsor marks a root).
    enrolled_on, kind : str, optional
        Enrolment date and kind columns. By default ``enrolled_on`` and ``kind`` are read
        when the file has them; a name given here must be in the file.
    categories : list of str
        Further text columns to read as categoricals (a region, a country...); each must be
        in the file.

    Returns
    -------
    DataFrame with the columns found, named as in the file: ids as int64, sponsor ids as
    nullable Int64 (missing for roots), enrolment dates as datetime64[ns], kinds and the
    ``categories`` as pandas categoricals (sorted categories, as ``pandas.read_csv`` with
    ``dtype="category"`` gives; empty fields missing).
    """
    enrolled_name, need_enrolled = _optional(enrolled_on, "enrolled_on", "enrolled_on")
    kind_name, need_kind = _optional(kind, "kind", "kind")
    if isinstance(categories, str):
        raise InputError(f"categories must be a list of column names, not the string {categories!r}")
    categories = list(categories)
    f = _core.read_participants(_path(path), id, sponsor, enrolled_name, need_enrolled, kind_name, need_kind,
                                categories)
    columns = {id: f.id, sponsor: pd.arrays.IntegerArray(f.sponsor, f.has_sponsor == 0)}
    if f.has_enrolled_on:
        columns[enrolled_name] = _dates(f.enrolled_on)
    if f.has_kind:
        columns[kind_name] = _categorical(f.kind, f.kind_names)
    for cat in f.categories:
        columns[cat.column] = _categorical(cat.codes, cat.names)
    return pd.DataFrame(columns, copy=False)


@_raises_input_error
def read_orders(path: "str | os.PathLike[str]", participant: str = "participant_id", date: str = "ordered_on",
                amount: Optional[str] = None, pv: Optional[str] = None) -> pd.DataFrame:
    """Reads an orders CSV file into the frame :meth:`Network.volumes` and the
    segmentation and retention functions take.

    Parameters
    ----------
    path : str or path-like
        A CSV file in UTF-8, with or without a byte order mark.
    participant, date : str
        Columns of participant ids (integers, also written as whole decimals such as
        ``17850.0``) and order dates.
    amount, pv : str, optional
        Money and point-value columns. By default ``amount`` and ``pv`` are read when the
        file has them (at least one must be there); a name given here must be in the file.

    Returns
    -------
    DataFrame with the columns found, named as in the file: participant ids as int64,
    dates as datetime64[ns], amounts and pv as float64 (finite; negative ones are refunds).
    """
    amount_name, need_amount = _optional(amount, "amount", "amount")
    pv_name, need_pv = _optional(pv, "pv", "pv")
    f = _core.read_orders(_path(path), participant, date, amount_name, need_amount, pv_name, need_pv)
    columns = {participant: f.participant, date: _dates(f.date)}
    if f.has_amount:
        columns[amount_name] = f.amount
    if f.has_pv:
        columns[pv_name] = f.pv
    return pd.DataFrame(columns, copy=False)
