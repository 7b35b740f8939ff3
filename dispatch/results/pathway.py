"""The outputs of a pathway run: ``pathway.csv``, ``summary.json`` and a folder per year.

``DIR/<year>/`` is each period's results folder in the ``dispatch run`` format (the
period dispatched at its pathway sizes); ``DIR/pathway.csv`` has one row per milestone
year; ``DIR/summary.json`` the discounted totals, the build schedule and the myopic
comparison; ``DIR/report.html`` the pathway report (:mod:`dispatch.report.pathway`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from dispatch.results.result import Result
from dispatch.results.write import write_folder, write_results, write_summary
from dispatch.solve.pathway import PathwayResult

PATHWAY_CSV = "pathway.csv"
SIZE_ORDER = ("pv_kw", "wind_kw", "battery_kwh", "battery_kw", "heat_pump_kw_th",
              "grid_connection_kw")  # fmt: skip
"""Capacity columns of ``pathway.csv``, in this order where present."""


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


def _clean(value: float) -> float:
    """Return a size as reported: solver noise below 1e-6 is zero (no ``-0.0``)."""
    return 0.0 if abs(value) < 1e-6 else float(value)


def pathway_summary(result: PathwayResult, case_name: str, currency: str) -> dict[str, Any]:
    """Return the pathway's ``summary.json``.

    ``total_cost`` is the discounted cost over the analysis horizon (W5) with every period
    valued by its full dispatch; ``sizing_total_cost`` the sizing model's objective (equal
    to ``total_cost`` for ``exact``, on typical days for ``auto``). ``myopic.total_cost``
    values the myopic build schedule in the same sizing model, so it compares with
    ``sizing_total_cost`` (``myopic.extra_cost_over_pathway``), not with ``total_cost``.
    """
    table = pathway_table(result)
    schedule = [
        {"year": int(r["year"]), **{c: r[c] for c in table.columns if c.endswith("_added")}}
        for _, r in table.iterrows()
    ]
    myopic = None
    if result.myopic_total_cost is not None:
        myopic = {
            "total_cost": result.myopic_total_cost,
            "build_schedule": [
                {"year": y, **{f"{k}_added": _clean(v) for k, v in added.items()}}
                for y, added in zip(result.years, result.myopic_schedule, strict=True)
            ],
            "extra_cost_over_pathway": result.myopic_total_cost - result.sizing_total_cost,
            "basis": "both schedules valued by the sizing model"
            + (
                " (full resolution)" if result.solve.get("sizing") == "exact" else " (typical days)"
            ),
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
        "build_schedule": schedule,
        "myopic": myopic,
        "periods": table.to_dict(orient="records"),
        "notes": result.notes,
        "solve": result.solve,
    }


def write_pathway(result: PathwayResult, out: str | Path) -> Path:
    """Write the pathway folder atomically: summary, table, report and a folder per year."""
    from dispatch.report.pathway import render_pathway_report

    first = result.periods[0].output
    summary = pathway_summary(result, first.data.case.name, first.data.case.finance.currency)
    table = pathway_table(result)

    def fill(tmp: Path) -> None:
        write_summary(tmp / "summary.json", summary)
        table.to_csv(tmp / PATHWAY_CSV, index=False, float_format="%.10g")
        for period in result.periods:
            output = period.output
            output.summary["pathway"] = {
                "year": period.year,
                "sizes_from": "pathway",
                "objective_per_year": period.objective_per_year,
                "investment_per_year": period.investment_per_year,
                "costs_note": "costs_per_year here annualise every addition at this year's "
                "capex; the pathway charges each vintage at the capex of its own year "
                "(objective_per_year, investment_per_year)",
                "notes": period.notes,
            }
            write_results(
                tmp / str(period.year),
                output.summary,
                output.timeseries,
                extra=Result.from_output(output).write_extras,
                bill_monthly=output.bill_monthly if len(output.bill_monthly) else None,
                check=False,
            )
        (tmp / "report.html").write_text(render_pathway_report(summary, table), "utf-8")

    return write_folder(Path(out), fill)
