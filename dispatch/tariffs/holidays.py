"""Chinese statutory holiday periods used by time-of-use calendars.

Official State Council arrangements are data (``data/holidays.yaml``). Years without a published
arrangement are estimated with the rule stored in the same file, from the lunar New Year date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from dispatch.tariffs._data import TariffDataError, UnknownKeyError, load

HolidayName = Literal["spring_festival", "labour_day", "national_day"]
Status = Literal["official", "estimated"]


class UnknownHolidayError(UnknownKeyError):
    """A holiday name or year outside the packaged data."""


@dataclass(frozen=True)
class HolidayPeriod:
    """The consecutive days off of one statutory holiday.

    Attributes
    ----------
    name : str
        ``"spring_festival"``, ``"labour_day"`` or ``"national_day"``.
    first, last : datetime.date
        First and last day off, inclusive.
    status : str
        ``"official"`` (State Council arrangement) or ``"estimated"`` (project rule).
    source : str
        Where the dates come from.
    """

    name: str
    first: dt.date
    last: dt.date
    status: Status
    source: str

    def days(self, first_n: int | None = None) -> list[dt.date]:
        """Return the days off, or only the first ``first_n`` of them."""
        n = (self.last - self.first).days + 1
        if first_n is not None:
            n = min(n, first_n)
        return [self.first + dt.timedelta(days=i) for i in range(n)]


def holiday_names() -> list[str]:
    """Return the names of the holidays covered by the data."""
    return list(load("holidays.yaml")["holidays"])


def covered_years() -> range:
    """Return the range of years for which holiday periods are available."""
    first, last = load("holidays.yaml")["covered_years"]
    return range(int(first), int(last) + 1)


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _estimate(year: int, name: str) -> tuple[dt.date, dt.date]:
    data = load("holidays.yaml")
    rule = data["estimate_rule"][name]
    if "lunar_new_year_offset_days" in rule:
        new_year = _as_date(data["lunar_new_year"]["dates"][year])
        start, end = rule["lunar_new_year_offset_days"]
        return new_year + dt.timedelta(days=start), new_year + dt.timedelta(days=end)
    if "month_day" in rule:
        (m0, d0), (m1, d1) = rule["month_day"]
        return dt.date(year, m0, d0), dt.date(year, m1, d1)
    raise TariffDataError(f"holidays.yaml: no usable estimate rule for {name}")


def holiday_period(year: int, name: str) -> HolidayPeriod:
    """Return the days off of one statutory holiday in one year.

    Parameters
    ----------
    year : int
        Calendar year.
    name : str
        ``"spring_festival"``, ``"labour_day"`` or ``"national_day"``.

    Returns
    -------
    HolidayPeriod
        Official dates where the State Council has published them, else an estimate.

    Raises
    ------
    UnknownHolidayError
        For a holiday or year outside the data; the message lists the known ones.
    """
    names = holiday_names()
    if name not in names:
        raise UnknownHolidayError(f"unknown holiday {name!r}; known holidays: {', '.join(names)}")
    years = covered_years()
    if year not in years:
        raise UnknownHolidayError(
            f"no holiday dates for {year}; known years: {years.start}-{years.stop - 1}"
        )
    data = load("holidays.yaml")
    official = data["official"].get(year)
    if official is not None and name in official:
        first, last = (_as_date(d) for d in official[name])
        return HolidayPeriod(name, first, last, "official", official["source"])
    first, last = _estimate(year, name)
    return HolidayPeriod(name, first, last, "estimated", data["estimate_rule"]["source"])


def holiday_dates(year: int, selection: Mapping[str, int | str]) -> list[dt.date]:
    """Return the sorted days that a calendar's holiday selection covers in one year.

    Parameters
    ----------
    year : int
        Calendar year.
    selection : mapping of str to int or ``"all"``
        Holiday name → ``"all"`` for every day off, or *n* for the first *n* days off.

    Returns
    -------
    list of datetime.date
        The selected days that fall in ``year``.
    """
    days: set[dt.date] = set()
    for name, which in selection.items():
        first_n = None if which == "all" else int(which)
        days.update(d for d in holiday_period(year, name).days(first_n) if d.year == year)
    return sorted(days)
