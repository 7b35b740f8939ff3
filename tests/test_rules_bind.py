"""Each local-consumption rule, on a case built so that it binds."""

from __future__ import annotations

import pytest

from dispatch.case.loader import load_case
from dispatch.model.horizon import Horizon
from dispatch.runner import solve_case

PV_DAY = [0, 0, 0, 0, 0, 0, 0.1, 0.3, 0.5, 0.7, 0.85, 0.9, 0.9, 0.85, 0.7, 0.5, 0.3, 0.1, 0, 0,
          0, 0, 0, 0]  # fmt: skip


def _case(make_case, rules, pv_capex, export_price):
    return make_case(
        {
            "name": "rules",
            "year": 2025,
            "finance": {"discount_rate": 0.0},
            "load": {"electricity_kw": 100},
            "technologies": {
                "pv": {
                    "availability": "@pv",
                    "capex_per_kw": pv_capex,
                    "fixed_om_per_kw_year": 0,
                    "lifetime_years": 1,
                    "max_kw": 2000,
                }
            },
            "grid": {"import_price_per_kwh": 0.5, "export_price_per_kwh": export_price},
            "rules": rules,
        },
        profiles={"pv": PV_DAY},
    )


def _ratios(path):
    data = load_case(path)
    return solve_case(data, method="exact", horizon=Horizon.full_year(2025, 24)).summary


def test_self_use_of_generation_binds(make_case):
    # Exports pay more than PV costs, so PV grows until self-use falls to 60 % of generation.
    s = _ratios(
        _case(
            make_case,
            {
                "self_use_min_of_generation": 0.6,
                "self_use_min_of_consumption": 0.0,
                "export_max_of_generation": None,
            },
            50,
            0.45,
        )
    )
    assert s["ratios"]["self_use_of_generation"] == pytest.approx(0.6, abs=1e-6)
    assert all(r["ok"] for r in s["rules"])
    assert s["energy_mwh"]["exported"] > 0


def test_export_cap_binds(make_case):
    s = _ratios(
        _case(
            make_case,
            {
                "self_use_min_of_generation": 0.0,
                "self_use_min_of_consumption": 0.0,
                "export_max_of_generation": 0.2,
            },
            50,
            0.45,
        )
    )
    assert s["ratios"]["export_of_generation"] == pytest.approx(0.2, abs=1e-6)
    assert all(r["ok"] for r in s["rules"])


def test_self_use_of_consumption_binds(make_case):
    # PV dearer than the grid: only the rule makes the optimiser build it, exactly enough.
    s = _ratios(
        _case(
            make_case,
            {
                "self_use_min_of_generation": 0.6,
                "self_use_min_of_consumption": 0.35,
                "export_max_of_generation": 0.2,
            },
            5000,
            0.1,
        )
    )
    assert s["ratios"]["self_use_of_consumption"] == pytest.approx(0.35, abs=1e-6)
    assert s["capacities"]["pv_kw"] > 0
    assert all(r["ok"] for r in s["rules"])


def test_rule_off_builds_nothing(make_case):
    s = _ratios(
        _case(
            make_case,
            {
                "self_use_min_of_generation": 0.6,
                "self_use_min_of_consumption": 0.0,
                "export_max_of_generation": 0.2,
            },
            5000,
            0.1,
        )
    )
    assert s["capacities"]["pv_kw"] == pytest.approx(0, abs=1e-6)
