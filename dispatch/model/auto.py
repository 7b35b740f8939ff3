"""The fast default method: size on typical days, then dispatch the full year.

1. Cluster the year into typical days (:mod:`dispatch.model.aggregate`) and
   solve the sizing model on them (relaxed physics, a small LP).
2. Build the full-year model once and hand it to HiGHS once. Fix the sizes
   there (the grid connection stays free) and solve the full-year dispatch.
3. Correct: the full-year dispatch prices each size (its reduced cost: what
   one more kW would save or cost over the real year). Add the difference
   between the full-year and the typical-day prices to the typical-day model's
   objective and size again, then dispatch again (warm-started). Keep the
   cheapest full-year result. A design whose full-year dispatch breaks a rule
   is never reported: sizes are raised until the full year meets every rule.
4. Strict physics on the final full-year dispatch, exactly as ``exact`` does.

Every reported figure comes from the full-year dispatch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyomo.environ as pyo

from dispatch.case.loader import CaseData
from dispatch.errors import InfeasibleError
from dispatch.model.aggregate import typical_days
from dispatch.model.build import BuiltModel, build_model
from dispatch.model.highs import HighsModel
from dispatch.model.solve import SolveInfo, SolverOptions, highs_options, solve_loaded

DEFAULT_TYPICAL_DAYS = 24
CORRECTION_ROUNDS = 2
REPAIR_STEP = 0.05
"""Relative size increase per repair step when a full-year dispatch breaks a rule."""
MAX_REPAIRS = 12


@dataclass
class AutoReport:
    """How the fast method reached its answer (``summary.json``: ``solve.auto``)."""

    typical_days: int
    periods: int
    iterations: list[dict[str, Any]] = field(default_factory=list)
    repairs: int = 0
    lower_bound: float | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def _size_vars(built: BuiltModel) -> dict[str, pyo.Var]:
    out: dict[str, pyo.Var] = {}
    for name, tech in built.technologies.items():
        out.update(tech.size_vars(built.model.component(name)))
    return out


def solve_auto(
    data: CaseData, options: SolverOptions, n_days: int = DEFAULT_TYPICAL_DAYS
) -> tuple[BuiltModel, SolveInfo, AutoReport]:
    """Size on typical days, correct on the full year, and dispatch the full year strictly.

    Returns
    -------
    tuple
        The full-year model with the final solution loaded, its solve report, and
        how it was obtained.
    """
    clock = time.perf_counter()
    horizon = typical_days(data, n_days)
    relaxed = data.with_overrides({"physics": "relaxed"})
    small = build_model(relaxed, horizon)
    small_hm = HighsModel(small.model, highs_options(options))
    small_vars = _size_vars(small)
    keys = list(small_vars)
    small_cols = np.array([small_hm.col(small_vars[k]) for k in keys])
    base_cost = np.asarray(small_hm.highs.getLp().col_cost_)[small_cols].copy()
    report = AutoReport(typical_days=n_days, periods=horizon.n_periods)
    report.seconds["aggregate"] = time.perf_counter() - clock

    t = time.perf_counter()
    full = build_model(data)
    hm = HighsModel(full.model, highs_options(options) | {"solver": "ipm"})
    full_vars = _size_vars(full)
    cols = np.array([hm.col(full_vars[k]) for k in keys])
    lo, hi = hm.bounds(cols)
    report.seconds["full_year_build"] = time.perf_counter() - t

    best: tuple[float, np.ndarray] | None = None
    correction = np.zeros(len(keys))
    for it in range(CORRECTION_ROUNDS + 1):
        t = time.perf_counter()
        small_hm.highs.changeColsCost(len(keys), small_cols.astype(np.int32), base_cost + correction)
        stats = small_hm.run()
        if not stats.has_solution:
            raise InfeasibleError("no design meets every rule on the typical days")
        sizes = small_hm.values(small_cols)
        # typical-day prices of the sizes at these sizes
        small_hm.set_bounds(small_cols, sizes, sizes)
        small_hm.run()
        small_price = small_hm.reduced_costs(small_cols) - correction
        small_hm.set_bounds(small_cols, lo, hi)
        sizes, objective, full_price, repairs = _dispatch_full_year(hm, cols, sizes, lo, hi)
        last = it == CORRECTION_ROUNDS
        report.repairs += repairs
        report.iterations.append({
            "typical_day_objective": float(stats.objective or 0.0),
            "full_year_objective": objective,
            "sizes": dict(zip(keys, map(float, sizes), strict=True)),
            "seconds": time.perf_counter() - t,
        })  # fmt: skip
        if best is None or objective < best[0]:
            best = (objective, sizes)
            report.lower_bound = _lower_bound(objective, full_price, sizes, lo, hi)
        correction = full_price - small_price
        del last
    assert best is not None
    report.seconds["correction"] = sum(i["seconds"] for i in report.iterations)

    t = time.perf_counter()
    hm.set_bounds(cols, best[1], best[1])
    info = solve_loaded(hm, full, options)  # strict physics added lazily as the case asks
    hm.load_into_pyomo()
    report.seconds["final_dispatch"] = time.perf_counter() - t
    report.seconds["total"] = time.perf_counter() - clock
    return full, info, report


def _dispatch_full_year(
    hm: HighsModel, cols: np.ndarray, sizes: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, float, np.ndarray, int]:
    """Dispatch the full year at fixed sizes; raise sizes until every rule holds.

    Returns sizes used, objective, reduced costs of the sizes, and repair steps taken.
    """
    sizes = np.clip(sizes, lo, hi)
    for repairs in range(MAX_REPAIRS + 1):
        hm.set_bounds(cols, sizes, sizes)
        stats = hm.run()
        if stats.has_solution and stats.status == "optimal":
            return sizes, float(stats.objective), hm.reduced_costs(cols), repairs
        grown = np.minimum(sizes * (1 + REPAIR_STEP) + 1.0, hi)
        if np.allclose(grown, sizes):
            break
        sizes = grown
    raise InfeasibleError(
        "the typical-day design cannot meet every rule over the full year, even with "
        "larger sizes; run with --method exact to see which rule fails"
    )


def _lower_bound(
    objective: float, price: np.ndarray, sizes: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> float | None:
    """A valid lower bound on the relaxed full-year optimum from one fixed-size dispatch.

    LP duality with the sizes freed within their bounds:
    ``z* >= z(x) + sum_j min(d_j (lo_j - x_j), d_j (hi_j - x_j))`` with ``d`` the reduced
    costs of the sizes. ``None`` when a size that would pay to grow has no upper bound.
    """
    total = objective
    for d, x, low, high in zip(price, sizes, lo, hi, strict=True):
        down, up = d * (low - x), (d * (high - x) if np.isfinite(high) else (0.0 if d >= 0 else -np.inf))
        total += min(down, up)
    return float(total) if np.isfinite(total) else None
