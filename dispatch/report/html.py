"""The offline HTML report of a run, and the summary card shown in Jupyter.

The report is one self-contained file: plotly.js is embedded once in the page
head, every figure follows as a ``<div>`` with its data, and nothing is
fetched from the network. It holds the summary card, every figure of
:class:`dispatch.report.figures.Plots` and the case inputs.
"""

from __future__ import annotations

import html
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pandas as pd

import dispatch
from dispatch.ledger import rule_format
from dispatch.report.figures import MONTHS
from dispatch.timegrid import HOURS_PER_YEAR

if TYPE_CHECKING:
    from dispatch.results.result import Result

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "scrollZoom": False}

CARD_CSS = """
.pd-card{font-family:"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2933;max-width:1160px;
 border:1px solid #d9dee3;border-radius:8px;padding:14px 18px;background:#fff;line-height:1.35}
.pd-card h3{margin:0 0 2px 0;font-size:18px}
.pd-card .pd-sub{color:#5f6b76;font-size:13px;margin-bottom:10px}
.pd-card .pd-warn{color:#8a5300;background:#fff4e0;border-radius:4px;padding:3px 8px;
 font-size:13px;display:inline-block;margin-bottom:8px}
.pd-card .pd-tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(145px,1fr));
 gap:10px;margin:6px 0 12px 0}
.pd-card .pd-tile{background:#f5f7f9;border-radius:6px;padding:8px 10px}
.pd-card .pd-tile .pd-k{font-size:12px;color:#5f6b76}
.pd-card .pd-tile .pd-v{font-size:19px;font-weight:600;white-space:nowrap}
.pd-card .pd-tile .pd-n{font-size:12px;color:#5f6b76}
.pd-card .pd-cols{display:flex;flex-wrap:wrap;gap:32px;align-items:flex-start}
.pd-card table{border-collapse:collapse;font-size:13px}
.pd-card th,.pd-card td{padding:3px 10px 3px 0;text-align:left;border:none}
.pd-card td.pd-num{text-align:right;font-variant-numeric:tabular-nums}
.pd-card .pd-ok{color:#1e7d45;font-weight:600}
.pd-card .pd-fail{color:#c62828;font-weight:600}
"""

PAGE_CSS = """
body{font-family:"Segoe UI",Helvetica,Arial,sans-serif;margin:0;background:#f3f5f7;color:#1f2933}
main{max-width:1240px;margin:0 auto;padding:18px 26px 40px 26px}
header h1{font-size:24px;margin:6px 0 2px 0}
header p{margin:0;color:#5f6b76}
nav{margin:14px 0 6px 0;font-size:14px}
nav a{margin-right:14px;color:#2f5f9e;text-decoration:none}
section{background:#fff;border:1px solid #d9dee3;border-radius:8px;margin:16px 0;padding:12px 16px}
section h2{font-size:18px;margin:4px 0 2px 0}
section p.caption{color:#5f6b76;margin:0 0 6px 0;font-size:13px}
section.summary{border:none;background:none;padding:0}
table.inputs{border-collapse:collapse;font-size:13px;margin:6px 0 14px 0}
table.inputs th,table.inputs td{border-bottom:1px solid #e6e9ec;padding:3px 12px 3px 0;
 text-align:left;vertical-align:top}
table.inputs td.num{text-align:right;font-variant-numeric:tabular-nums}
.cols{display:flex;flex-wrap:wrap;gap:32px}
footer{color:#5f6b76;font-size:12px;margin-top:20px}
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _money(value: float, currency: str) -> str:
    """Money in millions with two decimals: ``12.22 M CNY``."""
    return f"{value / 1e6:,.2f} M {currency}"


def _num(value: Any, digits: int = 0) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _e(value)
    return f"{value:,.{digits}f}"


VERDICT = {True: "✓ met", False: "✗ not met"}
CAPACITY_LABELS = {
    "pv_kw": "PV",
    "wind_kw": "Wind",
    "battery_kwh": "Battery energy",
    "battery_kw": "Battery power",
    "heat_pump_kw_th": "Heat pump",
    "grid_connection_kw": "Grid connection",
}


def summary_card(result: Result) -> str:
    """Return the compact HTML summary card of a result (Jupyter and the report).

    Shows the annual cost and saving against the baseline, emissions, the
    renewable self-use and curtailment, the chosen sizes and each rule's verdict.
    """
    s = result.summary
    cur = result.currency
    energy = s.get("energy_mwh", {})
    ratios = s.get("ratios", {})
    base = result.baseline
    tiles: list[tuple[str, str, str]] = [
        ("Annual cost", _money(result.total_cost_per_year, cur) + "/yr", "")
    ]
    if base is not None:
        base_total = float(base["costs_per_year"]["total"])
        saving = base_total - result.total_cost_per_year
        pct = f" ({saving / base_total:.0%})" if base_total else ""
        tiles.append(
            (
                "Saving vs baseline",
                _money(saving, cur) + "/yr",
                f"baseline {_money(base_total, cur)}/yr{pct}",
            )
        )
    tco2 = s.get("emissions", {}).get("tco2_per_year")
    if isinstance(tco2, int | float):
        note = ""
        if base is not None and base.get("tco2_per_year"):
            cut = 1 - tco2 / base["tco2_per_year"]
            note = f"{cut:.0%} below the baseline's {base['tco2_per_year']:,.0f} t"
        tiles.append(("Emissions", f"{tco2:,.0f} tCO2/yr", note))
    em = s.get("emissions", {})
    intensity, limit = em.get("tco2_per_tce"), em.get("zero_carbon_threshold_tco2_per_tce")
    if isinstance(intensity, int | float) and isinstance(limit, int | float):
        verdict = "met" if em.get("zero_carbon_ok") else "not met"
        tiles.append(
            (
                "Carbon intensity",
                f"{intensity:.2f} tCO2/tce",
                f"zero-carbon park limit {limit:g}: {verdict}",
            )
        )
    self_use = ratios.get("self_use_of_consumption")
    if self_use is not None:
        tiles.append(
            (
                "Renewables in consumption",
                f"{self_use:.1%}",
                f"{energy.get('self_used', 0):,.0f} of {energy.get('consumption', 0):,.0f} MWh",
            )
        )
    certs = em.get("green_certificates_mwh_per_year")
    if isinstance(certs, int | float) and certs > 0:
        share = ratios.get("clean_share")
        tiles.append(
            (
                "Green certificates",
                f"{certs:,.0f} MWh/yr",
                f"{_money(s.get('costs_per_year', {}).get('green_certificates', 0.0), cur)}/yr; "
                f"count toward {em.get('green_certificates_count_toward')}"
                + (f"; clean share {share:.1%}" if isinstance(share, int | float) else ""),
            )
        )
    curt = ratios.get("curtailment_of_generation")
    if curt is not None:
        tiles.append(
            ("Curtailed", f"{curt:.1%}", f"{energy.get('curtailed', 0):,.0f} MWh of available")
        )
    tile_html = "".join(
        f'<div class="pd-tile"><div class="pd-k">{_e(k)}</div><div class="pd-v">{_e(v)}</div>'
        f'<div class="pd-n">{_e(n)}</div></div>'
        for k, v, n in tiles
    )
    caps = "".join(
        f"<tr><td>{_e(CAPACITY_LABELS.get(row.capacity, row.capacity))}</td>"
        f'<td class="pd-num">{row.value:,.0f}</td><td>{_e(row.unit)}</td></tr>'
        for row in result.capacities.itertuples()
    )
    rules = (
        "".join(
            f"<tr><td>{_e(r['description'])}</td>"
            f"<td class='pd-num'>{_e(rule_format(r['rule'])(r['value_fraction']))}</td>"
            f"<td>{'≥' if r['kind'] == 'min' else '≤'} "
            f"{_e(rule_format(r['rule'])(r['limit_fraction']))}</td>"
            + (
                f"<td class='pd-ok'>{VERDICT[True]}</td></tr>"
                if r["ok"]
                else f"<td class='pd-fail'>{VERDICT[False]}</td></tr>"
            )
            for r in result.rules.to_dict("records")
        )
        or "<tr><td>no rules apply</td></tr>"
    )
    solve = s.get("solve", {})
    seconds = solve.get("seconds")
    sub = (
        f"{_e(s.get('year', ''))} · {_e(s.get('status', ''))} · method {_e(s.get('method', ''))}"
        + (f" · solved in {seconds:,.1f} s" if isinstance(seconds, int | float) else "")
        + (f" · {_e(result.folder)}" if result.folder else "")
    )
    warn = ""
    n = result.hours_modelled
    if n < HOURS_PER_YEAR:
        warn = (
            f'<div class="pd-warn">Short horizon: {n} modelled hours '
            f"({_period(result.timeseries)}), scaled to a year; sizes and costs are "
            "approximate.</div>"
        )
    definition = (
        "Baseline: the same park with no new equipment (all electricity from the grid, all "
        "heat from the boiler)"
    )
    if base is None:
        base_note = "Baseline unknown: the case inputs are not available for this run."
    elif base.get("source") == "case inputs":
        base_note = f"{definition}, recomputed from the case inputs."
    else:
        base_note = f"{definition}, as the run computed it."
    return (
        f"<style>{CARD_CSS}</style><div class='pd-card'>"
        f"<h3>{_e(result.name)}</h3><div class='pd-sub'>{sub}</div>{warn}"
        f"<div class='pd-tiles'>{tile_html}</div>"
        "<div class='pd-cols'>"
        f"<table><tr><th colspan='3'>Chosen sizes</th></tr>{caps}</table>"
        f"<table><tr><th colspan='4'>Rules</th></tr>{rules}</table>"
        "</div>"
        f"<div class='pd-sub' style='margin:10px 0 0 0'>{_e(base_note)}</div>"
        "</div>"
    )


def _period(ts: pd.DataFrame) -> str:
    stamps = pd.to_datetime(ts["timestamp"])
    first, last = stamps.iloc[0], stamps.iloc[-1]
    return (
        f"{first.day} {MONTHS[first.month - 1]} to {last.day} {MONTHS[last.month - 1]} {last.year}"
    )


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """Return the plotly.js bundle shipped with the plotly package (no network)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _flatten(obj: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(obj, dict):
        if set(obj) == {"csv", "column"}:
            return [(prefix, f"{obj['csv']} [{obj['column']}]")]
        out: list[tuple[str, Any]] = []
        for key, value in obj.items():
            out += _flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return out
    return [(prefix, obj)]


def _inputs_html(result: Result) -> str:
    """Return the case parameters and a statistics table of the hourly inputs."""
    parts: list[str] = []
    if result.case is not None:
        limits = {r.rule: r.limit_fraction for r in result.rules.itertuples()}
        shown = {
            "rules.self_use_min_of_consumption": limits.get("self_use_of_consumption"),
        }
        rows = "".join(
            f"<tr><td>{_e(k)}</td><td>{_e(_shown(k, v, shown))}</td></tr>"
            for k, v in _flatten(result.case)
        )
        source = f" (from {_e(result.data.file)})" if result.data is not None else ""
        parts.append(
            f"<div><h3>Case parameters{source}</h3><table class='inputs'>"
            f"<tr><th>key</th><th>value</th></tr>{rows}</table></div>"
        )
    if result.inputs is not None:
        ins = result.inputs.drop(columns=["timestamp"], errors="ignore")
        rows = "".join(
            f"<tr><td>{_e(c)}</td><td class='num'>{ins[c].min():,.4g}</td>"
            f"<td class='num'>{ins[c].mean():,.4g}</td><td class='num'>{ins[c].max():,.4g}</td>"
            f"<td class='num'>{_annual_sum(c, ins[c])}</td></tr>"
            for c in ins.columns
        )
        parts.append(
            "<div><h3>Hourly inputs (8760 values each)</h3><table class='inputs'>"
            "<tr><th>profile</th><th>min</th><th>mean</th><th>max</th>"
            f"<th>annual sum</th></tr>{rows}</table></div>"
        )
    if not parts:
        return "<p>The case inputs are not available for this run.</p>"
    return "<div class='cols'>" + "".join(parts) + "</div>"


def _shown(key: str, value: Any, defaults: dict[str, float | None]) -> str:
    """Return a case value as text; a null rule shows the limit its year default gave."""
    if value is None:
        applied = defaults.get(key)
        return f"null (year default: {applied:g})" if applied is not None else "null"
    return str(value)


def _annual_sum(name: str, values: pd.Series) -> str:
    """Annual energy for power profiles [MWh]; blank for prices, ratios, factors."""
    if name.endswith("_kw_per_kw"):
        return f"{values.sum():,.0f} full-load h"
    if name.endswith(("_kw", "_kw_th")):
        return f"{values.sum() / 1000:,.0f} MWh"
    return ""


def render_report(result: Result) -> str:
    """Return the full, self-contained HTML report of a result."""
    plots = result.plot.catalogue()
    nav = ["<a href='#summary'>Summary</a>"]
    sections = []
    for name, (short, make, caption) in plots.items():
        fig = make()
        nav.append(f"<a href='#{name}'>{_e(short)}</a>")
        div = fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=f"fig-{name}",
            config=PLOTLY_CONFIG,
        )
        sections.append(
            f"<section id='{name}'><h2>{_e(short)}</h2>"
            f"<p class='caption'>{_e(caption)}</p>{div}</section>"
        )
    nav.append("<a href='#inputs'>Case inputs</a>")
    solve = result.summary.get("solve", {})
    solve_rows = "".join(
        f"<tr><td>{_e(k)}</td><td class='num'>{_num(v, 3)}</td></tr>" for k, v in solve.items()
    )
    generated = datetime.now().strftime("%Y-%m-%d %H:%M")
    title = f"park-dispatch report: {result.name}"
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(title)}</title><style>{PAGE_CSS}</style>"
        f"<script type='text/javascript'>{plotly_js()}</script></head><body><main>"
        f"<header><h1>{_e(title)}</h1><p>Sizing and hourly dispatch under China's "
        "green-power direct-supply rules. Every figure is interactive: hover for values, "
        "click legend entries to hide series.</p></header>"
        f"<nav>{' '.join(nav)}</nav>"
        f"<section class='summary' id='summary'>{summary_card(result)}</section>"
        + "".join(sections)
        + f"<section id='inputs'><h2>Case inputs</h2>{_inputs_html(result)}"
        f"<h3>Solve</h3><table class='inputs'>{solve_rows}</table></section>"
        f"<footer>Generated {generated} by park-dispatch {_e(dispatch.__version__)}. "
        "Offline file: plotly.js is embedded; nothing is loaded from the network.</footer>"
        "</main></body></html>\n"
    )
