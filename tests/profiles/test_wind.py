import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from dispatch.profiles.wind import (
    air_density,
    normalise_power_curve,
    power_curve,
    turbine_class_for,
    wind_availability,
    wind_speed_at_height,
)

IDX = pd.date_range("2025-01-01", periods=4, freq="h", tz="Asia/Shanghai")


def test_air_density_standard_atmosphere():
    # 101325 Pa / (287.05 J/kg/K * 288.15 K)
    assert_allclose(air_density(0.0, 15.0), 1.225012, rtol=1e-6)
    # 1500 m, 0 C: p = 101325 (1 - 2.25577e-5 * 1500)^5.25588 = 84556.0 Pa
    assert_allclose(air_density(1500.0, 0.0), 1.078414, rtol=1e-6)


def test_power_law_and_log_law():
    v = pd.Series([5.0, 0.0, 10.0, 2.0], index=IDX)
    assert_allclose(wind_speed_at_height(v, 100.0, shear_exponent=0.2), v * 10**0.2)
    assert_allclose(wind_speed_at_height(v, 100.0, shear_exponent=0.2).iloc[0], 7.924466, rtol=1e-6)
    # ln(100 / 0.03) / ln(10 / 0.03) = 8.111728 / 5.809143 = 1.396373
    assert_allclose(wind_speed_at_height(v, 100.0).iloc[0], 6.981863, rtol=1e-6)
    assert_allclose(wind_speed_at_height(v, 100.0, roughness_length_m=0.1).iloc[0], 7.5, rtol=1e-6)


def test_shipped_power_curves():
    for cls in ("iec_i", "iec_ii", "iec_iii"):
        c = power_curve(cls).set_index("wind_speed_m_s")["power_kw_per_kw"]
        assert c[2.5] == 0.0 and c[20.0] == 1.0 and c[30.0] == 0.0
        assert (np.diff(c.loc[:25.0].to_numpy()) >= 0).all()
    assert_allclose(power_curve("iec_iii").set_index("wind_speed_m_s").loc[8.0].iloc[0], 0.6843)
    with pytest.raises(ValueError, match="unknown turbine class"):
        power_curve("iec_iv")


def test_user_power_curve_in_kw_is_normalised():
    c = normalise_power_curve({3.0: 0.0, 12.0: 3000.0, 6.0: 600.0})
    assert_allclose(c["wind_speed_m_s"], [3.0, 6.0, 12.0])
    assert_allclose(c["power_kw_per_kw"], [0.0, 0.2, 1.0])
    pairs = normalise_power_curve([[4.0, 0.1], [10.0, 1.0]])
    assert_allclose(pairs["power_kw_per_kw"], [0.1, 1.0])
    with pytest.raises(ValueError, match="distinct"):
        normalise_power_curve([[4.0, 0.1], [4.0, 1.0]])
    with pytest.raises(ValueError, match="negative"):
        normalise_power_curve([[4.0, -0.1], [5.0, 1.0]])


def test_turbine_class_by_hub_mean():
    assert turbine_class_for(9.0) == "iec_i"
    assert turbine_class_for(8.0) == "iec_ii"
    assert turbine_class_for(6.0) == "iec_iii"


def test_wind_availability_literal():
    v = pd.Series([8.0, 2.0, 30.0, 15.0], index=IDX)
    # shear 0: hub speed = 8 m/s at 100 m, 15 C: rho = air_density(100, 15) = 1.210558,
    # v_n = 8 * (1.210558 / 1.225)^(1/3) = 7.968437; curve 0.5709 at 7.5, 0.6843 at 8.0
    # -> 0.677141, times (1 - 0.10) losses = 0.609427
    temp = pd.Series(15.0 + 0.0065 * 100.0, index=IDX)
    a = wind_availability(v, temp, 0.0, 100.0, shear_exponent=0.0, turbine_class="iec_iii")
    assert_allclose(a, [0.609427, 0.0, 0.0, 0.9], rtol=1e-5)
    assert a.name == "wind_kw_per_kw"


def test_thin_air_lowers_output():
    v = pd.Series(8.0, index=IDX)
    t = pd.Series(15.0, index=IDX)
    sea = wind_availability(v, t, 0.0, shear_exponent=0.0, turbine_class="iec_ii")
    high = wind_availability(v, t, 1500.0, shear_exponent=0.0, turbine_class="iec_ii")
    assert (high < 0.95 * sea).all()


def test_user_curve_overrides_class():
    v = pd.Series([5.0, 10.0, 12.0, 26.0], index=IDX)
    t = pd.Series(15.65, index=IDX)
    curve = normalise_power_curve([[3.0, 0.0], [11.0, 1.0], [25.0, 1.0]])
    a = wind_availability(v, t, 0.0, 100.0, 0.0, curve=curve, losses_fraction=0.0)
    # density factor (1.210558 / 1.225)^(1/3) = 0.996055 scales 5 and 10 m/s first
    assert_allclose(a, [0.247534, 0.870068, 1.0, 0.0], rtol=1e-5)


def test_capacity_factors_of_shipped_sites(ningbo_weather, ordos_weather):
    cf = {}
    for name, w in (("ningbo", ningbo_weather), ("ordos", ordos_weather)):
        cf[name] = wind_availability(w.data["wind_speed"], w.data["temp_air"], w.altitude_m).mean()
    assert 0.18 < cf["ningbo"] < 0.30  # Zhejiang onshore about 2000 h
    assert 0.25 < cf["ordos"] < 0.38  # Inner Mongolia about 2500-3000 h
    assert cf["ordos"] > cf["ningbo"]
