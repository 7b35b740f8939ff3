"""The hourly time grid shared by profiles, model and results.

A model year always has 8760 hours starting 1 January 00:00 local time
(China Standard Time, UTC+8, no daylight saving). In a leap year 29 February
is left out, so that every year has the same 8760 steps.
"""

from __future__ import annotations

import pandas as pd

HOURS_PER_YEAR = 8760
LOCAL_TZ = "Asia/Shanghai"


def is_leap(year: int) -> bool:
    """Return True when ``year`` is a Gregorian leap year."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def hours(year: int, tz: str | None = None) -> pd.DatetimeIndex:
    """Return the 8760 hourly timestamps of a model year.

    Parameters
    ----------
    year : int
        Calendar year.
    tz : str, optional
        Time zone to attach (for example ``"Asia/Shanghai"`` for pvlib).
        ``None`` gives naive local timestamps.

    Returns
    -------
    pandas.DatetimeIndex
        8760 hourly stamps; 29 February is skipped in leap years.
    """
    idx = pd.date_range(f"{year}-01-01 00:00", periods=8784 if is_leap(year) else 8760, freq="h")
    if is_leap(year):
        idx = idx[~((idx.month == 2) & (idx.day == 29))]
    if tz is not None:
        idx = idx.tz_localize(tz)
    return idx
