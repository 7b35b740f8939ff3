import numpy as np
import pandas as pd
import pytest

from dispatch.tariffs.charges import (
    BILL_COLUMNS,
    GridChargeScheme,
    UnknownKeyError,
    capacity_hours_per_month,
    capacity_td_fee_per_kw_month,
    coal_benchmark_price,
    export_cap_fraction,
    month_fractions,
    monthly_bill,
    monthly_peaks_kw,
)
from dispatch.timegrid import hours


def test_capacity_td_fee_is_price_times_load_rate_times_730():
    assert capacity_hours_per_month() == 730
    assert capacity_td_fee_per_kw_month(0.1, 0.6) == pytest.approx(43.8)
    assert capacity_td_fee_per_kw_month(0.1, 0.6, hours_per_month=720) == pytest.approx(43.2)
    with pytest.raises(ValueError):
        capacity_td_fee_per_kw_month(0.1, 60)


def test_capacity_td_scheme_monthly_charge():
    scheme = GridChargeScheme.capacity_td(10_000, td_price_per_kwh=0.1, average_load_rate=0.6)
    assert scheme.kind == "capacity_td"
    assert scheme.monthly_capacity_charge == pytest.approx(438_000)
    assert scheme.demand_rate_per_kw_month == 0


def test_unknown_scheme_lists_schemes():
    with pytest.raises(ValueError, match="none, capacity_td, basic_capacity, demand"):
        GridChargeScheme("peak_load")


def _two_months() -> pd.Series:
    """Import of 100 kW every hour of January and February (leap year 2024 skips 29 Feb)."""
    index = hours(2024)[: (31 + 28) * 24]
    imp = pd.Series(100.0, index=index)
    imp.loc["2024-01-15 18:00"] = 400.0
    imp.loc["2024-02-03 09:00"] = 250.0
    return imp


def test_monthly_bill_hand_computed():
    imp = _two_months()
    price = pd.Series(0.5, index=imp.index)
    price.loc["2024-01-15 18:00"] = 1.0
    exp = pd.Series(0.0, index=imp.index)
    exp.loc["2024-02-10 12:00"] = 50.0
    scheme = GridChargeScheme("demand", rate_per_kw_month=40.0, system_operation_fee_per_kwh=0.03)
    bill = monthly_bill(imp, price, scheme, export_kw=exp, export_price_per_kwh=0.4153)
    assert list(bill.columns) == list(BILL_COLUMNS)
    jan, feb = bill.loc[1], bill.loc[2]
    assert jan["import_kwh"] == 744 * 100 + 300
    assert jan["peak_import_kw"] == 400
    assert jan["grid_energy"] == pytest.approx(743 * 100 * 0.5 + 400 * 1.0)
    assert jan["system_operation"] == pytest.approx((744 * 100 + 300) * 0.03)
    assert jan["demand_charge"] == pytest.approx(400 * 40)
    assert jan["grid_capacity"] == 0
    assert feb["peak_import_kw"] == 250
    assert feb["demand_charge"] == pytest.approx(250 * 40)
    assert feb["export_revenue"] == pytest.approx(-50 * 0.4153)
    assert feb["total"] == pytest.approx(
        feb["grid_energy"] + feb["system_operation"] + feb["demand_charge"] - 50 * 0.4153
    )


def test_basic_capacity_charge_is_per_month():
    imp = _two_months()
    scheme = GridChargeScheme("basic_capacity", rate_per_kw_month=30.0, connection_capacity_kw=500)
    bill = monthly_bill(imp, 0.6, scheme)
    np.testing.assert_allclose(bill["grid_capacity"], [15_000, 15_000])
    assert bill["grid_capacity"].sum() == pytest.approx(30_000)


def test_partial_month_is_prorated():
    index = hours(2025)[: 24 * 7]  # first week of January
    imp = pd.Series(10.0, index=index)
    scheme = GridChargeScheme("basic_capacity", rate_per_kw_month=31.0, connection_capacity_kw=100)
    bill = monthly_bill(imp, 0.5, scheme)
    assert month_fractions(index).loc[1] == pytest.approx(7 / 31)
    assert bill.loc[1, "grid_capacity"] == pytest.approx(3100 * 7 / 31)


def test_full_year_fractions_are_one():
    assert (month_fractions(hours(2028)) == 1).all()
    assert len(month_fractions(hours(2028))) == 12


def test_monthly_peaks():
    peaks = monthly_peaks_kw(_two_months())
    assert peaks.to_dict() == {1: 400.0, 2: 250.0}


def test_fuel_and_carbon_are_carried():
    imp = _two_months()
    fuel = pd.Series(1.0, index=imp.index)
    carbon = pd.Series(0.5, index=imp.index)
    bill = monthly_bill(imp, 0.0, GridChargeScheme(), fuel_cost=fuel, carbon_cost=carbon)
    assert bill["fuel"].sum() == pytest.approx(len(imp))
    assert bill["carbon"].sum() == pytest.approx(len(imp) / 2)
    assert bill["total"].sum() == pytest.approx(1.5 * len(imp))


def test_price_series_must_cover_the_horizon():
    imp = _two_months()
    with pytest.raises(ValueError, match="does not cover"):
        monthly_bill(imp, pd.Series(0.5, index=imp.index[:10]), GridChargeScheme())


def test_export_defaults():
    assert export_cap_fraction() == 0.2
    assert export_cap_fraction("zhejiang") == 0.2
    assert coal_benchmark_price("zhejiang") == 0.4153
    assert coal_benchmark_price("inner-mongolia-west") == 0.2829
    with pytest.raises(UnknownKeyError, match="known provinces: zhejiang, inner-mongolia-west"):
        coal_benchmark_price("jiangsu")
