"""Time-of-use calendars: hourly period labels and hourly import prices.

A calendar (``data/calendars/<name>.yaml``) splits the year into seasons by month. Each season
assigns every clock hour to a *base band* (sharp peak, peak, flat, valley or deep valley) and may
add *overlays*: hours that switch to another period (Inner Mongolia's summer sharp peak and deep
valley). A calendar may also carry a *holiday overlay*: the deep-valley hours of the Spring
Festival, Labour Day and National Day holidays.

An overlay applies only where its period has a price. Give a deep-valley price (directly or
through a ratio) and the holiday deep valley applies; leave it out and those hours keep their
base band.

A :class:`Tariff` joins a calendar and price levels, given either as a price per period or as a
flat price times ratios (defaults: the ratios published with the calendar).

Examples
--------
>>> t = tariff("zhejiang-2024", prices_per_kwh={"sharp": 1.34, "peak": 1.12, "flat": 0.68,
...                                            "valley": 0.27})
>>> float(t.prices(2025).iloc[9])  # 1 January 2025, 09:00-10:00: summer/winter sharp peak
1.34
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dispatch.tariffs._data import TariffDataError, UnknownKeyError, list_files, load
from dispatch.tariffs.holidays import holiday_dates, holiday_names
from dispatch.timegrid import hours

#: Period labels, most to least expensive. Their order defines the integer codes used below.
PERIODS: tuple[str, ...] = ("sharp", "peak", "flat", "valley", "deep_valley")
_CODE = {p: i for i, p in enumerate(PERIODS)}
_HOURS_PER_DAY = 24

HourRanges = tuple[tuple[int, int], ...]
#: A ratio to the flat price: a number, or ``{"of": period, "factor": f}``, meaning f × the ratio
#: of that period.
RatioSpec = float | Mapping[str, Any]


class UnknownCalendarError(UnknownKeyError):
    """The case names a calendar that is not packaged."""


class TariffPriceError(ValueError):
    """The case's prices or ratios do not fit the calendar."""


@dataclass(frozen=True)
class Season:
    """One season of a calendar.

    Attributes
    ----------
    name : str
        Season name, for example ``"summer_winter"``.
    months : tuple of int
        Months (1-12) the season covers.
    bands : dict
        Period → hour ranges ``[start, end)``; together they cover each clock hour once.
    overlays : dict
        Period → hour ranges that switch to that period when it has a price.
    ratios : dict or None
        Published ratios to the flat price for this season (override the calendar's).
    """

    name: str
    months: tuple[int, ...]
    bands: dict[str, HourRanges]
    overlays: dict[str, HourRanges] = field(default_factory=dict)
    ratios: dict[str, RatioSpec] | None = None

    def day_codes(self, overlays: Collection[str] = ()) -> np.ndarray:
        """Return the period code of each clock hour, with the given overlays applied.

        Parameters
        ----------
        overlays : collection of str
            Overlay periods to apply (those with a price).

        Returns
        -------
        numpy.ndarray
            24 integer codes into :data:`PERIODS`.
        """
        codes = np.full(_HOURS_PER_DAY, -1, dtype=np.int8)
        for period, ranges in self.bands.items():
            for start, end in ranges:
                codes[start:end] = _CODE[period]
        for period in overlays:
            for start, end in self.overlays.get(period, ()):
                codes[start:end] = _CODE[period]
        return codes

    def day_labels(self, overlays: Collection[str] = ()) -> list[str]:
        """Return the period label of each clock hour (see :meth:`day_codes`)."""
        return [PERIODS[c] for c in self.day_codes(overlays)]


@dataclass(frozen=True)
class HolidayOverlay:
    """Hours that switch to a period on selected statutory holidays.

    Attributes
    ----------
    period : str
        Period of those hours, normally ``"deep_valley"``.
    hours : tuple of (int, int)
        Clock-hour ranges ``[start, end)``.
    holidays : dict
        Holiday name → ``"all"`` or the number of first days off that the overlay covers.
    confirmed : bool
        False when the rule comes from a secondary source only.
    """

    period: str
    hours: HourRanges
    holidays: dict[str, int | str]
    confirmed: bool = True


@dataclass(frozen=True)
class Calendar:
    """A time-of-use calendar read from ``data/calendars``.

    Attributes
    ----------
    name : str
        Key used in case files, for example ``"zhejiang-2024"``.
    title, source : str
        Description and the published document it encodes.
    province : str or None
        Province or grid key, used for the default export price.
    source_year : int or None
        Year of the source document.
    valid_from : str or None
        Date from which the scheme applies, when stated.
    seasons : tuple of Season
        Seasons, which together cover the twelve months once.
    holiday_overlay : HolidayOverlay or None
        Holiday deep-valley rule.
    ratios : dict or None
        Published ratios to the flat price for all seasons.
    """

    name: str
    title: str
    source: str
    province: str | None
    source_year: int | None
    valid_from: str | None
    seasons: tuple[Season, ...]
    holiday_overlay: HolidayOverlay | None
    ratios: dict[str, RatioSpec] | None

    def season(self, month: int) -> Season:
        """Return the season that contains ``month`` (1-12)."""
        return self.seasons[int(self._season_of_month[month])]

    @property
    def _season_of_month(self) -> np.ndarray:
        table = np.full(13, -1, dtype=np.int8)
        for i, s in enumerate(self.seasons):
            table[list(s.months)] = i
        return table

    def base_periods(self, season: Season) -> set[str]:
        """Return the periods that a season's base bands use (all need a price)."""
        return set(season.bands)

    def optional_periods(self, season: Season) -> set[str]:
        """Return the periods a season can switch to through overlays (price optional)."""
        extra = set(season.overlays)
        if self.holiday_overlay is not None:
            extra.add(self.holiday_overlay.period)
        return extra - self.base_periods(season)

    def day_labels(self, month: int, overlays: Collection[str] = ()) -> list[str]:
        """Return the 24 period labels of an ordinary day of ``month``.

        Parameters
        ----------
        month : int
            Month 1-12.
        overlays : collection of str
            Seasonal overlay periods to apply.
        """
        return self.season(month).day_labels(overlays)

    def hourly_periods(self, year: int, overlays: Collection[str] | None = None) -> pd.Series:
        """Return the period label of every hour of a model year.

        Parameters
        ----------
        year : int
            Model year (8760 hours, see :func:`dispatch.timegrid.hours`).
        overlays : collection of str, optional
            Overlay periods to apply (seasonal and holiday). ``None`` applies all of them.

        Returns
        -------
        pandas.Series
            Categorical labels from :data:`PERIODS`, indexed by the model's hourly timestamps.
        """
        priced = {s.name: set(PERIODS) if overlays is None else set(overlays) for s in self.seasons}
        codes, _ = self._codes(year, priced)
        return _labels(codes, hours(year))

    def _codes(self, year: int, priced: Mapping[str, set[str]]) -> tuple[np.ndarray, np.ndarray]:
        """Return (period code, season index) for each hour of ``year``.

        ``priced`` maps a season name to the periods that have a price there; overlays to other
        periods are not applied.
        """
        index = hours(year)
        season_idx = self._season_of_month[index.month.to_numpy()]
        table = np.stack([s.day_codes(priced[s.name]) for s in self.seasons])
        codes = table[season_idx, index.hour.to_numpy()]
        hol = self.holiday_overlay
        if hol is not None:
            days = pd.DatetimeIndex(holiday_dates(year, hol.holidays))
            in_hours = np.zeros(_HOURS_PER_DAY, dtype=bool)
            for start, end in hol.hours:
                in_hours[start:end] = True
            mask = index.normalize().isin(days) & in_hours[index.hour.to_numpy()]
            allowed = np.array([hol.period in priced[s.name] for s in self.seasons])
            mask &= allowed[season_idx]
            codes = np.where(mask, _CODE[hol.period], codes)
        return codes, season_idx


def _labels(codes: np.ndarray, index: pd.DatetimeIndex) -> pd.Series:
    cat = pd.Categorical.from_codes(
        np.asarray(codes, dtype=np.int64), categories=pd.Index(list(PERIODS))
    )
    return pd.Series(cat, index=index, name="tou_period")


def _ranges(value: Any, where: str) -> HourRanges:
    out = []
    for pair in value or ():
        start, end = (int(x) for x in pair)
        if not 0 <= start < end <= _HOURS_PER_DAY:
            raise TariffDataError(f"{where}: bad hour range {pair}")
        out.append((start, end))
    return tuple(out)


def _period_ranges(value: Mapping[str, Any] | None, where: str) -> dict[str, HourRanges]:
    out = {}
    for period, ranges in (value or {}).items():
        if period not in _CODE:
            raise TariffDataError(f"{where}: unknown period {period!r}")
        out[period] = _ranges(ranges, f"{where}.{period}")
    return out


def _parse(data: Mapping[str, Any]) -> Calendar:
    name = str(data["name"])
    seasons = []
    months_seen: list[int] = []
    for raw in data["seasons"]:
        where = f"calendar {name}, season {raw['name']}"
        season = Season(
            name=str(raw["name"]),
            months=tuple(int(m) for m in raw["months"]),
            bands=_period_ranges(raw["bands"], where),
            overlays=_period_ranges(raw.get("overlays"), where),
            ratios=raw.get("ratios"),
        )
        hours_used = sum(end - start for r in season.bands.values() for start, end in r)
        if hours_used != _HOURS_PER_DAY or (season.day_codes() < 0).any():
            raise TariffDataError(f"{where}: bands must cover each of the 24 hours once")
        months_seen.extend(season.months)
        seasons.append(season)
    if sorted(months_seen) != list(range(1, 13)):
        raise TariffDataError(f"calendar {name}: seasons must cover months 1-12 once each")
    hol = None
    raw_hol = data.get("holiday_overlay")
    if raw_hol:
        unknown = set(raw_hol["holidays"]) - set(holiday_names())
        if unknown or raw_hol["period"] not in _CODE:
            raise TariffDataError(f"calendar {name}: bad holiday overlay {raw_hol}")
        hol = HolidayOverlay(
            period=str(raw_hol["period"]),
            hours=_ranges(raw_hol["hours"], f"calendar {name}, holiday overlay"),
            holidays=dict(raw_hol["holidays"]),
            confirmed=bool(raw_hol.get("confirmed", True)),
        )
    valid_from = data.get("valid_from")
    return Calendar(
        name=name,
        title=str(data["title"]),
        source=str(data["source"]),
        province=data.get("province"),
        source_year=data.get("source_year"),
        valid_from=None if valid_from is None else str(valid_from),
        seasons=tuple(seasons),
        holiday_overlay=hol,
        ratios=data.get("ratios"),
    )


def known_calendars() -> list[str]:
    """Return the names of the packaged calendars."""
    return list_files("calendars")


def load_calendar(name: str) -> Calendar:
    """Return a packaged calendar by name.

    Parameters
    ----------
    name : str
        Calendar key, for example ``"zhejiang-2024"``.

    Raises
    ------
    UnknownCalendarError
        If no such calendar is packaged; the message lists the known ones.
    """
    known = known_calendars()
    if name not in known:
        raise UnknownCalendarError(
            f"unknown tariff calendar {name!r}; known calendars: {', '.join(known)}"
        )
    calendar = _parse(load(f"calendars/{name}.yaml"))
    if calendar.name != name:
        raise TariffDataError(f"calendars/{name}.yaml declares name {calendar.name!r}")
    return calendar


# --------------------------------------------------------------------------- prices


def resolve_ratios(ratios: Mapping[str, RatioSpec]) -> dict[str, float]:
    """Turn ratio specifications into plain ratios to the flat price.

    Parameters
    ----------
    ratios : mapping
        Period → a number, or ``{"of": other_period, "factor": f}`` meaning f × the other
        period's ratio (for example a sharp peak 20 % above the peak).

    Returns
    -------
    dict
        Period → ratio to the flat price.
    """
    out: dict[str, float] = {}

    def value(period: str, stack: tuple[str, ...]) -> float:
        if period in out:
            return out[period]
        if period not in ratios:
            raise TariffPriceError(f"ratio of {period!r} refers to a period without a ratio")
        if period in stack:
            raise TariffPriceError(f"ratios refer to each other in a loop: {stack}")
        spec = ratios[period]
        if isinstance(spec, Mapping):
            v = float(spec["factor"]) * value(str(spec["of"]), (*stack, period))
        else:
            v = float(spec)
        out[period] = v
        return v

    for period in ratios:
        if period not in _CODE:
            raise TariffPriceError(f"unknown period {period!r} in ratios; periods: {PERIODS}")
        value(period, ())
    return out


@dataclass(frozen=True)
class Tariff:
    """A calendar with price levels: the hourly import energy price.

    Build one with :func:`tariff`.

    Attributes
    ----------
    calendar : Calendar
        The time-of-use calendar.
    season_prices : dict
        Season name → period → price [CNY/kWh]. Overlay periods without a price are absent.
    basis : str
        ``"prices"`` (levels given per period) or ``"ratios"`` (flat price × ratios).
    """

    calendar: Calendar
    season_prices: dict[str, dict[str, float]]
    basis: str

    def periods(self, year: int) -> pd.Series:
        """Return the period label of each hour, overlays applied where priced."""
        codes, _ = self._codes(year)
        return _labels(codes, hours(year))

    def prices(self, year: int) -> pd.Series:
        """Return the import energy price of each hour of ``year`` [CNY/kWh]."""
        codes, season_idx = self._codes(year)
        table = np.full((len(self.calendar.seasons), len(PERIODS)), np.nan)
        for i, s in enumerate(self.calendar.seasons):
            for period, price in self.season_prices[s.name].items():
                table[i, _CODE[period]] = price
        values = table[season_idx, codes]
        return pd.Series(values, index=hours(year), name="import_price_per_kwh")

    def price_table(self) -> pd.DataFrame:
        """Return the prices as a season × period table [CNY/kWh] (NaN where unused)."""
        frame = pd.DataFrame(self.season_prices).T.reindex(columns=list(PERIODS))
        frame.index.name = "season"
        return frame

    def _codes(self, year: int) -> tuple[np.ndarray, np.ndarray]:
        priced = {name: set(p) for name, p in self.season_prices.items()}
        return self.calendar._codes(year, priced)


def _check_price(period: str, price: object) -> float:
    try:
        value = float(price)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise TariffPriceError(f"price of {period!r} is not a number: {price!r}") from exc
    if not math.isfinite(value):
        raise TariffPriceError(f"price of {period!r} is not finite: {price!r}")
    return value


def tariff(
    calendar: str | Calendar,
    *,
    prices_per_kwh: Mapping[str, float] | None = None,
    flat_price_per_kwh: float | None = None,
    ratios: Mapping[str, RatioSpec] | None = None,
    non_tou_adder_per_kwh: float = 0.0,
) -> Tariff:
    """Join a calendar with price levels.

    Give either ``prices_per_kwh`` or ``flat_price_per_kwh`` (optionally with ``ratios``).

    Parameters
    ----------
    calendar : str or Calendar
        Calendar name or object.
    prices_per_kwh : mapping, optional
        Period → price [CNY/kWh], the same in every season. Every base period of the calendar
        needs a price; overlay periods (deep valley, Inner Mongolia's summer sharp peak) apply
        only when priced.
    flat_price_per_kwh : float, optional
        Flat-period price [CNY/kWh]; other periods are this times their ratio.
    ratios : mapping, optional
        Ratios to the flat price that override the calendar's published ratios, period by period
        (a number, or ``{"of": period, "factor": f}``).
    non_tou_adder_per_kwh : float, default 0
        With ratios: the part of the price that does not float with the periods (energy T&D
        price, government funds) [CNY/kWh], added to every hour.

    Returns
    -------
    Tariff

    Raises
    ------
    TariffPriceError
        When both or neither price form is given, or a base period has no price or ratio.
    """
    cal = load_calendar(calendar) if isinstance(calendar, str) else calendar
    if (prices_per_kwh is None) == (flat_price_per_kwh is None):
        raise TariffPriceError(
            f"tariff {cal.name}: give either prices_per_kwh or flat_price_per_kwh (with ratios)"
        )
    if prices_per_kwh is not None:
        if ratios is not None:
            raise TariffPriceError(f"tariff {cal.name}: ratios need flat_price_per_kwh")
        unknown = set(prices_per_kwh) - set(PERIODS)
        if unknown:
            raise TariffPriceError(
                f"tariff {cal.name}: unknown periods {sorted(unknown)}; periods: {list(PERIODS)}"
            )
        given = {p: _check_price(p, v) for p, v in prices_per_kwh.items()}
        return _build(cal, {s.name: given for s in cal.seasons}, "prices")
    flat = _check_price("flat", flat_price_per_kwh)
    adder = _check_price("non_tou_adder", non_tou_adder_per_kwh)
    by_season = {}
    for s in cal.seasons:
        # Ratios are to the flat price, so the flat ratio is 1 by definition.
        merged = {"flat": 1.0, **(cal.ratios or {}), **(s.ratios or {}), **(ratios or {})}
        by_season[s.name] = {p: flat * r + adder for p, r in resolve_ratios(merged).items()}
    return _build(cal, by_season, "ratios")


def _build(cal: Calendar, given: Mapping[str, Mapping[str, float]], basis: str) -> Tariff:
    """Keep each season's prices for the periods it uses; report missing base prices at once."""
    missing = {p for s in cal.seasons for p in cal.base_periods(s) - set(given[s.name])}
    if missing:
        need = {p for s in cal.seasons for p in cal.base_periods(s)}
        optional = {p for s in cal.seasons for p in cal.optional_periods(s)} - need
        what = "prices_per_kwh" if basis == "prices" else "ratios"
        raise TariffPriceError(
            f"tariff {cal.name}: {what} lacks {_ordered(missing)}; this calendar needs "
            f"{_ordered(need)}" + (f" (optional: {_ordered(optional)})" if optional else "")
        )
    season_prices = {}
    for s in cal.seasons:
        wanted = cal.base_periods(s) | cal.optional_periods(s)
        season_prices[s.name] = {
            p: given[s.name][p] for p in PERIODS if p in wanted & set(given[s.name])
        }
    return Tariff(cal, season_prices, basis)


def _ordered(periods: Collection[str]) -> str:
    return ", ".join(p for p in PERIODS if p in periods)
