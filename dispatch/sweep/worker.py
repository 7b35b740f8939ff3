"""What a worker does for one run: load the case (profiles cached per process), solve, report.

The function :func:`run_task` runs in a pool process or on a Dask worker. It never
raises for a failing run: the error comes back in the :class:`RunResult`, so the
sweep records it and goes on. Files are written by the process that drives the
sweep, so Dask workers need no shared disk.

Profiles are read once per worker process: loaded cases are cached by case file
(path, size, modification time) and by the overrides that change profiles
(profile keys, their sections, and ``year``). Other overrides are applied to the
cached case and re-validated, reusing its hourly arrays. This assumes the arrays
depend only on the keys of ``dispatch.case.loader._PROFILES`` and ``year``; a profile
derived from other keys (a tariff calendar) must add them to :data:`PROFILE_KEYS`.
"""

from __future__ import annotations

import json
import os
import socket
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from dispatch.case.loader import _PROFILES, CaseData, apply_overrides, load_case, validate
from dispatch.errors import CaseError, InfeasibleError, SolverError
from dispatch.model.solve import SolverOptions

PROFILE_KEYS = tuple(key for _, key, _ in _PROFILES) + ("year",)
"""Case keys whose value changes the hourly arrays (``year`` picks the calendar)."""

CACHE_SIZE = 8
"""Loaded cases kept per worker process (each holds a few 8760-value arrays)."""

_FAILURES: tuple[tuple[type[Exception], str], ...] = (
    (InfeasibleError, "infeasible"),
    (CaseError, "invalid"),
    (SolverError, "solver_error"),
)
_cache: OrderedDict[tuple[Any, ...], CaseData] = OrderedDict()


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
    method: str = "exact"
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
    """Return True when overriding ``key`` can change a profile array."""
    return any(p == key or p.startswith(key + ".") or key.startswith(p + ".") for p in PROFILE_KEYS)


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
    profile = {k: v for k, v in overrides.items() if affects_profiles(k)}
    rest = {k: v for k, v in overrides.items() if k not in profile}
    key = (
        str(path.resolve()),
        stat.st_size,
        stat.st_mtime_ns,
        json.dumps(profile, sort_keys=True, default=str),
    )
    cached = key in _cache
    if cached:
        _cache.move_to_end(key)
        base = _cache[key]
    else:
        base = _cache[key] = load_case(path, profile or None)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    if not rest:
        return base, cached
    raw = apply_overrides(base.raw, rest, base.file)
    return CaseData(case=validate(raw, base.file), file=base.file, series=base.series, raw=raw), (
        cached
    )


def clear_cache() -> None:
    """Forget the cases loaded by this process."""
    _cache.clear()


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
    from dispatch.runner import solve_case

    start = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    cached = False
    try:
        data, cached = load(task.case_file, task.overrides)
        horizon = Horizon.full_year(data.case.year, task.hours) if task.hours else None
        out = solve_case(data, method=task.method, options=task.options(data), horizon=horizon)
    except Exception as exc:  # a failing run is a result, not the end of the sweep
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
        seconds=time.perf_counter() - start,
        worker=worker,
        profiles_cached=cached,
    )
