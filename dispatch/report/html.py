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

from dispatch._version import __version__
from dispatch.ledger import rule_format
from dispatch.report.figures import MONTHS, Plots
from dispatch.report.text import human, number, solve_rows
from dispatch.results.carbon import intensity_by_conversion
from dispatch.results.summary import run_notes
from dispatch.results.terminal import flexibility_tiles
from dispatch.timegrid import HOURS_PER_YEAR

if TYPE_CHECKING:
    from dispatch.results.result import ResultData as Result

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
.pd-card ul.pd-notes{margin:10px 0 0 0;padding-left:18px;font-size:13px;color:#8a5300}
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
section.notes ul{margin:4px 0;padding-left:20px}
section.notes li{margin:3px 0}
section.notes .kind{font-weight:600;color:#8a5300}
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


LABEL_KEYS = ("year", "seed")
"""Case keys whose numbers are labels, not quantities: no thousands separators."""
VERDICT = {True: "✓ met", False: "✗ not met"}
CAPACITY_LABELS = {
    "pv_kw": "PV",
    "wind_kw": "Wind",
    "battery_kwh": "Battery energy",
    "battery_kw": "Battery power",
    "heat_pump_kw_th": "Heat pump",
    "electric_boiler_kw_th": "Electric boiler",
    "thermal_storage_kwh_th": "Heat tank",
    "grid_connection_kw": "Grid connection",
}


def summary_card(result: Result, notes: bool = True) -> str:
    """Return the compact HTML summary card of a result (Jupyter and the report).

    Shows the annual cost and saving against the baseline, emissions, the
    renewable self-use and curtailment, the chosen sizes and each rule's verdict,
    and (with ``notes``) every warning and note of the run.
    """
    s = result.summary
    cur = result.currency
    energy = s.get("energy_mwh", {})
    ratios = s.get("ratios", {})
    base = result.baseline
    tiles: list[tuple[str, str, str]] = _financial_tiles(result.financials, cur)
    tiles.append(("Annual cost", _money(result.total_cost_per_year, cur) + "/yr", ""))
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
                f"zero-carbon park limit {limit:g}: {verdict}; "
                f"by conversion: {intensity_by_conversion(em)}",
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
    if curt is not None:  # never below zero: a tiny negative is solver noise
        curtailed_mwh = max(float(energy.get("curtailed", 0)), 0.0)
        tiles.append(
            ("Curtailed", f"{max(curt, 0.0):.1%}", f"{curtailed_mwh:,.0f} MWh of available")
        )
    tiles += flexibility_tiles(s.get("flexibility"), cur)
    tile_html = "".join(
        f'<div class="pd-tile"><div class="pd-k">{_e(k)}</div><div class="pd-v">{_e(v)}</div>'
        f'<div class="pd-n">{_e(n)}</div></div>'
        for k, v, n in tiles
    )
    caps = "".join(
        f"<tr><td>{_e(CAPACITY_LABELS.get(str(row.capacity), str(row.capacity)))}</td>"
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
        + (_card_notes(result) if notes else "")
        + "</div>"
    )


def _card_notes(result: Result) -> str:
    """Return the run's warnings and notes as a list for the card, or nothing."""
    items = run_notes(result.summary)
    if not items:
        return ""
    lis = "".join(f"<li>{_e(kind)}: {_e(text)}</li>" for kind, text in items)
    return f"<ul class='pd-notes'>{lis}</ul>"


def notes_section(result: Result) -> str:
    """Return the report's "Notes and warnings" section: every caveat the run printed."""
    items = run_notes(result.summary)
    if items:
        body = (
            "<ul>"
            + "".join(
                f"<li><span class='kind'>{_e(kind)}:</span> {_e(text)}</li>" for kind, text in items
            )
            + "</ul>"
        )
    else:
        body = "<p>The run printed no warnings or notes.</p>"
    return f"<section class='notes' id='notes'><h2>Notes and warnings</h2>{body}</section>"


def _financial_tiles(fin: dict[str, Any] | None, cur: str) -> list[tuple[str, str, str]]:
    """Return the NPV, IRR and payback tiles that lead the card (none without financials)."""
    if fin is None:
        return []
    a = fin.get("assumptions", {})
    irr, payback = fin.get("irr"), fin.get("simple_payback_years")
    discounted = fin.get("discounted_payback_years")
    return [
        (
            "NPV vs baseline",
            _money(fin["npv"], cur),
            f"{a.get('analysis_years', '?')} years at {a.get('discount_rate', 0):.1%}",
        ),
        ("IRR", f"{irr:.1%}" if irr is not None else "n/a", "internal rate of return"),
        (
            "Payback",
            f"{payback:.1f} years" if payback is not None else "not reached",
            f"discounted {discounted:.1f} years" if discounted is not None else "",
        ),
        ("Up-front investment", _money(fin["capex_upfront"], cur), ""),
    ]


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
        rules = result.rules
        limits = dict(zip(rules["rule"], rules["limit_fraction"].astype(float), strict=True))
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
            f"<tr><td>{_e(c)}</td><td class='num'>{number(ins[c].min())}</td>"
            f"<td class='num'>{number(ins[c].mean())}</td>"
            f"<td class='num'>{number(ins[c].max())}</td>"
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
    """Return a case value as text; a null rule shows the limit its year default gave.

    Quantities read for people (``14,000``, ``yes``); labels such as a year or a seed
    are shown as written (``2026``).
    """
    if value is None:
        applied = defaults.get(key)
        return f"null (year default: {applied:g})" if applied is not None else "null"
    if key.rsplit(".", 1)[-1] in LABEL_KEYS:
        return str(value)
    return human(value)


def _annual_sum(name: str, values: pd.Series) -> str:
    """Annual energy for power profiles [MWh]; blank for prices, ratios, factors."""
    if name.endswith("_kw_per_kw"):
        return f"{values.sum():,.0f} full-load h"
    if name.endswith(("_kw", "_kw_th")):
        return f"{values.sum() / 1000:,.0f} MWh"
    return ""


def _run_html(run: Any) -> str:
    """Say how the run differs from its case file (scenario, overrides, horizon, method)."""
    from dispatch.results.terminal import run_label

    label = run_label(run)
    return f"<p class='run'><strong>What-if run:</strong> {_e(label)}</p>" if label else ""


def render_report(result: Result) -> str:
    """Return the full, self-contained HTML report of a result."""
    plots = Plots(result).catalogue()
    nav = ["<a href='#summary'>Summary</a>", "<a href='#notes'>Notes and warnings</a>"]
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
    solve = result.summary.get("solve") or {}
    shown = {k: v for k, v in solve.items() if k != "quality"}  # one statement above the table
    solve_html = "".join(
        f"<tr><td>{_e(k)}</td><td class='num'>{_e(v)}</td></tr>" for k, v in solve_rows(shown)
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
        "click legend entries to hide series.</p>"
        f"{_run_html(result.summary.get('run'))}</header>"
        f"<nav>{' '.join(nav)}</nav>"
        f"<section class='summary' id='summary'>{summary_card(result, notes=False)}</section>"
        + notes_section(result)
        + "".join(sections)
        + f"<section id='inputs'><h2>Case inputs</h2>{_inputs_html(result)}"
        f"<h3>Solve</h3>{_quality_html(solve)}"
        f"<table class='inputs' id='solve'>{solve_html}</table></section>"
        f"<footer>Generated {generated} by park-dispatch {_e(__version__)}. "
        "Offline file: plotly.js is embedded; nothing is loaded from the network.</footer>"
        "</main></body></html>\n"
    )


def _quality_html(solve: dict[str, Any]) -> str:
    """Return the run's quality statement (``solve.quality``), as the terminal prints it."""
    quality = solve.get("quality")
    if not isinstance(quality, dict) or "statement" not in quality:
        return ""
    return (
        f"<p class='caption'>Quality: {_e(quality['statement'])}. objective_per_year is the "
        "cost recomputed from the hourly table; solver_objective_per_year adds the battery "
        "tie-break (O2).</p>"
    )
