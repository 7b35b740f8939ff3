"""Where runs execute: one interface, a local process pool or a Dask cluster behind it.

The sweep logic (:mod:`dispatch.sweep.driver`) only submits tasks, waits for the
first to finish and reads outcomes; it does not know which executor it drives.

- :class:`LocalPool`: ``--workers N`` processes on this machine. HiGHS threads per
  run are ``cores // N`` (at least 1) so the machine is not oversubscribed.
- :class:`DaskExecutor`: ``--scheduler tcp://HOST:PORT``, an existing Dask
  distributed cluster through :class:`dask.distributed.Client`. Workers need
  park-dispatch installed and must see the case file and its profiles at the
  same path; results come back to this process, which writes them.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from dispatch.errors import CaseError, Problem
from dispatch.lifeline import pool_worker_init


def available_cores() -> int:
    """Cores this process may use (CPU affinity where the platform tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


class Executor(ABC):
    """Runs tasks somewhere and hands back their outcomes as they finish.

    Attributes
    ----------
    slots : int
        Runs that execute at the same time.
    solver_threads : int or None
        HiGHS threads each run should use.
    description : str
        One line for the terminal (``local pool, 2 workers``).
    """

    slots: int = 1
    solver_threads: int | None = None
    description: str = ""

    @abstractmethod
    def submit(self, fn: Callable[[Any], Any], arg: Any) -> Any:
        """Start ``fn(arg)``; return a future."""

    @abstractmethod
    def wait(self, futures: set[Any], timeout: float) -> set[Any]:
        """Return the futures of ``futures`` that are done (empty after ``timeout`` seconds)."""

    def outcome(self, future: Any) -> Any:
        """Return a done future's result; raise its exception."""
        return future.result()

    def is_lost(self, exc: BaseException) -> bool:
        """Return True when ``exc`` means the worker died and the run may be tried again."""
        return False

    def recover(self) -> None:  # noqa: B027 - optional hook
        """Make :meth:`submit` work again after a lost worker."""

    @abstractmethod
    def close(self, cancel: bool = False) -> None:
        """Release the workers; ``cancel`` stops runs that are still going."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(cancel=exc[0] is not None)


class LocalPool(Executor):
    """A pool of worker processes on this machine.

    Parameters
    ----------
    workers : int, optional
        Processes; default: the number of cores.
    solver_threads : int, optional
        HiGHS threads per run; default: cores // workers (at least 1).
    """

    def __init__(self, workers: int | None = None, solver_threads: int | None = None) -> None:
        cores = available_cores()
        self.slots = max(1, workers or cores)
        self.solver_threads = solver_threads or max(1, cores // self.slots)
        self.description = (
            f"local pool, {self.slots} worker{'s' * (self.slots > 1)} "
            f"x {self.solver_threads} solver thread{'s' * (self.solver_threads > 1)}"
        )
        self._pool = self._new_pool()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        # spawn: a clean interpreter per worker, no forked locks from the progress thread
        return cf.ProcessPoolExecutor(
            max_workers=self.slots,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=pool_worker_init,  # light module: armed before heavy imports
            initargs=(os.getpid(),),
        )

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> cf.Future[Any]:
        """Start ``fn(arg)`` in a worker process (in a new pool if a worker died)."""
        self.recover()
        return self._pool.submit(fn, arg)

    def wait(self, futures: set[Any], timeout: float) -> set[Any]:
        """Return the done futures, waiting at most ``timeout`` seconds for the first."""
        done, _ = cf.wait(futures, timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return set(done)

    def is_lost(self, exc: BaseException) -> bool:
        """Return True when a worker process died (killed, out of memory): the pool broke."""
        return isinstance(exc, BrokenProcessPool)

    def recover(self) -> None:
        """Replace the pool by a new one if a worker died (futures of the old pool fail)."""
        if getattr(self._pool, "_broken", False):
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()

    def close(self, cancel: bool = False) -> None:
        """Shut the pool down; ``cancel`` also terminates runs in progress."""
        if cancel:
            # Solves are in C and cannot be interrupted from Python: stop the processes.
            processes = list((getattr(self._pool, "_processes", None) or {}).values())
            for proc in processes:
                proc.terminate()
            for proc in processes:
                proc.join(timeout=5)
            self._pool.shutdown(wait=True)  # the pool sees its dead workers and fails the rest
        else:
            self._pool.shutdown(wait=True)


class DaskExecutor(Executor):
    """Runs on an existing Dask distributed cluster.

    Parameters
    ----------
    scheduler : str or distributed.Client
        Scheduler address (``tcp://HOST:PORT``) or a connected client.
    solver_threads : int, optional
        HiGHS threads per run; default 1 (each Dask worker thread runs one solve).
    """

    def __init__(self, scheduler: Any, solver_threads: int | None = None) -> None:
        from dask.distributed import Client

        self._own = not isinstance(scheduler, Client)
        try:
            self.client = Client(scheduler, set_as_default=False) if self._own else scheduler
        except (OSError, TimeoutError, ValueError) as exc:
            where = Problem("--scheduler", str(scheduler), f"cannot connect: {exc}")
            raise CaseError([where]) from None
        threads = self.client.nthreads()
        self.slots = max(1, sum(threads.values()))
        self.solver_threads = solver_threads or 1
        self.description = (
            f"Dask cluster {self.client.scheduler.address}, {len(threads)} workers, "
            f"{self.slots} threads"
        )

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> Any:
        """Start ``fn(arg)`` on the cluster (never cached: every run is new work)."""
        return self.client.submit(fn, arg, pure=False)

    def wait(self, futures: set[Any], timeout: float) -> set[Any]:
        """Return the done futures, waiting at most ``timeout`` seconds for the first."""
        from dask.distributed import wait

        try:
            with self.client.as_current():  # this client, not a global default one
                done, _ = wait(list(futures), timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            return set()
        return set(done)

    def close(self, cancel: bool = False) -> None:
        """Disconnect a client this executor opened; the cluster itself keeps running.

        Closing the client releases its futures, so the scheduler drops runs not started.
        """
        if self._own:
            self.client.close()


def make_executor(
    workers: int | None = None, scheduler: Any = None, solver_threads: int | None = None
) -> Executor:
    """Return a Dask executor when ``scheduler`` is given, else a local pool."""
    if scheduler is not None:
        return DaskExecutor(scheduler, solver_threads)
    return LocalPool(workers, solver_threads)
