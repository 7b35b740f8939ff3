"""Profiles in the forms spreadsheets write them are read, and read right."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dispatch.case.loader import load_case
from dispatch.case.schema import ProfileRef
from dispatch.case.series import Bounds, ProfileReader
from dispatch.errors import CaseError, Problem

VALUES = np.arange(8760) % 97 + 0.5  # distinguishable values, not a counter


def _read(tmp_path: Path, text: str | bytes, year: int = 2025, column: str | None = None):
    path = tmp_path / "p.csv"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    problems: list[Problem] = []
    reader = ProfileReader(tmp_path / "case.yaml", year)
    value = ProfileRef(csv="p.csv", column=column) if column else "p.csv"
    return reader.read(value, "load.electricity_kw", Bounds(0.0), problems), problems


def _lines(values, sep=",", header="timestamp{sep}load_kw"):
    rows = [f"2025-01-01 {i:05d}{sep}{v:g}" for i, v in enumerate(values)]
    return "\n".join([header.format(sep=sep), *rows]) + "\n"


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_separators(tmp_path: Path, sep: str) -> None:
    arr, problems = _read(tmp_path, _lines(VALUES, sep))
    assert problems == []
    np.testing.assert_array_equal(arr, VALUES)


def test_byte_order_mark_and_named_column(tmp_path: Path) -> None:
    arr, problems = _read(tmp_path, "\ufeff" + _lines(VALUES), column="timestamp")
    # the BOM does not hide the first column's name: asking for it finds it (as text)
    assert problems and "non-numeric value" in problems[0].message
    arr, problems = _read(tmp_path, "\ufeff" + _lines(VALUES), column="load_kw")
    assert problems == []
    np.testing.assert_array_equal(arr, VALUES)


def test_headerless_single_column(tmp_path: Path) -> None:
    arr, problems = _read(tmp_path, "\n".join(f"{v:g}" for v in VALUES) + "\n")
    assert problems == []
    np.testing.assert_array_equal(arr, VALUES)


def test_headerless_bad_row_is_numbered_from_1(tmp_path: Path) -> None:
    text = "\n".join("x" if i == 4 else f"{v:g}" for i, v in enumerate(VALUES))
    _, problems = _read(tmp_path, text)
    assert [p.key for p in problems] == ["row 5"]


def test_trailing_blank_lines_are_harmless(tmp_path: Path) -> None:
    arr, problems = _read(tmp_path, _lines(VALUES) + "\n\n\n")
    assert problems == []
    assert arr.size == 8760


def test_blank_line_inside_is_a_missing_value(tmp_path: Path) -> None:
    text = _lines(VALUES).splitlines()
    text.insert(11, "")
    _, problems = _read(tmp_path, "\n".join(text) + "\n")
    assert problems[0].key == "row 12"
    assert problems[0].message.startswith("missing value")


def test_row_counter_column_is_skipped(tmp_path: Path) -> None:
    text = "n,load_kw\n" + "\n".join(f"{i},{v:g}" for i, v in enumerate(VALUES)) + "\n"
    arr, problems = _read(tmp_path, text)
    assert problems == []
    np.testing.assert_array_equal(arr, VALUES)


def test_pandas_index_column_is_skipped(tmp_path: Path) -> None:
    text = ",load_kw\n" + "\n".join(f"{i},{v:g}" for i, v in enumerate(VALUES)) + "\n"
    arr, problems = _read(tmp_path, text)
    assert problems == []
    np.testing.assert_array_equal(arr, VALUES)


def test_leap_year_drops_29_february(tmp_path: Path) -> None:
    leap = np.concatenate([VALUES[: 59 * 24], np.full(24, 999.0), VALUES[59 * 24 :]])
    arr, problems = _read(tmp_path, _lines(leap), year=2024)
    assert problems == []
    np.testing.assert_array_equal(arr, VALUES)
    # 8760 values in a leap year are accepted too (the time grid skips 29 February)
    arr, problems = _read(tmp_path, _lines(VALUES), year=2024)
    assert problems == [] and arr.size == 8760


def test_leap_year_length_message_offers_8784(tmp_path: Path) -> None:
    _, problems = _read(tmp_path, _lines(VALUES[:100]), year=2028)
    assert "has 100 values, expected 8760 hourly values or 8784 (leap year)" in problems[0].message


def test_range_problem_names_row_of_the_raw_file_in_a_leap_year(tmp_path: Path) -> None:
    leap = np.concatenate([VALUES[: 59 * 24], np.full(24, 1.0), VALUES[59 * 24 :]])
    leap[8000] = -3
    _, problems = _read(tmp_path, _lines(leap), year=2024)
    assert "value -3 (row 8002)" in problems[0].message


def test_yaml_number_left_as_text_is_a_constant(tmp_path: Path, make_case) -> None:
    # PyYAML reads 1e3 (no dot) as text; it is still the number 1000
    path = make_case(
        {
            "name": "x",
            "year": 2025,
            "load": {"electricity_kw": "1e3"},
            "grid": {"import_price_per_kwh": 0.5},
        }  # fmt: skip
    )
    data = load_case(path)
    assert data.series["load_kw"].min() == data.series["load_kw"].max() == 1000.0


def test_profile_file_is_read_once_and_problems_name_every_key(tmp_path: Path, make_case) -> None:
    path = make_case(
        {
            "name": "x",
            "year": 2025,
            "load": {"electricity_kw": "missing.csv"},
            "grid": {"import_price_per_kwh": "missing.csv"},
        }
    )
    with pytest.raises(CaseError) as err:
        load_case(path)
    assert {p.key for p in err.value.problems} == {
        "load.electricity_kw",
        "grid.import_price_per_kwh",
    }


def test_merge_keys_are_not_duplicates(tmp_path: Path) -> None:
    from dispatch.case.loader import read_yaml

    path = tmp_path / "c.yaml"
    path.write_text("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n")
    assert read_yaml(path)["other"] == {"x": 1, "y": 3}
