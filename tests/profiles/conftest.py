"""Shared fixtures: one synthetic year per shipped case site, generated once per session."""

from __future__ import annotations

import pytest

from dispatch.profiles.climate import load_site
from dispatch.profiles.weather import Weather, synthetic_weather

NINGBO_MEISHAN = (29.8, 121.9, 5.0)
ORDOS = (39.6, 109.8, 1300.0)


@pytest.fixture(scope="session")
def ningbo_weather() -> Weather:
    lat, lon, alt = NINGBO_MEISHAN
    return synthetic_weather(2025, lat, lon, load_site("ningbo"), altitude_m=alt, seed=1)


@pytest.fixture(scope="session")
def ordos_weather() -> Weather:
    lat, lon, alt = ORDOS
    return synthetic_weather(2025, lat, lon, load_site("ordos"), altitude_m=alt, seed=1)
