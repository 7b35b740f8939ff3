"""The interface every technology module implements.

A technology owns a Pyomo Block (``m.<name>``). In :meth:`Technology.build`
it declares its sizes, hourly variables and own constraints, in that order.
It then answers the builder's questions: what it puts on the buses it
takes part in (:attr:`Technology.buses`) each step, which hourly columns it adds to the
energy ledger (:meth:`Technology.ledger_terms`, :mod:`dispatch.ledger`), and what it
costs a year. The builder (:mod:`dispatch.model.build`) adds the balances, rules and
objective last, so the core never knows what a battery costs.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from dispatch.finance import ELECTRICITY_COSTS, annuity_factor, crf, life_cycle_capex_factor
from dispatch.ledger import Term
from dispatch.model.horizon import Horizon


class _OnFirstUse:
    """A module imported when one of its names is first used, then read directly.

    The technologies' sizes and prices serve checks that build no model
    (``dispatch validate``, :mod:`dispatch.model.free_sizes`); they need not load
    Pyomo, a third of a second.
    """

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        value = getattr(importlib.import_module(self._name), attr)
        setattr(self, attr, value)  # found directly from now on
        return value


pyo: Any = _OnFirstUse("pyomo.environ")
"""``pyomo.environ``, imported on first use; the technology modules build with it."""

Expr = Any  # a Pyomo linear expression or a number


@dataclass(eq=False)
class Slack:
    """A limit an elastic model may break at a penalty (:mod:`dispatch.solve.diagnose`).

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
    """

    key: str
    tier: str
    kind: str
    limit: float | None
    unit: str
    amount: Expr
    var: Any

    @property
    def bound(self) -> float:
        """The case value of a size, connection, cap or rule limit (a balance has none)."""
        if self.limit is None:
            raise ValueError(f"{self.key}: a {self.tier} slack has no limit")
        return self.limit


@dataclass(frozen=True)
class SizeSpec:
    """How one size may be chosen (docs/formulation.md, U1-U3).

    Attributes
    ----------
    key : str
        Capacity key with unit (``pv_kw``).
    low, high : float, float or None
        Bounds on the total size (existing included).
    existing : float
        Installed already; free of investment cost.
    unit : float or None
        Additions come in whole multiples of this.
    min_if_built : float
        The addition is zero or at least this.
    """

    key: str
    low: float = 0.0
    high: float | None = None
    existing: float = 0.0
    unit: float | None = None
    min_if_built: float = 0.0


def declare_size(b: pyo.Block, attr: str, size: SizeSpec, units: pyo.Var | None = None) -> pyo.Var:
    """Declare a size variable ``b.<attr>`` with its existing part, units and minimum.

    (U1) ``max(low, existing) <= size <= high``; the addition is ``size - existing``
    (U2) ``size - existing = unit * n``, ``n`` a non-negative integer (``b.<attr>_units``)
    (U3) ``min_if_built * y <= size - existing <= (high - existing) * y``, ``y`` binary

    Parameters
    ----------
    b : pyomo Block
        The technology's block.
    attr : str
        Variable name on the block (``size_kw``).
    size : SizeSpec
        Bounds and discrete options.
    units : pyomo Var, optional
        A unit count shared with another size (battery containers set energy and power).
    """
    low = max(size.low, size.existing)
    var = pyo.Var(domain=pyo.NonNegativeReals, bounds=(low, size.high))
    b.add_component(attr, var)
    if size.unit is not None:
        if units is None:
            units = pyo.Var(domain=pyo.NonNegativeIntegers)
            b.add_component(f"{attr}_units", units)
        b.add_component(  # (U2)
            f"{attr}_unit_multiple",
            pyo.Constraint(expr=var - size.existing == size.unit * units),
        )
    if size.min_if_built > 0 and size.high is not None:
        built = pyo.Var(domain=pyo.Binary)
        b.add_component(f"{attr}_built", built)
        b.add_component(  # (U3)
            f"{attr}_min_if_built",
            pyo.Constraint(expr=var - size.existing >= size.min_if_built * built),
        )
        b.add_component(
            f"{attr}_max_if_built",
            pyo.Constraint(expr=var - size.existing <= (size.high - size.existing) * built),
        )
    return var


@dataclass(frozen=True)
class ExclusivePair:
    """Two hourly flows that must not both be positive in one hour (strict physics).

    Attributes
    ----------
    name : str
        ``import_export`` or ``charge_discharge``.
    a, b : pyomo Var
        The two indexed flows.
    bound : float or None
        An upper bound on both flows known from the case (a fixed or maximum size);
        ``None`` when only the solution can tell.
    limit : pyomo Var or None
        The size variable that bounds both flows (power rating, connection); when
        the solver has it fixed, its value is the tightest bound.
    """

    name: str
    a: pyo.Var
    b: pyo.Var
    bound: float | None
    limit: pyo.Var | None = None
    incentive: np.ndarray | None = None
    """Steps where the costs reward both flows at once: guarded by binaries from the
    start instead of lazily (``None``: none known in advance)."""


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
    carbon_price_per_tco2 : float
        Price of emitted CO2 [CNY/tCO2]; technologies that emit add its cost.
    elastic : bool
        Size limits become soft, with penalised slack registered in :attr:`slacks`.
    size_cap : float or None
        Upper limit given to every unlimited size (to find sizes that run away).
    slacks : list of Slack
        The slacks of an elastic model.
    finance : Finance or None
        The case's ``finance`` section; its ``objective`` sets :meth:`weight`.
    """

    horizon: Horizon
    steps: pyo.Set
    discount_rate: float
    carbon_price_per_tco2: float = 0.0
    elastic: bool = False
    size_cap: float | None = None
    slacks: list[Slack] = field(default_factory=list)
    finance: Any = None

    def weight(self, category: str, spec: Any = None) -> float:
        """Objective weight of a yearly cost category (O5); 1 under the annualised objective.

        Under ``finance.objective: npv`` the objective is the life-cycle cost over the
        annuity factor ``AF = sum_{y=1..N} (1 + r)^-y``: a category escalating by ``e``
        weighs ``AF(r, N, e) / AF(r, N)``; ``capex_annualized`` weighs
        ``K / AF / CRF(r, n)``, with ``K`` the present value of the investment's
        payments (renewals, residual value) per unit invested
        (:func:`dispatch.finance.life_cycle_capex_factor`). Carbon and battery wear
        weigh 1.

        Parameters
        ----------
        category : str
            A cost category of ``costs_per_year`` (``fixed_om``, ``grid_energy``, ...).
        spec : technology case section, optional
            Needed for ``capex_annualized``.
        """
        f = self.finance
        if f is None or f.objective == "annualized":
            return 1.0
        r, n = f.discount_rate, f.analysis_years
        annuity = annuity_factor(r, n)
        if category == "capex_annualized":
            factor = life_cycle_capex_factor(spec, n, r, f.residual_value == "linear")
            return factor / annuity / crf(r, spec.lifetime_years)
        escalation = {
            "fixed_om": f.om_escalation_per_year,
            "fuel": f.fuel_price_escalation_per_year,
        }.get(category)
        if category in ELECTRICITY_COSTS:
            escalation = f.electricity_price_escalation_per_year
        if escalation is None:
            return 1.0
        return annuity_factor(r, n, escalation) / annuity

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

    section: ClassVar[str | None] = None
    """The case section of the technology's keys (``load.flexible``); ``None``:
    ``technologies.<name>``."""

    @classmethod
    def case_section(cls) -> str:
        """Return the dotted case section of the technology (``technologies.pv``)."""
        return cls.section or f"technologies.{cls.name}"

    def __init__(self, spec: Any, series: dict[str, np.ndarray], ctx: Context) -> None:
        self.spec = spec
        self.series = series
        self.ctx = ctx

    def case_key(self, name: str) -> str:
        """Return the case key of a parameter of the technology (``technologies.pv.max_kw``)."""
        return f"{self.case_section()}.{name}"

    def size_var(
        self,
        b: pyo.Block,
        name: str,
        size: SizeSpec,
        units: pyo.Var | None = None,
        keys: tuple[str, str] | None = None,
    ) -> pyo.Var:
        """Declare a size variable ``b.<name>`` (:func:`declare_size`), elastic when asked.

        In an elastic model (``ctx.elastic``) the case limits become constraints
        ``size <= high + over`` and ``size >= low - under`` whose slacks are
        registered in ``ctx.slacks``, and so does a minimum addition; existing
        capacity and unit multiples stay. With ``ctx.size_cap`` an unlimited size
        gets that cap, recorded so that a size running to it can be named.

        Parameters
        ----------
        b : pyomo Block
            The technology's block.
        name : str
            Variable name (``size_kw``).
        size : SizeSpec
            Bounds and discrete options from the case.
        units : pyomo Var, optional
            A unit count shared with another size.
        keys : tuple of str, optional
            Case parameter names of the two limits; default ``min_<unit>``,
            ``max_<unit>`` from the capacity key (``pv_kw`` -> ``min_kw``, ``max_kw``).
        """
        suffix = size.key.removeprefix(f"{self.name}_")
        low_key, high_key = keys or (f"min_{suffix}", f"max_{suffix}")
        unit = "kW_th" if suffix.endswith("kw_th") else "kWh" if suffix.endswith("kwh") else "kW"
        ctx = self.ctx
        if not ctx.elastic:
            capped = size.high is None and ctx.size_cap is not None
            if capped:
                size = replace(size, high=max(ctx.size_cap or 0.0, size.low, size.existing))
            var = declare_size(b, name, size, units)
            if capped:
                cap = Slack(self.case_key(high_key), "cap", "max", size.high, unit, var, var)
                ctx.slacks.append(cap)
            return var
        var = declare_size(b, name, replace(size, low=0.0, high=None, min_if_built=0.0), units)
        for kind, limit, key in (("max", size.high, high_key), ("min", size.low, low_key)):
            if limit is None or (kind == "min" and limit <= size.existing):
                continue
            slack = pyo.Var(domain=pyo.NonNegativeReals)
            b.add_component(f"{name}_{kind}_slack", slack)
            expr = var <= limit + slack if kind == "max" else var >= limit - slack
            b.add_component(f"{name}_{kind}", pyo.Constraint(expr=expr))
            ctx.slacks.append(
                Slack(self.case_key(key), "limit", kind, float(limit), unit, slack, slack)
            )
        if size.min_if_built > 0 and size.high is not None:
            # (U3 elastic) the addition is zero, or at least min_if_built less a slack
            built, slack = pyo.Var(domain=pyo.Binary), pyo.Var(domain=pyo.NonNegativeReals)
            b.add_component(f"{name}_built", built)
            b.add_component(f"{name}_if_built_slack", slack)
            added = var - size.existing
            big = 1000.0 * max(size.high, size.min_if_built, 1.0)  # far above any relaxed size
            b.add_component(f"{name}_max_if_built", pyo.Constraint(expr=added <= big * built))
            b.add_component(
                f"{name}_min_if_built",
                pyo.Constraint(expr=added + slack >= size.min_if_built * built),
            )
            key = next(
                k for k in (f"min_{suffix}_if_built", "min_kw_if_built") if hasattr(self.spec, k)
            )
            ctx.slacks.append(
                Slack(self.case_key(key), "limit", "min", size.min_if_built, unit, slack, slack)
            )
        return var

    def profile(self, key: str) -> list[float]:
        """Return a case profile at the model steps, as a plain list (fast in rules)."""
        return self.ctx.horizon.take(self.series[key]).tolist()

    @abstractmethod
    def build(self, b: pyo.Block) -> None:
        """Declare sizes, hourly variables and the technology's own constraints on ``b``."""

    buses: ClassVar[tuple[str, ...]] = ("electricity",)
    """The energy buses the technology takes part in (``electricity``, ``heat``): the
    builder adds its :meth:`supply` to the balance (B1, B2) of each."""

    def supply(self, b: pyo.Block, bus: str, t: int) -> Expr:
        """Net energy the technology puts on ``bus`` at step t; negative draws.

        Dispatches to :meth:`electricity` and :meth:`heat`; a technology on another bus
        overrides it.
        """
        if bus == "electricity":
            return self.electricity(b, t)
        if bus == "heat":
            return self.heat(b, t)
        raise KeyError(f"technology {self.name} has no term on bus {bus!r}")

    def electricity(self, b: pyo.Block, t: int) -> Expr:
        """Net electricity the technology puts on the bus at step t [kW]; negative draws."""
        return 0.0

    def heat(self, b: pyo.Block, t: int) -> Expr:
        """Net heat the technology supplies at step t [kW_th]; negative draws."""
        return 0.0

    @classmethod
    def ledger_terms(cls, spec: Any) -> tuple[Term, ...]:
        """Return the technology's terms in the energy ledger (:mod:`dispatch.ledger`).

        Each term names a base quantity (``storage_losses``), the hourly output column
        it sums (``battery_charge_kw``) and a sign. The model takes the annual sum of
        the column from :meth:`column_kwh`, the results from the hourly table, so the
        rules and the reported ratios count the same energy.
        """
        return ()

    def hourly_vars(self, b: pyo.Block) -> dict[str, pyo.Var]:
        """Return the hourly variables behind output columns, keyed by column (``import_kw``).

        :meth:`timeseries` writes them and :meth:`column_kwh` sums them.
        """
        return {}

    def column_kwh(self, b: pyo.Block, column: str, coeff: np.ndarray | float = 1.0) -> Expr:
        """Annual sum ``s * sum_t w_t * c_t * x_t`` of an hourly output column (a model expression).

        ``coeff`` weights the steps (an emission factor at the model steps).
        """
        return self.ctx.annual(self.hourly_vars(b)[column], coeff)

    def ledger(self, b: pyo.Block) -> list[tuple[Term, Expr]]:
        """Return each ledger term with its annual model expression [kWh/yr]."""
        return [(term, self.column_kwh(b, term.column)) for term in self.ledger_terms(self.spec)]

    @classmethod
    def sizes(cls, spec: Any) -> dict[str, SizeSpec]:
        """How each size may be chosen, keyed like :meth:`unit_costs`."""
        return {}

    @classmethod
    def capex_per_unit(cls, spec: Any) -> dict[str, float]:
        """Up-front investment per unit of each size added, keyed like :meth:`sizes`.

        The cash flow (:mod:`dispatch.results.financials`) pays it in year 0; the
        objective annualises it with the capital recovery factor (:meth:`unit_costs`).
        """
        return {}

    @classmethod
    def fixed_om_per_unit(cls, spec: Any) -> dict[str, float]:
        """Return fixed O&M per unit of each size per year, keyed like :meth:`capex_per_unit`."""
        return {}

    @classmethod
    def unit_costs(cls, spec: Any, discount_rate: float) -> dict[str, dict[str, float]]:
        """Cost per unit of each size, per year, by cost category (in O1).

        Returns ``{capacity_key: {category: cost_per_unit_per_year}}``, for example
        ``{"pv_kw": {"capex_annualized": 240.3, "fixed_om": 38.0}}``: ``capex *
        CRF(discount_rate, lifetime_years)`` from :meth:`capex_per_unit` and the
        :meth:`fixed_om_per_unit`. The model's objective and the results' cost
        breakdown both use these numbers, and the cash flow pays the same capex up
        front, so a size the objective pays for is always invested in.
        """
        capex = cls.capex_per_unit(spec)
        if not capex:
            return {}
        factor = crf(discount_rate, spec.lifetime_years)
        om = cls.fixed_om_per_unit(spec)
        return {
            key: {"capex_annualized": per_unit * factor, "fixed_om": om.get(key, 0.0)}
            for key, per_unit in capex.items()
        }

    def size_vars(self, b: pyo.Block) -> dict[str, pyo.Var]:
        """Return the size variables, keyed like :meth:`unit_costs` (``pv_kw``)."""
        return {}

    def operating_cost(self, b: pyo.Block) -> Expr:
        """Annual energy-related cost (fuel, grid energy, minus export revenue)."""
        return 0.0

    @classmethod
    def table_costs(cls, spec: Any, table: pd.DataFrame) -> dict[str, float]:
        """Operating costs outside the grid bill, from the hourly table, by cost category.

        Sums over the table's rows (the summary scales them to a year); they equal the
        technology's :meth:`operating_cost` less tie-breaks. Default: none.
        """
        return {}

    def annual_cost(self, b: pyo.Block) -> Expr:
        """(O1) ``sum_k unit cost_k * (size_k - existing_k) + operating cost``, per year.

        Each category of unit cost is weighted by :meth:`Context.weight` (O5; 1 under the
        annualised objective).
        """
        unit = self.unit_costs(self.spec, self.ctx.discount_rate)
        sizes = self.sizes(self.spec)
        w = self.ctx.weight
        fixed = sum(
            sum(cost * w(cat, self.spec) for cat, cost in unit[k].items())
            * (var - sizes[k].existing if k in sizes else var)
            for k, var in self.size_vars(b).items()
        )
        return fixed + self.operating_cost(b)

    def exclusive_pairs(self, b: pyo.Block) -> list[ExclusivePair]:
        """Flows that strict physics forbids in the same hour (X1-X2)."""
        return []

    def capacities(self, b: pyo.Block) -> dict[str, float]:
        """Chosen sizes, keyed by name with unit (``pv_kw``).

        A size a solver tolerance below its lower bound (``-2e-13`` for a bound of 0)
        is reported at the bound.
        """
        out = {}
        for k, v in self.size_vars(b).items():
            value = float(pyo.value(v))
            out[k] = value if v.lb is None else max(value, float(v.lb))
        return out

    def unit_counts(self, b: pyo.Block) -> dict[str, int]:
        """Whole units added, for sizes that come in units (``pv_units``)."""
        out = {}
        for key, var in self.size_vars(b).items():
            units = b.component(f"{var.local_name}_units")
            if units is not None:
                out[key.rsplit("_", 1)[0] + "_units"] = round(pyo.value(units))
        return out

    def timeseries(self, b: pyo.Block) -> dict[str, np.ndarray]:
        """Hourly results, keyed by output column name with unit (``import_kw``).

        By default the values of :meth:`hourly_vars`.
        """
        return {column: values(var) for column, var in self.hourly_vars(b).items()}


def values(var: pyo.Var) -> np.ndarray:
    """Return the solution values of an indexed variable as an array (0 when unset)."""
    return np.fromiter((v.value or 0.0 for v in var.values()), dtype=float, count=len(var))
