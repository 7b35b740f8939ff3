"""Malformed cases through the command line: one clear line each, exit 2, nothing lost.

Each case starts from a valid park (``_base``) and breaks one thing, the way
hand-written cases and spreadsheet exports break. For every one the test checks
the exit status, that each error is one line naming the file and the key or
row, the words of the message, and that an earlier results folder survives.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from dispatch.cli import app
from dispatch.timegrid import hours

runner = CliRunner()
YEAR = 2025


def _write_profiles(folder: Path) -> None:
    stamps = hours(YEAR).strftime("%Y-%m-%d %H:%M")
    day = np.clip(np.sin(np.linspace(-np.pi / 2, 3 * np.pi / 2, 24)), 0, None)
    pd.DataFrame({"timestamp": stamps, "load_kw": np.resize([300.0, 500.0], 8760)}).to_csv(
        folder / "elec.csv", index=False
    )
    pd.DataFrame({"timestamp": stamps, "pv_kw_per_kw": np.resize(day, 8760)}).to_csv(
        folder / "pv.csv", index=False
    )


def _base() -> dict[str, Any]:
    return {
        "name": "park",
        "year": YEAR,
        "finance": {"discount_rate": 0.07},
        "load": {"electricity_kw": {"csv": "elec.csv", "column": "load_kw"}, "heat_kw_th": 50},
        "technologies": {
            "pv": {"availability": "pv.csv", "capex_per_kw": 2800, "max_kw": 2000},
            "battery": {"charge_efficiency": 0.95},
            "heat_pump": {"cop": 3.0},
            "boiler": {"efficiency": 0.92},
        },
        "grid": {"import_price_per_kwh": 0.6, "export_price_per_kwh": 0.3},
        "rules": {"self_use_min_of_consumption": 0.1},
    }


def _set(dotted: str, value: Any) -> Callable[[Path, dict], None]:
    def mutate(folder: Path, case: dict) -> None:
        node = case
        *path, last = dotted.split(".")
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value

    return mutate


def _drop(dotted: str) -> Callable[[Path, dict], None]:
    def mutate(folder: Path, case: dict) -> None:
        node = case
        *path, last = dotted.split(".")
        for part in path:
            node = node[part]
        del node[last]

    return mutate


def _text(content: str | bytes) -> Callable[[Path, dict], Path]:
    """Replace the whole case file by raw content."""

    def mutate(folder: Path, case: dict) -> Path:
        path = folder / "case.yaml"
        data = content.encode("utf-8") if isinstance(content, str) else content
        path.write_bytes(data)
        return path

    return mutate


def _csv(name: str, content: str | bytes, key: str, value: Any = None) -> Callable:
    """Write a profile file with raw content and point ``key`` at it."""

    def mutate(folder: Path, case: dict) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
        _set(key, value if value is not None else name)(folder, case)

    return mutate


def _series(values: list[Any] | np.ndarray, header: str = "timestamp,load_kw") -> str:
    lines = [header]
    stamps = hours(2024 if len(values) == 8784 else YEAR).strftime("%Y-%m-%d %H:%M")
    for i, v in enumerate(values):
        stamp = stamps[i] if i < len(stamps) else f"x{i}"
        lines.append(f"{stamp},{v}")
    return "\n".join(lines) + "\n"


def _both(*mutations: Callable) -> Callable:
    def mutate(folder: Path, case: dict) -> Path | None:
        out = None
        for m in mutations:
            out = m(folder, case) or out
        return out

    return mutate


LOAD = "load.electricity_kw"
PV = "technologies.pv.availability"
GOOD = [300.0] * 8760

# id, mutation, the key or row the message must name, words it must contain
CASES: list[tuple[str, Callable, str, list[str]]] = [
    # --- YAML ---
    ("yaml-syntax", _text("name: park\nyear: [2025\n"), "line 3", ["YAML syntax error"]),
    ("yaml-tab-indent", _text("name: park\n\tyear: 2025\n"), "line 2", ["YAML syntax error"]),
    (
        "yaml-duplicate-key",
        _text("name: park\nyear: 2025\nyear: 2026\n"),
        "line 3",
        ["duplicate key 'year'", "line 2"],
    ),
    (
        "yaml-python-tag",
        _text("name: !!python/object/apply:os.system ['echo pwned']\n"),
        "line 1",
        ["YAML tag '!!python/object/apply:os.system' is not allowed"],
    ),
    ("yaml-custom-tag", _text("name: !include other.yaml\n"), "line 1", ["'!include'"]),
    ("yaml-empty", _text(""), "case.yaml", ["file is empty"]),
    ("yaml-comments-only", _text("# to do\n"), "case.yaml", ["file is empty"]),
    ("yaml-list", _text("- name\n- year\n"), "case.yaml", ["mapping", "found a list"]),
    ("yaml-binary", _text(b"\x00\x01\x02binary"), "case.yaml", ["binary file"]),
    ("yaml-latin1", _text("name: caf\xe9\n".encode("latin-1")), "line 1", ["not UTF-8"]),
    ("yaml-excel", _text(b"PK\x03\x04rest-of-zip"), "case.yaml", ["Excel"]),
    # --- keys ---
    ("unknown-top-key", _set("technology", {}), "technology", ["did you mean 'technologies'"]),
    ("unknown-nested-key", _set("technologies.pv.max_kW", 5), "max_kW", ["did you mean 'max_kw'"]),
    ("unknown-technology", _set("technologies.solar", {}), "solar", ["known keys: pv, wind"]),
    ("missing-grid", _drop("grid"), "grid", ["required key is missing"]),
    ("missing-load", _drop(LOAD), LOAD, ["give electricity_kw (a profile), or park_type"]),
    ("missing-load-section", _drop("load"), "load", ["required key is missing"]),
    # --- types and ranges ---
    ("negative-capex", _set("technologies.pv.capex_per_kw", -2800), "capex_per_kw", ["≥ 0"]),
    (
        "efficiency-percent",
        _set("technologies.battery.charge_efficiency", 95),
        "charge_efficiency",
        ["≤ 1", "got 95", "for 95 % write 0.95"],
    ),
    ("fraction-above-1", _set("technologies.battery.soc_max_fraction", 1.5), "soc_max", ["≤ 1"]),
    (
        "rule-percent",
        _set("rules.self_use_min_of_consumption", 35),
        "rules.self_use_min_of_consumption",
        ["for 35 % write 0.35"],
    ),
    ("discount-percent", _set("finance.discount_rate", 7), "discount_rate", ["< 1", "0.07"]),
    (
        "min-above-max",
        _set("technologies.pv.min_kw", 3000),
        "technologies.pv.min_kw",
        ["min_kw (3000) is above max_kw (2000)"],
    ),
    (
        "soc-window",
        _set("technologies.battery.soc_min_fraction", 0.96),
        "technologies.battery.soc_min_fraction",
        ["must be below soc_max_fraction"],
    ),
    ("lifetime-zero", _set("technologies.pv.lifetime_years", 0), "lifetime_years", ["> 0"]),
    ("capex-text", _set("technologies.pv.capex_per_kw", "cheap"), "capex_per_kw", ["number"]),
    ("year-fraction", _set("year", 2025.5), "year", ["whole number"]),
    ("year-range", _set("year", 1999), "year", ["≥ 2000"]),
    ("bool-for-number", _set("technologies.pv.max_kw", False), "max_kw", ["not false", "yes/no"]),
    ("infinite-number", _set("technologies.pv.max_kw", float("inf")), "max_kw", ["finite"]),
    ("nan-number", _set("technologies.pv.capex_per_kw", float("nan")), "capex_per_kw", ["finite"]),
    ("name-empty", _set("name", ""), "name", ["must not be empty"]),
    ("section-not-mapping", _set("technologies", ["pv"]), "technologies", ["mapping of keys"]),
    ("profile-list", _set(LOAD, [1, 2, 3]), LOAD, ["a CSV path", "got a list"]),
    (
        "profile-ref-typo",
        _set(LOAD, {"csv": "elec.csv", "col": "load_kw"}),
        LOAD,
        ["unknown key 'col'", "did you mean 'column'"],
    ),
    (
        "heat-without-supplier",
        _both(_drop("technologies.heat_pump"), _drop("technologies.boiler")),
        "load.heat_kw_th",
        ["none of technologies.heat_pump, technologies.boiler"],
    ),
    # --- profile files ---
    ("profile-missing", _set(PV, "nowhere.csv"), PV, ["nowhere.csv does not exist"]),
    (
        "profile-folder",
        _both(lambda f, c: (f / "dir.csv").mkdir(), _set(PV, "dir.csv")),
        PV,
        ["is a folder"],
    ),  # fmt: skip
    ("profile-url", _set(PV, "https://example.com/pv.csv"), PV, ["is a URL"]),
    ("profile-units", _set(LOAD, "1000 kW"), LOAD, ["write a plain number"]),
    ("csv-empty", _csv("e.csv", "", PV), "e.csv", ["file is empty", PV]),
    ("csv-binary", _csv("b.csv", b"\x00\x01\x02\x03", PV), "b.csv", ["binary file", PV]),
    ("csv-excel", _csv("x.csv", b"PK\x03\x04....", PV), "x.csv", ["Excel", "save it as CSV"]),
    ("csv-header-only", _csv("h.csv", "timestamp,value\n", PV), "h.csv", ["no data rows", PV]),
    (
        "csv-timestamps-only",
        _csv("t.csv", "timestamp\n" + "\n".join(hours(YEAR).strftime("%Y-%m-%d %H:%M")), PV),
        PV,
        ["no column of values", "columns are: timestamp"],
    ),
    (
        "csv-wrong-length",
        _csv("s.csv", _series([300] * 8000), LOAD),
        LOAD,
        ["has 8000 values, expected 8760"],
    ),
    (
        "csv-leap-count-in-common-year",
        _csv("l.csv", _series([300] * 8784), LOAD),
        LOAD,
        ["has 8784 values", "2025 is not a leap year"],
    ),
    (
        "csv-quarter-hours",
        _csv("q.csv", "load_kw\n" + "300\n" * 35040, LOAD),
        LOAD,
        ["35040 values", "15-minute"],
    ),
    (
        "csv-missing-value",
        _csv("m.csv", _series([*GOOD[:99], "", *GOOD[100:]]), LOAD),
        "row 101",
        ["missing value", "load_kw", LOAD],
    ),
    (
        "csv-na-value",
        _csv("m.csv", _series([*GOOD[:9], "n/a", *GOOD[10:]]), LOAD),
        "row 11",
        ["missing value ('n/a')"],
    ),
    (
        "csv-text-value",
        _csv("m.csv", _series([*GOOD[:4], "abc", *GOOD[5:]]), LOAD),
        "row 6",
        ["non-numeric value 'abc'"],
    ),
    (
        "csv-inf-value",
        _csv("m.csv", _series([*GOOD[:6], "inf", *GOOD[7:]]), LOAD),
        "row 8",
        ["infinite value 'inf'"],
    ),
    (
        "csv-decimal-comma",
        _csv("d.csv", "load_kw\n" + "300,5\n" * 8760, LOAD),
        "row 2",
        ["has 2 fields, the header has 1", "decimal comma? write 300.5"],
    ),
    (
        "csv-semicolon-decimal-comma",
        _csv("d.csv", "timestamp;load_kw\n" + "t;300,5\n" * 8760, LOAD),
        "row 2",
        ["non-numeric value '300,5' (decimal comma? write 300.5)"],
    ),
    (
        "csv-short-row",
        _csv("r.csv", "timestamp,load_kw\n" + "t,1\n" * 9 + "t\n" + "t,1\n" * 8750, LOAD),
        "row 11",
        ["has 1 field, the header has 2"],
    ),
    (
        "csv-negative-load",
        _csv("n.csv", _series([*GOOD[:20], -5, *GOOD[21:]]), LOAD),
        LOAD,
        ["value -5 (row 22", "below the allowed 0", "loads cannot be negative"],
    ),
    (
        "availability-in-kw",
        _csv("p.csv", "pv_kw\n" + "\n".join(str(v) for v in np.resize([0, 850.0], 8760)), PV),
        PV,
        ["above the allowed 1", "kW instead of kW/kW"],
    ),
    (
        "availability-negative",
        _csv("p.csv", "pv\n-0.1\n" + "0.5\n" * 8759, PV),
        PV,
        ["value -0.1 (row 2", "below the allowed 0"],
    ),
    ("cop-zero", _set("technologies.heat_pump.cop", 0), "technologies.heat_pump.cop", ["below"]),
    (
        "column-not-found",
        _set(LOAD, {"csv": "elec.csv", "column": "load"}),
        LOAD,
        ["column 'load' not found", "columns are: timestamp, load_kw", "did you mean 'load_kw'"],
    ),
    (
        "csv-duplicate-header",
        _csv(
            "u.csv",
            "load_kw,load_kw\n" + "1,2\n" * 8760,
            LOAD,
            {"csv": "u.csv", "column": "load_kw"},
        ),  # fmt: skip
        "row 1",
        ["column 'load_kw' appears twice"],
    ),
    (
        "csv-ragged-row",
        _csv("r.csv", "timestamp,load_kw\n" + "t,1\n" * 50 + "t,1,9\n" + "t,1\n" * 8709, LOAD),
        "row 52",
        ["has 3 fields, the header has 2"],
    ),
    (
        "csv-gbk",
        _csv("g.csv", "时间,负荷\n".encode("gbk") + b"t,1\n" * 8760, LOAD),
        "row 1",
        ["not UTF-8"],
    ),
]


def _fingerprint(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def earlier_run(tmp_path: Path) -> Path:
    """A finished results folder that no failing run may touch."""
    out = tmp_path / "results"
    out.mkdir()
    (out / "summary.json").write_text(json.dumps({"status": "optimal", "case": "park"}))
    (out / "timeseries.csv").write_text("timestamp,load_kw\n2025-01-01 00:00,1\n")
    return out


def _prepare(tmp_path: Path, mutation: Callable) -> Path:
    folder = tmp_path / "case"
    folder.mkdir()
    _write_profiles(folder)
    case = _base()
    path = mutation(folder, case)
    if path is None:
        path = folder / "case.yaml"
        path.write_text(yaml.safe_dump(case, sort_keys=False, allow_unicode=True), "utf-8")
    return path


def test_the_base_case_is_valid(tmp_path: Path) -> None:
    path = _prepare(tmp_path, lambda folder, case: None)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output


def test_there_are_at_least_40_distinct_cases() -> None:
    assert len({c[0] for c in CASES}) == len(CASES) >= 40


@pytest.mark.parametrize(
    ("mutation", "where", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_malformed_case_is_one_clear_line(
    tmp_path: Path, earlier_run: Path, mutation: Callable, where: str, words: list[str]
) -> None:
    path = _prepare(tmp_path, mutation)
    before = _fingerprint(earlier_run)
    result = runner.invoke(app, ["run", str(path), "--out", str(earlier_run), "--hours", "24"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), result.stderr
    hits = [line for line in lines if where in line and all(w in line for w in words)]
    assert hits, f"no line names {where!r} with {words}:\n{result.stderr}"
    line = hits[0]
    files = [str(path), ".csv"]  # the case file, or the profile file at fault
    assert any(f in line.split(": ")[1] for f in files), line
    assert _fingerprint(earlier_run) == before
    assert sorted(p.name for p in earlier_run.parent.iterdir()) == ["case", "results"]


def test_missing_case_file_and_folder_as_case(tmp_path: Path) -> None:
    for target, words in (
        (tmp_path / "nope.yaml", "file does not exist"),
        (tmp_path, "is a folder"),
    ):
        result = runner.invoke(app, ["validate", str(target)])
        assert result.exit_code == 2
        assert result.stderr.strip() == f"error: {target}: {words}" + (
            ", expected a YAML case file" if words == "is a folder" else ""
        )


def test_schema_and_profile_problems_are_reported_together(tmp_path: Path) -> None:
    mutation = _both(
        _set("technologies.pv.capex_per_kw", -1),
        _csv("n.csv", _series([*GOOD[:20], "x", *GOOD[21:]]), LOAD),
    )
    path = _prepare(tmp_path, mutation)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    text = result.stderr
    assert "technologies.pv.capex_per_kw: must be ≥ 0 (got -1)" in text
    assert "n.csv: row 22: non-numeric value 'x' in column 'load_kw'" in text


def test_every_problem_of_a_case_is_listed(tmp_path: Path) -> None:
    mutation = _both(
        _set("technologies.pv.capex_per_kw", -1),
        _set("technologies.pv.lifetime_years", 0),
        _set("grid.import_prices", 1),
    )
    result = runner.invoke(app, ["validate", str(_prepare(tmp_path, mutation))])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 3


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    path = _prepare(tmp_path, _set("technologies.pv.capex_per_kw", -1))
    quiet = runner.invoke(app, ["validate", str(path)])
    loud = runner.invoke(app, ["validate", str(path), "--debug"])
    assert "Traceback" not in quiet.output
    assert loud.exit_code == 2 and "Traceback" in loud.stderr


def test_messages_with_brackets_print_verbatim(tmp_path: Path) -> None:
    # rich markup must not eat "[kW/kW]" or "{csv, column}" from a message
    path = _prepare(tmp_path, _csv("p.csv", "pv\n" + "2\n" * 8760, PV))
    result = runner.invoke(app, ["validate", str(path)])
    assert "[kW/kW]" in result.stderr
