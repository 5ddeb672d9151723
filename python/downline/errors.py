"""Errors raised by downline.

Every error names the offending ids, rows or position in its message, and carries them
as attributes so that code can act on them.
"""

from __future__ import annotations

from typing import Sequence

__all__ = ["InputError", "UnknownIdError", "DroppedRowsWarning"]


class InputError(ValueError):
    """Bad input: duplicate ids, unknown sponsors, cycles, bad values, unreadable files.

    Attributes
    ----------
    kind : str
        ``duplicate_id``, ``unknown_sponsor``, ``own_sponsor``, ``cycle``,
        ``unknown_participant``, ``after_termination`` (orders dated after their
        participant's termination among a network's events), ``bad_value``, ``parse`` or
        ``too_large``.
    ids : list
        The offending ids (or row numbers, for row errors).
    """

    def __init__(self, message: str, kind: str = "bad_value", ids: Sequence = ()):
        super().__init__(message)
        self.kind = kind
        self.ids = list(ids)

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UnknownIdError(InputError, KeyError):
    """An id that is not in the network (a lookup, an order, a value to roll up)."""

    def __init__(self, message: str, kind: str = "unknown_participant", ids: Sequence = ()):
        super().__init__(message, kind, ids)


class DroppedRowsWarning(UserWarning):
    """Rows were dropped because the caller asked for it; the message says how many and which."""
