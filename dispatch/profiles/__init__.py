"""Hourly profiles from a place: weather, PV, wind, heat-pump COP and park loads.

Pure functions over pandas Series/DataFrames on the 8760-hour local grid of
:func:`dispatch.timegrid.hours`; no optimisation code is imported here. The names below are
imported lazily (PEP 562), so that reading a case schema does not load pvlib.
"""

from __future__ import annotations

import importlib
from typing import Any

_SITE_NAMES = (
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
)

__all__ = list(_SITE_NAMES)


def __getattr__(name: str) -> Any:
    if name in _SITE_NAMES:
        return getattr(importlib.import_module("dispatch.profiles.site"), name)
    raise AttributeError(f"module 'dispatch.profiles' has no attribute {name!r}")
