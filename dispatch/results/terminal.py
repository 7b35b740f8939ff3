"""Print a run's summary to the terminal: sizes, costs, rules, curtailment, emissions."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dispatch.errors import printable
from dispatch.ledger import rule_format
from dispatch.results.carbon import intensity_by_conversion


def print_summary(summary: dict[str, Any], console: Console) -> None:
    """Print a readable summary of ``summary.json`` content."""
    cur = summary.get("currency", "CNY")
    solve = summary.get("solve", {})
    name = escape(printable(str(summary["case"])))
    console.print(
        f"[bold]{name}[/] ({summary['year']}): {summary['status']}, "
        f"method {summary['method']}, cost {summary['objective_per_year']:,.0f} {cur}/year, "
        f"solved in {solve.get('seconds', 0):.1f} s"
    )
    what_if = run_label(summary.get("run"))
    if what_if:
        console.print(f"  run: {escape(printable(what_if))}", highlight=False)
    _print_financials(summary, console)
    quality = solve.get("quality")
    if quality:
        console.print(f"  quality: {quality['statement']}", highlight=False)
    auto = solve.get("auto")
    if auto:
        console.print(
            f"  sized on {auto['typical_days']} typical days, refined with "
            f"{len(auto['iterations'])} full-year dispatches (stopped: {auto['stopped']})",
            highlight=False,
        )
    caps = Table(title="Capacities", show_header=True)
    caps.add_column("size")
    caps.add_column("value", justify="right")
    for key, value in summary["capacities"].items():
        caps.add_row(key, f"{value:,.1f}")
    costs = Table(title=f"Cost per year [{cur}]")
    costs.add_column("component")
    costs.add_column("value", justify="right")
    for key, value in summary["costs_per_year"].items():
        costs.add_row(key, f"{value:,.0f}")
    console.print(caps)
    console.print(costs)
    rules = Table(title="Rules")
    for col in ("rule", "value", "limit", "result"):
        rules.add_column(col)
    for r in summary["rules"]:
        sign = ">=" if r.get("kind", "min") == "min" else "<="
        verdict = "[green]pass[/]" if r["ok"] else "[red]FAIL[/]"
        fmt = rule_format(r["name"])
        rules.add_row(r["name"], fmt(r["value"]), f"{sign} {fmt(r['limit'])}", verdict)
    console.print(rules)
    e = summary["energy_mwh"]
    ratios = summary["ratios"]
    curt = ratios.get("curtailment_of_generation")
    curt_text = f"{curt:.1%}" if curt is not None else "n/a"
    console.print(
        f"renewables available {e['available']:,.0f} MWh, curtailed {e['curtailed']:,.0f} MWh "
        f"({curt_text}); imported {e['imported']:,.0f} MWh, exported {e['exported']:,.0f} MWh"
    )
    for key, value, note in flexibility_tiles(summary.get("flexibility"), cur):
        console.print(f"{key.lower()} {value}: {note}")
    em = summary["emissions"]
    console.print(
        f"emissions {em['tco2_per_year']:,.0f} tCO2/year (baseline "
        f"{em['baseline_tco2_per_year']:,.0f}, avoided {em['avoided_tco2_per_year']:,.0f}); "
        f"tCO2/tce {intensity_by_conversion(em)} against "
        f"{em['zero_carbon_threshold_tco2_per_tce']}"
    )


def run_label(run: dict[str, Any] | None) -> str:
    """Describe how a run differs from its case file (``summary["run"]``), in one line.

    ``"scenario no_export; --set grid.export_allowed=false; first 336 h; method exact"``;
    empty for the case as written, on the full year, by the default method.
    """
    if not isinstance(run, dict):
        return ""
    parts = []
    if run.get("scenario"):
        parts.append(f"scenario {run['scenario']}")
    overrides = run.get("overrides") or {}
    if isinstance(overrides, dict) and overrides:
        parts.append("--set " + ", ".join(f"{k}={_yaml_text(v)}" for k, v in overrides.items()))
    if run.get("hours"):
        parts.append(f"first {run['hours']} h of the year, scaled up")
    if run.get("method") not in (None, "auto"):
        parts.append(f"method {run['method']}")
    return "; ".join(parts)


def _yaml_text(value: Any) -> str:
    """Return a value as the command line would write it (``null``, ``true``, ``400``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _print_financials(summary: dict[str, Any], console: Console) -> None:
    """Print NPV, IRR and paybacks against the baseline (docs/finance.md)."""
    fin = summary.get("financials")
    if not isinstance(fin, dict):
        return
    cur = summary.get("currency", "CNY")
    a = fin.get("assumptions", {})

    def years(value: float | None) -> str:
        return f"{value:.1f} years" if value is not None else "not within the analysis"

    irr = fin.get("irr")
    console.print(
        f"[bold]NPV {fin['npv']:,.0f} {cur}[/] over {a.get('analysis_years', '?')} years at "
        f"{a.get('discount_rate', 0):.1%}; IRR {f'{irr:.1%}' if irr is not None else 'n/a'}; "
        f"payback {years(fin.get('simple_payback_years'))} "
        f"(discounted {years(fin.get('discounted_payback_years'))}); "
        f"up-front {fin['capex_upfront']:,.0f} {cur}"
    )


HOUR_SHARE_SHOWN = 0.05
"""Hours of the day carrying at least this share of the load moved are named."""


def hour_ranges(mwh_by_hour: list[float]) -> str:
    """Return the hours of the day that carry the energy, as ranges: ``08-11h, 17-19h``.

    Hours with at least :data:`HOUR_SHARE_SHOWN` of the total are named; consecutive
    hours join into one range (``08-11h`` is 08:00 to 11:59).
    """
    total = sum(mwh_by_hour)
    if total <= 0:
        return "none"
    hours = [h for h, v in enumerate(mwh_by_hour) if v >= HOUR_SHARE_SHOWN * total]
    ranges: list[list[int]] = []
    for h in hours:
        if ranges and h == ranges[-1][1] + 1:
            ranges[-1][1] = h
        else:
            ranges.append([h, h])
    return ", ".join(f"{a:02d}h" if a == b else f"{a:02d}-{b:02d}h" for a, b in ranges)


def flexibility_tiles(flex: dict[str, Any] | None, currency: str) -> list[tuple[str, str, str]]:
    """Return ``(label, value, note)`` for load moved, load shed and heat stored.

    Parameters
    ----------
    flex : dict or None
        The ``flexibility`` block of ``summary.json``.
    currency : str
        Currency of the savings.
    """
    if not flex:
        return []
    out = []
    if "load_moved_mwh" in flex:
        out.append((
            "Load moved",
            f"{flex['load_moved_mwh']:,.0f} MWh/yr",
            f"from {hour_ranges(flex['moved_from_hour_of_day_mwh'])} to "
            f"{hour_ranges(flex['moved_to_hour_of_day_mwh'])}; saves "
            f"{flex['shift_saving_at_marginal_price']:,.0f} {currency}/yr at marginal prices",
        ))  # fmt: skip
    if "load_shed_mwh" in flex:
        out.append((
            "Load shed",
            f"{flex['load_shed_mwh']:,.0f} MWh/yr",
            f"in {flex['load_shed_hours']} h; costs {flex['load_shed_cost']:,.0f}, avoids "
            f"{flex['shed_saving_at_marginal_price']:,.0f} {currency}/yr at marginal prices",
        ))  # fmt: skip
    if "heat_stored_mwh_th" in flex:
        out.append((
            "Heat stored",
            f"{flex['heat_stored_mwh_th']:,.0f} MWh_th/yr",
            f"tank losses {flex['heat_storage_losses_mwh_th']:,.0f} MWh_th/yr",
        ))  # fmt: skip
    return out
