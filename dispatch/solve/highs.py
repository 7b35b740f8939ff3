"""A HiGHS instance of a built Pyomo model, kept alive for cheap re-solves.

The Pyomo model is compiled once to sparse matrices (Pyomo's standard-form
compiler) and passed to highspy in one call. Later changes happen inside
HiGHS without touching Pyomo again: fixing sizes (warm-started re-solves for
the fast method), slack columns on the annual rules (its refinement) and
adding binaries for hours that break strict physics.
Solutions are written back into the Pyomo variables on request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler
from scipy import sparse

from dispatch.solve.control import new_highs, run_highs

OptionValue = bool | int | float | str
"""A HiGHS option value."""

INF = highspy.kHighsInf


@dataclass
class RunStats:
    """What one HiGHS run reported.

    Attributes
    ----------
    status : str
        HiGHS model status, lower-case (``optimal``, ``infeasible``, ``time limit reached``...).
    objective : float or None
        Objective of the incumbent, when there is one.
    best_bound : float or None
        Proven lower bound (MIP dual bound; the objective for an LP).
    mip_gap : float
        Relative gap reported by HiGHS (0 for an LP).
    seconds : float
        HiGHS run time.
    has_solution : bool
        Whether a primal solution is available.
    """

    status: str
    objective: float | None
    best_bound: float | None
    mip_gap: float
    seconds: float
    has_solution: bool


@dataclass
class Numbers:
    """Every number of a compiled model: costs, matrix, bounds.

    Two builds of one structure (the same technologies, horizon and discrete
    choices) give the same columns, rows and matrix pattern; only these numbers
    differ. :meth:`HighsModel.update` writes them into HiGHS in place.
    """

    cost: np.ndarray
    offset: float
    matrix: sparse.csc_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray

    @classmethod
    def of(cls, info: Any) -> Numbers:
        """Read the numbers of Pyomo's standard-form compiler output (mixed form)."""
        a = info.A.tocsc()
        a.sort_indices()
        sense = np.fromiter((r[1] for r in info.rows), dtype=int, count=len(info.rows))
        columns = list(info.columns)
        return cls(
            cost=np.asarray(info.c.todense()).ravel() if a.shape[1] else np.zeros(0),
            offset=float(info.c_offset[0]) if len(info.c_offset) else 0.0,
            matrix=a,
            row_lower=np.where(sense == 1, -INF, info.rhs).astype(float),
            row_upper=np.where(sense == -1, INF, info.rhs).astype(float),
            col_lower=np.array([_bound(v.lb, -INF) for v in columns], dtype=float),
            col_upper=np.array([_bound(v.ub, INF) for v in columns], dtype=float),
        )

    @classmethod
    def compile(cls, model: pyo.ConcreteModel) -> Numbers:
        """Compile a Pyomo model and return its numbers."""
        return cls.of(LinearStandardFormCompiler().write(model, mixed_form=True))

    def same_structure(self, other: Numbers) -> bool:
        """Whether ``other`` has the same shape and matrix pattern."""
        a, b = self.matrix, other.matrix
        return (
            a.shape == b.shape
            and np.array_equal(a.indptr, b.indptr)
            and np.array_equal(a.indices, b.indices)
        )

    def arrays(self) -> list[np.ndarray]:
        """Return the numbers as flat arrays (cost, offset, matrix values, bounds)."""
        return [self.cost, np.array([self.offset]), self.matrix.data, self.row_lower,
                self.row_upper, self.col_lower, self.col_upper]  # fmt: skip

    def with_arrays(self, arrays: list[np.ndarray]) -> Numbers:
        """Return numbers of the same structure with these flat arrays."""
        cost, offset, data, row_lo, row_hi, col_lo, col_hi = arrays
        a = self.matrix.copy()
        a.data = np.asarray(data, dtype=float)
        return Numbers(cost, float(offset[0]), a, row_lo, row_hi, col_lo, col_hi)


class HighsModel:
    """A compiled model in HiGHS, with a map between Pyomo variables and columns.

    Parameters
    ----------
    model : pyomo.environ.ConcreteModel
        A linear (mixed-integer) model with one objective to minimise.
    options : dict
        HiGHS options (``time_limit``, ``mip_rel_gap``, ``threads``...).
    """

    def __init__(
        self, model: pyo.ConcreteModel, options: dict[str, OptionValue] | None = None
    ) -> None:
        start = time.perf_counter()
        info = LinearStandardFormCompiler().write(model, mixed_form=True)
        self.columns = list(info.columns)
        self.index = {id(v): j for j, v in enumerate(self.columns)}
        self.row_index: dict[int, list[int]] = {}
        """Rows of each compiled constraint (a ranged constraint has two), by ``id``."""
        for i, (con, _) in enumerate(info.rows):
            self.row_index.setdefault(id(con), []).append(i)
        numbers = Numbers.of(info)
        a = numbers.matrix
        self.matrix = a
        """The constraint matrix as compiled (columns x rows of the original model)."""
        self.numbers = numbers
        """Every number of the model as compiled (or as last :meth:`update` d)."""
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = a.shape[1], a.shape[0]
        lp.col_cost_ = numbers.cost
        lp.col_lower_ = numbers.col_lower
        lp.col_upper_ = numbers.col_upper
        lp.row_lower_ = numbers.row_lower
        lp.row_upper_ = numbers.row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = a.indptr
        lp.a_matrix_.index_ = a.indices
        lp.a_matrix_.value_ = a.data
        lp.offset_ = numbers.offset
        self.col_lower = numbers.col_lower.copy()
        self.col_upper = numbers.col_upper.copy()
        self.row_lower = numbers.row_lower.copy()
        self.row_upper = numbers.row_upper.copy()
        """Column and row bounds as compiled, kept for certificates (:meth:`dual_ray`)."""
        integer = [v.is_integer() or v.is_binary() for v in self.columns]
        self.integer = np.array(integer, dtype=bool)
        """Which compiled columns are integer in the model."""
        if any(integer):
            lp.integrality_ = [
                highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                for i in integer
            ]
        self.options: dict[str, OptionValue] = {"output_flag": False, **(options or {})}
        self.highs = new_highs(self.options)
        self.highs.passModel(lp)
        self.n_integer = int(sum(integer))
        self.last_stats: RunStats | None = None
        self.handoff_seconds = time.perf_counter() - start

    def col(self, var: pyo.Var) -> int:
        """Return the column of a scalar Pyomo variable (``-1`` if it was eliminated)."""
        return self.index.get(id(var), -1)

    def cols(self, var: pyo.Var) -> np.ndarray:
        """Return the columns of an indexed Pyomo variable, in index order."""
        return np.fromiter((self.col(v) for v in var.values()), dtype=int, count=len(var))

    def rows(self, con: pyo.Constraint) -> np.ndarray:
        """Return the rows of a Pyomo constraint (scalar or indexed; empty if none)."""
        datas = con.values() if con.is_indexed() else [con]
        found = [i for c in datas for i in self.row_index.get(id(c), [])]
        return np.array(found, dtype=np.int32)

    def set_row_bounds(self, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Change row bounds (``-inf, inf`` switches a row off)."""
        rows = np.asarray(rows, dtype=np.int32)
        if rows.size:
            self.highs.changeRowsBounds(  # type: ignore[attr-defined]  # missing from highspy's stubs, present at run time
                int(rows.size), rows, np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
            )

    def set_costs(self, cost: np.ndarray) -> None:
        """Replace the objective coefficients of every column (minimised)."""
        n = len(cost)
        self.highs.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(cost, dtype=float))

    def set_col_costs(self, cols: np.ndarray, cost: np.ndarray) -> None:
        """Change the objective coefficients of some columns (minimised)."""
        cols = np.asarray(cols, dtype=np.int32)
        if cols.size:
            self.highs.changeColsCost(int(cols.size), cols, np.asarray(cost, dtype=float))

    def add_slacks(self, rows: np.ndarray) -> np.ndarray:
        """Add one slack column per one-sided row, able to relax it; return the columns.

        Row ``i`` with a lower bound becomes ``a_i . x + s_i >= L_i``, one with an
        upper bound ``a_i . x - s_i <= U_i`` (docs/formulation.md, K5). Each slack
        is created with bounds ``[0, 0]`` and cost 0 (the row as it was); the caller
        frees it (:meth:`set_bounds`) and prices it (:meth:`set_col_costs`).

        Raises
        ------
        ValueError
            A row is ranged or an equality (no one direction relaxes it).
        """
        rows = np.asarray(rows, dtype=np.int32)
        n = int(rows.size)
        if n == 0:
            return np.zeros(0, dtype=np.int32)
        lower, upper = self.row_lower[rows], self.row_upper[rows]
        if np.any(np.isfinite(lower) & np.isfinite(upper)):
            raise ValueError("add_slacks() relaxes one-sided rows only")
        sign = np.where(np.isfinite(lower), 1.0, -1.0)
        first = self.highs.getNumCol()
        starts = np.arange(n, dtype=np.int32)
        self.highs.addCols(n, np.zeros(n), np.zeros(n), np.zeros(n), n, starts, rows, sign)
        return np.arange(first, first + n, dtype=np.int32)

    def set_option(self, key: str, value: OptionValue) -> None:
        """Set a HiGHS option for the next runs."""
        self.highs.setOptionValue(key, value)
        self.options[key] = value

    def forget_solution(self) -> None:
        """Drop HiGHS's solution and basis: the next run starts from scratch."""
        self.highs.clearSolver()

    def set_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Change column bounds (fix a size with ``lower == upper``)."""
        cols = np.asarray(cols, dtype=np.int32)
        keep = cols >= 0
        if keep.any():
            self.highs.changeColsBounds(
                int(keep.sum()), cols[keep],
                np.asarray(lower, dtype=float)[keep], np.asarray(upper, dtype=float)[keep],
            )  # fmt: skip

    def bounds(self, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the current lower and upper bounds of some columns."""
        lp = self.highs.getLp()
        lo, hi = np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)
        return lo[cols], hi[cols]

    def add_exclusive(self, a_cols: np.ndarray, b_cols: np.ndarray, big_m: np.ndarray) -> int:
        """Forbid two flows being positive together: one binary ``z`` per pair.

        Adds, for each pair (a, b) with bound M:
        ``a - M z <= 0`` and ``b + M z <= M``, with ``z`` binary
        (docs/formulation.md, X1-X2).

        Returns
        -------
        int
            Number of binaries added.
        """
        n = int(len(a_cols))
        if n == 0:
            return 0
        first = self.highs.getNumCol()
        self.highs.addVars(n, np.zeros(n), np.ones(n))
        z = np.arange(first, first + n, dtype=np.int32)
        self.highs.changeColsIntegrality(n, z, np.full(n, highspy.HighsVarType.kInteger))
        m = np.asarray(big_m, dtype=float)
        starts = np.arange(0, 2 * n, 2, dtype=np.int32)
        idx_a = np.column_stack([np.asarray(a_cols), z]).ravel().astype(np.int32)
        val_a = np.column_stack([np.ones(n), -m]).ravel()
        self.highs.addRows(n, np.full(n, -INF), np.zeros(n), 2 * n, starts, idx_a, val_a)
        idx_b = np.column_stack([np.asarray(b_cols), z]).ravel().astype(np.int32)
        val_b = np.column_stack([np.ones(n), m]).ravel()
        self.highs.addRows(n, np.full(n, -INF), m, 2 * n, starts, idx_b, val_b)
        self.n_integer += n
        return n

    def restrict(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Change the model's own bounds of some columns.

        Unlike :meth:`set_bounds` (which a caller undoes), the change is kept in
        :attr:`col_lower` and :attr:`col_upper` too: it restricts the model.
        """
        self.set_bounds(cols, lower, upper)
        self.col_lower[cols] = lower
        self.col_upper[cols] = upper

    def update(self, numbers: Numbers) -> None:
        """Write new numbers of the same structure into HiGHS, in place.

        Costs, column and row bounds are replaced whole; matrix coefficients only
        where they changed. Columns and rows added since compilation (strict-physics
        binaries) must have been removed (:meth:`rollback`); integer columns get
        their integrality back. HiGHS keeps its basis: the next run is warm-started.
        """
        h, old = self.highs, self.numbers
        n_col, n_row = old.matrix.shape[1], old.matrix.shape[0]
        if h.getNumCol() != n_col or h.getNumRow() != n_row:
            raise ValueError("update() needs the model as compiled: roll back added rows first")
        all_cols = np.arange(n_col, dtype=np.int32)
        h.changeColsCost(n_col, all_cols, numbers.cost)
        h.changeColsBounds(n_col, all_cols, numbers.col_lower, numbers.col_upper)
        h.changeRowsBounds(  # type: ignore[attr-defined]  # missing from highspy's stubs, present at run time
            n_row, np.arange(n_row, dtype=np.int32), numbers.row_lower, numbers.row_upper
        )
        changed = np.flatnonzero(old.matrix.data != numbers.matrix.data)
        if changed.size:
            a = numbers.matrix
            col_of = np.repeat(np.arange(n_col), np.diff(a.indptr))
            for k in changed:
                h.changeCoeff(int(a.indices[k]), int(col_of[k]), float(a.data[k]))
        if numbers.offset != old.offset:
            h.changeObjectiveOffset(numbers.offset)
        whole = np.flatnonzero(self.integer).astype(np.int32)
        if whole.size:
            h.changeColsIntegrality(whole.size, whole, np.full(whole.size,
                                    highspy.HighsVarType.kInteger))  # fmt: skip
        self.n_integer = int(whole.size)
        self.numbers = numbers
        self.matrix = numbers.matrix
        self.col_lower, self.col_upper = numbers.col_lower.copy(), numbers.col_upper.copy()
        self.row_lower, self.row_upper = numbers.row_lower.copy(), numbers.row_upper.copy()
        self.last_stats = None

    def checkpoint(self) -> tuple[int, int, int]:
        """Return the model's size (columns, rows, integer columns), for :meth:`rollback`."""
        return self.highs.getNumCol(), self.highs.getNumRow(), self.n_integer

    def rollback(self, mark: tuple[int, int, int]) -> None:
        """Delete the columns and rows added since :meth:`checkpoint` gave ``mark``."""
        n_col, n_row, n_integer = mark
        extra_rows = self.highs.getNumRow() - n_row
        if extra_rows > 0:
            self.highs.deleteRows(extra_rows, np.arange(n_row, n_row + extra_rows, dtype=np.int32))
        extra_cols = self.highs.getNumCol() - n_col
        if extra_cols > 0:
            self.highs.deleteCols(extra_cols, np.arange(n_col, n_col + extra_cols, dtype=np.int32))
        self.n_integer = n_integer

    def relax_integrality(self, cols: np.ndarray) -> None:
        """Make some integer columns continuous (for columns the caller holds fixed)."""
        cols = np.asarray(cols, dtype=np.int32)
        cols = cols[self.integer[cols]] if cols.size else cols
        if cols.size:
            kinds = np.full(cols.size, highspy.HighsVarType.kContinuous)
            self.highs.changeColsIntegrality(int(cols.size), cols, kinds)
            self.n_integer -= int(cols.size)

    def basis(self) -> highspy.HighsBasis | None:
        """Return a copy of the current simplex basis, if HiGHS holds a valid one."""
        basis = self.highs.getBasis()  # highspy returns a copy
        return basis if basis.valid else None

    def set_basis(self, basis: highspy.HighsBasis) -> None:
        """Start the next simplex run from ``basis``."""
        self.highs.setBasis(basis)

    def dual_ray(self) -> np.ndarray | None:
        """Return the row multipliers proving the last LP infeasible, if HiGHS has them."""
        # getDualRay is missing from highspy's stubs but present at run time
        status, exists, values = self.highs.getDualRay()  # type: ignore[attr-defined]
        return np.asarray(values, dtype=float) if exists else None

    def run(self) -> RunStats:
        """Solve (warm-started from the last solution when HiGHS can) and report."""
        h = self.highs
        start = time.perf_counter()
        run_highs(h)  # threads, the run's deadline, Ctrl-C (dispatch.solve.control)
        seconds = time.perf_counter() - start
        status = h.modelStatusToString(h.getModelStatus()).lower()
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        objective = float(info.objective_function_value) if has_solution else None
        bound: float | None
        if self.n_integer:
            bound = float(info.mip_dual_bound)
            gap = float(info.mip_gap) if has_solution else float("inf")
        else:
            bound, gap = objective, 0.0
        self.last_stats = RunStats(status, objective, bound, gap, seconds, has_solution)
        return self.last_stats

    def row_duals(self, rows: np.ndarray) -> np.ndarray:
        """Return the duals of some rows (after an LP solve)."""
        return np.asarray(self.highs.getSolution().row_dual)[rows]

    def values(self, cols: np.ndarray | None = None) -> np.ndarray:
        """Return primal values of some (default: all) columns."""
        x = np.asarray(self.highs.getSolution().col_value)
        return x if cols is None else x[cols]

    def reduced_costs(self, cols: np.ndarray) -> np.ndarray:
        """Return the reduced costs of some columns (after an LP solve)."""
        return np.asarray(self.highs.getSolution().col_dual)[cols]

    def load_into_pyomo(self) -> None:
        """Copy the primal solution into the Pyomo variables."""
        x = self.values()
        for j, v in enumerate(self.columns):
            v.set_value(float(x[j]), skip_validation=True)


def _bound(value: float | None, default: float) -> float:
    return default if value is None else float(value)
