"""The fast default method: size on typical days, then dispatch the full year.

1. Cluster the year into typical days (:mod:`dispatch.model.aggregate`) and solve
   the sizing model on them: a small LP (relaxed physics), solved in a thread
   while the full-year model is built and handed to HiGHS once.
2. Fix the sizes in the full-year model (inside HiGHS, no rebuild) and dispatch
   the full year. A design whose full-year dispatch breaks a rule or the grid
   connection is never reported: sizes are raised until the full year meets
   every rule.
3. Correct: the full-year dispatch prices each size (its reduced cost: what one
   more unit would save or cost over the real year). The difference between the
   full-year and the typical-day prices is added to the typical-day objective,
   the sizes are solved again and the full year dispatched again (warm-started).
   The cheaper full-year result is kept.
4. Strict physics on the final full-year dispatch, exactly as ``exact`` does.

Every reported figure comes from the full-year dispatch.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pyomo.environ as pyo

from dispatch.case.loader import CaseData
from dispatch.errors import DispatchError, InfeasibleError
from dispatch.model.aggregate import typical_days
from dispatch.model.build import BuiltModel, build_model
from dispatch.model.highs import HighsModel
from dispatch.model.horizon import Horizon
from dispatch.model.solve import (
    SolveInfo,
    SolverOptions,
    check_run,
    highs_options,
    solve_loaded,
)

REPAIR_STEP = 0.05
"""Relative size increase per repair step when a full-year dispatch breaks a rule."""
MAX_REPAIRS = 12
MIN_IMPROVEMENT = 5e-4
"""A correction that lowers the best full-year cost by less than this share does not count."""
PATIENCE = 2
"""Corrections stop after this many in a row that did not count."""
TRUST_REGION_SCALE = 0.1
"""A corrected size may grow to twice its previous value plus this share of peak load."""


@dataclass
class AutoReport:
    """How the fast method reached its answer (``summary.json``: ``solve.auto``)."""

    typical_days: int
    periods: int
    corrections: int
    iterations: list[dict[str, Any]] = field(default_factory=list)
    repairs: int = 0
    best_iteration: int = 0
    lower_bound: float | None = None
    stopped: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Return the report as a plain dict."""
        return asdict(self)


def size_vars(built: BuiltModel) -> dict[str, pyo.Var]:
    """Return every size variable of a built model, keyed like its capacities."""
    out: dict[str, pyo.Var] = {}
    for name, tech in built.technologies.items():
        out.update(tech.size_vars(built.model.component(name)))
    return out


class _Sizing:
    """The typical-day sizing model, with a price correction on its size columns."""

    def __init__(self, data: CaseData, n_days: int, options: SolverOptions, n_hours: int) -> None:
        self.horizon = typical_days(data, n_days, n_hours)
        self.built = build_model(data.with_overrides({"physics": "relaxed"}), self.horizon)
        self.hm = HighsModel(self.built.model, highs_options(options))
        sizes = size_vars(self.built)
        self.keys = list(sizes)
        self.cols = np.array([self.hm.col(sizes[k]) for k in self.keys], dtype=np.int32)
        self.cost = np.asarray(self.hm.highs.getLp().col_cost_)[self.cols].copy()
        self.lo, self.hi = self.hm.bounds(self.cols)

    def solve(
        self, correction: np.ndarray, around: np.ndarray | None = None, scale: float = 0.0
    ) -> tuple[np.ndarray, float, np.ndarray]:
        """Return sizes, objective, and the typical-day prices of those sizes.

        The objective on the size columns is ``cost + correction``; the prices
        returned are the reduced costs without the correction. With ``around``,
        the sizes stay in a trust region ``[x / 2, 2 x + scale]`` around it: the
        correction is a first-order price, valid near ``x`` only, and could
        otherwise make a size without a maximum look profitable without end.
        """
        h = self.hm
        h.highs.changeColsCost(len(self.cols), self.cols, self.cost + correction)
        lo, hi = self.lo, self.hi
        if around is not None:
            lo = np.maximum(lo, 0.5 * around)
            hi = np.minimum(hi, 2.0 * around + scale)
        h.set_bounds(self.cols, lo, hi)
        stats = h.run()
        check_run(stats)
        sizes = h.values(self.cols)
        h.set_bounds(self.cols, sizes, sizes)
        h.run()
        price = h.reduced_costs(self.cols) - correction
        return sizes, float(stats.objective or 0.0), price


def solve_auto(
    data: CaseData,
    options: SolverOptions,
    n_days: int,
    corrections: int,
    horizon: Horizon | None = None,
) -> tuple[BuiltModel, SolveInfo, AutoReport]:
    """Size on typical days, correct on the full year, and dispatch the full year.

    Parameters
    ----------
    data : CaseData
        The case.
    options : SolverOptions
        Solver limits (the time limit applies to the final dispatch).
    n_days : int
        Typical days (case key ``solver.typical_days``).
    corrections : int
        Most full-year price corrections after the first design
        (``solver.corrections``); they stop early after :data:`PATIENCE` in a row that
        lower the best cost by under :data:`MIN_IMPROVEMENT`.
    horizon : Horizon, optional
        The chronological horizon to dispatch (the full year by default; a
        shorter one in whole days for tests and scaling).

    Returns
    -------
    tuple
        The full-year model with the final solution loaded, its solve report,
        and how it was obtained.
    """
    clock = time.perf_counter()
    horizon = horizon or Horizon.full_year(data.case.year)
    sizing = _Sizing(data, n_days, options, horizon.n_steps)
    report = AutoReport(n_days, sizing.horizon.n_periods, corrections)
    report.seconds["typical_days"] = time.perf_counter() - clock
    first: dict[str, Any] = {}

    def size_first() -> None:
        try:
            first["result"] = sizing.solve(np.zeros(len(sizing.keys)))
        except BaseException as exc:  # re-raised in the main thread
            first["error"] = exc

    worker = threading.Thread(target=size_first, daemon=True)
    worker.start()  # HiGHS releases the GIL: the sizing LP runs while Pyomo builds
    t = time.perf_counter()
    full = build_model(data, horizon)
    hm = HighsModel(full.model, highs_options(options) | {"solver": "ipm"})
    full_sizes = size_vars(full)
    cols = np.array([hm.col(full_sizes[k]) for k in sizing.keys], dtype=np.int32)
    lo, hi = hm.bounds(cols)
    report.seconds["full_year_build"] = time.perf_counter() - t
    worker.join()
    if "error" in first:
        raise first["error"]
    sizes, small_objective, small_price = first["result"]

    best: tuple[float, np.ndarray, int] | None = None
    full_price = np.zeros(len(sizing.keys))
    idle = 0
    scale = TRUST_REGION_SCALE * float(np.max(data.series["load_kw"]))
    for it in range(corrections + 1):
        t = time.perf_counter()
        if it > 0:  # shift the typical-day prices of the sizes onto the full-year prices
            try:
                sizes, small_objective, small_price = sizing.solve(
                    full_price - small_price, around=sizes, scale=scale
                )
                sizes, objective, full_price, repairs = _dispatch_full_year(hm, cols, sizes, lo, hi)
            except DispatchError as exc:  # keep the best full-year design found so far
                report.stopped = f"correction {it} stopped: {exc}"
                break
        else:
            sizes, objective, full_price, repairs = _dispatch_full_year(hm, cols, sizes, lo, hi)
        report.repairs += repairs
        report.iterations.append({
            "typical_day_objective": small_objective,
            "full_year_objective": objective,
            "sizes": dict(zip(sizing.keys, map(float, sizes), strict=True)),
            "seconds": time.perf_counter() - t,
        })  # fmt: skip
        if best is None or objective < best[0] * (1 - MIN_IMPROVEMENT):
            idle = 0
        else:
            idle += 1
        if best is None or objective < best[0]:
            best = (objective, sizes, it)
            report.lower_bound = lower_bound(objective, full_price, sizes, lo, hi)
        if idle >= PATIENCE:
            report.stopped = f"stopped after {it} corrections: the last {idle} gained under 0.05 %"
            break
    assert best is not None
    report.best_iteration = best[2]

    t = time.perf_counter()
    if best[2] != len(report.iterations) - 1:  # HiGHS holds another design: dispatch the best
        hm.set_bounds(cols, best[1], best[1])
        presolved = False
    else:
        presolved = True
    info = solve_loaded(hm, full, options, presolved=presolved)
    hm.load_into_pyomo()
    report.seconds["final_dispatch"] = time.perf_counter() - t
    report.seconds["total"] = time.perf_counter() - clock
    return full, info, report


def _dispatch_full_year(
    hm: HighsModel, cols: np.ndarray, sizes: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, float, np.ndarray, int]:
    """Dispatch the full year at fixed sizes; raise sizes until every rule holds.

    Returns the sizes used, the objective, the reduced costs of the sizes, and
    the number of repair steps taken.
    """
    sizes = np.clip(sizes, lo, hi)
    for repairs in range(MAX_REPAIRS + 1):
        hm.set_bounds(cols, sizes, sizes)
        stats = hm.run()
        if stats.has_solution and stats.status == "optimal":
            return sizes, float(stats.objective or 0.0), hm.reduced_costs(cols), repairs
        grown = np.minimum(sizes * (1 + REPAIR_STEP) + 1.0, hi)
        if np.allclose(grown, sizes):
            break
        sizes = grown
    raise InfeasibleError(
        "the typical-day design cannot meet every rule over the full year, even with "
        "larger sizes; run with --method exact to see which rule fails"
    )


def lower_bound(
    objective: float, price: np.ndarray, sizes: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> float | None:
    """Return a valid lower bound on the relaxed full-year optimum from one dispatch.

    LP duality with the sizes freed within their bounds:
    ``z* >= z(x) + sum_j min(d_j (lo_j - x_j), d_j (hi_j - x_j))``, with ``d`` the
    reduced costs of the sizes at the fixed-size optimum. ``None`` when a size that
    would pay to grow has no upper bound.
    """
    total = objective
    for d, x, low, high in zip(price, sizes, lo, hi, strict=True):
        up = d * (high - x) if np.isfinite(high) else (0.0 if d >= 0 else -np.inf)
        total += min(d * (low - x), up)
    return float(total) if np.isfinite(total) else None
