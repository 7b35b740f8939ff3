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
from typing import Any

import numpy as np
import pandas as pd


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
        +1 adds the column, -1 subtracts it.
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
class Ratio:
    """A reported ratio of two quantities (``summary.json`` ``ratios``)."""

    name: str
    numerator: str
    denominator: str


RATIOS: tuple[Ratio, ...] = (
    Ratio("self_use_of_generation", "self_used", "available"),
    Ratio("self_use_of_consumption", "self_used", "consumption"),
    Ratio("export_of_generation", "exported", "available"),
    Ratio("curtailment_of_generation", "curtailed", "available"),
)


def _consumption_limit(case: Any) -> float | None:
    return float(case.self_use_min_of_consumption())


@dataclass(frozen=True)
class Rule:
    """An annual rule ``numerator >= limit * denominator`` (``min``) or ``<=`` (``max``).

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
    """

    name: str
    key: str
    kind: str
    ratio: str
    label: str
    text: str
    limit_of: Callable[[Any], float | None]
    equation: str

    @property
    def numerator(self) -> str:
        """The quantity on the left of the rule."""
        return RATIO_BY_NAME[self.ratio].numerator

    @property
    def denominator(self) -> str:
        """The quantity the limit multiplies."""
        return RATIO_BY_NAME[self.ratio].denominator

    def limit(self, case: Any) -> float | None:
        """Return the rule's limit for a case, or ``None`` when the case has no such rule."""
        value = self.limit_of(case)
        return None if value is None else float(value)

    def describe(self, limit: float) -> str:
        """Return the rule with its limit in words: ``self-use ≥ 35 % of consumption``."""
        return self.text.format(f"{100 * limit:.4g} %")

    def ok(self, value: float, limit: float, tol: float = 1e-6) -> bool:
        """Whether a ratio meets the limit (``tol`` absorbs solver tolerance)."""
        return value >= limit - tol if self.kind == "min" else value <= limit + tol


RATIO_BY_NAME: dict[str, Ratio] = {r.name: r for r in RATIOS}

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
)
"""The local-consumption rules, in the order ``summary.json`` lists them."""

RULE_BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}


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


def ratios(energy: Mapping[str, float]) -> dict[str, float | None]:
    """Every ratio of :data:`RATIOS`; ``None`` where the denominator is zero."""
    out: dict[str, float | None] = {}
    for r in RATIOS:
        den = energy[r.denominator]
        out[r.name] = energy[r.numerator] / den if den > 0 else None
    return out


def check_rules(energy: Mapping[str, float], case: Any, tol: float = 1e-6) -> list[dict[str, Any]]:
    """Each rule in force as ``{name, limit, value, ok, kind}`` (``summary.json`` ``rules``).

    A ratio without a denominator (no generation, no consumption) counts as 0.
    """
    ratio = ratios(energy)
    out: list[dict[str, Any]] = []
    for rule in RULES:
        limit = rule.limit(case)
        if limit is None:
            continue
        value = ratio[rule.ratio]
        value = 0.0 if value is None else float(value)
        out.append(
            {
                "name": rule.name,
                "limit": limit,
                "value": value,
                "ok": rule.ok(value, limit, tol),
                "kind": rule.kind,
            }
        )
    return out


__all__ = [
    "BASE",
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
