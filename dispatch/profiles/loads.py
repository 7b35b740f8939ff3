"""Park electricity and heat demand from archetypes (``data/load_archetypes.yaml``).

Electricity follows a day-type hourly shape (workday, rest day, holiday) with weekday and
monthly factors, the Chinese public-holiday calendar with its make-up working days, a slower
Spring Festival period, a cooling part driven by cooling degree hours, and reproducible noise.
Heat is space heat driven by heating degree hours plus process heat that follows operation.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd

from dispatch.profiles._data import parameter, read_yaml
from dispatch.profiles._random import ar1

PARK_TYPES = (
    "industrial",
    "logistics",
    "technology",
    "commercial_office",
    "tourism",
    "data_center",
    "integrated",
)
DAY_TYPES = ("workday", "restday", "holiday")


def archetype(park_type: str) -> dict:
    """Return the shape parameters of a park type.

    Parameters
    ----------
    park_type : str
        One of :data:`PARK_TYPES`.

    Returns
    -------
    dict
        Copy of the entry of ``load_archetypes.yaml``.
    """
    table = read_yaml("load_archetypes.yaml")
    if park_type not in table:
        raise ValueError(f"unknown park type {park_type!r}; use one of {', '.join(PARK_TYPES)}")
    return dict(table[park_type])


def holiday_calendar(year: int) -> pd.DataFrame:
    """Return the day types of a year under the Chinese public-holiday rules.

    Official State Council arrangements are used where shipped (holidays and make-up working
    days); other years use the rule in ``cn_holidays.yaml`` (fixed holidays plus Spring Festival
    from Chinese New Year, no make-up days) and emit a warning.

    Parameters
    ----------
    year : int
        Calendar year.

    Returns
    -------
    pandas.DataFrame
        One row per day (29 February dropped): ``day_type`` (workday / restday / holiday),
        ``holiday`` (name or empty) and ``days_from_spring_festival`` (int, NaN when unknown).
    """
    data = read_yaml("cn_holidays.yaml")
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    days = days[~((days.month == 2) & (days.day == 29))]
    day_type = np.where(days.dayofweek >= 5, "restday", "workday").astype(object)
    name = np.full(len(days), "", dtype=object)
    pos = {d.date(): i for i, d in enumerate(days)}

    def mark(first: dt.date, last: dt.date, kind: str, label: str) -> None:
        for d in pd.date_range(first, last, freq="D"):
            i = pos.get(d.date())
            if i is not None:
                day_type[i] = kind
                name[i] = label

    official = data["official"].get(year)
    new_year = data["spring_festival"].get(year)
    if official is not None:
        for first, last, kind, label in official:
            mark(first, last, kind, label)
    else:
        warnings.warn(
            f"no official holiday arrangement shipped for {year}: using the rule in "
            "cn_holidays.yaml (no Dragon Boat / Mid-Autumn, no make-up working days)",
            stacklevel=2,
        )
        for first, last, label in data["rule"]["fixed"]:
            mark(
                dt.date.fromisoformat(f"{year}-{first}"),
                dt.date.fromisoformat(f"{year}-{last}"),
                "holiday",
                label,
            )
        if new_year is not None:
            lo, hi = data["rule"]["spring_festival_offsets_days"]
            mark(
                new_year + dt.timedelta(days=lo),
                new_year + dt.timedelta(days=hi),
                "holiday",
                "Spring Festival",
            )
    if new_year is None:
        offset = np.full(len(days), np.nan)
    else:
        offset = (days - pd.Timestamp(new_year)).days.to_numpy().astype(float)
    return pd.DataFrame(
        {"day_type": day_type, "holiday": name, "days_from_spring_festival": offset},
        index=days,
    )


def operating_shape(index: pd.DatetimeIndex, park_type: str) -> pd.Series:
    """Return the relative hourly operating level of a park type (before weather and noise).

    Parameters
    ----------
    index : pandas.DatetimeIndex
        The 8760-hour local grid of one year.
    park_type : str
        One of :data:`PARK_TYPES`.

    Returns
    -------
    pandas.Series
        Relative level [-], maximum near 1.
    """
    a = archetype(park_type)
    cal = holiday_calendar(int(index[0].year))
    day_idx = np.repeat(np.arange(len(cal)), 24)
    kind = cal["day_type"].to_numpy()[day_idx]
    hour = np.asarray(index.hour)
    shape = np.where(
        kind == "workday", np.asarray(a["workday"])[hour], np.asarray(a["restday"])[hour]
    )
    level = shape * np.asarray(a["weekday_factors"])[np.asarray(index.dayofweek)]
    level = level * np.asarray(a["month_factors"])[np.asarray(index.month) - 1]
    level = np.where(kind == "holiday", level * a["holiday_factor"], level)
    lo, hi = a["spring_festival_window_days"]
    off = cal["days_from_spring_festival"].to_numpy()[day_idx]
    in_window = (off >= lo) & (off <= hi) & (kind != "holiday")
    level = np.where(in_window, level * a["spring_festival_factor"], level)
    return pd.Series(level, index=index, name="operating_level")


def _noise(n: int, sigma: float, seed: int) -> np.ndarray:
    """Multiplicative lognormal AR(1) noise with mean about 1."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 7]))
    z = ar1(rng, n, parameter("loads", "noise_lag1"))
    return np.exp(sigma * z - 0.5 * sigma**2)


def _scale(
    shape: np.ndarray, annual_mwh: float | None, peak_kw: float | None, what: str
) -> np.ndarray:
    if (annual_mwh is None) == (peak_kw is None):
        raise ValueError(f"give exactly one of the annual {what} (MWh) or its peak (kW)")
    if annual_mwh is not None:
        return shape / shape.sum() * annual_mwh * 1000.0
    return shape / shape.max() * peak_kw


def electricity_load(
    index: pd.DatetimeIndex,
    park_type: str,
    temp_air: pd.Series,
    annual_electricity_mwh: float | None = None,
    peak_kw: float | None = None,
    seed: int = 0,
) -> pd.Series:
    """Return hourly park electricity demand [kW].

    Parameters
    ----------
    index : pandas.DatetimeIndex
        The 8760-hour local grid.
    park_type : str
        One of :data:`PARK_TYPES`.
    temp_air : pandas.Series
        Outdoor temperature on ``index`` [C]; drives the cooling part.
    annual_electricity_mwh : float, optional
        Annual consumption [MWh]; the result sums to it exactly.
    peak_kw : float, optional
        Peak demand [kW] instead of the annual total; the result's maximum equals it.
    seed : int, default 0
        Noise seed.

    Returns
    -------
    pandas.Series
        ``electricity_kw``.
    """
    a = archetype(park_type)
    base = operating_shape(index, park_type).to_numpy()
    occupancy = 0.5 + 0.5 * base / base.max()
    excess = np.maximum(temp_air.to_numpy() - parameter("loads", "cooling_base_c"), 0.0)
    shape = base + a["cooling_per_k"] * base.mean() * excess * occupancy
    shape = shape * _noise(len(index), a["noise_sigma"], seed)
    values = _scale(shape, annual_electricity_mwh, peak_kw, "electricity")
    return pd.Series(values, index=index, name="electricity_kw")


def heat_load(
    index: pd.DatetimeIndex,
    park_type: str,
    temp_air: pd.Series,
    annual_heat_mwh: float | None = None,
    peak_kw_th: float | None = None,
    seed: int = 0,
) -> pd.Series:
    """Return hourly park heat demand [kW thermal].

    Space heat follows heating degree hours (base 18 C) weighted by occupancy; process heat
    follows the operating level. If the climate has no heating degree hours, all heat is
    process heat.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        The 8760-hour local grid.
    park_type : str
        One of :data:`PARK_TYPES`.
    temp_air : pandas.Series
        Outdoor temperature on ``index`` [C].
    annual_heat_mwh : float, optional
        Annual heat demand [MWh]; the result sums to it exactly.
    peak_kw_th : float, optional
        Peak heat demand [kW] instead of the annual total.
    seed : int, default 0
        Noise seed (a different stream from electricity).

    Returns
    -------
    pandas.Series
        ``heat_kw_th``.
    """
    a = archetype(park_type)
    base = operating_shape(index, park_type).to_numpy()
    rel = base / base.max()
    setback = a["heating_setback"]
    space = np.maximum(parameter("loads", "heating_base_c") - temp_air.to_numpy(), 0.0)
    space = space * (1.0 - setback + setback * rel)
    w = a["process_operation_weight"]
    process = 1.0 - w + w * rel
    share = a["space_heat_share"] if space.sum() > 0 else 0.0
    shape = (1.0 - share) * process / process.sum()
    if share > 0:
        shape = shape + share * space / space.sum()
    shape = shape * _noise(len(index), a["noise_sigma"], seed + 1_000_003)
    values = _scale(shape, annual_heat_mwh, peak_kw_th, "heat")
    return pd.Series(values, index=index, name="heat_kw_th")
