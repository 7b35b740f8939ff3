"""Hourly profiles from a place: weather, PV, wind, heat-pump COP and park loads.

Pure functions over pandas Series/DataFrames on the 8760-hour local grid of
:func:`dispatch.timegrid.hours`; no optimisation code is imported here.
"""

from dispatch.profiles.site import (
    PROFILE_COLUMNS,
    HeatPumpSpec,
    LoadSpec,
    Location,
    PVSpec,
    WeatherSpec,
    WindSpec,
    build_site_profiles,
    profile_statistics,
    site_weather,
    write_profiles_csv,
)

__all__ = [
    "PROFILE_COLUMNS",
    "HeatPumpSpec",
    "LoadSpec",
    "Location",
    "PVSpec",
    "WeatherSpec",
    "WindSpec",
    "build_site_profiles",
    "profile_statistics",
    "site_weather",
    "write_profiles_csv",
]
