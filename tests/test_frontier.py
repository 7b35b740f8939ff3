"""Cost frontiers (dispatch frontier): monotone cost, the plain run first, rules that hold."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import dispatch
from dispatch import ledger
from dispatch.case.loader import load_case
from dispatch.cli import app
from dispatch.model.horizon import Horizon
from dispatch.runner import solve_case
from dispatch.solve.exact import SolverOptions
from dispatch.solve.frontier import tightest_level
from dispatch.sweep.frontier import COLUMNS, abatement_cost
from tests.test_carbon_rules import FACTOR, KGCE, PV_DAY, _case

HOURS = 48
HORIZON = Horizon.full_year(2025, HOURS)
GAP = 1e-4  # the MIP gap of every solve here
OPTIONS = SolverOptions(mip_gap=GAP)


def _hourly(folder: Path) -> dict[str, float]:
    """Ratios recomputed from a point's timeseries.csv alone (no ledger, no summary)."""
    ts = pd.read_csv(folder / "timeseries.csv")
    imp, exp = ts["import_kw"].to_numpy(), ts["export_kw"].to_numpy()
    self_used = (ts["pv_available_kw"] - ts["pv_curtailed_kw"]).to_numpy() - exp
    consumption = float(np.sum(imp + self_used))
    emissions = float(np.sum(imp * ts["grid_emission_factor_kg_per_kwh"].to_numpy()))
    both = (imp > 1e-3) & (exp > 1e-3)
    if "battery_charge_kw" in ts:
        both |= (ts["battery_charge_kw"] > 1e-3) & (ts["battery_discharge_kw"] > 1e-3)
    return {
        "carbon_intensity": emissions / (consumption * KGCE),
        "emissions": emissions / 1000 * 8760 / len(ts),
        "self_use": float(np.sum(self_used)) / consumption,
        "simultaneous_hours": int(both.sum()),
    }


@pytest.fixture
def case_path(make_case) -> Path:
    return _case(make_case)


@pytest.mark.parametrize("vs", ["carbon_intensity", "emissions", "self_use"])
def test_frontier_is_monotone_starts_at_the_plain_run_and_every_point_holds(
    case_path, tmp_path, vs
):
    out = tmp_path / "frontier"
    front = dispatch.frontier(
        case_path, vs=vs, points=4, out=out, method="exact", options=OPTIONS, horizon=HORIZON
    )
    table = pd.read_csv(out / "frontier.csv")
    assert list(table.columns[: len(COLUMNS)]) == list(COLUMNS)
    assert {"pv_kw", "battery_kwh", "battery_kw", "grid_connection_kw"} <= set(table.columns)
    assert len(table) == 4 and (table["status"] == "optimal").all()
    for k, npv in enumerate(table["npv"]):  # each point's NPV against the baseline
        point = json.loads((out / "points" / str(k) / "summary.json").read_text())
        assert npv == pytest.approx(point["financials"]["npv"], rel=1e-9, abs=1e-6)
    # the first point is the plain run
    plain = solve_case(load_case(case_path), method="exact", options=OPTIONS, horizon=HORIZON)
    assert table["objective_per_year"][0] == pytest.approx(
        plain.summary["objective_per_year"], rel=2 * GAP
    )
    # tightening never makes it cheaper (beyond the MIP gap)
    cost = table["objective_per_year"].to_numpy()
    assert np.all(np.diff(cost) >= -GAP * cost[1:])
    assert cost[-1] > cost[0] * 1.05  # and the sweep does tighten something
    tighter = np.diff(table["limit"].to_numpy()[1:])
    assert np.all(tighter > 0) if vs == "self_use" else np.all(tighter < 0)
    for k, row in table.iterrows():
        got = _hourly(out / "points" / str(k))
        summary = json.loads((out / "points" / str(k) / "summary.json").read_text())
        assert summary["rules_ok"] and got["simultaneous_hours"] == 0
        assert got[vs] == pytest.approx(row["value"], rel=1e-6, abs=1e-9)
        if k == 0:
            continue
        if vs == "self_use":
            assert got[vs] >= row["limit"] - 1e-6
        else:
            assert got[vs] <= row["limit"] * (1 + 1e-6)
            assert got[vs] == pytest.approx(row["limit"], rel=1e-4)  # the limit binds
    # points after the first with a limit are re-solved in place, and give what a fresh
    # build of the same limit gives
    resolved = [json.loads((out / "points" / str(k) / "summary.json").read_text())["solve"]
                ["resolve"] for k in range(len(table))]  # fmt: skip
    assert all(r["in_place"] for r in resolved[2:]), resolved
    limit = float(table["limit"].iloc[-1])
    fresh = solve_case(
        load_case(case_path).with_overrides({ledger.RULE_BY_NAME[front.rule].key: limit}),
        method="exact", options=OPTIONS, horizon=HORIZON,
    )  # fmt: skip
    assert table["objective_per_year"].iloc[-1] == pytest.approx(
        fresh.summary["objective_per_year"], rel=2 * GAP
    )
    # the last point is near the tightest level the level search found
    level = front.level.value
    last = table["value"].iloc[-1]
    first = table["value"].iloc[0]
    assert abs(last - level) <= 0.011 * abs(first - level) + 1e-9
    assert (out / "frontier.html").read_text(encoding="utf-8").count("Plotly") > 0


def test_tightest_carbon_intensity_by_hand(make_case):
    """Without storage the night's imports set the floor of the carbon intensity.

    PV (up to 2000 kW) covers the 100 kW load in every hour whose availability is at
    least 5 %; the other hours (the 12 night hours of the profile) import it all.
    """
    path = _case(make_case, tech={"battery": None})
    level = tightest_level(load_case(path), "carbon_intensity", HORIZON)
    night_share = sum(1 for a in PV_DAY if a * 2000 < 100) / 24
    assert night_share == 0.5
    assert level.value == pytest.approx(night_share * FACTOR / KGCE, rel=1e-5)


def test_abatement_cost_by_hand():
    assert abatement_cost(100.0, 160.0, 50.0, 20.0) == pytest.approx(2.0)
    assert abatement_cost(100.0, 160.0, 50.0, 50.0) is None


def test_cli_frontier_writes_the_folder_and_rejects_bad_input(case_path, tmp_path):
    runner = CliRunner()
    out = tmp_path / "f"
    args = ["frontier", str(case_path), "--vs", "emissions", "--points", "2", "--hours",
            str(HOURS), "--method", "exact", "--out", str(out)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (out / "frontier.csv").is_file() and (out / "points" / "1" / "summary.json").is_file()
    again = runner.invoke(app, args)  # a frontier folder is replaced by the next one
    assert again.exit_code == 0, again.output
    bad = runner.invoke(app, [*args[:3], "--vs", "cost", *args[5:]])
    assert bad.exit_code == 2
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep")
    refused = runner.invoke(app, [*args[:-1], str(other)])
    assert refused.exit_code == 2 and (other / "notes.txt").read_text() == "keep"


def test_a_point_the_fast_method_fails_is_solved_exactly(case_path, monkeypatch):
    import dispatch.sweep.frontier as front
    from dispatch.errors import SolverError

    solve = front.solve_point

    def flaky(data, rule, limit, method, options, horizon, resolver=None):
        if limit is not None and method == "auto":
            raise SolverError("HiGHS stopped for an unknown reason (numerical trouble?)")
        return solve(data, rule, limit, "exact", options, horizon)

    monkeypatch.setattr(front, "solve_point", flaky)
    table = front.frontier(
        case_path, vs="emissions", points=3, method="auto", options=OPTIONS, horizon=HORIZON
    ).table
    assert (table["status"] == "optimal").all()
    assert table["message"][1].startswith("auto: HiGHS stopped")
    assert np.all(np.diff(table["tco2_per_year"]) < 0)


def test_limits_given_with_at_are_merged_in_order_and_explained(make_case):
    # 10 tCO2/tce is met by the least-cost design; 0 is beyond what any design reaches
    # without storage (the night imports) and is listed as infeasible with the level.
    path = _case(make_case, tech={"battery": None})
    front = dispatch.frontier(
        path, vs="carbon_intensity", points=2, method="exact", options=OPTIONS,
        horizon=HORIZON, at=[10.0, 0.0],
    )  # fmt: skip
    table = front.table
    assert list(table["limit"][1:]) == [10.0, pytest.approx(table["limit"][2]), 0.0]
    assert table["limit"][2] < 10.0 and table["limit"][2] > front.level.value
    assert table["objective_per_year"][1] == table["objective_per_year"][0]
    assert "point 0" in table["message"][1]
    assert table["status"][3] == "infeasible" and pd.isna(table["objective_per_year"][3])
    assert "tightest level" in table["message"][3]
    assert front.outputs[3] is None


def test_cli_frontier_rejects_limits_that_are_not_numbers(case_path):
    result = CliRunner().invoke(app, ["frontier", str(case_path), "--at", "0.3,abc"])
    assert result.exit_code == 2 and "--at" in result.output


def test_cli_metric_choices_are_the_frontier_metrics():
    from dispatch.cli import Metric
    from dispatch.sweep.frontier import METRICS

    assert [m.value for m in Metric] == list(METRICS)


def test_an_even_step_next_to_a_given_limit_yields_to_it():
    from dispatch.sweep.frontier import _limits

    rule = ledger.RULE_BY_NAME["carbon_intensity"]
    # even steps of 0.448 -> 0.0045 in 3: 0.3002, 0.1523, 0.0045; 0.3 is given
    got = _limits(rule, 0.448, 0.0045, 4, [0.3, 0.2])
    assert got == pytest.approx([0.3, 0.2, 0.1523, 0.0045], abs=1e-4)
