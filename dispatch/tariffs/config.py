"""Case-file sections for the tariff and the published emission factor (pydantic).

These models validate the ``grid.tariff`` and ``grid.emission_factor`` mappings of a case
(:class:`dispatch.case.schema.Grid`) and turn them into the objects of :mod:`dispatch.tariffs`.
Validation errors name the known calendars, regions and years.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dispatch.tariffs._data import UnknownKeyError
from dispatch.tariffs.calendars import PERIODS, RatioSpec, Tariff, tariff
from dispatch.tariffs.emissions import GridFactor, grid_emission_factor

Period = Literal["sharp", "peak", "flat", "valley", "deep_valley"]
assert set(get_args(Period)) == set(PERIODS)


class RelativeRatio(BaseModel):
    """A ratio given relative to another period: ``factor`` × that period's ratio."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    of: Period = Field(description="Period whose ratio this one is relative to.")
    factor: float = Field(gt=0, description="Multiplier on that period's ratio [-].")


class TariffConfig(BaseModel):
    """``grid.tariff``: a time-of-use calendar with price levels.

    Give ``prices_per_kwh``, or ``flat_price_per_kwh`` with optional ``ratios``.
    """

    model_config = ConfigDict(extra="forbid")

    calendar: str = Field(
        description="Time-of-use calendar: zhejiang-2024, zhejiang-2026, inner-mongolia-west, "
        "flat (see docs/tariffs.md)."
    )
    prices_per_kwh: dict[Period, float] | None = Field(
        default=None,
        description="Import energy price of each period [CNY/kWh], the same in every season. "
        "A deep-valley price switches on the holiday deep valley.",
    )
    flat_price_per_kwh: float | None = Field(
        default=None, description="Flat-period price [CNY/kWh]; other periods use ratios."
    )
    ratios: dict[Period, float | RelativeRatio] | None = Field(
        default=None,
        description="Ratios to the flat price [-] overriding the calendar's published ones.",
    )
    non_tou_adder_per_kwh: float = Field(
        default=0.0,
        description="With ratios: price part that does not float with the periods [CNY/kWh].",
    )

    @model_validator(mode="after")
    def _check(self) -> TariffConfig:
        try:
            self.build()  # the messages list what is missing or unknown
        except UnknownKeyError as exc:
            raise ValueError(str(exc)) from exc
        return self

    def build(self) -> Tariff:
        """Return the :class:`~dispatch.tariffs.calendars.Tariff`."""
        ratios: dict[str, RatioSpec] | None = None
        if self.ratios is not None:
            ratios = {
                str(p): r.model_dump() if isinstance(r, RelativeRatio) else r
                for p, r in self.ratios.items()
            }
        prices = None
        if self.prices_per_kwh is not None:
            prices = {str(p): v for p, v in self.prices_per_kwh.items()}
        return tariff(
            self.calendar,
            prices_per_kwh=prices,
            flat_price_per_kwh=self.flat_price_per_kwh,
            ratios=ratios,
            non_tou_adder_per_kwh=self.non_tou_adder_per_kwh,
        )


class EmissionFactorConfig(BaseModel):
    """``grid.emission_factor`` as a published factor: ``{region|province, year}``."""

    model_config = ConfigDict(extra="forbid")

    year: int = Field(description="Data year of the factor.")
    region: str | None = Field(
        default=None,
        description="Regional grid (north, northeast, east, central, northwest, south, "
        "southwest) or national.",
    )
    province: str | None = Field(default=None, description="Province, e.g. zhejiang.")

    @model_validator(mode="after")
    def _check(self) -> EmissionFactorConfig:
        try:
            self.factor()
        except UnknownKeyError as exc:
            raise ValueError(str(exc)) from exc
        return self

    def factor(self) -> GridFactor:
        """Return the published factor."""
        return grid_emission_factor(year=self.year, region=self.region, province=self.province)
