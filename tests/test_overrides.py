"""Overrides on a run: --set, scenarios files, and unknown keys with close matches."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from dispatch.case.loader import load_case
from dispatch.cli import app
from dispatch.errors import CaseError
from dispatch.model.horizon import Horizon
from dispatch.runner import solve_case
from dispatch.sweep.overrides import (
    check_key,
    flatten,
    parse_set,
    parse_value,
    read_scenarios,
    resolve_overrides,
)
from tests.sweep_cases import PRICE, PV_CAPEX, pv_case, pv_optimum

runner = CliRunner()


def test_values_are_yaml_scalars():
    assert parse_value("400") == 400
    assert parse_value("0.35") == 0.35
    assert parse_value("null") is None
    assert parse_value("false") is False
    assert parse_value("../profiles/pv.csv") == "../profiles/pv.csv"
    assert parse_set(["year=2027", "a.b=x", "year=2028"]) == {"year": 2028, "a.b": "x"}


def test_set_without_equals_is_an_input_error():
    with pytest.raises(CaseError, match="expected KEY=VALUE"):
        parse_set(["year"])


@pytest.mark.parametrize(
    "key",
    [
        "year",
        "technologies.battery.capex_per_kwh",
        "rules.self_use_min_of_consumption",
        "technologies.pv.availability",
        "technologies.pv.availability.column",  # a profile may be {csv, column}
        "technologies.wind",  # a whole section (null removes it)
    ],
)
def test_known_keys_pass(key):
    assert check_key(key) is None


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("technologies.battery.capex_per_kwhh", "did you mean 'capex_per_kwh' or 'capex_per_kw'?"),
        ("technologies.batery.capex_per_kwh", "did you mean 'battery'?"),
        ("rule.self_use_min_of_consumption", "did you mean 'rules'?"),
        ("year.month", "'year' is a value, not a section"),
        ("technologies.zzz", "known keys: pv, wind, battery, heat_pump, boiler"),
    ],
)
def test_unknown_keys_name_close_matches(key, expected):
    assert expected in check_key(key)


def test_nested_overrides_flatten_to_sections_but_keep_profile_mappings():
    flat = flatten(
        {
            "rules": {"self_use_min_of_consumption": 0.35},
            "technologies": {"pv": {"availability": {"csv": "a.csv", "column": "x"}}},
            "grid.export_price_per_kwh": 0.3,
        }
    )
    assert flat == {
        "rules.self_use_min_of_consumption": 0.35,
        "technologies.pv.availability": {"csv": "a.csv", "column": "x"},
        "grid.export_price_per_kwh": 0.3,
    }


def _scenarios(tmp_path, body, name="case.scenarios.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(body, sort_keys=False))
    return path


def test_scenarios_combine_in_order(tmp_path):
    path = _scenarios(
        tmp_path,
        {
            "overrides": {
                "cheap_storage": {"technologies.battery.capex_per_kwh": 400, "year": 2026},
                "strict_2030": {"year": 2030, "rules": {"self_use_min_of_consumption": 0.35}},
            },
            "scenarios": {"both": ["cheap_storage", "strict_2030"], "nested": ["both"]},
        },
    )
    scen = read_scenarios(path)
    expected = {
        "technologies.battery.capex_per_kwh": 400,
        "year": 2030,  # the later set wins
        "rules.self_use_min_of_consumption": 0.35,
    }
    assert scen.resolve("cheap_storage,strict_2030") == expected
    assert scen.resolve("both") == expected
    assert scen.resolve("nested") == expected
    assert scen.resolve("strict_2030,cheap_storage")["year"] == 2026


def test_scenario_errors(tmp_path):
    path = _scenarios(
        tmp_path,
        {
            "overrides": {"cheap": {"technologies.battery.capex_per_kwh": 400}},
            "scenarios": {"loop": ["cheap", "loop"]},
        },
    )
    scen = read_scenarios(path)
    with pytest.raises(CaseError, match="unknown scenario 'chep'; did you mean 'cheap'"):
        scen.resolve("chep")
    with pytest.raises(CaseError, match="cycle: loop -> loop"):
        scen.resolve("loop")
    bad = _scenarios(
        tmp_path,
        {"overide": {}, "overrides": {"x": {"technologies.battery.capex_per_kwhh": 1}}},
        "bad.yaml",
    )
    with pytest.raises(CaseError) as err:
        read_scenarios(bad)
    text = str(err.value)
    assert "overide: unknown section; did you mean 'overrides'?" in text
    assert "did you mean 'capex_per_kwh'" in text and "(in overrides.x)" in text


def test_resolve_overrides_finds_the_file_next_to_the_case(make_case, tmp_path):
    case = pv_case(make_case)
    _scenarios(tmp_path, {"overrides": {"dear_pv": {PV_CAPEX: 3000}}})
    overrides, _ = resolve_overrides(case, [f"{PRICE}=1.0"], "dear_pv", None)
    assert overrides == {PV_CAPEX: 3000, PRICE: 1.0}
    # --set wins over the scenario
    overrides, _ = resolve_overrides(case, [f"{PV_CAPEX}=50"], "dear_pv", None)
    assert overrides == {PV_CAPEX: 50}


def test_overrides_change_the_solution(make_case):
    case = pv_case(make_case)
    for capex, price in ((100, 0.5), (3000, 0.5), (3000, 1.0)):
        data = load_case(case, {PV_CAPEX: capex, PRICE: price})
        s = solve_case(data, horizon=Horizon.full_year(2025, 2)).summary
        pv_kw, cost = pv_optimum(capex, price)
        assert s["capacities"]["pv_kw"] == pytest.approx(pv_kw, abs=1e-6)
        assert s["objective_per_year"] == pytest.approx(cost, rel=1e-7)


def test_cli_run_with_set_and_scenario(make_case, tmp_path):
    case = pv_case(make_case)
    _scenarios(tmp_path, {"overrides": {"dear_pv": {PV_CAPEX: 3000}}})
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["run", str(case), "--hours", "2", "--scenario", "dear_pv", "--set", f"{PRICE}=1.0"]
        + ["--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    summary = yaml.safe_load((out / "summary.json").read_text())
    assert summary["objective_per_year"] == pytest.approx(pv_optimum(3000, 1.0)[1], rel=1e-7)


def test_cli_unknown_key_exits_2_with_close_matches(make_case):
    case = pv_case(make_case)
    result = runner.invoke(
        app, ["run", str(case), "--set", "technologies.pv.capex_per_kww=1", "--set", "yeer=2027"]
    )
    assert result.exit_code == 2
    assert "technologies.pv.capex_per_kww: unknown key; did you mean 'capex_per_kw'" in (
        result.output
    )
    assert "yeer: unknown key; did you mean 'year'?" in result.output


def test_cli_unknown_scenario_exits_2(make_case, tmp_path):
    case = pv_case(make_case)
    result = runner.invoke(app, ["run", str(case), "--scenario", "x"])
    assert result.exit_code == 2
    assert "no scenarios file" in result.output


def test_shipped_scenarios_file_applies_to_the_example_case():
    from tests.conftest import EXAMPLE

    scen = read_scenarios(EXAMPLE.with_name("example-park.scenarios.yaml"))
    runs = scen.explicit_runs()
    assert len(runs) == 4
    for name in scen.names():
        load_case(EXAMPLE, scen.resolve(name))  # every set validates with the case
    label, overrides = runs[2]
    assert label == "cheap_storage_no_export"
    data = load_case(EXAMPLE, overrides)
    assert data.case.grid.export_allowed is False
    assert data.case.technologies.battery.capex_per_kwh == 450
    assert load_case(EXAMPLE, runs[3][1]).case.technologies.wind is None
