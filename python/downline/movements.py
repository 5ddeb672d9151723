"""Network movements between two dates: who joined, who was terminated, who was
transferred, and how every participant's organisation changed (docs/concepts.md, "The
network over time")."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._convert import dates_of_days, day_number, timestamp, whole_number
from .errors import InputError
from .events import origins
from .network import Activity, Network


class Movements:
    """What moved in a network between two dates (:func:`movements`).

    Attributes
    ----------
    start, end : Timestamp
        The dates compared: the network as of ``start`` and as of ``end``; the movements
        are those dated after ``start``, up to ``end``.
    joined : Index
        Participants in the network as of ``end`` who were not as of ``start`` (enrolled
        in between).
    terminated : DataFrame
        The terminations dated in (start, end]: indexed by participant id, ``effective_on``
        and ``sponsor`` (the sponsor their recruits rolled up to).
    transferred : DataFrame
        The transfers dated in (start, end], in the order they applied:
        ``participant_id``, ``effective_on``, ``from_sponsor`` (where the participant stood
        just before, missing for a root), ``to_sponsor``.
    participants : DataFrame
        Indexed by the participants in either network: ``downline_before``,
        ``downline_after``, ``downline_change``, ``frontline_before``, ``frontline_after``,
        ``frontline_change`` (missing before joining or after leaving), and with orders
        ``active_downline_before``, ``active_downline_after``, ``active_downline_change``.
    """

    def __init__(self, start: pd.Timestamp, end: pd.Timestamp, joined: pd.Index, terminated: pd.DataFrame,
                 transferred: pd.DataFrame, participants: pd.DataFrame):
        self.start, self.end = start, end
        self.joined, self.terminated, self.transferred = joined, terminated, transferred
        self.participants = participants

    @property
    def counts(self) -> pd.Series:
        """How many joined, were terminated and were transferred."""
        return pd.Series({"joined": len(self.joined), "terminated": len(self.terminated),
                          "transferred": len(self.transferred)}, name="participants")

    def __repr__(self) -> str:
        c = self.counts
        return (f"<Movements from {self.start.date()} to {self.end.date()}: {c['joined']:,} joined, "
                f"{c['terminated']:,} terminated, {c['transferred']:,} transferred>")


def movements(network: Network, start: Any, end: Any, orders: Any = None,
              lookback_days: int = 30, participant: str = "participant_id", date: str = "ordered_on",
              pv: str = "pv") -> Movements:
    """The movements of ``network`` (built with ``enrolled_on=`` and, for transfers and
    terminations, ``events=``) between ``start`` and ``end``: the network as of each date
    (:meth:`Network.as_of`) compared, and the events dated in (start, end].

    With ``orders`` (a DataFrame, or an :class:`Activity` of ``network``), each
    participant's active downline on each date too: the downline members with an order of
    pv > 0 in the ``lookback_days`` days up to the date (the orders of participants not in
    the network on that date do not count).
    """
    if not isinstance(network, Network):
        raise InputError(f"network: expected a downline.Network, not {type(network).__name__}")
    lo, hi = day_number(start, "start"), day_number(end, "end")
    if lo > hi:
        raise InputError(f"start ({start}) is after end ({end})")
    lookback = whole_number(lookback_days, "lookback_days", 1)
    before, after = network.as_of(timestamp(lo)), network.as_of(timestamp(hi))
    ids = network.ids
    joined = after.ids.difference(before.ids, sort=False)

    # the events of (start, end], with where each participant stood just before
    ev = network._events
    none = np.empty(0, dtype=np.int64)
    row = day = to = stood = none
    if ev is not None and ev.upto(hi) > ev.upto(lo):
        k = slice(ev.upto(lo), ev.upto(hi))
        row, day, to = ev.row[k], ev.day[k], ev.new_parent[k]
        stood = origins(ev, network._parent_rows(), k.start, k.stop)
    ended = to < 0
    terminated = pd.DataFrame({"effective_on": dates_of_days(day[ended]), "sponsor": network._ids_at(stood[ended])},
                              index=ids.take(row[ended]))
    transferred = pd.DataFrame({"participant_id": ids.take(row[~ended]).to_numpy(),
                                "effective_on": dates_of_days(day[~ended]),
                                "from_sponsor": network._ids_at(stood[~ended]),
                                "to_sponsor": network._ids_at(to[~ended])})

    # each participant's organisation on both dates
    table = {}
    for when, net, on in (("before", before, lo), ("after", after, hi)):
        depth_sizes = _sizes(net)
        table[f"downline_{when}"] = depth_sizes[0]
        table[f"frontline_{when}"] = depth_sizes[1]
        if orders is not None:
            if isinstance(orders, Activity):  # mapped once onto `network`: onto the network of the day
                if orders.network is not network:
                    raise InputError("orders: this Activity was mapped onto another network")
                mine: Any = orders._onto(net)
            else:
                mine = orders[orders[participant].isin(net.ids)] if participant in orders.columns else orders
            vol = net.volumes(mine, start=timestamp(on - lookback + 1), end=timestamp(on + 1),
                              participant=participant, date=date, pv=pv, columns=["active_downline"])
            table[f"active_downline_{when}"] = vol["active_downline"]
    everyone = before.ids.append(joined)
    out = pd.DataFrame({k: v.reindex(everyone) for k, v in table.items()})
    for what in ("downline", "frontline", "active_downline"):
        if f"{what}_before" in out:
            out.insert(out.columns.get_loc(f"{what}_after") + 1, f"{what}_change",
                       out[f"{what}_after"] - out[f"{what}_before"])
    return Movements(timestamp(lo), timestamp(hi), joined, terminated, transferred, out.astype("Int64"))


def _sizes(net: Network) -> tuple[pd.Series, pd.Series]:
    """Each participant's downline and frontline sizes."""
    vol = net.volumes(net._no_orders(), columns=["downline", "frontline"])
    return vol["downline"], vol["frontline"]
