import datetime as dt

import pytest

from dispatch.tariffs.holidays import (
    UnknownHolidayError,
    covered_years,
    holiday_dates,
    holiday_period,
)

D = dt.date


@pytest.mark.parametrize(
    ("year", "name", "first", "last"),
    [
        (2024, "spring_festival", D(2024, 2, 10), D(2024, 2, 17)),
        (2024, "labour_day", D(2024, 5, 1), D(2024, 5, 5)),
        (2024, "national_day", D(2024, 10, 1), D(2024, 10, 7)),
        (2025, "spring_festival", D(2025, 1, 28), D(2025, 2, 4)),
        (2025, "national_day", D(2025, 10, 1), D(2025, 10, 8)),
        (2026, "spring_festival", D(2026, 2, 15), D(2026, 2, 23)),
        (2026, "labour_day", D(2026, 5, 1), D(2026, 5, 5)),
    ],
)
def test_official_periods(year, name, first, last):
    period = holiday_period(year, name)
    assert (period.first, period.last, period.status) == (first, last, "official")
    assert "国务院办公厅" in period.source


def test_rule_spring_festival_runs_from_new_years_eve_for_eight_days():
    # Lunar New Year 2027 is 6 February.
    period = holiday_period(2027, "spring_festival")
    assert (period.first, period.last, period.status) == (
        D(2027, 2, 5),
        D(2027, 2, 12),
        "estimated",
    )
    assert len(period.days()) == 8


def test_rule_fixed_holidays():
    assert holiday_period(2035, "labour_day").days() == [D(2035, 5, d) for d in range(1, 6)]
    assert holiday_period(2030, "national_day").last == D(2030, 10, 7)


def test_every_year_2024_to_2035_has_all_three_holidays():
    assert set(range(2024, 2036)) <= set(covered_years())
    for year in range(2024, 2036):
        for name in ("spring_festival", "labour_day", "national_day"):
            period = holiday_period(year, name)
            assert period.first.year == year
            assert 5 <= len(period.days()) <= 9


def test_selection_first_days():
    days = holiday_dates(2026, {"spring_festival": "all", "labour_day": 3, "national_day": 3})
    assert len(days) == 9 + 3 + 3
    assert D(2026, 5, 3) in days and D(2026, 5, 4) not in days


def test_unknown_year_lists_range():
    with pytest.raises(UnknownHolidayError, match=r"known years: \d{4}-2035"):
        holiday_period(2040, "labour_day")


def test_unknown_holiday_lists_names():
    with pytest.raises(UnknownHolidayError, match="spring_festival, labour_day, national_day"):
        holiday_period(2025, "dragon_boat")
