import numpy as np
import pandas as pd
import pvlib
import pytest
from numpy.testing import assert_allclose

from dispatch.profiles.pv import default_tilt_deg, pv_availability, pv_dc_ac
from dispatch.profiles.weather import read_weather_file

TMY3 = pvlib.__path__[0] + "/data/723170TYA.CSV"


def test_default_tilt():
    assert_allclose(default_tilt_deg(29.8), 24.8)
    assert_allclose(default_tilt_deg(-10.0), 5.0)
    assert default_tilt_deg(3.0) == 0.0


def test_pv_dc_ac_literal_values():
    idx = pd.date_range("2025-06-01 12:00", periods=4, freq="h", tz="Asia/Shanghai")
    g = pd.Series([1000.0, 1200.0, 500.0, 0.0], index=idx)
    t = pd.Series([25.0, 25.0, 45.0, 10.0], index=idx)
    # 1000 W/m2, 25 C: P_dc = 1 * (1 - 0.1408) = 0.8592 kW/kWp, then the PVWatts inverter
    # with P_dc0 = (1 / 1.2) / 0.96: zeta = 0.98985, eta = 0.96 / 0.9637 * (0.9858 - 0.0162 zeta
    # - 0.0059 / zeta) = 0.960110; P_ac = 0.824921. 1200 W/m2 clips at 1 / 1.2.
    assert_allclose(pac := pv_dc_ac(g, t), [0.8249214, 1 / 1.2, 0.3842732, 0.0], rtol=1e-6)
    assert pac.index.equals(idx)


def test_pv_dc_ac_dc_ac_ratio_and_losses():
    idx = pd.date_range("2025-06-01 12:00", periods=1, freq="h", tz="Asia/Shanghai")
    one = pd.Series([1000.0], index=idx)
    out = pv_dc_ac(one, pd.Series([25.0], index=idx), dc_ac_ratio=1.5, losses_fraction=0.0)
    assert_allclose(out, [1 / 1.5])


@pytest.fixture(scope="module")
def ningbo_pv(ningbo_weather):
    w = ningbo_weather
    return pv_availability(w.data, w.latitude, w.longitude, w.altitude_m)


@pytest.fixture(scope="module")
def ordos_pv(ordos_weather):
    w = ordos_weather
    return pv_availability(w.data, w.latitude, w.longitude, w.altitude_m)


def test_ningbo_yield_in_zhejiang_range(ningbo_pv):
    assert 1000.0 <= ningbo_pv.sum() <= 1200.0


def test_ordos_yield_clearly_above_ningbo(ordos_pv, ningbo_pv):
    assert 1500.0 <= ordos_pv.sum() <= 1700.0
    assert ordos_pv.sum() > 1.3 * ningbo_pv.sum()


def test_no_pv_at_night_and_bounded(ningbo_pv, ningbo_weather):
    assert (ningbo_pv[ningbo_weather.data["ghi"] == 0] == 0).all()
    assert (ningbo_pv[ningbo_pv.index.hour.isin([0, 1, 2, 3, 4, 20, 21, 22, 23])] == 0).all()
    assert ningbo_pv.min() >= 0.0
    assert ningbo_pv.max() <= 1 / 1.2 + 1e-12
    assert ningbo_pv.name == "pv_kw_per_kw"


def test_tracking_yields_more(ordos_weather, ordos_pv):
    w = ordos_weather
    tracked = pv_availability(w.data, w.latitude, w.longitude, w.altitude_m, tracking=True)
    assert 1.05 * ordos_pv.sum() < tracked.sum() < 1.3 * ordos_pv.sum()


def test_north_facing_yields_less(ningbo_weather, ningbo_pv):
    w = ningbo_weather
    north = pv_availability(w.data, w.latitude, w.longitude, tilt_deg=25.0, azimuth_deg=0.0)
    assert north.sum() < 0.85 * ningbo_pv.sum()


def test_tmy3_yield_agrees_with_plain_pvlib_pvwatts():
    """Our chain on pvlib's TMY3 file vs an independent pvlib ModelChain (PVWatts) run."""
    w = read_weather_file(TMY3, 1990)
    ours = pv_availability(
        w.data, w.latitude, w.longitude, w.altitude_m, tilt_deg=30.0, azimuth_deg=180.0
    )
    raw, meta = pvlib.iotools.read_tmy3(TMY3, coerce_year=1990, map_variables=True)
    # TMY3 stamps the end of each hour: evaluate the sun at the middle of the hour
    weather = raw[["ghi", "dni", "dhi", "temp_air", "wind_speed"]].copy()
    weather.index = weather.index - pd.Timedelta(minutes=30)
    location = pvlib.location.Location(meta["latitude"], meta["longitude"], altitude=273.0)
    system = pvlib.pvsystem.PVSystem(
        surface_tilt=30.0,
        surface_azimuth=180.0,
        albedo=0.2,
        module_parameters={"pdc0": 1.0, "gamma_pdc": -0.0035},
        inverter_parameters={"pdc0": (1 / 1.2) / 0.96, "eta_inv_nom": 0.96},
        temperature_model_parameters={"a": -3.47, "b": -0.0594, "deltaT": 3.0},
        losses_parameters={},
    )
    mc = pvlib.modelchain.ModelChain.with_pvwatts(
        system,
        location,
        transposition_model="perez",
        aoi_model="physical",
        losses_model="no_loss",
    )
    mc.run_model(weather)
    # PVWatts DC losses of 14.08 % applied before the inverter, as in our chain
    dc = mc.results.dc * (1 - 0.1408)
    ac = pvlib.inverter.pvwatts(dc, (1 / 1.2) / 0.96, eta_inv_nom=0.96).clip(lower=0)
    reference = float(ac.sum())
    assert_allclose(ours.sum(), reference, rtol=0.005)
    assert 1250.0 < reference < 1600.0  # Greensboro NC, 30 deg south


def test_tmy3_plain_hour_ending_timestamps_within_two_percent():
    """A naive run on the TMY3 time stamps (sun at the hour's end) differs by < 2 %."""
    w = read_weather_file(TMY3, 1990)
    ours = pv_availability(w.data, w.latitude, w.longitude, w.altitude_m, tilt_deg=30.0)
    raw, meta = pvlib.iotools.read_tmy3(TMY3, coerce_year=1990, map_variables=True)
    naive = pv_availability(
        raw[["ghi", "dni", "dhi", "temp_air", "wind_speed"]],
        meta["latitude"],
        meta["longitude"],
        273.0,
        tilt_deg=30.0,
        solar_pos=pvlib.solarposition.get_solarposition(
            raw.index, meta["latitude"], meta["longitude"], 273.0
        ),
    )
    assert_allclose(np.sum(ours), np.sum(naive), rtol=0.02)
