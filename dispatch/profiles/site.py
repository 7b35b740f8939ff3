"""Build all hourly profiles of a site: the entry point for the case and CLI layers.

:func:`build_site_profiles` takes plain dataclasses (no pydantic, no Pyomo) and returns the
``profiles.csv`` table on the 8760 local hours of the model year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pvlib

from dispatch.files import replace_file
from dispatch.profiles._data import parameter
from dispatch.profiles.climate import load_site, nearest_site
from dispatch.profiles.heat_pump import heat_pump_cop_profile, heat_pump_reach
from dispatch.profiles.loads import electricity_load, heat_load
from dispatch.profiles.pv import default_tilt_deg, pv_availability
from dispatch.profiles.weather import (
    Weather,
    read_weather_file,
    solar_position,
    synthetic_weather,
)
from dispatch.profiles.wind import normalise_power_curve, wind_availability
from dispatch.timegrid import LOCAL_TZ

PROFILE_COLUMNS = (
    "pv_kw_per_kw",
    "wind_kw_per_kw",
    "temp_air_c",
    "ghi_w_m2",
    "wind_speed_m_s",
    "cop",
    "electricity_kw",
    "heat_kw_th",
)


@dataclass
class Location:
    """Where the park is.

    Attributes
    ----------
    latitude, longitude : float
        [degrees north, degrees east].
    altitude_m : float, optional
        [m]; default from pvlib's altitude map.
    site : str, optional
        Climate site key to use instead of the nearest one.
    tz : str
        Time zone of the local hours, without daylight saving time; default
        ``"Asia/Shanghai"``.
    """

    latitude: float
    longitude: float
    altitude_m: float | None = None
    site: str | None = None
    tz: str = LOCAL_TZ


@dataclass
class WeatherSpec:
    """Which weather to use: ``source="synthetic"`` with a ``seed``, or a ``file``."""

    source: str = "synthetic"
    seed: int = 0
    file: str | Path | None = None


@dataclass
class PVSpec:
    """PV system design; ``None`` fields take the documented defaults."""

    tilt_deg: float | None = None
    azimuth_deg: float | None = None
    tracking: bool = False
    dc_ac_ratio: float | None = None
    losses_fraction: float | None = None


@dataclass
class WindSpec:
    """Wind turbine and site profile; ``power_curve`` is a table of speed [m/s] and power."""

    hub_height_m: float | None = None
    shear_exponent: float | None = None
    roughness_length_m: float | None = None
    turbine_class: str = "auto"
    power_curve: Any = None
    losses_fraction: float | None = None


@dataclass
class HeatPumpSpec:
    """Heat-pump source and sink."""

    sink_temperature_c: float | None = None
    source: str = "air"
    source_temperature_c: float | None = None
    carnot_efficiency: float | None = None
    steam_pressure_mpa: float | None = None


@dataclass
class LoadSpec:
    """Park demand from an archetype: annual totals or peaks."""

    park_type: str
    annual_electricity_mwh: float | None = None
    peak_kw: float | None = None
    annual_heat_mwh: float | None = None
    peak_heat_kw_th: float | None = None
    seed: int | None = None


@dataclass
class _Notes:
    notes: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


def _check_standard_time(tz: str, year: int) -> None:
    """Raise if ``tz`` has daylight saving time: the model uses local standard time."""
    jan = pd.Timestamp(f"{year}-01-15", tz=tz).utcoffset()
    jul = pd.Timestamp(f"{year}-07-15", tz=tz).utcoffset()
    if jan != jul:
        raise ValueError(
            f"time zone {tz!r} has daylight saving time; profiles use local standard time, "
            "give a fixed offset such as 'Etc/GMT-1' (UTC+1)"
        )


def site_weather(
    year: int,
    location: Location,
    weather: WeatherSpec | None = None,
    base_dir: str | Path | None = None,
) -> Weather:
    """Return the hourly weather of a location: synthetic from climate normals, or a file.

    Parameters
    ----------
    year : int
        Model year.
    location : Location
        Where the park is.
    weather : WeatherSpec, optional
        Default synthetic with seed 0.
    base_dir : str or pathlib.Path, optional
        Directory that a relative weather-file path is relative to (the case file's folder).

    Returns
    -------
    Weather
    """
    weather = weather or WeatherSpec()
    _check_standard_time(location.tz, year)
    if weather.file is not None:
        path = Path(weather.file)
        if base_dir is not None and not path.is_absolute():
            path = Path(base_dir) / path
        return read_weather_file(
            path, year, location.latitude, location.longitude, location.altitude_m
        )
    if weather.source != "synthetic":
        raise ValueError(f"weather source must be 'synthetic' or a file, got {weather.source!r}")
    notes: list[str] = []
    if location.site is not None:
        site = load_site(location.site)
    else:
        match = nearest_site(location.latitude, location.longitude)
        site = match.site
        if match.note:
            notes.append(match.note)
    alt = location.altitude_m
    if alt is None:
        alt = float(pvlib.location.lookup_altitude(location.latitude, location.longitude))
    out = synthetic_weather(
        year, location.latitude, location.longitude, site, alt, weather.seed, location.tz
    )
    out.notes.extend(notes)
    return out


def build_site_profiles(
    year: int,
    location: Location,
    weather: WeatherSpec | None = None,
    pv: PVSpec | None = None,
    wind: WindSpec | None = None,
    heat_pump: HeatPumpSpec | None = None,
    load: LoadSpec | None = None,
    base_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Return the hourly profiles of a site for one model year.

    Parameters
    ----------
    year : int
        Model year.
    location : Location
        Where the park is.
    weather : WeatherSpec, optional
        Synthetic (default) or file weather.
    pv, wind, heat_pump, load : optional
        Technology and demand specs; a column is produced only for the parts given.
    base_dir : str or pathlib.Path, optional
        Folder for relative weather-file paths.

    Returns
    -------
    pandas.DataFrame
        8760 rows on local hour-beginning stamps, columns among :data:`PROFILE_COLUMNS`:
        ``pv_kw_per_kw`` [kW AC/kWp], ``wind_kw_per_kw`` [kW/kW], ``temp_air_c`` [C],
        ``ghi_w_m2`` [W/m2], ``wind_speed_m_s`` (10 m) [m/s], ``cop`` [-], ``electricity_kw``
        [kW], ``heat_kw_th`` [kW]. ``attrs["notes"]`` lists caveats for the results and
        ``attrs["meta"]`` records the choices made (site, weather source, turbine class ...).
    """
    w = site_weather(year, location, weather, base_dir)
    data = w.data
    info = _Notes(notes=list(w.notes))
    info.meta.update(
        weather_source=w.source,
        latitude=w.latitude,
        longitude=w.longitude,
        altitude_m=w.altitude_m,
    )
    index = pd.DatetimeIndex(data.index)
    out = pd.DataFrame(index=index)
    out.index.name = "time"
    if pv is not None:
        pos = solar_position(index, w.latitude, w.longitude, w.altitude_m)
        out["pv_kw_per_kw"] = pv_availability(
            data,
            w.latitude,
            w.longitude,
            w.altitude_m,
            pv.tilt_deg,
            pv.azimuth_deg,
            pv.tracking,
            pv.dc_ac_ratio,
            pv.losses_fraction,
            solar_pos=pos,
        )
        info.meta["pv_tilt_deg"] = (
            "tracking" if pv.tracking else pv.tilt_deg or default_tilt_deg(w.latitude)
        )
    if wind is not None:
        if data["wind_speed"].isna().all():
            info.notes.append("No wind speed in the weather: wind availability set to 0.")
            out["wind_kw_per_kw"] = 0.0
        else:
            curve = None if wind.power_curve is None else normalise_power_curve(wind.power_curve)
            out["wind_kw_per_kw"] = wind_availability(
                data["wind_speed"],
                data["temp_air"],
                w.altitude_m,
                wind.hub_height_m,
                wind.shear_exponent,
                wind.roughness_length_m,
                wind.turbine_class,
                curve,
                wind.losses_fraction,
            )
    out["temp_air_c"] = data["temp_air"]
    out["ghi_w_m2"] = data["ghi"]
    out["wind_speed_m_s"] = data["wind_speed"]
    if heat_pump is not None:
        out["cop"] = heat_pump_cop_profile(
            data["temp_air"],
            heat_pump.sink_temperature_c,
            heat_pump.source,
            heat_pump.source_temperature_c,
            heat_pump.carnot_efficiency,
        )
        sink = heat_pump.sink_temperature_c
        if sink is None:
            sink = parameter("heat_pump", "sink_temperature_c")
        reach = heat_pump_reach(sink, heat_pump.steam_pressure_mpa)
        if not reach.in_reach:
            out["cop"] = 0.0
            info.notes.append(reach.note)
        info.meta["heat_pump_in_reach"] = reach.in_reach
    if load is not None:
        seed = load.seed if load.seed is not None else (weather.seed if weather else 0)
        if load.annual_electricity_mwh is not None or load.peak_kw is not None:
            out["electricity_kw"] = electricity_load(
                index,
                load.park_type,
                data["temp_air"],
                load.annual_electricity_mwh,
                load.peak_kw,
                seed,
            )
        if load.annual_heat_mwh is not None or load.peak_heat_kw_th is not None:
            out["heat_kw_th"] = heat_load(
                index,
                load.park_type,
                data["temp_air"],
                load.annual_heat_mwh,
                load.peak_heat_kw_th,
                seed,
            )
    out = out.loc[:, [c for c in PROFILE_COLUMNS if c in out.columns]]
    out.attrs["notes"] = info.notes
    out.attrs["meta"] = info.meta
    return out


def profile_statistics(profiles: pd.DataFrame) -> dict[str, float]:
    """Return annual statistics of a profile table.

    Parameters
    ----------
    profiles : pandas.DataFrame
        Output of :func:`build_site_profiles` (or a table with the same column names).

    Returns
    -------
    dict
        Keys present when the column is: ``pv_yield_kwh_per_kwp``, ``pv_peak_kw_per_kw``,
        ``wind_capacity_factor``, ``wind_full_load_hours``, ``temp_air_mean_c``,
        ``temp_air_jan_c``, ``temp_air_jul_c``, ``temp_air_min_c``, ``temp_air_max_c``,
        ``ghi_kwh_m2``, ``wind_speed_mean_m_s``, ``cop_mean``, ``cop_min``, ``electricity_mwh``,
        ``electricity_peak_kw``, ``heat_mwh``, ``heat_peak_kw_th``.
    """
    p = profiles
    s: dict[str, float] = {}
    month = pd.DatetimeIndex(p.index).month.to_numpy()
    if "pv_kw_per_kw" in p:
        s["pv_yield_kwh_per_kwp"] = float(p["pv_kw_per_kw"].sum())
        s["pv_peak_kw_per_kw"] = float(p["pv_kw_per_kw"].max())
    if "wind_kw_per_kw" in p:
        s["wind_capacity_factor"] = float(p["wind_kw_per_kw"].mean())
        s["wind_full_load_hours"] = float(p["wind_kw_per_kw"].sum())
    if "temp_air_c" in p:
        t = p["temp_air_c"]
        s["temp_air_mean_c"] = float(t.mean())
        s["temp_air_jan_c"] = float(t[month == 1].mean())
        s["temp_air_jul_c"] = float(t[month == 7].mean())
        s["temp_air_min_c"] = float(t.min())
        s["temp_air_max_c"] = float(t.max())
    if "ghi_w_m2" in p:
        s["ghi_kwh_m2"] = float(p["ghi_w_m2"].sum() / 1000.0)
    if "wind_speed_m_s" in p:
        s["wind_speed_mean_m_s"] = float(p["wind_speed_m_s"].mean())
    if "cop" in p:
        s["cop_mean"] = float(p["cop"].mean())
        s["cop_min"] = float(p["cop"].min())
    if "electricity_kw" in p:
        s["electricity_mwh"] = float(p["electricity_kw"].sum() / 1000.0)
        s["electricity_peak_kw"] = float(p["electricity_kw"].max())
    if "heat_kw_th" in p:
        s["heat_mwh"] = float(p["heat_kw_th"].sum() / 1000.0)
        s["heat_peak_kw_th"] = float(p["heat_kw_th"].max())
    return s


def write_profiles_csv(profiles: pd.DataFrame, path: str | Path) -> Path:
    """Write ``profiles.csv`` (local ISO time stamps with offset, 6 significant decimals).

    Parameters
    ----------
    profiles : pandas.DataFrame
        Output of :func:`build_site_profiles`.
    path : str or pathlib.Path
        Target file; parent folders are created; written atomically.

    Returns
    -------
    pathlib.Path
        The written path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return replace_file(  # atomically: a reader never sees half a file
        path,
        lambda tmp: profiles.to_csv(tmp, float_format="%.6g", date_format="%Y-%m-%dT%H:%M:%S%z"),
    )
