"""A rich progress bar for sweeps: done, failed, running, and the time left."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

SPEED_WINDOW_SECONDS = 24 * 3600.0
"""Time left is estimated from the mean pace since the start (runs take minutes each)."""


class RichProgress:
    """Shows ``[bar] 12/40 · 1 failed · 2 running · 0:03:10 elapsed · 0:07:30 left``.

    Parameters
    ----------
    console : rich.console.Console
        Where to draw (stderr keeps stdout for tables).
    """

    def __init__(self, console: Console) -> None:
        self.console = console
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("· [red]{task.fields[failed]} failed[/] · {task.fields[running]} running"),
            TextColumn("·"),
            TimeElapsedColumn(),
            TextColumn("elapsed ·"),
            TimeRemainingColumn(),
            TextColumn("left"),
            console=console,
            speed_estimate_period=SPEED_WINDOW_SECONDS,
        )
        self._task: TaskID | None = None

    def start(self, total: int, skipped: int, description: str) -> None:
        """Print what runs where and start the bar."""
        done_before = f"; {skipped} already done, skipped" if skipped else ""
        self.console.print(f"{total} runs to do on {description}{done_before}")
        self._progress.start()
        self._task = self._progress.add_task("sweep", total=total, failed=0, running=0)

    def update(self, done: int, failed: int, running: int) -> None:
        """Move the bar."""
        if self._task is not None:
            self._progress.update(self._task, completed=done, failed=failed, running=running)

    def stop(self) -> None:
        """Remove the live display, leaving the last state on screen."""
        self._progress.stop()
