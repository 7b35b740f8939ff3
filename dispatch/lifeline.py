"""Tie a worker process's life to its parent's: a killed sweep leaves no workers behind.

Kept free of heavy imports: a spawned worker imports this module (its pool
initializer) before anything else of the package, so the tie holds from its start.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PARENT_POLL_SECONDS = 1.0
"""How often a worker checks that the process that started it is still alive [s]."""

_PR_SET_PDEATHSIG = 1  # prctl option of <linux/prctl.h>


def die_with_parent(parent_pid: int) -> None:
    """End this process when ``parent_pid``, its parent, dies (SIGKILL included).

    On Linux the kernel kills it (``prctl(PR_SET_PDEATHSIG, SIGKILL)``); everywhere a
    daemon thread also polls the parent every :data:`PARENT_POLL_SECONDS` and exits
    once this process has been re-parented.

    Parameters
    ----------
    parent_pid : int
        The parent's process id, as the parent saw it when starting this process.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no prctl: polling only
            pass
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    """Exit this process once its parent has gone (it is re-parented)."""
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def pool_worker_init(parent_pid: int) -> None:
    """Initialise a sweep's pool worker: Ctrl-C is the sweep's to handle; die with it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent_pid)
