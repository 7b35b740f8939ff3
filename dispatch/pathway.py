"""Staged investment across milestone years: one model over every period (``dispatch pathway``).

Each milestone year is a period: the case moved to that year
(:func:`dispatch.model.pathway.moved_to`) built by :func:`dispatch.model.build.build_model`
as a sub-block of one parent model. The parent links the sizes across periods through
vintages (capacity added in a period, present for its lifetime) and replaces each
period's annualised capex by the discounted cost of the vintages (docs/formulation.md,
pathway, W1-W6). Perfect foresight: one solve decides every period's additions.

The default method does per period what ``auto`` does for one year: it sizes on typical
days (all periods in one model), refines the schedule on every period's full year
(:mod:`dispatch.solve.pathway`, W7) and dispatches every period over its full year with
strict physics; a period whose full year breaks a rule at those sizes is re-sized with
the sizes as floors, and the later periods keep at least that. ``exact`` solves every
period at full resolution in one model.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from operator import itemgetter
from typing import Any

import numpy as np
import pyomo.environ as pyo

from dispatch.case.loader import CaseData
from dispatch.errors import CaseError, InfeasibleError, Problem, SolverError
from dispatch.model.build import BuiltModel, build_model
from dispatch.model.horizon import Horizon
from dispatch.model.pathway import check_years, fixed_sizes, floors, moved_to, size_keys
from dispatch.model.technologies.base import ExclusivePair
from dispatch.results.pathway import PathwayResult, PeriodResult
from dispatch.results.result import RunOutput
from dispatch.runner import collect, resolve_options, solve_case
from dispatch.solve.aggregate import typical_days
from dispatch.solve.auto import STRICT_PHASE_SECONDS, STRICT_ROUNDS, TRUST_REGION_FLOOR, size_vars
from dispatch.solve.exact import (
    SolveInfo,
    SolverOptions,
    exclusive_pairs,
    highs_options,
    simultaneous_hours,
    solve_loaded,
)
from dispatch.solve.highs import HighsModel
from dispatch.solve.pathway import CAPEX, PeriodYear, Schedule, design_map, period_capex
from dispatch.solve.refine import CUT_MARGIN, Evaluation, FullYear, Master, Refinement, refine
from dispatch.timegrid import HOURS_PER_YEAR

METHODS = ("auto", "exact")


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
        ``auto`` (typical days per period for sizing, then the schedule refined on
        every period's full year and each period dispatched with strict physics) or
        ``exact`` (every period at full resolution in one model).
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
    timings: dict[str, float] = {}
    notes: list[str] = []
    if sizing_method == "exact":
        horizons = [Horizon.full_year(p.year, horizon_hours) if horizon_hours else None
                    for p in periods]  # fmt: skip
        t0 = time.perf_counter()
        plan = build_plan(periods, horizons, end)
        try:
            info = solve_plan(plan, options)
        except InfeasibleError:
            raise _which_year(periods, horizons, options) from None
        timings["sizing_seconds"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        results = _dispatch_periods(data, plan, plan.sizes(), method, options, horizon_hours, notes)
        timings["dispatch_seconds"] = time.perf_counter() - t0
        sizing_total, refinement = float(info.objective), None
        myopic_total: float | None = None
        myopic_schedule: list[dict[str, float]] = []
        if myopic:
            t0 = time.perf_counter()
            myopic_schedule = _myopic_schedule(data, plan, options, horizons)
            myopic_total = _value_in_plan(plan, myopic_schedule, options)
            timings["myopic_seconds"] = time.perf_counter() - t0
    else:
        auto = _auto(data, periods, options, horizon_hours, end, timings, notes, myopic)
        plan, info, results = auto.plan, auto.info, auto.results
        sizing_total, refinement = auto.sizing_total, auto.refinement
        myopic_total, myopic_schedule = auto.myopic_total, auto.myopic_schedule
    total = sum(
        w * r.running_per_year for w, r in zip(weights, results, strict=True)
    ) + _investment_total(plan, [r.sizes for r in results], years[0])
    if refinement is not None and refinement.get("lower_bound") is not None:
        relaxed = refinement["relaxed_total_cost"]  # the lower bound's basis: relaxed physics
        refinement["gap_to_lower_bound"] = max(0.0, 1.0 - refinement["lower_bound"] / relaxed)
    if refinement is not None and refinement.get("local_lower_bound") is not None:
        relaxed = refinement["relaxed_total_cost"]
        refinement["local_gap"] = max(0.0, 1.0 - refinement["local_lower_bound"] / relaxed)
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
        "refinement": refinement,
        **timings,
    }
    return PathwayResult(
        years, method, results, weights, total, sizing_total, myopic_total, myopic_schedule,
        solve, end, notes,
    )  # fmt: skip


SIZING_DAYS_SHARE = 1.0
"""The multi-period sizing model of ``auto`` has this many typical days in all per
``solver.typical_days`` (divided among the periods; the full year refines them)."""


@dataclass
class _AutoOutcome:
    plan: Plan
    info: SolveInfo
    sizing_total: float
    results: list[PeriodResult]
    refinement: dict[str, Any] | None
    myopic_total: float | None
    myopic_schedule: list[dict[str, float]]


def _auto(
    data: CaseData,
    periods: list[Period],
    options: SolverOptions,
    horizon_hours: int | None,
    end: int,
    timings: dict[str, float],
    notes: list[str],
    myopic: bool,
) -> _AutoOutcome:
    """Size on typical days, refine the schedule on every period's full year, dispatch.

    1. The multi-period model on typical days (relaxed physics, as ``auto`` sizes one
       year) gives the first schedule, solved in a thread while every period's
       full-year model is built and compiled into HiGHS once.
    2. The schedule is refined on the full years (:mod:`dispatch.solve.pathway`): each
       step dispatches every period whose sizes changed, warm-started, and adds a cut
       per period; the cut model bounds the relaxed full-year pathway from below.
    3. The myopic schedule (each year sized alone) is valued on the same full years;
       were it cheaper, it would be the pathway (foresight is never worse).
    4. Each period's final dispatch adds strict physics in its warm model.
    """
    clock = time.perf_counter()
    deadline = None if options.time_limit_seconds is None else clock + options.time_limit_seconds
    n_hours = horizon_hours or HOURS_PER_YEAR
    case = data.case
    n_days = max(2, math.ceil(SIZING_DAYS_SHARE * case.solver.typical_days / len(periods)))
    relaxed = data.with_overrides({"physics": "relaxed"})
    sizing = [replace(p, data=moved_to(relaxed, p.year)) for p in periods]
    horizons: list[Horizon | None] = [typical_days(p.data, n_days, n_hours) for p in sizing]
    plan = build_plan(sizing, horizons, end)
    plan_hm = HighsModel(plan.model, highs_options(options))
    first: dict[str, Any] = {}

    def size_first() -> None:
        try:
            first["info"] = solve_loaded(plan_hm, plan.parts[0], options, pairs=[])
        except BaseException as exc:  # re-raised in the main thread
            first["error"] = exc

    worker = threading.Thread(target=size_first, daemon=True)
    worker.start()  # HiGHS releases the GIL: the sizing model solves while Pyomo builds
    builts = []
    for period in periods:
        horizon = Horizon.full_year(period.year, horizon_hours) if horizon_hours else None
        try:
            builts.append(build_model(period.data, horizon))
        except InfeasibleError as exc:
            worker.join()
            raise InfeasibleError(f"year {period.year}: {exc}", exc.diagnosis) from None
    hms = [HighsModel(b.model, highs_options(options)) for b in builts]
    timings["full_year_build_seconds"] = time.perf_counter() - clock
    worker.join()
    if "error" in first:
        if isinstance(first["error"], InfeasibleError):
            raise _which_year(sizing, horizons, options) from None
        raise first["error"]
    info: SolveInfo = first["info"]
    plan_hm.load_into_pyomo()
    sizing_total = float(info.objective)
    timings["sizing_seconds"] = time.perf_counter() - clock

    t0 = time.perf_counter()
    master, schedule = _schedule(plan, plan_hm, builts, hms, deadline, options)
    start = plan_hm.values(master.cols)[master.size_pos]
    try:
        refined: Refinement | None = refine(
            schedule, master, start, case.solver.corrections, case.solver.auto_gap
        )
    except InfeasibleError as exc:  # the cuts found no schedule near the typical-day one
        refined = None
        notes.append(f"full-year refinement stopped ({exc}); the typical-day schedule is used")
    timings["refinement_seconds"] = time.perf_counter() - t0

    myopic_total: float | None = None
    myopic_schedule: list[dict[str, float]] = []
    best = refined.best if refined is not None else None
    if myopic:
        t0 = time.perf_counter()
        run_days = [typical_days(p.data, case.solver.typical_days, n_hours) for p in sizing]
        alone = partial(_refine_alone, schedule, case.solver.corrections, case.solver.auto_gap)
        myopic_schedule = _myopic_schedule(relaxed, plan, options, list(run_days), alone)
        mine = _myopic_design(plan, plan_hm, master, myopic_schedule)
        valued = schedule.evaluate(mine) if refined is not None and mine is not None else None
        if valued is not None and valued.objective is not None:
            myopic_total = valued.objective
            if best is not None and best.objective is not None and myopic_total < best.objective:
                best = valued
                notes.append("the myopic schedule is cheaper over the full years than the "
                             "refined one: it is the pathway's")  # fmt: skip
        elif refined is not None:
            notes.append("the myopic schedule cannot run every full year at its typical-day "
                         "sizes: no comparison")  # fmt: skip
        timings["myopic_seconds"] = time.perf_counter() - t0

    refinement = None
    if refined is not None and best is not None:
        schedule.restore(best)
        for j, col in enumerate(master.cols):
            plan_hm.columns[col].set_value(float(best.design[j]), skip_validation=True)
        refinement = {
            "relaxed_total_cost": best.objective,
            "lower_bound": refined.lower_bound,
            "local_lower_bound": None if refined.local_bound is None else refined.local_bound[0],
            "local_radius": None if refined.local_bound is None else refined.local_bound[1],
            "dispatch_rounds": len(refined.history),
            "repairs": refined.repairs,
            "stopped": refined.stopped,
            "typical_days_per_period": n_days,
            "gap_to_lower_bound": None,
            "local_gap": None,
        }
    target = plan.sizes()
    members = schedule.members.get(id(best), []) if best is not None else []

    def fast(p: int, sizes: dict[str, float]) -> RunOutput | None:
        if not members or any(
            abs(v - target[p].get(k, v)) > 1e-6 * max(1.0, abs(v)) for k, v in sizes.items()
        ):
            return None
        fixed = moved_to(data, periods[p].year, fixed_sizes(sizes))
        return _strict_dispatch(schedule.periods[p], members[p], fixed, options)

    t0 = time.perf_counter()
    results = _dispatch_periods(data, plan, target, "auto", options, horizon_hours, notes, fast)
    timings["dispatch_seconds"] = time.perf_counter() - t0
    return _AutoOutcome(
        plan, info, sizing_total, results, refinement, myopic_total, myopic_schedule
    )


def _schedule(
    plan: Plan,
    plan_hm: HighsModel,
    builts: list[BuiltModel],
    hms: list[HighsModel],
    deadline: float | None,
    options: SolverOptions,
) -> tuple[Master, Schedule]:
    """Return the design space of the schedule (cuts per period) and its full-year cost (W7)."""
    rate = plan.periods[0].data.case.finance.discount_rate
    start = plan.periods[0].year
    cols: list[int] = []
    for part in plan.parts:
        cols += [plan_hm.col(v) for v in size_vars(part).values() if plan_hm.col(v) >= 0]
    linear = np.zeros(plan_hm.matrix.shape[1])
    for v in plan.vintages:  # (W5) each vintage's discounted investment per unit
        cols.append(plan_hm.col(v.var))
        linear[cols[-1]] = v.annuity * sum(discount_factor(rate, t, start) for t in v.years)
    load = max(float(np.max(p.data.series["load_kw"])) for p in plan.periods)
    floor = max(TRUST_REGION_FLOOR * load, 1.0)
    master = Master(plan_hm, np.array(cols, dtype=np.int32), floor, len(plan.periods), linear)
    years: list[PeriodYear] = []
    for period, built, hm in zip(plan.periods, builts, hms, strict=True):
        block = plan.model.component(f"year_{period.year}")
        pos, design = design_map(plan_hm, block, built, hm, master.cols)
        capex, existing = period_capex(built, hm, design, rate)
        full = FullYear(hm, design, deadline, options)
        years.append(PeriodYear(built, hm, full, pos, period.weight, capex, existing))
    return master, Schedule(years, linear[master.cols], options)


def _refine_alone(
    schedule: Schedule,
    corrections: int,
    gap: float,
    p: int,
    stand: dict[str, float],
    sizes: dict[str, float],
) -> dict[str, float] | None:
    """Refine one period sized alone on its full year, as ``dispatch run`` does (myopic).

    The period's own full-year model (warm) is the subproblem; its sizes may not fall
    below what stands. Its objective counts capex from the case's existing sizes rather
    than from what stands: a constant apart, so the same best sizes. ``None`` (keep the
    typical-day sizes) for a period with whole-unit or built-or-not choices.
    """
    period = schedule.periods[p]
    hm, built = period.hm, period.built
    found = {k: hm.col(v) for k, v in size_vars(built).items() if hm.col(v) >= 0}
    keys = [k for k in found if k in sizes]
    cols = np.array([found[k] for k in keys], dtype=np.int32)
    if hm.integer[period.year.cols].any() or not keys:
        return None
    load = float(np.max(built.data.series["load_kw"]))
    master = Master(hm, cols, max(TRUST_REGION_FLOOR * load, 1.0))
    low = master.lower[master.size_pos]
    floor = np.array([stand.get(k, -np.inf) for k in keys])
    master.lower[master.size_pos] = np.maximum(low, floor)
    year = FullYear(hm, master.cols, period.year.deadline, period.year.options, warm=True)
    start = np.maximum(np.array([sizes[k] for k in keys]), master.lower[master.size_pos])
    try:
        result = refine(year, master, start, corrections, gap)
    except (InfeasibleError, SolverError):
        return None
    finally:
        period.year.held = None  # HiGHS holds another dispatch now
    return dict(zip(keys, map(float, master.sizes(result.best.design)), strict=True))


def _myopic_design(
    plan: Plan, plan_hm: HighsModel, master: Master, schedule: list[dict[str, float]]
) -> np.ndarray | None:
    """Return the design vector of a schedule of additions (sizes by W6), or ``None``.

    The sizes without investment (the grid connection) are free: the design is the
    nearest to the schedule's sizes that the design rows and every cut allow; ``None``
    if that moves a size of the schedule (a full-year cut excludes it).
    """
    target_of: dict[int, float] = {}
    for p, part in enumerate(plan.parts):
        stand = standing(plan, schedule, p)
        for key, var in size_vars(part).items():
            if key in stand:
                target_of[plan_hm.col(var)] = stand[key] + schedule[p].get(key, 0.0)
    for v in plan.vintages:
        target_of[plan_hm.col(v.var)] = schedule[v.period].get(v.key, 0.0)
    current = plan_hm.values(master.cols)[master.size_pos]
    size_cols = master.cols[master.size_pos]
    target = np.array([target_of.get(int(c), x) for c, x in zip(size_cols, current, strict=True)])
    design = master.project(target)
    if design is None:
        return None
    given = np.array([int(c) in target_of for c in size_cols])
    # a feasibility cut keeps designs CUT_MARGIN of its scale inside: a move of that order
    # is the margin, not a cut that excludes the schedule
    slack = 1e3 * CUT_MARGIN * np.maximum(1.0, np.abs(target))
    moved = np.abs(master.sizes(design) - target) > slack
    return None if (moved & given).any() else design


def _strict_dispatch(
    period: PeriodYear, member: Evaluation, data: CaseData, options: SolverOptions
) -> RunOutput | None:
    """Dispatch a period with strict physics in its warm full-year model, or ``None``.

    Restores the period's relaxed dispatch at its design, then adds the exclusivity
    binaries of the hours that need them, as ``exact`` does, for at most
    :data:`~dispatch.solve.auto.STRICT_ROUNDS` rounds and
    :data:`~dispatch.solve.auto.STRICT_PHASE_SECONDS`; ``None`` if that does not
    settle every hour (the caller then solves the period afresh).
    """
    start = time.perf_counter()
    hm, built = period.hm, period.built
    period.year.restore(member)
    mark = hm.checkpoint()
    phase = replace(options, time_limit_seconds=STRICT_PHASE_SECONDS)
    try:
        info = solve_loaded(hm, built, phase, presolved=True, max_rounds=STRICT_ROUNDS)
    except (InfeasibleError, SolverError):
        info = None
    if info is None or info.status != "optimal" or simultaneous_hours(hm, exclusive_pairs(built)):
        hm.rollback(mark)
        return None
    hm.load_into_pyomo()
    timings = {"solve_seconds": info.solve_seconds}
    return collect(replace(built, data=data), info, "exact", options, timings, start)


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
    fast: Callable[[int, dict[str, float]], RunOutput | None] | None = None,
) -> list[PeriodResult]:
    """Dispatch every period at its sizes in the ``dispatch run`` format (strict physics).

    ``fast(p, sizes)``, when given, dispatches period p in a model it keeps (warm) and
    returns ``None`` when it cannot (other sizes, or strict physics not settled); the
    period is then solved afresh at fixed sizes. A period whose dispatch cannot meet a
    rule at the sizes of the sizing model (typical days miss a hard stretch of the year)
    is re-solved with those sizes as floors; the later periods keep at least the raised
    sizes, so sizes still never fall.
    """
    out: list[PeriodResult] = []
    floor: dict[str, float] = {}
    assets = {v.key for v in plan.vintages}
    for p, sizes in enumerate(schedule):
        year = plan.periods[p].year
        sizes = {k: _noise_free(max(v, floor.get(k, 0.0))) for k, v in sizes.items()}
        horizon = Horizon.full_year(year, horizon_hours) if horizon_hours else None
        period_notes: list[str] = []
        found = fast(p, sizes) if fast is not None else None
        try:
            output = found or solve_case(
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


def standing(plan: Plan, schedule: list[dict[str, float]], period: int) -> dict[str, float]:
    """Capacity standing in a period from the additions of the periods before it (W6).

    Each earlier addition counts while its vintage stands (:meth:`Plan.alive`, the one
    place of the retirement rule); existing capacity always counts.
    """
    out: dict[str, float] = {}
    for v in plan.vintages:
        out.setdefault(v.key, _existing(plan, v.key))
        if v.period < period and plan.alive(v, period):
            out[v.key] += schedule[v.period].get(v.key, 0.0)
    return out


def _myopic_schedule(
    data: CaseData,
    plan: Plan,
    options: SolverOptions,
    horizons: list[Horizon | None],
    refine_alone: Callable[[int, dict[str, float], dict[str, float]], dict[str, float] | None]
    | None = None,
) -> list[dict[str, float]]:
    """Size each period alone, given what still stands from before (the myopic schedule).

    Period p is solved as ``dispatch run`` would (one year, annualised capex) with the
    capacity standing from earlier periods (:func:`standing`: a vintage whose lifetime
    has ended no longer counts) as existing: on ``horizons``, then, when
    ``refine_alone(p, standing, sizes)`` is given, refined on its full year. Returns
    each period's additions.
    """
    schedule: list[dict[str, float]] = []
    for p, (period, horizon) in enumerate(zip(plan.periods, horizons, strict=True)):
        existing = {
            "{}.{}".format(*itemgetter(0, 3)(size_keys(k))): v
            for k, v in standing(plan, schedule, p).items()
            if size_keys(k)[3]
        }
        alone = Period(period.year, moved_to(data, period.year, existing), 1.0)
        single = build_plan([alone], [horizon], plan.end, annual=True)
        try:
            solve_plan(single, options)
        except InfeasibleError:
            raise _which_year([alone], [horizon], options) from None
        added = {v.key: _noise_free(float(pyo.value(v.var))) for v in single.vintages}
        stand = standing(plan, schedule, p)
        refined = None if refine_alone is None else refine_alone(p, stand, single.sizes()[0])
        if refined is not None:
            added = {k: _noise_free(max(refined[k] - stand[k], 0.0)) for k in added}
        schedule.append(added)
    return schedule


def _value_in_plan(plan: Plan, schedule: list[dict[str, float]], options: SolverOptions) -> float:
    """Value a schedule of additions in the multi-period model ``plan`` (its solution replaced)."""
    fix_additions(plan, schedule)
    return float(solve_plan(plan, options).objective)


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
