"""The fast default method against the exact optimum on a shortened horizon (issue 9)."""

from __future__ import annotations

import numpy as np
import pytest

from dispatch.case.loader import load_case
from dispatch.model.horizon import Horizon
from dispatch.runner import solve_case
from tests.conftest import EXAMPLE

AUTO_TOLERANCE = 0.005
"""The fast method's stated quality: within 0.5 % of the exact optimum."""


@pytest.fixture(scope="module")
def four_weeks():
    data = load_case(EXAMPLE).with_overrides({"solver.typical_days": 8})
    horizon = Horizon.full_year(data.case.year, 24 * 28)
    auto = solve_case(data, method="auto", horizon=horizon).summary
    exact = solve_case(data, method="exact", horizon=horizon).summary
    return auto, exact


def test_auto_within_tolerance_of_exact(four_weeks):
    auto, exact = four_weeks
    assert auto["method"] == "auto" and exact["method"] == "exact"
    assert auto["objective_per_year"] >= exact["objective_per_year"] * (1 - 1e-6)
    assert auto["objective_per_year"] <= exact["objective_per_year"] * (1 + AUTO_TOLERANCE)


def test_auto_dispatch_meets_every_rule_and_is_strict(four_weeks):
    auto, _ = four_weeks
    assert auto["rules_ok"]
    assert auto["dispatch_strict"]


def test_auto_reports_how_it_got_there(four_weeks):
    auto, exact = four_weeks
    report = auto["solve"]["auto"]
    assert report["periods"] >= 8
    assert 1 <= len(report["iterations"]) <= report["corrections"] + 1
    best = min(i["full_year_objective"] for i in report["iterations"] if i["feasible"])
    assert best == pytest.approx(auto["solve"]["solver_objective_per_year"], rel=1e-6)
    if report["lower_bound"] is not None:  # a valid bound never exceeds the optimum
        assert report["lower_bound"] <= exact["objective_per_year"] * (1 + 1e-6)
    assert report["stopped"]
    assert np.isfinite(report["seconds"]["total"])


def test_auto_correction_stays_bounded_on_a_periodic_pv_battery_case(make_case):
    # Regression: the full-year price correction once made the battery look profitable
    # without end (sizing LP unbounded). Every day is alike here, so typical days are exact
    # and auto must match exact.
    from tests.sweep_cases import pv_battery_case

    data = load_case(pv_battery_case(make_case)).with_overrides({"solver.typical_days": 3})
    horizon = Horizon.full_year(2025, 24 * 14)
    auto = solve_case(data, method="auto", horizon=horizon).summary
    exact = solve_case(data, method="exact", horizon=horizon).summary
    assert not (auto["solve"]["auto"]["stopped"] or "").startswith("correction")
    assert auto["objective_per_year"] == pytest.approx(exact["objective_per_year"], rel=1e-6)


def test_one_statement_of_quality_true_for_both_methods(four_weeks):
    from rich.console import Console

    from dispatch.report.html import _quality_html
    from dispatch.results.terminal import print_summary

    exact_optimum = four_weeks[1]["solve"]["solver_objective_per_year"]
    for summary in four_weeks:
        solve = summary["solve"]
        quality = solve["quality"]
        assert quality["method"] == summary["method"]
        objective = solve["solver_objective_per_year"]
        # the two costs differ by the battery tie-break only (O2: 1e-5 per kWh, tiny)
        assert objective >= summary["objective_per_year"] - 1e-6
        assert objective == pytest.approx(summary["objective_per_year"], rel=1e-5)
        bound, gap = quality["lower_bound_per_year"], quality["proven_gap"]
        if bound is not None:  # the bound is valid: never above the exact optimum
            assert bound <= exact_optimum * (1 + 1e-6)
            assert gap == pytest.approx(max(0.0, 1 - bound / objective), abs=1e-9)
            assert f"{gap:.2%}" in quality["statement"] or quality["statement"].startswith(
                "optimal"
            )
        console = Console(record=True, width=200)
        print_summary(summary, console)
        assert f"quality: {quality['statement']}" in console.export_text()
        assert quality["statement"] in _quality_html(solve).replace("&#x27;", "'")
    exact_quality = four_weeks[1]["solve"]["quality"]
    assert exact_quality["proven_gap"] <= 1e-6 + four_weeks[1]["solve"]["mip_gap_limit"]


def test_typical_days_that_meet_no_design_fall_back_to_the_full_year():
    """A rule the typical days cannot meet but the year can: solved exactly, not "infeasible".

    On six typical days of the first two weeks, no design reaches 0.2 tCO2/tce; the two weeks
    themselves can (the exact method finds the design).
    """
    from dispatch.errors import TypicalDaysInfeasible
    from dispatch.runner import TYPICAL_DAYS_FELL_BACK
    from dispatch.solve.auto import _Sizing
    from dispatch.solve.exact import SolverOptions

    data = load_case(EXAMPLE).with_overrides(
        {"rules.carbon_intensity_max_t_per_tce": 0.2, "solver.typical_days": 6}
    )
    horizon = Horizon.full_year(data.case.year, 24 * 14)
    with pytest.raises(TypicalDaysInfeasible):  # the premise: the typical days meet nothing
        _Sizing(data, 6, SolverOptions(), horizon.n_steps).solve()
    auto = solve_case(data, method="auto", horizon=horizon).summary
    exact = solve_case(data, method="exact", horizon=horizon).summary
    assert auto["method"] == "exact" and auto["run"]["method"] == "auto"
    assert TYPICAL_DAYS_FELL_BACK in auto["solve"]["warnings"]
    assert auto["rules_ok"] and auto["dispatch_strict"]
    carbon = next(r for r in auto["rules"] if r["name"] == "carbon_intensity")
    assert carbon["value"] <= 0.2 + 1e-9
    assert auto["objective_per_year"] == pytest.approx(exact["objective_per_year"], rel=1e-6)


def test_a_re_solve_whose_typical_days_meet_no_design_solves_the_year_exactly():
    """The same fall-back when a compiled case is re-solved in place (sweeps, sessions)."""
    from dispatch.resolve import Resolver
    from dispatch.runner import TYPICAL_DAYS_FELL_BACK

    data = load_case(EXAMPLE).with_overrides({"solver.typical_days": 6})
    horizon = Horizon.full_year(data.case.year, 24 * 14)
    resolver = Resolver(data, "auto", horizon=horizon)
    tight = {"rules.carbon_intensity_max_t_per_tce": 0.2}
    out = resolver.solve(tight).summary
    exact = solve_case(data.with_overrides(tight), method="exact", horizon=horizon).summary
    assert out["method"] == "exact" and TYPICAL_DAYS_FELL_BACK in out["solve"]["warnings"]
    assert out["solve"]["resolve"]["in_place"] is False
    assert out["rules_ok"] and out["dispatch_strict"]
    assert out["objective_per_year"] == pytest.approx(exact["objective_per_year"], rel=1e-6)
