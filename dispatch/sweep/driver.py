"""Drive a sweep: skip finished runs, keep the executor busy, record every outcome.

This is the only sweep logic; it runs the same whatever executor it is given
(:mod:`dispatch.sweep.executor`). A run that fails is recorded with its error and
the sweep goes on. A run whose worker process died is tried again, up to
``max_attempts`` times in all. Re-running the same sweep skips runs already
recorded with the same inputs (``force`` recomputes them all, ``retry_failed``
only the failed ones).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import signal
import threading
import time
import traceback
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from dispatch.case.loader import load_case
from dispatch.files import MAX_YAML_BYTES, read_limited
from dispatch.results.write import folder_lock
from dispatch.sweep.executor import Executor
from dispatch.sweep.grid import RunSpec, expand
from dispatch.sweep.store import KIND, OK_STATUSES, RunStore
from dispatch.sweep.worker import RunResult, RunTask, run_task

TABLE_EVERY_SECONDS = 5.0
"""Least time between two rewrites of the sweep table while runs finish."""


class Progress(Protocol):
    """Receives the state of a sweep (a terminal progress bar, a log, nothing)."""

    def start(self, total: int, skipped: int, description: str) -> None:
        """``total`` runs to do; ``skipped`` were already done."""

    def update(self, done: int, failed: int, running: int) -> None:
        """Show runs finished (``failed`` of them without results) and running now."""

    def stop(self) -> None:
        """End the display: the sweep finished or was interrupted."""


class _Silent:
    def start(self, total: int, skipped: int, description: str) -> None:
        pass

    def update(self, done: int, failed: int, running: int) -> None:
        pass

    def stop(self) -> None:
        pass


@dataclass
class SweepPlan:
    """Everything a sweep will run, decided before any run starts.

    Attributes
    ----------
    case_file : pathlib.Path
        Absolute path of the case YAML.
    specs : list of RunSpec
        The runs, in table order.
    method : str
        Solution method.
    hours : int or None
        Horizon length; ``None`` for the full year.
    fingerprint : str
        Digest of the case file and its profiles; a recorded run with another
        fingerprint is stale and runs again.
    time_limit_seconds : float or None
        Solver time limit per run; ``None``: the case's ``solver:`` section.
    mip_gap : float or None
        Relative MIP gap; ``None``: the case's ``solver:`` section.
    """

    case_file: Path
    specs: list[RunSpec]
    method: str = "auto"
    hours: int | None = None
    fingerprint: str = ""
    time_limit_seconds: float | None = None
    mip_gap: float | None = None

    @property
    def override_keys(self) -> list[str]:
        """Every overridden key: grid keys first, then the others in first-seen order."""
        keys: dict[str, None] = {}
        for spec in self.specs:
            keys.update(dict.fromkeys(spec.point))
        for spec in self.specs:
            keys.update(dict.fromkeys(spec.overrides))
        return list(keys)

    @property
    def parameters(self) -> list[str]:
        """The keys whose value differs between runs (``scenario`` when labels differ)."""
        out = []
        if len({s.scenario for s in self.specs}) > 1:
            out.append("scenario")
        for key in self.override_keys:
            values = {json.dumps(s.overrides.get(key), default=str) for s in self.specs}
            if len(values) > 1:
                out.append(key)
        return out

    @property
    def shared_overrides(self) -> dict[str, Any]:
        """The overrides every run has, with the same value (``--set`` of a sweep)."""
        varying = set(self.parameters)
        first = self.specs[0].overrides if self.specs else {}
        return {
            k: v
            for k, v in first.items()
            if k not in varying and all(k in s.overrides for s in self.specs)
        }

    def task(self, spec: RunSpec, solver_threads: int | None) -> RunTask:
        """Return the worker task of one run."""
        return RunTask(
            run_id=spec.run_id,
            case_file=str(self.case_file),
            overrides=spec.overrides,
            method=self.method,
            hours=self.hours,
            solver_threads=solver_threads,
            time_limit_seconds=self.time_limit_seconds,
            mip_gap=self.mip_gap,
        )


def plan_sweep(
    case: str | Path,
    grid: dict[str, list[Any]] | None = None,
    overrides: dict[str, Any] | None = None,
    explicit: list[tuple[str | None, dict[str, Any]]] | None = None,
    method: str = "auto",
    hours: int | None = None,
    time_limit_seconds: float | None = None,
    mip_gap: float | None = None,
) -> SweepPlan:
    """Expand a sweep and check its base case once, before anything runs.

    Parameters
    ----------
    case : str or pathlib.Path
        The case YAML.
    grid : dict of str to list, optional
        Key to swept values (full product).
    overrides : dict, optional
        Overrides shared by every run.
    explicit : list of (label, overrides), optional
        Explicit runs from a scenarios file.
    method : str
        Solution method.
    hours : int, optional
        First hours of the year as the horizon; ``None`` for the full year.
    time_limit_seconds : float, optional
        Solver time limit per run [s]; default: the case's ``solver:`` section.
    mip_gap : float, optional
        Relative MIP gap; default: the case's ``solver:`` section.

    Raises
    ------
    CaseError
        The case with the shared overrides is invalid, or two runs are equal.
    """
    path = Path(case).resolve()
    base = load_case(path, overrides or None)
    digest = hashlib.sha256(read_limited(path, MAX_YAML_BYTES))
    for name in sorted(base.series):
        digest.update(name.encode())
        digest.update(base.series[name].tobytes())
    specs = expand(grid, overrides, explicit, method, hours)
    return SweepPlan(
        path, specs, method, hours, digest.hexdigest()[:16], time_limit_seconds, mip_gap
    )


@dataclass
class SweepOutcome:
    """What a sweep did.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per finished run (this sweep's runs only).
    ran, skipped, failed : int
        Runs computed now, runs found finished, runs (of all finished) without results.
    seconds : float
        Wall time [s].
    """

    table: pd.DataFrame
    ran: int = 0
    skipped: int = 0
    failed: int = 0
    seconds: float = 0.0
    failed_ids: list[str] = field(default_factory=list)


def run_sweep(
    plan: SweepPlan,
    executor: Executor,
    out: str | Path,
    force: bool = False,
    retry_failed: bool = False,
    progress: Progress | None = None,
    max_attempts: int = 3,
) -> SweepOutcome:
    """Run every run of ``plan`` not yet finished in ``out``, writing outputs as they come.

    Parameters
    ----------
    plan : SweepPlan
        The runs.
    executor : Executor
        Where they run; left open (the caller closes it).
    out : str or pathlib.Path
        The sweep folder.
    force : bool
        Recompute runs already finished.
    retry_failed : bool
        Recompute runs recorded as failed.
    progress : Progress, optional
        Receives progress.
    max_attempts : int
        Tries of a run whose worker process died.

    Returns
    -------
    SweepOutcome
        The table and counts. On Ctrl-C the table of finished runs is written
        before :class:`KeyboardInterrupt` propagates.
    """
    store = RunStore(Path(out))
    store.check()  # before the lock file is made beside it
    with folder_lock(store.root), terminate_as_interrupt():  # a second sweep stops here, exit 2
        return _run_locked(plan, executor, store, force, retry_failed, progress, max_attempts)


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: the sweep stops as on Ctrl-C (table written, workers stopped)."""


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into :class:`Terminated` while a sweep runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise Terminated

    before = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def _run_locked(
    plan: SweepPlan,
    executor: Executor,
    store: RunStore,
    force: bool,
    retry_failed: bool,
    progress: Progress | None,
    max_attempts: int,
) -> SweepOutcome:
    start = time.perf_counter()
    progress = progress or _Silent()
    store.prepare()
    store.write_meta(
        {
            "kind": KIND,
            "case": str(plan.case_file),
            "method": plan.method,
            "hours": plan.hours,
            "fingerprint": plan.fingerprint,
            "parameters": plan.parameters,
            "override_keys": plan.override_keys,
            "overrides": plan.shared_overrides,
            "runs": [s.run_id for s in plan.specs],
        }
    )
    records: dict[str, dict[str, Any]] = {}
    previous: dict[str, dict[str, Any]] = {}  # records of runs computed again, until replaced
    todo: deque[tuple[RunSpec, int]] = deque()
    for spec in plan.specs:
        rec = store.read(spec.run_id)
        if rec is None or rec.get("fingerprint") != plan.fingerprint:
            todo.append((spec, 1))  # not run yet, damaged, or its inputs changed
        elif force or (retry_failed and rec["status"] not in OK_STATUSES):
            todo.append((spec, 1))
            previous[spec.run_id] = rec
        else:
            records[spec.run_id] = rec
    skipped = len(records)
    progress.start(len(todo), skipped, executor.description)
    window = max(executor.slots + 1, 2 * executor.slots)
    inflight: dict[Any, tuple[RunSpec, int]] = {}
    done = failed = 0
    last_table = time.monotonic()

    def table() -> pd.DataFrame:
        kept = previous | records  # an interrupted retry keeps the run's earlier row
        rows = [kept[s.run_id]["row"] for s in plan.specs if s.run_id in kept]
        return store.write_table(rows, plan.override_keys)

    try:
        while todo or inflight:
            while todo and len(inflight) < window:
                spec, attempt = todo.popleft()
                inflight[executor.submit(run_task, plan.task(spec, executor.solver_threads))] = (
                    spec,
                    attempt,
                )
            for fut in executor.wait(set(inflight), timeout=0.5):
                spec, attempt = inflight.pop(fut)
                try:
                    result: RunResult = executor.outcome(fut)
                except Exception as exc:  # the worker, not the run, failed
                    if executor.is_lost(exc) and attempt < max_attempts:
                        executor.recover()
                        todo.appendleft((spec, attempt + 1))
                        continue
                    result = RunResult(
                        run_id=spec.run_id,
                        status="error",
                        error=f"worker failed: {type(exc).__name__}: {exc}",
                        traceback="".join(traceback.format_exception(exc)),
                    )
                records[spec.run_id] = store.write(spec, result, plan.fingerprint)
                done += 1
                failed += result.status not in OK_STATUSES
            progress.update(done, failed, min(len(inflight), executor.slots))
            if time.monotonic() - last_table > TABLE_EVERY_SECONDS:
                table()
                last_table = time.monotonic()
    except BaseException:  # Ctrl-C: keep the table of finished runs; the caller stops the rest
        table()
        progress.stop()
        raise
    final = table()
    progress.stop()
    failed_ids = [
        s.run_id
        for s in plan.specs
        if s.run_id in records and records[s.run_id]["status"] not in OK_STATUSES
    ]
    return SweepOutcome(
        table=final,
        ran=done,
        skipped=skipped,
        failed=len(failed_ids),
        seconds=time.perf_counter() - start,
        failed_ids=failed_ids,
    )
