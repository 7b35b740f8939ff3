"""`dispatch pathway` (auto): the schedule refined on every full year; myopic with lifetimes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from dispatch.api import pathway
from dispatch.case.loader import load_case
from dispatch.model.horizon import Horizon
from dispatch.pathway import Period, build_plan, period_weights, standing
from dispatch.runner import solve_case
from dispatch.solve.refine import CUT_MARGIN
from tests.test_pathway import PV_DAY, _case

WEEK = [v * (0.2 if day == 3 else 1.0) for day in range(7) for v in PV_DAY]
"""A week of PV with a cloudy fourth day, which two typical days do not see."""


def _week_case(make_case, **pv):
    path = _case(make_case, **pv)
    make_case(yaml.safe_load(path.read_text()), profiles={"pv": WEEK})
    return load_case(path).with_overrides({"solver.typical_days": 2})


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    """The same pathway solved by ``auto`` (refined) and by ``exact`` (one full model)."""
    folder = tmp_path_factory.mktemp("refine")

    def make(case_dict, profiles):
        for name, pattern in profiles.items():
            values = np.resize(np.asarray(pattern, dtype=float), 8760)
            pd.DataFrame({"value": values}).to_csv(folder / f"{name}.csv", index=False)
        case_dict["technologies"]["pv"]["availability"] = "pv.csv"
        path = folder / "case.yaml"
        path.write_text(yaml.safe_dump(case_dict, sort_keys=False))
        return path

    data = _week_case(make)
    out = folder / "auto"
    auto = pathway(data, [2026, 2030], out=out, method="auto", hours=168)
    exact = pathway(data, [2026, 2030], method="exact", hours=168, myopic=False)
    return auto, exact, out


def test_auto_refines_every_year_on_its_full_horizon_to_the_exact_optimum(week):
    auto, exact, out = week
    refinement = auto.solve["refinement"]
    assert refinement is not None and refinement["dispatch_rounds"] >= 1
    # the cut model bounds the relaxed pathway from below; exact is strict, so no lower
    # (both as the solver values them, with its tie-breaks: exact's sizing total). The
    # rule binds at the optimum, where the feasibility cuts, tightened by CUT_MARGIN of
    # their scale to keep the next design strictly inside, may lift the bound that much.
    margin = 10 * CUT_MARGIN
    assert refinement["lower_bound"] <= exact.sizing_total_cost * (1 + margin)
    assert refinement["lower_bound"] <= refinement["relaxed_total_cost"] * (1 + margin)
    # (W7) at exact's schedule is (W5): the refined total is exact's plan objective
    assert refinement["relaxed_total_cost"] == pytest.approx(exact.sizing_total_cost, rel=1e-9)
    gap = 1 - refinement["lower_bound"] / refinement["relaxed_total_cost"]
    assert refinement["gap_to_lower_bound"] == pytest.approx(max(gap, 0.0), abs=1e-12)
    # refined on the week: the total of the dispatched weeks is the exact optimum's
    assert exact.total_cost <= auto.total_cost * (1 + 1e-9)
    assert auto.total_cost <= exact.total_cost * (1 + 0.0025)
    for a, e in zip(auto.periods, exact.periods, strict=True):
        assert a.sizes["pv_kw"] == pytest.approx(e.sizes["pv_kw"], rel=0.01)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["refinement"]["gap_to_lower_bound"] == refinement["gap_to_lower_bound"]


def test_auto_reports_compliant_strict_weeks_and_beats_myopic_on_the_same_basis(week):
    auto, _, out = week
    for year, limit in ((2026, 0.30), (2030, 0.35)):
        ts = pd.read_csv(out / str(year) / "timeseries.csv")
        self_used = ts["pv_available_kw"].sum() - ts["curtailed_kw"].sum() - ts["export_kw"].sum()
        assert self_used / ts["load_kw"].sum() >= limit - 1e-6
        assert not ((ts["import_kw"] > 1e-6) & (ts["export_kw"] > 1e-6)).any()
    summary = json.loads((out / "summary.json").read_text())
    myopic = summary["myopic"]
    assert "full-year" in myopic["basis"]
    assert myopic["extra_cost_over_pathway"] >= -1e-9 * myopic["total_cost"]
    assert myopic["total_cost"] == pytest.approx(
        summary["refinement"]["relaxed_total_cost"] + myopic["extra_cost_over_pathway"]
    )


def test_capacity_standing_counts_a_vintage_only_while_it_stands(make_case):
    data = load_case(_case(make_case, lifetime_years=3))
    years, end = [2026, 2028, 2030], 2036
    weights = period_weights(years, end, 0.05)
    periods = [Period(y, data, w) for y, w in zip(years, weights, strict=True)]
    plan = build_plan(periods, [None] * 3, end)
    schedule = [{"pv_kw": 100.0}, {"pv_kw": 20.0}, {"pv_kw": 0.0}]
    assert standing(plan, schedule, 0) == {"pv_kw": 0.0}
    assert standing(plan, schedule, 1)["pv_kw"] == pytest.approx(100.0)  # 2026-2028
    assert standing(plan, schedule, 2)["pv_kw"] == pytest.approx(20.0)  # 2026's has retired


@pytest.mark.parametrize("method", ["exact", "auto"])
def test_myopic_rebuilds_what_retired(make_case, method):
    # PV lasts 3 years: the 2026 build has retired by 2030, so the myopic 2030 year
    # (sized alone, given what still stands) builds all of its PV again, as the
    # pathway does; counting the 2026 build as standing, it would build only the step.
    data = load_case(_case(make_case, lifetime_years=3)).with_overrides({"solver.typical_days": 2})
    hours = 48 if method == "exact" else 168
    result = pathway(data, [2026, 2030], method=method, hours=hours)
    first, second = result.myopic_schedule
    pathway_2030 = result.periods[1].sizes["pv_kw"]
    assert result.periods[1].added["pv_kw"] == pytest.approx(pathway_2030, rel=1e-6)
    assert second["pv_kw"] >= 0.95 * pathway_2030 > 0.5 * first["pv_kw"]
    assert result.myopic_total_cost is not None


def test_auto_refines_whole_units_to_the_exact_schedule(make_case):
    # PV in 25 kW units: the refinement's master keeps every addition a whole number of
    # units (U2) while the full weeks move the schedule; it ends on exact's schedule
    data = _week_case(make_case, unit_kw=25, max_kw=500)
    auto = pathway(data, [2026, 2030], method="auto", hours=168)
    exact = pathway(data, [2026, 2030], method="exact", hours=168, myopic=False)
    for a, e in zip(auto.periods, exact.periods, strict=True):
        assert a.sizes["pv_kw"] % 25 == pytest.approx(0, abs=1e-6)
        assert a.sizes["pv_kw"] == pytest.approx(e.sizes["pv_kw"])
    assert auto.total_cost == pytest.approx(exact.total_cost, rel=1e-9)


def test_auto_myopic_years_are_sized_as_a_run_sizes_them(make_case):
    # every day of the week differs: typical days only approximate it. The myopic 2026
    # (nothing before it) is 2026 run alone, refined on the full week: the week's optimum
    # (the rule binds it; the feasibility cuts keep it strictly inside by CUT_MARGIN of
    # their scale). Sized on the typical days alone, it would be 3 % above.
    factors = [1.0, 0.9, 0.75, 0.5, 0.95, 0.65, 0.85]
    path = _case(make_case)
    days = [v * f for f in factors for v in PV_DAY]
    make_case(yaml.safe_load(path.read_text()), profiles={"pv": days})
    data = load_case(path).with_overrides({"solver.typical_days": 2})
    result = pathway(data, [2026, 2030], method="auto", hours=168)
    moved = result.periods[0].output.data
    free = moved.with_overrides({"technologies.pv.min_kw": 0, "technologies.pv.max_kw": 1000})
    alone = solve_case(free, method="exact", horizon=Horizon.full_year(2026, 168))
    assert result.myopic_schedule[0]["pv_kw"] == pytest.approx(
        alone.summary["capacities"]["pv_kw"], rel=10 * CUT_MARGIN
    )


def test_auto_periods_keep_strict_physics_where_the_relaxed_dispatch_breaks_it(make_case):
    # exports pay 0.6, imports cost 0.2: the relaxed dispatch imports and exports at once
    # every hour; every reported week must have one grid flow per hour and meet its rule
    path = _case(make_case)
    case = yaml.safe_load(path.read_text())
    case["grid"].update({"export_price_per_kwh": 0.6, "connection_kw": 150})
    make_case(case, profiles={"pv": WEEK})
    data = load_case(path).with_overrides({"solver.typical_days": 2})
    result = pathway(data, [2026, 2030], method="auto", hours=168, myopic=False)
    for period, limit in zip(result.periods, (0.30, 0.35), strict=True):
        ts = period.output.timeseries
        assert not ((ts["import_kw"] > 1e-6) & (ts["export_kw"] > 1e-6)).any()
        self_used = ts["pv_available_kw"].sum() - ts["curtailed_kw"].sum() - ts["export_kw"].sum()
        assert self_used / ts["load_kw"].sum() >= limit - 1e-6
        assert period.output.summary["solve"]["binaries"] > 0  # strict physics was at work
    relaxed = result.solve["refinement"]["relaxed_total_cost"]
    assert result.total_cost > relaxed  # the arbitrage the relaxed weeks counted is gone
