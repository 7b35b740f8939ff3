"""Write a run's outputs atomically: all files appear together, or none change.

Outputs go to a temporary folder beside the target (``.NAME.tmp-XXXXXXXX``) and are
moved into place only when complete: the old folder is renamed aside
(``.NAME.old-XXXXXXXX``), the new one renamed in, the old one removed. A failed or
interrupted run leaves an earlier results folder untouched. A successful run replaces
the previous results of the same folder. A folder that is not a results folder (it
has files but no ``summary.json``) is never replaced. The diagnosis of an infeasible
case goes into the target unless it holds a finished run; then next to it
(``<folder>-infeasible``, or ``<folder>-infeasible-2`` ... when that holds other files).

Writers of one folder exclude each other through a lock file beside it
(``.NAME.lock``, removed when released). Under the lock, leftovers of a writer that was
killed are cleaned up: a swap cut off between its two renames is undone (the old
folder is restored), and temporary folders of this tool's naming are removed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dispatch.errors import CaseError, Problem
from dispatch.files import MAX_TABLE_BYTES, FileRefused, read_limited, slug
from dispatch.results.financials import cashflow_of

SUMMARY = "summary.json"
TIMESERIES = "timeseries.csv"
CAPACITIES = "capacities.csv"
BILL = "bill_monthly.csv"
RESULTS_ROOT = Path("results")
"""Where ``dispatch run`` writes when ``--out`` is not given."""

_TEMP_SUFFIX = re.compile(r"[a-z0-9_]{8}")  # what tempfile.mkdtemp appends
_ROOM_FOR_TEMP = len(".tmp-") + 8 + 1  # a temporary folder's name is longer than the folder's
_held: dict[str, tuple[int, int]] = {}  # lock path -> (descriptor, depth) in this process
CASHFLOW = "cashflow.csv"
STAMP_FORMAT = "%Y-%m-%d %H:%M"
"""How the tables write their timestamps."""
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def write_results(
    out: Path,
    summary: dict[str, Any],
    timeseries: pd.DataFrame,
    extra: Callable[[Path], None] | None = None,
    bill_monthly: pd.DataFrame | None = None,
    check: bool = True,
) -> Path:
    """Write ``summary.json``, ``timeseries.csv``, ``capacities.csv`` and ``cashflow.csv``.

    ``cashflow.csv`` (the yearly cash flow against the baseline,
    :func:`dispatch.results.financials.cashflow_of`) is written when the summary
    has ``financials``.

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
    check : bool
        Refuse a target that is not a results folder (:func:`check_target`); a sweep,
        which owns its run folders, replaces a failed run's folder without it.

    Returns
    -------
    pathlib.Path
        The results folder.
    """

    def fill(tmp: Path) -> None:
        write_summary(tmp / SUMMARY, summary)
        ts = timeseries.copy()
        if "timestamp" in ts:
            ts["timestamp"] = stamp_text(ts["timestamp"])
        write_csv(ts, tmp / TIMESERIES, "%.12g")
        caps = summary.get("capacities", {})
        pd.DataFrame({"capacity": list(caps), "value": list(caps.values())}).to_csv(
            tmp / CAPACITIES, index=False
        )
        if bill_monthly is not None:
            bill_monthly.to_csv(tmp / BILL, float_format="%.6g")
        cashflow = cashflow_of(summary)
        if cashflow is not None:
            cashflow.to_csv(tmp / CASHFLOW, index=False, float_format="%.17g")
        if extra is not None:
            extra(tmp)

    with folder_lock(out):
        if check:
            check_target(out)
        _write_atomic(Path(out), fill)
    return Path(out)


def stamp_text(stamps: pd.Series) -> pd.Series:
    """Return timestamps as text, ``YYYY-MM-DD HH:MM`` (:data:`STAMP_FORMAT`).

    The same text as ``pd.to_datetime(stamps).dt.strftime(STAMP_FORMAT)``; naive
    stamps without gaps are converted by numpy at once, not one stamp at a time.
    """
    if (
        stamps.dtype.kind == "M"
        and getattr(stamps.dtype, "tz", None) is None
        and stamps.notna().all()
    ):
        text = np.datetime_as_string(stamps.to_numpy(), unit="m")  # 2030-01-01T00:00
        return pd.Series([t[:10] + " " + t[11:] for t in text.tolist()], index=stamps.index)
    return pd.to_datetime(stamps).dt.strftime(STAMP_FORMAT)


def write_csv(frame: pd.DataFrame, path: Path, float_format: str) -> None:
    """Write ``frame`` as ``frame.to_csv(path, index=False, float_format=float_format)`` does.

    pandas formats a table cell by cell with much overhead of its own; a table of
    float, integer and plain text columns (no separator, quote or line break to
    quote) is joined here directly, byte for byte the same file. Any other table
    goes to pandas.
    """
    columns = _csv_columns(frame, float_format)
    if columns is None:
        frame.to_csv(path, index=False, float_format=float_format)
        return
    end = os.linesep
    lines = [
        ",".join(map(str, frame.columns)),
        *(",".join(row) for row in zip(*columns, strict=True)),
    ]
    with open(path, "w", encoding="utf-8", newline="") as stream:
        stream.write(end.join(lines) + end)


def _csv_columns(frame: pd.DataFrame, float_format: str) -> list[list[str]] | None:
    """Return the cells of ``frame`` as CSV text, column by column; ``None`` when unsure."""
    if (
        frame.columns.empty
        or not frame.columns.is_unique
        or not all(isinstance(c, str) and c and not _NEEDS_QUOTES.search(c) for c in frame.columns)
    ):
        return None
    columns = []
    for _, column in frame.items():
        values = column.tolist()
        if column.dtype == np.float64:
            cells = ["" if v != v else float_format % v for v in values]
        elif isinstance(column.dtype, np.dtype) and column.dtype.kind in "iu":  # not Int64
            cells = [str(v) for v in values]
        elif all(type(v) is str and v and not _NEEDS_QUOTES.search(v) for v in values):
            cells = values
        else:
            return None
        columns.append(cells)
    return columns


def write_folder(out: Path, fill: Callable[[Path], None]) -> Path:
    """Write a folder of results atomically: ``fill`` writes into a temporary folder.

    The same checks and lock as :func:`write_results` (a pathway writes its periods'
    folders and its own tables this way).
    """
    with folder_lock(out):
        check_target(out)
        _write_atomic(Path(out), fill)
    return Path(out)


def check_target(out: Path) -> None:
    """Refuse a target that a run must not or cannot replace, before anything is solved.

    Refused: a folder of other files, and every place :func:`check_location` refuses.

    Raises
    ------
    CaseError
        Naming ``--out`` and what is wrong with it.
    """
    out = Path(out)
    check_location(out)
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


def check_location(out: Path, option: str = "--out", purpose: str = "the results") -> None:
    """Refuse a folder that cannot be written: before any work is done for it.

    Refused: a file or device; a path under a file; a folder name too long for its
    temporary sibling; a place where folders cannot be made.

    Parameters
    ----------
    out : pathlib.Path
        The folder to write.
    option : str
        The option that gave it, for messages.
    purpose : str
        What the folder is for, for messages (``"the results"``).

    Raises
    ------
    CaseError
        Naming ``option`` and what is wrong with the folder.
    """
    out = Path(out)

    def refuse(message: str) -> CaseError:
        return CaseError([Problem(str(out), option, message)])

    try:
        info = os.stat(out)
    except FileNotFoundError:
        info = None
    except OSError as exc:  # a path through a file, a loop, a name too long
        raise refuse(_why(exc)) from None
    if info is not None and not stat.S_ISDIR(info.st_mode):
        kind = "a file" if stat.S_ISREG(info.st_mode) else "a device or special file"
        raise refuse(f"is {kind}; give a folder for {purpose}")
    absolute = Path(os.path.abspath(out))
    if not absolute.name:
        raise refuse("is the root of the file system; give a folder of its own")
    name_max = _limit(out, "PC_NAME_MAX", 255)
    if len(os.fsencode(absolute.name)) + _ROOM_FOR_TEMP > name_max:
        raise refuse(f"folder name is too long (at most {name_max - _ROOM_FOR_TEMP} bytes)")
    if len(os.fsencode(absolute)) + _ROOM_FOR_TEMP > _limit(out, "PC_PATH_MAX", 4096):
        raise refuse("path is too long")
    existing = absolute.parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise refuse(f"{existing} is a file, so no folder can be made under it")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise refuse(f"cannot create folders in {existing}: permission denied")


def _why(exc: OSError) -> str:
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is a file, so no folder can be made under it"
    if exc.errno == errno.ENAMETOOLONG:
        return "path or folder name is too long"
    if exc.errno == errno.ELOOP:
        return "is a symbolic link loop"
    return exc.strerror or str(exc)


def _limit(path: Path, name: str, fallback: int) -> int:
    """Return a file-system limit of the nearest existing folder of ``path``."""
    where = Path(os.path.abspath(path))
    while not where.is_dir() and where != where.parent:
        where = where.parent
    try:
        return int(os.pathconf(where, name))
    except (OSError, ValueError):
        return fallback


def default_folder(
    name: str,
    scenario: str | None = None,
    overrides: dict[str, Any] | None = None,
    hours: int | None = None,
) -> Path:
    """Return the default results folder of a run: ``results/<case>`` or a what-if beside it.

    The case name is made a safe folder name (:func:`dispatch.files.slug`), never joined
    as a path. A run with a scenario, ``--set`` overrides or a short horizon gets its own
    folder, ``results/<case>--<scenario>-<hours>h-<hash of the overrides>``, so it never
    replaces the base results.

    Parameters
    ----------
    name : str
        Case name.
    scenario : str, optional
        ``--scenario`` names.
    overrides : dict, optional
        ``--set`` overrides (dotted key to value).
    hours : int, optional
        ``--hours``.
    """
    parts = [slug(scenario)] if scenario else []
    if hours:
        parts.append(f"{hours}h")
    if overrides:
        text = json.dumps(json_ready(overrides), sort_keys=True, default=str)
        parts.append(hashlib.sha256(text.encode()).hexdigest()[:8])
    label = "--" + "-".join(parts) if parts else ""
    return RESULTS_ROOT / f"{slug(name)}{label}"


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
        status = json.loads(read_limited(path, MAX_TABLE_BYTES)).get("status")
    except (FileRefused, ValueError, AttributeError):
        return True
    return status != "infeasible"


def write_diagnosis(out: Path, summary: dict[str, Any]) -> Path:
    """Write the ``summary.json`` of an infeasible run; return the folder written.

    The diagnosis goes into ``out`` unless ``out`` holds a finished run (or is not
    a results folder); then into ``<out>-infeasible`` beside it, or, when that holds
    other files, the first of ``<out>-infeasible-2``, ``-3`` ... that does not.
    """
    out = Path(out)
    candidates = [out] + [
        out.with_name(f"{out.name}-infeasible" + (f"-{n}" if n > 1 else "")) for n in range(1, 100)
    ]
    for target in candidates:
        with folder_lock(target):
            if target.exists() and (
                not target.is_dir() or holds_finished_run(target) or not is_results_folder(target)
            ):
                continue
            check_target(target)
            _write_atomic(target, lambda tmp: write_summary(tmp / SUMMARY, summary))
            return target
    raise CaseError([Problem(str(out), "--out", "no free folder beside it for the diagnosis")])


def _write_atomic(out: Path, fill: Callable[[Path], None]) -> None:
    """Fill a temporary folder beside ``out`` and move it into place when complete."""
    absolute = out.resolve()
    absolute.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{absolute.name}.tmp-", dir=absolute.parent))
    _usual_permissions(tmp)
    try:
        fill(tmp)
        swap_into_place(tmp, absolute)
    except OSError as exc:  # name the folder the user gave, not the temporary one
        shutil.rmtree(tmp, ignore_errors=True)
        raise OSError(exc.errno, exc.strerror or str(exc), str(out)) from None
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
    """Replace ``out`` by ``tmp``; the old folder is removed only after the move.

    Between the two renames the old folder sits in ``.NAME.old-XXXXXXXX``; if the
    process dies there, :func:`recover` restores it on the next write.
    """
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


def _leftovers(out: Path, kind: str) -> list[Path]:
    """Return this tool's temporary folders of ``out`` (``.NAME.tmp-XXXXXXXX``), oldest first."""
    prefix = f".{out.name}.{kind}-"
    found = []
    try:
        entries = list(os.scandir(out.parent))
    except OSError:
        return []
    for entry in entries:
        if (
            entry.name.startswith(prefix)
            and _TEMP_SUFFIX.fullmatch(entry.name[len(prefix) :])
            and entry.is_dir(follow_symlinks=False)
        ):
            found.append(Path(entry.path))
    return sorted(found, key=lambda p: p.stat().st_mtime)


def recover(out: Path) -> list[Path]:
    """Clean up after a writer of ``out`` that was killed; call with the folder locked.

    A swap cut off between its renames (``out`` gone, ``.NAME.old-*`` left) is undone by
    moving the newest old folder back. Remaining ``.NAME.old-*`` and ``.NAME.tmp-*``
    folders (this tool's naming only) are removed.

    Returns
    -------
    list of pathlib.Path
        The leftovers removed or restored.
    """
    out = Path(os.path.abspath(out))
    olds = _leftovers(out, "old")
    touched = []
    if olds and not os.path.lexists(out):
        os.replace(olds.pop(), out)
        touched.append(out)
    for stale in olds + _leftovers(out, "tmp"):
        shutil.rmtree(stale, ignore_errors=True)
        touched.append(stale)
    return touched


@contextlib.contextmanager
def folder_lock(out: Path) -> Iterator[None]:
    """Hold the write lock of folder ``out`` (re-entrant in one process); clean up leftovers.

    The lock is an ``flock`` on ``.NAME.lock`` beside the folder, removed on release.

    Raises
    ------
    CaseError
        Another process holds the lock: it is writing the same folder.
    """
    given = Path(out)  # for messages, as the user wrote it
    out = Path(os.path.abspath(out))
    path = out.with_name(f".{out.name}.lock")
    key = str(path)
    if key in _held:
        fd, depth = _held[key]
        _held[key] = (fd, depth + 1)
        try:
            yield
        finally:
            _held[key] = (fd, depth)
        return
    fd = _acquire(path, given)
    _held[key] = (fd, 1)
    try:
        recover(out)
        yield
    finally:
        del _held[key]
        with contextlib.suppress(OSError):
            os.unlink(path)  # while still locked: a waiter re-checks the file it locked
        os.close(fd)


def _acquire(path: Path, out: Path) -> int:
    """Lock ``path`` (created as needed) and return its descriptor."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CaseError([Problem(str(out), "--out", _why(exc))]) from None
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise CaseError([Problem(str(out), "--out", f"cannot lock: {_why(exc)}")]) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise CaseError(
                [
                    Problem(
                        str(out),
                        "--out",
                        f"another dispatch process (pid {holder}) is writing this folder; "
                        "wait for it to finish or choose another folder",
                    )
                ]
            ) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        os.close(fd)  # the holder removed the file as we locked it: lock the new one


def _usual_permissions(folder: Path) -> None:
    """Give a temporary folder the permissions a plain ``mkdir`` would (mkdtemp makes 0700)."""
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)
