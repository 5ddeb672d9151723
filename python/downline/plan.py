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
from typing import Any, Optional, Union

import numpy as np
import pandas as pd

from . import _core
from ._convert import day_number
from .errors import InputError
from .network import Activity, Network

_EXAMPLE = Path(__file__).resolve().parent / "data" / "example_plan.json"

#: The per-participant columns of :attr:`Evaluation.participants`, in order.
COLUMNS = ("pv", "cv", "gv", "active", "rank", "next_rank", "pv_gap", "gv_gap", "legs_gap",
           "active_frontline_gap", "unilevel", "differential", "generation", "fast_start", "total")
#: The bonuses, in order.
BONUSES = ("unilevel", "differential", "generation", "fast_start")


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
    of one name, an empty ``rates`` list or a missing ``active_pv`` is an
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
            out.append(f"unilevel {len(u['rates'])} levels ({', '.join(f'{x:.0%}' for x in u['rates'])})"
                       + (", compressed" if u.get("compression") else ""))
        if "differential" in doc:
            out.append("differential by rank")
        if "generation" in doc:
            g = doc["generation"]
            out.append(f"generation {len(g['rates'])} generations of {g['rank']} leaders")
        if "fast_start" in doc:
            f = doc["fast_start"]
            out.append(f"fast start {f['days']} days, {len(f['rates'])} levels")
        if "cap" in doc:
            out.append(f"cap {doc['cap']['share_of_sales']:.0%} of sales")
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
                 unknown: str = "raise") -> "Evaluation":
        """The plan for the period [start, end) on ``network`` (by default ``end`` is one
        calendar month after ``start``).

        ``orders`` is a DataFrame (``pv``, and a ``cv`` column when it has one, else CV =
        PV; ``amount`` for sales when it has one, else sales = the PV) or an
        :class:`Activity` mapped onto ``network`` (its volume is PV, CV and sales). Only the
        period's orders are mapped. ``unknown`` as in :meth:`Network.activity`.
        """
        if not isinstance(network, Network):
            raise InputError(f"network: expected a downline.Network, not {type(network).__name__}")
        if start is None:
            raise InputError("start: the period's first day is required (end defaults to a month later)")
        lo = day_number(start, "start")
        if end is None:
            hi = day_number(pd.Timestamp(start) + pd.DateOffset(months=1), "end")
        else:
            hi = day_number(end, "end")
        if lo > hi:
            raise InputError(f"start ({start}) is after end ({end}): the period [start, end) must not run backwards")
        if isinstance(orders, Activity):
            if orders.network is not network:
                raise InputError("this Activity was mapped onto another network")
            acts = (orders._core, None, None)
        elif isinstance(orders, pd.DataFrame):
            cv = cv if cv is not None else ("cv" if "cv" in orders.columns else None)
            amount = amount if amount is not None else ("amount" if "amount" in orders.columns else None)
            for what, col in (("pv", pv), ("cv", cv), ("amount", amount)):
                if col is not None and col not in orders.columns:
                    raise InputError(f"{what}: the orders have no column {col!r} (columns: {list(orders.columns)})")

            def mapped(col: Optional[str]) -> Optional[_core.Activity]:
                if col is None or col == pv:
                    return None
                return network.activity(orders, participant=participant, date=date, pv=col, unknown=unknown,
                                        _window=(lo, hi))._core

            acts = (network.activity(orders, participant=participant, date=date, pv=pv, unknown=unknown,
                                     _window=(lo, hi))._core, mapped(cv), mapped(amount))
        else:
            raise InputError(f"orders: expected a DataFrame or a downline.Activity, not {type(orders).__name__}")
        core = _core.evaluate_plan(network._core, self._core, acts[0], acts[1], acts[2], lo, hi)
        return Evaluation(self, network, core, pd.Timestamp("1970-01-01") + pd.Timedelta(days=lo),
                          pd.Timestamp("1970-01-01") + pd.Timedelta(days=hi))


class Evaluation:
    """A plan evaluated for one period.

    Attributes
    ----------
    participants : DataFrame
        Indexed by participant id (the network's order), columns ``pv, cv, gv, active,
        rank, next_rank, pv_gap, gv_gap, legs_gap, active_frontline_gap, unilevel,
        differential, generation, fast_start, total``. ``rank`` and ``next_rank`` are
        ordered categoricals over the plan's ranks (missing: none); gaps are missing where
        there is no next rank; bonuses are after the cap (a bonus the plan does not have is
        zeros).
    totals : Series
        ``sales, unilevel, differential, generation, fast_start, paid, cap_factor,
        payout_ratio`` (and ``earned``, every bonus before the cap).
    ranks : Series
        Participants per rank, lowest first.
    start, end : Timestamp
        The period [start, end).
    """

    def __init__(self, plan: CompensationPlan, network: Network, core: _core.PlanEvaluation,
                 start: pd.Timestamp, end: pd.Timestamp):
        self.plan, self.start, self.end = plan, start, end
        names = plan.ranks
        dtype = pd.CategoricalDtype(names, ordered=True)

        def ranks(codes: np.ndarray) -> pd.Categorical:
            return pd.Categorical.from_codes(codes, dtype=dtype)

        data = {}
        for col in COLUMNS:
            if col in ("rank", "next_rank"):
                data[col] = ranks(getattr(core, col))
            elif col == "active":
                data[col] = core.active.astype(bool)
            else:
                data[col] = getattr(core, col)
        self.participants = pd.DataFrame(data, index=network.ids)
        t = core.totals
        self.totals = pd.Series({"sales": t.sales, **{b: getattr(t, b) for b in BONUSES}, "paid": t.paid,
                                 "cap_factor": t.cap_factor, "payout_ratio": t.payout_ratio, "earned": t.earned},
                                name="total")
        self.ranks = pd.Series(np.asarray(core.rank_counts, dtype=np.int64),
                               index=pd.CategoricalIndex(names, dtype=dtype, name="rank"), name="participants")

    def __repr__(self) -> str:
        t = self.totals
        return (f"<Evaluation of {self.plan.name or 'a plan'} for [{self.start.date()}, {self.end.date()}): "
                f"{len(self.participants):,} participants, sales {t['sales']:,.2f}, paid {t['paid']:,.2f} "
                f"(payout ratio {t['payout_ratio']:.1%}, cap factor {t['cap_factor']:.4g})>")

    def _repr_html_(self) -> str:
        return f"<p>{self!r}</p>" + self.ranks.to_frame().T.to_html() + self.totals.to_frame().T.to_html()
