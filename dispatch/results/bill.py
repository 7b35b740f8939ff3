"""Bill, carbon account and baseline of a solved case, from the hourly tables only.

Like :mod:`dispatch.results.summary`, nothing here reads the optimisation model: every figure is
recomputed from ``timeseries`` (one row per hour, consecutive from 1 January 00:00), the chosen
sizes and the case inputs. A horizon shorter than a year stands for the year by repetition;
per-year figures scale by ``8760 / rows``, the monthly bill covers the horizon as simulated.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dispatch import ledger
from dispatch.case.loader import CaseData
from dispatch.case.schema import Boiler
from dispatch.model.technologies import ledger_terms
from dispatch.model.technologies.grid import GREEN_COLUMN
from dispatch.results.carbon import carbon_account
from dispatch.solve.baseline import BaselineDispatch
from dispatch.tariffs.charges import (
    COST_COLUMNS,
    GridChargeScheme,
    export_cap_fraction,
    monthly_bill,
    monthly_peaks_kw,
)
from dispatch.tariffs.emissions import KG_PER_T, electricity_tce
from dispatch.timegrid import HOURS_PER_YEAR, hours

MONTHS_PER_YEAR = 12
COST_KEYS = (
    "capex_annualized", "fixed_om", "grid_energy", "system_operation", "grid_capacity",
    "demand_charge", "export_revenue", "fuel", "carbon", "battery_degradation", "load_shed",
    "green_certificates",
)  # fmt: skip
"""Cost categories of ``costs_per_year`` (solution and baseline alike), before ``total``."""


def _col(ts: pd.DataFrame, name: str) -> np.ndarray:
    return ts[name].to_numpy(dtype=float) if name in ts else np.zeros(len(ts))


def _index(ts: pd.DataFrame, data: CaseData) -> pd.DatetimeIndex:
    return hours(data.case.year)[: len(ts)]


def _scale(ts: pd.DataFrame) -> float:
    return HOURS_PER_YEAR / len(ts)


def _series(data: CaseData, name: str, n: int) -> np.ndarray:
    return np.asarray(data.series[name], dtype=float)[:n]


def _boiler(data: CaseData) -> Boiler:
    """Return the case's boiler, or a default one (the baseline heats with a boiler)."""
    return data.case.technologies.boiler or Boiler()


def with_tou_period(ts: pd.DataFrame, data: CaseData) -> pd.DataFrame:
    """Return the hourly table with a ``tou_period`` column when the case uses a tariff calendar.

    The label of each row's hour (sharp, peak, flat, valley, deep_valley), with overlays applied
    where priced, so ``timeseries.csv`` shows which price each import met.
    """
    if data.case.grid.tariff is None:
        return ts
    periods = data.case.grid.tariff.build().periods(data.case.year).astype(str)
    stamps = pd.DatetimeIndex(ts["timestamp"]) if "timestamp" in ts else _index(ts, data)
    out = ts.copy()
    out["tou_period"] = periods.loc[stamps].to_numpy()
    return out


def charge_scheme(data: CaseData, connection_kw: float) -> GridChargeScheme:
    """Return the grid charge scheme of a case for a given connection size [kW]."""
    grid = data.case.grid
    kind = grid.charge_scheme
    if kind == "demand":
        rate = grid.demand_rate_per_kw_month()
    else:
        rate = grid.capacity_rate_per_kw_month()
    return GridChargeScheme(kind, rate, connection_kw, grid.system_operation_fee_per_kwh)


def _hourly_costs(
    data: CaseData, import_kw: np.ndarray, fuel_kwh: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Hourly fuel cost and carbon cost [CNY] of given imports and fuel."""
    n = len(import_kw)
    boiler = _boiler(data)
    fuel_cost = fuel_kwh * boiler.fuel_price_per_kwh
    factor = _series(data, "grid_emission_factor_kg_per_kwh", n)
    kg = import_kw * factor + fuel_kwh * boiler.emission_factor_kg_per_kwh_fuel
    carbon_cost = kg / KG_PER_T * data.case.finance.carbon_price_per_tco2
    return fuel_cost, carbon_cost


def _bill(
    data: CaseData,
    index: pd.DatetimeIndex,
    import_kw: np.ndarray,
    export_kw: np.ndarray,
    fuel_kwh: np.ndarray,
    connection_kw: float,
) -> pd.DataFrame:
    n = len(index)
    fuel_cost, carbon_cost = _hourly_costs(data, import_kw, fuel_kwh)
    return monthly_bill(
        pd.Series(import_kw, index=index),
        pd.Series(energy_price_per_kwh(data, n), index=index),
        charge_scheme(data, connection_kw),
        export_kw=pd.Series(export_kw, index=index),
        export_price_per_kwh=pd.Series(_series(data, "export_price_per_kwh", n), index=index),
        fuel_cost=pd.Series(fuel_cost, index=index),
        carbon_cost=pd.Series(carbon_cost, index=index),
    )


def energy_price_per_kwh(data: CaseData, n: int) -> np.ndarray:
    """Energy price each imported kWh pays over the first ``n`` hours [currency/kWh].

    The import price less the T&D price a ``capacity_td`` fee replaces
    (``grid.import_price_includes_td``), as in the model (O1).
    """
    return data.case.grid.import_energy_price_per_kwh(_series(data, "import_price_per_kwh", n))


def fuel_kwh(ts: pd.DataFrame, data: CaseData) -> np.ndarray:
    """Hourly boiler fuel [kWh] of the solution."""
    boiler = data.case.technologies.boiler
    return _col(ts, "boiler_kw_th") / boiler.efficiency if boiler else np.zeros(len(ts))


def bill_monthly(ts: pd.DataFrame, caps: dict[str, float], data: CaseData) -> pd.DataFrame:
    """Return the monthly bill of the solution over the simulated horizon (``bill_monthly.csv``).

    Columns: see :data:`dispatch.tariffs.charges.BILL_COLUMNS`. Export revenue is negative (a
    negative cost), so ``total`` is the sum of the money columns.
    """
    return _bill(
        data,
        _index(ts, data),
        _col(ts, "import_kw"),
        _col(ts, "export_kw"),
        fuel_kwh(ts, data),
        caps.get("grid_connection_kw", 0.0),
    )


def bill_costs_per_year(
    bill: pd.DataFrame, scheme: GridChargeScheme, n_rows: int
) -> dict[str, float]:
    """Annual cost components from a monthly bill, scaled from the horizon to a year.

    The connection charge is a yearly fixed cost, ``12 × monthly charge``, whatever the horizon
    (as in the objective, O1); every other component scales by ``8760 / rows``.
    """
    scale = HOURS_PER_YEAR / n_rows
    out = {k: float(bill[k].sum()) * scale for k in (*COST_COLUMNS, "export_revenue")}
    out["grid_capacity"] = MONTHS_PER_YEAR * scheme.monthly_capacity_charge
    out["total"] = sum(out.values())
    return out


def baseline(
    data: CaseData, base: BaselineDispatch, emissions_block: dict[str, Any]
) -> dict[str, Any]:
    """Return the ``baseline`` block of ``summary.json``: the park with existing equipment only.

    The baseline dispatch (:func:`dispatch.solve.baseline.baseline_dispatch`) is billed with
    the same tariff, charge scheme, demand charge, fuel and carbon price as the design.

    Parameters
    ----------
    data : CaseData
        The case.
    base : BaselineDispatch
        How the baseline park runs over the run's hours.
    emissions_block : dict
        The run's ``emissions`` block (:func:`emissions`), whose ``baseline_tco2_per_year``
        is the baseline's.

    Returns
    -------
    dict
        ``costs_per_year`` (the solution's categories plus ``total``; no investment or fixed
        O&M, as nothing is built), ``import_mwh_per_year``, ``export_mwh_per_year``,
        ``fuel_mwh_per_year``, ``connection_kw``, ``tco2_per_year``, ``capacities`` (the
        existing sizes kept) and ``method`` (``closed form`` or ``dispatch``).
    """
    n = len(base.import_kw)
    index = hours(data.case.year)[:n]
    bill = _bill(data, index, base.import_kw, base.export_kw, base.fuel_kwh, base.connection_kw)
    costs = dict.fromkeys(COST_KEYS, 0.0)
    flows = bill_costs_per_year(bill, charge_scheme(data, base.connection_kw), n)
    costs |= {k: float(flows[k]) for k in COST_KEYS if k in flows}
    costs["total"] = float(sum(costs.values()))
    scale = HOURS_PER_YEAR / n
    return {
        "costs_per_year": costs,
        "import_mwh_per_year": float(base.import_kw.sum()) * scale / 1000.0,
        "export_mwh_per_year": float(base.export_kw.sum()) * scale / 1000.0,
        "fuel_mwh_per_year": float(base.fuel_kwh.sum()) * scale / 1000.0,
        "connection_kw": float(base.connection_kw),
        "tco2_per_year": float(emissions_block["baseline_tco2_per_year"]),
        "capacities": dict(base.capacities),
        "method": base.method,
    } | ({"note": base.note} if base.note else {})


def emissions(ts: pd.DataFrame, data: CaseData, base: BaselineDispatch) -> dict[str, Any]:
    """Return the ``emissions`` block of ``summary.json`` (docs/tariffs.md section 6).

    The baseline's emissions come from the baseline dispatch ``base`` (its imports and fuel).
    """
    n = len(ts)
    self_used = ledger.hourly(ts, ledger_terms(data.case))["self_used"]
    boiler = _boiler(data)
    acct = carbon_account(
        grid_import_kwh=_col(ts, "import_kw"),
        grid_factor_kg_per_kwh=_series(data, "grid_emission_factor_kg_per_kwh", n),
        renewable_self_used_kwh=self_used,
        fuel_kwh=fuel_kwh(ts, data),
        baseline_grid_import_kwh=base.import_kw,
        baseline_fuel_kwh=base.fuel_kwh,
        tce=electricity_tce(data.case.accounting.electricity_tce),
        fuel_factor_kg_per_kwh=boiler.emission_factor_kg_per_kwh_fuel,
        scale_to_year=_scale(ts),
        green_certified_kwh=_col(ts, GREEN_COLUMN),
        green_counts_toward=data.case.accounting.green_certificates_count_toward,
    )
    out = acct.to_dict()
    factor = data.case.grid.emission_factor
    if factor is not None:
        f = factor.factor()
        out["grid_factor_source"] = f"{f.source} ({f.scope} {f.area} {f.year})"
    return out


def grid_report(ts: pd.DataFrame, data: CaseData) -> dict[str, Any]:
    """Return how the grid was priced and limited: tariff, charges, exports, emission factor."""
    grid, case = data.case.grid, data.case
    out: dict[str, Any] = {"charge_scheme": grid.charge_scheme}
    tariff = grid.tariff.build() if grid.tariff is not None else None
    if tariff is not None:
        table = tariff.price_table()
        out["tariff"] = {
            "calendar": tariff.calendar.name,
            "source": tariff.calendar.source,
            "basis": tariff.basis,
            "prices_per_kwh": {
                season: {p: float(v) for p, v in row.items() if pd.notna(v)}
                for season, row in table.iterrows()
            },
        }
    if grid.charge_scheme in ("basic_capacity", "capacity_td"):
        out["capacity_rate_per_kw_month"] = grid.capacity_rate_per_kw_month()
    if grid.charge_scheme == "demand":
        peaks = monthly_peaks_kw(pd.Series(_col(ts, "import_kw"), index=_index(ts, data)))
        out["demand_rate_per_kw_month"] = grid.demand_rate_per_kw_month()
        months = peaks.index.to_numpy(dtype=int).tolist()
        out["monthly_peak_import_kw"] = dict(
            zip(months, peaks.to_numpy(float).tolist(), strict=True)
        )
    export_price = _series(data, "export_price_per_kwh", len(ts))
    province = tariff.calendar.province if tariff is not None else None
    out["exports"] = {
        "allowed": grid.export_allowed,
        "price_mean_per_kwh": float(export_price.mean()),
        "price_is_profile": bool(np.ptp(export_price) > 0),
        "cap_of_generation": ledger.RULE_BY_NAME["export_max_of_generation"].limit(case),
        "provincial_cap_of_generation": export_cap_fraction(province),
    }
    return out
