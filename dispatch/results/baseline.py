"""The baseline a run is compared with: the same park with no new equipment.

Baseline: every kWh of electricity comes from the grid and all heat from the
boiler; no PV, wind, battery or heat pump is built. Its annual cost and
emissions are what the optimised design saves against.

:func:`baseline` is the one place that answers "what does the baseline cost?".
It takes the summary's own ``baseline`` when a run wrote one, and otherwise
recomputes a simple baseline from the hourly table and the case inputs with the
same tariff terms as the run's cost breakdown (:mod:`dispatch.results.summary`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dispatch import ledger
from dispatch.case.schema import Boiler
from dispatch.timegrid import HOURS_PER_YEAR, hours

MONTHS_PER_YEAR = 12
KG_PER_T = 1000.0
BASELINE_COST_KEYS = ("grid_energy", "system_operation", "grid_capacity", "fuel")


def baseline(
    summary: dict[str, Any],
    timeseries: pd.DataFrame,
    inputs: pd.DataFrame | None,
    case: dict[str, Any] | None,
) -> dict[str, Any] | None:
    """Return the baseline's annual cost and emissions, or ``None`` if unknown.

    Parameters
    ----------
    summary : dict
        The run's ``summary.json`` content; its ``baseline`` block (and
        ``emissions.baseline_tco2_per_year``) win when present.
    timeseries : pandas.DataFrame
        The run's hourly results (``timestamp``, ``load_kw``, ``heat_load_kw_th``).
    inputs : pandas.DataFrame or None
        Hourly case inputs, 8760 rows (``import_price_per_kwh``,
        ``grid_emission_factor_kg_per_kwh``).
    case : dict or None
        The validated case as a mapping (``grid``, ``technologies.boiler``).

    Returns
    -------
    dict or None
        ``{"costs_per_year": {category: cost, ..., "total": cost} [currency/yr],
        "tco2_per_year": float [tCO2/yr], "grid_tco2_per_year", "fuel_tco2_per_year",
        "source": "summary" | "case inputs"}``; ``None`` when neither the summary
        nor the inputs give a baseline.
    """
    from_summary = _from_summary(summary)
    if from_summary is not None:
        return from_summary
    if inputs is None or case is None:
        return None
    return compute_baseline(timeseries, inputs, case)


def _from_summary(summary: dict[str, Any]) -> dict[str, Any] | None:
    """Return the baseline a run wrote itself (issue 4), in this module's shape."""
    block = summary.get("baseline")
    if not isinstance(block, dict):
        return None
    costs = block.get("costs_per_year")
    if isinstance(costs, dict):
        costs = {k: float(v) for k, v in costs.items() if isinstance(v, int | float)}
        costs.setdefault("total", sum(costs.values()))
    else:
        total = block.get("cost_per_year", block.get("total_cost_per_year"))
        if not isinstance(total, int | float):
            return None
        costs = {"total": float(total)}
    tco2 = block.get("tco2_per_year", summary.get("emissions", {}).get("baseline_tco2_per_year"))
    out: dict[str, Any] = {"costs_per_year": costs, "source": "summary"}
    out["tco2_per_year"] = float(tco2) if isinstance(tco2, int | float) else None
    for key in ("grid_tco2_per_year", "fuel_tco2_per_year"):
        if isinstance(block.get(key), int | float):
            out[key] = float(block[key])
    return out


def compute_baseline(
    timeseries: pd.DataFrame, inputs: pd.DataFrame, case: dict[str, Any]
) -> dict[str, Any]:
    """Compute the no-new-equipment baseline from the case inputs.

    Over the run's hours (scaled to a year like the run's own sums):

    - grid energy = sum_t load_kw[t] * import_price[t];
    - system operation = sum_t load_kw[t] * system_operation_fee;
    - grid capacity = 12 * capacity_charge_per_kw_month * connection, the connection
      being the case's fixed ``connection_kw`` or else the peak electric load;
    - fuel = sum_t heat_load_kw_th[t] / boiler efficiency * fuel price;
    - emissions = grid import * grid factor + fuel * fuel factor.

    Parameters
    ----------
    timeseries : pandas.DataFrame
        Hourly results with ``timestamp``, ``load_kw`` and optionally ``heat_load_kw_th``.
    inputs : pandas.DataFrame
        Hourly inputs, 8760 rows, with ``import_price_per_kwh`` and
        ``grid_emission_factor_kg_per_kwh``.
    case : dict
        The validated case as a mapping.

    Returns
    -------
    dict
        See :func:`baseline`.
    """
    hour = hour_of_year(timeseries, int(case["year"]))
    scale = HOURS_PER_YEAR / len(timeseries)
    load = ledger.column(timeseries, "load_original_kw")  # the load as given, none moved
    heat = (
        timeseries["heat_load_kw_th"].to_numpy(dtype=float)
        if "heat_load_kw_th" in timeseries
        else np.zeros(len(timeseries))
    )
    grid = case["grid"]
    price = inputs["import_price_per_kwh"].to_numpy(dtype=float)[hour]
    factor = inputs["grid_emission_factor_kg_per_kwh"].to_numpy(dtype=float)[hour]
    boiler_spec = (case.get("technologies") or {}).get("boiler")
    boiler = Boiler.model_validate(boiler_spec) if boiler_spec else Boiler()
    connection = grid.get("connection_kw")
    connection_kw = float(connection) if connection is not None else float(load.max(initial=0.0))
    fuel_kwh = float(heat.sum()) * scale / boiler.efficiency
    fee = float(grid["system_operation_fee_per_kwh"])
    charge = float(grid["capacity_charge_per_kw_month"])
    costs = {
        "grid_energy": float(np.dot(load, price)) * scale,
        "system_operation": float(load.sum()) * scale * fee,
        "grid_capacity": MONTHS_PER_YEAR * charge * connection_kw,
        "fuel": fuel_kwh * boiler.fuel_price_per_kwh,
    }
    costs["total"] = float(sum(costs.values()))
    grid_t = float(np.dot(load, factor)) * scale / KG_PER_T
    fuel_t = fuel_kwh * boiler.emission_factor_kg_per_kwh_fuel / KG_PER_T
    return {
        "costs_per_year": costs,
        "tco2_per_year": grid_t + fuel_t,
        "grid_tco2_per_year": grid_t,
        "fuel_tco2_per_year": fuel_t,
        "source": "case inputs",
    }


def hour_of_year(timeseries: pd.DataFrame, year: int) -> np.ndarray:
    """Hour of the year (0..8759) of each row of an hourly table.

    Rows are matched by ``timestamp``; a table without one is taken to start at hour 0.
    """
    if "timestamp" not in timeseries:
        return np.arange(len(timeseries))
    index = hours(year).get_indexer(pd.to_datetime(timeseries["timestamp"]))
    if (index < 0).any():
        raise ValueError(f"timestamps outside the case year {year} in the hourly table")
    return index
