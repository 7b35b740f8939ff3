"""Flexible load, curtailable load, heat storage, electric boiler and the export limit.

Tiny cases solved by hand (a horizon of n hours stands for the year by repetition),
then invariants on a week of the example park with everything on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dispatch.case.loader import CaseError, load_case
from dispatch.model.horizon import Horizon
from dispatch.model.technologies.flexible import shift_pairs
from dispatch.runner import solve_case
from tests.conftest import EXAMPLE, NO_RULES

DAYS_PER_YEAR = 365


def solve(path, hours, overrides=None, method="exact"):
    data = load_case(path)
    if overrides:
        data = data.with_overrides(overrides)
    return solve_case(data, method=method, horizon=Horizon.full_year(data.case.year, hours))


def _day(values: dict[int, float], rest: float = 0.0) -> list[float]:
    out = [rest] * 24
    for hour, value in values.items():
        out[hour] = value
    return out


def shift_case(make_case, flexible):
    # Load 100 kW at 10:00 and 14:00 only; 120 kW of existing PV produce at 10:00 alone;
    # import 1.0 at 14:00 (0.5 elsewhere), export 0.1.
    case = {
        "name": "shift",
        "year": 2025,
        "load": {"electricity_kw": "@load"},
        "technologies": {"pv": {"availability": "@pv", "existing_kw": 120, "max_kw": 120}},
        "grid": {"import_price_per_kwh": "@price", "export_price_per_kwh": 0.1},
        "rules": NO_RULES,
    }
    if flexible is not None:
        case["load"]["flexible"] = flexible
    return make_case(
        case,
        profiles={
            "load": _day({10: 100, 14: 100}),
            "pv": _day({10: 1.0}),
            "price": _day({14: 1.0}, 0.5),
        },
    )


def test_a_four_hour_shift_moves_peak_load_to_the_pv_hour(make_case):
    # Without flexibility: 14:00 imports 100 at 1.0, 10:00 exports 20 at 0.1: 98 a day.
    # 20 % of 14:00's load (20 kW) moves 4 hours earlier onto the PV surplus:
    # saving exactly (1.0 - 0.1) * 20 kWh a day = 18 a day = 6,570 a year.
    fixed = solve(shift_case(make_case, None), 24).summary
    out = solve(shift_case(make_case, {"shiftable_fraction": 0.2, "max_shift_hours": 4}), 24)
    s, ts = out.summary, out.timeseries
    assert fixed["objective_per_year"] == pytest.approx(98 * DAYS_PER_YEAR, rel=1e-9)
    saving = (1.0 - 0.1) * 20 * DAYS_PER_YEAR
    assert fixed["objective_per_year"] - s["objective_per_year"] == pytest.approx(saving, rel=1e-7)
    assert ts["load_shifted_kw"][14] == pytest.approx(-20, abs=1e-6)
    assert ts["load_shifted_kw"][10] == pytest.approx(20, abs=1e-6)
    assert ts["load_original_kw"][14] == pytest.approx(100)
    assert ts["load_kw"][14] == pytest.approx(80, abs=1e-6)  # load_kw is the load as served
    assert ts["export_kw"].sum() == pytest.approx(0, abs=1e-6)
    flex = s["flexibility"]
    assert flex["load_moved_mwh"] == pytest.approx(20 * DAYS_PER_YEAR / 1000, rel=1e-7)
    assert flex["moved_from_hour_of_day_mwh"][14] == pytest.approx(7.3, rel=1e-7)
    assert flex["moved_to_hour_of_day_mwh"][10] == pytest.approx(7.3, rel=1e-7)
    assert flex["shift_saving_at_marginal_price"] == pytest.approx(saving, rel=1e-7)
    # consumption is the load as served: the year's load is unchanged by shifting
    assert s["energy_mwh"]["consumption"] == pytest.approx(200 * DAYS_PER_YEAR / 1000, rel=1e-7)


def test_load_moves_no_further_than_max_shift_hours(make_case):
    # 10:00 and 14:00 are 4 hours apart: with 3 hours nothing can reach the PV hour
    # (hours without load can neither give nor take).
    fixed = solve(shift_case(make_case, None), 24).summary
    s = solve(shift_case(make_case, {"shiftable_fraction": 0.2, "max_shift_hours": 3}), 24).summary
    assert s["objective_per_year"] == pytest.approx(fixed["objective_per_year"], rel=1e-9)


def test_a_shift_window_keeps_load_within_the_shift(make_case):
    # Shifts of 12 hours (0-12, 12-24): 10:00 and 14:00 lie in different shifts.
    flex = {"shiftable_fraction": 0.2, "max_shift_hours": 4, "window": "shift", "shift_hours": 12}
    fixed = solve(shift_case(make_case, None), 24).summary
    s = solve(shift_case(make_case, flex), 24).summary
    assert s["objective_per_year"] == pytest.approx(fixed["objective_per_year"], rel=1e-9)
    flex["shift_hours"] = 24  # one shift a day: the move is allowed again
    s = solve(shift_case(make_case, flex), 24).summary
    saving = (1.0 - 0.1) * 20 * DAYS_PER_YEAR
    assert fixed["objective_per_year"] - s["objective_per_year"] == pytest.approx(saving, rel=1e-7)


def test_shift_pairs_stay_in_their_window():
    ones = np.ones(48, dtype=bool)
    pairs = shift_pairs(48, 8, 3, ones, ones)
    assert all(s // 8 == t // 8 and 0 < abs(s - t) <= 3 for s, t in pairs)
    assert (7, 8) not in pairs and (6, 7) in pairs and (8, 11) in pairs
    give = ones.copy()
    give[5] = False
    assert not any(s == 5 for s, _ in shift_pairs(48, 8, 3, give, ones))


def test_curtailable_load_is_shed_where_dearer_than_its_price(make_case):
    # Load 100 kW, import [0.5, 5.0]; 30 % may be shed at 2.0/kWh: shed 30 kW in the dear hour.
    # Cost a 2-hour cycle: 100 * 0.5 + 70 * 5.0 + 30 * 2.0 = 460; 4380 cycles a year.
    def case(hours):
        return make_case(
            {
                "name": "shed",
                "year": 2025,
                "load": {
                    "electricity_kw": 100,
                    "curtailable": {
                        "max_fraction": 0.3, "cost_per_kwh": 2.0, "max_hours_per_year": hours,
                    },
                },
                "grid": {"import_price_per_kwh": "@price", "export_price_per_kwh": 0.0},
                "rules": NO_RULES,
            },
            profiles={"price": [0.5, 5.0]},
        )  # fmt: skip

    out = solve(case(None), 2)
    s, ts = out.summary, out.timeseries
    assert s["objective_per_year"] == pytest.approx(460 * 4380, rel=1e-7)
    assert s["costs_per_year"]["load_shed"] == pytest.approx(30 * 2.0 * 4380, rel=1e-7)
    assert list(ts["load_shed_kw"]) == pytest.approx([0, 30], abs=1e-6)
    assert list(ts["load_kw"]) == pytest.approx([100, 70], abs=1e-6)
    # shed load is not consumption
    assert s["energy_mwh"]["consumption"] == pytest.approx(170 * 4380 / 1000, rel=1e-7)
    assert s["energy_mwh"]["load_shed"] == pytest.approx(30 * 4380 / 1000, rel=1e-7)
    # a cap of 1000 hours at 30 % of the 100 kW peak: 30,000 kWh a year
    s = solve(case(1000), 2).summary
    assert s["energy_mwh"]["load_shed"] == pytest.approx(30.0, rel=1e-7)
    assert s["objective_per_year"] == pytest.approx(
        (100 * 0.5 + 100 * 5.0) * 4380 - 30_000 * (5.0 - 2.0), rel=1e-7
    )


def tank_case(make_case, tank):
    # Heat 100 kW_th every hour from an existing lossless electric boiler (300 kW_th, free);
    # electricity [0.1, 1.0]; no electric load of its own.
    case = {
        "name": "tank",
        "year": 2025,
        "finance": {"discount_rate": 0.0},
        "load": {"electricity_kw": 0, "heat_kw_th": 100},
        "technologies": {
            "electric_boiler": {"efficiency": 1.0, "existing_kw_th": 300, "max_kw_th": 300},
        },
        "grid": {"import_price_per_kwh": "@price", "export_price_per_kwh": 0.0},
        "rules": NO_RULES,
    }
    if tank is not None:
        case["technologies"]["thermal_storage"] = tank
    return make_case(case, profiles={"price": [0.1, 1.0]})


def test_a_tank_carries_heat_from_the_cheap_hour_to_the_dear_one(make_case):
    # Keep 0.99 an hour, cyclic over 2 hours with the tank empty after the dear hour:
    # charge c = 100 / 0.99 in the cheap hour, tank = c. Boiler 100 + c at 0.1.
    # Cost = 4380 * 0.1 * (100 + c) + 10 * c (10 per kWh_th-year).
    tank = {
        "capex_per_kwh_th": 10, "fixed_om_per_kwh_th_year": 0, "lifetime_years": 1,
        "loss_fraction_per_hour": 0.01, "c_rate_kw_th_per_kwh_th": 1.0,
    }  # fmt: skip
    without = solve(tank_case(make_case, None), 2).summary
    assert without["objective_per_year"] == pytest.approx(4380 * 110, rel=1e-9)
    out = solve(tank_case(make_case, tank), 2)
    s, ts = out.summary, out.timeseries
    c = 100 / 0.99
    assert s["capacities"]["thermal_storage_kwh_th"] == pytest.approx(c, rel=1e-6)
    assert s["objective_per_year"] == pytest.approx(4380 * 0.1 * (100 + c) + 10 * c, rel=1e-7)
    assert list(ts["thermal_storage_charge_kw_th"]) == pytest.approx([c, 0], rel=1e-6)
    assert list(ts["thermal_storage_discharge_kw_th"]) == pytest.approx([0, 100], rel=1e-6)
    assert list(ts["electric_boiler_kw"]) == pytest.approx([100 + c, 0], rel=1e-6)
    soc = ts["thermal_storage_soc_kwh_th"].to_numpy()
    assert soc[1] == pytest.approx(0.99 * soc[0] - 100, abs=1e-6)
    # tank losses are heat; the boiler's electricity is consumption
    assert s["energy_mwh"]["consumption"] == pytest.approx((100 + c) * 4380 / 1000, rel=1e-7)
    assert s["energy_mwh"]["storage_losses"] == pytest.approx(0, abs=1e-9)
    assert s["flexibility"]["heat_storage_losses_mwh_th"] == pytest.approx(
        (c - 100) * 4380 / 1000, rel=1e-6
    )


def test_electric_boiler_defaults_work():
    data = load_case(EXAMPLE).with_overrides({"technologies.electric_boiler": {}})
    boiler = data.case.technologies.electric_boiler
    assert boiler is not None and boiler.efficiency == pytest.approx(0.99)
    assert boiler.capex_per_kw_th > 0


def test_an_export_limit_binds_apart_from_the_connection(make_case):
    # 200 kW of existing PV at 0:00 against a 50 kW load; a 1000 kW connection.
    # Without the limit 150 kW go out; with export_limit_kw 100, 100 go out and 50 are curtailed.
    def case(limit):
        grid = {"import_price_per_kwh": 0.5, "export_price_per_kwh": 0.3, "connection_kw": 1000}
        if limit is not None:
            grid["export_limit_kw"] = limit
        return make_case(
            {
                "name": "export",
                "year": 2025,
                "load": {"electricity_kw": 50},
                "technologies": {"pv": {"availability": "@pv", "existing_kw": 200, "max_kw": 200}},
                "grid": grid,
                "rules": NO_RULES,
            },
            profiles={"pv": [1.0, 0.0]},
        )

    free = solve(case(None), 2).timeseries
    assert free["export_kw"].max() == pytest.approx(150, rel=1e-7)
    out = solve(case(100), 2)
    assert out.timeseries["export_kw"].max() == pytest.approx(100, rel=1e-7)
    assert out.timeseries["curtailed_kw"][0] == pytest.approx(50, rel=1e-7)
    assert out.summary["costs_per_year"]["export_revenue"] == pytest.approx(
        -100 * 0.3 * 4380, rel=1e-7
    )


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ({"load.flexible": {"shiftable_fraction": 0.1, "window": "shift", "shift_hours": 7}},
         "shift_hours"),
        ({"load.flexible": {"shiftable_fraction": 0.1, "window": "shift"}}, "shift_hours"),
        ({"load.flexible": {"shiftable_fraction": 0.1, "shift_hours": 8}}, "shift_hours"),
        ({"load.flexible": {"shiftable_fraction": 1.5}}, "shiftable_fraction"),
        ({"load.heat_kw_th": None, "technologies.heat_pump": None,
          "technologies.thermal_storage": {}}, "thermal_storage"),
    ],
)  # fmt: skip
def test_bad_flexibility_keys_are_named(override, key):
    with pytest.raises(CaseError) as err:
        load_case(EXAMPLE).with_overrides(override)
    assert key in str(err.value)


ALL_ON = {
    "load.flexible": {"shiftable_fraction": 0.1, "max_shift_hours": 4, "window": "shift",
                      "shift_hours": 8},
    "load.curtailable": {"max_fraction": 0.05, "cost_per_kwh": 1.5, "max_hours_per_year": 200},
    "technologies.thermal_storage": {},
    "technologies.electric_boiler": {},
    "grid.export_limit_kw": 3000,
}  # fmt: skip


def check_invariants(ts: pd.DataFrame, data, window_hours: int) -> None:
    """Both balances close every hour; windows conserve load; limits and the tank hold."""
    case = data.case
    col = lambda c: ts[c].to_numpy(dtype=float) if c in ts else np.zeros(len(ts))  # noqa: E731
    supply = (
        col("pv_available_kw") + col("wind_available_kw") - col("curtailed_kw")
        + col("import_kw") - col("export_kw") + col("battery_discharge_kw")
        - col("battery_charge_kw") - col("heat_pump_kw") - col("electric_boiler_kw")
    )  # fmt: skip
    served = col("load_kw")
    assert np.abs(supply - served).max() < 1e-4
    heat = (
        col("heat_pump_kw_th") + col("boiler_kw_th") + col("electric_boiler_kw_th")
        + col("thermal_storage_discharge_kw_th") - col("thermal_storage_charge_kw_th")
    )  # fmt: skip
    assert np.abs(heat - col("heat_load_kw_th")).max() < 1e-4
    original, shifted, shed = col("load_original_kw"), col("load_shifted_kw"), col("load_shed_kw")
    assert np.allclose(original, np.asarray(data.series["load_kw"])[: len(ts)])
    assert np.allclose(served, original + shifted - shed, atol=1e-6)
    n = len(ts) // window_hours * window_hours
    by_window = lambda x: x[:n].reshape(-1, window_hours).sum(axis=1)  # noqa: E731
    assert np.allclose(by_window(served + shed), by_window(original), atol=1e-4)
    f = case.load.flexible.shiftable_fraction
    assert (np.abs(shifted) <= f * original + 1e-6).all()
    assert (shed <= case.load.curtailable.max_fraction * original + 1e-6).all()
    tank = case.technologies.thermal_storage
    keep = 1 - tank.loss_fraction_per_hour
    soc = col("thermal_storage_soc_kwh_th")
    expected = (
        keep * np.roll(soc, 1) + col("thermal_storage_charge_kw_th")
        - col("thermal_storage_discharge_kw_th")
    )  # fmt: skip
    assert np.abs(soc - expected).max() < 1e-4
    assert (col("export_kw") <= case.grid.export_limit_kw + 1e-6).all()


def test_week_of_the_example_with_everything_on():
    data = load_case(EXAMPLE).with_overrides(ALL_ON)
    out = solve_case(data, method="exact", horizon=Horizon.full_year(data.case.year, 168))
    check_invariants(out.timeseries, data, 8)
    s = out.summary
    assert s["dispatch_strict"]
    consumption = s["energy_mwh"]["self_used"] + s["energy_mwh"]["imported"]
    assert s["energy_mwh"]["consumption"] == pytest.approx(consumption, rel=1e-6)


@pytest.mark.parametrize("physics", ["relaxed", "strict"])
def test_flexibility_never_raises_cost(physics):
    # The same week with and without flexibility: allowing it can only lower the optimum.
    # The LP (relaxed) optimum is exact but for the tie-break (O2, 1e-5 CNY per kWh of
    # storage throughput, left out of the reported cost); strict physics stops within the
    # case's MIP gap.
    data = load_case(EXAMPLE).with_overrides({"physics": physics})
    week = Horizon.full_year(data.case.year, 168)
    fixed = solve_case(data, method="exact", horizon=week).summary["objective_per_year"]
    flex = solve_case(data.with_overrides(ALL_ON), method="exact", horizon=week)
    cost = flex.summary["objective_per_year"]
    tol = 1e-5 if physics == "relaxed" else data.case.solver.mip_gap
    assert cost <= fixed * (1 + tol)
    assert cost < fixed  # here flexibility pays


def test_auto_supports_flexibility_and_heat_storage():
    # Typical days: day windows and 8-hour shifts lie inside each typical day.
    data = load_case(EXAMPLE).with_overrides(ALL_ON | {"solver.typical_days": 4})
    horizon = Horizon.full_year(data.case.year, 24 * 14)
    out = solve_case(data, method="auto", horizon=horizon)
    check_invariants(out.timeseries, data, 8)
    assert "thermal_storage_kwh_th" in out.summary["capacities"]


@pytest.mark.slow
@pytest.mark.parametrize("method", ["auto"])
def test_full_year_invariants_with_everything_on(method):
    data = load_case(EXAMPLE).with_overrides(ALL_ON)
    out = solve_case(data, method=method)
    check_invariants(out.timeseries, data, 8)
    s = out.summary
    assert s["dispatch_strict"] and s["rules_ok"]
    fixed = solve_case(load_case(EXAMPLE), method=method).summary["objective_per_year"]
    assert s["objective_per_year"] <= fixed * (1 + 5e-3)  # within auto's stated gap


def test_model_ledger_matches_the_table_with_everything_on():
    # The rules' annual expressions equal the ledger recomputed from the hourly columns,
    # and consumption (load as served + conversion + losses) is S + imports every hour.
    from dispatch import ledger
    from dispatch.model.build import annual_ledger, build_model
    from dispatch.model.technologies import ledger_terms
    from dispatch.results.extract import timeseries
    from dispatch.solve.exact import solve as solve_built

    data = load_case(EXAMPLE).with_overrides(ALL_ON)
    built = build_model(data, Horizon.full_year(data.case.year, 48))
    solve_built(built)
    model = {k: float(v if isinstance(v, float) else v()) for k, v in annual_ledger(built).items()}
    ts = timeseries(built)
    terms = ledger_terms(data.case)
    assert model == pytest.approx(ledger.annual_kwh(ts, terms, 8760 / 48), rel=1e-7, abs=1e-3)
    hourly = ledger.hourly(ts, terms)
    assert np.allclose(hourly["consumption"], hourly["self_used"] + ts["import_kw"], atol=1e-5)
    served = ts["load_kw"] + ts["heat_pump_kw"] + ts["electric_boiler_kw"]
    served += ts["battery_charge_kw"] - ts["battery_discharge_kw"]
    assert np.allclose(hourly["consumption"], served, atol=1e-6)


def test_summary_terminal_and_figure_show_the_load_moved(make_case):
    from dispatch.report.figures import dispatch_figure
    from dispatch.results.terminal import flexibility_tiles, hour_ranges

    flex = {"shiftable_fraction": 0.2, "max_shift_hours": 4}
    out = solve(shift_case(make_case, flex), 24)
    tiles = dict((k, (v, n)) for k, v, n in flexibility_tiles(out.summary["flexibility"], "CNY"))
    value, note = tiles["Load moved"]
    assert value == "7 MWh/yr" and note.startswith("from 14h to 10h; saves 6,570 CNY/yr")
    assert hour_ranges([0, 1, 1, 1, 0, 2] + [0] * 18) == "01-03h, 05h"
    names = [trace.name for trace in dispatch_figure(out.timeseries, start="2025-01-01").data]
    assert "electric load" in names
    assert any(str(n).startswith("electric load as given") for n in names)
