import pytest
from pydantic import ValidationError

from dispatch.tariffs.config import EmissionFactorConfig, TariffConfig


def test_tariff_config_from_issue_example():
    cfg = TariffConfig.model_validate(
        {
            "calendar": "zhejiang-2024",
            "prices_per_kwh": {"sharp": 1.34, "peak": 1.12, "flat": 0.68, "valley": 0.27},
        }
    )
    prices = cfg.build().prices(2025)
    assert prices.max() == 1.34 and prices.min() == 0.27


def test_tariff_config_ratios_with_relative_entry():
    cfg = TariffConfig.model_validate(
        {
            "calendar": "zhejiang-2024",
            "flat_price_per_kwh": 0.6,
            "ratios": {"peak": 1.7, "sharp": {"of": "peak", "factor": 1.2}, "valley": 0.4},
        }
    )
    table = cfg.build().price_table()
    assert table.loc["summer_winter", "sharp"] == pytest.approx(0.6 * 1.7 * 1.2)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"calendar": "beijing", "flat_price_per_kwh": 0.6}, "known calendars: flat"),
        ({"calendar": "zhejiang-2024", "flat_price_per_kwh": 0.6}, "lacks sharp, peak, valley"),
        ({"calendar": "flat", "prices_per_kwh": {"mid": 0.6}}, "prices_per_kwh.mid"),
    ],
)
def test_tariff_config_errors(data, message):
    with pytest.raises(ValidationError, match=message):
        TariffConfig.model_validate(data)


def test_emission_factor_config():
    assert EmissionFactorConfig(region="east", year=2023).factor().kg_per_kwh == 0.55
    assert EmissionFactorConfig(province="zhejiang", year=2022).factor().kg_per_kwh == 0.5153
    with pytest.raises(ValidationError, match="known years: 2021, 2022"):
        EmissionFactorConfig(province="zhejiang", year=2019)
