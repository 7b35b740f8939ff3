"""Hourly weather for one model year: a reproducible synthetic year, or a weather file.

Both paths return a DataFrame on the 8760-hour grid of :func:`dispatch.timegrid.hours`
(time-zone aware, local standard time, hour-beginning labels: the row stamped 10:00 holds the
averages of 10:00-11:00) with pvlib-named columns:

``ghi``, ``dni``, ``dhi`` [W/m2], ``temp_air`` [C] and ``wind_speed`` at 10 m [m/s].

Solar geometry is evaluated at the middle of each hour.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
from scipy import special, stats

from dispatch.files import MAX_MAGNITUDE, MAX_TABLE_BYTES, check_readable
from dispatch.profiles._data import parameter
from dispatch.profiles._random import ar1
from dispatch.profiles.climate import ClimateSite, normals_at
from dispatch.timegrid import HOURS_PER_YEAR, LOCAL_TZ, hours

WEATHER_COLUMNS = ("ghi", "dni", "dhi", "temp_air", "wind_speed")
DAYS = HOURS_PER_YEAR // 24
MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
HALF_HOUR = pd.Timedelta(minutes=30)


# --------------------------------------------------------------------------- solar geometry


def solar_position(
    index: pd.DatetimeIndex, latitude: float, longitude: float, altitude_m: float = 0.0
) -> pd.DataFrame:
    """Return the solar position at the middle of each hour.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Time-zone aware hour-beginning stamps.
    latitude, longitude : float
        Location [degrees north, degrees east].
    altitude_m : float, default 0
        Altitude [m].

    Returns
    -------
    pandas.DataFrame
        pvlib solar-position columns (``apparent_zenith``, ``zenith``, ``azimuth``, ...) [degrees]
        on ``index``.
    """
    pos = pvlib.solarposition.get_solarposition(index + HALF_HOUR, latitude, longitude, altitude_m)
    pos.index = index
    return pos


def clear_sky(
    index: pd.DatetimeIndex,
    latitude: float,
    longitude: float,
    altitude_m: float = 0.0,
    solar_pos: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return Ineichen clear-sky irradiance, Linke turbidity from pvlib's shipped climatology.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Time-zone aware hour-beginning stamps.
    latitude, longitude : float
        Location [degrees].
    altitude_m : float, default 0
        Altitude [m].
    solar_pos : pandas.DataFrame, optional
        Output of :func:`solar_position` on ``index`` (computed if omitted).

    Returns
    -------
    pandas.DataFrame
        Columns ``ghi``, ``dni``, ``dhi`` [W/m2] on ``index``.
    """
    if solar_pos is None:
        solar_pos = solar_position(index, latitude, longitude, altitude_m)
    loc = pvlib.location.Location(latitude, longitude, altitude=altitude_m)
    mid = index + HALF_HOUR
    pos = solar_pos.set_axis(mid)
    cs = loc.get_clearsky(mid, model="ineichen", solar_position=pos)
    cs.index = index
    return cs.clip(lower=0.0)


@cache
def _clear_sky_monthly_kwh(latitude: float, longitude: float, altitude_m: float) -> np.ndarray:
    """Monthly clear-sky irradiation of a reference year (2019) [kWh/m2]."""
    idx = hours(2019, tz=LOCAL_TZ)
    cs = clear_sky(idx, latitude, longitude, altitude_m)
    return cs["ghi"].groupby(idx.month).sum().to_numpy() / 1000.0


def clear_sky_index_normals(site: ClimateSite) -> np.ndarray:
    """Return the monthly clear-sky index of a site's GHI normals [-].

    The ratio of the normal monthly irradiation to the clear-sky irradiation at the station. It
    is what the synthetic generator reproduces, so it can be moved to a nearby location.

    Parameters
    ----------
    site : ClimateSite
        Shipped site with its normals.

    Returns
    -------
    numpy.ndarray
        Twelve values, January first.
    """
    normal = site.normals["ghi_kwh_m2_day"].to_numpy() * MONTH_DAYS
    cs = _clear_sky_monthly_kwh(site.latitude, site.longitude, site.altitude_m)
    return normal / cs


# --------------------------------------------------------------------------- random building blocks


@cache
def _mean_preserving_matrix() -> tuple[np.ndarray, np.ndarray]:
    """Daily interpolation weights of 12 mid-month anchors and the monthly-mean matrix."""
    starts = np.concatenate([[0], np.cumsum(MONTH_DAYS)[:-1]])
    mids = starts + (MONTH_DAYS - 1) / 2.0
    days = np.arange(DAYS)
    xp = np.concatenate([[mids[-1] - DAYS], mids, [mids[0] + DAYS]])
    basis = np.empty((DAYS, 12))
    for j in range(12):
        fp = np.zeros(14)
        fp[j + 1] = 1.0
        if j == 11:
            fp[0] = 1.0
        if j == 0:
            fp[13] = 1.0
        basis[:, j] = np.interp(days, xp, fp)
    month_of_day = np.repeat(np.arange(12), MONTH_DAYS)
    mean = np.vstack([basis[month_of_day == m].mean(axis=0) for m in range(12)])
    return basis, mean


def mean_preserving_daily(monthly: np.ndarray) -> np.ndarray:
    """Return a smooth 365-day curve whose monthly means equal ``monthly``.

    Piecewise-linear and periodic through twelve mid-month anchors; the anchors are solved so
    that each calendar month keeps its mean exactly.

    Parameters
    ----------
    monthly : array_like
        Twelve monthly means, January first.

    Returns
    -------
    numpy.ndarray
        365 daily values (29 February is never on the grid).
    """
    basis, mean = _mean_preserving_matrix()
    anchors = np.linalg.solve(mean, np.asarray(monthly, dtype=float))
    return basis @ anchors


def _daily_to_hourly(daily: np.ndarray) -> np.ndarray:
    """Linear interpolation of daily values anchored at noon onto 8760 hours."""
    h = np.arange(HOURS_PER_YEAR) + 0.5
    xp = np.arange(DAYS) * 24.0 + 12.0
    return np.interp(h, xp, daily)


def _month_index(index: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray(index.month) - 1


# --------------------------------------------------------------------------- synthetic components


def synthetic_clear_sky_index(
    rng: np.random.Generator,
    ghi_clear: np.ndarray,
    month: np.ndarray,
    kc_month: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Return hourly and daily clear-sky index with day-to-day cloud persistence.

    A latent AR(1) series of daily cloudiness is mapped onto a Beta distribution with the
    month's mean clear-sky index; hourly AR(1) noise, strongest on broken-cloud days, is added;
    the result is scaled month by month until the monthly irradiation equals
    ``kc_month`` times the clear-sky irradiation.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator (reproducible stream).
    ghi_clear : numpy.ndarray
        8760 clear-sky GHI values [W/m2].
    month : numpy.ndarray
        8760 month numbers 0..11.
    kc_month : numpy.ndarray
        Twelve target monthly clear-sky indices [-].

    Returns
    -------
    kc_hour : numpy.ndarray
        8760 hourly clear-sky indices [-].
    kc_day : numpy.ndarray
        365 daily clear-sky indices before hourly noise [-].
    """
    kc_max = parameter("weather", "clear_sky_index_max")
    nu = parameter("weather", "cloud_day_concentration")
    target_kc = np.clip(kc_month, 0.05, 0.98)
    day_month = month[::24]
    u = stats.norm.cdf(ar1(rng, DAYS, parameter("weather", "cloud_day_lag1")))
    mu = target_kc[day_month]
    kc_day = stats.beta.ppf(u, mu * nu, (1.0 - mu) * nu)
    noise = ar1(rng, HOURS_PER_YEAR, parameter("weather", "cloud_hour_lag1")).reshape(DAYS, 24)
    scale = parameter("weather", "cloud_hour_scale") * np.sqrt(kc_day * (1.0 - kc_day))
    kc = np.clip(kc_day[:, None] + scale[:, None] * noise, 0.0, kc_max).ravel()
    target = np.bincount(month, weights=ghi_clear, minlength=12) * target_kc
    for _ in range(8):
        got = np.bincount(month, weights=kc * ghi_clear, minlength=12)
        factor = np.divide(target, got, out=np.ones(12), where=got > 0)
        kc = np.clip(kc * factor[month], 0.0, kc_max)
    return kc, kc_day


def synthetic_temperature(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    temp_month: np.ndarray,
    range_month: np.ndarray,
    kc_day: np.ndarray,
    ghi_clear: np.ndarray,
) -> np.ndarray:
    """Return hourly air temperature with seasonal, synoptic and daily cycles [C].

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator (reproducible stream).
    index : pandas.DatetimeIndex
        The 8760-hour grid.
    temp_month : numpy.ndarray
        Twelve monthly mean temperatures [C]; reproduced exactly.
    range_month : numpy.ndarray
        Twelve mean daily temperature ranges, max minus min [K].
    kc_day : numpy.ndarray
        365 daily clear-sky indices; clear days get larger daily ranges.
    ghi_clear : numpy.ndarray
        8760 clear-sky GHI [W/m2]; fixes sunrise and solar noon of each day.

    Returns
    -------
    numpy.ndarray
        8760 temperatures [C].
    """
    month = _month_index(index)
    day_month = month[::24]
    seasonal = mean_preserving_daily(temp_month)
    range_day = mean_preserving_daily(range_month)
    sigma = parameter("weather", "temp_day_sigma_per_range") * range_day
    anomaly = sigma * ar1(rng, DAYS, parameter("weather", "temp_day_lag1"))
    kc_mean = np.array([kc_day[day_month == m].mean() for m in range(12)])
    gain = parameter("weather", "temp_range_cloud_gain")
    rel = kc_day / np.maximum(kc_mean[day_month], 1e-6)
    range_day = range_day * np.clip(1.0 - gain + gain * rel, 0.3, 1.7)

    # daily cycle: minimum at sunrise, maximum some hours after solar noon
    sun = ghi_clear.reshape(DAYS, 24) > 0
    first = np.argmax(sun, axis=1).astype(float)
    last = 23 - np.argmax(sun[:, ::-1], axis=1).astype(float)
    t_min = first
    t_max = (first + last + 1.0) / 2.0 + parameter("weather", "temp_max_hours_after_noon")
    h = np.arange(24) + 0.5
    rising = (h[None, :] >= t_min[:, None]) & (h[None, :] < t_max[:, None])
    up = -0.5 * np.cos(np.pi * (h[None, :] - t_min[:, None]) / (t_max - t_min)[:, None])
    hh = np.where(h[None, :] >= t_max[:, None], h[None, :], h[None, :] + 24.0)
    down = 0.5 * np.cos(np.pi * (hh - t_max[:, None]) / (t_min + 24.0 - t_max)[:, None])
    shape = np.where(rising, up, down)
    shape -= shape.mean(axis=1, keepdims=True)

    temp = _daily_to_hourly(seasonal + anomaly) + (range_day[:, None] * shape).ravel()
    bias = np.bincount(month, weights=temp, minlength=12) / np.bincount(month, minlength=12)
    return temp - (bias - temp_month)[month]


def synthetic_wind_speed(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    wind_month: np.ndarray,
    weibull_k: float,
) -> np.ndarray:
    """Return hourly 10 m wind speed, Weibull distributed with hour-to-hour persistence [m/s].

    A Gaussian latent series (a slow synoptic AR(1) plus a fast AR(1)) is mapped through the
    Weibull quantile function; a small diurnal cycle is applied; each month is scaled to its
    normal mean.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator (reproducible stream).
    index : pandas.DatetimeIndex
        The 8760-hour grid.
    wind_month : numpy.ndarray
        Twelve monthly mean wind speeds at 10 m [m/s]; reproduced exactly.
    weibull_k : float
        Weibull shape parameter [-].

    Returns
    -------
    numpy.ndarray
        8760 wind speeds [m/s].
    """
    month = _month_index(index)
    w = parameter("weather", "wind_synoptic_weight")
    lag_slow = np.exp(-1.0 / parameter("weather", "wind_synoptic_time_constant_h"))
    z = np.sqrt(w) * ar1(rng, HOURS_PER_YEAR, lag_slow) + np.sqrt(1.0 - w) * ar1(
        rng, HOURS_PER_YEAR, parameter("weather", "wind_fast_lag1")
    )
    u = stats.norm.cdf(z)
    unit = (-np.log1p(-u)) ** (1.0 / weibull_k) / special.gamma(1.0 + 1.0 / weibull_k)
    hour = np.asarray(index.hour) + 0.5
    amp = parameter("weather", "wind_diurnal_amplitude")
    peak = parameter("weather", "wind_diurnal_peak_hour")
    diurnal = 1.0 + amp * np.cos(2.0 * np.pi * (hour - peak) / 24.0)
    speed = _daily_to_hourly(mean_preserving_daily(wind_month)) * unit * diurnal
    got = np.bincount(month, weights=speed, minlength=12) / np.bincount(month, minlength=12)
    return speed * (np.asarray(wind_month) / got)[month]


def split_ghi(ghi: pd.Series, solar_pos: pd.DataFrame, clear: pd.DataFrame) -> pd.DataFrame:
    """Split GHI into DNI and DHI with the Erbs model, DNI capped at clear sky.

    Parameters
    ----------
    ghi : pandas.Series
        Global horizontal irradiance [W/m2].
    solar_pos : pandas.DataFrame
        Output of :func:`solar_position` on the same index.
    clear : pandas.DataFrame
        Clear-sky irradiance on the same index (``dni`` column used).

    Returns
    -------
    pandas.DataFrame
        Columns ``ghi``, ``dni``, ``dhi`` [W/m2].
    """
    g = ghi.to_numpy(dtype=float)
    zenith = solar_pos["zenith"].to_numpy()
    doy = pd.DatetimeIndex(ghi.index).dayofyear.to_numpy(dtype=float)
    parts = pvlib.irradiance.erbs(g, zenith, doy)
    dni = np.minimum(np.nan_to_num(parts["dni"]), clear["dni"].to_numpy()).clip(min=0.0)
    cosz = np.cos(np.radians(zenith)).clip(min=0.0)
    dhi = (g - dni * cosz).clip(min=0.0)
    return pd.DataFrame({"ghi": g, "dni": dni, "dhi": dhi}, index=ghi.index)


# --------------------------------------------------------------------------- public entry points


@dataclass
class Weather:
    """Hourly weather and where it came from.

    Attributes
    ----------
    data : pandas.DataFrame
        Columns ``ghi``, ``dni``, ``dhi`` [W/m2], ``temp_air`` [C], ``wind_speed`` [m/s] on the
        8760-hour local grid.
    latitude, longitude : float
        Location of the weather [degrees].
    altitude_m : float
        Altitude [m].
    source : str
        Human-readable description.
    notes : list of str
        Caveats to show with the results.
    """

    data: pd.DataFrame
    latitude: float
    longitude: float
    altitude_m: float
    source: str
    notes: list[str] = field(default_factory=list)


def synthetic_weather(
    year: int,
    latitude: float,
    longitude: float,
    site: ClimateSite,
    altitude_m: float | None = None,
    seed: int = 0,
    tz: str = LOCAL_TZ,
) -> Weather:
    """Generate a reproducible hourly weather year from a site's monthly normals.

    Parameters
    ----------
    year : int
        Model year (sets the weekday calendar and the solar geometry).
    latitude, longitude : float
        Location [degrees]; clear-sky irradiance is computed here.
    site : ClimateSite
        Climate site whose normals are reproduced (usually the nearest one).
    altitude_m : float, optional
        Altitude [m]; defaults to the site altitude. Temperatures follow the lapse rate.
    seed : int, default 0
        Random seed; the same seed gives the same year.
    tz : str, default ``"Asia/Shanghai"``
        Time zone of the local hours.

    Returns
    -------
    Weather
        Monthly means equal the normals exactly (temperature, wind speed, GHI).
    """
    alt = site.altitude_m if altitude_m is None else float(altitude_m)
    index = hours(year, tz=tz)
    month = _month_index(index)
    normals = normals_at(site, alt)
    # the site key is part of the entropy so that two sites with the same seed differ
    entropy = [int(seed), zlib.crc32(site.site.encode())]
    rng_cloud, rng_temp, rng_wind = (
        np.random.default_rng(s) for s in np.random.SeedSequence(entropy).spawn(3)
    )
    pos = solar_position(index, latitude, longitude, alt)
    clear = clear_sky(index, latitude, longitude, alt, solar_pos=pos)
    kc_month = clear_sky_index_normals(site)
    ghi_clear = clear["ghi"].to_numpy()
    kc, kc_day = synthetic_clear_sky_index(rng_cloud, ghi_clear, month, kc_month)
    irr = split_ghi(pd.Series(kc * ghi_clear, index=index), pos, clear)
    temp = synthetic_temperature(
        rng_temp,
        index,
        normals["temp_air_c"].to_numpy(),
        normals["temp_range_c"].to_numpy(),
        kc_day,
        ghi_clear,
    )
    wind = synthetic_wind_speed(
        rng_wind, index, normals["wind_speed_10m_m_s"].to_numpy(), site.weibull_k
    )
    data = irr.assign(temp_air=temp, wind_speed=wind)
    return Weather(
        data=data.loc[:, list(WEATHER_COLUMNS)],
        latitude=latitude,
        longitude=longitude,
        altitude_m=alt,
        source=f"synthetic (seed {seed}) from climate normals of {site.name}",
    )


def _fixed_offset_tz(hours_east: float) -> str:
    """Return an IANA name for a whole-hour UTC offset (``8`` gives ``Asia/Shanghai``)."""
    if hours_east == 8:
        return LOCAL_TZ
    if hours_east != int(hours_east):
        raise ValueError(f"time-zone offset {hours_east} h is not a whole hour")
    off = -int(hours_east)
    return "Etc/GMT" + (f"+{off}" if off > 0 else str(off) if off < 0 else "")


def _to_grid(frame: pd.DataFrame, year: int, tz: str) -> pd.DataFrame:
    """Map an hourly year in file order (8760 or 8784 rows) onto the model year grid."""
    n = len(frame)
    if n == 8784:
        keep = np.ones(n, dtype=bool)
        keep[59 * 24 : 60 * 24] = False  # 29 February in file order
        frame = frame.iloc[keep]
    elif n != HOURS_PER_YEAR:
        raise ValueError(f"a weather year needs 8760 or 8784 hourly rows, got {n}")
    out = frame.reset_index(drop=True)
    out.index = hours(year, tz=tz)
    return out


def _sniff(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".epw":
        return "epw"
    if suffix in (".tm2", ".tmy2"):
        return "tmy2"
    with open(path, encoding="utf-8", errors="replace") as fh:
        fh.readline()
        second = fh.readline()
    if second.startswith("Date (MM/DD/YYYY)"):
        return "tmy3"
    return "csv"


def read_weather_file(
    path: str | Path,
    year: int,
    latitude: float | None = None,
    longitude: float | None = None,
    altitude_m: float | None = None,
    tz: str | None = None,
) -> Weather:
    """Read EPW, TMY3, TMY2 or a pvlib-named CSV and map it onto the model year.

    Rows are taken in file order as consecutive hours from 1 January 00:00 local standard time
    (EPW and TMY stamp the end of each hour; the first row covers 00:00-01:00), so the file's
    own year or years are replaced by ``year``. A leap-year file loses 29 February.

    A CSV needs 8760 (or 8784) rows and the columns ``ghi`` and ``temp_air`` and, optionally,
    ``dni``, ``dhi`` (else split from GHI with Erbs) and ``wind_speed`` at 10 m (else NaN); any
    other column, for example a time stamp, is ignored.

    Parameters
    ----------
    path : str or pathlib.Path
        Weather file.
    year : int
        Model year.
    latitude, longitude, altitude_m : float, optional
        Location; taken from the file header for EPW/TMY when omitted, required for CSV.
    tz : str, optional
        Time zone of the file's local standard time; from the header for EPW/TMY, else
        ``"Asia/Shanghai"``.

    Returns
    -------
    Weather
    """
    path = Path(path)
    check_readable(path, MAX_TABLE_BYTES)  # no FIFO, device or oversized file
    kind = _sniff(path)
    meta: dict[str, float] = {}
    if kind == "epw":
        raw, meta = pvlib.iotools.read_epw(path)
        frame = raw.loc[:, list(WEATHER_COLUMNS)]
    elif kind == "tmy3":
        raw, meta = pvlib.iotools.read_tmy3(path, map_variables=True)
        frame = raw.loc[:, list(WEATHER_COLUMNS)]
    elif kind == "tmy2":
        raw, meta = pvlib.iotools.read_tmy2(path)
        frame = pd.DataFrame(
            {
                "ghi": raw["GHI"],
                "dni": raw["DNI"],
                "dhi": raw["DHI"],
                "temp_air": raw["DryBulb"] / 10.0,  # TMY2 stores tenths of C
                "wind_speed": raw["Wspd"] / 10.0,  # and tenths of m/s
            }
        )
    else:
        frame = pd.read_csv(path)
        missing = {"ghi", "temp_air"} - set(frame.columns)
        if missing:
            raise ValueError(
                f"{path}: CSV weather needs pvlib-named columns; missing {sorted(missing)}"
            )
    lat = latitude if latitude is not None else meta.get("latitude")
    lon = longitude if longitude is not None else meta.get("longitude")
    if lat is None or lon is None:
        raise ValueError(f"{path}: give the location (latitude, longitude) for a CSV weather file")
    alt = altitude_m if altitude_m is not None else float(meta.get("altitude", 0.0))
    zone = tz or (_fixed_offset_tz(float(meta["TZ"])) if "TZ" in meta else LOCAL_TZ)
    data = _to_grid(frame, year, zone)
    present = [c for c in WEATHER_COLUMNS if c in data]
    try:
        values = data[present].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{path}: weather columns {present} must hold numbers") from None
    bad = np.isinf(values) | (np.abs(np.nan_to_num(values)) > MAX_MAGNITUDE)
    if bad.any():
        row, col = (int(i[0]) for i in np.nonzero(bad))
        raise ValueError(
            f"{path}: row {row + 1} of the year: {present[col]} = {values[row, col]:g} "
            f"is not a plausible value (finite, at most {MAX_MAGNITUDE:g} in size)"
        )
    notes = []
    if "dni" not in data or "dhi" not in data:
        index = pd.DatetimeIndex(data.index)
        pos = solar_position(index, lat, lon, alt)
        clear = clear_sky(index, lat, lon, alt, solar_pos=pos)
        data[["ghi", "dni", "dhi"]] = split_ghi(data["ghi"].astype(float), pos, clear)
        notes.append("DNI and DHI were split from GHI with the Erbs model.")
    if "wind_speed" not in data:
        data["wind_speed"] = np.nan
        notes.append("The weather file has no wind_speed: wind availability cannot be computed.")
    data = data.loc[:, list(WEATHER_COLUMNS)].astype(float)
    return Weather(
        data=data,
        latitude=float(lat),
        longitude=float(lon),
        altitude_m=float(alt),
        source=f"{kind.upper()} file {path.name}, mapped onto {year}",
        notes=notes,
    )
