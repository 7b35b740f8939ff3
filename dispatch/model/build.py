"""Assemble the optimisation model from the technology modules.

Technologies declare their own variables and constraints; this module adds
what ties them together, last: the electricity balance (B1), the heat
balance (B2), the local-consumption and carbon rules (R4-R9) and the objective (O1).
See docs/formulation.md for the numbered equations.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC
from pyomo.core.expr.visitor import identify_variables

from dispatch import ledger
from dispatch.case.loader import CaseData
from dispatch.errors import InfeasibleError
from dispatch.model.horizon import Horizon
from dispatch.model.technologies import REGISTRY, Context, Technology, spec_of
from dispatch.model.technologies.base import Slack

BUSES: dict[str, tuple[str, str, str]] = {
    "electricity": ("load_kw", "load.electricity_kw", "kWh/yr"),
    "heat": ("heat_load_kw_th", "load.heat_kw_th", "kWh_th/yr"),
}
"""Each energy bus: its load profile, the case key of the load, the unit of its slack."""


@dataclass
class RuleTerm:
    """An annual rule ``lhs >= 0`` with its limit, for reporting and diagnosis.

    The rule reads ``numerator >= limit * denominator`` (kind ``min``) or
    ``numerator <= limit * denominator`` (kind ``max``), annual energies [kWh].
    """

    name: str
    limit: float
    description: str
    key: str = ""
    kind: str = "min"
    numerator: Any = 0.0
    denominator: Any = 0.0


@dataclass
class BuiltModel:
    """A Pyomo model and the technology objects that built it.

    Attributes
    ----------
    model : pyomo.environ.ConcreteModel
        The model; technology ``x`` lives in block ``model.x``.
    technologies : dict of str to Technology
        The technologies present, by name.
    horizon : Horizon
        The model steps.
    data : CaseData
        The case and its hourly inputs.
    rules : list of RuleTerm
        The rules enforced.
    build_seconds : float
        Wall time to build the model.
    slacks : list of Slack
        In an elastic model: every limit, rule and balance that may give.
    context : Context or None
        What the technologies were built with (elastic switch, size cap).
    """

    model: pyo.ConcreteModel
    technologies: dict[str, Technology]
    horizon: Horizon
    data: CaseData
    rules: list[RuleTerm] = field(default_factory=list)
    build_seconds: float = 0.0
    slacks: list[Slack] = field(default_factory=list)
    context: Context | None = None


def build_model(
    data: CaseData,
    horizon: Horizon | None = None,
    *,
    elastic: bool = False,
    size_cap: float | None = None,
    rules: bool = True,
) -> BuiltModel:
    """Build the sizing-and-dispatch model of a case.

    Parameters
    ----------
    data : CaseData
        The validated case with its profiles.
    horizon : Horizon, optional
        Model steps; the full year by default.
    elastic : bool
        Build the elastic variant used to explain an infeasible case: size and
        connection limits, rules and balances get non-negative slack variables
        (``BuiltModel.slacks``) that :mod:`dispatch.solve.diagnose` penalises.
    size_cap : float, optional
        Upper limit for every unlimited size [kW or kWh], to find sizes that run away.
    rules : bool
        Add the local-consumption rules (R4-R6); ``False`` for the baseline dispatch.

    Returns
    -------
    BuiltModel
        The model, ready to solve.

    Raises
    ------
    InfeasibleError
        When a rule cannot hold whatever is built (no renewables at all, say).
    """
    with PauseGC():  # a model is a million small objects: collecting meanwhile doubles the time
        return _build(data, horizon, elastic, size_cap, rules)


def _build(
    data: CaseData, horizon: Horizon | None, elastic: bool, size_cap: float | None, rules: bool
) -> BuiltModel:
    """Build the model (:func:`build_model`, with garbage collection paused)."""
    start = time.perf_counter()
    case = data.case
    horizon = horizon or Horizon.full_year(case.year)
    m = pyo.ConcreteModel(name=case.name)
    m.T = pyo.RangeSet(0, horizon.n_steps - 1)
    ctx = Context(
        horizon=horizon,
        steps=m.T,
        discount_rate=case.finance.discount_rate,
        elastic=elastic,
        size_cap=size_cap,
        carbon_price_per_tco2=case.finance.carbon_price_per_tco2,
        finance=case.finance,
    )
    techs: dict[str, Technology] = {}
    for cls in REGISTRY:
        spec = spec_of(case, cls.name)
        if spec is None:
            continue
        tech = cls(spec, data.series, ctx)
        block = pyo.Block()
        m.add_component(cls.name, block)
        tech.build(block)
        techs[cls.name] = tech
    built = BuiltModel(
        model=m, technologies=techs, horizon=horizon, data=data, slacks=ctx.slacks, context=ctx
    )
    _add_balances(built)
    if rules:
        _add_rules(built)
    m.cost = pyo.Objective(  # (O1)
        expr=sum(t.annual_cost(m.component(n)) for n, t in techs.items()), sense=pyo.minimize
    )
    built.build_seconds = time.perf_counter() - start
    return built


def _add_balances(built: BuiltModel) -> None:
    """Add a balance for each bus with a load or a technology on it (B1, B2).

    (B1) ``sum_k electricity_k[t] = load[t]`` for every step t
    (B2) ``sum_k heat_k[t] = heat_load[t]`` for every step t

    The technologies on a bus are those that list it in ``Technology.buses``.
    """
    m, techs = built.model, built.technologies
    series = built.data.series
    for bus, (column, key, unit) in BUSES.items():
        members = [(k, m.component(n)) for n, k in techs.items() if bus in k.buses]
        if not members and not (column in series and np.any(series[column])):
            continue  # a load of zero everywhere with nothing to serve it needs no balance
        load = np.zeros(built.horizon.n_steps)
        if column in series:
            load = built.horizon.take(series[column])
        gap = _balance_slack(built, bus, key, unit)
        m.add_component(f"{bus}_balance", _balance(m, members, bus, load.tolist(), gap))


def _balance(
    m: pyo.ConcreteModel, members: list[tuple[Technology, pyo.Block]], bus: str,
    load: list[float], gap: Any,
) -> pyo.Constraint:  # fmt: skip
    """``sum_k supply_k[t] + gap(t) == load[t]`` for every step t."""
    return pyo.Constraint(
        m.T, rule=lambda m, t: sum(k.supply(b, bus, t) for k, b in members) + gap(t) == load[t]
    )


def _balance_slack(built: BuiltModel, bus: str, key: str, unit: str) -> Any:
    """Return ``t -> short[t] - excess[t]`` for an elastic balance, else ``t -> 0``."""
    ctx = built.context
    if ctx is None or not ctx.elastic:
        return lambda t: 0.0
    m = built.model
    short = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    excess = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    m.add_component(f"{bus}_short_kw", short)
    m.add_component(f"{bus}_excess_kw", excess)
    for kind, var in (("short", short), ("excess", excess)):
        built.slacks.append(Slack(key, "balance", kind, None, unit, ctx.annual(var), var))
    return lambda t: short[t] - excess[t]


def annual_ledger(built: BuiltModel) -> dict[str, Any]:
    """Every ledger quantity of the model as an annual expression [kWh/yr] (:mod:`dispatch.ledger`).

    The load is a constant from the case inputs; every other base quantity sums the
    terms the technologies declare (``Technology.ledger_terms``).
    """
    m, h = built.model, built.horizon
    terms: list[tuple[ledger.Term, Any]] = []
    for term in ledger.INPUT_TERMS:
        series = built.data.series[ledger.INPUT_PROFILES[term.column]]
        terms.append((term, float(np.dot(h.weight, h.take(series))) * h.annual_scale))
    for name, tech in built.technologies.items():
        terms.extend(tech.ledger(m.component(name)))
    return ledger.compose(ledger.sum_terms(terms))


def annual_carbon(built: BuiltModel, energy: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every carbon quantity of the model as an annual expression [kgCO2, kgce] (R7-R9).

    ``sum_t quantity[t] * factor[t]``: a constant factor multiplies the quantity's annual
    expression (``energy``, from :func:`annual_ledger`); an hourly one (a grid emission
    factor profile) weights each term's steps.
    """
    m, h, data = built.model, built.horizon, built.data
    energy = annual_ledger(built) if energy is None else energy
    factors = ledger.carbon_factors(data.case, data.series)

    def weighted(quantity: str, factor: Any) -> Any:
        if np.ndim(factor) == 0 or np.ptp(factor) == 0:
            return float(np.mean(factor)) * energy[quantity]
        steps = h.take(np.asarray(factor))
        total: Any = 0.0
        for base, coeff in ledger.expand(quantity).items():
            for term in ledger.INPUT_TERMS:
                if term.quantity == base:
                    series = h.take(data.series[term.column]) * steps
                    total += coeff * term.sign * float(np.dot(h.weight, series)) * h.annual_scale
            for name, tech in built.technologies.items():
                for term in tech.ledger_terms(tech.spec):
                    if term.quantity == base:
                        expr = tech.column_kwh(m.component(name), term.column, steps)
                        total = total + coeff * term.sign * expr
        return total

    return ledger.carbon(weighted, factors)


def _add_rules(built: BuiltModel) -> None:
    """Add the annual local-consumption rules of :data:`dispatch.ledger.RULES`.

    With A available renewable energy, S = A - curtailed - exported self-used
    renewable energy and C = load + heat-pump electricity + storage losses
    consumption (= S + imported):

    (R4) ``S >= g * A``      self-use of generation
    (R5) ``S >= c * C``      self-use of consumption
    (R6) ``exported <= x * A`` export cap

    and, with E emissions [kgCO2], U energy use and K clean energy [kgce]
    (:data:`dispatch.ledger.CARBON`):

    (R7) ``E <= i * U``      carbon intensity [tCO2/tce]
    (R8) ``K >= k * U``      clean share of energy use
    (R9) ``E <= 1000 * e``   annual emissions [tCO2/yr]
    """
    m, case = built.model, built.data.case
    quantity = annual_ledger(built)
    in_force = [(r, r.limit(case)) for r in ledger.RULES if r.limit(case) is not None]
    if any(r.numerator in ledger.CARBON_BY_NAME for r, _ in in_force):
        quantity |= annual_carbon(built, quantity)
    ctx = built.context
    elastic = ctx is not None and ctx.elastic
    for rule, limit in in_force:
        assert limit is not None
        num = quantity[rule.numerator]
        den = rule.per * (1.0 if rule.denominator is None else quantity[rule.denominator])
        lhs = num - limit * den if rule.kind == "min" else limit * den - num
        description = rule.describe(limit)
        built.rules.append(RuleTerm(rule.name, limit, description, rule.key, rule.kind, num, den))
        if elastic:  # (R4-R9 elastic) lhs + slack >= 0, the slack in kWh, kgCO2 or kgce a year
            slack = pyo.Var(domain=pyo.NonNegativeReals)
            m.add_component(f"rule_{rule.name}_slack", slack)
            m.add_component(f"rule_{rule.name}", pyo.Constraint(expr=lhs + slack >= 0))
            unit = (
                ledger.CARBON_BY_NAME[rule.numerator].unit
                if rule.numerator in (ledger.CARBON_BY_NAME)
                else "kWh"
            )
            built.slacks.append(Slack(rule.key, "rule", "rule", limit, f"{unit}/yr", slack, slack))
            continue
        if isinstance(lhs, int | float) or not list(identify_variables(lhs)):
            if pyo.value(lhs) < -1e-9:
                raise InfeasibleError(
                    f"{description} cannot be met: the case has no PV or wind to supply "
                    "renewable energy; add technologies.pv or technologies.wind",
                    [{"rule": rule.name, "limit": limit, "reachable": 0.0}],
                )
            continue
        m.add_component(f"rule_{rule.name}", pyo.Constraint(expr=lhs >= 0))
