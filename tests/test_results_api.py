"""The Python API: dispatch.run, Result tables, the baseline, writing and reopening."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import dispatch
from dispatch.model.horizon import Horizon
from dispatch.results.result import CASE_FILE, INPUTS, REPORT, ResultsError
from tests.conftest import EXAMPLE, NO_RULES, REPO

WEEK = 168


@pytest.fixture(scope="module")
def week():
    """The example park solved over its first week (fast; scaled to a year)."""
    return dispatch.run(EXAMPLE, horizon=Horizon.full_year(2030, WEEK))


def test_package_exports_the_api():
    for name in ("run", "load_results", "load_case", "Result", "Horizon", "CaseData"):
        assert name in dir(dispatch)
        assert getattr(dispatch, name) is not None
    with pytest.raises(AttributeError):
        dispatch.no_such_thing  # noqa: B018


def test_tables_agree_with_the_summary(week):
    s = week.summary
    assert len(week.timeseries) == WEEK
    caps = week.capacities
    assert dict(zip(caps["capacity"], caps["value"], strict=True)) == pytest.approx(s["capacities"])
    units = dict(zip(caps["capacity"], caps["unit"], strict=True))
    assert units["battery_kwh"] == "kWh" and units["heat_pump_kw_th"] == "kW_th"
    assert units["pv_kw"] == "kW"
    assert set(caps.loc[caps["capacity"] == "battery_kw", "technology"]) == {"battery"}
    assert week.costs["cost_per_year"].sum() == pytest.approx(s["costs_per_year"]["total"])
    assert "total" not in set(week.costs["category"])
    energy = week.energy.set_index("quantity")
    assert energy.loc["load", "energy_mwh"] == pytest.approx(s["energy_mwh"]["load"])
    assert energy.loc["boiler_heat", "carrier"] == "heat"
    park = week.emissions[week.emissions["scenario"] == "park"]
    assert park["tco2_per_year"].sum() == pytest.approx(s["emissions"]["tco2_per_year"])


def test_rules_table_margin_matches_verdict(week):
    rules = week.rules
    assert list(rules["rule"]) == [r["name"] for r in week.summary["rules"]]
    for r in rules.itertuples():
        expected = (
            r.value_fraction - r.limit_fraction
            if r.kind == "min"
            else r.limit_fraction - r.value_fraction
        )
        assert r.margin_fraction == pytest.approx(expected)
        assert r.ok == (r.margin_fraction >= -1e-6)


def test_repr_html_is_a_summary_card(week):
    card = week._repr_html_()
    assert "pd-card" in card and "example-park" in card
    assert "Short horizon: 168 modelled hours" in card
    assert "Saving vs baseline" in card
    assert "<script" not in card  # a card, not a report


def test_baseline_by_hand(make_case):
    # 100 kW flat load, 50 kW_th flat heat; all from grid and boiler in the baseline:
    # grid energy 100 * 8760 * 0.5 = 438,000; system operation 100 * 8760 * 0.1 = 87,600;
    # capacity 12 * 2 * 100 = 2,400; fuel 50 * 8760 / 0.9 * 0.3 = 146,000.
    # CO2: 876,000 kWh * 0.5 kg = 438 t; 486,666.7 kWh fuel * 0.2 kg = 97.33 t.
    path = make_case(
        {
            "name": "baseline",
            "year": 2025,
            "load": {"electricity_kw": 100, "heat_kw_th": 50},
            "technologies": {
                "pv": {"availability": "@pv", "capex_per_kw": 100, "lifetime_years": 1},
                "boiler": {
                    "efficiency": 0.9,
                    "fuel_price_per_kwh": 0.3,
                    "emission_factor_kg_per_kwh_fuel": 0.2,
                },
            },
            "grid": {
                "import_price_per_kwh": 0.5,
                "export_price_per_kwh": 0.0,
                "system_operation_fee_per_kwh": 0.1,
                "capacity_charge_per_kw_month": 2,
                "emission_factor_kg_per_kwh": 0.5,
            },
            "rules": NO_RULES,
        },
        profiles={"pv": [0.0, 1.0]},
    )
    result = dispatch.run(path, horizon=Horizon.full_year(2025, 24))
    tco2 = 438 + 876_000 * 50 / 100 / 0.9 * 0.2 / 1000
    total = 438_000 + 87_600 + 2_400 + 146_000
    # the run's summary carries its baseline: no PV exists, so grid and boiler only
    base = result.baseline
    assert base["source"] == "summary"
    costs = base["costs_per_year"]
    assert costs["grid_energy"] == pytest.approx(438_000)
    assert costs["system_operation"] == pytest.approx(87_600)
    assert costs["grid_capacity"] == pytest.approx(2_400)
    assert costs["fuel"] == pytest.approx(146_000)
    assert costs["total"] == pytest.approx(total)
    assert base["tco2_per_year"] == pytest.approx(tco2)
    assert set(costs) == set(result.summary["costs_per_year"])
    # PV at 100/kW-yr serving half the hours beats the grid: the park saves money
    assert result.saving_per_year > 0
    assert result.saving_per_year == pytest.approx(total - result.total_cost_per_year)


def test_baseline_from_the_summary_wins(week):
    summary = dict(week.summary)
    summary["baseline"] = {"costs_per_year": {"grid_energy": 10.0, "fuel": 5.0}}
    summary["emissions"] = dict(summary["emissions"], baseline_tco2_per_year=7.0)
    other = dispatch.Result(summary, week.timeseries, week.inputs, week.case)
    assert other.baseline["source"] == "summary"
    assert other.baseline["costs_per_year"]["total"] == pytest.approx(15.0)
    assert other.baseline["tco2_per_year"] == pytest.approx(7.0)


def test_written_folder_reopens_with_the_same_tables(week, tmp_path):
    out = tmp_path / "res"
    folder = week.write(out)
    for name in ("summary.json", "timeseries.csv", "capacities.csv", CASE_FILE, INPUTS, REPORT):
        assert (folder / name).is_file(), name
    assert (folder / "bill_monthly.csv").is_file()  # as dispatch run writes it
    again = dispatch.load_results(folder)
    pd.testing.assert_frame_equal(again.bill_monthly, week.bill_monthly, check_exact=False)
    assert again.summary == json.loads(json.dumps(week.summary))
    pd.testing.assert_frame_equal(again.capacities, week.capacities)
    pd.testing.assert_frame_equal(again.rules, week.rules)
    a, b = again.timeseries, week.timeseries
    assert list(a.columns) == list(b.columns)
    assert (a["timestamp"] == b["timestamp"]).all()
    num = [c for c in b.columns if c != "timestamp"]
    np.testing.assert_allclose(a[num].to_numpy(), b[num].to_numpy(), rtol=1e-5, atol=1e-3)
    assert again.baseline["costs_per_year"]["total"] == pytest.approx(
        week.baseline["costs_per_year"]["total"], rel=1e-5
    )


def test_written_case_reruns_from_the_folder_alone(week, tmp_path):
    folder = week.write(tmp_path / "res")
    rerun = dispatch.load_case(folder / CASE_FILE)
    original = week.data
    assert rerun.case.technologies.battery == original.case.technologies.battery
    for key, values in original.series.items():
        np.testing.assert_allclose(rerun.series[key], values, rtol=1e-9, err_msg=key)


def test_run_with_out_writes_the_folder(make_case, tmp_path):
    path = make_case(
        {
            "name": "tiny",
            "year": 2025,
            "load": {"electricity_kw": 100},
            "grid": {"import_price_per_kwh": 0.5},
            "rules": NO_RULES,
        }
    )
    result = dispatch.run(path, out=tmp_path / "out", horizon=Horizon.full_year(2025, 24))
    assert result.folder == tmp_path / "out"
    assert (tmp_path / "out" / REPORT).stat().st_size > 1_000_000  # plotly.js embedded


def test_load_results_errors_name_the_file(tmp_path):
    with pytest.raises(ResultsError, match="does not exist"):
        dispatch.load_results(tmp_path / "nothing")
    (tmp_path / "summary.json").write_text("{not json")
    (tmp_path / "timeseries.csv").write_text("timestamp,load_kw\n")
    with pytest.raises(ResultsError, match="summary.json: cannot read JSON"):
        dispatch.load_results(tmp_path)


def test_written_case_freezes_generated_profiles(tmp_path):
    # a location-only case: its profiles are generated; the folder keeps them as data
    original = dispatch.load_case(REPO / "cases" / "ordos-industrial.yaml")
    result = dispatch.run(
        original, method="exact", horizon=Horizon.full_year(original.case.year, 48)
    )
    folder = result.write(tmp_path / "res")
    rerun = dispatch.load_case(folder / CASE_FILE)
    assert rerun.case.load.electricity_kw.csv == INPUTS
    assert sorted(rerun.series) == sorted(original.series)
    for key, values in original.series.items():
        np.testing.assert_allclose(rerun.series[key], values, rtol=1e-9, err_msg=key)
