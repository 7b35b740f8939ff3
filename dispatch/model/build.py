"""Assemble the optimisation model from the technology modules.

Technologies declare their own variables and constraints; this module adds
what ties them together, last: the electricity balance (B1), the heat
balance (B2), the local-consumption rules (R4-R6) and the objective (O1).
See docs/formulation.md for the numbered equations.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.visitor import identify_variables

from dispatch.case.loader import CaseData
from dispatch.errors import InfeasibleError
from dispatch.model.horizon import Horizon
from dispatch.model.technologies import REGISTRY, Context, Technology, spec_of

RULE_NAMES = ("self_use_of_generation", "self_use_of_consumption", "export_max_of_generation")


@dataclass
class RuleTerm:
    """An annual rule ``lhs >= 0`` with its limit, for reporting and diagnosis."""

    name: str
    limit: float
    description: str


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
    """

    model: pyo.ConcreteModel
    technologies: dict[str, Technology]
    horizon: Horizon
    data: CaseData
    rules: list[RuleTerm] = field(default_factory=list)
    build_seconds: float = 0.0


def build_model(data: CaseData, horizon: Horizon | None = None) -> BuiltModel:
    """Build the sizing-and-dispatch model of a case.

    Parameters
    ----------
    data : CaseData
        The validated case with its profiles.
    horizon : Horizon, optional
        Model steps; the full year by default.

    Returns
    -------
    BuiltModel
        The model, ready to solve.

    Raises
    ------
    InfeasibleError
        When a rule cannot hold whatever is built (no renewables at all, say).
    """
    start = time.perf_counter()
    case = data.case
    horizon = horizon or Horizon.full_year(case.year)
    m = pyo.ConcreteModel(name=case.name)
    m.T = pyo.RangeSet(0, horizon.n_steps - 1)
    ctx = Context(
        horizon=horizon,
        steps=m.T,
        discount_rate=case.finance.discount_rate,
        carbon_price_per_tco2=case.finance.carbon_price_per_tco2,
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
    built = BuiltModel(model=m, technologies=techs, horizon=horizon, data=data)
    _add_balances(built)
    _add_rules(built)
    m.cost = pyo.Objective(  # (O1)
        expr=sum(t.annual_cost(m.component(n)) for n, t in techs.items()), sense=pyo.minimize
    )
    built.build_seconds = time.perf_counter() - start
    return built


def _add_balances(built: BuiltModel) -> None:
    """Add (B1) electricity and (B2) heat balances.

    (B1) ``sum_k electricity_k[t] = load[t]`` for every step t
    (B2) ``sum_k heat_k[t] = heat_load[t]`` for every step t
    """
    m, techs = built.model, built.technologies
    series = built.data.series
    load = built.horizon.take(series["load_kw"]).tolist()
    blocks = [(t, m.component(n)) for n, t in techs.items()]
    m.electricity_balance = pyo.Constraint(
        m.T, rule=lambda m, t: sum(k.electricity(b, t) for k, b in blocks) == load[t]
    )
    heat_suppliers = [(k, b) for k, b in blocks if k.name in ("heat_pump", "boiler")]
    if "heat_load_kw_th" in series or heat_suppliers:
        heat = np.zeros(built.horizon.n_steps)
        if "heat_load_kw_th" in series:
            heat = built.horizon.take(series["heat_load_kw_th"])
        heat_list = heat.tolist()
        m.heat_balance = pyo.Constraint(
            m.T, rule=lambda m, t: sum(k.heat(b, t) for k, b in heat_suppliers) == heat_list[t]
        )


def _add_rules(built: BuiltModel) -> None:
    """Add the annual local-consumption rules.

    With A available renewable energy, S = A - curtailed - exported self-used
    renewable energy and C = load + heat-pump electricity consumption:

    (R4) ``S >= g * A``      self-use of generation
    (R5) ``S >= c * C``      self-use of consumption
    (R6) ``exported <= x * A`` export cap
    """
    m, techs, case = built.model, built.technologies, built.data.case
    blocks = [(t, m.component(n)) for n, t in techs.items()]
    available = sum(k.renewable_available_kwh(b) for k, b in blocks)
    curtailed = sum(k.curtailed_kwh(b) for k, b in blocks)
    exported = sum(k.exported_kwh(b) for k, b in blocks)
    load_kwh = float(np.dot(built.horizon.weight, built.horizon.take(built.data.series["load_kw"])))
    consumption = load_kwh * built.horizon.annual_scale + sum(
        k.consumption_kwh(b) for k, b in blocks
    )
    self_used = available - curtailed - exported
    rules = case.rules
    specs = (
        (
            "self_use_of_generation",
            rules.self_use_min_of_generation,
            lambda g: self_used - g * available,
            "self-used renewable energy >= {:.0%} of available generation",
        ),
        (
            "self_use_of_consumption",
            case.self_use_min_of_consumption(),
            lambda c: self_used - c * consumption,
            "self-used renewable energy >= {:.0%} of consumption",
        ),
        (
            "export_max_of_generation",
            rules.export_max_of_generation,
            lambda x: x * available - exported,
            "exported energy <= {:.0%} of available generation",
        ),
    )
    for name, limit, lhs_of, text in specs:
        if limit is None:
            continue
        lhs = lhs_of(limit)
        description = text.format(limit)
        built.rules.append(RuleTerm(name=name, limit=float(limit), description=description))
        if isinstance(lhs, int | float) or not list(identify_variables(lhs)):
            if pyo.value(lhs) < -1e-9:
                raise InfeasibleError(
                    f"{description} cannot be met: the case has no PV or wind to supply "
                    "renewable energy; add technologies.pv or technologies.wind",
                    [{"rule": name, "limit": limit, "reachable": 0.0}],
                )
            continue
        m.add_component(f"rule_{name}", pyo.Constraint(expr=lhs >= 0))
