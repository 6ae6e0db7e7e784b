"""Chinese working days (工作日): pure arithmetic over plain calendar data.

A working day is Monday to Friday, except the official public holidays, plus
the weekend days the State Council turns into working days (调休). The data
comes from the ``chinesecalendar`` package for the years it knows (2004–2026
in 1.11) and from what an administrator has entered for later years; it is
passed in as a :class:`WorkCalendar`, so these functions never touch the
database and never call the package for a year it does not know (it raises
``NotImplementedError`` there).

For a year nobody has described yet we still answer (Monday to Friday), but
every result that looked at such a day says so: ``provisional`` is true and
``unknown_years`` lists the years, so the page can warn instead of silently
showing a date that may move.

Counting is an explicit day-by-day loop: ``chinese_calendar.find_workday``
skips oddly when it starts on a weekend (DESIGN pitfalls), and a loop is
plenty fast for the few hundred days a deadline spans.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from django.utils.translation import gettext as _

# No deadline in an agreement lies further than this many days from its
# anchor; the bound stops a calendar with every day marked as a holiday from
# looping for ever.
MAX_SPAN_DAYS = 3 * 366


@dataclass(frozen=True)
class WorkCalendar:
    """The calendar data the arithmetic needs, as plain values.

    ``overrides`` maps a date to ``True`` (a working day, e.g. a Saturday
    worked under 调休) or ``False`` (a day off, e.g. a weekday of the National
    Day holiday); every other date is a working day from Monday to Friday.
    ``known_years`` are the years whose overrides are complete (the package's
    or an administrator's); a day in any other year is only assumed.
    """

    overrides: Mapping[date, bool] = field(default_factory=dict)
    known_years: frozenset[int] = frozenset()

    def covers(self, day: date) -> bool:
        return day.year in self.known_years

    def with_years(self, years: Mapping[int, Mapping[date, bool]]) -> WorkCalendar:
        """This calendar plus years entered by an administrator.

        An entered year becomes known; its entries take precedence, date by
        date, over the package's (so an administrator can also correct a
        known year by entering just the days that differ).
        """
        overrides = dict(self.overrides)
        for entries in years.values():
            overrides.update(entries)
        return WorkCalendar(overrides, self.known_years | frozenset(years))


@dataclass(frozen=True)
class DateResult:
    """A date found by counting working days, and whether it is certain."""

    day: date
    provisional: bool = False
    unknown_years: tuple[int, ...] = ()


@dataclass(frozen=True)
class CountResult:
    """A number of working days, and whether every day counted was known."""

    count: int
    provisional: bool = False
    unknown_years: tuple[int, ...] = ()


@lru_cache(maxsize=1)
def package_calendar() -> WorkCalendar:
    """The official calendar as the ``chinesecalendar`` package knows it.

    Read once from the package's tables (not through its functions, which
    raise outside their years). Its known years are those its holiday table
    spans, as the package itself decides.
    """
    import chinese_calendar

    overrides: dict[date, bool] = {day: False for day in chinese_calendar.holidays}
    overrides.update({day: True for day in chinese_calendar.workdays})
    first = min(chinese_calendar.holidays).year
    last = max(chinese_calendar.holidays).year
    return WorkCalendar(overrides, frozenset(range(first, last + 1)))


def is_working_day(day: date, calendar: WorkCalendar) -> bool:
    """Whether people work on ``day``: an override if there is one, else
    Monday to Friday. For a year the calendar does not cover this is only an
    assumption; check :meth:`WorkCalendar.covers` or use the counting
    functions, which report it.

    >>> cal = package_calendar()
    >>> is_working_day(date(2020, 10, 8), cal), is_working_day(date(2020, 10, 10), cal)
    (False, True)
    """
    answer = calendar.overrides.get(day)
    if answer is None:
        return day.weekday() < 5
    return answer


def add_working_days(start: date, n: int, calendar: WorkCalendar) -> DateResult:
    """The day that is the ``n``-th working day after ``start`` (``n`` > 0) or
    before it (``n`` < 0); ``start`` itself is never counted. ``n`` = 0
    returns ``start``.

    "Deposit due 10 working days before the start" is
    ``add_working_days(start, -10)``; "settle within 30 working days after
    the end" is ``add_working_days(end, 30)``.

    Worked example (2020 National Day, 10-01 to 10-08 off, Saturday 10-10
    worked): one working day after Wednesday 2020-09-30 is Friday 10-09, and
    the one after that is Saturday 10-10.
    """
    if n == 0:
        return DateResult(start)
    step = timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    unknown: set[int] = set()
    day = start
    for _i in range(MAX_SPAN_DAYS):
        day += step
        if not calendar.covers(day):
            unknown.add(day.year)
        if is_working_day(day, calendar):
            remaining -= 1
            if remaining == 0:
                return DateResult(day, bool(unknown), tuple(sorted(unknown)))
    raise ValueError(f"no {abs(n)} working days within {MAX_SPAN_DAYS} days of {start}")


def count_working_days(first: date, last: date, calendar: WorkCalendar) -> CountResult:
    """How many working days lie from ``first`` to ``last``, both included
    (0 when ``last`` is before ``first``).

    Worked example: 2021-02-06 to 2021-02-21 around Spring Festival holds 7
    working days (Sunday 02-07, 02-08 to 02-10, 02-18, 02-19, Saturday 02-20).
    """
    count = 0
    unknown: set[int] = set()
    day = first
    while day <= last:
        if not calendar.covers(day):
            unknown.add(day.year)
        if is_working_day(day, calendar):
            count += 1
        day += timedelta(days=1)
    return CountResult(count, bool(unknown), tuple(sorted(unknown)))


def provisional_warning(years: Iterable[int]) -> str:
    """The plain warning shown next to a date that depends on unknown years."""
    years = sorted(set(years))
    listed = "、".join(str(y) for y in years)
    return _(
        "The official holidays of %(years)s have not been entered yet, so this date counts Monday to Friday as working days and may move. An administrator can enter them in the holiday calendar."
    ) % {"years": listed}


@dataclass(frozen=True)
class DayLine:
    day: date
    name: str


_LINE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s+(.*))?$")


def parse_day_lines(text: str, year: int) -> tuple[list[DayLine], list[str]]:
    """Read an administrator's list of dates, one per line, each optionally
    followed by a name: ``2027-02-06 春节``. Dates may be written 2027-2-6,
    2027/02/06 or 2027年2月6日. Blank lines are skipped.

    Returns the days and every problem (with its line number) in the user's
    language; a date outside ``year`` or given twice is a problem.
    """
    days: list[DayLine] = []
    problems: list[str] = []
    seen: set[date] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _LINE.match(line)
        if not match:
            problems.append(_("Line %(n)s: “%(text)s” does not start with a date like 2027-02-06.") % {"n": number, "text": line})
            continue
        try:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            problems.append(_("Line %(n)s: “%(text)s” is not a real date.") % {"n": number, "text": line})
            continue
        if day.year != year:
            problems.append(_("Line %(n)s: %(day)s is not in %(year)s.") % {"n": number, "day": day, "year": year})
            continue
        if day in seen:
            problems.append(_("Line %(n)s: %(day)s is listed twice.") % {"n": number, "day": day})
            continue
        seen.add(day)
        days.append(DayLine(day, (match[4] or "").strip()[:50]))
    return days, problems
