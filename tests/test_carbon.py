import numpy as np
import pytest

from dispatch.results.carbon import carbon_account, energy_consumption_tce
from dispatch.tariffs.emissions import electricity_tce


def test_carbon_account_hand_computed():
    # 1 GWh imported at 0.55, 2 GWh of self-used PV, 0.5 GWh of gas.
    # Baseline: 3 GWh imported, 1.2 GWh of gas.
    acct = carbon_account(
        grid_import_kwh=[1e6],
        grid_factor_kg_per_kwh=0.55,
        renewable_self_used_kwh=[2e6],
        fuel_kwh=[0.5e6],
        baseline_grid_import_kwh=[3e6],
        baseline_fuel_kwh=[1.2e6],
    )
    assert acct.grid_tco2_per_year == pytest.approx(550)
    assert acct.fuel_tco2_per_year == pytest.approx(0.5e6 * 0.202 / 1000)
    assert acct.tco2_per_year == pytest.approx(550 + 101)
    assert acct.baseline_tco2_per_year == pytest.approx(3e6 * 0.55 / 1000 + 1.2e6 * 0.202 / 1000)
    assert acct.avoided_tco2_per_year == pytest.approx(1650 + 242.4 - 651)
    energy = (3e6 * 0.3 + 0.5e6 * 1.2143 / 9.8855) / 1000
    assert acct.energy_consumption_tce == pytest.approx(energy, rel=1e-4)
    assert acct.tco2_per_tce == pytest.approx(651 / energy, rel=1e-4)
    assert acct.zero_carbon_threshold_tco2_per_tce == 0.2
    assert acct.zero_carbon_ok is False
    assert acct.clean_energy_share == pytest.approx(2e6 * 0.3 / 1000 / energy, rel=1e-4)
    assert acct.electricity_tce_method == "coal-equivalent"
    assert acct.to_dict()["electricity_kgce_per_kwh"] == 0.3


def test_hourly_factor_profile_and_scaling():
    imp = np.array([10.0, 20.0])
    factor = np.array([0.5, 0.25])
    acct = carbon_account(
        grid_import_kwh=imp,
        grid_factor_kg_per_kwh=factor,
        renewable_self_used_kwh=0.0,
        fuel_kwh=0.0,
        baseline_grid_import_kwh=imp,
        baseline_fuel_kwh=0.0,
        scale_to_year=4380,
    )
    assert acct.grid_tco2_per_year == pytest.approx(10e-3 * 4380)
    assert acct.grid_factor_kg_per_kwh == pytest.approx(10 / 30)
    assert acct.avoided_tco2_per_year == pytest.approx(0)


def test_calorific_conversion():
    tce = energy_consumption_tce([1e6], [0.0], electricity_tce("calorific"))
    assert tce == pytest.approx(122.9)


def test_indicator_under_both_conversions_side_by_side():
    # 1 GWh imported at 0.5 kg and 1 GWh of self-used PV, no fuel: 500 tCO2 over
    # 2 GWh x 0.3 = 600 tce (coal-equivalent) or 2 GWh x 0.1229 = 245.8 tce (calorific).
    from dispatch.results.carbon import intensity_by_conversion

    def account(method: str):
        return carbon_account(
            grid_import_kwh=[1e6],
            grid_factor_kg_per_kwh=0.5,
            renewable_self_used_kwh=[1e6],
            fuel_kwh=[0.0],
            baseline_grid_import_kwh=[2e6],
            baseline_fuel_kwh=[0.0],
            tce=electricity_tce(method),
        )

    acct = account("calorific")
    side = acct.by_electricity_tce
    assert side["coal-equivalent"]["tco2_per_tce"] == pytest.approx(500 / 600)
    assert side["calorific"]["tco2_per_tce"] == pytest.approx(500 / 245.8)
    assert side["calorific"]["verdict"] and not side["coal-equivalent"]["verdict"]
    assert acct.tco2_per_tce == side["calorific"]["tco2_per_tce"]  # the verdict's
    assert (
        intensity_by_conversion(acct.to_dict())
        == "2.034 calorific (verdict), 0.833 coal-equivalent"
    )
    assert account("coal-equivalent").tco2_per_tce == pytest.approx(500 / 600)
