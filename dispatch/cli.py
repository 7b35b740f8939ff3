"""The ``dispatch`` command line.

Exit status: 0 solved, 2 invalid input, 3 infeasible, 4 solver trouble,
1 an unexpected internal error (``--debug`` shows its traceback).
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading
import traceback
from collections.abc import Callable
from enum import StrEnum
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperCommand, TyperGroup
from typer.exceptions import TyperException

from dispatch._version import __version__
from dispatch.errors import DispatchError, printable

DISTRIBUTION = "park-dispatch"
"""The package name whose metadata gives ``dispatch --version``."""


def _flags_take_no_value(params: list[Any]) -> list[Any]:
    """Show no value type for on/off flags in help (typer would print ``<bool>``)."""
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


class Command(TyperCommand):
    """A command whose help shows flags without a value type."""

    def get_params(self, ctx: Any) -> list[Any]:
        """Return the parameters, flags marked as taking no value."""
        return _flags_take_no_value(super().get_params(ctx))


class Group(TyperGroup):
    """The ``dispatch`` group, its help like its commands'."""

    def get_params(self, ctx: Any) -> list[Any]:
        """Return the parameters, flags marked as taking no value."""
        return _flags_take_no_value(super().get_params(ctx))


app = typer.Typer(
    name="dispatch",
    cls=Group,
    help="Size and schedule an industrial park's energy system under China's green-power rules.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out_console = Console()
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class Method(StrEnum):
    """Solution methods (:data:`dispatch.runner.METHODS`)."""

    auto = "auto"
    exact = "exact"


class Metric(StrEnum):
    """What a frontier tightens (:data:`dispatch.sweep.frontier.METRICS`)."""

    carbon_intensity = "carbon_intensity"
    emissions = "emissions"
    self_use = "self_use"


def version() -> str:
    """Return the installed version of the package (its metadata), else the source's."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return __version__


def _print_version(value: bool) -> None:
    if value:
        out_console.print(f"park-dispatch {version()}", highlight=False)
        raise typer.Exit()


@app.callback()
def _main(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Show the version and exit.",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Size and schedule an industrial park's energy system under China's green-power rules."""


CaseArg = Annotated[
    Path, typer.Argument(help="The case YAML file.", show_default=False, metavar="CASE")
]
MethodOpt = Annotated[
    Method,
    typer.Option(
        "--method",
        help="auto: typical-day sizing, then full-year dispatch; exact: the full-year model.",
    ),
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="KEY=VALUE",
        help="Override a case key, KEY=VALUE (dotted key, YAML value); repeatable.",
        show_default=False,
    ),
]
ScenarioOpt = Annotated[
    str | None,
    typer.Option(
        "--scenario", help="Named override sets to apply, joined by commas.", show_default=False
    ),
]
ScenariosOpt = Annotated[
    Path | None,
    typer.Option(
        "--scenarios",
        help="Scenarios file \\[default: CASE.scenarios.yaml or scenarios.yaml next to the case].",
        show_default=False,
    ),
]
ProgressOpt = Annotated[
    bool | None,
    typer.Option(
        "--progress/--no-progress",
        help="Show the solve's phase, elapsed time and MIP bounds on stderr "
        "\\[default: when stderr is a terminal].",
        show_default=False,
    ),
]
EachSolveLimitOpt = Annotated[
    float | None,
    typer.Option(
        "--time-limit",
        min=0.0,
        help="Solver wall-time limit of each solve \\[s] \\[default: case].",
        show_default=False,
    ),
]
"""``--time-limit`` of the commands that solve a case many times (pathway, frontier)."""
HoursOpt = Annotated[
    int | None,
    typer.Option(
        "--hours",
        min=1,
        max=8760,
        help="Solve only the first N hours as a cyclic horizon (annual figures scaled up).",
        show_default=False,
    ),
]


def _guard(debug: bool, work: Callable[[], Any], interruptible: bool = False) -> Any:
    """Run ``work``; turn our errors into one-line messages and exit codes.

    ``interruptible``: Ctrl-C also stops a running solve (:mod:`dispatch.solve.control`).
    """
    try:
        if interruptible:
            from dispatch.solve.control import controlled_run

            with controlled_run(handle_sigint=True):
                return work()
        return work()
    except (typer.Exit, typer.Abort, TyperException):  # usage errors: typer prints them
        raise
    except DispatchError as exc:
        if debug:
            traceback.print_exc()
        for line in str(exc).splitlines() or [type(exc).__name__]:
            err_console.print(
                f"[bold red]error:[/] {escape(printable(line))}", markup=True, highlight=False
            )
        for note in getattr(exc, "__notes__", []):
            err_console.print(escape(printable(note)), markup=True, highlight=False)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        if debug:
            traceback.print_exc()
        err_console.print("interrupted: no results were written; earlier results are untouched")
        raise typer.Exit(130) from None
    except OSError as exc:  # the file system refused: say which file and why
        if debug:
            traceback.print_exc()
        where = f"{exc.filename}: " if exc.filename else ""
        err_console.print(f"[bold red]error:[/] {escape(where + (exc.strerror or str(exc)))}")
        raise typer.Exit(1) from None
    except Exception as exc:  # an internal error: one line, traceback with --debug
        if debug:
            traceback.print_exc()
        text = " ".join(str(exc).split())
        err_console.print(
            f"[bold red]internal error:[/] {escape(type(exc).__name__)}: {escape(text)} "
            "(run with --debug for details)"
        )
        raise typer.Exit(1) from None


@app.command(cls=Command)
def run(
    case: CaseArg,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Results folder \\[default: results/<case name>/].", show_default=False
        ),
    ] = None,
    method: MethodOpt = Method.auto,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            help="Overall solver wall-time limit \\[s] \\[default: case, 600]; at the limit the "
            "best design found is returned with its gap.",
            show_default=False,
        ),
    ] = None,
    mip_gap: Annotated[
        float | None,
        typer.Option(
            "--mip-gap", help="Relative MIP gap \\[default: case, 0.005].", show_default=False
        ),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option("--threads", help="Solver threads (1-256).", show_default=False),
    ] = None,
    progress: ProgressOpt = None,
    debug: DebugOpt = False,
    set_: SetOpt = None,
    scenario: ScenarioOpt = None,
    scenarios: ScenariosOpt = None,
    hours: HoursOpt = None,
) -> None:
    """Size and dispatch a park for one year and write the results."""
    how = Method(method).value  # the method's name, as the runner knows it

    def work() -> None:
        # imported here, inside the guard: Ctrl-C while Pyomo loads is an interrupt too
        from dispatch.api import Result
        from dispatch.case.loader import load_case
        from dispatch.errors import InfeasibleError
        from dispatch.model.horizon import Horizon
        from dispatch.results.summary import infeasible_summary, run_notes
        from dispatch.results.terminal import print_summary
        from dispatch.results.write import (
            check_target,
            default_folder,
            folder_lock,
            write_diagnosis,
            write_results,
        )
        from dispatch.runner import run_record, solve_case
        from dispatch.solve.progress import SolveProgress
        from dispatch.sweep.overrides import parse_set, resolve_overrides

        given = solver_flags(time_limit, mip_gap, threads)
        overrides, _ = resolve_overrides(case, set_, scenario, scenarios)
        data = load_case(case, overrides or None)
        span = hours or data.case.solver.horizon_hours  # --hours, else the case's horizon
        horizon = Horizon.full_year(data.case.year, span) if span else None
        what_if = {"overrides": overrides, "scenario": scenario}
        target = out or default_folder(data.case.name, scenario, parse_set(set_), span)
        check_target(target)  # before solving: a bad --out fails at once
        options = run_options(data, given)
        with folder_lock(target):  # a second run on the same folder stops here, exit 2
            check_target(target)
            try:
                with SolveProgress(err_console, _show_progress(progress)):
                    result = solve_case(
                        data, method=how, options=options, horizon=horizon, what_if=what_if
                    )
            except InfeasibleError as exc:
                summary = infeasible_summary(data, how, exc)
                summary["run"] = run_record(how, horizon, what_if)
                where = write_diagnosis(target, summary)
                exc.add_note(f"diagnosis written to {where / 'summary.json'}")
                raise
            # report.html, case.yaml and inputs.csv are written with the rest, atomically
            extras = Result.from_output(result).write_extras
            write_results(
                target,
                result.summary,
                result.timeseries,
                extra=extras,
                bill_monthly=result.bill_monthly,
            )
        print_summary(result.summary, out_console)
        for kind, text in run_notes(result.summary):  # the report shows the same list
            console = err_console if kind == "warning" else out_console
            style = "bold red" if "NOT STRICT" in text else "bold yellow"
            console.print(f"[{style}]{kind}:[/] {escape(printable(text))}", highlight=False)
        out_console.print(f"results written to [bold]{escape(printable(str(target)))}[/]")
        out_console.print(f"report: [bold]{escape(printable(str(target / 'report.html')))}[/]")

    _guard(debug, work, interruptible=True)


def _show_progress(flag: bool | None) -> bool:
    """Show solve progress: as asked, else when stderr is a terminal."""
    return err_console.is_terminal if flag is None else flag


SOLVER_FLAGS = {
    "time_limit_seconds": "--time-limit",
    "mip_gap": "--mip-gap",
    "threads": "--threads",
}
"""Command-line flags of the case's ``solver:`` keys; the schema's bounds apply to both."""


def run_options(data: Any, given: dict[str, Any]) -> Any:
    """Return the solver options of a run: the flags ``given``, else the case's."""
    from dispatch.solve.exact import SolverOptions

    cs = data.case.solver
    return SolverOptions(
        time_limit_seconds=given.get("time_limit_seconds", cs.time_limit_seconds),
        mip_gap=given.get("mip_gap", cs.mip_gap),
        threads=given.get("threads", cs.threads),
    )


def solver_flags(
    time_limit: float | None, mip_gap: float | None, threads: int | None
) -> dict[str, Any]:
    """Check solver flags against the case schema's bounds; return the given ones by key.

    Raises
    ------
    CaseError
        A value the schema forbids, in one line naming the flag (exit 2).
    """
    from pydantic import ValidationError

    from dispatch.case.schema import Solver
    from dispatch.errors import CaseError, Problem

    given = {"time_limit_seconds": time_limit, "mip_gap": mip_gap, "threads": threads}
    given = {k: v for k, v in given.items() if v is not None}
    problems = []
    for key, value in given.items():
        try:
            Solver.model_validate({key: value})
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"].removeprefix("Input should be ")
            problems.append(Problem(SOLVER_FLAGS[key], "", f"must be {reason} (got {value})"))
    if problems:
        raise CaseError(problems)
    return given


def _print_notes(notes: list[str]) -> None:
    for note in notes:
        out_console.print(f"[bold yellow]note:[/] {escape(note)}", highlight=False)


@app.command(cls=Command)
def profiles(
    case: CaseArg,
    out: Annotated[
        Path,
        typer.Option("--out", help="Folder for profiles.csv.", show_default=False),
    ],
    debug: DebugOpt = False,
) -> None:
    """Write the hourly profiles a case uses (generated from its location) to DIR/profiles.csv."""
    from rich.table import Table

    from dispatch.case.loader import input_files, load_case
    from dispatch.case.profile_table import STAT_LABELS, case_profile_table
    from dispatch.files import check_not_input
    from dispatch.profiles import profile_statistics, write_profiles_csv
    from dispatch.results.write import check_location

    def work() -> None:
        data = load_case(case)
        target = out / "profiles.csv"
        check_location(out, purpose="profiles.csv")
        check_not_input(target, input_files(data), "--out")
        table = case_profile_table(data)
        path = write_profiles_csv(table, target)
        stats = profile_statistics(table)
        view = Table(
            title=escape(printable(f"{data.case.name} {data.case.year}: annual statistics"))
        )
        view.add_column("quantity")
        view.add_column("value", justify="right")
        view.add_column("unit")
        for key, (label, unit, fmt) in STAT_LABELS.items():
            if key in stats:
                view.add_row(label, format(stats[key], fmt), unit)
        out_console.print(view)
        source = table.attrs.get("meta", {}).get("weather_source")
        if source:
            out_console.print(f"weather: {source}", highlight=False)
        _print_notes(data.notes)
        out_console.print(
            f"profiles written to [bold]{escape(str(path))}[/] ({len(table.columns)} columns)"
        )

    _guard(debug, work)


@app.command(cls=Command)
def report(
    results: Annotated[
        Path, typer.Argument(help="A results folder written by dispatch run.", show_default=False)
    ],
    case: Annotated[
        Path | None,
        typer.Option(
            "--case", help="The case file, for folders written without case.yaml/inputs.csv."
        ),
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """(Re)write report.html of a results folder: offline, every figure, the case inputs."""
    from dispatch.api import Result

    def work() -> None:
        path = Result.load(results, case=case).write_report()
        out_console.print(f"report written to [bold]{path}[/]")

    _guard(debug, work)


@app.command(cls=Command)
def validate(case: CaseArg, debug: DebugOpt = False) -> None:
    """Check a case file and its profiles without solving."""
    from dispatch.case.loader import load_case
    from dispatch.model.free_sizes import zero_price_notes

    def work() -> None:
        data = load_case(case)
        n = len(data.series)
        out_console.print(
            escape(
                printable(
                    f"{case}: valid ({data.case.name}, {data.case.year}, {n} hourly profiles)"
                )
            )
        )
        _print_notes(data.notes + zero_price_notes(data.case))

    _guard(debug, work)


@app.command(cls=Command)
def sweep(
    case: CaseArg,
    out: Annotated[Path, typer.Option("--out", help="Sweep folder.", show_default=False)],
    grid: Annotated[
        list[str] | None,
        typer.Option(
            "--grid",
            metavar="KEY=V1,V2",
            help="Swept key and values, KEY=V1,V2,...; repeat for the full product.",
            show_default=False,
        ),
    ] = None,
    set_: SetOpt = None,
    scenario: ScenarioOpt = None,
    scenarios: ScenariosOpt = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Local worker processes \\[default: the number of cores]."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Run on a Dask cluster: scheduler address tcp://HOST:PORT."),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(
            "--threads",
            help="Solver threads per run (1-256) \\[default: cores / workers; 1 on Dask].",
        ),
    ] = None,
    method: MethodOpt = Method.auto,
    hours: HoursOpt = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit", help="Solver wall-time limit per run \\[s] \\[default: case]."
        ),
    ] = None,
    mip_gap: Annotated[
        float | None, typer.Option("--mip-gap", help="Relative MIP gap \\[default: case, 0.005].")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Recompute runs already finished.")
    ] = False,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume", help="Skip runs already finished (the default).", show_default=False
        ),
    ] = True,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Recompute runs recorded as failed.")
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Run a case over a grid of overrides and explicit runs, in parallel, resumably.

    Each run writes its outputs to OUT/runs/<run-id>/; OUT/sweep.csv and
    OUT/sweep.parquet hold one row per run. Re-running the same command skips
    finished runs. A failed run is recorded with its error; the sweep goes on.
    """
    from dispatch.sweep.driver import Terminated, plan_sweep, run_sweep
    from dispatch.sweep.executor import make_executor
    from dispatch.sweep.grid import parse_grid
    from dispatch.sweep.overrides import resolve_overrides
    from dispatch.sweep.progress import RichProgress

    how = Method(method).value  # the method's name, as the runner knows it
    gc.enable()  # a sweep may run for hours and builds no model here: collect as usual (main)

    def work() -> int:
        solver_flags(time_limit, mip_gap, threads)
        base, scen = resolve_overrides(case, set_, scenario, scenarios)
        plan = plan_sweep(
            case,
            grid=parse_grid(grid),
            overrides=base,
            explicit=(scen.explicit_runs() or None) if scenarios is not None else None,
            method=how,
            hours=hours,
            time_limit_seconds=time_limit,
            mip_gap=mip_gap,
        )
        progress = RichProgress(err_console)
        try:
            with make_executor(workers, scheduler, threads) as executor:
                outcome = run_sweep(
                    plan,
                    executor,
                    out,
                    force=force or not resume,
                    retry_failed=retry_failed,
                    progress=progress,
                )
        except KeyboardInterrupt as exc:
            err_console.print(
                f"interrupted: finished runs are kept in {out}; run the same command to resume"
            )
            return 143 if isinstance(exc, Terminated) else 130
        failed = f", {outcome.failed} failed" if outcome.failed else ""
        out_console.print(
            f"{len(outcome.table)} of {len(plan.specs)} runs finished ({outcome.ran} now, "
            f"{outcome.skipped} before{failed}) in {outcome.seconds:.1f} s; "
            f"table: [bold]{Path(out) / 'sweep.csv'}[/]"
        )
        rows = outcome.table.set_index("run_id")
        for run_id in outcome.failed_ids[:10]:
            row = rows.loc[run_id]
            err_console.print(f"[yellow]failed:[/] {run_id}: {row['status']}: {row['error']}")
        if not outcome.failed_ids:
            return 0
        statuses = {rows.loc[r, "status"] for r in outcome.failed_ids}
        err_console.print(
            f"[bold red]error:[/] {len(outcome.failed_ids)} of {len(plan.specs)} runs failed"
        )
        return 3 if statuses == {"infeasible"} else 4

    code = _guard(debug, work)
    if code:
        raise typer.Exit(code)


@app.command(cls=Command)
def compare(
    folder: Annotated[Path, typer.Argument(help="A sweep folder.", show_default=False)],
    rows: Annotated[int, typer.Option(min=1, help="Rows to print, cheapest first.")] = 40,
    debug: DebugOpt = False,
) -> None:
    """Print a sweep's runs and write FOLDER/compare.html (cost and sizes per parameter)."""
    from dispatch.errors import CaseError, Problem
    from dispatch.sweep.compare import (
        counts_text,
        display_table,
        run_counts,
        terminal_table,
        write_compare,
    )
    from dispatch.sweep.store import load_sweep

    def work() -> None:
        loaded = load_sweep(folder)
        counts = run_counts(loaded)
        full = display_table(loaded)
        shown = full.drop(columns=["run_id", "error"], errors="ignore")
        title = f"{folder}: {counts_text(counts)}; cheapest first (# = row of sweep.csv)"
        table, hidden = terminal_table(shown.head(rows), escape(title), out_console.width)
        out_console.print(table)
        if len(shown) > rows:
            out_console.print(f"... {len(shown) - rows} more rows (--rows)")
        if hidden:
            out_console.print(
                f"not shown at this width: {', '.join(hidden)} (see compare.html, sweep.csv)",
                highlight=False,
            )
        failed = full[full["error"].notna()] if "error" in full else full.iloc[:0]
        top = failed.head(rows)
        for number, status, error in zip(top.index, top["status"], top["error"], strict=True):
            err_console.print(f"[yellow]#{number + 1}[/] {status}: {error}")
        if not counts["solved"]:
            why = f"no run solved ({counts_text(counts)}): nothing to compare"
            raise CaseError([Problem(str(folder), "", why)])
        out_console.print(f"figures written to [bold]{write_compare(folder)}[/]")

    _guard(debug, work)


@app.command(cls=Command)
def pathway(
    case: CaseArg,
    years: Annotated[
        str,
        typer.Option(
            "--years", help="Milestone years, increasing, comma-separated: 2026,2028,2030,2033."
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Pathway folder \\[default: results/<case name>-pathway/].",
            show_default=False,
        ),
    ] = None,
    method: MethodOpt = Method.auto,
    hours: HoursOpt = None,
    time_limit: EachSolveLimitOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Plan investment across milestone years: what to build now and what to add later."""
    from dispatch.api import pathway as solve_pathway
    from dispatch.case.loader import load_case
    from dispatch.errors import CaseError, Problem
    from dispatch.files import slug
    from dispatch.results.pathway import pathway_lines
    from dispatch.results.write import RESULTS_ROOT, check_target

    def work() -> None:
        try:
            wanted = [int(y) for y in years.split(",")]
        except ValueError:
            raise CaseError(
                [Problem(str(case), "--years", f"not a list of years: {years!r}")]
            ) from None
        data = load_case(case)
        target = out or RESULTS_ROOT / f"{slug(data.case.name)}-pathway"  # a name, not a path
        check_target(target)
        options = run_options(data, solver_flags(time_limit, None, None))
        with out_console.status(f"solving the pathway {years} ({Method(method).value})..."):
            result = solve_pathway(
                data, wanted, out=target, method=Method(method).value, options=options,
                hours=hours,
            )  # fmt: skip
        for line in pathway_lines(result):
            out_console.print(escape(line))
        for note in result.notes:
            out_console.print(f"[bold yellow]note:[/] {escape(printable(note))}")
        out_console.print(f"results written to [bold]{escape(printable(str(target)))}[/]")

    _guard(debug, work)


@app.command(cls=Command)
def frontier(
    case: CaseArg,
    vs: Annotated[
        Metric,
        typer.Option(
            "--vs",
            help="The metric to tighten: tCO2/tce, tCO2/yr, or self-use of consumption.",
        ),
    ] = Metric.carbon_intensity,
    points: Annotated[
        int, typer.Option("--points", min=2, max=50, help="Points, the least-cost one included.")
    ] = 6,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="More limits to solve, comma-separated: 0.3,0.2 (tCO2/tce) or 0.30,0.35.",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Frontier folder \\[default: results/<case name>-frontier/].",
            show_default=False,
        ),
    ] = None,
    method: MethodOpt = Method.auto,
    time_limit: EachSolveLimitOpt = None,
    debug: DebugOpt = False,
    set_: SetOpt = None,
    hours: HoursOpt = None,
) -> None:
    """Sweep a rule's limit from the least-cost design to the tightest level (cost frontier)."""
    from dispatch.api import frontier as solve_frontier
    from dispatch.case.loader import load_case
    from dispatch.files import slug
    from dispatch.model.horizon import Horizon
    from dispatch.report.text import human
    from dispatch.results.write import RESULTS_ROOT, check_target
    from dispatch.sweep.overrides import resolve_overrides

    how, metric = Method(method).value, Metric(vs).value
    gc.enable()  # minutes to hours of solves on one compiled model; the collector gains it
    # nothing to be off (main), and the garbage of every point is collected as it goes
    try:
        limits = [float(x) for x in at.split(",") if x.strip()] if at else []
    except ValueError:
        raise typer.BadParameter(f"not numbers: {at!r}", param_hint="--at") from None

    def work() -> None:
        overrides, _ = resolve_overrides(case, set_, None, None)
        data = load_case(case, overrides or None)
        horizon = Horizon.full_year(data.case.year, hours) if hours else None
        target = out or RESULTS_ROOT / f"{slug(data.case.name)}-frontier"  # a name, not a path
        check_target(target)
        options = run_options(data, solver_flags(time_limit, None, None))
        result = solve_frontier(
            data, vs=metric, points=points, out=target, method=how, options=options,
            horizon=horizon, progress=lambda text: out_console.print(escape(text)), at=limits,
        )  # fmt: skip
        shown = ["point", "limit", "value", "status", "objective_per_year", "tco2_per_year",
                 "marginal_abatement_cost_per_tco2"]  # fmt: skip
        from rich.table import Table

        table = Table(title=f"Frontier against {metric} ({result.unit})")
        for column in shown:
            table.add_column(column)
        for row in result.table.to_dict("records"):
            table.add_row(*(human(row.get(c)) for c in shown))
        out_console.print(table)
        out_console.print(
            f"tightest level {result.level.value:.4g} {result.unit} (strict physics relaxed); "
            f"frontier written to [bold]{escape(str(target))}[/]"
        )

    _guard(debug, work)


def invoke(args: list[str] | None = None) -> int:
    """Run the command line (``args``, or ``sys.argv[1:]``) and return its exit status."""
    try:
        app(args=args)
    except typer.BadParameter as exc:  # pragma: no cover - typer renders these itself
        err_console.print(f"error: {exc}")
        return 2
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        err_console.print(escape(str(exc.code)))
        return 1
    return 0


def leave(code: int) -> None:
    """End the process with ``code``, without freeing its objects one by one.

    A solved full-year model is about a million Python objects, and the interpreter
    spent about a second freeing them after every result had been written. The exit
    handlers still run (temporary folders, logging, child processes) and the standard
    streams are flushed; then the process ends at once. While a thread that is not a
    daemon still runs, the interpreter's own exit (which waits for it) is used instead.
    """
    if any(t.is_alive() and not t.daemon for t in threading.enumerate()
           if t is not threading.main_thread()):  # fmt: skip
        sys.exit(code)
    try:
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe (``dispatch ... | head``)
                pass
        os._exit(code)


def main() -> None:
    """Entry point of the ``dispatch`` console script and ``python -m dispatch``.

    A command does its work once and ends (:func:`leave`), so the cyclic garbage
    collector is switched off for the process: a full-year model is about a million
    Python objects that live until the end anyway, and each automatic full collection
    while it was being built walked all of them again, about a second of every
    ``dispatch run``. Memory freed by reference counting (nearly all of it) is freed
    as before. Long commands whose time is not in Pyomo builds keep the collector on:
    ``sweep`` (its workers are separate processes) and ``frontier`` (one compiled model,
    many solves).
    """
    gc.disable()
    leave(invoke())


if __name__ == "__main__":
    main()
