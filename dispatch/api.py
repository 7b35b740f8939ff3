"""The Python API for notebooks and scripts: run a case, reopen results, load cases.

>>> import dispatch
>>> case = dispatch.load_case("cases/example-park.yaml")
>>> cheap = case.with_overrides({"technologies.battery.capex_per_kwh": 400})
>>> result = dispatch.run(cheap, out="results/cheap-storage")  # doctest: +SKIP
>>> result.capacities, result.plot.sankey()  # doctest: +SKIP
>>> again = dispatch.load_results("results/cheap-storage")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from dispatch.case.loader import CaseData, load_case
from dispatch.model.horizon import Horizon
from dispatch.results.result import Result
from dispatch.solve.exact import SolverOptions

if TYPE_CHECKING:
    from dispatch.sweep.frontier import Frontier


def run(
    case: str | Path | CaseData,
    out: str | Path | None = None,
    *,
    method: str | None = None,
    options: SolverOptions | None = None,
    horizon: Horizon | None = None,
    **solve_args: Any,
) -> Result:
    """Solve a case and return its :class:`~dispatch.results.result.Result`.

    Parameters
    ----------
    case : str, pathlib.Path or CaseData
        A case file, or a case loaded with :func:`load_case` (and perhaps
        changed with ``CaseData.with_overrides``).
    out : str or pathlib.Path, optional
        Also write the results folder here (summary, tables, case, inputs and
        ``report.html``), atomically, as ``dispatch run --out`` does.
    method : str, optional
        ``"auto"`` (typical days, then the full year) or ``"exact"``; the default of
        :func:`dispatch.runner.solve_case` when omitted.
    options : SolverOptions, optional
        Solver limits and tolerances.
    horizon : Horizon, optional
        Model steps; the full year by default. ``Horizon.full_year(year, n_hours)``
        solves only the first ``n_hours`` hours, scaled to a year (fast, approximate).
    **solve_args
        Further keyword arguments of :func:`dispatch.runner.solve_case`.

    Returns
    -------
    Result
        Tables (``.timeseries``, ``.capacities``, ``.costs`` ...), ``.plot`` figures.
    """
    from dispatch.runner import solve_case

    if method is not None:
        solve_args["method"] = method
    output = solve_case(case, options=options, horizon=horizon, **solve_args)
    result = Result.from_output(output)
    if out is not None:
        result.write(out)
    return result


def frontier(
    case: str | Path | CaseData,
    vs: str = "carbon_intensity",
    points: int = 6,
    out: str | Path | None = None,
    **options: Any,
) -> Frontier:
    """Sweep a rule's limit from the least-cost design to the tightest feasible level.

    Parameters
    ----------
    case : str, pathlib.Path or CaseData
        The case.
    vs : str
        ``carbon_intensity``, ``emissions`` or ``self_use``.
    points : int
        Points on the frontier, the least-cost design included.
    out : str or pathlib.Path, optional
        Write ``frontier.csv``, ``frontier.html`` and ``points/<k>/`` here.
    **options
        ``method``, ``options`` (SolverOptions), ``horizon``, ``progress`` of
        :func:`dispatch.sweep.frontier.frontier`.

    Returns
    -------
    Frontier
        ``.table`` (frontier.csv), ``.outputs`` (each point's run), ``.figure()``.
    """
    from dispatch.sweep.frontier import frontier as sweep

    return sweep(case, vs=vs, points=points, out=out, **options)


def load_results(folder: str | Path, case: str | Path | CaseData | None = None) -> Result:
    """Reopen a finished run from its results folder.

    Parameters
    ----------
    folder : str or pathlib.Path
        A folder written by ``dispatch run`` or :func:`run` with ``out=``.
    case : str, pathlib.Path or CaseData, optional
        The case it was solved with; only needed for folders without ``inputs.csv``
        and ``case.yaml`` (to compute the baseline and show the inputs).

    Returns
    -------
    Result
        The same tables and figures as the run returned.
    """
    return Result.load(folder, case=case)


__all__ = [
    "CaseData", "Horizon", "Result", "SolverOptions", "frontier", "load_case", "load_results",
    "run",
]  # fmt: skip
