"""The outputs of a pathway run: its periods, ``pathway.csv`` and ``summary.json``.

``DIR/<year>/`` is each period's results folder in the ``dispatch run`` format (the
period dispatched at its pathway sizes); ``DIR/pathway.csv`` has one row per milestone
year; ``DIR/summary.json`` the discounted totals, the build schedule and the myopic
comparison; ``DIR/report.html`` the pathway report (:mod:`dispatch.report.pathway`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dispatch.results.result import RunOutput

PATHWAY_CSV = "pathway.csv"
SIZE_ORDER = ("pv_kw", "wind_kw", "battery_kwh", "battery_kw", "heat_pump_kw_th",
              "grid_connection_kw")  # fmt: skip
"""Capacity columns of ``pathway.csv``, in this order where present."""


@dataclass
class PeriodResult:
    """One period of the solved pathway."""

    year: int
    sizes: dict[str, float]
    added: dict[str, float]
    output: RunOutput
    objective_per_year: float
    running_per_year: float
    investment_per_year: float
    notes: list[str] = field(default_factory=list)


@dataclass
class PathwayResult:
    """The solved pathway: periods, totals, the myopic comparison, timings."""

    years: list[int]
    method: str
    periods: list[PeriodResult]
    weights: list[float]
    total_cost: float
    sizing_total_cost: float
    myopic_total_cost: float | None
    myopic_schedule: list[dict[str, float]]
    solve: dict[str, Any]
    end_year: int
    notes: list[str] = field(default_factory=list)


def pathway_table(result: PathwayResult) -> pd.DataFrame:
    """Return ``pathway.csv``: one row per milestone year.

    Columns: ``year``; each installed size (``pv_kw`` ...) and its addition
    (``pv_kw_added``); ``objective_per_year`` (the year's cost: running costs plus the
    annuities of the vintages standing, W5); each rule's value and limit
    (``self_use_of_consumption``, ``self_use_of_consumption_limit`` ...); ``tco2_per_year``.
    """
    rows = []
    for period in result.periods:
        summary = period.output.summary
        row: dict[str, Any] = {"year": period.year}
        keys = [k for k in SIZE_ORDER if k in period.sizes]
        row.update({k: _clean(period.sizes[k]) for k in keys})
        row.update({f"{k}_added": _clean(period.added.get(k, 0.0)) for k in keys})
        row["objective_per_year"] = period.objective_per_year
        for rule in summary.get("rules", []):
            row[rule["name"]] = rule["value"]
            row[f"{rule['name']}_limit"] = rule["limit"]
        row["tco2_per_year"] = summary.get("emissions", {}).get("tco2_per_year")
        rows.append(row)
    return pd.DataFrame(rows)


MYOPIC_BASIS = {
    True: "both schedules valued by full-year dispatches of every period (relaxed physics, "
    "as the full-year refinement values them)",
    False: "both schedules valued by the sizing model",
}
"""How the pathway and the myopic schedule are compared, with or without a refinement."""


def comparable_total(result: PathwayResult) -> float:
    """Return the pathway's total on the basis the myopic total is valued on.

    The refined total with relaxed physics for ``auto`` (both valued by the full-year
    dispatches), the sizing model's objective otherwise.
    """
    refinement = result.solve.get("refinement")
    if refinement is not None:
        return float(refinement["relaxed_total_cost"])
    return result.sizing_total_cost


def pathway_lines(result: PathwayResult) -> list[str]:
    """Return the terminal lines of a pathway run: sizes by year, totals, gap, comparison."""
    lines = []
    for period in result.periods:
        sizes = ", ".join(f"{k} {v:,.0f}" for k, v in period.sizes.items())
        lines.append(f"{period.year}: {sizes}")
    lines.append(f"discounted total cost: {result.total_cost:,.0f}")
    refinement = result.solve.get("refinement")
    if refinement is not None:
        gap, local = refinement.get("gap_to_lower_bound"), refinement.get("local_gap")
        proven = "no lower bound" if gap is None else f"within {gap:.2%} of the lower bound"
        if local is not None:
            proven += (
                f", no schedule within {refinement['local_radius']:.0%} of every size "
                f"saves more than {local:.2%}"
            )
        lines.append(
            f"sizes refined on every full year ({refinement['dispatch_rounds']} rounds): "
            f"{proven} (relaxed physics)"
        )
    elif result.solve.get("sizing") == "typical days":
        lines.append("sizes from typical days, not refined on the full year (see notes)")
    if result.myopic_total_cost is not None:
        basis = "full years" if refinement is not None else "sizing model"
        lines.append(
            f"on the {basis}: pathway {comparable_total(result):,.0f}, "
            f"myopic (each year sized alone) {result.myopic_total_cost:,.0f}"
        )
    return lines


def _clean(value: float) -> float:
    """Return a size as reported: solver noise below 1e-6 is zero (no ``-0.0``)."""
    return 0.0 if abs(value) < 1e-6 else float(value)


def pathway_summary(result: PathwayResult, case_name: str, currency: str) -> dict[str, Any]:
    """Return the pathway's ``summary.json``.

    ``total_cost`` is the discounted cost over the analysis horizon (W5) with every period
    valued by its full dispatch; ``sizing_total_cost`` the sizing model's objective (equal
    to ``total_cost`` for ``exact``, on typical days for ``auto``). ``auto`` refines the
    schedule on every period's full year: ``refinement`` gives the refined total with
    relaxed physics, the cut model's lower bound on it (W7, K4) and the gap between them
    (``gap_to_lower_bound``), and the least the cut model allows within ``local_radius``
    of every size (``local_gap``: what no nearby schedule can save).
    ``myopic.total_cost`` values the myopic build schedule on the same basis as the
    pathway it is compared with (``myopic.basis``): the full years with relaxed physics
    for ``auto``, the sizing model for ``exact``.
    """
    table = pathway_table(result)
    schedule = [
        {"year": int(r["year"]), **{c: r[c] for c in table.columns if c.endswith("_added")}}
        for _, r in table.iterrows()
    ]
    refinement = result.solve.get("refinement")
    pathway_basis = comparable_total(result)
    myopic = None
    if result.myopic_total_cost is not None:
        myopic = {
            "total_cost": result.myopic_total_cost,
            "build_schedule": [
                {"year": y, **{f"{k}_added": _clean(v) for k, v in added.items()}}
                for y, added in zip(result.years, result.myopic_schedule, strict=True)
            ],
            "extra_cost_over_pathway": result.myopic_total_cost - pathway_basis,
            "basis": MYOPIC_BASIS[refinement is not None],
        }
    return {
        "case": case_name,
        "kind": "pathway",
        "years": result.years,
        "method": result.method,
        "currency": currency,
        "analysis_end_year": result.end_year - 1,
        "period_weights": dict(zip(map(str, result.years), result.weights, strict=True)),
        "total_cost": result.total_cost,
        "sizing_total_cost": result.sizing_total_cost,
        "refinement": refinement,
        "build_schedule": schedule,
        "myopic": myopic,
        "periods": table.to_dict(orient="records"),
        "notes": result.notes,
        "solve": result.solve,
    }
