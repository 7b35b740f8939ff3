"""Control of runs: solver threads, Ctrl-C, the overall time limit, option bounds, bad cases."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from typer.testing import CliRunner

from dispatch.case.loader import load_case
from dispatch.case.schema import Solver
from dispatch.cli import app
from dispatch.errors import CaseError, SolverError, UnboundedError
from dispatch.model.build import build_model
from dispatch.model.horizon import Horizon
from dispatch.runner import solve_case
from dispatch.solve import control
from dispatch.solve.exact import SolverOptions, solve
from tests import sweep_cases
from tests.conftest import EXAMPLE, NO_RULES, REPO

runner = CliRunner()
PV_CAPEX = "technologies.pv.capex_per_kw"


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# --- threads: the count asked for is the count used, whatever ran before in the process ---


def test_runs_with_different_thread_counts_in_one_process(make_case):
    # HiGHS keeps one scheduler per thread, sized by its first run; a later instance with
    # another count used to fail without a status ("numerical trouble?").
    data = load_case(sweep_cases.pv_case(make_case))
    horizon = Horizon.full_year(2025, 48)  # whole days: the auto method, its master LPs too
    used = None
    for threads in (1, 2, None, 2, 1):
        out = solve_case(data, options=SolverOptions(threads=threads), horizon=horizon)
        assert out.summary["solve"]["status"] == "optimal"
        assert out.summary["capacities"]["pv_kw"] == pytest.approx(100, rel=1e-6)
        used = threads or used  # none asked for: the thread keeps the count it has
        assert control.CONTROL.local.threads == used


def test_cli_run_with_two_threads_succeeds(make_case, tmp_path):
    case = sweep_cases.pv_case(make_case)
    out = tmp_path / "r"
    first = runner.invoke(app, ["run", str(case), "--out", str(out), "--hours", "48"])
    assert first.exit_code == 0, first.output
    args = ["run", str(case), "--out", str(out), "--hours", "48", "--threads", "2"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output


def test_sweep_with_one_worker_and_two_threads_succeeds(make_case, tmp_path):
    case = sweep_cases.pv_case(make_case)
    out = tmp_path / "sweep"
    args = ["sweep", str(case), "--out", str(out), "--hours", "48", "--workers", "1"]
    result = runner.invoke(app, [*args, "--threads", "2", "--grid", f"{PV_CAPEX}=100,200"])
    assert result.exit_code == 0, result.output
    assert "2 of 2 runs finished" in " ".join(result.output.split())


def test_sweep_with_failed_runs_exits_non_zero_and_counts_them(make_case, tmp_path):
    # a 10 kW connection cannot carry the 100 kW night load: that run is infeasible
    case = sweep_cases.pv_case(make_case)
    out = tmp_path / "sweep"
    args = ["sweep", str(case), "--out", str(out), "--hours", "2", "--workers", "1"]
    result = runner.invoke(app, [*args, "--grid", "grid.max_connection_kw=null,10"])
    assert result.exit_code == 3, result.output
    assert "1 of 2 runs failed" in " ".join(result.stderr.split())


# --- option values the schema forbids are refused before anything runs ---

BAD_FLAGS = [
    ("--mip-gap", "-1"), ("--mip-gap", "2"), ("--mip-gap", "nan"), ("--mip-gap", "inf"),
    ("--threads", "0"), ("--threads", "-1"), ("--threads", "100000"),
    ("--time-limit", "0"), ("--time-limit", "-5"), ("--time-limit", "nan"),
    ("--time-limit", "inf"),
]  # fmt: skip


@pytest.mark.parametrize(("flag", "value"), BAD_FLAGS)
@pytest.mark.parametrize("command", ["run", "sweep"])
def test_solver_flags_outside_the_schema_bounds_exit_2(command, flag, value, tmp_path):
    args = [command, str(EXAMPLE), "--out", str(tmp_path / "o"), flag, value]
    start = time.perf_counter()
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = _lines(result.stderr)
    assert len(lines) == 1 and lines[0].startswith(f"error: {flag}: must be"), lines
    assert time.perf_counter() - start < 5  # refused before loading or solving
    assert not (tmp_path / "o").exists()


def test_cli_and_schema_share_bounds():
    keys = {"--mip-gap": "mip_gap", "--threads": "threads", "--time-limit": "time_limit_seconds"}
    for flag, value in BAD_FLAGS:
        with pytest.raises(ValueError):
            Solver.model_validate({keys[flag]: int(value) if flag == "--threads" else float(value)})


def test_default_run_has_an_overall_time_limit():
    assert Solver().time_limit_seconds == 600


# --- a case with nothing to serve is refused before solving ---


@pytest.mark.parametrize("heat", [None, 0])
def test_nothing_to_serve_is_refused_in_one_line(make_case, tmp_path, heat):
    case = {
        "name": "empty",
        "year": 2025,
        "load": {"electricity_kw": 0},
        "technologies": {"pv": {"availability": "@pv"}, "boiler": {}},
        "grid": {"import_price_per_kwh": 0.6},
    }
    if heat is not None:
        case["load"]["heat_kw_th"] = heat
    path = make_case(case, profiles={"pv": [0.0, 0.5]})
    start = time.perf_counter()
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "o"), "--hours", "48"])
    assert result.exit_code == 2, result.output
    lines = _lines(result.stderr)
    assert len(lines) == 1
    assert "load.electricity_kw" in lines[0] and "nothing to serve" in lines[0]
    assert time.perf_counter() - start < 5
    with pytest.raises(CaseError):
        solve_case(load_case(path), horizon=Horizon.full_year(2025, 48))


# --- Ctrl-C stops a solve in progress ---


def _hard_mip() -> object:
    """A strict-physics week of the example with free, unlimited PV: a MIP of minutes.

    Battery wear is free, so that curtailing through simultaneous charge and discharge
    pays and strict physics needs binaries.
    """
    data = load_case(
        EXAMPLE,
        {
            PV_CAPEX: 0,
            "technologies.pv.max_kw": None,
            "technologies.battery.degradation_cost_per_kwh": 0,
        },
    )
    return build_model(data, Horizon.full_year(2030, 168))


def test_sigint_during_a_solve_stops_it_within_seconds():
    built = _hard_mip()
    sent: dict[str, float] = {}

    def interrupt_once_solving() -> None:
        while not control.CONTROL.main_in_solve:
            time.sleep(0.05)
        time.sleep(1.0)
        sent["at"] = time.perf_counter()
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_once_solving, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        with control.controlled_run(time_limit_seconds=120, handle_sigint=True):
            solve(built, SolverOptions(time_limit_seconds=120))
    assert time.perf_counter() - sent["at"] < 5


def test_a_stop_request_is_forgotten_by_the_next_run(make_case):
    control.request_stop()
    data = load_case(sweep_cases.pv_case(make_case))
    out = solve_case(data, horizon=Horizon.full_year(2025, 2))
    assert out.summary["solve"]["status"] == "optimal"


def test_sigint_to_dispatch_run_exits_130_and_keeps_earlier_results(make_case, tmp_path):
    out = tmp_path / "results"
    small = sweep_cases.pv_case(make_case)
    first = runner.invoke(app, ["run", str(small), "--out", str(out), "--hours", "48"])
    assert first.exit_code == 0, first.output
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    # a long run into the same folder: a full year of the example solved exactly
    args = [sys.executable, "-m", "dispatch", "run", str(EXAMPLE), "--out", str(out)]
    args += ["--method", "exact", "--time-limit", "120"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path
    )
    try:
        time.sleep(10)  # loading, building or solving: Ctrl-C must stop any of them
        assert proc.poll() is None, "the long run ended before it could be interrupted"
        sent = time.perf_counter()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        latency = time.perf_counter() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert latency < 5, f"exit {latency:.1f} s after SIGINT"
    assert "Traceback" not in err
    assert _lines(err) == ["interrupted: no results were written; earlier results are untouched"]
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# --- unbounded cases and time limits: fast, deterministic, and the message names the cause ---


def _runaway_pv(make_case):
    # exports earn 0.9 x 4380 h per kW of PV a year, PV costs 100: PV runs away
    data = load_case(sweep_cases.pv_case(make_case))
    return data.with_overrides({"technologies.pv.unit_kw": 7, "grid.export_price_per_kwh": 0.9})


def test_infeasible_or_unbounded_at_the_time_limit_is_a_time_limit_error(make_case, monkeypatch):
    # HiGHS may answer "infeasible or unbounded" before its time limit; only a diagnosis can
    # tell which, and the limit leaves it no time: the error is the time limit's, naming it.
    from dispatch.solve.highs import HighsModel, RunStats

    def undecided(self):
        self.last_stats = RunStats("infeasible or unbounded", None, None, math.inf, 0.0, False)
        return self.last_stats

    monkeypatch.setattr(HighsModel, "run", undecided)
    with pytest.raises(SolverError) as caught:
        solve_case(
            _runaway_pv(make_case),
            method="exact",
            horizon=Horizon.full_year(2025, 24 * 14),
            options=SolverOptions(time_limit_seconds=1e-3),
        )
    text = str(caught.value)
    assert "time limit of 0.001 s" in text and "infeasible or unbounded" in text
    assert "buying and selling" not in text and "negative" not in text


def test_runaway_pv_is_named_as_pv_not_the_grid(make_case):
    start = time.perf_counter()
    with pytest.raises(UnboundedError) as caught:
        solve_case(_runaway_pv(make_case), method="exact", horizon=Horizon.full_year(2025, 336))
    text = str(caught.value)
    assert text.startswith("technologies.pv.max_kw is unlimited and exports pay more than PV")
    assert "buying and selling" not in text and "negative" not in text
    assert time.perf_counter() - start < 30


def test_negative_import_price_is_named_quickly(make_case, tmp_path):
    # Paid 0.5 per kWh imported, with no export: cycling an unlimited battery burns
    # energy at a profit (strict physics too), so the battery runs away when its
    # cycling is free of wear cost.
    case = make_case(
        {
            "name": "negative",
            "year": 2025,
            "load": {"electricity_kw": 100},
            "technologies": {"battery": {"degradation_cost_per_kwh": 0}},  # free cycling
            "grid": {
                "import_price_per_kwh": -0.5,
                "export_allowed": False,
                "system_operation_fee_per_kwh": 0,
            },
            "rules": NO_RULES,
        }
    )
    out = tmp_path / "o"
    start = time.perf_counter()
    result = runner.invoke(app, ["run", str(case), "--out", str(out), "--hours", "336"])
    assert result.exit_code == 4, result.output
    assert time.perf_counter() - start < 60
    lines = _lines(result.stderr)
    assert lines[0].startswith("error: technologies.battery.max_kw is unlimited and the import")
    assert "negative in 336 of 336 hours (as low as -0.5 per kWh)" in lines[0]
    assert "some price is negative" not in result.stderr
    assert not out.exists()


def test_time_limit_message_names_the_runs_limit_not_a_phases_rest():
    # the last phase of the auto method gets only the time left (here 265.4 s of 600 s)
    from dispatch.solve.exact import check_termination

    with control.controlled_run(time_limit_seconds=600):
        with pytest.raises(SolverError) as caught:
            check_termination("time limit reached", False, SolverOptions(time_limit_seconds=265.4))
    assert "time limit of 600 s before finding any feasible design" in str(caught.value)


def test_no_status_from_highs_does_not_blame_the_case():
    # HiGHS answers "not set" when it refuses to start (as with a thread-count conflict)
    from dispatch.solve.exact import check_termination

    with pytest.raises(SolverError) as caught:
        check_termination("not set", False, SolverOptions())
    text = str(caught.value)
    assert "refused to start" in text
    assert "check the case" not in text and "numerical trouble" not in text


def test_an_unbounded_baseline_names_the_negative_price(tmp_path):
    # The design runs, but the baseline park (existing equipment, the connection as
    # needed) buys without limit at a negative price and sells at the export price.
    out = tmp_path / "o"
    args = ["run", str(EXAMPLE), "--set", "grid.import_price_per_kwh=-0.1", "--hours", "48",
            "--out", str(out)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 4, result.output
    first = _lines(result.stderr)[0]
    assert first.startswith("error: the baseline park")
    assert "import_price_per_kwh plus the system-operation fee is negative in 48 of 48" in first
    assert not out.exists()


def test_a_time_limit_holds_for_each_run_of_a_model_solved_many_times():
    # HiGHS compares its time_limit with the instance's run time summed over all runs: a
    # model re-solved in place (frontier points, sweeps) stopped at once once its runs
    # had added up to the limit. Each run must get the limit to itself.
    import highspy
    import numpy as np

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    n = 60_000
    rng = np.random.default_rng(0)
    h.addVars(n, np.zeros(n), np.full(n, 10.0))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), rng.uniform(-1, 1, n))
    m = n - 1
    starts = np.arange(0, 2 * m, 2, dtype=np.int32)
    index = np.column_stack([np.arange(m), np.arange(1, n)]).ravel().astype(np.int32)
    h.addRows(m, np.full(m, -highspy.kHighsInf), np.full(m, 12.0), 2 * m, starts, index,
              np.ones(2 * m))  # fmt: skip
    h.setOptionValue("solver", "ipm")
    seconds = []
    for _ in range(4):
        h.clearSolver()
        start = time.perf_counter()
        control.run_highs(h)
        seconds.append(time.perf_counter() - start)
        assert h.modelStatusToString(h.getModelStatus()) == "Optimal"
    limit = 3 * max(seconds)  # ample for one run, less than the runs' sum so far
    assert h.getRunTime() > limit * 1.1
    h.clearSolver()
    h.setOptionValue("time_limit", limit)
    control.run_highs(h)
    assert h.modelStatusToString(h.getModelStatus()) == "Optimal"
    assert h.getOptionValue("time_limit")[1] == limit  # the option still means one run
