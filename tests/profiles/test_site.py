import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from dispatch.profiles import (
    PROFILE_COLUMNS,
    HeatPumpSpec,
    LoadSpec,
    Location,
    PVSpec,
    WeatherSpec,
    WindSpec,
    build_site_profiles,
    profile_statistics,
    write_profiles_csv,
)

MEISHAN = Location(29.8, 121.9, altitude_m=5.0)


@pytest.fixture(scope="module")
def meishan():
    return build_site_profiles(
        2025,
        MEISHAN,
        WeatherSpec(seed=1),
        PVSpec(),
        WindSpec(),
        HeatPumpSpec(sink_temperature_c=60.0),
        LoadSpec("logistics", annual_electricity_mwh=30_000.0, annual_heat_mwh=5_000.0),
    )


def test_columns_and_local_index(meishan):
    assert list(meishan.columns) == list(PROFILE_COLUMNS)
    assert len(meishan) == 8760
    assert meishan.index[0] == pd.Timestamp("2025-01-01 00:00", tz="Asia/Shanghai")
    assert meishan.index.name == "time"
    assert not meishan.isna().any().any()
    assert meishan.attrs["notes"] == []
    assert meishan.attrs["meta"]["pv_tilt_deg"] == pytest.approx(24.8)


def test_no_pv_at_night(meishan):
    assert (meishan.loc[meishan["ghi_w_m2"] == 0, "pv_kw_per_kw"] == 0).all()
    assert (meishan["pv_kw_per_kw"][meishan.index.hour < 5] == 0).all()


def test_statistics(meishan):
    s = profile_statistics(meishan)
    assert 1000 < s["pv_yield_kwh_per_kwp"] < 1200
    assert_allclose(s["temp_air_mean_c"], 16.4, atol=0.5)
    assert_allclose(s["temp_air_jan_c"], 4.7, atol=0.5)
    assert_allclose(s["temp_air_jul_c"], 28.0, atol=0.5)
    assert_allclose(s["electricity_mwh"], 30_000.0)
    assert_allclose(s["heat_mwh"], 5_000.0)
    assert 1.5 < s["cop_mean"] < 5.0


def test_statistics_literal():
    idx = pd.date_range("2025-01-01", periods=2, freq="h", tz="Asia/Shanghai")
    df = pd.DataFrame({"pv_kw_per_kw": [0.0, 0.5], "electricity_kw": [1000.0, 3000.0]}, index=idx)
    assert profile_statistics(df) == {
        "pv_yield_kwh_per_kwp": 0.5,
        "pv_peak_kw_per_kw": 0.5,
        "electricity_mwh": 4.0,
        "electricity_peak_kw": 3000.0,
    }


def test_only_requested_columns():
    df = build_site_profiles(2025, MEISHAN, load=LoadSpec("industrial", peak_kw=5000.0))
    assert list(df.columns) == ["temp_air_c", "ghi_w_m2", "wind_speed_m_s", "electricity_kw"]
    assert_allclose(df["electricity_kw"].max(), 5000.0)


def test_heat_above_reach_goes_to_boiler():
    df = build_site_profiles(
        2025, MEISHAN, heat_pump=HeatPumpSpec(sink_temperature_c=160.0, steam_pressure_mpa=0.6)
    )
    assert (df["cop"] == 0).all()
    assert any("boiler" in n for n in df.attrs["notes"])
    assert df.attrs["meta"]["heat_pump_in_reach"] is False


def test_far_location_note_and_altitude_lookup():
    df = build_site_profiles(2025, Location(22.3, 114.2))  # Hong Kong: Guangzhou is near
    assert df.attrs["notes"] == []
    far = build_site_profiles(2025, Location(48.1, 11.6, tz="Etc/GMT-1"))
    assert far.attrs["notes"][0].startswith("Nearest shipped climate site")
    with pytest.raises(ValueError, match="standard time"):
        build_site_profiles(2025, Location(48.1, 11.6, tz="Europe/Berlin"))


def test_site_override_and_weather_file(tmp_path):
    df = build_site_profiles(2025, Location(30.0, 120.0, site="kunming"))
    assert "Kunming" in df.attrs["meta"]["weather_source"]
    import pvlib

    tmy = pvlib.__path__[0] + "/data/723170TYA.CSV"
    f = build_site_profiles(2025, Location(36.1, -79.95), WeatherSpec(file=tmy), pv=PVSpec())
    assert f.attrs["meta"]["weather_source"].startswith("TMY3 file")
    assert 1250 < f["pv_kw_per_kw"].sum() < 1600


def test_write_csv_roundtrip(meishan, tmp_path):
    path = write_profiles_csv(meishan, tmp_path / "out" / "profiles.csv")
    back = pd.read_csv(path, index_col="time")
    assert back.index[0] == "2025-01-01T00:00:00+0800"
    assert list(back.columns) == list(PROFILE_COLUMNS)
    assert_allclose(back["electricity_kw"].sum(), meishan["electricity_kw"].sum(), rtol=1e-5)
    assert np.isfinite(back.to_numpy()).all()
