"""Read a solved model into tidy tables: the only results code that touches Pyomo."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dispatch.model.build import BuiltModel
from dispatch.timegrid import hours

TIMESERIES_ORDER = (
    "load_kw", "load_original_kw", "load_shifted_kw", "load_shed_kw", "heat_load_kw_th",
    "pv_available_kw", "wind_available_kw", "curtailed_kw",
    "pv_curtailed_kw", "wind_curtailed_kw", "import_kw", "export_kw", "battery_charge_kw",
    "battery_discharge_kw", "battery_soc_kwh", "heat_pump_kw", "heat_pump_kw_th", "boiler_kw_th",
    "electric_boiler_kw", "electric_boiler_kw_th", "thermal_storage_charge_kw_th",
    "thermal_storage_discharge_kw_th", "thermal_storage_soc_kwh_th",
)  # fmt: skip


def timeseries(built: BuiltModel) -> pd.DataFrame:
    """Return the hourly results, one row per model step.

    Columns carry units (``import_kw``); ``timestamp`` is local time. Only the
    technologies present get columns; ``curtailed_kw`` sums the ledger's curtailment terms
    (PV and wind). ``load_kw`` is the load as served: with flexible or curtailable load it
    is ``load_original_kw + load_shifted_kw - load_shed_kw``.
    """
    h = built.horizon
    series = built.data.series
    cols: dict[str, np.ndarray] = {"load_kw": h.take(series["load_kw"])}
    if "heat_load_kw_th" in series:
        cols["heat_load_kw_th"] = h.take(series["heat_load_kw_th"])
    for name, tech in built.technologies.items():
        cols.update(tech.timeseries(built.model.component(name)))
    if "load_shifted_kw" in cols or "load_shed_kw" in cols:  # load_kw: the load as served
        original = cols["load_original_kw"] = cols["load_kw"]
        cols["load_kw"] = (
            original + cols.get("load_shifted_kw", 0.0) - cols.get("load_shed_kw", 0.0)
        )
    terms = [t for tech in built.technologies.values() for t in tech.ledger_terms(tech.spec)]
    curtailed = [cols[t.column] for t in terms if t.quantity == "curtailed" and t.column in cols]
    if curtailed:
        cols["curtailed_kw"] = np.sum(curtailed, axis=0)
    ordered = {k: cols[k] for k in TIMESERIES_ORDER if k in cols}
    ordered.update({k: v for k, v in cols.items() if k not in ordered})
    frame = pd.DataFrame(ordered)
    frame.insert(0, "timestamp", hours(built.data.case.year)[h.hour])
    return frame


def capacities(built: BuiltModel) -> dict[str, float]:
    """Return every chosen size, keyed by name with unit (``battery_kwh``)."""
    out: dict[str, float] = {}
    for name, tech in built.technologies.items():
        out.update(tech.capacities(built.model.component(name)))
    return out


def unit_counts(built: BuiltModel) -> dict[str, int]:
    """Return the whole units added for sizes that come in units (``wind_units``)."""
    out: dict[str, int] = {}
    for name, tech in built.technologies.items():
        out.update(tech.unit_counts(built.model.component(name)))
    return out
