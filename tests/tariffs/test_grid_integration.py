"""Tariffs, grid charges, carbon price and the carbon account in solved tiny cases.

Horizons of 24-48 hours stand for the year by repetition (annual figures × 8760 / hours);
monthly charges are prorated by the share of the month the horizon covers.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from dispatch.case.loader import load_case
from dispatch.errors import CaseError
from dispatch.model.horizon import Horizon
from dispatch.results.write import write_results
from dispatch.runner import solve_case
from tests.conftest import NO_RULES

ZJ_PRICES = {"sharp": 1.34, "peak": 1.12, "flat": 0.68, "valley": 0.27}
# 浙发改价格〔2024〕21号, summer/winter (January) day, hour by hour.
ZJ2024_JANUARY_DAY = (
    ["valley"] * 8
    + ["peak", "sharp", "sharp", "valley", "valley", "flat", "flat", "sharp", "sharp"]
    + ["peak"] * 6
    + ["flat"]
)
FREE_BATTERY = {
    "capex_per_kwh": 10,
    "capex_per_kw": 10,
    "fixed_om_per_kwh_year": 0,
    "fixed_om_per_kw_year": 0,
    "lifetime_years": 1,
    "charge_efficiency": 1.0,
    "discharge_efficiency": 1.0,
    "soc_min_fraction": 0.0,
    "soc_max_fraction": 1.0,
    "degradation_cost_per_kwh": 0.0,  # free cycling, as in the hand counts
}


def solve(path, n_hours):
    data = load_case(path)
    return solve_case(data, method="exact", horizon=Horizon.full_year(data.case.year, n_hours))


def spike_case(battery: bool) -> dict:
    case = {
        "name": "demand",
        "year": 2025,
        "finance": {"discount_rate": 0.0},
        "load": {"electricity_kw": "@load"},
        "grid": {
            "import_price_per_kwh": 0.5,
            "export_price_per_kwh": 0.0,
            "charge_scheme": "demand",
            "demand_charge_per_kw_month": 40,
        },
        "rules": NO_RULES,
    }
    if battery:
        case["technologies"] = {"battery": FREE_BATTERY}
    return case


SPIKE = [100.0] * 18 + [300.0] + [100.0] * 5  # one 300 kW hour a day


def test_demand_charge_without_battery_pays_the_spike(make_case):
    s = solve(make_case(spike_case(False), {"load": SPIKE}), 24).summary
    frac, scale = 24 / 744, 365
    assert s["grid"]["monthly_peak_import_kw"] == {1: pytest.approx(300)}
    assert s["costs_per_year"]["demand_charge"] == pytest.approx(40 * 300 * frac * scale)
    assert s["costs_per_year"]["grid_capacity"] == 0


def test_battery_shaves_the_monthly_peak_under_demand_charges(make_case):
    # Lossless battery, flat energy price: the peak falls to the level p where the other 23 hours
    # can recharge what the spike needs: 23 (p - 100) = 300 - p  ->  p = 2600 / 24 = 108.33 kW.
    out = solve(make_case(spike_case(True), {"load": SPIKE}), 24)
    s = out.summary
    peak = 2600 / 24
    frac, scale = 24 / 744, 365
    assert s["grid"]["monthly_peak_import_kw"][1] == pytest.approx(peak, rel=1e-6)
    assert out.timeseries["import_kw"].max() == pytest.approx(peak, rel=1e-6)
    assert s["capacities"]["battery_kwh"] == pytest.approx(300 - peak, rel=1e-6)
    assert s["costs_per_year"]["demand_charge"] == pytest.approx(40 * peak * frac * scale)
    bill = out.bill_monthly
    assert bill.loc[1, "demand_charge"] == pytest.approx(40 * peak * frac)
    assert bill.loc[1, "peak_import_kw"] == pytest.approx(peak, rel=1e-6)
    # objective = battery + energy + demand charge, all recomputed from the hourly table
    energy = sum(SPIKE) * 0.5 * scale
    battery = 10 * (300 - peak) * 2
    assert s["objective_per_year"] == pytest.approx(
        battery + energy + 40 * peak * frac * scale, rel=1e-6
    )
    assert s["costs_per_year"]["total"] == pytest.approx(s["objective_per_year"], rel=1e-6)


def tou_case() -> dict:
    return {
        "name": "tou",
        "year": 2025,
        "finance": {"discount_rate": 0.0, "carbon_price_per_tco2": 80},
        "load": {"electricity_kw": "@load", "heat_kw_th": 50},
        "technologies": {
            "pv": {
                "availability": "@pv",
                "capex_per_kw": 300,
                "fixed_om_per_kw_year": 0,
                "lifetime_years": 1,
                "max_kw": 150,
            },
            "boiler": {"efficiency": 0.9, "fuel_price_per_kwh": 0.3},
        },
        "grid": {
            "tariff": {"calendar": "zhejiang-2024", "prices_per_kwh": ZJ_PRICES},
            "charge_scheme": "capacity_td",
            "td_price_per_kwh": 0.12,
            "average_load_rate": 0.55,
            "import_price_includes_td": True,
            "system_operation_fee_per_kwh": 0.03,
            "emission_factor": {"province": "zhejiang", "year": 2022},
        },
        "rules": NO_RULES,
    }


PV = [0.0] * 7 + [0.2, 0.5, 0.8, 1.0, 1.0, 1.0, 0.9, 0.7, 0.4, 0.1] + [0.0] * 7
LOAD = [80.0] * 8 + [120.0] * 10 + [90.0] * 6


@pytest.fixture
def tou_run(make_case, tmp_path):
    out = solve(make_case(tou_case(), {"load": LOAD, "pv": PV}), 48)
    folder = write_results(
        tmp_path / "results", out.summary, out.timeseries, bill_monthly=out.bill_monthly
    )
    return out, folder


def test_costs_and_emissions_reproduce_from_timeseries_and_published_data(tou_run):
    out, folder = tou_run
    s = json.loads((folder / "summary.json").read_text())
    ts = pd.read_csv(folder / "timeseries.csv")
    scale = 8760 / 48
    # the hourly price is the published zhejiang-2024 January table at the case's levels,
    # less the 0.12 CNY/kWh energy T&D it contains: the capacity-based fee replaces it
    assert list(ts["tou_period"]) == ZJ2024_JANUARY_DAY * 2
    price = np.array([ZJ_PRICES[p] for p in ZJ2024_JANUARY_DAY * 2]) - 0.12
    np.testing.assert_allclose(ts["import_price_per_kwh"], price)
    imp, exp = ts["import_kw"].to_numpy(), ts["export_kw"].to_numpy()
    c = s["costs_per_year"]
    assert c["grid_energy"] == pytest.approx(float(imp @ price) * scale, rel=1e-5)
    assert c["system_operation"] == pytest.approx(imp.sum() * 0.03 * scale, rel=1e-5)
    # exports earn the Zhejiang coal benchmark price (发改价格规〔2019〕1658号)
    assert c["export_revenue"] == pytest.approx(-exp.sum() * 0.4153 * scale, rel=1e-5, abs=1e-6)
    # capacity-based T&D fee: 0.12 CNY/kWh x 0.55 x 730 h per kW of connection and month
    connection = s["capacities"]["grid_connection_kw"]
    assert c["grid_capacity"] == pytest.approx(12 * 0.12 * 0.55 * 730 * connection, rel=1e-6)
    fuel_kwh = ts["boiler_kw_th"].to_numpy() / 0.9
    assert c["fuel"] == pytest.approx(fuel_kwh.sum() * 0.3 * scale, rel=1e-5)
    # emissions: Zhejiang 2022 grid factor 0.5153, natural gas 0.202 kgCO2/kWh (MEE/NBS)
    e = s["emissions"]
    grid_t = imp.sum() * 0.5153 / 1000 * scale
    fuel_t = fuel_kwh.sum() * 0.202 / 1000 * scale
    assert e["grid_tco2_per_year"] == pytest.approx(grid_t, rel=1e-5)
    assert e["fuel_tco2_per_year"] == pytest.approx(fuel_t, rel=1e-5)
    assert e["tco2_per_year"] == pytest.approx(grid_t + fuel_t, rel=1e-5)
    assert c["carbon"] == pytest.approx((grid_t + fuel_t) * 80, rel=1e-5)
    # baseline: all electricity from the grid, all heat from the boiler
    load = ts["load_kw"].to_numpy()
    base_t = (load.sum() * 0.5153 + 50 * 48 / 0.9 * 0.202) / 1000 * scale
    assert e["baseline_tco2_per_year"] == pytest.approx(base_t, rel=1e-5)
    assert e["avoided_tco2_per_year"] == pytest.approx(base_t - grid_t - fuel_t, rel=1e-5)
    # energy in tce: electricity consumed (import + self-used PV) at 0.3 kgce/kWh, gas at
    # 1.2143 kgce/Nm3 over 8500 kcal/Nm3
    self_used = ts["pv_available_kw"] - ts.get("curtailed_kw", 0) - ts["export_kw"]
    tce = ((imp.sum() + self_used.sum()) * 0.3 + fuel_kwh.sum() * 1.2143 / 9.8855) / 1000 * scale
    assert e["energy_consumption_tce"] == pytest.approx(tce, rel=1e-4)
    assert e["tco2_per_tce"] == pytest.approx((grid_t + fuel_t) / tce, rel=1e-4)
    assert e["electricity_tce_method"] == "coal-equivalent"
    assert e["zero_carbon_threshold_tco2_per_tce"] == 0.2
    assert e["zero_carbon_ok"] is False


def test_bill_monthly_csv_adds_up_to_the_costs(tou_run):
    out, folder = tou_run
    s = json.loads((folder / "summary.json").read_text())
    bill = pd.read_csv(folder / "bill_monthly.csv", index_col="month")
    assert list(bill.index) == [1]
    scale = 8760 / 48
    for key in ("grid_energy", "system_operation", "export_revenue", "fuel", "carbon"):
        assert bill[key].sum() * scale == pytest.approx(s["costs_per_year"][key], rel=1e-5)
    money = ["grid_energy", "system_operation", "grid_capacity", "demand_charge"]
    money += ["export_revenue", "fuel", "carbon"]
    np.testing.assert_allclose(bill[money].sum(axis=1), bill["total"], rtol=1e-5)


def test_objective_matches_recomputed_costs_with_carbon_price(tou_run):
    out, _ = tou_run
    s = out.summary
    assert s["costs_per_year"]["total"] == pytest.approx(s["objective_per_year"], rel=1e-6)
    assert s["costs_per_year"]["carbon"] > 0


def test_baseline_cost_is_reported(tou_run):
    out, _ = tou_run
    base = out.summary["baseline"]
    scale = 8760 / 48
    energy = sum(
        (ZJ_PRICES[p] - 0.12) * load for p, load in zip(ZJ2024_JANUARY_DAY, LOAD, strict=True)
    )
    assert base["costs_per_year"]["grid_energy"] == pytest.approx(2 * energy * scale, rel=1e-9)
    assert base["connection_kw"] == 120
    assert base["costs_per_year"]["grid_capacity"] == pytest.approx(12 * 0.12 * 0.55 * 730 * 120)
    assert base["costs_per_year"]["total"] > out.summary["costs_per_year"]["total"]


def test_grid_report_names_tariff_and_exports(tou_run):
    g = tou_run[0].summary["grid"]
    assert g["tariff"]["calendar"] == "zhejiang-2024"
    assert g["tariff"]["prices_per_kwh"]["summer_winter"]["sharp"] == 1.34
    assert g["charge_scheme"] == "capacity_td"
    assert g["capacity_rate_per_kw_month"] == pytest.approx(0.12 * 0.55 * 730)
    assert g["exports"]["price_mean_per_kwh"] == pytest.approx(0.4153)
    assert g["exports"]["allowed"] is True
    assert g["exports"]["provincial_cap_of_generation"] == 0.2


def test_no_reverse_flow_and_inner_mongolia_benchmark(make_case):
    case = tou_case()
    case["grid"]["tariff"] = {"calendar": "inner-mongolia-west", "flat_price_per_kwh": 0.4}
    case["grid"]["export_allowed"] = False
    case["grid"].pop("emission_factor")
    data = load_case(make_case(case, {"load": LOAD, "pv": PV}))
    assert data.series["export_price_per_kwh"][0] == 0.2829
    out = solve_case(data, method="exact", horizon=Horizon.full_year(2025, 24))
    assert out.timeseries["export_kw"].abs().max() == 0
    assert out.summary["grid"]["exports"]["allowed"] is False


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ({"tariff": {"calendar": "flat", "prices_per_kwh": {"flat": 0.5}},
          "import_price_per_kwh": 0.5}, "give either import_price_per_kwh or tariff"),
        ({}, "give either import_price_per_kwh or tariff"),
        ({"tariff": {"calendar": "zhejiang-2025", "flat_price_per_kwh": 0.6}},
         "known calendars: flat, inner-mongolia-west, zhejiang-2024, zhejiang-2026"),
        ({"import_price_per_kwh": 0.5, "emission_factor": {"region": "mars", "year": 2023}},
         "known regions (years): north (2023)"),
        ({"import_price_per_kwh": 0.5, "emission_factor": {"region": "east", "year": 2023},
          "emission_factor_kg_per_kwh": 0.5}, "give either emission_factor"),
        ({"import_price_per_kwh": 0.5, "charge_scheme": "demand"},
         "charge_scheme demand needs demand_charge_per_kw_month"),
        ({"import_price_per_kwh": 0.5, "charge_scheme": "demand", "demand_charge_per_kw_month": 1,
          "capacity_charge_per_kw_month": 3}, "applies to charge_scheme basic_capacity only"),
    ],
)  # fmt: skip
def test_grid_keys_are_checked(make_case, grid, message):
    case = {"name": "x", "year": 2025, "load": {"electricity_kw": 10}, "grid": grid}
    with pytest.raises(CaseError) as err:
        load_case(make_case(case))
    assert message in str(err.value)


def test_existing_grid_keys_keep_working(make_case):
    data = load_case(
        make_case(
            {
                "name": "old",
                "year": 2025,
                "load": {"electricity_kw": 10},
                "grid": {
                    "import_price_per_kwh": 0.5,
                    "capacity_charge_per_kw_month": 2,
                    "emission_factor_kg_per_kwh": 0.6,
                },
            }
        )
    )
    assert data.case.grid.charge_scheme == "basic_capacity"
    assert data.case.grid.capacity_rate_per_kw_month() == 2
    assert data.series["grid_emission_factor_kg_per_kwh"][0] == 0.6
    assert data.series["export_price_per_kwh"][0] == 0.4153
