"""Participant types: consumer, subscriber, builder, leader (docs/concepts.md), for everyone at once."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pandas as pd

from . import _core
from ._convert import day_number, whole_number
from .errors import InputError
from .network import Activity, Network
from .orders import money_column

__all__ = ["TYPES", "participant_types"]

#: Type names from the weakest to the strongest claim (the categories' order).
TYPES = ("inactive", "consumer", "subscriber", "builder", "leader")
_NOT_ENROLLED = len(TYPES)


def participant_types(network: Network, orders: Any, as_of: Any, participant: str = "participant_id",
                      date: str = "ordered_on", pv: str = "pv", lookback_days: int = 365,
                      subscriber_months: int = 3, subscriber_window: int = 3, leader_downline: int = 20,
                      unknown: str = "raise", amount: Optional[str] = "amount") -> pd.Series:
    """Every participant's type at ``as_of`` from their orders and the network.

    Rules (docs/concepts.md, thresholds as parameters), the strongest that holds wins, in the
    order leader > builder > subscriber > consumer:

    * ``leader``: a downline of at least ``leader_downline`` participants as of the date;
    * ``builder``: recruited someone (a frontline member enrolled) in the lookback window
      (``as_of - lookback_days``, ``as_of``];
    * ``subscriber``: ordered in at least ``subscriber_months`` of the last
      ``subscriber_window`` calendar months (``as_of``'s month included, up to ``as_of``);
    * ``consumer``: ordered in the lookback window (and recruited no one in it);
    * ``inactive``: none of these.

    An order is a row with amount > 0 when the orders have the money column ``amount``
    (default ``"amount"``; an Activity's value column of that name), else with pv > 0:
    refunds are not activity. The network needs
    enrolment dates (``Network.from_frame(..., enrolled_on=...)``); participants not in
    the network as of the date (they or their upline enrolled later, as in ``volumes``,
    or terminated: the network's events up to the date apply, :meth:`Network.as_of`) get
    a missing type; on that network a frontline member who came by a transfer or a
    roll-up and enrolled in the window makes a builder too. ``orders``: a DataFrame or an
    :class:`Activity` mapped onto
    ``network``; unknown participants as in :meth:`Network.activity`.

    Returns a categorical Series indexed by participant id, categories :data:`TYPES`.
    """
    if not isinstance(network, Network):
        raise InputError(f"network must be a downline.Network, not {type(network).__name__}")
    day = day_number(as_of, "as_of")
    lookback = whole_number(lookback_days, "lookback_days", 1)
    months = whole_number(subscriber_window, "subscriber_window", 1, 32)
    k = whole_number(subscriber_months, "subscriber_months", 1)
    if k > months:
        raise InputError(f"subscriber_months ({k}) cannot exceed subscriber_window ({months})")
    leader = whole_number(leader_downline, "leader_downline", 1)
    if not network._has_enrolment:
        raise InputError("participant types need enrolment dates: build the network with enrolled_on=... "
                         "(a builder recruited someone in the lookback window)")
    money = money_column(orders, amount)
    if isinstance(orders, Activity):
        act = orders
        if act.network is not network:
            raise InputError("this Activity was mapped onto another network")
        money = money if money in act.values else None
    else:
        # Only the days the rules look at are mapped (ids of other orders are not looked up).
        month = pd.Timestamp(np.datetime64(day, "D")).to_period("M") - (months - 1)
        first = min(day - lookback + 1, day_number(month.start_time, "as_of"))
        act = network.activity(orders, participant=participant, date=date, pv=pv, unknown=unknown,
                               values=[money] if money is not None else (), _window=(first, day + 1))
    tree, rows = network, None
    if network._events is not None:  # on the network as it stood (events applied)
        tree, act = network._as_it_stood(day, act)
        rows = tree._base_rows
    if len(tree) == 0:  # the core cannot tell that an empty network has enrolment dates
        codes = np.empty(0, dtype=np.int8)
    else:
        codes = _core.participant_types(tree._core, act._core, day, lookback, k, months, leader, money or "")
        codes = codes.astype(np.int8)
    codes[codes == _NOT_ENROLLED] = -1
    if rows is not None:  # the others are not in the network then
        mine = np.full(len(network), -1, dtype=np.int8)
        mine[rows] = codes
        codes = mine
    return pd.Series(pd.Categorical.from_codes(codes, categories=list(TYPES), ordered=True),
                     index=network.ids, name="type")
