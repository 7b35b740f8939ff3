"""Read hourly profiles given in a case: a number, a CSV path, or a CSV column.

Every reader checks what it reads and reports problems as :class:`Problem`
lines that name the file, the key or row, and what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dispatch.case.schema import ProfileRef
from dispatch.errors import Problem
from dispatch.timegrid import HOURS_PER_YEAR, is_leap

_BINARY_SNIFF_BYTES = 4096


@dataclass(frozen=True)
class Bounds:
    """Allowed range of a profile's values and how to explain a breach.

    Attributes
    ----------
    low, high : float or None
        Inclusive limits; ``None`` for no limit.
    hint : str
        Added to the message when a value breaks a limit.
    """

    low: float | None = None
    high: float | None = None
    hint: str = ""


class ProfileReader:
    """Reads profiles relative to a case folder, caching each CSV once.

    Parameters
    ----------
    case_file : pathlib.Path
        The case YAML; relative paths resolve against its folder.
    year : int
        Case year; a leap year accepts 8784 values and drops 29 February.
    """

    def __init__(self, case_file: Path, year: int) -> None:
        self.case_file = case_file
        self.base = case_file.parent
        self.year = year
        self._frames: dict[Path, pd.DataFrame] = {}

    def read(
        self, value: float | str | ProfileRef, key: str, bounds: Bounds, problems: list[Problem]
    ) -> np.ndarray | None:
        """Return the 8760 hourly values of a profile, or ``None`` after recording problems.

        Parameters
        ----------
        value : float, str or ProfileRef
            The case value: a constant, a CSV path or a CSV column reference.
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
        if isinstance(value, bool):
            problems.append(Problem(str(self.case_file), key, "expected a number or a CSV path"))
            return None
        if isinstance(value, int | float):
            arr = np.full(HOURS_PER_YEAR, float(value))
            return (
                arr if self._check_range(arr, key, str(self.case_file), bounds, problems) else None
            )
        path_text, column = (
            (value.csv, value.column) if isinstance(value, ProfileRef) else (value, None)
        )
        path = (self.base / path_text).resolve()
        frame = self._frame(path, key, problems)
        if frame is None:
            return None
        return self._column(frame, path, column, key, bounds, problems)

    def _frame(self, path: Path, key: str, problems: list[Problem]) -> pd.DataFrame | None:
        if path in self._frames:
            return self._frames[path]
        where = str(self.case_file)
        if not path.exists():
            problems.append(Problem(where, key, f"profile file {path} does not exist"))
            return None
        if path.is_dir():
            problems.append(Problem(where, key, f"{path} is a folder, expected a CSV file"))
            return None
        try:
            head = path.open("rb").read(_BINARY_SNIFF_BYTES)
        except OSError as exc:
            problems.append(Problem(where, key, f"cannot read {path}: {exc.strerror}"))
            return None
        if not head.strip():
            problems.append(Problem(str(path), "", f"file is empty (referenced by {key})"))
            return None
        if b"\x00" in head:
            problems.append(Problem(str(path), "", f"binary file, expected CSV text ({key})"))
            return None
        try:
            frame = pd.read_csv(path, skip_blank_lines=False, encoding="utf-8")
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
            msg = str(exc).splitlines()[0]
            problems.append(Problem(str(path), "", f"not a readable CSV ({msg}) ({key})"))
            return None
        self._frames[path] = frame
        return frame

    def _column(
        self,
        frame: pd.DataFrame,
        path: Path,
        column: str | None,
        key: str,
        bounds: Bounds,
        problems: list[Problem],
    ) -> np.ndarray | None:
        if column is not None:
            if column not in frame.columns:
                known = ", ".join(str(c) for c in frame.columns)
                problems.append(
                    Problem(str(path), key, f"column '{column}' not found; columns are: {known}")
                )
                return None
            series = frame[column]
        else:
            series = _first_numeric_column(frame)
            if series is None:
                known = ", ".join(str(c) for c in frame.columns)
                problems.append(
                    Problem(str(path), key, f"no numeric column found; columns are: {known}")
                )
                return None
        values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            row = int(bad[0]) + 2  # 1-based, after the header line
            raw = series.iloc[bad[0]]
            what = (
                "missing value"
                if pd.isna(raw) or str(raw).strip() == ""
                else f"non-numeric value '{raw}'"
            )
            more = f" ({bad.size} bad rows in all)" if bad.size > 1 else ""
            problems.append(
                Problem(str(path), f"row {row}", f"{what} in column '{series.name}'{more} ({key})")
            )
            return None
        n = values.size
        if n == HOURS_PER_YEAR + 24 and is_leap(self.year):
            feb29 = slice(59 * 24, 60 * 24)  # hours of 29 February in a leap year
            values = np.delete(values, np.arange(feb29.start, feb29.stop))
        elif n != HOURS_PER_YEAR:
            leap = " or 8784 (leap year)" if is_leap(self.year) else ""
            problems.append(
                Problem(
                    str(path), key, f"has {n} values, expected {HOURS_PER_YEAR}{leap} hourly values"
                )
            )
            return None
        return values if self._check_range(values, key, str(path), bounds, problems) else None

    @staticmethod
    def _check_range(
        values: np.ndarray, key: str, where: str, bounds: Bounds, problems: list[Problem]
    ) -> bool:
        for limit, side, breach in (
            (bounds.low, "below", values < (bounds.low if bounds.low is not None else 0)),
            (bounds.high, "above", values > (bounds.high if bounds.high is not None else 0)),
        ):
            if limit is None or not breach.any():
                continue
            i = int(np.flatnonzero(breach)[0])
            extreme = values.min() if side == "below" else values.max()
            row = f", first at hour {i} (row {i + 2})" if values.size > 1 and np.ptp(values) else ""
            hint = f"; {bounds.hint}" if bounds.hint else ""
            problems.append(
                Problem(where, key, f"value {extreme:g} is {side} the allowed {limit:g}{row}{hint}")
            )
            return False
        return True


def _first_numeric_column(frame: pd.DataFrame) -> pd.Series | None:
    """Return the first column whose values are mostly numbers, or ``None``."""
    for name in frame.columns:
        col = frame[name]
        numeric = pd.to_numeric(col, errors="coerce")
        if len(col) and numeric.notna().mean() > 0.5:
            return col
    return None
