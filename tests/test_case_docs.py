"""The case key reference (docs/case.md) is generated from the schema and cannot drift."""

from __future__ import annotations

import pytest
import yaml
from pydantic import BaseModel, Field

from dispatch.case.docs import render, sections, unit_of
from tests.conftest import REPO

DOCS = REPO / "docs" / "case.md"


def test_committed_reference_equals_generated():
    assert DOCS.read_text(encoding="utf-8") == render(), (
        "docs/case.md is out of date: run `python -m dispatch.case.docs > docs/case.md`"
    )


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("electricity_kw", "kW"),
        ("heat_kw_th", "kW_th"),
        ("max_kwh", "kWh"),
        ("capex_per_kw", "CNY/kW"),
        ("capex_per_kw_th", "CNY/kW_th"),
        ("fixed_om_per_kw_year", "CNY/(kW·year)"),
        ("fixed_om_per_kwh_year", "CNY/(kWh·year)"),
        ("capacity_charge_per_kw_month", "CNY/(kW·month)"),
        ("import_price_per_kwh", "CNY/kWh"),
        ("emission_factor_kg_per_kwh", "kgCO2/kWh"),
        ("emission_factor_kg_per_kwh_fuel", "kgCO2/kWh_fuel"),
        ("soc_min_fraction", "fraction"),
        ("charge_efficiency", "fraction"),
        ("efficiency", "fraction"),
        ("self_discharge_per_hour", "1/h"),
        ("lifetime_years", "years"),
        ("export_max_of_generation", "fraction"),
        ("min_kwh_if_built", "kWh"),
        ("time_limit_seconds", "s"),
        ("made_up", None),
    ],
)
def test_unit_is_read_from_the_name(name, unit):
    assert unit_of(name) == unit


def test_every_schema_key_is_listed_once_with_unit_and_description():
    keys = [k for sec in sections() for k in sec.keys]
    paths = [k.path for k in keys]
    assert len(paths) == len(set(paths))
    assert {"name", "year", "technologies.battery.soc_min_fraction", "grid.export_allowed"} <= set(
        paths
    )
    for k in keys:
        assert k.unit and k.description and k.type, k
        assert f"| `{k.path}` |" in DOCS.read_text(encoding="utf-8")


def test_defaults_and_sources_match_the_data_file():
    table = yaml.safe_load((REPO / "dispatch" / "data" / "defaults.yaml").read_text("utf-8"))
    sourced = [k for sec in sections() for k in sec.keys if k.source]
    assert len(sourced) >= 25
    for k in sourced:
        section, name = k.path.split(".")[-2:]
        entry = table[section][name]
        assert k.default == f"`{entry['value']:g}`"
        assert k.source == f"{entry['source']} ({entry['year']})"


def test_a_key_without_unit_or_description_is_refused():
    class NoUnit(BaseModel):
        """A section whose key hides its unit."""

        power: float = Field(1.0, description="Power.")

    class NoDescription(BaseModel):
        """A section whose key is not described."""

        power_kw: float = 1.0

    with pytest.raises(ValueError, match="power: no unit"):
        sections(NoUnit)
    with pytest.raises(ValueError, match="power_kw: .*no description"):
        sections(NoDescription)
