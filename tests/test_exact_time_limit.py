"""An exact run stopped by its time limit reports a strict dispatch or says loudly that it
is not one (issue 20, item 3)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from dispatch.case.loader import load_case
from dispatch.model.build import build_model
from dispatch.model.horizon import Horizon
from dispatch.runner import solve_case
from dispatch.solve import exact
from dispatch.solve.exact import SolverOptions, exclusive_pairs, simultaneous_hours
from dispatch.solve.highs import HighsModel
from tests.conftest import REPO

COAL_EXPORT = REPO / "cases" / "example-park-coal-export.yaml"
"""Exporting pays more than importing in some hours: the relaxed dispatch does both."""


def test_a_timed_out_incumbent_is_made_strict():
    data = load_case(COAL_EXPORT)
    built = build_model(data, Horizon.full_year(data.case.year, 24 * 14))
    hm = HighsModel(built.model)
    relaxed = hm.run()  # no binaries: the incumbent a time-out leaves in unguarded hours
    pairs = exclusive_pairs(built)
    assert simultaneous_hours(hm, pairs)
    stats = exact._strict_incumbent(hm, built, pairs, relaxed)
    assert not simultaneous_hours(hm, pairs)
    assert stats.objective >= relaxed.objective * (1 - 1e-9)
    x = hm.values()
    balance = hm.rows(built.model.electricity_balance)
    a = hm.highs.getLp().a_matrix_
    assert balance.size == 24 * 14 and np.isfinite(x).all() and a.num_col_ == x.size


def test_an_exact_time_out_is_strict_or_says_so(monkeypatch):
    # The first round stops "at its limit": HiGHS holds an incumbent whose unguarded hours
    # still charge and discharge (or import and export) at once.
    data = load_case(COAL_EXPORT)
    real_run, real_repair = HighsModel.run, exact._strict_incumbent
    seen: dict[str, object] = {}

    def run_then_stop(self):
        stats = real_run(self)
        if "stopped" not in seen and stats.has_solution:
            seen["stopped"] = True
            return replace(stats, status="time limit reached", mip_gap=0.01)
        return stats

    def repair(hm, built, pairs, stats):
        seen["broken"] = simultaneous_hours(hm, pairs)
        return real_repair(hm, built, pairs, stats)

    monkeypatch.setattr(HighsModel, "run", run_then_stop)
    monkeypatch.setattr(exact, "_strict_incumbent", repair)
    out = solve_case(
        data, method="exact", horizon=Horizon.full_year(2030, 24 * 14),
        options=SolverOptions(time_limit_seconds=60),
    ).summary  # fmt: skip
    assert out["status"] == "time_limit"
    assert seen["broken"]  # the incumbent was not strict
    loud = any("NOT STRICT" in w for w in out["solve"]["warnings"])
    assert out["dispatch_strict"] != loud
    assert out["dispatch_strict"]
