"""Re-solving in place (issue 20, item 2): the same optimum as a fresh build, no rebuild."""

from __future__ import annotations

import pytest

from dispatch import resolve
from dispatch.case.loader import load_case
from dispatch.model.horizon import Horizon
from dispatch.resolve import Resolver
from dispatch.runner import solve_case
from tests.conftest import EXAMPLE

TWO_WEEKS = 24 * 14


@pytest.fixture(scope="module")
def resolver():
    data = load_case(EXAMPLE)
    return Resolver(data, "exact", horizon=Horizon.full_year(data.case.year, TWO_WEEKS))


@pytest.mark.parametrize(
    "overrides",
    [
        {"grid.export_price_per_kwh": 0.2},
        {"technologies.battery.capex_per_kwh": 400},
        {"rules.self_use_min_of_generation": 0.7},
        {"rules.export_max_of_generation": 0.15, "technologies.pv.capex_per_kw": 2500},
    ],
)
def test_in_place_matches_a_fresh_build(resolver, overrides, monkeypatch):
    data = resolver.data.with_overrides(overrides)
    fresh = solve_case(data, "exact", horizon=resolver.horizon).summary
    resolver.solve({"technologies.battery.capex_per_kwh": 700})  # HiGHS holds another case
    builds = []
    real = resolve.build_model
    monkeypatch.setattr(resolve, "build_model", lambda *a, **k: builds.append(1) or real(*a, **k))
    again = resolver.solve(overrides).summary
    assert again["solve"]["resolve"] == {"in_place": True, "reason": None}
    assert again["objective_per_year"] == pytest.approx(fresh["objective_per_year"], rel=1e-6)
    for key, size in fresh["capacities"].items():
        assert again["capacities"][key] == pytest.approx(size, rel=1e-4, abs=1e-3)
    assert again["rules_ok"] and again["dispatch_strict"]
    # Learning a key compiles it twice; a key already learnt compiles nothing.
    builds.clear()
    resolver.solve(overrides)
    assert builds == []


def test_a_structural_change_rebuilds_and_says_so(resolver):
    out = resolver.solve({"finance.discount_rate": 0.05}).summary
    assert out["solve"]["resolve"]["in_place"] is False
    assert out["solve"]["resolve"]["reason"]
    fresh = solve_case(
        resolver.data.with_overrides({"finance.discount_rate": 0.05}), "exact",
        horizon=resolver.horizon,
    ).summary  # fmt: skip
    assert out["objective_per_year"] == pytest.approx(fresh["objective_per_year"], rel=1e-6)


def test_auto_in_place_matches_its_fresh_run():
    data = load_case(EXAMPLE).with_overrides({"solver.typical_days": 8})
    horizon = Horizon.full_year(data.case.year, 24 * 28)
    resolver = Resolver(data, "auto", horizon=horizon)
    resolver.solve()
    change = {"technologies.battery.capex_per_kwh": 400}
    again = resolver.solve(change).summary
    exact = solve_case(data.with_overrides(change), "exact", horizon=horizon).summary
    assert again["solve"]["resolve"]["in_place"]
    assert again["rules_ok"] and again["dispatch_strict"]
    assert again["objective_per_year"] >= exact["objective_per_year"] * (1 - 1e-6)
    assert again["objective_per_year"] <= exact["objective_per_year"] * 1.005


def test_the_api_session_re_solves_in_place():
    import dispatch

    data = load_case(EXAMPLE)
    horizon = Horizon.full_year(data.case.year, 24 * 7)
    session = dispatch.Session(data, "exact", horizon=horizon)
    session.run()
    cheap = session.run({"technologies.battery.capex_per_kwh": 300})
    fresh = solve_case(
        data.with_overrides({"technologies.battery.capex_per_kwh": 300}), "exact", horizon=horizon
    ).summary
    assert cheap.summary["solve"]["resolve"]["in_place"]
    objective = cheap.summary["objective_per_year"]
    assert objective == pytest.approx(fresh["objective_per_year"], rel=1e-6)


def test_a_key_the_base_case_leaves_out_is_compiled_in_once():
    data = load_case(EXAMPLE)
    resolver = Resolver(data, "exact", horizon=Horizon.full_year(data.case.year, 24 * 7))
    key = "rules.self_use_min_of_consumption"  # null in the example: the year's default
    assert resolve.case_value(resolver.data, key) is None
    first = resolver.solve({key: 0.30}).summary
    assert first["solve"]["resolve"]["in_place"] is False
    assert key in first["solve"]["resolve"]["reason"]
    second = resolver.solve({key: 0.40}).summary
    assert second["solve"]["resolve"] == {"in_place": True, "reason": None}
    fresh = solve_case(
        resolver.data.with_overrides({key: 0.40}), "exact", horizon=resolver.horizon
    ).summary
    assert second["objective_per_year"] == pytest.approx(fresh["objective_per_year"], rel=1e-6)
    later = resolver.solve({}).summary  # the key left out again: the model has it, so rebuild
    assert later["solve"]["resolve"]["in_place"] is False
