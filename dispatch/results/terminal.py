"""Print a run's summary to the terminal: sizes, costs, rules, curtailment, emissions."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


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
        rules.add_row(r["name"], f"{r['value']:.1%}", f"{sign} {r['limit']:.0%}", verdict)
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
        f"{em['tco2_per_tce']:.3f} tCO2/tce against {em['zero_carbon_threshold_tco2_per_tce']} "
        f"({em['electricity_tce_method']} tce)"
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
