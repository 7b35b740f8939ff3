"""The energy ledger: every annual quantity and every local-consumption rule, defined once.

The park's electricity is booked in a handful of **base quantities**, each a sum of
*terms*. A term is one hourly output column (``battery_charge_kw``) with a sign; the
technologies declare their terms (:meth:`dispatch.model.technologies.base.Technology.
ledger_terms`), the case inputs add the load (:data:`INPUT_TERMS`). Two **derived
quantities** are fixed combinations of the base ones (:data:`DERIVED`):

- self-used renewable energy ``S = available - curtailed - exported``;
- consumption ``C = load + conversion + storage_losses - load_shed``.

With the hourly electricity balance (B1) summed over a year, ``S + imported = C``
exactly: storage losses are electricity the park's meters see consumed, so they count
in C, and the self-used share of consumption never exceeds 100 %.

Every rule is a ratio of two quantities with a limit from the case (:data:`RULES`);
every reported ratio likewise (:data:`RATIOS`). The model builder, the summary, the
diagnosis, the report and the tests all read these tables, so adding or removing a
rule touches this module alone.

The same formulas serve model expressions and numbers: :func:`compose` takes base
quantities of any type that adds and scales (Pyomo expressions, floats, arrays).
Nothing here imports Pyomo.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from dispatch.tariffs.emissions import (
    KG_PER_T,
    electricity_tce,
    fuel_factor_kg_per_kwh,
    fuel_kgce_per_kwh,
)


@dataclass(frozen=True)
class Quantity:
    """An annual electricity quantity of the park.

    Attributes
    ----------
    name : str
        Key in ``summary.json`` ``energy_mwh`` (``storage_losses``).
    label : str
        What it is, for tables and reports.
    parts : tuple of (str, float)
        For a derived quantity, the base quantities it adds with their coefficients;
        empty for a base quantity (a sum of terms).
    """

    name: str
    label: str
    parts: tuple[tuple[str, float], ...] = ()


BASE: tuple[Quantity, ...] = (
    Quantity("available", "renewable energy available (curtailed energy included)"),
    Quantity("curtailed", "renewable energy curtailed"),
    Quantity("exported", "electricity exported to the grid"),
    Quantity("imported", "electricity imported from the grid"),
    Quantity("load", "the park's electricity load as given, moved to the hours it is served"),
    Quantity("conversion", "electricity converted by park equipment (heat pump, electric boiler)"),
    Quantity("storage_losses", "storage losses: energy charged minus energy discharged"),
    Quantity("load_shed", "load the park chose not to serve"),
    Quantity("fuel", "fuel burnt by park equipment (kWh of fuel energy; not electricity)"),
    Quantity("green_certified", "imports covered by green certificates bought (1 cert = 1 MWh)"),
)
"""Base quantities: each the signed sum of the terms declared for it."""

DERIVED: tuple[Quantity, ...] = (
    Quantity(
        "self_used",
        "self-used renewable energy S = available - curtailed - exported",
        (("available", 1.0), ("curtailed", -1.0), ("exported", -1.0)),
    ),
    Quantity(
        "consumption",
        "consumption C = load + conversion + storage losses - load shed (= S + imported)",
        (("load", 1.0), ("conversion", 1.0), ("storage_losses", 1.0), ("load_shed", -1.0)),
    ),
)
"""Derived quantities, in order of evaluation."""

QUANTITIES: dict[str, Quantity] = {q.name: q for q in (*BASE, *DERIVED)}


@dataclass(frozen=True)
class Term:
    """One hourly column's share of a base quantity.

    Attributes
    ----------
    quantity : str
        The base quantity (a name in :data:`BASE`).
    column : str
        The hourly output column [kW] whose annual sum the term is.
    sign : float
        The column's coefficient: +1 adds it, -1 subtracts it (``1 / efficiency`` turns
        a boiler's heat into fuel).
    """

    quantity: str
    column: str
    sign: float = 1.0

    def __post_init__(self) -> None:
        if self.quantity not in {q.name for q in BASE}:
            raise ValueError(f"{self.quantity!r} is not a base quantity of the ledger")


INPUT_TERMS: tuple[Term, ...] = (Term("load", "load_original_kw"),)
"""Terms the case inputs contribute (the load profile as given)."""

INPUT_PROFILES: dict[str, str] = {"load_original_kw": "load_kw"}
"""The case profile behind each input column. ``load_kw`` in the hourly table is the
load as served; when nothing shifts or sheds load the table leaves out
``load_original_kw`` and its ``load_kw`` is the input profile itself."""


def column(table: pd.DataFrame, name: str) -> np.ndarray:
    """Return an hourly column of a results table [kW].

    A missing input column falls back to its profile's column (:data:`INPUT_PROFILES`);
    any other missing column is zero.
    """
    for key in (name, INPUT_PROFILES.get(name)):
        if key is not None and key in table:
            return table[key].to_numpy(dtype=float)
    return np.zeros(len(table))


@dataclass(frozen=True)
class Weighted:
    """One part of a carbon quantity: an energy quantity weighted by a factor, hour by hour.

    Attributes
    ----------
    quantity : str
        An energy quantity (base or derived) [kWh].
    factor : str
        A field of :class:`CarbonFactors` [kgCO2/kWh or kgce/kWh].
    sign : float
        +1 adds the part, -1 subtracts it.
    counts : str or None
        The green-certificate accounting the part needs (``clean_share``, ``emissions``):
        the part counts only when ``accounting.green_certificates_count_toward`` includes it.
    """

    quantity: str
    factor: str
    sign: float = 1.0
    counts: str | None = None


@dataclass(frozen=True)
class CarbonQuantity:
    """An annual carbon quantity: ``sum_parts sign * sum_t quantity[t] * factor[t]``."""

    name: str
    unit: str
    label: str
    parts: tuple[Weighted, ...]


CARBON: tuple[CarbonQuantity, ...] = (
    CarbonQuantity(
        "emissions",
        "kgCO2",
        "CO2 of imports at the grid factor and of fuel at its factor, less imports covered "
        "by green certificates when they count toward emissions",
        (
            Weighted("imported", "grid_kg_per_kwh"),
            Weighted("fuel", "fuel_kg_per_kwh"),
            Weighted("green_certified", "grid_kg_per_kwh", -1.0, "emissions"),
        ),
    ),
    CarbonQuantity(
        "energy_use",
        "kgce",
        "energy use: consumption C at the electricity-to-tce conversion, fuel at its coal "
        "equivalent",
        (
            Weighted("consumption", "electricity_kgce_per_kwh"),
            Weighted("fuel", "fuel_kgce_per_kwh"),
        ),
    ),
    CarbonQuantity(
        "clean_energy",
        "kgce",
        "clean energy: self-used renewables, and imports covered by green certificates when "
        "they count toward the clean share, at the electricity-to-tce conversion",
        (
            Weighted("self_used", "electricity_kgce_per_kwh"),
            Weighted("green_certified", "electricity_kgce_per_kwh", 1.0, "clean_share"),
        ),
    ),
)
"""Carbon quantities, from the energy quantities and the case's factors (docs/sources.md §3-§4).

Self-used renewables emit nothing and exports earn no credit. Kilograms keep the
numbers on the scale of the energy (kgCO2/kgce = tCO2/tce).
"""

CARBON_BY_NAME: dict[str, CarbonQuantity] = {q.name: q for q in CARBON}

GREEN_COUNTS = {
    "clean_share": frozenset({"clean_share"}),
    "emissions": frozenset({"emissions"}),
    "both": frozenset({"clean_share", "emissions"}),
    "none": frozenset(),
}
"""What green certificates count toward, by ``accounting.green_certificates_count_toward``."""


@dataclass(frozen=True)
class CarbonFactors:
    """The factors of the carbon quantities for one case.

    Attributes
    ----------
    grid_kg_per_kwh : numpy.ndarray
        Grid emission factor, hour by hour over the year [kgCO2/kWh].
    fuel_kg_per_kwh : float
        Fuel emission factor [kgCO2/kWh of fuel].
    electricity_kgce_per_kwh : float
        Electricity-to-tce conversion of the case (``accounting.electricity_tce``).
    fuel_kgce_per_kwh : float
        Fuel's standard-coal equivalent [kgce/kWh of fuel].
    green_counts_toward : frozenset of str
        ``clean_share``, ``emissions``, both or neither.
    """

    grid_kg_per_kwh: np.ndarray
    fuel_kg_per_kwh: float
    electricity_kgce_per_kwh: float
    fuel_kgce_per_kwh: float
    green_counts_toward: frozenset[str]

    def value(self, name: str) -> float | np.ndarray:
        """Return a factor by name: a number, or hourly values over the year."""
        value: float | np.ndarray = getattr(self, name)
        return value


def carbon_factors(case: Any, series: Mapping[str, np.ndarray]) -> CarbonFactors:
    """Return the carbon factors of a case: its grid profile, boiler, conversion, accounting."""
    boiler = case.technologies.boiler
    fuel = fuel_factor_kg_per_kwh() if boiler is None else boiler.emission_factor_kg_per_kwh_fuel
    return CarbonFactors(
        grid_kg_per_kwh=np.asarray(series["grid_emission_factor_kg_per_kwh"], dtype=float),
        fuel_kg_per_kwh=float(fuel),
        electricity_kgce_per_kwh=electricity_tce(case.accounting.electricity_tce).kgce_per_kwh,
        fuel_kgce_per_kwh=fuel_kgce_per_kwh(),
        green_counts_toward=GREEN_COUNTS[case.accounting.green_certificates_count_toward],
    )


def expand(name: str) -> dict[str, float]:
    """Return an energy quantity as base quantities with coefficients (``self_used`` -> ...)."""
    q = QUANTITIES[name]
    if not q.parts:
        return {name: 1.0}
    out: dict[str, float] = {}
    for part, coeff in q.parts:
        for base, c in expand(part).items():
            out[base] = out.get(base, 0.0) + coeff * c
    return out


T = TypeVar("T")


def carbon(weighted: Callable[[str, Any], T], factors: CarbonFactors) -> dict[str, T]:
    """Return every carbon quantity of :data:`CARBON`.

    ``weighted(quantity, factor)`` gives ``sum_t quantity[t] * factor[t]`` over a year
    for an energy quantity and a factor (a number or hourly values): a model expression
    or a number, as :func:`compose`.
    """
    out: dict[str, Any] = {}
    for q in CARBON:
        total: Any = 0.0
        for part in q.parts:
            if part.counts is not None and part.counts not in factors.green_counts_toward:
                continue
            value: Any = weighted(part.quantity, factors.value(part.factor))
            total = total + part.sign * value
        out[q.name] = total
    return out


@dataclass(frozen=True)
class Ratio:
    """A reported ratio of two quantities (``summary.json`` ``ratios``).

    Its value is ``numerator / (per * denominator)``; without a denominator
    (``None``), ``numerator / per``: an annual total in the unit of the rule
    (``emissions`` [kgCO2] per 1000 is tCO2).
    """

    name: str
    numerator: str
    denominator: str | None
    per: float = 1.0


RATIOS: tuple[Ratio, ...] = (
    Ratio("self_use_of_generation", "self_used", "available"),
    Ratio("self_use_of_consumption", "self_used", "consumption"),
    Ratio("export_of_generation", "exported", "available"),
    Ratio("curtailment_of_generation", "curtailed", "available"),
)

CARBON_RATIOS: tuple[Ratio, ...] = (
    Ratio("carbon_intensity_t_per_tce", "emissions", "energy_use"),
    Ratio("clean_share", "clean_energy", "energy_use"),
    Ratio("tco2_per_year", "emissions", None, KG_PER_T),
)
"""Ratios of the carbon quantities (:data:`CARBON`): kgCO2/kgce is tCO2/tce."""


def _consumption_limit(case: Any) -> float | None:
    return float(case.self_use_min_of_consumption())


@dataclass(frozen=True)
class Rule:
    """An annual rule ``numerator >= limit * per * denominator`` (``min``) or ``<=`` (``max``).

    Attributes
    ----------
    name : str
        Rule name in ``summary.json`` (``self_use_of_consumption``).
    key : str
        Case key of the limit (``rules.self_use_min_of_consumption``).
    kind : str
        ``min`` or ``max``.
    ratio : str
        The ratio it bounds (a name in :data:`RATIOS`).
    label : str
        A sentence for tables and reports.
    text : str
        A short form with ``{}`` for the limit, for messages.
    limit_of : callable
        ``case -> limit`` (fraction) or ``None`` when the case sets no such rule.
    equation : str
        Its number in docs/formulation.md.
    unit : str
        Unit of the limit: ``%`` for a share (the limit a fraction), else ``tCO2/tce``...
    """

    name: str
    key: str
    kind: str
    ratio: str
    label: str
    text: str
    limit_of: Callable[[Any], float | None]
    equation: str
    unit: str = "%"

    @property
    def numerator(self) -> str:
        """The quantity on the left of the rule."""
        return RATIO_BY_NAME[self.ratio].numerator

    @property
    def denominator(self) -> str | None:
        """The quantity the limit multiplies (``None``: the limit is an annual total)."""
        return RATIO_BY_NAME[self.ratio].denominator

    @property
    def per(self) -> float:
        """Unit factor of the limit: the rule is ``numerator >= limit * per * denominator``."""
        return RATIO_BY_NAME[self.ratio].per

    def format(self, value: float) -> str:
        """Return a value of the rule's ratio in its unit: ``35.0 %``, ``0.2 tCO2/tce``."""
        return f"{100 * value:.4g} %" if self.unit == "%" else f"{value:.4g} {self.unit}"

    def limit(self, case: Any) -> float | None:
        """Return the rule's limit for a case, or ``None`` when the case has no such rule."""
        value = self.limit_of(case)
        return None if value is None else float(value)

    def describe(self, limit: float) -> str:
        """Return the rule with its limit in words: ``self-use ≥ 35 % of consumption``."""
        return self.text.format(self.format(limit))

    def ok(self, value: float, limit: float, tol: float = 1e-6) -> bool:
        """Whether a ratio meets the limit (``tol``, relative above 1, absorbs solver tolerance)."""
        tol = tol * max(1.0, abs(limit))
        return value >= limit - tol if self.kind == "min" else value <= limit + tol


RATIO_BY_NAME: dict[str, Ratio] = {r.name: r for r in (*RATIOS, *CARBON_RATIOS)}

RULES: tuple[Rule, ...] = (
    Rule(
        "self_use_of_generation",
        "rules.self_use_min_of_generation",
        "min",
        "self_use_of_generation",
        "Self-used share of available renewable generation",
        "self-use ≥ {} of available generation",
        lambda case: case.rules.self_use_min_of_generation,
        "R4",
    ),
    Rule(
        "self_use_of_consumption",
        "rules.self_use_min_of_consumption",
        "min",
        "self_use_of_consumption",
        "Self-used renewables' share of park consumption (storage losses included)",
        "self-use ≥ {} of consumption",
        _consumption_limit,
        "R5",
    ),
    Rule(
        "export_max_of_generation",
        "rules.export_max_of_generation",
        "max",
        "export_of_generation",
        "Exported share of available renewable generation",
        "export ≤ {} of available generation",
        lambda case: case.rules.export_max_of_generation,
        "R6",
    ),
    Rule(
        "carbon_intensity",
        "rules.carbon_intensity_max_t_per_tce",
        "max",
        "carbon_intensity_t_per_tce",
        "Emissions per unit of energy use (zero-carbon park indicator)",
        "carbon intensity ≤ {}",
        lambda case: case.rules.carbon_intensity_max_t_per_tce,
        "R7",
        "tCO2/tce",
    ),
    Rule(
        "clean_share",
        "rules.clean_share_min",
        "min",
        "clean_share",
        "Clean energy's share of energy use (tce)",
        "clean energy ≥ {} of energy use",
        lambda case: case.rules.clean_share_min,
        "R8",
    ),
    Rule(
        "emissions",
        "rules.emissions_max_tco2_per_year",
        "max",
        "tco2_per_year",
        "Annual CO2 emissions",
        "emissions ≤ {}",
        lambda case: case.rules.emissions_max_tco2_per_year,
        "R9",
        "tCO2/yr",
    ),
)
"""The local-consumption rules, in the order ``summary.json`` lists them."""

RULE_BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}


def rule_format(name: str) -> Callable[[float], str]:
    """Return how to show a rule's value and limit: ``35.0 %``, ``0.2 tCO2/tce``."""
    rule = RULE_BY_NAME.get(name)
    return rule.format if rule is not None else (lambda x: f"{100 * x:.4g} %")


def compose(base: Mapping[str, Any]) -> dict[str, Any]:
    """Return every quantity from the base ones: ``base`` plus :data:`DERIVED`.

    A base quantity missing from ``base`` is 0. The values may be numbers, arrays or
    model expressions: anything that adds and scales.
    """
    out: dict[str, Any] = {q.name: base.get(q.name, 0.0) for q in BASE}
    for q in DERIVED:
        total: Any = 0.0
        for name, coeff in q.parts:
            total = total + coeff * out[name]
        out[q.name] = total
    return out


def sum_terms(terms: Iterable[tuple[Term, Any]]) -> dict[str, Any]:
    """Add signed term values into base quantities: ``{quantity: sum sign * value}``."""
    out: dict[str, Any] = {}
    for term, value in terms:
        out[term.quantity] = out.get(term.quantity, 0.0) + term.sign * value
    return out


def hourly(table: pd.DataFrame, terms: Iterable[Term]) -> dict[str, np.ndarray]:
    """Every quantity hour by hour [kW] from an hourly table and the terms that apply.

    A term whose column is missing from the table contributes nothing (a technology
    absent from the case writes no columns).
    """
    n = len(table)
    values = [(t, column(table, t.column)) for t in (*INPUT_TERMS, *terms)]
    base = {q.name: np.zeros(n) for q in BASE} | sum_terms(values)
    return compose(base)


def annual_kwh(table: pd.DataFrame, terms: Iterable[Term], scale: float) -> dict[str, float]:
    """Every quantity over a year [kWh]: hourly sums times ``scale`` (8760 / rows)."""
    return {k: float(np.sum(v)) * scale for k, v in hourly(table, terms).items()}


def annual_carbon(
    table: pd.DataFrame, terms: Iterable[Term], factors: CarbonFactors, scale: float
) -> dict[str, float]:
    """Every carbon quantity over a year [kgCO2, kgce] from an hourly table.

    The table's rows are the first hours of the year (as ``timeseries.csv``); hourly
    factors are taken for those hours, sums scaled by ``scale`` (8760 / rows).
    """
    h = hourly(table, terms)
    n = len(table)

    def weighted(quantity: str, factor: Any) -> float:
        f = factor if np.ndim(factor) == 0 else np.asarray(factor)[:n]
        return float(np.sum(h[quantity] * f)) * scale

    return carbon(weighted, factors)


def ratio_value(ratio: Ratio, quantities: Mapping[str, float]) -> float | None:
    """Return one ratio's value; ``None`` where the denominator is zero."""
    den = ratio.per * (1.0 if ratio.denominator is None else quantities[ratio.denominator])
    return quantities[ratio.numerator] / den if den > 0 else None


def ratios(energy: Mapping[str, float]) -> dict[str, float | None]:
    """Every ratio of :data:`RATIOS`; ``None`` where the denominator is zero.

    The ratios of :data:`CARBON_RATIOS` too when ``energy`` holds the carbon quantities.
    """
    out: dict[str, float | None] = {}
    for r in RATIOS:
        out[r.name] = ratio_value(r, energy)
    if all(q.name in energy for q in CARBON):
        for r in CARBON_RATIOS:
            out[r.name] = ratio_value(r, energy)
    return out


def check_rules(energy: Mapping[str, float], case: Any, tol: float = 1e-6) -> list[dict[str, Any]]:
    """Each rule in force as ``{name, limit, value, ok, kind, unit}`` (``summary.json`` ``rules``).

    ``energy`` holds the energy quantities and, for a carbon rule in force, the carbon
    quantities (:func:`annual_carbon`). A ratio without a denominator (no generation, no
    consumption) counts as 0.
    """
    out: list[dict[str, Any]] = []
    for rule in RULES:
        limit = rule.limit(case)
        if limit is None:
            continue
        value = ratio_value(RATIO_BY_NAME[rule.ratio], energy)
        value = 0.0 if value is None else float(value)
        out.append(
            {
                "name": rule.name,
                "limit": limit,
                "value": value,
                "ok": rule.ok(value, limit, tol),
                "kind": rule.kind,
                "unit": "fraction" if rule.unit == "%" else rule.unit,
            }
        )
    return out


__all__ = [
    "BASE",
    "CARBON",
    "CARBON_BY_NAME",
    "CARBON_RATIOS",
    "GREEN_COUNTS",
    "CarbonFactors",
    "CarbonQuantity",
    "Weighted",
    "annual_carbon",
    "carbon",
    "carbon_factors",
    "expand",
    "ratio_value",
    "rule_format",
    "DERIVED",
    "INPUT_PROFILES",
    "INPUT_TERMS",
    "QUANTITIES",
    "RATIOS",
    "RULES",
    "RULE_BY_NAME",
    "Quantity",
    "Ratio",
    "Rule",
    "Term",
    "annual_kwh",
    "check_rules",
    "column",
    "compose",
    "hourly",
    "ratios",
    "sum_terms",
]
