"""Read hourly profiles given in a case: a number, a CSV path, or a CSV column.

Every reader checks what it reads and reports problems as :class:`Problem`
lines that name the file, the key or row, and what is wrong. Row numbers are
line numbers of the file, as a spreadsheet shows them (the header is row 1).

CSV files are UTF-8 (a byte-order mark is fine), separated by commas,
semicolons or tabs, with a header line or none. Without a ``column``, the
first numeric column is read, skipping time columns (``timestamp``,
``hour``...) and row counters (0, 1, 2...).
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dispatch.case.schema import ProfileRef
from dispatch.errors import Problem
from dispatch.files import MAX_MAGNITUDE, MAX_TABLE_BYTES, FileRefused, read_limited
from dispatch.timegrid import HOURS_PER_YEAR, is_leap

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_NUMBER_LIKE = re.compile(r"[-+]?[\d][\d,.\s]*\s*[A-Za-z/%]*")
_TIME_COLUMNS = {"timestamp", "time", "date", "datetime", "hour", "hours", "hour_of_year", "index"}
_MISSING_WORDS = {"nan", "na", "n/a", "#n/a", "null", "none", "-", "--"}
_RESOLUTIONS = {
    HOURS_PER_YEAR * 4: "15-minute",
    (HOURS_PER_YEAR + 24) * 4: "15-minute",
    HOURS_PER_YEAR * 2: "30-minute",
    (HOURS_PER_YEAR + 24) * 2: "30-minute",
    365: "daily",
    366: "daily",
    12: "monthly",
}
_LEAP_DAY = slice(59 * 24, 60 * 24)  # hours of 29 February in a leap year's 8784 values


@dataclass(frozen=True)
class Bounds:
    """Allowed range of a profile's values and how to explain a breach.

    Attributes
    ----------
    low, high : float or None
        Inclusive limits; ``None`` for no limit.
    hint : str
        Added to the message when a value breaks a limit.
    high_hint : str
        Added instead of ``hint`` when a value is above ``high``.
    """

    low: float | None = None
    high: float | None = None
    hint: str = ""
    high_hint: str = ""


@dataclass(frozen=True)
class _Table:
    """A CSV read as text, with where its data rows start."""

    frame: pd.DataFrame
    first_row: int  # file line number of the first data row (2 with a header, 1 without)


def _absolute(path: Path) -> Path:
    """Return ``path`` made absolute and normalised, without following links.

    A link loop is then reported when the file is read, not raised here.
    """
    return Path(os.path.abspath(path))


def _shown(path: Path) -> str:
    """Return ``path`` relative to the working folder when it lies inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class ProfileReader:
    """Reads profiles relative to a case folder, caching each CSV once.

    Parameters
    ----------
    case_file : pathlib.Path
        The case YAML; relative paths resolve against its folder.
    year : int or None
        Case year; a leap year accepts 8784 values and drops 29 February.
        ``None`` (year unknown) accepts both 8760 and 8784 values.
    """

    def __init__(self, case_file: Path, year: int | None) -> None:
        self.case_file = case_file
        self.base = case_file.parent
        self.year = year
        self._tables: dict[Path, _Table | None] = {}

    def read(
        self, value: float | str | ProfileRef, key: str, bounds: Bounds, problems: list[Problem]
    ) -> np.ndarray | None:
        """Return the 8760 hourly values of a profile, or ``None`` after recording problems.

        Parameters
        ----------
        value : float, str or ProfileRef
            The case value: a constant, a CSV path or a CSV column reference.
            A text that reads as a number (``"1e3"``, which YAML leaves as text)
            is a constant.
        key : str
            Dotted case key, for messages.
        bounds : Bounds
            Allowed range of the values.
        problems : list of Problem
            Problems found are appended here.

        Returns
        -------
        numpy.ndarray or None
            Float array of length 8760.
        """
        where = str(self.case_file)
        if isinstance(value, bool):
            problems.append(Problem(where, key, "expected a number or a CSV path"))
            return None
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                pass
        if isinstance(value, int | float):
            if not np.isfinite(value):
                problems.append(Problem(where, key, f"must be a finite number (got {value})"))
                return None
            arr = np.full(HOURS_PER_YEAR, float(value))
            return arr if _in_range(arr, key, where, bounds, problems, None) else None
        path_text, column = (
            (value.csv, value.column) if isinstance(value, ProfileRef) else (value, None)
        )
        if _URL.match(path_text):
            problems.append(
                Problem(where, key, f"'{path_text}' is a URL; give a CSV file path instead")
            )
            return None
        path = _absolute(self.base / path_text)
        table = self._table(path, path_text, key, problems)
        if table is None:
            return None
        return self._column(table, path, column, key, bounds, problems)

    def _table(
        self, path: Path, path_text: str, key: str, problems: list[Problem]
    ) -> _Table | None:
        if path in self._tables:
            return self._tables[path]
        table = self._read_table(path, path_text, key, problems)
        if table is not None or path.exists():  # a missing file is reported for every key
            self._tables[path] = table
        return table

    def _read_table(
        self, path: Path, path_text: str, key: str, problems: list[Problem]
    ) -> _Table | None:
        where, shown = str(self.case_file), _shown(path)
        try:
            raw = read_limited(path, MAX_TABLE_BYTES)
        except FileRefused as exc:
            hint = ""
            if exc.reason == "does not exist" and _NUMBER_LIKE.fullmatch(path_text.strip()):
                hint = "; to give a constant, write a plain number (1000, not 1,000 or 1000 kW)"
            what = f"profile file {shown} {exc.reason}"
            if not exc.reason.startswith(("does not", "is ")):
                what = f"cannot read {shown}: {exc.reason}"
            problems.append(Problem(where, key, what + hint))
            return None
        if not raw.strip():
            problems.append(Problem(shown, "", f"file is empty ({key})"))
            return None
        if raw.startswith(b"PK\x03\x04"):
            problems.append(
                Problem(shown, "", f"is an Excel or zip file; save it as CSV (UTF-8) ({key})")
            )
            return None
        if b"\x00" in raw[:4096]:
            problems.append(Problem(shown, "", f"binary file, expected CSV text ({key})"))
            return None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            row = raw[: exc.start].count(b"\n") + 1
            problems.append(
                Problem(shown, f"row {row}", f"not UTF-8 text; save the file as CSV UTF-8 ({key})")
            )
            return None
        return _parse_csv(text, shown, key, problems)

    def _column(
        self,
        table: _Table,
        path: Path,
        column: str | None,
        key: str,
        bounds: Bounds,
        problems: list[Problem],
    ) -> np.ndarray | None:
        frame, shown = table.frame, _shown(path)
        known = ", ".join(str(c) for c in frame.columns)
        if column is not None:
            if column not in frame.columns:
                close = [c for c in frame.columns if str(c).lower() == column.lower()]
                close = close or difflib.get_close_matches(column, list(frame.columns), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                problems.append(
                    Problem(shown, key, f"column '{column}' not found; columns are: {known}{hint}")
                )
                return None
            name = column
        else:
            found = _value_column(frame)
            if found is None:
                problems.append(
                    Problem(
                        shown,
                        key,
                        f"no column of values to read (only times); columns are: {known}",
                    )
                )
                return None
            name = found
        text = frame[name].astype(str).str.strip()
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            more = f" ({bad.size} bad rows in all)" if bad.size > 1 else ""
            what = _what_is_wrong(str(text.iloc[bad[0]]))
            row = int(bad[0]) + table.first_row
            problems.append(
                Problem(shown, f"row {row}", f"{what} in column '{name}'{more} ({key})")
            )
            return None
        if not _in_range(values, key, shown, bounds, problems, table.first_row):
            return None
        n = values.size
        leap_ok = self.year is None or is_leap(self.year)
        if n == HOURS_PER_YEAR + 24 and leap_ok:
            return np.delete(values, np.arange(_LEAP_DAY.start, _LEAP_DAY.stop))
        if n != HOURS_PER_YEAR:
            problems.append(Problem(shown, key, self._length_message(n)))
            return None
        return values

    def _length_message(self, n: int) -> str:
        """Explain a wrong number of values."""
        leap = self.year is not None and is_leap(self.year)
        expected = f"{HOURS_PER_YEAR} hourly values" + (" or 8784 (leap year)" if leap else "")
        msg = f"has {n} values, expected {expected}"
        if n == HOURS_PER_YEAR + 24:
            msg += f"; 8784 is a leap year's count, but {self.year} is not a leap year"
        elif n in _RESOLUTIONS:
            msg += f"; this looks like {_RESOLUTIONS[n]} data: give one value per hour"
        return msg


def _parse_csv(text: str, shown: str, key: str, problems: list[Problem]) -> _Table | None:
    """Parse CSV text (comma, semicolon or tab separated, header optional) as strings.

    Line ends may be LF, CRLF or CR alone (old Mac files).
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.splitlines()
    first = lines[0] if lines else ""
    if not first.strip():
        problems.append(Problem(shown, "row 1", f"first line is blank, expected a header ({key})"))
        return None
    sep = next((s for s in (",", ";", "\t") if s in first), ",")
    fields = [f.strip().strip('"').strip() for f in first.split(sep)]
    header = not all(_is_number(f) for f in fields)
    if header:
        seen: set[str] = set()
        for name in fields:
            if name in seen:
                problems.append(
                    Problem(shown, "row 1", f"column '{name}' appears twice in the header ({key})")
                )
                return None
            seen.add(name)
    width = len(fields)
    reader = csv.reader(io.StringIO(text), delimiter=sep, strict=True)
    started = 1  # file line where the row being read starts
    try:
        for row in reader:
            started = reader.line_num + 1
            if row and len(row) != width:
                line = sep.join(row)
                hint = ""
                if width == 1 and re.fullmatch(r"\s*-?\d+,\d+\s*", line):
                    hint = f"; decimal comma? write {line.strip().replace(',', '.')}"
                problems.append(
                    Problem(
                        shown,
                        f"row {reader.line_num}",
                        f"has {_fields(len(row))}, the header has {width}{hint} ({key})",
                    )
                )
                return None
    except csv.Error as exc:
        msg = f"not a readable CSV: {exc}; is a quote left open? ({key})"
        problems.append(Problem(shown, f"row {started}", msg))
        return None
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=0 if header else None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
        )
    except pd.errors.ParserError as exc:
        msg = str(exc).strip().splitlines()[-1]
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
        if match:
            want, line, saw = match.groups()
            problems.append(
                Problem(shown, f"row {line}", f"has {saw} fields, the header has {want} ({key})")
            )
        else:
            problems.append(Problem(shown, "", f"not a readable CSV: {msg} ({key})"))
        return None
    if not header:
        frame.columns = [f"column {i + 1}" for i in range(frame.shape[1])]
    blank = (frame == "").all(axis=1).to_numpy()
    n = len(frame)
    while n and blank[n - 1]:  # blank lines at the end of a file are harmless
        n -= 1
    frame = frame.iloc[:n]
    if frame.empty:
        problems.append(Problem(shown, "", f"has a header but no data rows ({key})"))
        return None
    return _Table(frame=frame, first_row=2 if header else 1)


def _fields(n: int) -> str:
    return "1 field" if n == 1 else f"{n} fields"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _value_column(frame: pd.DataFrame) -> str | None:
    """Return the column to read when the case names none.

    The first mostly-numeric column that is neither a time nor a row counter
    (0, 1, 2... or 1, 2, 3...); failing that, the first other column, so that its
    first bad value gets reported; ``None`` when there are only times.
    """
    fallback = None
    for name in frame.columns:
        if str(name).strip().lower() in _TIME_COLUMNS or str(name).startswith("Unnamed"):
            continue
        numeric = pd.to_numeric(frame[name].astype(str).str.strip(), errors="coerce")
        if numeric.notna().mean() <= 0.5:
            fallback = fallback or str(name)
            continue
        steps = np.diff(numeric.to_numpy(dtype=float))
        if steps.size > 1 and np.all(steps == 1):  # 0, 1, 2... or 1, 2, 3...: a counter
            continue
        return str(name)
    return fallback


def _what_is_wrong(raw: str) -> str:
    """Describe a value that is not a finite number."""
    low = raw.lower()
    if raw == "":
        return "missing value"
    if low in _MISSING_WORDS:
        return f"missing value ('{raw}')"
    if low.lstrip("+-") in ("inf", "infinity"):
        return f"infinite value '{raw}'"
    if re.fullmatch(r"-?\d+,\d+", raw):
        return f"non-numeric value '{raw}' (decimal comma? write {raw.replace(',', '.')})"
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", raw):
        return f"non-numeric value '{raw}' (thousands separator? write {raw.replace(',', '')})"
    return f"non-numeric value '{raw}'"


def _in_range(
    values: np.ndarray,
    key: str,
    where: str,
    bounds: Bounds,
    problems: list[Problem],
    first_row: int | None,
) -> bool:
    """Check values against ``bounds``; record the first breach and return ``False``.

    Every profile is also held within ±:data:`dispatch.files.MAX_MAGNITUDE`.
    """
    huge = np.flatnonzero(np.abs(values) > MAX_MAGNITUDE)
    if huge.size:
        i = int(huge[0])
        at = f" (row {i + first_row})" if first_row is not None else ""
        problems.append(
            Problem(
                where,
                key,
                f"value {values[i]:g}{at} is too large: at most {MAX_MAGNITUDE:g} in size",
            )
        )
        return False
    for limit, side in ((bounds.low, "below"), (bounds.high, "above")):
        if limit is None:
            continue
        breach = values < limit if side == "below" else values > limit
        if not breach.any():
            continue
        i = int(np.flatnonzero(breach)[0])
        extreme = values.min() if side == "below" else values.max()
        count = int(breach.sum())
        at = ""
        if first_row is not None:
            at = f" (row {i + first_row}" + (f", {count} rows in all)" if count > 1 else ")")
        hint = bounds.high_hint if side == "above" and bounds.high_hint else bounds.hint
        hint = f"; {hint}" if hint else ""
        word = "lowest" if side == "below" else "highest"
        peak = f", {word} {extreme:g}" if count > 1 and extreme != values[i] else ""
        problems.append(
            Problem(
                where, key, f"value {values[i]:g}{at}{peak} is {side} the allowed {limit:g}{hint}"
            )
        )
        return False
    return True
