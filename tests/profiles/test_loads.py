import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from dispatch.profiles.loads import (
    PARK_TYPES,
    archetype,
    electricity_load,
    heat_load,
    holiday_calendar,
    operating_shape,
)
from dispatch.timegrid import hours

IDX = hours(2025, tz="Asia/Shanghai")


def test_archetypes_complete():
    assert len(PARK_TYPES) == 7
    for p in PARK_TYPES:
        a = archetype(p)
        assert len(a["workday"]) == 24 and len(a["restday"]) == 24
        assert len(a["weekday_factors"]) == 7 and len(a["month_factors"]) == 12
    with pytest.raises(ValueError, match="unknown park type"):
        archetype("farm")


def test_holiday_calendar_2025():
    cal = holiday_calendar(2025)
    assert len(cal) == 365
    assert cal["day_type"].value_counts().to_dict() == {
        "workday": 248,
        "restday": 89,
        "holiday": 28,
    }
    assert cal.loc["2025-01-01", "day_type"] == "holiday"
    assert cal.loc["2025-01-26", "day_type"] == "workday"  # Sunday worked for Spring Festival
    assert cal.loc["2025-02-08", "day_type"] == "workday"
    assert cal.loc["2025-10-08", "holiday"] == "National Day and Mid-Autumn"
    assert cal.loc["2025-01-29", "days_from_spring_festival"] == 0


def test_rule_based_calendar_warns():
    with pytest.warns(UserWarning, match="no official holiday arrangement"):
        cal = holiday_calendar(2030)
    sf = cal[cal["holiday"] == "Spring Festival"].index
    assert sf[0] == pd.Timestamp("2030-02-02") and sf[-1] == pd.Timestamp("2030-02-09")
    assert cal.loc["2030-10-07", "day_type"] == "holiday"


def test_operating_shape_literal_values():
    s = operating_shape(IDX, "industrial")
    assert_allclose(s["2025-03-05 10:00"], 1.00)  # Wednesday workday
    assert_allclose(s["2025-03-03 10:00"], 0.98)  # Monday factor
    assert_allclose(s["2025-03-08 10:00"], 0.76)  # Saturday rest day
    assert_allclose(s["2025-05-01 10:00"], 0.76 * 0.6)  # Labour Day holiday
    assert_allclose(s["2025-02-06 10:00"], 1.00 * 0.97 * 0.6)  # Spring Festival window, February
    # make-up Sunday (workday shape) in the Spring Festival window, January factor 0.98
    assert_allclose(s["2025-01-26 03:00"], 0.69 * 0.98 * 0.6)


@pytest.mark.parametrize("park_type", PARK_TYPES)
def test_electricity_and_heat_totals(park_type, ningbo_weather):
    t = ningbo_weather.data["temp_air"]
    e = electricity_load(t.index, park_type, t, annual_electricity_mwh=12_345.0, seed=2)
    h = heat_load(t.index, park_type, t, annual_heat_mwh=4_321.0, seed=2)
    assert_allclose(e.sum() / 1000.0, 12_345.0)
    assert_allclose(h.sum() / 1000.0, 4_321.0)
    assert (e > 0).all() and (h > 0).all()
    assert 0.2 < e.mean() / e.max() < 0.95
    assert e.name == "electricity_kw" and h.name == "heat_kw_th"


def test_peak_scaling_and_arguments(ningbo_weather):
    t = ningbo_weather.data["temp_air"]
    e = electricity_load(t.index, "logistics", t, peak_kw=8_000.0)
    assert_allclose(e.max(), 8_000.0)
    with pytest.raises(ValueError, match="exactly one"):
        electricity_load(t.index, "logistics", t)
    with pytest.raises(ValueError, match="exactly one"):
        electricity_load(t.index, "logistics", t, annual_electricity_mwh=1.0, peak_kw=1.0)


def test_reproducible_noise(ningbo_weather):
    t = ningbo_weather.data["temp_air"]
    a = electricity_load(t.index, "technology", t, annual_electricity_mwh=1000.0, seed=5)
    b = electricity_load(t.index, "technology", t, annual_electricity_mwh=1000.0, seed=5)
    c = electricity_load(t.index, "technology", t, annual_electricity_mwh=1000.0, seed=6)
    pd.testing.assert_series_equal(a, b)
    assert not np.allclose(a, c)


def test_weekly_holiday_and_seasonal_shape(ningbo_weather):
    t = ningbo_weather.data["temp_air"]
    e = electricity_load(t.index, "commercial_office", t, annual_electricity_mwh=1000.0)
    day = e.resample("D").sum()
    assert day["2025-03-08"] < 0.6 * day["2025-03-05"]  # weekend
    assert day["2025-10-03"] < 0.6 * day["2025-10-15"]  # National Day holiday
    assert e["2025-07"].mean() > 1.2 * e["2025-04"].mean()  # air conditioning
    industrial = electricity_load(t.index, "industrial", t, annual_electricity_mwh=1000.0)
    assert industrial["2025-02-01":"2025-02-10"].mean() < 0.8 * industrial["2025-03"].mean()


def test_heat_follows_temperature(ningbo_weather):
    t = ningbo_weather.data["temp_air"]
    h = heat_load(t.index, "logistics", t, annual_heat_mwh=1000.0)
    assert h["2025-01"].mean() > 3.0 * h["2025-07"].mean()


def test_no_heating_degree_hours_means_process_heat_only():
    warm = pd.Series(25.0, index=IDX)
    h = heat_load(IDX, "data_center", warm, annual_heat_mwh=876.0)
    # data_center: process heat does not follow operation, noise sigma 0.01
    assert_allclose(h.mean(), 100.0)
    assert h.std() / h.mean() < 0.02
