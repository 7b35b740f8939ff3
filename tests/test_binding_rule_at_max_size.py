"""A consumption rule that binds with PV at its maximum (issue 14, item 3).

With PV capped, the rule is met only with storage the typical days do not see, and
the relaxed dispatch can meet it by charging and discharging in the same hour. The
default method must still return a design whose strict dispatch meets the rule.
"""

from __future__ import annotations

import numpy as np
import pytest

from dispatch.case.loader import load_case
from dispatch.model.build import build_model
from dispatch.model.horizon import Horizon
from dispatch.runner import solve_case
from dispatch.solve.auto import size_vars
from dispatch.solve.highs import HighsModel
from dispatch.solve.refine import FullYear, Master, refine
from tests.conftest import REPO

WEEKS_13 = 24 * 91
"""The first 13 weeks: long enough for the typical-day design to fail strict physics."""


@pytest.fixture
def capped_pv(make_case):
    def make(max_kw: float):
        return load_case(
            make_case(
                {
                    "name": "capped-pv",
                    "year": 2030,
                    "load": {"electricity_kw": 1000},
                    "technologies": {
                        "pv": {"availability": str(REPO / "profiles" / "pv.csv"), "max_kw": max_kw},
                        # free cycling, as when the defect was found: the relaxed design
                        # then burns surplus by charging and discharging at once
                        "battery": {"degradation_cost_per_kwh": 0},
                    },
                    "rules": {"self_use_min_of_consumption": 0.35},
                    "grid": {"import_price_per_kwh": 0.6},
                }
            )  # fmt: skip
        )

    return make


def test_default_method_solves_a_rule_that_binds_at_the_pv_maximum(capped_pv):
    # Before the fix: the relaxed design met the rule only by charging and discharging in
    # the same hours, strict physics found it infeasible, and the run exited 3.
    data = capped_pv(3500)
    horizon = Horizon.full_year(2030, WEEKS_13)
    auto = solve_case(data, method="auto", horizon=horizon, diagnose=False).summary
    exact = solve_case(data, method="exact", horizon=horizon).summary
    assert auto["rules_ok"] and auto["dispatch_strict"]
    rule = next(r for r in auto["rules"] if r["name"] == "self_use_of_consumption")
    assert rule["value"] >= 0.35 - 1e-6
    assert auto["objective_per_year"] >= exact["objective_per_year"] * (1 - 1e-6)
    assert auto["objective_per_year"] <= exact["objective_per_year"] * 1.005
    assert auto["solve"]["auto"]["strict_repairs"]


def test_repair_reaches_a_feasible_design_from_a_tiny_battery(capped_pv):
    # Farkas cuts from a design with almost no battery each add well under a kW: before
    # the fix, twelve of them ended in "cannot meet every rule" on a feasible case.
    data = capped_pv(3500).with_overrides({"physics": "relaxed"})
    horizon = Horizon.full_year(2030, WEEKS_13)
    full = build_model(data, horizon)
    hm = HighsModel(full.model)
    sizes = size_vars(full)
    keys = [k for k in sizes if hm.col(sizes[k]) >= 0]
    master = Master(hm, np.array([hm.col(sizes[k]) for k in keys], dtype=np.int32), 50.0)
    start = np.array([{"pv_kw": 3500.0, "battery_kwh": 3.0, "battery_kw": 1.0}.get(k, 1200.0)
                      for k in keys])  # fmt: skip
    result = refine(FullYear(hm, master.cols), master, start, steps=20, gap=1e-4)
    exact = solve_case(data, method="exact", horizon=horizon).summary
    assert result.history[0].objective is None
    assert result.best.objective == pytest.approx(exact["objective_per_year"], rel=2e-3)


def test_strict_phase_out_of_time_falls_back_to_one_flow_per_hour(capped_pv, monkeypatch):
    # The strict phase of the final dispatch has its own few seconds; when they run out
    # before HiGHS finds any strict dispatch (simulated here on the first strict solve),
    # the run goes on to the one-flow-per-hour restriction instead of failing with a
    # time-limit error that names the run's whole limit.
    from dispatch.errors import SolverError
    from dispatch.solve import auto

    real = auto.solve_loaded
    calls = {"phase": 0}

    def phase_runs_out(*args, **kwargs):
        if kwargs.get("max_rounds") is not None and not calls["phase"]:
            calls["phase"] += 1
            raise SolverError("HiGHS reached its time limit before finding any feasible design")
        return real(*args, **kwargs)

    monkeypatch.setattr(auto, "solve_loaded", phase_runs_out)
    out = solve_case(capped_pv(3500), method="auto", horizon=Horizon.full_year(2030, 24 * 28))
    assert calls["phase"] == 1
    assert out.summary["rules_ok"] and out.summary["dispatch_strict"]
