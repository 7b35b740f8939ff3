"""A sweep folder on disk: one folder per run with its record, and the sweep table.

Layout of ``DIR``::

    sweep.json            what was swept: case, parameters, method, horizon, run ids;
                          its ``"kind": "park-dispatch sweep"`` marks the folder as a sweep's
    sweep.csv             one row per finished run (also sweep.parquet)
    runs/<run-id>/        summary.json, timeseries.csv, capacities.csv, record.json
                          (a failed run: record.json only, with its error)

A run folder appears whole or not at all (written to a temporary folder, then
moved into place), and ``record.json`` is written inside it, so a run's outputs
and its table row land together. The table is a view rebuilt from the records;
a crash can lose only the view, and the next invocation rebuilds it.

A sweep writes only into a new or empty folder, or one marked as a sweep's by its
``sweep.json``; it never deletes a file it did not create (leftovers are recognised by
this tool's exact temporary names). A record that cannot be read, or a finished run
whose outputs are gone, is computed again.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from dispatch.errors import CaseError, Problem
from dispatch.files import MAX_TABLE_BYTES, FileRefused, read_limited, replace_file
from dispatch.results.write import (
    SUMMARY,
    TIMESERIES,
    check_location,
    json_ready,
    swap_into_place,
    write_results,
)
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
KIND = "park-dispatch sweep"
"""Value of ``sweep.json``'s ``kind``: the marker of a sweep folder."""
_OWN_RUN_LEFTOVER = re.compile(r"\..+\.(tmp|old)-[a-z0-9_]{8}|\..+\.lock")
_OWN_ROOT_LEFTOVER = re.compile(r"\.(sweep\.json|sweep\.csv|sweep\.parquet)\.tmp-[a-z0-9_]{8}")
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

    def check(self) -> None:
        """Refuse a folder that is not a sweep's: a file, or a folder of other files.

        Raises
        ------
        CaseError
            Naming ``--out`` and what is wrong; nothing in the folder is touched.
        """
        root = self.root

        def refuse(message: str) -> CaseError:
            return CaseError([Problem(str(root), "--out", message)])

        check_location(root, purpose="the sweep")  # a file, a device, a path under a file ...
        if not root.exists():
            return
        if not any(root.iterdir()) or self.read_meta().get("kind") == KIND:
            return
        legacy = self.read_meta()
        if {"case", "runs", "fingerprint"} <= set(legacy):  # written before the marker
            return
        raise refuse(
            "holds other files and no sweep.json of a sweep, so it is not a sweep folder; "
            "it is left alone: choose a new or empty folder"
        )

    def prepare(self) -> int:
        """Create the folders and remove leftovers of runs cut off mid-write.

        Only names this tool gives its temporary files are removed
        (``.<run>.tmp-XXXXXXXX``, ``.<run>.old-XXXXXXXX``, ``.<run>.lock`` in ``runs/``,
        ``.sweep.csv.tmp-XXXXXXXX`` ... in the folder). Call with the folder locked.

        Returns
        -------
        int
            Number of leftovers removed.
        """
        self.check()
        self.runs.mkdir(parents=True, exist_ok=True)
        removed = 0
        for stale in self.runs.iterdir():
            if _OWN_RUN_LEFTOVER.fullmatch(stale.name) and not stale.is_symlink():
                if stale.is_dir():
                    shutil.rmtree(stale, ignore_errors=True)
                else:
                    stale.unlink(missing_ok=True)
                removed += 1
        for stale in self.root.iterdir():
            if _OWN_ROOT_LEFTOVER.fullmatch(stale.name) and stale.is_file():
                stale.unlink(missing_ok=True)
                removed += 1
        return removed

    def run_dir(self, run_id: str) -> Path:
        """Folder of a run."""
        return self.runs / run_id

    def read(self, run_id: str) -> dict[str, Any] | None:
        """Return a run's record, or ``None`` when the run must be computed (again).

        ``None`` when the run has not finished, its record is damaged (not a mapping
        with a ``status`` and a ``row``), or it finished with results that are gone or
        damaged (no ``timeseries.csv``, no readable ``summary.json``).
        """
        folder = self.run_dir(run_id)
        try:
            record = json.loads(read_limited(folder / RECORD, MAX_TABLE_BYTES))
        except (FileRefused, ValueError):
            return None
        if not (
            isinstance(record, dict)
            and isinstance(record.get("status"), str)
            and isinstance(record.get("row"), dict)
            and record["row"].get("run_id") == run_id
        ):
            return None
        if record["status"] in OK_STATUSES and not (
            (folder / TIMESERIES).is_file() and _is_summary(folder / SUMMARY)
        ):
            return None
        return record

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
            write_results(  # replaces this run's own earlier folder, failed or not
                target,
                result.summary,
                result.timeseries,
                extra=add_record,
                bill_monthly=result.bill_monthly,
                check=False,
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
        """Return ``sweep.json`` (empty when missing or damaged)."""
        try:
            meta = json.loads(read_limited(self.root / META, MAX_TABLE_BYTES))
        except (FileRefused, ValueError):
            return {}
        return meta if isinstance(meta, dict) else {}

    def write_table(self, rows: list[dict[str, Any]], override_keys: list[str]) -> pd.DataFrame:
        """Write ``sweep.csv`` and ``sweep.parquet`` atomically; return the table."""
        table = build_table(rows, override_keys)
        self._atomic(TABLE_CSV, lambda p: table.to_csv(p, index=False))
        self._atomic(TABLE_PARQUET, lambda p: _to_parquet(table, p))
        return table

    def _atomic(self, name: str, write: Any) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        replace_file(self.root / name, write)


def _is_summary(path: Path) -> bool:
    """Return whether ``path`` is a readable ``summary.json`` (a JSON object)."""
    try:
        return isinstance(json.loads(read_limited(path, MAX_TABLE_BYTES)), dict)
    except (FileRefused, ValueError):
        return False


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
    replace_file(path, lambda tmp: tmp.write_text(text, "utf-8"))


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
    if not (root / TABLE_PARQUET).is_file() and not (root / TABLE_CSV).is_file():
        raise CaseError([Problem(str(root), "", f"no {TABLE_CSV}: not a sweep folder")])
    damage = []
    table = None
    for name, read in ((TABLE_PARQUET, pd.read_parquet), (TABLE_CSV, pd.read_csv)):
        if not (root / name).is_file():
            continue
        try:
            table = read(io.BytesIO(read_limited(root / name, MAX_TABLE_BYTES)))
        except FileRefused as exc:
            damage.append(Problem(str(root / name), "", exc.reason))
            continue
        except Exception as exc:  # pyarrow and pandas raise many kinds on a damaged file
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[-1]
            damage.append(Problem(str(root / name), "", f"damaged: {first}"))
            continue
        if not {"run_id", "status"} <= set(table.columns):
            damage.append(Problem(str(root / name), "", "damaged: no run_id and status columns"))
            table = None
            continue
        break
    if table is None:
        hint = "; run the sweep command again to rebuild it from the runs' records"
        last = damage[-1]
        raise CaseError([Problem(last.file, last.key, last.message + hint)])
    meta = RunStore(root).read_meta()
    table.attrs["parameters"] = list(meta.get("parameters", []))
    table.attrs["override_keys"] = list(meta.get("override_keys", []))
    table.attrs["runs"] = list(meta.get("runs", []))
    table.attrs["meta"] = meta
    return table
