"""Refine a pathway's build schedule on the full year of every period (``dispatch pathway``).

The typical-day multi-period model (:func:`dispatch.pathway.build_plan`) gives the
first schedule and the design space: every period's sizes, the vintages' additions
and the rows that tie them (W6, units and minimum builds). Each period's full year
is a model of its own, compiled into HiGHS once; with the period's sizes fixed its
cost ``f_p(z_p)`` is a convex function of them (:class:`dispatch.solve.refine.FullYear`),
and the pathway's cost is

    (W7)  F(z, x) = sum_p W_p * (f_p(z_p) - a_p . (z_p - e)) + sum_v c_v * x_v

with ``a_p`` the annualised capex of period p's prices and ``e`` the existing sizes
(the year's own investment term, replaced by the vintages), and ``c_v`` a vintage's
discounted investment per unit (W5). Every full-year dispatch gives one cut per
period (K1 for ``f_p``, multi-cut); the trust-region refinement of one year
(:func:`dispatch.solve.refine.refine`) then moves the whole schedule, and the cut
model bounds the relaxed full-year pathway from below (K4).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo

from dispatch.errors import InfeasibleError
from dispatch.model.build import BuiltModel
from dispatch.solve.exact import SolverOptions
from dispatch.solve.highs import HighsModel
from dispatch.solve.refine import Elastic, Evaluation, FullYear

CAPEX = "capex_annualized"
"""The unit-cost category that the vintages replace (the others are paid per year installed)."""


@dataclass
class PeriodYear:
    """One period's full-year model in HiGHS and where its design sits in the schedule.

    Attributes
    ----------
    built : BuiltModel
        The period's full-year model (the case moved to its year).
    hm : HighsModel
        It, compiled into HiGHS (kept: every re-solve is warm-started).
    year : FullYear
        Its dispatch as a function of its design columns.
    pos : numpy.ndarray
        Position of each of its design columns in the schedule's design vector.
    weight : float
        The period's discounted weight ``W_p`` (W3).
    capex : numpy.ndarray
        Annualised capex per unit of each design column at the period's prices (``a_p``).
    existing : numpy.ndarray
        Existing size of each design column (``e``; 0 for counts and choices).
    """

    built: BuiltModel
    hm: HighsModel
    year: FullYear
    pos: np.ndarray
    weight: float
    capex: np.ndarray
    existing: np.ndarray


def period_capex(built: BuiltModel, hm: HighsModel, cols: np.ndarray, rate: float) -> tuple[
    np.ndarray, np.ndarray
]:  # fmt: skip
    """Return ``a_p`` and ``e`` of some design columns of a period's model (W7)."""
    capex, existing = np.zeros(cols.size), np.zeros(cols.size)
    where = {int(c): i for i, c in enumerate(cols)}
    for name, tech in built.technologies.items():
        unit = tech.unit_costs(tech.spec, rate)
        specs = tech.sizes(tech.spec)
        for key, var in tech.size_vars(built.model.component(name)).items():
            i = where.get(hm.col(var))
            if i is None:
                continue
            capex[i] = unit.get(key, {}).get(CAPEX, 0.0)
            existing[i] = specs[key].existing if key in specs else 0.0
    return capex, existing


def design_map(plan_hm: HighsModel, block: pyo.Block, built: BuiltModel, hm: HighsModel,
               design: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Match a period's design columns in the sizing model to its full-year model.

    Returns the positions in ``design`` (columns of ``plan_hm``) that belong to
    ``block``, and the full-year model's column of each (by the variable's name within
    the period). A design column with no counterpart in the full year is an error.
    """
    pos, cols = [], []
    for k, j in enumerate(design):
        var = plan_hm.columns[j]
        if var.parent_block() is not block and not _within(var, block):
            continue
        name = var.getname(fully_qualified=True, relative_to=block)
        twin = built.model.find_component(name)
        col = -1 if twin is None else hm.col(twin)
        if col < 0:
            raise ValueError(f"the design variable {name} has no full-year counterpart")
        pos.append(k)
        cols.append(col)
    return np.array(pos, dtype=np.int64), np.array(cols, dtype=np.int32)


def _within(var: pyo.Var, block: pyo.Block) -> bool:
    parent = var.parent_block()
    while parent is not None:
        if parent is block:
            return True
        parent = parent.parent_block()
    return False


@dataclass
class Schedule:
    """The pathway's full-year cost as a function of its design vector (W7).

    :meth:`evaluate` dispatches the full year of every period whose sizes changed
    (warm-started) and returns one cut per period; it has the interface of
    :class:`dispatch.solve.refine.FullYear`, so :func:`dispatch.solve.refine.refine`
    refines the whole schedule.
    """

    periods: list[PeriodYear]
    linear: np.ndarray
    """Discounted investment per unit of each design column (``c_v``; 0 but for additions)."""
    options: SolverOptions = field(default_factory=SolverOptions)
    warm_across: bool = True
    """Start each period's first dispatch from the basis of the period before."""
    members: dict[int, list[Evaluation]] = field(default_factory=dict)
    """The period evaluations of each schedule evaluation, by ``id``."""
    elastic: Elastic | None = None
    """The annual rules stay rigid across a pathway (feasibility cuts, K2; no K5)."""

    def evaluate(self, design: np.ndarray) -> Evaluation:
        """Dispatch every period's full year at ``design``; a cut if one cannot run (K2)."""
        parts: list[tuple[int, float, np.ndarray]] = []
        members: list[Evaluation] = []
        total, gradient = float(self.linear @ design), self.linear.copy()
        seconds = self._dispatch(design)
        for p, period in enumerate(self.periods):
            z = design[period.pos]
            held = period.year.held
            assert held is not None
            if held.objective is None or held.gradient is None:
                cut = None
                if held.cut is not None:
                    r = np.zeros(design.size)
                    r[period.pos] = held.cut[0]
                    cut = (r, held.cut[1])
                return Evaluation(design.copy(), None, cut=cut, seconds=seconds)
            w = period.weight
            value = w * (held.objective - float(period.capex @ (z - period.existing)))
            g = np.zeros(design.size)
            g[period.pos] = w * (held.gradient - period.capex)
            parts.append((p, value, g))
            members.append(held)
            total += value
            gradient += g
        out = Evaluation(design.copy(), total, gradient, seconds=seconds, parts=parts)
        self.members[id(out)] = members
        return out

    def _dispatch(self, design: np.ndarray) -> float:
        """Dispatch the periods whose sizes differ from their last dispatch; their seconds.

        Each starts from its own last basis; the first dispatch of a period from the
        basis of the period before (the same shape of model, similar numbers).
        """
        seconds = 0.0
        for p, period in enumerate(self.periods):
            held, z = period.year.held, design[period.pos]
            if held is not None and np.array_equal(held.design, z):
                continue
            if not period.year.warm and p and self.warm_across:
                _start_from(period, self.periods[p - 1])
            seconds += period.year.evaluate(z).seconds
        return seconds

    def free(self) -> Evaluation:
        """Give up: the last resort of a one-year repair has no pathway counterpart."""
        raise InfeasibleError(
            "the feasibility cuts of the full-year dispatches did not find a schedule that "
            "runs every year"
        )

    def restore(self, evaluation: Evaluation) -> None:
        """Load every period's dispatch of an earlier evaluation back into HiGHS."""
        for period, member in zip(self.periods, self.members[id(evaluation)], strict=True):
            if period.year.held is not member:
                period.year.restore(member)


def _start_from(period: PeriodYear, before: PeriodYear) -> None:
    """Start a period's first dispatch from the last basis of the period before (same shape)."""
    basis = before.hm.basis() if before.year.warm else None
    if basis is not None:
        period.hm.set_basis(basis)
        period.hm.set_option("solver", "simplex")
        period.year.warm = True
