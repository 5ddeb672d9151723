"""The sponsor network and its downline volume rollups (pandas in, pandas out)."""

from __future__ import annotations

import contextlib
import copy
import warnings
from typing import Any, Hashable, Iterator, Optional, Sequence

import numpy as np
import pandas as pd

from . import _core
from ._convert import (check_days, choice, column, column_names, flag, date_ticks, dates_of_days, day_number,
                       float_column, period_bounds, real_number, real_values, timestamp, whole_number)
from ._html import summary_html
from ._messages import (SHOWN, at_rows, is_default_index, label as _label, relabelled, rows as _rows, show as _show,
                        space_hint as _space_hint, text_only)
from .errors import DroppedRowsWarning, InputError, UnknownIdError
from .ids import id_array, owned, refuse_bools, scalar_key
from .orders import _Columns, money_column

__all__ = ["Network", "Activity"]

_INT64_MIN = np.iinfo(np.int64).min
_INT64_MAX = np.iinfo(np.int64).max
_DAY_MIN = int(np.iinfo(np.int32).min)
_DAY_MAX = int(np.iinfo(np.int32).max)
#: The arguments of ``volumes`` that ``legs`` passes on (it needs the gv and downline columns).
_LEG_VOLUME_ARGS = {"start", "end", "levels", "participant", "date", "pv", "min_pv", "unknown"}


def _text_column(values: Any) -> bool:
    """Whether a column or index may hold str ids (object or pandas string dtype)."""
    return values.dtype == object or isinstance(values.dtype, pd.StringDtype)


def _value_columns(orders: pd.DataFrame, names: Sequence[str]) -> list:
    """The value columns named (Network.activity's ``values``) as (name, float64 array)."""
    return [(c, float_column(orders, c)) for c in column_names(names, "values")]


def _network_error(kind: str, rows: Sequence[int], index: pd.Index, sponsors: np.ndarray,
                   core_message: str = "", parent: str = "sponsor") -> InputError:
    """The error of a network whose ids are labels, from the offending rows: the labels
    named as messages show them (see _messages.label), an unknown sponsor's near miss
    pointed out; `core_message` gives a cycle's tail (how many are in or below cycles);
    `parent` names the link ("placement parent" in a placement tree)."""
    rows = [int(r) for r in rows]
    labels = [index[r] for r in rows]
    plain = text_only(index)
    if kind == "duplicate_id":
        msg = f"{len(labels)} participant id(s) appear more than once: {_show(labels, plain_numbers=plain)}"
    elif kind == "own_sponsor":
        msg = f"{len(labels)} participant(s) are their own {parent}: {_show(labels, plain_numbers=plain)}"
    elif kind == "unknown_sponsor":
        shown = ", ".join(f"{_label(index[r], plain)} ({parent} {_label(sponsors[r], plain)})" for r in rows[:10])
        more = f", ... ({len(rows) - 10} more)" if len(rows) > 10 else ""
        hint = _space_hint([sponsors[r] for r in rows[:10]], index)
        msg = f"{len(rows)} participant(s) have a {parent} that is not a participant: {shown}{more}{hint}"
    else:  # cycle
        msg = (f"{parent} links form a cycle of {len(labels)} participant(s): {_show(labels, plain_numbers=plain)}"
               + core_message[core_message.rfind(" ("):])
    return InputError(msg, kind=kind, ids=labels)


def _days(frame: pd.DataFrame, name: str) -> np.ndarray:
    """The dates of column `name` as day numbers; missing or out-of-range dates named."""
    ticks, per_day = date_ticks(column(frame, name), name)
    days, n_nat = _core.day_numbers(ticks, per_day)
    if n_nat:
        where, bad = at_rows(_rows(ticks == _INT64_MIN), frame.index)
        raise InputError(f"column {name!r} has missing dates at {where}", ids=bad)
    check_days(days, name, frame.index)  # 1900-01-01 .. 2200-12-31
    return days


class Activity:
    """Orders mapped onto a :class:`Network` once.

    Build it with :meth:`Network.activity` and pass it to :meth:`Network.volumes` as often
    as needed (many periods, many dates) without mapping the ids again. The analyses of
    orders (:func:`order_summary`, :func:`lifecycle`, :func:`rfm`, :func:`migration`,
    :func:`churn`, :func:`cohort_retention`) take it in place of an order frame: its
    participants, dates and volumes are used as mapped (the ``amount`` named is its value
    column of that name when it has one, else its volumes), and ``participant`` names the
    customers' index. :meth:`CompensationPlan.evaluate` reads CV and sales from its value
    columns ``cv`` and ``amount`` when it has them.

    Attributes
    ----------
    values : list of str
        The value columns mapped with the orders (``values=`` of :meth:`Network.activity`).
    dropped_rows : numpy.ndarray
        Positions (0-based) of the order rows dropped because their participant is not
        in the network (only with ``unknown="drop"``).
    dropped_ids : list
        The distinct participant ids of those rows.
    """

    def __init__(self, network: "Network", core: _core.Activity, dropped_rows: np.ndarray, dropped_ids: list):
        self.network = network
        self._core = core
        self.dropped_rows = dropped_rows
        self.dropped_ids = dropped_ids

    def __len__(self) -> int:
        return len(self._core)

    @property
    def values(self) -> list[str]:
        """The value columns mapped with the orders, in the order given."""
        return list(self._core.value_names)

    # Pickled with its network (the same network object when both are pickled together):
    # the mapped orders as input rows, days and volumes, mapped again onto the rebuilt
    # network. Copies share the core's arrays, which nothing changes.
    def __reduce__(self) -> tuple:
        core, net = self._core, self.network._core
        rows = net.row_of_position[core.nodes]
        values = {name: core.values(name) for name in core.value_names}
        return (_rebuild_activity, (self.network, rows, core.days, core.volumes, core.window,
                                    self.dropped_rows, self.dropped_ids, values))

    def __copy__(self) -> "Activity":
        return Activity(self.network, self._core, self.dropped_rows, self.dropped_ids)

    def _onto(self, network: "Network") -> "Activity":
        """These orders on `network`, a network over some of the same participants (the
        network as of a date): the orders of participants not in it are left out."""
        core, mine = self._core, self.network
        rows = mine._core.row_of_position[core.nodes]
        ids = mine.ids.take(rows)
        if network._keys == "str":
            keys: Any = ids.to_numpy(dtype=object)
        elif network._keys == "int":
            keys = np.ascontiguousarray(ids.to_numpy(), dtype=np.int64)
        else:  # the core's ids are row numbers: -1 is no participant
            keys = np.ascontiguousarray(network.ids.get_indexer(ids), dtype=np.int64)
        values = [(name, core.values(name)) for name in core.value_names]
        moved = _core.Activity(network._core, keys, core.days.astype(np.int64), 1, np.ascontiguousarray(core.volumes),
                               True, *core.window, values=values)
        return Activity(network, moved, np.empty(0, dtype=np.int64), [])

    def __deepcopy__(self, memo: dict) -> "Activity":
        network = copy.deepcopy(self.network, memo)  # shares the core network: this core fits it
        return Activity(network, self._core, self.dropped_rows.copy(), list(self.dropped_ids))

    def _order_columns(self, amount: Optional[str], participant: str,
                       coded: bool) -> tuple[_Columns, Optional[pd.Index]]:
        """The mapped orders as the per-customer analyses read order columns (see
        :class:`downline.orders.Orders`): the participants' ids, the days (ticks of one a
        day), and as the amounts (where ``amount`` names a column) the value column of that
        name if the Activity has one, else the volumes; None without. They were checked
        when mapped; an Activity of one period is refused (it lacks the other orders).
        With ``coded``, str ids come as codes into the customers (returned second, the
        ids with orders ascending, named ``participant``), from the network's own index
        instead of hashing them again; otherwise the second is None."""
        core, net = self._core, self.network._core
        if core.window != (_DAY_MIN, _DAY_MAX):
            raise InputError("orders: this Activity holds only the orders of one period (start/end); the "
                             "per-customer analyses need every order: map them with Network.activity(orders)")
        customers = None
        if self.network._keys == "int":
            ids = net.ids_preorder[core.nodes]  # int64, one gather
        elif coded and self.network._keys == "str":
            ids, customers = self.network._customer_codes(net.row_of_position[core.nodes], participant)
        else:
            ids = self.network.ids.to_numpy()[net.row_of_position[core.nodes]]
        amounts = None if amount is None else core.values(amount) if amount in core.value_names else core.volumes
        return _Columns(ids, core.days.astype(np.int64), 1, amounts), customers

    def __repr__(self) -> str:
        return (f"<downline.Activity: {len(self):,} orders on {len(self.network):,} participants, "
                f"{len(self.dropped_rows):,} dropped>")

    def _repr_html_(self) -> str:
        return summary_html(repr(self))


class Network:
    """A sponsor network (forest) of participants.

    Inside, participants are relabelled in preorder so that every downline is one
    contiguous range and every rollup is one pass over arrays. Build one with
    :meth:`from_frame`. Results come back indexed by participant id, in the order of the
    frame the network was built from.
    """

    def __init__(self, core: _core.Network, ids: pd.Index, keys: str, has_enrolment: bool = False):
        self._core = core
        self._ids = ids  # the network's own (never the caller's column: see from_frame)
        # The core's ids: "int" (the int64 ids), "str" (the str ids, indexed in C++) or "rows"
        # (labels of other kinds, such as tuples or ints mixed with strings: row numbers).
        self._keys = keys
        # built with enrolment dates (the core cannot tell for an empty network)
        self._has_enrolment = has_enrolment
        # str ids: (each row's place among the ids in ascending order, the row at each
        # place), made once by _customer_codes()
        self._ranks: Optional[tuple[np.ndarray, np.ndarray]] = None
        # the placement tree (a Network over the same ids) and, on that tree, its sides
        self._placement: Optional["Network"] = None
        self._events = None  # events.Events, when built with events
        self._sides: Optional[_core.Sides] = None
        # a network as of a date: the rows of the network it was made from, in its row order
        self._base_rows: Optional[np.ndarray] = None
        # inside _keeping_as_of(): the networks as of each day made so far (else None)
        self._kept: Optional[dict] = None
        # made once when first needed (read-only): each row's parent row, and each
        # position's termination day among the events
        self._parents: Optional[np.ndarray] = None
        self._ended: Optional[np.ndarray] = None
        # as_of: the network with the first events applied (their count, the network) and
        # the last date asked that was built (its count of events, its day; see _applied)
        self._applied_net: Optional[tuple[int, "Network"]] = None
        self._last_asked: Optional[tuple[int, int]] = None

    # ---------------------------------------------------------------- construction
    @classmethod
    def from_frame(cls, df: pd.DataFrame, id: str = "id", sponsor: str = "sponsor_id",
                   enrolled_on: Optional[str] = None, kind: Optional[str] = None,
                   no_sponsor: Any = None, placement: Optional[str] = None,
                   side: Optional[str] = None, events: Optional[pd.DataFrame] = None) -> "Network":
        """Builds the network from a participants DataFrame.

        Parameters
        ----------
        df : DataFrame
            One row per participant.
        id, sponsor : str
            Columns of participant ids and sponsor ids. Ids are integers (int64, both
            limits included, or whole floats such as ``17850.0`` up to 2**53, beyond which
            a float cannot hold them exactly: an error) or any hashable labels such as
            strings. A missing sponsor (NaN, None, empty string) marks a root. Labels are
            compared exactly (``" A"`` is not ``"A"``; unicode is kept as given); an
            unknown sponsor that equals an id once surrounding spaces are stripped is
            pointed out in the error. String ids (object or ``string`` columns of ``str``)
            are indexed in C++; labels of other kinds (tuples, ints mixed with strings)
            through pandas, which is slower.
        enrolled_on : str, optional
            Column of enrolment dates (datetime64, Timestamps or date strings, from
            1900-01-01 to 2200-12-31; numbers are refused); needed for ``as_of``.
        kind : str, optional
            Column of participant kinds (kept as a categorical; see :attr:`kinds`).
        no_sponsor : optional
            A sponsor value that also marks a root (for example ``0`` or ``-1``); in the
            placement column too.
        placement, side : str, optional
            Columns of the placement tree (binary and hybrid plans): each participant's
            placement parent (missing for the tree's roots) and side, ``"L"`` or ``"R"``
            (missing allowed for a root only), at most one participant on each side of a
            parent. Given both, :attr:`placement` is that tree.
        events : DataFrame, optional
            Dated transfers and terminations (see :meth:`as_of`): ``participant_id``,
            ``effective_on`` (a date) and either ``new_sponsor_id`` (a transfer) or
            ``terminated`` true (a termination), one of the two per row. Checked in date
            order against the network as it stands then. Orders (pv > 0) later read
            with this network must not be dated after their participant's termination
            (an InputError names them; refunds may come later).

        Raises
        ------
        InputError
            Duplicate ids, sponsors that are not participants, own sponsors, cycles: the
            message names the ids. The placement tree is checked alike (named "placement
            parent"), and its sides: a side other than L or R, two on one side. Events
            naming unknown participants or sponsors, or contradicting the network (an
            event after the participant's termination or before their enrolment, a
            transfer to a terminated sponsor, to oneself or into one's own downline) are
            named with their row.
        """
        if (placement is None) != (side is None):
            raise InputError("a placement tree needs both columns: placement=... (the placement parent) and side=...")
        ids_col = column(df, id)
        enrolled = None if enrolled_on is None else _days(df, enrolled_on)
        net = cls._tree(ids_col, column(df, sponsor), id, sponsor, enrolled, no_sponsor, "sponsor")
        if kind is not None:
            net._kinds = pd.Categorical(column(df, kind)).copy()  # its own codes, too
        if placement is not None:
            net._placement = net._placement_tree(ids_col, column(df, placement), column(df, side), id, placement,
                                                 side, enrolled, no_sponsor)
        if events is not None:
            net._set_events(events)
        return net

    def _set_events(self, frame: pd.DataFrame) -> None:
        """Reads and checks the events of ``frame`` (see :meth:`from_frame`); every error
        is of kind ``bad_event`` (the command line names the events file with it)."""
        try:
            self._events = self._checked_events(frame)
        except InputError as exc:
            if exc.kind == "bad_event":
                raise
            raise type(exc)(f"events: {exc}", kind="bad_event", ids=exc.ids) from None

    def _checked_events(self, frame: pd.DataFrame) -> Any:
        """The events of ``frame`` in the order they apply, checked (InputError naming the
        first contradiction)."""
        from .events import check, ordered

        if not isinstance(frame, pd.DataFrame):
            raise InputError(f"expected a DataFrame, not {type(frame).__name__}")

        def rows_of(values: pd.Series, full: pd.Series, what: str) -> np.ndarray:  # unknown ids: their rows named
            try:
                return self._rows_of(values, what)
            except UnknownIdError as exc:
                where, _ = at_rows(np.flatnonzero(full.isin(exc.ids).to_numpy()), frame.index)
                raise UnknownIdError(f"{exc} ({where})", ids=exc.ids) from None

        ids = column(frame, "participant_id")
        row = rows_of(ids, ids, "event(s)")
        day = _days(frame, "effective_on")
        transfer = (frame["new_sponsor_id"].notna().to_numpy() if "new_sponsor_id" in frame.columns
                    else np.zeros(len(frame), dtype=bool))
        if "terminated" in frame.columns:
            ended = frame["terminated"]
            if not (pd.api.types.is_bool_dtype(ended.dtype) or ended.isin([True, False, 1, 0]).all()):
                raise InputError("column 'terminated' must hold true or false")
            ended = ended.fillna(False).astype(bool).to_numpy()
        else:
            ended = np.zeros(len(frame), dtype=bool)
        both, neither = transfer & ended, ~transfer & ~ended
        for bad, what in ((both, "both a new sponsor and a termination"), (neither, "neither a new sponsor nor a "
                                                                            "termination")):
            if bad.any():
                where, labels = at_rows(_rows(bad), frame.index)
                raise InputError(f"{what} at {where} (each event is a transfer, new_sponsor_id, or a "
                                 "termination, terminated true)", ids=labels)
        new_parent = np.full(len(frame), -1, dtype=np.int64)
        if transfer.any():
            sponsors = frame["new_sponsor_id"]
            new_parent[transfer] = rows_of(sponsors[transfer], sponsors, "event(s)' new sponsor(s)")
        events = ordered(day.astype(np.int64), row.astype(np.int64), new_parent, frame.index.to_numpy())
        plain = text_only(self._ids)
        check(events, self._parent_rows(), self._enrolment_days(), lambda r: _label(self._ids[r], plain),
              lambda d: str(timestamp(d).date()))
        return events

    def as_of(self, date: Any) -> "Network":
        """The network as it stood on ``date``: the participants enrolled by then (with
        enrolment dates) and not terminated, each under their sponsor on that day. Every
        event dated on or before it applies, in date order: a transferred participant moves
        with their whole downline; a terminated participant leaves the network and their
        recruits move up to the terminated participant's sponsor (the roll-up), or become
        roots. Participants whose sponsor had not enrolled yet are left out with their
        downline, as in :meth:`volumes`. The result has the ids, enrolment dates and kinds
        of its participants; no placement tree and no events.

        Cost (docs/concepts.md): dates before the first event, and dates after the same
        events as the date asked just before (another day), cut the network with those
        events applied (a pass over its arrays and an index of the ids kept, no rebuild);
        any other date is one build from the edited sponsor links (as is every date of a
        network whose ids are neither integers nor strings). The network with the events
        applied is kept once made, until dates after other events replace it: it counts
        in :attr:`memory_bytes`."""
        day = day_number(date, "date")
        if self._kept is not None and day in self._kept:
            return self._kept[day]
        count = self._events.upto(day) if self._events is not None else 0
        applied = self._applied(count, day)
        if applied is not None:
            net = applied._members_as_of(day)
            if applied is not self:  # rows of this network
                net._base_rows = applied._base_rows[net._base_rows]
        else:
            net = self._built_as_of(day, count)
        if self._kept is not None:
            self._kept[day] = net
        return net

    def _applied(self, count: int, day: int) -> Optional["Network"]:
        """The network with its first `count` events applied and every other participant
        in it (enrolled later too), for cutting at dates (see :meth:`as_of`): this network
        for none; made when the date asked just before (another day) had the same events
        (one date alone costs a build either way), then kept until other events replace
        it; None otherwise (build the date's network)."""
        before, self._last_asked = self._last_asked, (count, day)
        if self._keys not in ("int", "str"):  # row-number ids: always built (see _built_as_of)
            return None
        if count == 0:
            return self
        kept = self._applied_net  # read once: another thread may replace it
        if kept is not None and kept[0] == count:
            return kept[1]
        if before is None or before[0] != count or before[1] == day:
            return None
        from .events import applied

        parents, terminated = applied(self._events, self._parent_rows(), count)
        made = self._edited(np.flatnonzero(~terminated), parents, self._enrolment_days())
        self._applied_net = (count, made)
        return made

    def _members_as_of(self, day: int) -> "Network":
        """This network cut to its members as of `day` (enrolled by then, with every
        upline; everyone without enrolment dates): its ``_base_rows`` are this network's
        rows of them."""
        cut, rows = self._core.restricted(self._core.members_as_of(day))
        rows = rows.astype(np.int64)  # as flatnonzero gives them on the build's path
        net = type(self)(cut, self._ids.take(rows), keys=self._keys, has_enrolment=self._has_enrolment)
        net._base_rows = rows
        if self.kinds is not None:
            net._kinds = self.kinds.take(rows)
        return net

    def _built_as_of(self, day: int, count: int) -> "Network":
        """:meth:`as_of` by a build: the first `count` events applied, the members as of
        `day` kept."""
        keep, parents, enrolled = self._members_on(day, count)
        return self._edited(np.flatnonzero(keep), parents, enrolled)

    def _members_on(self, day: int, count: int) -> tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
        """Who is in the network as of `day` with its first `count` events applied (by row:
        enrolled by then, not terminated, every sponsor in too), the sponsor links with
        those events applied, and the enrolment days by row (None: none)."""
        from .events import applied

        parents = self._parent_rows()
        terminated = np.zeros(len(self), dtype=bool)
        if count:
            parents, terminated = applied(self._events, parents, count)
        keep = ~terminated
        enrolled = self._enrolment_days()
        if enrolled is not None:
            keep &= enrolled <= day
        while True:  # left out with an upline that is left out
            orphan = keep & (parents >= 0) & ~keep[np.maximum(parents, 0)]
            if not orphan.any():
                break
            keep &= ~orphan
        return keep, parents, enrolled

    def _absent_on(self, day: int) -> Optional[np.ndarray]:
        """Which rows are not in the network as of `day` (:meth:`as_of`'s participants,
        without building that network); None when everyone is (no enrolment dates and no
        events)."""
        if self._events is not None:
            return ~self._members_on(day, self._events.upto(day))[0]
        if not self._has_enrolment:
            return None
        return ~self._core.members_as_of(day)[self._core.position_of_row].view(bool)

    def _edited(self, rows: np.ndarray, parents: np.ndarray, enrolled: Optional[np.ndarray]) -> "Network":
        """The network of this network's `rows` (in row order) under the sponsor links
        `parents` (this network's rows, -1 for a root; each kept row's sponsor kept), with
        their ids, enrolment days (`enrolled`, by row; None: none) and kinds; its
        ``_base_rows`` are `rows`."""
        ids = self._ids.take(rows)
        if self._keys == "int":  # checked ids: straight to the core
            values = ids.to_numpy()
            up = parents[rows]
            has = up >= 0
            sponsors = np.where(has, self._ids.to_numpy()[np.maximum(up, 0)], 0) if len(rows) else values
            days = None if enrolled is None else np.ascontiguousarray(enrolled[rows])
            core = _core.Network(np.ascontiguousarray(values, dtype=np.int64),
                                 np.ascontiguousarray(sponsors, dtype=np.int64), has.astype(np.uint8), days)
            net = type(self)(core, ids, keys="int", has_enrolment=enrolled is not None)
        else:
            frame = pd.DataFrame({"id": ids.to_numpy(), "sponsor": self._ids_at(parents[rows])}, copy=False)
            if enrolled is not None:
                frame["enrolled_on"] = dates_of_days(enrolled[rows])
            net = type(self).from_frame(frame, id="id", sponsor="sponsor",
                                        enrolled_on=None if enrolled is None else "enrolled_on")
        net._ids = ids
        net._base_rows = rows
        if self.kinds is not None:
            net._kinds = self.kinds.take(rows)
        return net

    @contextlib.contextmanager
    def _keeping_as_of(self) -> Iterator[None]:
        """Inside, :meth:`as_of` makes the network of each day once (for a call that needs
        it in several steps); outside, nothing is kept."""
        outer = self._kept is not None
        if not outer:
            self._kept = {}
        try:
            yield
        finally:
            if not outer:
                self._kept = None

    @property
    def events(self) -> Optional[pd.DataFrame]:
        """The events in the order they apply (None without events): ``participant_id``,
        ``effective_on``, ``new_sponsor_id`` (missing for a termination) and
        ``terminated``, indexed by their rows' labels in the frame given."""
        if self._events is None:
            return None
        e = self._events
        new = self._ids_at(e.new_parent)
        return pd.DataFrame({"participant_id": self._ids.take(e.row).to_numpy(), "effective_on": dates_of_days(e.day),
                             "new_sponsor_id": new, "terminated": e.new_parent < 0},
                            index=pd.Index(e.label, name=None))

    def _parent_rows(self) -> np.ndarray:
        """Each participant's sponsor (parent) row, -1 for a root (input row order); made
        once (read-only)."""
        if self._parents is None:
            core = self._core
            if not len(self):
                parents = np.empty(0, dtype=np.int64)
            else:
                parent = core.parents[core.position_of_row].astype(np.int64)
                parents = np.where(parent >= 0, core.row_of_position[np.maximum(parent, 0)], -1).astype(np.int64)
            parents.setflags(write=False)
            self._parents = parents
        return self._parents

    def _ids_at(self, rows: np.ndarray) -> Any:
        """The ids at these rows, missing where a row is -1: Int64 for int64 ids, else
        objects."""
        has = rows >= 0
        ids = self._ids.to_numpy()
        at = ids[np.where(has, rows, 0)] if len(ids) else ids[:0]
        if ids.dtype == np.int64:
            return pd.arrays.IntegerArray(np.asarray(at, dtype=np.int64), ~has)
        return np.where(has, at, None).astype(object)

    def _rows_of(self, values: Any, what: str) -> np.ndarray:
        """The rows of the ids in `values` (a Series or Index; repeats allowed); unknown ids
        are an UnknownIdError naming them."""
        index = pd.Index(values)
        if self._keys == "str" and _text_column(index):
            rows = self._core.find_rows(index.to_numpy(dtype=object))  # C++ index; not a str: -1
        elif self._keys == "int" and pd.api.types.is_integer_dtype(index.dtype) and not index.hasnans:
            keys, _ = id_array(pd.Series(index, copy=False), what)  # nullable integers too; no wrap-round
            rows = self._core.find_rows(keys)
        else:
            rows = self._ids.get_indexer(index)
        bad = rows < 0
        if bad.any():
            ids = list(pd.unique(index[bad]))
            raise UnknownIdError(f"{len(ids)} {what} for ids not in the network: "
                                 f"{_show(ids, plain_numbers=text_only(self._ids))}{_space_hint(ids, self._ids)}",
                                 ids=ids)
        return np.asarray(rows, dtype=np.int64)

    @classmethod
    def _tree(cls, ids_col: pd.Series, sp_col: pd.Series, id: str, sponsor: str, enrolled: Optional[np.ndarray],
              no_sponsor: Any, parent: str) -> "Network":
        """The tree of the ids and their parents (the sponsors, or the placement parents:
        `parent` names them in errors)."""
        for col, name in ((ids_col, id), (sp_col, sponsor)):
            refuse_bools(col, name)
        n = len(ids_col)
        numeric = (pd.api.types.is_integer_dtype(ids_col.dtype) or pd.api.types.is_float_dtype(ids_col.dtype))
        chosen = None  # roots chosen by value
        if no_sponsor is not None:
            if not pd.api.types.is_scalar(no_sponsor) or isinstance(no_sponsor, (bool, np.bool_)):
                # True would match the sponsor id 1 (True == 1)
                raise InputError(f"no_sponsor must be one id value (such as 0 or -1), not {no_sponsor!r}")
            # a nullable column compares to <NA> where a sponsor is missing: not a match
            chosen = (sp_col == no_sponsor).to_numpy(dtype=bool, na_value=False)
        net = None
        if not numeric:
            net = cls._from_strings(ids_col, sp_col, chosen, id, sponsor, enrolled, parent)
        sp_missing = None if net is not None else sp_col.isna().to_numpy()
        if chosen is not None and sp_missing is not None:
            sp_missing = sp_missing | chosen
        if net is not None:
            pass
        elif numeric and (pd.api.types.is_integer_dtype(sp_col.dtype) or pd.api.types.is_float_dtype(sp_col.dtype)
                          or sp_missing.all()):
            ids, _ = id_array(ids_col, id)
            if sp_missing.all():
                sponsors = np.zeros(n, dtype=np.int64)
            else:
                sponsors, _ = id_array(sp_col.where(~sp_missing) if no_sponsor is not None else sp_col,
                                       sponsor, allow_missing=True)
            # always the mask: the core's sentinel for "no sponsor" is a valid id (INT64_MIN)
            has = (~sp_missing).astype(np.uint8)
            core = _core.Network(ids, sponsors, has, enrolled, parent=parent)
            # the network's own ids: the caller's column may change after the build
            net = cls(core, pd.Index(owned(ids, ids_col), name=id), keys="int")
        else:
            net = cls._from_labels(ids_col, sp_col, sp_missing, id, sponsor, enrolled, parent)
        net._has_enrolment = enrolled is not None
        return net

    def _placement_tree(self, ids_col: pd.Series, parent_col: pd.Series, side_col: pd.Series, id: str,
                        placement: str, side: str, enrolled: Optional[np.ndarray], no_sponsor: Any) -> "Network":
        """The placement tree over this network's participants, with its sides."""
        tree = type(self)._tree(ids_col, parent_col, id, placement, enrolled, no_sponsor, "placement parent")
        tree._ids = self._ids  # the same participants, in the same rows
        tree._kinds = getattr(self, "_kinds", None)
        tree._owner = self  # pickled as its network's placement tree
        missing = side_col.isna().to_numpy()
        values = side_col.to_numpy(dtype=object)
        is_left, is_right = values == "L", values == "R"
        bad = ~(is_left | is_right | missing)
        if bad.any():
            rows = np.flatnonzero(bad)
            shown = ", ".join(f"{_label(self._ids[r], text_only(self._ids))} ({values[r]!r})" for r in rows[:10])
            more = f", ... ({len(rows) - 10} more)" if len(rows) > 10 else ""
            raise InputError(f"{len(rows)} participant(s) have a side other than 'L' or 'R' in column {side!r}: "
                             f"{shown}{more}", ids=[self._ids[r] for r in rows])
        codes = np.where(is_left, ord("L"), np.where(is_right, ord("R"), 0)).astype(np.uint8)
        try:
            tree._sides = _core.Sides(tree._core, codes)
            tree._side_codes = codes  # for a pickle
        except InputError as exc:
            if tree._keys == "int":
                raise InputError(f"{exc} (column {side!r})", kind=exc.kind, ids=exc.ids) from None
            labels = [self._ids[int(r)] for r in exc.ids]  # the core names rows
            if tree._keys == "str":  # the message quotes the ids
                raise InputError(f"{exc} (column {side!r})", kind=exc.kind, ids=labels) from None
            what = str(exc).split(":")[0]
            raise InputError(f"{what}: {_show(labels, plain_numbers=text_only(self._ids))} (column {side!r})",
                             kind=exc.kind, ids=labels) from None
        return tree

    @classmethod
    def _from_strings(cls, ids_col, sp_col, chosen, id_name, sponsor_name, enrolled,
                      parent: str = "sponsor") -> Optional["Network"]:
        """str ids (and sponsors: str or missing) indexed in C++; None when some are labels of
        other kinds (then _from_labels). A missing or empty sponsor, or one `chosen`, marks a
        root."""
        ids = ids_col.to_numpy(dtype=object)  # an object column as it is, no copy
        sponsors = sp_col.to_numpy(dtype=object)
        has = None if chosen is None else (~chosen).astype(np.uint8)
        try:
            core = _core.Network.from_strings(ids, sponsors, has, enrolled, id_name, sponsor_name, parent)
        except _core.NotStrings:
            return None
        except InputError as exc:  # the core names rows: the message names the labels
            if exc.kind in ("duplicate_id", "own_sponsor", "unknown_sponsor", "cycle"):
                index = pd.Index(ids, dtype=object, name=id_name)
                raise _network_error(exc.kind, sorted(exc.ids) if exc.kind == "duplicate_id" else exc.ids,
                                     index, sponsors, str(exc), parent) from None
            raise
        # the network's own ids: the caller's column may change after the build
        return cls(core, pd.Index(owned(ids, ids_col), dtype=object, name=id_name, copy=False), keys="str")

    @classmethod
    def _from_labels(cls, ids_col, sp_col, sp_missing, id_name, sponsor_name, enrolled,
                     parent: str = "sponsor") -> "Network":
        """Any hashable ids (tuples, ints mixed with strings...): the core gets row numbers as
        ids; the labels are matched by pandas."""
        n = len(ids_col)
        missing = ids_col.isna().to_numpy()
        if missing.any():
            where, bad = at_rows(_rows(missing), ids_col.index)
            raise InputError(f"column {id_name!r} has missing ids at {where}", ids=bad)
        index = pd.Index(owned(ids_col.to_numpy(), ids_col), name=id_name)  # the caller's may change
        sp_values = sp_col.to_numpy()
        repeated = index.duplicated(keep=False)
        if repeated.any():  # named by the first row of each id that appears again
            first = repeated & ~index.duplicated(keep="first")
            raise _network_error("duplicate_id", np.flatnonzero(first), index, sp_values)
        if isinstance(sp_col.dtype, pd.StringDtype) or sp_col.dtype == object:
            sp_missing = sp_missing | (sp_col.astype(object) == "").to_numpy()
        present = ~sp_missing
        sponsors = np.zeros(n, dtype=np.int64)
        codes = index.get_indexer(sp_values[present])
        sponsors[present] = codes
        rows = np.arange(n, dtype=np.int64)
        own = present.copy()
        own[present] = codes == rows[present]
        if own.any():
            raise _network_error("own_sponsor", np.flatnonzero(own), index, sp_values, parent=parent)
        unknown = np.flatnonzero(present)[codes < 0]
        if len(unknown):
            raise _network_error("unknown_sponsor", unknown, index, sp_values, parent=parent)
        try:
            core = _core.Network(rows, sponsors, present.astype(np.uint8), enrolled, parent=parent)
        except InputError as exc:  # name the labels, not the row numbers
            if exc.kind == "cycle":
                raise _network_error("cycle", exc.ids, index, sp_values, str(exc), parent) from None
            raise InputError(str(exc), kind=exc.kind, ids=[index[int(r)] for r in exc.ids]) from None
        return cls(core, index, keys="rows")

    def _customer_codes(self, rows: np.ndarray, name: str) -> tuple[np.ndarray, pd.Index]:
        """For str ids: int64 codes of the participants at ``rows`` among the distinct ones,
        in ascending id order (as :func:`downline.ids.factorize_ids` numbers them), and
        those ids named ``name``; the ids are sorted once per network."""
        if self._ranks is None:
            rank, first = _core.factorize(self._ids.to_numpy(dtype=object), True, str(self._ids.name))
            self._ranks = (rank, first)
        rank, first = self._ranks
        r = rank[rows]
        present = np.bincount(r, minlength=len(self)) > 0
        code_of = np.cumsum(present, dtype=np.int64) - 1
        return code_of[r], pd.Index(self._ids.to_numpy(dtype=object)[first[present]], dtype=object, name=name)

    # ---------------------------------------------------------------- basics
    def __len__(self) -> int:
        return len(self._ids)

    # A network pickles as the inputs of a rebuild (ids, sponsor ids, enrolment days,
    # kinds), rebuilt by from_frame. Copies share the core and the ids, which nothing
    # changes; a deep copy has kinds of its own.
    def __reduce__(self) -> tuple:
        if self._sides is not None:  # a placement tree: its network's, rebuilt with it
            return (getattr, (self._owner, "placement"))
        enrolled = self._enrolment_days() if self._has_enrolment else None
        placement = None
        if self._placement is not None:
            codes = self._placement._side_codes
            sides = np.where(codes == ord("L"), "L", np.where(codes == ord("R"), "R", None)).astype(object)
            placement = (self._placement._parent_ids(), sides)
        return (_rebuild_network, (type(self), self._ids, self._parent_ids(), enrolled, self.kinds, placement,
                                   self.events))

    def _parent_ids(self) -> Any:
        """Each participant's parent id (sponsor, or placement parent in a placement tree),
        missing for a root: an Int64 array for int64 ids, else objects."""
        return self._ids_at(self._parent_rows())

    def __copy__(self) -> "Network":
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        return new

    def __deepcopy__(self, memo: dict) -> "Network":
        new = self.__copy__()
        if self.kinds is not None:
            new._kinds = self.kinds.copy()
        memo[id(self)] = new
        return new

    @property
    def ids(self) -> pd.Index:
        """Participant ids in the order of the input frame."""
        return self._ids

    @property
    def kinds(self) -> Optional[pd.Categorical]:
        """Participant kinds (input order) when built with ``kind=``."""
        return getattr(self, "_kinds", None)

    @property
    def placement(self) -> "Network":
        """The placement tree (built with ``placement=`` and ``side=``): a Network over the
        same participants, in the same order, on which every rollup and query works
        (``volumes``, ``rollup``, ``downline``, ``upline``, ``frontline``, ``legs``);
        its :meth:`volumes` add the columns ``left`` and ``right``."""
        if self._placement is None:
            if self._sides is not None:
                raise InputError("this network is a placement tree: it has no placement tree of its own")
            raise InputError("this network has no placement tree: build it with "
                             "Network.from_frame(..., placement='placement_id', side='side')")
        return self._placement

    @property
    def is_placement(self) -> bool:
        """Whether this is a placement tree (with sides: see :attr:`placement`)."""
        return self._sides is not None

    @property
    def depth(self) -> pd.Series:
        """Depth of every participant (a root has depth 0)."""
        return pd.Series(self._core.depths[self._core.position_of_row], index=self._ids, name="depth")

    @property
    def memory_bytes(self) -> int:
        """Bytes held by the compiled network, with the network of its events applied that
        :meth:`as_of` keeps once two dates in a row fall after the same events."""
        kept = self._applied_net
        return self._core.memory_bytes + (kept[1]._core.memory_bytes if kept is not None else 0)

    def __repr__(self) -> str:
        roots = int((self._core.parents < 0).sum())
        depth = int(self._core.depths.max()) if len(self) else 0
        n = len(self)
        return (f"<downline.Network: {n:,} participant{'s' * (n != 1)}, {roots:,} root{'s' * (roots != 1)}, "
                f"max depth {depth}>")

    def _repr_html_(self) -> str:
        depths = pd.Series(self._core.depths).value_counts().sort_index()
        levels = pd.DataFrame({"participants": depths.to_numpy()}, index=pd.Index(depths.index, name="depth"))
        return summary_html(repr(self), levels.T, max_rows=2)

    def _row(self, id: Hashable) -> int:
        if self._keys == "str":
            key = np.empty(1, dtype=object)
            key[0] = id
            row = int(self._core.find_rows(key)[0])  # not a str: not found
            if row < 0:
                raise UnknownIdError(f"participant {_label(id, text_only(self._ids))} is not in the network"
                                     f"{_space_hint([id], self._ids)}", ids=[id])
            return row
        if self._keys == "rows":
            try:
                loc = self._ids.get_loc(id)
            except (KeyError, TypeError, pd.errors.InvalidIndexError):
                loc = None
            if not isinstance(loc, (int, np.integer)):
                raise UnknownIdError(f"participant {_label(id, text_only(self._ids))} is not in the network"
                                     f"{_space_hint([id], self._ids)}", ids=[id])
            return int(loc)
        key = scalar_key(id)  # exactly a participant's id: 2.0 is 2; 2.5, "2" and True are no int id
        row = -1 if key is None else int(self._core.find_rows(np.array([key], dtype=np.int64))[0])
        if row < 0:
            raise UnknownIdError(f"participant {_label(id)} is not in the network", ids=[id])
        return row

    # ---------------------------------------------------------------- structure
    def downline(self, id: Hashable) -> pd.Index:
        """Ids of every descendant of ``id`` (``id`` excluded), in preorder."""
        return self._ids[self._core.downline_rows(self._row(id))]

    def upline(self, id: Hashable) -> pd.Index:
        """Ids of every ancestor of ``id``: sponsor first, root last."""
        return self._ids[self._core.upline_rows(self._row(id))]

    def frontline(self, id: Hashable) -> pd.Index:
        """Ids of the direct recruits of ``id``."""
        return self._ids[self._core.frontline_rows(self._row(id))]

    def legs(self, id: Hashable, orders: Any = None, as_of: Any = None, **volume_args) -> pd.DataFrame:
        """One row per leg of ``id`` (indexed by the frontline recruit who roots it):
        ``size`` (participants in the leg) and, when ``orders`` are given, ``volume`` (the
        leg's GV, with the same keyword arguments as :meth:`volumes`) and ``power`` (True
        for the power leg). With ``as_of``, the legs as of that date, as
        ``volumes(as_of=...)`` sees the network: participants enrolled after it are left
        out with their downline (a leg whose root enrolled later is not listed; sizes count
        those enrolled by then), the network's events up to it applied (:meth:`as_of`),
        and ``id`` must be in the network by then."""
        unknown_args = sorted(set(volume_args) - _LEG_VOLUME_ARGS)
        if unknown_args:
            raise InputError(f"legs: unknown argument(s) {', '.join(unknown_args)} (the volumes arguments legs "
                             f"takes: {', '.join(sorted(_LEG_VOLUME_ARGS))})")
        self._row(id)  # an unknown id is named before any volume is computed
        vol = None
        if as_of is not None and self._events is not None:  # the legs of the network as it stood
            with self._keeping_as_of():
                if orders is not None:
                    vol = self.volumes(orders, as_of=as_of, **volume_args)
                then = self.as_of(as_of)
            if then._ids.get_indexer([id])[0] < 0:
                raise InputError(f"legs: participant {_label(id)} is not in the network as of {as_of} (enrolled "
                                 "later, terminated, or below someone who was)", ids=[id])
            return then._legs_table(id, vol, None, with_volume=orders is not None)
        if as_of is not None:
            vol = self.volumes(orders if orders is not None else self._no_orders(), as_of=as_of, **volume_args)
        elif orders is not None:
            vol = self.volumes(orders, **volume_args)
        return self._legs_table(id, vol, as_of, with_volume=orders is not None)

    def _legs_table(self, id: Hashable, vol: Optional[pd.DataFrame], as_of: Any, with_volume: bool) -> pd.DataFrame:
        """:meth:`legs` from ``vol``, the volumes table it computes (as of ``as_of`` when
        that is given; None with neither orders nor ``as_of``), so that a caller holding
        that table (the report) does not compute it again."""
        rows = self._core.frontline_rows(self._row(id))
        if as_of is not None:
            where = vol.index.get_indexer(self._ids[[self._row(id)]])
            if where[0] < 0:
                raise InputError(f"legs: participant {_label(id)} is not in the network as of {as_of} (enrolled "
                                 "later, or below someone who did)", ids=[id])
            at = vol.index.get_indexer(self._ids[rows])
            rows, at = rows[at >= 0], at[at >= 0]
            size = vol["downline"].to_numpy()[at] + 1
        else:
            size = np.array([self._core.subtree_size(int(r)) for r in rows], dtype=np.int64)
        out = pd.DataFrame({"size": np.asarray(size, dtype=np.int64)}, index=self._ids[rows])
        out.index.name = "leg"
        if with_volume:
            if vol.index is self._ids:  # every participant, in row order: no lookup
                out["volume"] = vol["gv"].to_numpy()[rows]
            else:
                out["volume"] = vol["gv"].reindex(out.index).fillna(0.0).to_numpy()
            out["power"] = False
            if len(out):
                out.iloc[int(np.argmax(out["volume"].to_numpy())), out.columns.get_loc("power")] = True
        return out

    def _no_orders(self) -> "Activity":
        """An Activity without orders (for the network as of a date without volumes)."""
        none = np.empty(0, dtype=np.int64)
        return Activity(self, _core.Activity(self._core, none, none, 1, np.empty(0)), none, [])

    def _organisation_levels(self, id: Hashable, levels: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The first ``levels`` levels of the organisation of ``id`` in preorder: (input
        rows, each one's sponsor as an index into them or -1 for ``id``, level below ``id``)."""
        levels = whole_number(levels, "plot_organisation: levels", 1)
        core = self._core
        p = int(core.position_of_row[self._row(id)])
        pos = np.arange(p, int(core.ends[p]))
        rel = core.depths[pos] - core.depths[p]
        pos, rel = pos[rel < levels], rel[rel < levels]
        # a sponsor's index among the kept positions (ascending, and the sponsor is kept)
        parents = np.where(rel > 0, np.searchsorted(pos, core.parents[pos]), -1)
        return core.row_of_position[pos], parents, rel

    # ---------------------------------------------------------------- orders
    def activity(self, orders: pd.DataFrame, participant: str = "participant_id", date: str = "ordered_on",
                 pv: str = "pv", unknown: str = "raise", values: Sequence[str] = (),
                 _window: tuple = (_DAY_MIN, _DAY_MAX)) -> Activity:
        """Maps orders onto the network once, for any number of :meth:`volumes` calls.

        ``values`` names other numeric columns kept with each order, such as
        ``["cv", "amount"]`` for a compensation plan (:meth:`CompensationPlan.evaluate`) or
        the amounts of :func:`rfm`; they are checked as ``pv`` is (NaN or infinite: an error
        naming the rows) and cost 8 bytes an order each.

        ``unknown="raise"`` (the default) rejects orders of participants who are not in the
        network with an :class:`UnknownIdError` naming them; ``unknown="drop"`` drops them,
        warns with a :class:`DroppedRowsWarning` that says how many and which, and records
        them in :attr:`Activity.dropped_rows` / :attr:`Activity.dropped_ids`. Text ids given
        for a network of integer ids are unknown participants like any other. Missing,
        unparsable or out-of-range dates (before 1900-01-01, after 2200-12-31) and NaN or
        infinite pv are errors naming the rows, whatever ``unknown`` says; negative pv
        (refunds) are valid and reduce the volumes.
        """
        choice(unknown, "unknown", ("raise", "drop"))
        pid_col = column(orders, participant)
        ticks, per_day = date_ticks(column(orders, date), date)
        volumes = float_column(orders, pv)
        extra = _value_columns(orders, values)
        dropped_rows = np.empty(0, dtype=np.int64)
        dropped_ids: list = []
        core = None
        if self._keys == "str" and _text_column(pid_col):
            # str ids looked up in C++ (unknown ones dropped there, reported here); labels of
            # other kinds among them: the pandas path below
            pid_values = pid_col.to_numpy(dtype=object)
            try:
                core = _core.Activity(self._core, pid_values, ticks, per_day, volumes, True, *_window,
                                      name=participant, values=extra, date_name=date, pv_name=pv)
            except _core.NotStrings:
                core = None
            except InputError as exc:  # bad dates or volumes: rows named by the frame's labels
                raise relabelled(exc, orders.index) from None
            if core is not None and core.dropped_rows:
                dropped_rows = np.asarray(core.dropped_rows, dtype=np.int64)
                dropped_ids = [pid_values[r] for r in sorted(core.dropped_ids)]  # in order of appearance
                self._unknown(len(dropped_rows), dropped_ids, unknown, self._ids)
        if core is not None:
            pass
        elif self._keys != "int" or not (pd.api.types.is_integer_dtype(pid_col.dtype)
                                         or pd.api.types.is_float_dtype(pid_col.dtype)):
            # Labels (strings...), also labels given for a network of integer ids: looked up
            # here; labels that are not the network's are unknown participants.
            labels, _ = id_array(pid_col, participant)  # names missing ids (and refuses bools)
            rows = self._ids.get_indexer(labels)
            bad = rows < 0
            if bad.any():
                dropped_rows = np.flatnonzero(bad)
                dropped_ids = list(pd.unique(labels[bad]))
                self._unknown(len(dropped_rows), dropped_ids, unknown, self._ids)
            # The core's ids (row numbers for labels); unknown rows get an id that is no
            # participant's and the core drops them, so that rows keep their numbers in its
            # messages about dates and volumes.
            if self._keys != "int":
                keys = rows.astype(np.int64)  # -1 where unknown: never a row number
            else:
                keys = np.ascontiguousarray(self._ids.to_numpy()[np.maximum(rows, 0)], dtype=np.int64)
                if bad.any():
                    keys[bad] = self._absent_id()
            core = self._map(orders, keys, ticks, per_day, volumes, extra, bool(bad.any()), _window, (date, pv))
        else:
            pids, _ = id_array(pid_col, participant)  # names missing ids
            core = self._map(orders, pids, ticks, per_day, volumes, extra, unknown == "drop", _window, (date, pv))
            if core.dropped_rows:
                dropped_rows = np.asarray(core.dropped_rows, dtype=np.int64)
                dropped_ids = list(core.dropped_ids)
                self._unknown(len(dropped_rows), dropped_ids, unknown, self._ids)
        self._refuse_after_termination(core, pid_col, ticks, per_day, volumes, date)
        return Activity(self, core, dropped_rows, dropped_ids)

    def _refuse_after_termination(self, core: _core.Activity, pid_col: pd.Series, ticks: np.ndarray, per_day: int,
                                  volumes: np.ndarray, date: str) -> None:
        """InputError naming the orders (rows of the frame with pv > 0; refunds may come
        later) mapped into `core` that are dated after their participant's termination
        among the events; the mapped orders are compared first (one pass), the frame only
        to name them."""
        last = self._termination_days()
        if last is None or not ((core.days > last[core.nodes]) & (core.volumes > 0)).any():
            return
        raise self._after_termination(pid_col, np.floor_divide(ticks, per_day), volumes > 0, date)

    def _termination_days(self) -> Optional[np.ndarray]:
        """Each participant's termination day among the events, by preorder position (the
        int32 maximum where never), None without terminations; made once (read-only)."""
        from .events import terminations

        if self._ended is None and self._events is not None:
            rows, until = terminations(self._events)
            if len(rows):
                ended = np.full(len(self), np.iinfo(np.int32).max, dtype=np.int32)
                ended[self._core.position_of_row[rows]] = until
                ended.setflags(write=False)
                self._ended = ended
        return self._ended

    def _terminated_upto(self, day: int, last: np.ndarray, orders: Any, participant: str, date: str,
                         amount: Optional[str]) -> np.ndarray:
        """The rows of the participants terminated on or before `day` by the events (empty
        without), after checking `last` (each row's last activity day up to `day`, any
        number below the enrolment where none): an activity after its participant's
        termination is an error naming the rows of `orders` (activity: amount > 0 where
        the orders have the money column `amount`, else every row)."""
        from .events import terminations

        if self._events is None:
            return np.empty(0, dtype=np.int64)
        rows, until = terminations(self._events, self._events.upto(day))
        late = last[rows] > until
        if late.any():
            if not isinstance(orders, pd.DataFrame):  # an Activity (of another network): its participants named
                plain = text_only(self._ids)
                notes = [f"{_label(self._ids[r], plain)} (last on {timestamp(int(last[r])).date()}, terminated on "
                         f"{timestamp(int(u)).date()})" for r, u in zip(rows[late][:SHOWN], until[late][:SHOWN])]
                more = f" and {int(late.sum()) - SHOWN} more" if late.sum() > SHOWN else ""
                raise InputError(f"{int(late.sum())} participant(s) with activity dated after their termination: "
                                 f"{', '.join(notes)}{more}", kind="after_termination")
            ticks, per_day = date_ticks(column(orders, date), date)
            money = money_column(orders, amount)
            counted = None if money is None else column(orders, money).to_numpy(dtype=np.float64, na_value=np.nan) > 0
            raise self._after_termination(column(orders, participant), np.floor_divide(ticks, per_day), counted, date)
        return rows

    def _after_termination(self, pid_col: pd.Series, day: np.ndarray, counted: Optional[np.ndarray],
                           date: str) -> InputError:
        """The InputError (kind ``after_termination``, ids: row positions) naming the rows
        of an orders frame (its participant column `pid_col`, each row's `day`) dated after
        their participant's termination, of the rows `counted` (None: every row)."""
        from .events import terminations

        rows, until = terminations(self._events)
        at = self._ids.take(rows).get_indexer(pid_col)  # each terminated once
        late = (at >= 0) & (day > until[np.maximum(at, 0)])
        bad = np.flatnonzero(late if counted is None else late & counted)
        plain = text_only(self._ids)
        notes = [f"{_label(pid_col.iloc[r], plain)} ordered on {timestamp(int(day[r])).date()}, "
                 f"terminated on {timestamp(int(until[at[r]])).date()}" for r in bad[:SHOWN]]
        where, positions = at_rows(bad, pid_col.index, notes)
        return InputError(f"{len(bad)} order(s) dated after their participant's termination (column {date!r}): "
                          f"{where}", kind="after_termination", ids=positions)

    def _map(self, orders: pd.DataFrame, keys: np.ndarray, ticks: np.ndarray, per_day: int, volumes: np.ndarray,
             extra: list, drop: bool, window: tuple, names: tuple) -> _core.Activity:
        """The core's Activity of checked columns; the rows its errors name (bad dates and pv)
        by the frame's index labels where it has its own index, the columns by ``names``
        (date, pv)."""
        try:
            return _core.Activity(self._core, keys, ticks, per_day, volumes, drop, *window, values=extra,
                                  date_name=names[0], pv_name=names[1])
        except InputError as exc:
            raise relabelled(exc, orders.index) from None

    def _absent_id(self) -> int:
        """An int64 that is no participant's id."""
        cand = np.array([_INT64_MIN, _INT64_MAX, -1], dtype=np.int64)
        free = cand[self._core.find_rows(cand) < 0]
        if len(free):
            return int(free[0])
        ids = np.unique(self._core.ids_preorder)  # INT64_MIN and INT64_MAX are ids: a gap
        return int(ids[int(np.flatnonzero(np.diff(ids) > 1)[0])]) + 1

    @staticmethod
    def _unknown(n_rows: int, ids: list, policy: str, known: pd.Index) -> None:
        msg = (f"{n_rows} order(s) of {len(ids)} participant(s) not in the network: "
               f"{_show(ids, plain_numbers=text_only(known))}")
        msg += _space_hint(ids, known)
        if policy == "raise":
            raise UnknownIdError(msg, ids=ids)
        warnings.warn("dropped " + msg, DroppedRowsWarning, stacklevel=4)

    # ---------------------------------------------------------------- rollups
    def volumes(self, orders: Any, start: Any = None, end: Any = None, as_of: Any = None, levels: int = 3,
                participant: str = "participant_id", date: str = "ordered_on", pv: str = "pv",
                min_pv: Optional[float] = None, unknown: str = "raise",
                columns: Optional[Sequence[str]] = None) -> pd.DataFrame:
        """Volumes of every participant's downline, in one pass over arrays.

        Parameters
        ----------
        orders : DataFrame or Activity
            Orders (one row each) or an :class:`Activity` already mapped to this network.
        start, end : date-like, optional
            The period [start, end): orders on or after ``start`` and before ``end``
            (``start`` after ``end`` is an error). Dates are strings, datetime.date,
            pd.Timestamp or np.datetime64; numbers such as 20240131 are refused.
        as_of : date-like, optional
            Snapshot date (inclusive): orders after it are ignored, and participants
            enrolled after it are left out (rows and counts), together with their downline.
        levels : int
            Level volumes ``level_1 .. level_K`` for K = ``levels``. Levels above the
            network's height are zeros that cost nothing (one shared read-only array); at
            most 1,048,576 columns and 2**32 values up to the height.
        min_pv : float, optional
            Active when the period PV is at least ``min_pv`` (a finite number); by default
            active means any order with pv > 0 in the period.
        unknown : {"raise", "drop"}
            Orders of participants not in the network: see :meth:`activity`. Given a
            DataFrame, ``volumes`` keeps only the orders inside the period (and up to
            ``as_of``) but checks every row: its date, its pv and its participant, so that an
            unknown participant is an error (or dropped) whatever the period. Use
            :meth:`activity` to map (and check) every order once for many periods.
        columns : list of str, optional
            Only these columns, in this order (default: all of them). ``["pv", "gv"]``
            (or either alone) without ``as_of`` skips the rest of the table: one pass over
            the period's orders and one over the network.

        Returns
        -------
        DataFrame indexed by participant id with columns ``pv, gv, level_1 .. level_K,
        power_leg, lesser_legs, downline, active_downline, frontline, depth, height``; on a
        placement tree (:attr:`placement`) also ``left`` and ``right``, the GV of the
        participant's left and right recruit (0 without one).
        """
        levels = whole_number(levels, "levels", 0, None)
        columns = self._volume_columns(levels, columns)
        rows, cols = self._volume_rows(orders, start, end, as_of, levels, participant, date, pv, min_pv, unknown,
                                       columns)
        index = self._ids if rows is None else self._ids[rows]
        # no consolidation copy; columns in the order asked for
        return pd.DataFrame(cols, index=index, columns=columns, copy=False)

    def _volume_rows(self, orders: Any, start: Any, end: Any, as_of: Any, levels: int, participant: str, date: str,
                     pv: str, min_pv: Optional[float], unknown: str, columns: list) -> tuple:
        """volumes' arguments checked and its table made: (the input rows of the table,
        None for every row; {column: array})."""
        act, lo, hi, snap = self._period_orders(orders, start, end, as_of, participant, date, pv, unknown)
        min_pv = None if min_pv is None else real_number(min_pv, "min_pv")
        if snap is not None and not self._has_enrolment:
            raise InputError("as_of needs enrolment dates: build the network with enrolled_on=...")
        if snap is not None and not len(self):  # no enrolment days for the core to see: nobody to leave out
            snap, hi = None, max(lo, min(hi, snap + 1))
        return self._table_as_of(act, lo, hi, snap, levels, min_pv, columns)

    def _period_orders(self, orders: Any, start: Any, end: Any, as_of: Any, participant: str, date: str, pv: str,
                       unknown: str) -> tuple:
        """The period [start, end) and the date as_of checked, and the orders mapped: (the
        Activity, lo, hi, as_of as a day or None). Of a DataFrame only the orders inside the
        period (up to as_of) are kept; every row's date, pv and participant are checked."""
        lo = day_number(start, "start") if start is not None else _DAY_MIN
        hi = day_number(end, "end") if end is not None else _DAY_MAX
        if lo > hi:
            raise InputError(f"start ({start}) is after end ({end}): the period [start, end) must not run backwards")
        snap = day_number(as_of, "as_of") if as_of is not None else None
        last = hi if snap is None else min(hi, snap + 1)
        return self._orders_of(orders, (lo, max(lo, last)), participant, date, pv, unknown), lo, hi, snap

    def _as_it_stood(self, day: int, act: "Activity") -> tuple["Network", "Activity"]:
        """The network as of `day` (:meth:`as_of`) and these orders of this network moved
        onto it (those of participants not in it left out); its ``_base_rows`` are this
        network's rows of its participants."""
        then = self.as_of(timestamp(day))
        return then, act._onto(then)

    def _table_as_of(self, act: "Activity", lo: int, hi: int, snap: Optional[int], levels: int,
                     min_pv: Optional[float], columns: list) -> tuple:
        """_volume_table on the network as of `snap`: with events, on :meth:`as_of`'s
        network (the orders of participants not in it do not count), its rows given as
        this network's rows."""
        if self._events is None or snap is None:
            return self._volume_table(act, lo, hi, snap, levels, min_pv, columns)
        then, moved = self._as_it_stood(snap, act)
        rows, cols = then._volume_table(moved, lo, hi, snap, levels, min_pv, columns)
        mine = then._base_rows
        return (mine if rows is None else mine[rows]), cols

    def structure(self, orders: Any, start: Any = None, end: Any = None, as_of: Any = None, levels: int = 3,
                  participant: str = "participant_id", date: str = "ordered_on", pv: str = "pv",
                  unknown: str = "raise") -> pd.DataFrame:
        """The shape of every participant's organisation, from the volumes of a period.

        Leg volumes are the GVs of the participant's legs (each frontline recruit's
        subtree), a negative one (refunds) counted as 0. Arguments as in :meth:`volumes`
        (with ``as_of``, participants enrolled later are left out: not rows, not legs, not
        counted).

        Returns
        -------
        DataFrame indexed by participant id: ``legs`` (frontline recruits),
        ``power_leg_share`` (the largest leg volume / GV; missing when the GV is not
        positive or there is no leg), ``herfindahl`` (sum over legs of the squared share of
        the legs' total volume: 1 when one leg holds it all, 1/m for m equal legs),
        ``gini`` (Gini coefficient of the leg volumes: 0 for equal legs, towards 1 when one
        leg holds it all); both missing when the legs' volumes sum to 0; ``breadth_1 ..
        breadth_K`` (participants at each of the first K = ``levels`` levels below).
        """
        levels = whole_number(levels, "levels", 0, None)
        if self._events is not None and as_of is not None:  # on the network as it stood
            act, _, _, snap = self._period_orders(orders, start, end, as_of, participant, date, pv, unknown)
            then, moved = self._as_it_stood(snap, act)
            return then.structure(moved, start, end, as_of, levels)
        rows, cols = self._volume_rows(orders, start, end, as_of, 0, participant, date, pv, None, unknown, ["gv"])
        gv, members = cols["gv"], None
        if rows is not None:  # the members as of the date
            gv = np.zeros(len(self))
            gv[rows] = cols["gv"]
            members = np.zeros(len(self), dtype=np.uint8)
            members[rows] = 1
        s = _core.structure(self._core, np.ascontiguousarray(gv, dtype=np.float64), levels, members)
        table = {"legs": s.legs, "power_leg_share": s.power_leg_share, "herfindahl": s.herfindahl, "gini": s.gini,
                 **{f"breadth_{k}": s.breadth(k) for k in range(1, levels + 1)}}
        if rows is not None:
            table = {c: v[rows] for c, v in table.items()}
        return pd.DataFrame(table, index=self._ids if rows is None else self._ids[rows], copy=False)

    def depth_profile(self) -> pd.Series:
        """The whole network's shape: participants at each depth (0: the roots), a Series
        indexed by depth from 0 to the height."""
        counts = np.bincount(self._core.depths, minlength=1) if len(self) else np.zeros(0, dtype=np.int64)
        return pd.Series(counts, index=pd.RangeIndex(len(counts), name="depth"), name="participants")

    def volume_series(self, orders: Any, start: Any, end: Any, freq: str = "MS", columns: Any = ("gv",),
                      levels: int = 3, participant: str = "participant_id", date: str = "ordered_on", pv: str = "pv",
                      min_pv: Optional[float] = None, unknown: str = "raise") -> pd.DataFrame:
        """Volumes of every participant in every period, in one call: participants x periods.

        The periods are consecutive, from ``start`` to ``end``: their bounds are
        ``pandas.date_range(start, end, freq=freq)`` (calendar months by default) with
        ``start`` and ``end`` themselves as the first and last bound, as in
        :meth:`CompensationPlan.run`. Each period is :meth:`volumes` of its orders on the
        network as of its last day (with enrolment dates: participants enrolled later,
        and their downline, are missing in that period); the orders are mapped once.

        Parameters
        ----------
        columns : list of str
            Any columns of :meth:`volumes` (default ``["gv"]``).
        Other parameters as in :meth:`volumes`.

        Returns
        -------
        DataFrame indexed by participant id (the network's order), its columns a
        MultiIndex (column, period) with each period's first day, float64, NaN where the
        participant is not in the network in that period: ``series["gv"]`` is a
        participants x periods table.
        """
        levels = whole_number(levels, "levels", 0, None)
        names = self._volume_columns(levels, columns)
        if start is None or end is None:
            raise InputError("volume_series needs start and end (the first period's first day, the last one's end)")
        lo, hi = day_number(start, "start"), day_number(end, "end")
        if lo >= hi:
            raise InputError(f"start ({start}) is not before end ({end}): no period")
        bounds = period_bounds(lo, hi, freq)
        min_pv = None if min_pv is None else real_number(min_pv, "min_pv")
        act = self._orders_of(orders, (lo, hi), participant, date, pv, unknown)
        periods = pd.DatetimeIndex([timestamp(b) for b in bounds[:-1]], name="period")
        shape = (len(self), len(names) * len(periods))  # columns contiguous (Fortran order)
        if self._events is None and set(names) <= {"pv", "gv"}:  # PV and GV alone: the core writes every cell
            out = np.empty(shape, order="F")
            blocks = [names.index(c) if c in names else -1 for c in ("pv", "gv")]
            _core.pv_gv_series(self._core, act._core, list(bounds), out, *blocks)
        else:
            out = np.full(shape, np.nan, order="F")
            for p, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
                snap = b - 1 if self._has_enrolment and len(self) else None
                rows, cols = self._table_as_of(act, a, b, snap, levels, min_pv, names)
                for j, c in enumerate(names):
                    target = out[:, j * len(periods) + p]
                    if rows is None:
                        target[:] = cols[c]
                    else:
                        target[rows] = cols[c]
        header = pd.MultiIndex.from_product([names, periods], names=["column", "period"])
        return pd.DataFrame(out, index=self._ids, columns=header, copy=False)

    def _volume_columns(self, levels: int, columns: Any) -> list:
        """The volumes columns asked for (None: every one), checked; InputError naming the
        height for a table of levels that cannot be made."""
        _core.check_levels(self._core, levels)
        every = ["pv", "gv", *(f"level_{k}" for k in range(1, levels + 1)), "power_leg", "lesser_legs",
                 "downline", "active_downline", "frontline", "depth", "height"]
        if self._sides is not None:
            every += ["left", "right"]
        return every if columns is None else column_names(columns, "columns", every, "of the volumes")

    def _orders_of(self, orders: Any, window: tuple, participant: str, date: str, pv: str,
                   unknown: str) -> "Activity":
        """An Activity of this network as it is, or the orders of a DataFrame in the day
        window [lo, hi) mapped (every row checked)."""
        if isinstance(orders, Activity):
            if orders.network is not self:
                raise InputError("this Activity was mapped onto another network")
            return orders
        return self.activity(orders, participant=participant, date=date, pv=pv, unknown=unknown, _window=window)

    def _volume_table(self, act: "Activity", lo: int, hi: int, snap: Optional[int], levels: int,
                      min_pv: Optional[float], columns: list) -> tuple:
        """The core's volumes of [lo, hi) as of `snap`: (the input rows of the table, None
        for every row; {column: array}). Levels above the height share one read-only array
        of zeros."""
        sides = [c for c in columns if c in ("left", "right")]
        flags = _core.VolumeColumns.gv if sides else 0
        for c in columns:
            if c not in sides:
                flags |= getattr(_core.VolumeColumns, "levels" if c.startswith("level_") else c)
        t = _core.volumes(self._core, act._core, lo, hi, snap, levels, min_pv, flags)
        rows = None if t.every_row else t.rows
        size = len(self) if rows is None else len(rows)
        side_gv = {}
        if sides:  # the GV of each one's left and right recruit (0 without one, or not yet enrolled)
            gv = t.gv if rows is None else np.zeros(len(self))
            if rows is not None:
                gv[rows] = t.gv
            left, right = self._sides.side_sums(self._core, gv)
            side_gv = {"left": left, "right": right} if rows is None else {"left": left[rows], "right": right[rows]}
        zeros = None
        cols = {}
        for c in columns:
            col = side_gv[c] if c in side_gv else t.level(int(c[6:])) if c.startswith("level_") else getattr(t, c)
            if col is None:
                if zeros is None:
                    zeros = np.zeros(size)
                    zeros.setflags(write=False)
                col = zeros
            cols[c] = col
        return rows, cols

    def rollup(self, values: Any) -> Any:
        """Sums any per-participant values over every subtree (the participant included).

        ``values`` is a Series or a DataFrame indexed by participant id, or a 1-D or 2-D
        array with one row per participant in :attr:`ids` order. A Series and a DataFrame
        follow one rule: their index holds participant ids (ids absent from it count as 0),
        whatever kind of index it is, so pandas' default index 0, 1, 2... is read as the
        ids 0, 1, 2... (pass ``.to_numpy()`` for values in :attr:`ids` order). Values are
        numbers: ints, floats, and bools (counted as 0 and 1, so that rolling up a flag
        counts it); text, complex numbers, NaN and infinities are errors naming the
        participants. All columns are rolled up in one pass; the same shape comes back.
        """
        data = self._per_participant(values, "rollup", (1, 2))
        sums = _core.rollup(self._core, data[:, 0] if isinstance(values, pd.Series) else data)
        if isinstance(values, pd.Series):
            return pd.Series(sums, index=self._ids, name=values.name)
        if isinstance(values, pd.DataFrame):
            return pd.DataFrame(sums, index=self._ids, columns=values.columns)
        return sums

    def _per_participant(self, values: Any, what: str, ndims: tuple) -> np.ndarray:
        """Numbers per participant (see :meth:`rollup`) as float64 in ids order: a Series or
        DataFrame aligned by id (a 2-D result), an array as it is (``ndims``: the array
        dimensions allowed); non-numbers, NaN and infinities named by participant."""
        if isinstance(values, (pd.Series, pd.DataFrame)):
            data = real_values(values, what, values.index)
            return np.ascontiguousarray(self._aligned(values.index, data if data.ndim == 2 else data[:, None]))
        arr = np.asarray(values)
        if arr.ndim not in ndims or arr.shape[0] != len(self):
            raise InputError(f"{what}: expected {len(self)} rows (one per participant, in ids order), got shape "
                             f"{arr.shape}")
        return np.ascontiguousarray(real_values(arr, what, self._ids))

    # ---------------------------------------------------------------- mixes
    def _enrolment_days(self) -> Optional[np.ndarray]:
        """Enrolment days (since 1970-01-01) in input row order, or None."""
        if not self._has_enrolment:
            return None
        return self._core.enrolment_days[self._core.position_of_row]

    def _label_codes(self, labels: Any, what: str) -> tuple[np.ndarray, pd.Index]:
        """Per-participant labels -> (int64 codes in input row order, -1 = no label;
        the categories). ``labels``: a Series indexed by participant id (ids absent from
        it have no label) or an array in :attr:`ids` order."""
        if isinstance(labels, pd.Series):
            index = labels.index
            cat = pd.Categorical(labels) if not isinstance(labels.dtype, pd.CategoricalDtype) else labels.array
            if index.equals(self._ids):
                return np.asarray(cat.codes, dtype=np.int64), pd.Index(cat.categories)
            pos = self._positions(index, what)
            codes = np.full(len(self), -1, dtype=np.int64)
            codes[pos] = cat.codes
            return codes, pd.Index(cat.categories)
        arr = np.asarray(labels)
        if arr.ndim != 1 or len(arr) != len(self):
            raise InputError(f"{what}: expected a Series indexed by participant id or {len(self)} values in "
                             f"ids order, got shape {arr.shape}")
        cat = pd.Categorical(arr)
        return np.asarray(cat.codes, dtype=np.int64), pd.Index(cat.categories)

    def downline_counts(self, labels: Any, include_self: bool = False) -> pd.DataFrame:
        """For every participant, how many of their downline carry each label.

        ``labels`` assigns each participant a category (a life-cycle segment, a participant
        type, a kind...): a Series indexed by participant id, or values in :attr:`ids`
        order. Missing labels (NaN, ids absent from the Series) are not counted. The
        participants x categories one-hot matrix is rolled up the network in one pass.

        Returns a DataFrame indexed by participant id with one int64 column per category
        (every category of a categorical, in its order; else the sorted distinct values).
        The participant is excluded (docs/concepts.md: the downline excludes X) unless
        ``include_self``.
        """
        codes, cats = self._label_codes(labels, "labels")
        out = _core.category_sums(self._core, codes, None, len(cats), flag(include_self, "include_self"))
        return pd.DataFrame(out, index=self._ids, columns=cats, copy=False)

    def volume_mix(self, labels: Any, pv: Any, share: bool = True) -> pd.DataFrame:
        """For every participant, the part of their GV that comes from each label.

        ``pv``: personal volume per participant (a Series indexed by id such as
        ``net.volumes(...)["pv"]``, ids absent from it counting 0, or values in
        :attr:`ids` order). ``labels`` as in :meth:`downline_counts`. Column c holds the
        sum of PV over the participant's subtree (the participant included, as in GV) of
        the members labelled c; with ``share=True`` (the default) it is divided by GV, so
        that the columns add up to 1 when every participant has a label. Participants
        with GV = 0 get NaN shares. One pass for all categories.
        """
        codes, cats = self._label_codes(labels, "labels")
        if isinstance(pv, pd.DataFrame):
            raise InputError("pv: expected a Series indexed by participant id or values in ids order, not a "
                             "DataFrame")
        values = self._per_participant(pv, "pv", (1,))
        values = np.ascontiguousarray(values[:, 0]) if values.ndim == 2 else values
        sums = _core.category_sums(self._core, codes, values, len(cats), True)
        if flag(share, "share"):
            gv = _core.rollup(self._core, values)
            with np.errstate(invalid="ignore", divide="ignore"):
                sums /= np.where(gv != 0.0, gv, np.nan)[:, None]
        return pd.DataFrame(sums, index=self._ids, columns=cats, copy=False)

    def _positions(self, index: pd.Index, what: str) -> np.ndarray:
        """Network rows of the ids in `index`; duplicates and unknown ids are named."""
        if index.has_duplicates:
            dup = list(pd.unique(index[index.duplicated()]))
            raise InputError(f"{what} have duplicate ids: {_show(dup, plain_numbers=text_only(index))}",
                             kind="duplicate_id", ids=dup)
        return self._rows_of(index, what)

    def _aligned(self, index: pd.Index, data: np.ndarray) -> np.ndarray:
        """Rows of `data` (labelled by `index`) placed at the network's rows; absent ids are 0."""
        if index.equals(self._ids):
            return data
        try:
            pos = self._positions(index, "value(s)")
        except UnknownIdError as exc:
            if not is_default_index(index):
                raise
            raise UnknownIdError(f"{exc} (the values have pandas' default index 0, 1, 2...: index them by "
                                 "participant id, or pass .to_numpy() for values in ids order)",
                                 ids=exc.ids) from None
        out = np.zeros((len(self), data.shape[1]), dtype=np.float64)
        out[pos] = data
        return out


def _rebuild_network(cls: type, ids: pd.Index, sponsors: Any, enrolled: Optional[np.ndarray],
                     kinds: Optional[pd.Categorical], placement: Optional[tuple] = None,
                     events: Optional[pd.DataFrame] = None) -> Network:
    """A pickled Network, built again from its inputs (see Network.__reduce__)."""
    frame = pd.DataFrame({"id": ids.to_numpy(), "sponsor": sponsors}, copy=False)
    if enrolled is not None:
        frame["enrolled_on"] = dates_of_days(enrolled)  # datetime64[ns]: pandas keeps it as it is
    if placement is not None:
        frame["placement"], frame["side"] = placement
    net = cls.from_frame(frame, id="id", sponsor="sponsor", enrolled_on=None if enrolled is None else "enrolled_on",
                         placement=None if placement is None else "placement",
                         side=None if placement is None else "side", events=events)
    net._ids = net._ids.rename(ids.name)
    if kinds is not None:
        net._kinds = kinds
    if net._placement is not None:
        net._placement._ids = net._ids
        net._placement._kinds = net._kinds if kinds is not None else None
    return net


def _rebuild_activity(network: Network, rows: np.ndarray, days: np.ndarray, volumes: np.ndarray, window: tuple,
                      dropped_rows: np.ndarray, dropped_ids: list, values: Optional[dict] = None) -> Activity:
    """A pickled Activity, mapped again onto its (rebuilt) network (see Activity.__reduce__)."""
    net = network._core
    if network._keys == "str":  # str ids, looked up again in the rebuilt index
        keys = network.ids.to_numpy(dtype=object)[rows]
    else:  # int ids, or row numbers
        keys = np.ascontiguousarray(net.ids_preorder[net.position_of_row[rows]], dtype=np.int64)
    core = _core.Activity(net, keys, days.astype(np.int64), 1, np.ascontiguousarray(volumes), False, *window,
                          values=list((values or {}).items()))
    return Activity(network, core, dropped_rows, dropped_ids)
