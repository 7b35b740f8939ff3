import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from dispatch.profiles.heat_pump import (
    carnot_cop,
    heat_pump_cop,
    heat_pump_cop_profile,
    heat_pump_reach,
)


def test_carnot_cop():
    assert_allclose(carnot_cop(60.0, 10.0), 333.15 / 50.0)
    assert np.isinf(carnot_cop(40.0, 45.0))


def test_cop_is_a_fraction_of_carnot():
    assert_allclose(heat_pump_cop(10.0, 60.0), 0.45 * 333.15 / 50.0)  # 2.99835
    assert_allclose(heat_pump_cop(10.0, 60.0, carnot_efficiency=0.5), 3.3315)


def test_cop_limits():
    assert_allclose(heat_pump_cop(58.0, 60.0), 8.0)  # small lift: capped
    assert_allclose(heat_pump_cop(70.0, 60.0), 8.0)  # source above sink
    assert_allclose(heat_pump_cop(-60.0, 120.0, carnot_efficiency=0.2), 1.0)  # floor
    cop = heat_pump_cop(np.array([-30.0, -20.0]), 45.0, min_source_temperature_c=-25.0)
    assert_allclose(cop, [0.0, 0.45 * 318.15 / 65.0])


def test_reach():
    assert heat_pump_reach(90.0).in_reach
    assert heat_pump_reach(120.0, 0.5).in_reach
    hot = heat_pump_reach(150.0)
    assert not hot.in_reach and "boiler" in hot.note and "120" in hot.note
    steam = heat_pump_reach(110.0, steam_pressure_mpa=1.2)
    assert not steam.in_reach and "1.2 MPa" in steam.note


def test_profiles():
    idx = pd.date_range("2025-01-01", periods=3, freq="h", tz="Asia/Shanghai")
    t = pd.Series([-30.0, 0.0, 20.0], index=idx)
    air = heat_pump_cop_profile(t, 45.0)
    assert_allclose(air, [0.0, 0.45 * 318.15 / 45.0, 0.45 * 318.15 / 25.0])
    assert air.name == "cop" and air.index.equals(idx)
    waste = heat_pump_cop_profile(t, 90.0, "waste_heat")
    assert_allclose(waste, 0.45 * 363.15 / 60.0)  # 2.723625, source 30 C
    waste40 = heat_pump_cop_profile(t, 90.0, "waste_heat", source_temperature_c=40.0)
    assert_allclose(waste40, 0.45 * 363.15 / 50.0)
    with pytest.raises(ValueError, match="unknown heat-pump source"):
        heat_pump_cop_profile(t, 60.0, "ground")
