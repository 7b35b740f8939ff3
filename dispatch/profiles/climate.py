"""Monthly climate normals of the shipped Chinese sites and nearest-site lookup.

The normals (``data/climate_normals.csv``, ``data/climate_sites.csv``) drive the synthetic
weather generator. A location that is not one of the shipped sites uses the nearest site:
its clear-sky index and wind statistics are taken as they are, and its temperatures are
shifted to the location's altitude with the standard-atmosphere lapse rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dispatch.profiles._data import parameter, read_csv

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius
NORMAL_COLUMNS = ("temp_air_c", "temp_range_c", "ghi_kwh_m2_day", "wind_speed_10m_m_s")


@dataclass(frozen=True)
class ClimateSite:
    """One shipped climate site with its twelve monthly normals.

    Attributes
    ----------
    site : str
        Site key, for example ``"ningbo"``.
    name : str
        Display name.
    latitude, longitude : float
        Station position [degrees north, degrees east].
    altitude_m : float
        Station altitude [m].
    weibull_k : float
        Weibull shape of hourly 10 m wind speed [-].
    normals : pandas.DataFrame
        Index month 1..12; columns ``temp_air_c`` (mean [C]), ``temp_range_c`` (mean daily
        max minus min [K]), ``ghi_kwh_m2_day`` (mean daily global horizontal irradiation
        [kWh/m2/day]) and ``wind_speed_10m_m_s`` (mean 10 m wind speed [m/s]).
    """

    site: str
    name: str
    latitude: float
    longitude: float
    altitude_m: float
    weibull_k: float
    normals: pd.DataFrame


def site_keys() -> list[str]:
    """Return the keys of all shipped climate sites."""
    return read_csv("climate_sites.csv")["site"].tolist()


def load_site(site: str) -> ClimateSite:
    """Return a shipped site and its monthly normals.

    Parameters
    ----------
    site : str
        Site key (see :func:`site_keys`).

    Returns
    -------
    ClimateSite

    Raises
    ------
    KeyError
        If the site is not shipped.
    """
    sites = read_csv("climate_sites.csv").set_index("site")
    if site not in sites.index:
        raise KeyError(f"unknown climate site {site!r}; shipped sites: {', '.join(sites.index)}")
    row = sites.loc[site].to_dict()
    normals = read_csv("climate_normals.csv")
    normals = normals[normals["site"] == site].set_index("month").sort_index()
    return ClimateSite(
        site=site,
        name=str(row["name"]),
        latitude=float(row["latitude"]),
        longitude=float(row["longitude"]),
        altitude_m=float(row["altitude_m"]),
        weibull_k=float(row["weibull_k"]),
        normals=normals.loc[:, list(NORMAL_COLUMNS)].astype(float).copy(),
    )


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle (haversine) distance between two points [km].

    Parameters
    ----------
    lat1, lon1, lat2, lon2 : float
        Positions [degrees].

    Returns
    -------
    float
        Distance [km].
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return float(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a)))


@dataclass(frozen=True)
class SiteMatch:
    """Result of :func:`nearest_site`.

    Attributes
    ----------
    site : ClimateSite
        The nearest shipped site.
    distance_km : float
        Distance from the requested location [km].
    note : str
        Empty, or a warning when the site is farther than the ``nearest_site_warn_km``
        parameter.
    """

    site: ClimateSite
    distance_km: float
    note: str


def nearest_site(latitude: float, longitude: float) -> SiteMatch:
    """Return the shipped climate site nearest to a location.

    Parameters
    ----------
    latitude, longitude : float
        Location [degrees north, degrees east].

    Returns
    -------
    SiteMatch
    """
    sites = read_csv("climate_sites.csv")
    dist = [
        great_circle_km(latitude, longitude, lat, lon)
        for lat, lon in zip(
            sites["latitude"].astype(float), sites["longitude"].astype(float), strict=True
        )
    ]
    i = int(np.argmin(dist))
    site = load_site(str(sites["site"].iloc[i]))
    note = ""
    limit = parameter("weather", "nearest_site_warn_km")
    if dist[i] > limit:
        note = (
            f"Nearest shipped climate site {site.name} is {dist[i]:.0f} km away "
            f"(> {limit:.0f} km): "
            "synthetic weather is only indicative; give a weather file (EPW/TMY) for this location."
        )
    return SiteMatch(site=site, distance_km=dist[i], note=note)


def normals_at(site: ClimateSite, altitude_m: float | None) -> pd.DataFrame:
    """Return the monthly normals of ``site`` moved to another altitude.

    Temperature is shifted with the standard-atmosphere lapse rate; irradiance, daily range and
    wind are kept.

    Parameters
    ----------
    site : ClimateSite
        Source of the normals.
    altitude_m : float or None
        Altitude of the location [m]; ``None`` keeps the station altitude.

    Returns
    -------
    pandas.DataFrame
        Same layout as ``site.normals``.
    """
    normals = site.normals.copy()
    if altitude_m is not None:
        lapse = parameter("weather", "lapse_rate_k_per_m")
        normals["temp_air_c"] = normals["temp_air_c"] - lapse * (altitude_m - site.altitude_m)
    return normals
