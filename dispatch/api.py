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
from typing import Any

from dispatch.case.loader import CaseData, load_case
from dispatch.model.horizon import Horizon
from dispatch.results.result import Result
from dispatch.solve.exact import SolverOptions


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


class Session:
    """A case compiled once, for what-ifs that change numbers only.

    >>> session = dispatch.Session("cases/example-park.yaml")  # doctest: +SKIP
    >>> base = session.run()  # doctest: +SKIP
    >>> cheap = session.run({"technologies.battery.capex_per_kwh": 400})  # doctest: +SKIP
    >>> cheap.summary["solve"]["resolve"]  # {"in_place": True, "reason": None}  # doctest: +SKIP

    Prices, costs, rule levels and size bounds are changed inside the compiled
    model and re-solved warm-started (:mod:`dispatch.solve.resolve`); an override
    that changes the model's structure rebuilds it and says so in
    ``summary["solve"]["resolve"]``.

    Parameters
    ----------
    case : str, pathlib.Path or CaseData
        The base case.
    method : str
        ``"auto"`` or ``"exact"``.
    options : SolverOptions, optional
        Solver limits and tolerances.
    horizon : Horizon, optional
        Model steps; the full year by default.
    """

    def __init__(
        self,
        case: str | Path | CaseData,
        method: str = "auto",
        options: SolverOptions | None = None,
        horizon: Horizon | None = None,
    ) -> None:
        from dispatch.solve.resolve import Resolver

        data = case if isinstance(case, CaseData) else load_case(case)
        self.resolver = Resolver(data, method, options, horizon)

    def run(self, overrides: dict[str, Any] | None = None, out: str | Path | None = None) -> Result:
        """Solve the base case with ``overrides`` (dotted keys); write to ``out`` if given."""
        result = Result.from_output(self.resolver.solve(overrides))
        if out is not None:
            result.write(out)
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
    "Session",
    "SolverOptions",
    "load_case",
    "load_results",
    "run",
]
