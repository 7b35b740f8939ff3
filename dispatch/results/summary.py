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
from dispatch.model.technologies import REGISTRY, ledger_terms, spec_of
from dispatch.model.technologies.grid import GREEN_COLUMN
from dispatch.results import bill as billing
from dispatch.timegrid import HOURS_PER_YEAR

KWH_PER_MWH = 1000.0
KG_PER_T = 1000.0
COST_KEYS = (
    "capex_annualized", "fixed_om", "grid_energy", "system_operation", "grid_capacity",
    "demand_charge", "export_revenue", "fuel", "carbon", "green_certificates",
)  # fmt: skip
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
    (:func:`dispatch.results.bill.bill_monthly`); green certificates from the hourly
    imports they cover at ``grid.green_certificate_price_per_mwh``.
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
    if bill is None:
        bill = billing.bill_monthly(ts, caps, data)
    scheme = billing.charge_scheme(data, caps.get("grid_connection_kw", 0.0))
    flows = billing.bill_costs_per_year(bill, scheme, len(ts))
    c.update({k: flows[k] for k in BILL_KEYS})
    c["green_certificates"] = green_certificates_mwh(ts) * (
        data.case.grid.green_certificate_price_per_mwh or 0.0
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
    """Hours where import and export, or charge and discharge, are both positive."""
    out = {}
    for name, a, b in (
        ("import_export", "import_kw", "export_kw"),
        ("charge_discharge", "battery_charge_kw", "battery_discharge_kw"),
    ):
        both = (_col(ts, a) > tol_kw) & (_col(ts, b) > tol_kw)
        overlap = np.minimum(_col(ts, a), _col(ts, b))[both]
        out[name] = {"hours": int(both.sum()), "mwh": float(overlap.sum() / KWH_PER_MWH)}
    return out


def summarize(
    ts: pd.DataFrame,
    caps: dict[str, float],
    data: CaseData,
    solve: dict[str, Any],
    method: str,
    bill: pd.DataFrame | None = None,
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
    """
    e = energy_kwh(ts, data)
    q = e | carbon_kg(ts, data)
    cost = costs(ts, caps, data, bill)
    rule_list = rules(q, data)
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
        "emissions": billing.emissions(ts, data),
        "baseline": billing.baseline(ts, data),
        "grid": billing.grid_report(ts, data),
        "simultaneous": (sim := simultaneous(ts)),
        "physics": data.case.physics,
        "dispatch_strict": all(v["hours"] == 0 for v in sim.values()),
        "solve": solve,
    }


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
