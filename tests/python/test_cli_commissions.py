"""``downline commissions`` as a user runs it: its CSVs equal the Python API's frames
(evaluate, run, compare_plans) on generated data; bad plans and months exit 2 naming the
problem."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import downline as dl
from downline.cli import main

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    people, orders = dl.sample(2000, seed=21)
    orders = orders.assign(ordered_on=orders["ordered_on"].dt.normalize(), pv=orders["pv"] * 5)
    d = tmp_path_factory.mktemp("company")
    people.assign(enrolled_on=people["enrolled_on"].dt.strftime("%Y-%m-%d")).to_csv(d / "people.csv", index=False)
    orders.assign(ordered_on=orders["ordered_on"].dt.strftime("%Y-%m-%d")).to_csv(d / "orders.csv", index=False)
    plan = dl.CompensationPlan.example()
    (d / "plan.json").write_text(json.dumps(plan.to_dict()))
    other = plan.to_dict()
    other["unilevel"]["compression"] = False
    (d / "other.json").write_text(json.dumps(other))
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    return d, net, orders, plan, dl.CompensationPlan(other)


def _files(d):
    return ["--plan", str(d / "plan.json"), "--participants", str(d / "people.csv"), "--orders", str(d / "orders.csv")]


def _same(csv, frame, index_col=0):
    got = pd.read_csv(csv, index_col=index_col)
    assert len(got) == len(frame)
    for col in frame.columns:
        want = frame[col]
        if isinstance(want.dtype, pd.CategoricalDtype) or want.dtype == bool:
            assert got[col].astype(str).replace("nan", "").tolist() == \
                want.astype(object).where(want.notna(), "").astype(str).tolist(), col
        else:
            np.testing.assert_allclose(got[col].to_numpy(float), want.to_numpy(float), rtol=1e-9, atol=1e-9,
                                       err_msg=col)


def test_one_month_and_the_comparison_equal_the_api(company):
    d, net, orders, plan, other = company
    out = d / "month"
    assert main(["commissions", *_files(d), "--month", "2023-06", "--compare", str(d / "other.json"),
                 "--out", str(out), "--quiet"]) == 0
    ev = plan.evaluate(net, orders, start="2023-06-01")
    _same(out / "participants.csv", ev.participants)
    totals = pd.read_csv(out / "totals.csv", index_col=0).iloc[:, 0]
    np.testing.assert_allclose(totals[ev.totals.index].to_numpy(float), ev.totals.to_numpy(float), rtol=1e-12)
    cmp = dl.compare_plans(plan, other, net, orders, start="2023-06-01")
    _same(out / "comparison_participants.csv", cmp.participants)
    assert cmp.summary["gain"] + cmp.summary["lose"] > 0  # the plans differ for someone
    page = (out / "index.html").read_text()
    for part in ("Participants per rank", "Top earners", "Closest to the next rank", "What-if", "ranks.png",
                 "comparison.png", "Diamond"):
        assert part in page
    assert (out / "ranks.png").stat().st_size > 1000


def test_months_equal_the_run(company):
    d, net, orders, plan, _ = company
    out = d / "run"
    assert main(["commissions", *_files(d), "--months", "2023-01..2023-04", "--out", str(out), "--quiet"]) == 0
    run = plan.run(net, orders, start="2023-01-01", end="2023-05-01")
    got = pd.read_csv(out / "participants.csv", index_col=[0, 1])
    assert len(got) == len(run.participants)
    np.testing.assert_allclose(got["total"].to_numpy(), run.participants["total"].to_numpy(), rtol=1e-9)
    assert got["title"].fillna("").tolist() == run.participants["title"].astype(object).fillna("").tolist()
    assert len(pd.read_csv(out / "totals.csv")) == 4
    assert (out / "run.png").exists()


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "downline.cli", *args], capture_output=True, text=True)


def _error(r: subprocess.CompletedProcess) -> str:
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr
    return r.stderr.strip().splitlines()[-1]


def test_bad_plans_and_months_exit_2_naming_the_problem(company, tmp_path):
    d = company[0]
    out = str(tmp_path / "out")
    bad = tmp_path / "bad.json"
    bad.write_text('{"active_pv": 50, "ranks": [{"name": "A", "max_leg_share": 2, "gv": 10}]}')
    files = ["--participants", str(d / "people.csv"), "--orders", str(d / "orders.csv")]
    assert "ranks[0].max_leg_share" in _error(_run("commissions", "--plan", str(bad), *files, "--month", "2023-01",
                                                   "--out", out))
    bad.write_text("{oops")
    assert "not a JSON document" in _error(_run("commissions", "--plan", str(bad), *files, "--month", "2023-01",
                                                "--out", out))
    assert "cannot read the plan file" in _error(_run("commissions", "--plan", str(tmp_path / "none.json"), *files,
                                                      "--month", "2023-01", "--out", out))
    plan = ["--plan", str(d / "plan.json"), *files]
    assert "not a month: '2023-13'" in _error(_run("commissions", *plan, "--month", "2023-13", "--out", out))
    assert "not a month: '2023/01'" in _error(_run("commissions", *plan, "--month", "2023/01", "--out", out))
    assert "run backwards" in _error(_run("commissions", *plan, "--months", "2023-05..2023-01", "--out", out))
    assert "--compare compares one month" in _error(_run("commissions", *plan, "--months", "2023-01..2023-02",
                                                         "--compare", str(d / "plan.json"), "--out", out))
    assert _run("commissions", "--help").returncode == 0


def test_the_example_plan_from_the_command_line(company, tmp_path):
    d = company[0]
    r = _run("example-plan")
    assert r.returncode == 0
    assert dl.CompensationPlan(json.loads(r.stdout)) == dl.CompensationPlan.example()
    out = tmp_path / "ex"
    assert main(["commissions", "--plan", "example", "--participants", str(d / "people.csv"), "--orders",
                 str(d / "orders.csv"), "--month", "2023-03", "--out", str(out), "--quiet"]) == 0
    got = pd.read_csv(out / "participants.csv", index_col=0)
    ev = company[3].evaluate(company[1], company[2], start="2023-03-01")
    np.testing.assert_allclose(got["total"].to_numpy(), ev.participants["total"].to_numpy(), rtol=1e-9)


def test_commissions_need_no_kind_column(company, tmp_path):
    d, net, orders, plan, _ = company
    people = pd.read_csv(d / "people.csv").drop(columns=["kind"])
    people.to_csv(tmp_path / "people.csv", index=False)
    assert main(["commissions", "--plan", "example", "--participants", str(tmp_path / "people.csv"), "--orders",
                 str(d / "orders.csv"), "--month", "2023-03", "--out", str(tmp_path / "o"), "--quiet"]) == 0


def test_enrolment_dates_are_needed_only_by_a_fast_start(company, tmp_path, capsys):
    d, net, orders, plan, _ = company
    people = pd.read_csv(d / "people.csv").drop(columns=["enrolled_on"])
    people.to_csv(tmp_path / "people.csv", index=False)
    doc = plan.to_dict()
    doc.pop("fast_start")
    (tmp_path / "plan.json").write_text(json.dumps(doc))
    files = ["--participants", str(tmp_path / "people.csv"), "--orders", str(d / "orders.csv")]
    assert main(["commissions", "--plan", str(tmp_path / "plan.json"), *files, "--month", "2023-06",
                 "--out", str(tmp_path / "out"), "--quiet"]) == 0
    no_dates = dl.Network.from_frame(people.astype({"sponsor_id": "Int64"}))  # everyone in the network
    _same(tmp_path / "out" / "participants.csv",
          dl.CompensationPlan(doc).evaluate(no_dates, orders, start="2023-06-01").participants)
    capsys.readouterr()
    assert main(["commissions", "--plan", str(d / "plan.json"), *files, "--month", "2023-06",
                 "--out", str(tmp_path / "out2"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "has a fast start, which needs the participants' enrolment dates" in err
    assert "no column 'enrolled_on'" in err


def test_a_binary_plan_over_months_reads_the_placement_tree(company, tmp_path):
    d, _, orders, plan, _ = company
    people = pd.read_csv(d / "people.csv")
    # a complete binary placement in file order: row i under row (i - 1) // 2, left when i is odd
    i = np.arange(len(people))
    parent = people["id"].to_numpy()[np.maximum((i - 1) // 2, 0)]
    people["placement_id"] = pd.arrays.IntegerArray(np.where(i > 0, parent, 0).astype(np.int64), i == 0)
    people["side"] = np.where(i == 0, "", np.where(i % 2 == 1, "L", "R"))
    people.to_csv(tmp_path / "placed.csv", index=False)
    binary = dict(plan.to_dict(), binary={"rate": 0.1, "cap": 500.0})
    (tmp_path / "binary.json").write_text(json.dumps(binary))
    out = tmp_path / "run"
    assert main(["commissions", "--plan", str(tmp_path / "binary.json"), "--participants", str(tmp_path / "placed.csv"),
                 "--orders", str(d / "orders.csv"), "--months", "2023-04..2023-06", "--out", str(out),
                 "--quiet"]) == 0
    frame = people.assign(enrolled_on=pd.to_datetime(people["enrolled_on"]), side=people["side"].replace("", None))
    net = dl.Network.from_frame(frame, enrolled_on="enrolled_on", placement="placement_id", side="side")
    run = dl.CompensationPlan(binary).run(net, orders, start="2023-04-01", end="2023-07-01")
    totals = pd.read_csv(out / "totals.csv", index_col=0)
    np.testing.assert_allclose(totals["binary"].to_numpy(), run.totals["binary"].to_numpy(), rtol=1e-9)
    assert run.totals["binary"].sum() > 0
    got = pd.read_csv(out / "participants.csv")
    assert {"binary", "binary_left", "carry_right"} <= set(got.columns)
    assert "binary" in pd.read_csv(out / "top_earners.csv").columns
    people.drop(columns="side").to_csv(tmp_path / "unplaced.csv", index=False)
    assert main(["commissions", "--plan", str(tmp_path / "binary.json"), "--participants",
                 str(tmp_path / "unplaced.csv"), "--orders", str(d / "orders.csv"), "--month", "2023-04",
                 "--out", str(tmp_path / "x"), "--quiet"]) == 2


def test_a_binary_run_with_events_is_the_api_run_on_the_network_with_them(tmp_path):
    from test_events import until_terminated

    people, orders = dl.sample(1500, seed=5, placement=True)
    early = people[people["enrolled_on"] < "2023-01-01"]
    sponsors = set(people["sponsor_id"].dropna())
    boss = int(early["id"][early["id"].isin(sponsors)].iloc[3])  # terminated with recruits: they roll up
    leaf = int(early["id"][~early["id"].isin(sponsors)].iloc[0])
    root = int(people.loc[people["sponsor_id"].isna(), "id"].iloc[0])
    events = pd.DataFrame({"participant_id": [boss, leaf], "effective_on": pd.to_datetime(["2023-04-15", "2023-05-10"]),
                           "new_sponsor_id": pd.array([None, root], dtype="Int64"), "terminated": [True, False]})
    orders = until_terminated(orders, events)
    people.assign(enrolled_on=people["enrolled_on"].dt.strftime("%Y-%m-%d")).to_csv(tmp_path / "people.csv",
                                                                                   index=False)
    orders.assign(ordered_on=orders["ordered_on"].dt.strftime("%Y-%m-%d")).to_csv(tmp_path / "orders.csv",
                                                                                 index=False)
    events.assign(effective_on=events["effective_on"].dt.strftime("%Y-%m-%d")).to_csv(tmp_path / "events.csv",
                                                                                     index=False)
    plan = dict(dl.CompensationPlan.example().to_dict(), binary={"rate": 0.1, "cap": 500.0})
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    out = tmp_path / "run"
    assert main(["commissions", "--plan", str(tmp_path / "plan.json"), "--participants", str(tmp_path / "people.csv"),
                 "--orders", str(tmp_path / "orders.csv"), "--events", str(tmp_path / "events.csv"),
                 "--months", "2023-04..2023-06", "--out", str(out), "--quiet"]) == 0
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on", placement="placement_id", side="side",
                                events=events)
    run = dl.CompensationPlan(plan).run(net, orders, start="2023-04-01", end="2023-07-01")
    totals = pd.read_csv(out / "totals.csv", index_col=0)
    for col in ("binary", "unilevel", "paid"):
        np.testing.assert_allclose(totals[col].to_numpy(), run.totals[col].to_numpy(), rtol=1e-9)
    assert run.totals["binary"].sum() > 0
    got = pd.read_csv(out / "participants.csv")
    assert len(got) == len(run.participants) and boss not in set(got["id"])
    # without the events file, the terminated participant is still there
    assert main(["commissions", "--plan", str(tmp_path / "plan.json"), "--participants", str(tmp_path / "people.csv"),
                 "--orders", str(tmp_path / "orders.csv"), "--months", "2023-04..2023-06",
                 "--out", str(tmp_path / "plain"), "--quiet"]) == 0
    assert boss in set(pd.read_csv(tmp_path / "plain" / "participants.csv")["id"])
