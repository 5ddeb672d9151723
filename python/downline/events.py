"""Dated events of a network: transfers to another sponsor and terminations (the network over
time, docs/concepts.md). The network maps the events' ids to its rows; here they are
checked in date order and applied to the sponsor links of the rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Optional

import numpy as np

from .errors import InputError


@dataclass(frozen=True)
class Events:
    """Events in the order they apply (by date, then as given), as network rows: each
    event's day, participant row, new sponsor row (-1 for a termination) and its label in
    the frame it came from (for messages)."""

    day: np.ndarray
    row: np.ndarray
    new_parent: np.ndarray
    label: np.ndarray

    def __len__(self) -> int:
        return len(self.day)

    def upto(self, day: int) -> int:
        """How many events apply on or before `day`."""
        return int(np.searchsorted(self.day, day, side="right"))


def ordered(day: np.ndarray, row: np.ndarray, new_parent: np.ndarray, label: np.ndarray) -> Events:
    """The events sorted by date, events of one date in the order given."""
    order = np.argsort(day, kind="stable")
    return Events(day[order], row[order], new_parent[order], label[order])


def _replay(events: Events, parents: np.ndarray, last: int) -> Iterator[tuple]:
    """The events [0, last) in order on a copy of the sponsor links `parents` (rows, -1 for
    a root): yields (k, participant row, new sponsor row or -1, day, the links, the
    terminated flags) before event k applies, then applies it (a transfer sets the link, a
    termination the flag: recruits of terminated participants are rolled up by
    :func:`_sponsor_now` where they are read)."""
    parent = parents.copy()
    terminated = np.zeros(len(parent), dtype=bool)
    for k in range(last):
        p, s = int(events.row[k]), int(events.new_parent[k])
        yield k, p, s, int(events.day[k]), parent, terminated
        if s < 0:
            terminated[p] = True
        else:
            parent[p] = s


def _sponsor_now(parent: np.ndarray, terminated: np.ndarray, x: int) -> int:
    """The sponsor of row x as the network stands: its link, terminated sponsors rolled up
    (-1 for a root)."""
    x = int(parent[x])
    while x >= 0 and terminated[x]:
        x = int(parent[x])
    return x


def check(events: Events, parents: np.ndarray, enrolled: Optional[np.ndarray], show: Callable[[int], str],
          show_day: Callable[[int], str]) -> None:
    """Applies the events in order to the sponsor links `parents` (rows, -1 for a root) and
    raises InputError at the first that contradicts the network as it stands then: an
    event of a participant terminated earlier, a transfer to a terminated sponsor, to the
    participant or into their own downline, an event before the participant (or the new
    sponsor) enrolled. `show(row)` and `show_day(day)` write ids and dates."""
    def fail(k: int, p: int, s: int, day: int, problem: str) -> InputError:  # written for a failing event only
        kind = "transfer of" if s >= 0 else "termination of"
        return InputError(f"event {events.label[k]!r} ({kind} {show(p)} on {show_day(day)}): {problem}",
                          kind="bad_event", ids=[events.label[k]])

    for k, p, s, day, parent, terminated in _replay(events, parents, len(events)):
        if terminated[p]:
            raise fail(k, p, s, day, f"{show(p)} was terminated earlier")
        if enrolled is not None and enrolled[p] > day:
            raise fail(k, p, s, day, f"{show(p)} enrolled later, on {show_day(int(enrolled[p]))}")
        if s < 0:
            continue
        if terminated[s]:
            raise fail(k, p, s, day, f"the new sponsor {show(s)} was terminated earlier")
        if enrolled is not None and enrolled[s] > day:
            raise fail(k, p, s, day, f"the new sponsor {show(s)} enrolled later, on {show_day(int(enrolled[s]))}")
        x = s  # the new sponsor's upline as it stands
        while x >= 0:
            if x == p:
                raise fail(k, p, s, day, f"the new sponsor {show(s)} is {show(p)}"
                           + (" itself" if s == p else " or in their downline"))
            x = _sponsor_now(parent, terminated, x)


def applied(events: Events, parents: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The first `count` events applied to `parents` (rows, -1 for a root): each row's
    sponsor with terminated participants rolled up (a recruit of a terminated participant
    goes to that participant's sponsor, and on up), and which rows are terminated."""
    parent = parents.copy()
    terminated = np.zeros(len(parent), dtype=bool)
    terminated[terminations(events, count)[0]] = True
    # each transferred participant's last transfer up to `count` (events in order)
    row, new = events.row[:count], events.new_parent[:count]
    moved = new >= 0
    who, to = row[moved], new[moved]
    last = len(who) - 1 - np.unique(who[::-1], return_index=True)[1]
    parent[who[last]] = to[last]
    # roll up through terminated sponsors (each step one more terminated level)
    up = parent.copy()
    while True:
        through = (up >= 0) & terminated[np.maximum(up, 0)]
        if not through.any():
            return up, terminated
        up[through] = parent[up[through]]


def terminations(events: Events, count: Optional[int] = None) -> tuple[np.ndarray, np.ndarray]:
    """The terminations among the first `count` events (all: None): (participant rows,
    days); each participant is terminated at most once (the events are checked)."""
    row, new, day = events.row[:count], events.new_parent[:count], events.day[:count]
    ended = new < 0
    return row[ended], day[ended]


def origins(events: Events, parents: np.ndarray, first: int, last: int) -> np.ndarray:
    """For each event of [first, last): the row of the sponsor its participant stood under
    just before it (terminated sponsors rolled up; -1 for a root): the sponsor a transfer
    leaves, or the one a termination's recruits roll up to."""
    out = np.empty(max(0, last - first), dtype=np.int64)
    for k, p, _, _, parent, terminated in _replay(events, parents, last):
        if k >= first:
            out[k - first] = _sponsor_now(parent, terminated, p)
    return out
