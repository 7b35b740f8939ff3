"""Case-file sections for tariffs, grid charges and emission factors (pydantic).

These models validate the ``grid.tariff``, ``grid.charges`` and ``grid.emission_factor`` mappings
of a case and turn them into the objects of :mod:`dispatch.tariffs`. Validation errors name the
known calendars, regions and years.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dispatch.tariffs._data import UnknownKeyError
from dispatch.tariffs.calendars import PERIODS, Tariff, tariff
from dispatch.tariffs.charges import GridChargeScheme, capacity_td_fee_per_kw_month
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
        ratios = None
        if self.ratios is not None:
            ratios = {
                p: r.model_dump() if isinstance(r, RelativeRatio) else r
                for p, r in self.ratios.items()
            }
        return tariff(
            self.calendar,
            prices_per_kwh=self.prices_per_kwh,
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


class GridChargesConfig(BaseModel):
    """``grid.charges``: capacity or demand charges and the system operation fee."""

    model_config = ConfigDict(extra="forbid")

    scheme: Literal["none", "capacity_td", "basic_capacity", "demand"] = Field(
        default="none",
        description="capacity_td: notice 1192 capacity-based T&D fee; basic_capacity: two-part "
        "tariff on connection capacity; demand: two-part tariff on each month's maximum import.",
    )
    connection_capacity_kw: float | None = Field(
        default=None, ge=0, description="Connection capacity [kW] (capacity-based schemes)."
    )
    td_price_per_kwh: float | None = Field(
        default=None, ge=0, description="Energy T&D price of the voltage level [CNY/kWh]."
    )
    average_load_rate: float | None = Field(
        default=None, ge=0, le=1, description="Provincial average load rate [-]."
    )
    capacity_charge_per_kw_month: float | None = Field(
        default=None, ge=0, description="Basic charge on connection capacity [CNY/(kW·month)]."
    )
    demand_charge_per_kw_month: float | None = Field(
        default=None, ge=0, description="Demand charge on the monthly peak [CNY/(kW·month)]."
    )
    system_operation_fee_per_kwh: float = Field(
        default=0.0, ge=0, description="System operation fee per kWh imported [CNY/kWh]."
    )

    @model_validator(mode="after")
    def _check(self) -> GridChargesConfig:
        need = {
            "none": (),
            "capacity_td": ("connection_capacity_kw", "td_price_per_kwh", "average_load_rate"),
            "basic_capacity": ("connection_capacity_kw", "capacity_charge_per_kw_month"),
            "demand": ("demand_charge_per_kw_month",),
        }[self.scheme]
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"grid charge scheme {self.scheme!r} needs {', '.join(missing)}")
        return self

    def build(self) -> GridChargeScheme:
        """Return the :class:`~dispatch.tariffs.charges.GridChargeScheme`."""
        fee = self.system_operation_fee_per_kwh
        cap = self.connection_capacity_kw or 0.0
        if self.scheme == "capacity_td":
            assert self.td_price_per_kwh is not None and self.average_load_rate is not None
            rate = capacity_td_fee_per_kw_month(self.td_price_per_kwh, self.average_load_rate)
            return GridChargeScheme("capacity_td", rate, cap, fee)
        if self.scheme == "basic_capacity":
            return GridChargeScheme(
                "basic_capacity", self.capacity_charge_per_kw_month or 0, cap, fee
            )
        if self.scheme == "demand":
            return GridChargeScheme("demand", self.demand_charge_per_kw_month or 0, 0.0, fee)
        return GridChargeScheme("none", 0.0, 0.0, fee)
