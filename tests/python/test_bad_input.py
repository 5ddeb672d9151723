"""Reliability (issue 6): a corpus of bad inputs through the Python API and the command line.

Every case expects a clear, specific error (the message names the rows, lines or ids and the
problem), or, where the caller asked to drop, the exact count and ids dropped; never a crash
(an exception other than ``dl.InputError``), a hang or a silent loss of rows. Expected values
are computed here from the input written (sums of the amounts, lines of the rows), never
copied from the library's output.

Each case is a function registered with ``@case("area: what")``; ``BAD_INPUTS`` lists them
and ``test_bad_input`` runs each as its own test id. ``N_BAD_INPUTS`` is the count the README
quotes ("N bad inputs tried"); ``test_corpus_size`` prints it.

Behaviour chosen where the issue is silent (also in the docstrings):

* dates read from data (strings, datetime64, CSV) must lie in 1900-01-01 .. 2200-12-31; others
  are errors naming the row and the date. Dates as numbers are refused (pandas would read
  20240131 as nanoseconds after 1970).
* ids are compared exactly (``" A" != "A"``); an unknown id that equals a known one once
  surrounding spaces are stripped gets a hint in the message. In CSV files, spaces around a
  field are not part of it (both readers trim them). Unicode ids round-trip unchanged (NFC and
  NFD forms are different ids).
* int64 ids at both limits work; float id columns (pandas makes one when a sponsor is missing)
  refuse ids beyond 2**53, which a float cannot hold exactly; uint64 ids above the int64
  maximum are refused rather than wrapped.
* an empty participants frame is an empty network; a participants file with a header only is
  an error for the report (nobody to report on); an orders file with a header only is a report
  without orders; Kaplan-Meier refuses an empty fit.
* refunds (negative amounts) are valid: they reduce PV, GV, legs and monetary value and are
  never activity.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from typing import Callable

import numpy as np
import pandas as pd
import pytest

import downline as dl
from downline.cli import main

I64_MIN = int(np.iinfo(np.int64).min)
I64_MAX = int(np.iinfo(np.int64).max)
AS_OF = "2024-03-31"

CASES: dict[str, Callable] = {}


def case(name: str) -> Callable:
    """Registers a corpus item; the function takes pytest's tmp_path and capsys."""
    def register(f: Callable) -> Callable:
        assert name not in CASES, name
        CASES[name] = f
        return f
    return register


def people(ids, sponsors, **extra) -> pd.DataFrame:
    return pd.DataFrame({"id": ids, "sponsor_id": sponsors, **extra})


def orders(pids, dates, pv=None, amount=None) -> pd.DataFrame:
    frame = pd.DataFrame({"participant_id": pids, "ordered_on": dates})
    if pv is not None:
        frame["pv"] = pv
    if amount is not None:
        frame["amount"] = amount
    return frame


def raises(exc, *needles, kind=None, ids=None):
    """Context manager: `exc` raised, its message containing every needle (plain text)."""
    class _Check:
        def __enter__(self):
            self.info = pytest.raises(exc)
            self.ctx = self.info.__enter__()
            return self.ctx

        def __exit__(self, *a):
            handled = self.info.__exit__(*a)
            msg = str(self.ctx.value)
            for s in needles:
                assert s in msg, f"{s!r} not in {msg!r}"
            if kind is not None:
                assert self.ctx.value.kind == kind, self.ctx.value.kind
            if ids is not None:
                assert list(self.ctx.value.ids) == list(ids), self.ctx.value.ids
            return handled
    return _Check()


def dropped(fn):
    """(result, messages of the DroppedRowsWarnings) of fn()."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = fn()
    return out, [str(x.message) for x in w if issubclass(x.category, dl.DroppedRowsWarning)]


def small_net(**kw) -> dl.Network:
    """1 -> 2 -> 4, 1 -> 3 (int ids), enrolled in 2020."""
    frame = people([1, 2, 3, 4], pd.array([None, 1, 1, 2], dtype="Int64"),
                   enrolled_on=pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01", "2020-04-01"]))
    return dl.Network.from_frame(frame, enrolled_on="enrolled_on", **kw)


# ============================================================== participants frames
@case("network: empty frame is an empty network")
def _(tmp_path, capsys):
    net = dl.Network.from_frame(people(np.array([], dtype=np.int64), np.array([], dtype=np.int64)))
    assert len(net) == 0
    vol = net.volumes(orders(np.array([], dtype=np.int64), pd.to_datetime([]), pv=np.array([], dtype=float)))
    assert len(vol) == 0


@case("network: frame without columns")
def _(tmp_path, capsys):
    with raises(dl.InputError, "missing column 'id' (columns: )"):
        dl.Network.from_frame(pd.DataFrame())


@case("network: a dict instead of a DataFrame")
def _(tmp_path, capsys):
    with raises(dl.InputError, "expected a pandas DataFrame with a column 'id', not dict"):
        dl.Network.from_frame({"id": [1], "sponsor_id": [None]})


@case("volumes: a list instead of a DataFrame")
def _(tmp_path, capsys):
    with raises(dl.InputError, "expected a pandas DataFrame with a column 'participant_id', not list"):
        small_net().volumes([(1, "2024-01-05", 1.0)])


@case("network: misnamed sponsor column")
def _(tmp_path, capsys):
    with raises(dl.InputError, "missing column 'sponsor_id' (columns: id, sponsor)"):
        dl.Network.from_frame(pd.DataFrame({"id": [1, 2], "sponsor": [None, 1]}))


@case("network: upper-case id column")
def _(tmp_path, capsys):
    with raises(dl.InputError, "missing column 'id' (columns: ID, sponsor_id)"):
        dl.Network.from_frame(pd.DataFrame({"ID": [1, 2], "sponsor_id": [None, 1]}))


@case("network: fractional float ids")
def _(tmp_path, capsys):
    with raises(dl.InputError, "column 'id': ids that are not whole numbers at rows 1", ids=[1]):
        dl.Network.from_frame(people([1.0, 2.5], [np.nan, 1.0]))


@case("network: float ids beyond 2**53")
def _(tmp_path, capsys):
    big = float(2**60)
    with raises(dl.InputError, "column 'id': ids beyond 2**53 in a float column at rows 1", ids=[1]):
        dl.Network.from_frame(people([1.0, big], [np.nan, 1.0]))


@case("network: uint64 id above the int64 maximum")
def _(tmp_path, capsys):
    ids = np.array([1, 2**63 + 5], dtype=np.uint64)
    with raises(dl.InputError, "column 'id': ids above the int64 maximum", "at rows 1", ids=[1]):
        dl.Network.from_frame(people(ids, pd.array([None, 1], dtype="Int64")))


@case("network: missing int id")
def _(tmp_path, capsys):
    with raises(dl.InputError, "column 'id' has missing ids at rows 2", ids=[2]):
        dl.Network.from_frame(people(pd.array([1, 2, None], dtype="Int64"), pd.array([None, 1, 1], dtype="Int64")))


@case("network: missing string id")
def _(tmp_path, capsys):
    with raises(dl.InputError, "column 'id' has missing ids at rows 1", ids=[1]):
        dl.Network.from_frame(people(["a", None], [None, "a"]))


@case("network: duplicate int ids")
def _(tmp_path, capsys):
    with raises(dl.InputError, "1 participant id(s) appear more than once: 7", kind="duplicate_id", ids=[7]):
        dl.Network.from_frame(people([1, 7, 3, 7], pd.array([None, 1, 1, 1], dtype="Int64")))


@case("network: duplicate string ids")
def _(tmp_path, capsys):
    with raises(dl.InputError, "appear more than once: b", kind="duplicate_id", ids=["b"]):
        dl.Network.from_frame(people(["a", "b", "b"], [None, "a", "a"]))


@case("network: own sponsor")
def _(tmp_path, capsys):
    with raises(dl.InputError, "1 participant(s) are their own sponsor: 2", kind="own_sponsor", ids=[2]):
        dl.Network.from_frame(people([1, 2], pd.array([None, 2], dtype="Int64")))


@case("network: own sponsor (string ids)")
def _(tmp_path, capsys):
    with raises(dl.InputError, "are their own sponsor: b", kind="own_sponsor", ids=["b"]):
        dl.Network.from_frame(people(["a", "b"], [None, "b"]))


@case("network: cycle of 2")
def _(tmp_path, capsys):
    with raises(dl.InputError, "cycle of 2 participant(s)", "(2 participant(s) are in or below cycles)",
                kind="cycle") as info:
        dl.Network.from_frame(people([1, 2, 3], pd.array([None, 3, 2], dtype="Int64")))
    assert sorted(info.value.ids) == [2, 3]


@case("network: cycle of 2 (string ids)")
def _(tmp_path, capsys):
    with raises(dl.InputError, "cycle of 2 participant(s)", kind="cycle") as info:
        dl.Network.from_frame(people(["r", "x", "y"], [None, "y", "x"]))
    assert sorted(info.value.ids) == ["x", "y"]


@case("network: cycle of 1,000,000")
def _(tmp_path, capsys):
    n = 1_000_000
    ids = np.arange(n, dtype=np.int64) + 10
    with raises(dl.InputError, f"cycle of {n} participant(s)", f"({n - 10} more)",
                f"({n} participant(s) are in or below cycles)", kind="cycle") as info:
        dl.Network.from_frame(people(ids, np.roll(ids, -1)))
    assert len(set(info.value.ids)) == n


@case("network: sponsor not present")
def _(tmp_path, capsys):
    with raises(dl.InputError, "1 participant(s) have a sponsor that is not a participant: 2 (sponsor 7)",
                kind="unknown_sponsor", ids=[2]):
        dl.Network.from_frame(people([1, 2], pd.array([None, 7], dtype="Int64")))


@case("network: sponsor with a leading space")
def _(tmp_path, capsys):
    with raises(dl.InputError, "B (sponsor ' A')", "(' A' differs from 'A' only by surrounding spaces)",
                kind="unknown_sponsor", ids=["B"]):
        dl.Network.from_frame(people(["A", "B"], [None, " A"]))


@case("network: id with a trailing space, sponsor without")
def _(tmp_path, capsys):
    with raises(dl.InputError, "(sponsor A)", "('A' differs from 'A ' only by surrounding spaces)",
                kind="unknown_sponsor"):
        dl.Network.from_frame(people(["A ", "B"], [None, "A"]))


@case("network: ids at the int64 limits")
def _(tmp_path, capsys):
    net = dl.Network.from_frame(people(np.array([I64_MIN, I64_MAX, 0], dtype=np.int64),
                                       pd.array([None, I64_MIN, I64_MAX], dtype="Int64")))
    assert list(net.upline(0)) == [I64_MAX, I64_MIN]
    assert list(net.downline(I64_MIN)) == [I64_MAX, 0]
    pv = [1.0, 2.0, 4.0]
    vol = net.volumes(orders(np.array([I64_MIN, I64_MAX, 0], dtype=np.int64), pd.to_datetime([AS_OF] * 3), pv=pv))
    assert vol.loc[I64_MIN, "gv"] == sum(pv) and vol.loc[I64_MAX, "gv"] == pv[1] + pv[2]
    with raises(dl.UnknownIdError, f"participant {I64_MIN + 1} is not in the network"):
        net.upline(I64_MIN + 1)


@case("network: INT64_MIN in a cycle (the core's no-sponsor value)")
def _(tmp_path, capsys):
    # no sponsor is missing: INT64_MIN as a sponsor must not be taken for "no sponsor"
    with raises(dl.InputError, "cycle of 2 participant(s)", kind="cycle") as info:
        dl.Network.from_frame(people(np.array([I64_MIN, 1], dtype=np.int64), np.array([1, I64_MIN], dtype=np.int64)))
    assert sorted(info.value.ids) == [I64_MIN, 1]


@case("network: unicode ids round-trip")
def _(tmp_path, capsys):
    nfc, nfd = "Jos\u00e9", "Jose\u0301"  # the same name, two different ids
    ids = ["Zo\u00eb", "\u674e\u5c0f\u9f8d", "\U0001F642", nfc, nfd, "\u05e9\u05dc\u05d5\u05dd"]
    sponsors = [None, ids[0], ids[1], ids[2], ids[2], nfd]
    net = dl.Network.from_frame(people(ids, sponsors))
    assert list(net.ids) == ids
    assert list(net.frontline(ids[2])) == [nfc, nfd]
    assert list(net.upline(ids[5])) == [nfd, ids[2], ids[1], ids[0]]
    pv = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0]
    vol = net.volumes(orders(ids, ["2024-01-05"] * 6, pv=pv))
    assert list(vol.index) == ids
    assert vol.loc[ids[2], "gv"] == pv[2] + pv[3] + pv[4] + pv[5]
    assert vol.loc[nfd, "gv"] == pv[4] + pv[5] and vol.loc[nfc, "gv"] == pv[3]
    seg = dl.lifecycle(orders(ids, ["2024-01-05"] * 6, amount=pv), AS_OF, participants=net).segments
    assert set(seg.index) == set(ids)


@case("network: ' A' and 'A' are two participants")
def _(tmp_path, capsys):
    net = dl.Network.from_frame(people(["A", " A", "A "], [None, "A", " A"]))
    assert list(net.upline("A ")) == [" A", "A"]
    vol = net.volumes(orders(["A", " A", "A "], ["2024-01-05"] * 3, pv=[1.0, 10.0, 100.0]))
    assert vol.loc[" A", "gv"] == 110.0 and vol.loc["A", "gv"] == 111.0
    with raises(dl.UnknownIdError, "participant 'A  ' is not in the network",
                "('A  ' differs from 'A' only by surrounding spaces"):
        net.downline("A  ")


@case("network: unparsable enrolment date")
def _(tmp_path, capsys):
    with raises(dl.InputError, "column 'enrolled_on': values that are not dates at rows [1]", ids=[1]):
        dl.Network.from_frame(people([1, 2], [None, 1], enrolled_on=["2020-01-01", "2020-13-45"]),
                              enrolled_on="enrolled_on")


@case("network: missing enrolment date")
def _(tmp_path, capsys):
    with raises(dl.InputError, "column 'enrolled_on' has missing dates at rows 0", ids=[0]):
        dl.Network.from_frame(people([1, 2], [None, 1], enrolled_on=[None, "2020-01-01"]), enrolled_on="enrolled_on")


for _date in ("1899-12-31", "2201-01-01", "1700-06-15", "2262-04-01"):
    def _enrol(tmp_path, capsys, date=_date):
        with raises(dl.InputError, "column 'enrolled_on' has 1 date(s) outside the supported range "
                    f"1900-01-01 to 2200-12-31 at rows 1 ({date})", ids=[1]):
            dl.Network.from_frame(people([1, 2], [None, 1], enrolled_on=["2020-01-01", date]),
                                  enrolled_on="enrolled_on")
    case(f"network: enrolment date {_date}")(_enrol)


@case("network: enrolment dates 1900-01-01 and 2200-12-31 are read")
def _(tmp_path, capsys):
    net = dl.Network.from_frame(people([1, 2], [None, 1], enrolled_on=["1900-01-01", "2200-12-31"]),
                                enrolled_on="enrolled_on")
    ch = dl.churn(net, orders([1], ["2000-01-01"]), "2200-12-31")
    assert list(ch.index) == [1, 2]
    assert ch.loc[1, "enrolled_on"] == pd.Timestamp("1900-01-01")


@case("network: enrolment dates as numbers")
def _(tmp_path, capsys):
    with raises(dl.InputError, "column 'enrolled_on' holds numbers (int64), not dates"):
        dl.Network.from_frame(people([1, 2], [None, 1], enrolled_on=[20200101, 20200102]), enrolled_on="enrolled_on")


@case("network: one sponsor with 1,000,000 recruits")
def _(tmp_path, capsys):
    n = 1_000_000
    ids = np.arange(n + 1, dtype=np.int64)
    sponsors = pd.array(np.zeros(n + 1, dtype=np.int64), dtype="Int64")
    sponsors[0] = pd.NA
    pv = (ids % 7).astype(np.float64)  # whole numbers: exact sums
    net = dl.Network.from_frame(people(ids, sponsors))
    vol = net.volumes(orders(ids, pd.Timestamp("2024-01-05"), pv=pv))
    assert vol.loc[0, "gv"] == pv.sum()
    assert vol.loc[0, "frontline"] == n and vol.loc[0, "downline"] == n and vol.loc[0, "height"] == 1
    assert vol.loc[0, "power_leg"] == pv[1:].max()
    assert len(net.frontline(0)) == n


@case("network: a 1,000,000-level chain")
def _(tmp_path, capsys):
    n = 1_000_000
    ids = np.arange(n, 0, -1, dtype=np.int64)  # bottom row first
    sponsors = pd.array(ids - 1, dtype="Int64")
    sponsors[-1] = pd.NA  # id 1, the root
    net = dl.Network.from_frame(people(ids, sponsors))
    vol = net.volumes(orders(ids, pd.Timestamp("2024-01-05"), pv=np.full(n, 3.0)), levels=2)
    assert vol.loc[1, "gv"] == 3.0 * n and vol.loc[1, "height"] == n - 1
    assert vol.loc[n, "depth"] == n - 1 and vol.loc[1, "level_2"] == 3.0
    assert len(net.upline(n)) == n - 1


# ============================================================== orders through volumes
@case("volumes: orders of unknown participants")
def _(tmp_path, capsys):
    net = small_net()
    with raises(dl.UnknownIdError, "3 order(s) of 2 participant(s) not in the network: 8, 9",
                kind="unknown_participant", ids=[8, 9]):
        net.volumes(orders([1, 9, 9, 8], ["2024-01-05"] * 4, pv=[1.0, 2.0, 3.0, 4.0]))


@case("volumes: unknown participants dropped")
def _(tmp_path, capsys):
    net = small_net()
    pids, pv = [1, 9, 4, 9, 8, 2], [1.0, 2.0, 4.0, 8.0, 16.0, 32.0]
    act, msgs = dropped(lambda: net.activity(orders(pids, ["2024-01-05"] * 6, pv=pv), unknown="drop"))
    unknown_rows = [i for i, p in enumerate(pids) if p not in (1, 2, 3, 4)]
    assert list(act.dropped_rows) == unknown_rows and sorted(act.dropped_ids) == [8, 9]
    assert msgs == ["dropped 3 order(s) of 2 participant(s) not in the network: 8, 9"]
    vol = net.volumes(act)
    kept = sum(v for p, v in zip(pids, pv) if p in (1, 2, 3, 4))
    assert vol.loc[1, "gv"] == kept  # every other row counted


@case("volumes: unknown string ids dropped")
def _(tmp_path, capsys):
    net = dl.Network.from_frame(people(["a", "b"], [None, "a"]))
    (vol, msgs) = dropped(lambda: net.volumes(orders(["a", "zz", "b"], ["2024-01-05"] * 3, pv=[1.0, 2.0, 4.0]),
                                              unknown="drop"))
    assert msgs == ["dropped 1 order(s) of 1 participant(s) not in the network: zz"]
    assert vol.loc["a", "gv"] == 1.0 + 4.0


@case("volumes: text ids for a network of integer ids")
def _(tmp_path, capsys):
    net = small_net()
    with raises(dl.UnknownIdError, "2 order(s) of 2 participant(s) not in the network: abc, x9",
                ids=["abc", "x9"]):
        net.volumes(orders(["abc", 1, "x9"], ["2024-01-05"] * 3, pv=[1.0, 2.0, 4.0]))
    act, msgs = dropped(lambda: net.activity(orders(["abc", 1, "x9", 2], ["2024-01-05"] * 4,
                                                    pv=[1.0, 2.0, 4.0, 8.0]), unknown="drop"))
    assert list(act.dropped_rows) == [0, 2] and msgs and net.volumes(act).loc[1, "gv"] == 2.0 + 8.0


@case("volumes: order ids with surrounding spaces")
def _(tmp_path, capsys):
    net = dl.Network.from_frame(people(["A", "B"], [None, "A"]))
    with raises(dl.UnknownIdError, "not in the network: ' A', 'B '",
                "(' A' differs from 'A' only by surrounding spaces; 'B ' differs from 'B' only"):
        net.volumes(orders(["A", " A", "B "], ["2024-01-05"] * 3, pv=[1.0, 1.0, 1.0]))


for _label, _bad in (("NaN", np.nan), ("+inf", np.inf), ("-inf", -np.inf)):
    def _nonfinite(tmp_path, capsys, bad=_bad):
        with raises(dl.InputError, "2 order(s) have a NaN or infinite volume, rows: 1, 3", ids=[1, 3]):
            small_net().volumes(orders([1, 2, 3, 4], ["2024-01-05"] * 4, pv=[1.0, bad, 2.0, bad]))
    case(f"volumes: {_label} pv")(_nonfinite)


@case("volumes: NaN pv with unknown='drop' keeps the row numbers")
def _(tmp_path, capsys):
    net = dl.Network.from_frame(people(["a", "b"], [None, "a"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dl.DroppedRowsWarning)
        with raises(dl.InputError, "1 order(s) have a NaN or infinite volume, rows: 3", ids=[3]):
            net.volumes(orders(["zz", "a", "b", "b"], ["2024-01-05"] * 4, pv=[1.0, 2.0, 3.0, np.nan]), unknown="drop")


@case("volumes: refunds reduce PV, GV and legs")
def _(tmp_path, capsys):
    net = small_net()  # 1 -> 2 -> 4, 1 -> 3
    rows = [(1, 100.0), (2, 50.0), (2, -80.0), (3, -10.0), (4, 30.0), (4, -30.0), (4, -5.0)]
    vol = net.volumes(orders([p for p, _ in rows], ["2024-01-05"] * len(rows), pv=[v for _, v in rows]))
    pv = {k: sum(v for p, v in rows if p == k) for k in (1, 2, 3, 4)}
    gv = {4: pv[4], 3: pv[3]}
    gv[2] = pv[2] + gv[4]
    gv[1] = pv[1] + gv[2] + gv[3]
    for k in (1, 2, 3, 4):
        assert vol.loc[k, "pv"] == pv[k] and vol.loc[k, "gv"] == gv[k], k
    assert vol.loc[1, "level_1"] == pv[2] + pv[3] and vol.loc[1, "level_2"] == pv[4]
    assert vol.loc[1, "power_leg"] == max(gv[2], gv[3]) < 0
    assert vol.loc[1, "lesser_legs"] == gv[1] - pv[1] - max(gv[2], gv[3])
    assert vol.loc[1, "active_downline"] == 2  # 2 and 4 had an order with pv > 0; 3 only a refund


@case("volumes: pv as text")
def _(tmp_path, capsys):
    with raises(dl.InputError, "column 'pv' must be numeric, got object"):
        small_net().volumes(orders([1], ["2024-01-05"], pv=["12.5"]))


@case("volumes: no pv column")
def _(tmp_path, capsys):
    with raises(dl.InputError, "missing column 'pv' (columns: participant_id, ordered_on, amount)"):
        small_net().volumes(orders([1], ["2024-01-05"], amount=[1.0]))


@case("volumes: unparsable order date")
def _(tmp_path, capsys):
    with raises(dl.InputError, "column 'ordered_on': values that are not dates at rows [2]", ids=[2]):
        small_net().volumes(orders([1, 2, 3], ["2024-01-05", "2024-01-06", "yesterday"], pv=[1.0, 1.0, 1.0]))


@case("volumes: missing order date")
def _(tmp_path, capsys):
    with raises(dl.InputError, "1 order(s) have a missing or out-of-range date, rows: 1 (missing)", ids=[1]):
        small_net().volumes(orders([1, 2], ["2024-01-05", None], pv=[1.0, 1.0]))


@case("volumes: order dates 1850 and 2250")
def _(tmp_path, capsys):
    with raises(dl.InputError, "2 order(s) have a missing or out-of-range date, rows: 0 (1850-06-01), "
                "2 (2250-01-01) (supported dates: 1900-01-01 to 2200-12-31)", ids=[0, 2]):
        small_net().volumes(orders([1, 2, 3], ["1850-06-01", "2024-01-05", "2250-01-01"], pv=[1.0, 1.0, 1.0]))


@case("volumes: order dates as numbers")
def _(tmp_path, capsys):
    with raises(dl.InputError, "column 'ordered_on' holds numbers (int64), not dates"):
        small_net().volumes(orders([1], [20240105], pv=[1.0]))


@case("volumes: missing order participant")
def _(tmp_path, capsys):
    with raises(dl.InputError, "column 'participant_id' has missing ids at rows 1", ids=[1]):
        small_net().volumes(orders([1.0, np.nan], ["2024-01-05"] * 2, pv=[1.0, 1.0]))


@case("volumes: an empty orders frame")
def _(tmp_path, capsys):
    vol = small_net().volumes(orders([], [], pv=[]))
    assert list(vol.index) == [1, 2, 3, 4] and (vol["gv"] == 0).all()


# ============================================================== segments
@case("lifecycle: NaN amount")
def _(tmp_path, capsys):
    with raises(dl.InputError, "column 'amount' has 1 missing or infinite value(s) at rows 1", ids=[1]):
        dl.lifecycle(orders([1, 2], ["2024-01-05"] * 2, amount=[1.0, np.nan]), AS_OF, amount="amount")


@case("lifecycle: infinite amount")
def _(tmp_path, capsys):
    with raises(dl.InputError, "column 'amount' has 1 missing or infinite value(s) at rows 0", ids=[0]):
        dl.lifecycle(orders([1, 2], ["2024-01-05"] * 2, amount=[np.inf, 1.0]), AS_OF, amount="amount")


@case("lifecycle: missing ids and dates dropped")
def _(tmp_path, capsys):
    frame = orders([1, None, 2, 3], ["2024-03-01", "2024-03-02", None, "2024-03-03"], amount=[1.0, 2.0, 3.0, 4.0])
    lc, msgs = dropped(lambda: dl.lifecycle(frame, AS_OF, amount="amount", missing="drop"))
    assert msgs == ["dropped 2 order(s) with a missing 'participant_id' or 'ordered_on' at rows 1, 2"]
    assert sorted(lc.segments.index) == [1, 3]
    with raises(dl.InputError, "at rows 1, 2 (pass missing='drop' to drop them)", ids=[1, 2]):
        dl.lifecycle(frame, AS_OF, amount="amount")


@case("lifecycle: order date before 1900")
def _(tmp_path, capsys):
    with raises(dl.InputError, "column 'ordered_on' has 1 date(s) outside the supported range 1900-01-01 to "
                "2200-12-31 at rows 1 (1899-12-31)", ids=[1]):
        dl.lifecycle(orders([1, 2], ["2024-01-05", "1899-12-31"]), AS_OF)


@case("lifecycle: unknown participants, raised and dropped")
def _(tmp_path, capsys):
    net = small_net()
    frame = orders([1, 77, 2, 77], ["2024-03-01"] * 4)
    with raises(dl.UnknownIdError, "2 order(s) of 1 participant(s) not among the participants: 77", ids=[77]):
        dl.lifecycle(frame, AS_OF, participants=net)
    lc, msgs = dropped(lambda: dl.lifecycle(frame, AS_OF, participants=net, unknown="drop"))
    assert msgs == ["dropped 2 order(s) of 1 participant(s) not among the participants: 77"]
    assert int(lc.matrix.to_numpy().sum()) == 2 and lc.no_purchase == 2


@case("lifecycle: refunds are not order days")
def _(tmp_path, capsys):
    rows = [(1, "2024-03-01", 10.0), (1, "2024-03-02", -10.0), (2, "2024-01-01", -5.0), (3, "2024-03-30", 7.0)]
    frame = orders([p for p, _, _ in rows], [d for _, d, _ in rows], amount=[a for *_, a in rows])
    lc = dl.lifecycle(frame, AS_OF, amount="amount")
    days = {p: len({d for q, d, a in rows if q == p and a > 0}) for p in (1, 2, 3)}
    assert dict(lc.segments["frequency"]) == days
    assert lc.no_purchase == sum(1 for f in days.values() if f == 0)  # 2 only had a refund
    assert lc.segments["segment"].isna().tolist() == [days[p] == 0 for p in lc.segments.index]


@case("rfm: refunds reduce monetary value")
def _(tmp_path, capsys):
    rows = [(1, "2024-03-01", 10.0), (1, "2024-03-05", -4.0), (2, "2024-03-02", 3.0)]
    r = dl.rfm(orders([p for p, _, _ in rows], [d for _, d, _ in rows], amount=[a for *_, a in rows]), AS_OF)
    assert r.loc[1, "monetary"] == 10.0 - 4.0 and r.loc[1, "frequency"] == 1


# ============================================================== retention
@case("churn: a network without enrolment dates")
def _(tmp_path, capsys):
    net = dl.Network.from_frame(people([1], [None]))
    with raises(dl.InputError, "churn needs enrolment dates"):
        dl.churn(net, orders([1], ["2024-01-05"]), AS_OF)


@case("churn: participants frame with an enrolment in 1850")
def _(tmp_path, capsys):
    frame = pd.DataFrame({"id": [1, 2], "enrolled_on": ["2020-01-01", "1850-02-03"]})
    with raises(dl.InputError, "column 'enrolled_on' has 1 date(s) outside the supported range", "rows 1 (1850-02-03)"):
        dl.churn(frame, orders([1], ["2024-01-05"]), AS_OF)


@case("churn: NaN amount")
def _(tmp_path, capsys):
    with raises(dl.InputError, "column 'amount' has 1 missing or infinite value(s) at rows 0"):
        dl.churn(small_net(), orders([1], ["2024-01-05"], amount=[np.nan]), AS_OF, amount="amount")


@case("churn: unknown participants dropped")
def _(tmp_path, capsys):
    ch, msgs = dropped(lambda: dl.churn(small_net(), orders([1, 9, 3], ["2024-03-01"] * 3), AS_OF, unknown="drop"))
    assert msgs == ["dropped 1 order(s) of 1 participant(s) not among the participants: 9"]
    as_of = pd.Timestamp(AS_OF)
    # 1 and 3 ordered on 2024-03-01 (not churned); 2 and 4 only enrolled in 2020 (churned)
    assert dict(ch["churned"]) == {1: False, 2: True, 3: False, 4: True}
    assert ch.loc[1, "duration"] == (as_of - pd.Timestamp("2020-01-01")).days
    assert ch.loc[2, "duration"] == 0


@case("churn: no orders at all")
def _(tmp_path, capsys):
    ch = dl.churn(small_net(), orders([], []), AS_OF)
    assert ch["churned"].all() and (ch["duration"] == 0).all()


@case("cohort_retention: dates at pandas' limits (1677, 2262)")
def _(tmp_path, capsys):
    frame = orders([1, 2, 3], pd.to_datetime(["1677-09-22", "2024-01-05", "2262-04-10"]))
    with raises(dl.InputError, "2 date(s) outside the supported range", "rows 0 (1677-09-22), 2 (2262-04-10)",
                ids=[0, 2]):
        dl.cohort_retention(frame, AS_OF)


@case("cohort_retention: no orders and no as_of")
def _(tmp_path, capsys):
    with raises(dl.InputError, "no orders: give an as_of date"):
        dl.cohort_retention(orders([], []))


@case("cohort_retention: missing dates dropped")
def _(tmp_path, capsys):
    frame = orders([1, 2, 2, 3], ["2024-01-05", None, "2024-02-05", None])
    cr, msgs = dropped(lambda: dl.cohort_retention(frame, AS_OF, missing="drop"))
    assert msgs == ["dropped 2 order(s) with a missing 'participant_id' or 'ordered_on' at rows 1, 3"]
    assert int(cr.sizes.sum()) == 2  # customers 1 and 2 (3's only order had no date)


@case("cohort_retention: refunds are not activity")
def _(tmp_path, capsys):
    frame = orders([1, 1, 2], ["2024-01-05", "2024-02-05", "2024-02-06"], amount=[5.0, -5.0, 1.0])
    cr = dl.cohort_retention(frame, AS_OF, amount="amount")
    assert cr.counts.loc[pd.Period("2024-01", "M"), 1] == 0  # the refund month is no activity
    assert int(cr.sizes.sum()) == 2


for _label, _value in (("NaN", np.nan), ("inf", np.inf), ("negative", -1.0)):
    def _km(tmp_path, capsys, value=_value):
        with raises(dl.InputError, "1 duration(s) with a missing, infinite or negative time at rows 1", ids=[1]):
            dl.KaplanMeier().fit([1.0, value, 3.0], [1, 0, 1])
    case(f"KaplanMeier: {_label} duration")(_km)


@case("KaplanMeier: no durations")
def _(tmp_path, capsys):
    with raises(dl.InputError, "durations: no subjects to fit"):
        dl.KaplanMeier().fit([], [])


@case("KaplanMeier: durations as text")
def _(tmp_path, capsys):
    with raises(dl.InputError, "durations: expected numbers"):
        dl.KaplanMeier().fit(["3 days", "4 days"], [1, 0])


@case("KaplanMeier: events other than 0/1")
def _(tmp_path, capsys):
    with raises(dl.InputError, "event_observed: values other than 0/1 at rows 2", ids=[2]):
        dl.KaplanMeier().fit([1, 2, 3], [1, 0, 2])


@case("KaplanMeier: events of another length")
def _(tmp_path, capsys):
    with raises(dl.InputError, "event_observed: 2 values for 3 durations"):
        dl.KaplanMeier().fit([1, 2, 3], [1, 0])


@case("KaplanMeier: missing group labels")
def _(tmp_path, capsys):
    with raises(dl.InputError, "groups: missing group labels at rows 1", ids=[1]):
        dl.KaplanMeier().fit([1, 2, 3], [1, 0, 1], groups=["a", None, "b"])


@case("KaplanMeier: negative weight")
def _(tmp_path, capsys):
    with raises(dl.InputError, "1 duration(s) with a missing, infinite or non-positive weight at rows 1", ids=[1]):
        dl.KaplanMeier().fit([1, 2, 3], [1, 0, 1], weights=[1.0, -2.0, 1.0])


@case("retention: leader with a trailing space")
def _(tmp_path, capsys):
    net = dl.Network.from_frame(people(["A", "B"], [None, "A"], enrolled_on=["2020-01-01"] * 2),
                                enrolled_on="enrolled_on")
    with raises(dl.UnknownIdError, "1 leaders for ids not in the network: 'A '",
                "('A ' differs from 'A' only by surrounding spaces)"):
        net.retention(orders(["B"], ["2024-01-05"]), AS_OF, leaders=["A "])


# ============================================================== the command line
PEOPLE_HEADER = "id,sponsor_id,enrolled_on,kind"
ORDERS_HEADER = "participant_id,ordered_on,amount,pv"
GOOD_PEOPLE = [PEOPLE_HEADER, "1,,2020-01-01,member", "2,1,2020-02-01,customer", "3,1,2020-03-01,member",
               "4,2,2020-04-01,member"]
GOOD_ORDERS = [ORDERS_HEADER, "1,2024-03-01,10,10", "2,2024-03-02,20,20", "3,2024-03-03,-5,-5",
               "4,2024-03-04,7.5,7.5"]


def report(tmp_path, capsys, people_lines=None, orders_lines=None, people_bytes=None, orders_bytes=None,
           extra=()):
    """Runs `downline report` in process: (exit code, stderr, output folder)."""
    p, o, out = tmp_path / "people.csv", tmp_path / "orders.csv", tmp_path / "report"
    p.write_bytes(people_bytes if people_bytes is not None
                  else ("\n".join(people_lines or GOOD_PEOPLE) + "\n").encode())
    o.write_bytes(orders_bytes if orders_bytes is not None
                  else ("\n".join(orders_lines or GOOD_ORDERS) + "\n").encode())
    capsys.readouterr()
    code = main(["report", "--participants", str(p), "--orders", str(o), "--as-of", AS_OF, "--out", str(out),
                 "--quiet", *extra])
    return code, capsys.readouterr().err, out


def fails(tmp_path, capsys, *needles, file="people.csv", **kw):
    code, err, _ = report(tmp_path, capsys, **kw)
    assert code == 2, err
    assert f"{tmp_path / file}" in err, err
    for s in needles:
        assert s in err, f"{s!r} not in {err!r}"


def with_line(lines, i, text):
    lines = list(lines)
    lines[i] = text
    return lines


@case("cli: missing participants file")
def _(tmp_path, capsys):
    code = main(["report", "--participants", str(tmp_path / "nope.csv"), "--orders", str(tmp_path / "o.csv"),
                 "--as-of", AS_OF, "--out", str(tmp_path / "r"), "--quiet"])
    assert code == 2 and f"participants file {tmp_path / 'nope.csv'} does not exist" in capsys.readouterr().err


@case("cli: missing orders file")
def _(tmp_path, capsys):
    (tmp_path / "p.csv").write_text("\n".join(GOOD_PEOPLE) + "\n")
    code = main(["report", "--participants", str(tmp_path / "p.csv"), "--orders", str(tmp_path / "nope.csv"),
                 "--as-of", AS_OF, "--out", str(tmp_path / "r"), "--quiet"])
    assert code == 2 and f"orders file {tmp_path / 'nope.csv'} does not exist" in capsys.readouterr().err


@case("cli: empty participants file")
def _(tmp_path, capsys):
    fails(tmp_path, capsys, "people.csv:1:1: empty file: expected a header line", people_bytes=b"")


@case("cli: empty orders file")
def _(tmp_path, capsys):
    fails(tmp_path, capsys, "orders.csv:1:1: empty file", file="orders.csv", orders_bytes=b"")


@case("cli: participants file with a header only")
def _(tmp_path, capsys):
    fails(tmp_path, capsys, "no participants (the file has a header line only)", people_lines=[PEOPLE_HEADER])


@case("cli: orders file with a header only")
def _(tmp_path, capsys):
    code, err, out = report(tmp_path, capsys, orders_lines=[ORDERS_HEADER])
    assert code == 0, err
    vol = pd.read_csv(out / "volumes.csv", index_col=0)
    assert sorted(vol.index) == [1, 2, 3, 4] and (vol["gv"] == 0).all()


@case("cli: misnamed sponsor column")
def _(tmp_path, capsys):
    fails(tmp_path, capsys, "people.csv:1:1: missing sponsor column 'sponsor_id' (header has: id, upline,",
          "--*-column",
          people_lines=with_line(GOOD_PEOPLE, 0, "id,upline,enrolled_on,kind"))


@case("cli: missing pv column")
def _(tmp_path, capsys):
    fails(tmp_path, capsys, "orders.csv:1:1: missing pv column 'pv'", "--*-column", file="orders.csv",
          orders_lines=[line.rsplit(",", 1)[0] for line in GOOD_ORDERS])


@case("cli: amount as text")
def _(tmp_path, capsys):
    fails(tmp_path, capsys, "orders.csv:3:3: column 'amount': 'twenty' is not a number", file="orders.csv",
          orders_lines=with_line(GOOD_ORDERS, 2, "2,2024-03-02,twenty,20"))


@case("cli: NaN and infinite amounts")
def _(tmp_path, capsys):
    lines = with_line(with_line(GOOD_ORDERS, 1, "1,2024-03-01,nan,10"), 4, "4,2024-03-04,-inf,7.5")
    fails(tmp_path, capsys, "orders.csv:2:3: column 'amount': 'nan' is not a finite number",
          file="orders.csv", orders_lines=lines)  # the reader names the first
    fails(tmp_path, capsys, "orders.csv:5:3: column 'amount': '-inf' is not a finite number",
          file="orders.csv", orders_lines=with_line(GOOD_ORDERS, 4, "4,2024-03-04,-inf,7.5"))


@case("cli: a sponsor id written as text")
def _(tmp_path, capsys):
    # a sponsor id written as text makes every id text: it is then an unknown sponsor
    fails(tmp_path, capsys, "1 participant(s) have a sponsor that is not a participant: 3 (sponsor one)",
          "(line(s) 4)", people_lines=with_line(GOOD_PEOPLE, 3, "3,one,2020-03-01,member"))


@case("cli: unparsable date")
def _(tmp_path, capsys):
    fails(tmp_path, capsys, "people.csv:3:3: column 'enrolled_on': '01/02/2020' is not a date YYYY-MM-DD",
          people_lines=with_line(GOOD_PEOPLE, 2, "2,1,01/02/2020,customer"))


@case("cli: order dates before 1900 and after 2200")
def _(tmp_path, capsys):
    lines = GOOD_ORDERS + ["1,1899-12-31,1,1", "2,0001-01-01,1,1", "3,2201-01-01,1,1", "4,9999-12-31,1,1"]
    fails(tmp_path, capsys, "orders.csv:6:2: column 'ordered_on': '1899-12-31' is outside the supported dates "
          "1900-01-01 to 2200-12-31", file="orders.csv", orders_lines=lines)  # the reader names the first
    for bad in lines[len(GOOD_ORDERS) + 1:]:  # each alone, at line 6
        fails(tmp_path, capsys, f"orders.csv:6:2: column 'ordered_on': '{bad.split(',')[1]}' is outside the supported",
              file="orders.csv", orders_lines=GOOD_ORDERS + [bad])


@case("cli: duplicate ids")
def _(tmp_path, capsys):
    fails(tmp_path, capsys, "1 participant id(s) appear more than once: 3", "(line(s) 4, 6)",
          people_lines=GOOD_PEOPLE + ["3,2,2021-01-01,member"])


@case("cli: own sponsor")
def _(tmp_path, capsys):
    fails(tmp_path, capsys, "1 participant(s) are their own sponsor: 4", "(line(s) 5)",
          people_lines=with_line(GOOD_PEOPLE, 4, "4,4,2020-04-01,member"))


@case("cli: cycle of 2")
def _(tmp_path, capsys):
    lines = with_line(with_line(GOOD_PEOPLE, 2, "2,4,2020-02-01,customer"), 4, "4,2,2020-04-01,member")
    fails(tmp_path, capsys, "sponsor links form a cycle of 2 participant(s)", "(line(s) 3, 5)", people_lines=lines)


@case("cli: sponsor not present")
def _(tmp_path, capsys):
    fails(tmp_path, capsys, "have a sponsor that is not a participant: 4 (sponsor 99)", "(line(s) 5)",
          people_lines=with_line(GOOD_PEOPLE, 4, "4,99,2020-04-01,member"))


@case("cli: orders of unknown participants")
def _(tmp_path, capsys):
    fails(tmp_path, capsys, "not in the network: 42", "(line(s) 6)", file="orders.csv",
          orders_lines=GOOD_ORDERS + ["42,2024-03-05,1,1"])


@case("cli: ids at the int64 limits")
def _(tmp_path, capsys):
    people_lines = [PEOPLE_HEADER, f"{I64_MIN},,2020-01-01,member", f"{I64_MAX},{I64_MIN},2020-02-01,member",
                    f"7,{I64_MAX},2020-03-01,member"]
    amounts = {I64_MIN: 1.0, I64_MAX: 2.0, 7: 4.0}
    orders_lines = [ORDERS_HEADER] + [f"{k},2024-03-05,{v},{v}" for k, v in amounts.items()]
    code, err, out = report(tmp_path, capsys, people_lines, orders_lines)
    assert code == 0, err
    vol = pd.read_csv(out / "volumes.csv", index_col=0, dtype={"id": np.int64})
    assert vol.loc[I64_MIN, "gv"] == sum(amounts.values()) and vol.loc[7, "pv"] == amounts[7]


@case("cli: an id beyond the int64 range")
def _(tmp_path, capsys):
    big = str(I64_MAX + 1)  # not an int64: every id is then text, matched as text in both files
    people_lines = [PEOPLE_HEADER, f"{big},,2020-01-01,member", f"5,{big},2020-02-01,member"]
    orders_lines = [ORDERS_HEADER, f"{big},2024-03-05,3,3", "5,2024-03-05,4,4"]
    code, err, out = report(tmp_path, capsys, people_lines, orders_lines)
    assert code == 0, err
    vol = pd.read_csv(out / "volumes.csv", index_col=0, dtype={"id": str})
    assert vol.loc[big, "gv"] == 3.0 + 4.0


@case("cli: unicode ids and spaces around fields")
def _(tmp_path, capsys):
    people_lines = [PEOPLE_HEADER, "Zo\u00eb,,2020-01-01,member", " \u674e , Zo\u00eb ,2020-02-01,member",
                    '"\U0001F642 ",\u674e,2020-03-01,member']
    orders_lines = [ORDERS_HEADER, "  Zo\u00eb,2024-03-05,1,1", "\u674e,2024-03-05,2,2", "\U0001F642,2024-03-05,4,4"]
    code, err, out = report(tmp_path, capsys, people_lines, orders_lines)
    assert code == 0, err
    vol = pd.read_csv(out / "volumes.csv", index_col=0, dtype={"id": str}, encoding="utf-8")
    assert sorted(vol.index) == sorted(["Zo\u00eb", "\u674e", "\U0001F642"])  # spaces are not part of a field
    assert vol.loc["Zo\u00eb", "gv"] == 1.0 + 2.0 + 4.0


@case("cli: refunds reduce the volumes")
def _(tmp_path, capsys):
    code, err, out = report(tmp_path, capsys)
    assert code == 0, err
    pv = {int(line.split(",")[0]): float(line.split(",")[3]) for line in GOOD_ORDERS[1:]}
    assert pv[3] < 0  # the refund written above
    vol = pd.read_csv(out / "volumes.csv", index_col=0)
    assert vol.loc[3, "gv"] == pv[3] and vol.loc[2, "gv"] == pv[2] + pv[4]
    assert vol.loc[1, "gv"] == sum(pv.values())


@case("cli: BOM, CRLF and quoted fields with commas and quotes")
def _(tmp_path, capsys):
    people_text = ("\ufeff" + PEOPLE_HEADER + "\r\n1,,2020-01-01,\"member, gold\"\r\n"
                   "2,1,2020-02-01,\"say \"\"hi\"\"\"\r\n3,2,2020-03-01,member\r\n")
    orders_text = ORDERS_HEADER + "\r\n1,2024-03-01,\"10.5\",10.5\r\n3,2024-03-02,2,2\r\n"
    code, err, out = report(tmp_path, capsys, people_bytes=people_text.encode(), orders_bytes=orders_text.encode())
    assert code == 0, err
    vol = pd.read_csv(out / "volumes.csv", index_col=0)
    assert vol.loc[1, "gv"] == 10.5 + 2 and vol.loc[2, "gv"] == 2
    types = pd.read_csv(out / "participant_types.csv", index_col=0)["participants"]
    assert types.sum() == 3  # no row lost to the quotes


@case("cli: a record with too many fields")
def _(tmp_path, capsys):
    fails(tmp_path, capsys, "people.csv:3:5: expected 4 fields, found 5",
          people_lines=with_line(GOOD_PEOPLE, 2, "2,1,2020-02-01,customer,extra"))


@case("cli: a record with too few fields")
def _(tmp_path, capsys):
    fails(tmp_path, capsys, "people.csv:3:3: expected 4 fields, found 2",
          people_lines=with_line(GOOD_PEOPLE, 2, "2,1"))


@case("cli: Latin-1 bytes in a UTF-8 file")
def _(tmp_path, capsys):
    text = ("\n".join(GOOD_PEOPLE[:-1]) + "\n4,2,2020-04-01,caf\xe9\n").encode("latin-1")
    # downline's reader names it (issue 23): line 5, its 19th byte, and how to convert
    fails(tmp_path, capsys, "people.csv:5:19: not UTF-8 text: byte 0xE9 at byte offset 116", "iconv -f latin1",
          people_bytes=text)


@case("cli: bad input in a real process exits with 2")
def _(tmp_path, capsys):
    (tmp_path / "p.csv").write_text("\n".join(GOOD_PEOPLE + ["3,2,2021-01-01,member"]) + "\n")
    (tmp_path / "o.csv").write_text("\n".join(GOOD_ORDERS) + "\n")
    r = subprocess.run([sys.executable, "-m", "downline.cli", "report", "--participants", str(tmp_path / "p.csv"),
                        "--orders", str(tmp_path / "o.csv"), "--as-of", AS_OF, "--out", str(tmp_path / "r"),
                        "--quiet"], capture_output=True, text=True)
    assert r.returncode == 2
    assert f"{tmp_path / 'p.csv'}: 1 participant id(s) appear more than once: 3 (line(s) 4, 6)" in r.stderr
    assert "Traceback" not in r.stderr


# ============================================================== the corpus
BAD_INPUTS = list(CASES)
N_BAD_INPUTS = len(BAD_INPUTS)


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input(name, tmp_path, capsys):
    CASES[name](tmp_path, capsys)


def test_corpus_size(capsys):
    assert len(set(BAD_INPUTS)) == N_BAD_INPUTS
    with capsys.disabled():
        print(f"\nbad inputs tried in Python: {N_BAD_INPUTS}")
