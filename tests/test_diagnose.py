"""Infeasible and unbounded cases explained in the park's terms.

Every case repeats a two-hour pattern (PV availability [1, 0] unless stated,
load 100 kW), so the answers follow by hand; each test says how.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dispatch.case.loader import load_case
from dispatch.cli import app
from dispatch.errors import InfeasibleError, SolverError, UnboundedError
from dispatch.model.horizon import Horizon
from dispatch.runner import solve_case
from dispatch.solve.exact import SolverOptions, check_termination

runner = CliRunner()
NO_RULES = {
    "self_use_min_of_generation": None,
    "self_use_min_of_consumption": 0.0,
    "export_max_of_generation": None,
}
RULES = {
    "self_use_min_of_generation": 0.6,
    "self_use_min_of_consumption": 0.35,
    "export_max_of_generation": 0.2,
}


def _pv_case(pv: dict, rules: dict, battery: dict | None = None, pattern=(1, 0)) -> dict:
    techs = {"pv": {"availability": "@pv", **pv}}
    if battery is not None:
        techs["battery"] = battery
    return {
        "name": "diag",
        "year": 2025,
        "finance": {"discount_rate": 0.0},
        "load": {"electricity_kw": 100},
        "technologies": techs,
        "grid": {"import_price_per_kwh": 0.5, "export_price_per_kwh": 0.0},
        "rules": rules,
    }, {"pv": list(pattern)}


def _diagnose(make_case, case: dict, profiles: dict | None = None):
    data = load_case(make_case(case, profiles))
    with pytest.raises((InfeasibleError, UnboundedError)) as err:
        solve_case(data, horizon=Horizon.full_year(2025, 24))
    return err.value


def test_consumption_share_held_back_by_pv_limit(make_case) -> None:
    # PV <= 20 kW, used whole in the sunny hour: 20 of 200 kWh per two hours = 10 %.
    # 35 % needs 70 kWh of PV per two hours: max_kw 70.
    err = _diagnose(make_case, *_pv_case({"max_kw": 20}, RULES))
    assert isinstance(err, InfeasibleError)
    (f,) = err.diagnosis
    assert f["constraint"] == "rules.self_use_min_of_consumption"
    assert f["reachable"] == pytest.approx(0.10, abs=1e-7)
    assert f["remedies"] == [
        {"key": "technologies.pv.max_kw", "from": 20.0, "to": pytest.approx(70.0, rel=1e-6)}
    ]
    assert str(err) == (
        "self-use ≥ 35 % of consumption (rules.self_use_min_of_consumption) cannot be met: "
        "at most 10.0 % is reachable with PV ≤ 20 kW and no wind or storage; raise "
        "technologies.pv.max_kw to 70 kW, add technologies.wind, or lower "
        "rules.self_use_min_of_consumption to 0.1 (10.0 %)"
    )


def test_generation_share_broken_by_a_pv_minimum(make_case) -> None:
    # PV >= 1000 kW makes 1000 kWh per two hours, of which the load uses 100: 10 %.
    # Self-use min(P, 100) >= 0.6 P holds up to P = 100 / 0.6 = 166.7 kW.
    err = _diagnose(
        make_case, *_pv_case({"min_kw": 1000}, {**RULES, "self_use_min_of_consumption": 0.0})
    )
    (f,) = err.diagnosis
    assert f["constraint"] == "rules.self_use_min_of_generation"
    assert f["reachable"] == pytest.approx(0.10, abs=1e-7)
    assert f["remedies"][0]["key"] == "technologies.pv.min_kw"
    assert f["remedies"][0]["to"] == pytest.approx(100 / 0.6, rel=1e-6)
    assert "PV ≥ 1,000 kW" in f["message"] and "add technologies.battery" in f["message"]


def test_battery_and_pv_limits_both_move(make_case) -> None:
    # Lossless battery <= 20 kWh: PV 150 kW serves 100 kWh at once and 20 kWh later,
    # 120 of 200 kWh = 60 %. 80 % needs 160 kWh: PV 160 kW and 60 kWh stored.
    battery = {
        "charge_efficiency": 1.0,
        "discharge_efficiency": 1.0,
        "soc_min_fraction": 0.0,
        "soc_max_fraction": 1.0,
        "max_kwh": 20,
    }
    rules = {**RULES, "self_use_min_of_consumption": 0.8}
    err = _diagnose(make_case, *_pv_case({"max_kw": 150}, rules, battery))
    (f,) = err.diagnosis
    assert f["reachable"] == pytest.approx(0.60, abs=1e-7)
    moved = {r["key"]: r["to"] for r in f["remedies"]}
    assert moved == {
        "technologies.pv.max_kw": pytest.approx(160, rel=1e-6),
        "technologies.battery.max_kwh": pytest.approx(60, rel=1e-6),
    }


def test_rule_held_back_by_another_rule(make_case) -> None:
    # PV availability [1, 0.2]. Above 100 kW, self-use is 100 + 0.2 P of 1.2 P available;
    # >= 90 % of generation holds up to P = 100 / 0.88 = 113.6 kW, where self-use is
    # 122.7 of 200 kWh = 61.4 %: a 62 % share of consumption cannot also hold.
    rules = {
        "self_use_min_of_generation": 0.9,
        "self_use_min_of_consumption": 0.62,
        "export_max_of_generation": None,
    }
    err = _diagnose(make_case, *_pv_case({}, rules, pattern=(1, 0.2)))
    (f,) = err.diagnosis
    assert f["constraint"] == "rules.self_use_min_of_consumption"
    assert f["reachable"] == pytest.approx((100 + 0.2 * 100 / 0.88) / 200, rel=1e-6)
    assert f["reachable_without_other_rules"] == pytest.approx(1.0, rel=1e-6)
    assert "while rules.self_use_min_of_generation holds" in f["message"]


def test_minimum_addition_must_give(make_case) -> None:
    # PV is 0 or >= 500 kW. 35 % of consumption needs P >= 70; 60 % of generation needs
    # min(P, 100) >= 0.6 P, so P <= 166.7: only a smaller minimum addition reconciles them.
    # With the generation rule kept, P = 0 and the share is 0 %; without it, P >= 500
    # serves the whole sunny hour, 100 of 200 kWh = 50 %.
    err = _diagnose(make_case, *_pv_case({"max_kw": 1000, "min_kw_if_built": 500}, RULES))
    (f,) = err.diagnosis
    assert f["constraint"] == "rules.self_use_min_of_consumption"
    assert f["reachable"] == pytest.approx(0.0, abs=1e-7)
    assert f["reachable_without_other_rules"] == pytest.approx(0.5, rel=1e-6)
    assert f["remedies"] == [
        {
            "key": "technologies.pv.min_kw_if_built",
            "from": 500.0,
            "to": pytest.approx(100 / 0.6, rel=1e-6),
        }
    ]
    assert "PV additions of 0 or ≥ 500 kW" in f["message"]


def test_heat_pump_too_small_without_boiler(make_case) -> None:
    case = {
        "name": "heat",
        "year": 2025,
        "load": {"electricity_kw": 100, "heat_kw_th": "@heat"},
        "technologies": {"heat_pump": {"cop": 3, "max_kw_th": 500}},
        "grid": {"import_price_per_kwh": 0.5},
        "rules": NO_RULES,
    }
    err = _diagnose(make_case, case, {"heat": [300, 700]})
    (f,) = err.diagnosis
    assert f["constraint"] == "technologies.heat_pump.max_kw_th"
    assert f["needed"] == pytest.approx(700, rel=1e-6)  # the heat peak
    assert "add technologies.boiler" in f["message"]


def test_fixed_grid_connection_too_small(make_case) -> None:
    case = {
        "name": "grid",
        "year": 2025,
        "load": {"electricity_kw": "@load"},
        "grid": {"import_price_per_kwh": 0.5, "connection_kw": 50},
        "rules": NO_RULES,
    }
    err = _diagnose(make_case, case, {"load": [40, 100]})
    (f,) = err.diagnosis
    assert f["constraint"] == "grid.connection_kw"
    assert f["needed"] == pytest.approx(100, rel=1e-6)  # the load peak


def test_no_renewables_for_the_default_consumption_rule(make_case) -> None:
    case = {"name": "x", "year": 2025, "load": {"electricity_kw": 100}}
    case["grid"] = {"import_price_per_kwh": 0.5}
    err = _diagnose(make_case, case)
    (f,) = err.diagnosis
    assert f["constraint"] == "rules.self_use_min_of_consumption"
    assert f["limit"] == 0.30  # the default before 2030
    assert f["reachable"] == 0.0
    assert "add technologies.pv or technologies.wind" in f["message"]


def test_runaway_pv_is_named(make_case) -> None:
    # PV earns 4380 h * 0.4 = 1752 a kW-year from exports and costs 10: it runs away.
    pv = {"capex_per_kw": 10, "fixed_om_per_kw_year": 0, "lifetime_years": 1}
    case, profiles = _pv_case(pv, NO_RULES)
    case["grid"]["export_price_per_kwh"] = 0.4
    err = _diagnose(make_case, case, profiles)
    assert isinstance(err, UnboundedError) and err.exit_code == 4
    assert [f["constraint"] for f in err.diagnosis] == ["technologies.pv.max_kw"]
    assert str(err).startswith(
        "technologies.pv.max_kw is unlimited and exports pay more than PV costs: "
        "PV would grow without bound"
    )


def test_diagnosis_can_be_skipped(make_case) -> None:
    data = load_case(make_case(*_pv_case({"max_kw": 20}, RULES)))
    with pytest.raises(InfeasibleError) as err:
        solve_case(data, horizon=Horizon.full_year(2025, 24), diagnose=False)
    assert err.value.diagnosis == []


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("time limit reached", "time limit of 5 s"),
        ("iteration limit reached", "iteration limit"),
        ("solve error", "numerical trouble"),
        ("unknown", "unknown reason"),
        ("memory limit reached", "out of memory"),
    ],
)
def test_solver_stops_are_explained(status: str, words: str) -> None:
    with pytest.raises(SolverError) as err:
        check_termination(status, False, SolverOptions(5))
    assert words in str(err.value) and "\n" not in str(err.value)
    assert not isinstance(err.value, UnboundedError)


def test_ambiguous_and_proven_statuses() -> None:
    opts = SolverOptions()
    with pytest.raises(InfeasibleError):
        check_termination("infeasible", False, opts)
    with pytest.raises(UnboundedError) as err:
        check_termination("primal infeasible or unbounded", False, opts)
    assert not err.value.proven
    with pytest.raises(UnboundedError) as err:
        check_termination("unbounded", False, opts)
    assert err.value.proven
    with pytest.raises(KeyboardInterrupt):
        check_termination("interrupted by user", False, opts)
    # a time limit with a solution in hand is not an error
    check_termination("time limit reached", True, opts)


def test_time_limit_without_a_solution(tmp_path: Path) -> None:
    # a month of the example cannot be solved in the 0.01 s HiGHS gets at the least
    example = Path(__file__).resolve().parents[1] / "cases" / "example-park.yaml"
    out = tmp_path / "r"
    args = ["run", str(example), "--out", str(out), "--hours", "720", "--time-limit", "0.001"]
    result = runner.invoke(app, args)
    assert result.exit_code == 4
    assert "time limit of 0.001 s before finding any feasible design" in result.stderr
    assert not out.exists()


# --- the command line: exit 3, summary.json with the diagnosis, earlier results kept ---


def _run(case: Path, out: Path):
    return runner.invoke(app, ["run", str(case), "--out", str(out), "--hours", "24"])


def _infeasible_case(make_case) -> Path:
    return make_case(*_pv_case({"max_kw": 20}, RULES))


def test_cli_writes_the_diagnosis_into_a_new_folder(make_case, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _run(_infeasible_case(make_case), out)
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: self-use ≥ 35 % of consumption")
    assert lines[-1] == f"diagnosis written to {out / 'summary.json'}"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "infeasible"
    assert summary["diagnosis"][0]["constraint"] == "rules.self_use_min_of_consumption"
    assert sorted(p.name for p in out.iterdir()) == ["summary.json"]


def test_cli_never_overwrites_a_finished_run(make_case, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    good = json.dumps({"status": "optimal"})
    (out / "summary.json").write_text(good)
    (out / "timeseries.csv").write_text("a\n1\n")
    result = _run(_infeasible_case(make_case), out)
    assert result.exit_code == 3
    assert (out / "summary.json").read_text() == good
    assert (out / "timeseries.csv").read_text() == "a\n1\n"
    beside = tmp_path / "out-infeasible" / "summary.json"
    assert json.loads(beside.read_text())["status"] == "infeasible"
    assert f"diagnosis written to {beside}" in result.stderr


def test_cli_replaces_an_earlier_diagnosis(make_case, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text(json.dumps({"status": "infeasible", "diagnosis": []}))
    result = _run(_infeasible_case(make_case), out)
    assert result.exit_code == 3
    assert json.loads((out / "summary.json").read_text())["diagnosis"]
    assert not (tmp_path / "out-infeasible").exists()


def test_cli_unbounded_exits_4_and_writes_nothing(make_case, tmp_path: Path) -> None:
    pv = {"capex_per_kw": 10, "fixed_om_per_kw_year": 0, "lifetime_years": 1}
    case, profiles = _pv_case(pv, NO_RULES)
    case["grid"]["export_price_per_kwh"] = 0.4
    out = tmp_path / "out"
    result = _run(make_case(case, profiles), out)
    assert result.exit_code == 4
    assert "technologies.pv.max_kw is unlimited" in result.stderr
    assert not out.exists()
