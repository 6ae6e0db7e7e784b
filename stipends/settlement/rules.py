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

The agreement's deadlines for one programme: pure rules over plain values.

From the agreement's 费用约定: the deposit is paid N working days before the
programme starts, everything is settled within N working days after it ends,
accident insurance is bought at least N (calendar) days before practice
starts, and students' stipends are paid by an agreed day of the programme's
year. Working days come from :mod:`programs.calendar`; a deadline counted
over a year nobody has described yet is provisional.

The school ⇄ company settlement statement: pure rules over plain values.

From the agreement's 费用约定 (the 2018 agreement in the seeds): the company
pays the school a lab subsidy per computer per day for each lab used, rent
per day for each room used without equipment, a good-conduct bonus if neither
the school breached nor students misbehaved, less the deposit it paid ahead.
Every line carries its basis so either side can check it.

Money is ``Decimal`` with 2 places, ROUND_HALF_UP, rounded per line by
:func:`money`; never float.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trainingweek.money import ZERO, money

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


# The longest name of a holiday (HolidayDay.name).
DAY_NAME_MAX = 50


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
        name = (match[4] or "").strip()
        if len(name) > DAY_NAME_MAX:  # said with the limit, never cut
            problems.append(_("Line %(n)s: the name is longer than %(max)s characters.") % {"n": number, "max": DAY_NAME_MAX})
            continue
        days.append(DayLine(day, name))
    return days, problems


DEPOSIT, INSURANCE, SETTLEMENT, STIPENDS = "deposit", "insurance", "settlement", "stipends"


KINDS = (DEPOSIT, INSURANCE, STIPENDS, SETTLEMENT)


LABELS = {
    DEPOSIT: gettext_lazy("Deposit paid"),
    INSURANCE: gettext_lazy("Accident insurance bought"),
    STIPENDS: gettext_lazy("Stipends paid to students"),
    SETTLEMENT: gettext_lazy("All fees settled"),
}


# How a deadline stands on a given day.
DONE, OVERDUE, DUE_SOON, UPCOMING, UNDATED = "done", "overdue", "due_soon", "upcoming", "undated"


@dataclass(frozen=True)
class Terms:
    """The agreement's deadline clauses."""

    deposit_working_days: int
    settlement_working_days: int
    insurance_days: int
    stipend_month: int
    stipend_day: int


@dataclass(frozen=True)
class ProgrammeDates:
    """``start`` is the first phase's start, ``end`` the last phase's end,
    ``practice_start`` the first practice-like phase's start (None when the
    programme has no such phase yet)."""

    year: int
    start: date | None
    end: date | None
    practice_start: date | None


@dataclass(frozen=True)
class Deadline:
    kind: str
    due: date | None
    basis: str
    provisional: bool = False
    unknown_years: tuple[int, ...] = ()
    done_on: date | None = None
    # From this day on a reminder is due (a few working days before ``due``).
    remind_from: date | None = None

    @property
    def label(self) -> str:
        return str(LABELS[self.kind])

    @property
    def warning(self) -> str:
        return provisional_warning(self.unknown_years) if self.provisional else ""

    def status(self, today: date) -> str:
        if self.done_on is not None:
            return DONE
        if self.due is None:
            return UNDATED
        if today > self.due:
            return OVERDUE
        if self.remind_from is not None and today >= self.remind_from:
            return DUE_SOON
        return UPCOMING

    @property
    def late(self) -> bool:
        """Done, but after the due day."""
        return self.done_on is not None and self.due is not None and self.done_on > self.due


def stipend_due(year: int, month: int, day: int) -> date:
    """The agreed day in ``year``; a day past the month's end (30 February)
    falls back to the month's last day."""
    last = stdlib_calendar.monthrange(year, month)[1]
    return date(year, month, min(day, last))


def programme_deadlines(
    dates: ProgrammeDates,
    terms: Terms,
    done: Mapping[str, date | None],
    calendar: WorkCalendar,
    lead_working_days: int = 3,
) -> list[Deadline]:
    """The four deadlines of a programme, in the order they usually fall.

    ``done`` maps a deadline kind to the day it was met (or None). Worked
    example (2018 agreement, programme 2018-09-03 to 2018-11-30, practice
    from 11-01): deposit by 2018-08-20 (10 working days before), insurance
    by 2018-10-30 (2 days before practice), stipends by 2018-12-30,
    settlement by 2019-01-14 (30 working days after; Saturday 2018-12-29 is
    worked and 12-31 and 01-01 are off).
    """
    found: list[Deadline] = []

    def add(kind, due, basis, provisional=False, unknown=()):
        remind_from = None
        if due is not None:
            reminder = add_working_days(due, -lead_working_days, calendar) if lead_working_days else None
            remind_from = reminder.day if reminder else due
        found.append(Deadline(kind, due, basis, provisional, tuple(unknown), done.get(kind), remind_from))

    if dates.start is None:
        add(DEPOSIT, None, _("Enter the programme's phases to date this deadline."))
    else:
        result = add_working_days(dates.start, -terms.deposit_working_days, calendar)
        add(DEPOSIT, result.day,
            _("%(n)s working days before the programme starts on %(start)s") % {"n": terms.deposit_working_days, "start": dates.start},
            result.provisional, result.unknown_years)
    if dates.practice_start is None:
        add(INSURANCE, None, _("The programme has no practice phase yet."))
    else:
        add(INSURANCE, dates.practice_start - timedelta(days=terms.insurance_days),
            _("at least %(n)s days before practice starts on %(start)s") % {"n": terms.insurance_days, "start": dates.practice_start})
    add(STIPENDS, stipend_due(dates.year, terms.stipend_month, terms.stipend_day),
        _("by %(month)s/%(day)s of %(year)s, as agreed") % {"month": terms.stipend_month, "day": terms.stipend_day, "year": dates.year})
    if dates.end is None:
        add(SETTLEMENT, None, _("Enter the programme's phases to date this deadline."))
    else:
        result = add_working_days(dates.end, terms.settlement_working_days, calendar)
        add(SETTLEMENT, result.day,
            _("%(n)s working days after the programme ends on %(end)s") % {"n": terms.settlement_working_days, "end": dates.end},
            result.provisional, result.unknown_years)
    return found


def reminder_stage(deadline: Deadline, today: date) -> str | None:
    """Which reminder a deadline calls for today: "upcoming" from
    ``remind_from`` to the due day, "overdue" after it, None when it is met,
    undated, or not yet near."""
    status = deadline.status(today)
    if status == OVERDUE:
        return "overdue"
    if status == DUE_SOON:
        return "upcoming"
    return None


def with_status(deadlines: list[Deadline], today: date) -> list[dict]:
    """Rows for a page: each deadline with how it stands ``today``."""
    return [{"deadline": d, "status": d.status(today)} for d in deadlines]


def yuan(value: Decimal) -> str:
    """¥1,234.50 — how amounts read in bases and documents."""
    return f"¥{money(value):,}"


@dataclass(frozen=True)
class RoomPeriod:
    """A room in use from ``start`` to ``end`` (both included). A lab gives
    its number of working computers over that period; a lab whose count
    changes is two periods."""

    room: str
    is_lab: bool
    start: date
    end: date
    computers: int = 0

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Rates:
    lab_per_computer_day: Decimal
    room_per_day: Decimal
    good_conduct_bonus: Decimal


@dataclass(frozen=True)
class Conduct:
    """What the records say about the programme's conduct.

    ``misconduct`` lists (what, how many) from every source, e.g.
    ("students dismissed", 2); a count of 0 means the source found none.
    """

    school_breached: bool = False
    breach_note: str = ""
    misconduct: tuple[tuple[str, int], ...] = ()

    @property
    def misconduct_total(self) -> int:
        return sum(n for _label, n in self.misconduct)


@dataclass(frozen=True)
class BonusOverride:
    """A person's decision that replaces the rule, with their reason."""

    due: bool
    reason: str


@dataclass(frozen=True)
class BonusDecision:
    due: bool
    amount: Decimal
    basis: str
    overridden: bool = False


@dataclass(frozen=True)
class Line:
    kind: str  # lab, room, bonus, deposit
    label: str
    basis: str
    amount: Decimal


@dataclass(frozen=True)
class PaymentIn:
    day: date
    amount: Decimal
    kind: str  # deposit, settlement, other
    note: str = ""


DEPOSIT, SETTLEMENT, OTHER = "deposit", "settlement", "other"


@dataclass(frozen=True)
class Statement:
    """What the company owes the school for one programme.

    ``fees_total`` = lab subsidy + room rent + bonus; ``amount_due`` =
    ``fees_total`` − deposit paid; ``balance`` = ``amount_due`` − the other
    payments received (negative: the school received more than is owed).
    """

    lines: tuple[Line, ...]
    bonus: BonusDecision
    fees_total: Decimal
    deposit_paid: Decimal
    amount_due: Decimal
    other_paid: Decimal
    balance: Decimal
    warnings: tuple[str, ...] = ()

    @property
    def deposit_line(self) -> Line:
        return Line(DEPOSIT, _("Less deposit paid"), _("Deposit payments received"), -self.deposit_paid)


def bonus_decision(amount: Decimal, conduct: Conduct, override: BonusOverride | None = None) -> BonusDecision:
    """Whether the good-conduct bonus (奖励) is due, and why.

    Due unless the school breached the agreement or any student misbehaved
    (any misconduct count above zero). A recorded override wins, with its
    reason in the basis. Worked example: amount 1,000, one student dismissed
    → not due, 0.00, "… students dismissed: 1".
    """
    amount = money(amount)
    if override is not None:
        if override.due:
            basis = _("Due, decided by hand: %(reason)s") % {"reason": override.reason}
        else:
            basis = _("Not due, decided by hand: %(reason)s") % {"reason": override.reason}
        return BonusDecision(override.due, amount if override.due else ZERO, basis, overridden=True)
    reasons = []
    if conduct.school_breached:
        reasons.append(
            _("the school breached the agreement (%(note)s)") % {"note": conduct.breach_note}
            if conduct.breach_note else _("the school breached the agreement")
        )
    for label, count in conduct.misconduct:
        if count > 0:
            reasons.append(f"{label}: {count}")
    if reasons:
        return BonusDecision(False, ZERO, _("Not due: %(reasons)s.") % {"reasons": "；".join(reasons)})
    return BonusDecision(True, amount, _("Due: no breach by the school and no student misconduct recorded."))


def fee_lines(periods: Iterable[RoomPeriod], rates: Rates) -> list[Line]:
    """One line per room period: labs computers × days × rate, other rooms
    days × rent. Lines come in the order given."""
    lines = []
    for p in periods:
        span = f"{p.start:%Y-%m-%d}—{p.end:%Y-%m-%d}"
        if p.is_lab:
            amount = money(p.computers * p.days * rates.lab_per_computer_day)
            basis = _("%(computers)s computers × %(days)s days (%(span)s) × %(rate)s") % {
                "computers": p.computers, "days": p.days, "span": span, "rate": yuan(rates.lab_per_computer_day),
            }
            lines.append(Line("lab", _("Lab subsidy: %(room)s") % {"room": p.room}, basis, amount))
        else:
            amount = money(p.days * rates.room_per_day)
            basis = _("%(days)s days (%(span)s) × %(rate)s") % {
                "days": p.days, "span": span, "rate": yuan(rates.room_per_day),
            }
            lines.append(Line("room", _("Room rent: %(room)s") % {"room": p.room}, basis, amount))
    return lines


def period_problems(periods: Sequence[RoomPeriod]) -> list[str]:
    """Why these periods of ONE room cannot stand: an end before its start,
    a lab without computers, or two periods sharing a day (a day would be
    paid twice)."""
    problems = []
    for p in periods:
        if p.end < p.start:
            problems.append(_("A period ends (%(end)s) before it starts (%(start)s).") % {"start": p.start, "end": p.end})
        elif p.is_lab and p.computers <= 0:
            problems.append(_("Enter the number of working computers for %(start)s—%(end)s.") % {"start": p.start, "end": p.end})
    ordered = sorted((p for p in periods if p.end >= p.start), key=lambda p: p.start)
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if later.start <= earlier.end:
            problems.append(_("Two periods share %(day)s: a day is paid only once.") % {"day": later.start})
    return problems


def settlement_statement(
    periods: Sequence[RoomPeriod],
    rates: Rates,
    conduct: Conduct,
    payments: Iterable[PaymentIn],
    override: BonusOverride | None = None,
    programme_span: tuple[date, date] | None = None,
) -> Statement:
    """The statement: fee lines, the bonus, the deposit paid and the balance.

    Worked example (the 2018 agreement): two labs with 110 computers for the
    30 days of November at 13.00 → 42,900.00; room 206 for 30 days at
    300.00 → 9,000.00; bonus 1,000.00; fees 52,900.00; less the 10,000.00
    deposit → 42,900.00 due on settlement.

    ``programme_span`` (first phase start, last phase end) only adds a
    warning for periods outside it; they are still paid as recorded.
    """
    lines = fee_lines(periods, rates)
    bonus = bonus_decision(rates.good_conduct_bonus, conduct, override)
    lines.append(Line("bonus", _("Good-conduct bonus"), bonus.basis, bonus.amount))
    fees_total = money(sum((line.amount for line in lines), ZERO))
    deposit_paid = ZERO
    other_paid = ZERO
    for payment in payments:
        if payment.kind == DEPOSIT:
            deposit_paid += money(payment.amount)
        else:
            other_paid += money(payment.amount)
    amount_due = fees_total - deposit_paid
    warnings = []
    if programme_span is not None:
        first, last = programme_span
        for p in periods:
            if p.start < first or p.end > last:
                warnings.append(
                    _("%(room)s is recorded for %(start)s—%(end)s, outside the programme (%(first)s—%(last)s).")
                    % {"room": p.room, "start": p.start, "end": p.end, "first": first, "last": last}
                )
    by_room: dict[str, list[RoomPeriod]] = defaultdict(list)
    for p in periods:
        by_room[p.room].append(p)
    for room, room_periods in by_room.items():
        warnings.extend(f"{room}: {problem}" for problem in period_problems(room_periods))
    return Statement(
        lines=tuple(lines), bonus=bonus, fees_total=fees_total, deposit_paid=deposit_paid,
        amount_due=amount_due, other_paid=other_paid, balance=amount_due - other_paid, warnings=tuple(warnings),
    )


def covered_on(payments: Iterable[PaymentIn], target: Decimal, kinds: set[str] | None = None) -> date | None:
    """The day the running total of the payments (of ``kinds``, all when
    None) first reached ``target``; None if it has not. A target of zero or
    less is covered by nothing, so it has no day either."""
    target = money(target)
    if target <= ZERO:
        return None
    total = ZERO
    for payment in sorted(payments, key=lambda p: p.day):
        if kinds is not None and payment.kind not in kinds:
            continue
        total += money(payment.amount)
        if total >= target:
            return payment.day
    return None


def deposit_paid_on(payments: Iterable[PaymentIn], deposit: Decimal) -> date | None:
    """When the deposit payments reached the agreed deposit."""
    return covered_on(payments, deposit, {DEPOSIT})


def settled_on(payments: Sequence[PaymentIn], fees_total: Decimal) -> date | None:
    """When the programme was settled: all payments cover the fees, and a
    settlement payment has been made (so a deposit larger than the fees
    recorded so far does not count as settling a programme still running).
    The day is the later of the two."""
    first_settlement = min((p.day for p in payments if p.kind == SETTLEMENT), default=None)
    covered = covered_on(payments, fees_total)
    if first_settlement is None or covered is None:
        return None
    return max(first_settlement, covered)
