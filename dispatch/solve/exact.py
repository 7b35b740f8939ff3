"""Solve a built model with HiGHS, strict physics included.

Strict physics (no import and export, no charge and discharge, in one hour)
is enforced lazily and exactly: solve without the exclusivity binaries, find
the hours where both flows of a pair are positive, add binaries for just
those hours (X1-X2 in docs/formulation.md) and solve again, until no hour
breaks it. The restricted problem relaxes the full one, so its optimum, once
it breaks no hour, is optimal for the full problem too.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import highspy
import numpy as np

from dispatch.errors import DispatchError, InfeasibleError, SolverError, UnboundedError
from dispatch.model.build import BuiltModel
from dispatch.model.technologies.base import ExclusivePair
from dispatch.solve.control import run_time_limit
from dispatch.solve.highs import HighsModel, OptionValue, RunStats

EXACT_MIP_GAP = 1e-6
"""Relative MIP gap of ``--method exact``: optimal to solver precision."""
FLOW_TOLERANCE_KW = 1e-4
"""A flow below this is zero when checking simultaneous flows [kW]."""
MAX_LAZY_ROUNDS = 25
STRICT_REPAIR_SECONDS = 30.0
"""Most time a run stopped by its time limit spends making its incumbent strict [s]."""


@dataclass
class SolverOptions:
    """How to run HiGHS.

    Attributes
    ----------
    time_limit_seconds : float or None
        Wall-time limit for the whole solve; ``None`` for none.
    mip_gap : float
        Relative MIP gap at which HiGHS stops.
    threads : int or None
        Solver threads; ``None`` lets HiGHS choose.
    """

    time_limit_seconds: float | None = None
    mip_gap: float = 0.005
    threads: int | None = None


@dataclass
class SolveInfo:
    """What the solver reported.

    Attributes
    ----------
    status : str
        ``optimal``, or ``time_limit`` when stopped early with a feasible solution.
    termination : str
        HiGHS model status of the last run.
    objective : float
        Objective of the returned solution [currency/year].
    best_bound : float
        Best proven lower bound [currency/year].
    mip_gap : float
        Relative gap between objective and bound (0 for an LP solved to optimality).
    handoff_seconds, solve_seconds : float
        Time to pass the model to HiGHS, and HiGHS' own run time (all rounds).
    physics : str
        ``strict`` or ``relaxed``.
    binaries : int
        Exclusivity binaries added for strict physics (plus integer sizes).
    lazy_rounds : int
        Re-solves needed until no hour broke strict physics.
    """

    status: str
    termination: str
    objective: float
    best_bound: float
    mip_gap: float
    handoff_seconds: float
    solve_seconds: float
    physics: str = "strict"
    binaries: int = 0
    lazy_rounds: int = 0
    solver: str = "highs"
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as a plain dict."""
        return asdict(self)


def highs_options(options: SolverOptions) -> dict[str, OptionValue]:
    """Translate :class:`SolverOptions` into HiGHS option values."""
    out: dict[str, OptionValue] = {"mip_rel_gap": float(options.mip_gap)}
    if options.threads:
        out["threads"] = int(options.threads)
    return out


def solve(built: BuiltModel, options: SolverOptions | None = None) -> SolveInfo:
    """Solve a built model and load the solution into its Pyomo variables.

    Parameters
    ----------
    built : BuiltModel
        The model.
    options : SolverOptions, optional
        Limits and tolerances.

    Returns
    -------
    SolveInfo
        Status, objective, bound, gap and timings.

    Raises
    ------
    InfeasibleError
        The model has no feasible solution.
    SolverError
        HiGHS stopped without a usable solution.
    """
    options = options or SolverOptions()
    hm = HighsModel(built.model, highs_options(options))
    info = solve_loaded(hm, built, options)
    hm.load_into_pyomo()
    return info


def solve_loaded(
    hm: HighsModel,
    built: BuiltModel,
    options: SolverOptions,
    strict: bool | None = None,
    presolved: bool = False,
    max_rounds: int | None = None,
    pairs: list[ExclusivePair] | None = None,
) -> SolveInfo:
    """Run HiGHS on a model already passed to it, adding strict-physics binaries lazily.

    The solution stays in ``hm``; call ``hm.load_into_pyomo()`` to read it in Pyomo.
    ``strict`` overrides the case's ``physics`` setting. ``presolved`` means HiGHS
    already holds the optimum of the current model: the first run is skipped.
    ``max_rounds`` stops adding binaries after that many rounds and leaves any hour
    still broken to the caller (by default, the last of :data:`MAX_LAZY_ROUNDS`
    rounds guards every hour).
    ``pairs`` are the flows strict physics keeps apart; by default those of
    ``built``'s technologies (a model of several periods passes all of theirs).
    """
    start = time.perf_counter()
    deadline = None if options.time_limit_seconds is None else start + options.time_limit_seconds
    if strict is None:
        strict = built.data.case.physics == "strict"
    if pairs is None:
        pairs = exclusive_pairs(built)
    guarded = {p.name: np.zeros(len(p.a), dtype=bool) for p in pairs}
    heuristic_m: dict[str, float] = {}
    solve_seconds, rounds = 0.0, 0
    warnings: list[str] = []
    if strict and not presolved:  # guard the hours where the prices reward both flows
        for pair in pairs:
            if pair.incentive is not None and pair.incentive.any():
                hours = np.flatnonzero(pair.incentive)
                _guard(hm, pair, hours, guarded, heuristic_m, first_solve=True)
    while True:
        stats = hm.last_stats if presolved and hm.last_stats else run_until(hm, deadline)
        presolved = False
        solve_seconds += stats.seconds
        check_termination(stats.status, stats.has_solution, options)
        if not strict or not stats.has_solution or stats.status != "optimal":
            break
        new = _violations(hm, pairs, guarded)
        if not new:
            break
        if max_rounds is not None and rounds >= max_rounds:
            break
        if rounds >= MAX_LAZY_ROUNDS:
            warnings.append(f"strict physics still broken after {rounds} rounds")
            break
        for pair, hours in new:
            if pair.incentive is not None:  # with the violators, every rewarded hour
                hours = np.union1d(hours, np.flatnonzero(pair.incentive & ~guarded[pair.name]))
            if rounds == MAX_LAZY_ROUNDS - 1:  # last round: guard every hour of the pair
                hours = np.flatnonzero(~guarded[pair.name])
            _guard(hm, pair, hours, guarded, heuristic_m)
        rounds += 1
    warnings += _binding_heuristic_bounds(hm, pairs, guarded, heuristic_m)
    status = "optimal" if stats.status == "optimal" else "time_limit"
    bound = stats.best_bound
    if status != "optimal":
        warnings.append(
            f"stopped at the time limit with a feasible design, gap {stats.mip_gap:.2%}"
        )
        if strict and simultaneous_hours(hm, pairs):  # hours no binary guarded yet
            stats = _strict_incumbent(hm, built, pairs, stats)
            solve_seconds += stats.seconds
            broken = simultaneous_hours(hm, pairs)
            if broken:
                listed = ", ".join(f"{n} hours of {name}" for name, n in broken.items())
                warnings.append(
                    f"THE DISPATCH IS NOT STRICT: the time limit stopped the solve before "
                    f"strict physics held in every hour ({listed}); raise --time-limit"
                )
    objective = float(stats.objective)  # type: ignore[arg-type]
    bound = bound if bound is not None else objective
    bound = bound if math.isfinite(bound) else objective
    gap = max(0.0, (objective - bound) / max(abs(objective), 1e-9))
    return SolveInfo(
        status=status,
        termination=stats.status,
        objective=objective,
        best_bound=float(bound),
        mip_gap=gap if gap > 1e-12 else 0.0,
        handoff_seconds=hm.handoff_seconds,
        solve_seconds=solve_seconds,
        physics="strict" if strict else "relaxed",
        binaries=hm.n_integer,
        lazy_rounds=rounds,
        warnings=warnings,
    )


def _strict_incumbent(
    hm: HighsModel, built: BuiltModel, pairs: list[ExclusivePair], stats: RunStats
) -> RunStats:
    """Make a timed-out incumbent strict, if a short LP can; return the run to report.

    The incumbent of a time-limited solve obeys strict physics only in the hours that
    already have binaries. With its sizes and integer choices fixed and, in every
    other hour with both flows of a pair, only the larger flow allowed, the rest is
    an LP (a restriction of the strict model, so any solution is a strict dispatch).
    It gets :data:`STRICT_REPAIR_SECONDS`. When it fails, HiGHS keeps the incumbent.
    """
    x = hm.values()
    n_model = len(hm.columns)
    fixed = np.r_[np.flatnonzero(hm.integer), np.arange(n_model, hm.highs.getNumCol())]
    sizes = [hm.col(v) for n, t in built.technologies.items()
             for v in t.size_vars(built.model.component(n)).values()]  # fmt: skip
    fixed = np.union1d(fixed, [c for c in sizes if c >= 0]).astype(np.int32)
    values = np.where(np.isin(fixed, np.flatnonzero(hm.integer)) | (fixed >= n_model),
                      np.round(x[fixed]), x[fixed])  # fmt: skip
    lower, upper = hm.bounds(fixed)
    hm.set_bounds(fixed, values, values)
    forbid_simultaneous(hm, pairs, everywhere=True)
    hm.set_option("time_limit", STRICT_REPAIR_SECONDS)
    repaired = hm.run()
    if repaired.status == "optimal" and not simultaneous_hours(hm, pairs):
        return replace(repaired, status=stats.status, best_bound=stats.best_bound)
    hm.set_bounds(fixed, lower, upper)
    hm.highs.setSolution(_solution(x))
    return replace(stats, seconds=repaired.seconds)


def _solution(x: np.ndarray) -> highspy.HighsSolution:
    """Return a HiGHS solution holding the column values ``x``."""
    solution = highspy.HighsSolution()
    solution.col_value = list(x)
    solution.value_valid = True
    return solution


def exclusive_pairs(built: BuiltModel) -> list[ExclusivePair]:
    """Return every pair of flows that strict physics keeps apart (X1-X2)."""
    return [p for n, t in built.technologies.items()
            for p in t.exclusive_pairs(built.model.component(n))]  # fmt: skip


def simultaneous_hours(hm: HighsModel, pairs: list[ExclusivePair]) -> dict[str, int]:
    """Return, per pair with any, the steps of HiGHS' solution where both flows are positive."""
    x = hm.values()
    out = {}
    for pair in pairs:
        both = (x[hm.cols(pair.a)] > FLOW_TOLERANCE_KW) & (x[hm.cols(pair.b)] > FLOW_TOLERANCE_KW)
        if both.any():
            out[pair.name] = int(both.sum())
    return out


def forbid_simultaneous(
    hm: HighsModel, pairs: list[ExclusivePair], everywhere: bool = False
) -> int:
    """Keep only the larger flow of each pair in the steps where HiGHS' solution has both.

    Bounds the smaller flow of such a step to zero (a restriction: every solution
    of the restricted model obeys strict physics in those steps). ``everywhere``
    also holds at zero every flow that is zero in the solution, so that no step
    can take up both flows again. Returns how many steps had both.
    """
    x = hm.values()
    count = 0
    for pair in pairs:
        cols_a, cols_b = hm.cols(pair.a), hm.cols(pair.b)
        a, b = x[cols_a], x[cols_b]
        both = (a > FLOW_TOLERANCE_KW) & (b > FLOW_TOLERANCE_KW)
        off = np.where(a < b, cols_a, cols_b)[both]
        if everywhere:
            off = np.r_[off, cols_a[a <= FLOW_TOLERANCE_KW], cols_b[b <= FLOW_TOLERANCE_KW]]
        if off.size:
            hm.restrict(off, np.zeros(off.size), np.zeros(off.size))
        count += int(both.sum())
    return count


def run_until(hm: HighsModel, deadline: float | None) -> RunStats:
    """Run HiGHS with the time left before ``deadline`` (a ``time.perf_counter()`` value)."""
    if deadline is not None:
        hm.set_option("time_limit", max(deadline - time.perf_counter(), 0.01))
    return hm.run()


_TROUBLE = {
    "time limit reached": "reached its time limit{limit}",
    "iteration limit reached": "reached its iteration limit",
    "solution limit reached": "reached its solution limit",
    "memory limit reached": "ran out of memory",
    "bound on objective reached": "reached an objective bound",
    "target for objective reached": "reached an objective target",
    "load error": "could not load the model (numerical trouble?)",
    "model error": "found an error in the model (numerical trouble?)",
    "presolve error": "failed in presolve (numerical trouble?)",
    "solve error": "failed while solving (numerical trouble?)",
    "postsolve error": "failed in postsolve (numerical trouble?)",
    "empty": "was given an empty model",
    "unknown": "stopped for an unknown reason (numerical trouble?)",
    "not set": "returned no status: it refused to start the solve",
}
_LIMITS = ("time limit reached", "iteration limit reached", "solution limit reached")


def check_termination(status: str, has_solution: bool, options: SolverOptions) -> None:
    """Raise the error that matches a HiGHS stop without a usable solution.

    Parameters
    ----------
    status : str
        HiGHS model status, lower-case (``optimal``, ``infeasible``, ``time limit reached``...).
    has_solution : bool
        Whether HiGHS holds a feasible solution.
    options : SolverOptions
        The limits the run had, for messages.

    Raises
    ------
    InfeasibleError
        Proven infeasible.
    UnboundedError
        Unbounded, or "infeasible or unbounded" (``proven=False``).
    KeyboardInterrupt
        The solve was interrupted.
    SolverError
        Any other stop without a solution, with a message that says why.
    """
    if status == "optimal" or (has_solution and "limit" in status):
        return
    if status == "infeasible":
        raise InfeasibleError("the case is infeasible: no design meets every rule and limit")
    if "infeasible or unbounded" in status:
        raise UnboundedError("the model is infeasible or unbounded", proven=False)
    if "unbounded" in status:
        raise UnboundedError(
            "the model is unbounded: a size can grow without limit because it pays for itself"
        )
    if status.startswith("interrupted"):
        raise KeyboardInterrupt
    limit = run_time_limit() or options.time_limit_seconds  # the run's, not a phase's rest
    reason = _TROUBLE.get(status, f"stopped ({status})").format(
        limit=f" of {limit:g} s" if limit is not None else ""
    )
    if status in _LIMITS:
        hint = "raise the time limit (--time-limit) or shorten the case"
    elif status == "not set":  # an option HiGHS rejected, not the case: say nothing of it
        hint = "re-run with --debug and report it"
    else:
        hint = "check the case for values off by orders of magnitude (prices, sizes, profiles)"
    raise SolverError(f"HiGHS {reason} before finding any feasible design; {hint}")


def out_of_time(exc: DispatchError, limit: float | None) -> DispatchError:
    """Return the error for a solve whose diagnosis the time limit left no time for.

    Proven infeasible or unbounded stay so (exit 3, 4), saying that the limit cut the
    explanation short; "infeasible or unbounded", which only the diagnosis resolves,
    becomes a time-limit error (exit 4).
    """
    within = f"the time limit of {limit:g} s" if limit is not None else "the time limit"
    raise_it = "raise it (--time-limit) to see why"
    if isinstance(exc, InfeasibleError):
        return InfeasibleError(f"{exc}; {within} left no time to explain which rule or limit "
                               f"fails: {raise_it}")  # fmt: skip
    if isinstance(exc, UnboundedError) and exc.proven:
        return UnboundedError(f"{exc}; {within} left no time to name it: {raise_it}")
    return SolverError(
        f"HiGHS reached {within} before it could tell whether the case is infeasible or "
        "unbounded; raise the time limit (--time-limit)"
    )


def check_run(stats: RunStats, options: SolverOptions | None = None) -> None:
    """Raise the right error for a run that gave no usable solution (:func:`check_termination`)."""
    check_termination(stats.status, stats.has_solution, options or SolverOptions())


def _violations(
    hm: HighsModel, pairs: list[ExclusivePair], guarded: dict[str, np.ndarray]
) -> list[tuple[ExclusivePair, np.ndarray]]:
    """Hours, per pair, where both flows are positive and no binary guards them yet."""
    x = hm.values()
    out = []
    for pair in pairs:
        a, b = x[hm.cols(pair.a)], x[hm.cols(pair.b)]
        both = (a > FLOW_TOLERANCE_KW) & (b > FLOW_TOLERANCE_KW) & ~guarded[pair.name]
        if both.any():
            out.append((pair, np.flatnonzero(both)))
    return out


def _guard(
    hm: HighsModel,
    pair: ExclusivePair,
    hours: np.ndarray,
    guarded: dict[str, np.ndarray],
    heuristic_m: dict[str, float],
    first_solve: bool = False,
) -> int:
    """Add (X1)/(X2) binaries for some steps of a pair; return how many."""
    bound = _case_bound(hm, pair)
    if bound is None:
        if first_solve:  # no solution yet to derive a bound from: stay lazy for this pair
            return 0
        bound = heuristic_m[pair.name] = _big_m(hm, pair)
    cols_a, cols_b = hm.cols(pair.a)[hours], hm.cols(pair.b)[hours]
    guarded[pair.name][hours] = True
    return hm.add_exclusive(cols_a, cols_b, np.full(hours.size, bound))


def _binding_heuristic_bounds(
    hm: HighsModel,
    pairs: list[ExclusivePair],
    guarded: dict[str, np.ndarray],
    heuristic_m: dict[str, float],
) -> list[str]:
    """Warn when a flow reached a bound that the case did not give (see :func:`_big_m`)."""
    out = []
    x = hm.values()
    for pair in pairs:
        big_m = heuristic_m.get(pair.name)
        hours = guarded[pair.name]
        if big_m is None or not hours.any():
            continue
        peak = max(x[hm.cols(pair.a)][hours].max(), x[hm.cols(pair.b)][hours].max())
        if peak >= big_m * (1 - 1e-6):
            out.append(
                f"{pair.name}: a flow reached the derived bound {big_m:,.0f} kW; give the "
                "technology a max_kw (or grid.max_connection_kw) to make strict physics exact"
            )
    return out


def _case_bound(hm: HighsModel, pair: ExclusivePair) -> float | None:
    """Return the bound the case or a fixed size gives a pair, or ``None``."""
    if pair.limit is not None and hm.col(pair.limit) >= 0:
        lo, hi = hm.bounds(np.array([hm.col(pair.limit)]))
        if math.isfinite(hi[0]) and hi[0] - lo[0] < 1e-9:
            return max(float(hi[0]), 1e-6)
    if pair.bound is not None and math.isfinite(pair.bound):
        return float(pair.bound)
    return None


def _big_m(hm: HighsModel, pair: ExclusivePair) -> float:
    """Bound on both flows of a pair: the tightest the case and the solver state give.

    A size the solver holds fixed (the fast method's dispatch) bounds the flows
    exactly; else the case's fixed or maximum size. Without either, twice the
    largest flow of the unrestricted solution: the relaxation's sizes are a lower
    bound on what an optimal strict design needs; :func:`_binding_heuristic_bounds`
    warns if a flow reaches it.
    """
    bound = _case_bound(hm, pair)
    if bound is not None:
        return bound
    x = hm.values()
    peak = max(float(x[hm.cols(pair.a)].max()), float(x[hm.cols(pair.b)].max()), 1.0)
    return 2.0 * peak
