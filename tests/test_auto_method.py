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
    assert best == pytest.approx(auto["solve"]["objective"], rel=1e-6)
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
