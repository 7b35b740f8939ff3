"""The pathway report: capacities, cost, emissions and rule margins by milestone year.

An offline HTML page (plotly.js embedded) built from ``pathway.csv`` and the pathway's
``summary.json`` only.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dispatch.report.html import PLOTLY_CONFIG, plotly_js

RULE_LABELS = {
    "self_use_of_generation": "self-use of generation (at least)",
    "self_use_of_consumption": "self-use of consumption (at least)",
    "export_max_of_generation": "export of generation (at most)",
}


def capacity_figure(table: pd.DataFrame) -> go.Figure:
    """Installed capacities by year, stacked bars: power in kW, battery energy in kWh."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Power [kW, kW_th]", "Storage [kWh]"))
    years = table["year"].astype(str)
    for column in table.columns:
        if column.endswith("_added") or not column.endswith(("_kw", "_kw_th", "_kwh")):
            continue
        col = 2 if column.endswith("_kwh") else 1
        fig.add_trace(go.Bar(x=years, y=table[column], name=column), row=1, col=col)
    fig.update_layout(barmode="stack", title="Installed capacity by milestone year")
    return fig


def cost_emissions_figure(table: pd.DataFrame, currency: str) -> go.Figure:
    """Cost per year (bars) and emissions per year (line) by milestone year."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    years = table["year"].astype(str)
    fig.add_trace(go.Bar(x=years, y=table["objective_per_year"], name=f"cost [{currency}/yr]"))
    fig.add_trace(
        go.Scatter(
            x=years, y=table["tco2_per_year"], name="emissions [tCO2/yr]", mode="lines+markers"
        ),
        secondary_y=True,
    )
    fig.update_yaxes(title_text=f"{currency}/yr", secondary_y=False)
    fig.update_yaxes(title_text="tCO2/yr", secondary_y=True)
    fig.update_layout(title="Cost and emissions by milestone year")
    return fig


def rule_figure(table: pd.DataFrame) -> go.Figure:
    """Each rule's value by year against its (stepping) limit."""
    fig = go.Figure()
    years = table["year"].astype(str)
    for name, label in RULE_LABELS.items():
        if name not in table or f"{name}_limit" not in table:
            continue
        fig.add_trace(go.Scatter(x=years, y=table[name], name=label, mode="lines+markers"))
        fig.add_trace(
            go.Scatter(
                x=years, y=table[f"{name}_limit"], name=f"limit: {label}",
                mode="lines", line={"dash": "dash", "shape": "hv"},
            )
        )  # fmt: skip
    fig.update_layout(title="Rules by milestone year against their limits", yaxis_tickformat=".0%")
    return fig


def render_pathway_report(summary: dict[str, Any], table: pd.DataFrame) -> str:
    """Return the self-contained pathway report (HTML)."""
    currency = summary.get("currency", "CNY")
    figures = [
        capacity_figure(table),
        cost_emissions_figure(table, currency),
        rule_figure(table),
    ]
    divs = "".join(
        f.to_html(full_html=False, include_plotlyjs=False, config=PLOTLY_CONFIG) for f in figures
    )
    myopic = summary.get("myopic") or {}
    rows = [
        ("milestone years", ", ".join(map(str, summary["years"]))),
        ("method", summary["method"]),
        ("discounted total cost", f"{summary['total_cost']:,.0f} {currency}"),
        ("sizing model total", f"{summary['sizing_total_cost']:,.0f} {currency}"),
    ]
    refinement = summary.get("refinement")
    if refinement:
        gap = refinement.get("gap_to_lower_bound")
        rows.append((
            "refined on every full year (relaxed physics)",
            f"{refinement['relaxed_total_cost']:,.0f} {currency}, "
            + ("no lower bound" if gap is None else f"within {gap:.2%} of the lower bound"),
        ))  # fmt: skip
    if myopic:
        rows.append((
            "myopic total (each year sized alone)",
            f"{myopic['total_cost']:,.0f} {currency} ({myopic['basis']})",
        ))  # fmt: skip
    body = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>" for k, v in rows
    )
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in summary.get("notes", []))
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(summary['case'])}: pathway</title>"
        f"<script>{plotly_js()}</script></head><body>"
        f"<h1>{html.escape(summary['case'])}: investment pathway</h1>"
        f"<table>{body}</table>{table.to_html(index=False, float_format=lambda x: f'{x:,.4g}')}"
        f"<ul>{notes}</ul>{divs}</body></html>"
    )
