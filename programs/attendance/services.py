"""Writes of attendance: recording days, leave decisions, withdrawals and dismissals.

Every writer of ``Attendance`` goes through ``selectors.DayContext``, which
refuses days after a departed student's last day (``rules.recordable_day``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from programs.agreements.models import Programme
from programs.attendance import rules
from programs.attendance.models import Attendance, Departure, LeaveRequest
from programs.attendance.rules import MAX_ONLINE_HOURS
from programs.attendance.selectors import DayContext, approved_leave_days
from programs.rosters import rules as roster_rules
from programs.students.models import Enrolment


class WorkflowError(Exception):
    """A refusal whose message is meant for the user (already translated)."""


# --------------------------------------------------------------------------- recording
@dataclass(frozen=True)
class AttendanceInput:
    """One cell of the attendance grid as typed: an empty status and no hours clears the day."""

    enrolment_id: int
    day: date
    status: str
    online_hours: Decimal | None


UPSERT_COLUMNS = ["programme_id", "enrolment_id", "day", "status", "online_hours", "day_kind", "shift_id",
                  "is_truancy", "recorded_by_id", "updated_at"]


def _upsert(rows: list[tuple]) -> None:
    """Insert or update attendance rows (tuples in ``UPSERT_COLUMNS`` order) by (enrolment, day).

    One prepared ``INSERT ... ON CONFLICT DO UPDATE`` run with ``executemany``
    (SQLite ≥ 3.24 and PostgreSQL both speak it). ``bulk_create(update_conflicts=True)``
    does the same but compiles SQL for every value in batches of 99 rows on
    SQLite, five times slower at 300,000 rows (bench/attendance.py). Callers
    hold a transaction: outside one SQLite commits per row.
    """
    if not rows:
        return
    ops = connection.ops
    quote = ops.quote_name
    table = quote(Attendance._meta.db_table)
    columns = ", ".join(quote(c) for c in UPSERT_COLUMNS)
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in UPSERT_COLUMNS[3:])
    sql = (f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(UPSERT_COLUMNS))}) "
           f"ON CONFLICT ({quote('enrolment_id')}, {quote('day')}) DO UPDATE SET {updates}")
    now = ops.adapt_datetimefield_value(timezone.now())
    params = [
        (programme_id, enrolment_id, ops.adapt_datefield_value(day), status,
         None if hours is None else ops.adapt_decimalfield_value(hours, 4, 2),
         day_kind, shift_id, truancy, user_id, now)
        for programme_id, enrolment_id, day, status, hours, day_kind, shift_id, truancy, user_id in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


@dataclass
class SaveResult:
    saved: int = 0
    cleared: int = 0
    errors: list[str] = field(default_factory=list)


def _where(enrolment: Enrolment, day: date) -> str:
    return _("%(name)s on %(day)s") % {"name": enrolment.student.name, "day": day.isoformat()}


def after_last_day_message(name: str, last_day: date, days: Iterable[date]) -> str:
    """The refusal of days after a student's last day, listing them."""
    return _("%(name)s left on %(last)s: nothing is recorded or paid after the last day (%(days)s).") % {
        "name": name, "last": last_day.isoformat(), "days": ", ".join(d.isoformat() for d in days)}


@transaction.atomic
def record_attendance(*, programme: Programme, enrolments: list[Enrolment], entries: Iterable[AttendanceInput],
                      user) -> SaveResult:
    """Save a grid of attendance for the given (already permitted) enrolments.

    Cells of other enrolments are ignored, so a forged form changes nothing
    outside the user's team. A cell with a status is written (created or
    updated: one prepared upsert for all rows); a cell with neither status nor
    hours deletes that day's record. Hours without a status, a status
    outside the list, hours outside 0–24, or a day after the last day of a
    student who left refuse the whole save with every reason listed (clearing
    such a day is allowed). Day kind, shift and truancy are derived here.
    """
    allowed = {e.pk: e for e in enrolments}
    valid_status = set(Attendance.Status.values)
    result = SaveResult()
    wanted: list[AttendanceInput] = []
    clear: list[tuple[int, date]] = []
    for item in entries:
        if item.enrolment_id not in allowed:
            continue
        if not item.status and item.online_hours is None:
            clear.append((item.enrolment_id, item.day))
        elif item.status not in valid_status:
            result.errors.append(_("%(where)s: choose an attendance status for the online hours.") % {
                "where": _where(allowed[item.enrolment_id], item.day)})
        elif item.online_hours is not None and not Decimal(0) <= item.online_hours <= MAX_ONLINE_HOURS:
            result.errors.append(_("%(where)s: online hours must be between 0 and 24.") % {
                "where": _where(allowed[item.enrolment_id], item.day)})
        else:
            wanted.append(item)
    if result.errors:
        return result
    if wanted:
        days = [i.day for i in wanted]
        context = DayContext(programme, list(allowed.values()), min(days), max(days))
        by_student: dict[int, list[date]] = defaultdict(list)
        for i in wanted:
            by_student[i.enrolment_id].append(i.day)
        for enrolment_id, student_days in by_student.items():
            late = context.after_last_day(enrolment_id, student_days)
            if late:
                result.errors.append(after_last_day_message(
                    allowed[enrolment_id].student.name, context.last_day[enrolment_id], late))
        if result.errors:
            return result
        user_id = getattr(user, "pk", None)
        _upsert([(programme.pk, i.enrolment_id, i.day, i.status, i.online_hours,
                  *context.classify(i.enrolment_id, i.day, i.status), user_id) for i in wanted])
    if clear:
        q = Q()
        by_day: dict[date, list[int]] = defaultdict(list)
        for e, d in clear:
            by_day[d].append(e)
        for d, ids in by_day.items():
            q |= Q(day=d, enrolment_id__in=ids)
        result.cleared = Attendance.objects.filter(q, programme=programme).delete()[0]
    result.saved = len(wanted)
    return result


# --------------------------------------------------------------------------- leave
def _refresh_truancy(enrolment_id: int, first: date, last: date) -> int:
    """Recompute ``is_truancy`` of one student's records in a period after a leave decision."""
    leave = approved_leave_days([enrolment_id], first, last)
    records = list(Attendance.objects.filter(enrolment_id=enrolment_id, day__gte=first, day__lte=last,
                                             status__in=[rules.ABSENT, rules.LEAVE]).exclude(day_kind=roster_rules.DAY_REST))
    changed = []
    for r in records:
        truancy = (enrolment_id, r.day) not in leave
        if r.is_truancy != truancy:
            r.is_truancy = truancy
            changed.append(r)
    Attendance.objects.bulk_update(changed, ["is_truancy"])
    return len(changed)


@transaction.atomic
def request_leave(*, programme: Programme, enrolment: Enrolment, start: date, end: date, reason: str,
                  user) -> LeaveRequest:
    """Record a leave request for a student; it waits for the mentor first."""
    if end < start:
        raise WorkflowError(_("The leave cannot end before it starts."))
    if enrolment.programme_id != programme.pk:
        raise WorkflowError(_("This student is not in the programme."))
    return LeaveRequest.objects.create(
        programme=programme, enrolment=enrolment, start=start, end=end, reason=reason, requested_by=user
    )


@transaction.atomic
def decide_leave(*, leave: LeaveRequest, step: str, user, approve: bool, refusal_reason: str = "") -> LeaveRequest:
    """The mentor's (``step="mentor"``) or the school's (``step="school"``) decision.

    The mentor decides first, then the school. Refusing needs a reason and
    ends the request. Final approval clears truancy on the covered days.
    """
    leave = LeaveRequest.objects.select_for_update().get(pk=leave.pk)
    expected = {rules.STEP_MENTOR: LeaveRequest.Status.PENDING_MENTOR,
                rules.STEP_SCHOOL: LeaveRequest.Status.PENDING_SCHOOL}[step]
    if leave.status != expected:
        raise WorkflowError(_("This leave request is not waiting for this decision."))
    if not approve and not refusal_reason.strip():
        raise WorkflowError(_("Give a reason for refusing."))
    now = timezone.now()
    if step == rules.STEP_MENTOR:
        leave.mentor_decided_by, leave.mentor_decided_at = user, now
    else:
        leave.school_decided_by, leave.school_decided_at = user, now
    leave.status = rules.leave_status_after(step, approve=approve)
    if not approve:
        leave.refusal_reason = refusal_reason.strip()
    leave.save()
    if leave.status == LeaveRequest.Status.APPROVED:
        _refresh_truancy(leave.enrolment_id, leave.start, leave.end)
    return leave


# --------------------------------------------------------------------------- withdrawals and dismissals
def _open_departure_exists(enrolment: Enrolment) -> bool:
    return enrolment.departures.exclude(status=Departure.Status.REFUSED).exists()


@transaction.atomic
def request_withdrawal(*, programme: Programme, enrolment: Enrolment, last_day: date, reason: str, user) -> Departure:
    """A student asks to withdraw; it takes effect when the school and the company approve."""
    if enrolment.status != Enrolment.Status.ACTIVE or _open_departure_exists(enrolment):
        raise WorkflowError(_("This student has already left or has a request open."))
    return Departure.objects.create(programme=programme, enrolment=enrolment, kind=Departure.Kind.WITHDRAWAL,
                                    last_day=last_day, reason=reason, requested_by=user)


@transaction.atomic
def decide_withdrawal(*, departure: Departure, side: str, user, approve: bool, refusal_reason: str = "") -> Departure:
    """One side's decision (``side`` is ``school`` or ``company``) on a withdrawal.

    When both have approved, the enrolment becomes withdrawn. A refusal
    (with a reason) ends the request; the student stays.
    """
    departure = Departure.objects.select_for_update().get(pk=departure.pk)
    if departure.kind != Departure.Kind.WITHDRAWAL or departure.status != Departure.Status.PENDING:
        raise WorkflowError(_("This request is not waiting for a decision."))
    if getattr(departure, f"{side}_decided_at") is not None:
        raise WorkflowError(_("Your side has already decided."))
    if not approve and not refusal_reason.strip():
        raise WorkflowError(_("Give a reason for refusing."))
    setattr(departure, f"{side}_decided_by", user)
    setattr(departure, f"{side}_decided_at", timezone.now())
    departure.status = rules.withdrawal_status_after(
        approve=approve, school_decided=departure.school_decided_at is not None,
        company_decided=departure.company_decided_at is not None)
    if not approve:
        departure.refusal_reason = refusal_reason.strip()
    elif departure.status == Departure.Status.DONE:
        Enrolment.objects.filter(pk=departure.enrolment_id).update(status=Enrolment.Status.WITHDRAWN)
    departure.save()
    return departure


@transaction.atomic
def dismiss(*, programme: Programme, enrolment: Enrolment, last_day: date, reason: str, user) -> Departure:
    """The company ends a student's place (劝退/淘汰): in effect at once; the school is told."""
    if enrolment.status != Enrolment.Status.ACTIVE:
        raise WorkflowError(_("This student has already left."))
    # A withdrawal still waiting is overtaken by the dismissal.
    enrolment.departures.filter(status=Departure.Status.PENDING).update(
        status=Departure.Status.REFUSED, refusal_reason=_("Overtaken by a dismissal"))
    departure = Departure.objects.create(
        programme=programme, enrolment=enrolment, kind=Departure.Kind.DISMISSAL, status=Departure.Status.DONE,
        last_day=last_day, reason=reason, requested_by=user, company_decided_by=user, company_decided_at=timezone.now(),
    )
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.DISMISSED)
    return departure


@transaction.atomic
def acknowledge_dismissal(*, departure: Departure, user) -> Departure:
    """The school notes that it was told of a dismissal."""
    if departure.kind != Departure.Kind.DISMISSAL or departure.school_decided_at is not None:
        raise WorkflowError(_("Nothing to acknowledge."))
    departure.school_decided_by, departure.school_decided_at = user, timezone.now()
    departure.save(update_fields=["school_decided_by", "school_decided_at"])
    return departure


def decide_departure(*, departure: Departure, side: str, user, approve: bool | None = None,
                     refusal_reason: str = "") -> Departure:
    """The decision of ``side`` on a departure: ``acknowledge`` a dismissal, or the
    ``school``'s or ``company``'s approval or refusal of a withdrawal."""
    if side == rules.SIDE_ACKNOWLEDGE:
        return acknowledge_dismissal(departure=departure, user=user)
    if approve is None:
        raise WorkflowError(_("Choose to approve or refuse."))
    return decide_withdrawal(departure=departure, side=side, user=user, approve=approve, refusal_reason=refusal_reason)
