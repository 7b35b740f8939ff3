"""Valid but doubtful inputs get a note: zero prices that drive a size, implausible loads."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from dispatch.case.loader import load_case, read_yaml, validate
from dispatch.cli import app
from dispatch.model.free_sizes import zero_price_notes
from tests.conftest import EXAMPLE, NO_RULES, REPO

PRICED_GRID = {
    "import_price_per_kwh": 0.6,
    "capacity_charge_per_kw_month": 20,
    "system_operation_fee_per_kwh": 0.02,
}


def _case(**changes):
    case = {
        "name": "notes",
        "year": 2025,
        "load": {"electricity_kw": "@load"},
        "technologies": {"pv": {"availability": "@pv", "max_kw": 100}},
        "grid": dict(PRICED_GRID),
        "rules": NO_RULES,
    }
    for key, value in changes.items():
        node = case
        *path, last = key.split(".")
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    return case


PV = [0.0, 0.5, 1.0, 0.2]
PARK_LOAD = [800.0, 1000.0, 1200.0]  # kW


def _run(path, out):
    done = CliRunner().invoke(
        app, ["run", str(path), "--out", str(out), "--method", "exact", "--hours", "48"]
    )
    assert done.exit_code == 0, done.output
    return done, json.loads((out / "summary.json").read_text("utf-8"))["notes"]


# -- zero prices (a free size is an arbitrary size) ------------------------------------------


def test_location_only_cases_are_told_the_connection_is_free():
    for name in ("ningbo-meishan-logistics", "ordos-industrial"):
        path = REPO / "cases" / f"{name}.yaml"
        notes = zero_price_notes(validate(read_yaml(path), path))
        assert any(n.startswith("grid.capacity_charge_per_kw_month is 0") for n in notes), notes
        assert any("docs/sources.md §2" in n for n in notes)
        assert any(n.startswith("grid.system_operation_fee_per_kwh is left at 0") for n in notes)


def test_the_example_park_prices_every_size():
    assert zero_price_notes(load_case(EXAMPLE).case) == []


def test_a_zero_capacity_charge_is_a_note_in_summary_report_and_terminal(make_case, tmp_path):
    path = make_case(
        _case(**{"grid.capacity_charge_per_kw_month": 0}), {"load": PARK_LOAD, "pv": PV}
    )
    done, notes = _run(path, tmp_path / "out")
    free = [n for n in notes if n.startswith("grid.capacity_charge_per_kw_month is 0")]
    assert len(free) == 1 and "grid_connection_kw" in free[0]
    report = (tmp_path / "out" / "report.html").read_text("utf-8")
    assert "grid.capacity_charge_per_kw_month is 0" in report
    assert "grid.capacity_charge_per_kw_month is 0" in " ".join(done.output.split())


def test_a_fixed_connection_needs_no_price(make_case):
    path = make_case(
        _case(**{"grid.capacity_charge_per_kw_month": 0, "grid.connection_kw": 2000}),
        {"load": PARK_LOAD, "pv": PV},
    )
    assert zero_price_notes(load_case(path).case) == []


def test_a_free_battery_is_named_with_its_price_keys(make_case):
    path = make_case(
        _case(
            **{
                "technologies.battery": {
                    "capex_per_kwh": 0,
                    "fixed_om_per_kwh_year": 0,
                    "max_kwh": 500,
                }
            }
        ),
        {"load": PARK_LOAD, "pv": PV},
    )
    notes = zero_price_notes(load_case(path).case)
    assert notes == [
        "technologies.battery.capex_per_kwh and technologies.battery.fixed_om_per_kwh_year "
        "are 0: battery_kwh is free, so its size is arbitrary (up to "
        "technologies.battery.max_kwh); set its price, or fix the size with equal min and max."
    ]


def test_a_demand_charge_of_zero_is_noted(make_case):
    grid = {"charge_scheme": "demand", "demand_charge_per_kw_month": 0}
    path = make_case(
        _case(grid={"import_price_per_kwh": 0.6, "system_operation_fee_per_kwh": 0.02, **grid}),
        {"load": PARK_LOAD, "pv": PV},
    )
    notes = zero_price_notes(load_case(path).case)
    assert [n.split(":")[0] for n in notes] == ["grid.demand_charge_per_kw_month is 0"]


# -- implausible loads --------------------------------------------------------------------------


def test_a_load_file_in_mw_is_noted(make_case, tmp_path):
    mw = [v / 1000 for v in PARK_LOAD]
    path = make_case(_case(), {"load": mw, "pv": PV})
    notes = load_case(path).notes
    assert len(notes) == 1, notes
    assert "load.electricity_kw: mean load 1 kW is implausibly small" in notes[0]
    assert "multiply by 1000" in notes[0] and str(path) in notes[0]
    done = CliRunner().invoke(app, ["validate", str(path)])
    assert done.exit_code == 0 and "implausibly small" in done.output


def test_a_load_file_in_w_is_noted(make_case):
    path = make_case(_case(), {"load": [v * 1e6 for v in PARK_LOAD], "pv": PV})
    (note,) = load_case(path).notes
    assert "implausibly large" in note and "divide by 1000" in note


def test_a_profile_with_absurd_peaks_is_noted(make_case):
    spiky = [1000.0] * 99 + [1_000_000.0]  # one row in W among rows in kW
    path = make_case(_case(), {"load": spiky, "pv": PV})
    (note,) = load_case(path).notes
    assert "times the mean" in note


def test_a_plausible_park_has_no_notes(make_case):
    path = make_case(_case(), {"load": PARK_LOAD, "pv": PV})
    assert load_case(path).notes == []
    assert load_case(EXAMPLE).notes == []


def test_no_heat_load_needs_no_heat_supplier(make_case, tmp_path):
    path = make_case(_case(**{"load.heat_kw_th": 0}), {"load": PARK_LOAD, "pv": PV})
    data = load_case(path)
    assert data.notes == []
    done, notes = _run(path, tmp_path / "out")
    assert "warning" not in done.output and "note:" not in done.output
    assert notes == []
