"""Generate the profiles a case leaves out, from its location and weather.

The bridge between the validated case (pydantic) and the pure profile layer
(:mod:`dispatch.profiles`): it maps case keys onto the profile dataclasses, calls
:func:`dispatch.profiles.build_site_profiles` once, and applies the heat-pump reach rule
(heat above about 120 C, or steam at 1 MPa and above, goes to the boiler).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dispatch.case.schema import Case
from dispatch.errors import CaseError, Problem
from dispatch.files import MAX_TABLE_BYTES, read_limited
from dispatch.profiles.heat_pump import heat_pump_reach

# profile column -> (series name of the model, dotted case key)
SERIES_OF_COLUMN = {
    "pv_kw_per_kw": ("pv_availability_kw_per_kw", "technologies.pv.availability"),
    "wind_kw_per_kw": ("wind_availability_kw_per_kw", "technologies.wind.availability"),
    "cop": ("cop", "technologies.heat_pump.cop"),
    "electricity_kw": ("load_kw", "load.electricity_kw"),
    "heat_kw_th": ("heat_load_kw_th", "load.heat_kw_th"),
}


@dataclass
class Generated:
    """What generation produced.

    Attributes
    ----------
    case : Case
        The case, without its heat pump when the heat is beyond heat-pump reach.
    series : dict of str to numpy.ndarray
        Generated model inputs, by series name (only the profiles the case left out).
    table : pandas.DataFrame or None
        The full site profile table (weather columns included), ``None`` without a location.
    notes : list of str
        Notes for the results.
    """

    case: Case
    series: dict[str, np.ndarray] = field(default_factory=dict)
    table: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


def _power_curve(value: list[tuple[float, float]] | str | None, base: Path) -> object:
    if value is None or not isinstance(value, str):
        return value
    return pd.read_csv(io.BytesIO(read_limited(base / value, MAX_TABLE_BYTES)))


def apply_heat_pump_reach(case: Case, file: Path) -> tuple[Case, list[str]]:
    """Drop the heat pump when its heat is beyond heat-pump reach.

    Parameters
    ----------
    case : Case
        Validated case.
    file : pathlib.Path
        Case file, for messages.

    Returns
    -------
    tuple
        The case (heat pump removed if out of reach) and the notes for the results.

    Raises
    ------
    CaseError
        When the heat is out of reach and the case has no boiler.
    """
    hp = case.technologies.heat_pump
    if hp is None or hp.sink_temperature_c is None:
        return case, []
    reach = heat_pump_reach(hp.sink_temperature_c, hp.steam_pressure_mpa)
    if reach.in_reach:
        return case, []
    if case.technologies.boiler is None:
        raise CaseError(
            [
                Problem(
                    str(file),
                    "technologies.heat_pump.sink_temperature_c",
                    reach.note.split(":")[0] + ", and the case has no technologies.boiler",
                )
            ]
        )
    techs = case.technologies.model_copy(update={"heat_pump": None})
    return case.model_copy(update={"technologies": techs}), [reach.note]


def generate_profiles(case: Case, file: Path, everything: bool = False) -> Generated:
    """Generate the profiles a case leaves out.

    Parameters
    ----------
    case : Case
        Validated case.
    file : pathlib.Path
        The case file; relative weather-file paths resolve against its folder.
    everything : bool, default False
        Also generate the profiles the case gives explicitly (for ``dispatch profiles``).

    Returns
    -------
    Generated

    Raises
    ------
    CaseError
        When generation fails (unreadable weather file, bad power curve ...).
    """
    case, notes = apply_heat_pump_reach(case, file)
    wanted = set(case.generated_profile_keys())
    has_place = case.location is not None or (case.weather is not None and case.weather.file)
    if not wanted and not (everything and has_place):
        return Generated(case=case, notes=notes)
    from dispatch.profiles import (  # pvlib: only when a profile is generated
        HeatPumpSpec,
        LoadSpec,
        Location,
        PVSpec,
        WeatherSpec,
        WindSpec,
        build_site_profiles,
    )

    base = file.parent
    loc = case.location
    location = (
        Location(loc.latitude, loc.longitude, loc.altitude_m, loc.site)
        if loc is not None
        else Location(float("nan"), float("nan"))
    )
    w = case.weather
    weather = WeatherSpec(seed=w.seed, file=w.file) if w is not None else WeatherSpec()
    t = case.technologies

    def want(key: str) -> bool:
        return everything or key in wanted

    pv = wind = heat_pump = load = None
    if t.pv is not None and want("technologies.pv.availability"):
        pv = PVSpec(t.pv.tilt_deg, t.pv.azimuth_deg, t.pv.tracking, t.pv.dc_ac_ratio)
        pv.losses_fraction = t.pv.losses_fraction
    if t.wind is not None and want("technologies.wind.availability"):
        wind = WindSpec(
            t.wind.hub_height_m,
            t.wind.shear_exponent,
            t.wind.roughness_length_m,
            t.wind.turbine_class,
            None,
            t.wind.losses_fraction,
        )
    if t.heat_pump is not None and want("technologies.heat_pump.cop"):
        hp = t.heat_pump
        heat_pump = HeatPumpSpec(
            hp.sink_temperature_c,
            hp.source,
            hp.source_temperature_c,
            hp.carnot_efficiency,
            hp.steam_pressure_mpa,
        )
    ld = case.load
    if ld.park_type is not None:
        gen_el = want("load.electricity_kw") and (
            ld.annual_electricity_mwh is not None or ld.peak_kw is not None
        )
        gen_heat = want("load.heat_kw_th") and ld.generated_heat()
        if gen_el or gen_heat:
            load = LoadSpec(
                ld.park_type,
                ld.annual_electricity_mwh if gen_el else None,
                ld.peak_kw if gen_el else None,
                ld.annual_heat_mwh if gen_heat else None,
                ld.peak_heat_kw_th if gen_heat else None,
                ld.seed,
            )
    try:
        if wind is not None and t.wind is not None:
            wind.power_curve = _power_curve(t.wind.power_curve, base)
        table = build_site_profiles(
            case.year, location, weather, pv, wind, heat_pump, load, base_dir=base
        )
    except (ValueError, KeyError, OSError) as exc:
        key = "weather.file" if w is not None and w.file else "location"
        raise CaseError([Problem(str(file), key, f"cannot generate profiles: {exc}")]) from None
    series = {}
    for column, (name, key) in SERIES_OF_COLUMN.items():
        if column in table and key in wanted:
            series[name] = table[column].to_numpy(dtype=float)
    notes = notes + list(table.attrs.get("notes", []))
    return Generated(case=case, series=series, table=table, notes=notes)
