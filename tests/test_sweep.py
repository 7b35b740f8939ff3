"""Sweeps: grid expansion, a 2x2 sweep checked by hand, failures, resume, caching, Dask."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import dispatch
from dispatch.cli import app
from dispatch.errors import CaseError
from dispatch.sweep.compare import main_effects
from dispatch.sweep.driver import plan_sweep, run_sweep
from dispatch.sweep.executor import DaskExecutor, LocalPool
from dispatch.sweep.grid import expand, parse_grid
from dispatch.sweep.store import RECORD, load_sweep
from dispatch.sweep.worker import affects_profiles, clear_cache, load
from tests.conftest import REPO
from tests.sweep_cases import PRICE, PV_CAPEX, pv_battery_case, pv_case, pv_optimum

GRID_2X2 = {PV_CAPEX: [100, 3000], PRICE: [0.5, 1.0]}
VOLATILE = ["solve_seconds", "run_seconds", "worker", "profiles_cached"]
GRID_FACTOR_KG_PER_KWH = 0.5306  # the default grid factor (dispatch/data/defaults.yaml)


@pytest.fixture(scope="module")
def pool():
    with LocalPool(workers=2) as executor:
        yield executor


def test_parse_grid_values_and_errors():
    grid = parse_grid([f"{PV_CAPEX}=400,600,800", "rules.self_use_min_of_consumption=[0.3, 0.35]"])
    assert grid == {PV_CAPEX: [400, 600, 800], "rules.self_use_min_of_consumption": [0.3, 0.35]}
    with pytest.raises(CaseError, match="given twice"):
        parse_grid(["year=2025", "year=2026"])
    with pytest.raises(CaseError, match="did you mean 'capex_per_kw'"):
        parse_grid(["technologies.pv.capex_per_kwx=1,2"])


def test_expand_builds_the_full_product_with_stable_ids():
    grid = {"a.x": [1, 2], "b": ["p", "q", "r"]}
    specs = expand(grid, base={"c": 0})
    assert [s.point for s in specs] == [{"a.x": a, "b": b} for a in (1, 2) for b in ("p", "q", "r")]
    assert all(s.overrides == {"c": 0} | s.point for s in specs)
    assert len({s.run_id for s in specs}) == 6
    assert [s.run_id for s in expand(grid, base={"c": 0})] == [s.run_id for s in specs]
    assert specs[0].run_id.startswith("x=1_b=p-")
    # the horizon and method are part of a run's identity
    assert expand(grid, base={"c": 0}, hours=24)[0].run_id != specs[0].run_id
    # explicit runs multiply with the grid
    explicit = [("cheap", {"c": 1}), (None, {"c": 2})]
    assert len(expand(grid, explicit=explicit)) == 12


def test_two_by_two_sweep_matches_hand_derived_optima(make_case, tmp_path, pool):
    plan = plan_sweep(pv_case(make_case), grid=GRID_2X2, hours=2)
    out = tmp_path / "sweep"
    result = run_sweep(plan, pool, out)
    table = result.table
    assert (result.ran, result.skipped, result.failed) == (4, 0, 0)
    assert list(table[PV_CAPEX]) == [100, 100, 3000, 3000]
    assert list(table[PRICE]) == [0.5, 1.0, 0.5, 1.0]
    for _, row in table.iterrows():
        pv_kw, cost = pv_optimum(row[PV_CAPEX], row[PRICE])
        assert row["status"] == "optimal"
        assert row["objective_per_year"] == pytest.approx(cost, rel=1e-7)
        assert row["pv_kw"] == pytest.approx(pv_kw, abs=1e-6)
        # PV covers the sunny hour when built: imports are 4380 h x 100 kW, else twice that
        imported_kwh = 100 * 4380 * (1 if pv_kw else 2)
        assert row["tco2_per_year"] == pytest.approx(
            imported_kwh * GRID_FACTOR_KG_PER_KWH / 1000, rel=1e-6
        )
        assert row["rules_ok"] and row["rule_self_use_of_consumption_ok"]
        assert pd.isna(row["error"])
        run = out / "runs" / row["run_id"]
        assert {p.name for p in run.iterdir()} == {
            "summary.json",
            "timeseries.csv",
            "capacities.csv",
            "bill_monthly.csv",
            "cashflow.csv",
            RECORD,
        }
        summary = json.loads((run / "summary.json").read_text())
        assert summary["objective_per_year"] == row["objective_per_year"]
        for name in ("npv", "irr", "simple_payback_years"):  # ranked by the cash flow too
            assert row[name] == summary["financials"][name] or (
                row[name] is None or pd.isna(row[name])
            ) == (summary["financials"][name] is None)
    for name in ("objective_per_year", "solve_seconds", "self_use_of_generation", "npv", "irr"):
        assert name in table
    from_csv = pd.read_csv(out / "sweep.csv")
    pd.testing.assert_series_equal(from_csv["objective_per_year"], table["objective_per_year"])
    loaded = dispatch.load_sweep(out)
    assert loaded.attrs["parameters"] == [PV_CAPEX, PRICE]
    assert list(loaded["run_id"]) == list(table["run_id"])


def test_failing_runs_are_recorded_and_the_sweep_goes_on(make_case, tmp_path, pool):
    # The night hour needs 100 kW from the grid: a 10 kW connection is infeasible.
    # A negative capex is invalid input. Only (100, null) solves.
    grid = {PV_CAPEX: [100, -5], "grid.max_connection_kw": [None, 10]}
    plan = plan_sweep(pv_case(make_case), grid=grid, hours=2)
    out = tmp_path / "sweep"
    result = run_sweep(plan, pool, out)
    status = dict(zip(result.table["run_id"], result.table["status"], strict=True))
    assert list(status.values()) == ["optimal", "infeasible", "invalid", "invalid"]
    assert result.failed == 3
    errors = list(result.table["error"])
    # the diagnosis names the limit that must give: the night hour needs 100 kW
    assert errors[1].startswith("grid.max_connection_kw = 10 kW is too small")
    assert "100 kW are needed" in errors[1]
    assert "technologies.pv.capex_per_kw" in errors[2] and "must be ≥ 0 (got -5)" in errors[2]
    for run_id in result.failed_ids:
        record = json.loads((out / "runs" / run_id / RECORD).read_text())
        assert record["traceback"] and record["error"]
        assert [p.name for p in (out / "runs" / run_id).iterdir()] == [RECORD]
    # resume keeps failed runs; --retry-failed runs them again
    assert run_sweep(plan, pool, out).ran == 0
    assert run_sweep(plan, pool, out, retry_failed=True).ran == 3


def _mtimes(out: Path) -> dict[str, int]:
    """Modification times of finished runs' records (not of a temporary folder being written)."""
    records = (out / "runs").glob(f"*/{RECORD}")
    return {
        p.parent.name: p.stat().st_mtime_ns for p in records if not p.parent.name.startswith(".")
    }


def test_resume_skips_finished_runs_force_recomputes(make_case, tmp_path, pool):
    case = pv_case(make_case)
    plan = plan_sweep(case, grid=GRID_2X2, hours=2)
    out = tmp_path / "sweep"
    first = run_sweep(plan, pool, out)
    before = _mtimes(out)
    again = run_sweep(plan, pool, out)
    assert (again.ran, again.skipped) == (0, 4)
    assert _mtimes(out) == before
    pd.testing.assert_frame_equal(again.table, first.table)
    # one more grid value: only its two runs are new
    wider = plan_sweep(case, grid={PV_CAPEX: [100, 3000, 5000], PRICE: [0.5, 1.0]}, hours=2)
    assert run_sweep(wider, pool, out).ran == 2
    assert {k: v for k, v in _mtimes(out).items() if k in before} == before
    forced = run_sweep(plan, pool, out, force=True)
    assert forced.ran == 4
    assert all(_mtimes(out)[k] != v for k, v in before.items())
    # an edited case file makes earlier results stale
    case.write_text(case.read_text().replace("name: pv", "name: pv-edited"))
    assert run_sweep(plan_sweep(case, grid=GRID_2X2, hours=2), pool, out).ran == 4


def test_profiles_are_read_once_per_worker(make_case, tmp_path):
    for key in (PRICE, "year", "technologies.pv", "technologies", "technologies.pv.tilt_deg"):
        assert affects_profiles(key), key
    for key in ("location.latitude", "load.park_type", "technologies.heat_pump.sink_temperature_c"):
        assert affects_profiles(key), key
    assert affects_profiles("technologies.pv.a_key_added_later")  # unknown: safe side
    for key in (PV_CAPEX, "rules.self_use_min_of_consumption", "finance", "grid.export_allowed"):
        assert not affects_profiles(key), key
    case = pv_case(make_case)
    with LocalPool(workers=1) as one:
        capex = run_sweep(
            plan_sweep(case, grid={PV_CAPEX: [100, 200, 300]}, hours=2), one, tmp_path / "a"
        )
        assert list(capex.table["profiles_cached"]) == [False, True, True]
        # a price is a profile: each new price is read once, then reused
        both = run_sweep(plan_sweep(case, grid=GRID_2X2, hours=2), one, tmp_path / "b")
    assert list(both.table["profiles_cached"]) == [False, False, True, True]
    for _, row in both.table.iterrows():
        cost = pv_optimum(row[PV_CAPEX], row[PRICE])[1]
        assert row["objective_per_year"] == pytest.approx(cost, rel=1e-7)


def test_a_dead_worker_breaks_the_pool_which_recovers():
    with LocalPool(workers=1) as one:
        future = one.submit(os._exit, 1)
        with pytest.raises(Exception) as err:
            future.result(timeout=60)
        assert one.is_lost(err.value)
        one.recover()
        assert one.submit(abs, -3).result(timeout=60) == 3


def test_dask_cluster_gives_the_same_table_as_the_local_pool(make_case, tmp_path, pool):
    from dask.distributed import LocalCluster

    plan = plan_sweep(pv_case(make_case), grid=GRID_2X2, hours=2)
    local = run_sweep(plan, pool, tmp_path / "local").table
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        DaskExecutor(cluster.scheduler_address) as executor,
    ):
        assert executor.slots == 2
        on_dask = run_sweep(plan, executor, tmp_path / "dask").table
    pd.testing.assert_frame_equal(
        on_dask.drop(columns=VOLATILE), local.drop(columns=VOLATILE), check_exact=False, rtol=1e-9
    )
    assert set(on_dask["worker"]) != set(local["worker"])


def _sweep_cmd(case: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "dispatch", "sweep", str(case), "--out", str(out)] + [
        "--grid",
        "technologies.battery.capex_per_kwh=300,500,700",
        "--grid",
        "technologies.pv.capex_per_kw=2000,2800",
        "--hours",
        "240",
        "--method",
        "exact",
        "--workers",
        "1",
    ]


def test_killed_sweep_resumes_without_recomputing_finished_runs(make_case, tmp_path):
    case = pv_battery_case(make_case)
    out = tmp_path / "sweep"
    env = os.environ | {"PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        _sweep_cmd(case, out),
        env=env,
        start_new_session=True,  # its own process group: the kill takes the workers too
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    while not _mtimes(out) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = _mtimes(out)
    assert 1 <= len(finished) < 6, "the sweep was not cut off mid-way"
    done = subprocess.run(_sweep_cmd(case, out), env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stdout.split())
    assert f"6 of 6 runs finished ({6 - len(finished)} now, {len(finished)} before)" in said, (
        said + done.stderr
    )
    after = _mtimes(out)
    assert len(after) == 6
    assert {k: after[k] for k in finished} == finished  # not recomputed
    assert not [p for p in (out / "runs").iterdir() if p.name.startswith(".")]
    table = load_sweep(out)
    assert len(table) == 6 and set(table["status"]) == {"optimal"}


def test_cli_sweep_and_compare(make_case, tmp_path):
    case = pv_case(make_case)
    out = tmp_path / "sweep"
    runner = CliRunner()
    args = ["sweep", str(case), "--out", str(out), "--hours", "2", "--workers", "1"]
    grid = ["--grid", f"{PV_CAPEX}=100,3000", "--grid", f"{PRICE}=0.5,1.0"]
    result = runner.invoke(app, args + grid)
    assert result.exit_code == 0, result.output
    assert "4 of 4 runs finished (4 now, 0 before)" in " ".join(result.output.split())
    bad = runner.invoke(app, [*args, "--grid", "technologies.pv.capex_per_kwx=1,2"])
    assert bad.exit_code == 2
    assert "did you mean 'capex_per_kw'" in bad.output
    shown = runner.invoke(app, ["compare", str(out)])
    assert shown.exit_code == 0, shown.output
    page = (out / "compare.html").read_text()
    assert "Cost sensitivity" in page and f"Cost and sizes against {PRICE}" in page
    # main effects, recomputed from the hand-derived optima
    cost = {(c, p): pv_optimum(c, p)[1] for c in (100, 3000) for p in (0.5, 1.0)}
    effects = main_effects(load_sweep(out), [PV_CAPEX, PRICE]).set_index("parameter")
    mean = sum(cost.values()) / 4
    for key, lows, highs in (
        (PV_CAPEX, [(100, 0.5), (100, 1.0)], [(3000, 0.5), (3000, 1.0)]),
        (PRICE, [(100, 0.5), (3000, 0.5)], [(100, 1.0), (3000, 1.0)]),
    ):
        row = effects.loc[key]
        assert row["base_mean"] == pytest.approx(mean, rel=1e-7)
        assert row["low_mean"] == pytest.approx(sum(cost[k] for k in lows) / 2, rel=1e-7)
        assert row["high_mean"] == pytest.approx(sum(cost[k] for k in highs) / 2, rel=1e-7)
    # the price moves cost more than the PV capex here: it comes first
    assert list(effects.index) == [PRICE, PV_CAPEX]


def test_null_is_a_level_of_its_own():
    table = pd.DataFrame({"k": [None, 10.0, None, 10.0], "status": ["optimal"] * 4})
    table["objective_per_year"] = [1.0, 3.0, 2.0, 6.0]
    row = main_effects(table, ["k"]).iloc[0]
    # text levels keep the order they first appear in
    assert (row["low_value"], row["high_value"]) == ("null", "10")
    assert (row["low_mean"], row["high_mean"], row["swing"]) == (1.5, 4.5, 3.0)


def test_override_of_a_technology_the_case_lacks_loads_afresh(make_case):
    case = str(pv_case(make_case))
    clear_cache()
    assert load(case, {})[1] is False
    data, cached = load(case, {PV_CAPEX: 5})
    assert cached and data.case.technologies.pv.capex_per_kw == 5
    assert data.raw["technologies"]["pv"]["capex_per_kw"] == 5
    data, cached = load(case, {"technologies.battery.capex_per_kwh": 300})
    assert not cached and data.case.technologies.battery.capex_per_kwh == 300


def test_a_case_changed_by_loading_is_loaded_afresh(make_case):
    # Heat at 150 C is beyond heat-pump reach: loading drops the heat pump (boiler serves).
    case = make_case(
        {
            "name": "hot",
            "year": 2025,
            "load": {"electricity_kw": 100, "heat_kw_th": 50},
            "technologies": {
                "heat_pump": {"cop": 2.0, "sink_temperature_c": 150},
                "boiler": {"efficiency": 0.9},
            },
            "grid": {"import_price_per_kwh": 0.5},
        }
    )
    clear_cache()
    first, _ = load(str(case), {})
    assert first.case.technologies.heat_pump is None
    data, cached = load(str(case), {"technologies.boiler.fuel_price_per_kwh": 0.4})
    assert not cached
    assert data.case.technologies.heat_pump is None
    assert data.case.technologies.boiler.fuel_price_per_kwh == 0.4
