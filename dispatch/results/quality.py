"""One statement of how good a solution is (``summary.json``: ``solve.quality``).

Two numbers describe a run's cost, and they differ on purpose:

- ``objective_per_year``: the cost recomputed from the hourly table and the case
  inputs (:mod:`dispatch.results.summary`), the figure every report shows;
- ``solve.solver_objective_per_year``: the value HiGHS minimised, which adds the
  battery tie-break (O2, docs/formulation.md) of about 1e-5 per kWh of battery
  throughput to the same cost.

Quality is the proven gap: how far the solver's objective can be above the least
cost any design reaches, from a proven lower bound on that least cost. ``exact``
takes the bound from HiGHS (the dual bound of its branch and bound, or the LP
optimum); ``auto`` from the full-year cutting planes (K4), which bound the
relaxed-physics optimum and so the strict one. When
``auto`` has no such bound (a size without a maximum), the statement says so and
gives the local one instead: no design within a radius of every size is cheaper by
more than a share.
"""

from __future__ import annotations

import math
from typing import Any

BOUND_SOURCE = {
    "exact": "HiGHS on the full model",
    "auto": "full-year cutting planes",
}
"""Where each method's lower bound on the least cost comes from."""


def solution_quality(solve: dict[str, Any], method: str, currency: str = "CNY") -> dict[str, Any]:
    """Return ``solve.quality``: method, status, proven gap, bound, and one statement.

    Parameters
    ----------
    solve : dict
        The solve report of a run (``summary.json``: ``solve``), with
        ``solver_objective_per_year``, ``best_bound``, ``status`` and, for
        ``auto``, the ``auto`` report.
    method : str
        ``auto`` or ``exact``.
    currency : str
        Currency of the costs, for the statement.

    Returns
    -------
    dict
        ``method``, ``status``, ``proven_gap`` (share of the solver's objective, or
        ``None`` without a global bound), ``lower_bound_per_year``, ``local`` (auto:
        ``{"radius", "gap"}`` or ``None``) and ``statement``.
    """
    objective = float(solve["solver_objective_per_year"])
    status = solve.get("status", "optimal")
    local = None
    if method == "auto" and "auto" in solve:
        auto = solve["auto"]
        bound = auto.get("lower_bound")
        if auto.get("local_gap") is not None:
            local = {"radius": auto["local_radius"], "gap": auto["local_gap"]}
    else:
        bound = solve.get("best_bound")
    if bound is not None and not math.isfinite(bound):
        bound = None
    gap = None if bound is None else max(0.0, (objective - bound) / max(abs(objective), 1e-9))
    return {
        "method": method,
        "status": status,
        "proven_gap": gap,
        "lower_bound_per_year": bound,
        "bound_from": BOUND_SOURCE.get(method, method),
        "local": local,
        "statement": _statement(status, method, gap, bound, local, currency),
    }


def _statement(
    status: str,
    method: str,
    gap: float | None,
    bound: float | None,
    local: dict[str, float] | None,
    currency: str,
) -> str:
    """Return the one sentence that the terminal and the report both show."""
    stopped = "stopped at the time limit; " if status == "time_limit" else ""
    source = BOUND_SOURCE.get(method, method)
    if gap is not None and bound is not None:
        if gap < 1e-6:
            return f"{stopped}optimal: no design costs less (proven by the {source})"
        return (
            f"{stopped}within {gap:.2%} of the least possible cost: no design costs less than "
            f"{bound:,.0f} {currency}/year (proven by the {source})"
        )
    if local is not None:
        return (
            f"{stopped}no proven bound on the least cost (a size has no maximum); no design "
            f"within {local['radius']:.0%} of every size is more than {local['gap']:.2%} cheaper"
        )
    return f"{stopped}no proven bound on the least cost"
