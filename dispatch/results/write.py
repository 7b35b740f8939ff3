"""Write a run's outputs atomically: all files appear together, or none change.

Outputs go to a temporary folder beside the target and are moved into place
only when complete. A failed or interrupted run leaves an earlier results
folder untouched. A successful run replaces the previous results of the same
folder. A folder that is not a results folder (it has files but no
``summary.json``) is never replaced. The diagnosis of an infeasible case goes
into the target unless it holds a finished run; then next to it
(``<folder>-infeasible``).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from dispatch.errors import CaseError, Problem

SUMMARY = "summary.json"
TIMESERIES = "timeseries.csv"
CAPACITIES = "capacities.csv"
BILL = "bill_monthly.csv"


def write_results(
    out: Path,
    summary: dict[str, Any],
    timeseries: pd.DataFrame,
    extra: Callable[[Path], None] | None = None,
    bill_monthly: pd.DataFrame | None = None,
) -> Path:
    """Write ``summary.json``, ``timeseries.csv`` and ``capacities.csv`` into ``out``.

    Parameters
    ----------
    out : pathlib.Path
        Results folder; created, or replaced as a whole when the run succeeded.
    summary : dict
        Content of ``summary.json``.
    timeseries : pandas.DataFrame
        Hourly results.
    extra : callable, optional
        Writes further files into the temporary folder (report...).
    bill_monthly : pandas.DataFrame, optional
        The monthly bill, written as ``bill_monthly.csv``.

    Returns
    -------
    pathlib.Path
        The results folder.
    """

    def fill(tmp: Path) -> None:
        write_summary(tmp / SUMMARY, summary)
        ts = timeseries.copy()
        if "timestamp" in ts:
            ts["timestamp"] = pd.to_datetime(ts["timestamp"]).dt.strftime("%Y-%m-%d %H:%M")
        ts.to_csv(tmp / TIMESERIES, index=False, float_format="%.12g")
        caps = summary.get("capacities", {})
        pd.DataFrame({"capacity": list(caps), "value": list(caps.values())}).to_csv(
            tmp / CAPACITIES, index=False
        )
        if bill_monthly is not None:
            bill_monthly.to_csv(tmp / BILL, float_format="%.6g")
        if extra is not None:
            extra(tmp)

    check_target(out)
    _write_atomic(Path(out), fill)
    return Path(out)


def write_folder(out: Path, fill: Callable[[Path], None]) -> Path:
    """Write a folder atomically: ``fill`` writes into a temporary folder moved into place.

    The target is checked first (:func:`check_target`); a failure leaves it untouched.
    """
    check_target(out)
    _write_atomic(Path(out), fill)
    return Path(out)


def check_target(out: Path) -> None:
    """Refuse a target that a run must not replace: a file, or a folder of other files.

    Raises
    ------
    CaseError
        ``out`` is a file, or a non-empty folder without ``summary.json``.
    """
    out = Path(out)
    if out.is_file():
        raise CaseError([Problem(str(out), "--out", "is a file; give a folder for the results")])
    if out.is_dir() and not is_results_folder(out):
        raise CaseError(
            [
                Problem(
                    str(out),
                    "--out",
                    "holds other files and no summary.json, so it is not a results folder; "
                    "it is left alone: choose a new or empty folder",
                )
            ]
        )


def is_results_folder(folder: Path) -> bool:
    """Return whether ``folder`` is empty or holds a ``summary.json`` (a run's results)."""
    return (folder / SUMMARY).is_file() or not any(folder.iterdir())


def holds_finished_run(folder: Path) -> bool:
    """Return whether ``folder`` holds the results of a solved run (not a diagnosis).

    An unreadable ``summary.json`` counts as a finished run, to be safe.
    """
    path = Path(folder) / SUMMARY
    if not path.is_file():
        return False
    try:
        status = json.loads(path.read_text("utf-8")).get("status")
    except (OSError, ValueError, AttributeError):
        return True
    return status != "infeasible"


def write_diagnosis(out: Path, summary: dict[str, Any]) -> Path:
    """Write the ``summary.json`` of an infeasible run; return the folder written.

    The diagnosis goes into ``out`` unless ``out`` holds a finished run (or is not
    a results folder); then into ``<out>-infeasible`` beside it.
    """
    out = Path(out)
    target = out
    if out.exists() and (not out.is_dir() or holds_finished_run(out) or not is_results_folder(out)):
        target = out.with_name(f"{out.name}-infeasible")
    check_target(target)
    _write_atomic(target, lambda tmp: write_summary(tmp / SUMMARY, summary))
    return target


def _write_atomic(out: Path, fill: Callable[[Path], None]) -> None:
    """Fill a temporary folder beside ``out`` and move it into place when complete."""
    absolute = out.resolve()
    absolute.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{absolute.name}.tmp-", dir=absolute.parent))
    _usual_permissions(tmp)
    try:
        fill(tmp)
        swap_into_place(tmp, absolute)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_summary(path: Path, summary: dict[str, Any]) -> None:
    """Write a summary as indented JSON (NaN written as null)."""
    path.write_text(json.dumps(json_ready(summary), indent=2, ensure_ascii=False) + "\n", "utf-8")


def json_ready(obj: Any) -> Any:
    """Return ``obj`` with numpy scalars as Python numbers and NaN as ``None``, for JSON."""
    if isinstance(obj, dict):
        return {str(k): json_ready(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_ready(v) for v in obj]
    if isinstance(obj, float) and obj != obj:
        return None
    if hasattr(obj, "item"):  # numpy scalar
        return json_ready(obj.item())
    return obj


def swap_into_place(tmp: Path, out: Path) -> None:
    """Replace ``out`` by ``tmp``; the old folder is removed only after the move."""
    if not out.exists():
        os.replace(tmp, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.replace(out, old)  # onto an empty folder: allowed
    try:
        os.replace(tmp, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _usual_permissions(folder: Path) -> None:
    """Give a temporary folder the permissions a plain ``mkdir`` would (mkdtemp makes 0700)."""
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)
