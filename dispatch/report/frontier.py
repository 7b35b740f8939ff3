"""The frontier figure: annual cost against a metric, with thresholds and abatement cost.

Reads ``frontier.csv`` (:mod:`dispatch.sweep.frontier`) only. The regulatory thresholds come
from the packaged data: the zero-carbon park limits (docs/sources.md §3) for carbon
intensity, the self-use shares of consumption (docs/sources.md §1) for self-use.
"""

from __future__ import annotations

import html
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dispatch._version import __version__
from dispatch.case.schema import consumption_rule_levels
from dispatch.report.html import PAGE_CSS, PLOTLY_CONFIG, plotly_js
from dispatch.report.text import human
from dispatch.tariffs.emissions import zero_carbon_thresholds

AXIS = {
    "carbon_intensity": "carbon intensity [tCO2/tce]",
    "emissions": "emissions [tCO2/yr]",
    "self_use": "self-used renewables [% of consumption]",
}
"""The x-axis title of each metric."""
COST_COLOR = "#3C5A99"
MAC_COLOR = "#C0392B"
THRESHOLD_COLOR = "#2E9E5B"


def thresholds(metric: str) -> list[tuple[float, str]]:
    """Return the regulatory thresholds of a metric as ``(x, label)``, in axis units."""
    if metric == "carbon_intensity":
        return [(t, f"zero-carbon park ≤ {t:g} tCO2/tce") for t in zero_carbon_thresholds()]
    if metric == "self_use":
        return [(100 * s, f"self-use ≥ {100 * s:g} %") for s in consumption_rule_levels()]
    return []


def frontier_figure(table: pd.DataFrame, metric: str, unit: str) -> go.Figure:
    """Return annual cost against the metric (top) and the marginal abatement cost (bottom).

    Parameters
    ----------
    table : pandas.DataFrame
        ``frontier.csv``.
    metric : str
        ``carbon_intensity``, ``emissions`` or ``self_use``.
    unit : str
        Unit of the metric's values (``fraction`` is drawn in %).
    """
    solved = table[table["objective_per_year"].notna()].sort_values("point")
    scale = 100.0 if unit == "fraction" else 1.0
    x = solved["value"].astype(float) * scale
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35], vertical_spacing=0.08
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=solved["objective_per_year"].astype(float),
            mode="lines+markers+text",
            text=[f"{int(p)}" for p in solved["point"]],
            textposition="top center",
            name="least annual cost",
            line={"color": COST_COLOR},
            hovertemplate="point %{text}: %{y:,.0f} CNY/yr at %{x:.4g}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    mac = solved["marginal_abatement_cost_per_tco2"].astype(float).to_numpy()
    xs, ys, mid_x, mid_y = [], [], [], []
    for i in range(1, len(solved)):  # the cost of a step, drawn over the step it pays for
        if pd.notna(mac[i]):
            xs += [x.iloc[i - 1], x.iloc[i], None]
            ys += [mac[i], mac[i], None]
            mid_x.append((x.iloc[i - 1] + x.iloc[i]) / 2)
            mid_y.append(mac[i])
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={"color": MAC_COLOR, "width": 4},
            name="marginal abatement cost of each step [CNY/tCO2]",
            hoverinfo="skip",
        ),
        row=2,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=mid_x,
            y=mid_y,
            mode="text",
            text=[f"{v:,.0f}" for v in mid_y],
            textposition="top center",
            showlegend=False,
            hovertemplate="%{y:,.0f} CNY per tCO2 avoided<extra></extra>",
        ),
        row=2,
        col=1,
    )
    line = {"color": THRESHOLD_COLOR, "dash": "dash"}
    for i, (value, label) in enumerate(thresholds(metric)):
        fig.add_vline(
            x=value,
            line=line,
            row=1,
            col=1,
            annotation_text=label,
            annotation_position="top left" if i % 2 else "top right",
            annotation_font_color=THRESHOLD_COLOR,
        )
        fig.add_vline(x=value, line=line, row=2, col=1)
    failed = table[table["objective_per_year"].isna()]
    title = "Cost frontier: least annual cost as the limit tightens"
    if len(failed):
        first = float(failed["limit"].iloc[0]) * scale
        title += f" (no design from a limit of {first:.4g})"
    fig.update_layout(
        template="plotly_white",
        title={"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 17}},
        height=640,
        margin={"l": 80, "r": 30, "t": 110, "b": 60},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.04, "x": 0.0},
        hovermode="closest",
        font={"family": "Segoe UI, Helvetica, Arial, sans-serif", "size": 13},
    )
    fig.update_yaxes(title_text="annual cost [CNY/yr]", row=1, col=1)
    top = max(mid_y, default=0.0)
    fig.update_yaxes(title_text="CNY per tCO2 avoided", row=2, col=1,
                     range=[0, 1.3 * top] if top > 0 else None)  # fmt: skip
    fig.update_xaxes(title_text=AXIS.get(metric, metric), row=2, col=1)
    if metric != "self_use":  # the limit tightens downwards: read left to right as it does
        fig.update_xaxes(autorange="reversed")
    return fig


def _table_html(table: pd.DataFrame) -> str:
    """Return the points as an HTML table, values for people (:func:`human`), then notes.

    The ``message`` of a point (why it failed, or what its solve warned) follows the
    table as a list, keyed by point.
    """
    shown = table.drop(columns=["metric", "message"], errors="ignore")
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(human(v))}</td>" for v in row) + "</tr>"
        for row in shown.itertuples(index=False)
    )
    notes = ""
    if "message" in table:
        items = [
            f"<li>point {int(p)}: {html.escape(str(m))}</li>"
            for p, m in zip(table["point"], table["message"], strict=True)
            if isinstance(m, str) and m.strip()
        ]
        notes = f"<ul class='notes'>{''.join(items)}</ul>" if items else ""
    table_html = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f"<div class='inputs'>{table_html}</div>{notes}"


def frontier_html(table: pd.DataFrame, metric: str, unit: str) -> str:
    """Return ``frontier.html``: the figure and the table, offline (plotly.js embedded)."""
    fig = frontier_figure(table, metric, unit)
    div = fig.to_html(full_html=False, include_plotlyjs=False, config=PLOTLY_CONFIG)
    rows = _table_html(table)
    generated = datetime.now().strftime("%Y-%m-%d %H:%M")
    title = f"Cost frontier against {html.escape(AXIS.get(metric, metric))}"
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title}</title><style>{PAGE_CSS}</style>"
        f"<script type='text/javascript'>{plotly_js()}</script></head><body><main>"
        f"<header><h1>{title}</h1><p>Each point is a full, rule-compliant design at the "
        "least annual cost for its limit. The marginal abatement cost is the extra annual "
        "cost per tonne of CO2 avoided from the previous point.</p></header>"
        f"<section>{div}</section><section><h2>Points</h2>"
        f"{rows}</section>"
        f"<footer>Generated {generated} by park-dispatch {html.escape(__version__)}. "
        "Offline file: plotly.js is embedded; nothing is loaded from the network.</footer>"
        "</main></body></html>\n"
    )
