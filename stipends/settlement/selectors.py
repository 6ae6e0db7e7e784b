"""Reads of settlement: the work calendar, conduct, and everything a programme's
statement and deadlines need (:func:`gather`, for many programmes at once in a
fixed number of queries). No writes.

:func:`gather_conduct` collects what the good-conduct bonus depends on:
dismissals and scoring's confirmed incidents, read directly (settlement is the
top layer, so no registry is needed). The stipend deadline is done on the day
payouts' records say the stipends were paid
(:func:`stipends.payouts.selectors.stipends_paid_on`: every class covered by a
reconciled batch reaching the programme's last day, nothing outstanding, the
day of the last reconciliation); nobody types that date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext as _

from programs.agreements.models import Phase, Programme
from programs.students.models import Enrolment
from scoring.selectors import conduct_source
from stipends.payouts import selectors as payout_selectors
from stipends.settlement import rules as dl
from stipends.settlement.models import (
    HolidayCalendarDay,
    HolidayCalendarYear,
    Room,
    RoomUse,
    SettlementPayment,
    SettlementRecord,
)
from stipends.settlement.rules import (
    BonusOverride,
    Conduct,
    PaymentIn,
    Rates,
    RoomPeriod,
    Statement,
    WorkCalendar,
    deposit_paid_on,
    package_calendar,
    settled_on,
    settlement_statement,
)

PRACTICE_KINDS = {Phase.Kind.PRACTICE, Phase.Kind.PRE_SALE, Phase.Kind.AFTER_SALE}


def reminder_working_days() -> int:
    """Reminders go out this many working days before a deadline."""
    return getattr(settings, "SETTLEMENT_REMINDER_WORKING_DAYS", 3)


def load_work_calendar() -> WorkCalendar:
    """The package's calendar with every year an administrator entered (two
    queries)."""
    years: dict[int, dict[date, bool]] = {
        year: {} for year in HolidayCalendarYear.objects.values_list("year", flat=True)
    }
    for year, day, kind in HolidayCalendarDay.objects.values_list("calendar_year__year", "day", "kind"):
        years[year][day] = kind == HolidayCalendarDay.Kind.WORKING_DAY
    return package_calendar().with_years(years)


ConductSource = Callable[[list[int]], Mapping[int, list[tuple[str, int]]]]


def dismissals(programme_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    """Students dismissed by the company (劝退/淘汰) count as misconduct."""
    counts = dict(
        Enrolment.objects.filter(programme__in=programme_ids, status=Enrolment.Status.DISMISSED)
        .values_list("programme").annotate(n=Count("pk")).values_list("programme", "n")
    )
    label = _("students dismissed")
    return {pid: [(label, counts.get(pid, 0))] for pid in programme_ids}


def confirmed_incidents(programme_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    """Confirmed incidents (scoring) count as student misconduct too."""
    return conduct_source(programme_ids)


# Settlement sits above scoring and payouts, so it reads their records directly.
CONDUCT_SOURCES: tuple[ConductSource, ...] = (dismissals, confirmed_incidents)


def gather_conduct(programme_ids: list[int], records: Mapping[int, SettlementRecord]) -> dict[int, Conduct]:
    """What the records say about each programme's conduct: the breach
    recorded on its settlement record and the counts of every source."""
    misconduct: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for source in CONDUCT_SOURCES:
        for pid, items in source(programme_ids).items():
            misconduct[pid].extend(items)
    conduct = {}
    for pid in programme_ids:
        record = records.get(pid)
        conduct[pid] = Conduct(
            school_breached=bool(record and record.school_breached),
            breach_note=record.breach_note if record else "",
            misconduct=tuple(misconduct[pid]),
        )
    return conduct


@dataclass
class ProgrammeMoney:
    """Everything about one programme's settlement, ready for a page."""

    programme: Programme
    record: SettlementRecord | None
    rooms: list[Room]
    payments: list[SettlementPayment]
    statement: Statement
    dates: dl.ProgrammeDates
    deadlines: list[dl.Deadline]

    @property
    def provisional(self) -> bool:
        return any(d.provisional for d in self.deadlines)


def _override(record: SettlementRecord | None) -> BonusOverride | None:
    if record is None or record.bonus_decision == SettlementRecord.Bonus.RULE:
        return None
    return BonusOverride(record.bonus_decision == SettlementRecord.Bonus.DUE, record.bonus_reason)


def gather(programmes: Iterable[Programme], calendar: WorkCalendar | None = None) -> dict[int, ProgrammeMoney]:
    """The statement and deadlines of each programme (with its agreement
    loaded), in a fixed number of queries however many programmes and rows."""
    programmes = list(programmes)
    ids = [p.pk for p in programmes]
    if not ids:
        return {}
    calendar = calendar or load_work_calendar()
    lead = reminder_working_days()
    phases: dict[int, list[tuple[str, date, date]]] = defaultdict(list)
    for pid, kind, start, end in Phase.objects.filter(programme__in=ids).values_list("programme", "kind", "start", "end"):
        phases[pid].append((kind, start, end))
    records = {r.programme_id: r for r in SettlementRecord.objects.filter(programme__in=ids)}
    rooms: dict[int, list[Room]] = defaultdict(list)
    room_by_pk = {}
    for room in Room.objects.filter(programme__in=ids).order_by("kind", "name"):
        room.period_list = []
        rooms[room.programme_id].append(room)
        room_by_pk[room.pk] = room
    for use in RoomUse.objects.filter(room__programme__in=ids).order_by("start", "pk"):
        room_by_pk[use.room_id].period_list.append(use)
    payments: dict[int, list[SettlementPayment]] = defaultdict(list)
    for payment in SettlementPayment.objects.filter(programme__in=ids).select_related("recorded_by"):
        payments[payment.programme_id].append(payment)
    conduct = gather_conduct(ids, records)
    stipends_paid = payout_selectors.stipends_paid_on(
        {pid: max((e for _k, _s, e in phases[pid]), default=None) for pid in ids})

    result = {}
    for programme in programmes:
        agreement = programme.agreement
        pid = programme.pk
        record = records.get(pid)
        periods = [
            RoomPeriod(room.name, room.is_lab, use.start, use.end, use.computers if room.is_lab else 0)
            for room in rooms[pid] for use in room.period_list
        ]
        payment_ins = [PaymentIn(p.paid_on, p.amount, p.kind, p.note) for p in payments[pid]]
        spans = phases[pid]
        dates = dl.ProgrammeDates(
            year=programme.year,
            start=min((s for _k, s, _e in spans), default=None),
            end=max((e for _k, _s, e in spans), default=None),
            practice_start=min((s for k, s, _e in spans if k in PRACTICE_KINDS), default=None),
        )
        statement = settlement_statement(
            periods,
            Rates(agreement.lab_subsidy_per_computer_day, agreement.room_rent_per_day, agreement.good_conduct_bonus),
            conduct[pid], payment_ins, _override(record),
            (dates.start, dates.end) if dates.start else None,
        )
        done = {
            dl.DEPOSIT: deposit_paid_on(payment_ins, agreement.deposit_amount),
            dl.SETTLEMENT: settled_on(payment_ins, statement.fees_total),
            dl.INSURANCE: record.insurance_bought_on if record else None,
            dl.STIPENDS: stipends_paid[pid],
        }
        terms = dl.Terms(
            agreement.deposit_due_working_days, agreement.settlement_due_working_days,
            agreement.insurance_days_before_practice, agreement.stipend_pay_by_month, agreement.stipend_pay_by_day,
        )
        result[pid] = ProgrammeMoney(
            programme, record, rooms[pid], payments[pid], statement, dates,
            dl.programme_deadlines(dates, terms, done, calendar, lead),
        )
    return result


def programme_money(programme: Programme) -> ProgrammeMoney:
    """:func:`gather` for one programme."""
    return gather([programme])[programme.pk]



@dataclass(frozen=True)
class OverviewRow:
    programme: Programme
    deadline: dl.Deadline
    status: str


_OVERVIEW_ORDER = {dl.OVERDUE: 0, dl.DUE_SOON: 1, dl.UPCOMING: 2, dl.UNDATED: 3, dl.DONE: 4}
_STILL_OPEN = {dl.OVERDUE, dl.DUE_SOON}


def deadlines_overview(programmes: Iterable[Programme], *, today: date, all_years: bool) -> list[OverviewRow]:
    """Every deadline of these programmes, overdue first, then soonest.

    Without ``all_years`` the overview keeps this year's and last year's
    programmes, but an overdue or nearly due deadline is shown whatever the
    programme's year: money still owed from an old programme must not drop
    off the list because the year turned."""
    rows = []
    for money in gather(programmes).values():
        recent = money.programme.year >= today.year - 1
        for deadline in money.deadlines:
            status = deadline.status(today)
            if all_years or recent or status in _STILL_OPEN:
                rows.append(OverviewRow(money.programme, deadline, status))
    rows.sort(key=lambda r: (_OVERVIEW_ORDER[r.status], r.deadline.due or today, r.programme.name))
    return rows


def open_deadlines(programmes: Iterable[Programme], *, today: date) -> list[tuple[Programme, list[dl.Deadline]]]:
    """Per programme, its deadlines overdue or due within the reminder's
    working days (``SETTLEMENT_REMINDER_WORKING_DAYS``) on ``today``, any
    year: :func:`gather`'s fixed number of queries."""
    found = []
    for money in gather(programmes).values():
        open_ = [d for d in money.deadlines if d.status(today) in _STILL_OPEN]
        if open_:
            found.append((money.programme, open_))
    return sorted(found, key=lambda pair: (min(d.due for d in pair[1]), pair[0].name))
