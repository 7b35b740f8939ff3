"""Calendars against the published period tables, hour by hour."""

import numpy as np
import pandas as pd
import pytest

from dispatch.tariffs.calendars import (
    PERIODS,
    TariffPriceError,
    UnknownCalendarError,
    known_calendars,
    load_calendar,
    resolve_ratios,
    tariff,
)
from dispatch.timegrid import hours

ZJ_PRICES = {"sharp": 1.34, "peak": 1.12, "flat": 0.68, "valley": 0.27}


def published(table: dict[str, str]) -> list[str]:
    """Expand a published band table {"peak": "8-11, 13-17", ...} into 24 hourly labels."""
    labels = [""] * 24
    for period, text in table.items():
        for part in text.split(","):
            start, end = (int(x) for x in part.split("-"))
            for h in range(start, end):
                assert labels[h] == "", f"hour {h} listed twice"
                labels[h] = period
    assert "" not in labels, "published table leaves an hour out"
    return labels


def day(series: pd.Series, date: str) -> list[str]:
    return [str(x) for x in series.loc[date].to_numpy()]


# 浙发改价格〔2024〕21号
ZJ2024_SPRING_AUTUMN = published({"peak": "8-11, 13-17", "flat": "17-24", "valley": "0-8, 11-13"})
ZJ2024_SUMMER_WINTER = published(
    {"sharp": "9-11, 15-17", "peak": "8-9, 17-23", "flat": "13-15, 23-24", "valley": "0-8, 11-13"}
)
# 浙发改价格〔2026〕112号
ZJ2026_SPRING_AUTUMN = published(
    {"peak": "16-23", "flat": "7-11, 14-16, 23-24", "valley": "0-7, 11-14"}
)
ZJ2026_SUMMER_WINTER = published(
    {
        "sharp": "18-22",
        "peak": "16-18, 22-23",
        "flat": "7-11, 14-16, 23-24",
        "valley": "0-7, 11-14",
    }
)
# 内发改价费字〔2023〕1630号
IMW_WINDY = published(
    {"peak": "6-8, 18-22", "flat": "4-6, 8-11, 16-18, 22-24", "valley": "0-4, 11-16"}
)
IMW_CALM_BASE = published(
    {"peak": "6-8, 18-22", "flat": "0-6, 8-11, 16-18, 22-24", "valley": "11-16"}
)
IMW_CALM = published(
    {
        "peak": "6-8, 18-19, 21-22",
        "sharp": "19-21",
        "flat": "0-6, 8-11, 16-18, 22-24",
        "valley": "11-13, 15-16",
        "deep_valley": "13-15",
    }
)


def test_known_calendars_include_the_required_ones():
    assert {"zhejiang-2024", "zhejiang-2026", "inner-mongolia-west", "flat"} <= set(
        known_calendars()
    )


@pytest.mark.parametrize(
    ("calendar", "date", "expected"),
    [
        ("zhejiang-2024", "2024-04-16", ZJ2024_SPRING_AUTUMN),
        ("zhejiang-2024", "2024-11-20", ZJ2024_SPRING_AUTUMN),
        ("zhejiang-2024", "2024-07-16", ZJ2024_SUMMER_WINTER),
        ("zhejiang-2024", "2024-01-10", ZJ2024_SUMMER_WINTER),
        ("zhejiang-2026", "2026-09-15", ZJ2026_SPRING_AUTUMN),
        ("zhejiang-2026", "2026-03-10", ZJ2026_SPRING_AUTUMN),
        ("zhejiang-2026", "2026-12-15", ZJ2026_SUMMER_WINTER),
        ("zhejiang-2026", "2026-08-04", ZJ2026_SUMMER_WINTER),
        ("inner-mongolia-west", "2023-03-15", IMW_WINDY),
        ("inner-mongolia-west", "2023-10-15", IMW_WINDY),
        ("inner-mongolia-west", "2023-07-15", IMW_CALM),
        ("flat", "2025-05-20", ["flat"] * 24),
    ],
)
def test_calendar_day_matches_published_table(calendar, date, expected):
    year = int(date[:4])
    assert day(load_calendar(calendar).hourly_periods(year), date) == expected


def test_inner_mongolia_calm_season_without_overlays_is_the_base_table():
    periods = load_calendar("inner-mongolia-west").hourly_periods(2023, overlays=())
    assert day(periods, "2023-07-15") == IMW_CALM_BASE


def test_zhejiang_2024_holiday_deep_valley_10_to_14():
    labels = load_calendar("zhejiang-2024").hourly_periods(2024)
    expected = list(ZJ2024_SPRING_AUTUMN)
    expected[10:14] = ["deep_valley"] * 4
    for date in ("2024-02-10", "2024-02-17", "2024-05-03", "2024-10-01", "2024-10-07"):
        assert day(labels, date) == expected, date
    assert day(labels, "2024-10-08") == ZJ2024_SPRING_AUTUMN
    assert (labels == "deep_valley").sum() == (8 + 5 + 7) * 4


def test_zhejiang_2026_holiday_deep_valley_first_three_days():
    labels = load_calendar("zhejiang-2026").hourly_periods(2026)
    expected = list(ZJ2026_SPRING_AUTUMN)
    expected[9:15] = ["deep_valley"] * 6
    assert day(labels, "2026-10-03") == expected
    assert day(labels, "2026-10-04") == ZJ2026_SPRING_AUTUMN
    assert day(labels, "2026-02-23") == expected
    assert (labels == "deep_valley").sum() == (9 + 3 + 3) * 6


def test_holiday_deep_valley_only_with_a_deep_valley_price():
    without = tariff("zhejiang-2024", prices_per_kwh=ZJ_PRICES)
    assert day(without.periods(2024), "2024-10-02") == ZJ2024_SPRING_AUTUMN
    assert "deep_valley" not in set(without.periods(2024))
    with_dv = tariff("zhejiang-2024", prices_per_kwh={**ZJ_PRICES, "deep_valley": 0.1})
    prices = with_dv.prices(2024).loc["2024-10-02"].to_numpy()
    np.testing.assert_allclose(
        prices,
        [0.27] * 8 + [1.12, 1.12] + [0.1] * 4 + [1.12] * 3 + [0.68] * 7,
    )


def test_zhejiang_2024_prices_hour_by_hour():
    prices = tariff("zhejiang-2024", prices_per_kwh=ZJ_PRICES).prices(2025)
    np.testing.assert_allclose(
        prices.loc["2025-07-16"].to_numpy(),
        [0.27] * 8 + [1.12, 1.34, 1.34, 0.27, 0.27, 0.68, 0.68, 1.34, 1.34] + [1.12] * 6 + [0.68],
    )
    np.testing.assert_allclose(
        prices.loc["2025-04-16"].to_numpy(),
        [0.27] * 8 + [1.12] * 3 + [0.27] * 2 + [1.12] * 4 + [0.68] * 7,
    )


def test_zhejiang_2026_ratios_give_published_multiples():
    t = tariff("zhejiang-2026", flat_price_per_kwh=0.6)
    table = t.price_table()
    np.testing.assert_allclose(table.loc["summer_winter"].to_numpy(), [1.23, 1.11, 0.6, 0.24, 0.12])
    assert np.isnan(table.loc["spring_autumn", "sharp"])
    np.testing.assert_allclose(
        t.prices(2026).loc["2026-12-15"].to_numpy(),
        [0.24] * 7 + [0.6] * 4 + [0.24] * 3 + [0.6] * 2 + [1.11] * 2 + [1.23] * 4 + [1.11, 0.6],
    )


def test_ratio_override_and_non_tou_adder():
    t = tariff(
        "zhejiang-2026",
        flat_price_per_kwh=0.5,
        ratios={"deep_valley": 0.3},
        non_tou_adder_per_kwh=0.2,
    )
    row = t.price_table().loc["spring_autumn"]
    assert row["peak"] == pytest.approx(0.5 * 1.85 + 0.2)
    assert row["deep_valley"] == pytest.approx(0.5 * 0.3 + 0.2)


def test_inner_mongolia_ratios_differ_by_season():
    t = tariff("inner-mongolia-west", flat_price_per_kwh=0.4)
    table = t.price_table()
    np.testing.assert_allclose(table.loc["windy", ["peak", "flat", "valley"]], [0.672, 0.4, 0.192])
    # calm season: 1.54 : 1 : 0.44; sharp = peak + 20 %, deep valley = valley − 20 %
    np.testing.assert_allclose(
        table.loc["calm"], [0.4 * 1.54 * 1.2, 0.4 * 1.54, 0.4, 0.4 * 0.44, 0.4 * 0.44 * 0.8]
    )


def test_inner_mongolia_prices_without_overlay_prices_keep_base_bands():
    t = tariff("inner-mongolia-west", prices_per_kwh={"peak": 0.6, "flat": 0.4, "valley": 0.2})
    assert day(t.periods(2023), "2023-07-15") == IMW_CALM_BASE


def test_flat_calendar_takes_one_price():
    p = tariff("flat", prices_per_kwh={"flat": 0.55}).prices(2024)
    assert len(p) == 8760
    assert (p == 0.55).all()


@pytest.mark.parametrize("name", ["zhejiang-2024", "zhejiang-2026", "inner-mongolia-west", "flat"])
@pytest.mark.parametrize("year", [2024, 2028, 2035])
def test_every_hour_gets_a_label_and_price(name, year):
    t = tariff(name, flat_price_per_kwh=1.0, ratios={"sharp": 2, "peak": 1.5, "valley": 0.5})
    prices = t.prices(year)
    assert prices.index.equals(hours(year))
    assert not prices.isna().any()
    assert set(t.periods(year).astype(str)) <= set(PERIODS)


def test_unknown_calendar_lists_known_ones():
    with pytest.raises(UnknownCalendarError) as err:
        load_calendar("guangdong-2021")
    msg = str(err.value)
    for name in ("zhejiang-2024", "zhejiang-2026", "inner-mongolia-west", "flat"):
        assert name in msg


def test_missing_base_price_is_reported():
    with pytest.raises(TariffPriceError, match="lacks sharp.*needs sharp, peak, flat, valley"):
        tariff("zhejiang-2024", prices_per_kwh={"peak": 1.0, "flat": 0.6, "valley": 0.3})


def test_ratios_without_published_ratios_need_the_case():
    with pytest.raises(
        TariffPriceError,
        match="ratios lacks sharp, peak, valley; this calendar needs sharp, peak, flat, valley",
    ):
        tariff("zhejiang-2024", flat_price_per_kwh=0.6)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"prices_per_kwh": {"flat": 0.5}, "flat_price_per_kwh": 0.5},
        {"prices_per_kwh": {"flat": 0.5}, "ratios": {"flat": 1.0}},
        {"prices_per_kwh": {"flat": 0.5, "shoulder": 0.4}},
        {"prices_per_kwh": {"flat": float("nan")}},
    ],
)
def test_bad_price_input_is_rejected(kwargs):
    with pytest.raises(TariffPriceError):
        tariff("flat", **kwargs)


def test_resolve_ratios_relative_and_loops():
    assert resolve_ratios({"peak": 1.5, "sharp": {"of": "peak", "factor": 1.2}}) == {
        "peak": 1.5,
        "sharp": pytest.approx(1.8),
    }
    with pytest.raises(TariffPriceError, match="loop"):
        resolve_ratios({"peak": {"of": "sharp", "factor": 1}, "sharp": {"of": "peak", "factor": 1}})
