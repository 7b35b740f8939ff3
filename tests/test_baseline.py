"""One baseline: the same park with its existing equipment only, billed like the design.

Costs are checked by hand; the closed-form dispatch is checked against the model with
every size held at its existing value, which it must match wherever it is used.
"""

from __future__ import annotations

import pytest

from dispatch.case.loader import load_case
from dispatch.model.horizon import Horizon
from dispatch.results import bill as billing
from dispatch.runner import solve_case
from dispatch.solve.baseline import baseline_dispatch, connection_kw
from tests.conftest import NO_RULES


def _case(grid: dict, pv: dict | None = None, battery: dict | None = None) -> dict:
    pv_spec = {"availability": "@pv", "capex_per_kw": 100, "lifetime_years": 1, "max_kw": 200}
    techs: dict = {"pv": pv_spec | (pv or {})}
    if battery is not None:
        techs["battery"] = battery
    return {
        "name": "baseline",
        "year": 2025,
        "finance": {"discount_rate": 0.0},
        "load": {"electricity_kw": "@load", "heat_kw_th": 20},
        "technologies": techs | {"boiler": {"efficiency": 0.9, "fuel_price_per_kwh": 0.3}},
        "grid": {"import_price_per_kwh": "@price", "emission_factor_kg_per_kwh": 0.5} | grid,
        "rules": NO_RULES,
    }


PROFILES = {"pv": [0.0, 0.6, 1.0, 0.3], "load": [80, 60, 40, 90], "price": [0.3, 0.8, 0.6, 1.0]}


def _billed(data, method: str, hours: int = 4) -> dict:
    base = baseline_dispatch(data, Horizon.full_year(2025, hours), method=method)
    emissions = {"baseline_tco2_per_year": 0.0}
    return billing.baseline(data, base, emissions) | {"dispatch": base}


@pytest.mark.parametrize(
    "grid",
    [
        # surpluses [0, 30, 110, 0] kW over imports [80, 0, 0, 45] kW.
        # capacity charge low: exports pay for a connection above the 80 kW peak import
        {"capacity_charge_per_kw_month": 1, "export_price_per_kwh": 0.25},
        # capacity charge high: the connection stays at the peak import, exports capped
        {"capacity_charge_per_kw_month": 300, "export_price_per_kwh": 0.25},
        # a fixed connection caps exports
        {"connection_kw": 95, "export_price_per_kwh": 0.25},
        # demand charge on monthly peaks, no connection charge
        {"charge_scheme": "demand", "demand_charge_per_kw_month": 30, "export_price_per_kwh": 0.2},
        # no export
        {"export_allowed": False, "capacity_charge_per_kw_month": 5},
    ],
)
def test_closed_form_matches_the_model_with_sizes_held(make_case, grid):
    data = load_case(make_case(_case(grid, pv={"existing_kw": 150}), PROFILES))
    closed, model = _billed(data, "closed form"), _billed(data, "dispatch")
    assert closed["method"] == "closed form" and model["method"] == "dispatch"
    assert closed["costs_per_year"]["total"] == pytest.approx(
        model["costs_per_year"]["total"], rel=1e-7
    )
    assert closed["connection_kw"] == pytest.approx(model["connection_kw"], rel=1e-6, abs=1e-6)
    assert closed["capacities"] == {"pv_kw": 150.0}
    if grid.get("capacity_charge_per_kw_month") == 1:
        assert closed["connection_kw"] == pytest.approx(110)
    if grid.get("capacity_charge_per_kw_month") == 300:
        assert closed["connection_kw"] == pytest.approx(80)


def test_a_connection_too_small_for_the_existing_park_is_widened(make_case):
    # the design may rely on new PV behind a 50 kW connection; the baseline imports 90 kW
    data = load_case(make_case(_case({"connection_kw": 50, "export_allowed": False}), PROFILES))
    for method in ("closed form", "dispatch"):
        base = _billed(data, method)
        assert base["connection_kw"] == pytest.approx(90), method
        assert "50 kW" in base["note"], method


def test_existing_pv_serves_the_baseline(make_case):
    # 150 kW PV exists: it serves [0, 60, 40, 45] kW of the load [80, 60, 40, 90], so the
    # baseline imports [80, 0, 0, 45] kW; grid energy 4380/2 * (80*0.3 + 45*1.0) per year.
    data = load_case(make_case(_case({"export_allowed": False}, pv={"existing_kw": 150}), PROFILES))
    base = _billed(data, "auto")
    assert base["method"] == "closed form"
    assert base["costs_per_year"]["grid_energy"] == pytest.approx(2190 * (80 * 0.3 + 45 * 1.0))
    assert base["import_mwh_per_year"] == pytest.approx(2190 * 125 / 1000)
    assert base["connection_kw"] == pytest.approx(80)


def test_existing_battery_is_dispatched(make_case):
    # Price [0.1, 1.0], load [0, 100]: an existing lossless 100 kWh / 100 kW battery buys
    # the night's 100 kWh in the cheap hour, so the baseline pays 100 * 4380 * 0.1 = 43,800
    # for energy and 12 * 2 * 100 = 2,400 for a 100 kW connection.
    battery = {
        "existing_kwh": 100, "existing_kw": 100, "charge_efficiency": 1.0,
        "discharge_efficiency": 1.0, "soc_min_fraction": 0.0, "soc_max_fraction": 1.0,
    }  # fmt: skip
    case = _case({"capacity_charge_per_kw_month": 2, "export_allowed": False}, battery=battery)
    del case["load"]["heat_kw_th"]
    data = load_case(make_case(case, {"pv": [0, 0], "load": [0, 100], "price": [0.1, 1.0]}))
    base = _billed(data, "auto", hours=2)
    assert base["method"] == "dispatch"
    assert base["capacities"] == {"battery_kwh": 100.0, "battery_kw": 100.0}
    assert base["costs_per_year"]["grid_energy"] == pytest.approx(43_800, rel=1e-7)
    assert base["costs_per_year"]["grid_capacity"] == pytest.approx(2_400, rel=1e-7)


def test_summary_baseline_keeps_the_cost_categories(make_case):
    grid = {"capacity_charge_per_kw_month": 2, "export_price_per_kwh": 0.2}
    data = load_case(make_case(_case(grid), PROFILES))
    s = solve_case(data, method="exact", horizon=Horizon.full_year(2025, 4)).summary
    base = s["baseline"]
    assert list(base["costs_per_year"]) == list(s["costs_per_year"])
    for key in ("import_mwh_per_year", "fuel_mwh_per_year", "connection_kw", "tco2_per_year"):
        assert isinstance(base[key], float), key
    assert base["tco2_per_year"] == s["emissions"]["baseline_tco2_per_year"]
    # no PV exists: the baseline imports the whole load, the boiler makes all heat
    assert base["import_mwh_per_year"] == pytest.approx(2190 * 270 / 1000)
    assert base["fuel_mwh_per_year"] == pytest.approx(20 * 8760 / 0.9 / 1000)


def test_connection_sizing_by_hand():
    # surpluses 50, 30, 10 kW at 1 CNY/kWh, each one step a year (scale 1): one more kW
    # above 30 earns 1 a year, above 10 earns 2, below 10 earns 3. At a charge of 1.5
    # the connection stops at 30 kW; it never drops below the 20 kW peak import.
    import numpy as np

    s, p = np.array([50.0, 30.0, 10.0]), np.ones(3)
    assert connection_kw(20.0, s, p, 1.5, 1.0) == 30.0
    assert connection_kw(20.0, s, p, 0.5, 1.0) == 50.0
    assert connection_kw(20.0, s, p, 5.0, 1.0) == 20.0
    assert connection_kw(20.0, s, p, 0.5, 1.0, max_kw=40.0) == 40.0
