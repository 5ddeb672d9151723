"""The ``downline`` command: a demo on a generated company, and an HTML report of a
company's CSV files (summary tables, PNG plots and a CSV of every table).

    downline demo [--participants N] [--seed S]
    downline report --participants P.csv --orders O.csv --as-of DATE --out DIR [options]
    downline commissions --plan PLAN.json --participants P.csv --orders O.csv
                         (--month YYYY-MM | --months YYYY-MM..YYYY-MM) --out DIR [--compare B.json]
    downline example-plan > plan.json

Run ``downline COMMAND --help`` for the options. Progress goes to stderr; bad input
gets a message naming the file, column, rows or ids, and exit code 2.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import numpy as np
import pandas as pd

from .errors import InputError

EXIT_BAD_INPUT = 2


class _Progress:
    """A command's steps on stderr: a bar with the share of its steps done (tqdm's, or a
    line per step of the project's own where tqdm is not installed or stderr is not a
    terminal) and each step's time, ``[downline] reading orders.csv: 1.23 s``. A context manager: the bar is closed on exit,
    before any error is printed. ``total`` is the expected number of steps (it grows when
    more are run)."""

    def __init__(self, quiet: bool, total: int) -> None:
        self.quiet, self.total, self.done = quiet, total, 0
        self._bar: Any = None
        if not quiet and sys.stderr.isatty():
            try:
                from tqdm import tqdm
            except ImportError:  # the project's own bar, one line per step
                return
            self._bar = tqdm(total=total, file=sys.stderr, leave=True, dynamic_ncols=True,
                             bar_format="[downline] {percentage:3.0f}%|{bar:24}| {n}/{total} {desc} [{elapsed}]")

    def __enter__(self) -> "_Progress":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.set_description_str("done")
            self._bar.close()

    def step(self, what: str, run: Callable[[], Any]) -> Any:
        if self.quiet:
            return run()
        self.total = max(self.total, self.done + 1)
        if self._bar is not None:
            self._bar.total = self.total
            self._bar.set_description_str(what + " ...")
        t0 = time.perf_counter()
        out = run()
        seconds = time.perf_counter() - t0
        self.done += 1
        if self._bar is not None:
            self._bar.write(f"[downline] {what}: {seconds:.2f} s", file=sys.stderr)
            self._bar.update(1)
        else:
            filled = 24 * self.done // self.total
            print(f"[downline] {100 * self.done // self.total:3d}%|{'#' * filled}{' ' * (24 - filled)}| "
                  f"{what}: {seconds:.2f} s", file=sys.stderr, flush=True)
        return out


# ------------------------------------------------------------------------- reading
def read_company(args: argparse.Namespace, progress: _Progress, need_enrolment: bool = True,
                 placement: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The participants and orders files as frames, read by downline's readers
    (:func:`downline.readers.read_company_files`): UTF-8 text, ids of one kind in both
    files (int64, or text such as ``"A-17"`` when either file has one, int64 again when
    every id is a whole number); a value that does not parse is named with its file, line
    and column. The enrolment dates (``--enrolled-column``, by default ``enrolled_on``)
    are required with ``need_enrolment``, else read when the file has them."""
    from .readers import read_company_files

    people_path, orders_path = Path(args.participants), Path(args.orders)
    for what, path in (("participants", people_path), ("orders", orders_path)):
        if not path.exists():
            raise InputError(f"{what} file {path} does not exist")
    try:
        people, orders = read_company_files(
            people_path, orders_path, id=args.id, sponsor=args.sponsor,
            enrolled_on=args.enrolled_on or ("enrolled_on" if need_enrolment else None),
            kind=args.kind or None, participant=args.participant, date=args.date, amount=args.amount, pv=args.pv,
            step=progress.step, placement=args.placement if placement else None,
            side=args.side if placement else None)
    except InputError as exc:  # a header without a column asked for: say how to name another
        if re.search(r":1:1: missing [\w ]+ column '", str(exc)) is None:
            raise
        raise InputError(f"{exc}; other names are given with the --*-column options", kind=exc.kind,
                         ids=exc.ids) from None
    if len(people) == 0:
        raise InputError(f"{people_path}: no participants (the file has a header line only)")
    return people, orders


def _rows(mask: np.ndarray) -> str:
    """CSV line numbers (the header is line 1) of the rows in mask, at most 10."""
    lines = (np.flatnonzero(mask) + 2).tolist()
    return ", ".join(map(str, lines[:10])) + (f" ... ({len(lines)} in all)" if len(lines) > 10 else "")


def _with_lines(exc: InputError, frame: pd.DataFrame, column: str, path: Path) -> InputError:
    """`exc` (whose ids are values of frame[column]) with the file and the lines of those
    rows added, so that a duplicate id, a cycle or an unknown participant is found in the file."""
    mask = frame[column].isin(exc.ids).to_numpy() if exc.ids else np.zeros(0, dtype=bool)
    if not mask.any():
        return exc
    return type(exc)(f"{path}: {exc} (line(s) {_rows(mask)})", kind=exc.kind, ids=exc.ids)


# ------------------------------------------------------------------------- the report
def _volume_month(as_of: pd.Timestamp, month: Optional[tuple]) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The report's period of volumes, [first day, first day of the next month): the month
    given (``--month``; it must begin by ``as_of``), else the last full calendar month up
    to ``as_of`` (as_of's own month when as_of is its last day)."""
    if month is None:
        end = (as_of.normalize() + pd.Timedelta(days=1)).replace(day=1)
        return end - pd.DateOffset(months=1), end
    start = month[0]
    if start > as_of:
        raise InputError(f"--month {start:%Y-%m} begins after --as-of {as_of.date()}")
    return start, start + pd.DateOffset(months=1)


#: The report's tables whose numbers are money or volumes: written to CSV in cents.
_MONEY_TABLES = ("volumes", "largest_organisations", "rfm")


def build_report(people: pd.DataFrame, orders: pd.DataFrame, as_of: pd.Timestamp, out: Path,
                 cols: argparse.Namespace, top: int, progress: _Progress, month: Optional[tuple] = None,
                 events: Optional[pd.DataFrame] = None) -> dict:
    """Computes every table, writes the CSVs and PNGs into ``out`` and index.html; returns
    the tables. Rows whose amount is <= 0 (refunds, when the orders have the amount
    column) are not order days anywhere (docs/concepts.md). With ``events`` (transfers and
    terminations), the volumes are those of the network as of the month's last day and a
    movements section covers the month."""
    import downline as dl

    out.mkdir(parents=True, exist_ok=True)
    start, end = _volume_month(as_of, month)
    vol_as_of = min(as_of, end - pd.Timedelta(days=1))
    net = progress.step(f"building the network of {len(people):,} participants", lambda: _naming_events(
        cols, lambda: dl.Network.from_frame(people, id=cols.id, sponsor=cols.sponsor,
                                            enrolled_on=cols.enrolled_on or "enrolled_on", kind=cols.kind,
                                            events=events)))
    vol_args = dict(participant=cols.participant, date=cols.date, pv=cols.pv)
    vol = progress.step(f"volumes of {start:%Y-%m} as of {vol_as_of.date()}",
                        lambda: net.volumes(orders, start=start, end=end, as_of=vol_as_of, **vol_args))
    amount = cols.amount if cols.amount in orders.columns else None
    order_args = dict(participant=cols.participant, date=cols.date)
    lc = progress.step("life-cycle segments", lambda: dl.lifecycle(orders, as_of, participants=net, amount=amount,
                                                                   **order_args))
    since = as_of - pd.DateOffset(months=3)
    mig = progress.step(f"migration from {since.date()}", lambda: dl.migration(orders, since, as_of, participants=net,
                                                                               amount=amount, **order_args))
    money = amount or cols.pv  # RFM's monetary: the amounts, else the volumes
    rfm = progress.step("RFM scores", lambda: dl.rfm(orders, as_of, amount=money, participants=net, **order_args))
    types = progress.step("participant types", lambda: dl.participant_types(net, orders, as_of, pv=cols.pv,
                                                                             **order_args))
    ch = progress.step("churn", lambda: dl.churn(net, orders, as_of, amount=amount, **order_args))
    year = ch["enrolled_on"].dt.year
    km = progress.step("Kaplan-Meier by enrolment year",
                       lambda: dl.KaplanMeier().fit(ch["duration"], ch["churned"], groups=year.to_numpy()))
    cr = progress.step("cohort retention", lambda: dl.cohort_retention(orders, as_of, amount=amount, **order_args))
    moved = None
    if events is not None:
        moved = progress.step(f"movements of {start:%Y-%m}", lambda: dl.movements(
            net, start - pd.Timedelta(days=1), vol_as_of, orders=orders, participant=cols.participant,
            date=cols.date, pv=cols.pv))

    largest = largest_organisations(vol, top)
    medians = km.median_survival_time_
    tables = {
        "volumes": vol,
        "largest_organisations": largest[["gv", "pv", "power_leg", "lesser_legs", "downline", "frontline",
                                          "height"]],
        "lifecycle_segments": lc.segments,
        "lifecycle_matrix": lc.matrix,
        "migration": mig.transitions,
        "migration_matrix": mig.matrix,
        "rfm": rfm,
        "rfm_segments": rfm["segment"].value_counts().rename_axis("segment").rename("customers").to_frame(),
        "participant_types": types.value_counts().rename_axis("type").rename("participants").to_frame(),
        "churn": ch,
        "survival_table": km.survival_table_,
        "median_survival": medians.map(lambda v: "not reached" if np.isinf(v) else f"{v:.1f}")
                                  .rename("median_days").to_frame(),
        "cohort_counts": cr.counts,
        "cohort_shares": cr.shares,
    }
    if moved is not None:
        tables.update({"movements": moved.counts.to_frame(), "transfers": moved.transferred,
                       "terminations": moved.terminated, "movements_participants": moved.participants})

    progress.step(f"writing {len(tables)} CSV files", lambda: _write_csvs(tables, out, _MONEY_TABLES))
    figures = [("movements", "Movements", moved.plot)] if moved is not None else []
    figures += [("lifecycle", "Life-cycle matrix", lc.plot),
               ("survival", "Survival from enrolment, by enrolment year", lambda: km.plot(at_risk_counts=True)),
               ("cohorts", "Cohort retention (first-order month)", cr.plot)]
    if len(largest):  # drawn from the volumes table, as net.plot_legs and net.plot_organisation would draw them
        from .plots import legs, organisation_of

        leader = largest.index[0]
        if net.frontline(leader).size:  # a leader with recruits: its legs and its organisation
            figures.append(("legs", f"Legs of {leader}",
                            lambda: legs(net._legs_table(leader, vol, vol_as_of, with_volume=True), leader)))
        if net.frontline(leader).size and largest["gv"].iloc[0] > 0:
            figures.append(("organisation", f"Organisation of {leader} by GV",
                            lambda: organisation_of(net, leader, lambda: vol["gv"], levels=4)))
    images = progress.step("drawing the plots", lambda: _save_plots(out, figures))
    about = (f"{len(net):,} participants and {len(orders):,} orders. Volumes of {start:%B %Y} "
             f"({start.date()} to {(end - pd.Timedelta(days=1)).date()}); migration from {since.date()}.")
    (out / "index.html").write_text(_html_page(as_of, about, tables, images), encoding="utf-8")
    return tables


def largest_organisations(vol: pd.DataFrame, top: int) -> pd.DataFrame:
    """The ``top`` rows of the volumes table with the largest GV, then the largest
    downline: ``vol.sort_values(["gv", "downline"], ascending=False).head(top)``, sorting
    only the rows whose GV reaches the top-th largest (the sort is stable, so ties keep
    their order), taken column by column (a row selection of the whole table would first
    merge its columns into blocks, a copy of the table)."""
    gv = vol["gv"].to_numpy()
    if top < len(vol) and not np.isnan(gv).any():
        rows = np.flatnonzero(gv >= np.partition(gv, len(gv) - top)[len(gv) - top])
        vol = pd.concat({c: vol[c].take(rows) for c in vol.columns}, axis=1)
    return vol.sort_values(["gv", "downline"], ascending=False).head(top)


def _html_table(tables: dict, title: str, key: str, fmt: Optional[str] = None) -> str:
    """A table of the page (its first 30 rows) with a link to its CSV; "" when absent."""
    if key not in tables:
        return ""
    f = (lambda v: format(v, fmt)) if fmt else None
    return (f"<h2>{html.escape(title)}</h2>" + tables[key].to_html(float_format=f, border=0, max_rows=30, na_rep="")
            + f'<p class="csv">All rows: <a href="{key}.csv">{key}.csv</a></p>')


def _page(title: str, parts: list, tables: dict) -> str:
    """The HTML page: the title, the parts (tables and plots, see _html_table and
    _html_image) and a link to every table's CSV."""
    head = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}"
        "td,th{padding:2px 8px;text-align:right}tr:nth-child(even){background:#f4f4f4}"
        "img{max-width:100%}.csv{font-size:small}</style></head><body>",
    ]
    tail = ["<h2>Every table as CSV</h2><ul>"
            + "".join(f'<li><a href="{n}.csv">{n}.csv</a></li>' for n in tables) + "</ul></body></html>"]
    return "\n".join(head + parts + tail)


def _write_csvs(tables: dict, out: Path, money: Sequence[str] = ()) -> None:
    """Every table as out/<name>.csv, the bytes of ``table.to_csv`` (written by
    :func:`downline._csvwrite.write_csv`, the largest tables first, on downline's threads);
    the float columns of the tables named in `money` in cents (11728.02, not the sum's
    11728.020000000002)."""
    from concurrent.futures import ThreadPoolExecutor

    from . import num_threads
    from ._csvwrite import write_csv

    def write(name: str) -> None:
        table = tables[name]
        cents = [c for c in table.columns if pd.api.types.is_float_dtype(table[c].dtype)] if name in money else []
        write_csv(table, out / f"{name}.csv", cents=cents)

    largest_first = sorted(tables, key=lambda name: -tables[name].size)
    with ThreadPoolExecutor(max_workers=num_threads()) as pool:
        for done in [pool.submit(write, name) for name in largest_first]:
            done.result()


def _save_plots(out: Path, figures: list) -> list:
    """Draws each (name, title, draw) into out/name.png; returns the (name, title) drawn."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []
    for name, title, draw in figures:
        with warnings.catch_warnings():  # ids in scripts the font lacks: boxes, not a warning per glyph
            warnings.filterwarnings("ignore", message="Glyph .* missing from current font")
            ax = draw()
            ax.figure.tight_layout()
            ax.figure.savefig(out / f"{name}.png", dpi=90, pil_kwargs={"compress_level": 1})  # fast, a little larger
        plt.close(ax.figure)
        made.append((name, title))
    return made


def _html_image(images: list, name: str) -> str:
    """The plot ``name`` at its own size (every plot is drawn to fit the page), or "" when
    it was not drawn."""
    titles = dict(images)
    if name not in titles:
        return ""
    return f'<p><img src="{name}.png" alt="{html.escape(titles[name])}"></p>'


def _html_page(as_of: pd.Timestamp, about: str, tables: dict, images: list) -> str:
    parts = [
        f"<h1>downline report as of {as_of.date()}</h1>",
        f"<p>{html.escape(about)}</p>",
        _html_table(tables, "Largest organisations", "largest_organisations", ",.2f"),
        _html_image(images, "legs"), _html_image(images, "organisation"),
        _html_table(tables, "Life-cycle matrix", "lifecycle_matrix"),
        _html_image(images, "lifecycle"),
        _html_table(tables, "Migration between life-cycle segments (rows: before, columns: now)",
                    "migration_matrix"),
        _html_table(tables, "RFM segments", "rfm_segments"),
        _html_table(tables, "Participant types", "participant_types"),
        _html_table(tables, "Median survival (days from enrolment to churn)", "median_survival"),
        _html_image(images, "survival"),
        "<h2>Cohort retention</h2><p>Share of each first-order month's customers who order again in each later "
        'month; every cell in <a href="cohort_shares.csv">cohort_shares.csv</a> and '
        '<a href="cohort_counts.csv">cohort_counts.csv</a>.</p>',
        _html_image(images, "cohorts"),
        _html_table(tables, "Movements of the month (joined, terminated, transferred)", "movements"),
        _html_image(images, "movements"),
        _html_table(tables, "Transfers", "transfers"),
        _html_table(tables, "Terminations (the sponsor their recruits rolled up to)", "terminations"),
        _html_table(tables, "Change of each participant's organisation", "movements_participants"),
    ]
    return _page("downline report", parts, tables)


# ------------------------------------------------------------------------- commands
def _demo(args: argparse.Namespace) -> int:
    import downline as dl
    from .readers import read_company_files

    out = Path(args.dir)
    with _Progress(args.quiet, total=7) as progress:
        people, orders = progress.step(f"generating a sample company of {args.participants:,} participants",
                                       lambda: dl.sample(args.participants, seed=args.seed))
        files = out / "participants.csv", out / "orders.csv"
        progress.step(f"writing {files[0]} and {files[1]}", lambda: _write_sample(people, orders, out))
        people, orders = read_company_files(*files, enrolled_on="enrolled_on", kind="kind", step=progress.step)
        as_of = orders["ordered_on"].max().normalize()
        start, end = _volume_month(as_of, None)
        net = progress.step("building the network",
                            lambda: dl.Network.from_frame(people, enrolled_on="enrolled_on", kind="kind"))
        vol = progress.step(f"volumes of {start:%Y-%m}", lambda: net.volumes(orders, start=start, end=end))
        lc = progress.step("life-cycle segments", lambda: dl.lifecycle(orders, as_of, participants=net))
    print(f"{net!r}; {len(orders):,} orders to {as_of.date()}, in {files[0]} and {files[1]}")
    print(f"\nThe {args.top} largest organisations of {start:%B %Y}:")
    cols = ["gv", "pv", "power_leg", "lesser_legs", "downline", "frontline", "height"]
    with pd.option_context("display.float_format", "{:,.0f}".format, "display.width", 120):
        print(largest_organisations(vol, args.top)[cols].to_string())
        print(f"\nLife-cycle matrix as of {as_of.date()} ({lc.no_purchase:,} without a purchase):")
        print(lc.matrix.to_string())
    print(f"\nNext: downline report --participants {files[0]} --orders {files[1]} --as-of {as_of.date()} "
          f"--out report")
    return 0


def _write_sample(people: pd.DataFrame, orders: pd.DataFrame, out: Path) -> None:
    """The sample company as a back office exports it: ISO dates, money in cents."""
    out.mkdir(parents=True, exist_ok=True)
    people.to_csv(out / "participants.csv", index=False, date_format="%Y-%m-%d")
    orders.to_csv(out / "orders.csv", index=False, date_format="%Y-%m-%d", float_format="%.2f")


def _naming_lines(args: argparse.Namespace, people: pd.DataFrame, orders: pd.DataFrame,
                  run: Callable[[], Any]) -> Any:
    """run(), with the errors about ids (network, unknown participants) and orders after a
    termination naming their lines in the files."""
    try:
        return run()
    except InputError as exc:
        if exc.kind in ("duplicate_id", "unknown_sponsor", "own_sponsor", "cycle"):
            raise _with_lines(exc, people, args.id, Path(args.participants)) from None
        if exc.kind == "unknown_participant":
            raise _with_lines(exc, orders, args.participant, Path(args.orders)) from None
        if exc.kind == "after_termination" and exc.ids:  # its ids are rows of the orders read
            rows = np.zeros(len(orders), dtype=bool)
            rows[exc.ids] = True
            raise type(exc)(f"{args.orders}: {exc} (line(s) {_rows(rows)})", kind=exc.kind, ids=exc.ids) from None
        raise


def _read_events(args: argparse.Namespace, people: pd.DataFrame, progress: _Progress) -> Optional[pd.DataFrame]:
    """The events file of ``--events`` (None without it), ids typed as the participants'."""
    from .readers import read_events

    if not args.events:
        return None
    if not Path(args.events).exists():
        raise InputError(f"events file {args.events} does not exist")
    return progress.step(f"reading {args.events}", lambda: read_events(
        args.events, integer_ids=people[args.id].dtype == np.int64))


def _naming_events(args: argparse.Namespace, build: Callable[[], Any]) -> Any:
    """build(), an error in the events (kind ``bad_event``) prefixed with the events file
    (the events frame's row labels are its lines)."""
    try:
        return build()
    except InputError as exc:
        if exc.kind != "bad_event":
            raise
        raise type(exc)(f"{args.events}: {exc}", kind=exc.kind, ids=exc.ids) from None


def _report(args: argparse.Namespace) -> int:
    as_of = pd.Timestamp(args.as_of)
    with _Progress(args.quiet, total=13 + 2 * bool(args.events)) as progress:
        people, orders = read_company(args, progress)
        events = _read_events(args, people, progress)
        _naming_lines(args, people, orders, lambda: build_report(people, orders, as_of, Path(args.out), args,
                                                                 args.top, progress, args.month, events))
    print(f"report written to {Path(args.out) / 'index.html'}")
    return 0


# ------------------------------------------------------------------------- commissions
def _load_plan(path: str) -> Any:
    """The plan of a JSON file, or the shipped example for the word ``example``."""
    import downline as dl

    return dl.CompensationPlan.example() if path == "example" else dl.CompensationPlan.from_json(path)


def _example_plan(args: argparse.Namespace) -> int:
    import json

    import downline as dl

    print(json.dumps(dl.CompensationPlan.example().to_dict(), indent=2))
    return 0


def closest_to_next_rank(participants: pd.DataFrame, top: int) -> pd.DataFrame:
    """The participants with a next rank who miss the fewest of its requirements, then the
    fewest qualified legs, then the least GV: their rank, next rank and gaps."""
    has_next = participants[participants["next_rank"].notna()]
    missing = ((has_next[["pv_gap", "gv_gap", "legs_gap", "active_frontline_gap"]] > 0).sum(axis=1))
    order = pd.DataFrame({"missing": missing, "gv_gap": has_next["gv_gap"], "legs_gap": has_next["legs_gap"]})
    picked = order.sort_values(["missing", "legs_gap", "gv_gap"], kind="stable").head(top).index
    return has_next.loc[picked, ["rank", "next_rank", "pv", "gv", "pv_gap", "gv_gap", "legs_gap",
                                 "active_frontline_gap"]]


def build_commissions(plan: Any, people: pd.DataFrame, orders: pd.DataFrame, months: tuple, out: Path,
                      cols: argparse.Namespace, top: int, progress: _Progress, other: Any = None,
                      events: Optional[pd.DataFrame] = None) -> dict:
    """Evaluates the plan for one month (or runs it over months), writes the CSVs, the PNGs
    and index.html into ``out``; returns the tables. With ``events`` (transfers and
    terminations) each month is evaluated on the network as it stood on its last day."""
    import downline as dl

    out.mkdir(parents=True, exist_ok=True)
    first, last = months
    end = last + pd.DateOffset(months=1)
    enrolled = cols.enrolled_on or "enrolled_on"
    if enrolled not in people.columns:  # read only when the file has it (see read_company)
        enrolled = None
        needs = [p for p in (plan, other) if p is not None and "fast_start" in p.to_dict()]
        if needs:
            named = f" {needs[0].name!r}" if needs[0].name else ""
            raise InputError(f"{cols.participants}: the plan{named} has a fast start, which needs the participants' "
                             f"enrolment dates: the file has no column {cols.enrolled_on or 'enrolled_on'!r} "
                             f"(name another with --enrolled-column)")
    binary = any(p is not None and p.has_binary for p in (plan, other))
    placed = dict(placement=cols.placement, side=cols.side) if binary else {}
    net = progress.step(f"building the network of {len(people):,} participants", lambda: _naming_events(
        cols, lambda: dl.Network.from_frame(people, id=cols.id, sponsor=cols.sponsor, enrolled_on=enrolled,
                                            events=events, **placed)))
    args = dict(participant=cols.participant, date=cols.date, pv=cols.pv,
                amount=cols.amount if cols.amount in orders.columns else None)
    tables: dict = {}
    figures: list = []
    if first == last:
        ev = progress.step(f"evaluating {plan.name or 'the plan'} for {first:%Y-%m}",
                           lambda: plan.evaluate(net, orders, start=first, **args))
        tables["participants"] = ev.participants
        tables["totals"] = ev.totals.to_frame()
        tables["ranks"] = ev.ranks.to_frame()
        tables["top_earners"] = ev.participants.sort_values("total", ascending=False).head(top)[
            ["rank", "pv", "gv", *plan.bonuses, "total"]]
        tables["closest_to_next_rank"] = closest_to_next_rank(ev.participants, top)
        figures.append(("ranks", "Participants per rank", ev.plot))
        if other is not None:
            cmp = progress.step(f"comparing with {other.name or 'the other plan'}",
                                lambda: dl.compare_plans(plan, other, net, orders, start=first, **args))
            tables["comparison_totals"] = cmp.totals
            tables["comparison_ranks"] = cmp.ranks
            tables["comparison_participants"] = cmp.participants
            tables["comparison_summary"] = cmp.summary.to_frame("value")
            figures.append(("comparison", "What-if: payout per bonus, gainers and losers",
                            lambda: cmp.plot()[0]))
    else:
        run = progress.step(f"running {plan.name or 'the plan'} from {first:%Y-%m} to {last:%Y-%m}",
                            lambda: plan.run(net, orders, start=first, end=end, **args))
        tables["participants"] = run.participants
        tables["totals"] = run.totals
        tables["ranks"] = run.ranks
        tables["rank_changes"] = run.rank_changes
        last_period = run.participants.loc[run.periods[-1]]
        tables["top_earners"] = last_period.sort_values("total", ascending=False).head(top)[
            ["rank", "title", "pv", "gv", *plan.bonuses, "total"]]
        tables["closest_to_next_rank"] = closest_to_next_rank(last_period, top)
        figures.append(("run", "Paid per month and payout ratio", run.plot))

    progress.step(f"writing {len(tables)} CSV files", lambda: _write_csvs(tables, out))
    images = progress.step("drawing the plots", lambda: _save_plots(out, figures))
    period = f"{first:%Y-%m}" if first == last else f"{first:%Y-%m} to {last:%Y-%m}"
    (out / "index.html").write_text(_commissions_page(plan, period, tables, images), encoding="utf-8")
    return tables


def _commissions_page(plan: Any, period: str, tables: dict, images: list) -> str:
    parts = [
        f"<h1>Commissions of {html.escape(plan.name or 'the plan')}, {period}</h1>",
        "<h2>The plan</h2>" + plan._repr_html_(),
        _html_table(tables, "Totals (payout ratio = paid / sales)", "totals", ",.4g"),
        _html_image(images, "run"),
        _html_table(tables, "Participants per rank", "ranks"),
        _html_image(images, "ranks"),
        _html_table(tables, "Top earners", "top_earners", ",.2f"),
        _html_table(tables, "Closest to the next rank", "closest_to_next_rank", ",.2f"),
        _html_table(tables, "What-if: totals under each plan", "comparison_totals", ",.4g"),
        _html_table(tables, "What-if: participants per rank", "comparison_ranks"),
        _html_table(tables, "What-if: gainers and losers", "comparison_summary"),
        _html_image(images, "comparison"),
    ]
    return _page("downline commissions", parts, tables)


def _commissions(args: argparse.Namespace) -> int:
    months = args.month if args.month else args.months
    if args.compare and months[0] != months[1]:
        raise InputError("--compare compares one month: give --month, not --months")
    with _Progress(args.quiet, total=7 + bool(args.compare) * 2 + bool(args.events)) as progress:
        plan = progress.step(f"reading the plan {args.plan}", lambda: _load_plan(args.plan))
        other = progress.step(f"reading the plan {args.compare}", lambda: _load_plan(args.compare)) \
            if args.compare else None
        binary = any(p is not None and p.has_binary for p in (plan, other))
        people, orders = read_company(args, progress, need_enrolment=False, placement=binary)
        events = _read_events(args, people, progress)
        _naming_lines(args, people, orders, lambda: build_commissions(plan, people, orders, months, Path(args.out),
                                                                      args, args.top, progress, other, events))
    print(f"commissions written to {Path(args.out) / 'index.html'}")
    return 0


def _month(text: str) -> tuple:
    """An argparse type: YYYY-MM -> (its first day, the same)."""
    import re

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text.strip()):
        raise argparse.ArgumentTypeError(f"not a month: {text!r} (expected YYYY-MM, such as 2024-01)")
    first = pd.Timestamp(text.strip() + "-01")
    if not 1900 <= first.year <= 2200:
        raise argparse.ArgumentTypeError(f"month {text!r} is outside 1900-01..2200-12")
    return first, first


def _months(text: str) -> tuple:
    """An argparse type: YYYY-MM..YYYY-MM -> (first month's first day, last month's)."""
    if ".." not in text:
        raise argparse.ArgumentTypeError(f"not a range of months: {text!r} (expected YYYY-MM..YYYY-MM)")
    a, b = text.split("..", 1)
    first, last = _month(a)[0], _month(b)[0]
    if last < first:
        raise argparse.ArgumentTypeError(f"the months {text!r} run backwards")
    return first, last


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?")


def _as_of(text: str) -> str:
    """An argparse type: an ISO date, YYYY-MM-DD, optionally with a time (2024-01-31T18:00)."""
    bad = argparse.ArgumentTypeError(f"not an ISO date: {text!r} (expected YYYY-MM-DD, optionally with a time "
                                     f"such as 2024-01-31T18:00)")
    if not _ISO_DATE.fullmatch(text.strip()):
        raise bad
    try:
        pd.Timestamp(text.strip())
    except (ValueError, TypeError):
        raise bad from None
    return text.strip()


def _whole_number(low: int) -> Callable[[str], int]:
    """An argparse type: a whole number >= low."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {low}, not {text!r}")
        return value
    return parse


def _out_dir(text: str) -> str:
    """An argparse type: a directory that exists or can be made (its nearest existing
    ancestor is a directory) and can be written into, checked by making and removing a
    file there, so that the report does not fail after the long reads. Nothing is kept."""
    path = Path(text)
    base = path
    while not base.exists() and base.parent != base:
        base = base.parent
    if not base.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} exists and is not a directory" if base == path else
                                         f"cannot create {text!r}: {str(base)!r} is not a directory")
    try:
        with tempfile.TemporaryFile(dir=base):
            pass
    except OSError as exc:
        into = f"cannot write into {text!r}" if base == path else f"cannot create {text!r} in {str(base)!r}"
        raise argparse.ArgumentTypeError(f"{into}: {exc.strerror or exc}") from None
    return text


def parser() -> argparse.ArgumentParser:
    from . import __version__

    ap = argparse.ArgumentParser(prog="downline", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", action="version", version=f"downline {__version__}")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser("demo", help="volumes and segments of a generated sample company",
                          description="Generates a deterministic sample company, writes it to --dir as "
                                      "participants.csv and orders.csv, reads them back with downline's readers "
                                      "and prints the largest organisations of the last full month and the "
                                      "life-cycle matrix.")
    demo.add_argument("--participants", type=_whole_number(1), default=100_000, help="participants (default 100,000)")
    demo.add_argument("--seed", type=_whole_number(0), default=42, help="random seed (default 42)")
    demo.add_argument("--top", type=_whole_number(1), default=10, help="organisations listed (default 10)")
    demo.add_argument("--dir", type=_out_dir, default="demo-data", metavar="DIR",
                      help="where the company's participants.csv and orders.csv are written (default demo-data)")
    demo.add_argument("--quiet", action="store_true", help="no progress on stderr")
    demo.set_defaults(run=_demo)

    rep = sub.add_parser(
        "report", help="an HTML report of a company's CSV files",
        description="Reads a participants CSV and an orders CSV, computes volumes (of --month, by default the "
                    "last full calendar month up to --as-of), life-cycle segments and their migration over the "
                    "three months to --as-of, RFM scores, participant types, churn and survival by enrolment "
                    "year, and cohort retention, and writes index.html with PNG plots and a CSV of every "
                    "table into --out. Rows whose amount is <= 0 are refunds: never order days.")
    rep.add_argument("--participants", required=True, metavar="CSV", help="participants file")
    rep.add_argument("--orders", required=True, metavar="CSV", help="orders file")
    rep.add_argument("--as-of", required=True, type=_as_of, metavar="DATE",
                     help="the report date: YYYY-MM-DD, optionally with a time (2024-01-31T18:00)")
    rep.add_argument("--month", type=_month, metavar="YYYY-MM",
                     help="the month of the volumes (default: the last full calendar month up to --as-of)")
    rep.add_argument("--out", required=True, type=_out_dir, metavar="DIR", help="output directory (created if missing)")
    rep.add_argument("--top", type=_whole_number(1), default=10, help="largest organisations listed (default 10)")
    rep.add_argument("--events", metavar="CSV",
                     help="dated transfers and terminations (participant_id, effective_on, new_sponsor_id, "
                          "terminated): the volumes on the network as it stood, and a movements section")
    _column_names(rep)
    rep.add_argument("--quiet", action="store_true", help="no progress on stderr")
    rep.set_defaults(run=_report)

    com = sub.add_parser(
        "commissions", help="ranks and commissions of a compensation plan on a company's CSV files",
        description="Reads a plan (JSON, see docs/concepts.md; `downline example-plan` prints the shipped "
                    "example, and --plan example uses it), a "
                    "participants CSV and an orders CSV; evaluates the plan for --month (or runs it over "
                    "--months, titles carried forward) and writes participants.csv, totals.csv, ranks.csv, the "
                    "top earners, those closest to the next rank, PNG plots and index.html into --out. "
                    "--compare adds a what-if comparison with a second plan. CV = PV; sales = the amounts.")
    com.add_argument("--plan", required=True, metavar="JSON",
                     help="the compensation plan (a JSON file, or 'example' for the shipped example)")
    com.add_argument("--participants", required=True, metavar="CSV", help="participants file")
    com.add_argument("--orders", required=True, metavar="CSV", help="orders file")
    when = com.add_mutually_exclusive_group(required=True)
    when.add_argument("--month", type=_month, metavar="YYYY-MM", help="the month to evaluate")
    when.add_argument("--months", type=_months, metavar="YYYY-MM..YYYY-MM", help="the months to run, both included")
    com.add_argument("--compare", metavar="JSON", help="a second plan to compare with (one month)")
    com.add_argument("--out", required=True, type=_out_dir, metavar="DIR", help="output directory (created if missing)")
    com.add_argument("--top", type=_whole_number(1), default=20, help="participants listed per table (default 20)")
    com.add_argument("--events", metavar="CSV",
                     help="dated transfers and terminations (participant_id, effective_on, new_sponsor_id, "
                          "terminated): each month on the network as it stood on its last day")
    _column_names(com)
    com.add_argument("--quiet", action="store_true", help="no progress on stderr")
    com.set_defaults(run=_commissions, kind="")  # plans use no kinds: the participants file needs none

    ex = sub.add_parser("example-plan", help="print the example compensation plan (JSON) to start from",
                        description="Prints the compensation plan shipped with downline as JSON: five ranks "
                                    "with legs and leg caps, a compressed unilevel, a differential, "
                                    "generations, a fast start and a payout cap.")
    ex.set_defaults(run=_example_plan)
    return ap


def _column_names(cmd: argparse.ArgumentParser) -> None:
    names = cmd.add_argument_group("column names")
    names.add_argument("--id-column", dest="id", default="id", help="participant id (default id)")
    names.add_argument("--sponsor-column", dest="sponsor", default="sponsor_id",
                       help="sponsor id, empty for none (default sponsor_id)")
    names.add_argument("--enrolled-column", dest="enrolled_on", default=None,
                       help="enrolment date (default enrolled_on; commissions read it when the file has it, "
                            "a plan with a fast start needs it)")
    names.add_argument("--kind-column", dest="kind", default="kind", help="participant kind (default kind)")
    names.add_argument("--participant-column", dest="participant", default="participant_id",
                       help="order's participant id (default participant_id)")
    names.add_argument("--date-column", dest="date", default="ordered_on", help="order date (default ordered_on)")
    names.add_argument("--amount-column", dest="amount", default="amount", help="order amount (default amount)")
    names.add_argument("--pv-column", dest="pv", default="pv", help="order point volume (default pv)")
    names.add_argument("--placement-column", dest="placement", default="placement_id",
                       help="placement parent id, for a plan with a binary bonus (default placement_id)")
    names.add_argument("--side-column", dest="side", default="side",
                       help="placement side, L or R, for a plan with a binary bonus (default side)")


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except InputError as exc:
        print(f"\ndownline: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
