"""Cohort retention matrices (docs/concepts.md "Retention"): customers by the month they
started, active or not in each month after. Mirrors ``cohort.hpp``.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pandas as pd

from . import _core
from ._convert import EPOCH, choice, column, day_number
from ._html import summary_html
from ._messages import show as _show
from .errors import InputError, UnknownIdError
from .ids import id_index
from .orders import Orders
from .retention import participants_enrolment
from .segment import customers

__all__ = ["CohortRetention", "cohort_retention"]


class CohortRetention:
    """A cohort retention matrix (docs/concepts.md): cohort = calendar month of the first order (or
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

    def __repr__(self) -> str:
        return (f"<CohortRetention: {len(self.sizes)} cohort(s), {int(self.sizes.sum())} customers, "
                f"as of {self.as_of.date()}>")

    def _repr_html_(self) -> str:
        return summary_html(repr(self), self.shares, float_format=".1%")


def cohort_retention(orders: pd.DataFrame, as_of: Any = None, cohort: str = "first_order",
                     participants: Any = None, by: Any = None, participant: str = "participant_id",
                     date: str = "ordered_on", amount: Optional[str] = "amount", id: str = "id",
                     enrolled_on: str = "enrolled_on", missing: str = "raise",
                     unknown: str = "raise") -> CohortRetention:
    """Cohort retention matrix of every customer at ``as_of`` (default: the last order day).

    ``cohort="first_order"``: the cohort is the month of the customer's first order up to
    ``as_of``; ``cohort="enrolment"``: the month of enrolment, from ``participants`` (a
    Network built with ``enrolled_on=`` or a DataFrame with ``id`` and ``enrolled_on``),
    participants enrolled after ``as_of`` left out and orders before the enrolment month
    not counted. ``by``: a Series of group labels indexed by customer id (for example a
    participant attribute or each participant's leader) to split every cohort by group.
    Rows whose ``amount`` is <= 0 (refunds) are not activity, when the orders have that
    column (default ``"amount"``; ``None``: every row counts)."""
    choice(cohort, "cohort", ("first_order", "enrolment"))
    universe = None
    enrol = None
    if cohort == "enrolment":
        if participants is None:
            raise InputError("cohort='enrolment' needs participants (a Network or a DataFrame with enrolment dates)")
        universe, enrol = participants_enrolment(participants, id, enrolled_on)
    elif isinstance(participants, pd.DataFrame):
        universe = id_index(column(participants, id), id)
    elif participants is not None:
        universe = customers(participants)
    labels_from_by = False
    if by is not None:
        if not isinstance(by, pd.Series):
            raise InputError("by: expected a pandas Series of labels indexed by customer id")
        if universe is None:  # the customers are those with a label
            universe, labels_from_by = pd.Index(by.index, name=participant), True
    try:
        o = Orders(orders, participant, date, amount, missing, universe, "raise" if labels_from_by else unknown)
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
        return _core.cohort_rows(keys, o.ticks, o.per_day, o.amount, uni, int(as_of_day), cohort_day, group,
                                 len(groups))
    res = o.checked(run, who="by: customers" if labels_from_by else "participants",
                    report_unknown=not labels_from_by)
    if labels_from_by and res.unknown.orders:  # the customers are those with a label
        bad = res.unknown.ids.tolist()
        raise InputError(f"by: no group label for customers {_show(bad)}", ids=bad)
    if len(res.ungrouped):
        bad = o.ids[res.ungrouped].tolist()
        raise InputError(f"by: no group label for customers {_show(bad)}", ids=bad)
    n_cohorts = int(res.months)
    lo_month = int(res.first_month)
    # the rows with customers only: row r is cohort res.cohort[r] of group res.group[r],
    # with a count for each month from its cohort's to as_of's (the later cells are missing)
    row_group, row_cohort, start = res.group, res.cohort, res.start
    sizes = res.sizes
    cohort_index = pd.period_range(pd.Period(np.datetime64(lo_month, "M"), "M"), periods=n_cohorts, freq="M")
    if by is not None:
        index = pd.MultiIndex(levels=[groups, cohort_index], codes=[row_group, row_cohort],
                              names=["group", "cohort"])
    else:
        index = pd.Index(cohort_index[row_cohort], name="cohort")
    observed = np.diff(start)
    kept = np.zeros((len(sizes), n_cohorts), dtype=np.int64, order="F")  # column k contiguous
    kept[np.repeat(np.arange(len(sizes)), observed),
         np.arange(len(res.counts)) - np.repeat(start[:-1], observed)] = res.counts
    late = np.arange(n_cohorts)[None, :] >= observed[:, None]
    late = np.asfortranarray(late)
    # one nullable column per k, built directly (DataFrame.astype("Int64").mask() works
    # column by column through pandas' generic paths: ~15x slower)
    frame = pd.DataFrame({k: pd.arrays.IntegerArray(kept[:, k], late[:, k]) for k in range(n_cohorts)},
                         index=index, copy=False)
    frame.columns = pd.RangeIndex(n_cohorts, name="k")
    size_series = pd.Series(sizes, index=frame.index, name="cohort_size")
    return CohortRetention(frame, size_series, pd.Timestamp(EPOCH + np.timedelta64(as_of_day, "D")))
