"""Statutory holidays for time-of-use calendars: Spring Festival, Labour Day, National Day.

The dates come from the project's one holiday table, ``dispatch/profiles/data/cn_holidays.yaml``
(shared with the load profiles): official State Council arrangements where transcribed, else the
rule stored there (Spring Festival from New Year's Eve to the 7th day of the lunar year, Labour Day
1-5 May, National Day 1-7 October).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml

from dispatch.tariffs._data import TariffDataError, UnknownKeyError

Status = Literal["official", "estimated"]

_TABLE = ("dispatch.profiles.data", "cn_holidays.yaml")
#: Holiday key → the name the holiday table uses in its labels.
_LABELS = {
    "spring_festival": "Spring Festival",
    "labour_day": "Labour Day",
    "national_day": "National Day",
}


class UnknownHolidayError(UnknownKeyError):
    """A holiday name or year outside the holiday table."""


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
        ``"official"`` (State Council arrangement) or ``"estimated"`` (rule).
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


@cache
def _table() -> dict[str, Any]:
    package, name = _TABLE
    return yaml.safe_load(resources.files(package).joinpath(name).read_text(encoding="utf-8"))


def holiday_names() -> list[str]:
    """Return the names of the holidays that calendars may refer to."""
    return list(_LABELS)


def covered_years() -> list[int]:
    """Return the years for which holiday periods are known (official or by the rule)."""
    table = _table()
    return sorted({int(y) for y in table["official"]} | {int(y) for y in table["spring_festival"]})


def _as_date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _official(year: int, name: str) -> tuple[dt.date, dt.date] | None:
    entries = _table()["official"].get(year) or []
    spans = [
        (_as_date(first), _as_date(last))
        for first, last, kind, label in entries
        if kind == "holiday" and _LABELS[name] in str(label)
    ]
    if not spans:
        return None
    return min(s[0] for s in spans), max(s[1] for s in spans)


def _rule(year: int, name: str) -> tuple[dt.date, dt.date]:
    rule = _table()["rule"]
    if name == "spring_festival":
        new_year = _as_date(_table()["spring_festival"][year])
        lo, hi = rule["spring_festival_offsets_days"]
        return new_year + dt.timedelta(days=lo), new_year + dt.timedelta(days=hi)
    for first, last, label in rule["fixed"]:
        if label == _LABELS[name]:
            return dt.date.fromisoformat(f"{year}-{first}"), dt.date.fromisoformat(f"{year}-{last}")
    raise TariffDataError(f"cn_holidays.yaml: the rule does not place {_LABELS[name]}")


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
        Official dates where the State Council arrangement is transcribed, else the rule.

    Raises
    ------
    UnknownHolidayError
        For a holiday or year outside the table; the message lists the known ones.
    """
    if name not in _LABELS:
        raise UnknownHolidayError(f"unknown holiday {name!r}; known holidays: {', '.join(_LABELS)}")
    years = covered_years()
    if year not in years:
        raise UnknownHolidayError(
            f"no holiday dates for {year}; known years: {years[0]}-{years[-1]}"
        )
    official = _official(year, name)
    if official is not None:
        source = (
            f"国务院办公厅关于{year}年部分节假日安排的通知 (STATE_COUNCIL_HOLIDAYS, "
            "dispatch/profiles/data/cn_holidays.yaml)"
        )
        return HolidayPeriod(name, *official, "official", source)
    source = "rule in dispatch/profiles/data/cn_holidays.yaml (no official arrangement shipped)"
    return HolidayPeriod(name, *_rule(year, name), "estimated", source)


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
