"""Write a run's outputs atomically: all files appear together, or none change.

Outputs go to a temporary folder beside the target and are moved into place
only when complete. A failed run leaves an earlier results folder untouched.
A successful run replaces the previous results of the same folder.
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

SUMMARY = "summary.json"
TIMESERIES = "timeseries.csv"
CAPACITIES = "capacities.csv"


def write_results(
    out: Path,
    summary: dict[str, Any],
    timeseries: pd.DataFrame,
    extra: Callable[[Path], None] | None = None,
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
        Writes further files into the temporary folder (report, bill...).

    Returns
    -------
    pathlib.Path
        The results folder.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        write_summary(tmp / SUMMARY, summary)
        ts = timeseries.copy()
        if "timestamp" in ts:
            ts["timestamp"] = pd.to_datetime(ts["timestamp"]).dt.strftime("%Y-%m-%d %H:%M")
        ts.to_csv(tmp / TIMESERIES, index=False, float_format="%.6g")
        caps = summary.get("capacities", {})
        pd.DataFrame({"capacity": list(caps), "value": list(caps.values())}).to_csv(
            tmp / CAPACITIES, index=False
        )
        if extra is not None:
            extra(tmp)
        _swap_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def write_summary(path: Path, summary: dict[str, Any]) -> None:
    """Write a summary as indented JSON (NaN written as null)."""
    path.write_text(json.dumps(_clean(summary), indent=2, ensure_ascii=False) + "\n", "utf-8")


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, float) and obj != obj:
        return None
    if hasattr(obj, "item"):  # numpy scalar
        return _clean(obj.item())
    return obj


def _swap_into_place(tmp: Path, out: Path) -> None:
    """Replace ``out`` by ``tmp``; the old folder is removed only after the move."""
    if not out.exists():
        os.replace(tmp, out)
        return
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)
