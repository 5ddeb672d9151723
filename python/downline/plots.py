"""Plots of downline's results. matplotlib is imported only when a plot is drawn.

Each function takes an optional ``ax`` (a new figure otherwise) and returns the matplotlib
Axes, as lifelines and pandas do. They are also the results' ``plot`` methods, attached
at the end of this module: ``Lifecycle.plot()``, ``KaplanMeier.plot()``,
``CohortRetention.plot()``, ``Evaluation.plot()``, ``Run.plot()``, ``Comparison.plot()``,
``Network.plot_legs()`` and ``Network.plot_organisation()``.
"""

from __future__ import annotations

from typing import Any, Callable, Hashable, Optional, Sequence

import numpy as np
import pandas as pd

from ._messages import show as _show
from .cohort import CohortRetention
from .errors import InputError
from .movements import Movements
from .network import Network
from .plan import Comparison, Evaluation, Run
from .segment import Lifecycle
from .survival import KaplanMeier


def _axes(ax: Any, figsize: Optional[tuple] = None) -> Any:
    import matplotlib.pyplot as plt  # only when plotting

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


#: The largest figure a plot makes of its own (inches): shown whole on a page or a
#: notebook at 90-100 dpi, so that its text keeps its size.
MAX_FIGSIZE = (12.0, 9.0)
#: The room a tick label needs along its axis (inches): labels closer than this are thinned.
_LABEL_ROOM = 0.17


def _figsize(width: float, height: float) -> tuple:
    return min(width, MAX_FIGSIZE[0]), min(height, MAX_FIGSIZE[1])


def _tick_step(n: int, inches: float) -> int:
    """Every how many of ``n`` cells along ``inches`` of axis a label fits."""
    return max(1, int(np.ceil(n * _LABEL_ROOM / max(inches, 1e-9))))


def heatmap(values: pd.DataFrame, ax: Any = None, cmap: str = "viridis", vmin: Optional[float] = None,
            vmax: Optional[float] = None, text: Optional[Callable[[int, int, float], str]] = None,
            colorbar: Optional[str] = None, xlabel: str = "", ylabel: str = "",
            row_labels: Optional[Sequence[str]] = None) -> Any:
    """``values`` (rows down, columns across; NaN cells left blank) as an image with a cell
    per value, the row and column labels (or ``row_labels``) as ticks (every k-th when they
    would overlap), and
    ``text(i, j, value)`` written in each finite cell of at most 900. A figure of its own
    is at most :data:`MAX_FIGSIZE`. Returns the Axes."""
    shape = values.shape
    ax = _axes(ax, figsize=_figsize(2 + 0.6 * shape[1], 1.2 + 0.4 * shape[0]))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if values.size == 0:  # no cell (a cohort matrix without orders): say so, draw no image
        ax.set_xticks([])
        ax.set_yticks([])
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
        return ax
    data = np.ma.masked_invalid(values.to_numpy(dtype=np.float64))
    im = ax.imshow(data, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax)
    _label_cells(ax, [str(c) for c in values.columns],
                 [str(r) for r in values.index] if row_labels is None else list(row_labels))
    if text is not None and data.size <= 900:
        lo, hi = im.get_clim()
        for (i, j), v in np.ndenumerate(data.filled(np.nan)):
            if np.isfinite(v):
                dark = hi > lo and (v - lo) / (hi - lo) > 0.5
                ax.text(j, i, text(i, j, v), ha="center", va="center", fontsize="small",
                        color="white" if dark else "black")
    if colorbar:
        ax.figure.colorbar(im, ax=ax, label=colorbar)
    return ax


def _label_cells(ax: Any, columns: Sequence[str], rows: Sequence[str]) -> None:
    """Tick labels for a heatmap's columns and rows, every k-th where they would overlap
    at the Axes' size."""
    box = ax.get_position()
    width, height = ax.figure.get_size_inches()
    xs = range(0, len(columns), _tick_step(len(columns), box.width * width))
    ys = range(0, len(rows), _tick_step(len(rows), box.height * height))
    ax.set_xticks(list(xs), [columns[j] for j in xs])
    ax.set_yticks(list(ys), [rows[i] for i in ys])


def lifecycle_matrix(lc: Any, ax: Any = None, shares: bool = False, cmap: str = "Blues") -> Any:
    """The life-cycle matrix as a heatmap: frequency tiers down, recency tiers across, each
    cell coloured by its count (or share, with ``shares=True``) and labelled with both; the
    customers without a purchase and the active base share in the title."""
    counts, share = lc.matrix, lc.shares
    ax = _axes(ax, figsize=_figsize(3.0 + 1.4 * counts.shape[1], 1.6 + 0.9 * counts.shape[0]))
    ax = heatmap(share if shares else counts, ax=ax, cmap=cmap, vmin=0.0,
                 text=lambda i, j, v: f"{int(counts.iat[i, j]):,}\n{share.iat[i, j]:.0%}",
                 colorbar="share of buyers" if shares else "customers",
                 xlabel="recency", ylabel="frequency")
    ax.set_title(f"as of {pd.Timestamp(lc.as_of).date()}: {lc.no_purchase:,} without a purchase, "
                 f"active base {lc.active_base_share:.0%}", fontsize="medium")
    return ax


#: The most bars plot_legs draws: beyond, the largest legs and one bar for the others.
MAX_LEG_BARS = 50


def legs(table: pd.DataFrame, leader: Any, ax: Any = None, color: str = "tab:blue",
         power_color: str = "tab:orange", max_bars: int = MAX_LEG_BARS) -> Any:
    """A leader's legs as bars (``table`` as ``Network.legs(id, orders)`` gives it): one bar
    per frontline recruit, labelled with its id, its height the leg's volume (the recruit's
    GV), the power leg in ``power_color``. With more than ``max_bars`` legs, the largest
    ``max_bars - 1`` (largest first) and one bar "others (N)" for the rest together.
    Volumes with thousands separators. Returns the Axes."""
    from matplotlib.ticker import StrMethodFormatter

    if "volume" not in table.columns:
        raise InputError("plot_legs needs leg volumes: pass the orders")
    total_legs = len(table)
    heights = table["volume"].to_numpy(dtype=np.float64)
    power = table["power"].to_numpy(dtype=bool)
    labels = [str(x) for x in table.index]
    if total_legs > max_bars:
        keep = np.argsort(-heights, kind="stable")[:max_bars - 1]
        rest = np.setdiff1d(np.arange(total_legs), keep)
        labels = [labels[i] for i in keep] + [f"others ({len(rest):,})"]
        power = np.append(power[keep], False)
        heights = np.append(heights[keep], heights[rest].sum())
    n = len(heights)
    ax = _axes(ax, figsize=_figsize(max(4.0, 1.0 + 0.22 * n), 3.5 + (0.6 if n > 10 else 0.0)))
    bars = ax.bar(np.arange(n), heights, color=[power_color if p else color for p in power])
    for bar, label in zip(bars, labels):
        bar.set_gid(label)
    ax.set_xticks(np.arange(n), labels, rotation=90 if n > 10 else 0, fontsize="small" if n > 25 else None)
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_xlabel(f"leg (frontline recruit of {leader})")
    ax.set_ylabel("leg volume (GV)")
    top = float(table["volume"].max()) if total_legs else 0.0
    rest_sum = float(table["volume"].sum()) - top
    ax.set_title(f"{total_legs:,} leg(s) of {leader}: power leg {top:,.0f}, lesser legs {rest_sum:,.0f}",
                 fontsize="medium")
    ax.axhline(0.0, color="black", linewidth=0.5)
    return ax


def icicle(ids: Sequence, parents: np.ndarray, levels: np.ndarray, gv: np.ndarray, leader: Any,
           ax: Any = None, min_share: float = 0.002, cmap: str = "viridis") -> Any:
    """An organisation as an icicle: one row per level below the leader (the leader on
    top), each participant a rectangle whose width is its share of the leader's GV, laid
    out under its sponsor from the left (the sponsor's own PV is the gap on the right).

    ``ids``, ``parents`` (an index into these arrays; -1 for the leader), ``levels`` (0 for
    the leader) and ``gv``: the organisation in preorder (a sponsor before its recruits).
    Negative GVs (refunds) get no width, and recruits never reach past their sponsor's
    rectangle. Rectangles narrower than ``min_share`` of the leader's GV are not drawn
    (their participants are still counted in their sponsors' widths). Each rectangle's gid
    is its participant's id. Returns the Axes."""
    n = len(ids)
    if n == 0 or not gv[0] > 0:
        raise InputError(f"plot_organisation: the GV of {leader!r} is not positive: nothing to draw")
    x0 = np.zeros(n)
    width = np.zeros(n)
    cursor = np.zeros(n)  # where the next recruit of each participant starts
    width[0] = 1.0
    total = float(gv[0])
    for q in range(1, n):
        par = parents[q]
        room = x0[par] + width[par] - cursor[par]
        w = min(max(float(gv[q]), 0.0) / total, max(room, 0.0))
        x0[q] = cursor[par]
        width[q] = w
        cursor[q] = x0[q]
        cursor[par] += w
    drawn = np.flatnonzero(width >= min_share)
    depth = int(levels.max()) + 1
    ax = _axes(ax, figsize=(10, 1.0 + 0.7 * depth))
    import matplotlib.pyplot as plt  # only when plotting

    colors = plt.get_cmap(cmap)(levels[drawn] / max(depth, 2))
    bars = ax.bar(x0[drawn], 0.9, width=width[drawn], bottom=-levels[drawn] - 0.95, align="edge",
                  color=colors, edgecolor="white", linewidth=0.5)
    for bar, q in zip(bars, drawn):
        bar.set_gid(str(ids[q]))
        if width[q] >= 0.06:
            ax.text(x0[q] + width[q] / 2, -levels[q] - 0.5, str(ids[q]), ha="center", va="center",
                    fontsize="x-small", color="white" if levels[q] < depth / 2 else "black")
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(-depth - 0.05, 0.0)
    ax.set_yticks([-k - 0.5 for k in range(depth)], [f"level {k}" for k in range(depth)])
    ax.set_xlabel(f"share of the GV of {leader} ({total:,.0f})")
    ax.set_title(f"organisation of {leader}: {n:,} participants in {depth} level(s), "
                 f"{len(drawn):,} drawn (>= {min_share:.1%} of the GV)", fontsize="medium")
    return ax


def survival_curves(km: KaplanMeier, ax: Any = None, ci_show: bool = True, at_risk_counts: bool = False,
                    groups: Optional[Sequence[Hashable]] = None, **kwargs: Any) -> Any:
    """Step curves (one per group, or those in ``groups``) with shaded intervals;
    ``at_risk_counts=True`` writes the numbers at risk under the x axis at its ticks.
    Returns the matplotlib Axes."""
    km._check_fitted()
    ax = _axes(ax)
    sf, ci = km._wide_frames()
    labels = list(km._labels) if groups is None else list(groups)
    level = f"{1.0 - km.alpha:g}"
    for label in labels:
        if label not in sf.columns:
            raise InputError(f"plot: no group {label!r} (groups: {_show(list(km._labels))})")
        line, = ax.step(sf.index, sf[label], where="post", label=str(label), **kwargs)
        if ci_show:
            ax.fill_between(ci.index, ci[f"{label}_lower_{level}"], ci[f"{label}_upper_{level}"],
                            step="post", alpha=0.25, color=line.get_color(), linewidth=0)
    ax.set_ylim(0.0, 1.05)
    ax.set_xlabel(f"time ({km.unit})")
    ax.set_ylabel("survival (share not yet churned)")
    if len(labels) > 1 or km._grouped:
        ax.legend()
    if at_risk_counts:
        ticks = [t for t in ax.get_xticks() if sf.index.min() <= t <= sf.index.max()]
        risk = km.at_risk_at(ticks)
        for k, label in enumerate(labels):
            y = -0.18 - 0.07 * k
            ax.text(0.0, y, f"{label}", transform=ax.transAxes, ha="right", va="top", fontsize="small")
            for t in ticks:
                ax.text(t, y, f"{risk.at[float(t), label]:g}", transform=ax.get_xaxis_transform(),
                        ha="center", va="top", fontsize="small")
    return ax


def cohort_heatmap(cr: CohortRetention, ax: Any = None, cmap: str = "viridis", annotate: bool = True) -> Any:
    """The shares as a heatmap (cohorts down, months since the cohort across; cells after
    as_of blank). Month 0 (everyone, by definition) is not coloured: the cohort sizes are
    given beside the cohorts (and in month 0's cells when they are labelled). The colours
    span the shares of months 1 and later, from 0 to their 99th percentile (the few above it
    take the top colour), each cell labelled with its share up to 900 cells. The cells of
    as_of's month, when as_of is not its last day, are hatched (a month observed in part).
    Returns the Axes."""
    own_figure = ax is None
    shares = cr.shares
    later = shares.to_numpy(dtype=np.float64, copy=True)
    if later.shape[1]:
        later[:, 0] = np.nan  # month 0: not coloured
    finite = later[np.isfinite(later)]
    top = float(np.percentile(finite, 99)) if finite.size else 1.0
    as_of = pd.Timestamp(cr.as_of)
    partial = (as_of + pd.Timedelta(days=1)).month == as_of.month  # as_of is not its month's last day
    sizes = cr.sizes.reindex(shares.index).to_numpy()
    ax = heatmap(pd.DataFrame(later, index=shares.index, columns=shares.columns), ax=ax, cmap=cmap, vmin=0.0,
                 vmax=max(top, 1e-9), text=(lambda i, j, v: f"{v:.0%}") if annotate else None,
                 colorbar="share active (months 1 and later)", xlabel="months since the cohort month",
                 ylabel="cohort (customers)",
                 row_labels=[f"{c} ({int(n):,})" for c, n in zip(shares.index, sizes)])
    if not shares.size:
        return ax
    if annotate and shares.size <= 900:
        for i, n in enumerate(sizes):
            ax.text(0, i, f"{int(n):,}", ha="center", va="center", fontsize="small", color="black")
    if partial:  # one collection of hatched cells (its gid "partial month")
        from matplotlib.collections import PatchCollection
        from matplotlib.patches import Rectangle

        cells = [Rectangle((j - 0.5, i - 0.5), 1, 1) for i, j in enumerate(_last_observed(shares)) if j >= 0]
        hatched = PatchCollection(cells, facecolor="none", edgecolor="white", linewidth=0, hatch="///")
        hatched.set_gid("partial month")
        ax.add_collection(hatched, autolim=False)
    ax.set_title("month 0: the cohort" + ("; hatched: the month of as_of, observed in part" if partial else ""),
                 fontsize="small", loc="left")
    if own_figure:
        ax.figure.tight_layout()  # room for the cohorts' labels
    return ax


def _last_observed(shares: pd.DataFrame) -> np.ndarray:
    """For each row, the column of its last finite cell (-1: none)."""
    finite = np.isfinite(shares.to_numpy(dtype=np.float64))
    cols = np.arange(finite.shape[1])
    return np.where(finite.any(axis=1), np.max(np.where(finite, cols, -1), axis=1), -1)


def network_legs(net: Network, id: Hashable, orders: Any, ax: Any = None, **volume_args) -> Any:
    """Bar chart of the legs of ``id`` (see :meth:`Network.legs`): one bar per frontline
    recruit, its height the leg's volume, the power leg highlighted. ``volume_args`` as for
    :meth:`Network.volumes` (``start``, ``end``, ``as_of``, column names). Returns the Axes."""
    return legs(net.legs(id, orders, **volume_args), id, ax=ax)


def organisation(net: Network, id: Hashable, orders: Any, levels: int = 4, min_share: float = 0.002,
                 ax: Any = None, **volume_args) -> Any:
    """The organisation of ``id`` as an icicle by GV: ``levels`` rows (``id`` on top),
    each participant a rectangle as wide as its share of the GV of ``id``, under its
    sponsor. Rectangles narrower than ``min_share`` are not drawn. ``volume_args`` as
    for :meth:`Network.volumes`. Returns the Axes."""
    return organisation_of(net, id, lambda: net.volumes(orders, columns=["gv"], **volume_args)["gv"], levels,
                           min_share, ax)


def organisation_of(net: Network, id: Hashable, gv: Callable[[], pd.Series], levels: int = 4,
                    min_share: float = 0.002, ax: Any = None) -> Any:
    """:func:`organisation` with the GV given: ``gv()`` returns it by participant id (a
    participant it leaves out counts 0), so that a caller holding the volumes (the report)
    does not compute them again. Returns the Axes."""
    rows, parents, rel = net._organisation_levels(id, levels)
    ids = net.ids[rows]
    return icicle(ids, parents, rel, gv().reindex(ids).fillna(0.0).to_numpy(), id, ax=ax, min_share=min_share)


def plan_ranks(ev: Evaluation, ax: Any = None, color: str = "tab:blue") -> Any:
    """Participants per rank (bars, lowest rank first), each labelled with its count; the
    title gives the period, the payout and the payout ratio. Returns the Axes."""
    ax = _axes(ax, figsize=_figsize(1.5 + 0.9 * max(len(ev.ranks), 1), 3.6))
    names = [str(r) for r in ev.ranks.index]
    bars = ax.bar(names, ev.ranks.to_numpy(), color=color)
    ax.bar_label(bars, labels=[f"{v:,}" for v in ev.ranks.to_numpy()], fontsize=8)
    ax.set_xlabel("rank")
    ax.set_ylabel("participants")
    t = ev.totals
    ratio = "n/a" if pd.isna(t["payout_ratio"]) else f"{t['payout_ratio']:.1%}"
    ax.set_title(f"{ev.start:%Y-%m-%d} to {ev.end:%Y-%m-%d}: paid {t['paid']:,.0f} ({ratio} of sales)", fontsize=9)
    return ax


def plan_run(run: Run, ax: Any = None) -> Any:
    """Each bonus paid per period (stacked bars) and the payout ratio (line, right axis).
    Returns the Axes of the bars."""
    ax = _axes(ax, figsize=_figsize(1.5 + 0.5 * len(run.periods), 3.6))
    x = np.arange(len(run.periods))
    bottom = np.zeros(len(x))
    for b in run.plan.bonuses:
        v = run.totals[b].to_numpy()
        ax.bar(x, v, bottom=bottom, label=b.replace("_", " "))
        bottom += v
    ax.set_xticks(x, [f"{p:%Y-%m}" for p in run.periods], rotation=90, fontsize=8)
    ax.set_ylabel("paid")
    ax.legend(fontsize=8, loc="upper left")
    right = ax.twinx()
    right.plot(x, 100 * run.totals["payout_ratio"].to_numpy(), color="black", marker="o", label="payout ratio")
    right.set_ylabel("payout ratio (% of sales)")
    right.set_ylim(bottom=0)
    return ax


def plan_comparison(cmp: Comparison, ax: Any = None, bins: int = 40) -> Any:
    """Payout per bonus under each plan (left) and the participants' differences, gainers
    and losers apart (right). Returns the two Axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(1, 2, figsize=(10, 3.6))
    left, right = ax
    rows = cmp.totals.drop(index="payout_ratio")
    x = np.arange(len(rows))
    left.bar(x - 0.2, rows["a"], width=0.4, label=cmp.evaluations[0].plan.name or "a")
    left.bar(x + 0.2, rows["b"], width=0.4, label=cmp.evaluations[1].plan.name or "b")
    left.set_xticks(x, [r.replace("_", " ") for r in rows.index], fontsize=8)
    left.set_ylabel("paid")
    left.legend(fontsize=8)
    d = cmp.participants["difference"]
    d = d[d != 0]
    if len(d):
        right.hist([d[d > 0], d[d < 0]], bins=bins, color=["tab:green", "tab:red"], stacked=True,
                   label=[f"gain ({(d > 0).sum():,})", f"lose ({(d < 0).sum():,})"])
        right.legend(fontsize=8)
    right.set_xlabel("total under b - total under a")
    right.set_ylabel("participants")
    right.set_title(f"{cmp.summary['equal']:,} participants unchanged", fontsize=9)
    return ax


# ------------------------------------------------------------ methods of the results
# The result types' plot methods, attached here (as python-igraph attaches its methods)
# so that the analysis modules below never import the plotting layer.
def _lifecycle_plot(self: Lifecycle, ax: Any = None, shares: bool = False, cmap: str = "Blues") -> Any:
    """The matrix as a heatmap (frequency tiers down, recency tiers across), each cell
    labelled with its count and share, coloured by count (or share with ``shares=True``).
    Returns the matplotlib Axes."""
    return lifecycle_matrix(self, ax=ax, shares=shares, cmap=cmap)


def movements_bars(m: Movements, ax: Any = None) -> Any:
    """How many joined, were terminated and were transferred between the two dates
    (bars, each labelled with its count). Returns the Axes."""
    ax = _axes(ax, figsize=(5.5, 3.2))
    counts = m.counts
    bars = ax.bar(range(len(counts)), counts.to_numpy(), color=["tab:green", "tab:red", "tab:blue"])
    ax.set_xticks(range(len(counts)), list(counts.index))
    ax.bar_label(bars, labels=[f"{v:,}" for v in counts], fontsize=9)
    ax.set_ylabel("participants")
    ax.set_title(f"Movements from {m.start.date()} to {m.end.date()}")
    return ax


Lifecycle.plot = _lifecycle_plot
KaplanMeier.plot = survival_curves
CohortRetention.plot = cohort_heatmap
Network.plot_legs = network_legs
Evaluation.plot = plan_ranks
Run.plot = plan_run
Movements.plot = movements_bars
Comparison.plot = plan_comparison
Network.plot_organisation = organisation
