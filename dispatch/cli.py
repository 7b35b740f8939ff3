"""The ``dispatch`` command line.

Exit status: 0 solved, 2 invalid input, 3 infeasible, 4 solver trouble,
1 an unexpected internal error (``--debug`` shows its traceback).
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.exceptions import TyperException

from dispatch.errors import DispatchError

app = typer.Typer(
    name="dispatch",
    help="Size and schedule an industrial park's energy system under China's green-power rules.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out_console = Console()
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

CaseArg = Annotated[Path, typer.Argument(help="The case YAML file.", show_default=False)]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
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


def _guard(debug: bool, work: Callable[[], Any]) -> Any:
    """Run ``work``; turn our errors into one-line messages and exit codes."""
    try:
        return work()
    except (typer.Exit, typer.Abort, TyperException):  # usage errors: typer prints them
        raise
    except DispatchError as exc:
        if debug:
            traceback.print_exc()
        for line in str(exc).splitlines() or [type(exc).__name__]:
            err_console.print(f"[bold red]error:[/] {escape(line)}", markup=True, highlight=False)
        for note in getattr(exc, "__notes__", []):
            err_console.print(escape(note), markup=True, highlight=False)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        if debug:
            traceback.print_exc()
        err_console.print("interrupted: no results were written")
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


@app.command()
def run(
    case: CaseArg,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Results folder [default: results/<case name>/]."),
    ] = None,
    method: Annotated[
        str,
        typer.Option(help="auto: typical-day sizing + full-year dispatch; exact: full model."),
    ] = "auto",
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", min=0.0, help="Solver wall-time limit [s]."),
    ] = None,
    mip_gap: Annotated[
        float | None, typer.Option("--mip-gap", help="Relative MIP gap [default: case, 0.005].")
    ] = None,
    threads: Annotated[int | None, typer.Option("--threads", help="Solver threads.")] = None,
    debug: DebugOpt = False,
    set_: SetOpt = None,
    scenario: ScenarioOpt = None,
    scenarios: ScenariosOpt = None,
    hours: HoursOpt = None,
) -> None:
    """Size and dispatch a park for one year and write the results."""
    from dispatch.case.loader import load_case
    from dispatch.errors import InfeasibleError
    from dispatch.model.horizon import Horizon
    from dispatch.results.result import Result
    from dispatch.results.summary import infeasible_summary
    from dispatch.results.terminal import print_summary
    from dispatch.results.write import check_target, write_diagnosis, write_results
    from dispatch.runner import METHODS, solve_case
    from dispatch.solve.exact import SolverOptions
    from dispatch.sweep.overrides import resolve_overrides

    if method not in METHODS:  # a usage error: typer reports it and exits with 2
        raise typer.BadParameter(f"choose one of {', '.join(METHODS)}", param_hint="--method")

    def work() -> None:
        overrides, _ = resolve_overrides(case, set_, scenario, scenarios)
        data = load_case(case, overrides or None)
        horizon = Horizon.full_year(data.case.year, hours) if hours else None
        target = out or Path("results") / data.case.name
        check_target(target)
        cs = data.case.solver
        options = SolverOptions(
            time_limit_seconds=time_limit if time_limit is not None else cs.time_limit_seconds,
            mip_gap=mip_gap if mip_gap is not None else cs.mip_gap,
            threads=threads if threads is not None else cs.threads,
        )
        try:
            with out_console.status(f"solving {data.case.name} ({method})..."):
                result = solve_case(data, method=method, options=options, horizon=horizon)
        except InfeasibleError as exc:
            where = write_diagnosis(target, infeasible_summary(data, method, exc))
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
        for warning in result.summary["solve"].get("warnings", []):
            err_console.print(f"[bold yellow]warning:[/] {escape(warning)}")
        _print_notes(data.notes)
        out_console.print(f"results written to [bold]{escape(str(target))}[/]")
        out_console.print(f"report: [bold]{escape(str(target / 'report.html'))}[/]")

    _guard(debug, work)


def _print_notes(notes: list[str]) -> None:
    for note in notes:
        out_console.print(f"[bold yellow]note:[/] {escape(note)}", highlight=False)


@app.command()
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

    from dispatch.case.loader import load_case
    from dispatch.case.profile_table import STAT_LABELS, case_profile_table
    from dispatch.profiles import profile_statistics, write_profiles_csv

    def work() -> None:
        data = load_case(case)
        table = case_profile_table(data)
        path = write_profiles_csv(table, out / "profiles.csv")
        stats = profile_statistics(table)
        view = Table(title=f"{data.case.name} {data.case.year}: annual statistics")
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


@app.command()
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
    from dispatch.results.result import Result

    def work() -> None:
        path = Result.load(results, case=case).write_report()
        out_console.print(f"report written to [bold]{path}[/]")

    _guard(debug, work)


@app.command()
def validate(case: CaseArg, debug: DebugOpt = False) -> None:
    """Check a case file and its profiles without solving."""
    from dispatch.case.loader import load_case

    def work() -> None:
        data = load_case(case)
        n = len(data.series)
        out_console.print(
            escape(f"{case}: valid ({data.case.name}, {data.case.year}, {n} hourly profiles)")
        )

    _guard(debug, work)


@app.command()
def sweep(
    case: CaseArg,
    out: Annotated[Path, typer.Option("--out", help="Sweep folder.", show_default=False)],
    grid: Annotated[
        list[str] | None,
        typer.Option(
            "--grid",
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
            min=1,
            help="Solver threads per run \\[default: cores / workers; 1 on Dask].",
        ),
    ] = None,
    method: Annotated[
        str,
        typer.Option(help="auto: typical-day sizing + full-year dispatch; exact: full model."),
    ] = "auto",
    hours: HoursOpt = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit", min=0, help="Solver wall-time limit per run \\[s] \\[default: case]."
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
    from dispatch.runner import METHODS
    from dispatch.sweep.driver import plan_sweep, run_sweep
    from dispatch.sweep.executor import make_executor
    from dispatch.sweep.grid import parse_grid
    from dispatch.sweep.overrides import resolve_overrides
    from dispatch.sweep.progress import RichProgress

    if method not in METHODS:  # a usage error: typer reports it and exits with 2
        raise typer.BadParameter(f"choose one of {', '.join(METHODS)}", param_hint="--method")

    def work() -> int:
        base, scen = resolve_overrides(case, set_, scenario, scenarios)
        plan = plan_sweep(
            case,
            grid=parse_grid(grid),
            overrides=base,
            explicit=(scen.explicit_runs() or None) if scenarios is not None else None,
            method=method,
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
        except KeyboardInterrupt:
            err_console.print(
                f"interrupted: finished runs are kept in {out}; run the same command to resume"
            )
            return 130
        failed = f", {outcome.failed} failed" if outcome.failed else ""
        out_console.print(
            f"{len(outcome.table)} of {len(plan.specs)} runs finished ({outcome.ran} now, "
            f"{outcome.skipped} before{failed}) in {outcome.seconds:.1f} s; "
            f"table: [bold]{Path(out) / 'sweep.csv'}[/]"
        )
        for run_id in outcome.failed_ids[:10]:
            row = outcome.table.set_index("run_id").loc[run_id]
            err_console.print(f"[yellow]failed:[/] {run_id}: {row['status']}: {row['error']}")
        return 0

    code = _guard(debug, work)
    if code:
        raise typer.Exit(code)


@app.command()
def compare(
    folder: Annotated[Path, typer.Argument(help="A sweep folder.", show_default=False)],
    rows: Annotated[int, typer.Option(min=1, help="Rows to print, cheapest first.")] = 40,
    debug: DebugOpt = False,
) -> None:
    """Print a sweep's runs and write FOLDER/compare.html (cost and sizes per parameter)."""
    from rich.table import Table

    from dispatch.sweep.compare import display_table, write_compare
    from dispatch.sweep.store import load_sweep

    def work() -> None:
        full = display_table(load_sweep(folder))
        shown = full.drop(columns=["run_id", "error"], errors="ignore")
        table = Table(title=f"{folder}: {len(shown)} runs, cheapest first (# = row of sweep.csv)")
        table.add_column("#", justify="right")
        for col in shown.columns:
            table.add_column(".".join(col.split(".")[-2:]), justify="right", overflow="fold")
        head = shown.head(rows)
        for number, rec in zip(head.index, head.itertuples(index=False), strict=True):
            table.add_row(str(number + 1), *(_cell(v) for v in rec))
        out_console.print(table)
        if len(shown) > rows:
            out_console.print(f"... {len(shown) - rows} more rows (--rows)")
        failed = full[full["error"].notna()] if "error" in full else full.iloc[:0]
        for number, rec in failed.head(rows).iterrows():
            err_console.print(f"[yellow]#{number + 1}[/] {rec['status']}: {rec['error']}")
        out_console.print(f"figures written to [bold]{write_compare(folder)}[/]")

    _guard(debug, work)


def _cell(value: Any) -> str:
    """Format one table cell for the terminal."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if abs(value) < 1e-9:  # solver noise around zero
            return "0"
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)


@app.command()
def frontier(
    case: CaseArg,
    vs: Annotated[
        str,
        typer.Option(
            "--vs", help="The metric to tighten: emissions, self_use or carbon_intensity."
        ),
    ] = "carbon_intensity",
    points: Annotated[
        int, typer.Option("--points", min=2, max=50, help="Points, the least-cost one included.")
    ] = 6,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Frontier folder [default: results/<case name>-frontier/]."),
    ] = None,
    method: Annotated[
        str, typer.Option(help="auto or exact, for every point (as dispatch run).")
    ] = "auto",
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", min=0.0, help="Solver wall-time limit of each solve [s]."),
    ] = None,
    debug: DebugOpt = False,
    set_: SetOpt = None,
    hours: HoursOpt = None,
) -> None:
    """Sweep a rule's limit from the least-cost design to the tightest level (cost frontier)."""
    from dispatch.case.loader import load_case
    from dispatch.model.horizon import Horizon
    from dispatch.runner import METHODS
    from dispatch.solve.exact import SolverOptions
    from dispatch.sweep.frontier import METRICS
    from dispatch.sweep.frontier import frontier as sweep_frontier
    from dispatch.sweep.overrides import resolve_overrides

    if vs not in METRICS:
        raise typer.BadParameter(f"choose one of {', '.join(METRICS)}", param_hint="--vs")
    if method not in METHODS:
        raise typer.BadParameter(f"choose one of {', '.join(METHODS)}", param_hint="--method")

    def work() -> None:
        overrides, _ = resolve_overrides(case, set_, None, None)
        data = load_case(case, overrides or None)
        horizon = Horizon.full_year(data.case.year, hours) if hours else None
        target = out or Path("results") / f"{data.case.name}-frontier"
        cs = data.case.solver
        options = SolverOptions(
            time_limit_seconds=time_limit if time_limit is not None else cs.time_limit_seconds,
            mip_gap=cs.mip_gap,
            threads=cs.threads,
        )
        result = sweep_frontier(
            data, vs=vs, points=points, out=target, method=method, options=options,
            horizon=horizon, progress=lambda text: out_console.print(escape(text)),
        )  # fmt: skip
        shown = ["point", "limit", "value", "status", "objective_per_year", "tco2_per_year",
                 "marginal_abatement_cost_per_tco2"]  # fmt: skip
        from rich.table import Table

        table = Table(title=f"Frontier against {vs} ({result.unit})")
        for column in shown:
            table.add_column(column)
        for row in result.table.to_dict("records"):
            table.add_row(*(_cell(row.get(c)) for c in shown))
        out_console.print(table)
        out_console.print(
            f"tightest level {result.level.value:.4g} {result.unit} (strict physics relaxed); "
            f"frontier written to [bold]{escape(str(target))}[/]"
        )

    _guard(debug, work)


def main() -> None:
    """Entry point of the ``dispatch`` console script."""
    try:
        app()
    except typer.BadParameter as exc:  # pragma: no cover - typer renders these itself
        err_console.print(f"error: {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
