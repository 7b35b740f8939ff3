"""Strict physics and discrete equipment on tiny hand-checkable cases (issue 7)."""

from __future__ import annotations

import pytest

from dispatch.case.loader import load_case
from dispatch.errors import SolverError
from dispatch.model.horizon import Horizon
from dispatch.runner import solve_case
from dispatch.solve.exact import SolverOptions
from tests import sweep_cases
from tests.conftest import EXAMPLE, NO_RULES


def _solve(path, hours, physics=None, options=None, **overrides):
    data = load_case(path)
    if physics:
        overrides["physics"] = physics
    if overrides:
        data = data.with_overrides(overrides)
    return solve_case(
        data, method="exact", horizon=Horizon.full_year(data.case.year, hours), options=options
    )


@pytest.fixture
def arbitrage_case(make_case):
    # Load 50 kW met by an existing, free 100 kW PV plant at availability 0.5. Connection
    # fixed at 100 kW; export pays 0.6 > import 0.3. Exports count against self-use
    # (S = A - curtailed - exported >= 0), so at most 50 kW can be exported on average.
    # Relaxed LP: import 50 and export 50 every hour: 0.3*50 - 0.6*50 = -15 per hour,
    # -131,400 a year. Strict: any export needs a surplus the PV does not have: cost 0.
    return make_case(
        {
            "name": "arbitrage",
            "year": 2025,
            "load": {"electricity_kw": 50},
            "technologies": {
                "pv": {
                    "availability": 0.5,
                    "capex_per_kw": 0,
                    "fixed_om_per_kw_year": 0,
                    "min_kw": 100,
                    "max_kw": 100,
                }
            },
            "grid": {
                "import_price_per_kwh": 0.3,
                "export_price_per_kwh": 0.6,
                "connection_kw": 100,
            },
            "rules": NO_RULES,
        }
    )


def test_relaxed_lp_arbitrages(arbitrage_case):
    s = _solve(arbitrage_case, 24, physics="relaxed").summary
    assert s["objective_per_year"] == pytest.approx(-131_400, rel=1e-7)
    assert s["simultaneous"]["import_export"]["hours"] > 0
    assert not s["dispatch_strict"]


def test_strict_forbids_arbitrage(arbitrage_case):
    s = _solve(arbitrage_case, 24).summary
    assert s["objective_per_year"] == pytest.approx(0.0, abs=1e-3)
    assert s["simultaneous"]["import_export"]["hours"] == 0
    assert s["dispatch_strict"]
    assert s["solve"]["binaries"] >= 1


BATTERY = {
    "capex_per_kwh": 10, "capex_per_kw": 10, "fixed_om_per_kwh_year": 0,
    "fixed_om_per_kw_year": 0, "lifetime_years": 1, "charge_efficiency": 1.0,
    "discharge_efficiency": 1.0, "soc_min_fraction": 0.0, "soc_max_fraction": 1.0,
    "degradation_cost_per_kwh": 0.0,  # free cycling, as in the hand counts
}  # fmt: skip


@pytest.fixture
def shift_case(make_case):
    # As in test_tiny_cases: the continuous optimum is E = 100 kWh, P = 100 kW, cost 45,800.
    return make_case(
        {
            "name": "shift",
            "year": 2025,
            "finance": {"discount_rate": 0.0},
            "load": {"electricity_kw": "@load"},
            "technologies": {"battery": BATTERY},
            "grid": {"import_price_per_kwh": "@price", "export_price_per_kwh": 0.0},
            "rules": NO_RULES,
        },
        profiles={"load": [0.0, 100.0], "price": [0.1, 1.0]},
    )


def test_min_size_if_built_forces_a_larger_battery(shift_case):
    # Zero or at least 500 kWh: 500 kWh still pays (saves 394,200 a year), so
    # cost = 500 * 10 + 100 * 10 + 100 * 4380 * 0.1 = 49,800.
    s = _solve(
        shift_case,
        2,
        **{"technologies.battery.min_kwh_if_built": 500, "technologies.battery.max_kwh": 1000},
    ).summary
    assert s["capacities"]["battery_kwh"] == pytest.approx(500, rel=1e-6)
    assert s["objective_per_year"] == pytest.approx(49_800, rel=1e-6)


def test_min_size_if_built_can_mean_none(shift_case):
    # Zero or at least 50,000 kWh (500,000 a year): not worth it, all from the grid at
    # the 1.0 price: 100 * 4380 = 438,000.
    s = _solve(
        shift_case,
        2,
        **{
            "technologies.battery.min_kwh_if_built": 50_000,
            "technologies.battery.max_kwh": 100_000,
        },
    ).summary
    assert s["capacities"]["battery_kwh"] == pytest.approx(0, abs=1e-6)
    assert s["objective_per_year"] == pytest.approx(438_000, rel=1e-6)


def test_battery_containers(shift_case):
    # Containers of 30 kWh / 30 kW: 4 containers (120 kWh, 120 kW) cost 2,400 and cover
    # the 100 kWh; 3 leave 10 kWh at price 1.0 (43,800 a year): 4 it is.
    # cost = 120 * 10 + 120 * 10 + 100 * 4380 * 0.1 = 46,200.
    s = _solve(
        shift_case, 2, **{"technologies.battery.unit_kwh": 30, "technologies.battery.unit_kw": 30}
    ).summary
    assert s["unit_counts"]["battery_units"] == 4
    assert s["capacities"]["battery_kwh"] == pytest.approx(120, rel=1e-6)
    assert s["objective_per_year"] == pytest.approx(46_200, rel=1e-6)


@pytest.fixture
def pv_case(make_case):
    # PV availability [1, 0], load 100, grid 0.5, export 0.01; PV costs 100 per kW-year.
    # Continuous optimum: PV 100 kW, cost 229,000 (test_tiny_cases).
    return sweep_cases.pv_case(make_case)


def test_pv_units(pv_case):
    # Units of 30 kW. 3 units (90 kW): 9,000 + 4380 * 110 * 0.5 = 249,900.
    # 4 units (120 kW): 12,000 + 219,000 - 4380 * 20 * 0.01 = 230,124. So 4 units.
    s = _solve(pv_case, 2, **{"technologies.pv.unit_kw": 30}).summary
    assert s["unit_counts"]["pv_units"] == 4
    assert s["capacities"]["pv_kw"] == pytest.approx(120, rel=1e-7)
    assert s["objective_per_year"] == pytest.approx(230_124, rel=1e-7)


def test_existing_capacity_is_free(pv_case):
    # 60 kW exist; 40 kW are added at 100 per kW-year: 4,000 + 219,000.
    s = _solve(pv_case, 2, **{"technologies.pv.existing_kw": 60}).summary
    assert s["capacities"]["pv_kw"] == pytest.approx(100, rel=1e-7)
    assert s["objective_per_year"] == pytest.approx(223_000, rel=1e-7)
    assert s["costs_per_year"]["capex_annualized"] == pytest.approx(4_000, rel=1e-7)


def test_strict_equals_lp_when_lp_is_already_strict():
    # The example's export price (0.26) is below every import cost, so the LP has no
    # reason to import and export together; strict must give the LP optimum exactly.
    data = load_case(EXAMPLE)
    horizon = Horizon.full_year(data.case.year, 24 * 7)
    relaxed = solve_case(
        data.with_overrides({"physics": "relaxed"}), method="exact", horizon=horizon
    ).summary
    strict = solve_case(data, method="exact", horizon=horizon).summary
    if relaxed["simultaneous"]["charge_discharge"]["hours"] == 0:
        assert strict["solve"]["binaries"] == 0
    assert strict["objective_per_year"] == pytest.approx(relaxed["objective_per_year"], rel=1e-6)
    assert strict["dispatch_strict"]


def test_time_limit_returns_a_marked_solution_or_a_clear_error(pv_case):
    data = load_case(pv_case).with_overrides(
        {"technologies.pv.unit_kw": 7, "grid.export_price_per_kwh": 0.9}
    )
    try:
        out = solve_case(
            data,
            method="exact",
            horizon=Horizon.full_year(2025, 24 * 14),
            options=SolverOptions(time_limit_seconds=1e-3),
        )
    except SolverError as exc:
        assert "time limit" in str(exc)
    else:
        solve = out.summary["solve"]
        assert solve["status"] in ("optimal", "time_limit")
        if solve["status"] == "time_limit":
            assert solve["warnings"] and "gap" in solve["warnings"][0]
