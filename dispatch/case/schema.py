"""The case file schema: every key, its unit, default and meaning, in one place.

A case is YAML validated by these pydantic models. Unknown keys are errors.
Money is in the case currency (CNY by default). Profiles are given as a
number (constant), a path to a CSV (first numeric column) or
``{csv: path, column: name}``; :mod:`dispatch.case.series` reads them.
A profile that is left out is generated from the case ``location`` (and
``weather``) by :mod:`dispatch.profiles`; an explicit profile always wins.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dispatch.case.defaults import default
from dispatch.profiles.climate import site_keys
from dispatch.profiles.loads import PARK_TYPES
from dispatch.tariffs.charges import capacity_td_fee_per_kw_month
from dispatch.tariffs.config import EmissionFactorConfig, TariffConfig
from dispatch.tariffs.emissions import UnknownFactorError, electricity_tce


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
Escalation = Annotated[float, Field(gt=-1, le=1)]
Year = Annotated[int, Field(ge=1, le=100)]
Positive = Annotated[float, Field(gt=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]
Efficiency = Annotated[float, Field(gt=0, le=1)]
Lifetime = Annotated[float, Field(gt=0, le=100)]


def _d(section: str, key: str, description: str | None = None) -> Field:  # type: ignore[valid-type]
    """Field whose default comes from the sourced defaults file.

    The ``defaults`` entry of its JSON schema names the entry of
    ``dispatch/data/defaults.yaml`` (``section.key``), so the generated key
    reference (:mod:`dispatch.case.docs`) can cite the default's source.
    """
    return Field(
        default_factory=lambda: default(section, key),
        description=description,
        json_schema_extra={"defaults": f"{section}.{key}"},
    )


class Finance(Schema):
    """Finance parameters."""

    discount_rate: Annotated[float, Field(ge=0, lt=1)] = _d(
        "finance",
        "discount_rate",
        "Real discount rate for annualising investment (capital recovery factor).",
    )
    currency: str = Field("CNY", description="Currency of every price and cost in the case.")
    analysis_years: Annotated[int, Field(ge=1, le=100)] = _d(
        "finance",
        "analysis_years",
        "Years of the cash flow compared with the baseline (docs/finance.md).",
    )
    electricity_price_escalation_per_year: Escalation = _d(
        "finance",
        "electricity_price_escalation_per_year",
        "Yearly real rise of grid prices, fees and charges (savings in energy and charges).",
    )
    fuel_price_escalation_per_year: Escalation = _d(
        "finance", "fuel_price_escalation_per_year", "Yearly real rise of the fuel price."
    )
    om_escalation_per_year: Escalation = _d(
        "finance", "om_escalation_per_year", "Yearly real rise of fixed O&M costs."
    )
    income_tax_rate: Fraction = _d(
        "finance",
        "income_tax_rate",
        "Income tax on the yearly savings less depreciation; 0: pre-tax view, 0.25: the "
        "Chinese corporate rate.",
    )
    depreciation_years: Annotated[int, Field(ge=1, le=100)] = _d(
        "finance", "depreciation_years", "Straight-line depreciation period of each investment."
    )
    depreciation_salvage_fraction: Fraction = _d(
        "finance",
        "depreciation_salvage_fraction",
        "Share of each investment left undepreciated (salvage) at the end of depreciation.",
    )
    objective: Literal["annualized", "npv"] = Field(
        "annualized",
        description="What the optimiser minimises: annualized: the yearly cost with "
        "investment annualised over each lifetime (O1); npv: the life-cycle cost over "
        "analysis_years with escalation, renewals and residual value, per year of annuity "
        "(O5), i.e. the design with the highest NPV (pre-tax, without degradation).",
    )
    residual_value: Literal["linear", "none"] = Field(
        "linear",
        description="Value of the equipment at the end of the analysis: linear: each "
        "investment's remaining life over its life, times its cost; none: nothing.",
    )
    carbon_price_per_tco2: NonNeg = Field(
        0.0,
        description="Carbon price [CNY/tCO2] on grid and fuel emissions; adds a 'carbon' cost "
        "to the objective, reported separately.",
    )


class Accounting(Schema):
    """Carbon accounting choices (docs/tariffs.md section 6)."""

    electricity_tce: str | float = Field(
        "coal-equivalent",
        description="Electricity-to-standard-coal conversion: coal-equivalent (0.3 kgce/kWh), "
        "calorific (0.1229 kgce/kWh) or a number [kgce/kWh].",
    )

    green_certificates_count_toward: Literal["clean_share", "emissions", "both", "none"] = Field(
        "both",
        description="What green certificates bought (grid.green_certificate_price_per_mwh) count "
        "toward: clean_share (clean energy, as self-used renewables), emissions (the imports they "
        "cover emit nothing), both, or none. Notice 910's accounting of certificates is "
        "unconfirmed (docs/sources.md §10): a documented choice of the user.",
    )

    @model_validator(mode="after")
    def _known(self) -> Accounting:
        try:
            electricity_tce(self.electricity_tce)
        except UnknownFactorError as exc:
            raise ValueError(str(exc)) from exc
        return self


class Location(Schema):
    """Where the park is: generates the profiles a case leaves out."""

    latitude: Annotated[float, Field(ge=-90, le=90)] = Field(
        description="Latitude [degrees north]."
    )
    longitude: Annotated[float, Field(ge=-180, le=180)] = Field(
        description="Longitude [degrees east]."
    )
    altitude_m: Annotated[float, Field(ge=-500, le=9000)] | None = Field(
        None, description="Altitude [m]; null: from pvlib's altitude map."
    )
    site: str | None = Field(
        None,
        description="Shipped climate site for synthetic weather (ningbo, ordos, ...); "
        "null: the nearest one.",
    )

    @field_validator("site")
    @classmethod
    def _known_site(cls, value: str | None) -> str | None:
        if value is not None and value not in site_keys():
            raise ValueError(f"unknown climate site {value!r}; use one of {', '.join(site_keys())}")
        return value


class Weather(Schema):
    """Weather behind generated profiles: a synthetic year (default) or a weather file."""

    source: Literal["synthetic"] = Field(
        "synthetic", description="synthetic: a reproducible year from monthly climate normals."
    )
    seed: Annotated[int, Field(ge=0)] = Field(0, description="Random seed of the synthetic year.")
    file: str | None = Field(
        None,
        description="EPW, TMY3, TMY2 or CSV with pvlib columns (ghi, dni, dhi, temp_air, "
        "wind_speed), relative to the case file; its year is mapped onto the case year.",
    )


HOURS_PER_DAY = 24


class FlexibleLoad(Schema):
    """Shiftable electric load: a share of each hour's load may move earlier or later.

    Energy is conserved within each window (a day, or a shift of ``shift_hours``);
    docs/formulation.md, F1-F5.
    """

    shiftable_fraction: Fraction = Field(
        description="Share of each hour's electric load that may move to another hour [-]."
    )
    max_shift_hours: Annotated[int, Field(ge=1, le=23)] = _d(
        "flexible", "max_shift_hours", "How far load may move, earlier or later [h]."
    )
    window: Literal["day", "shift"] = Field(
        "day",
        description="Energy is conserved within each day (midnight to midnight) or each shift "
        "of shift_hours.",
    )
    shift_hours: Annotated[int, Field(ge=1, le=24)] | None = Field(
        None,
        description="window shift: hours per shift, a divisor of 24; shifts start at midnight.",
    )
    max_increase_fraction: NonNeg | None = Field(
        None,
        description="Cap on the load of any hour: served load <= (1 + this) x original load "
        "[-]; null: shiftable_fraction.",
    )

    @model_validator(mode="after")
    def _window_consistent(self) -> FlexibleLoad:
        if self.window == "shift":
            if self.shift_hours is None:
                raise KeyedError("shift_hours", "window shift needs shift_hours (a divisor of 24)")
            if HOURS_PER_DAY % self.shift_hours:
                raise KeyedError("shift_hours", f"shift_hours ({self.shift_hours}) must divide 24")
        elif self.shift_hours is not None:
            raise KeyedError("shift_hours", "shift_hours applies to window: shift only")
        return self

    def window_hours(self) -> int:
        """Return the length of the energy-conservation window [h]."""
        return HOURS_PER_DAY if self.shift_hours is None else self.shift_hours

    def increase_fraction(self) -> float:
        """Return the cap on an hour's load increase over its original load [-]."""
        if self.max_increase_fraction is None:
            return self.shiftable_fraction
        return self.max_increase_fraction


class CurtailableLoad(Schema):
    """Interruptible electric load: shed at a price, as under a demand-response contract."""

    max_fraction: Fraction = Field(
        description="Share of each hour's electric load that may be shed [-]."
    )
    cost_per_kwh: NonNeg = _d(
        "curtailable",
        "cost_per_kwh",
        "Cost of each kWh shed (the value of lost production, or the contract price).",
    )
    max_hours_per_year: NonNeg | None = _d(
        "curtailable",
        "max_hours_per_year",
        "Energy cap on shedding: at most this many hours at max_fraction of the peak load "
        "(a linear cap, docs/formulation.md F7); null: no cap.",
    )


class Load(Schema):
    """The park's hourly demand: profiles, or an archetype with annual totals."""

    electricity_kw: Profile | None = Field(
        None, description="Electric load [kW], 8760 hourly values; null: from park_type."
    )
    heat_kw_th: Profile | None = Field(
        None,
        description="Heat load [kW_th]; null: from park_type and annual_heat_mwh, or none; "
        "0: none (no heat supplier needed).",
    )
    park_type: Literal[PARK_TYPES] | None = Field(  # type: ignore[valid-type]
        None, description="Load archetype: " + ", ".join(PARK_TYPES) + "."
    )
    annual_electricity_mwh: Positive | None = Field(
        None, description="Annual electricity [MWh] of the generated load."
    )
    peak_kw: Positive | None = Field(
        None, description="Peak electric load [kW] instead of annual_electricity_mwh."
    )
    annual_heat_mwh: Positive | None = Field(
        None, description="Annual heat [MWh_th] of the generated heat load."
    )
    peak_heat_kw_th: Positive | None = Field(
        None, description="Peak heat load [kW_th] instead of annual_heat_mwh."
    )
    seed: Annotated[int, Field(ge=0)] | None = Field(
        None, description="Seed of the load noise; null: the weather seed."
    )
    flexible: FlexibleLoad | None = Field(
        None, description="Shiftable electric load; null: the load is fixed."
    )
    curtailable: CurtailableLoad | None = Field(
        None, description="Curtailable (interruptible) electric load; null: none."
    )

    @model_validator(mode="after")
    def _load_is_defined(self) -> Load:
        if self.annual_electricity_mwh is not None and self.peak_kw is not None:
            raise KeyedError("peak_kw", "give annual_electricity_mwh or peak_kw, not both")
        if self.annual_heat_mwh is not None and self.peak_heat_kw_th is not None:
            raise KeyedError("peak_heat_kw_th", "give annual_heat_mwh or peak_heat_kw_th, not both")
        sized = (self.annual_electricity_mwh, self.peak_kw, self.annual_heat_mwh)
        if self.park_type is None and any(v is not None for v in sized + (self.peak_heat_kw_th,)):
            raise KeyedError(
                "park_type", "annual totals and peaks need a park_type to shape the load"
            )
        if self.flexible is not None and self.curtailable is not None:
            both = self.flexible.shiftable_fraction + self.curtailable.max_fraction
            if both > 1:
                raise KeyedError(
                    "curtailable.max_fraction",
                    f"flexible.shiftable_fraction + curtailable.max_fraction ({both:g}) exceeds 1: "
                    "the served load could fall below zero",
                )
        if (
            self.electricity_kw is None
            and self.annual_electricity_mwh is None
            and (self.peak_kw is None)
        ):
            raise KeyedError(
                "electricity_kw",
                "give electricity_kw (a profile), or park_type with annual_electricity_mwh "
                "or peak_kw",
            )
        return self

    def generated_electricity(self) -> bool:
        """Return True when the electric load comes from the archetype."""
        return self.electricity_kw is None

    def generated_heat(self) -> bool:
        """Return True when the heat load comes from the archetype."""
        return self.heat_kw_th is None and (
            self.annual_heat_mwh is not None or self.peak_heat_kw_th is not None
        )

    def has_heat(self) -> bool:
        """Return True when the park has a heat load, given or generated.

        ``heat_kw_th: 0`` is no heat load: it needs no heat supplier.
        """
        given = self.heat_kw_th is not None and self.heat_kw_th != 0
        return given or self.generated_heat()


def _check_discrete(
    min_if_built: float,
    existing: float,
    low: float,
    high: float | None,
    names: tuple[str, str, str, str],
) -> None:
    """Check the size keys of one rating: min/max order, existing and minimum addition."""
    n_mib, n_exist, n_min, n_max = names
    if high is not None and low > high:
        raise KeyedError(n_min, f"{n_min} ({low:g}) is above {n_max} ({high:g})")
    if high is not None and existing > high:
        raise KeyedError(n_exist, f"{n_exist} ({existing:g}) is above {n_max} ({high:g})")
    if min_if_built > 0 and high is None:
        raise KeyedError(n_mib, f"{n_mib} needs {n_max}: a finite upper bound on the size")
    if min_if_built > 0 and high is not None and existing + min_if_built > high:
        raise KeyedError(
            n_mib, f"{n_exist} + {n_mib} ({existing + min_if_built:g}) is above {n_max} ({high:g})"
        )


class _Sized(Schema):
    """Size keys shared by every kW-rated technology."""

    min_kw: NonNeg = Field(0.0, description="Smallest total size [kW] (existing included).")
    max_kw: NonNeg | None = Field(None, description="Largest total size [kW]; null: no limit.")
    existing_kw: NonNeg = Field(0.0, description="Capacity already installed [kW]; free.")
    unit_kw: Positive | None = Field(
        None, description="Unit size [kW]: additions come in whole units (e.g. 3000 per turbine)."
    )
    min_kw_if_built: NonNeg = Field(
        0.0, description="Smallest addition [kW] if any is built: zero or at least this."
    )

    @model_validator(mode="after")
    def _sizes_consistent(self) -> _Sized:
        _check_discrete(
            self.min_kw_if_built,
            self.existing_kw,
            self.min_kw,
            self.max_kw,
            ("min_kw_if_built", "existing_kw", "min_kw", "max_kw"),
        )
        return self


class PV(_Sized):
    """Photovoltaic plant."""

    availability: Profile | None = Field(
        None,
        description="AC output per kW installed [kW/kW], in [0, 1]; null: generated with pvlib "
        "from the location and the design keys below.",
    )
    tilt_deg: Annotated[float, Field(ge=0, le=90)] | None = Field(
        None, description="Fixed tilt [degrees]; null: latitude minus 5."
    )
    azimuth_deg: Annotated[float, Field(ge=0, lt=360)] | None = Field(
        None, description="Fixed azimuth [degrees, 180 = south]; null: 180."
    )
    tracking: bool = Field(False, description="Horizontal north-south single-axis tracking.")
    dc_ac_ratio: Annotated[float, Field(ge=0.5, le=3)] | None = Field(
        None, description="DC nameplate over inverter AC rating [-]; null: 1.2."
    )
    losses_fraction: Annotated[float, Field(ge=0, lt=1)] | None = Field(
        None, description="DC system losses [-]; null: 0.1408 (PVWatts)."
    )
    capex_per_kw: NonNeg = _d("pv", "capex_per_kw", "Investment per kW installed, all-in.")
    fixed_om_per_kw_year: NonNeg = _d(
        "pv", "fixed_om_per_kw_year", "Fixed operation and maintenance per kW installed and year."
    )
    lifetime_years: Lifetime = _d(
        "pv", "lifetime_years", "Economic lifetime; sets the capital recovery factor."
    )
    degradation_per_year: Annotated[float, Field(ge=0, lt=1)] = _d(
        "pv",
        "degradation_per_year",
        "Yearly loss of output of the added PV in the cash flow (compounding; year 1 at the "
        "modelled output).",
    )
    inverter_replacement_year: Year | None = _d(
        "pv",
        "inverter_replacement_year",
        "Inverters of the added PV are replaced every this many years in the cash flow; null: "
        "never.",
    )
    inverter_cost_fraction: Fraction = _d(
        "pv",
        "inverter_cost_fraction",
        "Cost of an inverter replacement as a share of the PV investment.",
    )


PowerCurve = Annotated[
    list[tuple[float, float]] | str,
    Field(
        description="Power curve: [[speed m/s, power], ...] in kW or kW/kW, or a CSV path with "
        "columns wind_speed_m_s and power_kw (or power_kw_per_kw)."
    ),
]


class Wind(_Sized):
    """Wind farm."""

    availability: Profile | None = Field(
        None,
        description="Output per kW installed [kW/kW], in [0, 1]; null: generated from the "
        "location's wind and the turbine keys below.",
    )
    hub_height_m: Annotated[float, Field(gt=10, le=300)] | None = Field(
        None, description="Hub height [m]; null: 100."
    )
    shear_exponent: Annotated[float, Field(ge=0, le=1)] | None = Field(
        None, description="Power-law shear exponent [-]; null: log profile with roughness_length_m."
    )
    roughness_length_m: Annotated[float, Field(gt=0, le=3)] | None = Field(
        None, description="Roughness length [m]; null: 0.03 (open farmland)."
    )
    turbine_class: Literal["auto", "iec_i", "iec_ii", "iec_iii"] = Field(
        "auto", description="Shipped generic power curve; auto: by hub-height mean wind."
    )
    power_curve: PowerCurve | None = None
    losses_fraction: Annotated[float, Field(ge=0, lt=1)] | None = Field(
        None, description="Wake, availability and electrical losses [-]; null: 0.10."
    )

    @model_validator(mode="after")
    def _one_profile_law(self) -> Wind:
        if self.shear_exponent is not None and self.roughness_length_m is not None:
            raise KeyedError(
                "shear_exponent", "give shear_exponent or roughness_length_m, not both"
            )
        return self

    capex_per_kw: NonNeg = _d("wind", "capex_per_kw", "Investment per kW installed, all-in.")
    fixed_om_per_kw_year: NonNeg = _d(
        "wind", "fixed_om_per_kw_year", "Fixed operation and maintenance per kW installed and year."
    )
    lifetime_years: Lifetime = _d(
        "wind", "lifetime_years", "Economic lifetime; sets the capital recovery factor."
    )


class Battery(Schema):
    """Battery energy storage: energy and power sized separately."""

    capex_per_kwh: NonNeg = _d("battery", "capex_per_kwh", "Investment per kWh of energy capacity.")
    capex_per_kw: NonNeg = _d(
        "battery", "capex_per_kw", "Investment per kW of charge/discharge power rating."
    )
    fixed_om_per_kwh_year: NonNeg = _d(
        "battery",
        "fixed_om_per_kwh_year",
        "Fixed operation and maintenance per kWh of capacity and year.",
    )
    fixed_om_per_kw_year: NonNeg = _d(
        "battery",
        "fixed_om_per_kw_year",
        "Fixed operation and maintenance per kW of power rating and year.",
    )
    lifetime_years: Lifetime = _d(
        "battery", "lifetime_years", "Economic lifetime; sets the capital recovery factor."
    )
    charge_efficiency: Efficiency = _d(
        "battery", "charge_efficiency", "Share of the charging energy that is stored (one way)."
    )
    discharge_efficiency: Efficiency = _d(
        "battery",
        "discharge_efficiency",
        "Energy delivered per unit of stored energy drawn (one way).",
    )
    soc_min_fraction: Fraction = _d(
        "battery", "soc_min_fraction", "Lowest state of charge, as a share of the energy capacity."
    )
    soc_max_fraction: Fraction = _d(
        "battery", "soc_max_fraction", "Highest state of charge, as a share of the energy capacity."
    )
    self_discharge_per_hour: Annotated[float, Field(ge=0, lt=1)] = _d(
        "battery", "self_discharge_per_hour", "Share of the stored energy lost each hour."
    )
    replacement_year: Year | None = _d(
        "battery",
        "replacement_year",
        "The added battery (cells and PCS) is renewed every this many years in the cash flow; "
        "null: at the end of lifetime_years, at full cost.",
    )
    replacement_cost_fraction: Fraction = _d(
        "battery",
        "replacement_cost_fraction",
        "Cost of a replacement as a share of the battery investment.",
    )
    degradation_per_year: Annotated[float, Field(ge=0, lt=1)] = _d(
        "battery",
        "degradation_per_year",
        "Yearly loss of capacity (and of the battery's value) in the cash flow, reset by a "
        "replacement.",
    )
    cycle_life_cycles: Positive = _d(
        "battery",
        "cycle_life_cycles",
        "Full cycles the cells last; sets the default degradation_cost_per_kwh.",
    )
    degradation_cost_per_kwh: NonNeg | None = Field(
        None,
        description="Wear cost per kWh discharged, in the objective (S9); null: "
        "replacement_cost_fraction x capex_per_kwh / (cycle_life_cycles x (soc_max_fraction - "
        "soc_min_fraction)).",
    )
    max_cycles_per_year: Positive | None = Field(
        None,
        description="Most full cycles a year: annual discharge <= this x energy capacity (S10); "
        "null: no cap.",
    )
    min_kwh: NonNeg = Field(0.0, description="Smallest energy capacity [kWh].")
    max_kwh: NonNeg | None = Field(None, description="Largest energy capacity [kWh]; null: none.")
    min_kw: NonNeg = Field(0.0, description="Smallest power rating [kW].")
    max_kw: NonNeg | None = Field(None, description="Largest power rating [kW]; null: none.")
    existing_kwh: NonNeg = Field(0.0, description="Energy capacity already installed [kWh].")
    existing_kw: NonNeg = Field(0.0, description="Power rating already installed [kW].")
    unit_kwh: Positive | None = Field(
        None, description="Energy of one container [kWh]; with unit_kw, whole containers only."
    )
    unit_kw: Positive | None = Field(None, description="Power of one container [kW].")
    min_kwh_if_built: NonNeg = Field(0.0, description="Smallest energy addition if built [kWh].")
    min_kw_if_built: NonNeg = Field(0.0, description="Smallest power addition if built [kW].")

    @model_validator(mode="after")
    def _consistent(self) -> Battery:
        if self.soc_min_fraction >= self.soc_max_fraction:
            raise KeyedError(
                "soc_min_fraction",
                f"soc_min_fraction ({self.soc_min_fraction:g}) must be below "
                f"soc_max_fraction ({self.soc_max_fraction:g})",
            )
        if (self.unit_kwh is None) != (self.unit_kw is None):
            raise KeyedError("unit_kw", "unit_kwh and unit_kw go together: give both or neither")
        _check_discrete(
            self.min_kwh_if_built,
            self.existing_kwh,
            self.min_kwh,
            self.max_kwh,
            ("min_kwh_if_built", "existing_kwh", "min_kwh", "max_kwh"),
        )
        _check_discrete(
            self.min_kw_if_built,
            self.existing_kw,
            self.min_kw,
            self.max_kw,
            ("min_kw_if_built", "existing_kw", "min_kw", "max_kw"),
        )
        return self

    def wear_cost_per_kwh(self) -> float:
        """Wear cost per kWh discharged [CNY/kWh]: the case value, else derived.

        ``c = f_rep * capex_per_kwh / (N_cycles * (soc_max - soc_min))``: the cost of the
        cells a replacement renews, spread over the energy they deliver in their cycle
        life (docs/finance.md, section 4).
        """
        if self.degradation_cost_per_kwh is not None:
            return self.degradation_cost_per_kwh
        window = self.soc_max_fraction - self.soc_min_fraction
        return (
            self.replacement_cost_fraction * self.capex_per_kwh / (self.cycle_life_cycles * window)
        )


class HeatPump(Schema):
    """Electric heat pump serving the heat load."""

    cop: Profile | None = Field(
        None,
        description="Coefficient of performance per hour [kW_th/kW_el], > 0; null: a Carnot "
        "fraction from source and sink temperatures.",
    )
    sink_temperature_c: Annotated[float, Field(ge=20, le=400)] | None = Field(
        None,
        description="Heat supply temperature [C]; null: 60. Above 120 C the heat pump is not "
        "used and the boiler supplies all heat.",
    )
    source: Literal["air", "waste_heat"] = Field(
        "air", description="Heat source: outdoor air or a waste-heat stream."
    )
    source_temperature_c: Annotated[float, Field(ge=-40, le=150)] | None = Field(
        None, description="Waste-heat source temperature [C] (source: waste_heat); null: 30."
    )
    carnot_efficiency: Annotated[float, Field(gt=0, le=1)] | None = Field(
        None, description="Fraction of the Carnot COP reached [-]; null: 0.45."
    )
    steam_pressure_mpa: Annotated[float, Field(gt=0, le=20)] | None = Field(
        None, description="Steam pressure if heat is steam [MPa]; 1 MPa and above: boiler only."
    )
    capex_per_kw_th: NonNeg = _d(
        "heat_pump", "capex_per_kw_th", "Investment per kW_th of heat output rating."
    )
    fixed_om_per_kw_th_year: NonNeg = _d(
        "heat_pump",
        "fixed_om_per_kw_th_year",
        "Fixed operation and maintenance per kW_th and year.",
    )
    lifetime_years: Lifetime = _d(
        "heat_pump", "lifetime_years", "Economic lifetime; sets the capital recovery factor."
    )
    min_kw_th: NonNeg = Field(0.0, description="Smallest heat output rating [kW_th].")
    max_kw_th: NonNeg | None = Field(None, description="Largest heat rating [kW_th]; null: none.")
    existing_kw_th: NonNeg = Field(0.0, description="Heat pump rating already installed [kW_th].")
    unit_kw_th: Positive | None = Field(None, description="Module size [kW_th]: whole modules.")
    min_kw_if_built: NonNeg = Field(
        0.0, description="Smallest addition [kW_th] if any is built: zero or at least this."
    )

    @model_validator(mode="after")
    def _sizes_consistent(self) -> HeatPump:
        if self.source_temperature_c is not None and self.source != "waste_heat":
            raise KeyedError(
                "source_temperature_c", "source_temperature_c applies to source: waste_heat only"
            )
        _check_discrete(
            self.min_kw_if_built,
            self.existing_kw_th,
            self.min_kw_th,
            self.max_kw_th,
            ("min_kw_if_built", "existing_kw_th", "min_kw_th", "max_kw_th"),
        )
        return self


class Boiler(Schema):
    """Existing fuel boiler: unlimited backup for heat, no investment."""

    efficiency: Efficiency = _d(
        "boiler", "efficiency", "Heat delivered per unit of fuel energy (lower heating value)."
    )
    fuel_price_per_kwh: NonNeg = _d(
        "boiler", "fuel_price_per_kwh", "Fuel price per kWh of fuel energy."
    )
    emission_factor_kg_per_kwh_fuel: NonNeg = _d(
        "boiler", "emission_factor_kg_per_kwh_fuel", "CO2 emitted per kWh of fuel burnt."
    )


class ThermalStorage(Schema):
    """Heat storage tank between the heat sources and the heat load."""

    capex_per_kwh_th: NonNeg = _d(
        "thermal_storage", "capex_per_kwh_th", "Investment per kWh_th of storage capacity."
    )
    fixed_om_per_kwh_th_year: NonNeg = _d(
        "thermal_storage",
        "fixed_om_per_kwh_th_year",
        "Fixed operation and maintenance per kWh_th and year.",
    )
    lifetime_years: Lifetime = _d(
        "thermal_storage", "lifetime_years", "Economic lifetime; sets the capital recovery factor."
    )
    loss_fraction_per_hour: Annotated[float, Field(ge=0, lt=1)] = _d(
        "thermal_storage", "loss_fraction_per_hour", "Share of the stored heat lost each hour."
    )
    c_rate_kw_th_per_kwh_th: Positive = _d(
        "thermal_storage",
        "c_rate_kw_th_per_kwh_th",
        "Charge and discharge limit per kWh_th of capacity [kW_th/kWh_th] (a C-rate).",
    )
    min_kwh_th: NonNeg = Field(0.0, description="Smallest storage capacity [kWh_th].")
    max_kwh_th: NonNeg | None = Field(
        None, description="Largest storage capacity [kWh_th]; null: none."
    )
    existing_kwh_th: NonNeg = Field(0.0, description="Capacity already installed [kWh_th].")

    @model_validator(mode="after")
    def _sizes_consistent(self) -> ThermalStorage:
        _check_discrete(
            0.0, self.existing_kwh_th, self.min_kwh_th, self.max_kwh_th,
            ("min_kwh_th", "existing_kwh_th", "min_kwh_th", "max_kwh_th"),
        )  # fmt: skip
        return self


class ElectricBoiler(Schema):
    """Electric boiler: heat from electricity, sized in kW of heat."""

    capex_per_kw_th: NonNeg = _d(
        "electric_boiler", "capex_per_kw_th", "Investment per kW_th of heat output rating."
    )
    fixed_om_per_kw_th_year: NonNeg = _d(
        "electric_boiler",
        "fixed_om_per_kw_th_year",
        "Fixed operation and maintenance per kW_th and year.",
    )
    lifetime_years: Lifetime = _d(
        "electric_boiler", "lifetime_years", "Economic lifetime; sets the capital recovery factor."
    )
    efficiency: Efficiency = _d(
        "electric_boiler", "efficiency", "Heat delivered per unit of electricity [kW_th/kW]."
    )
    min_kw_th: NonNeg = Field(0.0, description="Smallest heat output rating [kW_th].")
    max_kw_th: NonNeg | None = Field(None, description="Largest heat rating [kW_th]; null: none.")
    existing_kw_th: NonNeg = Field(0.0, description="Rating already installed [kW_th].")

    @model_validator(mode="after")
    def _sizes_consistent(self) -> ElectricBoiler:
        _check_discrete(
            0.0, self.existing_kw_th, self.min_kw_th, self.max_kw_th,
            ("min_kw_th", "existing_kw_th", "min_kw_th", "max_kw_th"),
        )  # fmt: skip
        return self


class Technologies(Schema):
    """The technologies the optimiser may build; every one is optional."""

    pv: PV | None = None
    wind: Wind | None = None
    battery: Battery | None = None
    heat_pump: HeatPump | None = None
    boiler: Boiler | None = None
    thermal_storage: ThermalStorage | None = None
    electric_boiler: ElectricBoiler | None = None


ChargeScheme = Literal["basic_capacity", "capacity_td", "demand", "none"]


class Grid(Schema):
    """Grid connection, prices, fees and emission factor (docs/tariffs.md)."""

    import_price_per_kwh: Profile | None = Field(
        None, description="Energy price of imports [CNY/kWh]; give this or tariff."
    )
    tariff: TariffConfig | None = Field(
        None, description="Time-of-use tariff: a calendar with prices or ratios (docs/tariffs.md)."
    )
    export_price_per_kwh: Profile = _d(
        "grid",
        "export_price_per_kwh",
        "Price paid for exported energy; a profile. Default: the coal benchmark price of the "
        "tariff calendar's province, else this default.",
    )
    charge_scheme: ChargeScheme = Field(
        "basic_capacity",
        description="basic_capacity: capacity_charge_per_kw_month on connection_kw; capacity_td: "
        "notice 1192 T&D fee td_price_per_kwh x average_load_rate x 730 h per kW of connection "
        "and month; demand: demand_charge_per_kw_month on each month's maximum import; none.",
    )
    capacity_charge_per_kw_month: NonNeg = _d(
        "grid",
        "capacity_charge_per_kw_month",
        "basic_capacity: charge per kW of connection and month (notice 1192).",
    )
    td_price_per_kwh: NonNeg | None = Field(
        None, description="capacity_td: energy T&D price of the voltage level [CNY/kWh]."
    )
    average_load_rate: Fraction | None = Field(
        None, description="capacity_td: provincial average load rate [-]."
    )
    import_price_includes_td: bool = Field(
        True,
        description="capacity_td: the import price (import_price_per_kwh or the tariff) already "
        "contains the energy T&D price td_price_per_kwh, as published catalogue and agency-"
        "purchase prices do. The capacity fee replaces that per-kWh T&D, so each imported kWh "
        "pays the import price less td_price_per_kwh. false: the import price is the energy "
        "price alone. Other schemes ignore it.",
    )
    demand_charge_per_kw_month: NonNeg | None = Field(
        None, description="demand: charge on each month's maximum import [CNY/(kW month)]."
    )
    system_operation_fee_per_kwh: NonNeg = _d(
        "grid",
        "system_operation_fee_per_kwh",
        "System operation fee per kWh imported (notice 1192).",
    )
    emission_factor_kg_per_kwh: Profile = _d(
        "grid", "emission_factor_kg_per_kwh", "CO2 per kWh imported; a profile."
    )
    emission_factor: EmissionFactorConfig | None = Field(
        None,
        description="Published grid factor {region|province, year} instead of "
        "emission_factor_kg_per_kwh (docs/tariffs.md section 5).",
    )
    connection_kw: NonNeg | None = Field(
        None, description="Grid connection capacity [kW]; null: sized by the optimiser."
    )
    max_connection_kw: NonNeg | None = Field(
        None, description="Largest connection the optimiser may choose [kW]; null: none."
    )
    export_allowed: bool = Field(True, description="False: no reverse flow (export = 0).")
    export_limit_kw: NonNeg | None = Field(
        None,
        description="Largest export [kW], apart from the connection (which caps exports too); "
        "null: the connection only.",
    )
    green_certificate_price_per_mwh: NonNeg | None = Field(
        None,
        description="Price of green electricity certificates (绿证; 1 certificate = 1 MWh) or of "
        "the green-power premium [CNY/MWh]; the optimiser may buy them for up to the energy "
        "imported, hour by hour. null: none available. Spot prices were single-digit CNY/MWh in "
        "2024-2025 (unconfirmed, docs/sources.md §10).",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Grid:
        if (self.import_price_per_kwh is None) == (self.tariff is None):
            raise ValueError("give either import_price_per_kwh or tariff")
        given = self.model_fields_set
        if self.emission_factor is not None and "emission_factor_kg_per_kwh" in given:
            raise ValueError("give either emission_factor or emission_factor_kg_per_kwh")
        need = {
            "basic_capacity": (),
            "capacity_td": ("td_price_per_kwh", "average_load_rate"),
            "demand": ("demand_charge_per_kw_month",),
            "none": (),
        }[self.charge_scheme]
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"charge_scheme {self.charge_scheme} needs {', '.join(missing)}")
        if self.charge_scheme != "basic_capacity" and "capacity_charge_per_kw_month" in given:
            raise ValueError(
                "capacity_charge_per_kw_month applies to charge_scheme basic_capacity only"
            )
        return self

    def td_in_import_price_per_kwh(self) -> float:
        """T&D price per kWh in the import price that the capacity fee replaces [CNY/kWh].

        ``td_price_per_kwh`` under ``capacity_td`` when ``import_price_includes_td``, else 0.
        """
        if self.charge_scheme == "capacity_td" and self.import_price_includes_td:
            return float(self.td_price_per_kwh or 0.0)
        return 0.0

    def import_energy_price_per_kwh(self, price: np.ndarray) -> np.ndarray:
        """Energy price each imported kWh pays [CNY/kWh]: the import price less replaced T&D."""
        return np.asarray(price, dtype=float) - self.td_in_import_price_per_kwh()

    def capacity_rate_per_kw_month(self) -> float:
        """Monthly charge per kW of connection [CNY/(kW month)] under the chosen scheme."""
        if self.charge_scheme == "basic_capacity":
            return self.capacity_charge_per_kw_month
        if self.charge_scheme == "capacity_td":
            assert self.td_price_per_kwh is not None and self.average_load_rate is not None
            return capacity_td_fee_per_kw_month(self.td_price_per_kwh, self.average_load_rate)
        return 0.0

    def demand_rate_per_kw_month(self) -> float:
        """Demand charge per kW of monthly maximum import [CNY/(kW month)] (0 unless demand)."""
        if self.charge_scheme == "demand":
            assert self.demand_charge_per_kw_month is not None
            return self.demand_charge_per_kw_month
        return 0.0


class Rules(Schema):
    """Local-consumption rules for green-power direct supply (annual ratios).

    Self-used renewable energy S is available generation less curtailed and exported
    energy; consumption C is the load plus heat-pump electricity plus storage losses
    (energy charged less energy discharged over the year). Storage losses are energy the
    park's meters see consumed, and counting them makes C = S + imports exactly, so the
    self-used share of consumption never exceeds 1 (docs/formulation.md, R4-R6).
    """

    self_use_min_of_generation: Fraction | None = _d(
        "rules",
        "self_use_min_of_generation",
        "Self-used renewable energy over available generation, at least; null: no rule.",
    )
    self_use_min_of_consumption: Fraction | None = Field(
        None,
        description="Self-used renewable energy over consumption, at least; consumption is the "
        "load as served + heat-pump and electric-boiler electricity + storage losses (charge - "
        "discharge), so the share never exceeds 1; null: 0.30 before 2030, 0.35 from.",
    )
    export_max_of_generation: Fraction | None = _d(
        "rules",
        "export_max_of_generation",
        "Exported energy over available generation, at most; null: no rule.",
    )
    carbon_intensity_max_t_per_tce: NonNeg | None = Field(
        None,
        description="Emissions per unit of energy use, at most [tCO2/tce]; energy use counts "
        "electricity at accounting.electricity_tce. Zero-carbon park: 0.2 (200,000-1,000,000 "
        "tce/yr) or 0.3 (above; docs/sources.md §3). null: no rule.",
    )
    clean_share_min: Fraction | None = Field(
        None,
        description="Clean energy over energy use (both in tce), at least: self-used renewables, "
        "and green certificates when accounting counts them. Zero-carbon park guiding "
        "indicator: 0.9 (docs/sources.md §3). null: no rule.",
    )
    emissions_max_tco2_per_year: NonNeg | None = Field(
        None, description="Annual CO2 emissions, at most [tCO2/yr]; null: no rule."
    )


MilestoneYear = Annotated[int, Field(ge=2000, le=2100)]
YearRate = Escalation | dict[MilestoneYear, Escalation]
"""A rate per year: one number for every year, or ``{2026: r1, 2030: r2}``, each rate in force
from its year until the next (years before the first take the first)."""


class LoadGrowth(Schema):
    """Load growth per year on the way to each milestone year (pathway runs)."""

    electricity: YearRate = _d(
        "load_growth_per_year", "electricity", "Electricity load growth per year."
    )
    heat: YearRate = _d("load_growth_per_year", "heat", "Heat load growth per year.")


class CapexChange(Schema):
    """Change of each technology's investment cost per year (pathway runs); -0.06 = -6 %/yr."""

    pv: YearRate = _d("capex_change_per_year", "pv", "PV capex change per year.")
    wind: YearRate = _d("capex_change_per_year", "wind", "Wind capex change per year.")
    battery: YearRate = _d(
        "capex_change_per_year", "battery", "Battery capex change per year (kWh and kW)."
    )
    heat_pump: YearRate = _d(
        "capex_change_per_year", "heat_pump", "Heat-pump capex change per year."
    )


class Pathway(Schema):
    """How the case changes across milestone years (``dispatch pathway``).

    Each milestone period is the case moved from ``year`` to the milestone: loads grown,
    capex, prices and the grid emission factor changed by their rates compounded over the
    years between, and the rules of the milestone year (docs/formulation.md, pathway).
    """

    self_use_min_of_consumption: Fraction | dict[MilestoneYear, Fraction] | None = Field(
        None,
        description="Consumption-share rule by year, e.g. {2026: 0.30, 2030: 0.35}, each value "
        "in force from its year (years before the first take the first); null: "
        "rules.self_use_min_of_consumption, or its default for each milestone year.",
    )
    load_growth_per_year: LoadGrowth = Field(
        default_factory=LoadGrowth, description="Load growth per year, electricity and heat."
    )
    capex_change_per_year: CapexChange = Field(
        default_factory=CapexChange, description="Investment cost change per year, by technology."
    )
    tariff_escalation_per_year: YearRate | None = Field(
        None,
        description="Import and export electricity price change per year; null: "
        "finance.electricity_price_escalation_per_year.",
    )
    fuel_escalation_per_year: YearRate | None = Field(
        None,
        description="Boiler fuel price change per year; null: "
        "finance.fuel_price_escalation_per_year.",
    )
    grid_emission_factor_kg_per_kwh: NonNeg | dict[MilestoneYear, NonNeg] | None = Field(
        None,
        description="Grid emission factor by year [kgCO2/kWh], e.g. {2026: 0.52, 2030: 0.45}; "
        "null: the case's factor changed by grid_emission_factor_change_per_year.",
    )
    grid_emission_factor_change_per_year: YearRate = _d(
        "pathway",
        "grid_emission_factor_change_per_year",
        "Grid emission factor change per year, when grid_emission_factor_kg_per_kwh is null.",
    )


class Solver(Schema):
    """Solver limits; the command line's --time-limit, --mip-gap and --threads override them."""

    time_limit_seconds: Positive | None = Field(
        600.0,
        description="Overall wall-time limit of a run [s]; at the limit the best design found "
        "is returned with its gap, or the run stops with exit 4 if it has none; null: no limit.",
    )
    mip_gap: Annotated[float, Field(ge=0, lt=1)] = Field(
        0.005, description="Relative MIP gap at which the solver stops (0.005 = 0.5 %)."
    )
    threads: Annotated[int, Field(ge=1, le=256)] | None = Field(
        None, description="Solver threads; null lets HiGHS choose."
    )
    typical_days: Annotated[int, Field(ge=2, le=365)] = Field(
        48, description="method auto: typical days of the sizing model (extreme days on top)."
    )
    corrections: Annotated[int, Field(ge=0, le=200)] = Field(
        20,
        description="method auto: most full-year refinement dispatches after the typical-day "
        "design (each adds a cutting plane; they stop early once the design is proven within "
        "auto_gap).",
    )
    horizon_hours: Annotated[int, Field(ge=1, le=8760)] | None = Field(
        None,
        description="Solve only the first N hours of the year as a cyclic horizon, annual "
        "figures scaled up (fast, approximate); null: the full year. The command line's "
        "--hours overrides it; a results folder's case.yaml records the horizon it ran.",
    )
    auto_gap: Annotated[float, Field(ge=0, lt=1)] = Field(
        0.0025,
        description="method auto: stop refining once the full-year cutting planes show that no "
        "design within 10 % of every size (or no design at all) is cheaper by this share "
        "(0.0025 = 0.25 %).",
    )


class Case(Schema):
    """A park case: what exists, what may be built, prices and rules."""

    name: str = Field(min_length=1, description="Case name; names the default results folder.")
    year: Annotated[int, Field(ge=2000, le=2100)] = Field(
        description="Case year; selects the consumption-share rule and the calendar."
    )
    finance: Finance = Field(default_factory=Finance)
    location: Location | None = Field(
        None, description="Where the park is; needed when a profile is generated."
    )
    weather: Weather | None = Field(
        None, description="Weather for generated profiles; null: synthetic, seed 0."
    )
    load: Load
    technologies: Technologies = Field(default_factory=Technologies)
    grid: Grid
    rules: Rules = Field(default_factory=Rules)
    accounting: Accounting = Field(default_factory=Accounting)
    physics: Literal["strict", "relaxed"] = Field(
        "strict",
        description="strict: never import and export, nor charge and discharge, in one hour "
        "(a MILP); relaxed: the pure LP, for bounds and comparisons.",
    )
    solver: Solver = Field(default_factory=Solver)
    pathway: Pathway = Field(
        default_factory=Pathway,
        description="How the case changes across milestone years (dispatch pathway only).",
    )

    @model_validator(mode="after")
    def _heat_has_a_supplier(self) -> Case:
        t = self.technologies
        if self.load.has_heat() and all(
            x is None for x in (t.heat_pump, t.boiler, t.electric_boiler)
        ):
            raise KeyedError(
                "load.heat_kw_th",
                "the case has a heat load but none of technologies.heat_pump, "
                "technologies.boiler or technologies.electric_boiler can supply heat",
            )
        for name in ("thermal_storage", "electric_boiler"):
            if getattr(t, name) is not None and not self.load.has_heat():
                raise KeyedError(
                    f"technologies.{name}",
                    "serves the heat load, but the case has none: give load.heat_kw_th",
                )
        return self

    @model_validator(mode="after")
    def _generated_profiles_have_a_place(self) -> Case:
        missing = self.generated_profile_keys()
        if missing and self.location is None and (self.weather is None or not self.weather.file):
            raise KeyedError(
                "location",
                f"{', '.join(missing)} not given: add location (latitude, longitude) or "
                "weather.file to generate them, or give the profiles",
            )
        return self

    def generated_profile_keys(self) -> list[str]:
        """Return the dotted keys of the profiles generated from the location."""
        t = self.technologies
        keys = []
        if self.load.generated_electricity():
            keys.append("load.electricity_kw")
        if self.load.generated_heat():
            keys.append("load.heat_kw_th")
        if t.pv is not None and t.pv.availability is None:
            keys.append("technologies.pv.availability")
        if t.wind is not None and t.wind.availability is None:
            keys.append("technologies.wind.availability")
        if t.heat_pump is not None and t.heat_pump.cop is None:
            keys.append("technologies.heat_pump.cop")
        return keys

    def self_use_min_of_consumption(self) -> float:
        """Return the consumption-share rule in force: the case value or the year default."""
        if self.rules.self_use_min_of_consumption is not None:
            return self.rules.self_use_min_of_consumption
        switch = int(default("rules", "consumption_rule_switch_year"))
        before, after = consumption_rule_levels()
        return after if self.year >= switch else before


def consumption_rule_levels() -> tuple[float, float]:
    """Return the default self-use share of consumption before and from the switch year."""
    switch = int(default("rules", "consumption_rule_switch_year"))
    return tuple(  # type: ignore[return-value]
        float(default("rules", f"self_use_min_of_consumption_{key}_{switch}"))
        for key in ("before", "from")
    )
