"""Benchmark the default and the exact method as whole ``dispatch run`` processes.

Usage::

    python benchmarks/whole_process.py [--quick] [--repeats 3] [--exact-repeats N]
                                       [--cases NAME ...] [--no-sweep] [--no-floor]
                                       [--exact-time-limit S]

For each case of a varied set (the shipped cases, with overrides for export
forbidden, dear storage, a binding rule, discrete units, a heat-dominated park and a
carbon-intensity limit of 0.2 tCO2/tce near the edge of what any design reaches)
it runs ``dispatch run`` in a fresh process per method and prints: median wall time
of the whole process (imports, case loading, solve, results and report writing),
the ratio, the cost gap, peak resident memory, whether rules and strict physics
held, and where the default's time went by phase (``solve.auto.seconds``: typical
days, full-year build, sizing, refinement, final strict dispatch; "rest" is the
process outside the solve: Python start-up, imports, loading, results and report).
Then the example park's default run against its floor, the same case with every size
fixed at the default's optimum (``--no-floor`` skips it). Then a sweep-throughput
figure: ``dispatch sweep`` over battery capex x consumption rule x export price on the
example park, ``--workers 2`` (``benchmarks/sweep_throughput.py`` says where a run's
time goes). The machine's load average is printed with every figure.

Whole processes are measured because an in-process benchmark is not what a user
runs: it shares one interpreter, one HiGHS thread scheduler and one heap across
runs, so its figures for a single run can differ widely from the command line's.

``--quick`` runs four cases on the first four weeks, one repeat, and a 12-run sweep:
a smoke test of the script, not a benchmark.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "cases"

VARIED: dict[str, tuple[str, list[str]]] = {
    "example": ("example-park", []),
    "example-no-export": ("example-park", ["grid.export_allowed=false"]),
    "no-export-dear-storage": (
        "example-park",
        ["grid.export_allowed=false", "technologies.battery.capex_per_kwh=1500"],
    ),
    "binding-consumption-rule": ("example-park", ["rules.self_use_min_of_consumption=0.35"]),
    "discrete-units": (
        "example-park",
        [
            "technologies.pv.unit_kw=500",
            "technologies.battery.unit_kwh=2500",
            "technologies.battery.unit_kw=1250",
        ],
    ),  # fmt: skip
    "heat-dominated": ("example-park", ["load.heat_kw_th=9000"]),
    "tight-carbon-rule": ("example-park", ["rules.carbon_intensity_max_t_per_tce=0.2"]),
    "coal-export": ("example-park-coal-export", []),
    "ningbo": ("ningbo-meishan-logistics", []),
    "ordos": ("ordos-industrial", []),
}
"""Case label -> (shipped case, ``--set`` overrides)."""
QUICK = ["example", "no-export-dear-storage", "binding-consumption-rule", "discrete-units"]
SWEEP_GRID = [
    "technologies.battery.capex_per_kwh=400,500,600,700,800",
    "rules.self_use_min_of_consumption=0.30,0.32,0.35,0.38,0.40",
    "grid.export_price_per_kwh=0.20,0.26,0.30,0.35",
]
QUICK_SWEEP_GRID = [
    "technologies.battery.capex_per_kwh=400,800",
    "rules.self_use_min_of_consumption=0.30,0.35",
    "grid.export_price_per_kwh=0.20,0.26,0.30",
]


def load_now() -> str:
    """Return the 1-minute load average and the core count, for the record."""
    return f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def run_process(args: list[str]) -> tuple[float, float, int, str, float]:
    """Run a command; return wall s, peak resident MB, exit status, stderr tail and CPU s.

    CPU seconds (user + system, the process and the children it waited for) depend
    far less on the machine's load than wall time does.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    assert proc.stderr is not None
    err = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    return wall, usage.ru_maxrss / 1024, proc.returncode, err.strip()[-300:], cpu


def run_case(label: str, method: str, hours: int | None, limit: float | None) -> dict[str, Any]:
    """Run one case once as ``dispatch run`` and read its summary."""
    case, sets = VARIED[label]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        cmd = [sys.executable, "-m", "dispatch", "run", str(CASES / f"{case}.yaml"),
               "--method", method, "--out", str(out)]  # fmt: skip
        for s in sets:
            cmd += ["--set", s]
        if hours:
            cmd += ["--hours", str(hours)]
        if limit and method == "exact":
            cmd += ["--time-limit", str(limit)]
        load = os.getloadavg()[0]
        wall, peak, code, err, cpu = run_process(cmd)
        row: dict[str, Any] = {"wall": wall, "peak_mb": peak, "code": code, "load": load,
                               "cpu": cpu}  # fmt: skip
        if code != 0:
            row["error"] = err
            return row
        summary = json.loads((out / "summary.json").read_text())
    solve = summary["solve"]
    row.update(
        objective=summary["objective_per_year"],
        rules_ok=summary["rules_ok"],
        strict=summary["dispatch_strict"],
        status=summary["status"],
        solve_s=solve.get("seconds", 0.0),
    )
    if "auto" in solve:
        phases = dict(solve["auto"]["seconds"])
        phases.pop("total", None)
        row["phases"] = phases
        row["dispatches"] = len(solve["auto"]["iterations"])
    return row


def fixed_sizes(capacities: dict[str, float]) -> list[str]:
    """Return ``--set`` arguments that hold every size of a design (lower = upper)."""
    from dispatch.model.pathway import size_keys

    out = []
    for name, value in capacities.items():
        section, low, high, _ = size_keys(name)
        out += [f"{section}.{key}={value!r}" for key in dict.fromkeys((low, high))]
    return out


def floor_figures(repeats: int, hours: int | None) -> None:
    """Print the default run of the example park against its fixed-size dispatch.

    The floor is one full-year dispatch of the same case with every size held at the
    default's optimum, as a whole process too (same imports, loading, results and
    report), by the default method (no sizing left to do) and by ``exact``.
    """
    rows: dict[str, list[dict[str, Any]]] = {"default": [], "fixed default": [],
                                             "fixed exact": []}  # fmt: skip
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            base = [sys.executable, "-m", "dispatch", "run", str(CASES / "example-park.yaml")]
            base += ["--hours", str(hours)] if hours else []
            load = os.getloadavg()[0]
            wall, _, code, err, cpu = run_process(base + ["--out", str(out)])
            if code:
                print(f"floor: the default run failed: {err}")
                return
            summary = json.loads((out / "summary.json").read_text())
            rows["default"].append({"wall": wall, "cpu": cpu, "load": load})
            sets = [a for s in fixed_sizes(summary["capacities"]) for a in ("--set", s)]
            for label, method in (("fixed default", "auto"), ("fixed exact", "exact")):
                load = os.getloadavg()[0]
                target = Path(tmp) / method
                cmd = base + ["--out", str(target), "--method", method] + sets
                wall, _, code, err, cpu = run_process(cmd)
                if code:
                    print(f"floor: the fixed-size run ({method}) failed: {err}")
                    return
                fixed = json.loads((target / "summary.json").read_text())
                gap = fixed["objective_per_year"] / summary["objective_per_year"] - 1
                rows[label].append({"wall": wall, "cpu": cpu, "load": load, "gap": gap})
    parts = []
    for label, runs in rows.items():
        parts.append(f"{label} {median(runs, 'wall'):.1f} s wall / {median(runs, 'cpu'):.1f} s "
                     f"CPU (load {median(runs, 'load'):.1f})")  # fmt: skip
    floor = min(median(rows["fixed default"], "wall"), median(rows["fixed exact"], "wall"))
    print("example park, whole process: " + "; ".join(parts))
    print(f"default / fixed-size floor: {median(rows['default'], 'wall') / floor:.2f}x wall "
          f"(target <= 3 s, or <= 1.5x the floor); fixed-size cost vs default "
          f"{median(rows['fixed default'], 'gap'):+.2e}; {load_now()}")  # fmt: skip


def median(rows: list[dict[str, Any]], key: str) -> float:
    """Median of a key over the runs that have it."""
    values = [r[key] for r in rows if key in r]
    return statistics.median(values) if values else float("nan")


def main() -> None:
    """Print the per-case table and the sweep throughput."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cases", nargs="*", default=None, choices=list(VARIED))
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--no-cases", action="store_true", help="only the sweep")
    parser.add_argument(
        "--no-floor", action="store_true", help="skip the example park's fixed-size floor"
    )
    parser.add_argument("--exact-time-limit", type=float, default=None)
    parser.add_argument(
        "--exact-repeats",
        type=int,
        default=None,
        help="runs of exact per case (default: --repeats); exact takes minutes a run",
    )
    parser.add_argument(
        "--sweep-grid",
        nargs="*",
        default=None,
        help="--grid arguments of the sweep (default: 5 x 5 x 4 = 100 runs)",
    )
    args = parser.parse_args()
    labels = args.cases or (QUICK if args.quick else list(VARIED))
    labels = [] if args.no_cases else labels
    repeats = 1 if args.quick else args.repeats
    hours = 24 * 28 if args.quick else None
    exact_repeats = repeats if args.exact_repeats is None or args.quick else args.exact_repeats
    print(f"start: {load_now()}; {repeats} run(s) per figure ({exact_repeats} of exact), medians; "
          f"{'first 4 weeks' if hours else 'full year'}")  # fmt: skip
    head = (f"{'case':<26}{'default s':>10}{'exact s':>9}{'ratio':>7}{'gap':>8}{'peak MB':>9}"
            f"{'rules':>6}{'strict':>7}{'load':>6}{'CPU d/e':>12}  default phases (s)")  # fmt: skip
    print(head)
    ratios = []
    for label in labels:
        counts = {"auto": repeats, "exact": exact_repeats}
        runs = {m: [run_case(label, m, hours, args.exact_time_limit) for _ in range(n)]
                for m, n in counts.items()}  # fmt: skip
        auto, exact = runs["auto"], runs["exact"]
        failed = [r.get("error") for m in runs.values() for r in m if r["code"]]
        if failed:
            print(f"{label:<26} failed: {failed[0]}")
            continue
        a, e = median(auto, "wall"), median(exact, "wall")
        gap = median(auto, "objective") / median(exact, "objective") - 1
        ratios.append(e / a)
        phases = {k: statistics.median(r["phases"][k] for r in auto) for k in auto[0]["phases"]}
        rest = a - median(auto, "solve_s")
        text = " ".join(f"{k.replace('_', ' ')} {v:.1f}" for k, v in phases.items())
        used = median(auto, "dispatches")
        ok = all(r["rules_ok"] for r in auto)
        strict = all(r["strict"] for r in auto)
        load = statistics.median(r["load"] for m in runs.values() for r in m)
        print(f"{label:<26}{a:>10.1f}{e:>9.1f}{e / a:>7.1f}{gap:>8.2%}"
              f"{max(median(auto, 'peak_mb'), median(exact, 'peak_mb')):>9.0f}"
              f"{'yes' if ok else 'NO':>6}{'yes' if strict else 'NO':>7}{load:>6.1f}"
              f"{median(auto, 'cpu'):>6.1f}/{median(exact, 'cpu'):<5.1f}"
              f"  {text}; rest {rest:.1f}; dispatches {used:.0f}")  # fmt: skip
    if ratios:
        print(f"median ratio exact/default {statistics.median(ratios):.1f}x, "
              f"least {min(ratios):.1f}x; {load_now()}")  # fmt: skip
    if not args.no_floor:
        floor_figures(repeats, hours)
    if not args.no_sweep:
        hours = None if args.sweep_grid else hours
        grid = args.sweep_grid or (QUICK_SWEEP_GRID if args.quick else SWEEP_GRID)
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, "-m", "dispatch", "sweep", str(CASES / "example-park.yaml"),
                   "--workers", "2", "--out", str(Path(tmp) / "sweep")]  # fmt: skip
            for g in grid:
                cmd += ["--grid", g]
            if hours:
                cmd += ["--hours", str(hours)]
            n = 1
            for g in grid:
                n *= len(g.split("=", 1)[1].split(","))
            load = os.getloadavg()[0]
            wall, peak, code, err, cpu = run_process(cmd)
            print(f"sweep: {n} runs of the example park ({'4 weeks' if hours else 'full year'}), "
                  f"--workers 2: {wall:.0f} s, {n / wall * 60:.1f} runs/min, "
                  f"CPU {cpu:.0f} s ({cpu / n:.1f} s a run), exit {code}; "
                  f"load {load:.1f} at start, {load_now()} at end"
                  + (f"; {err}" if code else ""))  # fmt: skip


if __name__ == "__main__":
    main()
