"""What-if cases: overrides, scenarios, sweeps in parallel (local pool or Dask), comparison.

Modules: :mod:`~.overrides` (``--set``, scenarios files, key checks), :mod:`~.grid`
(``--grid`` expansion and run ids), :mod:`~.worker` (one run, profiles cached per
process), :mod:`~.executor` (local pool and Dask behind one interface),
:mod:`~.driver` (the sweep loop, resume), :mod:`~.store` (run folders and the
sweep table), :mod:`~.compare` (table, figures, tornado chart), :mod:`~.frontier` (cost
frontiers: a rule's limit swept to its tightest level).
"""

from __future__ import annotations

from dispatch.sweep.driver import SweepOutcome, SweepPlan, plan_sweep, run_sweep
from dispatch.sweep.executor import DaskExecutor, Executor, LocalPool, make_executor
from dispatch.sweep.grid import RunSpec, expand, parse_grid
from dispatch.sweep.overrides import read_scenarios, resolve_overrides
from dispatch.sweep.store import load_sweep

__all__ = [
    "DaskExecutor",
    "Executor",
    "LocalPool",
    "RunSpec",
    "SweepOutcome",
    "SweepPlan",
    "expand",
    "load_sweep",
    "make_executor",
    "parse_grid",
    "plan_sweep",
    "read_scenarios",
    "resolve_overrides",
    "run_sweep",
]
