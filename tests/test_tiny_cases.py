"""Tiny cases of 2-24 hours whose optimum is derived by hand.

A horizon of n hours stands for the year by repetition: annual energy sums
are 8760 / n times the horizon's sums (docs/formulation.md, O1).
"""

from __future__ import annotations

import pytest

from dispatch.case.loader import load_case
from dispatch.model.horizon import Horizon
from dispatch.runner import solve_case
from tests.conftest import NO_RULES
from tests.sweep_cases import pv_case


def solve(path, hours):
    data = load_case(path)
    return solve_case(data, method="exact", horizon=Horizon.full_year(data.case.year, hours))


def test_grid_only_pays_energy_fee_and_capacity(make_case):
    # 100 kW flat load from the grid: connection 100 kW,
    # cost = 100 kW * 8760 h * (0.5 + 0.1) + 12 * 2 * 100 = 525,600 + 2,400.
    path = make_case(
        {
            "name": "grid-only",
            "year": 2025,
            "load": {"electricity_kw": 100},
            "grid": {
                "import_price_per_kwh": 0.5,
                "system_operation_fee_per_kwh": 0.1,
                "capacity_charge_per_kw_month": 2,
                "export_price_per_kwh": 0.0,
            },
            "rules": NO_RULES,
        }
    )
    out = solve(path, 24)
    s = out.summary
    assert s["objective_per_year"] == pytest.approx(528_000, rel=1e-7)
    assert s["capacities"]["grid_connection_kw"] == pytest.approx(100, rel=1e-7)
    assert s["costs_per_year"]["grid_energy"] == pytest.approx(438_000, rel=1e-7)
    assert s["costs_per_year"]["system_operation"] == pytest.approx(87_600, rel=1e-7)
    assert s["costs_per_year"]["grid_capacity"] == pytest.approx(2_400, rel=1e-7)


def test_pv_sized_to_the_daytime_load(make_case):
    # Two hours repeat: PV availability [1, 0], load [100, 100], grid 0.5/kWh.
    # r = 0 and a 1-year life make PV cost 100 per kW-year. Each kW up to 100 kW
    # saves 4380 h * 0.5 = 2190 a year; beyond, exports earn 4380 * 0.01 = 43.8 < 100.
    # So PV = 100 kW and cost = 100 * 100 + 100 kW * 4380 h * 0.5 = 229,000.
    path = pv_case(make_case)  # grid 0.5, export 0.01
    s = solve(path, 2).summary
    assert s["capacities"]["pv_kw"] == pytest.approx(100, rel=1e-7)
    assert s["objective_per_year"] == pytest.approx(229_000, rel=1e-7)
    assert s["energy_mwh"]["exported"] == pytest.approx(0, abs=1e-6)


def test_battery_shifts_cheap_energy(make_case):
    # Price [0.1, 1.0], load [0, 100], lossless battery costing 10/kWh-yr and 10/kW-yr.
    # Shifting 1 kWh a day saves 0.9 * 4380 = 3942 a year >> 20: E = 100 kWh, P = 100 kW,
    # cost = 100 * 10 + 100 * 10 + 100 kWh * 4380 * 0.1 = 45,800.
    path = make_case(
        {
            "name": "battery",
            "year": 2025,
            "finance": {"discount_rate": 0.0},
            "load": {"electricity_kw": "@load"},
            "technologies": {
                "battery": {
                    "capex_per_kwh": 10,
                    "capex_per_kw": 10,
                    "fixed_om_per_kwh_year": 0,
                    "fixed_om_per_kw_year": 0,
                    "lifetime_years": 1,
                    "degradation_cost_per_kwh": 0.0,  # free cycling, as in the hand count
                    "charge_efficiency": 1.0,
                    "discharge_efficiency": 1.0,
                    "soc_min_fraction": 0.0,
                    "soc_max_fraction": 1.0,
                }
            },
            "grid": {"import_price_per_kwh": "@price", "export_price_per_kwh": 0.0},
            "rules": NO_RULES,
        },
        profiles={"load": [0.0, 100.0], "price": [0.1, 1.0]},
    )
    s = solve(path, 2).summary
    assert s["capacities"]["battery_kwh"] == pytest.approx(100, rel=1e-6)
    assert s["capacities"]["battery_kw"] == pytest.approx(100, rel=1e-6)
    assert s["objective_per_year"] == pytest.approx(45_800, rel=1e-7)


def test_heat_pump_or_boiler_by_cop(make_case):
    # Heat 100 kW_th. Boiler heat costs 0.46 / 0.92 = 0.5 per kWh_th. Heat pump heat costs
    # 0.4 / cop: cop 4 gives 0.1, so the heat pump (10 per kW_th-yr) takes the whole load:
    # cost = 100 * 10 + 100 kW_th / 4 * 8760 * 0.4 = 1,000 + 87,600.
    path = make_case(
        {
            "name": "heat",
            "year": 2025,
            "finance": {"discount_rate": 0.0},
            "load": {"electricity_kw": 0, "heat_kw_th": 100},
            "technologies": {
                "heat_pump": {
                    "cop": 4.0,
                    "capex_per_kw_th": 10,
                    "fixed_om_per_kw_th_year": 0,
                    "lifetime_years": 1,
                },
                "boiler": {"efficiency": 0.92, "fuel_price_per_kwh": 0.46},
            },
            "grid": {"import_price_per_kwh": 0.4},
            "rules": NO_RULES,
        }
    )
    s = solve(path, 24).summary
    assert s["capacities"]["heat_pump_kw_th"] == pytest.approx(100, rel=1e-7)
    assert s["objective_per_year"] == pytest.approx(88_600, rel=1e-7)
    assert s["energy_mwh"]["consumption"] == pytest.approx(25 * 8760 / 1000, rel=1e-7)
