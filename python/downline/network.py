"""The sponsor network and its downline volume rollups (pandas in, pandas out)."""

from __future__ import annotations

import warnings
from typing import Any, Hashable, Optional, Sequence

import numpy as np
import pandas as pd

from . import _core
from ._convert import check_days, column, date_ticks, day_number, float_column
from ._html import summary_html
from ._messages import label as _label, rows as _rows, show as _show, space_hint as _space_hint
from .errors import DroppedRowsWarning, InputError, UnknownIdError
from .ids import integer_ids

__all__ = ["Network", "Activity"]

_INT64_MIN = np.iinfo(np.int64).min
_INT64_MAX = np.iinfo(np.int64).max
_DAY_MIN = int(np.iinfo(np.int32).min)
_DAY_MAX = int(np.iinfo(np.int32).max)


class Activity:
    """Orders mapped onto a :class:`Network` once.

    Build it with :meth:`Network.activity` and pass it to :meth:`Network.volumes` as often
    as needed (many periods, many dates) without mapping the ids again.

    Attributes
    ----------
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

    def __init__(self, core: _core.Network, ids: pd.Index, codes_are_rows: bool):
        self._core = core
        self._ids = ids
        # True when the ids are not int64 (strings...): the core then holds row numbers as ids.
        self._codes_are_rows = codes_are_rows

    # ---------------------------------------------------------------- construction
    @classmethod
    def from_frame(cls, df: pd.DataFrame, id: str = "id", sponsor: str = "sponsor_id",
                   enrolled_on: Optional[str] = None, kind: Optional[str] = None,
                   no_sponsor: Any = None) -> "Network":
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
            pointed out in the error.
        enrolled_on : str, optional
            Column of enrolment dates (datetime64, Timestamps or date strings, from
            1900-01-01 to 2200-12-31; numbers are refused); needed for ``as_of``.
        kind : str, optional
            Column of participant kinds (kept as a categorical; see :attr:`kinds`).
        no_sponsor : optional
            A sponsor value that also marks a root (for example ``0`` or ``-1``).

        Raises
        ------
        InputError
            Duplicate ids, sponsors that are not participants, own sponsors, cycles: the
            message names the ids.
        """
        ids_col = column(df, id)
        sp_col = column(df, sponsor)
        n = len(df)
        enrolled = None
        if enrolled_on is not None:
            ticks, per_day = date_ticks(column(df, enrolled_on), enrolled_on)
            enrolled, n_nat = _core.day_numbers(ticks, per_day)
            if n_nat:
                nat = ticks == _INT64_MIN
                raise InputError(f"column {enrolled_on!r} has missing dates at rows {_show(_rows(nat))}",
                                 ids=_rows(nat))
            check_days(enrolled, enrolled_on)  # 1900-01-01 .. 2200-12-31

        numeric = (pd.api.types.is_integer_dtype(ids_col.dtype) or pd.api.types.is_float_dtype(ids_col.dtype))
        sp_missing = sp_col.isna().to_numpy()
        if no_sponsor is not None:
            sp_missing = sp_missing | (sp_col == no_sponsor).to_numpy()
        if numeric and (pd.api.types.is_integer_dtype(sp_col.dtype) or pd.api.types.is_float_dtype(sp_col.dtype)
                        or sp_missing.all()):
            ids, _ = integer_ids(ids_col, id, allow_missing=False)
            if sp_missing.all():
                sponsors = np.zeros(n, dtype=np.int64)
            else:
                sponsors, _ = integer_ids(sp_col.where(~sp_missing) if no_sponsor is not None else sp_col,
                                           sponsor, allow_missing=True)
            # always the mask: the core's sentinel for "no sponsor" is a valid id (INT64_MIN)
            has = (~sp_missing).astype(np.uint8)
            core = _core.Network(ids, sponsors, has, enrolled)
            net = cls(core, pd.Index(ids_col.to_numpy(dtype=np.int64) if not pd.api.types.is_int64_dtype(
                ids_col.dtype) else ids_col.to_numpy(), name=id), codes_are_rows=False)
        else:
            net = cls._from_labels(ids_col, sp_col, sp_missing, id, sponsor, enrolled)
        if kind is not None:
            net._kinds = pd.Categorical(column(df, kind))
        return net

    @classmethod
    def _from_labels(cls, ids_col, sp_col, sp_missing, id_name, sponsor_name, enrolled) -> "Network":
        """Any hashable ids (strings...): the core gets row numbers as ids."""
        n = len(ids_col)
        missing = ids_col.isna().to_numpy()
        if missing.any():
            raise InputError(f"column {id_name!r} has missing ids at rows {_show(_rows(missing))}",
                             ids=_rows(missing))
        index = pd.Index(ids_col.to_numpy(), name=id_name)
        dup = index.duplicated(keep=False)
        if dup.any():
            labels = list(pd.unique(index[dup]))
            raise InputError(f"{len(labels)} participant id(s) appear more than once: {_show(labels)}",
                             kind="duplicate_id", ids=labels)
        if isinstance(sp_col.dtype, pd.StringDtype) or sp_col.dtype == object:
            sp_missing = sp_missing | (sp_col.astype(object) == "").to_numpy()
        present = ~sp_missing
        sponsors = np.zeros(n, dtype=np.int64)
        codes = index.get_indexer(sp_col.to_numpy()[present])
        sponsors[present] = codes
        rows = np.arange(n, dtype=np.int64)
        own = present.copy()
        own[present] = codes == rows[present]
        if own.any():
            labels = list(index[own])
            raise InputError(f"{len(labels)} participant(s) are their own sponsor: {_show(labels)}",
                             kind="own_sponsor", ids=labels)
        unknown = np.flatnonzero(present)[codes < 0]
        if len(unknown):
            labels = list(index[unknown])
            shown = ", ".join(f"{_label(index[r])} (sponsor {_label(sp_col.iloc[r])})" for r in unknown[:10])
            more = f", ... ({len(unknown) - 10} more)" if len(unknown) > 10 else ""
            hint = _space_hint([sp_col.iloc[r] for r in unknown[:10]], index)
            raise InputError(f"{len(unknown)} participant(s) have a sponsor that is not a participant: "
                             f"{shown}{more}{hint}", kind="unknown_sponsor", ids=labels)
        try:
            core = _core.Network(rows, sponsors, present.astype(np.uint8), enrolled)
        except InputError as exc:  # name the labels, not the row numbers
            labels = [index[int(r)] for r in exc.ids]
            msg = str(exc)
            if exc.kind == "cycle":
                msg = (f"sponsor links form a cycle of {len(labels)} participant(s): {_show(labels)}"
                       + msg[msg.rfind(" ("):])
            raise InputError(msg, kind=exc.kind, ids=labels) from None
        return cls(core, index, codes_are_rows=True)

    # ---------------------------------------------------------------- basics
    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> pd.Index:
        """Participant ids in the order of the input frame."""
        return self._ids

    @property
    def kinds(self) -> Optional[pd.Categorical]:
        """Participant kinds (input order) when built with ``kind=``."""
        return getattr(self, "_kinds", None)

    @property
    def depth(self) -> pd.Series:
        """Depth of every participant (a root has depth 0)."""
        return pd.Series(self._core.depths[self._core.position_of_row], index=self._ids, name="depth")

    @property
    def memory_bytes(self) -> int:
        """Bytes held by the compiled network."""
        return self._core.memory_bytes

    def __repr__(self) -> str:
        roots = int((self._core.parents < 0).sum())
        depth = int(self._core.depths.max()) if len(self) else 0
        return f"<downline.Network: {len(self):,} participants, {roots:,} roots, max depth {depth}>"

    def _repr_html_(self) -> str:
        depths = pd.Series(self._core.depths).value_counts().sort_index()
        levels = pd.DataFrame({"participants": depths.to_numpy()}, index=pd.Index(depths.index, name="depth"))
        return summary_html(repr(self), levels.T, max_rows=2)

    def _row(self, id: Hashable) -> int:
        if self._codes_are_rows:
            try:
                loc = self._ids.get_loc(id)
            except KeyError:
                loc = None
            if not isinstance(loc, (int, np.integer)):
                raise UnknownIdError(f"participant {id!r} is not in the network{_space_hint([id], self._ids)}",
                                     ids=[id])
            return int(loc)
        try:
            key = np.array([id], dtype=np.int64)
        except (OverflowError, ValueError, TypeError):
            raise UnknownIdError(f"participant {id!r} is not in the network", ids=[id]) from None
        row = int(self._core.find_rows(key)[0])
        if row < 0:
            raise UnknownIdError(f"participant {id!r} is not in the network", ids=[id])
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

    def legs(self, id: Hashable, orders: Any = None, **volume_args) -> pd.DataFrame:
        """One row per leg of ``id`` (indexed by the frontline recruit who roots it):
        ``size`` (participants in the leg) and, when ``orders`` are given, ``volume`` (the
        leg's GV, with the same keyword arguments as :meth:`volumes`) and ``power`` (True
        for the power leg)."""
        rows = self._core.frontline_rows(self._row(id))
        out = pd.DataFrame({"size": np.array([self._core.subtree_size(int(r)) for r in rows], dtype=np.int64)},
                           index=self._ids[rows])
        out.index.name = "leg"
        if orders is not None:
            vol = self.volumes(orders, **volume_args)
            out["volume"] = vol["gv"].reindex(out.index).fillna(0.0).to_numpy()
            out["power"] = False
            if len(out):
                out.iloc[int(np.argmax(out["volume"].to_numpy())), out.columns.get_loc("power")] = True
        return out

    def _organisation_levels(self, id: Hashable, levels: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The first ``levels`` levels of the organisation of ``id`` in preorder: (input
        rows, each one's sponsor as an index into them or -1 for ``id``, level below ``id``)."""
        if isinstance(levels, bool) or not isinstance(levels, (int, np.integer)) or levels < 1:
            raise InputError(f"plot_organisation: levels must be a whole number >= 1, not {levels!r}")
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
                 pv: str = "pv", unknown: str = "raise", _window: tuple = (_DAY_MIN, _DAY_MAX)) -> Activity:
        """Maps orders onto the network once, for any number of :meth:`volumes` calls.

        ``unknown="raise"`` (the default) rejects orders of participants who are not in the
        network with an :class:`UnknownIdError` naming them; ``unknown="drop"`` drops them,
        warns with a :class:`DroppedRowsWarning` that says how many and which, and records
        them in :attr:`Activity.dropped_rows` / :attr:`Activity.dropped_ids`. Text ids given
        for a network of integer ids are unknown participants like any other. Missing,
        unparsable or out-of-range dates (before 1900-01-01, after 2200-12-31) and NaN or
        infinite pv are errors naming the rows, whatever ``unknown`` says; negative pv
        (refunds) are valid and reduce the volumes.
        """
        if unknown not in ("raise", "drop"):
            raise InputError(f"unknown must be 'raise' or 'drop', not {unknown!r}")
        pid_col = column(orders, participant)
        ticks, per_day = date_ticks(column(orders, date), date)
        values = float_column(orders, pv)
        dropped_rows = np.empty(0, dtype=np.int64)
        dropped_ids: list = []
        if self._codes_are_rows or not (pd.api.types.is_integer_dtype(pid_col.dtype)
                                        or pd.api.types.is_float_dtype(pid_col.dtype)):
            # Labels (strings...), also labels given for a network of integer ids: looked up
            # here; labels that are not the network's are unknown participants.
            missing = pid_col.isna().to_numpy()
            if missing.any():
                raise InputError(f"column {participant!r} has missing ids at rows {_show(_rows(missing))}",
                                 ids=_rows(missing))
            rows = self._ids.get_indexer(pid_col.to_numpy())
            bad = rows < 0
            if bad.any():
                dropped_rows = np.flatnonzero(bad)
                dropped_ids = list(pd.unique(pid_col.to_numpy()[bad]))
                self._unknown(len(dropped_rows), dropped_ids, unknown, self._ids)
            # The core's ids (row numbers for labels); unknown rows get an id that is no
            # participant's and the core drops them, so that rows keep their numbers in its
            # messages about dates and volumes.
            if self._codes_are_rows:
                keys = rows.astype(np.int64)  # -1 where unknown: never a row number
            else:
                keys = np.ascontiguousarray(self._ids.to_numpy()[np.maximum(rows, 0)], dtype=np.int64)
                if bad.any():
                    keys[bad] = self._absent_id()
            core = _core.Activity(self._core, keys, ticks, per_day, values, bool(bad.any()), *_window)
        else:
            pids, _ = integer_ids(pid_col, participant, allow_missing=False)  # names missing ids
            core = _core.Activity(self._core, pids, ticks, per_day, values, unknown == "drop", *_window)
            if core.dropped_rows:
                dropped_rows = np.asarray(core.dropped_rows, dtype=np.int64)
                dropped_ids = list(core.dropped_ids)
                self._unknown(len(dropped_rows), dropped_ids, unknown, self._ids)
        return Activity(self, core, dropped_rows, dropped_ids)

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
        msg = f"{n_rows} order(s) of {len(ids)} participant(s) not in the network: {_show(ids)}"
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
            The period [start, end): orders on or after ``start`` and before ``end``.
        as_of : date-like, optional
            Snapshot date (inclusive): orders after it are ignored, and participants
            enrolled after it are left out (rows and counts), together with their downline.
        levels : int
            Level volumes ``level_1 .. level_K`` for K = ``levels``. Levels above the
            network's height are zeros that cost nothing (one shared read-only array); at
            most 1,048,576 columns and 2**32 values up to the height.
        min_pv : float, optional
            Active when the period PV is at least ``min_pv``; by default active means any
            order with pv > 0 in the period.
        unknown : {"raise", "drop"}
            Orders of participants not in the network: see :meth:`activity`. Given a
            DataFrame, ``volumes`` maps only the orders inside the period (and up to
            ``as_of``), so only those are checked against the network; every row's date and
            pv are checked. Use :meth:`activity` to map (and check) every order once.
        columns : list of str, optional
            Only these columns, in this order (default: all of them). ``["pv", "gv"]``
            (or either alone) without ``as_of`` skips the rest of the table: one pass over
            the period's orders and one over the network.

        Returns
        -------
        DataFrame indexed by participant id with columns ``pv, gv, level_1 .. level_K,
        power_leg, lesser_legs, downline, active_downline, frontline, depth, height``.
        """
        if isinstance(levels, bool) or not isinstance(levels, (int, np.integer)) or levels < 0:
            raise InputError(f"levels must be a whole number >= 0, not {levels!r}")
        _core.check_levels(self._core, int(levels))  # InputError for a table that cannot be made
        every = ["pv", "gv", *(f"level_{k}" for k in range(1, int(levels) + 1)), "power_leg", "lesser_legs",
                 "downline", "active_downline", "frontline", "depth", "height"]
        if columns is None:
            columns = every
        else:
            if isinstance(columns, str):
                raise InputError(f"columns must be a list of column names, not the string {columns!r}")
            columns = list(columns)
            bad = [c for c in columns if c not in every]
            if bad:
                raise InputError(f"unknown volumes column(s) {bad}; the columns are {every}")
            dup = sorted({c for c in columns if columns.count(c) > 1})
            if dup:
                raise InputError(f"volumes column(s) asked for more than once: {dup}")
        lo = day_number(start, "start") if start is not None else _DAY_MIN
        hi = day_number(end, "end") if end is not None else _DAY_MAX
        snap = day_number(as_of, "as_of") if as_of is not None else None
        if isinstance(orders, Activity):
            act = orders
            if act.network is not self:
                raise InputError("this Activity was mapped onto another network")
        else:
            # One period: only the orders inside it are mapped (every row's date and pv are
            # still checked; participant ids are looked up for the rows in the period).
            last = hi if snap is None else min(hi, snap + 1)
            act = self.activity(orders, participant=participant, date=date, pv=pv, unknown=unknown,
                                _window=(lo, max(lo, last)))
        cols = _core.volumes(self._core, act._core, lo, hi, snap, int(levels), min_pv, columns)
        index = self._ids
        if "rows" in cols:
            index = index[cols.pop("rows")]
        # no consolidation copy; columns in the order asked for
        return pd.DataFrame({c: cols[c] for c in columns}, index=index, columns=columns, copy=False)

    def rollup(self, values: Any) -> Any:
        """Sums any per-participant values over every subtree (the participant included).

        ``values`` is a Series indexed by participant id (ids absent from it count as 0),
        a 1-D or 2-D array with one row per participant in :attr:`ids` order, or a DataFrame
        indexed by participant id (or with a default RangeIndex, read in :attr:`ids` order).
        All columns are rolled up in one pass; the same shape comes back.
        """
        if isinstance(values, pd.Series):
            arr = self._aligned(values.index, values.to_numpy(dtype=np.float64)[:, None])[:, 0]
            return pd.Series(_core.rollup(self._core, arr), index=self._ids, name=values.name)
        if isinstance(values, pd.DataFrame):
            data = values.to_numpy(dtype=np.float64)
            if not (isinstance(values.index, pd.RangeIndex) and len(values) == len(self)
                    and not values.index.equals(self._ids)):
                data = self._aligned(values.index, data)
            return pd.DataFrame(_core.rollup(self._core, np.ascontiguousarray(data)), index=self._ids,
                                columns=values.columns)
        arr = np.asarray(values, dtype=np.float64)
        if arr.ndim not in (1, 2) or arr.shape[0] != len(self):
            raise InputError(f"rollup: expected {len(self)} rows (one per participant), got shape {arr.shape}")
        return _core.rollup(self._core, arr)

    # ---------------------------------------------------------------- mixes
    def _enrolment_days(self) -> Optional[np.ndarray]:
        """Enrolment days (since 1970-01-01) in input row order, or None."""
        if not self._core.has_enrolment:
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
        The participant is excluded (DOMAIN.md: the downline excludes X) unless
        ``include_self``.
        """
        codes, cats = self._label_codes(labels, "labels")
        out = _core.category_sums(self._core, codes, None, len(cats), bool(include_self))
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
        if isinstance(pv, pd.Series):
            values = self._aligned(pv.index, pv.to_numpy(dtype=np.float64)[:, None])[:, 0]
        else:
            values = np.asarray(pv, dtype=np.float64)
            if values.ndim != 1 or len(values) != len(self):
                raise InputError(f"pv: expected {len(self)} values in ids order, got shape {values.shape}")
        if not np.isfinite(values).all():
            rows = np.flatnonzero(~np.isfinite(values))
            ids = list(self._ids[rows])
            raise InputError(f"pv has missing or infinite values for {len(ids)} participant(s): {_show(ids)}",
                             ids=ids)
        values = np.ascontiguousarray(values)
        sums = _core.category_sums(self._core, codes, values, len(cats), True)
        if share:
            gv = _core.rollup(self._core, values)
            with np.errstate(invalid="ignore", divide="ignore"):
                sums /= np.where(gv != 0.0, gv, np.nan)[:, None]
        return pd.DataFrame(sums, index=self._ids, columns=cats, copy=False)

    def _positions(self, index: pd.Index, what: str) -> np.ndarray:
        """Network rows of the ids in `index`; duplicates and unknown ids are named."""
        if index.has_duplicates:
            dup = list(pd.unique(index[index.duplicated()]))
            raise InputError(f"{what} have duplicate ids: {_show(dup)}", kind="duplicate_id", ids=dup)
        pos = self._ids.get_indexer(index)
        bad = pos < 0
        if bad.any():
            ids = list(index[bad])
            raise UnknownIdError(f"{len(ids)} {what} for ids not in the network: {_show(ids)}"
                                 f"{_space_hint(ids, self._ids)}", ids=ids)
        return pos

    def _aligned(self, index: pd.Index, data: np.ndarray) -> np.ndarray:
        """Rows of `data` (labelled by `index`) placed at the network's rows; absent ids are 0."""
        if index.equals(self._ids):
            return data
        pos = self._positions(index, "value(s)")
        out = np.zeros((len(self), data.shape[1]), dtype=np.float64)
        out[pos] = data
        return out
