"""Annual energy, ratios, rules, costs and emissions, computed from the hourly table.

Nothing here reads the optimisation model: every figure is recomputed from
``timeseries`` and the case inputs, so the summary is an independent check of
the solver's objective.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dispatch import ledger
from dispatch.case.loader import CaseData
from dispatch.model.horizon import Horizon
from dispatch.model.technologies import REGISTRY, ledger_terms, spec_of
from dispatch.model.technologies.grid import GREEN_COLUMN
from dispatch.results import bill as billing
from dispatch.results.bill import COST_KEYS
from dispatch.solve.baseline import BaselineDispatch, baseline_dispatch
from dispatch.timegrid import HOURS_PER_YEAR

KWH_PER_MWH = 1000.0
KG_PER_T = 1000.0
#: Cost components taken from the monthly bill (dispatch.results.bill).
BILL_KEYS = ("grid_energy", "system_operation", "demand_charge", "export_revenue", "fuel", "carbon")


def _col(ts: pd.DataFrame, name: str) -> np.ndarray:
    return ts[name].to_numpy(dtype=float) if name in ts else np.zeros(len(ts))


def energy_kwh(ts: pd.DataFrame, data: CaseData) -> dict[str, float]:
    """Annual energy sums [kWh] from the hourly table.

    The ledger's quantities (:mod:`dispatch.ledger`: available, curtailed, exported,
    imported, load, conversion, storage losses, load shed, self-used, consumption),
    (fuel, green-certified imports), then per-technology details (PV and wind available,
    heat, battery throughput).
    """
    scale = annual_scale(ts)
    e = ledger.annual_kwh(ts, ledger_terms(data.case), scale)
    details = {
        "pv_available": "pv_available_kw",
        "wind_available": "wind_available_kw",
        "heat_pump_electricity": "heat_pump_kw",
        "heat": "heat_load_kw_th",
        "heat_pump_heat": "heat_pump_kw_th",
        "boiler_heat": "boiler_kw_th",
        "battery_charge": "battery_charge_kw",
        "battery_discharge": "battery_discharge_kw",
        "electric_boiler_electricity": "electric_boiler_kw",
        "electric_boiler_heat": "electric_boiler_kw_th",
        "heat_storage_charge": "thermal_storage_charge_kw_th",
        "heat_storage_discharge": "thermal_storage_discharge_kw_th",
    }
    e |= {k: float(_col(ts, c).sum()) * scale for k, c in details.items()}
    return e


def carbon_kg(ts: pd.DataFrame, data: CaseData) -> dict[str, float]:
    """Annual carbon quantities of :data:`dispatch.ledger.CARBON` [kgCO2, kgce].

    Emissions, energy use and clean energy, from the hourly table.
    """
    factors = ledger.carbon_factors(data.case, data.series)
    return ledger.annual_carbon(ts, ledger_terms(data.case), factors, annual_scale(ts))


def ratios(e: dict[str, float]) -> dict[str, float | None]:
    """Return the ratios of :mod:`dispatch.ledger`; ``None`` where the denominator is 0.

    The carbon ratios too when ``e`` holds the carbon quantities.
    """
    return ledger.ratios(e)


def rules(e: dict[str, float], data: CaseData, tol: float = 1e-6) -> list[dict[str, Any]]:
    """Each rule as ``{name, limit, value, ok, kind, unit}``; ``tol`` absorbs solver tolerance.

    ``e`` holds the energy quantities, and the carbon ones (:func:`carbon_kg`) for R7-R9.
    """
    return ledger.check_rules(e, data.case, tol)


def costs(
    ts: pd.DataFrame, caps: dict[str, float], data: CaseData, bill: pd.DataFrame | None = None
) -> dict[str, float]:
    """Annual cost by category, recomputed from sizes, hourly flows and the monthly bill.

    Investment, fixed O&M and the connection charge come from the technologies' unit costs;
    energy, fees, demand charges, export revenue, fuel and carbon from the monthly bill
    (:func:`dispatch.results.bill.bill_monthly`); the battery's wear (S9) from its
    discharge; green certificates from the hourly imports they cover at
    ``grid.green_certificate_price_per_mwh``. Wear is a price on cycling, not a payment:
    the cash flow (:mod:`dispatch.results.financials`) pays replacements instead.
    """
    case = data.case
    c = dict.fromkeys(COST_KEYS, 0.0)
    for cls in REGISTRY:
        spec = spec_of(case, cls.name)
        if spec is None:
            continue
        sizes = cls.sizes(spec)
        for key, per_unit in cls.unit_costs(spec, case.finance.discount_rate).items():
            added = caps.get(key, 0.0) - (sizes[key].existing if key in sizes else 0.0)
            for category, cost in per_unit.items():
                c[category] += cost * added
        for category, cost in cls.table_costs(spec, ts).items():
            c[category] += cost * annual_scale(ts)
    if bill is None:
        bill = billing.bill_monthly(ts, caps, data)
    scheme = billing.charge_scheme(data, caps.get("grid_connection_kw", 0.0))
    flows = billing.bill_costs_per_year(bill, scheme, len(ts))
    c.update({k: flows[k] for k in BILL_KEYS})
    battery = case.technologies.battery
    if battery is not None:  # (S9) wear priced per kWh discharged
        discharge = _col(ts, "battery_discharge_kw").sum() * annual_scale(ts)
        c["battery_degradation"] = battery.wear_cost_per_kwh() * discharge
    c["green_certificates"] = green_certificates_mwh(ts) * (
        case.grid.green_certificate_price_per_mwh or 0.0
    )
    c = {k: float(v) for k, v in c.items()}
    c["total"] = float(sum(c.values()))
    return c


def green_certificates_mwh(ts: pd.DataFrame) -> float:
    """Green certificates bought per year [MWh = certificates], from the hourly table."""
    return float(_col(ts, GREEN_COLUMN).sum()) * annual_scale(ts) / KWH_PER_MWH


def annual_scale(ts: pd.DataFrame) -> float:
    """Factor from the table's hours to a year: 1 for 8760 rows, 365 for one day.

    A horizon shorter than a year stands for the year by repetition, as in the
    model's objective (docs/formulation.md, O1).
    """
    return HOURS_PER_YEAR / len(ts)


def simultaneous(ts: pd.DataFrame, tol_kw: float = 1e-3) -> dict[str, dict[str, float]]:
    """Hours where import and export, or a store's charge and discharge, are both positive."""
    out = {}
    for name, a, b in (
        ("import_export", "import_kw", "export_kw"),
        ("charge_discharge", "battery_charge_kw", "battery_discharge_kw"),
        (
            "heat_charge_discharge",
            "thermal_storage_charge_kw_th",
            "thermal_storage_discharge_kw_th",
        ),
    ):
        both = (_col(ts, a) > tol_kw) & (_col(ts, b) > tol_kw)
        overlap = np.minimum(_col(ts, a), _col(ts, b))[both]
        out[name] = {"hours": int(both.sum()), "mwh": float(overlap.sum() / KWH_PER_MWH)}
    return out


def marginal_price(ts: pd.DataFrame, data: CaseData, tol_kw: float = 1e-3) -> np.ndarray:
    """Return what one more kWh of load costs the park in each hour [currency/kWh].

    The import price plus the system operation fee where the park imports; 0 where
    renewables are curtailed; else the export price it forgoes (0 without exports).
    """
    n, grid = len(ts), data.case.grid
    buy = np.asarray(data.series["import_price_per_kwh"], dtype=float)[:n]
    sell = np.asarray(data.series["export_price_per_kwh"], dtype=float)[:n]
    buy = buy + grid.system_operation_fee_per_kwh
    sell = sell if grid.export_allowed else np.zeros(n)
    curtailed = _col(ts, "curtailed_kw") > tol_kw
    return np.where(_col(ts, "import_kw") > tol_kw, buy, np.where(curtailed, 0.0, sell))


def flexibility(ts: pd.DataFrame, data: CaseData) -> dict[str, Any] | None:
    """How much load moved, from which hours to which, what it saved, and the heat stored.

    ``None`` when the case has no flexible or curtailable load and no heat tank. A kWh
    moved or shed is valued at the park's marginal price in its hour: the import price
    plus the system operation fee where the park imports, else 0 where renewables are
    curtailed, else the export price (0 without exports). The full value of flexibility,
    sizes included, is the difference between runs with and without it.

    Returns
    -------
    dict or None
        ``load_moved_mwh`` (energy served in another hour than due),
        ``moved_from_hour_of_day_mwh`` and ``moved_to_hour_of_day_mwh`` (24 values, hour
        0-23), ``shift_saving_at_marginal_price`` [currency/yr], ``load_shed_mwh``,
        ``load_shed_hours``, ``shed_saving_at_marginal_price``, ``load_shed_cost``,
        ``heat_stored_mwh_th``, ``heat_storage_losses_mwh_th``.
    """
    case = data.case
    load, tank = case.load, case.technologies.thermal_storage
    if load.flexible is None and load.curtailable is None and tank is None:
        return None
    scale = annual_scale(ts) / KWH_PER_MWH
    hour = pd.DatetimeIndex(ts["timestamp"]).hour.to_numpy()
    price = marginal_price(ts, data)
    out: dict[str, Any] = {}
    if load.flexible is not None:
        shift = _col(ts, "load_shifted_kw")
        up, down = np.maximum(shift, 0.0), np.maximum(-shift, 0.0)
        out["load_moved_mwh"] = float(up.sum()) * scale
        out["moved_from_hour_of_day_mwh"] = (np.bincount(hour, down, 24) * scale).tolist()
        out["moved_to_hour_of_day_mwh"] = (np.bincount(hour, up, 24) * scale).tolist()
        out["shift_saving_at_marginal_price"] = float(-(shift * price).sum()) * annual_scale(ts)
    if load.curtailable is not None:
        shed = _col(ts, "load_shed_kw")
        out["load_shed_mwh"] = float(shed.sum()) * scale
        out["load_shed_hours"] = int(np.count_nonzero(shed > 1e-3))
        out["shed_saving_at_marginal_price"] = float((shed * price).sum()) * annual_scale(ts)
        out["load_shed_cost"] = float(shed.sum()) * load.curtailable.cost_per_kwh * annual_scale(ts)
    if tank is not None:
        charge = _col(ts, "thermal_storage_charge_kw_th")
        discharge = _col(ts, "thermal_storage_discharge_kw_th")
        out["heat_stored_mwh_th"] = float(charge.sum()) * scale
        out["heat_storage_losses_mwh_th"] = float((charge - discharge).sum()) * scale
    return out


def summarize(
    ts: pd.DataFrame,
    caps: dict[str, float],
    data: CaseData,
    solve: dict[str, Any],
    method: str,
    bill: pd.DataFrame | None = None,
    base: BaselineDispatch | None = None,
) -> dict[str, Any]:
    """Build the ``summary.json`` content from the hourly table and sizes.

    Parameters
    ----------
    ts : pandas.DataFrame
        Hourly results (one full year).
    caps : dict
        Chosen sizes.
    data : CaseData
        The case and its inputs.
    solve : dict
        Solver report (status, seconds, gap...).
    method : str
        The method that produced the result.
    bill : pandas.DataFrame, optional
        The monthly bill (:func:`dispatch.results.bill.bill_monthly`); computed if omitted.
    base : BaselineDispatch, optional
        The baseline park's dispatch over the same hours; computed if omitted.
    """
    e = energy_kwh(ts, data)
    q = e | carbon_kg(ts, data)
    cost = costs(ts, caps, data, bill)
    rule_list = rules(q, data)
    if base is None:
        base = baseline_dispatch(data, Horizon.full_year(data.case.year, len(ts)))
    emissions = billing.emissions(ts, data, base)
    return {
        "case": data.case.name,
        "year": data.case.year,
        "status": solve.get("status", "optimal"),
        "method": method,
        "objective_per_year": cost["total"],
        "currency": data.case.finance.currency,
        "capacities": caps,
        "energy_mwh": {k: v / KWH_PER_MWH for k, v in e.items()},
        "ratios": ratios(q),
        "rules": rule_list,
        "rules_ok": all(r["ok"] for r in rule_list),
        "costs_per_year": cost,
        "emissions": emissions,
        "baseline": billing.baseline(data, base, emissions),
        "grid": billing.grid_report(ts, data),
        "simultaneous": (sim := simultaneous(ts)),
        "physics": data.case.physics,
        "dispatch_strict": all(v["hours"] == 0 for v in sim.values()),
        "solve": solve,
    } | ({"flexibility": flex} if (flex := flexibility(ts, data)) else {})


def infeasible_summary(data: CaseData, method: str, error: Any) -> dict[str, Any]:
    """Build the ``summary.json`` content of an infeasible case: status and diagnosis.

    Parameters
    ----------
    data : CaseData
        The case.
    method : str
        The method that was run.
    error : InfeasibleError
        The error, with its ``diagnosis`` list.
    """
    return {
        "case": data.case.name,
        "year": data.case.year,
        "status": "infeasible",
        "method": method,
        "message": str(error),
        "diagnosis": list(getattr(error, "diagnosis", [])),
    }


def run_notes(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """Return every warning and note of a run, as ``(kind, text)`` pairs, warnings first.

    The terminal, the report and the Jupyter card all show this list, so a caveat the
    terminal prints is never missing from the report.

    Parameters
    ----------
    summary : dict
        Content of ``summary.json``: the solver's ``solve.warnings`` and the run's
        ``notes`` (heat beyond heat-pump reach, zero prices, implausible inputs ...).
    """
    solve = summary.get("solve") or {}
    out = [("warning", str(w)) for w in solve.get("warnings") or []]
    out += [("note", str(n)) for n in summary.get("notes") or []]
    return out
