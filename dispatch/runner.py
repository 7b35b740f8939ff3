"""Run a case: load, build, solve, and collect results. The one path every caller uses."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from dispatch.case.loader import CaseData, load_case
from dispatch.errors import DispatchError, InfeasibleError, UnboundedError
from dispatch.model.build import BuiltModel, build_model
from dispatch.model.horizon import Horizon
from dispatch.results import bill as billing
from dispatch.results import extract
from dispatch.results.summary import summarize
from dispatch.solve.auto import solve_auto
from dispatch.solve.exact import EXACT_MIP_GAP, SolveInfo, SolverOptions, solve
from dispatch.timegrid import HOURS_PER_YEAR

METHODS = ("auto", "exact")
"""``auto`` (default): typical-day sizing, full-year dispatch; ``exact``: the full model."""


@dataclass
class RunOutput:
    """Everything a run produced, before it is written to disk.

    Attributes
    ----------
    summary : dict
        Content of ``summary.json``.
    timeseries : pandas.DataFrame
        Hourly results.
    data : CaseData
        The case that was solved.
    bill_monthly : pandas.DataFrame
        The electricity bill by month over the horizon (``bill_monthly.csv``).
    """

    summary: dict[str, Any]
    timeseries: pd.DataFrame
    data: CaseData
    bill_monthly: pd.DataFrame = field(default_factory=pd.DataFrame)
    timings: dict[str, float] = field(default_factory=dict)


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


def solve_case(
    case: str | Path | CaseData,
    method: str = "auto",
    options: SolverOptions | None = None,
    horizon: Horizon | None = None,
    diagnose: bool = True,
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
    options = resolve_options(data, options, method)
    auto_report = None
    steps = horizon.n_steps if horizon is not None else HOURS_PER_YEAR
    if method == "auto" and (steps % 24 or steps < 48):
        method = "exact"  # typical days need whole days: a horizon this short is solved exactly
    try:
        if method == "auto":
            s = data.case.solver
            built, info, auto_report = solve_auto(
                data, options, s.typical_days, s.corrections, horizon=horizon, gap=s.auto_gap
            )
        else:
            built = build_model(data, horizon)
            info = solve(built, options)
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
    return collect(built, info, method, options, timings, start, extra)


def collect(
    built: BuiltModel,
    info: SolveInfo,
    method: str,
    options: SolverOptions,
    timings: dict[str, float],
    start: float,
    extra: dict[str, Any] | None = None,
) -> RunOutput:
    """Read a solved model (solution loaded into Pyomo) into a :class:`RunOutput`.

    ``extra`` entries go into ``summary["solve"]``; ``start`` is the run's
    ``time.perf_counter()`` start, for its wall time.
    """
    data = built.data
    ts = billing.with_tou_period(extract.timeseries(built), data)
    caps = extract.capacities(built)
    solve_report = info.as_dict() | timings
    solve_report["seconds"] = time.perf_counter() - start
    solve_report["mip_gap_limit"] = options.mip_gap
    solve_report.update(extra or {})
    bill = billing.bill_monthly(ts, caps, data)
    summary = summarize(ts, caps, data, solve_report, method, bill)
    summary["notes"] = list(data.notes)  # e.g. heat beyond heat-pump reach goes to the boiler
    summary["unit_counts"] = extract.unit_counts(built)
    return RunOutput(summary=summary, timeseries=ts, data=data, bill_monthly=bill, timings=timings)


def _explained(
    exc: DispatchError, data: CaseData, horizon: Horizon | None, options: SolverOptions | None
) -> DispatchError:
    """Return ``exc`` explained by the diagnosis, or ``exc`` itself if the diagnosis fails."""
    from dispatch.solve.diagnose import explain

    try:
        return explain(exc, data, horizon, options)
    except DispatchError as failure:
        exc.add_note(f"(the diagnosis failed: {failure})")
        return exc
