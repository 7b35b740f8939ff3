"""The tables of a results folder: written byte for byte as pandas writes them."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dispatch.results.write import STAMP_FORMAT, stamp_text, write_csv


def _pandas(frame: pd.DataFrame, path: Path, float_format: str) -> bytes:
    frame.to_csv(path, index=False, float_format=float_format)
    return path.read_bytes()


def _ours(frame: pd.DataFrame, path: Path, float_format: str) -> bytes:
    write_csv(frame, path, float_format)
    return path.read_bytes()


AWKWARD = [0.0, -0.0, 1.0, -1.5, 1 / 3, 2e-300, 1.7976931348623157e308, 123456789012345.6,
           np.nan, np.inf, -np.inf, 5e-324, 0.1 + 0.2, 1e16, -2.5e-7]  # fmt: skip


@pytest.mark.parametrize("float_format", ["%.12g", "%.10g", "%.17g", "%.6g"])
def test_numbers_are_written_as_pandas_writes_them(tmp_path, float_format):
    rng = np.random.default_rng(7)
    n = 500
    frame = pd.DataFrame(
        {
            "timestamp": stamp_text(pd.Series(pd.date_range("2030-01-01", periods=n, freq="h"))),
            "load_kw": rng.lognormal(8, 2, n) * rng.choice([-1.0, 1.0], n),
            "awkward": np.resize(np.array(AWKWARD), n),
            "count": rng.integers(-5, 10**12, n),
            "period": rng.choice(["peak", "valley", "flat"], n),
        }
    )
    assert _ours(frame, tmp_path / "a.csv", float_format) == _pandas(
        frame, tmp_path / "b.csv", float_format
    )


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"note": ["a, b", "c"], "x": [1.0, 2.0]}),  # a separator to quote
        pd.DataFrame({"note": ['say "hi"', "c"], "x": [1.0, 2.0]}),
        pd.DataFrame({"note": ["line\nbreak", "c"], "x": [1.0, 2.0]}),
        pd.DataFrame({"note": ["", "c"], "x": [1.0, 2.0]}),
        pd.DataFrame({"note": [None, "c"], "x": [1.0, 2.0]}),
        pd.DataFrame({"a,b": [1.0], "x": [2.0]}),  # a header to quote
        pd.DataFrame({"stamp": pd.date_range("2030-01-01", periods=2, freq="h"), "x": [1, 2]}),
        pd.DataFrame({"flag": [True, False], "x": [1.0, np.nan]}),
        pd.DataFrame({"x": np.array([1.5, 2.25], dtype=np.float32)}),
        pd.DataFrame({"n": pd.array([1, None], dtype="Int64"), "x": [1.0, 2.0]}),
        pd.DataFrame({"x": pd.array([1.5, None], dtype="Float64")}),
        pd.DataFrame(index=range(3)),
    ],
)
def test_tables_pandas_must_quote_or_format_are_left_to_pandas(tmp_path, frame):
    assert _ours(frame, tmp_path / "a.csv", "%.12g") == _pandas(frame, tmp_path / "b.csv", "%.12g")


@pytest.mark.parametrize(
    "stamps",
    [
        pd.Series(pd.date_range("2030-01-01", periods=8760, freq="h")),
        pd.Series(pd.date_range("2028-02-28", periods=72, freq="h").as_unit("us")),
        pd.Series(pd.to_datetime(["2030-01-01 00:00:59", "2030-12-31 23:30:00"])),
        pd.Series(pd.date_range("2030-01-01", periods=5, freq="h", tz="Asia/Shanghai")),
        pd.Series(pd.to_datetime(["2030-01-01 00:00", None])),
        pd.Series(["2030-01-01 00:00", "2030-01-01 01:00"]),
    ],
)
def test_stamps_are_written_as_strftime_writes_them(stamps):
    expected = pd.to_datetime(stamps).dt.strftime(STAMP_FORMAT)
    pd.testing.assert_series_equal(stamp_text(stamps), expected, check_dtype=False)


def test_a_run_writes_its_tables_as_pandas_did(tmp_path):
    """A short run's folder: timeseries.csv and inputs.csv as ``DataFrame.to_csv`` wrote them."""
    import dispatch
    from dispatch.model.horizon import Horizon
    from tests.conftest import EXAMPLE

    result = dispatch.run(EXAMPLE, out=tmp_path / "run", horizon=Horizon.full_year(2030, 48))
    ts = result.timeseries.copy()
    ts["timestamp"] = pd.to_datetime(ts["timestamp"]).dt.strftime(STAMP_FORMAT)
    ins = result.inputs.copy()
    ins["timestamp"] = pd.to_datetime(ins["timestamp"]).dt.strftime(STAMP_FORMAT)
    assert (tmp_path / "run" / "timeseries.csv").read_bytes() == _pandas(
        ts, tmp_path / "ts.csv", "%.12g"
    )
    assert (tmp_path / "run" / "inputs.csv").read_bytes() == _pandas(
        ins, tmp_path / "ins.csv", "%.10g"
    )
    assert os.linesep.encode() in (tmp_path / "run" / "timeseries.csv").read_bytes()
