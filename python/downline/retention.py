"""Retention of participants (docs/concepts.md "Retention"): churn status and Kaplan-Meier
curves of leaders' organisations (``Network.retention``). Mirrors ``retention.hpp``.
"""

from __future__ import annotations

from typing import Any, Hashable, Optional, Sequence

import numpy as np
import pandas as pd

from . import _core
from ._convert import check_days, column, date_ticks, dates_of_days, day_number, flag, whole_number
from ._messages import show as _show
from .errors import InputError
from .ids import id_index
from .network import Network
from .orders import Orders
from .survival import KaplanMeier

__all__ = ["churn"]


def participants_enrolment(participants: Any, id: str, enrolled_on: str) -> tuple[pd.Index, np.ndarray]:
    """(ids, enrolment days) of a Network built with enrolment dates or of a DataFrame."""
    if isinstance(participants, Network):
        days = participants._enrolment_days()
        if days is None:
            raise InputError("churn needs enrolment dates: build the network with enrolled_on=... "
                             "or pass a DataFrame with an enrolment column")
        return participants.ids, np.asarray(days)
    if not isinstance(participants, pd.DataFrame):
        raise InputError(f"participants must be a Network or a pandas DataFrame, not {type(participants).__name__}")
    ids = id_index(column(participants, id), id)  # missing ids are named by row
    dates = column(participants, enrolled_on)
    ticks, per_day = date_ticks(dates, enrolled_on)
    days, n_nat = _core.day_numbers(ticks, per_day)
    if n_nat:
        bad = ids[ticks == np.iinfo(np.int64).min].tolist()
        raise InputError(f"participants with a missing {enrolled_on!r}: {_show(bad)}", ids=bad)
    check_days(days, enrolled_on, dates.index)  # 1900-01-01 .. 2200-12-31
    # duplicate ids are found (and named) where the orders are matched to the participants
    return ids, days


def _churn_arrays(participants: Any, orders: pd.DataFrame, as_of: Any, churn_after: int, participant: str,
                  date: str, amount: Optional[str], id: str, enrolled_on: str, missing: str, unknown: str) -> dict:
    """churn()'s figures for every participant in the order of ``participants`` (ids,
    enrolment and last activity days, duration, churned) and ``keep``: enrolled by as_of."""
    churn_after = whole_number(churn_after, "churn_after")  # days
    ids, enrol = participants_enrolment(participants, id, enrolled_on)
    as_of_day = day_number(as_of, "as_of")
    o = Orders(orders, participant, date, amount, missing, ids, unknown)
    keys, universe = o.kernel_inputs()
    enrol = np.ascontiguousarray(enrol, dtype=np.int32)
    res = o.checked(lambda: _core.churn_status(keys, o.ticks, o.per_day, o.amount, universe, enrol, as_of_day,
                                               int(churn_after)))
    churned, duration = res.churned.view(bool), res.duration
    if isinstance(participants, Network):  # those terminated by as_of have churned, at their last activity
        gone = participants._terminated_upto(as_of_day, res.last, orders, participant, date, amount)
        churned[gone] = True
        duration[gone] = res.last[gone] - enrol[gone]
    return {"ids": ids, "enrol": enrol, "last": res.last, "churned": churned, "duration": duration,
            "keep": enrol <= as_of_day}


def churn(participants: Any, orders: pd.DataFrame, as_of: Any, churn_after: int = 90,
          participant: str = "participant_id", date: str = "ordered_on", amount: Optional[str] = "amount",
          id: str = "id", enrolled_on: str = "enrolled_on", missing: str = "raise",
          unknown: str = "raise") -> pd.DataFrame:
    """Every participant's churn status at ``as_of`` (docs/concepts.md "Retention").

    Activity dates are the enrolment date and every order day up to ``as_of`` (rows whose
    ``amount`` is <= 0 are refunds, not activity, when the orders have that column:
    default ``"amount"``, ``None`` for every row). A participant has
    **churned** when more than ``churn_after`` days passed since the last activity (the
    "Lost" side of the life-cycle recency tiers: 90 days since is still not churned); the
    event time is the last activity, duration = last activity - enrolment. Otherwise the
    participant is censored at ``as_of``: duration = as_of - enrolment.

    ``participants``: a Network built with ``enrolled_on=`` or a DataFrame with the columns
    ``id`` and ``enrolled_on``. A network's participants terminated by ``as_of`` (its
    events) have churned, the event at their last activity (an activity dated after the
    termination is an error). Participants enrolled after ``as_of`` are not participants
    yet and are left out (as in ``Network.volumes(as_of=...)``). Returns a DataFrame
    indexed by id: ``enrolled_on``, ``last_activity``, ``duration`` (whole days, int32),
    ``churned``.
    Orders of ids that are not participants: an error, or ``unknown="drop"`` (a warning
    with the count and ids)."""
    c = _churn_arrays(participants, orders, as_of, churn_after, participant, date, amount, id, enrolled_on,
                      missing, unknown)
    ids = c["ids"]
    sel = slice(None) if c["keep"].all() else c["keep"]  # the others are not participants yet
    # one constructor call with copy=False: pandas keeps every column as it is (assigning
    # a column to a frame, out[name] = values, would copy it)
    return pd.DataFrame({"enrolled_on": dates_of_days(c["enrol"][sel]), "last_activity": dates_of_days(c["last"][sel]),
                         "duration": c["duration"][sel], "churned": c["churned"][sel]},
                        index=ids[sel].rename(ids.name if ids.name is not None else id), copy=False)


def organisation_retention(self: Network, orders: pd.DataFrame, as_of: Any, leaders: Optional[Sequence[Hashable]] = None,
              top: int = 10, churn_after: int = 90, include_self: bool = True,
              participant: str = "participant_id", date: str = "ordered_on", amount: Optional[str] = "amount",
              missing: str = "raise", unknown: str = "raise", alpha: float = 0.05,
              ci: str = "log-log") -> Any:
    """Kaplan-Meier retention curves of leaders' organisations, all in one call.

    Every participant enrolled by ``as_of`` gets a duration and a churn flag as
    :func:`downline.churn` defines them (enrolment dates from this network). A
    leader's organisation is the leader and the whole downline (``include_self=False``:
    the downline only), as of ``as_of`` (the network's events up to it applied,
    :meth:`Network.as_of`: participants terminated by then are in no organisation, though
    :func:`churn` counts them as churned; as in :meth:`Network.volumes`, a participant
    below someone enrolled after ``as_of`` is in none either). In the network's preorder every organisation is
    one contiguous range, so each curve is computed from a slice of one array: the data
    are never copied per leader.

    ``leaders``: the ids whose organisations to follow (in that order), or None for the
    ``top`` largest organisations as of ``as_of`` (largest first; equal sizes in the
    order of :attr:`ids`). Returns a fitted :class:`downline.KaplanMeier` with one group
    per leader (labelled by leader id): ``survival_function_``, ``event_table_``,
    ``median_survival_time_``, ``plot()``...
    """
    if not self._has_enrolment:
        raise InputError("retention needs enrolment dates: build the network with enrolled_on=...")
    km = KaplanMeier(alpha=alpha, ci=ci)  # checks alpha and ci first
    c = _churn_arrays(self, orders, as_of, churn_after, participant, date, amount, "id", "enrolled_on",
                      missing, unknown)
    # the organisations of the network as it stood (events applied), else this one's
    tree, base = self, None
    if self._events is not None:
        tree = self.as_of(as_of)
        base = tree._base_rows  # this network's row of each of tree's rows
        c = {k: c[k][base] for k in ("duration", "churned", "keep")}
    core = tree._core
    pos = core.position_of_row  # input row -> preorder position
    n = len(tree)
    keep = np.zeros(n, dtype=bool)
    keep[pos] = c["keep"]
    keep &= core.members_as_of(day_number(as_of, "as_of")).view(bool)  # no one below a later enrolment
    # kept participants in preorder; prefix counts map preorder ranges onto them
    before = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(keep, out=before[1:])
    order = core.row_of_position[keep] if not keep.all() else core.row_of_position
    time = c["duration"][order]  # int32 whole days: C++ reads them as they are
    event = c["churned"][order].view(np.uint8)
    ends = core.ends.astype(np.int64)
    first = np.arange(n, dtype=np.int64) + (0 if flag(include_self, "include_self") else 1)

    def sizes(p: np.ndarray) -> np.ndarray:  # organisation sizes of preorder positions
        return before[ends[p]] - before[np.minimum(first[p], ends[p])]

    if leaders is not None:
        if isinstance(leaders, (str, bytes)) or not hasattr(leaders, "__iter__"):
            raise InputError("leaders: expected a list of participant ids")
        index = pd.Index(list(leaders))
        if len(index) == 0:
            raise InputError("leaders: no ids given")
        rows = self._positions(index, "leaders")
        if base is not None:  # rows of tree; -1: not in the network then
            mine = np.full(len(self), -1, dtype=np.int64)
            mine[base] = np.arange(n)
            rows = mine[rows]
            gone = rows < 0
            if gone.any():
                bad = index[gone].tolist()
                raise InputError(f"leaders not in the network as of as_of (enrolled later, terminated, or below "
                                 f"someone who was): {_show(bad)}", ids=bad)
        p = pos[rows].astype(np.int64)
        late = ~keep[p]
        if late.any():
            bad = index[late].tolist()
            raise InputError(f"leaders not in the network as of as_of (enrolled later, or below someone who "
                             f"was): {_show(bad)}", ids=bad)
        empty = sizes(p) == 0
        if empty.any():
            bad = index[empty].tolist()
            raise InputError(f"leaders with nobody in their downline as of as_of: {_show(bad)}", ids=bad)
        labels = tree._ids[rows]
    else:
        top = whole_number(top, "top", 1)
        size_rows = np.where(c["keep"], sizes(pos.astype(np.int64)), 0)
        k = int(min(top, int((size_rows > 0).sum())))
        if k == 0:
            raise InputError("retention: no organisation has a participant as of as_of")
        threshold = np.partition(size_rows, len(size_rows) - k)[len(size_rows) - k]
        above = np.flatnonzero(size_rows > threshold)
        rows = np.concatenate([above, np.flatnonzero(size_rows == threshold)[:k - len(above)]])
        rows = rows[np.lexsort((rows, -size_rows[rows]))]  # largest first, then row order
        p = pos[rows].astype(np.int64)
        labels = tree._ids[rows]
    begin = before[np.minimum(first[p], ends[p])]
    end = before[ends[p]]
    tab = _core.kaplan_meier_ranges(np.ascontiguousarray(time), np.ascontiguousarray(event), None,
                                    np.ascontiguousarray(begin), np.ascontiguousarray(end))
    return km._set_table(tab, pd.Index(labels, name="leader"), True)


# A method of Network defined here, above it (as python-igraph attaches its methods), so
# that the network layer does not import the survival layers.
Network.retention = organisation_retention
