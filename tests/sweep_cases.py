"""Small cases for override and sweep tests, with optima derived by hand."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import NO_RULES

PV_CAPEX = "technologies.pv.capex_per_kw"
PRICE = "grid.import_price_per_kwh"


def pv_case(make_case: Callable[..., Path]) -> Path:
    """Two repeating hours: PV availability [1, 0], flat 100 kW load.

    r = 0, a 1-year life and no O&M make PV cost ``capex`` per kW-year. Each kW up to
    100 kW saves 4380 h x price a year; exports earn 4380 x 0.01 = 43.8 per kW-year,
    less than any capex used here, so PV is 100 kW when capex < 4380 x price, else 0.
    """
    return make_case(
        {
            "name": "pv",
            "year": 2025,
            "finance": {"discount_rate": 0.0},
            "load": {"electricity_kw": 100},
            "technologies": {
                "pv": {
                    "availability": "@pv",
                    "capex_per_kw": 100,
                    "fixed_om_per_kw_year": 0,
                    "lifetime_years": 1,
                }
            },
            "grid": {
                "import_price_per_kwh": 0.5,
                "export_price_per_kwh": 0.01,
                "capacity_charge_per_kw_month": 0,
                "system_operation_fee_per_kwh": 0,
            },
            "rules": NO_RULES,
        },
        profiles={"pv": [1.0, 0.0]},
    )


def pv_optimum(capex: float, price: float) -> tuple[float, float]:
    """Return (PV size [kW], cost [CNY/year]) of :func:`pv_case` by hand."""
    night = 100 * 4380 * price  # the dark hour is always bought from the grid
    if capex < 4380 * price:
        return 100.0, capex * 100 + night
    return 0.0, 2 * night


PV_DAY = [0, 0, 0, 0, 0, 0, 0.1, 0.3, 0.5, 0.7, 0.85, 0.9, 0.9, 0.85, 0.7, 0.5, 0.3, 0.1, 0, 0,
          0, 0, 0, 0]  # fmt: skip
PRICE_DAY = [0.3] * 8 + [0.8] * 12 + [0.5] * 4


def pv_battery_case(make_case: Callable[..., Path]) -> Path:
    """A daily PV and price cycle with a battery: an LP that takes about a second at 300 hours."""
    return make_case(
        {
            "name": "pv-battery",
            "year": 2025,
            "finance": {"discount_rate": 0.05},
            "load": {"electricity_kw": 100},
            "technologies": {
                "pv": {"availability": "@pv", "capex_per_kw": 2800, "max_kw": 500},
                "battery": {"capex_per_kwh": 600},
            },
            "grid": {"import_price_per_kwh": "@price", "export_price_per_kwh": 0.2},
            "rules": {
                "self_use_min_of_generation": 0.6,
                "self_use_min_of_consumption": 0.3,
                "export_max_of_generation": 0.2,
            },
        },
        profiles={"pv": PV_DAY, "price": PRICE_DAY},
    )
