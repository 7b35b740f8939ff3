"""Print a run's summary to the terminal: sizes, costs, rules, curtailment, emissions."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from dispatch.ledger import rule_format


def print_summary(summary: dict[str, Any], console: Console) -> None:
    """Print a readable summary of ``summary.json`` content."""
    cur = summary.get("currency", "CNY")
    solve = summary.get("solve", {})
    console.print(
        f"[bold]{summary['case']}[/] ({summary['year']}): {summary['status']}, "
        f"method {summary['method']}, cost {summary['objective_per_year']:,.0f} {cur}/year, "
        f"solved in {solve.get('seconds', 0):.1f} s"
    )
    auto = solve.get("auto")
    if auto:
        proven = auto.get("gap_to_lower_bound")
        bound = f"; proven within {proven:.2%} of the optimum" if proven is not None else ""
        console.print(
            f"  sized on {auto['typical_days']} typical days, refined with "
            f"{len(auto['iterations'])} full-year dispatches: {auto['stopped']}{bound}"
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
    em = summary["emissions"]
    console.print(
        f"emissions {em['tco2_per_year']:,.0f} tCO2/year (baseline "
        f"{em['baseline_tco2_per_year']:,.0f}, avoided {em['avoided_tco2_per_year']:,.0f}); "
        f"{em['tco2_per_tce']:.3f} tCO2/tce against {em['zero_carbon_threshold_tco2_per_tce']} "
        f"({em['electricity_tce_method']} tce)"
    )
