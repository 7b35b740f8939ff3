"""The fast default method: size on typical days, refine on the full year.

1. Cluster the year into typical days (:mod:`dispatch.solve.aggregate`) and solve
   the sizing model on them, in a thread while the full-year model is built and
   handed to HiGHS once (HiGHS releases the GIL).
2. Fix that design in the full-year model (inside HiGHS, no rebuild) and
   dispatch the full year. A design the full year cannot run is never
   reported: a feasibility cut moves it to the nearest design that can.
3. Refine (:mod:`dispatch.solve.refine`): every full-year dispatch adds a cut
   (its cost and the reduced costs of the sizes); the next design minimises
   the cuts within a trust region and is dispatched warm-started from the
   last basis. The cuts also bound the optimum from below, so the refinement
   stops once the best design is proven close enough. Once a design runs the
   year, the annual rules get priced slacks (K5): a design that breaks one gives
   a penalised cut rather than a long infeasibility proof, and is never reported.
4. Strict physics on the final full-year dispatch, exactly as ``exact`` does.

Every reported figure comes from the full-year dispatch.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pyomo.environ as pyo

from dispatch.case.loader import CaseData
from dispatch.errors import InfeasibleError, SolverError, TypicalDaysInfeasible, UnboundedError
from dispatch.model.build import BuiltModel, build_model
from dispatch.model.horizon import Horizon
from dispatch.solve.aggregate import typical_days
from dispatch.solve.control import set_phase
from dispatch.solve.exact import (
    SolveInfo,
    SolverOptions,
    check_run,
    exclusive_pairs,
    forbid_simultaneous,
    highs_options,
    run_until,
    simultaneous_hours,
    solve_loaded,
)
from dispatch.solve.highs import HighsModel
from dispatch.solve.refine import Elastic, FullYear, Master, Refinement, refine

STRICT_PHASE_SECONDS = 20.0
"""Time for the exclusivity binaries of the final dispatch [s]; beyond it (or beyond
:data:`STRICT_ROUNDS` rounds), hours with both flows keep the larger by LP."""
STRICT_ROUNDS = 3
"""Rounds of exclusivity binaries (or of one-flow restrictions) before the next step."""
STRICT_REPAIRS = 3
"""Most restarts of the refinement after a design that strict physics cannot run."""
TRUST_REGION_FLOOR = 0.05
"""Sizes smaller than this share of peak load move in steps of this size [kW or kWh per kW]."""


@dataclass
class AutoReport:
    """How the fast method reached its answer (``summary.json``: ``solve.auto``)."""

    typical_days: int
    periods: int
    corrections: int
    target_gap: float
    iterations: list[dict[str, Any]] = field(default_factory=list)
    repairs: int = 0
    best_iteration: int = 0
    lower_bound: float | None = None
    gap_to_lower_bound: float | None = None
    local_lower_bound: float | None = None
    local_radius: float | None = None
    local_gap: float | None = None
    cuts: dict[str, int] = field(default_factory=dict)
    stopped: str | None = None
    strict_repairs: list[dict[str, Any]] = field(default_factory=list)
    strict_restricted: bool = False
    """Whether the final dispatch keeps one flow per hour by LP rather than by binaries."""
    """Designs whose relaxed dispatch strict physics could not follow, and the steps
    restricted to one flow before the refinement resumed."""
    elastic: dict[str, Any] = field(default_factory=dict)
    """The slacks of the annual rules during the refinement (K5)."""
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
    """The typical-day sizing model (relaxed physics), compiled for HiGHS."""

    def __init__(self, data: CaseData, n_days: int, options: SolverOptions, n_hours: int) -> None:
        self.horizon = typical_days(data, n_days, n_hours)
        self.built = build_model(data.with_overrides({"physics": "relaxed"}), self.horizon)
        self.hm = HighsModel(self.built.model, highs_options(options))
        self.options = options
        sizes = size_vars(self.built)
        self.keys = list(sizes)
        self.cols = np.array([self.hm.col(sizes[k]) for k in self.keys], dtype=np.int32)

    def solve(self, deadline: float | None = None) -> tuple[np.ndarray, float]:
        """Return the typical-day sizes (in :attr:`keys` order) and the objective."""
        stats = run_until(self.hm, deadline)
        if "limit" in stats.status:  # no use for a typical-day design that is not optimal
            stats = replace(stats, has_solution=False)
        try:
            check_run(stats, self.options)
        except InfeasibleError as exc:  # the full year may still meet every rule
            raise TypicalDaysInfeasible(str(exc)) from exc
        x = self.hm.values()
        sizes = np.array([x[c] if c >= 0 else np.nan for c in self.cols])
        return sizes, float(stats.objective or 0.0)


@dataclass
class Prepared:
    """The two models of the fast method, compiled into HiGHS and kept for re-solves."""

    sizing: _Sizing
    full: BuiltModel
    hm: HighsModel
    basis: Any = None
    """The basis of the last run's best full-year dispatch: the next run starts from it
    (the strict-physics solve that ended that run leaves HiGHS without a usable one)."""


def solve_auto(
    data: CaseData,
    options: SolverOptions,
    n_days: int,
    corrections: int,
    horizon: Horizon | None = None,
    gap: float = 0.0025,
    prepared: Prepared | None = None,
) -> tuple[BuiltModel, SolveInfo, AutoReport]:
    """Size on typical days, refine on the full year, and dispatch the full year.

    Parameters
    ----------
    data : CaseData
        The case.
    options : SolverOptions
        Solver limits (the time limit applies to the final dispatch).
    n_days : int
        Typical days (case key ``solver.typical_days``).
    corrections : int
        Most full-year refinement dispatches after the first design
        (``solver.corrections``).
    horizon : Horizon, optional
        The chronological horizon to dispatch (the full year by default; a
        shorter one in whole days for tests and scaling).
    gap : float
        Stop refining once the best design is proven within this share of the
        optimum (``solver.auto_gap``).
    prepared : Prepared, optional
        Both models already compiled into HiGHS with this case's numbers (a re-solve
        in place, :mod:`dispatch.resolve`): no build, warm-started dispatches.

    Returns
    -------
    tuple
        The full-year model with the final solution loaded, its solve report,
        and how it was obtained.
    """
    clock = time.perf_counter()
    limit = options.time_limit_seconds
    deadline = None if limit is None else clock + limit
    horizon = horizon or Horizon.full_year(data.case.year)
    sizing = prepared.sizing if prepared else _Sizing(data, n_days, options, horizon.n_steps)
    report = AutoReport(n_days, sizing.horizon.n_periods, corrections, gap)
    report.seconds["typical_days"] = time.perf_counter() - clock
    first: dict[str, Any] = {}

    def size_first() -> None:
        try:
            first["result"] = sizing.solve(deadline)
        except BaseException as exc:  # re-raised in the main thread
            first["error"] = exc

    set_phase("typical-day sizing")
    worker = threading.Thread(target=size_first, daemon=True)
    worker.start()  # HiGHS releases the GIL: the sizing model solves while Pyomo builds
    t = time.perf_counter()
    if prepared:
        full, hm = prepared.full, prepared.hm
    else:
        full = build_model(data, horizon)
        if "error" in first:  # the sizing failed (unbounded, infeasible): no use handing over
            raise first["error"]
        hm = HighsModel(full.model, highs_options(options))
    full_sizes = size_vars(full)
    keys = [k for k in sizing.keys if hm.col(full_sizes[k]) >= 0]
    cols = np.array([hm.col(full_sizes[k]) for k in keys], dtype=np.int32)
    report.seconds["full_year_build"] = time.perf_counter() - t
    worker.join()
    report.seconds["typical_day_sizing"] = time.perf_counter() - clock
    if "error" in first:
        raise first["error"]
    small_sizes, small_objective = first["result"]
    start = np.array([small_sizes[sizing.keys.index(k)] for k in keys])

    t = time.perf_counter()
    set_phase("full-year refinement")
    floor = TRUST_REGION_FLOOR * float(np.max(data.series["load_kw"]))
    master = Master(hm, cols, max(floor, 1.0))
    elastic = Elastic(hm, rule_rows(full, hm))  # before the basis: a run's basis includes it
    basis = prepared.basis if prepared is not None else None
    if basis is not None:
        hm.set_basis(basis)
    warm = basis is not None
    year = FullYear(hm, master.cols, deadline, options, warm=warm, elastic=elastic)
    result = refine(year, master, start, corrections, gap)
    elastic.stop()  # the rules rigid from here on: the final dispatch, strict repairs
    report.elastic = elastic.report()
    report.seconds["refinement"] = time.perf_counter() - t

    t = time.perf_counter()
    set_phase("full-year dispatch, strict physics")
    info, result = _strict(full, hm, year, master, result, options, deadline, report, keys)
    if prepared is not None:
        prepared.basis = result.best.basis
    _record(report, result, master, keys, small_objective)
    hm.load_into_pyomo()
    if result.timed_out:
        info.status = "time_limit"
        info.warnings.append(
            "the time limit stopped the full-year refinement of the sizes: the design is the "
            "best found so far (see solve.auto for its bounds)"
        )
    if report.lower_bound is not None:
        report.gap_to_lower_bound = max(0.0, 1.0 - report.lower_bound / info.objective)
    if report.local_lower_bound is not None:
        report.local_gap = max(0.0, 1.0 - report.local_lower_bound / info.objective)
    report.seconds["final_dispatch"] = time.perf_counter() - t
    report.seconds["total"] = time.perf_counter() - clock
    return full, info, report


def rule_rows(full: BuiltModel, hm: HighsModel) -> np.ndarray:
    """Return the rows of the annual rules (R4-R9) in the compiled full-year model."""
    found = [hm.rows(con) for r in full.rules
             if (con := full.model.component(f"rule_{r.name}")) is not None]  # fmt: skip
    return np.concatenate(found).astype(np.int32) if found else np.zeros(0, dtype=np.int32)


def _strict(
    full: BuiltModel,
    hm: HighsModel,
    year: FullYear,
    master: Master,
    result: Refinement,
    options: SolverOptions,
    deadline: float | None,
    report: AutoReport,
    keys: list[str],
) -> tuple[SolveInfo, Refinement]:
    """Apply strict physics to the best design's dispatch, as ``exact`` does.

    The relaxed dispatch may meet a binding rule only by charging and discharging
    (or importing and exporting) in the same hour, which strict physics forbids:
    the design then cannot run the year. Each time, the flows of those hours are
    restricted to the larger one (a restriction of the relaxed model that strict
    physics allows) and the refinement resumes from the best design, its cuts
    still valid; after :data:`STRICT_REPAIRS` attempts the case is reported as
    beyond the fast method.
    """
    pairs = exclusive_pairs(full)
    mark = hm.checkpoint()
    for attempt in range(STRICT_REPAIRS + 1):
        if year.held is not result.best:  # HiGHS holds another design: restore the best
            year.restore(result.best)
        phase = time.perf_counter() + STRICT_PHASE_SECONDS
        left = max(
            (phase if deadline is None else min(deadline, phase)) - time.perf_counter(), 0.01
        )
        try:
            try:
                info = solve_loaded(
                    hm, full, replace(options, time_limit_seconds=left), presolved=True,
                    max_rounds=STRICT_ROUNDS,
                )  # fmt: skip
                if info.status == "optimal" and not simultaneous_hours(hm, pairs):
                    return info, result
            except SolverError as exc:  # the phase's seconds ran out with no strict dispatch
                out_of_run_time = deadline is not None and time.perf_counter() >= deadline
                if isinstance(exc, UnboundedError) or out_of_run_time:
                    raise
            hm.rollback(mark)  # the binaries do not settle it: one flow per hour, by LP
            year.restore(result.best)
            if _restricted(hm, year, pairs, result.best):
                report.strict_restricted = True
                rest = None if deadline is None else max(deadline - time.perf_counter(), 0.01)
                info = solve_loaded(hm, full, replace(options, time_limit_seconds=rest),
                                    presolved=True)  # fmt: skip
                return info, result
        except InfeasibleError:
            pass
        if attempt == STRICT_REPAIRS:
            break
        hm.rollback(mark)
        year.restore(result.best)  # its relaxed dispatch: which hours it needs both flows
        restricted = 0
        for _ in range(STRICT_REPAIRS * 4):  # until the best design's dispatch needs none
            found = forbid_simultaneous(hm, pairs)
            restricted += found
            if not found or year.evaluate(result.best.design).objective is None:
                break
        if not restricted:
            break
        sizes = master.sizes(result.best.design)
        report.strict_repairs.append({
            "restricted_steps": restricted,
            "sizes": dict(zip(keys, map(float, sizes), strict=True)),
        })  # fmt: skip
        year.held = None
        again = refine(year, master, sizes, report.corrections, report.target_gap)
        again.history = result.history + again.history
        again.repairs += result.repairs
        result = again
    raise InfeasibleError(
        "the best design found meets every rule only by charging and discharging (or "
        "importing and exporting) in the same hour, which strict physics forbids; run "
        "with --method exact"
    )


def _restricted(hm: HighsModel, year: FullYear, pairs: list[Any], best: Any) -> bool:
    """Dispatch ``best`` with one flow per pair and hour, by LP; whether that ran the year.

    HiGHS holds the relaxed dispatch of ``best``. Hours with both flows keep the
    larger (:func:`forbid_simultaneous`) and the LP is solved again, a few times;
    the last time every flow that is zero stays zero, so no hour can take up both.
    The result obeys strict physics (a restriction of the strict model), at a cost
    no lower than the exact strict dispatch of the design.
    """
    lower, upper = hm.col_lower.copy(), hm.col_upper.copy()
    for last in [False] * (STRICT_ROUNDS + 1) + [True]:
        if not forbid_simultaneous(hm, pairs, everywhere=last):
            return True
        if year.evaluate(best.design).objective is None:
            break
    if not simultaneous_hours(hm, pairs) and year.held and year.held.objective is not None:
        return True
    changed = np.flatnonzero((lower != hm.col_lower) | (upper != hm.col_upper))
    hm.restrict(changed, lower[changed], upper[changed])  # undo: the model as it was
    return False


def _record(
    report: AutoReport, result: Refinement, master: Master, keys: list[str], small: float
) -> None:
    """Fill the report from a refinement."""
    for i, ev in enumerate(result.history):
        report.iterations.append({
            "typical_day_objective": small if i == 0 else None,
            "full_year_objective": ev.objective,
            "feasible": ev.objective is not None,
            "penalised_objective": ev.penalised,
            "lower_bound": ev.lower_bound,
            "sizes": dict(zip(keys, map(float, master.sizes(ev.design)), strict=True)),
            "seconds": ev.seconds,
        })  # fmt: skip
        if ev is result.best:
            report.best_iteration = i
    report.repairs = result.repairs
    report.lower_bound = result.lower_bound
    if result.local_bound is not None:
        report.local_lower_bound, report.local_radius = result.local_bound
    report.stopped = result.stopped
    report.cuts = {"optimality": len(master.optimality), "feasibility": len(master.feasibility)}
