"""Invariants of a full-year run of the embedded example, checked on the files it writes.

``dispatch run cases/example-park.yaml`` runs once for the module (about 2 minutes).
Every check recomputes its figure from timeseries.csv, the case file and the
profile CSVs, without calling the results code that wrote the summary.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from dispatch.cli import app
from tests.conftest import EXAMPLE, REPO
from tests.contract import TIMESERIES_COLUMNS, assert_summary_contract

pytestmark = pytest.mark.slow

BALANCE_REL_TOL = 1e-4  # timeseries.csv keeps 6 significant digits


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("example") / "results"
    result = CliRunner().invoke(app, ["run", str(EXAMPLE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    case = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    caps = pd.read_csv(out / "capacities.csv")
    return {
        "summary": json.loads((out / "summary.json").read_text(encoding="utf-8")),
        "ts": pd.read_csv(out / "timeseries.csv"),
        "caps": dict(zip(caps["capacity"], caps["value"], strict=True)),
        "case": case,
        "out": out,
    }


def profile(name: str) -> np.ndarray:
    """The second column (after the timestamp) of a profile CSV of the example."""
    frame = pd.read_csv(REPO / "profiles" / name)
    return frame.iloc[:, 1].to_numpy(dtype=float)


def col(ts: pd.DataFrame, name: str) -> np.ndarray:
    return ts[name].to_numpy(dtype=float)


def crf(rate: float, years: float) -> float:
    growth = (1 + rate) ** years
    return rate * growth / (growth - 1)


def test_files_follow_the_contract(run):
    assert_summary_contract(run["summary"])
    assert run["summary"]["status"] == "optimal"
    assert len(run["ts"]) == 8760
    assert set(TIMESERIES_COLUMNS) <= set(run["ts"].columns)
    assert run["caps"] == pytest.approx(run["summary"]["capacities"], rel=1e-9)
    # written atomically: the results folder and nothing else (no temporary folder) beside it
    assert [p.name for p in run["out"].parent.iterdir()] == ["results"]


def test_inputs_are_the_profiles(run):
    ts, caps = run["ts"], run["caps"]
    np.testing.assert_allclose(col(ts, "load_kw"), profile("elec.csv"), rtol=1e-6)
    np.testing.assert_allclose(col(ts, "heat_load_kw_th"), profile("heat.csv"), rtol=1e-6)
    for tech, csv in (("pv", "pv.csv"), ("wind", "wind.csv")):
        expected = profile(csv) * caps[f"{tech}_kw"]
        np.testing.assert_allclose(col(ts, f"{tech}_available_kw"), expected, rtol=1e-5, atol=1e-3)


def test_electricity_balance_closes_every_hour(run):
    ts = run["ts"]
    supply = (
        col(ts, "pv_available_kw") + col(ts, "wind_available_kw") - col(ts, "curtailed_kw")
        + col(ts, "import_kw") + col(ts, "battery_discharge_kw")
    )  # fmt: skip
    demand = (
        col(ts, "load_kw") + col(ts, "battery_charge_kw") + col(ts, "export_kw")
        + col(ts, "heat_pump_kw")
    )  # fmt: skip
    residual = np.abs(supply - demand)
    assert np.all(residual <= BALANCE_REL_TOL * np.maximum(demand, 1.0)), residual.max()


def test_heat_balance_closes_every_hour(run):
    ts = run["ts"]
    supply = col(ts, "heat_pump_kw_th") + col(ts, "boiler_kw_th")
    demand = col(ts, "heat_load_kw_th")
    assert np.all(np.abs(supply - demand) <= BALANCE_REL_TOL * np.maximum(demand, 1.0))
    cop = profile("cop.csv")
    np.testing.assert_allclose(
        col(ts, "heat_pump_kw_th"), cop * col(ts, "heat_pump_kw"), 1e-5, 1e-3
    )
    assert col(ts, "heat_pump_kw_th").max() <= run["caps"]["heat_pump_kw_th"] * (1 + 1e-6) + 1e-3


def test_flows_within_limits(run):
    ts, caps = run["ts"], run["caps"]
    for tech in ("pv", "wind"):
        assert np.all(col(ts, f"{tech}_curtailed_kw") <= col(ts, f"{tech}_available_kw") + 1e-3)
    np.testing.assert_allclose(
        col(ts, "curtailed_kw"),
        col(ts, "pv_curtailed_kw") + col(ts, "wind_curtailed_kw"),
        1e-5,
        1e-3,
    )
    limit = caps["grid_connection_kw"] * (1 + 1e-6) + 1e-3
    assert col(ts, "import_kw").max() <= limit
    assert col(ts, "export_kw").max() <= limit
    for name in ("battery_charge_kw", "battery_discharge_kw"):
        assert col(ts, name).max() <= caps["battery_kw"] * (1 + 1e-6) + 1e-3
    numeric = ts.drop(columns="timestamp")
    assert (numeric >= -1e-6).all().all()


def test_state_of_charge_follows_the_battery_equation(run):
    ts, caps = run["ts"], run["caps"]
    bat = run["case"]["technologies"]["battery"]
    soc = col(ts, "battery_soc_kwh")
    capacity = caps["battery_kwh"]
    tol = 1e-5 * max(capacity, 1.0)
    assert soc.min() >= bat["soc_min_fraction"] * capacity - tol
    assert soc.max() <= bat["soc_max_fraction"] * capacity + tol
    before = np.roll(soc, 1)  # cyclic: the hour before 1 January 00:00 is 31 December 23:00
    expected = (
        before * (1 - bat["self_discharge_per_hour"])
        + bat["charge_efficiency"] * col(ts, "battery_charge_kw")
        - col(ts, "battery_discharge_kw") / bat["discharge_efficiency"]
    )
    assert np.abs(soc - expected).max() <= tol


def _energy(ts: pd.DataFrame) -> dict[str, float]:
    available = (col(ts, "pv_available_kw") + col(ts, "wind_available_kw")).sum()
    curtailed = col(ts, "curtailed_kw").sum()
    exported = col(ts, "export_kw").sum()
    self_used = available - curtailed - exported
    losses = (col(ts, "battery_charge_kw") - col(ts, "battery_discharge_kw")).sum()
    consumption = (col(ts, "load_kw") + col(ts, "heat_pump_kw")).sum() + losses  # meters see losses
    assert self_used + col(ts, "import_kw").sum() == pytest.approx(consumption, rel=1e-9)
    return {"A": available, "curtailed": curtailed, "exported": exported, "S": self_used,
            "C": consumption}  # fmt: skip


def test_ratios_and_rules_recomputed_from_the_hours(run):
    e = _energy(run["ts"])
    ratios = run["summary"]["ratios"]
    expected = {
        "self_use_of_generation": e["S"] / e["A"],
        "self_use_of_consumption": e["S"] / e["C"],
        "export_of_generation": e["exported"] / e["A"],
        "curtailment_of_generation": e["curtailed"] / e["A"],
    }
    for name, value in expected.items():
        assert ratios[name] == pytest.approx(value, rel=1e-5, abs=1e-7), name
    # limits: 60 % and 20 % of generation from the case; 35 % of consumption for a 2030 case
    limits = {"self_use_of_generation": 0.60, "self_use_of_consumption": 0.35,
              "export_max_of_generation": 0.20}  # fmt: skip
    rules = {r["name"]: r for r in run["summary"]["rules"]}
    for name, limit in limits.items():
        assert rules[name]["limit"] == pytest.approx(limit)
        assert rules[name]["ok"] is True
    assert e["S"] >= 0.60 * e["A"] * (1 - 1e-6)
    assert e["S"] >= 0.35 * e["C"] * (1 - 1e-6)
    assert e["exported"] <= 0.20 * e["A"] * (1 + 1e-6)


def test_costs_recomputed_from_case_and_hours(run):
    ts, caps, case = run["ts"], run["caps"], run["case"]
    summary = run["summary"]
    cost = summary["costs_per_year"]
    assert cost["total"] == pytest.approx(summary["objective_per_year"], rel=1e-6)
    # the solver's objective also holds the battery tie-break (O2), 1e-5 CNY per kWh
    throughput = (col(ts, "battery_charge_kw") + col(ts, "battery_discharge_kw")).sum()
    assert summary["solve"]["solver_objective_per_year"] == pytest.approx(
        summary["objective_per_year"] + 1e-5 * throughput, rel=1e-6
    )

    tech = case["technologies"]
    r = case["finance"]["discount_rate"]
    # (section, capacity key, existing key, capex key, O&M key); only additions cost
    sizes = (
        ("pv", "pv_kw", "existing_kw", "capex_per_kw", "fixed_om_per_kw_year"),
        ("wind", "wind_kw", "existing_kw", "capex_per_kw", "fixed_om_per_kw_year"),
        ("battery", "battery_kwh", "existing_kwh", "capex_per_kwh", "fixed_om_per_kwh_year"),
        ("battery", "battery_kw", "existing_kw", "capex_per_kw", "fixed_om_per_kw_year"),
        ("heat_pump", "heat_pump_kw_th", "existing_kw_th", "capex_per_kw_th",
         "fixed_om_per_kw_th_year"),
    )  # fmt: skip
    capex = fixed_om = 0.0
    for section, cap, existing, capex_key, om_key in sizes:
        spec = tech[section]
        added = caps[cap] - spec.get(existing, 0.0)
        capex += spec[capex_key] * crf(r, spec["lifetime_years"]) * added
        fixed_om += spec[om_key] * added
    grid = case["grid"]
    imported = col(ts, "import_kw")
    boiler = tech["boiler"]
    expected = {
        "capex_annualized": capex,
        "fixed_om": fixed_om,
        "grid_energy": float(np.dot(imported, profile("price.csv"))),
        "system_operation": imported.sum() * grid["system_operation_fee_per_kwh"],
        "grid_capacity": 12 * grid["capacity_charge_per_kw_month"] * caps["grid_connection_kw"],
        "export_revenue": -col(ts, "export_kw").sum() * grid["export_price_per_kwh"],
        "fuel": col(ts, "boiler_kw_th").sum() / boiler["efficiency"] * boiler["fuel_price_per_kwh"],
        "battery_degradation": col(ts, "battery_discharge_kw").sum()
        * wear_per_kwh(tech["battery"]),
    }
    for name, value in expected.items():
        assert cost[name] == pytest.approx(value, rel=1e-5, abs=1.0), name
    assert sum(expected.values()) == pytest.approx(summary["objective_per_year"], rel=1e-5)


def test_emissions_recomputed_from_the_factors(run):
    ts, case = run["ts"], run["case"]
    boiler = case["technologies"]["boiler"]
    grid_kg = col(ts, "import_kw").sum() * case["grid"]["emission_factor_kg_per_kwh"]
    fuel_kg = (
        col(ts, "boiler_kw_th").sum() / boiler["efficiency"]
        * boiler["emission_factor_kg_per_kwh_fuel"]
    )  # fmt: skip
    em = run["summary"]["emissions"]
    assert em["tco2_per_year"] == pytest.approx((grid_kg + fuel_kg) / 1000, rel=1e-5)


def wear_per_kwh(battery: dict) -> float:
    """Battery wear per kWh discharged (S9): the case value, else the cycle-life derivation."""
    from dispatch.case.defaults import default

    if battery.get("degradation_cost_per_kwh") is not None:
        return battery["degradation_cost_per_kwh"]

    def key(name: str) -> float:
        return battery.get(name, default("battery", name))

    window = key("soc_max_fraction") - key("soc_min_fraction")
    cells = key("replacement_cost_fraction") * key("capex_per_kwh")
    return cells / (key("cycle_life_cycles") * window)


def test_baseline_is_the_park_without_new_equipment(run):
    # the example park has no existing PV, wind, battery or heat pump: the baseline imports
    # the whole load and the boiler makes all heat, under the same tariff and charges
    ts, summary = run["ts"], run["summary"]
    base = summary["baseline"]
    assert base["method"] == "closed form" and base["capacities"] == {}
    assert base["import_mwh_per_year"] == pytest.approx(col(ts, "load_kw").sum() / 1000, rel=1e-9)
    assert base["connection_kw"] == pytest.approx(col(ts, "load_kw").max(), rel=1e-9)
    assert base["tco2_per_year"] == summary["emissions"]["baseline_tco2_per_year"]
    assert list(base["costs_per_year"]) == list(summary["costs_per_year"])
