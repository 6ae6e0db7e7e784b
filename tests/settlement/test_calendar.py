"""Working-day arithmetic around the holidays that move deadlines most
(National Day, Spring Festival) and past the package's data."""

from datetime import date

import pytest
from django.utils import translation

from stipends.settlement.rules import (
    WorkCalendar,
    add_working_days,
    count_working_days,
    is_working_day,
    package_calendar,
    parse_day_lines,
    provisional_warning,
)

CAL = package_calendar()
D = date.fromisoformat


def test_package_calendar_knows_2004_to_2026_only():
    assert min(CAL.known_years) == 2004
    assert max(CAL.known_years) == 2026
    assert not CAL.covers(D("2027-01-04"))


@pytest.mark.parametrize("day, working", [
    ("2020-09-27", True),   # Sunday worked before National Day (调休)
    ("2020-09-30", True),
    ("2020-10-01", False),
    ("2020-10-05", False),  # a Monday inside the holiday
    ("2020-10-08", False),
    ("2020-10-09", True),
    ("2020-10-10", True),   # Saturday worked after it
    ("2020-10-11", False),
    ("2021-02-07", True),   # Sunday worked before Spring Festival
    ("2021-02-11", False),
    ("2021-02-17", False),
    ("2021-02-18", True),
    ("2021-02-20", True),   # Saturday worked after it
    ("2021-02-21", False),
])
def test_is_working_day_follows_holidays_and_adjusted_weekends(day, working):
    assert is_working_day(D(day), CAL) is working


@pytest.mark.parametrize("start, n, expected", [
    ("2020-09-30", 1, "2020-10-09"),   # the whole National Day break is skipped
    ("2020-09-30", 2, "2020-10-10"),   # ... and the worked Saturday counts
    ("2020-09-26", 1, "2020-09-27"),   # from a Saturday to the worked Sunday
    ("2020-10-09", -1, "2020-09-30"),
    ("2020-10-12", -2, "2020-10-09"),  # back over Sunday 10-11, onto Saturday 10-10 and Friday 10-09
    ("2021-02-10", 1, "2021-02-18"),   # over Spring Festival
    ("2021-02-18", -1, "2021-02-10"),
    ("2021-02-06", 1, "2021-02-07"),
    ("2021-02-19", 1, "2021-02-20"),
    ("2021-02-20", 1, "2021-02-22"),
    ("2020-10-09", 0, "2020-10-09"),
])
def test_add_working_days(start, n, expected):
    result = add_working_days(D(start), n, CAL)
    assert result.day == D(expected)
    assert not result.provisional


def test_add_working_days_differs_from_monday_to_friday():
    # Ten working days after 2020-09-25 by Monday–Friday would be 2020-10-09;
    # with the holiday (six weekdays off) and two worked weekend days it is
    # 09-27, 28, 29, 30, 10-09, 10-10, 12, 13, 14, 15.
    plain = WorkCalendar({}, frozenset(range(2000, 2100)))
    assert add_working_days(D("2020-09-25"), 10, plain).day == D("2020-10-09")
    assert add_working_days(D("2020-09-25"), 10, CAL).day == D("2020-10-15")


@pytest.mark.parametrize("first, last, expected", [
    ("2020-09-26", "2020-10-11", 6),   # 09-27, 28, 29, 30, 10-09, 10-10
    ("2021-02-06", "2021-02-21", 7),   # 02-07, 08, 09, 10, 18, 19, 20
    ("2020-10-01", "2020-10-08", 0),
    ("2020-10-10", "2020-10-10", 1),
    ("2020-10-11", "2020-10-10", 0),   # empty range
])
def test_count_working_days(first, last, expected):
    result = count_working_days(D(first), D(last), CAL)
    assert result.count == expected
    assert not result.provisional


def test_year_past_the_package_is_provisional_not_a_crash():
    result = add_working_days(D("2026-12-28"), 5, CAL)
    # Monday–Friday assumed: 12-29, 30, 31, 2027-01-01, 01-04.
    assert result.day == D("2027-01-04")
    assert result.provisional
    assert result.unknown_years == (2027,)
    counted = count_working_days(D("2026-12-28"), D("2027-01-08"), CAL)
    assert counted.provisional and counted.unknown_years == (2027,)
    assert "2027" in provisional_warning(result.unknown_years)


def test_days_before_a_known_year_from_an_unknown_one_are_flagged_only_if_crossed():
    # Counting backwards from 2027-01-10 into 2026 still looks at 2027 days.
    assert add_working_days(D("2027-01-10"), -10, CAL).provisional
    # A count that stays inside 2026 is certain.
    assert not add_working_days(D("2026-12-01"), 10, CAL).provisional


def test_admin_entered_year_makes_it_certain_and_counts_its_holidays():
    entered = CAL.with_years({2027: {
        D("2027-01-01"): False,   # New Year's Day, a Friday
        D("2027-02-06"): True,    # a Saturday worked (hypothetical)
    }})
    result = add_working_days(D("2026-12-28"), 5, entered)
    assert result.day == D("2027-01-05")
    assert not result.provisional and result.unknown_years == ()
    assert is_working_day(D("2027-02-06"), entered)
    # The package calendar itself is unchanged.
    assert CAL.covers(D("2027-01-01")) is False


def test_admin_entries_correct_a_known_year_date_by_date():
    corrected = CAL.with_years({2020: {D("2020-10-09"): False}})
    assert add_working_days(D("2020-09-30"), 1, corrected).day == D("2020-10-10")
    assert is_working_day(D("2020-09-27"), corrected)  # the package's other days stay


def test_a_calendar_without_working_days_stops():
    everything_off = WorkCalendar({}, frozenset({2030}))
    closed = WorkCalendar({D("2030-01-01"): False}, frozenset())
    assert add_working_days(D("2030-01-01"), 1, everything_off).day == D("2030-01-02")
    assert add_working_days(D("2029-12-31"), 1, closed).day == D("2030-01-02")
    from datetime import timedelta
    all_off = {D("2030-01-01") + timedelta(days=i): False for i in range(4000)}
    with pytest.raises(ValueError):
        add_working_days(D("2030-01-01"), 1, WorkCalendar(all_off, frozenset({2030})))


def test_parse_day_lines_accepts_common_date_forms_and_names():
    days, problems = parse_day_lines("2027-02-06 春节\n\n2027/2/7\n2027年2月8日 春节调休\n", 2027)
    assert problems == []
    assert [(d.day, d.name) for d in days] == [
        (D("2027-02-06"), "春节"), (D("2027-02-07"), ""), (D("2027-02-08"), "春节调休"),
    ]


def test_parse_day_lines_lists_every_bad_line_with_its_number():
    with translation.override("en"):
        days, problems = parse_day_lines("Spring Festival\n2027-02-30\n2026-12-31\n2027-02-06\n2027-02-06", 2027)
    assert [d.day for d in days] == [D("2027-02-06")]
    assert len(problems) == 4
    assert [p.split(":")[0] for p in problems] == ["Line 1", "Line 2", "Line 3", "Line 5"]
