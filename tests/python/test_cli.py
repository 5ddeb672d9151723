"""The downline command as a user runs it: a report of small CSV files, its CSVs checked
against the brute-force reference and pandas, its HTML and plots present; bad input named
with a non-zero exit code; --help for every command."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import downline as dl
from downline.cli import largest_organisations, main
from reference import brute_volumes

pytest.importorskip("matplotlib")

AS_OF = "2023-06-30"


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    """A generated company written as the CSV files a back office exports (ISO dates, an
    empty sponsor for roots), and the same data as frames."""
    people, orders = dl.sample(1500, seed=11)
    orders = orders.assign(ordered_on=orders["ordered_on"].dt.normalize())
    d = tmp_path_factory.mktemp("company")
    people.assign(enrolled_on=people["enrolled_on"].dt.strftime("%Y-%m-%d")).to_csv(d / "people.csv", index=False)
    orders.assign(ordered_on=orders["ordered_on"].dt.strftime("%Y-%m-%d")).to_csv(d / "orders.csv", index=False)
    return d, people, orders


@pytest.fixture(scope="module")
def report(company):
    d, people, orders = company
    out = d / "report"
    assert main(["report", "--participants", str(d / "people.csv"), "--orders", str(d / "orders.csv"),
                 "--as-of", AS_OF, "--out", str(out), "--quiet"]) == 0
    return out


def test_report_volumes_are_the_brute_force_volumes(company, report):
    _, people, orders = company
    got = pd.read_csv(report / "volumes.csv", index_col=0)
    want = brute_volumes(people, orders, start="2023-06-01", end="2023-07-01", as_of=AS_OF)
    assert sorted(got.index) == sorted(want.index)
    got = got.loc[want.index]
    for col in ("pv", "gv", "power_leg", "lesser_legs", "level_1", "level_3"):
        np.testing.assert_allclose(got[col].to_numpy(), want[col].to_numpy(), atol=1e-6, err_msg=col)
    for col in ("downline", "frontline", "depth", "height"):
        np.testing.assert_array_equal(got[col].to_numpy(), want[col].to_numpy(), err_msg=col)
    top = pd.read_csv(report / "largest_organisations.csv", index_col=0)
    assert list(top.index) == list(want.sort_values(["gv", "downline"], ascending=False).index[:10])


@pytest.mark.parametrize("top", [1, 3, 10, 50, 300, 400])
def test_largest_organisations_are_the_head_of_the_whole_sort(top):
    rng = np.random.default_rng(3)
    vol = pd.DataFrame({"gv": rng.choice([0.0, 1.5, 2.0, 7.25], 300), "downline": rng.integers(0, 4, 300),
                        "pv": rng.random(300)}, index=rng.permutation(300) + 10)
    want = vol.sort_values(["gv", "downline"], ascending=False).head(top)
    pd.testing.assert_frame_equal(largest_organisations(vol, top), want)


def test_report_lifecycle_and_cohorts_match_pandas(company, report):
    _, _, orders = company
    as_of = pd.Timestamp(AS_OF)
    upto = orders[(orders["ordered_on"] <= as_of) & (orders["amount"] > 0)]  # refunds are not order days
    assert (orders["amount"] <= 0).any()
    days = upto.drop_duplicates(["participant_id", "ordered_on"])
    per = days.groupby("participant_id")["ordered_on"].agg(["size", "max"])
    freq = pd.cut(per["size"], [0, 1, 3, np.inf], labels=["New", "Promising", "Constant"])
    rec = pd.cut((as_of - per["max"]).dt.days, [-1, 30, 90, np.inf], labels=["Active", "Sleeping", "Lost"])
    want = pd.crosstab(freq, rec).reindex(index=["New", "Promising", "Constant"],
                                           columns=["Active", "Sleeping", "Lost"], fill_value=0)
    got = pd.read_csv(report / "lifecycle_matrix.csv", index_col=0)
    np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())
    # cohorts: first-order month; month 0 is everyone, cells after as_of are missing
    counts = pd.read_csv(report / "cohort_counts.csv", index_col=0)
    first = upto.groupby("participant_id")["ordered_on"].min().dt.to_period("M")
    sizes = first.value_counts().sort_index()
    np.testing.assert_array_equal(counts.iloc[:, 0].to_numpy(), sizes.to_numpy())
    last = counts.iloc[-1]
    assert last.iloc[0] == sizes.iloc[-1] and last.iloc[1:].isna().all()


def test_report_html_and_plots(company, report):
    _, people, orders = company
    page = (report / "index.html").read_text()
    top = pd.read_csv(report / "largest_organisations.csv", index_col=0)
    assert f"{top.index[0]}" in page and f"{top['gv'].iloc[0]:,.2f}" in page
    for name in ("lifecycle", "survival", "cohorts", "legs", "organisation"):
        png = report / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert f'src="{name}.png"' in page
    for name in ("volumes", "churn", "survival_table", "cohort_shares", "participant_types"):
        assert f'href="{name}.csv"' in page and (report / f"{name}.csv").stat().st_size > 0
    types = pd.read_csv(report / "participant_types.csv", index_col=0)["participants"]
    enrolled = int((people["enrolled_on"] <= pd.Timestamp(AS_OF)).sum())
    assert types.sum() == enrolled  # every participant enrolled by as_of has a type


def test_report_rfm_migration_money_and_page(company, report):
    _, people, orders = company
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    want = dl.rfm(orders, AS_OF, participants=net)  # the amount column, refunds not orders
    got = pd.read_csv(report / "rfm.csv", index_col=0)
    assert list(got.index) == list(want.index)
    np.testing.assert_allclose(got["monetary"].fillna(0), want["monetary"].fillna(0).round(2), atol=1e-9)
    assert got["segment"].fillna("").tolist() == want["segment"].astype(object).fillna("").tolist()
    segments = pd.read_csv(report / "rfm_segments.csv", index_col=0)["customers"]
    assert segments.sum() == want["segment"].notna().sum()
    mig = dl.migration(orders, pd.Timestamp(AS_OF) - pd.DateOffset(months=3), AS_OF, participants=net,
                       amount="amount")
    np.testing.assert_array_equal(pd.read_csv(report / "migration_matrix.csv", index_col=0).to_numpy(),
                                  mig.matrix.to_numpy())
    # money in cents: no float written with more than two decimals
    for name in ("volumes", "rfm"):
        text = (report / f"{name}.csv").read_text()
        assert not re.search(r"\.\d{3,}", text), name
    page = (report / "index.html").read_text()
    assert "&lt;" not in page and "Network" not in page  # no repr
    assert ">NaN<" not in page and ">inf<" not in page
    for part in ("RFM segments", "Migration between life-cycle segments", "cohort_shares.csv"):
        assert part in page


def test_report_volumes_of_the_last_full_month_or_the_month_given(company, tmp_path):
    d, people, orders = company
    files = ["--participants", str(d / "people.csv"), "--orders", str(d / "orders.csv"), "--quiet"]
    assert main(["report", *files, "--as-of", "2023-06-15", "--out", str(tmp_path / "a")]) == 0
    want = brute_volumes(people, orders, start="2023-05-01", end="2023-06-01", as_of="2023-05-31")
    got = pd.read_csv(tmp_path / "a" / "volumes.csv", index_col=0).loc[want.index]
    np.testing.assert_allclose(got["gv"].to_numpy(), want["gv"].to_numpy(), atol=0.006)
    assert main(["report", *files, "--as-of", "2023-06-15", "--month", "2023-04", "--out", str(tmp_path / "b")]) == 0
    want = brute_volumes(people, orders, start="2023-04-01", end="2023-05-01", as_of="2023-04-30")
    got = pd.read_csv(tmp_path / "b" / "volumes.csv", index_col=0).loc[want.index]
    np.testing.assert_allclose(got["gv"].to_numpy(), want["gv"].to_numpy(), atol=0.006)
    assert "Volumes of April 2023 (2023-04-01 to 2023-04-30)" in (tmp_path / "b" / "index.html").read_text()


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "downline.cli", *args], capture_output=True, text=True)


def test_help_for_every_command():
    for args in ((), ("demo",), ("report",)):
        r = _run(*args, "--help")
        assert r.returncode == 0 and "usage: downline" in r.stdout
    assert "--participant-column" in _run("report", "--help").stdout


def test_bad_input_is_named_with_exit_code_2(company, tmp_path):
    d, _, _ = company
    base = ["report", "--orders", str(d / "orders.csv"), "--as-of", AS_OF, "--out", str(tmp_path / "r"), "--quiet"]
    r = _run(*base, "--participants", str(tmp_path / "missing.csv"))
    assert r.returncode == 2 and "missing.csv does not exist" in r.stderr
    bad = tmp_path / "people.csv"
    text = (d / "people.csv").read_text().splitlines()
    bad.write_text("\n".join([text[0].replace("sponsor_id", "upline")] + text[1:]) + "\n")
    r = _run(*base, "--participants", str(bad))
    assert r.returncode == 2 and "people.csv:1:1: missing sponsor column 'sponsor_id'" in r.stderr
    r = _run(*base, "--participants", str(bad), "--sponsor-column", "upline")
    assert r.returncode == 0, r.stderr  # the option names the column
    lines = text[:]
    lines[5] = lines[5].replace(lines[5].split(",")[2], "30/02/2023")
    bad.write_text("\n".join(lines) + "\n")
    r = _run(*base, "--participants", str(bad))
    assert r.returncode == 2 and "people.csv:6:3: column 'enrolled_on': '30/02/2023' is not a date" in r.stderr
    lines = text[:]
    lines[3] = ",".join([lines[3].split(",")[0], lines[3].split(",")[0]] + lines[3].split(",")[2:])
    bad.write_text("\n".join(lines) + "\n")
    r = _run(*base, "--participants", str(bad))
    assert r.returncode == 2 and "own sponsor" in r.stderr and lines[3].split(",")[0] in r.stderr
    for day in ("yesterday-ish", "2011/02/01", "20110301", "2011-02-30", "1 March 2011"):
        r = _run("report", "--participants", "p", "--orders", "o", "--as-of", day, "--out", "x")
        assert r.returncode == 2 and f"not an ISO date: '{day}'" in r.stderr, day
    r = _run(*base, "--participants", str(d / "people.csv"), "--month", "2023-07")  # after --as-of
    assert r.returncode == 2 and "--month 2023-07 begins after --as-of 2023-06-30" in r.stderr


# ------------------------------------------------------------------ issue 23
def _error_line(r: subprocess.CompletedProcess) -> str:
    """The error of a failed run: exit status 2, no traceback, the last stderr line."""
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr
    return r.stderr.strip().splitlines()[-1]


def test_bad_options_are_one_line_errors_with_exit_status_2(company, tmp_path):
    d, _, _ = company
    report = ["report", "--participants", str(d / "people.csv"), "--orders", str(d / "orders.csv"),
              "--as-of", AS_OF, "--quiet"]
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    assert _error_line(_run(*report, "--out", str(a_file))) == \
        f"downline report: error: argument --out: '{a_file}' exists and is not a directory"
    assert _error_line(_run(*report, "--out", str(a_file / "sub"))) == \
        f"downline report: error: argument --out: cannot create '{a_file / 'sub'}': '{a_file}' is not a directory"
    line = _error_line(_run(*report, "--out", "/proc/downline-report"))  # /proc takes no new files, even for root
    assert line.startswith("downline report: error: argument --out: cannot create '/proc/downline-report' in '/proc'")
    assert not (tmp_path / "r").exists()
    assert _error_line(_run(*report, "--out", str(tmp_path / "r"), "--top", "-5")) == \
        "downline report: error: argument --top: expected a whole number >= 1, not '-5'"
    assert not (tmp_path / "r").exists()  # nothing written on a bad option
    for args, line in ((("--participants", "0"), "argument --participants: expected a whole number >= 1, not '0'"),
                       (("--participants", "1e5"), "argument --participants: expected a whole number >= 1, not '1e5'"),
                       (("--top", "-5"), "argument --top: expected a whole number >= 1, not '-5'"),
                       (("--seed", "-1"), "argument --seed: expected a whole number >= 0, not '-1'")):
        assert _error_line(_run("demo", *args)) == "downline demo: error: " + line


def _report_of(people_csv, orders_csv, out) -> None:
    assert main(["report", "--participants", str(people_csv), "--orders", str(orders_csv), "--as-of", AS_OF,
                 "--out", str(out), "--quiet"]) == 0


def test_whole_float_ids_give_the_report_of_the_integer_ids(company, report, tmp_path):
    """As pandas writes them: a sponsor column with missing values is float (17850.0), and
    so are the order ids of a frame that had a missing one (the Online Retail CustomerID).
    As text, "17850.0" in the orders would not match "17850" in the participants."""
    d, people, orders = company
    people.assign(sponsor_id=people["sponsor_id"].astype("float64"),
                  enrolled_on=people["enrolled_on"].dt.strftime("%Y-%m-%d")).to_csv(tmp_path / "p.csv", index=False)
    orders.assign(participant_id=orders["participant_id"].astype("float64"),
                  ordered_on=orders["ordered_on"].dt.strftime("%Y-%m-%d")).to_csv(tmp_path / "o.csv", index=False)
    assert ".0," in (tmp_path / "o.csv").read_text()[:200]
    _report_of(tmp_path / "p.csv", tmp_path / "o.csv", tmp_path / "r")
    got = pd.read_csv(tmp_path / "r" / "volumes.csv", index_col=0)
    want = brute_volumes(people, orders, start="2023-06-01", end="2023-07-01", as_of=AS_OF)
    assert got.index.dtype == np.int64 and sorted(got.index) == sorted(want.index)
    np.testing.assert_allclose(got.loc[want.index, "gv"].to_numpy(), want["gv"].to_numpy(), atol=1e-6)
    for name in ("volumes", "lifecycle_matrix", "churn", "survival_table", "cohort_counts"):
        assert (tmp_path / "r" / f"{name}.csv").read_text() == (report / f"{name}.csv").read_text(), name


def test_text_ids_are_still_read_as_text(company, tmp_path):
    """Ids such as "P-17": downline's readers read them as text, in both files."""
    _, people, orders = company
    label = lambda col: "P-" + col.astype("Int64").astype(str)  # noqa: E731
    people = people.assign(id=label(people["id"]),
                           sponsor_id=label(people["sponsor_id"]).where(people["sponsor_id"].notna(), None))
    orders = orders.assign(participant_id=label(orders["participant_id"]))
    people.assign(enrolled_on=people["enrolled_on"].dt.strftime("%Y-%m-%d")).to_csv(tmp_path / "p.csv", index=False)
    orders.assign(ordered_on=orders["ordered_on"].dt.strftime("%Y-%m-%d")).to_csv(tmp_path / "o.csv", index=False)
    _report_of(tmp_path / "p.csv", tmp_path / "o.csv", tmp_path / "r")
    got = pd.read_csv(tmp_path / "r" / "volumes.csv", index_col=0)
    want = brute_volumes(people, orders, start="2023-06-01", end="2023-07-01", as_of=AS_OF)
    assert sorted(got.index) == sorted(want.index)
    np.testing.assert_allclose(got.loc[want.index, "gv"].to_numpy(), want["gv"].to_numpy(), atol=1e-6)


def test_text_ids_give_the_report_of_the_same_company_with_integer_ids(company, report, tmp_path):
    """The company with every id written as "A-<id>" (read as text by downline's readers):
    every table holds the numbers of the report on the integer ids, the ids mapped back."""
    _, people, orders = company
    label = lambda col: "A-" + col.astype("Int64").astype(str)  # noqa: E731
    people.assign(id=label(people["id"]), sponsor_id=label(people["sponsor_id"]).where(people["sponsor_id"].notna()),
                  enrolled_on=people["enrolled_on"].dt.strftime("%Y-%m-%d")).to_csv(tmp_path / "p.csv", index=False)
    orders.assign(participant_id=label(orders["participant_id"]),
                  ordered_on=orders["ordered_on"].dt.strftime("%Y-%m-%d")).to_csv(tmp_path / "o.csv", index=False)
    assert "\nA-" in (tmp_path / "o.csv").read_text()[:100]
    _report_of(tmp_path / "p.csv", tmp_path / "o.csv", tmp_path / "r")
    for name in ("volumes", "largest_organisations", "churn", "lifecycle_segments"):  # indexed by participant
        got = pd.read_csv(tmp_path / "r" / f"{name}.csv", index_col=0)
        want = pd.read_csv(report / f"{name}.csv", index_col=0)
        assert got.index.str.startswith("A-").all(), name
        got.index = got.index.str.slice(2).astype(np.int64)
        assert got.index.tolist() == want.index.tolist(), name
        pd.testing.assert_frame_equal(got, want, check_names=False, obj=name)
    for name in ("lifecycle_matrix", "participant_types", "survival_table", "median_survival",
                 "cohort_counts", "cohort_shares"):  # no ids: the same file
        assert (tmp_path / "r" / f"{name}.csv").read_text() == (report / f"{name}.csv").read_text(), name


def test_files_that_are_not_utf8_text_are_named_by_the_reader(company, tmp_path):
    d, _, _ = company
    base = ["report", "--orders", str(d / "orders.csv"), "--as-of", AS_OF, "--out", str(tmp_path / "r"), "--quiet"]
    text = (d / "people.csv").read_text()
    latin1 = tmp_path / "latin1.csv"
    first = text.index("\n") + 1  # the header's length: the kind of line 2 gets an é
    line2 = text[first:text.index("\n", first)]
    latin1.write_bytes((text[:first] + line2 + "\u00e9" + text[first + len(line2):]).encode("latin-1"))
    assert _error_line(_run(*base, "--participants", str(latin1))).startswith(
        f"downline: error: {latin1}:2:{len(line2) + 1}: not UTF-8 text: byte 0xE9 at byte offset {first + len(line2)}")
    nul = tmp_path / "nul.csv"  # pandas would cut the kind at the NUL and go on
    nul.write_bytes((text[:first] + line2 + "\0" + text[first + len(line2):]).encode())
    assert f"{nul}:2:{len(line2) + 1}: a NUL byte" in _error_line(_run(*base, "--participants", str(nul)))
    assert f"{tmp_path}: is a directory" in _error_line(_run(*base, "--participants", str(tmp_path)))


# ------------------------------------------------------------------ issue 25: one demo
def test_dev_sh_demo_is_the_downline_command():
    """./dev.sh demo runs the console script ./dev.sh installs, with the user's arguments."""
    from pathlib import Path

    dev = (Path(__file__).resolve().parents[2] / "dev.sh").read_text()
    demo = re.search(r"\n  demo\)\n(.*?);;", dev, re.S).group(1)
    assert 'exec "$ROOT/.venv/bin/downline" demo "$@"' in demo and "downline-cli" not in demo
    assert "from downline.cli import main" in dev  # the console script .venv/bin/downline


def test_demo_writes_the_sample_and_prints_its_largest_organisations(tmp_path):
    r = subprocess.run([sys.executable, "-m", "downline.cli", "demo", "--participants", "3000", "--seed", "4",
                        "--top", "5", "--dir", str(tmp_path / "d")], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    people, orders = dl.sample(3000, seed=4)
    written = pd.read_csv(tmp_path / "d" / "orders.csv", parse_dates=["ordered_on"])
    np.testing.assert_array_equal(written["participant_id"], orders["participant_id"])
    np.testing.assert_array_equal(written["ordered_on"], orders["ordered_on"].dt.normalize())
    np.testing.assert_allclose(written["amount"], orders["amount"], atol=0.005)
    assert len(pd.read_csv(tmp_path / "d" / "participants.csv")) == 3000
    # the largest organisations of the last full month before the last order, as the brute force has them
    as_of = orders["ordered_on"].max().normalize()
    end = (as_of + pd.Timedelta(days=1)).replace(day=1)
    start = end - pd.DateOffset(months=1)
    want = brute_volumes(people, orders.assign(pv=orders["pv"].round(2)), start=start, end=end)
    want = want.sort_values(["gv", "downline"], ascending=False).head(5)
    table = r.stdout.split("largest organisations")[1].split("\n\n")[0].splitlines()[3:]
    assert [int(line.split()[0]) for line in table] == list(want.index)
    assert [float(line.split()[1].replace(",", "")) for line in table] == list(want["gv"].round(0))
    assert f"--as-of {as_of.date()} --out report" in r.stdout
    assert re.search(r"\[downline\] 100%\|#+\| life-cycle segments: [\d.]+ s", r.stderr), r.stderr


def test_report_with_events_uses_the_network_as_it_stood_and_lists_the_movements(company, tmp_path, capsys):
    from test_events import by_hand, until_terminated

    d, people, orders = company
    enrolled = people.set_index("id")["enrolled_on"]
    has_recruits = set(people["sponsor_id"].dropna())
    leaves = [i for i in people["id"] if i not in has_recruits and enrolled[i] < pd.Timestamp("2023-01-01")]
    rng = np.random.default_rng(3)
    chosen = rng.choice(leaves, 7, replace=False)
    targets = [i for i in people["id"] if enrolled[i] < pd.Timestamp("2023-01-01") and i not in set(chosen)]
    rows = [(chosen[0], "2023-05-10", None, True)]  # before the month: only the volumes see it
    rows += [(p, f"2023-06-{10 + k:02d}", int(rng.choice(targets)), False) for k, p in enumerate(chosen[1:5])]
    rows += [(p, "2023-06-20", None, True) for p in chosen[5:]]
    events = pd.DataFrame(rows, columns=["participant_id", "effective_on", "new_sponsor_id", "terminated"])
    events["new_sponsor_id"] = events["new_sponsor_id"].astype("Int64")
    events.to_csv(tmp_path / "events.csv", index=False)
    frame = events.assign(effective_on=pd.to_datetime(events["effective_on"]))
    # orders dated after their participant's termination: named with the file's lines
    kept = until_terminated(orders, frame)
    after = np.flatnonzero(~orders.index.isin(kept.index))
    assert len(after)
    assert main(["report", "--participants", str(d / "people.csv"), "--orders", str(d / "orders.csv"),
                 "--as-of", AS_OF, "--events", str(tmp_path / "events.csv"), "--out", str(tmp_path / "r0"),
                 "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"orders.csv: {len(after)} order(s) dated after their participant's termination" in err
    assert f"(line(s) {', '.join(str(r + 2) for r in after[:10])}" in err
    orders = kept
    orders.to_csv(tmp_path / "orders.csv", index=False, date_format="%Y-%m-%d")
    out = tmp_path / "report"
    assert main(["report", "--participants", str(d / "people.csv"), "--orders", str(tmp_path / "orders.csv"),
                 "--as-of", AS_OF, "--events", str(tmp_path / "events.csv"), "--out", str(out), "--quiet"]) == 0
    # the volumes: the sponsor table edited by hand as of the month's last day
    table = by_hand(people, frame, pd.Timestamp(AS_OF))
    edited = pd.DataFrame({"id": list(table), "sponsor_id": pd.array(list(table.values()), dtype="Int64"),
                           "enrolled_on": [enrolled[i] for i in table]})
    want = brute_volumes(edited, orders[orders["participant_id"].isin(table)], start="2023-06-01",
                         end="2023-07-01", as_of=AS_OF)
    got = pd.read_csv(out / "volumes.csv", index_col=0)
    assert sorted(got.index) == sorted(want.index)
    np.testing.assert_allclose(got.loc[want.index, "gv"].to_numpy(), want["gv"].to_numpy(), atol=1e-6)
    counts = pd.read_csv(out / "movements.csv", index_col=0)["participants"]
    joined = [i for i in table if pd.Timestamp("2023-05-31") < enrolled[i] <= pd.Timestamp(AS_OF)]
    assert counts.to_dict() == {"joined": len(joined), "terminated": 2, "transferred": 4}
    transfers = pd.read_csv(out / "transfers.csv")
    assert list(transfers["participant_id"]) == list(chosen[1:5])
    assert list(transfers["to_sponsor"]) == list(events["new_sponsor_id"][1:5])
    page = (out / "index.html").read_text()
    assert "Movements of the month" in page and 'src="movements.png"' in page
    bad = tmp_path / "bad.csv"
    bad.write_text("participant_id,effective_on,new_sponsor_id,terminated\n1,2023/06/01,,true\n")
    assert main(["report", "--participants", str(d / "people.csv"), "--orders", str(d / "orders.csv"),
                 "--as-of", AS_OF, "--events", str(bad), "--out", str(tmp_path / "r2"), "--quiet"]) == 2
    assert f"{bad}: column 'effective_on'" in capsys.readouterr().err
    # an event the network contradicts: named with the events file and its line
    unknown = tmp_path / "unknown.csv"
    unknown.write_text(f"participant_id,effective_on,new_sponsor_id,terminated\n{chosen[0]},2023-06-01,999999999,\n")
    assert main(["report", "--participants", str(d / "people.csv"), "--orders", str(d / "orders.csv"),
                 "--as-of", AS_OF, "--events", str(unknown), "--out", str(tmp_path / "r3"), "--quiet"]) == 2
    assert (f"{unknown}: events: 1 event(s)' new sponsor(s) for ids not in the network: 999999999 "
            "(rows 0 (labelled 2))") in capsys.readouterr().err
