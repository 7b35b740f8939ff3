"""Benchmark a pathway run against one ``dispatch run`` of the same case.

Usage::

    python benchmarks/pathway.py [--case cases/example-park.yaml]
        [--years 2026,2028,2030,2033] [--method auto] [--hours N]

Prints the wall time of one run of the case (its own year), of the pathway over the
milestone years (typical-day sizing with the full-year builds, full-year refinement,
strict dispatch of every period, and the myopic comparison separately), the ratio and
the machine's load; the target is at most 5x one run without the comparison. One run is
timed before and after the pathway and the ratio is against their mean (the load of a
shared machine drifts), each side also printed.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from dispatch.case.loader import load_case
from dispatch.model.horizon import Horizon
from dispatch.pathway import solve_pathway
from dispatch.runner import solve_case

CASES = Path(__file__).resolve().parents[1] / "cases"


def main() -> None:
    """Time one run and one pathway of a case, and print both."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default=str(CASES / "example-park.yaml"))
    parser.add_argument("--years", default="2026,2028,2030,2033")
    parser.add_argument("--method", default="auto", choices=("auto", "exact"))
    parser.add_argument("--hours", type=int, default=None)
    args = parser.parse_args()
    years = [int(y) for y in args.years.split(",")]
    data = load_case(args.case)
    horizon = Horizon.full_year(data.case.year, args.hours) if args.hours else None

    def one_run() -> float:
        start = time.perf_counter()
        solve_case(data, method=args.method, horizon=horizon)
        return time.perf_counter() - start

    before = one_run()
    start = time.perf_counter()
    result = solve_pathway(data, years, args.method, horizon_hours=args.hours)
    pathway_seconds = time.perf_counter() - start
    after = one_run()  # the load of a shared machine drifts: a run on each side
    run_seconds = (before + after) / 2
    s = result.solve
    own = pathway_seconds - s.get("myopic_seconds", 0.0)
    print(f"case {data.case.name}, method {args.method}, years {args.years}")
    print(f"one run:            {run_seconds:8.1f} s  (before {before:.1f} s, after {after:.1f} s)")
    print(
        f"pathway:            {pathway_seconds:8.1f} s  (sizing {s['sizing_seconds']:.1f} s, "
        f"dispatch {s['dispatch_seconds']:.1f} s, myopic comparison "
        f"{s.get('myopic_seconds', 0.0):.1f} s)"
    )
    refinement = s.get("refinement") or {}
    if refinement:
        print(
            f"  full-year refinement {s['refinement_seconds']:.1f} s, "
            f"{refinement['dispatch_rounds']} rounds, stopped: {refinement['stopped']}; "
            f"gap to the lower bound {refinement.get('gap_to_lower_bound') or float('nan'):.2%}"
        )
    print(f"pathway / run:      {pathway_seconds / run_seconds:8.1f} x")
    print(
        f"without comparison: {own / run_seconds:8.1f} x  (target <= 5 x; "
        f"{own / before:.1f} x the run before, {own / after:.1f} x the run after)"
    )
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
