"""The Python API for notebooks and scripts: run a case, reopen results, load cases.

>>> import dispatch
>>> case = dispatch.load_case("cases/example-park.yaml")
>>> cheap = case.with_overrides({"technologies.battery.capex_per_kwh": 400})
>>> result = dispatch.run(cheap, out="results/cheap-storage")  # doctest: +SKIP
>>> result.capacities, result.plot.sankey()  # doctest: +SKIP
>>> again = dispatch.load_results("results/cheap-storage")  # doctest: +SKIP
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dispatch.case.loader import CaseData, load_case
from dispatch.files import replace_file
from dispatch.model.horizon import Horizon
from dispatch.report.figures import Plots
from dispatch.report.html import render_report, summary_card
from dispatch.results.result import REPORT, ResultData
from dispatch.results.write import write_folder, write_results, write_summary

# The solver (Pyomo, HiGHS, SciPy) and the pathway are imported where a function solves:
# reopening results and writing their report (``dispatch report``) load neither.
if TYPE_CHECKING:
    from dispatch.results.pathway import PathwayResult
    from dispatch.solve.exact import SolverOptions
    from dispatch.sweep.frontier import Frontier


def __getattr__(name: str) -> Any:
    """``SolverOptions``, exported here as before, imported on first use (PEP 562)."""
    if name == "SolverOptions":
        from dispatch.solve.exact import SolverOptions

        return SolverOptions
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Result(ResultData):
    """The results of one run: tables, plotly figures, a Jupyter card and the report.

    The tables come from :class:`~dispatch.results.result.ResultData`; this class adds
    :attr:`plot`, the card and ``report.html``. A results folder written by :meth:`write`
    holds ``summary.json``, the hourly tables, ``case.yaml``, ``inputs.csv`` and
    ``report.html``.
    """

    @cached_property
    def plot(self) -> Plots:
        """Plotly figures of this result: ``result.plot.dispatch()``, ``.sankey()``..."""
        return Plots(self)

    def _repr_html_(self) -> str:
        return summary_card(self)

    def report_html(self) -> str:
        """Return the self-contained HTML report (see :mod:`dispatch.report.html`)."""
        return render_report(self)

    def write(self, out: str | Path) -> Path:
        """Write the results folder atomically: summary, tables, case, inputs, report."""
        bill = self.bill_monthly
        bill = bill if bill is not None and len(bill) else None
        folder = write_results(
            Path(out), self.summary, self.timeseries, extra=self.write_extras, bill_monthly=bill
        )
        self.folder = folder
        return folder

    def write_extras(self, folder: Path) -> None:
        """Write ``case.yaml``, ``inputs.csv`` and ``report.html`` into ``folder``.

        The ``extra`` callback of :func:`dispatch.results.write.write_results`.
        """
        self.write_inputs(folder)
        (folder / REPORT).write_text(self.report_html(), "utf-8")

    def write_report(self, path: str | Path | None = None) -> Path:
        """(Re)write ``report.html`` atomically; next to ``summary.json`` by default."""
        if path is None:
            if self.folder is None:
                raise ValueError("this result has no folder; give the report path")
            path = self.folder / REPORT
        path = Path(path)
        html = self.report_html()
        replace_file(path, lambda tmp: tmp.write_text(html, "utf-8"))
        return path


def run(
    case: str | Path | CaseData,
    out: str | Path | None = None,
    *,
    method: str | None = None,
    options: SolverOptions | None = None,
    horizon: Horizon | None = None,
    **solve_args: Any,
) -> Result:
    """Solve a case and return its :class:`Result`.

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
    model and re-solved warm-started (:mod:`dispatch.resolve`); an override
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
        from dispatch.resolve import Resolver

        data = case if isinstance(case, CaseData) else load_case(case)
        self.resolver = Resolver(data, method, options, horizon)

    def run(self, overrides: dict[str, Any] | None = None, out: str | Path | None = None) -> Result:
        """Solve the base case with ``overrides`` (dotted keys); write to ``out`` if given."""
        result = Result.from_output(self.resolver.solve(overrides))
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
        ``"auto"`` (typical days per period, then the schedule refined on each period's
        full year) or ``"exact"``.
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
    from dispatch.pathway import solve_pathway

    data = case if isinstance(case, CaseData) else load_case(case)
    result = solve_pathway(data, list(years), method, options, hours, myopic)
    if out is not None:
        write_pathway(result, out)
    return result


def write_pathway(result: PathwayResult, out: str | Path) -> Path:
    """Write the pathway folder atomically: summary, table, report and a folder per year."""
    from dispatch.report.pathway import render_pathway_report
    from dispatch.results.pathway import PATHWAY_CSV, pathway_summary, pathway_table

    first = result.periods[0].output
    summary = pathway_summary(result, first.data.case.name, first.data.case.finance.currency)
    table = pathway_table(result)

    def fill(tmp: Path) -> None:
        write_summary(tmp / "summary.json", summary)
        table.to_csv(tmp / PATHWAY_CSV, index=False, float_format="%.10g")
        for period in result.periods:
            output = period.output
            output.summary["pathway"] = {
                "year": period.year,
                "sizes_from": "pathway",
                "objective_per_year": period.objective_per_year,
                "investment_per_year": period.investment_per_year,
                "costs_note": "costs_per_year here annualise every addition at this year's "
                "capex; the pathway charges each vintage at the capex of its own year "
                "(objective_per_year, investment_per_year)",
                "notes": period.notes,
            }
            write_results(
                tmp / str(period.year),
                output.summary,
                output.timeseries,
                extra=Result.from_output(output).write_extras,
                bill_monthly=output.bill_monthly if len(output.bill_monthly) else None,
                check=False,
            )
        (tmp / "report.html").write_text(render_pathway_report(summary, table), "utf-8")

    return write_folder(Path(out), fill)


def frontier(
    case: str | Path | CaseData,
    vs: str = "carbon_intensity",
    points: int = 6,
    out: str | Path | None = None,
    **options: Any,
) -> Frontier:
    """Sweep a rule's limit from the least-cost design to the tightest feasible level.

    The parameters are those of :func:`dispatch.sweep.frontier.frontier` (``vs``:
    ``carbon_intensity``, ``emissions`` or ``self_use``; ``points``; ``out``; and as
    keywords ``method``, ``options``, ``horizon``, ``progress``, ``at``); each point's
    folder also gets its ``report.html``, ``case.yaml`` and ``inputs.csv``
    (:meth:`Result.write_extras`).

    Returns
    -------
    Frontier
        ``.table`` (frontier.csv), ``.outputs`` (each point's run), ``.figure()``.
    """
    from dispatch.sweep.frontier import frontier as sweep

    def extras(output: Any) -> Any:
        return Result.from_output(output).write_extras

    return sweep(case, vs=vs, points=points, out=out, point_extras=extras, **options)


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
    "frontier",
    "load_case",
    "load_results",
    "pathway",
    "run",
]
