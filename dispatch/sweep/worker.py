"""What a worker does for one run: load the case (profiles cached per process), solve, report.

The function :func:`run_task` runs in a pool process or on a Dask worker. It never
raises for a failing run: the error comes back in the :class:`RunResult`, so the
sweep records it and goes on. Files are written by the process that drives the
sweep, so Dask workers need no shared disk.

Profiles are read (or generated from the location) once per worker process: loaded
cases are cached by case file (path, size, modification time) and by every override
that may change an hourly input. Only keys known to leave the hourly inputs alone
(costs, lifetimes, size limits, efficiencies, rules, finance, solver settings: see
:func:`affects_profiles`) are applied to a cached case, which is re-validated and keeps
its hourly arrays. Any other key, including keys added to the schema later, loads the
case afresh: a new key can cost a cache miss, never a wrong profile.
"""

from __future__ import annotations

import json
import os
import socket
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from dispatch.case.loader import CaseData, apply_overrides, load_case, validate
from dispatch.case.schema import Case
from dispatch.errors import CaseError, InfeasibleError, SolverError
from dispatch.solve.exact import SolverOptions

PROFILE_FREE_SECTIONS = ("name", "finance", "rules", "solver")
"""Case keys (and their sections) that never change an hourly input."""

PROFILE_FREE_LEAVES = {
    "technologies": (
        "capex_per_kw", "capex_per_kwh", "capex_per_kw_th", "fixed_om_per_kw_year",
        "fixed_om_per_kwh_year", "fixed_om_per_kw_th_year", "lifetime_years", "min_kw", "max_kw",
        "min_kwh", "max_kwh", "min_kw_th", "max_kw_th", "charge_efficiency",
        "discharge_efficiency", "soc_min_fraction", "soc_max_fraction", "self_discharge_per_hour",
        "efficiency", "fuel_price_per_kwh", "emission_factor_kg_per_kwh_fuel",
    ),
    "grid": (
        "capacity_charge_per_kw_month", "system_operation_fee_per_kwh", "connection_kw",
        "max_connection_kw", "export_allowed",
    ),
}  # fmt: skip
"""Leaves of ``technologies.<name>.`` and ``grid.`` that never change an hourly input."""

CACHE_SIZE = 8
"""Loaded cases kept per worker process (each holds a few 8760-value arrays)."""

_FAILURES: tuple[tuple[type[Exception], str], ...] = (
    (InfeasibleError, "infeasible"),
    (CaseError, "invalid"),
    (SolverError, "solver_error"),
)
_cache: OrderedDict[tuple[Any, ...], tuple[CaseData, bool]] = OrderedDict()
_resolvers: dict[tuple[Any, ...], Any] = {}


@dataclass(frozen=True)
class RunTask:
    """What a worker needs to do one run (small and picklable).

    Attributes
    ----------
    run_id : str
        The run's id.
    case_file : str
        Absolute path of the case YAML (workers must see it, and its profiles).
    overrides : dict
        Dotted key to value.
    method : str
        Solution method passed to :func:`dispatch.runner.solve_case`.
    hours : int or None
        First ``hours`` hours of the year as a cyclic horizon; ``None``: the full year.
    solver_threads : int or None
        Solver threads for this run (set by the executor); ``None``: the case's.
    time_limit_seconds : float or None
        Solver wall-time limit [s]; ``None``: the case's.
    mip_gap : float or None
        Relative MIP gap; ``None``: the case's.
    """

    run_id: str
    case_file: str
    overrides: dict[str, Any] = field(default_factory=dict)
    method: str = "auto"
    hours: int | None = None
    solver_threads: int | None = None
    time_limit_seconds: float | None = None
    mip_gap: float | None = None

    def options(self, data: CaseData) -> SolverOptions:
        """Return solver options: this task's where given, else the case's ``solver:`` section."""
        cs = data.case.solver
        return SolverOptions(
            time_limit_seconds=_first(self.time_limit_seconds, cs.time_limit_seconds),
            mip_gap=_first(self.mip_gap, cs.mip_gap),
            threads=_first(self.solver_threads, cs.threads),
        )


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


@dataclass
class RunResult:
    """What came back from one run.

    Attributes
    ----------
    run_id : str
        The run's id.
    status : str
        ``optimal`` or ``time_limit`` (stopped early with a solution) on success;
        ``infeasible``, ``invalid`` (case error),
        ``solver_error`` or ``error`` (anything else) on failure.
    summary : dict or None
        ``summary.json`` content of a solved run.
    timeseries : pandas.DataFrame or None
        Hourly results of a solved run.
    bill_monthly : pandas.DataFrame or None
        Monthly electricity bill of a solved run.
    error : str or None
        One-line error of a failed run.
    traceback : str or None
        Full traceback of a failed run.
    seconds : float
        Wall time of the run in the worker [s].
    worker : str
        ``host:pid`` of the process that did the run.
    profiles_cached : bool
        True when the case and profiles came from this worker's cache.
    """

    run_id: str
    status: str
    summary: dict[str, Any] | None = None
    timeseries: pd.DataFrame | None = None
    bill_monthly: pd.DataFrame | None = None
    error: str | None = None
    traceback: str | None = None
    seconds: float = 0.0
    worker: str = ""
    profiles_cached: bool = False

    @property
    def ok(self) -> bool:
        """True when the run produced results."""
        return self.summary is not None


def affects_profiles(key: str) -> bool:
    """Return True unless ``key`` is known to leave every hourly input unchanged.

    Known: ``name``, ``finance.*``, ``rules.*``, ``solver.*``, and the cost, lifetime,
    size-limit and efficiency leaves of ``technologies.<name>`` and ``grid``
    (:data:`PROFILE_FREE_LEAVES`). Profiles, ``year``, location, weather, load, PV and wind
    design, heat-pump temperatures, and any key not listed count as changing them.
    """
    parts = key.split(".")
    if parts[0] in PROFILE_FREE_SECTIONS:
        return False
    if parts[0] == "technologies" and len(parts) == 3:
        return parts[2] not in PROFILE_FREE_LEAVES["technologies"]
    if parts[0] == "grid" and len(parts) == 2:
        return parts[1] not in PROFILE_FREE_LEAVES["grid"]
    return True


def _section_present(case: Case, key: str) -> bool:
    """Return True unless ``key`` is a leaf of a technology the case does not have."""
    parts = key.split(".")
    return parts[0] != "technologies" or getattr(case.technologies, parts[1], None) is not None


def load(case_file: str, overrides: dict[str, Any]) -> tuple[CaseData, bool]:
    """Return the case with its overrides applied, and whether its profiles were cached.

    Parameters
    ----------
    case_file : str
        Path of the case YAML.
    overrides : dict
        Dotted key to value.
    """
    path = Path(case_file)
    stat = path.stat()
    free = {k: v for k, v in overrides.items() if not affects_profiles(k)}
    profile = {k: v for k, v in overrides.items() if k not in free}
    key = (
        str(path.resolve()),
        stat.st_size,
        stat.st_mtime_ns,
        json.dumps(profile, sort_keys=True, default=str),
    )
    cached = key in _cache
    if cached:
        _cache.move_to_end(key)
        base, as_written = _cache[key]
    else:
        base = load_case(path, profile or None)
        # Loading may change the case itself (a heat pump beyond reach is dropped); such a
        # case is not reused, as the same change would have to be made again.
        as_written = validate(base.raw, base.file) == base.case
        _cache[key] = (base, as_written)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    if not free:
        return base, cached
    if not as_written or not all(_section_present(base.case, k) for k in free):
        return load_case(path, overrides), False
    raw = apply_overrides(base.raw, free, base.file)
    return replace(base, case=validate(raw, base.file), raw=raw), cached


def clear_cache() -> None:
    """Forget the cases loaded (and models compiled) by this process."""
    _cache.clear()
    _resolvers.clear()


def in_place_key(key: str, value: Any) -> bool:
    """Return True when the compiled model of a sweep may take ``key = value`` as numbers.

    Keys that leave every hourly input alone (:func:`affects_profiles`) qualify, and so
    does a single number for an hourly input outside the sections that always rebuild
    (``grid.export_price_per_kwh: 0.3`` is a flat price series, whose numbers the
    :class:`~dispatch.resolve.Resolver` learns by probing like any other key). A profile
    file, a table or a key of ``load``, ``location``, ``weather``, ``year`` is part of
    the structure the runs share.
    """
    from dispatch.resolve import STRUCTURAL_SECTIONS

    if not affects_profiles(key):
        return True
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and key.split(".")[0] not in STRUCTURAL_SECTIONS


def _resolved(task: RunTask, data: CaseData, horizon: Any) -> Any:
    """Solve a run with this process's compiled model of its case, in place if it can.

    Runs of one case, method, horizon and structural overrides share a
    :class:`~dispatch.resolve.Resolver`; their other overrides (costs, prices,
    rules, bounds: :func:`in_place_key`) change its numbers in place, or rebuild
    the run when they cannot (``summary["solve"]["resolve"]`` says why).
    """
    from dispatch.resolve import Resolver

    free = {k: v for k, v in task.overrides.items() if in_place_key(k, v)}
    profile = {k: v for k, v in task.overrides.items() if k not in free}
    options = task.options(data)
    path = Path(task.case_file)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns,
           json.dumps(profile, sort_keys=True, default=str), task.method, task.hours,
           options.time_limit_seconds, options.mip_gap, options.threads)  # fmt: skip
    resolver = _resolvers.get(key)
    if resolver is not None:
        return resolver.solve(free, data=data)
    _resolvers.clear()  # one compiled case per process: they are large
    # built at this run's numbers: a key the case file leaves out is compiled in at once
    resolver = _resolvers[key] = Resolver(data, task.method, options, horizon)
    resolver.bases.track(free)  # its basis is kept with its values of the swept keys
    out = resolver.solve({}, data=data)  # at its own numbers: the keys are learnt later
    resolver.rebased |= set(free)  # a later run without one of them is solved afresh
    out.summary["solve"]["resolve"] = resolver.last = {
        "in_place": False,
        "reason": "the first run of its structure in this worker: model built",
    }
    return out


def run_task(task: RunTask) -> RunResult:
    """Do one run and return its results or its error; never raises for a failing run.

    Parameters
    ----------
    task : RunTask
        The run.

    Returns
    -------
    RunResult
        Summary and hourly table, or the error.
    """
    from dispatch.model.horizon import Horizon
    from dispatch.runner import run_record, solve_case

    start = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    cached = False
    try:
        data, cached = load(task.case_file, task.overrides)
        horizon = Horizon.full_year(data.case.year, task.hours) if task.hours else None
        what_if = {"overrides": task.overrides}
        if task.hours and (task.hours % 24 or task.hours < 48) and task.method == "auto":
            out = solve_case(
                data, method=task.method, options=task.options(data), horizon=horizon,
                what_if=what_if,
            )  # fmt: skip
        else:
            out = _resolved(task, data, horizon)
            out.summary["run"] = run_record(task.method, horizon, what_if)
    except Exception as exc:  # a failing run is a result, not the end of the sweep
        _resolvers.clear()  # a run that failed may have left its model half-changed
        status = next((s for cls, s in _FAILURES if isinstance(exc, cls)), "error")
        message = " / ".join(str(exc).splitlines()) or type(exc).__name__
        if status == "error":
            message = f"{type(exc).__name__}: {message}"
        return RunResult(
            run_id=task.run_id,
            status=status,
            error=message,
            traceback=traceback.format_exc(),
            seconds=time.perf_counter() - start,
            worker=worker,
            profiles_cached=cached,
        )
    return RunResult(
        run_id=task.run_id,
        status=str(out.summary.get("status", "optimal")),
        summary=out.summary,
        timeseries=out.timeseries,
        bill_monthly=out.bill_monthly,
        seconds=time.perf_counter() - start,
        worker=worker,
        profiles_cached=cached,
    )
