"""How messages show ids, rows and values (private; the bottom layer with ``errors``).

Every error names what was wrong: these helpers keep the look of those names one and
the same across the package: the first ten, then how many more.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

#: How many ids or rows a message lists before it says how many more there are.
SHOWN = 10


def label(value: Any) -> str:
    """An id as messages show it: as it is, but quoted when it is a string that is empty or
    has spaces around it (``' A'``), so that the spaces can be seen."""
    return repr(value) if isinstance(value, str) and (value == "" or value != value.strip()) else str(value)


def show(values: Any, limit: int = SHOWN) -> str:
    """'1, 2, 3' for the first ``limit`` values, then '... (N more)'."""
    values = list(values)
    shown = ", ".join(map(label, values[:limit]))
    return shown + (f", ... ({len(values) - limit} more)" if len(values) > limit else "")


def rows(mask: np.ndarray) -> list[int]:
    """The positions where a boolean mask is true, as Python ints (for messages and ``ids``)."""
    return [int(i) for i in np.flatnonzero(mask)]


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
