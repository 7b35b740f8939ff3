"""Heat-pump COP as a fraction of the Carnot COP, and the reach of heat pumps.

``COP = eta * T_sink / (T_sink - T_source)`` with temperatures in kelvin, clipped to
``[cop_min, cop_max]``. An air-source heat pump below its lowest operating air temperature
is unavailable (COP 0, the boiler covers). Heat above about 120 C, or steam at 1 MPa and above,
is beyond heat pumps: the heat pump is not used and all heat goes to the boiler.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dispatch.profiles._data import parameter

KELVIN = 273.15
HEAT_PUMP_SOURCES = ("air", "waste_heat")


def carnot_cop(
    temp_sink_c: float | np.ndarray, temp_source_c: pd.Series | np.ndarray | float
) -> np.ndarray:
    """Return the Carnot heating COP ``T_sink / (T_sink - T_source)`` [-].

    Parameters
    ----------
    temp_sink_c : numeric
        Sink (supply) temperature [C].
    temp_source_c : numeric
        Source temperature [C].

    Returns
    -------
    numpy.ndarray
        Carnot COP; ``inf`` where the lift is zero or negative.
    """
    sink = np.asarray(temp_sink_c, dtype=float) + KELVIN
    lift = sink - (np.asarray(temp_source_c, dtype=float) + KELVIN)
    with np.errstate(divide="ignore"):
        return np.where(lift > 0, sink / np.where(lift > 0, lift, 1.0), np.inf)


def heat_pump_cop(
    temp_source_c: pd.Series | np.ndarray | float,
    sink_temperature_c: float,
    carnot_efficiency: float | None = None,
    min_source_temperature_c: float | None = None,
) -> np.ndarray:
    """Return the heating COP per hour [-].

    Parameters
    ----------
    temp_source_c : numeric
        Source temperature [C]: outdoor air for an air-source heat pump, or a waste-heat stream.
    sink_temperature_c : float
        Supply temperature of the heat [C].
    carnot_efficiency : float, optional
        Fraction of the Carnot COP reached [-]; default 0.45.
    min_source_temperature_c : float, optional
        Lowest source temperature at which the unit runs [C]; below it the COP is 0
        (unavailable). ``None`` means no limit.

    Returns
    -------
    numpy.ndarray
        COP in ``[cop_min, cop_max]``, or 0 where unavailable.
    """
    eta = (
        parameter("heat_pump", "carnot_efficiency")
        if carnot_efficiency is None
        else (carnot_efficiency)
    )
    cop = eta * carnot_cop(sink_temperature_c, temp_source_c)
    cop = np.clip(cop, parameter("heat_pump", "cop_min"), parameter("heat_pump", "cop_max"))
    if min_source_temperature_c is not None:
        cop = np.where(np.asarray(temp_source_c) < min_source_temperature_c, 0.0, cop)
    return cop


@dataclass(frozen=True)
class HeatPumpReach:
    """Whether a heat demand is within reach of a heat pump.

    Attributes
    ----------
    in_reach : bool
        True when a heat pump can supply the demand.
    note : str
        Explanation for the results (empty when in reach).
    """

    in_reach: bool
    note: str


def heat_pump_reach(
    sink_temperature_c: float, steam_pressure_mpa: float | None = None
) -> HeatPumpReach:
    """Check a heat demand against the reach of industrial heat pumps.

    Parameters
    ----------
    sink_temperature_c : float
        Supply temperature of the heat [C].
    steam_pressure_mpa : float, optional
        Steam pressure if the heat is delivered as steam [MPa].

    Returns
    -------
    HeatPumpReach
        Out of reach above ``max_sink_temperature_c`` (120 C) or at or above
        ``max_steam_pressure_mpa`` (1 MPa).
    """
    t_max = parameter("heat_pump", "max_sink_temperature_c")
    p_max = parameter("heat_pump", "max_steam_pressure_mpa")
    if sink_temperature_c > t_max:
        return HeatPumpReach(
            False,
            f"Heat demand at {sink_temperature_c:g} C is above heat-pump reach ({t_max:g} C): "
            "the heat pump is not used and all heat goes to the boiler.",
        )
    if steam_pressure_mpa is not None and steam_pressure_mpa >= p_max:
        return HeatPumpReach(
            False,
            f"Steam at {steam_pressure_mpa:g} MPa is above heat-pump reach (< {p_max:g} MPa): "
            "the heat pump is not used and all heat goes to the boiler.",
        )
    return HeatPumpReach(True, "")


def heat_pump_cop_profile(
    temp_air: pd.Series,
    sink_temperature_c: float | None = None,
    source: str = "air",
    source_temperature_c: float | None = None,
    carnot_efficiency: float | None = None,
) -> pd.Series:
    """Return the hourly COP of an air-source or waste-heat heat pump [-].

    Parameters
    ----------
    temp_air : pandas.Series
        Outdoor air temperature [C]; the index of the result.
    sink_temperature_c : float, optional
        Supply temperature [C]; default 60.
    source : {"air", "waste_heat"}, default "air"
        Heat source. ``air`` uses ``temp_air`` and the low-ambient limit; ``waste_heat`` uses a
        constant ``source_temperature_c`` (default 30 C).
    source_temperature_c : float, optional
        Source temperature for ``waste_heat`` [C].
    carnot_efficiency : float, optional
        Fraction of Carnot [-]; default 0.45.

    Returns
    -------
    pandas.Series
        ``cop`` per hour.
    """
    sink = (
        parameter("heat_pump", "sink_temperature_c")
        if sink_temperature_c is None
        else (sink_temperature_c)
    )
    if source == "air":
        cop = heat_pump_cop(
            temp_air.to_numpy(),
            sink,
            carnot_efficiency,
            parameter("heat_pump", "min_air_source_temperature_c"),
        )
    elif source == "waste_heat":
        t_src = (
            parameter("heat_pump", "waste_heat_source_temperature_c")
            if source_temperature_c is None
            else source_temperature_c
        )
        cop = np.full(len(temp_air), float(heat_pump_cop(t_src, sink, carnot_efficiency)))
    else:
        raise ValueError(f"unknown heat-pump source {source!r}; use one of {HEAT_PUMP_SOURCES}")
    return pd.Series(cop, index=temp_air.index, name="cop")
