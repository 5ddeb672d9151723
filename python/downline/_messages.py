"""How messages show ids, rows and values (private; the bottom layer with ``errors``).

Every error names what was wrong: these helpers keep the look of those names one and
the same across the package: the first ten, then how many more. Rows of a user's frame
are named by position, or by index label where the frame has an index of its own
(:func:`at_rows`).
"""

from __future__ import annotations

import re
from typing import Any, Optional, Sequence

import numpy as np
import pandas as pd

#: How many ids or rows a message lists before it says how many more there are.
SHOWN = 10

#: Text that, shown as it is, would read as a number or another value.
_LOOKS_LIKE_VALUE = {"true", "false", "none", "nan", "nat", "<na>", "na", "inf", "-inf", "+inf"}


def _reads_as_other(text: str, plain_numbers: bool) -> bool:
    """True for text that, unquoted, could not be told from another id or value: empty,
    spaces around it, a comma (it would read as two ids), a name such as None or True, or
    a number (``'2'`` vs 2) unless ``plain_numbers``."""
    if text == "" or text != text.strip() or "," in text or text.lower() in _LOOKS_LIKE_VALUE:
        return True
    if plain_numbers:
        return False
    try:
        float(text)
    except ValueError:
        return False
    return True


def label(value: Any, plain_numbers: bool = False) -> str:
    """An id as messages show it: as it is (``abc``, ``2``, ``2.5``, ``True``), but text is
    quoted where it could be read as something else (``'2'``, ``' A'``, ``''``, ``'None'``),
    so that the text ``'2'`` and the number 2 can be told apart. ``plain_numbers``: the ids
    around it are all text (see :func:`text_only`), so text that reads as a number is
    shown plain."""
    if isinstance(value, str):
        return repr(str(value)) if _reads_as_other(value, plain_numbers) else str(value)
    if isinstance(value, bytes):
        return repr(value)
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        value = value.item()  # 2, not np.int64(2)
    return str(value)


def text_only(ids: Optional[pd.Index]) -> bool:
    """True when every id of ``ids`` is text: a text id that reads as a number can then be
    shown plain (it cannot be taken for a number id). One pass, on error paths only."""
    return ids is not None and ids.dtype == object and pd.api.types.infer_dtype(ids, skipna=False) == "string"


def show(values: Any, limit: int = SHOWN, plain_numbers: bool = False) -> str:
    """'1, 2, 3' for the first ``limit`` values, then '... (N more)'."""
    values = list(values)
    shown = ", ".join(label(v, plain_numbers) for v in values[:limit])
    return shown + (f", ... ({len(values) - limit} more)" if len(values) > limit else "")


def rows(mask: np.ndarray) -> list[int]:
    """The positions where a boolean mask is true, as Python ints (for messages and ``ids``)."""
    return [int(i) for i in np.flatnonzero(mask)]


def is_default_index(index: Optional[pd.Index]) -> bool:
    """True when rows are best named by position: no index, or pandas' default 0, 1, 2..."""
    return index is None or (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1)


def at_rows(positions: Sequence[int], index: Optional[pd.Index] = None,
            notes: Optional[Sequence[str]] = None) -> tuple[str, list[int]]:
    """How a message names rows of a user's frame, and the positions the error carries as
    ``ids``: ``('rows 1, 3', [1, 3])``; where the frame has an index of its own
    (``index``), its labels follow: ``"rows 1, 3 (labelled 'a', 'c')"``, so that the rows
    can be found by position (``iloc``) or label (``loc``). ``notes``: a text shown after
    each of the first rows (``'3 (1850-01-01)'``)."""
    positions = [int(p) for p in positions]
    shown = [str(p) for p in positions[:SHOWN]]
    if notes is not None:
        shown = [f"{s} ({n})" for s, n in zip(shown, notes)]
    text = "rows " + ", ".join(shown) + (f", ... ({len(positions) - SHOWN} more)" if len(positions) > SHOWN else "")
    return text + labelled(positions, index), positions


def labelled(positions: Sequence[int], index: Optional[pd.Index]) -> str:
    """" (labelled 'a', 'c')": the index labels of the first rows, where the frame has an
    index of its own; "" for pandas' default index (labels and positions agree)."""
    if is_default_index(index) or len(positions) == 0:
        return ""
    return " (labelled " + ", ".join(label(x) for x in index[list(positions[:SHOWN])]) + ")"


_CORE_ROWS = re.compile(r"\brows:? ")
_CORE_ROW = re.compile(r"(, )?(-?\d+)( \([^)]*\))?")
_CORE_MORE = re.compile(r", \.\.\. \(\d+ more\)")


def relabelled(exc: Exception, index: Optional[pd.Index]) -> Exception:
    """An error of the core that names rows of a user's frame by position (``rows: 1, 3``
    or ``at rows 1 (2024-01-05)``), with the frame's index labels after the rows as
    :func:`at_rows` shows them; the error itself where the index is pandas' default."""
    ids = list(getattr(exc, "ids", ()))
    msg = str(exc)
    found = _CORE_ROWS.search(msg)
    if is_default_index(index) or not ids or found is None or getattr(exc, "kind", "") != "bad_value":
        return exc
    pos = found.end()
    for k, row in enumerate(ids[:SHOWN]):  # walk over the list of rows the error carries
        m = _CORE_ROW.match(msg, pos)
        if m is None or int(m.group(2)) != row or bool(m.group(1)) != (k > 0):
            return exc  # not the list of rows the error carries: leave it as it is
        pos = m.end()
    more = _CORE_MORE.match(msg, pos)
    pos = more.end() if more else pos
    return type(exc)(msg[:pos] + labelled(ids, index) + msg[pos:], kind=exc.kind, ids=ids)


def space_hint(unknown: Sequence, known: pd.Index, limit: int = 3) -> str:
    """For string ids that are not among `known` but equal one of them once surrounding
    spaces are stripped from both: " (' A' differs from 'A' only by surrounding spaces)".
    Ids are compared exactly; this only says why an id that looks known is not."""
    strings = [u for u in list(unknown)[:SHOWN] if isinstance(u, str)]
    if not strings or known.dtype != object:
        return ""
    stripped = pd.Series(known.to_numpy(), dtype=object)
    stripped = stripped[stripped.map(lambda v: isinstance(v, str))]
    exact = set(stripped)
    by_stripped = dict(zip(stripped.str.strip()[::-1], stripped[::-1]))  # the first of equals
    pairs = [(u, u.strip() if u.strip() in exact else by_stripped[u.strip()]) for u in strings
             if u.strip() in by_stripped]
    pairs = [(u, k) for u, k in pairs if u != k][:limit]
    if not pairs:
        return ""
    return " (" + "; ".join(f"{u!r} differs from {k!r} only by surrounding spaces" for u, k in pairs) + ")"
