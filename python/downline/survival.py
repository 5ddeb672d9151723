"""Retention (DOMAIN.md "Retention"): churn, Kaplan-Meier curves of many groups in one
call, the log-rank test and cohort retention matrices.

The estimator follows lifelines: settings in the constructor, ``fit(...)`` returns the
estimator, results are labelled DataFrames in attributes ending in ``_`` and ``plot()``
returns matplotlib Axes. The counting is done in C++ (``downline::kaplan_meier``); the
confidence intervals, medians and the test statistic are vectorised numpy on the
(group, time) table, which is small next to the data.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any, Hashable, Optional, Sequence

import numpy as np
import pandas as pd

from . import _core
from ._convert import check_days, column, date_ticks, day_number
from ._html import summary_html
from .errors import InputError, UnknownIdError
from .network import _show
from .segment import _EPOCH, _Orders, _dates

_TOLERANCE = math.sqrt(np.finfo(float).eps)  # R's tolerance for "S is exactly p"


def _vector(values: Any, name: str, n: Optional[int] = None) -> np.ndarray:
    arr = values.to_numpy() if isinstance(values, (pd.Series, pd.Index)) else np.asarray(values)
    if arr.ndim != 1:
        raise InputError(f"{name}: expected one value per subject (1-D), got shape {arr.shape}")
    if n is not None and len(arr) != n:
        raise InputError(f"{name}: {len(arr)} values for {n} durations")
    return arr


def _float_vector(values: Any, name: str, n: Optional[int] = None) -> np.ndarray:
    arr = _vector(values, name, n)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise InputError(f"{name}: expected numbers, got {arr.dtype}") from None
    return np.ascontiguousarray(arr, dtype=np.float64)  # no copy when already float64


def _events(values: Any, n: int) -> np.ndarray:
    if values is None:
        return np.ones(n, dtype=np.uint8)  # every duration is an event (lifelines' default)
    arr = _vector(values, "event_observed", n)
    if arr.dtype == bool:
        return arr.view(np.uint8)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise InputError(f"event_observed: expected booleans or 0/1, got {arr.dtype}")
    bad = ~np.isin(arr, (0, 1))
    if bad.any():
        rows = np.flatnonzero(bad).tolist()
        raise InputError(f"event_observed: values other than 0/1 at rows {_show(rows)}", ids=rows)
    return arr.astype(np.uint8)


def _group_codes(groups: Any, n: int) -> tuple[Optional[np.ndarray], pd.Index]:
    """(int32 group codes, the label of each code). Every label has subjects, except with
    small whole numbers: they are their own codes (code c is label lo + c, no counting over
    every subject), so the labels of the range without subjects are dropped by
    _drop_empty_groups() once the table is fitted."""
    if groups is None:
        return None, pd.Index(["KM_estimate"])
    arr = _vector(groups, "groups", n)
    if arr.dtype.kind in "iu" and n > 0:
        lo, hi = int(arr.min()), int(arr.max())
        if hi - lo < 4096:  # a few whole numbers (regions, months): the values are the codes
            codes = arr if lo == 0 and arr.dtype == np.int32 else (arr - lo).astype(np.int32)
            return codes, pd.Index(np.arange(hi - lo + 1) + lo, dtype=arr.dtype)
        if hi - lo < max(4 * n, 1 << 16):  # whole numbers in a range: codes by a table, no hashing
            present = np.bincount(arr - lo if lo else arr, minlength=hi - lo + 1) > 0
            labels = pd.Index(np.flatnonzero(present) + lo, dtype=arr.dtype)
            code_of = np.cumsum(present, dtype=np.int32) - 1
            return code_of[arr - lo if lo else arr], labels
    codes, uniques = pd.factorize(arr, sort=True)
    if (codes < 0).any():
        rows = np.flatnonzero(codes < 0).tolist()
        raise InputError(f"groups: missing group labels at rows {_show(rows)}", ids=rows)
    return codes.astype(np.int32), pd.Index(uniques)


def _drop_empty_groups(tab: dict, labels: pd.Index) -> pd.Index:
    """The labels of the groups with rows in a fitted table; the others are dropped from
    the table's group codes and starts (in place)."""
    start = tab["group_start"]
    present = start[1:] > start[:-1]
    if present.all():
        return labels
    tab["group"] = (np.cumsum(present, dtype=np.int32) - 1)[tab["group"]]
    tab["group_start"] = start[np.concatenate(([0], np.flatnonzero(present) + 1))]
    return labels[present]


def _fit_table(durations: Any, event_observed: Any, groups: Any, weights: Any) -> tuple[dict, pd.Index]:
    """Checked inputs -> (the C++ Kaplan-Meier table, the group labels). Every label has
    rows, since the labels are those found in ``groups``."""
    t = _vector(durations, "durations")
    # int32 whole days (churn durations) go to C++ as they are; anything else as float64
    t = t if t.dtype == np.int32 and t.flags.c_contiguous else _float_vector(t, "durations")
    n = len(t)
    if n == 0:
        raise InputError("durations: no subjects to fit (an empty array)")
    e = _events(event_observed, n)
    codes, labels = _group_codes(groups, n)
    w = None if weights is None else _float_vector(weights, "weights", n)
    tab = _core.kaplan_meier(t, e, codes, w, len(labels))
    return tab, _drop_empty_groups(tab, labels)


def _group_slice(tab: dict, g: int) -> slice:
    """The rows of group g in a Kaplan-Meier table."""
    return slice(int(tab["group_start"][g]), int(tab["group_start"][g + 1]))


def _step_values(times: np.ndarray, values: np.ndarray, at: np.ndarray, before: float) -> np.ndarray:
    """A right-continuous step function through (times, values) (at least one point),
    ``before`` left of the first time, evaluated at ``at``."""
    j = np.searchsorted(times, at, side="right") - 1
    return np.where(j >= 0, values[np.maximum(j, 0)], before).astype(np.float64)


class KaplanMeier:
    """Kaplan-Meier estimates of many groups in one call.

    Parameters
    ----------
    alpha : float
        The intervals are 1 - alpha (default 95 %).
    ci : {"log-log", "log"}
        Interval form: ``"log-log"`` (lifelines' and statsmodels' default) or ``"log"``
        (R's default, upper bound capped at 1). Both use Greenwood's variance.

    After :meth:`fit`:

    * ``survival_table_``: one row per (group, distinct time): ``at_risk``, ``observed``,
      ``censored``, ``removed``, ``survival``, ``std_err`` (Greenwood standard error of S),
      ``lower`` and ``upper`` (the chosen interval). Indexed by (group, time), or by time
      without groups. Counts are sums of weights.
    * ``event_table_``: its ``at_risk, observed, censored, removed`` columns.
    * ``survival_function_``: S on the timeline (0 and every distinct time of any group),
      one column per group (``KM_estimate`` without groups); a group's curve stays at its
      last value after its last time.
    * ``confidence_interval_``: the same timeline, columns ``<group>_lower_<1-alpha>`` and
      ``<group>_upper_<1-alpha>`` (lifelines' names).
    * ``median_survival_time_``: the smallest time with S <= 0.5; where S is 0.5 (within
      sqrt(machine epsilon)) on an interval, the midpoint of that time and the next event
      time, as R does; ``inf`` when S never reaches 0.5 (lifelines' convention). A float
      without groups, else a Series by group.

    Event times are the observed durations as given (days, months, ...): a subject
    censored at t is at risk at t (DOMAIN.md). Weights are frequency weights: counts are
    sums of weights and Greenwood's variance uses them, exactly as if each row were
    repeated weight times (statsmodels' ``freq_weights`` give the same S but estimate the
    variance by sum d / n^2 instead).
    """

    def __init__(self, alpha: float = 0.05, ci: str = "log-log") -> None:
        if not (isinstance(alpha, (int, float)) and 0.0 < float(alpha) < 1.0):
            raise InputError(f"alpha must be between 0 and 1, not {alpha!r}")
        if ci not in ("log-log", "log"):
            raise InputError(f"ci must be 'log-log' or 'log', not {ci!r}")
        self.alpha = float(alpha)
        self.ci = ci

    # ------------------------------------------------------------------ fit
    def fit(self, durations: Any, event_observed: Any = None, groups: Any = None,
            weights: Any = None) -> "KaplanMeier":
        """Fits one curve per group (all of them in one pass).

        ``durations``: non-negative finite numbers, at least one; ``event_observed``: booleans or 0/1
        (default: every duration is an event); ``groups``: one label per duration (any
        hashable values, sorted in the results), or None for one curve; ``weights``:
        positive finite case weights (default 1). Returns self."""
        tab, labels = _fit_table(durations, event_observed, groups, weights)
        return self._set_table(tab, labels, groups is not None)

    def _set_table(self, tab: dict, labels: pd.Index, grouped: bool) -> "KaplanMeier":
        """Takes a C++ Kaplan-Meier table (every group with rows) and its group labels."""
        self._tab, self._labels, self._grouped = tab, labels, grouped
        self._build()
        return self

    def _build(self) -> None:
        tab = self._tab
        s = tab["survival"]
        z = NormalDist().inv_cdf(1.0 - self.alpha / 2.0)
        std_err, lower, upper = _core.km_intervals(s, tab["greenwood"], z, self.ci == "log")
        if self._grouped:
            # from the codes the table holds: what MultiIndex.from_arrays would find by
            # factorizing both columns (the sorted labels, the sorted distinct times)
            labels, group = self._labels, tab["group"]
            if not (labels.is_unique and labels.is_monotonic_increasing):
                order, labels = pd.factorize(labels, sort=True)
                group = order[group]
            index = pd.MultiIndex(levels=[labels, tab["distinct_time"]], codes=[group, tab["time_code"]],
                                  names=["group", "time"], verify_integrity=False)
        else:
            index = pd.Index(tab["time"], name="time")
        events = {"at_risk": tab["at_risk"], "observed": tab["observed"], "censored": tab["censored"],
                  "removed": tab["observed"] + tab["censored"]}
        self.survival_table_ = pd.DataFrame({**events, "survival": s, "std_err": std_err, "lower": lower,
                                             "upper": upper}, index=index, copy=False)
        self._event_table = None  # built when first read
        self._wide = None
        medians = pd.Series([self._median(g) for g in range(len(self._labels))], index=self._labels,
                            name="median", dtype=np.float64)
        self.median_survival_time_ = medians if self._grouped else float(medians.iloc[0])

    @property
    def event_table_(self) -> pd.DataFrame:
        """``at_risk, observed, censored, removed`` by (group, time): the counts of
        ``survival_table_``, in a frame of their own (the two do not share memory)."""
        if not hasattr(self, "_tab"):  # an attribute set by fit(), as in lifelines
            raise AttributeError("event_table_: call fit(...) first")
        if self._event_table is None:
            # selecting the columns from survival_table_ would first consolidate all eight
            # into one 2-D block
            t = self.survival_table_
            self._event_table = pd.DataFrame({k: t[k].to_numpy(copy=True) for k in
                                              ("at_risk", "observed", "censored", "removed")},
                                             index=t.index, copy=False)
        return self._event_table

    def _rows(self, g: int) -> slice:
        return _group_slice(self._tab, g)

    def _median(self, g: int) -> float:
        r = self._rows(g)
        time, s, d = self._tab["time"][r], self._tab["survival"][r], self._tab["observed"][r]
        hit = np.flatnonzero(s <= 0.5 + _TOLERANCE)
        if len(hit) == 0:
            return math.inf
        j = int(hit[0])
        if abs(s[j] - 0.5) < _TOLERANCE:
            later = np.flatnonzero(d[j + 1:] > 0)
            if len(later):
                return float((time[j] + time[j + 1 + later[0]]) / 2.0)
        return float(time[j])

    def _check_fitted(self) -> None:
        if not hasattr(self, "_tab"):
            raise InputError("KaplanMeier: call fit(...) first")

    # --------------------------------------------------------------- curves
    @property
    def timeline(self) -> np.ndarray:
        """0 and every distinct time of any group, ascending."""
        self._check_fitted()
        distinct = self._tab["distinct_time"]
        return distinct.copy() if len(distinct) and distinct[0] == 0.0 else np.concatenate(([0.0], distinct))

    def _curves(self, at: np.ndarray) -> dict:
        """S, lower and upper of every group at the times ``at``."""
        out = {}
        for g, label in enumerate(self._labels):
            r = self._rows(g)
            times = self._tab["time"][r]
            st = self.survival_table_.iloc[r]
            out[label] = (_step_values(times, st["survival"].to_numpy(), at, 1.0),
                          _step_values(times, st["lower"].to_numpy(), at, 1.0),
                          _step_values(times, st["upper"].to_numpy(), at, 1.0))
        return out

    def _wide_frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        if self._wide is None:
            at = self.timeline
            curves = self._curves(at)
            index = pd.Index(at, name="timeline")
            level = f"{1.0 - self.alpha:g}"
            sf = pd.DataFrame({label: c[0] for label, c in curves.items()}, index=index)
            ci = pd.DataFrame({f"{label}_{side}_{level}": c[k] for label, c in curves.items()
                               for side, k in (("lower", 1), ("upper", 2))}, index=index)
            self._wide = (sf, ci)
        return self._wide

    @property
    def survival_function_(self) -> pd.DataFrame:
        """S on the timeline (0 and every distinct time of any group), one column per group
        (``KM_estimate`` without groups)."""
        self._check_fitted()
        return self._wide_frames()[0]

    @property
    def confidence_interval_(self) -> pd.DataFrame:
        """The interval bounds on the same timeline: columns ``<group>_lower_<1-alpha>`` and
        ``<group>_upper_<1-alpha>`` (lifelines' names)."""
        self._check_fitted()
        return self._wide_frames()[1]

    def survival_at(self, times: Any) -> Any:
        """S at the given times: a Series without groups, else a DataFrame (times x groups)."""
        self._check_fitted()
        at = _float_vector(np.atleast_1d(np.asarray(times, dtype=np.float64)), "times")
        frame = pd.DataFrame({label: c[0] for label, c in self._curves(at).items()},
                             index=pd.Index(at, name="time"))
        return frame if self._grouped else frame.iloc[:, 0].rename("KM_estimate")

    def at_risk_at(self, times: Any) -> pd.DataFrame:
        """Subjects at risk (duration >= t) of every group at the given times."""
        self._check_fitted()
        at = np.atleast_1d(np.asarray(times, dtype=np.float64))
        cols = {}
        for g, label in enumerate(self._labels):
            r = self._rows(g)
            times_g, risk = self._tab["time"][r], self._tab["at_risk"][r]
            j = np.searchsorted(times_g, at, side="left")
            cols[label] = np.where(j < len(times_g), risk[np.minimum(j, len(risk) - 1)], 0.0)
        return pd.DataFrame(cols, index=pd.Index(at, name="time"))

    # ----------------------------------------------------------------- plot
    def plot(self, ax: Any = None, ci_show: bool = True, at_risk_counts: bool = False,
             groups: Optional[Sequence[Hashable]] = None, **kwargs: Any) -> Any:
        """Step curves (one per group, or those in ``groups``) with shaded intervals;
        ``at_risk_counts=True`` writes the numbers at risk under the x axis at its ticks.
        Returns the matplotlib Axes."""
        self._check_fitted()
        import matplotlib.pyplot as plt  # only when plotting

        if ax is None:
            _, ax = plt.subplots()
        sf, ci = self._wide_frames()
        labels = list(self._labels) if groups is None else list(groups)
        level = f"{1.0 - self.alpha:g}"
        for label in labels:
            if label not in sf.columns:
                raise InputError(f"plot: no group {label!r} (groups: {_show(list(self._labels))})")
            line, = ax.step(sf.index, sf[label], where="post", label=str(label), **kwargs)
            if ci_show:
                ax.fill_between(ci.index, ci[f"{label}_lower_{level}"], ci[f"{label}_upper_{level}"],
                                step="post", alpha=0.25, color=line.get_color(), linewidth=0)
        ax.set_ylim(0.0, 1.05)
        ax.set_xlabel("time")
        ax.set_ylabel("survival")
        if len(labels) > 1 or self._grouped:
            ax.legend()
        if at_risk_counts:
            ticks = [t for t in ax.get_xticks() if sf.index.min() <= t <= sf.index.max()]
            risk = self.at_risk_at(ticks)
            for k, label in enumerate(labels):
                y = -0.18 - 0.07 * k
                ax.text(0.0, y, f"{label}", transform=ax.transAxes, ha="right", va="top", fontsize="small")
                for t in ticks:
                    ax.text(t, y, f"{risk.at[float(t), label]:g}", transform=ax.get_xaxis_transform(),
                            ha="center", va="top", fontsize="small")
        return ax

    def __repr__(self) -> str:
        if not hasattr(self, "_tab"):
            return f"<KaplanMeier alpha={self.alpha} ci={self.ci!r}, not fitted>"
        n = float(self._tab["observed"].sum() + self._tab["censored"].sum())
        return (f"<KaplanMeier alpha={self.alpha} ci={self.ci!r}: {len(self._labels)} group(s), "
                f"{n:g} subjects, {int(self._tab['observed'].sum()):d} events>")

    def _repr_html_(self) -> str:
        if not hasattr(self, "_tab"):
            return summary_html(repr(self))
        medians = pd.DataFrame({"median_survival_time": np.atleast_1d(self.median_survival_time_)},
                               index=pd.Index(self._labels, name="group"))
        return summary_html(repr(self), medians, float_format="g")


# ----------------------------------------------------------------------- log-rank

def _chi2_sf(x: float, k: int) -> float:
    """P(chi-squared with k degrees of freedom > x): the regularized upper incomplete gamma
    Q(k/2, x/2), by its series below a + 1 and its continued fraction above (Numerical
    Recipes 6.2), to double precision."""
    if x <= 0.0:
        return 1.0
    a, y = k / 2.0, x / 2.0
    log_pre = a * math.log(y) - y - math.lgamma(a)
    if y < a + 1.0:
        term = total = 1.0 / a
        ap = a
        for _ in range(10000):
            ap += 1.0
            term *= y / ap
            total += term
            if abs(term) < abs(total) * 1e-17:
                break
        return max(0.0, 1.0 - total * math.exp(log_pre))
    tiny = 1e-300
    b = y + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 10000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-17:
            break
    return math.exp(log_pre) * h


class LogrankResult:
    """The log-rank test of equal survival in two or more groups: ``statistic`` (chi-squared),
    ``degrees_of_freedom`` (groups - 1), ``p_value``, and ``summary``: observed and expected
    events per group."""

    def __init__(self, statistic: float, dof: int, summary: pd.DataFrame) -> None:
        self.statistic = statistic
        self.degrees_of_freedom = dof
        self.p_value = _chi2_sf(statistic, dof)
        self.summary = summary

    def __repr__(self) -> str:
        return (f"<LogrankResult statistic={self.statistic:.6g} degrees_of_freedom={self.degrees_of_freedom} "
                f"p_value={self.p_value:.6g}>")

    def _repr_html_(self) -> str:
        return summary_html(repr(self), self.summary, float_format=".6g")


def logrank_test(durations: Any, event_observed: Any, groups: Any, weights: Any = None) -> LogrankResult:
    """The log-rank (Mantel-Cox) test that every group has the same survival, for two or
    more groups (R's ``survdiff``, statsmodels' ``survdiff``): at each distinct event time,
    observed events of each group against those expected from its share of the subjects
    at risk, with the hypergeometric covariance; statistic = (O - E)' V^-1 (O - E) over all
    groups but one, chi-squared with groups - 1 degrees of freedom. ``weights`` are
    frequency weights (a weight of 2 counts as two identical subjects)."""
    if groups is None:
        raise InputError("logrank_test: give the groups (two or more)")
    tab, labels = _fit_table(durations, event_observed, groups, weights)
    G = len(labels)
    if G < 2:
        raise InputError(f"logrank_test: needs two or more groups, got {G}")
    event_times = np.unique(tab["time"][tab["observed"] > 0])
    T = len(event_times)
    n = np.zeros((G, T))
    d = np.zeros((G, T))
    for g in range(G):
        r = _group_slice(tab, g)
        times_g, risk, obs = tab["time"][r], tab["at_risk"][r], tab["observed"][r]
        j = np.searchsorted(times_g, event_times, side="left")
        inside = j < len(times_g)
        n[g, inside] = risk[j[inside]]
        same = inside.copy()
        same[inside] = times_g[j[inside]] == event_times[inside]
        d[g, same] = obs[j[same]]
    N, D = n.sum(axis=0), d.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = (n * (D / N)).sum(axis=1)
        factor = np.where(N > 1, D * (N - D) / (N - 1) / N ** 2, 0.0)
    observed = d.sum(axis=1)
    V = -(n * factor) @ n.T
    V[np.diag_indices(G)] += (n * (N * factor)).sum(axis=1)
    diff = (observed - expected)[:-1]
    Vr = V[:-1, :-1]
    try:
        stat = float(diff @ np.linalg.solve(Vr, diff))
    except np.linalg.LinAlgError:
        stat = float(diff @ np.linalg.pinv(Vr) @ diff)
    summary = pd.DataFrame({"observed": observed, "expected": expected}, index=labels.rename("group"))
    return LogrankResult(stat, G - 1, summary)


# ----------------------------------------------------------------------- churn

def _participants(participants: Any, id: str, enrolled_on: str) -> tuple[pd.Index, np.ndarray]:
    """(ids, enrolment days) of a Network built with enrolment dates or of a DataFrame."""
    if hasattr(participants, "ids") and hasattr(participants, "_enrolment_days"):
        days = participants._enrolment_days()
        if days is None:
            raise InputError("churn needs enrolment dates: build the network with enrolled_on=... "
                             "or pass a DataFrame with an enrolment column")
        return participants.ids, np.asarray(days)
    if not isinstance(participants, pd.DataFrame):
        raise InputError(f"participants must be a Network or a pandas DataFrame, not {type(participants).__name__}")
    ids = pd.Index(column(participants, id), name=id)
    ticks, per_day = date_ticks(column(participants, enrolled_on), enrolled_on)
    days, n_nat = _core.day_numbers(ticks, per_day)
    if n_nat or ids.hasnans:
        bad = ids[(ticks == np.iinfo(np.int64).min) | ids.isna()].tolist()
        raise InputError(f"participants with a missing id or {enrolled_on!r}: {_show(bad)}", ids=bad)
    check_days(days, enrolled_on)  # 1900-01-01 .. 2200-12-31
    # duplicate ids are found (and named) where the orders are matched to the participants
    return ids, days


def _churn_arrays(participants: Any, orders: pd.DataFrame, as_of: Any, churn_after: int, participant: str,
                  date: str, amount: Optional[str], id: str, enrolled_on: str, missing: str, unknown: str) -> dict:
    """churn()'s figures for every participant in the order of ``participants`` (ids,
    enrolment and last activity days, duration, churned) and ``keep``: enrolled by as_of."""
    if isinstance(churn_after, bool) or not isinstance(churn_after, (int, np.integer)) or churn_after < 0:
        raise InputError(f"churn_after must be a whole number of days >= 0, not {churn_after!r}")
    ids, enrol = _participants(participants, id, enrolled_on)
    as_of_day = day_number(as_of, "as_of")
    o = _Orders(orders, participant, date, amount, missing, ids, unknown)
    keys, universe = o.kernel_inputs()
    enrol = np.ascontiguousarray(enrol, dtype=np.int32)
    res = o.checked(lambda: _core.churn_status(keys, o.ticks, o.per_day, o.amount, universe, enrol, as_of_day,
                                               int(churn_after)))
    return {"ids": ids, "enrol": enrol, "last": res["last"], "churned": res["churned"].view(bool),
            "duration": res["duration"], "keep": enrol <= as_of_day}


def churn(participants: Any, orders: pd.DataFrame, as_of: Any, churn_after: int = 90,
          participant: str = "participant_id", date: str = "ordered_on", amount: Optional[str] = None,
          id: str = "id", enrolled_on: str = "enrolled_on", missing: str = "raise",
          unknown: str = "raise") -> pd.DataFrame:
    """Every participant's churn status at ``as_of`` (DOMAIN.md "Retention").

    Activity dates are the enrolment date and every order day up to ``as_of`` (with
    ``amount`` given, rows with an amount <= 0 are refunds, not activity). A participant has
    **churned** when more than ``churn_after`` days passed since the last activity (the
    "Lost" side of the life-cycle recency tiers: 90 days since is still not churned); the
    event time is the last activity, duration = last activity - enrolment. Otherwise the
    participant is censored at ``as_of``: duration = as_of - enrolment.

    ``participants``: a Network built with ``enrolled_on=`` or a DataFrame with the columns
    ``id`` and ``enrolled_on``. Participants enrolled after ``as_of`` are not participants
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
    return pd.DataFrame({"enrolled_on": _dates(c["enrol"][sel]), "last_activity": _dates(c["last"][sel]),
                         "duration": c["duration"][sel], "churned": c["churned"][sel]},
                        index=ids[sel].rename(ids.name if ids.name is not None else id), copy=False)


# ----------------------------------------------------------------------- cohorts

def _months(days: np.ndarray) -> np.ndarray:
    """Calendar months since 1970-01 of days since 1970-01-01."""
    return (_EPOCH + days.astype("timedelta64[D]")).astype("datetime64[M]").astype(np.int64)


class CohortRetention:
    """A cohort retention matrix (DOMAIN.md): cohort = calendar month of the first order (or
    of enrolment); cell (c, k) = share of cohort c with at least one order in month c + k.

    * ``counts``: customers of cohort c active in month c + k (cohorts x k; missing after
      the month of ``as_of``, which counts although it may be partly observed);
    * ``shares``: counts / cohort size (missing where counts are);
    * ``sizes``: customers per cohort;
    * ``long``: one row per observed cell: ``cohort, k, cohort_size, active, retention``.

    With ``by``, every table has the group as the first index level."""

    def __init__(self, counts: pd.DataFrame, sizes: pd.Series, as_of: pd.Timestamp) -> None:
        self.counts = counts
        self.sizes = sizes
        # one 2-D division (the nullable columns' missing cells become NaN); astype + div
        # would go through pandas column by column
        self.shares = pd.DataFrame(counts.to_numpy(dtype=np.float64, na_value=np.nan)
                                   / sizes.to_numpy(dtype=np.float64)[:, None],
                                   index=counts.index, columns=counts.columns)
        self.as_of = as_of

    @property
    def long(self) -> pd.DataFrame:
        """One row per cell up to as_of: the cohort (and group), ``k`` (months since the
        cohort month), ``active``, ``cohort_size`` and ``retention`` (active / size)."""
        active = self.counts.stack().rename("active")  # drops the missing cells
        out = active.reset_index()
        out.columns = list(self.counts.index.names) + ["k", "active"]
        sizes = self.sizes.reindex(pd.MultiIndex.from_frame(out[list(self.counts.index.names)])
                                   if self.counts.index.nlevels > 1 else out[self.counts.index.names[0]])
        out.insert(len(self.counts.index.names) + 1, "cohort_size", sizes.to_numpy())
        out["active"] = out["active"].astype(np.int64)
        out["retention"] = out["active"] / out["cohort_size"]
        return out

    def plot(self, ax: Any = None, cmap: str = "viridis", annotate: bool = True) -> Any:
        """The shares as a heatmap (cohorts down, months since the cohort across; cells
        after as_of blank), each cell labelled with its share. Returns the Axes."""
        from .plots import heatmap

        return heatmap(self.shares, ax=ax, cmap=cmap, vmin=0.0, vmax=1.0,
                       text=(lambda i, j, v: f"{v:.0%}") if annotate else None, colorbar="share active",
                       xlabel="months since the cohort month", ylabel="cohort")

    def __repr__(self) -> str:
        return (f"<CohortRetention: {len(self.sizes)} cohort(s), {int(self.sizes.sum())} customers, "
                f"as of {self.as_of.date()}>")

    def _repr_html_(self) -> str:
        return summary_html(repr(self), self.shares, float_format=".1%")


def cohort_retention(orders: pd.DataFrame, as_of: Any = None, cohort: str = "first_order",
                     participants: Any = None, by: Any = None, participant: str = "participant_id",
                     date: str = "ordered_on", amount: Optional[str] = None, id: str = "id",
                     enrolled_on: str = "enrolled_on", missing: str = "raise",
                     unknown: str = "raise") -> CohortRetention:
    """Cohort retention matrix of every customer at ``as_of`` (default: the last order day).

    ``cohort="first_order"``: the cohort is the month of the customer's first order up to
    ``as_of``; ``cohort="enrolment"``: the month of enrolment, from ``participants`` (a
    Network built with ``enrolled_on=`` or a DataFrame with ``id`` and ``enrolled_on``),
    participants enrolled after ``as_of`` left out and orders before the enrolment month
    not counted. ``by``: a Series of group labels indexed by customer id (for example a
    participant attribute or each participant's leader) to split every cohort by group.
    With ``amount`` given, rows with an amount <= 0 (refunds) are not activity."""
    if cohort not in ("first_order", "enrolment"):
        raise InputError(f"cohort must be 'first_order' or 'enrolment', not {cohort!r}")
    universe = None
    enrol = None
    if cohort == "enrolment":
        if participants is None:
            raise InputError("cohort='enrolment' needs participants (a Network or a DataFrame with enrolment dates)")
        universe, enrol = _participants(participants, id, enrolled_on)
    elif isinstance(participants, pd.DataFrame):
        universe = pd.Index(column(participants, id), name=id)
    elif participants is not None:
        universe = participants.ids if hasattr(participants, "ids") else pd.Index(participants)
    labels_from_by = False
    if by is not None:
        if not isinstance(by, pd.Series):
            raise InputError("by: expected a pandas Series of labels indexed by customer id")
        if universe is None:  # the customers are those with a label
            universe, labels_from_by = pd.Index(by.index, name=participant), True
    try:
        o = _Orders(orders, participant, date, amount, missing, universe, "raise" if labels_from_by else unknown)
    except UnknownIdError as exc:
        if not labels_from_by:
            raise
        raise InputError(f"by: no group label for customers {_show(exc.ids)}", ids=exc.ids) from None
    as_of_day = o.last_day() if as_of is None else day_number(as_of, "as_of")
    keys, uni = o.kernel_inputs()
    group = None
    groups = pd.Index([None])
    if by is not None:
        codes, groups = pd.factorize(by.to_numpy() if labels_from_by else by.reindex(o.ids).to_numpy(), sort=True)
        group = codes.astype(np.int32)
    cohort_day = None if enrol is None else np.ascontiguousarray(enrol, dtype=np.int32)

    def run():
        return _core.cohort_counts(keys, o.ticks, o.per_day, o.amount, uni, int(as_of_day), cohort_day, group,
                                   len(groups))
    res = o.checked(run, who="by: customers" if labels_from_by else "participants",
                    report_unknown=not labels_from_by)
    if labels_from_by and res["unknown_orders"]:  # the customers are those with a label
        bad = res["unknown_ids"].tolist()
        raise InputError(f"by: no group label for customers {_show(bad)}", ids=bad)
    if len(res["ungrouped"]):
        bad = o.ids[res["ungrouped"]].tolist()
        raise InputError(f"by: no group label for customers {_show(bad)}", ids=bad)
    n_cohorts = int(res["months"])
    lo_month = int(res["first_month"])
    as_of_month = int(_months(np.array([as_of_day]))[0])
    n_rows = len(groups) * n_cohorts
    counts = res["counts"].reshape(n_rows, n_cohorts)
    sizes = res["sizes"]
    cohort_index = pd.period_range(pd.Period(np.datetime64(lo_month, "M"), "M"), periods=n_cohorts, freq="M")
    if by is not None:
        index = pd.MultiIndex.from_product([groups, cohort_index], names=["group", "cohort"])
    else:
        index = pd.Index(cohort_index, name="cohort")
    # cells after the month of as_of are missing; cohorts with no customer are left out
    c_of_row = np.tile(np.arange(n_cohorts), len(groups))
    late = (c_of_row[:, None] + np.arange(n_cohorts)[None, :]) > (as_of_month - lo_month)
    present = sizes > 0
    kept, late = counts[present], late[present]
    # one nullable column per k, built directly (DataFrame.astype("Int64").mask() works
    # column by column through pandas' generic paths: ~15x slower)
    frame = pd.DataFrame({k: pd.arrays.IntegerArray(np.ascontiguousarray(kept[:, k]), np.ascontiguousarray(late[:, k]))
                          for k in range(n_cohorts)}, index=index[present], copy=False)
    frame.columns = pd.RangeIndex(n_cohorts, name="k")
    size_series = pd.Series(sizes[present], index=frame.index, name="cohort_size")
    return CohortRetention(frame, size_series, pd.Timestamp(_EPOCH + np.timedelta64(as_of_day, "D")))

