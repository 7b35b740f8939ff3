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
    hours: Annotated[
        int | None,
        typer.Option(
            "--hours", min=1, max=8760, hidden=True, help="Solve only the first N hours (tests)."
        ),
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Size and dispatch a park for one year and write the results."""
    from dispatch.case.loader import load_case
    from dispatch.errors import InfeasibleError
    from dispatch.model.horizon import Horizon
    from dispatch.model.solve import SolverOptions
    from dispatch.results.summary import infeasible_summary
    from dispatch.results.terminal import print_summary
    from dispatch.results.write import check_target, write_diagnosis, write_results
    from dispatch.runner import METHODS, solve_case

    if method not in METHODS:  # a usage error: typer reports it and exits with 2
        raise typer.BadParameter(f"choose one of {', '.join(METHODS)}", param_hint="--method")

    def work() -> None:
        data = load_case(case)
        target = out or Path("results") / data.case.name
        check_target(target)
        horizon = Horizon.full_year(data.case.year, hours) if hours else None
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
        write_results(target, result.summary, result.timeseries, bill_monthly=result.bill_monthly)
        print_summary(result.summary, out_console)
        for warning in result.summary["solve"].get("warnings", []):
            err_console.print(f"[bold yellow]warning:[/] {escape(warning)}")
        _print_notes(data.notes)
        out_console.print(f"results written to [bold]{escape(str(target))}[/]")

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


def main() -> None:
    """Entry point of the ``dispatch`` console script."""
    try:
        app()
    except typer.BadParameter as exc:  # pragma: no cover - typer renders these itself
        err_console.print(f"error: {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
