"""Show what a long solve is doing on stderr: phase, elapsed time, MIP incumbent and bound.

The status is written by HiGHS' callbacks (:mod:`dispatch.solve.control`); this
module only shows it. On a terminal it is one live line that disappears when the
run ends; elsewhere (``--progress`` into a log) a plain line every few seconds.
"""

from __future__ import annotations

import threading
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.text import Text

from dispatch.solve.control import CONTROL

LOG_EVERY_SECONDS = 10.0
"""Seconds between two progress lines when stderr is not a terminal."""


class _StatusLine:
    """A renderable that reads the run's status each time it is drawn."""

    def __rich__(self) -> Text:
        return Text(CONTROL.status.text(), style="dim")


class SolveProgress:
    """Context manager that shows the run's progress while it is open.

    Parameters
    ----------
    console : rich.console.Console
        Where to show it (stderr).
    enabled : bool
        False shows nothing.
    """

    def __init__(self, console: Console, enabled: bool) -> None:
        self.console = console
        self.enabled = enabled
        self._live: Live | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> SolveProgress:
        if not self.enabled:
            return self
        if self.console.is_terminal:
            self._live = Live(
                _StatusLine(), console=self.console, refresh_per_second=4, transient=True
            )
            self._live.start()
        else:
            self._thread = threading.Thread(target=self._log, daemon=True)
            self._thread.start()
        return self

    def _log(self) -> None:
        last = ""
        while not self._stop.wait(LOG_EVERY_SECONDS):
            line = CONTROL.status.text()
            if line != last:
                self.console.print(line, highlight=False, markup=False)
                last = line

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.stop()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
