"""Survival analysis (docs/concepts.md "Retention"): Kaplan-Meier curves of many groups in one
call and the log-rank test. Mirrors ``survival.hpp``.

The estimator follows lifelines: settings in the constructor, ``fit(...)`` returns the
estimator, results are labelled DataFrames in attributes ending in ``_`` and ``plot()``
returns matplotlib Axes. The counting is done in C++ (``downline::kaplan_meier``); the
confidence intervals, medians and the test statistic are vectorised numpy on the
(group, time) table, which is small next to the data.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any, Optional

import numpy as np
import pandas as pd
from scipy.special import chdtrc

from . import _core
from ._base import Estimator
from ._convert import choice, real_array, real_number
from ._html import summary_html
from ._messages import at_rows, relabelled, show as _show
from .errors import InputError

__all__ = ["KaplanMeier", "LogrankResult", "logrank_test"]

_TOLERANCE = math.sqrt(np.finfo(float).eps)  # R's tolerance for "S is exactly p"
#: The alphas whose intervals can be computed: z = Phi^-1(1 - alpha / 2) finite and > 0.
ALPHA_RANGE = (1e-15, 1 - 1e-15)


def _vector(values: Any, name: str, n: Optional[int] = None) -> np.ndarray:
    arr = values.to_numpy() if isinstance(values, (pd.Series, pd.Index)) else np.asarray(values)
    if arr.ndim != 1:
        raise InputError(f"{name}: expected one value per subject (1-D), got shape {arr.shape}")
    if n is not None and len(arr) != n:
        raise InputError(f"{name}: {len(arr)} values for {n} durations")
    return arr


def _float_vector(values: Any, name: str, n: Optional[int] = None) -> np.ndarray:
    """Numbers, one per subject, as float64 (no copy when already float64); text, bools,
    complex numbers and other objects are errors (missing values are left to the core,
    which names their rows)."""
    arr = _vector(values, name, n)
    if arr.dtype == bool:
        raise InputError(f"{name}: expected numbers, got booleans")
    return np.ascontiguousarray(real_array(arr, name, pd.RangeIndex(len(arr)), who="row(s)"))


def _times(times: Any) -> np.ndarray:
    """One time or many (a scalar is a list of one) as float64; NaN is no time."""
    at = _float_vector([times] if pd.api.types.is_scalar(times) else times, "times")
    if np.isnan(at).any():
        rows = np.flatnonzero(np.isnan(at)).tolist()
        raise InputError(f"times: missing values at rows {_show(rows)}", ids=rows)
    return at


def _index(values: Any) -> Optional[pd.Index]:
    """The index of a Series (its rows are named by label too in messages), else None."""
    return values.index if isinstance(values, pd.Series) else None


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
        where, rows = at_rows(np.flatnonzero(bad), _index(values))
        raise InputError(f"event_observed: values other than 0/1 at {where}", ids=rows)
    return arr.astype(np.uint8)


def _group_codes(groups: Any, n: int) -> tuple[Optional[np.ndarray], pd.Index]:
    """(int32 group codes, the label of each code). Every label has subjects, except with
    small whole numbers: they are their own codes (code c is label lo + c, no counting over
    every subject), so the labels of the range without subjects are dropped by
    the table's drop_empty_groups() once it is fitted."""
    if groups is None:
        return None, pd.Index(["KM_estimate"])
    # a list as pandas reads it: ["a", 1] keeps the number 1 (numpy would make it "1")
    arr = _vector(pd.Series(groups) if isinstance(groups, (list, tuple)) else groups, "groups", n)
    if arr.dtype.kind in "iu" and n > 0:
        lo, hi = int(arr.min()), int(arr.max())
        if hi <= np.iinfo(np.int64).max:
            # arr - lo in a wide type: in int8 or int16, -128 - 127 would wrap round
            wide = arr if arr.dtype.itemsize >= 4 and arr.dtype != np.uint64 else arr.astype(np.int64)
            if hi - lo < 4096:  # a few whole numbers (regions, months): the values are the codes
                codes = wide if lo == 0 and wide.dtype == np.int32 else (wide - lo).astype(np.int32)
                return codes, pd.Index(np.arange(hi - lo + 1) + lo, dtype=arr.dtype)
            if _core.direct_range(hi - lo, n):  # whole numbers in a range: codes by a table, no hashing
                offsets = (wide - lo if lo else wide).astype(np.intp, copy=False)
                present = np.bincount(offsets, minlength=hi - lo + 1) > 0
                labels = pd.Index(np.flatnonzero(present) + lo, dtype=arr.dtype)
                code_of = np.cumsum(present, dtype=np.int32) - 1
                return code_of[offsets], labels
    codes, uniques = pd.factorize(arr, sort=True)
    if (codes < 0).any():
        where, rows = at_rows(np.flatnonzero(codes < 0), _index(groups))
        raise InputError(f"groups: missing group labels at {where}", ids=rows)
    return codes.astype(np.int32), pd.Index(uniques)


def _fit_table(durations: Any, event_observed: Any, groups: Any,
               weights: Any) -> tuple[_core.SurvivalTable, pd.Index]:
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
    try:
        tab = _core.kaplan_meier(t, e, codes, w, len(labels))
    except InputError as exc:  # rows of bad durations or weights, by label too
        raise relabelled(exc, _index(durations) if _index(durations) is not None else _index(weights)) from None
    return tab, labels[tab.drop_empty_groups()]


def _group_slice(tab: _core.SurvivalTable, g: int) -> slice:
    """The rows of group g in a Kaplan-Meier table."""
    return slice(int(tab.group_start[g]), int(tab.group_start[g + 1]))


def _step_values(times: np.ndarray, values: np.ndarray, at: np.ndarray, before: float) -> np.ndarray:
    """A right-continuous step function through (times, values) (at least one point),
    ``before`` left of the first time, evaluated at ``at``."""
    j = np.searchsorted(times, at, side="right") - 1
    return np.where(j >= 0, values[np.maximum(j, 0)], before).astype(np.float64)


class KaplanMeier(Estimator):
    """Kaplan-Meier estimates of many groups in one call.

    Parameters
    ----------
    alpha : float
        The intervals are 1 - alpha (default 95 %); from 1e-15 to 1 - 1e-15 (beyond, the
        normal quantile is infinite or 0 in double precision).
    ci : {"log-log", "log"}
        Interval form: ``"log-log"`` (lifelines' and statsmodels' default) or ``"log"``
        (R's default, upper bound capped at 1). Both use Greenwood's variance.
    unit : str
        The unit of the durations, shown on the plot's time axis (default ``"days"``, the
        unit of :func:`churn`'s durations).

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
    censored at t is at risk at t (docs/concepts.md). Weights are frequency weights: counts are
    sums of weights and Greenwood's variance uses them, exactly as if each row were
    repeated weight times (statsmodels' ``freq_weights`` give the same S but estimate the
    variance by sum d / n^2 instead).
    """

    def __init__(self, alpha: float = 0.05, ci: str = "log-log", unit: str = "days") -> None:
        # outside [1e-15, 1 - 1e-15], z = Phi^-1(1 - alpha / 2) is infinite or 0 in doubles
        alpha = real_number(alpha, "alpha", ALPHA_RANGE[0], ALPHA_RANGE[1])
        choice(ci, "ci", ("log-log", "log"))
        if not isinstance(unit, str) or not unit.strip():
            raise InputError(f"unit: expected the durations' unit as text (such as 'days'), not {unit!r}")
        self.alpha = alpha
        self.ci = ci
        self.unit = unit

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

    def _set_table(self, tab: _core.SurvivalTable, labels: pd.Index, grouped: bool) -> "KaplanMeier":
        """Takes a C++ Kaplan-Meier table (every group with rows) and its group labels."""
        self._tab, self._labels, self._grouped = tab, labels, grouped
        self._build()
        self._fitted()
        return self

    def _build(self) -> None:
        tab = self._tab
        s = tab.survival
        z = NormalDist().inv_cdf(1.0 - self.alpha / 2.0)
        std_err, lower, upper = _core.km_intervals(s, tab.greenwood, z, self.ci == "log")
        if self._grouped:
            # from the codes the table holds: what MultiIndex.from_arrays would find by
            # factorizing both columns (the sorted labels, the sorted distinct times)
            labels, group = self._labels, tab.group
            if not (labels.is_unique and labels.is_monotonic_increasing):
                order, labels = pd.factorize(labels, sort=True)
                group = order[group]
            index = pd.MultiIndex(levels=[labels, tab.distinct_time], codes=[group, tab.time_code],
                                  names=["group", "time"], verify_integrity=False)
        else:
            index = pd.Index(tab.time, name="time")
        events = {"at_risk": tab.at_risk, "observed": tab.observed, "censored": tab.censored,
                  "removed": tab.observed + tab.censored}
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
        self._check_fitted("event_table_")  # an AttributeError too, as in lifelines
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
        time, s, d = self._tab.time[r], self._tab.survival[r], self._tab.observed[r]
        hit = np.flatnonzero(s <= 0.5 + _TOLERANCE)
        if len(hit) == 0:
            return math.inf
        j = int(hit[0])
        if abs(s[j] - 0.5) < _TOLERANCE:
            later = np.flatnonzero(d[j + 1:] > 0)
            if len(later):
                return float(time[j] + (time[j + 1 + later[0]] - time[j]) / 2.0)  # no overflow near 1e308
        return float(time[j])

    # --------------------------------------------------------------- curves
    @property
    def timeline(self) -> np.ndarray:
        """0 and every distinct time of any group, ascending."""
        self._check_fitted()
        distinct = self._tab.distinct_time
        return distinct.copy() if len(distinct) and distinct[0] == 0.0 else np.concatenate(([0.0], distinct))

    def _curves(self, at: np.ndarray) -> dict:
        """S, lower and upper of every group at the times ``at``."""
        out = {}
        for g, label in enumerate(self._labels):
            r = self._rows(g)
            times = self._tab.time[r]
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
        at = _times(times)
        frame = pd.DataFrame({label: c[0] for label, c in self._curves(at).items()},
                             index=pd.Index(at, name="time"))
        return frame if self._grouped else frame.iloc[:, 0].rename("KM_estimate")

    def at_risk_at(self, times: Any) -> pd.DataFrame:
        """Subjects at risk (duration >= t) of every group at the given times."""
        self._check_fitted()
        at = _times(times)
        cols = {}
        for g, label in enumerate(self._labels):
            r = self._rows(g)
            times_g, risk = self._tab.time[r], self._tab.at_risk[r]
            j = np.searchsorted(times_g, at, side="left")
            cols[label] = np.where(j < len(times_g), risk[np.minimum(j, len(risk) - 1)], 0.0)
        return pd.DataFrame(cols, index=pd.Index(at, name="time"))

    # ----------------------------------------------------------------- plot
    def _fit_summary(self) -> str:
        n = float(self._tab.observed.sum() + self._tab.censored.sum())
        return f"{len(self._labels)} group(s), {n:g} subjects, {int(self._tab.observed.sum()):d} events"

    def _repr_html_(self) -> str:
        if not self._is_fitted:
            return summary_html(repr(self))
        medians = pd.DataFrame({"median_survival_time": np.atleast_1d(self.median_survival_time_)},
                               index=pd.Index(self._labels, name="group"))
        return summary_html(repr(self), medians, float_format="g")


# ----------------------------------------------------------------------- log-rank

class LogrankResult:
    """The log-rank test of equal survival in two or more groups: ``statistic`` (chi-squared),
    ``degrees_of_freedom`` (groups - 1), ``p_value``, and ``summary``: observed and expected
    events per group."""

    def __init__(self, statistic: float, dof: int, summary: pd.DataFrame) -> None:
        self.statistic = statistic
        self.degrees_of_freedom = dof
        self.p_value = float(chdtrc(dof, statistic))  # P(chi-squared(dof) > statistic)
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
    event_times = np.unique(tab.time[tab.observed > 0])
    T = len(event_times)
    n = np.zeros((G, T))
    d = np.zeros((G, T))
    for g in range(G):
        r = _group_slice(tab, g)
        times_g, risk, obs = tab.time[r], tab.at_risk[r], tab.observed[r]
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
