"""Properties of solutions: determinism, invariance to the price scale, monotone limits."""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch.case.loader import load_case
from dispatch.model.horizon import Horizon
from dispatch.runner import solve_case

HOURS = 48
PV_DAY = [0, 0, 0, 0, 0, 0, 0.1, 0.3, 0.5, 0.7, 0.85, 0.9, 0.9, 0.85, 0.7, 0.5, 0.3, 0.1, 0, 0,
          0, 0, 0, 0]  # fmt: skip
WIND = [0.6, 0.5, 0.2, 0.1, 0.4, 0.7, 0.3, 0.2] * 3
LOAD = [80, 70, 70, 70, 80, 100, 140, 160, 170, 170, 160, 150, 140, 150, 160, 170, 170, 160,
        150, 140, 120, 110, 100, 90]  # fmt: skip
PRICE = [0.3] * 8 + [0.9] * 4 + [0.6] * 6 + [0.9] * 4 + [0.3] * 2
HEAT = [60, 60, 60, 50, 50, 40, 40, 30, 30, 20, 20, 20, 20, 20, 30, 30, 40, 50, 60, 60, 60,
        60, 60, 60]  # fmt: skip

CASE: dict[str, Any] = {
    "name": "props",
    "year": 2025,
    "finance": {"discount_rate": 0.06},
    "load": {"electricity_kw": "@load", "heat_kw_th": "@heat"},
    "technologies": {
        "pv": {"availability": "@pv", "capex_per_kw": 2800, "fixed_om_per_kw_year": 38,
               "max_kw": 400},
        "wind": {"availability": "@wind", "capex_per_kw": 5200, "fixed_om_per_kw_year": 110,
                 "max_kw": 150},
        "battery": {"capex_per_kwh": 560, "capex_per_kw": 250, "fixed_om_per_kwh_year": 8,
                    "max_kwh": 300},
        "heat_pump": {"cop": 3.2, "capex_per_kw_th": 1900, "fixed_om_per_kw_th_year": 25,
                      "max_kw_th": 40},
        "boiler": {"fuel_price_per_kwh": 0.33},
    },
    "grid": {"import_price_per_kwh": "@price", "export_price_per_kwh": 0.26,
             "capacity_charge_per_kw_month": 32, "system_operation_fee_per_kwh": 0.025},
    "rules": {"self_use_min_of_generation": 0.6, "self_use_min_of_consumption": 0.3,
              "export_max_of_generation": 0.2},
}  # fmt: skip
PROFILES = {"pv": PV_DAY, "wind": WIND, "load": LOAD, "heat": HEAT, "price": PRICE}
MONEY = [
    ("technologies", "pv", "capex_per_kw"),
    ("technologies", "pv", "fixed_om_per_kw_year"),
    ("technologies", "wind", "capex_per_kw"),
    ("technologies", "wind", "fixed_om_per_kw_year"),
    ("technologies", "battery", "capex_per_kwh"),
    ("technologies", "battery", "capex_per_kw"),
    ("technologies", "battery", "fixed_om_per_kwh_year"),
    ("technologies", "heat_pump", "capex_per_kw_th"),
    ("technologies", "heat_pump", "fixed_om_per_kw_th_year"),
    ("technologies", "boiler", "fuel_price_per_kwh"),
    ("grid", "export_price_per_kwh"),
    ("grid", "capacity_charge_per_kw_month"),
    ("grid", "system_operation_fee_per_kwh"),
]


def _solve(make_case, case: dict, profiles: dict | None = None):
    data = load_case(make_case(case, profiles or PROFILES))
    return solve_case(data, horizon=Horizon.full_year(2025, HOURS))


def _scaled(k: float) -> tuple[dict, dict]:
    case = copy.deepcopy(CASE)
    for path in MONEY:
        node = case
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] *= k
    return case, {**PROFILES, "price": [p * k for p in PRICE]}


def test_same_case_same_result(make_case) -> None:
    a = _solve(make_case, CASE)
    b = _solve(make_case, CASE)
    for summary in (a.summary, b.summary):
        summary.pop("solve")
    assert a.summary == b.summary
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)


@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # each example rewrites it
)
@given(k=st.floats(0.01, 100))
def test_scaling_every_price_scales_the_cost_and_keeps_the_sizes(make_case, k: float) -> None:
    base = _solve(make_case, CASE).summary
    assert min(base["capacities"].values()) > 1  # every technology is built: not vacuous
    case, profiles = _scaled(k)
    scaled = _solve(make_case, case, profiles).summary
    assert scaled["objective_per_year"] == pytest.approx(k * base["objective_per_year"], rel=1e-6)
    assert scaled["costs_per_year"]["total"] == pytest.approx(
        k * base["costs_per_year"]["total"], rel=1e-6
    )
    for key, size in base["capacities"].items():
        assert scaled["capacities"][key] == pytest.approx(size, rel=1e-5, abs=1e-4), key


@pytest.mark.parametrize(
    "limit",
    [
        ("technologies", "pv", "max_kw"),
        ("technologies", "wind", "max_kw"),
        ("technologies", "battery", "max_kwh"),
        ("technologies", "heat_pump", "max_kw_th"),
    ],
)
def test_doubling_a_size_limit_never_raises_the_cost(make_case, limit) -> None:
    base = _solve(make_case, CASE).summary["objective_per_year"]
    case = copy.deepcopy(CASE)
    node = case
    for part in limit[:-1]:
        node = node[part]
    node[limit[-1]] *= 2
    doubled = _solve(make_case, case).summary["objective_per_year"]
    assert doubled <= base * (1 + 1e-9)
