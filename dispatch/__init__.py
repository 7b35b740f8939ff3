"""park-dispatch: size and schedule the energy system of an industrial park.

The Python API (imported on first use, so ``import dispatch`` stays light)::

    import dispatch
    result = dispatch.run("cases/example-park.yaml")   # a Result
    result.capacities, result.costs, result.plot.dispatch()
    result = dispatch.load_results("results/example-park")
    case = dispatch.load_case("cases/example-park.yaml").with_overrides({"year": 2029})
    cost = dispatch.frontier(case, vs="carbon_intensity", points=6).table
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

from dispatch._version import __version__

_API = {
    "run": "dispatch.api",
    "Session": "dispatch.api",
    "pathway": "dispatch.api",
    "frontier": "dispatch.api",
    "load_results": "dispatch.api",
    "load_case": "dispatch.case.loader",
    "CaseData": "dispatch.case.loader",
    "Horizon": "dispatch.model.horizon",
    "SolverOptions": "dispatch.solve.exact",
    "Result": "dispatch.api",
    "DispatchError": "dispatch.errors",
    "CaseError": "dispatch.errors",
    "InfeasibleError": "dispatch.errors",
    "SolverError": "dispatch.errors",
}

if TYPE_CHECKING:
    from dispatch.api import Result, Session, frontier, load_results, pathway, run
    from dispatch.case.loader import CaseData, load_case
    from dispatch.errors import CaseError, DispatchError, InfeasibleError, SolverError
    from dispatch.model.horizon import Horizon
    from dispatch.solve.exact import SolverOptions


def load_sweep(folder: str | Path) -> pd.DataFrame:
    """Return a sweep's table, one row per run (see :func:`dispatch.sweep.store.load_sweep`)."""
    from dispatch.sweep.store import load_sweep as _load_sweep

    return _load_sweep(folder)


def __getattr__(name: str) -> Any:
    """Import the public API lazily (PEP 562)."""
    if name in _API:
        import importlib

        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'dispatch' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])


__all__ = [
    "CaseData",
    "CaseError",
    "DispatchError",
    "InfeasibleError",
    "SolverError",
    "Horizon",
    "Result",
    "Session",
    "SolverOptions",
    "__version__",
    "frontier",
    "load_case",
    "load_results",
    "load_sweep",
    "pathway",
    "run",
]
