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
    from dispatch.solve.pathway import PathwayResult


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


def pathway(
    case: str | Path | CaseData,
    years: list[int],
    out: str | Path | None = None,
    *,
    method: str = "auto",
    options: SolverOptions | None = None,
    hours: int | None = None,
    myopic: bool = True,
) -> PathwayResult:
    """Plan investment across milestone years with perfect foresight (``dispatch pathway``).

    Parameters
    ----------
    case : str, pathlib.Path or CaseData
        A case file or a loaded case; its ``pathway:`` section says how the years differ.
    years : list of int
        Milestone years, increasing: ``[2026, 2028, 2030, 2033]``.
    out : str or pathlib.Path, optional
        Also write the pathway folder (``pathway.csv``, ``summary.json``, a folder per year).
    method : str
        ``"auto"`` (typical days per period, then each period's full year) or ``"exact"``.
    options : SolverOptions, optional
        Solver limits and tolerances.
    hours : int, optional
        Solve only the first ``hours`` of each year (fast, approximate; tests).
    myopic : bool
        Also solve the myopic alternative for comparison.

    Returns
    -------
    PathwayResult
        Sizes, additions and each period's run output, the totals and the comparison.
    """
    from dispatch.results.pathway import write_pathway
    from dispatch.solve.pathway import solve_pathway

    data = case if isinstance(case, CaseData) else load_case(case)
    result = solve_pathway(data, list(years), method, options, hours, myopic)
    if out is not None:
        write_pathway(result, out)
    return result


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
    "CaseData",
    "Horizon",
    "Result",
    "SolverOptions",
    "load_case",
    "load_results",
    "pathway",
    "run",
]
