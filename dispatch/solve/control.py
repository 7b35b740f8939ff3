"""Control of every HiGHS run in a process: threads, Ctrl-C, the run's deadline, progress.

Every HiGHS instance of park-dispatch is made by :func:`new_highs` and run by
:func:`run_highs`. That one path gives each run:

- **Threads.** HiGHS keeps one task scheduler per calling thread, created by
  the first run with the thread count of that run; a later instance asking
  for another count fails without a status. :func:`run_highs` resets the
  calling thread's scheduler whenever the count changes, so the count asked
  for is the count used.
- **Ctrl-C.** A solve is C++ code: Python cannot raise ``KeyboardInterrupt``
  inside it. :func:`controlled_run` installs a SIGINT handler that sets a
  stop flag; HiGHS' interrupt callbacks (simplex, interior point, MIP) read
  the flag and stop the solve, and :func:`run_highs` then raises
  ``KeyboardInterrupt`` in Python, where it unwinds cleanly. Outside a solve
  the handler raises it at once. A second Ctrl-C while a solve does not stop
  ends the process (exit 130).
- **Deadline.** The run's overall time limit: each HiGHS run gets at most the
  time left until it (sizing, refinement, strict dispatch and diagnosis alike).
- **Progress.** The callbacks record the phase, the elapsed time and, for a
  MIP, the incumbent and the bound, for a display to show (:class:`Status`).
"""

from __future__ import annotations

import math
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import highspy

MAX_THREADS = 256
"""Most solver threads a run may ask for (the case schema's bound on ``solver.threads``)."""
INTERRUPTED_EXIT = 130
"""Exit status of a run stopped by Ctrl-C (128 + SIGINT)."""


def default_threads() -> int:
    """Solver threads when none are asked for: HiGHS' own default, half the cores."""
    return max(1, ((os.cpu_count() or 1) + 1) // 2)


@dataclass
class Status:
    """What the run is doing now, for a progress display (written by HiGHS callbacks).

    Attributes
    ----------
    phase : str
        What is being solved (``typical-day sizing``, ``full-year refinement``...).
    started : float
        ``time.perf_counter()`` at the start of the run.
    incumbent, bound : float or None
        Best objective found and best proven bound of the MIP being solved.
    """

    phase: str = ""
    started: float = field(default_factory=time.perf_counter)
    incumbent: float | None = None
    bound: float | None = None

    @property
    def elapsed(self) -> float:
        """Seconds since the run started."""
        return time.perf_counter() - self.started

    def text(self) -> str:
        """One line: phase, elapsed time, and incumbent and bound of a MIP."""
        line = f"{self.phase or 'solving'} · {self.elapsed:,.0f} s"
        if self.incumbent is not None and self.bound is not None:
            gap = abs(self.incumbent - self.bound) / max(abs(self.incumbent), 1e-9)
            line += f" · best {self.incumbent:,.0f}, bound {self.bound:,.0f} (gap {gap:.2%})"
        return line


class _Control:
    """The process-wide state every HiGHS run consults."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.deadline: float | None = None
        self.limit_seconds: float | None = None
        self.threads: int | None = None
        self.status = Status()
        self.main_in_solve = False
        self.depth = 0
        self.local = threading.local()


CONTROL = _Control()


def request_stop() -> None:
    """Ask every running and later HiGHS solve of this process to stop."""
    CONTROL.stop.set()


def stop_requested() -> bool:
    """Return True once a stop (Ctrl-C) was asked for."""
    return CONTROL.stop.is_set()


def set_phase(phase: str) -> None:
    """Name what is solved next (for the progress display)."""
    CONTROL.status.phase = phase
    CONTROL.status.incumbent = CONTROL.status.bound = None


def run_time_limit() -> float | None:
    """Return the overall time limit of the run in progress [s]; ``None`` without one."""
    return CONTROL.limit_seconds


def time_left() -> float | None:
    """Seconds left before the run's deadline; ``None`` without one."""
    if CONTROL.deadline is None:
        return None
    return CONTROL.deadline - time.perf_counter()


def deadline_passed() -> bool:
    """Return True when the run has a deadline and it has passed."""
    left = time_left()
    return left is not None and left <= 0


def _on_sigint(signum: int, frame: Any) -> None:
    """First Ctrl-C: stop the solves; raise at once outside a solve. Second: exit."""
    if CONTROL.stop.is_set() and CONTROL.main_in_solve:
        sys.stderr.write("\ninterrupted\n")
        sys.stderr.flush()
        os._exit(INTERRUPTED_EXIT)  # a solve that ignored the first request: end the process
    CONTROL.stop.set()
    if not CONTROL.main_in_solve:  # Python code (Pyomo, a join): unwind from here
        raise KeyboardInterrupt


@contextmanager
def controlled_run(
    time_limit_seconds: float | None = None,
    threads: int | None = None,
    handle_sigint: bool = False,
) -> Iterator[Status]:
    """Scope one run: its deadline, its solver threads, and (optionally) Ctrl-C handling.

    Parameters
    ----------
    time_limit_seconds : float, optional
        Overall wall-time limit of the run [s]; ``None`` for none.
    threads : int, optional
        Solver threads for every HiGHS instance of the run.
    handle_sigint : bool
        Install the SIGINT handler (main thread only); the command line does.

    Yields
    ------
    Status
        The run's status, for a progress display.
    """
    saved = (CONTROL.deadline, CONTROL.limit_seconds, CONTROL.threads, CONTROL.status)
    start = time.perf_counter()
    CONTROL.deadline = None if time_limit_seconds is None else start + time_limit_seconds
    CONTROL.limit_seconds = time_limit_seconds
    CONTROL.threads = threads
    if CONTROL.depth == 0:  # a new run: forget a stop asked of an earlier one
        CONTROL.stop.clear()
        CONTROL.status = Status(started=start)
    CONTROL.depth += 1
    previous = None
    install = (
        handle_sigint
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN  # e.g. a background job
    )
    if install:
        previous = signal.signal(signal.SIGINT, _on_sigint)
    try:
        yield CONTROL.status
    finally:
        CONTROL.depth -= 1
        if install:
            signal.signal(signal.SIGINT, previous)
        CONTROL.deadline, CONTROL.limit_seconds, CONTROL.threads, CONTROL.status = saved


def new_highs(options: dict[str, Any] | None = None) -> highspy.Highs:
    """Return a silent HiGHS instance with ``options`` (run it with :func:`run_highs`)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for key, value in (options or {}).items():
        h.setOptionValue(key, value)
    return h


_ATTACHED = "_dispatch_callbacks"


def _attach(h: highspy.Highs) -> None:
    """Subscribe the stop and progress callbacks (once per instance).

    Only runs in the main thread get them: a callback needs the GIL, and a solve in
    a helper thread (typical-day sizing while the main thread builds the full-year
    model) would wait for it at every iteration. Ctrl-C reaches the main thread
    anyway, which stops waiting for the helper.
    """
    if getattr(h, _ATTACHED, False):
        return
    h.cbSimplexInterrupt += _on_lp_callback
    h.cbIpmInterrupt += _on_lp_callback
    h.cbMipInterrupt += _on_mip_callback
    setattr(h, _ATTACHED, True)


def _on_lp_callback(event: Any) -> None:
    if CONTROL.stop.is_set():
        event.interrupt()


def _on_mip_callback(event: Any) -> None:
    if CONTROL.stop.is_set():
        event.interrupt()
        return
    out, status = event.data_out, CONTROL.status
    incumbent, bound = float(out.mip_primal_bound), float(out.mip_dual_bound)
    status.incumbent = incumbent if math.isfinite(incumbent) else None
    status.bound = bound if math.isfinite(bound) else None


def run_highs(h: highspy.Highs) -> None:
    """Run HiGHS under the run's control: its threads, its deadline, Ctrl-C.

    The ``time_limit`` option of ``h`` is the limit of this run [s]. HiGHS itself
    compares it with the instance's run time summed over every earlier run, so a
    model re-solved many times (in place, :mod:`dispatch.resolve`) would stop at once;
    the limit is therefore offset by that sum for the run and restored after it.

    Raises
    ------
    KeyboardInterrupt
        A stop was requested (before or during the solve).
    """
    if CONTROL.stop.is_set():
        raise KeyboardInterrupt
    _use_threads(h)
    own = float(h.getOptionValue("time_limit")[1])
    limit = own
    left = time_left()
    if left is not None:
        limit = max(min(own, left), 0.01)
    if math.isfinite(limit):  # HiGHS holds its time limit against its cumulative run time
        h.setOptionValue("time_limit", h.getRunTime() + limit)
    main = threading.current_thread() is threading.main_thread()
    if main:
        _attach(h)
        CONTROL.main_in_solve = True
    try:
        h.run()
    finally:
        h.setOptionValue("time_limit", own)  # the option keeps meaning "this run"
        if main:
            CONTROL.main_in_solve = False
    if CONTROL.stop.is_set():
        raise KeyboardInterrupt


def _use_threads(h: highspy.Highs) -> None:
    """Give ``h`` the run's thread count, resetting this thread's scheduler if it differs.

    An instance without its own count follows the last count used in this thread,
    so that every solve of a run shares one scheduler.
    """
    local = CONTROL.local
    own = int(h.getOptionValue("threads")[1])
    current = getattr(local, "threads", None)
    wanted = min(own or CONTROL.threads or current or default_threads(), MAX_THREADS)
    if current != wanted:
        highspy.Highs.resetGlobalScheduler(True)  # this thread's scheduler only
        local.threads = wanted
    h.setOptionValue("threads", wanted)
