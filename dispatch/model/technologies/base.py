"""The interface every technology module implements.

A technology owns a Pyomo Block (``m.<name>``). In :meth:`Technology.build`
it declares its sizes, hourly variables and own constraints, in that order.
It then answers the builder's questions: what it puts on the electricity and
heat buses each step, what it adds to the annual rule sums, and what it costs
a year. The builder (:mod:`dispatch.model.build`) adds the balances, rules and
objective last, so the core never knows what a battery costs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pyomo.environ as pyo

from dispatch.model.horizon import Horizon

Expr = Any  # a Pyomo linear expression or a number


@dataclass(eq=False)
class Slack:
    """A limit an elastic model may break at a penalty (:mod:`dispatch.model.diagnose`).

    Attributes
    ----------
    key : str
        The case key of the limit: ``technologies.pv.max_kw``,
        ``rules.self_use_min_of_consumption``, ``load.electricity_kw`` (electricity balance).
    tier : str
        ``limit`` (a size or connection limit), ``rule`` or ``balance``; ``cap`` marks
        an unlimited size capped by ``Context.size_cap`` (``var`` is then the size).
    kind : str
        ``max``: the value must rise above the limit; ``min``: fall below it;
        ``short`` / ``excess``: energy missing from / left over on a balance; ``rule``.
    limit : float or None
        The case value of the limit.
    unit : str
        Unit of :attr:`amount` (``kW``, ``kWh``, ``kW_th``, ``kWh/yr``).
    amount : Expr
        How far the limit is broken (>= 0); annual energy for rules and balances.
    var : pyomo Var
        The slack variable (indexed by step for balances).
    size : pyomo Var or None
        For size limits: the size variable that the limit holds.
    """

    key: str
    tier: str
    kind: str
    limit: float | None
    unit: str
    amount: Expr
    var: Any
    size: Any = None


@dataclass(frozen=True)
class Context:
    """What every technology needs to know about the model it joins.

    Attributes
    ----------
    horizon : Horizon
        The model steps.
    steps : pyomo Set
        The step index set ``T`` of the model.
    discount_rate : float
        For annualising investment.
    elastic : bool
        Size limits become soft, with penalised slack registered in :attr:`slacks`.
    size_cap : float or None
        Upper limit given to every unlimited size (to find sizes that run away).
    slacks : list of Slack
        The slacks of an elastic model.
    """

    horizon: Horizon
    steps: pyo.Set
    discount_rate: float
    elastic: bool = False
    size_cap: float | None = None
    slacks: list[Slack] = field(default_factory=list)

    def annual(self, var: pyo.Var, coeff: np.ndarray | float = 1.0) -> Expr:
        """Annual sum ``s * sum_t w_t * c_t * x_t`` of an hourly variable.

        ``s`` scales the horizon's weights to a year (1 for the full year).
        """
        w = self.horizon.weight * coeff * self.horizon.annual_scale
        return pyo.quicksum(float(w[t]) * var[t] for t in self.steps)


class Technology(ABC):
    """One technology: its variables, constraints, bus terms, rule terms and cost.

    Subclasses set :attr:`name` (the Block name) and implement :meth:`build`.
    Every other method has a neutral default.
    """

    name: ClassVar[str]

    def __init__(self, spec: Any, series: dict[str, np.ndarray], ctx: Context) -> None:
        self.spec = spec
        self.series = series
        self.ctx = ctx

    def case_key(self, name: str) -> str:
        """Return the case key of a parameter of the technology (``technologies.pv.max_kw``)."""
        section = "grid" if self.name == "grid" else f"technologies.{self.name}"
        return f"{section}.{name}"

    def size_var(
        self,
        b: pyo.Block,
        name: str,
        limits: tuple[float, float | None],
        keys: tuple[str, str],
        unit: str,
    ) -> pyo.Var:
        """Declare a size variable ``b.<name>`` within the case limits ``low <= size <= high``.

        Normally the limits are the variable's bounds. In an elastic model they are
        constraints ``size <= high + over`` and ``size >= low - under`` whose slacks
        are registered in ``ctx.slacks``. With ``ctx.size_cap`` an unlimited size
        gets that cap.

        Parameters
        ----------
        b : pyomo Block
            The technology's block.
        name : str
            Variable name (``size_kw``).
        limits : tuple of float and float or None
            ``(low, high)`` from the case; ``high`` ``None`` for no limit.
        keys : tuple of str
            Case parameter names of the two limits (``("min_kw", "max_kw")``).
        unit : str
            Unit of the size, for messages.
        """
        low, high = limits
        ctx = self.ctx
        capped = high is None and ctx.size_cap is not None
        if capped:
            high = ctx.size_cap
        if not ctx.elastic:
            var = pyo.Var(domain=pyo.NonNegativeReals, bounds=(low, high))
            b.add_component(name, var)
            if capped:  # recorded so that a size running to the cap can be named
                ctx.slacks.append(Slack(self.case_key(keys[1]), "cap", "max", high, unit, var, var))
            return var
        var = pyo.Var(domain=pyo.NonNegativeReals)
        b.add_component(name, var)
        for kind, limit, key in (("max", high, keys[1]), ("min", low, keys[0])):
            if limit is None or (kind == "min" and limit <= 0):
                continue
            slack = pyo.Var(domain=pyo.NonNegativeReals)
            b.add_component(f"{name}_{kind}_slack", slack)
            expr = var <= limit + slack if kind == "max" else var >= limit - slack
            b.add_component(f"{name}_{kind}", pyo.Constraint(expr=expr))
            ctx.slacks.append(
                Slack(self.case_key(key), "limit", kind, float(limit), unit, slack, slack, var)
            )
        return var

    def profile(self, key: str) -> list[float]:
        """Return a case profile at the model steps, as a plain list (fast in rules)."""
        return self.ctx.horizon.take(self.series[key]).tolist()

    @abstractmethod
    def build(self, b: pyo.Block) -> None:
        """Declare sizes, hourly variables and the technology's own constraints on ``b``."""

    def electricity(self, b: pyo.Block, t: int) -> Expr:
        """Net electricity the technology puts on the bus at step t [kW]; negative draws."""
        return 0.0

    def heat(self, b: pyo.Block, t: int) -> Expr:
        """Heat the technology supplies at step t [kW_th]."""
        return 0.0

    def renewable_available_kwh(self, b: pyo.Block) -> Expr:
        """Annual available renewable energy A (curtailed energy included) [kWh]."""
        return 0.0

    def curtailed_kwh(self, b: pyo.Block) -> Expr:
        """Annual curtailed renewable energy [kWh]."""
        return 0.0

    def exported_kwh(self, b: pyo.Block) -> Expr:
        """Annual energy exported to the grid [kWh]."""
        return 0.0

    def consumption_kwh(self, b: pyo.Block) -> Expr:
        """Annual electricity the technology consumes that counts as park consumption [kWh]."""
        return 0.0

    @classmethod
    def unit_costs(cls, spec: Any, discount_rate: float) -> dict[str, dict[str, float]]:
        """Cost per unit of each size, per year, by cost category.

        Returns ``{capacity_key: {category: cost_per_unit_per_year}}``, for example
        ``{"pv_kw": {"capex_annualized": 240.3, "fixed_om": 38.0}}``. The model's
        objective and the results' cost breakdown both use these numbers.
        """
        return {}

    def size_vars(self, b: pyo.Block) -> dict[str, pyo.Var]:
        """Return the size variables, keyed like :meth:`unit_costs` (``pv_kw``)."""
        return {}

    def operating_cost(self, b: pyo.Block) -> Expr:
        """Annual energy-related cost (fuel, grid energy, minus export revenue)."""
        return 0.0

    def annual_cost(self, b: pyo.Block) -> Expr:
        """(O1) ``sum_k (unit cost_k * size_k) + operating cost``, per year."""
        sizes = self.size_vars(b)
        unit = self.unit_costs(self.spec, self.ctx.discount_rate)
        fixed = sum(sum(unit[k].values()) * var for k, var in sizes.items())
        return fixed + self.operating_cost(b)

    def capacities(self, b: pyo.Block) -> dict[str, float]:
        """Chosen sizes, keyed by name with unit (``pv_kw``)."""
        return {k: float(pyo.value(v)) for k, v in self.size_vars(b).items()}

    def timeseries(self, b: pyo.Block) -> dict[str, np.ndarray]:
        """Hourly results, keyed by output column name with unit (``import_kw``)."""
        return {}


def values(var: pyo.Var) -> np.ndarray:
    """Return the solution values of an indexed variable as an array (0 when unset)."""
    return np.fromiter((v.value or 0.0 for v in var.values()), dtype=float, count=len(var))
