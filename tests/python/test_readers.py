"""dl.read_participants and dl.read_orders against pandas.read_csv on the same files
(plain ones read in parts on several threads, and ones with quotes, CRLF, a byte order
mark, blank lines and spaces that take the exact reader), and the errors they raise."""

from __future__ import annotations

import gc
import re

import numpy as np
import pandas as pd
import pytest

import downline as dl


@pytest.fixture
def threads():
    yield
    dl.set_num_threads(0)


def random_company(n: int, seed: int):
    """Participants and orders drawn here: ids over the whole int64 range, roots, kinds and
    regions first met late in the file (in the later threads' parts)."""
    rng = np.random.default_rng(seed)
    ids = rng.choice(np.arange(-(2**62), 2**62, 2**40, dtype=np.int64), size=n, replace=False)
    ids[:2] = [np.iinfo(np.int64).min, np.iinfo(np.int64).max]
    sponsor = pd.array(ids[rng.integers(0, n, size=n)], dtype="Int64")
    sponsor[rng.random(n) < 0.05] = pd.NA
    kinds = np.array(["member", "customer", "leader", "distributor"])
    kind = kinds[np.minimum(rng.integers(0, 4, size=n), (np.arange(n) * 4) // n)]
    region = np.array([f"r{k}" for k in rng.integers(0, 1 + np.arange(n) // 50)])
    enrolled = np.datetime64("2015-01-01") + rng.integers(0, 3000, size=n).astype("timedelta64[D]")
    people = pd.DataFrame({"id": ids, "sponsor_id": sponsor, "enrolled_on": enrolled.astype("datetime64[ns]"),
                           "kind": pd.Categorical(kind), "region": pd.Categorical(region)})
    m = 4 * n
    orders = pd.DataFrame({
        "participant_id": ids[rng.integers(0, n, size=m)],
        "ordered_on": (np.datetime64("2019-01-01") + rng.integers(0, 1500, size=m).astype("timedelta64[D]")
                       ).astype("datetime64[ns]"),
        "amount": np.round(rng.normal(50, 40, size=m), 2),
        "pv": rng.normal(30, 20, size=m),
    })
    return people, orders


def pandas_people(path):
    # sponsor ids as text: pandas parses an Int64 column with missing values through float64,
    # which would round ids beyond 2**53
    frame = pd.read_csv(path, dtype={"id": np.int64, "sponsor_id": str, "kind": "category", "region": "category"},
                        parse_dates=["enrolled_on"])
    frame["sponsor_id"] = pd.array([pd.NA if pd.isna(s) else int(s) for s in frame["sponsor_id"]], dtype="Int64")
    return frame


def pandas_orders(path):
    return pd.read_csv(path, dtype={"participant_id": np.int64, "amount": np.float64, "pv": np.float64},
                       parse_dates=["ordered_on"])


@pytest.mark.parametrize("n_threads", [1, 2, 3])
def test_plain_files_equal_pandas_read_csv(tmp_path, threads, n_threads):
    people, orders = random_company(30_000, seed=n_threads)  # orders: about 5 MB, several parts
    pp, op = tmp_path / "people.csv", tmp_path / "orders.csv"
    people.to_csv(pp, index=False, date_format="%Y-%m-%d")
    orders.to_csv(op, index=False, date_format="%Y-%m-%d", float_format="%.17g")
    dl.set_num_threads(n_threads)
    got_p = dl.read_participants(pp, categories=["region"])
    pd.testing.assert_frame_equal(got_p, pandas_people(pp))
    pd.testing.assert_frame_equal(got_p, people)  # and the values written
    got_o = dl.read_orders(op)
    pd.testing.assert_frame_equal(got_o, pandas_orders(op))
    pd.testing.assert_frame_equal(got_o, orders)


def test_the_exact_reader_takes_what_the_fast_one_does_not(tmp_path, threads):
    text = ('\ufeffparticipant_id,note,ordered_on,pv,amount\r\n'
            '1,"a, ""quoted"" note",2020-01-05,1.5,2\r\n'
            '\r\n'
            ' 2 ,x,2020-02-29 10:00:00,+3,-4.25\r\n'
            '3,"multi\nline",2021-12-31T08:00,0,1e2')
    path = tmp_path / "orders.csv"
    path.write_text(text, encoding="utf-8")
    for n_threads in (1, 2):
        dl.set_num_threads(n_threads)
        got = dl.read_orders(path)
        want = pd.DataFrame({
            "participant_id": np.array([1, 2, 3], dtype=np.int64),
            "ordered_on": pd.to_datetime(["2020-01-05", "2020-02-29", "2021-12-31"]),
            "amount": [2.0, -4.25, 100.0],
            "pv": [1.5, 3.0, 0.0],
        })
        pd.testing.assert_frame_equal(got, want)


def test_the_frames_outlive_the_reader_and_are_the_callers_to_change(tmp_path):
    people, orders = random_company(2_000, seed=11)
    orders = orders.drop(columns="pv")  # an orders file without pv: no pv column read
    pp, op = tmp_path / "people.csv", tmp_path / "orders.csv"
    people.to_csv(pp, index=False, date_format="%Y-%m-%d")
    orders.to_csv(op, index=False, date_format="%Y-%m-%d", float_format="%.17g")
    got_p = dl.read_participants(pp, categories=["region"])
    got_o = dl.read_orders(op)
    gc.collect()  # the compiled reader's results are gone but for what the frames hold
    pd.testing.assert_frame_equal(got_p, people)
    pd.testing.assert_frame_equal(got_o, orders)
    for frame, want in ((got_p, people), (got_o, orders)):
        for column in frame.columns:
            if frame[column].dtype.kind in "iMf":  # numpy columns (not Int64, categorical)
                frame.loc[3, column] = want.loc[4, column]
                want.loc[3, column] = want.loc[4, column]
    got_p.loc[5, "sponsor_id"] = pd.NA
    people.loc[5, "sponsor_id"] = pd.NA
    pd.testing.assert_frame_equal(got_p, people)
    pd.testing.assert_frame_equal(got_o, orders)


def test_optional_columns_and_the_frame_for_from_frame(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("id,kind,sponsor_id,joined\n10,b,,2020-01-01\n11,a,10,2020-02-01\n12,,10,2020-03-01\n")
    got = dl.read_participants(path)  # no enrolled_on column: not read; kind read
    assert list(got.columns) == ["id", "sponsor_id", "kind"]
    assert list(got["kind"].cat.categories) == ["a", "b"]
    assert got["kind"].isna().tolist() == [False, False, True]
    got = dl.read_participants(path, enrolled_on="joined", kind=None)
    assert list(got.columns) == ["id", "sponsor_id", "joined", "kind"]
    net = dl.Network.from_frame(got, enrolled_on="joined")
    vol = net.volumes(pd.DataFrame({"participant_id": [11, 12], "ordered_on": pd.to_datetime(["2020-02-01"] * 2),
                                    "pv": [5.0, 7.0]}), as_of="2020-02-15")
    assert vol.loc[10, "gv"] == 5.0 and 12 not in vol.index


def test_errors_name_the_file_line_and_column(tmp_path):
    path = tmp_path / "orders.csv"
    rows = "".join(f"{i},2020-01-{1 + i % 28:02d},1.5\n" for i in range(50_000))
    path.write_text("participant_id,ordered_on,amount\n" + rows + "7,2020-02-30,1\n" + rows)
    with pytest.raises(dl.InputError, match=r"orders\.csv:50002:2: column 'ordered_on': '2020-02-30' is not a date"):
        dl.read_orders(path)
    with pytest.raises(dl.InputError, match=r"orders\.csv:1:1: missing pv column 'pv'"):
        dl.read_orders(path, pv="pv")
    with pytest.raises(dl.InputError, match=r"missing enrolment date column 'joined'"):
        dl.read_participants(_people(tmp_path), enrolled_on="joined")
    with pytest.raises(dl.InputError, match=r"missing category column 'region' \(header has: id, sponsor_id\)"):
        dl.read_participants(_people(tmp_path), categories=["region"])
    with pytest.raises(dl.InputError, match="categories must be a list"):
        dl.read_participants(_people(tmp_path), categories="region")
    with pytest.raises(dl.InputError, match=r"no_such\.csv: cannot open file"):
        dl.read_orders(tmp_path / "no_such.csv")
    with pytest.raises(dl.InputError, match=r"'x1' is not an integer id"):
        dl.read_participants(_people(tmp_path, "id,sponsor_id\n1,\nx1,1\n"), ids="int")


def _people(tmp_path, text="id,sponsor_id\n1,\n2,1\n"):
    path = tmp_path / "people.csv"
    path.write_text(text)
    return path


# ------------------------------------------------------------------ encodings (issue 23)
PEOPLE = "id,sponsor_id,kind\n1,,café\n2,1,caf\u00e9 \U0001F600\n"


def test_utf8_with_or_without_a_byte_order_mark_is_read_as_python_decodes_it(tmp_path):
    for encoding in ("utf-8", "utf-8-sig"):
        path = tmp_path / f"{encoding}.csv"
        path.write_text(PEOPLE, encoding=encoding)
        got = dl.read_participants(path)
        want = pd.read_csv(path, encoding="utf-8-sig", dtype={"kind": "category"})
        assert list(got["kind"].cat.categories) == list(want["kind"].cat.categories) == ["café", "café 😀"]
        assert got["kind"].tolist() == want["kind"].tolist()


def _error(read, path) -> dl.InputError:
    with pytest.raises(dl.InputError) as info:
        read(path)
    assert info.value.kind == "parse"
    return info.value


def test_latin1_and_utf16_files_are_named_with_line_byte_offset_and_a_way_to_convert(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE.replace(" \U0001F600", ""), encoding="latin-1")  # é is 0xE9 after 19 + 6 bytes
    msg = str(_error(dl.read_participants, path))
    assert msg.startswith(f"{path}:2:7: not UTF-8 text: byte 0xE9 at byte offset 25")
    assert "iconv -f latin1 -t utf-8 in.csv > out.csv" in msg
    for encoding, bom in (("utf-16", None), ("utf-16-le", "FF FE"), ("utf-16-be", "FE FF")):
        text = PEOPLE if encoding == "utf-16" else "\ufeff" + PEOPLE  # "utf-16" writes its own mark
        path.write_text(text, encoding=encoding)
        msg = str(_error(dl.read_participants, path))
        bom = bom or ("FF FE" if path.read_bytes()[:2] == b"\xff\xfe" else "FE FF")
        assert msg.startswith(f"{path}:1:1: not UTF-8 text but UTF-16: it starts with the UTF-16 byte order mark "
                              f"{bom} (byte offset 0)"), msg
        assert "iconv -f utf-16 -t utf-8 in.csv > out.csv" in msg
    path.write_text("participant_id,ordered_on,pv\n1,2020-01-01,5\n", encoding="utf-16-le")  # no mark: NULs
    msg = str(_error(dl.read_orders, path))
    assert msg.startswith(f"{path}:1:2: a NUL byte at byte offset 1: not CSV text")


def test_what_is_not_text_stops_at_once_naming_the_file(tmp_path):
    png = tmp_path / "plot.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 1000)
    assert str(_error(dl.read_orders, png)).startswith(f"{png}:1:1: not UTF-8 text: byte 0x89 at byte offset 0")
    assert str(_error(dl.read_orders, "/dev/zero")).startswith("/dev/zero:1:1: a NUL byte at byte offset 0")
    assert str(_error(dl.read_participants, tmp_path)) == f"{tmp_path}: is a directory, not a CSV file"
    assert str(_error(dl.read_participants, tmp_path / "none.csv")).startswith(
        f"{tmp_path / 'none.csv'}: cannot open file: No such file or directory")
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"id,sponsor_id,kind\n1,,a\x00b\n")  # pandas would cut the kind at the NUL
    assert str(_error(dl.read_participants, nul)).startswith(f"{nul}:2:5: a NUL byte at byte offset 23")


def test_whole_float_ids_read_as_pandas_reads_them(tmp_path):
    people = pd.DataFrame({"id": [17850.0, 17851.0, 13047.0, -2.0],
                           "sponsor_id": [np.nan, 17850.0, 17850.0, 13047.0]})
    orders = pd.DataFrame({"participant_id": [17851.0, 13047.0, -2.0], "ordered_on": ["2011-12-01"] * 3,
                           "amount": [1.5, 2.0, 3.0]})
    pp, op = tmp_path / "people.csv", tmp_path / "orders.csv"
    people.to_csv(pp, index=False)  # pandas writes 17850.0
    orders.to_csv(op, index=False)
    assert "17850.0" in pp.read_text()
    got = dl.read_participants(pp)
    want = pd.read_csv(pp)
    np.testing.assert_array_equal(got["id"].to_numpy(), want["id"].astype(np.int64).to_numpy())
    np.testing.assert_array_equal(got["sponsor_id"].to_numpy(dtype=float, na_value=np.nan),
                                  want["sponsor_id"].to_numpy())
    np.testing.assert_array_equal(dl.read_orders(op)["participant_id"].to_numpy(),
                                  pd.read_csv(op)["participant_id"].astype(np.int64).to_numpy())
    pp.write_text("id,sponsor_id\n1,\n2.5,1\n")
    assert "'2.5' is not an integer id" in str(_error(lambda path: dl.read_participants(path, ids="int"), pp))


# ------------------------------------------------------------------ text ids (issue 23)
def _text_people(n: int, seed: int) -> pd.DataFrame:
    """Participants with text ids drawn here: codes such as "A-17", digits with leading
    zeros ("007"), non-ASCII ids; every 20th a root."""
    rng = np.random.default_rng(seed)
    shapes = np.array(["A-{}", "{:03d}", "Zo\u00eb-{}", "\u674e{}"])
    ids = [shapes[k].format(i) for k, i in zip(rng.integers(0, len(shapes), size=n), rng.permutation(n))]
    sponsor = np.asarray(ids, dtype=object)[rng.integers(0, n, size=n)]
    sponsor[rng.random(n) < 0.05] = None
    return pd.DataFrame({"id": ids, "sponsor_id": sponsor, "kind": rng.choice(["member", "customer"], size=n)})


def _read_csv_as_text(path) -> pd.DataFrame:
    """pandas' text of every field, spaces around it stripped, empty fields None."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return frame.apply(lambda col: col.str.strip().replace("", None))


@pytest.mark.parametrize("n_threads", [1, 3])
def test_text_ids_equal_pandas_read_csv_as_text(tmp_path, threads, n_threads):
    dl.set_num_threads(n_threads)
    people = _text_people(120_000, seed=5)  # about 2 MB: several parts on 3 threads
    plain, odd = tmp_path / "plain.csv", tmp_path / "odd.csv"
    people.to_csv(plain, index=False)  # no quotes, no spaces: read in parts on every thread
    # the exact reader: CRLF, spaces around fields, a quoted field with a comma and quotes
    spaced = " " + people["id"] + "\t"
    people.assign(id=spaced).to_csv(odd, index=False, lineterminator="\r\n", encoding="utf-8-sig")
    with open(odd, "a", encoding="utf-8", newline="") as f:
        f.write('"say, ""hi""",A-1,member\r\n')
    for path in (plain, odd):
        want = _read_csv_as_text(path)
        got = dl.read_participants(path, ids="text")
        assert got["id"].dtype == object and got["sponsor_id"].dtype == object
        assert got["id"].tolist() == want["id"].tolist()
        assert got["sponsor_id"].tolist() == want["sponsor_id"].tolist()
        assert got["sponsor_id"].isna().sum() == people["sponsor_id"].isna().sum()
    assert got["id"].iloc[-1] == 'say, "hi"'
    # one str object per distinct id, shared by its rows
    sponsors = got["sponsor_id"].dropna()
    assert len({id(s) for s in sponsors}) == sponsors.nunique()
    orders = pd.DataFrame({"participant_id": people["id"].iloc[::3].to_numpy(), "ordered_on": "2020-01-02",
                           "amount": 1.5})
    orders.to_csv(tmp_path / "orders.csv", index=False)
    got = dl.read_orders(tmp_path / "orders.csv", ids="text")
    assert got["participant_id"].tolist() == _read_csv_as_text(tmp_path / "orders.csv")["participant_id"].tolist()


def test_auto_ids_are_int64_when_every_id_is_an_integer_else_text(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("id,sponsor_id\n1,\n2.0,1\n007,2\n")
    got = dl.read_participants(path)  # ids="auto"
    assert got["id"].dtype == np.int64 and got["id"].tolist() == [1, 2, 7]
    assert got["sponsor_id"].dtype == "Int64" and got["sponsor_id"].isna().tolist() == [True, False, False]
    assert dl.read_participants(path, ids="text")["id"].tolist() == ["1", "2.0", "007"]
    for late in ("A-17", "9223372036854775808", "1.5", "+5"):  # text, on the last line
        path.write_text("id,sponsor_id\n1,\n2,1\n" + f"3,{late}\n")
        got = dl.read_participants(path)
        assert got["id"].dtype == object and got["id"].tolist() == ["1", "2", "3"], late
        assert got["sponsor_id"].tolist() == [None, "1", late]
        with pytest.raises(dl.InputError, match=rf"people\.csv:4:2: column 'sponsor_id': .*{re.escape(late)}"):
            dl.read_participants(path, ids="int")
    orders = tmp_path / "orders.csv"
    orders.write_text("participant_id,ordered_on,pv\n17850,2020-01-01,1\nA-17,2020-01-02,2\n")
    assert dl.read_orders(orders)["participant_id"].tolist() == ["17850", "A-17"]
    assert dl.read_orders(orders, ids="text")["participant_id"].tolist() == ["17850", "A-17"]
    orders.write_text("participant_id,ordered_on,pv\n17850,2020-01-01,1\n")
    assert dl.read_orders(orders)["participant_id"].dtype == np.int64
    path.write_text("id,sponsor_id\n1,\n ,1\n")
    for ids in ("int", "text", "auto"):  # an empty id is an error in every kind
        with pytest.raises(dl.InputError, match=r"people\.csv:3:1: column 'id': empty id"):
            dl.read_participants(path, ids=ids)
    with pytest.raises(dl.InputError, match="ids: expected 'int', 'text' or 'auto', not 'str'"):
        dl.read_participants(path, ids="str")


def test_company_files_get_ids_of_one_kind(tmp_path):
    people, orders = tmp_path / "people.csv", tmp_path / "orders.csv"
    people.write_text("id,sponsor_id\n5,\n007,5\n-9223372036854775808,5\n")
    # "+5" is not an integer id for the reader: the orders are text, so are the participants;
    # every id is then a whole number written in digits: int64 in both, "+5" and "5" alike
    orders.write_text("participant_id,ordered_on,pv\n+5,2020-01-01,1\n7,2020-01-02,2\n-9223372036854775808,2020-01-02,3\n")
    p, o = dl.read_company_files(people, orders)
    assert p["id"].dtype == np.int64 and p["id"].tolist() == [5, 7, -(2**63)]
    assert p["sponsor_id"].dtype == "Int64" and p["sponsor_id"].tolist()[1:] == [5, 5] and p["sponsor_id"].isna()[0]
    assert o["participant_id"].dtype == np.int64 and o["participant_id"].tolist() == [5, 7, -(2**63)]
    # a text id in either file: both text, compared exactly
    orders.write_text("participant_id,ordered_on,pv\nA-17,2020-01-01,1\n007,2020-01-02,2\n")
    p, o = dl.read_company_files(people, orders)
    assert p["id"].tolist() == ["5", "007", "-9223372036854775808"] and p["sponsor_id"].tolist() == [None, "5", "5"]
    assert o["participant_id"].tolist() == ["A-17", "007"]
    for beyond in ("9223372036854775808", "-9223372036854775809", "12345678901234567890"):
        people.write_text(f"id,sponsor_id\n5,\n{beyond},5\n")
        orders.write_text("participant_id,ordered_on,pv\n5,2020-01-01,1\n")
        p, o = dl.read_company_files(people, orders)
        assert p["id"].tolist() == ["5", beyond] and o["participant_id"].tolist() == ["5"], beyond
    steps = []
    dl.read_company_files(people, orders, step=lambda what, run: steps.append(what) or run())
    assert steps == [f"reading {people}", f"reading {orders}", f"reading {orders} as text"]


def test_integer_names_take_whole_numbers_in_ascii_digits_within_int64():
    from downline.readers import _integer_names

    got = _integer_names(["7", "007", "+5", "-0", "-9223372036854775808", "9223372036854775807",
                          "+0000000000000000001"])
    assert got.dtype == np.int64 and got.tolist() == [7, 7, 5, 0, -(2**63), 2**63 - 1, 1]
    assert _integer_names([]).tolist() == []
    for bad in ("9223372036854775808", "-9223372036854775809", "99999999999999999999", "1.0", "1e3", "A-17", "+",
                "-", "+-1", "1 2", "\u0661\u0662", "12345678901234567890", "0x10"):
        assert _integer_names(["1", bad]) is None, bad
