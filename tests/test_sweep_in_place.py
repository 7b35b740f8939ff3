"""Sweep runs that differ only in numbers re-solve one compiled model in place (issue 20).

Each run still writes its own results folder, with the same numbers as a fresh run.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from dispatch.case.loader import load_case
from dispatch.model.horizon import Horizon
from dispatch.runner import solve_case
from dispatch.sweep.driver import plan_sweep, run_sweep
from dispatch.sweep.executor import LocalPool
from dispatch.sweep.worker import in_place_key
from tests.conftest import EXAMPLE

WEEK = 24 * 7
EXPORT = "grid.export_price_per_kwh"
BATTERY = "technologies.battery.capex_per_kwh"


def test_numbers_of_hourly_inputs_are_taken_in_place_profiles_are_not():
    assert in_place_key(EXPORT, 0.3)  # a flat price series: numbers of the compiled model
    assert in_place_key(BATTERY, 400)
    assert in_place_key("rules.self_use_min_of_consumption", 0.35)
    assert not in_place_key(EXPORT, "prices.csv")  # a profile file: another structure
    assert not in_place_key(EXPORT, True)
    assert not in_place_key("load.heat_kw_th", 9000)  # load, location, weather: rebuild
    assert not in_place_key("year", 2027)


def test_a_sweep_re_solves_in_place_with_the_numbers_of_fresh_runs(tmp_path):
    grid = {EXPORT: [0.2, 0.35], BATTERY: [400, 900]}
    plan = plan_sweep(EXAMPLE, grid=grid, method="exact", hours=WEEK)
    out = tmp_path / "sweep"
    with LocalPool(workers=1) as pool:  # one worker: every run after the first in place
        result = run_sweep(plan, pool, out)
    assert (result.ran, result.failed) == (4, 0)
    data = load_case(EXAMPLE)
    horizon = Horizon.full_year(data.case.year, WEEK)
    in_place = []
    for spec in plan.specs:
        folder = out / "runs" / spec.run_id
        assert {"summary.json", "timeseries.csv", "capacities.csv"} <= {
            p.name for p in folder.iterdir()
        }
        summary = json.loads((folder / "summary.json").read_text())
        in_place.append(summary["solve"]["resolve"]["in_place"])
        assert summary["run"]["overrides"] == spec.overrides
        assert summary["rules_ok"] and summary["dispatch_strict"]
        fresh = solve_case(data.with_overrides(spec.overrides), "exact", horizon=horizon).summary
        assert summary["objective_per_year"] == pytest.approx(fresh["objective_per_year"], rel=1e-6)
    # the worker builds the model for its first run and says so; the others change numbers
    assert in_place == [False, True, True, True]


def test_a_run_starts_from_the_basis_of_the_nearest_run_kept():
    from dispatch.resolve import BASES_KEPT, Bases

    bases = Bases()
    assert bases.nearest({EXPORT: 0.3}) is None
    data = load_case(EXAMPLE)
    for price, capex in [(0.2, 400), (0.3, 400), (0.2, 900)]:
        point = bases.point(data.with_overrides({EXPORT: price, BATTERY: capex}), {EXPORT: price})
        bases.add(point, f"basis at {price}, {capex}")
    assert bases.keys == [EXPORT]  # the keys any run changed, so far
    assert bases.nearest({EXPORT: 0.29}) == "basis at 0.3, 400"
    assert bases.nearest({EXPORT: 0.2}) == "basis at 0.2, 900"  # one a point: the later one
    for k in range(BASES_KEPT + 1):  # the oldest go
        bases.add({EXPORT: 10.0 + k}, k)
    assert len(bases.kept) == BASES_KEPT
    assert bases.nearest({EXPORT: 0.3}) == 1


def test_keys_learnt_together_take_one_compile_each_and_one_check():
    from dispatch.model.build import build_model
    from dispatch.resolve import Parametric
    from dispatch.solve.highs import Numbers

    data = load_case(EXAMPLE)
    horizon = Horizon.full_year(data.case.year, 48)
    compiles = []

    def compile_(d):
        compiles.append(1)
        return Numbers.compile(build_model(d, horizon).model)

    keys = {EXPORT: 0.31, BATTERY: 650, "rules.self_use_min_of_generation": 0.55}
    parametric = Parametric(compile_, data, compile_(data))
    compiles.clear()
    numbers = parametric.numbers(keys)
    assert len(compiles) == len(keys) + 1  # not 2 a key
    fresh = Numbers.compile(build_model(data.with_overrides(keys), horizon).model)
    for got, want in zip(numbers.arrays(), fresh.arrays(), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
    # a key that enters non-linearly (a lifetime, through the annuity) fails the joint
    # check: each key is then probed alone, and the lifetime rebuilds
    compiles.clear()
    lifetime = "technologies.battery.lifetime_years"
    mixed = Parametric(compile_, data, parametric.base)
    assert mixed.numbers({lifetime: 12, "technologies.pv.capex_per_kw": 2500}) is None
    assert mixed.slopes[lifetime] is None
    assert mixed.numbers({"technologies.pv.capex_per_kw": 2500}) is not None
