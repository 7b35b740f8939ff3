"""The full-year refinement of method auto: cuts, repairs and discrete sizes (issue 9)."""

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
from tests.conftest import EXAMPLE
from tests.sweep_cases import pv_battery_case

AUTO_TOLERANCE = 0.005


def _problem(data, horizon):
    full = build_model(data.with_overrides({"physics": "relaxed"}), horizon)
    hm = HighsModel(full.model)
    sizes = size_vars(full)
    keys = [k for k in sizes if hm.col(sizes[k]) >= 0]
    cols = np.array([hm.col(sizes[k]) for k in keys], dtype=np.int32)
    master = Master(hm, cols, floor=10.0)
    return keys, master, FullYear(hm, master.cols)


def test_optimality_cuts_never_overestimate_the_full_year_cost():
    # (R1) must hold between any two designs: f(z') >= f(z) + g(z) . (z' - z). Checked on
    # eight designs around the example's, each dispatched on its own.
    data = load_case(EXAMPLE)
    keys, master, year = _problem(data, Horizon.full_year(data.case.year, 24 * 14))
    base = np.array([8000.0, 4000.0, 12000.0, 3000.0, 4000.0, 8000.0])[: len(keys)]
    rng = np.random.default_rng(7)
    points = []
    for _ in range(8):
        z = np.clip(base * rng.uniform(0.6, 1.4, base.size), master.lower, master.upper)
        ev = year.evaluate(z)
        assert ev.objective is not None
        points.append(ev)
    gradients = np.array([p.gradient for p in points])
    assert np.abs(gradients).max() > 1.0  # the sizes do move the cost
    for a in points:
        for b in points:
            predicted = a.objective + a.gradient @ (b.design - a.design)
            assert b.objective >= predicted - 1e-6 * abs(b.objective)


def test_an_infeasible_start_is_repaired_by_feasibility_cuts(make_case):
    # No PV at the start cannot meet self-use >= 30 % of consumption: the full year gives a
    # Farkas cut, the master moves to the nearest design it allows, and the refinement
    # then reaches the exact optimum. No cut may exclude the exact design.
    data = load_case(pv_battery_case(make_case))
    horizon = Horizon.full_year(2025, 24 * 7)
    keys, master, year = _problem(data, horizon)
    result = refine(year, master, np.zeros(len(keys)), steps=40, gap=1e-5)
    assert result.repairs >= 1
    assert master.feasibility
    assert result.history[0].objective is None
    exact = solve_case(data, method="exact", horizon=horizon).summary
    assert result.best.objective == pytest.approx(exact["objective_per_year"], rel=1e-4)
    z_exact = np.array([exact["capacities"][k] for k in keys])
    full_exact = master.project(z_exact)  # the exact design with its unit columns
    assert full_exact is not None
    for r, bound in master.feasibility:
        assert r @ full_exact <= bound + 1e-5 * (abs(bound) + np.abs(r * full_exact).sum() + 1)


def test_auto_with_discrete_sizes_stays_on_whole_units():
    data = load_case(EXAMPLE).with_overrides({
        "technologies.pv.unit_kw": 500,
        "technologies.battery.unit_kwh": 2500,
        "technologies.battery.unit_kw": 1250,
        "technologies.wind.min_kw_if_built": 2000,
        "technologies.wind.max_kw": 20000,
        "solver.typical_days": 8,
    })  # fmt: skip
    horizon = Horizon.full_year(data.case.year, 24 * 28)
    auto = solve_case(data, method="auto", horizon=horizon).summary
    exact = solve_case(data, method="exact", horizon=horizon).summary
    caps = auto["capacities"]
    assert caps["pv_kw"] / 500 == pytest.approx(round(caps["pv_kw"] / 500), abs=1e-6)
    containers = caps["battery_kwh"] / 2500
    assert containers == pytest.approx(round(containers), abs=1e-6)
    assert caps["battery_kw"] == pytest.approx(1250 * round(containers), abs=1e-6)
    assert caps["wind_kw"] < 1e-6 or caps["wind_kw"] >= 2000 - 1e-6
    assert auto["rules_ok"] and auto["dispatch_strict"]
    assert auto["objective_per_year"] >= exact["objective_per_year"] * (1 - 1e-6)
    assert auto["objective_per_year"] <= exact["objective_per_year"] * (1 + AUTO_TOLERANCE)


def test_a_dispatch_stuck_in_numerical_trouble_is_run_again_from_scratch(monkeypatch):
    # A warm-started simplex can stop with status "unknown" near a binding annual rule
    # (seen on the example park at carbon intensity <= 0.3). The dispatch must then be
    # run once more from scratch rather than fail the run.
    from dispatch.solve import refine as refine_module
    from dispatch.solve.highs import RunStats

    data = load_case(EXAMPLE)
    keys, master, year = _problem(data, Horizon.full_year(data.case.year, 24 * 7))
    design = np.clip(np.array([8000.0, 4000.0, 12000.0, 3000.0, 4000.0, 8000.0])[: len(keys)],
                     master.lower, master.upper)  # fmt: skip
    expected = year.evaluate(design).objective
    real = refine_module.run_until
    calls: list[str] = []

    def stuck_once(hm, deadline):
        calls.append(str(hm.options.get("solver")))
        if len(calls) == 1:
            return RunStats("unknown", None, None, float("inf"), 0.0, False)
        return real(hm, deadline)

    monkeypatch.setattr(refine_module, "run_until", stuck_once)
    again = year.evaluate(design * 1.01)
    assert calls == ["simplex", "ipm"]
    assert again.objective is not None and again.objective == pytest.approx(
        year.evaluate(design).objective, rel=0.05
    )
    assert year.evaluate(design).objective == pytest.approx(expected, rel=1e-7)


def test_a_design_that_cannot_run_without_a_cut_is_not_proposed_again():
    # A dispatch that proves no certificate (interior point after a stalled simplex)
    # gives no cut: the trust region must shrink, or the same design comes back and
    # each return costs a full-year solve (minutes near a binding carbon rule).
    from dispatch.solve.refine import Evaluation

    data = load_case(EXAMPLE)
    keys, master, year = _problem(data, Horizon.full_year(data.case.year, 24 * 7))
    start = np.clip(np.array([8000.0, 4000.0, 12000.0, 3000.0, 4000.0, 8000.0])[: len(keys)],
                    master.lower, master.upper)  # fmt: skip
    real = year.evaluate
    seen: list[np.ndarray] = []

    def no_cut_once(design):
        seen.append(design.copy())
        if len(seen) == 2:  # the first proposal after the start "cannot run"
            return Evaluation(design.copy(), None, cut=None)
        return real(design)

    year.evaluate = no_cut_once
    refine(year, master, start, steps=6, gap=1e-9)
    assert len(seen) >= 3
    assert not any(np.allclose(later, seen[1]) for later in seen[2:])
