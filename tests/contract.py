"""The output contract of ``dispatch run``: keys of summary.json and columns of timeseries.csv."""

from __future__ import annotations

from typing import Any

TOP_KEYS = ("case", "year", "status", "method", "objective_per_year")
CAPACITY_KEYS = (
    "pv_kw", "wind_kw", "battery_kwh", "battery_kw", "heat_pump_kw_th", "grid_connection_kw",
)  # fmt: skip
RATIO_KEYS = (
    "self_use_of_generation", "self_use_of_consumption", "export_of_generation",
    "curtailment_of_generation",
)  # fmt: skip
RULE_NAMES = ("self_use_of_generation", "self_use_of_consumption", "export_max_of_generation")
RULE_KEYS = ("name", "limit", "value", "ok")
COST_KEYS = (
    "capex_annualized", "fixed_om", "grid_energy", "system_operation", "grid_capacity",
    "demand_charge", "export_revenue", "fuel", "carbon", "total",
)  # fmt: skip
EMISSION_KEYS = (
    "tco2_per_year", "grid_tco2_per_year", "fuel_tco2_per_year", "baseline_tco2_per_year",
    "avoided_tco2_per_year", "energy_consumption_tce", "tco2_per_tce",
    "zero_carbon_threshold_tco2_per_tce", "zero_carbon_ok", "clean_energy_share",
    "electricity_tce_method", "electricity_kgce_per_kwh", "by_electricity_tce",
)  # fmt: skip
BASELINE_KEYS = ("costs_per_year", "import_mwh_per_year", "fuel_mwh_per_year", "connection_kw",
                 "tco2_per_year")  # fmt: skip
SOLVE_KEYS = ("seconds", "status", "mip_gap")
FINANCIAL_KEYS = (
    "npv", "irr", "simple_payback_years", "discounted_payback_years", "capex_upfront",
    "lcoe_per_kwh", "lifecycle_cost", "lifecycle_cost_baseline", "assumptions",
)  # fmt: skip
CASHFLOW_COLUMNS = (
    "year", "capex", "replacement", "om", "energy_savings", "charges", "fuel", "carbon", "tax",
    "residual", "net_cashflow",
)  # fmt: skip
TIMESERIES_COLUMNS = (
    "timestamp", "load_kw", "heat_load_kw_th", "pv_available_kw", "wind_available_kw",
    "curtailed_kw", "import_kw", "export_kw", "battery_charge_kw", "battery_discharge_kw",
    "battery_soc_kwh", "heat_pump_kw", "heat_pump_kw_th", "boiler_kw_th",
)  # fmt: skip
"""Columns of a case with every technology (a case without one lacks its columns)."""


def assert_summary_contract(summary: dict[str, Any]) -> None:
    """Assert that a summary of a case with every technology and rule has the contract keys."""
    assert set(TOP_KEYS) <= set(summary), set(TOP_KEYS) - set(summary)
    assert isinstance(summary["objective_per_year"], float)
    assert set(CAPACITY_KEYS) <= set(summary["capacities"])
    assert isinstance(summary["energy_mwh"], dict) and summary["energy_mwh"]
    assert set(RATIO_KEYS) <= set(summary["ratios"])
    assert [r["name"] for r in summary["rules"]] == list(RULE_NAMES)
    for rule in summary["rules"]:
        assert set(RULE_KEYS) <= set(rule)
        assert isinstance(rule["ok"], bool)
    assert set(COST_KEYS) <= set(summary["costs_per_year"])
    assert isinstance(summary["emissions"]["tco2_per_year"], float)
    assert set(EMISSION_KEYS) <= set(summary["emissions"])
    assert set(COST_KEYS) <= set(summary["baseline"]["costs_per_year"])
    assert set(BASELINE_KEYS) <= set(summary["baseline"])
    assert "storage_losses" in summary["energy_mwh"]
    assert set(SOLVE_KEYS) <= set(summary["solve"])
    assert set(FINANCIAL_KEYS) <= set(summary["financials"])
    assert isinstance(summary["financials"]["npv"], float)
