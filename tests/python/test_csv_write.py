"""The command line's CSV writer: the same bytes as ``DataFrame.to_csv`` for every kind of
column the report writes (and the ones it could), and ``to_csv`` itself for the frames it
leaves to pandas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from downline import _core, _csvwrite
from downline._csvwrite import write_csv


def same_as_pandas(frame: pd.DataFrame, tmp_path, by_pandas: bool = False, cents: list = ()) -> None:
    """write_csv writes the bytes of to_csv, the ``cents`` columns rounded to cents (by its
    own rows, unless ``by_pandas``)."""
    assert (_csvwrite._frame_columns(frame, cents) is None) == by_pandas
    frame.round({c: 2 for c in cents}).to_csv(tmp_path / "want.csv")
    write_csv(frame, tmp_path / "got.csv", cents=cents)
    assert (tmp_path / "got.csv").read_bytes() == (tmp_path / "want.csv").read_bytes()


def mixed(n: int, seed: int = 5) -> pd.DataFrame:
    """A frame of every kind of column: integers of short and long ranges (negative ones
    too), floats with NaN, -0.0, huge and tiny values, nullable integers with NA, bools,
    categoricals with NA and texts to quote, dates with NaT, times, texts."""
    rng = np.random.default_rng(seed)
    floats = rng.choice([0.0, -0.0, np.nan, 1e20, 1e-7, -12.5, 0.1 + 0.2, 11728.02, 3.0, -1e16], n)
    words = np.array(["plain", "with, comma", 'with "quotes"', "", "ünïcode", " spaced "], dtype=object)
    days = pd.to_datetime("2023-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    frame = pd.DataFrame({
        "small": rng.integers(-3, 40, n).astype(np.int32),
        "large": rng.integers(-10**12, 10**12, n),
        "positive": rng.integers(0, 10**9, n).astype(np.uint64),
        "extremes": rng.choice([np.iinfo(np.int64).max, 0, -1, 9, 10, 99, 100], n),
        "counts": rng.choice([0, 1, 2, -7, 500_000, 2_000_000], n),
        "money": floats,
        "cents": (rng.normal(0, 1e4, n)).round(2),
        "refunds": rng.choice([-0.0, 0.0, 0.01, -0.07, 0.1, 3.0, 12.5, -12.34, 9999999999999.99, 123456.78], n),
        "int64": pd.array(np.where(rng.random(n) < 0.2, None, rng.integers(-5, 5000, n)), dtype="Int64"),
        "int8": pd.array(rng.integers(1, 6, n), dtype="Int8"),
        "flag": rng.random(n) < 0.5,
        "segment": pd.Categorical(rng.choice(words[:3].tolist() + [None], n)),
        "score": pd.Categorical(rng.integers(111, 556, n)),
        "enrolled_on": days.where(rng.random(n) < 0.9),
        "at": days + pd.to_timedelta(rng.integers(0, 86_400, n), unit="s"),
        "text": rng.choice(words, n),
    })
    return frame.set_index(pd.Index(rng.permutation(n) + 1_000_000, name="id"))


def test_every_kind_of_column(tmp_path):
    same_as_pandas(mixed(100), tmp_path)


def test_one_chunk_and_one_row(tmp_path):
    same_as_pandas(mixed(1000), tmp_path)
    same_as_pandas(mixed(1), tmp_path)


def test_text_ids_and_unnamed_index(tmp_path):
    frame = mixed(50).reset_index(drop=True)
    same_as_pandas(frame, tmp_path)
    same_as_pandas(frame.set_index(pd.Index([f"A-{k}" if k % 7 else f'"{k},x"' for k in range(50)])), tmp_path)


def test_whole_cents_from_the_cents(tmp_path):
    rng = np.random.default_rng(8)
    cents = np.concatenate([rng.integers(-10**15 + 1, 10**15, 300), rng.integers(-2000, 2000, 300)]) / 100
    frame = pd.DataFrame({"a": cents, "b": np.append(cents[1:], -0.0), "c": rng.normal(0, 1e6, 600).round(2)})
    assert all(_core.whole_cents(frame[c].to_numpy()) for c in frame)
    assert not _core.whole_cents(np.array([0.1 + 0.2, 1.0]))
    assert not _core.whole_cents(np.array([np.nan, 1.0]))
    assert not _core.whole_cents(np.array([1e13, 1.0]))
    assert not _core.whole_cents(np.array([1.0, np.inf]))
    assert _core.whole_cents(np.array([-9999999999999.99, 0.07, -0.0]))
    same_as_pandas(frame, tmp_path)


def test_money_rounded_to_cents(tmp_path):
    rng = np.random.default_rng(9)
    frame = pd.DataFrame({"gv": rng.normal(0, 1e4, 200), "pv": rng.choice([0.0, 0.004, -0.004, 1.005, 2.675], 200),
                          "missing": rng.choice([np.nan, 1.23456], 200), "n": rng.integers(0, 9, 200)},
                         index=pd.Index(rng.permutation(200), name="id"))
    same_as_pandas(frame, tmp_path, cents=["gv", "pv", "missing"])
    same_as_pandas(frame.astype({"gv": "Float64"}), tmp_path, by_pandas=True, cents=["gv", "pv"])


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"v": [1, 2]}, index=pd.MultiIndex.from_tuples([(1, "a"), (2, "b")], names=["k", "s"])),
    pd.DataFrame({"v": ["two\nlines", "one"]}),
    pd.DataFrame({"v": [1, True, 1.0, "1"]}),
    pd.DataFrame({"v": [1.5, 2.5]}, index=[0.5, 1.5]),
    pd.DataFrame({"v": pd.Series([], dtype=float)}),
], ids=["multiindex", "line-break", "mixed-objects", "float-index", "empty"])
def test_frames_left_to_pandas(frame, tmp_path):
    same_as_pandas(frame, tmp_path, by_pandas=True)


def test_nul_and_long_texts(tmp_path):
    same_as_pandas(pd.DataFrame({"v": ["a\0b", "c", "x" * 100_000, ""], "n": np.arange(4, dtype=np.int32)}), tmp_path)


def test_a_file_that_cannot_be_written(tmp_path):
    frame = pd.DataFrame({"v": [1, 2]})
    with pytest.raises(Exception, match="cannot create file"):
        write_csv(frame, tmp_path / "no-such-folder" / "t.csv")
    with pytest.raises(Exception, match="cannot write the file"):
        write_csv(pd.DataFrame({"v": np.arange(100_000)}), Path("/dev/full"))
