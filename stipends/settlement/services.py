"""Settlement writes: the calendar, rooms, payments, records, and the
deadline reminders, each in one transaction. Reads are in
:mod:`stipends.settlement.selectors`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from programs.agreements.models import Programme
from stipends.settlement import rules as dl
from stipends.settlement.models import (
    DeadlineReminder,
    HolidayCalendarDay,
    HolidayCalendarYear,
    Room,
    RoomUse,
    SettlementPayment,
    SettlementRecord,
)
from stipends.settlement.rules import (
    DayLine,
)
from stipends.settlement.selectors import gather
from trainingweek.models import User

log = logging.getLogger(__name__)


# Phases in which students work for the shops (实训实操): insurance must be
# bought before the first of them starts.


# --- calendar ---------------------------------------------------------------


@transaction.atomic
def save_calendar_year(*, year: int, source: str, holidays: list[DayLine], working_days: list[DayLine],
                       user) -> HolidayCalendarYear:
    """Replace an administrator's entries for ``year`` with the days given."""
    entry, _created = HolidayCalendarYear.objects.update_or_create(
        year=year, defaults={"source": source, "updated_by": user}
    )
    entry.days.all().delete()
    HolidayCalendarDay.objects.bulk_create(
        [HolidayCalendarDay(calendar_year=entry, day=d.day, name=d.name, kind=HolidayCalendarDay.Kind.HOLIDAY) for d in holidays]
        + [HolidayCalendarDay(calendar_year=entry, day=d.day, name=d.name, kind=HolidayCalendarDay.Kind.WORKING_DAY) for d in working_days]
    )
    return entry


# --- conduct (for the good-conduct bonus) -------------------------------------

# A source takes programme ids and returns, per id, (what, how many) pairs.




# --- statement and deadlines ----------------------------------------------------


# --- writes ---------------------------------------------------------------------
@transaction.atomic
def save_room(*, room: Room, uses: Iterable[RoomUse], deleted: Iterable[RoomUse] = ()) -> Room:
    """Save a room (its cleaned values, unsaved) and its periods together:
    ``uses`` are kept or added, ``deleted`` removed. A room without equipment
    keeps no computer counts."""
    room.save()
    for use in deleted:
        if use.pk:
            use.delete()
    for use in uses:
        if not room.is_lab:
            use.computers = 0
        use.room = room
        use.save()
    if not room.is_lab:
        room.uses.exclude(computers=0).update(computers=0)
    return room


@transaction.atomic
def record_payment(*, payment: SettlementPayment, user) -> SettlementPayment:
    """Record a payment received from the company (its cleaned values, unsaved), noting who recorded it."""
    payment.recorded_by = user
    payment.save()
    return payment


@transaction.atomic
def save_settlement_record(*, record: SettlementRecord, user) -> SettlementRecord:
    """Save the settlement facts of a programme (breach, bonus decision, dates), noting who changed them."""
    record.updated_by = user
    record.save()
    return record


# --- reminders --------------------------------------------------------------------
def _recipients(programmes: list[Programme]) -> dict[int, list[str]]:
    """Per programme: the coordinators of its school and the finance staff of
    its company who have an email address (one query)."""
    org_ids = {p.agreement.school_id for p in programmes} | {p.agreement.company_id for p in programmes}
    users = User.objects.filter(
        Q(role=User.Role.COORDINATOR) | Q(role=User.Role.FINANCE),
        organisation__in=org_ids, is_active=True,
    ).exclude(email="").order_by("email").values_list("organisation", "role", "email")
    by_org: dict[tuple[int, str], list[str]] = defaultdict(list)
    for org, role, email in users:
        by_org[(org, role)].append(email)
    return {
        p.pk: sorted(set(by_org[(p.agreement.school_id, User.Role.COORDINATOR)]
                         + by_org[(p.agreement.company_id, User.Role.FINANCE)]))
        for p in programmes
    }


def _reminder_text(programme: Programme, deadline: dl.Deadline, stage: str) -> tuple[str, str]:
    values = {"deadline": deadline.label, "due": f"{deadline.due:%Y-%m-%d}", "programme": str(programme)}
    if stage == DeadlineReminder.Stage.OVERDUE:
        subject = _("Overdue since %(due)s: %(deadline)s — %(programme)s") % values
    else:
        subject = _("Due by %(due)s: %(deadline)s — %(programme)s") % values
    lines = [
        _("Programme: %(programme)s") % values,
        _("School: %(school)s; company: %(company)s") % {"school": programme.agreement.school, "company": programme.agreement.company},
        _("Deadline: %(deadline)s, due by %(due)s (%(basis)s).") % {**values, "basis": deadline.basis},
    ]
    if deadline.provisional:
        lines.append(deadline.warning)
    lines.append(_("Once it is done, record it on the programme's Settlement page; reminders then stop."))
    return subject, "\n".join(lines)


def send_deadline_reminders(*, today: date | None = None) -> int:
    """Email the people concerned about deadlines falling due within the next
    few working days, and once more when one is overdue. Each reminder is
    recorded before it is sent, in the same transaction, so running the job
    twice (or two beat processes) never sends it twice, and a failed send is
    retried the next day. Returns how many reminders were sent."""
    today = today or timezone.localdate()
    programmes = list(
        Programme.objects.filter(year__gte=today.year - 1).select_related("agreement__school", "agreement__company")
    )
    if not programmes:
        return 0
    money = gather(programmes)
    recipients = _recipients(programmes)
    already = set(
        DeadlineReminder.objects.filter(programme__in=[p.pk for p in programmes])
        .values_list("programme", "deadline", "due", "stage")
    )
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for programme in programmes:
            to = recipients[programme.pk]
            for deadline in money[programme.pk].deadlines:
                stage = dl.reminder_stage(deadline, today)
                if stage is None or not to or (programme.pk, deadline.kind, deadline.due, stage) in already:
                    continue
                subject, body = _reminder_text(programme, deadline, stage)
                try:
                    with transaction.atomic():
                        _reminder, created = DeadlineReminder.objects.get_or_create(
                            programme=programme, deadline=deadline.kind, due=deadline.due, stage=stage,
                            defaults={"recipients": ", ".join(to)},
                        )
                        if created:
                            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)
                            sent += 1
                except Exception:  # one failed address must not stop the others
                    log.exception("deadline reminder failed: %s %s", programme.pk, deadline.kind)
    return sent
