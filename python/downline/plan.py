"""Compensation plans: a plan as data (a dict or a JSON file), evaluated for one period on a
network and its orders, for every participant at once (C++: ``downline/plan.hpp``).

>>> plan = dl.CompensationPlan.example()
>>> ev = plan.evaluate(net, orders, start="2023-01-01")    # the month of January 2023
>>> ev.participants[["rank", "gv", "total"]]
>>> ev.totals["payout_ratio"]
"""

from __future__ import annotations

import json
import math
import numbers
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Optional, Union

import numpy as np
import pandas as pd

from . import _core
from ._convert import column_names, day_number, period_bounds, timestamp as _timestamp
from .errors import InputError
from .network import Activity, Network

_EXAMPLE = Path(__file__).resolve().parent / "data" / "example_plan.json"

#: The per-participant columns of :attr:`Evaluation.participants`, in order.
COLUMNS = ("pv", "cv", "gv", "active", "rank", "next_rank", "pv_gap", "gv_gap", "legs_gap",
           "active_frontline_gap", "unilevel", "differential", "generation", "fast_start", "total")
#: The bonuses, in order (``binary`` only for a plan that has a binary bonus).
BONUSES = ("unilevel", "differential", "generation", "fast_start", "binary")
#: The per-participant columns of :attr:`Run.participants` (all by default), in order.
RUN_COLUMNS = COLUMNS + ("title",)
#: The binary bonus's per-participant columns, after ``total`` (a plan with a binary
#: bonus also has the column ``binary`` before ``total``).
BINARY_COLUMNS = ("binary_left", "binary_right", "binary_paired", "carry_left", "carry_right")


def _json_ready(doc: Any, path: str = "") -> Any:
    """The plan document with numpy scalars as Python numbers; a NaN or infinite number
    is an InputError naming its field (JSON has no such numbers)."""
    if isinstance(doc, dict):
        for key in doc:
            if not isinstance(key, str):
                raise InputError(f"plan: {path or 'the plan'} has a field name that is not a string: {key!r}")
        return {k: _json_ready(v, f"{path}.{k}" if path else k) for k, v in doc.items()}
    if isinstance(doc, (list, tuple)):
        return [_json_ready(v, f"{path}[{i}]") for i, v in enumerate(doc)]
    if isinstance(doc, (bool, np.bool_)):
        return bool(doc)
    if isinstance(doc, numbers.Integral):
        return int(doc)
    if isinstance(doc, numbers.Real):
        x = float(doc)
        if not math.isfinite(x):
            raise InputError(f"plan: {path} = {x} must be a finite number")
        return x
    return doc


class CompensationPlan:
    """A compensation plan: ranks and their requirements, bonuses and a payout cap.

    ``CompensationPlan(dict)`` checks the whole plan at once: an unknown field, an unknown
    rank name, a negative or non-finite rate, a ``max_leg_share`` outside (0, 1], two ranks
    of one name, an empty ``rates`` list, more than 100 ranks or a missing ``active_pv`` is an
    :class:`InputError` naming the field and the value. The fields are defined in
    ``docs/concepts.md`` ("Compensation plans"); :meth:`example` shows every one.
    """

    def __init__(self, plan: Union[dict, "CompensationPlan"]):
        if isinstance(plan, CompensationPlan):
            self._core = plan._core
            return
        if not isinstance(plan, dict):
            raise InputError(f"plan: expected a dict (the JSON document as Python objects), not {type(plan).__name__}")
        self._core = _core.Plan.parse(json.dumps(_json_ready(plan)))

    @classmethod
    def from_json(cls, path: Union[str, Path]) -> "CompensationPlan":
        """The plan of a JSON file (UTF-8)."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise InputError(f"{path}: cannot read the plan file ({exc.strerror or exc})") from None
        except UnicodeDecodeError:
            raise InputError(f"{path}: the plan file is not UTF-8 text") from None
        self = cls.__new__(cls)
        self._core = _core.Plan.parse(text, str(path))
        return self

    @classmethod
    def example(cls) -> "CompensationPlan":
        """The example plan shipped with the package: five ranks with legs and leg caps, six
        unilevel levels with compression, a differential, three generations, a fast start
        and a cap at 45 % of sales."""
        return cls.from_json(_EXAMPLE)

    def to_dict(self) -> dict:
        """The plan as a dict (``CompensationPlan(plan.to_dict())`` is the same plan)."""
        return json.loads(self._core.to_json())

    @property
    def name(self) -> str:
        """The plan's name ("" when it has none)."""
        return self._core.name

    @property
    def ranks(self) -> list[str]:
        """The rank names, lowest first."""
        return list(self._core.rank_names)

    @property
    def has_binary(self) -> bool:
        """Whether the plan has a binary bonus (paid on the network's placement tree)."""
        return "binary" in self.to_dict()

    @property
    def bonuses(self) -> tuple:
        """The bonuses the plan's evaluations report (in totals), in order: those of
        :data:`BONUSES` but ``binary`` for a plan without a binary bonus."""
        return BONUSES if self.has_binary else BONUSES[:-1]

    def _columns(self, run: bool = False) -> tuple:
        """The per-participant columns of an evaluation (``run``: of a run) of this plan."""
        out = RUN_COLUMNS if run else COLUMNS
        if self.has_binary:
            at = out.index("total")
            out = out[:at] + ("binary", "total") + BINARY_COLUMNS + out[at + 1:]
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CompensationPlan) and self.to_dict() == other.to_dict()

    def __reduce__(self) -> tuple:
        return (CompensationPlan, (self.to_dict(),))

    def ladder(self) -> pd.DataFrame:
        """The rank ladder: one row per rank (lowest first) with its requirements and rates."""
        doc = self.to_dict()
        uni = doc.get("unilevel", {})
        levels = uni.get("levels_by_rank")
        diff = doc.get("differential", {}).get("rate_by_rank", {})
        rows = []
        for r in doc.get("ranks", []):
            legs = ", ".join(f"{e['count']} x {e['rank']}" for e in r.get("legs", []))
            rows.append({"rank": r["name"], "pv": r.get("pv"), "gv": r.get("gv"),
                         "max_leg_share": r.get("max_leg_share"), "legs": legs or None,
                         "active_frontline": r.get("active_frontline"),
                         "unilevel_levels": (levels.get(r["name"], 0) if levels is not None
                                             else len(uni["rates"])) if uni else None,
                         "differential": diff.get(r["name"]) if "differential" in doc else None})
        return pd.DataFrame(rows, columns=["rank", "pv", "gv", "max_leg_share", "legs", "active_frontline",
                                           "unilevel_levels", "differential"]).set_index("rank")

    def _bonus_lines(self) -> list[str]:
        doc = self.to_dict()
        out = [f"active at PV >= {doc['active_pv']:g}"]
        if "unilevel" in doc:
            u = doc["unilevel"]
            out.append(f"unilevel {len(u['rates'])} levels ({', '.join(f'{100 * x:g}%' for x in u['rates'])})"
                       + (", compressed" if u.get("compression") else ""))
        if "differential" in doc:
            out.append("differential by rank")
        if "generation" in doc:
            g = doc["generation"]
            out.append(f"generation {len(g['rates'])} generations of {g['rank']} leaders")
        if "fast_start" in doc:
            f = doc["fast_start"]
            out.append(f"fast start {f['days']} days, {len(f['rates'])} levels")
        if "binary" in doc:
            b = doc["binary"]
            out.append(f"binary {100 * b['rate']:g}% of the paired volume"
                       + (f" (at most {b['cap']:g} a period)" if "cap" in b else "")
                       + (", inactive sides flushed" if b.get("flush_inactive") else ""))
        if "cap" in doc:
            out.append(f"cap {100 * doc['cap']['share_of_sales']:g}% of sales")
        return out

    def __repr__(self) -> str:
        name = f" {self.name!r}" if self.name else ""
        return (f"<CompensationPlan{name}: {len(self.ranks)} ranks ({', '.join(self.ranks) or 'none'}); "
                f"{'; '.join(self._bonus_lines())}>")

    def _repr_html_(self) -> str:
        title = f"CompensationPlan {self.name}" if self.name else "CompensationPlan"
        return (f"<p><b>{title}</b>: {'; '.join(self._bonus_lines())}</p>"
                + self.ladder().to_html(na_rep=""))

    def evaluate(self, network: Network, orders: Union[pd.DataFrame, Activity], start: Any = None,
                 end: Any = None, participant: str = "participant_id", date: str = "ordered_on",
                 pv: str = "pv", cv: Optional[str] = None, amount: Optional[str] = None,
                 unknown: str = "raise", carry: Optional[pd.DataFrame] = None) -> "Evaluation":
        """The plan for the period [start, end) on ``network`` as of the period's last day
        (participants enrolled later are left out); by default ``end`` is one calendar
        month after ``start``.

        ``orders`` is a DataFrame (``pv``, and a ``cv`` column when it has one, else CV =
        PV; ``amount`` for sales when it has one, else sales = the PV) or an
        :class:`Activity` mapped onto ``network`` (its volumes are the PV; CV and sales its
        value columns ``cv`` and ``amount`` when it has them, else the PV: map them with
        ``net.activity(orders, values=["cv", "amount"])``). Only the period's orders of a
        DataFrame are mapped, once. ``unknown`` as in :meth:`Network.activity`.

        A plan with a binary bonus pays it on the network's placement tree
        (:attr:`Network.placement`), from the carries ``carry``: a DataFrame indexed by
        participant id with the columns ``carry_left`` and ``carry_right`` (for example
        the last period of an earlier run, ``run.participants.xs(period)``; ids absent
        from it carry 0; default: no carries).

        A network with events (transfers, terminations) is evaluated as it stood on the
        period's last day (:meth:`Network.as_of`); the orders of participants not in it
        then do not count. Its binary bonus is paid on the whole placement tree: the
        positions of participants not in it have no volume and pass on the volume placed
        below them (carries given for them are ignored).
        """
        lo, hi = _period(start, end)
        acts = _mapped(network, orders, lo, hi, participant, date, pv, cv, amount, unknown)
        then, acts = _as_it_stood(network, acts, hi)
        core = _core.evaluate_plan(then._core, self._core, *acts, lo, hi,
                                   **_binary_onto(_binary_args(self, network, carry), network, then))
        return Evaluation(self, then, core, _timestamp(lo), _timestamp(hi))

    def run(self, network: Network, orders: Union[pd.DataFrame, Activity], start: Any, end: Any,
            freq: str = "MS", participant: str = "participant_id", date: str = "ordered_on", pv: str = "pv",
            cv: Optional[str] = None, amount: Optional[str] = None, unknown: str = "raise",
            columns: Optional[list[str]] = None, carry: Optional[pd.DataFrame] = None) -> "Run":
        """The plan over consecutive periods from ``start`` to ``end``: the period bounds are
        ``pandas.date_range(start, end, freq=freq)`` (calendar months by default), with
        ``start`` and ``end`` themselves as the first and last bound. Each period is
        evaluated as :meth:`evaluate` does, the orders mapped once; the title (the highest
        rank held so far) is carried forward from period to period.

        ``columns``: the per-participant columns :attr:`Run.participants` keeps (default:
        all of :attr:`Evaluation.participants` and ``title``). A long history of a large
        network needs memory for every (period, participant) row of every column kept:
        keep what you need (``["rank", "title", "total"]`` takes about 15 bytes per row
        with its index, against about 105 for all). The totals, ranks and rank changes are the same whatever is kept.

        A binary bonus (see :meth:`evaluate`) carries both sides from each period to the
        next, the first starting from ``carry``. On a network with events each period is
        evaluated on the network as it stood on its last day (:meth:`Network.as_of`: a cut or a
        build a period), titles and binary carries carried by participant."""
        lo, hi = _period(start, end, required_end=True)
        bounds = period_bounds(lo, hi, freq)
        keep = self._columns(run=True) if columns is None else _run_columns(columns, self)
        binary = _binary_args(self, network, carry)
        acts = _mapped(network, orders, lo, hi, participant, date, pv, cv, amount, unknown)
        if network._events is not None:
            table: Any = _run_as_it_stood(self, network, acts, bounds, keep, binary)
        else:
            table = _core.run_plan(network._core, self._core, *acts, bounds, list(keep), **binary)
        return Run(self, network, table, [_timestamp(b) for b in bounds], keep)


def _period(start: Any, end: Any, required_end: bool = False) -> tuple[int, int]:
    """[start, end) as day numbers; end defaults to a calendar month after start."""
    if start is None:
        raise InputError("start: the period's first day is required" +
                         ("" if required_end else " (end defaults to a month later)"))
    if end is None and required_end:
        raise InputError("end: the last period's end is required")
    lo = day_number(start, "start")
    hi = day_number(_timestamp(lo) + pd.DateOffset(months=1), "end") if end is None else day_number(end, "end")
    if lo >= hi:
        raise InputError(f"start ({start}) is not before end ({end}): the period [start, end) is empty")
    return lo, hi


def _mapped(network: Network, orders: Any, lo: int, hi: int, participant: str, date: str, pv: str,
            cv: Optional[str], amount: Optional[str], unknown: str) -> tuple:
    """The orders of [lo, hi) mapped onto the network once, with the names of the value
    columns that hold CV and the sales amount ("" for the PV): (core Activity, cv, amount).
    A DataFrame's ``cv`` and ``amount`` columns are used when it has them; so are an
    Activity's value columns of those names."""
    if not isinstance(network, Network):
        raise InputError(f"network: expected a downline.Network, not {type(network).__name__}")
    if isinstance(orders, Activity):
        if orders.network is not network:
            raise InputError("this Activity was mapped onto another network")
        have = orders.values
        for what, col in (("cv", cv), ("amount", amount)):
            if col is not None and col not in have:
                raise InputError(f"{what}: the Activity has no value column {col!r} (value columns: "
                                 f"{have or 'none'}; map it with Network.activity(orders, values=[...]))")
        cv = cv if cv is not None else ("cv" if "cv" in have else "")
        amount = amount if amount is not None else ("amount" if "amount" in have else "")
        return orders._core, cv, amount
    if not isinstance(orders, pd.DataFrame):
        raise InputError(f"orders: expected a DataFrame or a downline.Activity, not {type(orders).__name__}")
    cv = cv if cv is not None else ("cv" if "cv" in orders.columns else None)
    amount = amount if amount is not None else ("amount" if "amount" in orders.columns else None)
    for what, col in (("pv", pv), ("cv", cv), ("amount", amount)):
        if col is not None and col not in orders.columns:
            raise InputError(f"{what}: the orders have no column {col!r} (columns: {list(orders.columns)})")
    cv = "" if cv in (None, pv) else cv
    amount = "" if amount in (None, pv) else amount
    values = list(dict.fromkeys(c for c in (cv, amount) if c))  # each column once
    act = network.activity(orders, participant=participant, date=date, pv=pv, unknown=unknown,
                           values=values, _window=(lo, hi))
    return act._core, cv, amount


class _StackedRun:
    """A run's table made of one-period runs on the network as it stood in each period
    (a network with events), laid out as the core's PlanRunTable: the columns of every
    period concatenated, the rows as rows of the network the events belong to, titles
    (the highest rank held so far) carried by participant."""

    def __init__(self, parts: list, n: int, keep: tuple):
        self.offsets = [0]
        for t, _ in parts:
            self.offsets.append(self.offsets[-1] + len(t.rows))
        self.rows = np.concatenate([base[t.rows] for t, base in parts]).astype(np.int32) if parts else \
            np.empty(0, dtype=np.int32)
        names = dict.fromkeys((*keep, "rank"))
        self.columns = SimpleNamespace(**{c: np.concatenate([getattr(t.columns, c) for t, _ in parts])
                                          for c in names if c != "title"})
        rank = self.columns.rank
        if "title" in names:
            held = np.full(n, -1, dtype=rank.dtype)
            title = np.empty_like(rank)
            for p in range(len(parts)):
                at = slice(self.offsets[p], self.offsets[p + 1])
                mine = self.rows[at]
                held[mine] = np.maximum(held[mine], rank[at])
                title[at] = held[mine]
            self.columns.title = title
        self.totals = [x for t, _ in parts for x in t.totals]
        self.rank_counts = [x for t, _ in parts for x in t.rank_counts]


def _run_as_it_stood(plan: "CompensationPlan", network: Network, acts: tuple, bounds: list, keep: tuple,
                     binary: dict) -> _StackedRun:
    """plan.run on a network with events: each period on the network as of its last day;
    a binary bonus on the whole placement tree (`binary`: _binary_args() of `network`),
    the carries kept by participant from period to period."""
    n = len(network)
    carries = {side: binary.get(side, np.zeros(n)).copy() for side in ("carry_left", "carry_right")} if binary else {}
    columns = list(dict.fromkeys((*keep, *carries)))  # the carries are needed for the next period
    parts = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        then, moved = _as_it_stood(network, acts, b)
        table = _core.run_plan(then._core, plan._core, *moved, [a, b], columns,
                               **_binary_onto({**binary, **carries}, network, then))
        for side, carry in carries.items():
            carry[then._base_rows[table.rows]] = getattr(table.columns, side)
        parts.append((table, then._base_rows))
    return _StackedRun(parts, n, keep)


def _as_it_stood(network: Network, acts: tuple, hi: int) -> tuple[Network, tuple]:
    """For a network with events: the network as of the period's last day and the mapped
    orders on it (theirs of participants not in it left out); else both as they are."""
    if network._events is None:
        return network, acts
    core, cv, amount = acts
    then, moved = network._as_it_stood(hi - 1, Activity(network, core, np.empty(0, dtype=np.int64), []))
    return then, (moved._core, cv, amount)


def _run_columns(columns: Any, plan: CompensationPlan) -> tuple:
    """The columns a run of `plan` keeps, checked, in the frame's order."""
    every = plan._columns(run=True)
    names = column_names(columns, "columns", every, "of a run" + ("" if plan.has_binary else " of this plan"))
    if not names:
        raise InputError("columns: give at least one column (None keeps them all)")
    return tuple(c for c in every if c in names)


def _binary_args(plan: CompensationPlan, network: Network, carry: Optional[pd.DataFrame]) -> dict:
    """The core's arguments of a binary bonus: the placement tree, its sides and the
    carries by input row; {} for a plan without one (where carries are refused)."""
    if not plan.has_binary:
        if carry is not None:
            raise InputError("carry: the plan has no binary bonus")
        return {}
    if not isinstance(network, Network) or network._placement is None:
        raise InputError("the plan has a binary bonus: the network needs a placement tree "
                         "(Network.from_frame(..., placement='placement_id', side='side'))")
    tree = network._placement
    out = {"placement": tree._core, "sides": tree._sides}
    if carry is not None:
        if not isinstance(carry, pd.DataFrame):
            raise InputError(f"carry: expected a DataFrame indexed by participant id, not {type(carry).__name__}")
        missing = [c for c in ("carry_left", "carry_right") if c not in carry.columns]
        if missing:
            raise InputError(f"carry: no column {missing[0]!r} (columns: {list(carry.columns)})")
        values = carry[["carry_left", "carry_right"]].to_numpy(dtype=np.float64)
        bad = ~np.isfinite(values).all(axis=1) | (values < 0).any(axis=1)
        if bad.any():
            ids = list(carry.index[bad])
            raise InputError(f"carry: {len(ids)} participant(s) have a carry that is negative, NaN or infinite: "
                             f"{ids[:10]}", ids=ids)
        aligned = network._aligned(carry.index, values)
        out["carry_left"] = np.ascontiguousarray(aligned[:, 0])
        out["carry_right"] = np.ascontiguousarray(aligned[:, 1])
    return out


def _binary_onto(binary: dict, network: Network, then: Network) -> dict:
    """_binary_args() of `network` for `then`, `network` as it stood on a date (itself
    without events): the tree's row of each of then's rows and their carries (those of
    participants no longer in it dropped)."""
    if not binary or then is network:
        return binary
    rows = then._base_rows
    out = {**binary, "tree_rows": rows.astype(np.int32)}
    for side in ("carry_left", "carry_right"):
        if side in binary:
            out[side] = np.ascontiguousarray(binary[side][rows])
    return out


def _frame(plan: CompensationPlan, core: _core.PlanEvaluation, index: pd.Index,
           columns: tuple = COLUMNS) -> pd.DataFrame:
    """The per-participant frame of the core's `columns` (held, not copied) on `index`."""
    dtype = pd.CategoricalDtype(plan.ranks, ordered=True)
    data = {}
    for col in columns:
        if col in ("rank", "next_rank", "title"):
            data[col] = pd.Categorical.from_codes(getattr(core, col), dtype=dtype)
        elif col == "active":
            data[col] = core.active.view(bool)  # 0/1 bytes: the same array seen as bool
        else:
            data[col] = getattr(core, col)
    return pd.DataFrame(data, index=index, copy=False)  # the columns are the core's arrays (views): no copy


def _members(network: Network, core: _core.PlanEvaluation) -> pd.Index:
    """The ids of an evaluation's elements (the period's members, in input row order)."""
    rows = core.rows
    return network.ids if len(rows) == len(network.ids) else network.ids.take(rows)


def _totals_of(t: _core.PlanTotals, plan: CompensationPlan) -> dict:
    return {"sales": t.sales, **{b: getattr(t, b) for b in plan.bonuses}, "paid": t.paid,
            "cap_factor": t.cap_factor, "payout_ratio": t.payout_ratio, "earned": t.earned}


def _rank_counts(plan: CompensationPlan, core: _core.PlanEvaluation) -> pd.Series:
    dtype = pd.CategoricalDtype(plan.ranks, ordered=True)
    return pd.Series(np.asarray(core.rank_counts, dtype=np.int64),
                     index=pd.CategoricalIndex(plan.ranks, dtype=dtype, name="rank"), name="participants")


class Evaluation:
    """A plan evaluated for one period.

    Attributes
    ----------
    participants : DataFrame
        Indexed by participant id (the network's order), columns ``pv, cv, gv, active,
        rank, next_rank, pv_gap, gv_gap, legs_gap, active_frontline_gap, unilevel,
        differential, generation, fast_start, total`` (a plan with a binary bonus: also
        ``binary`` before ``total`` and ``binary_left, binary_right, binary_paired,
        carry_left, carry_right`` after it). ``rank`` and ``next_rank`` are
        ordered categoricals over the plan's ranks (missing: none); gaps are missing where
        there is no next rank; bonuses are after the cap (a bonus the plan does not have is
        zeros).
    totals : Series
        ``sales, unilevel, differential, generation, fast_start`` (``binary`` for a plan
        with a binary bonus), ``paid, cap_factor, payout_ratio`` (and ``earned``, every
        bonus before the cap).
    ranks : Series
        Participants per rank, lowest first.
    start, end : Timestamp
        The period [start, end). Participants enrolled after its last day are not in
        ``participants`` (nor is their downline).
    """

    def __init__(self, plan: CompensationPlan, network: Network, core: _core.PlanEvaluation,
                 start: pd.Timestamp, end: pd.Timestamp):
        self.plan, self.start, self.end = plan, start, end
        self.participants = _frame(plan, core, _members(network, core), plan._columns())
        self.totals = pd.Series(_totals_of(core.totals, plan), name="total")
        self.ranks = _rank_counts(plan, core)

    def __repr__(self) -> str:
        t = self.totals
        return (f"<Evaluation of {self.plan.name or 'a plan'} for [{self.start.date()}, {self.end.date()}): "
                f"{len(self.participants):,} participants, sales {t['sales']:,.2f}, paid {t['paid']:,.2f} "
                f"(payout ratio {t['payout_ratio']:.1%}, cap factor {t['cap_factor']:.4g})>")

    def _repr_html_(self) -> str:
        return f"<p>{self!r}</p>" + self.ranks.to_frame().T.to_html() + self.totals.to_frame().T.to_html()


class Run:
    """A plan evaluated over consecutive periods (:meth:`CompensationPlan.run`).

    Attributes
    ----------
    participants : DataFrame
        Indexed by (period, id), the period level holding each period's first day (a
        Timestamp); the columns of :attr:`Evaluation.participants` plus ``title``, the
        highest rank held in this period or an earlier one of the run (those named by
        ``columns=`` only, when given).
    totals : DataFrame
        One row per period (its first day): the columns of :attr:`Evaluation.totals`.
    ranks : DataFrame
        Participants per rank (columns) and period (rows).
    rank_changes : DataFrame
        From the second period on, indexed by (period, id) for the participants in both
        that period and the one before: ``before`` and ``after`` (ranks) and ``change``
        (``"advanced"``, ``"dropped"`` or ``"same"``; no rank is below every rank).
    periods : DatetimeIndex
        The periods' first days; ``end`` the last period's end.
    """

    def __init__(self, plan: CompensationPlan, network: Network, table: _core.PlanRunTable, bounds: list,
                 columns: Optional[tuple] = None):
        self.plan = plan
        self.periods = pd.DatetimeIndex(bounds[:-1], name="period")
        self.end = bounds[-1]
        cols, rows = table.columns, table.rows
        id_name = network.ids.name or "id"
        # (period, id) by codes into the periods and the ids, in the dtypes pandas keeps
        # (no hashing of the rows, no copy)
        sizes = np.diff(np.asarray(table.offsets, dtype=np.int64))
        period = np.repeat(np.arange(len(self.periods), dtype=_code_dtype(len(self.periods))), sizes)
        index = pd.MultiIndex(levels=[self.periods, network.ids], codes=[period, rows],
                              names=["period", id_name], verify_integrity=False)
        self.participants = _frame(plan, cols, index, plan._columns(run=True) if columns is None else columns)
        self.totals = pd.DataFrame([_totals_of(t, plan) for t in table.totals], index=self.periods)
        counts = np.asarray(table.rank_counts, dtype=np.int64).reshape(len(self.periods), len(plan.ranks))
        self.ranks = pd.DataFrame(counts, index=self.periods, columns=pd.CategoricalIndex(
            plan.ranks, categories=plan.ranks, ordered=True, name="rank"))
        self.rank_changes = _rank_changes(plan, network, self.periods, table.offsets, rows, cols.rank, id_name)

    def __repr__(self) -> str:
        return (f"<Run of {self.plan.name or 'a plan'}: {len(self.periods)} periods from "
                f"{self.periods[0].date()} to {self.end.date()}, paid {self.totals['paid'].sum():,.2f} "
                f"on sales of {self.totals['sales'].sum():,.2f}>")


def _code_dtype(n: int) -> type:
    """The dtype pandas keeps for codes into n categories or levels (no copy)."""
    return np.int8 if n < np.iinfo(np.int8).max else np.int16 if n < np.iinfo(np.int16).max else np.int32


def _rank_changes(plan: CompensationPlan, network: Network, periods: pd.DatetimeIndex, offsets: list,
                  rows: np.ndarray, rank: np.ndarray, id_name: str) -> pd.DataFrame:
    """From the second period on, the participants in both a period and the one before:
    their rank before and after, and whether they advanced, dropped or stayed. One pass:
    the result's arrays are allocated for every row after the first period (an upper
    bound) and shrunk in place to the rows found."""
    dtype = pd.CategoricalDtype(plan.ranks, ordered=True)
    none = np.int8(-2)  # not in the period before
    before_of_row = np.full(len(network.ids), none, dtype=np.int8)
    slices = [slice(offsets[p], offsets[p + 1]) for p in range(len(periods))]
    bound = offsets[-1] - offsets[1] if len(periods) > 1 else 0
    code = np.empty(bound, dtype=_code_dtype(len(periods)))
    who = np.empty(bound, dtype=rows.dtype)
    before = np.empty(bound, dtype=np.int8)
    after = np.empty(bound, dtype=np.int8)
    at = 0
    for p in range(1, len(periods)):
        before_of_row[:] = none
        before_of_row[rows[slices[p - 1]]] = rank[slices[p - 1]]
        was = before_of_row[rows[slices[p]]]
        both = was != none
        k = int(np.count_nonzero(both))
        code[at:at + k] = p
        who[at:at + k] = rows[slices[p]][both]
        before[at:at + k] = was[both]
        after[at:at + k] = rank[slices[p]][both]
        at += k
    for a in (code, who, before, after):
        a.resize(at, refcheck=False)  # in place: the arrays own their memory
    change = np.subtract(after, before, dtype=np.int8)  # ranks are -1..99: no overflow
    np.sign(change, out=change)
    np.subtract(1, change, out=change, dtype=np.int8)  # 0: advanced, 1: same, 2: dropped
    index = pd.MultiIndex(levels=[periods, network.ids], codes=[code, who], names=["period", id_name],
                          verify_integrity=False)
    return pd.DataFrame({"before": pd.Categorical.from_codes(before, dtype=dtype),
                         "after": pd.Categorical.from_codes(after, dtype=dtype),
                         "change": pd.Categorical.from_codes(change, categories=CHANGES)}, index=index, copy=False)


#: The kinds of rank change, in order.
CHANGES = ["advanced", "same", "dropped"]


class Comparison:
    """Two plans on the same network, orders and period (:func:`compare_plans`).

    Attributes
    ----------
    ranks : DataFrame
        Participants per rank (rows: the union of both plans' rank names, the first plan's
        first) under each plan (columns ``a``, ``b``).
    totals : DataFrame
        Each bonus, ``paid``, ``payout_ratio`` (rows) under each plan (columns ``a``, ``b``,
        ``difference`` = b - a).
    participants : DataFrame
        Indexed by id: ``rank_a``, ``rank_b``, ``total_a``, ``total_b``, ``difference``
        (total_b - total_a).
    summary : Series
        ``gain``, ``lose``, ``equal`` (participants by the sign of the difference) and the
        largest gain and loss with their participants (``largest_gain``,
        ``largest_gain_id``, ``largest_loss``, ``largest_loss_id``).
    evaluations : tuple of Evaluation
        The two evaluations.
    """

    def __init__(self, a: Evaluation, b: Evaluation):
        self.evaluations = (a, b)
        pa, pb = a.participants, b.participants
        self.participants = pd.DataFrame({"rank_a": pa["rank"], "rank_b": pb["rank"], "total_a": pa["total"],
                                          "total_b": pb["total"], "difference": pb["total"] - pa["total"]})
        names = list(dict.fromkeys([*a.plan.ranks, *b.plan.ranks]))
        self.ranks = pd.DataFrame({"a": a.ranks.rename(index=str).reindex(names, fill_value=0),
                                   "b": b.ranks.rename(index=str).reindex(names, fill_value=0)})
        self.ranks.index.name = "rank"
        rows = [bonus for bonus in BONUSES if bonus in a.totals.index or bonus in b.totals.index]
        rows += ["paid", "payout_ratio"]
        self.totals = pd.DataFrame({"a": a.totals.reindex(rows, fill_value=0.0),
                                    "b": b.totals.reindex(rows, fill_value=0.0)})
        self.totals["difference"] = self.totals["b"] - self.totals["a"]
        d = self.participants["difference"]
        self.summary = pd.Series({
            "gain": int((d > 0).sum()), "lose": int((d < 0).sum()), "equal": int((d == 0).sum()),
            "largest_gain": float(d.max()) if len(d) and d.max() > 0 else 0.0,
            "largest_gain_id": d.idxmax() if len(d) and d.max() > 0 else None,
            "largest_loss": float(d.min()) if len(d) and d.min() < 0 else 0.0,
            "largest_loss_id": d.idxmin() if len(d) and d.min() < 0 else None}, dtype=object)

    def __repr__(self) -> str:
        s = self.summary
        return (f"<Comparison of {self.evaluations[0].plan.name or 'plan a'} and "
                f"{self.evaluations[1].plan.name or 'plan b'}: {s['gain']:,} gain, {s['lose']:,} lose, "
                f"{s['equal']:,} equal; paid {self.totals.loc['paid', 'a']:,.2f} -> {self.totals.loc['paid', 'b']:,.2f}>")


def compare_plans(plan_a: Union[CompensationPlan, dict], plan_b: Union[CompensationPlan, dict], network: Network,
                  orders: Union[pd.DataFrame, Activity], start: Any = None, end: Any = None,
                  participant: str = "participant_id", date: str = "ordered_on", pv: str = "pv",
                  cv: Optional[str] = None, amount: Optional[str] = None, unknown: str = "raise") -> Comparison:
    """What-if: two plans on the same network, orders and period (arguments as
    :meth:`CompensationPlan.evaluate`; the orders are mapped once for both)."""
    plan_a, plan_b = CompensationPlan(plan_a), CompensationPlan(plan_b)
    lo, hi = _period(start, end)
    acts = _mapped(network, orders, lo, hi, participant, date, pv, cv, amount, unknown)
    then, acts = _as_it_stood(network, acts, hi)
    evs = [Evaluation(p, then, _core.evaluate_plan(then._core, p._core, *acts, lo, hi,
                                                   **_binary_onto(_binary_args(p, network, None), network,
                                                                  then)),
                      _timestamp(lo), _timestamp(hi)) for p in (plan_a, plan_b)]
    return Comparison(*evs)
