"""Plotly figures of a run, built from the results tables only (never the model).

Every ``*_figure`` function is pure: it takes the tidy tables of a
:class:`~dispatch.results.result.ResultData` (the hourly ``timeseries``, the
``capacities``, ``costs``, ``rules`` tables) and returns a
``plotly.graph_objects.Figure`` with a title, axis titles with units and a
legend. :class:`Plots` binds them to a result: ``result.plot.sankey()``.

Hourly tables shorter than a year (test or notebook horizons) stand for the
year by repetition, as the run's own annual sums do: annual figures (Sankey,
duration curves) scale them by ``8760 / rows``; hourly and monthly figures
show the modelled hours as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from dispatch.timegrid import HOURS_PER_YEAR

if TYPE_CHECKING:
    from dispatch.results.result import ResultData as Result

KW_PER_MW = 1000.0
MS_PER_HOUR = 3_600_000
KWH_PER_MWH = 1000.0
MILLION = 1e6

COLORS = {
    "pv": "#F2B705",
    "wind": "#2F7FC1",
    "battery": "#7B4FB0",
    "battery_charge": "#B9A1DA",
    "import": "#3B4752",
    "export": "#2E9E5B",
    "curtailed": "#C9CED4",
    "load": "#99A3AD",
    "heat_pump": "#E0663A",
    "electric_boiler": "#D4A017",
    "load_original": "#222222",
    "boiler": "#9C5B2E",
    "ambient": "#7CC8DD",
    "heat": "#C0392B",
    "losses": "#9AA3AB",
    "ok": "#2E9E5B",
    "fail": "#C62828",
    "baseline": "#8E99A4",
}
COST_LABELS = {
    "capex_annualized": "investment (annualised)",
    "fixed_om": "fixed O&M",
    "grid_energy": "grid energy",
    "system_operation": "system operation fee",
    "grid_capacity": "grid capacity charge",
    "fuel": "boiler fuel",
    "demand_charge": "demand charge",
    "carbon": "carbon cost",
    "green_certificates": "green certificates",
    "export_revenue": "export revenue",
    "battery_degradation": "battery wear (priced cycling)",
    "load_shed": "load shed (curtailment payments)",
}
CASHFLOW_LABELS = {
    "capex": "investment",
    "replacement": "replacements",
    "om": "O&M",
    "energy_savings": "energy savings",
    "charges": "grid charge savings",
    "fuel": "fuel savings",
    "carbon": "carbon savings",
    "tax": "income tax",
    "residual": "residual value",
}
CASHFLOW_COLORS = {
    "capex": "#3C5A99",
    "replacement": "#7B4FB0",
    "om": "#7F9CD6",
    "energy_savings": "#2E9E5B",
    "charges": "#8FD1A8",
    "fuel": "#9C5B2E",
    "carbon": "#6B4E3D",
    "tax": "#C62828",
    "residual": "#F2B705",
}
COST_COLORS = {
    "capex_annualized": "#3C5A99",
    "fixed_om": "#7F9CD6",
    "grid_energy": COLORS["import"],
    "system_operation": "#8A96A3",
    "grid_capacity": "#B8C1CA",
    "fuel": COLORS["boiler"],
    "demand_charge": "#D9B8A3",
    "carbon": "#6B4E3D",
    "green_certificates": "#4CAF50",
    "export_revenue": COLORS["export"],
    "load_shed": "#A0522D",
}
TEMPLATE = "plotly_white"
"""The plotly template of every figure."""
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
HEIGHT = 460


# -- helpers -------------------------------------------------------------------------------
def _col(ts: pd.DataFrame, name: str) -> np.ndarray:
    """Return a column as floats, zeros when the technology is absent."""
    return ts[name].to_numpy(dtype=float) if name in ts else np.zeros(len(ts))


def _stamps(ts: pd.DataFrame) -> pd.DatetimeIndex:
    """Return the hourly table's timestamps (parsed only when given as text)."""
    stamps = ts["timestamp"]
    if stamps.dtype.kind != "M":  # pd.to_datetime would inspect stamps one at a time
        stamps = pd.to_datetime(stamps)
    return pd.DatetimeIndex(stamps)


def _hourly_x(stamps: pd.DatetimeIndex) -> dict[str, Any]:
    """Return the x coordinates of an hourly trace: start and step when hours are regular.

    ``x0`` and ``dx`` [ms] instead of 8760 date strings per trace keep the report
    small; a leap year's skipped 29 February falls back to explicit stamps.
    """
    if len(stamps) > 1 and ((stamps[1:] - stamps[:-1]) == pd.Timedelta(hours=1)).all():
        return {"x0": stamps[0], "dx": MS_PER_HOUR}
    return {"x": stamps}


def _f32(values: np.ndarray) -> np.ndarray:
    """Return plotted values in single precision (7 significant digits, half the bytes)."""
    return np.asarray(values, dtype=np.float32)


def _annual_scale(ts: pd.DataFrame) -> float:
    """Hours of a year per modelled hour (1 for a full year)."""
    return HOURS_PER_YEAR / len(ts) if len(ts) else 1.0


def _horizon_note(ts: pd.DataFrame) -> str:
    """Subtitle text for runs shorter than a year."""
    if len(ts) >= HOURS_PER_YEAR:
        return ""
    return f" — {len(ts)} modelled hours, scaled to a year"


def _figure(data: Any = None) -> go.Figure:
    """Return a figure of ``data`` (traces) on :data:`TEMPLATE`.

    The template is set as plotly sets its default template on a new figure: the
    registered template object, not validated again. Setting ``layout.template`` by
    name validates the whole template (every trace type's defaults), some 20 ms a
    figure and 0.2 s for the first; the figure is the same (``tests/test_report.py``).
    """
    fig = go.Figure(data)
    layout = fig.layout
    layout._validate = False  # plotly's own switch (BaseFigure._initialize_layout_template)
    try:
        layout.template = pio.templates[TEMPLATE]
    finally:
        layout._validate = True
    return fig


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str, **kw: Any) -> go.Figure:
    """Shared look: left-aligned title, legend in one row under it (template: :func:`_figure`).

    The properties are set one by one: on a figure whose layout holds none of them yet
    this is what ``update_layout`` does, without its batch bookkeeping (a fourth of the
    time).
    """
    props = {
        "title": {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 17}},
        "height": kw.pop("height", HEIGHT),
        "margin": {"l": 70, "r": 30, "t": 95, "b": 60},
        "legend": {
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "xanchor": "left",
            "x": 0.0,
            "font": {"size": 12},
        },
        "hovermode": kw.pop("hovermode", "x unified"),
        "font": {"family": "Segoe UI, Helvetica, Arial, sans-serif", "size": 13},
        **kw,
    }
    layout = fig.layout
    for key, value in props.items():
        layout[key] = value
    layout.xaxis.title.text = x_title
    layout.yaxis.title.text = y_title
    return fig


def _empty(title: str, message: str) -> go.Figure:
    """Return a figure that says why there is nothing to draw."""
    fig = _figure()
    fig.add_annotation(text=message, showarrow=False, font={"size": 15}, x=0.5, y=0.5)
    fig.update_xaxes(visible=False, range=[0, 1])
    fig.update_yaxes(visible=False, range=[0, 1])
    return _layout(fig, title, "", "", height=260, hovermode=False)


def balance_columns(ts: pd.DataFrame) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Hourly electricity sources and uses [kW], each side summing to the same total.

    Returns
    -------
    sources, uses : dict of str to numpy.ndarray
        Sources: PV and wind used (available minus curtailed), battery discharge,
        grid import. Uses: electric load as served, heat pump, electric boiler, battery
        charge, grid export.
    """
    sources = {
        "PV used": _col(ts, "pv_available_kw") - _col(ts, "pv_curtailed_kw"),
        "wind used": _col(ts, "wind_available_kw") - _col(ts, "wind_curtailed_kw"),
        "battery discharge": _col(ts, "battery_discharge_kw"),
        "grid import": _col(ts, "import_kw"),
    }
    uses = {
        "electric load": _col(ts, "load_kw"),
        "heat pump": _col(ts, "heat_pump_kw"),
        "electric boiler": _col(ts, "electric_boiler_kw"),
        "battery charge": _col(ts, "battery_charge_kw"),
        "grid export": _col(ts, "export_kw"),
    }
    return sources, uses


_SERIES_COLORS = {
    "PV used": COLORS["pv"],
    "wind used": COLORS["wind"],
    "battery discharge": COLORS["battery"],
    "grid import": COLORS["import"],
    "electric load": COLORS["load"],
    "heat pump": COLORS["heat_pump"],
    "electric boiler": COLORS["electric_boiler"],
    "battery charge": COLORS["battery_charge"],
    "grid export": COLORS["export"],
    "curtailed (not used)": COLORS["curtailed"],
}


def _fmt_day(t: pd.Timestamp) -> str:
    return f"{t.day} {MONTHS[t.month - 1]} {t.year}"


def default_week_start(ts: pd.DataFrame) -> pd.Timestamp:
    """Start of the week shown by default: around the day with the most renewables.

    The 7-day window is centred on the day of largest available PV plus wind
    (the battery, curtailment and export are busiest then), kept inside the table.
    """
    stamps = _stamps(ts)
    available = _col(ts, "pv_available_kw") + _col(ts, "wind_available_kw")
    daily = pd.Series(available, index=stamps).groupby(stamps.normalize()).sum()
    best = (
        daily.index[int(np.argmax(daily.to_numpy()))] if daily.max() > 0 else stamps[0].normalize()
    )
    start = max(best - pd.Timedelta(days=3), stamps[0].normalize())
    last_start = stamps[-1].normalize() - pd.Timedelta(days=6)
    return max(min(start, last_start), stamps[0].normalize())


# -- figures -------------------------------------------------------------------------------
def dispatch_figure(
    ts: pd.DataFrame, start: str | pd.Timestamp | None = None, days: float = 7
) -> go.Figure:
    """Stacked hourly electricity balance with a range slider over the whole table.

    Sources (PV and wind used, battery discharge, grid import) stack above zero,
    uses (electric load, heat pump, battery charge, export) below zero; both
    sides have the same height every hour. Curtailed renewables stack on top of
    the sources in grey. The electric load is the load as served; where load is
    shifted or shed, a dashed line draws the original load.

    Parameters
    ----------
    ts : pandas.DataFrame
        Hourly results.
    start : str or pandas.Timestamp, optional
        First hour shown (``"2030-07-15"``); default :func:`default_week_start`.
    days : float
        Length of the window shown [days]: 7 for a week, 1 for a day.
    """
    if ts.empty:
        return _empty("Hourly electricity balance", "no hourly results")
    stamps = _stamps(ts)
    first = pd.Timestamp(start) if start is not None else default_week_start(ts)
    last = first + pd.Timedelta(days=days)
    sources, uses = balance_columns(ts)
    sources["curtailed (not used)"] = _col(ts, "curtailed_kw")
    # legend top to bottom as the stacks read: sources from the top down, then uses
    order = [*reversed(list(sources)), *uses]
    fig = _figure()
    for group, table, sign in (("sources", sources, 1.0), ("uses", uses, -1.0)):
        for name, values in table.items():
            if not np.any(values > 1e-6):
                continue
            color = _SERIES_COLORS[name]
            hatched = {"shape": "/", "fgcolor": "#8D949B"} if name.startswith("curtailed") else None
            fig.add_trace(
                go.Scatter(
                    **_hourly_x(stamps),
                    y=_f32(sign * values / KW_PER_MW),
                    name=name,
                    stackgroup=group,
                    mode="lines",
                    line={"width": 0, "color": color},
                    fillcolor=color,
                    fillpattern=hatched,
                    legendrank=100 + order.index(name),
                    hovertemplate="%{y:,.2f} MW",
                )
            )
    if "load_original_kw" in ts:
        fig.add_trace(
            go.Scatter(
                **_hourly_x(stamps),
                y=_f32(-_col(ts, "load_original_kw") / KW_PER_MW),
                name="electric load as given (before shifting and shedding)",
                mode="lines",
                line={"color": COLORS["load_original"], "width": 1.5, "dash": "dash"},
                legendrank=100 + len(order),
                hovertemplate="%{y:,.2f} MW",
            )
        )
    span = "day" if days == 1 else f"{days:g} days"
    title = (
        f"Hourly electricity balance, {span} from {_fmt_day(first)}: sources above zero, uses below"
    )
    _layout(fig, title, "local time", "power [MW] (uses negative)", height=540)
    fig.update_layout(
        legend={
            "orientation": "v",
            "y": 1.0,
            "yanchor": "top",
            "x": 1.01,
            "xanchor": "left",
            "traceorder": "normal",  # by legendrank: as the stacks read, top to bottom
        },
        margin={"r": 170, "t": 60},
    )
    fig.update_xaxes(
        range=[first, last],
        rangeslider={"visible": True, "thickness": 0.08},
        rangeselector={
            "buttons": [
                {"count": 1, "label": "day", "step": "day", "stepmode": "backward"},
                {"count": 7, "label": "week", "step": "day", "stepmode": "backward"},
                {"count": 1, "label": "month", "step": "month", "stepmode": "backward"},
                {"step": "all", "label": "all"},
            ],
            "y": -0.02,
            "yanchor": "top",
        },
        title_standoff=40,
    )
    fig.update_layout(margin={"b": 40})
    fig.update_yaxes(zeroline=True, zerolinecolor="#555", zerolinewidth=1)
    return fig


def soc_figure(
    ts: pd.DataFrame,
    capacities: pd.DataFrame,
    soc_min_fraction: float | None = None,
    soc_max_fraction: float | None = None,
    days: float = 28,
) -> go.Figure:
    """Battery state of charge, with the energy capacity and usable band.

    Shows ``days`` days around the busiest renewable week (:func:`default_week_start`);
    the range slider below covers the whole run.

    Parameters
    ----------
    ts : pandas.DataFrame
        Hourly results with ``battery_soc_kwh``.
    capacities : pandas.DataFrame
        The capacities table (``capacity``, ``value``), for ``battery_kwh``.
    soc_min_fraction, soc_max_fraction : float, optional
        Usable state-of-charge window of the case [fraction of capacity].
    days : float
        Length of the window first shown [days].
    """
    title = "Battery state of charge"
    caps = dict(zip(capacities["capacity"], capacities["value"], strict=True))
    size_kwh = float(caps.get("battery_kwh", 0.0))
    if "battery_soc_kwh" not in ts or size_kwh <= 1e-6:
        return _empty(title, "no battery was built in this run")
    stamps = _stamps(ts)
    soc = _col(ts, "battery_soc_kwh") / KWH_PER_MWH
    fig = _figure(
        go.Scatter(
            **_hourly_x(stamps),
            y=_f32(soc),
            name="state of charge",
            mode="lines",
            line={"width": 1, "color": COLORS["battery"]},
            fill="tozeroy",
            fillcolor="rgba(123, 79, 176, 0.25)",
            hovertemplate="%{y:,.2f} MWh",
        )
    )
    size = size_kwh / KWH_PER_MWH
    lines = [("energy capacity", size, "solid")]
    if soc_min_fraction is not None and soc_min_fraction > 0:
        lines.append((f"usable minimum ({soc_min_fraction:.0%})", size * soc_min_fraction, "dot"))
    if soc_max_fraction is not None and soc_max_fraction < 1:
        lines.append((f"usable maximum ({soc_max_fraction:.0%})", size * soc_max_fraction, "dot"))
    for name, level, dash in lines:
        fig.add_trace(
            go.Scatter(
                x=[stamps[0], stamps[-1]],
                y=[level, level],
                name=name,
                mode="lines",
                line={"color": "#444", "dash": dash, "width": 1.2},
                hoverinfo="skip",
            )
        )
    full_cycles = _col(ts, "battery_discharge_kw").sum() * _annual_scale(ts) / size_kwh
    _layout(
        fig,
        f"{title} ({size:,.1f} MWh battery, {full_cycles:,.0f} full cycles a year)",
        "local time",
        "stored energy [MWh]",
    )
    first = max(default_week_start(ts) - pd.Timedelta(days=days / 2 - 3.5), stamps[0])
    fig.update_xaxes(
        range=[first, first + pd.Timedelta(days=days)],
        rangeslider={"visible": True, "thickness": 0.08},
    )
    fig.update_yaxes(range=[0, size * 1.05])
    return fig


def monthly_balance_figure(ts: pd.DataFrame) -> go.Figure:
    """Electricity sources (above zero) and uses (below) per month [MWh].

    Curtailed renewables stack on top of the sources, hatched: available but unused.
    """
    if ts.empty:
        return _empty("Monthly electricity balance", "no hourly results")
    month = _stamps(ts).month
    sources, uses = balance_columns(ts)
    sources["curtailed (not used)"] = _col(ts, "curtailed_kw")
    present = sorted(set(month))
    labels = [MONTHS[m - 1] for m in present]
    fig = _figure()
    for table, sign in ((sources, 1.0), (uses, -1.0)):
        for name, values in table.items():
            if not np.any(values > 1e-6):
                continue
            per_month = pd.Series(values).groupby(month).sum().reindex(present, fill_value=0.0)
            curtailed = name.startswith("curtailed")
            fig.add_trace(
                go.Bar(
                    x=labels,
                    y=sign * per_month.to_numpy() / KWH_PER_MWH,
                    name=name,
                    marker={
                        "color": _SERIES_COLORS[name],
                        "pattern": {"shape": "/" if curtailed else ""},
                    },
                    hovertemplate="%{y:,.0f} MWh",
                )
            )
    note = "" if len(ts) >= HOURS_PER_YEAR else f" ({len(ts)} modelled hours)"
    _layout(
        fig,
        f"Monthly electricity balance: sources above zero, uses below{note}",
        "month",
        "energy [MWh per month] (uses negative)",
        barmode="relative",
        bargap=0.15,
    )
    fig.update_yaxes(zeroline=True, zerolinecolor="#555", zerolinewidth=1)
    return fig


def duration_curves_figure(ts: pd.DataFrame, capacities: pd.DataFrame | None = None) -> go.Figure:
    """Load, residual-load and grid-import duration curves [MW].

    Residual load = electric load minus available PV and wind (negative when
    renewables exceed the load). Hours are per year (scaled for short runs).
    The grid connection, when sized, is drawn as a dashed line.
    """
    if ts.empty:
        return _empty("Duration curves", "no hourly results")
    load = _col(ts, "load_kw")
    residual = load - _col(ts, "pv_available_kw") - _col(ts, "wind_available_kw")
    curves = {
        "electric load": (load, "#222222", "solid"),
        "residual load (load − available PV and wind)": (residual, COLORS["heat_pump"], "solid"),
        "grid import": (_col(ts, "import_kw"), COLORS["import"], "dash"),
    }
    hours_per_row = _annual_scale(ts)
    fig = _figure()
    for name, (values, color, dash) in curves.items():
        fig.add_trace(
            go.Scatter(
                x0=hours_per_row,
                dx=hours_per_row,
                y=_f32(np.sort(values)[::-1] / KW_PER_MW),
                name=name,
                mode="lines",
                line={"color": color, "width": 2, "dash": dash},
                hovertemplate="%{y:,.2f} MW",
            )
        )
    if capacities is not None:
        caps = dict(zip(capacities["capacity"], capacities["value"], strict=True))
        if caps.get("grid_connection_kw", 0) > 0:
            level = caps["grid_connection_kw"] / KW_PER_MW
            fig.add_trace(
                go.Scatter(
                    x=[0, HOURS_PER_YEAR],
                    y=[level, level],
                    name=f"grid connection ({level:,.2f} MW)",
                    mode="lines",
                    line={"color": "#999", "dash": "dot", "width": 1.5},
                    hoverinfo="skip",
                )
            )
    _layout(
        fig,
        f"Duration curves: load, residual load and grid import{_horizon_note(ts)}",
        "hours per year at or above the value [h/yr]",
        "power [MW]",
        hovermode="x unified",
    )
    fig.update_xaxes(range=[0, HOURS_PER_YEAR])
    fig.update_yaxes(zeroline=True, zerolinecolor="#555", zerolinewidth=1)
    return fig


def energy_flows(ts: pd.DataFrame) -> pd.DataFrame:
    """Annual energy flows between sources and uses [MWh/yr], for the Sankey diagram.

    Electricity is attributed hour by hour, pro rata: in each hour every use
    (electric load, heat pump, battery charge, export) draws from every source
    (PV, wind, grid import, battery discharge) in proportion to the source's
    share of that hour's supply. Curtailment goes straight from PV and wind.
    The battery passes energy on and loses ``charge - discharge``. Heat: the
    heat pump turns electricity plus ambient heat into heat; the boiler burns fuel.

    Returns
    -------
    pandas.DataFrame
        ``source``, ``target``, ``carrier`` (``electricity``/``heat``), ``energy_mwh``
        (annual, scaled for runs shorter than a year); zero flows dropped.
    """
    scale = _annual_scale(ts) / KWH_PER_MWH
    supply = {
        "PV": _col(ts, "pv_available_kw") - _col(ts, "pv_curtailed_kw"),
        "wind": _col(ts, "wind_available_kw") - _col(ts, "wind_curtailed_kw"),
        "grid import": _col(ts, "import_kw"),
        "battery": _col(ts, "battery_discharge_kw"),
    }
    demand = {
        "electric load": _col(ts, "load_kw"),
        "heat pump": _col(ts, "heat_pump_kw"),
        "electric boiler": _col(ts, "electric_boiler_kw"),
        "battery": _col(ts, "battery_charge_kw"),
        "grid export": _col(ts, "export_kw"),
    }
    total = np.sum(list(supply.values()), axis=0)
    share = np.divide(1.0, total, out=np.zeros_like(total), where=total > 1e-9)
    rows: list[tuple[str, str, str, float]] = []
    for src, s in supply.items():
        for dst, d in demand.items():
            if src == dst:  # the battery feeding itself in the same hour: not a flow
                continue
            rows.append((src, dst, "electricity", float(np.sum(s * d * share)) * scale))
    rows += [
        ("PV", "curtailment", "electricity", _col(ts, "pv_curtailed_kw").sum() * scale),
        ("wind", "curtailment", "electricity", _col(ts, "wind_curtailed_kw").sum() * scale),
    ]
    losses = (_col(ts, "battery_charge_kw").sum() - _col(ts, "battery_discharge_kw").sum()) * scale
    rows.append(("battery", "battery losses", "electricity", max(losses, 0.0)))
    hp_el, hp_th = _col(ts, "heat_pump_kw").sum(), _col(ts, "heat_pump_kw_th").sum()
    rows += [
        ("ambient heat", "heat pump", "heat", max(hp_th - hp_el, 0.0) * scale),
        ("heat pump", "heat load", "heat", hp_th * scale),
        ("gas boiler", "heat load", "heat", _col(ts, "boiler_kw_th").sum() * scale),
        ("electric boiler", "heat load", "heat", _col(ts, "electric_boiler_kw_th").sum() * scale),
    ]
    frame = pd.DataFrame(rows, columns=["source", "target", "carrier", "energy_mwh"])
    return frame[frame["energy_mwh"] > 1e-6].reset_index(drop=True)


_NODE_COLORS = {
    "PV": COLORS["pv"],
    "wind": COLORS["wind"],
    "grid import": COLORS["import"],
    "battery": COLORS["battery"],
    "electric load": COLORS["load"],
    "heat pump": COLORS["heat_pump"],
    "electric boiler": COLORS["electric_boiler"],
    "grid export": COLORS["export"],
    "curtailment": COLORS["curtailed"],
    "battery losses": COLORS["losses"],
    "ambient heat": COLORS["ambient"],
    "gas boiler": COLORS["boiler"],
    "heat load": COLORS["heat"],
}


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def sankey_figure(ts: pd.DataFrame) -> go.Figure:
    """Sankey diagram of annual energy flows: PV, wind, grid → load, battery, heat pump...

    See :func:`energy_flows` for how hourly flows are attributed.
    """
    title = f"Annual energy flows [MWh/yr]{_horizon_note(ts)}"
    flows = energy_flows(ts)
    if flows.empty:
        return _empty(title, "no energy flows")
    names = [n for n in _NODE_COLORS if n in set(flows["source"]) | set(flows["target"])]
    index = {n: i for i, n in enumerate(names)}
    throughput = {
        n: max(
            flows.loc[flows["source"] == n, "energy_mwh"].sum(),
            flows.loc[flows["target"] == n, "energy_mwh"].sum(),
        )
        for n in names
    }
    fig = _figure(
        go.Sankey(
            arrangement="snap",
            valueformat=",.0f",
            valuesuffix=" MWh",
            node={
                "label": [f"{n} {throughput[n]:,.0f}" for n in names],
                "color": [_NODE_COLORS[n] for n in names],
                "pad": 18,
                "thickness": 18,
                "line": {"width": 0},
            },
            link={
                "source": [index[s] for s in flows["source"]],
                "target": [index[t] for t in flows["target"]],
                "value": flows["energy_mwh"].to_numpy(),
                "color": [_rgba(_NODE_COLORS[s], 0.35) for s in flows["source"]],
                "customdata": flows["carrier"].to_numpy(),
                "hovertemplate": "%{source.label} → %{target.label}: "
                "%{value:,.0f} MWh/yr (%{customdata})<extra></extra>",
            },
        )
    )
    _layout(fig, title, "", "", height=520, hovermode=False)
    fig.add_annotation(
        text="Electricity attributed hour by hour, pro rata to each source's share; "
        "heat in MWh_th. Node labels: annual energy [MWh].",
        showarrow=False,
        x=0,
        y=-0.08,
        xref="paper",
        yref="paper",
        xanchor="left",
        font={"size": 12, "color": "#555"},
    )
    return fig


def costs_figure(
    costs: pd.DataFrame, baseline_costs: pd.DataFrame | None = None, currency: str = "CNY"
) -> go.Figure:
    """Annual cost by category, against the no-new-equipment baseline when known.

    Parameters
    ----------
    costs : pandas.DataFrame
        The run's cost table (``category``, ``cost_per_year``).
    baseline_costs : pandas.DataFrame, optional
        The baseline's cost table, same shape (grid + boiler only).
    currency : str
        Currency of the costs.
    """
    scenarios = [("optimised park", costs)]
    if baseline_costs is not None and not baseline_costs.empty:
        scenarios.insert(0, ("baseline: grid + boiler only", baseline_costs))
    labels = [s for s, _ in scenarios]
    categories = list(dict.fromkeys(c for _, t in scenarios for c in t["category"]))
    fig = _figure()
    for cat in categories:
        values = []
        for _, table in scenarios:
            row = table.loc[table["category"] == cat, "cost_per_year"]
            values.append(float(row.sum()) / MILLION if not row.empty else 0.0)
        if not any(abs(v) > 1e-9 for v in values):
            continue
        fig.add_trace(
            go.Bar(
                x=labels,
                y=values,
                name=COST_LABELS.get(cat, cat.replace("_", " ")),
                marker_color=COST_COLORS.get(cat),
                hovertemplate="%{y:,.2f} M " + currency + "/yr",
            )
        )
    totals = [float(t["cost_per_year"].sum()) / MILLION for _, t in scenarios]
    tops = [sum(max(bar.y[i], 0.0) for bar in fig.data) for i in range(len(labels))]
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=totals,
            name="total (net of revenue)",
            mode="markers",
            marker={"symbol": "line-ew-open", "size": 44, "color": "#111", "line": {"width": 3}},
            hovertemplate="total %{y:,.2f} M" + currency + "/yr<extra></extra>",
        )
    )
    for label, total, top in zip(labels, totals, tops, strict=True):
        fig.add_annotation(
            x=label,
            y=max(total, top),
            text=f"<b>total {total:,.2f} M {currency}/yr</b>",
            showarrow=False,
            yshift=14,
            font={"size": 13},
        )
    if len(totals) == 2:
        saving = totals[0] - totals[1]
        pct = saving / totals[0] if totals[0] else float("nan")
        verb = "saves" if saving >= 0 else "costs"
        title = (
            f"Annual cost: the optimised park {verb} {abs(saving):,.2f} M {currency}/yr "
            f"({abs(pct):.0%}) against the baseline"
        )
    else:
        title = f"Annual cost by category: {totals[0]:,.2f} M {currency}/yr (baseline unknown)"
    _layout(
        fig,
        title,
        "",
        f"cost [million {currency}/yr] (revenue negative)",
        barmode="relative",
        hovermode="closest",
        bargap=0.45,
    )
    fig.update_yaxes(zeroline=True, zerolinecolor="#555", zerolinewidth=1)
    low = min(0.0, *(sum(min(bar.y[i], 0.0) for bar in fig.data[:-1]) for i in range(len(labels))))
    fig.update_yaxes(range=[low * 1.3, max(*tops, *totals, 1e-3) * 1.18])
    return fig


def cashflow_figure(
    cashflow: pd.DataFrame | None, financials: dict[str, Any] | None, currency: str = "CNY"
) -> go.Figure:
    """Yearly cash flow against the baseline: stacked components and the cumulative line.

    Parameters
    ----------
    cashflow : pandas.DataFrame or None
        ``cashflow.csv`` (:func:`dispatch.results.financials.cashflow_of`).
    financials : dict or None
        The summary's ``financials`` block; its simple payback is marked.
    currency : str
        Currency of the flows.
    """
    title = "Cash flow against the baseline"
    if cashflow is None or financials is None:
        return _empty(title, "this run has no cash flow (written before financials existed)")
    years = cashflow["year"].to_numpy()
    fig = _figure()
    for key, label in CASHFLOW_LABELS.items():
        values = cashflow[key].to_numpy(dtype=float) / MILLION
        if not np.any(np.abs(values) > 1e-12):
            continue
        fig.add_trace(
            go.Bar(
                x=years, y=values, name=label, marker_color=CASHFLOW_COLORS[key],
                hovertemplate="year %{x}: %{y:,.2f} M " + currency + "<extra>" + label + "</extra>",
            )
        )  # fmt: skip
    cumulative = np.cumsum(cashflow["net_cashflow"].to_numpy(dtype=float)) / MILLION
    fig.add_trace(
        go.Scatter(
            x=years, y=cumulative, name="cumulative net cash flow", mode="lines+markers",
            line={"color": "#111", "width": 2.5}, marker={"size": 5},
            hovertemplate="after year %{x}: %{y:,.2f} M " + currency + "<extra></extra>",
        )
    )  # fmt: skip
    payback = financials.get("simple_payback_years")
    if payback is not None:
        fig.add_vline(x=payback, line_dash="dash", line_color="#1e7d45")
        fig.add_annotation(
            x=payback, y=float(cumulative.max()), text=f"payback {payback:.1f} years",
            showarrow=False, xanchor="left", xshift=4, font={"color": "#1e7d45"},
        )  # fmt: skip
    irr = financials.get("irr")
    title = (
        f"Cash flow against the baseline: NPV {financials['npv'] / MILLION:,.2f} M {currency}, "
        f"IRR {f'{irr:.1%}' if irr is not None else 'n/a'}"
    )
    _layout(
        fig, title, "year", f"cash flow [million {currency}]", barmode="relative",
        hovermode="closest",
    )  # fmt: skip
    fig.update_yaxes(zeroline=True, zerolinecolor="#555", zerolinewidth=1)
    return fig


def rules_figure(rules: pd.DataFrame) -> go.Figure:
    """Each local-consumption rule: its value (bar) against its limit (marker) [%]."""
    title = "Local-consumption rules: value against limit"
    if "unit" in rules:  # shares only; carbon rules have other units (see the rules table)
        rules = rules[rules["unit"] == "fraction"]
    if rules.empty:
        return _empty(title, "no rules apply to this case")
    labels = [
        f"{d}<br>({'at least' if k == 'min' else 'at most'} {lim:.0%})"
        for d, k, lim in zip(
            rules["description"], rules["kind"], rules["limit_fraction"], strict=True
        )
    ]
    ok = rules["ok"].to_numpy(dtype=bool)
    fig = _figure()
    fig.add_trace(
        go.Bar(
            y=labels,
            x=rules["value_fraction"] * 100,
            orientation="h",
            name="value (green: met, red: not met)",
            marker_color=[COLORS["ok"] if o else COLORS["fail"] for o in ok],
            hovertemplate="%{x:.1f} %<extra></extra>",
            width=0.5,
        )
    )
    for label, value, limit, met in zip(
        labels, rules["value_fraction"], rules["limit_fraction"], ok, strict=True
    ):
        fig.add_annotation(
            x=max(value, limit) * 100,
            y=label,
            text=f"<b>{value:.1%}</b> {'met' if met else 'NOT met'}",
            showarrow=False,
            xanchor="left",
            xshift=12,
            font={"color": COLORS["ok"] if met else COLORS["fail"], "size": 13},
        )
    fig.add_trace(
        go.Scatter(
            y=labels,
            x=rules["limit_fraction"] * 100,
            mode="markers",
            name="limit",
            marker={"symbol": "line-ns-open", "size": 34, "color": "#111", "line": {"width": 3}},
            hovertemplate="limit %{x:.0f} %<extra></extra>",
        )
    )
    _layout(
        fig,
        title,
        "share [%] (of available generation or of consumption)",
        "",
        hovermode="closest",
        height=120 + 90 * len(rules),
    )
    fig.update_xaxes(range=[0, 110], ticksuffix=" %")
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(margin={"l": 20})
    return fig


def heatmap_figure(ts: pd.DataFrame, column: str = "curtailed_kw") -> go.Figure:
    """Show a column of the hourly table by hour of day (rows) and day of year (columns).

    Parameters
    ----------
    ts : pandas.DataFrame
        Hourly results.
    column : str
        Column to show, in kW (``curtailed_kw``, ``import_kw``, ``export_kw``...).
    """
    what = HEATMAP_NAMES.get(column, column.removesuffix("_kw").replace("_", " ").capitalize())
    title = f"{what} by hour of day and day of the year [MW]"
    if column not in ts or ts.empty:
        return _empty(title, f"no '{column}' column in this run")
    stamps = _stamps(ts)
    frame = pd.DataFrame(
        {"day": stamps.normalize(), "hour": stamps.hour, "mw": _col(ts, column) / KW_PER_MW}
    )
    grid = frame.pivot_table(index="hour", columns="day", values="mw", aggfunc="sum")
    grid = grid.reindex(range(24))
    total_mwh = frame["mw"].sum() * _annual_scale(ts)
    fig = _figure(
        go.Heatmap(
            x=grid.columns,
            y=grid.index,
            z=grid.to_numpy(),
            colorscale=_WHITE_ORANGE if column != "import_kw" else _WHITE_SLATE,
            zmin=0,
            colorbar={"title": {"text": "MW"}, "thickness": 14},
            hovertemplate="%{x|%d %b}, %{y}:00: %{z:,.2f} MW<extra></extra>",
        )
    )
    note = f"{total_mwh:,.0f} MWh/yr" if total_mwh > 0 else "none this year"
    _layout(fig, f"{title}: {note}", "day of the year", "hour of day [h]", hovermode="closest")
    fig.update_yaxes(tickvals=list(range(0, 24, 3)), range=[-0.5, 23.5])
    fig.update_xaxes(tickformat="%b", dtick="M1")
    return fig


HEATMAP_NAMES = {
    "curtailed_kw": "Curtailment",
    "import_kw": "Grid import",
    "export_kw": "Grid export",
    "battery_discharge_kw": "Battery discharge",
    "battery_charge_kw": "Battery charge",
}
_WHITE_ORANGE = [[0.0, "#FFFFFF"], [0.02, "#FFF1C9"], [0.4, "#F7A541"], [1.0, "#B3261E"]]
_WHITE_SLATE = [[0.0, "#FFFFFF"], [0.02, "#E3ECF5"], [0.5, "#6D8FB3"], [1.0, "#1D3557"]]


# -- binding to a result -------------------------------------------------------------------
class Plots:
    """The figures of one result: ``result.plot.<figure>()`` returns a plotly figure."""

    def __init__(self, result: Result) -> None:
        self._result = result

    def dispatch(self, start: str | pd.Timestamp | None = None, days: float = 7) -> go.Figure:
        """Stacked hourly dispatch for a week (``days=1``: a day), range slider for the year."""
        return dispatch_figure(self._result.timeseries, start=start, days=days)

    def soc(self) -> go.Figure:
        """Battery state of charge."""
        r = self._result
        battery = ((r.case or {}).get("technologies") or {}).get("battery") or {}
        return soc_figure(
            r.timeseries,
            r.capacities,
            battery.get("soc_min_fraction"),
            battery.get("soc_max_fraction"),
        )

    def monthly_balance(self) -> go.Figure:
        """Monthly electricity sources vs uses."""
        return monthly_balance_figure(self._result.timeseries)

    def duration_curves(self) -> go.Figure:
        """Load, residual-load and import duration curves."""
        return duration_curves_figure(self._result.timeseries, self._result.capacities)

    def sankey(self) -> go.Figure:
        """Annual energy flows."""
        return sankey_figure(self._result.timeseries)

    def costs(self) -> go.Figure:
        """Cost breakdown and saving against the no-new-equipment baseline."""
        r = self._result
        base = r.baseline_costs if r.baseline is not None else None
        return costs_figure(r.costs, base, r.currency)

    def cashflow(self) -> go.Figure:
        """Yearly cash flow against the baseline, cumulative line and payback."""
        r = self._result
        return cashflow_figure(r.cashflow, r.financials, r.currency)

    def rules(self) -> go.Figure:
        """Rule compliance: value against limit."""
        return rules_figure(self._result.rules)

    def heatmap(self, column: str = "curtailed_kw") -> go.Figure:
        """``column`` by hour of day × day of year (curtailment by default)."""
        return heatmap_figure(self._result.timeseries, column)

    def all(self) -> dict[str, go.Figure]:
        """Every figure of the report, in report order."""
        return {name: make() for name, (_, make, _) in self.catalogue().items()}

    def catalogue(self) -> dict[str, tuple[str, Callable[[], go.Figure], str]]:
        """Report figures: name → (heading, function returning the figure, caption)."""
        return {
            "dispatch": (
                "Hourly dispatch",
                self.dispatch,
                "Drag the range slider under the plot, or use the day / week / month / all "
                "buttons, to move through the year.",
            ),
            "soc": (
                "Battery state of charge",
                self.soc,
                "Stored energy every hour; dotted lines mark the usable window. "
                "The range slider covers the whole year.",
            ),
            "monthly_balance": (
                "Monthly electricity balance",
                self.monthly_balance,
                "Where each month's electricity came from and went to.",
            ),
            "duration_curves": (
                "Duration curves",
                self.duration_curves,
                "Each curve sorts a year of hourly values from highest to lowest.",
            ),
            "sankey": ("Energy flows", self.sankey, "Annual energy flows from sources to uses."),
            "costs": (
                "Costs and saving",
                self.costs,
                "Baseline: the same park with no new equipment; all electricity from the grid, "
                "all heat from the boiler.",
            ),
            "cashflow": (
                "Cash flow over the project life",
                self.cashflow,
                "Each year's cash flow against the baseline (savings positive, investment, "
                "replacements and tax negative) and its running total; the dashed line marks "
                "the simple payback. Method and assumptions: docs/finance.md.",
            ),
            "rules": (
                "Rule compliance",
                self.rules,
                "Annual ratios of notice 650 (NDRC/NEA 2025) against the case's limits.",
            ),
            "curtailment_heatmap": (
                "Curtailment by hour",
                lambda: self.heatmap("curtailed_kw"),
                "When renewables were curtailed.",
            ),
            "import_heatmap": (
                "Grid import by hour",
                lambda: self.heatmap("import_kw"),
                "When the park drew from the grid.",
            ),
        }
