"""Hand a built model to HiGHS and read back status, bound, gap and timings."""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Any

from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from dispatch.errors import InfeasibleError, SolverError, UnboundedError
from dispatch.model.build import BuiltModel


@dataclass
class SolverOptions:
    """How to run HiGHS.

    Attributes
    ----------
    time_limit_seconds : float or None
        Wall-time limit; ``None`` for none.
    mip_gap : float
        Relative MIP gap at which HiGHS stops.
    threads : int or None
        Solver threads; ``None`` lets HiGHS choose.
    """

    time_limit_seconds: float | None = None
    mip_gap: float = 1e-6
    threads: int | None = None


@dataclass
class SolveInfo:
    """What the solver reported.

    Attributes
    ----------
    status : str
        ``optimal``, ``feasible`` (stopped early with a solution) or another condition.
    termination : str
        HiGHS termination condition, as Pyomo names it.
    objective : float
        Objective of the returned solution [currency/year].
    best_bound : float
        Best proven lower bound [currency/year].
    mip_gap : float
        Relative gap between objective and bound (0 for an LP solved to optimality).
    handoff_seconds, solve_seconds : float
        Time to pass the model to HiGHS, and HiGHS' own run time.
    """

    status: str
    termination: str
    objective: float
    best_bound: float
    mip_gap: float
    handoff_seconds: float
    solve_seconds: float
    solver: str = "highs"

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as a plain dict."""
        return asdict(self)


def solve(built: BuiltModel, options: SolverOptions | None = None) -> SolveInfo:
    """Solve a built model with HiGHS and load the solution into it.

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
    opt = Highs()
    highs_options: dict[str, Any] = {"mip_rel_gap": options.mip_gap}
    if options.threads:
        highs_options["threads"] = options.threads
    config: dict[str, Any] = {
        "load_solutions": False,
        "raise_exception_on_nonoptimal_result": False,
        "solver_options": highs_options,
    }
    if options.time_limit_seconds is not None:
        config["time_limit"] = options.time_limit_seconds
    start = time.perf_counter()
    opt.set_instance(built.model)
    handoff = time.perf_counter() - start
    res = opt.solve(built.model, **config)
    tc = res.termination_condition
    solve_seconds = float(getattr(res.timing_info, "highs_time", None) or 0.0)
    check_termination(tc, res.solution_status, options)
    res.solution_loader.load_vars()
    objective = float(res.incumbent_objective)
    bound = res.objective_bound
    bound = float(bound) if bound is not None and math.isfinite(bound) else objective
    gap = abs(objective - bound) / max(abs(objective), 1e-9)
    status = "optimal" if tc == TerminationCondition.convergenceCriteriaSatisfied else "feasible"
    return SolveInfo(
        status=status,
        termination=tc.name,
        objective=objective,
        best_bound=bound,
        mip_gap=gap if status != "optimal" or gap > 1e-12 else 0.0,
        handoff_seconds=handoff,
        solve_seconds=solve_seconds,
    )


_TROUBLE = {
    TerminationCondition.maxTimeLimit: "reached its time limit{limit}",
    TerminationCondition.iterationLimit: "reached its iteration limit",
    TerminationCondition.objectiveLimit: "reached an objective limit",
    TerminationCondition.minStepLength: "ran into numerical trouble (minimum step length)",
    TerminationCondition.error: "stopped with an error (numerical trouble?)",
    TerminationCondition.emptyModel: "was given an empty model",
    TerminationCondition.unknown: "stopped for an unknown reason (numerical trouble?)",
    TerminationCondition.locallyInfeasible: "found the model locally infeasible",
    TerminationCondition.licensingProblems: "had a licensing problem",
}


def check_termination(
    tc: TerminationCondition, solution: SolutionStatus, options: SolverOptions
) -> None:
    """Raise the error that matches a solver stop without a usable solution.

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
    if tc == TerminationCondition.provenInfeasible:
        raise InfeasibleError("the case is infeasible: no design meets every rule and limit")
    if tc == TerminationCondition.unbounded:
        raise UnboundedError("the model is unbounded: a cost runs to minus infinity")
    if tc == TerminationCondition.infeasibleOrUnbounded:
        raise UnboundedError("the model is infeasible or unbounded", proven=False)
    if tc == TerminationCondition.interrupted:
        raise KeyboardInterrupt
    if solution in (SolutionStatus.optimal, SolutionStatus.feasible):
        return
    limit = options.time_limit_seconds
    reason = _TROUBLE.get(tc, f"stopped ({tc.name})").format(
        limit=f" of {limit:g} s" if limit is not None else ""
    )
    hint = (
        "raise the time limit (--time-limit) or shorten the case"
        if tc in (TerminationCondition.maxTimeLimit, TerminationCondition.iterationLimit)
        else "check the case for values off by orders of magnitude (prices, sizes, profiles)"
    )
    raise SolverError(f"HiGHS {reason} before finding any feasible design; {hint}")
