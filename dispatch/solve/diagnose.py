"""Explain in the park's terms why a case has no solution.

**Infeasible case.** The model is rebuilt elastic (``build_model(...,
elastic=True)``): every size and connection limit, every rule and both
energy balances get a non-negative slack (:class:`~.technologies.base.Slack`).
Two solves that minimise weighted slack answer two questions:

1. *Keeping the limits* (:data:`KEEP_LIMITS`): rules give first, size and
   connection limits only where the energy balances need it, unserved energy
   last. Each rule that gives is then pushed as far as it goes, by Dinkelbach
   iterations on its ratio, so that "at most X % is reachable" is exact.
2. *Keeping the rules* (:data:`KEEP_RULES`): limits give first. The limits
   that move, and how far, are the remedy ("raise technologies.pv.max_kw to
   1,650 kW").

**Unbounded case.** Re-solved with every unlimited size capped at a large
value; the sizes that reach the cap are the ones that run away.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.repn import generate_standard_repn

from dispatch import ledger
from dispatch.case.loader import CaseData
from dispatch.errors import DispatchError, InfeasibleError, SolverError, UnboundedError
from dispatch.model.build import BuiltModel, RuleTerm, build_model
from dispatch.model.horizon import Horizon
from dispatch.model.technologies.base import Slack
from dispatch.solve.aggregate import typical_days
from dispatch.solve.exact import SolverOptions, highs_options, solve
from dispatch.solve.highs import HighsModel
from dispatch.timegrid import HOURS_PER_YEAR, hours

KEEP_LIMITS = {"rule": 1e-6, "limit": 1.0, "balance": 100.0}
"""Penalty per unit of slack (kWh/yr of a rule, kW or kWh of a limit, kWh/yr unserved)."""
KEEP_RULES = {"rule": 10.0, "limit": 1.0, "balance": 1e4}
"""Penalties of the second question: a rule outweighs any size that would meet it."""
SIZE_CAP_PER_PEAK_KW = 1000.0
"""An unlimited size is capped at this many times the peak load to find runaways."""
DIAGNOSIS_TYPICAL_DAYS = 12
"""Typical days of the capped re-solve that names runaway sizes (for horizons of 24+ days)."""

SUPPLY_RULES = ("self_use_of_consumption", "carbon_intensity", "clean_share", "emissions")
"""Rules that more renewable generation helps to meet, not only storage."""
CARBON_RULES = ("carbon_intensity", "clean_share", "emissions")
"""Rules that green certificates help to meet."""

_LABEL = {"pv": "PV", "wind": "wind", "battery": "storage", "heat_pump": "heat pump"}
_DINKELBACH_STEPS = 12


def explain(
    exc: DispatchError,
    data: CaseData,
    horizon: Horizon | None = None,
    options: SolverOptions | None = None,
) -> DispatchError:
    """Return the error to report for an infeasible or unbounded solve, with its diagnosis.

    Parameters
    ----------
    exc : InfeasibleError or UnboundedError
        What the plain solve raised.
    data : CaseData
        The case.
    horizon : Horizon, optional
        The steps that were solved.
    options : SolverOptions, optional
        Solver limits.
    """
    if isinstance(exc, UnboundedError):
        return explain_unbounded(data, horizon, options)
    return explain_infeasible(data, horizon, options)


def explain_infeasible(
    data: CaseData, horizon: Horizon | None = None, options: SolverOptions | None = None
) -> InfeasibleError:
    """Diagnose an infeasible case with the elastic model.

    Returns
    -------
    InfeasibleError
        One message line per finding; ``diagnosis`` holds the findings as dicts
        (``constraint``, ``kind``, ``limit``, ``reachable`` or ``needed``, ``message``).
    """
    built = build_model(data, horizon, elastic=True)
    scale = _Scale(built)
    options = options or SolverOptions()
    elastic = _Elastic(built, options)
    elastic.minimise(KEEP_LIMITS)
    broken_a = _broken(built, scale)
    findings = [_physical_finding(built, s, v) for s, v in broken_a.items() if s.tier != "rule"]
    rules = [(s, _rule_of(built, s)) for s in broken_a if s.tier == "rule"]
    if rules:
        broken_rules = [r for _, r in rules]
        kept = [r for r in built.rules if r not in broken_rules]
        reach = {}
        for s, rule in rules:
            joint = _reach(elastic, rule, kept)
            binding = [r for r in kept if _rule_gap(r) <= scale.energy_kwh * 1e-6]
            # a kept rule that is slack at the optimum does not hold the ratio back (an LP)
            alone = _reach(elastic, rule, []) if binding else joint
            reach[s.key] = (joint, alone, binding)
        elastic.minimise(KEEP_RULES)
        broken_b = _broken(built, scale)
        moves = [
            (s, v - broken_a.get(s, 0.0))
            for s, v in broken_b.items()
            if s.tier == "limit" and v - broken_a.get(s, 0.0) > scale.tol(s)
        ]
        unmet = {s.key for s in broken_b if s.tier == "rule"}
        for s, rule in rules:
            findings.append(_rule_finding(built, rule, reach[s.key], moves, unmet, broken_rules))
    if not findings:
        findings.append(
            {
                "constraint": "",
                "kind": "tolerance",
                "message": "HiGHS reports the case infeasible, but the elastic re-solve meets "
                "every rule and limit within solver tolerance: check limits that are equal or "
                "nearly so",
            }
        )
    return InfeasibleError("\n".join(f["message"] for f in findings), findings)


def explain_unbounded(
    data: CaseData, horizon: Horizon | None = None, options: SolverOptions | None = None
) -> DispatchError:
    """Name the sizes that run away, by re-solving with every unlimited size capped.

    The capped re-solve is the LP with relaxed physics, on typical days when the
    horizon is long (:data:`DIAGNOSIS_TYPICAL_DAYS`): a runaway is a matter of
    prices and costs, which typical days keep, and the LP answers in seconds where
    the strict model with capped (huge) sizes is a hard MIP.

    Returns
    -------
    UnboundedError or InfeasibleError
        ``InfeasibleError`` (diagnosed) when the capped model turns out infeasible.
    """
    peak = float(np.max(data.series["load_kw"]))
    if "heat_load_kw_th" in data.series:
        peak += float(np.max(data.series["heat_load_kw_th"]))
    cap = SIZE_CAP_PER_PEAK_KW * max(peak, 1000.0)
    relaxed = data.with_overrides({"physics": "relaxed"})
    steps = horizon.n_steps if horizon is not None else HOURS_PER_YEAR
    small = horizon
    if steps >= 2 * DIAGNOSIS_TYPICAL_DAYS * 24:
        small = typical_days(data, DIAGNOSIS_TYPICAL_DAYS, steps)
    built = build_model(relaxed, small, size_cap=cap)
    try:
        solve(built, options)
    except InfeasibleError:
        return explain_infeasible(data, horizon, options)
    except UnboundedError:
        return UnboundedError(
            "the model is unbounded even with every size capped: a cost runs to minus "
            f"infinity without any size growing ({negative_prices(data, small)})"
        )
    runaway = [s for s in built.slacks if s.tier == "cap" and pyo.value(s.var) >= 0.999 * s.bound]
    if not runaway:
        return SolverError(
            "HiGHS could not tell whether the case is infeasible or unbounded, and the "
            "capped re-solve finds neither; re-run with --debug and report the case"
        )
    if any(not s.key.startswith("grid.") for s in runaway):  # the connection only follows them
        runaway = [s for s in runaway if not s.key.startswith("grid.")]
    findings = [_runaway_finding(built, s, horizon) for s in runaway]
    return UnboundedError("\n".join(f["message"] for f in findings), findings)


def _net_prices(data: CaseData, horizon: Horizon | None) -> tuple[np.ndarray, np.ndarray]:
    """Import price with the system-operation fee, and export price, at the model steps."""
    take = horizon.take if horizon is not None else np.asarray
    fee = data.case.grid.system_operation_fee_per_kwh
    return take(data.series["import_price_per_kwh"]) + fee, take(
        data.series["export_price_per_kwh"]
    )


def negative_prices(data: CaseData, horizon: Horizon | None) -> str:
    """Say which prices are negative, or that none is."""
    buy, sell = _net_prices(data, horizon)
    found = []
    if np.any(buy < 0):
        found.append(
            f"grid.import_price_per_kwh plus the system-operation fee is negative in "
            f"{int(np.sum(buy < 0))} of {buy.size} hours, as low as {float(buy.min()):.3g}"
        )
    if np.any(sell < 0):
        found.append(
            f"grid.export_price_per_kwh is negative in {int(np.sum(sell < 0))} of {sell.size} hours"
        )
    return "; ".join(found) if found else "no price is negative; re-run with --debug and report"


class _Scale:
    """Tolerances for "this slack is broken", relative to the size of the case."""

    def __init__(self, built: BuiltModel) -> None:
        series = built.data.series
        energy = float(np.sum(series["load_kw"]))
        peak = float(np.max(series["load_kw"]))
        if "heat_load_kw_th" in series:
            energy += float(np.sum(series["heat_load_kw_th"]))
            peak += float(np.max(series["heat_load_kw_th"]))
        self.energy_kwh = max(energy, 1.0)
        self.peak_kw = max(peak, 1.0)

    def tol(self, slack: Slack) -> float:
        """Smallest slack that counts as broken [unit of the slack]."""
        if slack.tier == "limit":
            return 1e-6 * max(self.peak_kw, slack.limit or 0.0) + 1e-6
        return 1e-6 * self.energy_kwh + 1e-6


class _Elastic:
    """The elastic model in HiGHS, compiled once; objectives and fixings change inside HiGHS.

    Parameters
    ----------
    built : BuiltModel
        The elastic model.
    options : SolverOptions
        Gap and time limit of every re-solve.
    """

    def __init__(self, built: BuiltModel, options: SolverOptions) -> None:
        self.built = built
        self.hm = HighsModel(built.model, highs_options(options))
        if options.time_limit_seconds is not None:  # for every re-solve, as each is a run
            self.hm.set_option("time_limit", float(options.time_limit_seconds))

    def minimise(self, weights: dict[str, float]) -> None:
        """Minimise the weighted slack and load the solution into Pyomo."""
        slacks = self.built.slacks
        self.set_objective(sum(weights[s.tier] * s.amount for s in slacks if s.tier in weights))
        self.solve()

    def set_objective(self, expr: Any, sign: float = 1.0) -> None:
        """Make ``sign * expr`` the objective to minimise (a linear Pyomo expression)."""
        repn = generate_standard_repn(expr, compute_values=True)
        cost = np.zeros(len(self.hm.columns))
        for var, coef in zip(repn.linear_vars, repn.linear_coefs, strict=True):
            col = self.hm.col(var)
            if col >= 0:
                cost[col] += sign * float(coef)
        self.hm.set_costs(cost)

    def solve(self) -> None:
        """Re-solve (warm-started) and load the solution into Pyomo."""
        stats = self.hm.run()
        if not stats.has_solution:
            raise SolverError(
                f"the elastic re-solve that explains the infeasible case stopped without a "
                f"solution ({stats.status})"
            )
        self.hm.load_into_pyomo()

    def fix(self, variables: list[Any]) -> np.ndarray:
        """Hold variables at their current values; return their columns for :meth:`release`."""
        cols = np.array([self.hm.col(v) for v in variables], dtype=np.int32)
        values = np.array([v.value or 0.0 for v in variables], dtype=float)
        keep = cols >= 0
        self.hm.set_bounds(cols[keep], values[keep], values[keep])
        return cols[keep]

    def release(self, cols: np.ndarray) -> None:
        """Give fixed columns their compiled bounds back."""
        self.hm.set_bounds(cols, self.hm.col_lower[cols], self.hm.col_upper[cols])

    def switch(self, constraints: list[Any], on: bool) -> None:
        """Switch constraints off (free rows) or back on (compiled bounds)."""
        rows = np.concatenate([self.hm.rows(c) for c in constraints] or [np.zeros(0)])
        rows = rows.astype(np.int32)
        if on:
            self.hm.set_row_bounds(rows, self.hm.row_lower[rows], self.hm.row_upper[rows])
        else:
            inf = np.full(rows.size, np.inf)
            self.hm.set_row_bounds(rows, -inf, inf)


def _broken(built: BuiltModel, scale: _Scale) -> dict[Slack, float]:
    """Return the slacks used in the current solution, with their amounts."""
    out = {}
    for s in built.slacks:
        value = float(pyo.value(s.amount))
        if value > scale.tol(s):
            out[s] = value
    return out


def _rule_of(built: BuiltModel, slack: Slack) -> RuleTerm:
    return next(r for r in built.rules if r.key == slack.key)


def _reach(elastic: _Elastic, rule: RuleTerm, kept: list[RuleTerm]) -> float:
    """Return the best ratio a rule can reach with the limits kept (Dinkelbach iterations).

    The rules not in ``kept`` are dropped, and the limit and balance slacks fixed
    at their values of the first question. ``r_(k+1) = N/D`` at the maximiser of
    ``N - r_k D`` (minimiser for an upper-limit rule), until ``N - r D`` cannot grow.
    """
    built = elastic.built
    m = built.model
    num, den = rule.numerator, rule.denominator
    sign = 1.0 if rule.kind == "min" else -1.0
    fixed = [v for s in built.slacks if s.tier != "rule" for v in _datas(s.var)]
    kept_slacks = [
        v
        for s in built.slacks
        if s.tier == "rule" and _rule_of(built, s) in kept
        for v in _datas(s.var)
    ]
    # kept rules hold as in the first question; the others are dropped
    dropped = [m.component(f"rule_{r.name}") for r in built.rules if r not in kept]
    cols = elastic.fix(fixed + kept_slacks)  # the current solution stays feasible
    elastic.switch(dropped, on=False)
    try:
        n, d = float(pyo.value(num)), float(pyo.value(den))
        ratio = n / d if d > 1e-9 else 0.0
        for _ in range(_DINKELBACH_STEPS):
            elastic.set_objective(num - ratio * den, sign=-sign)  # maximise sign (N - r D)
            elastic.solve()
            n, d = float(pyo.value(num)), float(pyo.value(den))
            if d <= 1e-9 or sign * (n - ratio * d) <= 1e-9 * max(d, 1.0):
                break
            ratio = n / d
    finally:
        elastic.release(cols)
        elastic.switch(dropped, on=True)
    return ratio


def _rule_gap(rule: RuleTerm) -> float:
    """Return how far the current solution is inside a rule [kWh/yr]; 0 when it binds."""
    num, den = float(pyo.value(rule.numerator)), float(pyo.value(rule.denominator))
    return num - rule.limit * den if rule.kind == "min" else rule.limit * den - num


def _datas(var: Any) -> list[Any]:
    return list(var.values()) if var.is_indexed() else [var]


def _pct(x: float, down: bool) -> str:
    """Format a fraction as a percentage, rounded towards the safe side to 0.1 %."""
    tenths = 1000 * x
    tenths = math.floor(tenths + 1e-9) if down else math.ceil(tenths - 1e-9)
    return f"{tenths / 10:.1f} %"


def _frac(x: float, down: bool) -> str:
    """Format a fraction for a case key, rounded towards the safe side to 0.001."""
    thousandths = math.floor(1000 * x + 1e-9) if down else math.ceil(1000 * x - 1e-9)
    return f"{thousandths / 1000:g}"


def _amount(unit: str) -> Any:
    """Return ``(x, down) -> text``, a value in ``unit`` rounded towards the safe side.

    Steps of 0.001 tCO2/tce, whole tCO2/yr.
    """
    step = 1.0 if unit.endswith("/yr") else 1e-3

    def fmt(x: float, down: bool) -> str:
        n = math.floor(x / step + 1e-9) if down else math.ceil(x / step - 1e-9)
        return f"{n * step:.{0 if step >= 1 else 3}f}"

    return fmt


def _in_unit(unit: str) -> Any:
    """Return ``(x, down) -> "0.253 tCO2/tce"``, rounded as :func:`_amount`."""
    amount = _amount(unit)
    return lambda x, down: f"{amount(x, down)} {unit}"


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:.3g}"


def _label(key: str) -> str:
    """Return what a limit holds, readably: ``PV``, ``storage power``, ``grid connection``."""
    if key.startswith("grid."):
        return "grid connection"
    tech, name = key.split(".")[1:3]
    label = _LABEL.get(tech, tech)
    return f"{label} power" if tech == "battery" and name.endswith("_kw") else label


def _bound_text(slack: Slack) -> str:
    limit = f"{_num(slack.limit or 0.0)} {slack.unit}"
    if slack.key.endswith("_if_built"):
        return f"{_label(slack.key)} additions of 0 or ≥ {limit}"
    return f"{_label(slack.key)} {'≤' if slack.kind == 'max' else '≥'} {limit}"


def _move_text(slack: Slack, extra: float) -> str:
    verb, to = (
        ("raise", slack.bound + extra) if slack.kind == "max" else ("lower", slack.bound - extra)
    )
    return f"{verb} {slack.key} to {_num(max(to, 0.0))} {slack.unit}"


def _join(items: list[str], word: str, sep: str = ", ") -> str:
    """Join ``["a", "b", "c"]`` as ``a, b and c`` (``word`` is the last joint)."""
    if len(items) <= 1:
        return "".join(items)
    joint = word if word.startswith(",") else f" {word}"
    return f"{sep.join(items[:-1])}{joint} {items[-1]}"


def _rule_finding(
    built: BuiltModel,
    rule: RuleTerm,
    reach: tuple[float, float, list[RuleTerm]],
    moves: list[tuple[Slack, float]],
    unmet: set[str],
    broken: list[RuleTerm],
) -> dict[str, Any]:
    """Describe a rule that cannot be met: how far it gets, what holds it, what would help.

    ``reach`` is the best ratio with the rules that hold kept, the best ratio
    with no other rule, and the kept rules that bind.
    """
    text = rule.description
    joint, alone, binding = reach
    minimum = rule.kind == "min"
    joint, alone = max(joint, 0.0), max(alone, 0.0)
    unit = ledger.RULE_BY_NAME[rule.name].unit if rule.name in ledger.RULE_BY_NAME else "%"
    shown, to_key = (_pct, _frac) if unit == "%" else (_in_unit(unit), _amount(unit))
    absent = [t for t in ("pv", "wind", "battery") if t not in built.technologies]
    held = [_bound_text(s) for s, _ in moves]
    if absent:
        held.append("no " + _join([_LABEL[t] for t in absent], "or"))
    remedies = []
    note = ""
    if rule.key in unmet:  # moving limits is not enough: other technologies are needed
        note = ", and raising size limits alone cannot change that"
    elif moves:
        remedies.append(_join([_move_text(s, extra) for s, extra in moves], "and"))
    # what could help: more generators for a share of consumption; storage, once
    # something generates, to use what would be curtailed or exported
    generators = [t for t in ("pv", "wind") if t not in absent]
    supply = rule.name in SUPPLY_RULES  # more generation helps, not only storage
    adds = [t for t in absent if t != "battery"] if supply else []
    if "battery" in absent and generators and (not supply or note):
        adds.append("battery")
    if adds:
        remedies.append("add " + _join([f"technologies.{t}" for t in adds], "or"))
    grid = built.data.case.grid
    if rule.name in CARBON_RULES and grid.green_certificate_price_per_mwh is None:
        remedies.append("allow green certificates (grid.green_certificate_price_per_mwh)")
    verb = "lower" if minimum else "raise"
    remedies.append(
        f"{verb} {rule.key} to {to_key(joint, minimum)}"
        + (f" ({_pct(joint, down=minimum)})" if unit == "%" else "")
    )
    reached_text = shown(joint, minimum)
    short = rule.limit - joint if minimum else joint - rule.limit
    met = joint >= rule.limit - 1e-6 if minimum else joint <= rule.limit + 1e-6
    others = [o.key for o in broken if o is not rule]
    if met and others:
        head = (
            f"{text} ({rule.key}) cannot be met together with {_join(others, 'and')}: "
            f"alone it reaches {reached_text}"
        )
    else:
        how = "at most" if minimum else "at least"
        with_text = f" with {_join(held, 'and')}" if held else ""
        better = alone > joint + 1e-4 if minimum else alone < joint - 1e-4
        rules_text = ""
        if better:
            rules_text = (
                f" while {_join([k.key for k in binding], 'and')} "
                f"{'holds' if len(binding) == 1 else 'hold'} "
                f"(without {'it' if len(binding) == 1 else 'them'}: {shown(alone, minimum)})"
            )
        shortfall = f" ({ledger.rule_format(rule.name)(short)} short)" if unit != "%" else ""
        head = (
            f"{text} ({rule.key}) cannot be met: {how} {reached_text} is "
            f"reachable{shortfall}{with_text}{rules_text}{note}"
        )
    return {
        "constraint": rule.key,
        "kind": "rule",
        "rule": rule.name,
        "limit": rule.limit,
        "reachable": joint,
        "shortfall": max(short, 0.0),
        "reachable_without_other_rules": alone,
        "held_by": [s.key for s, _ in moves],
        "remedies": [
            {"key": s.key, "from": s.limit, "to": s.bound + (e if s.kind == "max" else -e)}
            for s, e in moves
        ],
        "message": f"{head}; {_join(remedies, ', or', sep=', ')}",
    }


def _physical_finding(built: BuiltModel, slack: Slack, amount: float) -> dict[str, Any]:
    """Describe a size limit or an energy balance that must give whatever the rules."""
    if slack.tier == "balance":
        return _balance_finding(built, slack, amount)
    case = built.data.case
    if slack.key.startswith("technologies.heat_pump"):
        purpose, alt = "cover the heat load", ""
        if case.technologies.boiler is None:
            purpose += " (there is no boiler)"
            alt = " or add technologies.boiler"
    elif slack.key.startswith("grid."):
        purpose, alt = "carry the electricity the park needs", ""
    else:
        purpose, alt = "balance the park's energy", ""
    limit = slack.bound
    needed = limit + amount if slack.kind == "max" else limit - amount
    if slack.kind == "max":
        msg = (
            f"{slack.key} = {_num(limit)} {slack.unit} is too small to {purpose}: "
            f"{_num(needed)} {slack.unit} are needed; raise it{alt}"
        )
    else:
        msg = (
            f"{slack.key} = {_num(limit)} {slack.unit} is more than the park can use: "
            f"at most {_num(max(needed, 0.0))} {slack.unit} fit; lower it"
        )
    return {
        "constraint": slack.key,
        "kind": "limit",
        "limit": slack.limit,
        "needed": needed,
        "unit": slack.unit,
        "message": msg,
    }


def _balance_finding(built: BuiltModel, slack: Slack, amount: float) -> dict[str, Any]:
    hourly = np.array([v.value or 0.0 for v in slack.var.values()])
    t = int(np.argmax(hourly))
    when = hours(built.data.case.year)[built.horizon.hour[t]].strftime("%Y-%m-%d %H:%M")
    bus = "heat" if "heat" in slack.key else "electricity"
    unit = "kW_th" if bus == "heat" else "kW"
    mwh = amount / 1000.0
    if slack.kind == "short":
        msg = (
            f"the {bus} load ({slack.key}) cannot be met: {_num(mwh)} MWh/yr short, up to "
            f"{_num(hourly[t])} {unit} at {when}; allow more supply"
        )
    else:
        msg = (
            f"{_num(mwh)} MWh/yr of {bus} has nowhere to go ({slack.key}), up to "
            f"{_num(hourly[t])} {unit} at {when}; allow export or curtailment"
        )
    return {
        "constraint": slack.key,
        "kind": "balance",
        "direction": slack.kind,
        "mwh_per_year": mwh,
        "peak": float(hourly[t]),
        "unit": unit,
        "message": msg,
    }


def _runaway_finding(
    built: BuiltModel, slack: Slack, horizon: Horizon | None = None
) -> dict[str, Any]:
    """Explain one size that grows without bound, naming the price or cost that pays for it.

    Prices are counted over the hours of ``horizon`` (the run's; the full year by default).
    """
    key = slack.key
    buy, sell = _net_prices(built.data, horizon)
    n_hours = buy.size
    n_negative, n_spread = int(np.sum(buy < 0)), int(np.sum(sell > buy))
    negative = (
        f"the import price with fees is negative in {n_negative} of {n_hours} hours "
        f"(as low as {float(buy.min()):.3g} per kWh)"
    )
    if key.startswith("grid."):
        if n_spread:
            why = f"exports pay more than imports cost in {n_spread} of {n_hours} hours" + (
                f" ({negative})" if n_negative else ""
            )
        elif n_negative:
            why = negative
        else:
            why = "the connection carries sizes that grow without bound"
        msg = (
            f"{key} is unlimited and {why}: the grid connection would grow without bound; "
            f"set {key} or check grid.import_price_per_kwh and grid.export_price_per_kwh"
        )
    else:
        tech = key.split(".")[1]
        label = _LABEL.get(tech, tech)
        spec = getattr(built.data.case.technologies, tech, None)
        free = spec is not None and all(
            float(getattr(spec, name, 0.0) or 0.0) == 0.0
            for name in ("capex_per_kw", "capex_per_kwh", "capex_per_kw_th",
                         "fixed_om_per_kw_year", "fixed_om_per_kwh_year",
                         "fixed_om_per_kw_th_year")
        )  # fmt: skip
        if tech == "battery" and n_negative:
            why = f"{negative}: charging and discharging burns energy the park is paid to take"
        elif tech in ("pv", "wind"):
            why = f"exports pay more than {label} costs" + (
                " (it costs nothing: capex and fixed O&M are 0)" if free else ""
            )
        elif tech == "battery":
            why = "buying cheap and selling dear pays more than storage costs"
        else:
            why = "it lowers the cost without end"
        msg = f"{key} is unlimited and {why}: {label} would grow without bound; set {key}" + (
            " or lower grid.export_price_per_kwh" if tech in ("pv", "wind") else ""
        )
    return {"constraint": key, "kind": "unbounded", "cap": slack.limit, "message": msg}
