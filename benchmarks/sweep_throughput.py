"""Benchmark sweep throughput: what-if runs of the example park per minute, whole process.

Usage::

    python benchmarks/sweep_throughput.py [--workers 2] [--hours N] [--keep DIR]
                                          [--grid KEY=V1,V2 ...]

Runs ``dispatch sweep`` over battery capex x consumption rule x export price
(5 x 5 x 4 = 100 full-year runs by default) on the example park as one process and
prints: wall time, runs per minute, CPU seconds a run, the machine's load average at
start and end, and, from the runs' own ``summary.json``, where a run's time went
(median and 90th percentile: the worker's run, its solve by phase, the re-solves in
place and the rebuilds). The CPU figure depends far less on the machine's load than
wall time, which 2 shared cores make noisy: CPU seconds / cores is the wall time the
sweep would take on an idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from whole_process import CASES, SWEEP_GRID, load_now, run_process  # noqa: E402


def quantiles(values: list[float]) -> str:
    """Median and 90th percentile, ``1.2 / 3.4``."""
    if not values:
        return "-"
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return f"{statistics.median(ordered):.2f} / {p90:.2f}"


def breakdown(folder: Path) -> list[str]:
    """Per-run time by phase, from the runs' ``summary.json`` files."""
    runs: list[dict[str, Any]] = []
    for summary in sorted((folder / "runs").glob("*/summary.json")):
        runs.append(json.loads(summary.read_text()))
    if not runs:
        return ["no run wrote a summary"]
    solve = [r["solve"] for r in runs]
    in_place = [s for s in solve if (s.get("resolve") or {}).get("in_place")]
    rebuilt = [s for s in solve if not (s.get("resolve") or {}).get("in_place")]
    reasons = sorted({str((s.get("resolve") or {}).get("reason")) for s in rebuilt})
    lines = [
        f"runs with results: {len(runs)}; re-solved in place {len(in_place)}, "
        f"built or rebuilt {len(rebuilt)} ({'; '.join(reasons)})",
        "seconds a run, median / 90th percentile (in place only):",
        f"  solve, whole run in the worker: {quantiles([s['seconds'] for s in in_place])}",
        f"  baseline: {quantiles([s.get('baseline_seconds', 0.0) for s in in_place])}",
    ]
    phases: dict[str, list[float]] = {}
    dispatches = []
    for s in in_place:
        auto = s.get("auto")
        if not auto:
            continue
        dispatches.append(len(auto["iterations"]))
        for name, value in auto["seconds"].items():
            phases.setdefault(name, []).append(value)
    for name, values in phases.items():
        lines.append(f"  auto {name.replace('_', ' ')}: {quantiles(values)}")
    if dispatches:
        lines.append(f"  full-year dispatches a run: {quantiles([float(d) for d in dispatches])}")
    strict = all(r["dispatch_strict"] for r in runs)
    rules = all(r["rules_ok"] for r in runs)
    lines.append(f"every run strict: {'yes' if strict else 'NO'}; rules met: "
                 f"{'yes' if rules else 'NO'}")  # fmt: skip
    return lines


def main() -> None:
    """Run the sweep and print its throughput and breakdown."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--hours", type=int, default=None)
    parser.add_argument("--grid", nargs="*", default=SWEEP_GRID)
    parser.add_argument("--keep", type=Path, default=None, help="sweep folder to keep")
    args = parser.parse_args()
    n = 1
    for g in args.grid:
        n *= len(g.split("=", 1)[1].split(","))
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp) / "sweep"
        cmd = [sys.executable, "-m", "dispatch", "sweep", str(CASES / "example-park.yaml"),
               "--workers", str(args.workers), "--out", str(folder)]  # fmt: skip
        for g in args.grid:
            cmd += ["--grid", g]
        if args.hours:
            cmd += ["--hours", str(args.hours)]
        start_load = load_now()
        wall, peak, code, err, cpu = run_process(cmd)
        span = f"{args.hours} h" if args.hours else "full year"
        print(f"sweep: {n} runs of the example park ({span}), --workers {args.workers}: "
              f"{wall:.0f} s, {n / wall * 60:.1f} runs/min; CPU {cpu:.0f} s "
              f"({cpu / n:.2f} s a run; {cpu / os.cpu_count() / 60:.1f} min on "  # type: ignore[operator]
              f"{os.cpu_count()} idle cores), peak {peak:.0f} MB a process, exit {code}; "
              f"{start_load} at start, {load_now()} at end"
              + (f"; {err}" if code else ""))  # fmt: skip
        for line in breakdown(folder):
            print(line)


if __name__ == "__main__":
    main()
