"""The tightest level a rule's metric can reach: the far end of a cost frontier.

A frontier (:mod:`dispatch.sweep.frontier`) sweeps a rule's limit from the least-cost design's
value to the tightest level any design reaches while the other rules and limits hold.
That level solves

    (T1)  min  N / (per * D)   over the model's feasible set, the rule itself left out

(max for a ``min`` rule), a linear-fractional program: Dinkelbach iterations solve it
as a sequence of linear objectives on one compiled model, changed in place::

    (T2)  x_(k+1) = argmin  sign * (N(x) - r_k * per * D(x)) + eps * cost(x),
          r_(k+1) = N(x_(k+1)) / (per * D(x_(k+1)))

until ``N - r D`` cannot improve. An absolute rule (no denominator) needs one step.
The small ``eps * cost`` term picks, among the designs that reach the level, a cheap
one (rather than any), which keeps sizes finite; it moves the level by a share of
about ``eps``. The search relaxes strict physics (simultaneous flows are then
allowed), so the level is a bound the strict designs of the sweep approach from
the loose side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.repn import generate_standard_repn

from dispatch import ledger
from dispatch.case.loader import CaseData
from dispatch.model.build import annual_carbon, annual_ledger, build_model
from dispatch.model.horizon import Horizon
from dispatch.solve.exact import SolverOptions, check_run, highs_options
from dispatch.solve.highs import HighsModel

DINKELBACH_STEPS = 12
"""Most Dinkelbach iterations of the level search."""
TIE_BREAK = 1e-6
"""Weight of the cost in the level search, relative to the metric at the least-cost design."""


@dataclass(frozen=True)
class Level:
    """The tightest level of a rule's metric.

    Attributes
    ----------
    rule : str
        The rule (a name in :data:`dispatch.ledger.RULES`).
    value : float
        Its ratio at the tightest design, in the rule's unit (fraction, tCO2/tce, tCO2/yr).
    least_cost_value : float
        Its ratio at the least-cost design of the same (relaxed) model.
    iterations : int
        Dinkelbach iterations used.
    """

    rule: str
    value: float
    least_cost_value: float
    iterations: int


def tightest_level(
    data: CaseData,
    rule_name: str,
    horizon: Horizon | None = None,
    options: SolverOptions | None = None,
) -> Level:
    """Return the tightest level of a rule's ratio that the case can reach (T1-T2).

    Parameters
    ----------
    data : CaseData
        The case; its limit for ``rule_name`` is left out, every other rule holds.
    rule_name : str
        ``carbon_intensity``, ``emissions``, ``self_use_of_consumption`` ...
    horizon : Horizon, optional
        Model steps; the full year by default.
    options : SolverOptions, optional
        Solver limits (each iteration is one run).

    Returns
    -------
    Level
    """
    rule = ledger.RULE_BY_NAME[rule_name]
    options = options or SolverOptions()
    free = {rule.key: 0.0 if rule.kind == "min" else None, "physics": "relaxed"}
    built = build_model(data.with_overrides(free), horizon)
    energy = annual_ledger(built)
    quantity = energy | annual_carbon(built, energy)
    num = quantity[rule.numerator]
    den = rule.per * (1.0 if rule.denominator is None else quantity[rule.denominator])
    hm = HighsModel(built.model, highs_options(options))
    if options.time_limit_seconds is not None:
        hm.set_option("time_limit", float(options.time_limit_seconds))
    cost = _costs(hm, built.model.cost.expr)
    _run(hm, options)
    n0, d0, c0 = _value(num), _value(den), float(cost @ hm.values())
    first = n0 / d0 if d0 > 0 else 0.0
    eps = TIE_BREAK * max(abs(n0), 1.0) / max(abs(c0), 1.0)
    sign = 1.0 if rule.kind == "max" else -1.0  # minimise sign * (N - r D)
    ratio, steps = first, 0
    while steps < DINKELBACH_STEPS:
        steps += 1
        hm.set_costs(sign * (_costs(hm, num) - ratio * _costs(hm, den)) + eps * cost)
        _run(hm, options)
        n, d = _value(num), _value(den)
        if d <= 0 or sign * (ratio * d - n) <= 1e-9 * max(abs(n), 1.0):
            break  # N - r D cannot improve: r is the tightest ratio
        ratio = n / d
    return Level(rule_name, float(ratio), float(first), steps)


def _costs(hm: HighsModel, expr: object) -> np.ndarray:
    """Return a linear expression as a cost vector over the compiled columns."""
    repn = generate_standard_repn(expr, compute_values=True)
    out = np.zeros(len(hm.columns))
    for var, coef in zip(repn.linear_vars, repn.linear_coefs, strict=True):
        col = hm.col(var)
        if col >= 0:
            out[col] += float(coef)
    return out


def _run(hm: HighsModel, options: SolverOptions) -> None:
    check_run(hm.run(), options)  # raises unless HiGHS holds a solution
    hm.load_into_pyomo()


def _value(expr: object) -> float:
    return float(pyo.value(expr))
