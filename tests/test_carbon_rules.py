"""The carbon rules (R7-R9) and green certificates, checked against the hourly output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest

from dispatch.api import Result
from dispatch.case.loader import load_case
from dispatch.errors import InfeasibleError
from dispatch.model.build import annual_carbon, build_model
from dispatch.model.horizon import Horizon
from dispatch.runner import solve_case
from dispatch.solve.exact import solve

PV_DAY = [0, 0, 0, 0, 0, 0, 0.1, 0.3, 0.5, 0.7, 0.85, 0.9, 0.9, 0.85, 0.7, 0.5, 0.3, 0.1, 0, 0,
          0, 0, 0, 0]  # fmt: skip
FACTOR = 0.55  # kgCO2/kWh, the test grid
KGCE = 0.3  # coal-equivalent kgce/kWh, the case default
HORIZON = Horizon.full_year(2025, 48)


def _case(make_case, rules=None, grid=None, accounting=None, tech=None, profiles=None):
    technologies = {
        "pv": {
            "availability": "@pv",
            "capex_per_kw": 20000,  # dearer than the grid: only the rules make it pay
            "fixed_om_per_kw_year": 0,
            "lifetime_years": 20,
            "max_kw": 2000,
        },
        "battery": {"capex_per_kwh": 800, "capex_per_kw": 300, "lifetime_years": 15},
    }
    case = {
        "name": "carbon",
        "year": 2025,
        "finance": {"discount_rate": 0.05},
        "load": {"electricity_kw": 100},
        "technologies": technologies | (tech or {}),
        "grid": {
            "import_price_per_kwh": 0.5,
            "export_price_per_kwh": 0.1,
            "emission_factor_kg_per_kwh": FACTOR,
        }
        | (grid or {}),  # fmt: skip
        "rules": {
            "self_use_min_of_generation": None,
            "self_use_min_of_consumption": 0.0,
            "export_max_of_generation": None,
        }
        | (rules or {}),  # fmt: skip
    }
    if accounting:
        case["accounting"] = accounting
    return make_case(case, profiles={"pv": PV_DAY} | (profiles or {}))


def _recompute(ts: pd.DataFrame, green_counts: tuple[str, ...] = ()) -> dict[str, float]:
    """Carbon figures from the hourly table alone (independent of the ledger)."""
    imp = ts["import_kw"].to_numpy()
    self_used = (ts["pv_available_kw"] - ts["pv_curtailed_kw"] - ts["export_kw"]).to_numpy()
    green = ts["green_certificate_kw"].to_numpy() if "green_certificate_kw" in ts else 0 * imp
    factor = ts["grid_emission_factor_kg_per_kwh"].to_numpy()
    emissions = float(np.sum(imp * factor)) - (
        float(np.sum(green * factor)) if "emissions" in green_counts else 0.0
    )
    consumption = float(np.sum(imp + self_used))
    clean = float(np.sum(self_used)) + (float(green.sum()) if "clean_share" in green_counts else 0)
    return {
        "intensity": emissions / (consumption * KGCE),
        "clean_share": clean / consumption,
        "green_mwh": float(green.sum()) / 1000,
        "tco2": emissions / 1000,
    }


def _run(path: Path, horizon: Horizon = HORIZON):
    return solve_case(load_case(path), method="exact", horizon=horizon)


def test_carbon_intensity_binds_and_holds_in_the_hourly_output(make_case, tmp_path):
    free = _run(_case(make_case))
    grid_only = FACTOR / KGCE  # tCO2/tce of a park fed by the grid alone
    assert free.summary["ratios"]["carbon_intensity_t_per_tce"] > 1.0  # PV does not pay alone
    out = _run(_case(make_case, rules={"carbon_intensity_max_t_per_tce": 0.8}))
    out_folder = tmp_path / "run"
    Result.from_output(out).write(out_folder)
    ts = pd.read_csv(out_folder / "timeseries.csv")
    got = _recompute(ts)
    assert got["intensity"] == pytest.approx(0.8, rel=1e-5)  # binds
    assert got["intensity"] <= 0.8 * (1 + 1e-6)
    assert got["intensity"] < grid_only
    rule = next(r for r in out.summary["rules"] if r["name"] == "carbon_intensity")
    assert rule["ok"] and rule["unit"] == "tCO2/tce"
    assert rule["value"] == pytest.approx(got["intensity"], rel=1e-9)
    assert out.summary["emissions"]["tco2_per_tce"] == pytest.approx(got["intensity"], rel=1e-9)
    assert out.summary["objective_per_year"] > free.summary["objective_per_year"]


def test_clean_share_and_emissions_cap_bind(make_case):
    out = _run(_case(make_case, rules={"clean_share_min": 0.5}))
    got = _recompute(out.timeseries)
    assert got["clean_share"] == pytest.approx(0.5, rel=1e-5)
    assert out.summary["emissions"]["clean_energy_share"] == pytest.approx(0.5, rel=1e-5)
    scale = 8760 / HORIZON.n_steps
    cap = 0.6 * _recompute(_run(_case(make_case)).timeseries)["tco2"] * scale  # tCO2/yr
    out = _run(_case(make_case, rules={"emissions_max_tco2_per_year": cap}))
    tco2 = _recompute(out.timeseries)["tco2"] * scale
    assert tco2 == pytest.approx(cap, rel=1e-5)  # binds
    assert tco2 <= cap * (1 + 1e-6)
    assert out.summary["emissions"]["tco2_per_year"] == pytest.approx(tco2, rel=1e-9)
    rule = next(r for r in out.summary["rules"] if r["name"] == "emissions")
    assert rule["ok"] and rule["unit"] == "tCO2/yr"


@pytest.mark.parametrize("counts", ["both", "clean_share", "emissions", "none"])
def test_green_certificates_show_in_cost_clean_share_and_report(make_case, tmp_path, counts):
    price = 8.0  # CNY/MWh
    rules = {"clean_share_min": 0.9, "carbon_intensity_max_t_per_tce": 0.3}
    if counts in ("clean_share", "emissions"):  # the rule the certificates help with
        rules = {"clean_share": {"clean_share_min": 0.9},
                 "emissions": {"carbon_intensity_max_t_per_tce": 0.3}}[counts]  # fmt: skip
    path = _case(
        make_case,
        rules=rules,
        grid={"green_certificate_price_per_mwh": price},
        accounting={"green_certificates_count_toward": counts},
    )
    out = _run(path)
    s = out.summary
    green_counts = ("clean_share", "emissions") if counts == "both" else (counts,)
    got = _recompute(out.timeseries, green_counts)
    scale = 8760 / len(out.timeseries)
    assert s["rules_ok"]
    if counts == "none":  # certificates cannot help: PV and storage alone do it, none bought
        assert got["green_mwh"] == pytest.approx(0.0, abs=1e-6)
        assert s["costs_per_year"]["green_certificates"] == pytest.approx(0.0, abs=1e-3)
        assert s["ratios"]["clean_share"] >= 0.9 - 1e-6
        return
    assert got["green_mwh"] > 0
    assert s["costs_per_year"]["green_certificates"] == pytest.approx(
        got["green_mwh"] * scale * price, rel=1e-9
    )
    assert s["emissions"]["green_certificates_mwh_per_year"] == pytest.approx(
        got["green_mwh"] * scale, rel=1e-9
    )
    assert s["ratios"]["clean_share"] == pytest.approx(got["clean_share"], rel=1e-9)
    assert s["ratios"]["carbon_intensity_t_per_tce"] == pytest.approx(got["intensity"], rel=1e-9)
    for rule in (r for r in s["rules"] if r["name"] in ("clean_share", "carbon_intensity")):
        value = got["clean_share"] if rule["name"] == "clean_share" else got["intensity"]
        assert rule["ok"] and rule["value"] == pytest.approx(value, rel=1e-9)
        assert value >= 0.9 - 1e-6 if rule["name"] == "clean_share" else value <= 0.3 + 1e-6
    assert (out.timeseries["green_certificate_kw"] <= out.timeseries["import_kw"] + 1e-6).all()
    html = Result.from_output(out).write(tmp_path / "r") / "report.html"
    text = html.read_text(encoding="utf-8")
    assert "Green certificates" in text and "green certificates" in text


def test_model_carbon_quantities_match_the_hourly_table(make_case):
    """The model's R7-R9 expressions and the summary count the same carbon, also with an
    hourly grid factor and a boiler burning fuel."""
    factor_day = [0.4 + 0.02 * h for h in range(24)]
    path = _case(
        make_case,
        grid={"emission_factor_kg_per_kwh": "@factor", "green_certificate_price_per_mwh": 5.0},
        rules={"carbon_intensity_max_t_per_tce": 0.9},
        accounting={"green_certificates_count_toward": "emissions"},
        tech={"boiler": {"efficiency": 0.9}},
        profiles={"factor": factor_day, "heat": [50.0] * 24},
    )
    import yaml

    raw = yaml.safe_load(path.read_text())
    raw["load"]["heat_kw_th"] = "heat.csv"
    path.write_text(yaml.safe_dump(raw))
    data = load_case(path)
    built = build_model(data, HORIZON)
    solve(built)
    model = {k: pyo.value(v) for k, v in annual_carbon(built).items()}
    from dispatch.results import extract
    from dispatch.results.summary import carbon_kg

    table = carbon_kg(extract.timeseries(built), data)
    for name, value in model.items():
        assert value == pytest.approx(table[name], rel=1e-9), name
    assert model["emissions"] / model["energy_use"] == pytest.approx(0.9, rel=1e-6)


def test_unreachable_carbon_intensity_names_the_rule_and_the_shortfall(make_case):
    path = _case(
        make_case,
        rules={"carbon_intensity_max_t_per_tce": 0.2},
        tech={
            "pv": {"availability": "@pv", "capex_per_kw": 3000, "lifetime_years": 20, "max_kw": 100}
        },  # fmt: skip
    )
    with pytest.raises(InfeasibleError) as err:
        _run(path)
    text = str(err.value)
    assert "rules.carbon_intensity_max_t_per_tce" in text
    assert "tCO2/tce" in text and "short" in text
    finding = next(f for f in err.value.diagnosis if f.get("rule") == "carbon_intensity")
    assert finding["reachable"] > 0.2
    assert finding["shortfall"] == pytest.approx(finding["reachable"] - 0.2, rel=1e-9)
    assert "grid.green_certificate_price_per_mwh" in text
