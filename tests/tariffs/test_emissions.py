import pytest

from dispatch.tariffs.emissions import (
    UnknownFactorError,
    electricity_tce,
    fuel_factor_kg_per_kwh,
    fuel_factor_kg_per_nm3,
    fuel_kgce_per_kwh,
    fuel_kwh_per_nm3,
    grid_emission_factor,
    known_grid_factors,
    zero_carbon_threshold,
)


@pytest.mark.parametrize(
    ("kwargs", "value", "scope"),
    [
        ({"year": 2021}, 0.5568, "national"),
        ({"year": 2022, "region": "national"}, 0.5366, "national"),
        ({"year": 2023}, 0.5306, "national"),
        ({"year": 2023, "region": "north"}, 0.6361, "regional"),
        ({"year": 2023, "region": "Northeast"}, 0.5122, "regional"),
        ({"year": 2023, "region": "east"}, 0.5500, "regional"),
        ({"year": 2023, "region": "central"}, 0.5271, "regional"),
        ({"year": 2023, "region": "northwest"}, 0.5543, "regional"),
        ({"year": 2023, "region": "south"}, 0.4042, "regional"),
        ({"year": 2023, "region": "southwest"}, 0.2472, "regional"),
        ({"year": 2021, "province": "zhejiang"}, 0.5422, "provincial"),
        ({"year": 2022, "province": "zhejiang"}, 0.5153, "provincial"),
        ({"year": 2021, "province": "inner_mongolia"}, 0.7025, "provincial"),
        ({"year": 2022, "province": "Inner Mongolia"}, 0.6849, "provincial"),
    ],
)
def test_published_grid_factors(kwargs, value, scope):
    factor = grid_emission_factor(**kwargs)
    assert factor.kg_per_kwh == value
    assert factor.scope == scope
    assert "MEE/NBS" in factor.source


def test_unknown_region_lists_known_regions_and_years():
    with pytest.raises(UnknownFactorError) as err:
        grid_emission_factor(year=2023, region="huabei-west")
    msg = str(err.value)
    for region in ("north", "northeast", "east", "central", "northwest", "south", "southwest"):
        assert region in msg
    assert "national (2021, 2022, 2023)" in msg


def test_unknown_year_lists_known_years():
    with pytest.raises(UnknownFactorError, match="known years: 2021, 2022"):
        grid_emission_factor(year=2023, province="zhejiang")


def test_unknown_province_lists_known_provinces():
    with pytest.raises(UnknownFactorError, match=r"zhejiang \(2021, 2022\); inner-mongolia"):
        grid_emission_factor(year=2022, province="hebei")


def test_region_and_province_are_exclusive():
    with pytest.raises(ValueError):
        grid_emission_factor(year=2023, region="east", province="zhejiang")


def test_known_grid_factors_listing():
    known = known_grid_factors()
    assert known["regional"]["east"] == [2023]
    assert known["provincial"]["zhejiang"] == [2021, 2022]


def test_natural_gas_factors():
    assert fuel_factor_kg_per_kwh() == 0.202
    assert fuel_factor_kg_per_nm3() == 2.16
    # 8500 kcal/Nm3 × 4.1868 kJ/kcal / 3600 kJ/kWh
    assert fuel_kwh_per_nm3() == pytest.approx(9.8855)
    # 1.2143 kgce/Nm3 over 9.8855 kWh/Nm3 ≈ the calorific electricity value 0.1229
    assert fuel_kgce_per_kwh() == pytest.approx(0.12284, abs=1e-5)
    with pytest.raises(UnknownFactorError, match="known fuels: natural_gas"):
        fuel_factor_kg_per_kwh("coal")


def test_electricity_tce_methods():
    assert electricity_tce().method == "coal-equivalent"
    assert electricity_tce().kgce_per_kwh == 0.3
    assert electricity_tce("calorific").kgce_per_kwh == 0.1229
    assert electricity_tce("coal_equivalent").kgce_per_kwh == 0.3
    custom = electricity_tce(0.29)
    assert (custom.method, custom.kgce_per_kwh) == ("custom", 0.29)
    with pytest.raises(UnknownFactorError, match="coal-equivalent, calorific"):
        electricity_tce("equivalent")


@pytest.mark.parametrize(
    ("tce", "threshold", "in_band"),
    [
        (50_000, 0.2, False),
        (200_000, 0.2, True),
        (999_999, 0.2, True),
        (1_000_000, 0.3, True),
        (5_000_000, 0.3, True),
    ],
)
def test_zero_carbon_threshold_bands(tce, threshold, in_band):
    result = zero_carbon_threshold(tce)
    assert (result.tco2_per_tce, result.in_band) == (threshold, in_band)
    assert "910" in result.source
