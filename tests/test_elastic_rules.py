"""Method auto with elastic annual rules in the full-year refinement (K5)."""

from __future__ import annotations

import pytest

from dispatch import ledger
from dispatch.case.loader import load_case
from dispatch.model.horizon import Horizon
from dispatch.resolve import Resolver
from dispatch.results.summary import carbon_kg
from dispatch.runner import solve_case
from dispatch.solve import refine
from tests.conftest import EXAMPLE

LIMIT_T_PER_TCE = 0.3
"""A carbon-intensity limit that binds tightly on the example's first two weeks."""
OVERRIDES = {
    "rules.carbon_intensity_max_t_per_tce": LIMIT_T_PER_TCE,
    "solver.typical_days": 6,
    # maxima on every size, so that the cut model has a finite least value (K4)
    "technologies.battery.max_kwh": 400000,
    "technologies.battery.max_kw": 40000,
    "technologies.heat_pump.max_kw_th": 30000,
}


def _data():
    return load_case(EXAMPLE).with_overrides(OVERRIDES)


def _horizon(data):
    return Horizon.full_year(data.case.year, 24 * 14)


def _intensity(out, data) -> float:
    """Carbon intensity [tCO2/tce] recomputed from the hourly table by the ledger."""
    carbon = carbon_kg(out.timeseries, data)
    value = ledger.ratio_value(ledger.RATIO_BY_NAME["carbon_intensity_t_per_tce"], carbon)
    assert value is not None
    return value


@pytest.fixture(scope="module")
def tight():
    data = _data()
    horizon = _horizon(data)
    auto = solve_case(data, method="auto", horizon=horizon)
    exact = solve_case(data, method="exact", horizon=horizon)
    return data, auto, exact


def test_elastic_refinement_reports_a_design_that_meets_the_rule(tight):
    data, auto, _ = tight
    report = auto.summary["solve"]["auto"]
    assert report["elastic"]["rules"] >= 1
    assert report["elastic"]["violating_designs"] >= 1  # the elastic path was taken
    violating = [i for i in report["iterations"] if i["penalised_objective"] is not None]
    assert violating and not any(i["feasible"] for i in violating)
    assert report["iterations"][report["best_iteration"]]["feasible"]
    intensity = _intensity(auto, data)
    assert intensity <= LIMIT_T_PER_TCE * (1 + 1e-6)  # no slack left in the final dispatch
    assert intensity == pytest.approx(LIMIT_T_PER_TCE, rel=1e-3)  # and the rule binds
    assert auto.summary["rules_ok"] and auto.summary["dispatch_strict"]


def test_elastic_cuts_keep_the_lower_bound_below_the_exact_optimum(tight):
    _, auto, exact = tight
    report = auto.summary["solve"]["auto"]
    optimum = exact.summary["objective_per_year"]
    assert report["lower_bound"] is not None
    assert report["lower_bound"] <= optimum * (1 + 1e-6)
    for it in report["iterations"]:
        if it["lower_bound"] is not None:
            assert it["lower_bound"] <= optimum * (1 + 1e-6)
    assert auto.summary["objective_per_year"] >= optimum * (1 - 1e-6)


def test_a_penalty_too_small_falls_back_to_rigid_rules(monkeypatch):
    # A penalty near zero makes every violating design look cheap: the master keeps
    # proposing them, the slacks are fixed at 0 again, and the run goes on with
    # feasibility cuts. The design reported must still meet the rule.
    monkeypatch.setattr(refine, "PENALTY_FACTOR", 1e-9)
    data = _data()
    out = solve_case(data, method="auto", horizon=_horizon(data))
    report = out.summary["solve"]["auto"]
    assert report["elastic"]["switched_off_early"]
    assert report["elastic"]["violating_designs"] == refine.ELASTIC_TRIES
    assert report["iterations"][report["best_iteration"]]["feasible"]
    assert _intensity(out, data) <= LIMIT_T_PER_TCE * (1 + 1e-6)
    assert out.summary["rules_ok"] and out.summary["dispatch_strict"]


def test_re_solves_in_place_keep_the_slacks_apart_from_the_reported_dispatch():
    # The slack columns live in HiGHS alongside the compiled model: a re-solve in place
    # removes them with the rest of what a run added and starts from the last basis.
    data = _data()
    resolver = Resolver(data, "auto", horizon=_horizon(data))
    first = resolver.solve()
    assert first.summary["solve"]["auto"]["elastic"]["violating_designs"] >= 1
    for limit in (0.32, LIMIT_T_PER_TCE):
        change = {"rules.carbon_intensity_max_t_per_tce": limit}
        out = resolver.solve(change)
        assert out.summary["solve"]["resolve"]["in_place"]
        assert out.summary["rules_ok"] and out.summary["dispatch_strict"]
        assert _intensity(out, data.with_overrides(change)) <= limit * (1 + 1e-6)
    assert out.summary["objective_per_year"] == pytest.approx(
        first.summary["objective_per_year"], rel=0.005
    )
