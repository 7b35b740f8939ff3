"""Refine a design on the full year by cutting planes in a trust region.

With the sizes fixed, the full-year dispatch is an LP whose optimal cost
``f(z)`` is a convex function of the design ``z`` (sizes, and the unit counts
and on/off choices that go with them). One warm-started dual-simplex dispatch
gives ``f(z)`` and, from the reduced costs of the fixed design columns, a
subgradient ``g``. Each dispatch adds a cut that holds for every design::

    (K1)  f(z') >= f(z) + g . (z' - z)                     (optimality cut)

A design the full year cannot run (a rule or limit fails) gives a Farkas
certificate instead, and the cut that excludes it::

    (K2)  r_D . z' <= U(lambda) - sum_{j not in D} min(r_j l_j, r_j u_j)   (feasibility cut)

with ``lambda`` the dual ray, ``r = A^T lambda``, ``U(lambda)`` the largest
value ``lambda . A x`` can take within the row bounds, and ``l, u`` the bounds
of the dispatch columns. The next design minimises the cut model within a
trust region around the best design so far (a small LP, or MIP for discrete
sizes, over the design rows of the model: U1-U3 and any row that touches
sizes only)::

    (K3)  min theta  s.t. (K1) for every cut, (K2), design rows,
          |z_j - c_j| <= radius * max(|c_j|, floor)  for every size j

The cut model without the trust region is a lower bound on the relaxed
full-year optimum over the whole design space (K4): it proves how far the best
design can be from the exact optimum, and the refinement stops once that gap is
small. Master and bound are from the Benders decomposition of the full-year
model; see docs/formulation.md.

Near a tightly binding annual rule (R4-R9) many proposed designs cannot run the
year, and proving each infeasible takes long dual-simplex runs whose cuts (K2)
move the design little. Once a design that runs the year is known, the annual
rule rows are therefore made elastic (:class:`Elastic`): each gets a slack ``s``
priced at ``p`` per unit, and the subproblem becomes::

    (K5)  F(z) = min  cost(x) + p . s   s.t. the full-year rows at z, rules relaxed by s >= 0

``F`` is the optimum of a relaxation of the full-year dispatch, so ``F(z) <= f(z)``
for every design (``f = +inf`` where the year cannot run), and ``F`` is convex in
``z``. Its optimality cuts (K1 with ``F``) are valid under-estimators of ``f``, and
the lower bound (K4) stays valid, whatever ``p``. A dispatch with a positive slack
does not run the year: it gives its cut and is never the best design. If such
designs keep coming, the slacks are fixed at 0 again and the refinement goes on
with feasibility cuts (K2), as without them.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import highspy
import numpy as np

from dispatch.errors import InfeasibleError
from dispatch.solve.control import new_highs, run_highs
from dispatch.solve.exact import SolverOptions, check_run, run_until
from dispatch.solve.highs import INF, HighsModel, RunStats

FIRST_RADIUS = 0.03
"""Trust-region radius of the first step, relative to each size."""
MAX_RADIUS = 1.0
CHECK_RADIUS = 0.1
"""The refinement may stop once no design within this share of every size is predicted
to save the target gap (by convexity, the saving grows at most linearly beyond it)."""
MIN_RADIUS = 1e-3
"""The refinement stops when the trust region shrinks below this (relative)."""
GOOD_STEP = 0.5
"""A step that achieves this share of the predicted saving may widen the trust region."""
MAX_REPAIRS = 12
"""Most feasibility cuts before the first design that runs the full year."""
PUSHED_REPAIRS = 6
"""Repairs after which the full-year LP with the design free decides (:meth:`FullYear.free`)."""
CUT_MARGIN = 1e-6
"""A feasibility cut is tightened by this share of its scale, so that the next design is
strictly inside it rather than on its edge, where round-off could leave it infeasible."""

PENALTY_FACTOR = 2.0
"""Price of a rule's slack, in multiples of the larger of the rule's dual and the best
design's cost per unit of the rule row's activity (both at that design's dispatch).
Measured on the example park with a carbon-intensity limit of 0.2 and 0.3: 2 took
58-62 s, 1 and 10 took 59-113 s, for designs within 0.05 % of the exact optimum."""
PENALTY_GROWTH = 4.0
"""A violating design that the penalty prices below the best design multiplies the price."""
ELASTIC_TRIES = 4
"""Violating designs in a row after which the rules are rigid again (K2 as without slacks)."""
VIOLATION_TOL = 1e-7
"""A slack counts as a violation above this share of its rule row's activity."""

STUCK = ("unknown", "solve error", "postsolve error")
"""HiGHS statuses after which a dispatch is run once more from scratch."""


@dataclass
class Evaluation:
    """One full-year dispatch at a fixed design.

    Attributes
    ----------
    design : numpy.ndarray
        Values of the design columns.
    objective : float or None
        Full-year cost; ``None`` when the design cannot run the year.
    gradient : numpy.ndarray or None
        Reduced costs of the design columns (a subgradient of the cost).
    cut : tuple or None
        For an infeasible design, ``(r, bound)`` with ``r . z <= bound`` for every
        design that can run the year; ``None`` if no certificate was found.
    seconds : float
        Time of the dispatch.
    basis : highspy.HighsBasis or None
        The optimal basis, to restore this dispatch without iterations.
    lower_bound : float or None
        The lower bound (K4) once this evaluation's cut was added.
    """

    design: np.ndarray
    objective: float | None
    gradient: np.ndarray | None = None
    cut: tuple[np.ndarray, float] | None = None
    seconds: float = 0.0
    basis: Any = None
    lower_bound: float | None = None
    penalised: float | None = None
    """For a design that meets the annual rules only with slack (K5): the penalised cost
    ``F(z)``, whose cut (K1) the master keeps; ``objective`` is then ``None``."""
    violation: float = 0.0
    """The largest slack of an annual rule, as a share of the rule row's activity."""
    parts: list[tuple[int, float, np.ndarray]] = field(default_factory=list)
    """For a cost that is a sum of separate convex terms (a pathway's periods): one
    ``(term, value, gradient)`` per term; the master then keeps a cut per term (K1)."""


class Subproblem(Protocol):
    """What the refinement dispatches: :class:`FullYear`, or a pathway's periods together."""

    options: SolverOptions
    elastic: Elastic | None
    """Slacks on the annual rules (K5), or ``None`` for rigid rules throughout."""

    def evaluate(self, design: np.ndarray) -> Evaluation:
        """Dispatch at ``design``: its cost and subgradient, or a feasibility cut."""
        ...

    def free(self) -> Evaluation:
        """Solve with the design free (the repair's last resort)."""
        ...


class FullYear:
    """The full-year dispatch as a function of the design (the Benders subproblem).

    The design columns are held fixed by their bounds; integer design columns
    (unit counts, built-or-not) are made continuous, which changes nothing once
    they are fixed and gives duals. The first run is a cold interior-point
    solve with crossover; later runs start from the last basis (dual simplex),
    which after a small change of sizes takes a fraction of the first.

    Parameters
    ----------
    hm : HighsModel
        The full-year model, without strict-physics binaries yet.
    design_cols : numpy.ndarray
        Its design columns.
    deadline : float, optional
        ``time.perf_counter()`` value at which dispatches stop (:class:`TimeUp`).
    options : SolverOptions, optional
        The run's solver options, for messages.
    warm : bool
        HiGHS holds a basis of this model already (a re-solve in place): start
        from it rather than by interior point.
    elastic : Elastic, optional
        Slack columns on the annual rule rows, which :func:`refine` switches on once a
        design runs the year (K5); ``None`` keeps the rules rigid.
    """

    def __init__(
        self,
        hm: HighsModel,
        design_cols: np.ndarray,
        deadline: float | None = None,
        options: SolverOptions | None = None,
        warm: bool = False,
        elastic: Elastic | None = None,
    ) -> None:
        self.hm = hm
        self.elastic = elastic
        self.deadline = deadline
        self.options = options or SolverOptions()
        self.cols = design_cols
        hm.relax_integrality(design_cols)
        other = np.ones(hm.matrix.shape[1], dtype=bool)
        other[design_cols] = False
        self.other = other
        self.warm = warm
        self.held: Evaluation | None = None
        """The evaluation whose dispatch the main instance ``hm`` holds."""
        hm.set_option("solver", "simplex" if warm else "ipm")

    def evaluate(self, design: np.ndarray) -> Evaluation:
        """Dispatch the full year at ``design``; a cut if it cannot run."""
        self.held = evaluation = self._dispatch(design)
        return evaluation

    def _dispatch(self, design: np.ndarray) -> Evaluation:
        hm = self.hm
        start = time.perf_counter()
        hm.set_bounds(self.cols, design, design)
        stats = run_until(hm, self.deadline)
        afresh = stats.status in STUCK
        if afresh:  # a warm start gone wrong: once more from scratch
            stats = self._afresh()
        if stats.status == "optimal" and stats.has_solution:
            if not self.warm:
                hm.set_option("solver", "simplex")  # later dispatches start from a basis
                self.warm = True
            violation = self.elastic.violation() if self.elastic is not None else 0.0
            if violation > VIOLATION_TOL:  # (K5) the rules hold only with slack: a cut only
                return Evaluation(
                    design.copy(), None, hm.reduced_costs(self.cols),
                    seconds=time.perf_counter() - start, basis=hm.basis(),
                    penalised=float(stats.objective or 0.0), violation=violation,
                )  # fmt: skip
            return Evaluation(
                design.copy(), float(stats.objective or 0.0), hm.reduced_costs(self.cols),
                seconds=time.perf_counter() - start, basis=hm.basis(),
            )  # fmt: skip
        if "limit" in stats.status:
            raise TimeUp(stats)
        if stats.status != "infeasible":
            check_run(stats, self.options)  # unbounded or a solver failure: raise it
        ray = hm.dual_ray()
        if ray is None and not afresh:  # interior point proves no ray: ask the simplex
            # (not after a stalled simplex: it would stall again; no cut, and the trust
            # region shrinks instead)
            hm.set_option("solver", "simplex")
            run_until(hm, self.deadline)
            ray = hm.dual_ray()
            if not self.warm:
                hm.set_option("solver", "ipm")
        cut = None if ray is None else farkas_cut(hm, ray, self.cols, self.other, design)
        return Evaluation(design.copy(), None, cut=cut, seconds=time.perf_counter() - start)

    def _afresh(self) -> RunStats:
        """Run the dispatch again from scratch by interior point (no basis to start from).

        Near a binding annual rule a warm-started simplex can stall in numerical trouble
        on a design that cannot run the year; the interior point method decides it.
        """
        hm = self.hm
        hm.forget_solution()
        hm.set_option("solver", "ipm")
        try:
            return run_until(hm, self.deadline)
        finally:
            hm.set_option("solver", "simplex" if self.warm else "ipm")

    def free(self) -> Evaluation:
        """Solve the full year with the design free within its case bounds (the relaxed LP).

        The last resort of a repair that the feasibility cuts do not finish: it
        either finds the relaxed optimum, a design that runs the year (with
        integer design columns possibly fractional), or proves that no design
        does.

        Raises
        ------
        InfeasibleError
            No design runs the full year, even with relaxed physics.
        """
        hm = self.hm
        start = time.perf_counter()
        hm.set_bounds(self.cols, hm.col_lower[self.cols], hm.col_upper[self.cols])
        hm.set_option("solver", "ipm")
        stats = run_until(hm, self.deadline)
        hm.set_option("solver", "simplex" if self.warm else "ipm")
        if "limit" in stats.status:
            raise TimeUp(stats)
        if stats.status == "infeasible":
            raise InfeasibleError(
                "no design meets every rule and limit over the full year, even with relaxed physics"
            )
        check_run(stats, self.options)
        design = hm.values(self.cols)
        self.held = evaluation = Evaluation(
            design.copy(), float(stats.objective or 0.0), hm.reduced_costs(self.cols),
            seconds=time.perf_counter() - start, basis=hm.basis(),
        )  # fmt: skip
        return evaluation

    def restore(self, evaluation: Evaluation) -> None:
        """Load the dispatch of an earlier evaluation back into HiGHS (from its basis)."""
        hm = self.hm
        hm.set_bounds(self.cols, evaluation.design, evaluation.design)
        if evaluation.basis is not None:
            hm.set_basis(evaluation.basis)
        hm.set_option("solver", "simplex")
        hm.set_option("time_limit", INF)  # a restart from an optimal basis: no iterations
        check_run(hm.run())
        self.held = evaluation


class Elastic:
    """Slack columns on the annual rule rows of the full-year model (K5).

    Created off (each slack fixed at 0: the model as it was); :meth:`start` prices
    and frees them, :meth:`stop` fixes them at 0 again for good.

    Parameters
    ----------
    hm : HighsModel
        The full-year model.
    rows : numpy.ndarray
        Its annual rule rows (one-sided).
    """

    def __init__(self, hm: HighsModel, rows: np.ndarray) -> None:
        self.hm = hm
        self.rows = np.asarray(rows, dtype=np.int32)
        self.cols = hm.add_slacks(self.rows)
        self.matrix = abs(hm.matrix.tocsr()[self.rows])
        self.n_model = hm.matrix.shape[1]
        self.penalty = np.zeros(self.rows.size)
        self.scale = np.ones(self.rows.size)
        """Each rule row's activity at the design that started the slacks (:meth:`start`)."""
        self.on = False
        self.spent = False
        """Switched off for good (after :meth:`stop`)."""
        self.in_a_row = 0
        self.violating = 0
        """Violating designs dispatched (each gave a cut only)."""
        self.first_penalty: list[float] = []

    def _activity(self) -> np.ndarray:
        """Scale of each rule row at the dispatch HiGHS holds: ``|a_i| . |x| + |rhs_i|``."""
        x = np.abs(self.hm.values()[: self.n_model])
        rhs = np.where(
            np.isfinite(self.hm.row_lower[self.rows]),
            self.hm.row_lower[self.rows],
            self.hm.row_upper[self.rows],
        )
        return np.asarray(self.matrix @ x).ravel() + np.abs(rhs)

    def start(self, best: Evaluation) -> None:
        """Price and free the slacks; HiGHS holds the dispatch of ``best`` (a design that runs).

        ``p_i = PENALTY_FACTOR * max(|dual_i|, f(best) / activity_i)``: above the
        rule's marginal cost at the best design, and at least twice the cost of the
        whole year per unit of the rule's quantity. A larger factor (10 was measured)
        makes each violating dispatch a longer dual-simplex run; one too small is
        raised by :data:`PENALTY_GROWTH`.
        """
        if self.spent or self.on or not self.rows.size or best.objective is None:
            return
        self.scale = np.maximum(self._activity(), 1.0)
        dual = np.abs(self.hm.row_duals(self.rows))
        self.penalty = PENALTY_FACTOR * np.maximum(dual, abs(best.objective) / self.scale)
        self.first_penalty = [float(p) for p in self.penalty]
        self.hm.set_col_costs(self.cols, self.penalty)
        self.hm.set_bounds(self.cols, np.zeros(self.cols.size), np.full(self.cols.size, INF))
        self.on = True

    def stop(self) -> None:
        """Fix every slack at 0 for good: the rules as they are."""
        if self.on:
            n = self.cols.size
            self.hm.set_bounds(self.cols, np.zeros(n), np.zeros(n))
            self.hm.set_col_costs(self.cols, np.zeros(n))
        self.on, self.spent = False, True

    def violation(self) -> float:
        """Largest slack of the dispatch HiGHS holds, as a share of its row's activity."""
        if not self.on:
            return 0.0
        slack = self.hm.values(self.cols)
        return float(np.max(slack / self.scale)) if slack.size else 0.0

    def judge(self, evaluation: Evaluation, best_cost: float) -> None:
        """Raise the price, or stop, after a violating design; count the run of them."""
        if not self.on:
            return
        if evaluation.penalised is None:
            self.in_a_row = 0
            return
        self.violating += 1
        self.in_a_row += 1
        if self.in_a_row >= ELASTIC_TRIES:
            self.stop()  # the penalty does not lead to designs that run: rigid rules (K2)
        elif evaluation.penalised < best_cost:  # violating is priced as a saving: dearer
            self.penalty = self.penalty * PENALTY_GROWTH
            self.hm.set_col_costs(self.cols, self.penalty)

    def report(self) -> dict[str, Any]:
        """Return what the slacks did (``summary.json``: ``solve.auto.elastic``)."""
        return {
            "rules": int(self.rows.size),
            "violating_designs": self.violating,
            "first_penalty": self.first_penalty,
            "last_penalty": [float(p) for p in self.penalty],
            "switched_off_early": bool(self.spent and self.in_a_row >= ELASTIC_TRIES),
        }


class TimeUp(Exception):
    """The time limit stopped a full-year dispatch; ``stats`` says how."""

    def __init__(self, stats: RunStats) -> None:
        super().__init__(stats.status)
        self.stats = stats


def farkas_cut(
    hm: HighsModel, ray: np.ndarray, design: np.ndarray, other: np.ndarray, at: np.ndarray
) -> tuple[np.ndarray, float] | None:
    """Return the feasibility cut (K2) a dual ray proves, or ``None``.

    For rows ``L <= A x <= U`` and columns ``l <= x <= u``, any feasible ``x``
    satisfies ``r . x = lambda . A x <= sum_i max(lambda_i L_i, lambda_i U_i)``
    with ``r = A^T lambda``. Bounding the dispatch columns by their box leaves
    a linear inequality in the design columns. The ray's sign convention is
    taken from the data: of ``lambda`` and ``-lambda``, the one whose cut the
    infeasible design ``at`` breaks. The cut returned is tightened by
    :data:`CUT_MARGIN` of its scale.
    """
    scale = float(np.max(np.abs(ray))) if ray.size else 0.0
    if scale == 0.0 or not np.isfinite(scale):
        return None
    lam = np.where(np.abs(ray) > 1e-12 * scale, ray, 0.0)
    for sign in (1.0, -1.0):
        mult = sign * lam
        rows = np.where(mult > 0, hm.row_upper, np.where(mult < 0, hm.row_lower, 0.0))
        r = np.asarray(hm.matrix.T @ mult).ravel()
        r_tol = 1e-9 * max(float(np.max(np.abs(r))), 1e-30)
        r_other = np.where(other & (np.abs(r) > r_tol), r, 0.0)
        cols = np.where(r_other > 0, hm.col_lower, np.where(r_other < 0, hm.col_upper, 0.0))
        with np.errstate(invalid="ignore"):
            row_terms, col_terms = mult * rows, r_other * cols
        if not (np.all(np.isfinite(row_terms)) and np.all(np.isfinite(col_terms))):
            continue
        r_design = r[design]
        bound = float(row_terms.sum() - col_terms.sum())
        scale = abs(bound) + float(np.abs(r_design * at).sum()) + 1.0
        if float(r_design @ at) > bound + 1e-9 * scale:
            return r_design, bound - CUT_MARGIN * scale
    return None


class Master:
    """The design space with the cuts so far: proposes the next design (K3).

    Parameters
    ----------
    hm : HighsModel
        The full-year model (its design rows and bounds are copied).
    size_cols : numpy.ndarray
        Columns of the sizes (the trust region applies to them).
    floor : float
        Size scale below which the trust region does not shrink [kW or kWh].
    terms : int
        Separate convex terms of the cost, each bounded by its own cuts (K1 per term,
        from :attr:`Evaluation.parts`); 1 for one year.
    linear_cost : numpy.ndarray, optional
        A cost linear in the design columns (``hm``'s columns) paid on top of the terms.
    """

    def __init__(
        self,
        hm: HighsModel,
        size_cols: np.ndarray,
        floor: float,
        terms: int = 1,
        linear_cost: np.ndarray | None = None,
    ) -> None:
        mask = hm.integer.copy()
        mask[size_cols] = True
        self.cols = np.flatnonzero(mask).astype(np.int32)
        pos = -np.ones(mask.size, dtype=np.int64)
        pos[self.cols] = np.arange(self.cols.size)
        self.size_pos = pos[np.asarray(size_cols)]
        rows = hm.matrix.tocsr()
        nnz = np.diff(rows.indptr)
        row_of = np.repeat(np.arange(rows.shape[0]), nnz)
        outside = np.bincount(row_of, weights=~mask[rows.indices], minlength=rows.shape[0])
        keep = np.flatnonzero((nnz > 0) & (outside == 0))  # rows on design columns only
        sub = rows[keep][:, self.cols].tocsr()
        self.rows = (sub, hm.row_lower[keep], hm.row_upper[keep])
        self.lower = hm.col_lower[self.cols].copy()
        self.upper = hm.col_upper[self.cols].copy()
        self.integer = hm.integer[self.cols]
        self.floor = floor
        self.terms = terms
        self.linear = np.zeros(self.cols.size) if linear_cost is None else linear_cost[self.cols]
        self.optimality: list[tuple[float, np.ndarray, np.ndarray]] = []
        self.term: list[int] = []
        """The term each optimality cut bounds."""
        self.feasibility: list[tuple[np.ndarray, float]] = []
        self.depth: list[float] = []
        """How far the design that gave each feasibility cut broke it (``r . z - bound``)."""

    @property
    def n(self) -> int:
        """Number of design columns."""
        return int(self.cols.size)

    def add(self, evaluation: Evaluation) -> None:
        """Add the cut an evaluation gives (K1 or K2)."""
        if evaluation.objective is not None and evaluation.parts:
            for term, value, gradient in evaluation.parts:
                self.optimality.append((value, gradient, evaluation.design))
                self.term.append(term)
        elif evaluation.objective is not None and evaluation.gradient is not None:
            self.optimality.append((evaluation.objective, evaluation.gradient, evaluation.design))
            self.term.append(0)
        elif evaluation.penalised is not None and evaluation.gradient is not None:  # (K5)
            self.optimality.append((evaluation.penalised, evaluation.gradient, evaluation.design))
            self.term.append(0)
        elif evaluation.cut is not None:
            r, bound = evaluation.cut
            self.feasibility.append(evaluation.cut)
            self.depth.append(max(float(r @ evaluation.design) - bound, 0.0))

    def sizes(self, design: np.ndarray) -> np.ndarray:
        """Return the sizes within a design."""
        return design[self.size_pos]

    def propose(self, center: np.ndarray, radius: float) -> tuple[np.ndarray, float, bool] | None:
        """Minimise the cut model within the trust region (K3).

        Returns the design, the model's value there, and whether the trust region
        binds; ``None`` if the cuts leave no design in the region.
        """
        lo, hi = self.lower.copy(), self.upper.copy()
        c = center[self.size_pos]
        width = radius * np.maximum(np.abs(c), self.floor)
        lo[self.size_pos] = np.maximum(lo[self.size_pos], c - width)
        hi[self.size_pos] = np.minimum(hi[self.size_pos], c + width)
        lo = np.minimum(lo, hi)
        out = self._solve(lo, hi)
        if out is None:
            return None
        design, value = out
        if value is None:
            return None
        z, tol = design[self.size_pos], 1e-6 * (1.0 + width)
        at_low = (z - lo[self.size_pos] < tol) & (lo[self.size_pos] > self.lower[self.size_pos])
        at_high = (hi[self.size_pos] - z < tol) & (hi[self.size_pos] < self.upper[self.size_pos])
        return design, value, bool(np.any(at_low | at_high))

    def lower_bound(self) -> float | None:
        """Return the least value of the cut model over the whole design space (K4).

        A valid lower bound on the full-year optimum with relaxed physics (and so
        on the exact optimum); ``None`` while a size without a maximum could still
        lower the cut model without end.
        """
        if not self.optimality:
            return None
        out = self._solve(self.lower, self.upper)
        return None if out is None else out[1]

    def project(self, target: np.ndarray, push: float = 0.0) -> np.ndarray | None:
        """Return the design nearest to the sizes ``target`` that every cut allows.

        Minimises ``sum_j |z_j - target_j| / max(|target_j|, floor)`` over the sizes.
        ``push > 0`` asks for each feasibility cut to hold with a margin of ``push``
        times the depth by which its own design broke it: a step beyond the cuts for
        repairs whose cuts each move the design only a little (the margin is not a
        valid cut, so it is never kept).
        """
        out = self._solve(self.lower, self.upper, target=target, push=push)
        return None if out is None else out[0]

    def _solve(
        self,
        lo: np.ndarray,
        hi: np.ndarray,
        target: np.ndarray | None = None,
        push: float = 0.0,
    ) -> tuple[np.ndarray, float | None] | None:
        """Solve the master over ``[lo, hi]``: min theta, or the distance to ``target``.

        Columns: the design, then one theta per term (or, for a target, one distance
        per size); the value is the thetas plus the linear cost.
        Returns ``(design, value)``, ``(design, None)`` if theta is unbounded, or
        ``None`` if no design is left.
        """
        n = self.n
        h = new_highs({"mip_rel_gap": 1e-9})
        if target is None:
            extra = self.terms
            cost = np.r_[self.linear, np.ones(extra)]
            ext_lo, ext_hi = np.full(extra, -INF), np.full(extra, INF)
        else:
            extra = self.size_pos.size
            scale = np.maximum(np.abs(target), self.floor)
            cost = np.r_[np.zeros(n), 1.0 / scale]
            ext_lo, ext_hi = np.zeros(extra), np.full(extra, INF)
        h.addVars(n + extra, np.r_[lo, ext_lo], np.r_[hi, ext_hi])
        h.changeColsCost(n + extra, np.arange(n + extra, dtype=np.int32), cost)
        if self.integer.any():
            idx = np.flatnonzero(self.integer).astype(np.int32)
            h.changeColsIntegrality(idx.size, idx, np.full(idx.size, highspy.HighsVarType.kInteger))
        sub, row_lo, row_hi = self.rows
        if sub.shape[0]:
            h.addRows(
                sub.shape[0], row_lo, row_hi, sub.nnz,
                sub.indptr[:-1].astype(np.int32), sub.indices.astype(np.int32), sub.data,
            )  # fmt: skip
        for (r, bound), depth in zip(self.feasibility, self.depth, strict=True):  # (K2)
            nz = np.flatnonzero(r)
            h.addRow(-INF, bound - push * depth, nz.size, nz.astype(np.int32), r[nz])
        if target is None:
            for (value, grad, at), term in zip(self.optimality, self.term, strict=True):
                nz = np.flatnonzero(grad)  # (K1): g.z - theta <= g.at - f
                idx = np.r_[nz, n + term].astype(np.int32)
                h.addRow(-INF, float(grad @ at - value), idx.size, idx, np.r_[grad[nz], -1.0])
        else:  # distance_j >= |z_j - target_j|
            for k, j in enumerate(self.size_pos):
                idx = np.array([j, n + k], dtype=np.int32)
                h.addRow(-INF, float(target[k]), 2, idx, np.array([1.0, -1.0]))
                h.addRow(float(target[k]), INF, 2, idx, np.array([1.0, 1.0]))
        run_highs(h)
        status = h.modelStatusToString(h.getModelStatus()).lower()
        if status == "optimal":
            x = np.asarray(h.getSolution().col_value)
            value = float(h.getInfo().objective_function_value)
            design = x[:n].copy()
            design[self.integer] = np.round(design[self.integer])
            return design, value
        if "unbounded" in status and "infeasible" not in status:
            return np.zeros(n), None
        if "infeasible or unbounded" in status and target is None and self.optimality:
            return np.zeros(n), None
        return None


@dataclass
class Refinement:
    """What the refinement did (``summary.json``: part of ``solve.auto``)."""

    best: Evaluation
    lower_bound: float | None
    history: list[Evaluation] = field(default_factory=list)
    repairs: int = 0
    stopped: str = ""
    local_bound: tuple[float, float] | None = None
    """``(value, radius)``: no design within ``radius`` (relative) of every size of the
    best design costs less than ``value`` (the cut model's least value there)."""
    timed_out: bool = False
    """The time limit stopped the refinement before its own criteria did."""


def _repair(
    full: Subproblem, master: Master, start: np.ndarray, history: list[Evaluation]
) -> Evaluation:
    """Return the first design near ``start`` that runs the full year.

    Each design that cannot run gives a feasibility cut (K2) and the next design is
    the nearest that every cut allows. A Farkas cut may move the design only a
    little, so from the third repair on the design is pushed beyond the cuts by a
    margin that doubles each time; after :data:`PUSHED_REPAIRS` repairs (or a
    design without a certificate) the full-year LP with the design free decides.
    A design is only called infeasible when that LP, or the valid cuts, prove it.
    """
    freed = False
    for repairs in range(MAX_REPAIRS + 1):
        push = 0.0 if repairs < 2 else 2.0 ** (repairs - 1) - 1.0
        design = master.project(start, push) if push else None
        design = master.project(start) if design is None else design
        if design is None:
            raise InfeasibleError(
                "no design meets every rule and limit over the full year: the feasibility "
                "cuts of the full-year dispatch exclude every design"
            )
        stuck = bool(history) and history[-1].objective is None and history[-1].cut is None
        try:
            if not freed and (repairs >= PUSHED_REPAIRS or stuck):
                evaluation, freed = full.free(), True
            else:
                evaluation = full.evaluate(design)
        except TimeUp as exc:  # no full-year design yet: nothing to report
            check_run(replace(exc.stats, has_solution=False), full.options)
            raise
        history.append(evaluation)
        master.add(evaluation)
        if evaluation.objective is None:
            continue
        whole = master.integer
        if not np.allclose(evaluation.design[whole], np.round(evaluation.design[whole])):
            start = master.sizes(evaluation.design)  # fractional units: the nearest whole ones
            continue
        return evaluation
    raise InfeasibleError(
        f"no design that runs the full year was found after {MAX_REPAIRS} repairs of the "
        "typical-day design; run with --method exact"
    )


def refine(
    full: Subproblem, master: Master, start: np.ndarray, steps: int, gap: float
) -> Refinement:
    """Run the trust-region cutting-plane refinement from the sizes ``start``.

    Parameters
    ----------
    full : Subproblem
        The full-year dispatch (:class:`FullYear`, or a pathway's periods).
    master : Master
        The design space (it collects the cuts).
    start : numpy.ndarray
        Sizes to start from (the typical-day design), in ``master`` size order.
    steps : int
        Most full-year dispatches after the first design that runs the year.
    gap : float
        Stop once the best design is proven within this share of the optimum.

    Raises
    ------
    InfeasibleError
        No design near ``start`` runs the full year, even after :data:`MAX_REPAIRS`
        feasibility cuts.
    """
    history: list[Evaluation] = []
    best = _repair(full, master, start, history)
    best_cost = best.objective if best.objective is not None else math.inf  # set by _repair
    elastic = full.elastic
    if elastic is not None:  # HiGHS holds the dispatch of best: price the rules' slacks
        elastic.start(best)
    repairs = sum(ev.objective is None for ev in history)
    radius, bound = FIRST_RADIUS, master.lower_bound()
    best.lower_bound = bound
    local: tuple[float, float] | None = None
    stopped, timed_out = f"step limit ({steps})", False
    used = 0
    while True:
        if bound is not None and best_cost - bound <= gap * abs(best_cost):
            stopped = f"proven within {gap:.2%} of the optimum"
            break
        check_radius = max(radius, CHECK_RADIUS)
        check = master.propose(best.design, check_radius)
        if check is not None:
            local = (check[1], check_radius)
            if best_cost - check[1] <= gap * abs(best_cost):
                stopped = (
                    f"no design within {check_radius:.0%} of every size saves {gap:.2%} or more"
                )
                break
        if used >= steps:
            break
        if radius < MIN_RADIUS:
            stopped = "trust region shrank to nothing: no better design nearby"
            break
        proposal = check if check_radius == radius else master.propose(best.design, radius)
        if proposal is None:
            stopped = "the cuts leave no design in the trust region"
            break
        design, predicted, binds = proposal
        if np.allclose(design, best.design, rtol=1e-9, atol=1e-9):
            radius *= 0.5
            continue
        try:  # warm-started from the last basis: quicker than the best design's
            evaluation = full.evaluate(design)
        except TimeUp:
            stopped, timed_out = "time limit", True
            break
        used += 1
        history.append(evaluation)
        master.add(evaluation)
        value = evaluation.objective
        if elastic is not None:
            elastic.judge(evaluation, best_cost)
        if evaluation.penalised is not None:  # (K5) cannot run the year: its cut only
            if evaluation.penalised >= best_cost:
                radius *= 0.5
        elif value is not None and value < best_cost:
            if binds and best_cost - value >= GOOD_STEP * (best_cost - predicted):
                radius = min(2.0 * radius, MAX_RADIUS)
            best, best_cost = evaluation, value
        elif value is not None or evaluation.cut is None:
            radius *= 0.5  # no better, or cannot run and no cut keeps it from coming back
        bound = evaluation.lower_bound = master.lower_bound()
    if bound is not None and not math.isfinite(bound):
        bound = None
    return Refinement(best, bound, history, repairs, stopped, local, timed_out)
