"""The case file schema: every key, its unit, default and meaning, in one place.

A case is YAML validated by these pydantic models. Unknown keys are errors.
Money is in the case currency (CNY by default). Profiles are given as a
number (constant), a path to a CSV (first numeric column) or
``{csv: path, column: name}``; :mod:`dispatch.case.series` reads them.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dispatch.case.defaults import default


class Schema(BaseModel):
    """Base of every case section: unknown keys, infinities and NaN are rejected."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False, allow_inf_nan=False)


class KeyedError(ValueError):
    """A check across fields that names the key at fault (reported as ``section.key``).

    Parameters
    ----------
    key : str
        The field at fault, relative to the section the validator belongs to.
    message : str
        What is wrong.
    """

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


class ProfileRef(Schema):
    """A column of a CSV file."""

    csv: str = Field(description="Path to the CSV file, relative to the case file.")
    column: str = Field(description="Name of the column holding the values.")


Profile = Annotated[
    float | ProfileRef | str,
    Field(description="A number, a CSV path (first numeric column), or {csv, column}."),
]

NonNeg = Annotated[float, Field(ge=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]
Efficiency = Annotated[float, Field(gt=0, le=1)]
Lifetime = Annotated[float, Field(gt=0, le=100)]


def _d(section: str, key: str) -> Field:  # type: ignore[valid-type]
    """Field whose default comes from the sourced defaults file."""
    return Field(default_factory=lambda: default(section, key))


class Finance(Schema):
    """Finance parameters."""

    discount_rate: Annotated[float, Field(ge=0, lt=1)] = _d("finance", "discount_rate")
    currency: str = Field("CNY", description="Currency of every price and cost in the case.")


class Load(Schema):
    """The park's hourly demand."""

    electricity_kw: Profile = Field(description="Electric load [kW], 8760 hourly values.")
    heat_kw_th: Profile | None = Field(None, description="Heat load [kW_th]; omit for none.")


class _Sized(Schema):
    """Size limits shared by every sized technology (kW-rated)."""

    min_kw: NonNeg = Field(0.0, description="Smallest size the optimiser may choose [kW].")
    max_kw: NonNeg | None = Field(None, description="Largest size [kW]; null for no limit.")

    @model_validator(mode="after")
    def _min_below_max(self) -> _Sized:
        if self.max_kw is not None and self.min_kw > self.max_kw:
            raise KeyedError(
                "min_kw", f"min_kw ({self.min_kw:g}) is above max_kw ({self.max_kw:g})"
            )
        return self


class PV(_Sized):
    """Photovoltaic plant."""

    availability: Profile = Field(description="AC output per kW installed [kW/kW], in [0, 1].")
    capex_per_kw: NonNeg = _d("pv", "capex_per_kw")
    fixed_om_per_kw_year: NonNeg = _d("pv", "fixed_om_per_kw_year")
    lifetime_years: Lifetime = _d("pv", "lifetime_years")


class Wind(_Sized):
    """Wind farm."""

    availability: Profile = Field(description="Output per kW installed [kW/kW], in [0, 1].")
    capex_per_kw: NonNeg = _d("wind", "capex_per_kw")
    fixed_om_per_kw_year: NonNeg = _d("wind", "fixed_om_per_kw_year")
    lifetime_years: Lifetime = _d("wind", "lifetime_years")


class Battery(Schema):
    """Battery energy storage: energy and power sized separately."""

    capex_per_kwh: NonNeg = _d("battery", "capex_per_kwh")
    capex_per_kw: NonNeg = _d("battery", "capex_per_kw")
    fixed_om_per_kwh_year: NonNeg = _d("battery", "fixed_om_per_kwh_year")
    fixed_om_per_kw_year: NonNeg = _d("battery", "fixed_om_per_kw_year")
    lifetime_years: Lifetime = _d("battery", "lifetime_years")
    charge_efficiency: Efficiency = _d("battery", "charge_efficiency")
    discharge_efficiency: Efficiency = _d("battery", "discharge_efficiency")
    soc_min_fraction: Fraction = _d("battery", "soc_min_fraction")
    soc_max_fraction: Fraction = _d("battery", "soc_max_fraction")
    self_discharge_per_hour: Annotated[float, Field(ge=0, lt=1)] = _d(
        "battery", "self_discharge_per_hour"
    )
    min_kwh: NonNeg = Field(0.0, description="Smallest energy capacity [kWh].")
    max_kwh: NonNeg | None = Field(None, description="Largest energy capacity [kWh]; null: none.")
    min_kw: NonNeg = Field(0.0, description="Smallest power rating [kW].")
    max_kw: NonNeg | None = Field(None, description="Largest power rating [kW]; null: none.")

    @model_validator(mode="after")
    def _consistent(self) -> Battery:
        if self.soc_min_fraction >= self.soc_max_fraction:
            raise KeyedError(
                "soc_min_fraction",
                f"soc_min_fraction ({self.soc_min_fraction:g}) must be below "
                f"soc_max_fraction ({self.soc_max_fraction:g})",
            )
        if self.max_kwh is not None and self.min_kwh > self.max_kwh:
            raise KeyedError(
                "min_kwh", f"min_kwh ({self.min_kwh:g}) is above max_kwh ({self.max_kwh:g})"
            )
        if self.max_kw is not None and self.min_kw > self.max_kw:
            raise KeyedError(
                "min_kw", f"min_kw ({self.min_kw:g}) is above max_kw ({self.max_kw:g})"
            )
        return self


class HeatPump(Schema):
    """Electric heat pump serving the heat load."""

    cop: Profile = Field(description="Coefficient of performance per hour [kW_th/kW_el], > 0.")
    capex_per_kw_th: NonNeg = _d("heat_pump", "capex_per_kw_th")
    fixed_om_per_kw_th_year: NonNeg = _d("heat_pump", "fixed_om_per_kw_th_year")
    lifetime_years: Lifetime = _d("heat_pump", "lifetime_years")
    min_kw_th: NonNeg = Field(0.0, description="Smallest heat output rating [kW_th].")
    max_kw_th: NonNeg | None = Field(None, description="Largest heat rating [kW_th]; null: none.")

    @model_validator(mode="after")
    def _min_below_max(self) -> HeatPump:
        if self.max_kw_th is not None and self.min_kw_th > self.max_kw_th:
            raise KeyedError(
                "min_kw_th",
                f"min_kw_th ({self.min_kw_th:g}) is above max_kw_th ({self.max_kw_th:g})",
            )
        return self


class Boiler(Schema):
    """Existing fuel boiler: unlimited backup for heat, no investment."""

    efficiency: Efficiency = _d("boiler", "efficiency")
    fuel_price_per_kwh: NonNeg = _d("boiler", "fuel_price_per_kwh")
    emission_factor_kg_per_kwh_fuel: NonNeg = _d("boiler", "emission_factor_kg_per_kwh_fuel")


class Technologies(Schema):
    """The technologies the optimiser may build; every one is optional."""

    pv: PV | None = None
    wind: Wind | None = None
    battery: Battery | None = None
    heat_pump: HeatPump | None = None
    boiler: Boiler | None = None


class Grid(Schema):
    """Grid connection, prices and fees."""

    import_price_per_kwh: Profile = Field(description="Energy price of imports [CNY/kWh].")
    export_price_per_kwh: Profile = _d("grid", "export_price_per_kwh")
    capacity_charge_per_kw_month: NonNeg = _d("grid", "capacity_charge_per_kw_month")
    system_operation_fee_per_kwh: NonNeg = _d("grid", "system_operation_fee_per_kwh")
    emission_factor_kg_per_kwh: Profile = _d("grid", "emission_factor_kg_per_kwh")
    connection_kw: NonNeg | None = Field(
        None, description="Grid connection capacity [kW]; null: sized by the optimiser."
    )
    max_connection_kw: NonNeg | None = Field(
        None, description="Largest connection the optimiser may choose [kW]; null: none."
    )
    export_allowed: bool = Field(True, description="False: no reverse flow (export = 0).")


class Rules(Schema):
    """Local-consumption rules for green-power direct supply (annual ratios)."""

    self_use_min_of_generation: Fraction | None = _d("rules", "self_use_min_of_generation")
    self_use_min_of_consumption: Fraction | None = Field(
        None, description="Self-used share of consumption; null: 0.30 before 2030, 0.35 from."
    )
    export_max_of_generation: Fraction | None = _d("rules", "export_max_of_generation")


class Case(Schema):
    """A park case: what exists, what may be built, prices and rules."""

    name: str = Field(min_length=1, description="Case name; names the default results folder.")
    year: Annotated[int, Field(ge=2000, le=2100)] = Field(
        description="Case year; selects the consumption-share rule and the calendar."
    )
    finance: Finance = Field(default_factory=Finance)
    load: Load
    technologies: Technologies = Field(default_factory=Technologies)
    grid: Grid
    rules: Rules = Field(default_factory=Rules)

    @model_validator(mode="after")
    def _heat_has_a_supplier(self) -> Case:
        t = self.technologies
        if self.load.heat_kw_th is not None and t.heat_pump is None and t.boiler is None:
            raise KeyedError(
                "load.heat_kw_th",
                "a heat load is given but neither technologies.heat_pump nor "
                "technologies.boiler can supply heat; add one of them",
            )
        return self

    def self_use_min_of_consumption(self) -> float:
        """Return the consumption-share rule in force: the case value or the year default."""
        if self.rules.self_use_min_of_consumption is not None:
            return self.rules.self_use_min_of_consumption
        switch = int(default("rules", "consumption_rule_switch_year"))
        key = "from" if self.year >= switch else "before"
        return float(default("rules", f"self_use_min_of_consumption_{key}_{switch}"))
