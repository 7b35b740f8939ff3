"""Case keys for generated profiles, the fallback in profile reading, and `dispatch profiles`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from numpy.testing import assert_allclose
from typer.testing import CliRunner

from dispatch.case.loader import load_case
from dispatch.cli import app
from dispatch.errors import CaseError

REPO = Path(__file__).resolve().parents[2]
CASES = {
    "ningbo": REPO / "cases" / "ningbo-meishan-logistics.yaml",
    "ordos": REPO / "cases" / "ordos-industrial.yaml",
}


def write(tmp_path: Path, case: dict) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(case, sort_keys=False))
    return path


def base_case(**extra) -> dict:
    case = {
        "name": "t",
        "year": 2025,
        "location": {"latitude": 29.8, "longitude": 121.9, "altitude_m": 5},
        "load": {"park_type": "industrial", "annual_electricity_mwh": 1000},
        "technologies": {"pv": {}},
        "grid": {"import_price_per_kwh": 0.6},
    }
    case.update(extra)
    return case


@pytest.fixture(scope="module")
def ningbo():
    return load_case(CASES["ningbo"])


def test_shipped_location_only_case_generates_every_profile(ningbo):
    s = ningbo.series
    for name in ("load_kw", "heat_load_kw_th", "pv_availability_kw_per_kw", "cop"):
        assert s[name].shape == (8760,)
    assert_allclose(s["load_kw"].sum() / 1000, 60_000)
    assert_allclose(s["heat_load_kw_th"].sum() / 1000, 6_000)
    assert 1000 < s["pv_availability_kw_per_kw"].sum() < 1200
    assert 0.18 < s["wind_availability_kw_per_kw"].mean() < 0.30
    assert ningbo.notes == []


def test_ordos_case_notes_heat_beyond_reach():
    data = load_case(CASES["ordos"])
    assert data.case.technologies.heat_pump is None
    assert "cop" not in data.series
    assert any("boiler" in n for n in data.notes)
    assert 1500 < data.series["pv_availability_kw_per_kw"].sum() < 1900  # tracking


def test_explicit_profile_overrides_generated(tmp_path):
    pd.DataFrame({"v": np.full(8760, 0.1)}).to_csv(tmp_path / "pv.csv", index=False)
    case = base_case(technologies={"pv": {"availability": "pv.csv", "tilt_deg": 10}})
    data = load_case(write(tmp_path, case))
    assert_allclose(data.series["pv_availability_kw_per_kw"], 0.1)
    assert_allclose(data.series["load_kw"].sum(), 1e6)


def test_existing_profile_only_case_needs_no_location(tmp_path):
    case = {
        "name": "plain",
        "year": 2025,
        "load": {"electricity_kw": 100},
        "technologies": {"pv": {"availability": 0.2}},
        "grid": {"import_price_per_kwh": 0.6},
    }
    data = load_case(write(tmp_path, case))
    assert data.site_profiles is None and data.notes == []


def test_generated_profile_without_location_is_an_error(tmp_path):
    case = base_case()
    del case["location"]
    with pytest.raises(CaseError, match="add location"):
        load_case(write(tmp_path, case))


@pytest.mark.parametrize(
    ("load", "message"),
    [
        ({"park_type": "industrial"}, "give electricity_kw"),
        ({"annual_electricity_mwh": 5}, "need a park_type"),
        ({"park_type": "farm", "peak_kw": 5}, "park_type"),
        ({"park_type": "industrial", "annual_electricity_mwh": 5, "peak_kw": 5}, "not both"),
    ],
)
def test_load_key_errors(tmp_path, load, message):
    with pytest.raises(CaseError, match=message):
        load_case(write(tmp_path, base_case(load=load)))


def test_unknown_site_and_bad_keys(tmp_path):
    case = base_case(location={"latitude": 30, "longitude": 120, "site": "atlantis"})
    with pytest.raises(CaseError, match="unknown climate site"):
        load_case(write(tmp_path, case))
    wind = {"shear_exponent": 0.14, "roughness_length_m": 0.03}
    with pytest.raises(CaseError, match="not both"):
        load_case(write(tmp_path, base_case(technologies={"wind": wind})))
    hp = {"source": "air", "source_temperature_c": 30}
    with pytest.raises(CaseError, match="waste_heat only"):
        load_case(write(tmp_path, base_case(technologies={"heat_pump": hp, "boiler": {}})))


def test_heat_beyond_reach_without_boiler_is_an_error(tmp_path):
    load = {"park_type": "industrial", "annual_electricity_mwh": 10, "annual_heat_mwh": 5}
    case = base_case(load=load, technologies={"heat_pump": {"sink_temperature_c": 150}})
    with pytest.raises(CaseError, match="no technologies.boiler"):
        load_case(write(tmp_path, case))


def test_weather_file_and_user_power_curve(tmp_path):
    import pvlib

    curve = tmp_path / "curve.csv"
    pd.DataFrame({"wind_speed_m_s": [3.0, 12.0, 25.0], "power_kw": [0, 2000, 2000]}).to_csv(
        curve, index=False
    )
    case = base_case(
        weather={"file": pvlib.__path__[0] + "/data/723170TYA.CSV"},
        technologies={"wind": {"power_curve": "curve.csv", "hub_height_m": 80}},
    )
    del case["location"]
    data = load_case(write(tmp_path, case))
    assert data.site_profiles.attrs["meta"]["weather_source"].startswith("TMY3")
    pairs = base_case(technologies={"wind": {"power_curve": [[3, 0], [12, 1], [25, 1]]}})
    data2 = load_case(write(tmp_path, pairs))
    assert 0.0 < data2.series["wind_availability_kw_per_kw"].mean() < 0.6


def test_profiles_command_writes_csv(tmp_path):
    result = CliRunner().invoke(app, ["profiles", str(CASES["ordos"]), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "PV specific yield" in result.output and "boiler" in result.output
    table = pd.read_csv(tmp_path / "profiles.csv", index_col="time")
    assert len(table) == 8760
    assert table.index[0] == "2026-01-01T00:00:00+0800"
    assert list(table.columns) == [
        "pv_kw_per_kw",
        "wind_kw_per_kw",
        "temp_air_c",
        "ghi_w_m2",
        "wind_speed_m_s",
        "electricity_kw",
        "heat_kw_th",
    ]


def test_profiles_command_reports_case_errors(tmp_path):
    case = base_case()
    del case["location"]
    result = CliRunner().invoke(app, ["profiles", str(write(tmp_path, case)), "--out", "x"])
    assert result.exit_code == 2


def test_location_only_case_solves_on_a_short_horizon(ningbo):
    from dispatch.model.free_sizes import zero_price_notes
    from dispatch.model.horizon import Horizon
    from dispatch.runner import solve_case

    out = solve_case(ningbo, horizon=Horizon.full_year(ningbo.case.year, 48))
    assert out.summary["notes"] == zero_price_notes(ningbo.case)  # no grid charges given
    assert out.summary["capacities"]["pv_kw"] >= 0
