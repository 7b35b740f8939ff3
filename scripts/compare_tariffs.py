"""Solve a case under the zhejiang-2024 and zhejiang-2026 tariffs and print both bills.

Usage::

    PYTHONPATH=. python scripts/compare_tariffs.py cases/example-park.yaml \
        [--hours N] [--out DIR] [--method auto|exact]

The 2024 scheme uses the issue's example levels (sharp 1.34, peak 1.12, flat 0.68, valley 0.27
CNY/kWh); the 2026 scheme uses the same flat price (0.68) with its published ratios
2.05 : 1.85 : 1 : 0.4 : 0.2. Each run is written to ``<out>/<case>-<calendar>/``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dispatch.case.loader import load_case
from dispatch.model.horizon import Horizon
from dispatch.results.write import write_results
from dispatch.runner import solve_case
from dispatch.solve.exact import SolverOptions

SCENARIOS = {
    "zhejiang-2024": {
        "calendar": "zhejiang-2024",
        "prices_per_kwh": {"sharp": 1.34, "peak": 1.12, "flat": 0.68, "valley": 0.27},
    },
    "zhejiang-2026": {"calendar": "zhejiang-2026", "flat_price_per_kwh": 0.68},
}
ROWS = (
    "grid_energy", "system_operation", "grid_capacity", "demand_charge", "export_revenue",
    "fuel", "carbon", "capex_annualized", "fixed_om", "total",
)  # fmt: skip


def main() -> None:
    """Run both scenarios and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", type=Path)
    parser.add_argument("--hours", type=int, default=8760, help="horizon length (default 8760)")
    parser.add_argument("--out", type=Path, default=Path("results"))
    parser.add_argument("--threads", type=int, default=1, help="HiGHS threads (default 1)")
    parser.add_argument("--method", default="auto", help="auto (default) or exact")
    args = parser.parse_args()
    base = load_case(args.case)
    runs = {}
    for name, tariff in SCENARIOS.items():
        data = base.with_overrides({"grid.import_price_per_kwh": None, "grid.tariff": tariff})
        out = solve_case(
            data,
            method=args.method,
            options=SolverOptions(threads=args.threads),
            horizon=Horizon.full_year(data.case.year, args.hours),
        )
        write_results(
            args.out / f"{data.case.name}-{name}",
            out.summary,
            out.timeseries,
            bill_monthly=out.bill_monthly,
        )
        runs[name] = out.summary
        solve = out.summary["solve"]
        print(f"{name}: {args.method}, {solve['status']}, {solve['seconds']:.0f} s")
    names = list(runs)
    print("\n| CNY/yr | " + " | ".join(names) + " | baseline " + " | baseline ".join(names) + " |")
    print("|---" * (1 + 2 * len(names)) + "|")
    for key in ROWS:
        vals = [runs[n]["costs_per_year"].get(key, 0.0) for n in names]
        base_vals = [runs[n]["baseline"]["costs_per_year"].get(key, 0.0) for n in names]
        print(f"| {key} | " + " | ".join(f"{v:,.0f}" for v in vals + base_vals) + " |")
    print()
    for n in names:
        s = runs[n]
        e = s["emissions"]
        caps = ", ".join(f"{k} {v:,.0f}" for k, v in s["capacities"].items())
        print(
            f"{n}: {caps}; emissions {e['tco2_per_year']:,.0f} tCO2/yr (grid "
            f"{e['grid_tco2_per_year']:,.0f}, fuel {e['fuel_tco2_per_year']:,.0f}); baseline "
            f"{e['baseline_tco2_per_year']:,.0f}; avoided {e['avoided_tco2_per_year']:,.0f}; "
            f"{e['energy_consumption_tce']:,.0f} tce, {e['tco2_per_tce']:.3f} tCO2/tce "
            f"(threshold {e['zero_carbon_threshold_tco2_per_tce']}, ok {e['zero_carbon_ok']}); "
            f"clean share {e['clean_energy_share']:.1%}"
        )


if __name__ == "__main__":
    main()
