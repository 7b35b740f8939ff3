"""Compare the runs of a sweep: a table, cost and sizes against each parameter, a tornado.

Reads only the sweep table (:func:`dispatch.sweep.store.load_sweep`), never a model.

The tornado chart shows main effects: for each swept parameter, the mean
``objective_per_year`` of the solved runs at its lowest and at its highest value
(averaged over the other parameters), drawn from the mean of all solved runs.
Parameters are sorted by swing, the spread of those means over all of their values.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.colors
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from rich.table import Table

from dispatch.files import FileRefused, read_limited
from dispatch.report.text import human, number
from dispatch.sweep.store import FINANCIAL_COLUMNS, OK_STATUSES, atomic_write_text, load_sweep

COMPARE_HTML = "compare.html"
OBJECTIVE = "objective_per_year"
CAPACITY_SUFFIXES = ("_kw", "_kwh", "_kw_th")
MAX_LEGEND_GROUPS = 12
"""Above this many combinations of the other parameters, points are drawn without lines."""
FLAT_SPAN = 0.01
"""A series that varies by less than this share of its size is drawn as flat."""
FLAT_MARGIN = 0.05
"""A flat series is drawn this share of its size above and below its value."""
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}

PAGE_CSS = """
body{font-family:"Segoe UI",Helvetica,Arial,sans-serif;margin:0;background:#f3f5f7;color:#1f2933}
main{max-width:1240px;margin:0 auto;padding:18px 26px 40px 26px}
h1{font-size:24px;margin:6px 0 2px 0}
p.sub{margin:0 0 10px 0;color:#5f6b76}
section{background:#fff;border:1px solid #d9dee3;border-radius:8px;margin:16px 0;
 padding:12px 16px;overflow-x:auto}
section h2{font-size:18px;margin:4px 0 8px 0}
table.runs{border-collapse:collapse;font-size:13px}
table.runs th{text-align:right;vertical-align:bottom;padding:4px 8px;
 border-bottom:2px solid #c9d0d6;max-width:10em}
table.runs td{text-align:right;padding:3px 8px;border-bottom:1px solid #e6e9ec;white-space:nowrap;
 font-variant-numeric:tabular-nums}
table.runs td.text{text-align:left;white-space:normal;max-width:16em}
"""


def capacity_columns(table: pd.DataFrame) -> list[str]:
    """Return the result columns holding sizes (``pv_kw``, ``battery_kwh`` ...)."""
    overrides = set(table.attrs.get("override_keys", []))
    return [
        c
        for c in table.columns
        if c not in overrides and "." not in c and c.endswith(CAPACITY_SUFFIXES)
    ]


def parameters_of(table: pd.DataFrame) -> list[str]:
    """Return the swept parameters: from ``sweep.json``, else the override columns that vary."""
    params = [p for p in table.attrs.get("parameters", []) if p in table.columns]
    if params:
        return params
    keys = [k for k in table.attrs.get("override_keys", []) if k in table.columns]
    return [k for k in keys if table[k].astype(str).nunique() > 1]


def solved(table: pd.DataFrame) -> pd.DataFrame:
    """Return the rows of runs that produced results."""
    return table[table["status"].isin(OK_STATUSES)]


def run_counts(table: pd.DataFrame) -> dict[str, int]:
    """Count a sweep's runs: ``total`` planned, ``solved``, ``failed``, ``missing`` (not run).

    The planned runs come from ``sweep.json`` (``attrs["runs"]``), else the table's rows.
    """
    planned = list(table.attrs.get("runs", [])) or list(table["run_id"])
    ok = int(table["status"].isin(OK_STATUSES).sum()) if "status" in table else 0
    missing = len(set(planned) - set(table["run_id"])) if "run_id" in table else len(planned)
    return {
        "total": len(planned),
        "solved": ok,
        "failed": len(table) - ok,
        "missing": missing,
    }


def counts_text(counts: dict[str, int]) -> str:
    """Say how many runs solved, failed and are missing: ``4 runs: 3 solved, 1 failed``."""
    text = f"{counts['total']} runs: {counts['solved']} solved, {counts['failed']} failed"
    if counts["missing"]:
        text += f", {counts['missing']} not run yet"
    return text


def with_null_levels(table: pd.DataFrame, parameters: list[str]) -> pd.DataFrame:
    """Return the table with ``null`` made a level of its own where a parameter was set to it.

    A parameter column holding both values and nulls (``grid.max_connection_kw=null,10``)
    becomes text (``"null"``, ``"10"``), so that "no limit" is compared like any other value.
    """
    out = table.copy()
    for p in parameters:
        if p in out and out[p].isna().any() and out[p].notna().any():
            out[p] = [
                "null" if pd.isna(v) else (f"{v:g}" if isinstance(v, float) else str(v))
                for v in out[p]
            ]
    return out


def _levels(values: pd.Series) -> list[Any]:
    """Distinct values of a parameter, numbers ascending, anything else in order seen."""
    distinct = list(dict.fromkeys(values.dropna().tolist()))
    try:
        return sorted(distinct, key=float)
    except (TypeError, ValueError):
        return distinct


def main_effects(
    table: pd.DataFrame, parameters: list[str], metric: str = OBJECTIVE
) -> pd.DataFrame:
    """Return the mean ``metric`` per parameter at its lowest and highest value.

    Parameters
    ----------
    table : pandas.DataFrame
        The sweep table.
    parameters : list of str
        Swept parameters.
    metric : str
        Result column.

    Returns
    -------
    pandas.DataFrame
        Columns ``parameter``, ``low_value``, ``high_value``, ``low_mean``, ``high_mean``,
        ``base_mean`` (all solved runs), ``swing`` (max minus min of the means per value),
        sorted by swing, largest first. Parameters with one value among solved runs are left out.
    """
    ok = solved(with_null_levels(table, parameters))
    base = float(ok[metric].mean()) if len(ok) else float("nan")
    rows = []
    for p in parameters:
        levels = _levels(ok[p]) if p in ok else []
        if len(levels) < 2:
            continue
        means = [float(ok.loc[ok[p] == lv, metric].mean()) for lv in levels]
        rows.append(
            {
                "parameter": p,
                "low_value": levels[0],
                "high_value": levels[-1],
                "low_mean": means[0],
                "high_mean": means[-1],
                "base_mean": base,
                "swing": max(means) - min(means),
            }
        )
    columns = ["parameter", "low_value", "high_value", "low_mean", "high_mean", "base_mean"]
    effects = pd.DataFrame(rows, columns=[*columns, "swing"])
    return effects.sort_values("swing", ascending=False, ignore_index=True)


def tornado(effects: pd.DataFrame, currency: str = "CNY") -> go.Figure:
    """Horizontal bars from the base mean to the means at each parameter's low and high value."""
    order = effects.iloc[::-1]  # plotly draws the first category at the bottom
    fig = go.Figure()
    for end, name in (("low", "lowest value"), ("high", "highest value")):
        fig.add_bar(
            y=order["parameter"],
            x=order[f"{end}_mean"] - order["base_mean"],
            base=order["base_mean"],
            orientation="h",
            name=f"parameter at its {name}",
            text=[human(v) for v in order[f"{end}_value"]],
            textposition="auto",
            hovertemplate="%{y} = %{text}: %{x:,.0f}<extra></extra>",
        )
    fig.update_layout(
        title="Cost sensitivity (mean over the other parameters)",
        barmode="overlay",
        xaxis_title=f"objective_per_year [{currency}/year]",
        height=200 + 60 * len(effects),
    )
    return fig


def against_parameter(table: pd.DataFrame, parameter: str, parameters: list[str]) -> go.Figure:
    """Cost and each capacity against one parameter, a line per setting of the others."""
    ok = solved(with_null_levels(table, parameters))
    metrics = [OBJECTIVE] + [c for c in capacity_columns(table) if ok[c].abs().sum() > 0]
    cols = min(3, len(metrics))
    rows = -(-len(metrics) // cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=metrics)
    others = [p for p in parameters if p != parameter]
    groups = list(ok.groupby(others, dropna=False, sort=False)) if others else [((), ok)]
    lines = len(groups) <= MAX_LEGEND_GROUPS
    levels = _levels(ok[parameter])
    palette = plotly.colors.qualitative.Plotly
    for g, (key, part) in enumerate(groups):
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{o.rsplit('.', 1)[-1]}={v}" for o, v in zip(others, key, strict=True))
        present = set(part[parameter])
        part = part.set_index(parameter).reindex([lv for lv in levels if lv in present])
        for i, metric in enumerate(metrics):
            fig.add_scatter(
                x=list(part.index),
                y=part[metric],
                mode="lines+markers" if lines else "markers",
                name=label or "runs",
                legendgroup=str(g),
                marker_color=palette[g % len(palette)],
                showlegend=i == 0 and lines and bool(label),
                row=i // cols + 1,
                col=i % cols + 1,
            )
    for i, metric in enumerate(metrics):
        flat = flat_range(ok[metric])
        if flat is not None:
            fig.update_yaxes(range=flat, row=i // cols + 1, col=i % cols + 1)
    fig.update_layout(title=f"Cost and sizes against {parameter}", height=320 * rows)
    fig.update_xaxes(title_text=parameter.rsplit(".", 1)[-1])
    return fig


def flat_range(values: pd.Series) -> list[float] | None:
    """Return a y-axis range for a (nearly) constant series, else ``None`` (autorange).

    Plotly stretches a constant series over a sliver of an axis (13.999k-14.001k),
    which reads as a change. A series whose spread is below :data:`FLAT_SPAN` of its
    size gets the range ``value ± FLAT_MARGIN × size`` (0 to 1 when it is all zero).
    """
    v = pd.to_numeric(values, errors="coerce").dropna()
    if v.empty:
        return None
    low, high = float(v.min()), float(v.max())
    size = max(abs(low), abs(high))
    if size == 0:
        return [0.0, 1.0]
    if high - low > FLAT_SPAN * size:
        return None
    margin = FLAT_MARGIN * size
    return [low - margin, high + margin]


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """Return the columns worth reading, runs sorted by cost (failures last).

    The index is the row number in the sweep table (0-based).
    """
    params = parameters_of(table)
    caps = capacity_columns(table)
    cols = ["run_id", *params, "status", OBJECTIVE, *FINANCIAL_COLUMNS, *caps, "rules_ok",
            "tco2_per_year", "error"]  # fmt: skip
    cols = [c for c in dict.fromkeys(cols) if c in table.columns]
    shown = table[cols]
    if OBJECTIVE in shown:
        shown = shown.sort_values(OBJECTIVE, na_position="last", kind="stable")
    return shown


def write_compare(folder: str | Path) -> Path:
    """Write ``compare.html`` into a sweep folder: the table, figures and tornado chart.

    Parameters
    ----------
    folder : str or pathlib.Path
        The sweep folder.

    Returns
    -------
    pathlib.Path
        The HTML file (written atomically).
    """
    root = Path(folder)
    table = load_sweep(root)
    params = parameters_of(table)
    currency = _currency(root, table)
    figures = []
    effects = main_effects(table, params)
    if len(effects):
        figures.append(tornado(effects, currency))
    figures += [against_parameter(table, p, params) for p in params]
    parts = [
        f"<h1>Sweep {html.escape(root.name)}</h1>",
        f"<p class='sub'>{html.escape(counts_text(run_counts(table)))}; parameters: "
        f"{html.escape(', '.join(params) or 'none')}.</p>",
        _run_html(table.attrs.get("meta", {})),
    ]
    for i, fig in enumerate(figures):
        div = fig.to_html(full_html=False, include_plotlyjs=i == 0, config=PLOTLY_CONFIG)
        parts.append(f"<section>{div}</section>")
    parts.append(
        f"<section><h2>Runs, cheapest first</h2>{runs_html(display_table(table))}</section>"
    )
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Sweep {html.escape(root.name)}</title><style>{PAGE_CSS}</style></head>"
        "<body><main>" + "\n".join(parts) + "</main></body></html>\n"
    )
    target = root / COMPARE_HTML
    atomic_write_text(target, page)
    return target


def _run_html(meta: dict[str, Any]) -> str:
    """Say how every run of the sweep was made: method, horizon, shared overrides."""
    from dispatch.results.terminal import run_label

    shared = meta.get("overrides") if isinstance(meta.get("overrides"), dict) else {}
    label = run_label(
        {"method": meta.get("method"), "hours": meta.get("hours"), "overrides": shared}
    )
    return f"<p>Every run: {html.escape(label)}.</p>" if label else ""


def cell(value: Any) -> str:
    """Return one table cell for people: numbers via :func:`number`, blank when absent."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return number(value)
    return human(value)


def runs_html(shown: pd.DataFrame) -> str:
    """Return the runs of a sweep as an HTML table: numbers right-aligned, never wrapped.

    The first column is the row of ``sweep.csv`` (1-based); run ids and errors come last.
    """
    last = [c for c in ("run_id", "error") if c in shown.columns]  # long text at the end
    shown = shown[[c for c in shown.columns if c not in last] + last]
    head = "<th>#</th>" + "".join(f"<th>{_breakable(str(c))}</th>" for c in shown.columns)
    body = []
    for number_, rec in zip(shown.index, shown.itertuples(index=False), strict=True):
        tds = [f"<td>{number_ + 1}</td>"]
        for v in rec:
            kind = " class='text'" if isinstance(v, str) else ""
            tds.append(f"<td{kind}>{_breakable(cell(v)) if kind else html.escape(cell(v))}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    return f"<table class='runs'><tr>{head}</tr>{''.join(body)}</table>"


def _breakable(text: str) -> str:
    """Return ``text`` escaped, with line-break opportunities after ``_ . = -``."""
    out = html.escape(text)
    for mark in ("_", ".", "=", "-"):
        out = out.replace(mark, f"{mark}<wbr>")
    return out


def column_label(column: str) -> str:
    """Return a column header for the terminal: the key's last two parts, words spaced."""
    return ".".join(column.split(".")[-2:]).replace("_", " ")


def terminal_table(shown: pd.DataFrame, title: str, width: int) -> tuple[Table, list[str]]:
    """Return the runs as a rich table that fits ``width`` columns, and the columns left out.

    Numbers are never split across lines: each column is at least as wide as its widest
    cell, and headers wrap between words. Columns are taken in order (run number,
    parameters, status, cost, sizes ...) while they fit; the rest are named for the
    caller to point at ``compare.html`` and ``sweep.csv``.

    Parameters
    ----------
    shown : pandas.DataFrame
        The rows to print (:func:`display_table`, index = row of the sweep table).
    title : str
        Table title.
    width : int
        Terminal width [characters].
    """
    columns = [("#", [str(n + 1) for n in shown.index])]
    columns += [(column_label(c), [cell(v) for v in shown[c]]) for c in shown.columns]
    table = Table(title=title)
    hidden: list[str] = []
    used = 1  # the left border
    for label, cells in columns:
        need = max([len(c) for c in cells] + [len(w) for w in label.split()] + [1])
        if hidden or (used + need + 3 > width and table.columns):
            hidden.append(label)
            continue
        used += need + 3  # padding either side and a border
        table.add_column(label, justify="right", width=need, overflow="fold")
    kept = len(table.columns)
    for row in zip(*(cells for _, cells in columns[:kept]), strict=True):
        table.add_row(*row)
    return table, hidden


def _currency(root: Path, table: pd.DataFrame) -> str:
    """Currency of the first solved run's summary (CNY when none can be read)."""
    for run_id in solved(table)["run_id"]:
        try:
            summary = json.loads(read_limited(root / "runs" / str(run_id) / "summary.json"))
        except (FileRefused, ValueError):
            continue
        if isinstance(summary, dict):
            return str(summary.get("currency", "CNY"))
    return "CNY"
