"""`dispatch pathway`: staged investment across milestone years (multi-period model)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from dispatch.api import pathway
from dispatch.case.loader import load_case
from dispatch.cli import app
from dispatch.finance import crf
from dispatch.model.horizon import Horizon
from dispatch.model.pathway import fixed_sizes, growth, moved_to, value_at
from dispatch.pathway import Period, _dispatch_periods, build_plan, period_weights
from dispatch.runner import solve_case
from dispatch.solve.exact import SolverOptions
from tests.conftest import EXAMPLE

PV_DAY = [0, 0, 0, 0, 0, 0, 0.1, 0.3, 0.5, 0.7, 0.85, 0.9, 0.9, 0.85, 0.7, 0.5, 0.3, 0.1, 0, 0,
          0, 0, 0, 0]  # fmt: skip
HOURS = 48
RATE = 0.05
YEARS_OF_ANALYSIS = 10


def _case(make_case, **pv):
    """A park whose only reason to build PV is the consumption rule (30 %, 35 % from 2030).

    PV costs more than the grid saves (9,000 CNY/kW: 742 CNY/kW/yr with O&M against
    6.7 kWh/kW/day * 365 * 0.2 = 489 CNY/kW/yr of imports saved, 605 in 2033), export
    earns nothing, and PV gets cheaper by 3 %/yr: each year builds what its rule needs.
    """
    return make_case(
        {
            "name": "steps",
            "year": 2026,
            "finance": {"discount_rate": RATE, "analysis_years": YEARS_OF_ANALYSIS},
            "load": {"electricity_kw": 100},
            "technologies": {
                "pv": {
                    "availability": "@pv",
                    "capex_per_kw": 9000,
                    "fixed_om_per_kw_year": 20,
                    "lifetime_years": 20,
                    "max_kw": 1000,
                    **pv,
                }
            },
            "grid": {
                "import_price_per_kwh": 0.2,
                "export_price_per_kwh": 0.0,
                "emission_factor_kg_per_kwh": 0.5,
            },
            "rules": {
                "self_use_min_of_generation": None,
                "self_use_min_of_consumption": None,
                "export_max_of_generation": None,
            },
            "pathway": {"capex_change_per_year": {"pv": -0.03}},
        },
        profiles={"pv": PV_DAY},
    )


def test_rates_and_levels_by_year():
    assert value_at({2026: 0.3, 2030: 0.35}, 2029) == 0.3
    assert value_at({2026: 0.3, 2030: 0.35}, 2031) == 0.35
    assert value_at({2028: 0.3}, 2026) == 0.3  # before the first: the first
    assert growth(-0.1, 2026, 2028) == pytest.approx(0.81)
    assert growth({2026: 0.1, 2027: 0.2}, 2026, 2028) == pytest.approx(1.1 * 1.2)
    assert growth(0.1, 2028, 2026) == pytest.approx(1 / 1.21)


def test_period_weights_by_hand():
    # milestones 2026, 2028, 2030, horizon to 2030 (end 2031), r = 10 %
    w = period_weights([2026, 2028, 2030], 2031, 0.1)
    assert w == pytest.approx([1 + 1 / 1.1, 1 / 1.1**2 + 1 / 1.1**3, 1 / 1.1**4])


def test_moved_case_scales_loads_capex_and_factor(make_case):
    path = _case(make_case)
    data = load_case(path)
    moved = moved_to(data, 2030)
    assert moved.case.year == 2030
    assert moved.case.self_use_min_of_consumption() == 0.35
    assert moved_to(data, 2028).case.self_use_min_of_consumption() == 0.30
    assert moved.case.technologies.pv.capex_per_kw == pytest.approx(9000 * 0.97**4)
    factor = moved.series["grid_emission_factor_kg_per_kwh"]
    assert factor[0] == pytest.approx(0.5 * (1 - 0.024) ** 4)  # the default trend


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pathway")
    case = folder / "case.yaml"

    def make(case_dict, profiles):
        import yaml

        for name, pattern in profiles.items():
            values = np.resize(np.asarray(pattern, dtype=float), 8760)
            pd.DataFrame({"value": values}).to_csv(folder / f"{name}.csv", index=False)
        case_dict["technologies"]["pv"]["availability"] = "pv.csv"
        case.write_text(yaml.safe_dump(case_dict, sort_keys=False))
        return case

    _case(make)
    out = folder / "out"
    result = pathway(case, [2026, 2028, 2030, 2033], out=out, method="exact", hours=HOURS)
    return case, out, result


def test_each_year_meets_its_own_rule_recomputed_from_the_hourly_table(solved):
    _, out, _ = solved
    for year, limit in ((2026, 0.30), (2028, 0.30), (2030, 0.35), (2033, 0.35)):
        ts = pd.read_csv(out / str(year) / "timeseries.csv")
        available = ts["pv_available_kw"].sum()
        self_used = available - ts["curtailed_kw"].sum() - ts["export_kw"].sum()
        consumption = ts["load_kw"].sum()  # no storage, no heat pump
        assert self_used + ts["import_kw"].sum() == pytest.approx(consumption, rel=1e-9)
        share = self_used / consumption
        assert share >= limit - 1e-6
        assert share == pytest.approx(limit, abs=1e-4)  # the rule binds every year
        summary = json.loads((out / str(year) / "summary.json").read_text())
        rule = next(r for r in summary["rules"] if r["name"] == "self_use_of_consumption")
        assert rule["limit"] == limit


def test_sizes_never_fall_and_additions_add_up(solved):
    _, out, _ = solved
    table = pd.read_csv(out / "pathway.csv")
    assert list(table["year"]) == [2026, 2028, 2030, 2033]
    assert (np.diff(table["pv_kw"]) >= -1e-9).all()
    assert table["pv_kw_added"].cumsum().to_numpy() == pytest.approx(table["pv_kw"].to_numpy())
    assert table["pv_kw"].iloc[2] > table["pv_kw"].iloc[1] + 1  # the 2030 step adds PV
    for column in ("objective_per_year", "self_use_of_consumption", "tco2_per_year"):
        assert column in table


def test_foresight_beats_or_ties_myopic_and_totals_agree(solved):
    _, out, result = solved
    summary = json.loads((out / "summary.json").read_text())
    assert summary["sizing_total_cost"] <= summary["myopic"]["total_cost"] * (1 + 1e-9)
    assert summary["total_cost"] <= summary["myopic"]["total_cost"] * (1 + 1e-9)  # exact: same
    # exact: the sizing model's total is the total of the dispatched periods
    assert summary["total_cost"] == pytest.approx(summary["sizing_total_cost"], rel=1e-6)
    assert (out / "report.html").read_text().count("plotly") > 3
    assert [b["year"] for b in summary["build_schedule"]] == [2026, 2028, 2030, 2033]
    assert result.periods[0].objective_per_year > 0


def _running_cost(data, year, pv_kw):
    """A period's yearly cost without investment, from a `dispatch run` at fixed PV."""
    moved = moved_to(data, year, fixed_sizes({"pv_kw": pv_kw}))
    s = solve_case(moved, method="exact", horizon=Horizon.full_year(year, HOURS)).summary
    return s["objective_per_year"] - s["costs_per_year"]["capex_annualized"]


def test_optimum_matches_brute_force_over_unit_builds(make_case):
    # PV comes in 25 kW units, up to 250 kW: every schedule (n1 <= n2 units) of two
    # periods is valued by hand from single-year dispatches (W3-W5) and the best is the
    # pathway's. 4 units self-use 670 of 2,400 kWh a day (27.9 %), 5 units 800 (33 %),
    # 6 units 870 (36 %): 30 % takes 5, 35 % takes 6.
    path = _case(make_case, unit_kw=25, max_kw=250)
    data = load_case(path)
    years, end = [2026, 2030], 2026 + YEARS_OF_ANALYSIS
    weights = period_weights(years, end, RATE)
    discount = [(1 + RATE) ** -(t - 2026) for t in range(2026, end)]
    annuity = {
        y: 9000 * 0.97 ** (y - 2026) * crf(RATE, 20) for y in years
    }  # capex of the vintage's year, annualised
    running = {}
    for year in years:
        for n in range(11):
            try:
                running[year, n] = _running_cost(data, year, 25.0 * n)
            except Exception:  # the rule cannot be met with so little PV
                running[year, n] = None
    best, best_schedule = float("inf"), None
    for n1, n2 in itertools.product(range(11), range(11)):
        if n2 < n1 or running[2026, n1] is None or running[2030, n2] is None:
            continue
        total = weights[0] * running[2026, n1] + weights[1] * running[2030, n2]
        total += annuity[2026] * 25 * n1 * sum(discount)  # stands to the end of the horizon
        total += annuity[2030] * 25 * (n2 - n1) * sum(discount[4:])
        if total < best:
            best, best_schedule = total, (n1, n2)
    result = pathway(data, years, method="exact", hours=HOURS, myopic=False)
    sizes = tuple(round(p.sizes["pv_kw"] / 25) for p in result.periods)
    assert best_schedule == (5, 6)  # two vintages: the test sees the 2030 build's cost
    assert sizes == best_schedule
    assert result.total_cost == pytest.approx(best, rel=1e-6)


def test_unsorted_or_repeated_years_are_one_line_exit_2(make_case):
    path = _case(make_case)
    for years in ("2030,2026", "2026,2026", "2026,x"):
        res = CliRunner().invoke(app, ["pathway", str(path), "--years", years, "--hours", "48"])
        assert res.exit_code == 2, res.output
        assert "--years" in res.output and len(res.output.strip().splitlines()) == 1


@pytest.mark.parametrize(("method", "hours"), [("exact", "48"), ("auto", "168")])
def test_a_year_that_cannot_comply_is_named_exit_3(make_case, tmp_path, method, hours):
    # 120 kW of PV self-use 784 of 2,400 kWh a day (32.7 %): 30 % but not 35 %, 2030 fails
    path = _case(make_case, max_kw=120)
    res = CliRunner().invoke(
        app,
        ["pathway", str(path), "--years", "2026,2030", "--hours", hours, "--method", method,
         "--out", str(tmp_path / "out")],
    )  # fmt: skip
    assert res.exit_code == 3, res.output
    assert "year 2030" in res.output
    assert "self_use_min_of_consumption" in res.output or "consumption" in res.output
    assert not (tmp_path / "out").exists()


def test_auto_sizes_on_typical_days_and_reports_compliant_full_dispatches(make_case, tmp_path):
    # a week with a cloudy stretch, 2 typical days: the week's dispatch must still comply
    week = [v * (0.2 if day == 3 else 1.0) for day in range(7) for v in PV_DAY]
    path = _case(make_case)
    make_case(yaml.safe_load(path.read_text()), profiles={"pv": week})  # the pv.csv of a week
    data = load_case(path).with_overrides({"solver.typical_days": 2})
    out = tmp_path / "auto"
    result = pathway(data, [2026, 2030], out=out, method="auto", hours=168)
    assert result.solve["sizing"] == "typical days"
    for year, limit in ((2026, 0.30), (2030, 0.35)):
        ts = pd.read_csv(out / str(year) / "timeseries.csv")
        assert len(ts) == 168
        self_used = ts["pv_available_kw"].sum() - ts["curtailed_kw"].sum() - ts["export_kw"].sum()
        assert self_used / ts["load_kw"].sum() >= limit - 1e-6
    table = pd.read_csv(out / "pathway.csv")
    assert (np.diff(table["pv_kw"]) >= -1e-9).all()


def test_a_dispatch_that_breaks_a_rule_at_the_sizing_sizes_is_resized_and_said(make_case):
    # 50 kW of PV cannot reach 30 %: the period is solved again with 50 kW as the floor,
    # the later period keeps at least the raised size, and the notes say so.
    data = load_case(_case(make_case))
    years, end = [2026, 2030], 2036
    periods = [Period(y, moved_to(data, y), 1.0) for y in years]
    horizons = [Horizon.full_year(y, 96) for y in years]
    plan = build_plan(periods, horizons, end)
    notes: list[str] = []
    schedule = [
        {"pv_kw": 50.0, "grid_connection_kw": 100.0},
        {"pv_kw": 50.0, "grid_connection_kw": 100.0},
    ]
    options = SolverOptions(mip_gap=1e-6)
    results = _dispatch_periods(data, plan, schedule, "auto", options, 96, notes)
    assert results[0].sizes["pv_kw"] > 100  # 30 % takes 107.5 kW
    assert results[1].sizes["pv_kw"] >= results[0].sizes["pv_kw"] > 50
    assert any("2026" in n and "pv_kw 50 ->" in n for n in notes)
    for r, limit in zip(results, (0.30, 0.35), strict=True):
        rule = next(x for x in r.output.summary["rules"] if x["name"] == "self_use_of_consumption")
        assert rule["value"] >= limit - 1e-6


def test_every_size_of_the_example_maps_to_its_case_limits():
    # the fixed-size dispatch of a period sets these keys; a new size must map too
    from dispatch.model.pathway import size_keys
    from dispatch.model.technologies import REGISTRY, spec_of

    case = load_case(EXAMPLE).case
    for cls in REGISTRY:
        spec = spec_of(case, cls.name)
        if spec is None:
            continue
        for key in cls.sizes(spec):
            section, low, high, existing = size_keys(key)
            node = case
            for part in section.split("."):
                node = getattr(node, part)
            for name in (low, high, existing):
                assert not name or name in type(node).model_fields, (key, name)
