"""Wind availability: hub-height extrapolation, air density and a power curve.

Chain: 10 m wind speed -> hub height (power law with a shear exponent, or logarithmic profile
with a roughness length) -> density-normalised speed ``v (rho / rho_0)^(1/3)`` (IEC 61400-12-1)
-> normalised power curve (shipped generic IEC class I/II/III curves or a user table) -> losses.
The result is AC power per kW of rated turbine power.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from dispatch.profiles._data import parameter, read_csv

DRY_AIR_GAS_CONSTANT = 287.05  # J/(kg K), ISO 2533
TURBINE_CLASSES = ("iec_i", "iec_ii", "iec_iii")


def air_density(altitude_m: float, temp_air: pd.Series | np.ndarray | float) -> np.ndarray:
    """Return air density from altitude and temperature [kg/m3].

    Pressure follows the ISO 2533 standard atmosphere,
    ``p = 101325 (1 - 2.25577e-5 h)^5.25588`` [Pa], and ``rho = p / (R_d T)``.

    Parameters
    ----------
    altitude_m : float
        Altitude above sea level [m].
    temp_air : numeric
        Air temperature [C].

    Returns
    -------
    numpy.ndarray
        Density [kg/m3].
    """
    pressure = 101325.0 * (1.0 - 2.25577e-5 * altitude_m) ** 5.25588
    return pressure / (DRY_AIR_GAS_CONSTANT * (np.asarray(temp_air, dtype=float) + 273.15))


def wind_speed_at_height(
    wind_speed: pd.Series,
    height_m: float,
    reference_height_m: float | None = None,
    shear_exponent: float | None = None,
    roughness_length_m: float | None = None,
) -> pd.Series:
    """Extrapolate wind speed to another height [m/s].

    With ``shear_exponent`` a power law ``v (h / h_ref)^alpha``; otherwise the neutral
    logarithmic profile ``v ln(h / z0) / ln(h_ref / z0)`` with roughness length ``z0``.

    Parameters
    ----------
    wind_speed : pandas.Series
        Wind speed at ``reference_height_m`` [m/s].
    height_m : float
        Target height, e.g. the hub height [m].
    reference_height_m : float, optional
        Height of ``wind_speed`` [m]; default 10.
    shear_exponent : float, optional
        Power-law exponent alpha [-].
    roughness_length_m : float, optional
        Roughness length z0 [m]; default 0.03 (open farmland) when no exponent is given.

    Returns
    -------
    pandas.Series
        Wind speed at ``height_m`` [m/s].
    """
    h_ref = (
        parameter("wind", "reference_height_m")
        if reference_height_m is None
        else (reference_height_m)
    )
    if shear_exponent is not None:
        factor = (height_m / h_ref) ** shear_exponent
    else:
        z0 = (
            parameter("wind", "roughness_length_m")
            if roughness_length_m is None
            else (roughness_length_m)
        )
        factor = np.log(height_m / z0) / np.log(h_ref / z0)
    return wind_speed * factor


def power_curve(turbine_class: str) -> pd.DataFrame:
    """Return a shipped normalised power curve.

    Parameters
    ----------
    turbine_class : {"iec_i", "iec_ii", "iec_iii"}
        Generic turbine class.

    Returns
    -------
    pandas.DataFrame
        Columns ``wind_speed_m_s`` [m/s] and ``power_kw_per_kw`` [-] at standard air density.
    """
    if turbine_class not in TURBINE_CLASSES:
        raise ValueError(f"unknown turbine class {turbine_class!r}; use one of {TURBINE_CLASSES}")
    table = read_csv("wind_power_curves.csv")
    return pd.DataFrame(
        {
            "wind_speed_m_s": table["wind_speed_m_s"].to_numpy(),
            "power_kw_per_kw": table[turbine_class].to_numpy(),
        }
    )


def normalise_power_curve(
    table: pd.DataFrame | Mapping[float, float] | Sequence[Sequence[float]],
) -> pd.DataFrame:
    """Turn a user power-curve table into a normalised curve.

    Parameters
    ----------
    table : DataFrame, mapping or sequence of pairs
        Wind speed [m/s] and power, either in kW (normalised by the maximum) or already as a
        fraction of rated power. A DataFrame needs the columns ``wind_speed_m_s`` and
        ``power_kw`` or ``power_kw_per_kw``; a mapping is ``{speed: power}``.

    Returns
    -------
    pandas.DataFrame
        Columns ``wind_speed_m_s``, ``power_kw_per_kw``, sorted by speed.

    Raises
    ------
    ValueError
        If speeds are not increasing, power is negative or the table has fewer than 2 rows.
    """
    if isinstance(table, pd.DataFrame):
        power_col = "power_kw_per_kw" if "power_kw_per_kw" in table else "power_kw"
        speed = table["wind_speed_m_s"].to_numpy(dtype=float)
        power = table[power_col].to_numpy(dtype=float)
    elif isinstance(table, Mapping):
        speed = np.array([float(k) for k in table.keys()])
        power = np.array([float(v) for v in table.values()])
    else:
        pairs = np.asarray(table, dtype=float)
        speed, power = pairs[:, 0], pairs[:, 1]
    order = np.argsort(speed)
    speed, power = speed[order], power[order]
    if len(speed) < 2 or np.any(np.diff(speed) <= 0):
        raise ValueError("a power curve needs at least two rows with distinct wind speeds")
    if np.any(power < 0):
        raise ValueError("a power curve cannot have negative power")
    if power.max() > 1.0:
        power = power / power.max()
    return pd.DataFrame({"wind_speed_m_s": speed, "power_kw_per_kw": power})


def turbine_class_for(mean_hub_speed: float) -> str:
    """Pick the IEC class whose reference annual mean suits a hub-height mean wind [m/s].

    Parameters
    ----------
    mean_hub_speed : float
        Annual mean wind speed at hub height [m/s].

    Returns
    -------
    str
        ``"iec_i"`` from 8.5 m/s, ``"iec_ii"`` from 7.5 m/s, else ``"iec_iii"``.
    """
    if mean_hub_speed >= parameter("wind", "class_i_min_mean_m_s"):
        return "iec_i"
    if mean_hub_speed >= parameter("wind", "class_ii_min_mean_m_s"):
        return "iec_ii"
    return "iec_iii"


def wind_availability(
    wind_speed: pd.Series,
    temp_air: pd.Series,
    altitude_m: float = 0.0,
    hub_height_m: float | None = None,
    shear_exponent: float | None = None,
    roughness_length_m: float | None = None,
    turbine_class: str = "auto",
    curve: pd.DataFrame | None = None,
    losses_fraction: float | None = None,
) -> pd.Series:
    """Return hourly wind availability [kW per kW rated].

    Parameters
    ----------
    wind_speed : pandas.Series
        Wind speed at 10 m [m/s].
    temp_air : pandas.Series
        Air temperature near the ground [C]; moved to hub height with the ISA lapse rate.
    altitude_m : float, default 0
        Ground altitude [m].
    hub_height_m : float, optional
        Hub height above ground [m]; default 100.
    shear_exponent, roughness_length_m : float, optional
        Vertical profile, see :func:`wind_speed_at_height`.
    turbine_class : str, default ``"auto"``
        ``"iec_i"``, ``"iec_ii"``, ``"iec_iii"`` or ``"auto"`` (by hub-height mean speed).
    curve : pandas.DataFrame, optional
        Normalised power curve (:func:`normalise_power_curve`); overrides ``turbine_class``.
    losses_fraction : float, optional
        Wake, availability and electrical losses [-]; default 0.10.

    Returns
    -------
    pandas.Series
        ``wind_kw_per_kw`` in 0..1.
    """
    hub = parameter("wind", "hub_height_m") if hub_height_m is None else hub_height_m
    losses = parameter("wind", "losses_fraction") if losses_fraction is None else losses_fraction
    v_hub = wind_speed_at_height(wind_speed, hub, None, shear_exponent, roughness_length_m)
    if curve is None:
        cls = turbine_class_for(float(v_hub.mean())) if turbine_class == "auto" else turbine_class
        curve = power_curve(cls)
    lapse = parameter("weather", "lapse_rate_k_per_m")
    rho = air_density(altitude_m + hub, np.asarray(temp_air) - lapse * hub)
    rho0 = parameter("wind", "reference_air_density_kg_m3")
    v_norm = v_hub.to_numpy() * (rho / rho0) ** (1.0 / 3.0)
    p = np.interp(
        v_norm,
        curve["wind_speed_m_s"].to_numpy(),
        curve["power_kw_per_kw"].to_numpy(),
        left=0.0,
        right=0.0,
    )
    return pd.Series(np.clip(p * (1.0 - losses), 0.0, 1.0), index=wind_speed.index).rename(
        "wind_kw_per_kw"
    )
