from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from programs.agreements.models import Programme
from programs.attendance import rules
from programs.attendance.models import Attendance, Departure, LeaveRequest
from programs.rosters import rules as roster_rules
from programs.rosters.models import RosterPlan
from programs.rosters.services import cell_text, get_plan, phase_ranges, schedule_cells
from programs.students.models import Enrolment, Team

HOURS_FIELD = DecimalField(max_digits=12, decimal_places=2)


MAX_ONLINE_HOURS = Decimal("24")


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


def week_days(monday: date) -> list[date]:
    """The seven days of the week starting on ``monday``."""
    return [monday + timedelta(days=n) for n in range(7)]


def approved_leave_days(enrolment_ids: Iterable[int], first: date, last: date) -> set[tuple[int, date]]:
    """(enrolment id, day) pairs covered by a leave approved by both sides. One query."""
    covered = set()
    for e, start, end in LeaveRequest.objects.filter(
        enrolment__in=list(enrolment_ids), status=LeaveRequest.Status.APPROVED, start__lte=last, end__gte=first
    ).values_list("enrolment_id", "start", "end"):
        for day in roster_rules.days_between(max(start, first), min(end, last)):
            covered.add((e, day))
    return covered


class _DayContext:
    """Everything needed to classify attendance days of some students in a period."""

    def __init__(self, programme: Programme, enrolments: list[Enrolment], first: date, last: date):
        self.phases = phase_ranges(programme)
        self.class_of = {e.pk: e.school_class_id for e in enrolments}
        self.class_cells, self.overrides = schedule_cells(programme, enrolments, first, last)
        self.leave = approved_leave_days(self.class_of, first, last)

    def scheduled(self, enrolment_id: int, day: date) -> roster_rules.Cell | None:
        return roster_rules.student_cell(self.class_cells.get((self.class_of[enrolment_id], day)),
                                  self.overrides.get((enrolment_id, day)))

    def classify(self, enrolment_id: int, day: date, status: str) -> tuple[str, int | None, bool]:
        """(day kind, shift id, truancy) of a student's day with this status."""
        scheduled = self.scheduled(enrolment_id, day)
        day_kind, truancy = rules.classify_attendance(
            status, scheduled, roster_rules.phase_on(day, self.phases), (enrolment_id, day) in self.leave
        )
        shift = scheduled.shift if scheduled is not None and scheduled.kind == roster_rules.SHIFT else None
        return day_kind, shift, truancy

    def row(self, programme, enrolment_id, day, status, hours, user) -> Attendance:
        day_kind, shift, truancy = self.classify(enrolment_id, day, status)
        return Attendance(programme=programme, enrolment_id=enrolment_id, day=day, status=status,
                          online_hours=hours, day_kind=day_kind, shift_id=shift, is_truancy=truancy,
                          recorded_by=user)


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


@transaction.atomic
def record_attendance(programme: Programme, enrolments: list[Enrolment], entries: Iterable[AttendanceInput], user) -> SaveResult:
    """Save a grid of attendance for the given (already permitted) enrolments.

    Cells of other enrolments are ignored, so a forged form changes nothing
    outside the user's team. A cell with a status is written (created or
    updated: one prepared upsert for all rows); a cell with neither status nor
    hours deletes that day's record. Hours without a status, a status
    outside the list, or hours outside 0–24 refuse the whole save with
    every reason listed. Day kind, shift and truancy are derived here.
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
        context = _DayContext(programme, list(allowed.values()), min(days), max(days))
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


# --------------------------------------------------------------------------- the grid
@dataclass
class AttendanceCell:
    day: date
    scheduled: str          # what the student's schedule says (早, 休息…)
    working: bool           # the schedule expects the student in
    status: str
    online_hours: Decimal | None
    overtime: Decimal
    is_truancy: bool
    editable: bool          # false after the last day of a student who left
    typed_hours: str | None = None  # what the user typed, shown again after a refused save

    @property
    def hours_text(self) -> str:
        """The hours as typed back into the grid: 8.5, 17 (no trailing zeros)."""
        if self.typed_hours is not None:
            return self.typed_hours
        if self.online_hours is None:
            return ""
        return f"{self.online_hours.normalize():f}"


@dataclass
class AttendanceRow:
    enrolment: Enrolment
    cells: list[AttendanceCell]
    online_total: Decimal
    overtime_total: Decimal
    left_on: date | None


def team_enrolments(team: Team, first: date) -> list[Enrolment]:
    """The team's students to record for a period starting ``first``: the active
    ones, and those who left on or after ``first`` (their last days still count)."""
    departed = Departure.objects.filter(enrolment=OuterRef("pk"), status=Departure.Status.DONE)
    return list(
        Enrolment.objects.filter(team=team)
        .annotate(left_on=Subquery(departed.values("last_day")[:1]))
        .filter(Q(status=Enrolment.Status.ACTIVE) | Q(left_on__gte=first))
        .select_related("student", "school_class")
        .order_by("school_class__name", "student__student_number")
    )


def attendance_grid(programme: Programme, team: Team, days: list[date]) -> list[AttendanceRow]:
    """The team's students × days with their schedule, record and overtime.

    A fixed number of queries (enrolments, plan, phases, roster, overrides,
    shifts, attendance), however many students.
    """
    enrolments = team_enrolments(team, days[0])
    threshold = get_plan(programme).overtime_threshold
    shifts = {s.pk: s for s in programme.shift_templates.all()}
    class_cells, overrides = schedule_cells(programme, enrolments, days[0], days[-1])
    records = {
        (a.enrolment_id, a.day): a
        for a in Attendance.objects.filter(enrolment__in=[e.pk for e in enrolments], day__gte=days[0], day__lte=days[-1])
        .only("enrolment", "day", "status", "online_hours", "is_truancy")
    }
    rows = []
    for e in enrolments:
        cells, online, overtime = [], Decimal("0"), Decimal("0")
        for d in days:
            record = records.get((e.pk, d))
            scheduled = roster_rules.student_cell(class_cells.get((e.school_class_id, d)), overrides.get((e.pk, d)))
            hours = record.online_hours if record else None
            extra = rules.overtime_hours(hours, threshold)
            online += hours or 0
            overtime += extra
            cells.append(AttendanceCell(
                d, cell_text(scheduled, shifts), bool(scheduled and scheduled.is_working),
                record.status if record else "", hours, extra,
                bool(record and record.is_truancy), e.left_on is None or d <= e.left_on,
            ))
        rows.append(AttendanceRow(e, cells, online, overtime, e.left_on))
    return rows


# --------------------------------------------------------------------------- summary
@dataclass(frozen=True)
class AttendanceFigures:
    """One enrolment's attendance over a period, as plain numbers.

    Day counts by status; ``*_days`` count attended days (present or late)
    by day kind, as stipends pay them; hours are Decimals. ``attendance_rate``
    is attended ÷ expected (all recorded non-rest days) in percent.
    """

    enrolment_id: int
    days_recorded: int
    present: int
    late: int
    absent: int
    leave: int
    rest: int
    truancy: int
    training_days: int
    intensive_days: int
    practice_days: int
    pre_sale_days: int
    after_sale_days: int
    online_hours: Decimal
    overtime_hours: Decimal
    overtime_days: int

    @property
    def attended(self) -> int:
        return self.present + self.late

    @property
    def expected(self) -> int:
        return self.days_recorded - self.rest

    @property
    def attendance_rate(self) -> Decimal | None:
        return rules.attendance_rate(self.attended, self.expected)


def attendance_summary(
    programme: Programme,
    enrolment_ids: Iterable[int] | None = None,
    start: date | None = None,
    end: date | None = None,
    overtime_threshold: Decimal | None = None,
) -> dict[int, AttendanceFigures]:
    """Per-enrolment attendance figures of a programme, in ONE aggregate query.

    Filters: ``enrolment_ids`` (None: everyone), ``start``/``end`` inclusive
    (None: open). Overtime is each day's online hours above the threshold
    (``overtime_threshold``, else the programme's roster rules, 8 h by
    default, read in the same query), summed. Enrolments without records are
    absent from the result. Built as ``.values("enrolment").annotate(...)``,
    one GROUP BY over the attendance table: within ~1.2× of raw SQL.
    """
    qs = Attendance.objects.filter(programme=programme)
    if enrolment_ids is not None:
        qs = qs.filter(enrolment_id__in=list(enrolment_ids))
    if start is not None:
        qs = qs.filter(day__gte=start)
    if end is not None:
        qs = qs.filter(day__lte=end)
    if overtime_threshold is not None:
        threshold = Value(overtime_threshold, output_field=HOURS_FIELD)
    else:
        threshold = Coalesce(F("programme__roster_plan__overtime_threshold"), Value(Decimal("8")), output_field=HOURS_FIELD)
    attended = Q(status__in=rules.ATTENDED)
    over = Q(online_hours__gt=threshold)

    def days(**kw):
        return Count("id", filter=Q(**kw))

    def kind(k):
        return Count("id", filter=attended & Q(day_kind=k))

    rows = qs.values("enrolment_id").order_by().annotate(
        days_recorded=Count("id"),
        present=days(status=rules.PRESENT), late=days(status=rules.LATE), absent=days(status=rules.ABSENT),
        leave=days(status=rules.LEAVE), rest=days(status=rules.STATUS_REST), truancy=days(is_truancy=True),
        training_days=kind(roster_rules.PHASE_TRAINING), intensive_days=kind(roster_rules.PHASE_INTENSIVE),
        practice_days=kind(roster_rules.PHASE_PRACTICE), pre_sale_days=kind(roster_rules.PHASE_PRE_SALE),
        after_sale_days=kind(roster_rules.PHASE_AFTER_SALE),
        # Not named "online_hours": an annotation of a field's name would shadow the field.
        online_total=Coalesce(Sum("online_hours"), Value(Decimal(0)), output_field=HOURS_FIELD),
        overtime_total=Coalesce(
            Sum(Case(When(over, then=F("online_hours") - threshold), default=Value(Decimal(0)), output_field=HOURS_FIELD)),
            Value(Decimal(0)), output_field=HOURS_FIELD),
        overtime_days=Count("id", filter=over),
    )
    result = {}
    for row in rows:
        row["online_hours"] = roster_rules.q2(Decimal(row.pop("online_total")))
        row["overtime_hours"] = roster_rules.q2(Decimal(row.pop("overtime_total")))
        result[row["enrolment_id"]] = AttendanceFigures(**row)
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


def request_leave(programme: Programme, enrolment: Enrolment, start: date, end: date, reason: str, user) -> LeaveRequest:
    """Record a leave request for a student; it waits for the mentor first."""
    if end < start:
        raise WorkflowError(_("The leave cannot end before it starts."))
    if enrolment.programme_id != programme.pk:
        raise WorkflowError(_("This student is not in the programme."))
    return LeaveRequest.objects.create(
        programme=programme, enrolment=enrolment, start=start, end=end, reason=reason, requested_by=user
    )


@transaction.atomic
def decide_leave(leave: LeaveRequest, step: str, user, approve: bool, refusal_reason: str = "") -> LeaveRequest:
    """The mentor's (``step="mentor"``) or the school's (``step="school"``) decision.

    The mentor decides first, then the school. Refusing needs a reason and
    ends the request. Final approval clears truancy on the covered days.
    """
    leave = LeaveRequest.objects.select_for_update().get(pk=leave.pk)
    expected = {"mentor": LeaveRequest.Status.PENDING_MENTOR, "school": LeaveRequest.Status.PENDING_SCHOOL}[step]
    if leave.status != expected:
        raise WorkflowError(_("This leave request is not waiting for this decision."))
    if not approve and not refusal_reason.strip():
        raise WorkflowError(_("Give a reason for refusing."))
    now = timezone.now()
    if step == "mentor":
        leave.mentor_decided_by, leave.mentor_decided_at = user, now
        leave.status = LeaveRequest.Status.PENDING_SCHOOL if approve else LeaveRequest.Status.REFUSED
    else:
        leave.school_decided_by, leave.school_decided_at = user, now
        leave.status = LeaveRequest.Status.APPROVED if approve else LeaveRequest.Status.REFUSED
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
def request_withdrawal(programme: Programme, enrolment: Enrolment, last_day: date, reason: str, user) -> Departure:
    """A student asks to withdraw; it takes effect when the school and the company approve."""
    if enrolment.status != Enrolment.Status.ACTIVE or _open_departure_exists(enrolment):
        raise WorkflowError(_("This student has already left or has a request open."))
    return Departure.objects.create(programme=programme, enrolment=enrolment, kind=Departure.Kind.WITHDRAWAL,
                                    last_day=last_day, reason=reason, requested_by=user)


@transaction.atomic
def decide_withdrawal(departure: Departure, side: str, user, approve: bool, refusal_reason: str = "") -> Departure:
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
    if not approve:
        departure.status, departure.refusal_reason = Departure.Status.REFUSED, refusal_reason.strip()
    elif departure.school_decided_at and departure.company_decided_at:
        departure.status = Departure.Status.DONE
        Enrolment.objects.filter(pk=departure.enrolment_id).update(status=Enrolment.Status.WITHDRAWN)
    departure.save()
    return departure


@transaction.atomic
def dismiss(programme: Programme, enrolment: Enrolment, last_day: date, reason: str, user) -> Departure:
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


def acknowledge_dismissal(departure: Departure, user) -> Departure:
    """The school notes that it was told of a dismissal."""
    if departure.kind != Departure.Kind.DISMISSAL or departure.school_decided_at is not None:
        raise WorkflowError(_("Nothing to acknowledge."))
    departure.school_decided_by, departure.school_decided_at = user, timezone.now()
    departure.save(update_fields=["school_decided_by", "school_decided_at"])
    return departure


def programme_attrition(programme: Programme) -> rules.Attrition:
    """The programme's attrition against the school's promise (one aggregate, one look-up)."""
    figures = Enrolment.objects.filter(programme=programme).aggregate(
        enrolled=Count("id"),
        withdrawn=Count("id", filter=Q(status=Enrolment.Status.WITHDRAWN)),
        dismissed=Count("id", filter=Q(status=Enrolment.Status.DISMISSED)),
    )
    promise = RosterPlan.objects.filter(programme=programme).values_list("attrition_promise", flat=True).first()
    return rules.attrition(promise=promise if promise is not None else Decimal("5"), **figures)
