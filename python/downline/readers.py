"""Reading participants and orders from CSV files with downline's C++ readers.

The readers take RFC 4180 files (quoted fields, ``\\r\\n`` line ends) in UTF-8, with or
without a byte order mark, and ISO dates (``YYYY-MM-DD``, a time after the date is ignored).
Ids are read as ``ids=`` says: ``"int"``, int64 ids (``17850`` or, as pandas writes a float
column, ``17850.0``); ``"text"``, any non-empty text (``"A-17"``; ``"007"`` and ``"7"`` are two
ids), as an object column holding one ``str`` per distinct id, shared by its rows (``None``
for an empty sponsor); ``"auto"`` (the default), int64 when every id of the file is an
integer id, else text. Spaces around a field are not part of it; an empty id is an error
naming the file, line and column, an empty sponsor a root. :func:`read_company_files` reads
a participants file and an orders file with ids of one kind, so that they match. Any other
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

__all__ = ["read_participants", "read_orders", "read_company_files"]

_ID_KINDS = ("int", "text", "auto")


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


def _id_kind(ids: str) -> str:
    if not isinstance(ids, str) or ids not in _ID_KINDS:
        raise InputError(f"ids: expected 'int', 'text' or 'auto', not {ids!r}")
    return ids


def _text_ids(column: Any, integers: Optional[np.ndarray] = None, nullable: bool = False) -> Any:
    """A text id column read as codes into names: ``names[codes]``, an object array holding
    one str per distinct id, shared by its rows (None where the field is empty, code -1);
    or, given `integers` (the names as int64, see :func:`_integer_names`), those gathered by
    the codes: int64, or nullable Int64 when `nullable` (missing where empty)."""
    codes = column.codes
    if integers is None:
        names = np.empty(len(column.names) + 1, dtype=object)
        names[:-1] = column.names
        return names[codes]  # code -1: the None at the end
    values = np.append(integers, np.int64(0))[codes]
    return pd.arrays.IntegerArray(values, codes < 0) if nullable else values


def _integer_names(names: "list[str]") -> Optional[np.ndarray]:
    """Distinct text ids as int64 when every one is a whole number written in ASCII digits
    with an optional sign, within the int64 range (``[+-]?[0-9]{1,19}``: "007" is 7, "+5" is
    5), else None. Vectorised over the names, a step per character position (at most 20)."""
    if not names:
        return np.zeros(0, dtype=np.int64)
    if max(map(len, names)) > 20:  # a sign and 19 digits at most
        return None
    text = np.asarray(names, dtype=str)
    width = text.dtype.itemsize // 4
    chars = text.view(np.uint32).reshape(len(text), width)  # code points, 0 after the end
    length = (chars != 0).sum(axis=1)
    negative = chars[:, 0] == ord("-")
    signed = negative | (chars[:, 0] == ord("+"))
    digits = length - signed
    if ((digits < 1) | (digits > 19)).any():
        return None
    value = np.zeros(len(text), dtype=np.uint64)
    for j in range(width):
        in_number = (j >= signed) & (j < length)
        digit = chars[:, j].astype(np.uint64) - np.uint64(ord("0"))  # not a digit: wraps above 9
        if (in_number & (digit > 9)).any():
            return None
        value = np.where(in_number, value * np.uint64(10) + digit, value)
    if (value > np.uint64(2**63 - 1) + negative.astype(np.uint64)).any():
        return None  # beyond the int64 range
    out = value.view(np.int64).copy()
    np.negative(out, out=out, where=negative)  # -2**63 stays itself
    return out


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


def _participants_file(path: "str | os.PathLike[str]", id: str, sponsor: str, enrolled_on: Optional[str],
                       kind: Optional[str], categories: Sequence[str], ids: str) -> tuple[Any, str, str]:
    """The compiled reader's participants file, and the enrolled_on and kind names read."""
    enrolled_name, need_enrolled = _optional(enrolled_on, "enrolled_on", "enrolled_on")
    kind_name, need_kind = _optional(kind, "kind", "kind")
    if isinstance(categories, str):
        raise InputError(f"categories must be a list of column names, not the string {categories!r}")
    f = _core.read_participants(_path(path), id, sponsor, enrolled_name, need_enrolled, kind_name, need_kind,
                                list(categories), _id_kind(ids))
    return f, enrolled_name, kind_name


def _participants_frame(f: Any, id: str, sponsor: str, enrolled_name: str, kind_name: str,
                        integers: Optional[tuple[np.ndarray, np.ndarray]] = None) -> pd.DataFrame:
    """The frame of a participants file; `integers`: its text ids' names as int64 (id, sponsor)."""
    if f.text_ids:
        id_ints, sponsor_ints = integers or (None, None)
        columns = {id: _text_ids(f.id_text, id_ints), sponsor: _text_ids(f.sponsor_text, sponsor_ints, nullable=True)}
    else:
        columns = {id: f.id, sponsor: pd.arrays.IntegerArray(f.sponsor, f.has_sponsor == 0)}
    if f.has_enrolled_on:
        columns[enrolled_name] = _dates(f.enrolled_on)
    if f.has_kind:
        columns[kind_name] = _categorical(f.kind, f.kind_names)
    for cat in f.categories:
        columns[cat.column] = _categorical(cat.codes, cat.names)
    return pd.DataFrame(columns, copy=False)


def _orders_file(path: "str | os.PathLike[str]", participant: str, date: str, amount: Optional[str],
                 pv: Optional[str], ids: str) -> tuple[Any, str, str]:
    """The compiled reader's orders file, and the amount and pv names read."""
    amount_name, need_amount = _optional(amount, "amount", "amount")
    pv_name, need_pv = _optional(pv, "pv", "pv")
    f = _core.read_orders(_path(path), participant, date, amount_name, need_amount, pv_name, need_pv, _id_kind(ids))
    return f, amount_name, pv_name


def _orders_frame(f: Any, participant: str, date: str, amount_name: str, pv_name: str,
                  integers: Optional[np.ndarray] = None) -> pd.DataFrame:
    """The frame of an orders file; `integers`: its text ids' names as int64."""
    ids = _text_ids(f.participant_text, integers) if f.text_ids else f.participant
    columns = {participant: ids, date: _dates(f.date)}
    if f.has_amount:
        columns[amount_name] = f.amount
    if f.has_pv:
        columns[pv_name] = f.pv
    return pd.DataFrame(columns, copy=False)


@_raises_input_error
def read_participants(path: "str | os.PathLike[str]", id: str = "id", sponsor: str = "sponsor_id",
                      enrolled_on: Optional[str] = None, kind: Optional[str] = None,
                      categories: Sequence[str] = (), ids: str = "auto") -> pd.DataFrame:
    """Reads a participants CSV file into the frame :meth:`Network.from_frame` takes.

    Parameters
    ----------
    path : str or path-like
        A CSV file in UTF-8, with or without a byte order mark.
    id, sponsor : str
        Columns of participant ids and sponsor ids (an empty sponsor marks a root; an empty
        id is an error).
    enrolled_on, kind : str, optional
        Enrolment date and kind columns. By default ``enrolled_on`` and ``kind`` are read
        when the file has them; a name given here must be in the file.
    categories : list of str
        Further text columns to read as categoricals (a region, a country...); each must be
        in the file.
    ids : {"auto", "int", "text"}
        ``"int"``: int64 ids (``17850``, also written as a whole decimal such as ``17850.0``;
        anything else is an error naming the field). ``"text"``: any non-empty text
        (``"A-17"``; ``"007"`` and ``"7"`` are two ids), as an object column of str (one
        object per distinct id, shared by its rows). ``"auto"``: int64 when every id and
        sponsor id of the file is an integer id, else text.

    Returns
    -------
    DataFrame with the columns found, named as in the file: ids as int64 and sponsor ids as
    nullable Int64 (missing for roots), or both as str objects (None for roots) when read as
    text; enrolment dates as datetime64[ns], kinds and the ``categories`` as pandas
    categoricals (sorted categories, as ``pandas.read_csv`` with ``dtype="category"`` gives;
    empty fields missing).
    """
    f, enrolled_name, kind_name = _participants_file(path, id, sponsor, enrolled_on, kind, categories, ids)
    return _participants_frame(f, id, sponsor, enrolled_name, kind_name)


@_raises_input_error
def read_orders(path: "str | os.PathLike[str]", participant: str = "participant_id", date: str = "ordered_on",
                amount: Optional[str] = None, pv: Optional[str] = None, ids: str = "auto") -> pd.DataFrame:
    """Reads an orders CSV file into the frame :meth:`Network.volumes` and the
    segmentation and retention functions take.

    Parameters
    ----------
    path : str or path-like
        A CSV file in UTF-8, with or without a byte order mark.
    participant, date : str
        Columns of participant ids and order dates.
    amount, pv : str, optional
        Money and point-value columns. By default ``amount`` and ``pv`` are read when the
        file has them (at least one must be there); a name given here must be in the file.
    ids : {"auto", "int", "text"}
        How participant ids are read, as in :func:`read_participants`. To match the ids of
        a participants file, read both with :func:`read_company_files`.

    Returns
    -------
    DataFrame with the columns found, named as in the file: participant ids as int64 (or str
    objects when read as text), dates as datetime64[ns], amounts and pv as float64 (finite;
    negative ones are refunds).
    """
    f, amount_name, pv_name = _orders_file(path, participant, date, amount, pv, ids)
    return _orders_frame(f, participant, date, amount_name, pv_name)


def _run(what: str, run: Callable[[], Any]) -> Any:
    return run()


@_raises_input_error
def read_company_files(participants: "str | os.PathLike[str]", orders: "str | os.PathLike[str]", *,
                       id: str = "id", sponsor: str = "sponsor_id", enrolled_on: Optional[str] = None,
                       kind: Optional[str] = None, categories: Sequence[str] = (),
                       participant: str = "participant_id", date: str = "ordered_on",
                       amount: Optional[str] = None, pv: Optional[str] = None,
                       step: Optional[Callable[[str, Callable[[], Any]], Any]] = None,
                       placement: Optional[str] = None, side: Optional[str] = None
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reads a participants file and an orders file whose ids must match, with ids of one
    kind in both (the ``downline report`` command reads its files so).

    Each file is read with ``ids="auto"``. When either has text ids, both are text (the
    other is read again as text), and then int64 when every id, sponsor id and order
    participant id is a whole number written in digits within the int64 range
    (``[+-]?[0-9]{1,19}``, so that "007" in one file matches 7 in the other), decided on
    the distinct ids; else they stay text, compared exactly.

    Parameters
    ----------
    participants, orders : str or path-like
        The two CSV files.
    id, sponsor, enrolled_on, kind, categories
        As in :func:`read_participants`.
    participant, date, amount, pv
        As in :func:`read_orders`.
    step : callable, optional
        ``step(what, run)`` calls ``run()`` for each file read and returns its result (a
        caller can time or report the steps); ``what`` says which file, e.g.
        ``"reading people.csv"``.
    placement, side : str, optional
        Columns of the placement tree in the participants file (see
        :meth:`Network.from_frame`): the placement parent ids, read as ids of the same
        kind as the participants' (int64 as nullable Int64, or text; empty: a root of the
        placement tree), and the side as text (``"L"``, ``"R"``; empty: None).

    Returns
    -------
    (participants, orders): the frames of :func:`read_participants` and :func:`read_orders`,
    their ids both int64 or both str objects.
    """
    step = step or _run

    def read_people(ids: str) -> tuple[Any, str, str]:
        return step(f"reading {participants}" + (" as text" if ids == "text" else ""), lambda: _participants_file(
            participants, id, sponsor, enrolled_on, kind, categories, ids))

    def read_orders_file(ids: str) -> tuple[Any, str, str]:
        return step(f"reading {orders}" + (" as text" if ids == "text" else ""), lambda: _orders_file(
            orders, participant, date, amount, pv, ids))

    categories = list(categories) + [c for c in (placement, side) if c is not None and c not in categories]
    people, enrolled_name, kind_name = read_people("auto")
    bought, amount_name, pv_name = read_orders_file("auto")
    people_ints: Optional[tuple[np.ndarray, np.ndarray]] = None
    order_ints: Optional[np.ndarray] = None
    if people.text_ids or bought.text_ids:
        if not people.text_ids:
            people, _, _ = read_people("text")
        if not bought.text_ids:
            bought, _, _ = read_orders_file("text")
        found = [_integer_names(c.names) for c in (people.id_text, people.sponsor_text, bought.participant_text)]
        if all(v is not None for v in found):
            people_ints, order_ints = (found[0], found[1]), found[2]
    frame = _participants_frame(people, id, sponsor, enrolled_name, kind_name, people_ints)
    if placement is not None:
        frame[placement] = _ids_like(frame[placement].array, frame[id].dtype == np.int64,
                                     f"{participants}: column {placement!r}")
    if side is not None:
        codes, names = frame[side].array.codes, np.append(np.asarray(frame[side].array.categories, dtype=object), None)
        frame[side] = names[codes]
    return frame, _orders_frame(bought, participant, date, amount_name, pv_name, order_ints)


def _ids_like(column: pd.Categorical, integers: bool, where: str) -> Any:
    """A text column read as a category, as ids of the participants' kind: nullable Int64
    when they are int64 (every value a whole number in digits), else str objects; None or
    missing where empty."""
    names = [str(v) for v in column.categories]
    codes = np.asarray(column.codes)
    if not integers:
        return np.append(np.asarray(names, dtype=object), None)[codes]
    values = _integer_names(names)
    if values is None:
        bad = [v for v in names if _integer_names([v]) is None][:10]
        raise InputError(f"{where}: ids that are not whole numbers while the participant ids are: "
                         f"{', '.join(map(repr, bad))}")
    return pd.arrays.IntegerArray(np.append(values, np.int64(0))[codes], codes < 0)


def read_events(path: "str | os.PathLike[str]", integer_ids: bool) -> pd.DataFrame:
    """A CSV file of dated events (see :meth:`Network.from_frame`): ``participant_id``,
    ``effective_on`` (ISO dates ``YYYY-MM-DD``, optionally followed by a time),
    ``new_sponsor_id`` (empty for a termination) and ``terminated`` (``true``/``false``,
    ``1``/``0``, empty: false), as the frame ``events=`` takes: ids as int64 (nullable
    Int64 for the new sponsor) when ``integer_ids``, else text. Problems are named with
    the file, line and column."""
    where = _path(path)
    try:
        frame = pd.read_csv(where, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{where}: cannot read the events file ({exc})") from None
    for needed in ("participant_id", "effective_on"):
        if needed not in frame.columns:
            raise InputError(f"{where}:1:1: missing column {needed!r} (columns: {list(frame.columns)})")
    line = pd.RangeIndex(2, len(frame) + 2)  # the header is line 1

    def bad(mask: np.ndarray, column: str, what: str) -> None:
        if mask.any():
            rows = np.flatnonzero(mask)[:10]
            shown = ", ".join(f"line {line[r]} ({frame[column].iloc[r]!r})" for r in rows)
            raise InputError(f"{where}: column {column!r}: {what}: {shown}")

    def ids(column: str, missing_ok: bool) -> Any:
        text = frame[column].str.strip()
        empty = (text == "").to_numpy()
        bad(empty & (not missing_ok), column, "empty ids")
        if not integer_ids:
            return np.where(empty, None, text.to_numpy(dtype=object))
        distinct = pd.Index(pd.unique(text[~empty]))
        numbers = _integer_names(list(distinct))
        if numbers is None:  # name the fields that are not whole numbers
            whole = np.array([_integer_names([v]) is not None for v in text], dtype=bool)
            bad(~whole & ~empty, column, "not a whole number while the participant ids are")
        values = np.append(numbers, np.int64(0))[distinct.get_indexer(text)]  # empty: -1, the 0 at the end
        return pd.arrays.IntegerArray(values, empty) if missing_ok else values

    day = frame["effective_on"].str.strip()
    iso = day.str.match(r"^\d{4}-\d{2}-\d{2}([ T].*)?$").to_numpy()
    bad(~iso, "effective_on", "not an ISO date (YYYY-MM-DD)")
    dates = pd.to_datetime(day.str[:10], format="%Y-%m-%d", errors="coerce")
    bad(dates.isna().to_numpy(), "effective_on", "not a date")
    out = pd.DataFrame({"participant_id": ids("participant_id", False), "effective_on": dates.to_numpy()})
    out["new_sponsor_id"] = ids("new_sponsor_id", True) if "new_sponsor_id" in frame.columns else None
    if "terminated" in frame.columns:
        flag = frame["terminated"].str.strip().str.lower()
        bad(~flag.isin(["true", "false", "1", "0", "", "yes", "no"]).to_numpy(), "terminated", "not true or false")
        out["terminated"] = flag.isin(["true", "1", "yes"]).to_numpy()
    else:
        out["terminated"] = False
    out.index = line
    return out

