"""Run a case: load, build, solve, and collect results. The one path every caller uses."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from dispatch.case.loader import CaseData, load_case
from dispatch.errors import DispatchError, InfeasibleError, TypicalDaysInfeasible, UnboundedError
from dispatch.model.build import BuiltModel, build_model
from dispatch.model.free_sizes import zero_price_notes
from dispatch.model.horizon import Horizon
from dispatch.results import bill as billing
from dispatch.results import extract
from dispatch.results.financials import financial_block
from dispatch.results.quality import solution_quality
from dispatch.results.result import RunOutput
from dispatch.results.summary import summarize
from dispatch.solve.auto import solve_auto
from dispatch.solve.baseline import baseline_dispatch
from dispatch.solve.control import controlled_run, deadline_passed, set_phase
from dispatch.solve.exact import EXACT_MIP_GAP, SolveInfo, SolverOptions, out_of_time, solve
from dispatch.solve.screen import screen_case
from dispatch.timegrid import HOURS_PER_YEAR

METHODS = ("auto", "exact")
"""``auto`` (default): typical-day sizing, full-year dispatch; ``exact``: the full model."""


def resolve_options(data: CaseData, given: SolverOptions | None, method: str) -> SolverOptions:
    """Merge solver options: explicit ones over the case's ``solver:`` section.

    ``exact`` tightens the MIP gap to :data:`EXACT_MIP_GAP` whatever was asked.
    """
    case_solver = data.case.solver
    base = given or SolverOptions(
        time_limit_seconds=case_solver.time_limit_seconds,
        mip_gap=case_solver.mip_gap,
        threads=case_solver.threads,
    )
    if method == "exact":
        base = SolverOptions(
            base.time_limit_seconds, min(base.mip_gap, EXACT_MIP_GAP), base.threads
        )
    return base


TYPICAL_DAYS_FELL_BACK = (
    "no design meets every rule on the typical days (they average away some of the year's "
    "hours), so the full year was solved with --method exact"
)
"""Warning of an ``auto`` run whose typical-day sizing was infeasible."""


def solve_case(
    case: str | Path | CaseData,
    method: str = "auto",
    options: SolverOptions | None = None,
    horizon: Horizon | None = None,
    diagnose: bool = True,
    what_if: dict[str, Any] | None = None,
) -> RunOutput:
    """Solve a case and return its results.

    Parameters
    ----------
    case : str, pathlib.Path or CaseData
        A case file, or an already loaded case.
    method : str
        ``auto`` (typical-day sizing corrected on the full year, then full-year
        dispatch) or ``exact`` (the full model solved to optimality).
    options : SolverOptions, optional
        Solver limits and tolerances.
    horizon : Horizon, optional
        Model steps; the full year by default (shorter horizons serve tests).
    diagnose : bool
        On an infeasible or unbounded case, re-solve to explain it in the park's
        terms (:mod:`dispatch.solve.diagnose`); ``False`` fails fast (sweeps).
    what_if : dict, optional
        How the run differs from its case file: ``overrides`` (dotted key to value) and
        ``scenario`` names; recorded with the method and horizon as ``summary["run"]``.

    Returns
    -------
    RunOutput
        Summary and hourly table.

    Raises
    ------
    InfeasibleError
        No design meets the rules and limits; ``diagnosis`` says which must give.
    UnboundedError
        A size runs away; ``diagnosis`` names it.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    start = time.perf_counter()
    data = case if isinstance(case, CaseData) else load_case(case)
    load_seconds = time.perf_counter() - start
    given, options = options, resolve_options(data, options, method)
    if horizon is None and data.case.solver.horizon_hours is not None:
        horizon = Horizon.full_year(data.case.year, data.case.solver.horizon_hours)
    run_info = run_record(method, horizon, what_if)
    auto_report = None
    steps = horizon.n_steps if horizon is not None else HOURS_PER_YEAR
    if method == "auto" and (steps % 24 or steps < 48):
        method = "exact"  # typical days need whole days: a horizon this short is solved exactly
    with controlled_run(options.time_limit_seconds, options.threads):
        screen_case(data, horizon)  # refuse what cannot be solved before any solve
        try:
            fallback = None
            if method == "auto":
                s = data.case.solver
                try:
                    built, info, auto_report = solve_auto(
                        data, options, s.typical_days, s.corrections, horizon=horizon,
                        gap=s.auto_gap,
                    )  # fmt: skip
                except TypicalDaysInfeasible:  # the full year may meet the rules: solve it
                    method, options = "exact", resolve_options(data, given, "exact")
                    fallback = TYPICAL_DAYS_FELL_BACK
            if method == "exact":
                set_phase("exact model")
                built = build_model(data, horizon)
                info = solve(built, options)
                if fallback:
                    info.warnings.append(fallback)
        except (InfeasibleError, UnboundedError) as exc:
            if not diagnose:
                raise
            raise _explained(exc, data, horizon, options) from None
    timings = {
        "load_seconds": load_seconds,
        "build_seconds": built.build_seconds,
        "handoff_seconds": info.handoff_seconds,
        "solve_seconds": info.solve_seconds,
    }
    extra = {} if auto_report is None else {"auto": auto_report.as_dict()}
    return collect(built, info, method, options, timings, start, extra, run_info=run_info)


def collect(
    built: BuiltModel,
    info: SolveInfo,
    method: str,
    options: SolverOptions,
    timings: dict[str, float],
    start: float,
    extra: dict[str, Any] | None = None,
    run_info: dict[str, Any] | None = None,
) -> RunOutput:
    """Read a solved model (solution loaded into Pyomo) into a :class:`RunOutput`.

    ``extra`` entries go into ``summary["solve"]``; ``start`` is the run's
    ``time.perf_counter()`` start, for its wall time; ``run_info`` is ``summary["run"]``
    (:func:`run_record`; by default the method and the model's horizon).
    """
    data = built.data
    horizon = None if built.horizon.n_steps == HOURS_PER_YEAR else built.horizon
    if run_info is None:
        run_info = run_record(method, horizon)
    ts = billing.with_tou_period(extract.timeseries(built), data)
    caps = extract.capacities(built)
    solve_report = info.as_dict() | timings
    # what HiGHS minimised: objective_per_year (recomputed from the hours) plus tie-breaks
    solve_report["solver_objective_per_year"] = solve_report.pop("objective")
    solve_report["seconds"] = time.perf_counter() - start
    solve_report["mip_gap_limit"] = options.mip_gap
    solve_report.update(extra or {})
    currency = data.case.finance.currency
    solve_report["quality"] = solution_quality(solve_report, method, currency)
    bill = billing.bill_monthly(ts, caps, data)
    start_base = time.perf_counter()
    base = baseline_dispatch(data, horizon, options)
    timings["baseline_seconds"] = time.perf_counter() - start_base
    summary = summarize(ts, caps, data, solve_report, method, bill, base)
    # heat beyond heat-pump reach, implausible inputs, sizes whose price is zero ...
    summary["notes"] = list(data.notes) + zero_price_notes(data.case)
    summary["unit_counts"] = extract.unit_counts(built)
    summary["run"] = run_info
    summary["financials"] = financial_block(summary, ts, data)
    return RunOutput(summary=summary, timeseries=ts, data=data, bill_monthly=bill, timings=timings)


def run_record(
    method: str, horizon: Horizon | None, what_if: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Return how a run was made: ``{overrides, scenario, hours, method, steps}``.

    This is ``summary["run"]``. ``hours`` is the horizon length, ``None`` for the full
    year; ``overrides`` and ``scenario`` come from ``what_if`` (empty and ``None`` for
    the case as written); ``steps`` is the number of rows of ``timeseries.csv``.
    """
    what_if = what_if or {}
    hours = None
    covered = round(float(horizon.weight.sum())) if horizon is not None else HOURS_PER_YEAR
    if covered < HOURS_PER_YEAR:  # the hours of the year the horizon stands for
        hours = covered
    return {
        "overrides": dict(what_if.get("overrides") or {}),
        "scenario": what_if.get("scenario"),
        "hours": hours,
        "method": method,
        "steps": horizon.n_steps if horizon is not None else HOURS_PER_YEAR,
    }


def _explained(
    exc: DispatchError, data: CaseData, horizon: Horizon | None, options: SolverOptions | None
) -> DispatchError:
    """Return ``exc`` explained by the diagnosis, or ``exc`` itself if the diagnosis fails.

    The diagnosis runs within the run's time limit; when the limit leaves it no time,
    the error says so, and an "infeasible or unbounded" status that only the diagnosis
    could resolve becomes a time-limit error.
    """
    from dispatch.solve.diagnose import explain

    set_phase("diagnosis")
    if not deadline_passed():
        try:
            return explain(exc, data, horizon, options)
        except DispatchError as failure:
            if not deadline_passed():
                exc.add_note(f"(the diagnosis failed: {failure})")
                return exc
    return out_of_time(exc, options.time_limit_seconds if options else None)
