"""A sweep folder on disk: one folder per run with its record, and the sweep table.

Layout of ``DIR``::

    sweep.json            what was swept: case, parameters, method, horizon, run ids
    sweep.csv             one row per finished run (also sweep.parquet)
    runs/<run-id>/        summary.json, timeseries.csv, capacities.csv, record.json
                          (a failed run: record.json only, with its error)

A run folder appears whole or not at all (written to a temporary folder, then
moved into place), and ``record.json`` is written inside it, so a run's outputs
and its table row land together. The table is a view rebuilt from the records;
a crash can lose only the view, and the next invocation rebuilds it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from dispatch.results.write import json_ready, swap_into_place, write_results
from dispatch.sweep.grid import RunSpec
from dispatch.sweep.worker import RunResult


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()
RUNS = "runs"
RECORD = "record.json"
META = "sweep.json"
TABLE_CSV = "sweep.csv"
TABLE_PARQUET = "sweep.parquet"
OK_STATUSES = ("optimal", "feasible", "time_limit")
"""Statuses of runs that produced results; every other status is a failure."""

LEADING_COLUMNS = ("run_id", "scenario")
RESULT_COLUMNS = ("status", "objective_per_year")
TRAILING_COLUMNS = (
    "rules_ok", "tco2_per_year", "solve_seconds", "mip_gap", "run_seconds", "error", "worker",
    "profiles_cached",
)  # fmt: skip


def write_json(path: Path, obj: Any) -> None:
    """Write indented JSON; NaN as null, dates and other objects as text."""
    text = json.dumps(json_ready(obj), indent=2, ensure_ascii=False, default=str)
    path.write_text(text + "\n", "utf-8")


FINANCIAL_COLUMNS = ("npv", "irr", "simple_payback_years")
"""Headline figures of the cash flow that rank designs in the sweep table."""


def row_of(spec: RunSpec, result: RunResult) -> dict[str, Any]:
    """Return the table row of a run: its overrides, status and headline results.

    Columns: ``run_id``, ``scenario``, one per override key (dotted), ``status``,
    ``objective_per_year`` [currency/year], ``npv`` [currency], ``irr`` [fraction] and
    ``simple_payback_years`` against the baseline (docs/finance.md), every capacity
    (``pv_kw``, ``battery_kwh`` ...),
    the ratios of ``summary.json`` [fraction], ``rule_<name>_ok`` per rule, ``rules_ok``,
    ``tco2_per_year`` [t/year], ``solve_seconds`` (HiGHS), ``mip_gap`` (relative gap
    reached), ``run_seconds`` (whole run),
    ``error``, ``worker`` and ``profiles_cached``.
    """
    row: dict[str, Any] = {"run_id": spec.run_id, "scenario": spec.scenario}
    row.update(spec.overrides)
    row["status"] = result.status
    s = result.summary
    if s is not None:
        row["objective_per_year"] = s.get("objective_per_year")
        fin = s.get("financials") or {}
        for key in FINANCIAL_COLUMNS:
            row[key] = fin.get(key)
        row.update(s.get("capacities", {}))
        row.update(s.get("ratios", {}))
        for rule in s.get("rules", []):
            row[f"rule_{rule['name']}_ok"] = rule["ok"]
        row["rules_ok"] = s.get("rules_ok")
        row["tco2_per_year"] = s.get("emissions", {}).get("tco2_per_year")
        row["solve_seconds"] = s.get("solve", {}).get("solve_seconds")
        row["mip_gap"] = s.get("solve", {}).get("mip_gap")
    row["run_seconds"] = result.seconds
    row["error"] = result.error
    row["worker"] = result.worker
    row["profiles_cached"] = result.profiles_cached
    return row


class RunStore:
    """Reads and writes the records of a sweep folder.

    Parameters
    ----------
    root : pathlib.Path
        The sweep folder (``--out``).
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.runs = self.root / RUNS

    def prepare(self) -> int:
        """Create the folders and remove leftovers of runs cut off mid-write.

        Returns
        -------
        int
            Number of leftover temporary folders removed.
        """
        self.runs.mkdir(parents=True, exist_ok=True)
        removed = 0
        for stale in self.runs.glob(".*"):
            if ".tmp-" in stale.name or ".old-" in stale.name:
                shutil.rmtree(stale, ignore_errors=True)
                removed += 1
        for stale in self.root.glob(".*.tmp-*"):
            stale.unlink(missing_ok=True)
        return removed

    def run_dir(self, run_id: str) -> Path:
        """Folder of a run."""
        return self.runs / run_id

    def read(self, run_id: str) -> dict[str, Any] | None:
        """Return a run's record, or ``None`` when the run has not finished."""
        path = self.run_dir(run_id) / RECORD
        try:
            return json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return None

    def write(self, spec: RunSpec, result: RunResult, fingerprint: str) -> dict[str, Any]:
        """Write a run's outputs and record atomically; return the record.

        Parameters
        ----------
        spec : RunSpec
            The run.
        result : RunResult
            What the worker returned.
        fingerprint : str
            Digest of the inputs the run depends on (case file and profiles).
        """
        record = {
            "run_id": spec.run_id,
            "fingerprint": fingerprint,
            "scenario": spec.scenario,
            "overrides": spec.overrides,
            "status": result.status,
            "error": result.error,
            "traceback": result.traceback,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "row": row_of(spec, result),
        }

        def add_record(folder: Path) -> None:
            write_json(folder / RECORD, record)
            folder.chmod(0o777 & ~_UMASK)  # temporary folders are private; results are not

        target = self.run_dir(spec.run_id)
        if result.summary is not None and result.timeseries is not None:
            write_results(
                target,
                result.summary,
                result.timeseries,
                extra=add_record,
                bill_monthly=result.bill_monthly,
            )
        else:
            tmp = Path(tempfile.mkdtemp(prefix=f".{spec.run_id}.tmp-", dir=self.runs))
            try:
                add_record(tmp)
                swap_into_place(tmp, target)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
        return record

    def write_meta(self, meta: dict[str, Any]) -> None:
        """Write ``sweep.json`` atomically."""
        self._atomic(META, lambda p: write_json(p, meta))

    def read_meta(self) -> dict[str, Any]:
        """Return ``sweep.json`` (empty when missing)."""
        try:
            return json.loads((self.root / META).read_text("utf-8"))
        except (OSError, ValueError):
            return {}

    def write_table(self, rows: list[dict[str, Any]], override_keys: list[str]) -> pd.DataFrame:
        """Write ``sweep.csv`` and ``sweep.parquet`` atomically; return the table."""
        table = build_table(rows, override_keys)
        self._atomic(TABLE_CSV, lambda p: table.to_csv(p, index=False))
        self._atomic(TABLE_PARQUET, lambda p: _to_parquet(table, p))
        return table

    def _atomic(self, name: str, write: Any) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.tmp-", dir=self.root)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            write(tmp)
            tmp.chmod(0o666 & ~_UMASK)
            os.replace(tmp, self.root / name)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


def build_table(rows: list[dict[str, Any]], override_keys: list[str]) -> pd.DataFrame:
    """Return rows as a table with a stable column order.

    Order: ``run_id``, ``scenario`` (only when some run has one), the override keys,
    ``status``, ``objective_per_year``, capacities, ratios and rules in first-seen
    order, then ``rules_ok`` ... ``profiles_cached``.
    """
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    fixed = set(LEADING_COLUMNS) | set(override_keys) | set(RESULT_COLUMNS) | set(TRAILING_COLUMNS)
    middle = [c for c in seen if c not in fixed]
    lead = ["run_id"] + (["scenario"] if any(r.get("scenario") for r in rows) else [])
    columns = [*lead, *override_keys, *RESULT_COLUMNS, *middle, *TRAILING_COLUMNS]
    table = pd.DataFrame(rows, columns=columns)
    return table


def atomic_write_text(path: Path, text: str) -> None:
    """Write a text file through a temporary file beside it, then move it into place."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        tmp.chmod(0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _to_parquet(table: pd.DataFrame, path: Path) -> None:
    try:
        table.to_parquet(path, index=False)
    except (TypeError, ValueError, ImportError, ArithmeticError):
        # mixed-type override columns (numbers and names): store them as text
        fixed = table.copy()
        for col in fixed.columns:
            if fixed[col].dtype == object:
                fixed[col] = fixed[col].map(lambda v: None if v is None else str(v))
        fixed.to_parquet(path, index=False)


def load_sweep(folder: str | Path) -> pd.DataFrame:
    """Return a sweep's table (one row per run) as a DataFrame.

    Parameters
    ----------
    folder : str or pathlib.Path
        The sweep folder (``dispatch sweep ... --out DIR``).

    Returns
    -------
    pandas.DataFrame
        The table of ``sweep.csv``; ``attrs["parameters"]`` lists the swept keys.

    Raises
    ------
    CaseError
        The folder holds no sweep table.
    """
    from dispatch.errors import CaseError, Problem

    root = Path(folder)
    if (root / TABLE_PARQUET).is_file():
        table = pd.read_parquet(root / TABLE_PARQUET)
    elif (root / TABLE_CSV).is_file():
        table = pd.read_csv(root / TABLE_CSV)
    else:
        raise CaseError([Problem(str(root), "", f"no {TABLE_CSV}: not a sweep folder")])
    meta = RunStore(root).read_meta()
    table.attrs["parameters"] = list(meta.get("parameters", []))
    table.attrs["override_keys"] = list(meta.get("override_keys", []))
    return table
