"""The command line: exit codes, one-line errors, and the files ``dispatch run`` writes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from dispatch.cli import app
from tests.conftest import EXAMPLE
from tests.contract import (
    CAPACITY_KEYS,
    CASHFLOW_COLUMNS,
    TIMESERIES_COLUMNS,
    assert_summary_contract,
)

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def test_validate_the_example():
    result = invoke("validate", EXAMPLE)
    assert result.exit_code == 0, result.output
    assert "valid" in result.stdout
    assert result.stderr == ""


def _valid_case() -> dict:
    return {
        "name": "cli",
        "year": 2025,
        "load": {"electricity_kw": 100},
        "technologies": {"pv": {"availability": "@pv"}},
        "grid": {"import_price_per_kwh": 0.6},
    }


def test_validate_a_valid_small_case(make_case):
    result = invoke("validate", make_case(_valid_case(), profiles={"pv": [0.0, 0.5]}))
    assert result.exit_code == 0, result.output


# (id, dotted key to set, value, key named in the message, message fragment)
INVALID_VALUES = [
    ("unknown key", "technologies.pv.capex_per_kW", 100, "technologies.pv.capex_per_kW",
     "unknown key; did you mean 'capex_per_kw'?"),
    ("wrong type", "finance.discount_rate", "seven percent", "finance.discount_rate",
     "must be a number"),
    ("negative cost", "technologies.pv.capex_per_kw", -100, "technologies.pv.capex_per_kw",
     "must be ≥ 0 (got -100)"),
    ("missing profile file", "load.electricity_kw", "no-such-load.csv", "load.electricity_kw",
     "no-such-load.csv does not exist"),
]  # fmt: skip


def _set(case: dict, dotted: str, value) -> dict:
    node = case
    *parents, last = dotted.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return case


@pytest.mark.parametrize(
    ("dotted", "value", "key", "fragment"),
    [case[1:] for case in INVALID_VALUES],
    ids=[case[0] for case in INVALID_VALUES],
)
def test_invalid_case_value_gives_one_line_and_exit_2(make_case, dotted, value, key, fragment):
    path = make_case(_set(_valid_case(), dotted, value), profiles={"pv": [0.0, 0.5]})
    result = invoke("validate", path)
    assert result.exit_code == 2, result.output
    lines = error_lines(result)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: {path}: {key}: "), lines[0]
    assert fragment in lines[0]


def test_wrong_length_profile_names_the_csv_and_key(make_case, tmp_path):
    path = make_case(_valid_case())
    csv = tmp_path / "pv.csv"
    pd.DataFrame({"value": np.zeros(8759)}).to_csv(csv, index=False)
    result = invoke("validate", path)
    assert result.exit_code == 2, result.output
    lines = error_lines(result)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: {csv.resolve()}: technologies.pv.availability: ")
    assert "has 8759 values, expected 8760" in lines[0]


def test_availability_above_one_names_the_csv_and_key(make_case, tmp_path):
    path = make_case(_valid_case(), profiles={"pv": [0.0, 1.5]})
    result = invoke("validate", path)
    assert result.exit_code == 2, result.output
    lines = error_lines(result)
    assert len(lines) == 1, lines
    csv = (tmp_path / "pv.csv").resolve()
    assert lines[0].startswith(f"error: {csv}: technologies.pv.availability: value 1.5 (row 3")
    assert "is above the allowed 1" in lines[0] and "kW instead of kW/kW" in lines[0]


def test_error_message_keeps_square_brackets_in_paths(tmp_path):
    # Terminal markup must not eat "[...]" in a path or message.
    folder = tmp_path / "site [a]"
    folder.mkdir()
    path = folder / "case.yaml"
    path.write_text(
        "name: x\nyear: 2025\nload: {electricity_kw: missing.csv}\n"
        "grid: {import_price_per_kwh: 0.5}\n"
    )
    result = invoke("validate", path)
    assert result.exit_code == 2, result.output
    (line,) = error_lines(result)
    assert line.startswith(f"error: {path}: load.electricity_kw: profile file {folder.resolve()}")


def test_missing_case_file_exits_2(tmp_path):
    result = invoke("run", tmp_path / "nothing.yaml", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert error_lines(result) == [f"error: {tmp_path / 'nothing.yaml'}: file does not exist"]
    assert not (tmp_path / "out").exists()


# A full-year case whose sizes are all fixed, so its optimum follows by hand:
# renewables give 300 kW * 0.2 + 100 kW * 0.3 = 90 kW. Heat-pump heat costs
# (0.6 + 0.05) / 3 = 0.217 per kWh_th against boiler heat at 0.4 / 0.8 = 0.5, so the
# heat pump runs at its 30 kW_th rating (10 kW electric) and the boiler gives the other
# 20 kW_th. Imports are 100 + 10 - 90 = 20 kW; nothing is exported or curtailed.
# With r = 0 and 1-year lives the yearly cost is
#   sizes:  300 * 100 + 100 * 200 + 30 * 50 + 12 * 1 * 200 = 53,900
#   grid:   20 kW * 8760 h * (0.6 + 0.05)                = 113,880
#   fuel:   20 kW_th / 0.8 * 8760 h * 0.4                 =  87,600
# total 255,380; emissions 20 * 8760 * 0.5 + 25 * 8760 * 0.2 kg = 131.4 t.
PINNED_CASE = {
    "name": "pinned",
    "year": 2025,
    "finance": {"discount_rate": 0.0},
    "load": {"electricity_kw": 100, "heat_kw_th": 50},
    "technologies": {
        "pv": {"availability": 0.2, "min_kw": 300, "max_kw": 300, "capex_per_kw": 100,
               "fixed_om_per_kw_year": 0, "lifetime_years": 1},
        "wind": {"availability": 0.3, "min_kw": 100, "max_kw": 100, "capex_per_kw": 200,
                 "fixed_om_per_kw_year": 0, "lifetime_years": 1},
        "battery": {"min_kwh": 0, "max_kwh": 0, "min_kw": 0, "max_kw": 0},
        "heat_pump": {"cop": 3.0, "min_kw_th": 30, "max_kw_th": 30, "capex_per_kw_th": 50,
                      "fixed_om_per_kw_th_year": 0, "lifetime_years": 1},
        "boiler": {"efficiency": 0.8, "fuel_price_per_kwh": 0.4,
                   "emission_factor_kg_per_kwh_fuel": 0.2},
    },
    "grid": {"import_price_per_kwh": 0.6, "export_price_per_kwh": 0.2,
             "system_operation_fee_per_kwh": 0.05, "capacity_charge_per_kw_month": 1,
             "emission_factor_kg_per_kwh": 0.5, "connection_kw": 200},
    "rules": {"self_use_min_of_generation": 0.6, "self_use_min_of_consumption": 0.3,
              "export_max_of_generation": 0.2},
}  # fmt: skip


def test_run_writes_the_three_files(make_case, tmp_path):
    out = tmp_path / "results"
    start = time.process_time()  # CPU seconds: the machine may be shared
    # sizes are fixed, so the typical-day sizing of the default method has nothing to do
    result = invoke("run", make_case(PINNED_CASE), "--out", out, "--method", "exact")
    seconds = time.process_time() - start
    assert result.exit_code == 0, result.output
    assert result.output.index("NPV") < result.output.index("Capacities")  # leads the summary
    # about 6 CPU seconds (14 with --method auto); a coarse guard against a
    # case that stops being trivial for the solver, loose enough for slower machines
    assert seconds < 60, f"the small full-year run took {seconds:.1f} CPU seconds"
    # the result files, plus the report and the case as run (issue 5)
    assert sorted(p.name for p in out.iterdir()) == [
        "bill_monthly.csv", "capacities.csv", "case.yaml", "cashflow.csv", "inputs.csv",
        "report.html", "summary.json", "timeseries.csv",
    ]  # fmt: skip
    cashflow = pd.read_csv(out / "cashflow.csv")
    assert tuple(cashflow.columns) == CASHFLOW_COLUMNS
    assert list(cashflow["year"]) == list(range(summary_years(out) + 1))

    summary = json.loads((out / "summary.json").read_text())
    assert_summary_contract(summary)
    assert summary["status"] == "optimal"
    assert summary["objective_per_year"] == pytest.approx(255_380, rel=1e-7)
    assert summary["costs_per_year"]["total"] == pytest.approx(255_380, rel=1e-7)
    assert summary["costs_per_year"]["fuel"] == pytest.approx(87_600, rel=1e-7)
    assert summary["emissions"]["tco2_per_year"] == pytest.approx(131.4, rel=1e-7)
    assert summary["ratios"]["self_use_of_consumption"] == pytest.approx(90 / 110, rel=1e-7)
    assert all(r["ok"] for r in summary["rules"])

    ts = pd.read_csv(out / "timeseries.csv")
    assert len(ts) == 8760
    assert set(TIMESERIES_COLUMNS) <= set(ts.columns)
    assert ts["timestamp"].iloc[0] == "2025-01-01 00:00"
    np.testing.assert_allclose(ts["import_kw"], 20, atol=1e-6)
    np.testing.assert_allclose(ts["heat_pump_kw"], 10, atol=1e-6)
    np.testing.assert_allclose(ts["boiler_kw_th"], 20, atol=1e-6)
    np.testing.assert_allclose(ts[["export_kw", "curtailed_kw"]], 0, atol=1e-6)

    caps = pd.read_csv(out / "capacities.csv")
    assert list(caps.columns) == ["capacity", "value"]
    assert list(caps["capacity"]) == list(CAPACITY_KEYS)
    got = dict(zip(caps["capacity"], caps["value"], strict=True))
    assert got == pytest.approx(
        {"pv_kw": 300, "wind_kw": 100, "battery_kwh": 0, "battery_kw": 0,
         "heat_pump_kw_th": 30, "grid_connection_kw": 200}, abs=1e-6
    )  # fmt: skip
    assert got == pytest.approx(summary["capacities"])


def test_run_unknown_method_exits_2(make_case, tmp_path):
    path = make_case(_valid_case(), profiles={"pv": [0.0, 0.5]})
    result = invoke("run", path, "--method", "guess", "--out", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert "guess" in result.stderr and "auto" in result.stderr and "exact" in result.stderr
    assert not (tmp_path / "out").exists()


def test_no_arguments_shows_help():
    result = invoke()
    assert "run" in result.output and "validate" in result.output


def test_invalid_case_run_writes_nothing(make_case, tmp_path):
    # no results folder and no temporary folder beside it
    path = make_case(_set(_valid_case(), "technologies.pv.capex_per_kw", -1))
    result = invoke("run", path, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert not list(tmp_path.glob(".out*")) and not (tmp_path / "out").exists()


COMMANDS = ("run", "validate", "profiles", "report", "sweep", "compare")


def _help(*args: str) -> str:
    """The help of a command as one line: box drawing removed, whitespace collapsed."""
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return " ".join(result.output.replace("│", " ").split())


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_every_option_text_whole_and_no_value_for_flags(command):
    import typer.main

    text = _help(command)
    assert "<bool>" not in text
    click_command = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    for param in click_command.params:
        wanted = " ".join(str(param.help or "").replace("\\[", "[").split())
        assert wanted in text, (param.name, wanted)


def test_run_help_lists_methods_and_bracketed_defaults():
    text = _help("run")
    assert "Results folder [default: results/<case name>/]." in text
    assert "Overall solver wall-time limit [s] [default: case, 600]" in text
    assert "<auto|exact>" in text
    from dispatch.cli import Method
    from dispatch.runner import METHODS

    assert {m.value for m in Method} == set(METHODS)


def test_version_comes_from_the_package_metadata():
    from importlib import metadata

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"park-dispatch {metadata.version('park-dispatch')}"


def summary_years(out: Path) -> int:
    """Return the analysis period a results folder's cash flow covers."""
    summary = json.loads((out / "summary.json").read_text())
    return int(summary["financials"]["assumptions"]["analysis_years"])
