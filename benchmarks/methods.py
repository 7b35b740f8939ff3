"""Benchmark the exact and the fast default method side by side, in one process.

Usage::

    python benchmarks/methods.py [--cases example-park ...] [--repeats 3] [--scaling]

For each shipped full-year case it prints, per method: wall time split into
load + build, hand-off to HiGHS and HiGHS solve; peak resident memory; the
objective and the fast method's gap to the exact optimum; and the speed-up.
A second line gives every run's wall time, the full-year dispatches the fast
method used and the gap it proved itself (``solve.auto``: ``local_gap``, or
``gap_to_lower_bound`` when smaller).
``--scaling`` adds a table over 1, 3, 6 and 12 months of the first case.
Medians over ``--repeats`` runs; the garbage of one run is collected before the
next starts, as a fresh process would. The model covers one year at most (8760
hourly steps), so no two-year horizon is offered.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import threading
import time
from pathlib import Path

import psutil

from dispatch.case.loader import load_case
from dispatch.model.horizon import Horizon
from dispatch.runner import solve_case

CASES = Path(__file__).resolve().parents[1] / "cases"


class PeakRSS:
    """Sample the process's resident memory every 20 ms; ``peak_mb`` after exit."""

    def __enter__(self) -> PeakRSS:
        self.proc = psutil.Process()
        self.peak = self.proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return self.peak / 2**20


def run_once(case: str, method: str, hours: int | None = None) -> dict[str, float]:
    gc.collect()  # the previous run's model is its own garbage: free it before the clock starts
    data = load_case(CASES / f"{case}.yaml")
    horizon = Horizon.full_year(data.case.year, hours) if hours else None
    start = time.perf_counter()
    with PeakRSS() as mem:
        out = solve_case(data, method=method, horizon=horizon)
    wall = time.perf_counter() - start
    s = out.summary["solve"]
    row = {
        "wall_s": wall,
        "build_s": s["load_seconds"] + s["build_seconds"],
        "handoff_s": s["handoff_seconds"],
        "solve_s": s["solve_seconds"],
        "peak_mb": mem.peak_mb,
        "objective": out.summary["objective_per_year"],
        "rules_ok": float(out.summary["rules_ok"]),
        "strict": float(out.summary["dispatch_strict"]),
    }
    if method == "auto":
        auto = s["auto"]["seconds"]
        row["build_s"] = auto.get("full_year_build", 0.0) + auto.get("typical_days", 0.0)
        row["handoff_s"] = s["handoff_seconds"]
        row["solve_s"] = wall - row["build_s"]
        row["dispatches"] = float(len(s["auto"]["iterations"]))
        gaps = (s["auto"]["gap_to_lower_bound"], s["auto"]["local_gap"])
        proven = [g for g in gaps if g is not None]
        row["bound"] = min(proven) if proven else float("nan")
    row["outside_solve_share"] = 1.0 - row["solve_s"] / wall
    return row


def median_rows(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in rows) for k in rows[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="*", default=["example-park"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scaling", action="store_true")
    args = parser.parse_args()
    print(f"machine: {psutil.cpu_count()} cores, load average {psutil.getloadavg()}")
    header = (f"{'case':<28}{'method':<7}{'wall s':>8}{'build s':>9}{'handoff s':>10}"
              f"{'solve s':>9}{'outside':>9}{'peak MB':>9}{'objective':>14}{'gap':>8}"
              f"{'speed-up':>9}{'rules':>6}{'strict':>7}")  # fmt: skip
    print(header)
    for case in args.cases:
        results = {}
        walls = {}
        for method in ("exact", "auto"):
            runs = [run_once(case, method) for _ in range(args.repeats)]
            walls[method] = [r["wall_s"] for r in runs]
            results[method] = median_rows(runs)
        exact = results["exact"]
        for method, r in results.items():
            gap = r["objective"] / exact["objective"] - 1
            speed = exact["wall_s"] / r["wall_s"]
            print(f"{case:<28}{method:<7}{r['wall_s']:>8.1f}{r['build_s']:>9.1f}"
                  f"{r['handoff_s']:>10.1f}{r['solve_s']:>9.1f}{r['outside_solve_share']:>9.0%}"
                  f"{r['peak_mb']:>9.0f}{r['objective']:>14,.0f}{gap:>8.2%}{speed:>9.1f}"
                  f"{'ok' if r['rules_ok'] else 'FAIL':>6}"
                  f"{'yes' if r['strict'] else 'no':>7}")  # fmt: skip
        auto = results["auto"]
        each = {m: ", ".join(f"{w:.1f}" for w in ws) for m, ws in walls.items()}
        print(
            f"{'':<28}each run, s: exact {each['exact']}; auto {each['auto']}; auto used "
            f"{auto['dispatches']:.0f} full-year dispatches, proved gap {auto['bound']:.2%}"
        )
    if args.scaling:
        case = args.cases[0]
        print(f"\nscaling on {case} (one run each)")
        print(f"{'months':<8}{'hours':>7}{'exact s':>9}{'auto s':>8}{'gap':>8}")
        for months, hours in ((1, 744), (3, 2160), (6, 4344), (12, 8760)):
            e, a = run_once(case, "exact", hours), run_once(case, "auto", hours)
            gap = a["objective"] / e["objective"] - 1
            print(f"{months:<8}{hours:>7}{e['wall_s']:>9.1f}{a['wall_s']:>8.1f}{gap:>8.2%}")


if __name__ == "__main__":
    main()
