"""The ``profiles.csv`` table of a case: what ``dispatch run`` will use, hour by hour."""

from __future__ import annotations

import pandas as pd

from dispatch.case.generated import SERIES_OF_COLUMN, generate_profiles
from dispatch.case.loader import CaseData
from dispatch.profiles import PROFILE_COLUMNS
from dispatch.timegrid import LOCAL_TZ, hours

# statistic -> (label, unit, format)
STAT_LABELS = {
    "pv_yield_kwh_per_kwp": ("PV specific yield", "kWh/kWp", ",.0f"),
    "pv_peak_kw_per_kw": ("PV peak output", "kW/kWp", ".3f"),
    "wind_capacity_factor": ("wind capacity factor", "-", ".3f"),
    "wind_full_load_hours": ("wind full-load hours", "h", ",.0f"),
    "ghi_kwh_m2": ("global horizontal irradiation", "kWh/m2", ",.0f"),
    "temp_air_mean_c": ("air temperature, annual mean", "C", ".1f"),
    "temp_air_jan_c": ("air temperature, January mean", "C", ".1f"),
    "temp_air_jul_c": ("air temperature, July mean", "C", ".1f"),
    "temp_air_min_c": ("air temperature, minimum", "C", ".1f"),
    "temp_air_max_c": ("air temperature, maximum", "C", ".1f"),
    "wind_speed_mean_m_s": ("wind speed at 10 m, mean", "m/s", ".2f"),
    "cop_mean": ("heat-pump COP, mean", "-", ".2f"),
    "cop_min": ("heat-pump COP, minimum", "-", ".2f"),
    "electricity_mwh": ("electricity demand", "MWh", ",.0f"),
    "electricity_peak_kw": ("electricity peak", "kW", ",.0f"),
    "heat_mwh": ("heat demand", "MWh_th", ",.0f"),
    "heat_peak_kw_th": ("heat peak", "kW_th", ",.0f"),
}


def case_profile_table(data: CaseData) -> pd.DataFrame:
    """Return the hourly profiles of a loaded case with ``profiles.csv`` column names.

    Model inputs are taken from ``data.series`` (explicit profiles as given, the others as
    generated); weather columns come from the location, when the case has one.

    Parameters
    ----------
    data : CaseData
        A loaded case.

    Returns
    -------
    pandas.DataFrame
        8760 rows on local hour-beginning stamps; ``attrs["meta"]`` describes the weather.
    """
    site = data.site_profiles
    if site is None:
        site = generate_profiles(data.case, data.file, everything=True).table
    index = site.index if site is not None else hours(data.case.year, tz=LOCAL_TZ)
    table = pd.DataFrame(index=index)
    table.index.name = "time"
    for column in PROFILE_COLUMNS:
        series_name = SERIES_OF_COLUMN.get(column, (None,))[0]
        if series_name is not None and series_name in data.series:
            table[column] = data.series[series_name]
        elif site is not None and column in site and series_name is None:
            table[column] = site[column].to_numpy()
    if site is not None:
        table.attrs["meta"] = dict(site.attrs.get("meta", {}))
    return table
