"""The agreement's deadlines for one programme: pure rules over plain values.

From the agreement's 费用约定: the deposit is paid N working days before the
programme starts, everything is settled within N working days after it ends,
accident insurance is bought at least N (calendar) days before practice
starts, and students' stipends are paid by an agreed day of the programme's
year. Working days come from :mod:`programs.calendar`; a deadline counted
over a year nobody has described yet is provisional.
"""

from __future__ import annotations

import calendar as stdlib_calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .calendar import WorkCalendar, add_working_days, provisional_warning

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
