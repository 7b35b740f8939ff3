import datetime as dt

import numpy as np
import pandas as pd
import pvlib
import pytest
from numpy.testing import assert_allclose

from dispatch.profiles._random import ar1
from dispatch.profiles.climate import load_site
from dispatch.profiles.weather import (
    mean_preserving_daily,
    read_weather_file,
    solar_position,
    synthetic_weather,
)

PVLIB_DATA = pvlib.__path__[0] + "/data/"
TMY3 = PVLIB_DATA + "723170TYA.CSV"
TMY2 = PVLIB_DATA + "12839.tm2"
MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def test_ar1_has_unit_variance_and_lag1():
    x = ar1(np.random.default_rng(42), 200_000, 0.8)
    assert_allclose(x.std(), 1.0, atol=0.01)
    assert_allclose(np.corrcoef(x[:-1], x[1:])[0, 1], 0.8, atol=0.01)


def test_mean_preserving_daily_keeps_monthly_means():
    monthly = np.array([-9.6, -6.0, 0.6, 8.1, 14.6, 19.2, 21.2, 19.4, 14.1, 7.4, -0.6, -7.4])
    daily = mean_preserving_daily(monthly)
    assert daily.shape == (365,)
    means = [d.mean() for d in np.split(daily, np.cumsum(MONTH_DAYS)[:-1])]
    assert_allclose(means, monthly, atol=1e-9)
    assert np.abs(np.diff(daily)).max() < 0.5  # smooth: no monthly steps


def test_ningbo_temperatures_match_normals(ningbo_weather):
    t = ningbo_weather.data["temp_air"]
    assert_allclose(t.mean(), 16.4, atol=0.5)
    assert_allclose(t[t.index.month == 1].mean(), 4.7, atol=0.5)
    assert_allclose(t[t.index.month == 7].mean(), 28.0, atol=0.5)
    normals = load_site("ningbo").normals["temp_air_c"].to_numpy()
    monthly = t.groupby(t.index.month).mean().to_numpy()
    assert_allclose(monthly, normals - 0.0065 * (5.0 - 5.0), atol=0.5)


def test_daily_temperature_cycle(ningbo_weather):
    t = ningbo_weather.data["temp_air"]
    by_hour = t.groupby(t.index.hour).mean()
    assert 13 <= by_hour.idxmax() <= 16
    assert 4 <= by_hour.idxmin() <= 7
    daily = t.resample("D")
    assert_allclose((daily.max() - daily.min()).mean(), 7.8, atol=1.5)


def test_synthetic_weather_is_local_and_complete(ningbo_weather):
    d = ningbo_weather.data
    assert list(d.columns) == ["ghi", "dni", "dhi", "temp_air", "wind_speed"]
    assert len(d) == 8760
    assert str(d.index.tz) == "Asia/Shanghai"
    assert d.index[0] == pd.Timestamp("2025-01-01 00:00", tz="Asia/Shanghai")
    assert not d.isna().any().any()


def test_no_sun_at_night(ningbo_weather):
    d = ningbo_weather.data
    pos = solar_position(d.index, 29.8, 121.9, 5.0)
    night = pos["apparent_zenith"] > 90.0
    assert (d.loc[night, ["ghi", "dni", "dhi"]] == 0).all().all()
    assert (d["ghi"][d.index.hour.isin([0, 1, 2, 3, 21, 22, 23])] == 0).all()


def test_irradiance_components_close(ningbo_weather):
    d = ningbo_weather.data
    pos = solar_position(d.index, 29.8, 121.9, 5.0)
    cosz = np.cos(np.radians(pos["zenith"])).clip(lower=0)
    assert_allclose(d["dni"] * cosz + d["dhi"], d["ghi"], atol=1e-6)
    assert (d[["ghi", "dni", "dhi"]] >= 0).all().all()


def test_synthetic_ghi_matches_monthly_normals_at_the_station():
    site = load_site("ordos")
    w = synthetic_weather(2025, site.latitude, site.longitude, site, seed=3)
    monthly = w.data["ghi"].groupby(w.data.index.month).sum().to_numpy() / 1000.0
    expected = site.normals["ghi_kwh_m2_day"].to_numpy() * MONTH_DAYS
    assert_allclose(monthly, expected, rtol=0.01)


def test_cloud_persistence(ningbo_weather):
    daily = ningbo_weather.data["ghi"].resample("D").sum()
    anomaly = daily / daily.rolling(31, center=True, min_periods=1).mean()
    lag1 = np.corrcoef(anomaly[:-1], anomaly[1:])[0, 1]
    assert 0.2 < lag1 < 0.7


def test_wind_statistics(ningbo_weather):
    v = ningbo_weather.data["wind_speed"]
    normals = load_site("ningbo").normals["wind_speed_10m_m_s"].to_numpy()
    assert_allclose(v.groupby(v.index.month).mean().to_numpy(), normals, rtol=1e-9)
    lag1 = np.corrcoef(v[:-1], v[1:])[0, 1]
    assert 0.85 < lag1 < 0.97
    cv = v.std() / v.mean()  # Weibull k = 2 has CV 0.523
    assert_allclose(cv, 0.523, atol=0.06)
    assert (v >= 0).all()


def test_seed_reproducible_and_distinct():
    site = load_site("kunming")
    a = synthetic_weather(2025, site.latitude, site.longitude, site, seed=7).data
    b = synthetic_weather(2025, site.latitude, site.longitude, site, seed=7).data
    c = synthetic_weather(2025, site.latitude, site.longitude, site, seed=8).data
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["temp_air"], c["temp_air"])


def test_leap_year_has_8760_hours_without_29_february():
    site = load_site("hefei")
    d = synthetic_weather(2024, site.latitude, site.longitude, site).data
    assert len(d) == 8760
    assert not ((d.index.month == 2) & (d.index.day == 29)).any()


def test_read_tmy3_maps_rows_onto_the_model_year():
    w = read_weather_file(TMY3, 2025)
    raw, meta = pvlib.iotools.read_tmy3(TMY3, map_variables=True)
    assert len(w.data) == 8760
    assert w.data.index[0] == pd.Timestamp("2025-01-01 00:00", tz="Etc/GMT+5")
    assert_allclose(w.data["ghi"].to_numpy(), raw["ghi"].to_numpy())
    assert_allclose(w.data["temp_air"].iloc[:3], [10.0, 10.0, 10.0])
    assert (w.latitude, w.longitude, w.altitude_m) == (36.1, -79.95, 273.0)


def test_read_tmy2_converts_tenths():
    w = read_weather_file(TMY2, 2025)
    assert_allclose(w.data["temp_air"].iloc[5], 19.4)
    assert_allclose(w.data["wind_speed"].iloc[5], 3.1)
    assert w.data.index[0].utcoffset() == dt.timedelta(hours=-5)


def _write_epw(path, raw, meta):
    header = [
        f"LOCATION,Greensboro,NC,USA,TMY3,723170,{meta['latitude']},{meta['longitude']},"
        f"{meta['TZ']},{meta['altitude']}",
        "DESIGN CONDITIONS,0",
        "TYPICAL/EXTREME PERIODS,0",
        "GROUND TEMPERATURES,0",
        "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0",
        "COMMENTS 1,written by the park-dispatch tests",
        "COMMENTS 2,",
        "DATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31",
    ]
    rows = []
    for i, (_, r) in enumerate(raw.iterrows()):
        month, day, hour = r.name.month, r.name.day, r.name.hour or 24
        if hour == 24:  # TMY3 stamps the end of the hour: 00:00 belongs to the previous day
            prev = r.name - pd.Timedelta(hours=1)
            month, day = prev.month, prev.day
        fields = [1988, month, day, hour, 0, "?", r.temp_air, r.temp_dew, 50, 100000,
                  0, 0, 300, r.ghi, r.dni, r.dhi, 0, 0, 0, 0, 0, r.wind_speed, 0, 0,
                  9999, 0, 9, 999999999, 0, 0.1, 0, 88, 0.2, 0, 0]  # fmt: skip
        rows.append(",".join(str(f) for f in fields))
        assert i < 8760
    path.write_text("\n".join(header + rows) + "\n")


def test_read_epw(tmp_path):
    raw, meta = pvlib.iotools.read_tmy3(TMY3, map_variables=True)
    path = tmp_path / "greensboro.epw"
    _write_epw(path, raw, meta)
    w = read_weather_file(path, 2026)
    assert len(w.data) == 8760
    assert_allclose(w.data["ghi"].to_numpy(), raw["ghi"].to_numpy())
    assert_allclose(w.data["wind_speed"].to_numpy(), raw["wind_speed"].to_numpy())
    assert_allclose(w.latitude, 36.1)


def test_read_csv_with_ghi_only_splits_irradiance(tmp_path):
    raw, _ = pvlib.iotools.read_tmy3(TMY3, map_variables=True)
    path = tmp_path / "weather.csv"
    raw[["ghi", "temp_air"]].to_csv(path, index=False)
    w = read_weather_file(path, 2025, latitude=36.1, longitude=-79.95, tz="Etc/GMT+5")
    assert w.data["wind_speed"].isna().all()
    assert any("Erbs" in n for n in w.notes)
    assert_allclose(w.data["ghi"].sum(), raw["ghi"].sum())
    assert (w.data["dni"] >= 0).all()


def test_read_csv_needs_pvlib_names(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"GHI": np.zeros(8760), "T": np.zeros(8760)}).to_csv(path, index=False)
    with pytest.raises(ValueError, match="pvlib-named"):
        read_weather_file(path, 2025, latitude=30.0, longitude=120.0)


def test_read_csv_needs_a_full_year(tmp_path):
    path = tmp_path / "short.csv"
    pd.DataFrame({"ghi": np.zeros(100), "temp_air": np.zeros(100)}).to_csv(path, index=False)
    with pytest.raises(ValueError, match="8760"):
        read_weather_file(path, 2025, latitude=30.0, longitude=120.0)
