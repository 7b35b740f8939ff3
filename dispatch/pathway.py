"""Staged investment across milestone years: one model over every period (``dispatch pathway``).

Each milestone year is a period: the case moved to that year
(:func:`dispatch.model.pathway.moved_to`) built by :func:`dispatch.model.build.build_model`
as a sub-block of one parent model. The parent links the sizes across periods through
vintages (capacity added in a period, present for its lifetime) and replaces each
period's annualised capex by the discounted cost of the vintages (docs/formulation.md,
pathway, W1-W6). Perfect foresight: one solve decides every period's additions.

The default method sizes on typical days per period, then dispatches every period over
the full year at the chosen sizes (strict physics); a period whose full year breaks a
rule at those sizes is re-sized with the sizes as floors, and the later periods keep
at least that. ``exact`` solves every period at full resolution in one model.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import pyomo.environ as pyo

from dispatch.case.loader import CaseData
from dispatch.errors import CaseError, InfeasibleError, Problem
from dispatch.model.build import BuiltModel, build_model
from dispatch.model.horizon import Horizon
from dispatch.model.pathway import check_years, fixed_sizes, floors, moved_to, size_keys
from dispatch.model.technologies.base import ExclusivePair
from dispatch.results.pathway import PathwayResult, PeriodResult
from dispatch.runner import resolve_options, solve_case
from dispatch.solve.aggregate import typical_days
from dispatch.solve.exact import SolveInfo, SolverOptions, highs_options, solve_loaded
from dispatch.solve.highs import HighsModel
from dispatch.timegrid import HOURS_PER_YEAR

METHODS = ("auto", "exact")
CAPEX = "capex_annualized"
"""The unit-cost category that the vintages replace (the others are paid per year installed)."""


def discount_factor(rate: float, year: int, start: int) -> float:
    """(W2) ``d_t = (1 + r)^-(t - y_0)``: the present value in ``start`` of one unit in ``year``."""
    return float((1.0 + rate) ** -(year - start))


def period_weights(years: list[int], end: int, rate: float) -> list[float]:
    """(W3) ``W_p = sum_{t=y_p}^{y_{p+1}-1} d_t``, the last period running to ``end - 1``.

    ``end`` is the first year after the analysis horizon (``y_0 + finance.analysis_years``).
    """
    bounds = [*years[1:], end]
    return [
        sum(discount_factor(rate, t, years[0]) for t in range(y, nxt))
        for y, nxt in zip(years, bounds, strict=True)
    ]


def vintage_years(year: int, lifetime: float | None, end: int) -> range:
    """Calendar years a vintage built in ``year`` stands, within the horizon (W4)."""
    last = end if lifetime is None else min(end, year + math.ceil(lifetime))
    return range(year, last)


@dataclass
class Period:
    """One milestone period: the case moved to its year and its discounted weight (W3)."""

    year: int
    data: CaseData
    weight: float


@dataclass
class Vintage:
    """Capacity of one size added in one period, with its cost (W4-W5)."""

    key: str
    period: int
    var: Any
    annuity: float
    """Annualised investment per unit, at the prices of the vintage's year [CNY/(unit yr)]."""
    years: range
    """Calendar years the vintage stands within the horizon."""


@dataclass
class Plan:
    """The multi-period model: parent, period sub-models, vintages, cost per period."""

    model: pyo.ConcreteModel
    periods: list[Period]
    parts: list[BuiltModel]
    end: int
    """The first year after the analysis horizon."""
    vintages: list[Vintage] = field(default_factory=list)
    running: list[Any] = field(default_factory=list)
    """Per period: yearly cost without investment (operating, O&M, grid capacity) (W5)."""

    def pairs(self) -> list[ExclusivePair]:
        """Every strict-physics pair of every period, named by its year (unique names)."""
        out = []
        for period, part in zip(self.periods, self.parts, strict=True):
            for name, tech in part.technologies.items():
                for pair in tech.exclusive_pairs(part.model.component(name)):
                    out.append(replace(pair, name=f"{period.year} {pair.name}"))
        return out

    def sizes(self) -> list[dict[str, float]]:
        """Return the solved sizes of every period, keyed like the capacities (``pv_kw``)."""
        out = []
        for part in self.parts:
            found: dict[str, float] = {}
            for name, tech in part.technologies.items():
                found.update(tech.capacities(part.model.component(name)))
            out.append(found)
        return out

    def alive(self, vintage: Vintage, period: int) -> bool:
        """Whether a vintage stands in a period (built then or before, lifetime not over)."""
        return vintage.period <= period and self.periods[period].year in vintage.years

    def investment_per_year(self, period: int) -> float:
        """Annuities of the vintages standing in a period [CNY/yr] (solved values)."""
        return sum(
            v.annuity * float(pyo.value(v.var)) for v in self.vintages if self.alive(v, period)
        )


def build_plan(
    periods: list[Period],
    horizons: list[Horizon | None],
    end: int,
    annual: bool = False,
) -> Plan:
    """Build the multi-period model.

    (W5) ``min sum_p W_p * R_p + sum_{k,v} a_{k,v} * x_{k,v} * sum_{t in Y_{k,v}} d_t``

    with ``R_p`` period p's yearly cost without investment (O1 less its capex term),
    ``x_{k,v}`` the size k added in period v, ``a_{k,v}`` its annualised capex at the
    prices of year y_v and ``Y_{k,v}`` the years it stands within the horizon (W4).

    (W6) ``size_{k,p} = existing_k + sum_{v <= p, y_p in Y_{k,v}} x_{k,v}``

    ``annual`` builds one period valued as ``dispatch run`` does (``W = 1``, one year of
    annuity): the myopic planner's view.

    Raises
    ------
    InfeasibleError
        A period's rule cannot hold whatever is built; the message names its year.
    """
    parent = pyo.ConcreteModel(name="pathway")
    parts: list[BuiltModel] = []
    for period, horizon in zip(periods, horizons, strict=True):
        try:
            built = build_model(period.data, horizon)
        except InfeasibleError as exc:
            raise InfeasibleError(f"year {period.year}: {exc}", exc.diagnosis) from None
        built.model.cost.deactivate()
        parent.add_component(f"year_{period.year}", built.model)
        parts.append(built)
    plan = Plan(parent, periods, parts, end)
    rate = periods[0].data.case.finance.discount_rate
    start = periods[0].year
    sizes_by_period: list[dict[str, Any]] = []
    for part in parts:
        running: Any = 0.0
        size_vars: dict[str, Any] = {}
        for name, tech in part.technologies.items():
            b = part.model.component(name)
            unit = tech.unit_costs(tech.spec, rate)
            specs = tech.sizes(tech.spec)
            for key, var in tech.size_vars(b).items():
                existing = specs[key].existing if key in specs else 0.0
                per_year = sum(v for c, v in unit.get(key, {}).items() if c != CAPEX)
                running += per_year * (var - existing)
                if CAPEX in unit.get(key, {}):
                    size_vars[key] = (var, tech, specs[key])
            running += tech.operating_cost(b)
        plan.running.append(running)
        sizes_by_period.append(size_vars)
    link = pyo.ConstraintList()
    parent.add_component("vintage_link", link)
    for key in sizes_by_period[0]:
        for v, period in enumerate(periods):
            var, tech, spec = sizes_by_period[v][key]
            added = pyo.Var(domain=pyo.NonNegativeReals)
            parent.add_component(f"{key}_added_{period.year}", added)
            _vintage_options(parent, key, period.year, added, spec)
            annuity = tech.unit_costs(tech.spec, rate)[key][CAPEX]
            lifetime = getattr(tech.spec, "lifetime_years", None)
            stands = vintage_years(period.year, lifetime, end)
            plan.vintages.append(Vintage(key, v, added, annuity, stands))
        for p in range(len(periods)):
            var, _, spec = sizes_by_period[p][key]
            standing = [x.var for x in plan.vintages if x.key == key and plan.alive(x, p)]
            link.add(var == spec.existing + sum(standing))  # (W6)
    weights = [1.0] * len(periods) if annual else [p.weight for p in periods]
    invest = sum(
        v.annuity
        * v.var
        * (1.0 if annual else sum(discount_factor(rate, t, start) for t in v.years))
        for v in plan.vintages
    )
    parent.cost = pyo.Objective(
        expr=sum(w * r for w, r in zip(weights, plan.running, strict=True)) + invest,
        sense=pyo.minimize,
    )
    return plan


def _vintage_options(parent: pyo.ConcreteModel, key: str, year: int, added: Any, spec: Any) -> None:
    """Units and minimum build of one vintage, as for a single run's addition (U2-U3)."""
    if spec.unit is not None:
        n = pyo.Var(domain=pyo.NonNegativeIntegers)
        parent.add_component(f"{key}_added_{year}_units", n)
        parent.add_component(
            f"{key}_added_{year}_unit_multiple", pyo.Constraint(expr=added == spec.unit * n)
        )
    if spec.min_if_built > 0 and spec.high is not None:
        y = pyo.Var(domain=pyo.Binary)
        parent.add_component(f"{key}_added_{year}_built", y)
        parent.add_component(
            f"{key}_added_{year}_min", pyo.Constraint(expr=added >= spec.min_if_built * y)
        )
        parent.add_component(
            f"{key}_added_{year}_max",
            pyo.Constraint(expr=added <= (spec.high - spec.existing) * y),
        )


def solve_plan(plan: Plan, options: SolverOptions) -> SolveInfo:
    """Solve the multi-period model, strict physics added lazily in every period (X1-X2)."""
    hm = HighsModel(plan.model, highs_options(options))
    info = solve_loaded(hm, plan.parts[0], options, pairs=plan.pairs())
    hm.load_into_pyomo()
    return info


def fix_additions(plan: Plan, schedule: list[dict[str, float]]) -> None:
    """Fix every vintage's addition to a given build schedule (the myopic one)."""
    for v in plan.vintages:
        v.var.fix(schedule[v.period].get(v.key, 0.0))


def solve_pathway(
    data: CaseData,
    years: list[int],
    method: str = "auto",
    options: SolverOptions | None = None,
    horizon_hours: int | None = None,
    myopic: bool = True,
) -> PathwayResult:
    """Solve a pathway over milestone ``years`` with perfect foresight.

    Parameters
    ----------
    data : CaseData
        The case as written; its ``pathway`` section says how the years differ.
    years : list of int
        Milestone years, increasing, none repeated.
    method : str
        ``auto`` (typical days per period for sizing, full-year dispatch of every
        period) or ``exact`` (every period at full resolution in one model).
    options : SolverOptions, optional
        Solver limits; ``exact`` tightens the gap as ``dispatch run`` does.
    horizon_hours : int, optional
        Solve only the first hours of each period's year (tests).
    myopic : bool
        Also solve the myopic alternative (each period sized alone) for comparison.

    Raises
    ------
    CaseError
        Years unsorted, repeated, or beyond the analysis horizon.
    InfeasibleError
        A year cannot comply; the message names the year and the rule.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    start_time = time.perf_counter()
    file = str(data.file)
    check_years(years, file)
    case = data.case
    end = years[0] + case.finance.analysis_years
    if years[-1] >= end:
        raise CaseError(
            [Problem(file, "--years", f"{years[-1]} is beyond the analysis horizon "
                     f"{years[0]}-{end - 1} (finance.analysis_years)")]
        )  # fmt: skip
    options = resolve_options(data, options, method)
    weights = period_weights(years, end, case.finance.discount_rate)
    periods = [Period(y, moved_to(data, y), w) for y, w in zip(years, weights, strict=True)]
    n_hours = horizon_hours or HOURS_PER_YEAR
    sizing_method = method if n_hours % 24 == 0 and n_hours >= 48 else "exact"

    def horizon_of(period: Period) -> Horizon | None:
        if sizing_method == "exact":
            return Horizon.full_year(period.year, horizon_hours) if horizon_hours else None
        return typical_days(period.data, period.data.case.solver.typical_days, n_hours)

    horizons = [horizon_of(p) for p in periods]
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    plan = build_plan(periods, horizons, end)
    try:
        info = solve_plan(plan, options)
    except InfeasibleError:
        raise _which_year(periods, horizons, options) from None
    timings["sizing_seconds"] = time.perf_counter() - t0
    schedule = plan.sizes()
    sizing_total = float(info.objective)
    notes: list[str] = []
    t0 = time.perf_counter()
    results = _dispatch_periods(data, plan, schedule, method, options, horizon_hours, notes)
    timings["dispatch_seconds"] = time.perf_counter() - t0
    total = sum(
        w * r.running_per_year for w, r in zip(weights, results, strict=True)
    ) + _investment_total(plan, [r.sizes for r in results], years[0])
    myopic_total: float | None = None
    myopic_schedule: list[dict[str, float]] = []
    if myopic:
        t0 = time.perf_counter()
        myopic_total, myopic_schedule = _myopic(data, plan, options)
        timings["myopic_seconds"] = time.perf_counter() - t0
    timings["seconds"] = time.perf_counter() - start_time
    solve = {
        "method": method,
        "sizing": sizing_method if sizing_method == "exact" else "typical days",
        "status": info.status,
        "mip_gap": info.mip_gap,
        "binaries": info.binaries,
        "lazy_rounds": info.lazy_rounds,
        "warnings": info.warnings,
        "hours": horizon_hours,
        **timings,
    }
    return PathwayResult(
        years, method, results, weights, total, sizing_total, myopic_total, myopic_schedule,
        solve, end, notes,
    )  # fmt: skip


def _investment_total(plan: Plan, sizes: list[dict[str, float]], start: int) -> float:
    """Discounted vintage costs of a schedule of sizes (W5, second term), from the sizes."""
    rate = plan.periods[0].data.case.finance.discount_rate
    additions = added_by_period(sizes, plan)
    return sum(
        v.annuity
        * additions[v.period].get(v.key, 0.0)
        * sum(discount_factor(rate, t, start) for t in v.years)
        for v in plan.vintages
    )


def added_by_period(sizes: list[dict[str, float]], plan: Plan) -> list[dict[str, float]]:
    """Additions per period implied by sizes (W6 inverted; capacity retired is not added).

    A size without investment cost (the grid connection, a contract) is not a vintage:
    its "addition" is the change from the period before, and may be negative.
    """
    assets = {v.key for v in plan.vintages}
    out: list[dict[str, float]] = []
    for p, found in enumerate(sizes):
        added: dict[str, float] = {}
        for key, value in found.items():
            existing = _existing(plan, key)
            if key not in assets:
                added[key] = value - (sizes[p - 1].get(key, existing) if p else existing)
                continue
            standing = sum(
                out[v.period].get(key, 0.0)
                for v in plan.vintages
                if v.key == key and v.period < p and plan.alive(v, p)
            )
            added[key] = max(0.0, value - existing - standing)
        out.append(added)
    return out


def _existing(plan: Plan, key: str) -> float:
    """Existing capacity of a size (the same in every period)."""
    for tech in plan.parts[0].technologies.values():
        specs = tech.sizes(tech.spec)
        if key in specs:
            return specs[key].existing
    return 0.0


def _dispatch_periods(
    data: CaseData,
    plan: Plan,
    schedule: list[dict[str, float]],
    method: str,
    options: SolverOptions,
    horizon_hours: int | None,
    notes: list[str],
) -> list[PeriodResult]:
    """Dispatch every period at its sizes in the ``dispatch run`` format (strict physics).

    A period whose dispatch cannot meet a rule at the sizes of the sizing model (typical
    days miss a hard stretch of the year) is re-solved with those sizes as floors; the
    later periods keep at least the raised sizes, so sizes still never fall.
    """
    out: list[PeriodResult] = []
    floor: dict[str, float] = {}
    assets = {v.key for v in plan.vintages}
    for p, sizes in enumerate(schedule):
        year = plan.periods[p].year
        sizes = {k: _noise_free(max(v, floor.get(k, 0.0))) for k, v in sizes.items()}
        horizon = Horizon.full_year(year, horizon_hours) if horizon_hours else None
        period_notes: list[str] = []
        try:
            output = solve_case(
                moved_to(data, year, fixed_sizes(sizes)), method="exact", options=options,
                horizon=horizon, diagnose=False,
            )  # fmt: skip
        except InfeasibleError:  # typical days (or solver tolerance) missed a hard stretch
            raised = {k: v for k, v in sizes.items() if k in assets}
            output = solve_case(
                moved_to(data, year, floors(raised)), method=method, options=options,
                horizon=horizon,
            )  # fmt: skip
            new = output.summary["capacities"]
            grown = {k: (sizes[k], new[k]) for k in raised if new.get(k, 0) > sizes[k] + 1e-6}
            text = ", ".join(f"{k} {a:,.0f} -> {b:,.0f}" for k, (a, b) in grown.items())
            period_notes.append(
                f"{year}: the dispatch at the sizing model's sizes broke a rule; "
                f"sizes raised: {text or 'none (re-dispatched)'}"
            )
            sizes = {k: float(new.get(k, v)) for k, v in sizes.items()}
        notes.extend(period_notes)
        floor = {k: v for k, v in sizes.items() if k in assets}
        summary = output.summary
        costs = summary["costs_per_year"]
        running = float(summary["objective_per_year"]) - float(costs.get(CAPEX, 0.0))
        out.append(PeriodResult(year, sizes, {}, output, 0.0, running, 0.0, period_notes))
    additions = added_by_period([r.sizes for r in out], plan)
    for p, r in enumerate(out):
        r.added = {k: additions[p].get(k, 0.0) for k in r.sizes}
        r.investment_per_year = sum(
            v.annuity * additions[v.period].get(v.key, 0.0)
            for v in plan.vintages
            if plan.alive(v, p)
        )
        r.objective_per_year = r.running_per_year + r.investment_per_year
    return out


def _noise_free(value: float) -> float:
    """Return a solved size with solver noise below 1e-6 as zero (no ``-0.0``)."""
    return 0.0 if abs(value) < 1e-6 else float(value)


def _myopic(
    data: CaseData, plan: Plan, options: SolverOptions
) -> tuple[float, list[dict[str, float]]]:
    """Size each period alone, given what was built before; value the schedule as W5 does.

    Period p is solved as ``dispatch run`` would (one year, annualised capex) with the
    capacity standing from earlier periods as existing; the schedule of additions is then
    fixed in the multi-period model ``plan`` (solved already; its solution is replaced),
    which dispatches and values it (discounted total).
    """
    periods = plan.periods
    horizons = [part.horizon for part in plan.parts]
    end = plan.end
    schedule: list[dict[str, float]] = []
    standing: dict[str, float] = {}
    for period, horizon in zip(periods, horizons, strict=True):
        existing = {
            f"{size_keys(k)[0]}.{size_keys(k)[3]}": v
            for k, v in standing.items()
            if size_keys(k)[3]
        }
        alone = Period(period.year, moved_to(data, period.year, existing), 1.0)
        single = build_plan([alone], [horizon], end, annual=True)
        try:
            solve_plan(single, options)
        except InfeasibleError:
            raise _which_year([alone], [horizon], options) from None
        added = {v.key: _noise_free(float(pyo.value(v.var))) for v in single.vintages}
        schedule.append(added)
        for key, value in single.sizes()[0].items():
            if key in added:
                standing[key] = value
    fix_additions(plan, schedule)
    info = solve_plan(plan, options)
    return float(info.objective), schedule


def _which_year(
    periods: list[Period], horizons: list[Horizon | None], options: SolverOptions
) -> InfeasibleError:
    """Explain an infeasible pathway: the first year that cannot comply on its own, and why."""
    for period, horizon in zip(periods, horizons, strict=True):
        try:
            solve_case(period.data, method="exact", options=options, horizon=horizon)
        except InfeasibleError as exc:
            lines = str(exc).splitlines() or ["no design meets every rule"]
            lines[0] = f"year {period.year}: {lines[0]}"
            return InfeasibleError("\n".join(lines), exc.diagnosis)
    return InfeasibleError(
        "no build schedule meets every year's rules together, though each year can on its own "
        "(capacity retiring at the end of its lifetime?)"
    )
