"""The energy ledger: consumption counts storage losses, so self-use of consumption <= 100 %.

Consumption is C = load + heat-pump electricity + storage losses (charge - discharge),
which by the hourly balance equals self-used renewables S plus imports. Every check
below recomputes the ratios by hand from the hourly table the run wrote.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dispatch
from dispatch import ledger
from dispatch.case.loader import load_case
from dispatch.model.build import build_model
from dispatch.model.horizon import Horizon
from dispatch.model.technologies import REGISTRY, ledger_terms, spec_of
from dispatch.runner import solve_case
from dispatch.solve.exact import solve
from tests.sweep_cases import pv_battery_case

LOSSY = {
    "name": "lossy-battery",
    "year": 2025,
    "load": {"electricity_kw": 50},
    "technologies": {
        "pv": {"availability": 1.0, "existing_kw": 100, "max_kw": 100},
        "battery": {
            "existing_kwh": 100, "existing_kw": 100, "max_kwh": 100, "max_kw": 100,
            "charge_efficiency": 0.5, "discharge_efficiency": 0.5, "soc_min_fraction": 0.0,
        },
    },
    "grid": {"import_price_per_kwh": 0.5, "export_allowed": False},
    "rules": {
        "self_use_min_of_generation": 0.6,
        "self_use_min_of_consumption": 0.3,
        "export_max_of_generation": 0.2,
    },
}  # fmt: skip


def _hand_ratios(ts: pd.DataFrame) -> dict[str, float]:
    """S/A, S/C and exported/A recomputed from hourly columns, written out by hand."""

    def col(name: str) -> np.ndarray:
        return ts[name].to_numpy(float) if name in ts else np.zeros(len(ts))

    available = col("pv_available_kw").sum() + col("wind_available_kw").sum()
    curtailed = col("pv_curtailed_kw").sum() + col("wind_curtailed_kw").sum()
    exported = col("export_kw").sum()
    losses = col("battery_charge_kw").sum() - col("battery_discharge_kw").sum()
    consumption = col("load_kw").sum() + col("heat_pump_kw").sum() + losses
    self_used = available - curtailed - exported
    assert self_used + col("import_kw").sum() == pytest.approx(consumption, rel=1e-7)
    return {
        "self_use_of_generation": self_used / available,
        "self_use_of_consumption": self_used / consumption,
        "export_of_generation": exported / available,
        "losses_kwh": losses,
    }


def test_a_lossy_battery_cannot_lift_self_use_above_consumption(make_case):
    # PV 100 kW at availability 1 and a 50 kW load, no export: S >= 0.6 A forces
    # 60 kW of the 100 kW to be used, 50 kW by the load and 10 kW burnt in a battery
    # at 0.5 x 0.5 efficiency (87.6 MWh/yr). S = 525.6 MWh; C = 438 + 87.6 = S, no
    # imports: S/C = 1 exactly (the old definition, C = load, gave 1.20).
    path = make_case(LOSSY)
    data = load_case(path)
    out = solve_case(data, method="exact", horizon=Horizon.full_year(2025, 2))
    s = out.summary
    assert s["energy_mwh"]["storage_losses"] == pytest.approx(87.6, rel=1e-6)
    assert s["energy_mwh"]["consumption"] == pytest.approx(438 + 87.6, rel=1e-6)
    assert s["ratios"]["self_use_of_consumption"] == pytest.approx(1.0, rel=1e-6)
    assert s["ratios"]["self_use_of_consumption"] <= 1 + 1e-9
    hand = _hand_ratios(out.timeseries)
    assert hand["self_use_of_consumption"] == pytest.approx(1.0, rel=1e-6)


def _binding_case(make_case):
    # Two hours: PV availability [1, 0], flat 100 kW load, no export. PV costs 1000 per
    # kW-year, more than the 438 it saves, so only the rule makes anything be built.
    return make_case(
        {
            "name": "binding-consumption",
            "year": 2025,
            "finance": {"discount_rate": 0.0},
            "load": {"electricity_kw": 100},
            "technologies": {
                "pv": {"availability": "@pv", "capex_per_kw": 1000, "fixed_om_per_kw_year": 0,
                       "lifetime_years": 1},
                "battery": {"capex_per_kwh": 100, "capex_per_kw": 10, "fixed_om_per_kwh_year": 0,
                            "fixed_om_per_kw_year": 0, "lifetime_years": 1,
                            "charge_efficiency": 0.9, "discharge_efficiency": 0.9,
                            "soc_min_fraction": 0.0, "soc_max_fraction": 1.0,
                            "self_discharge_per_hour": 0.0},
            },
            "grid": {"import_price_per_kwh": 0.1, "export_allowed": False,
                     "capacity_charge_per_kw_month": 0, "system_operation_fee_per_kwh": 0},
            "rules": {"self_use_min_of_generation": None, "self_use_min_of_consumption": 0.7,
                      "export_max_of_generation": None},
        },
        profiles={"pv": [1.0, 0.0]},
    )  # fmt: skip


def test_binding_consumption_rule_counts_storage_losses(make_case, tmp_path):
    # Per pair of hours: the load takes 100 kWh of PV by day, the battery charges x and
    # returns 0.81 x by night. S = 100 + x, C = 200 + 0.19 x (losses count), and the
    # rule S >= 0.7 C binds at x = 40 / (1 - 0.7 * 0.19) = 46.137 kWh. Under the old
    # definition (C = 200) x = 40 would have met it.
    path = _binding_case(make_case)
    result = dispatch.run(
        path, out=tmp_path / "out", method="exact", horizon=Horizon.full_year(2025, 2)
    )
    ts = pd.read_csv(tmp_path / "out" / "timeseries.csv")
    hand = _hand_ratios(ts)
    x = 40 / (1 - 0.7 * 0.19)
    assert ts["battery_charge_kw"].sum() == pytest.approx(x, rel=1e-6)
    assert hand["losses_kwh"] == pytest.approx(0.19 * x, rel=1e-6)
    assert hand["self_use_of_consumption"] == pytest.approx(0.7, rel=1e-6)
    ratios = result.summary["ratios"]
    assert ratios["self_use_of_consumption"] == pytest.approx(hand["self_use_of_consumption"])
    assert ratios["self_use_of_generation"] == pytest.approx(hand["self_use_of_generation"])


@pytest.mark.parametrize("hours", [24, 72])
def test_every_battery_case_stays_within_100_percent(make_case, hours):
    data = load_case(pv_battery_case(make_case))
    out = solve_case(data, method="exact", horizon=Horizon.full_year(2025, hours))
    hand = _hand_ratios(out.timeseries)
    assert hand["losses_kwh"] > 0
    assert out.summary["ratios"]["self_use_of_consumption"] == pytest.approx(
        hand["self_use_of_consumption"], rel=1e-9
    )
    assert hand["self_use_of_consumption"] <= 1 + 1e-9


def test_model_ledger_matches_the_hourly_table(make_case):
    # The annual expressions the rules use equal the ledger recomputed from the columns.
    from dispatch.model.build import annual_ledger
    from dispatch.results.extract import timeseries

    data = load_case(pv_battery_case(make_case))
    built = build_model(data, Horizon.full_year(2025, 24))
    solve(built)
    model = {k: float(v if isinstance(v, float) else v()) for k, v in annual_ledger(built).items()}
    ts = timeseries(built)
    table = ledger.annual_kwh(ts, ledger_terms(data.case), 8760 / 24)
    assert model == pytest.approx(table, rel=1e-9, abs=1e-6)
    assert table["consumption"] == pytest.approx(table["self_used"] + table["imported"], rel=1e-9)


def test_every_term_names_a_column_the_technology_writes(make_case):
    data = load_case(pv_battery_case(make_case))
    built = build_model(data, Horizon.full_year(2025, 24))
    solve(built)
    for name, tech in built.technologies.items():
        columns = tech.timeseries(built.model.component(name))
        for term in tech.ledger_terms(tech.spec):
            assert term.column in columns, (name, term)
    assert {cls.name for cls in REGISTRY if spec_of(data.case, cls.name) is not None} == set(
        built.technologies
    )


def test_rules_and_ratios_are_defined_once():
    assert [r.name for r in ledger.RULES] == [
        "self_use_of_generation", "self_use_of_consumption", "export_max_of_generation",
        "carbon_intensity", "clean_share", "emissions",
    ]  # fmt: skip
    for rule in ledger.RULES:
        assert rule.ratio in ledger.RATIO_BY_NAME
        assert rule.key.startswith("rules.")
    assert ledger.compose({"load": 1.0, "storage_losses": 2.0, "available": 5.0})[
        "consumption"
    ] == pytest.approx(3.0)


def test_sweep_table_carries_every_ledger_ratio_and_rule(make_case):
    from dispatch.sweep.grid import RunSpec
    from dispatch.sweep.store import row_of
    from dispatch.sweep.worker import RunResult

    data = load_case(make_case(LOSSY))
    out = solve_case(data, method="exact", horizon=Horizon.full_year(2025, 2))
    row = row_of(RunSpec("r1", {}), RunResult("r1", "optimal", summary=out.summary))
    for ratio in ledger.RATIOS:
        assert row[ratio.name] == out.summary["ratios"][ratio.name], ratio.name
    in_force = [r for r in ledger.RULES if r.limit(data.case) is not None]
    assert in_force and [r["name"] for r in out.summary["rules"]] == [r.name for r in in_force]
    for rule in in_force:
        assert isinstance(row[f"rule_{rule.name}_ok"], bool), rule.name
    assert row["self_use_of_consumption"] == pytest.approx(1.0, rel=1e-6)
