"""Reads of attendance: the grid, the summary, leave and departure lists, last days, attrition (no writes)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from programs.agreements.models import Phase, Programme
from programs.agreements.selectors import count_by_programme
from programs.attendance import rules
from programs.attendance.models import (
    Attendance,
    Departure,
    LeaveRequest,
    OnlineHoursMapping,
    OnlineHoursUpload,
)
from programs.rosters import rules as roster_rules
from programs.rosters.models import RosterPlan
from programs.rosters.selectors import cell_text, get_plan, phase_ranges, schedule_cells
from programs.students.models import Enrolment, Team
from programs.students.selectors import enrolments_seen_by, without_personal_data
from trainingweek import versioning

HOURS_FIELD = DecimalField(max_digits=12, decimal_places=2)


def programme_span(programme: Programme) -> tuple[date, date] | None:
    """The programme's first and last day (its phases'), None without phases. One query."""
    phases = phase_ranges(programme)
    return (min(p.start for p in phases), max(p.end for p in phases)) if phases else None


def online_hours_upload(programme: Programme, user, pk) -> OnlineHoursUpload:
    """The user's own upload of this programme waiting for its columns; 404 for anyone else's."""
    return get_object_or_404(OnlineHoursUpload, programme=programme, uploaded_by=user, pk=pk)


def remembered_columns(programme: Programme) -> dict[str, str]:
    """The header texts last confirmed for the programme's online-hours exports (key -> header key)."""
    return OnlineHoursMapping.objects.filter(programme=programme).values_list("columns", flat=True).first() or {}


def approved_leave_days(enrolment_ids: Iterable[int], first: date, last: date) -> set[tuple[int, date]]:
    """(enrolment id, day) pairs covered by a leave approved by both sides. One query."""
    covered = set()
    for e, start, end in LeaveRequest.objects.filter(
        enrolment__in=list(enrolment_ids), status=LeaveRequest.Status.APPROVED, start__lte=last, end__gte=first
    ).values_list("enrolment_id", "start", "end"):
        for day in roster_rules.days_between(max(start, first), min(end, last)):
            covered.add((e, day))
    return covered


class DayContext:
    """Everything needed to classify attendance days of some students in a period."""

    def __init__(self, programme: Programme, enrolments: list[Enrolment], first: date, last: date):
        self.phases = phase_ranges(programme)
        self.class_of = {e.pk: e.school_class_id for e in enrolments}
        self.class_cells, self.overrides = schedule_cells(programme, enrolments, first, last)
        self.leave = approved_leave_days(self.class_of, first, last)
        self.last_day = last_days(self.class_of)

    def after_last_day(self, enrolment_id: int, days: Iterable[date]) -> list[date]:
        """Those of ``days`` after the student's last day (none unless they left): never recorded."""
        return rules.days_after_last_day(days, last_day=self.last_day.get(enrolment_id))

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
    version: int = 0        # of the stored record (0: none)
    token: str = ""         # the hidden field: the version and value this page shows (trainingweek.versioning)
    current: str = ""       # after a conflict: the value someone else stored meanwhile

    def __post_init__(self):
        self.token = self.token or versioning.token(self.version, self.status, self.hours_text)

    @property
    def day_key(self) -> str:
        """The day in the grid's field names (``s_<enrolment>_20201111``)."""
        return f"{self.day:%Y%m%d}"

    @property
    def day_iso(self) -> str:
        return self.day.isoformat()

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


def last_days(enrolment_ids: Iterable[int], *, programme: Programme | None = None) -> dict[int, date]:
    """The last day of each of these students who left (a departure in effect). One query.

    With ``programme`` (the students' own) it reads the programme's departures,
    a few, and keeps these students' in Python: for a whole programme that is
    cheaper than an IN list of thousands of ids."""
    if programme is None:
        return dict(Departure.objects.filter(enrolment_id__in=list(enrolment_ids), status=Departure.Status.DONE)
                    .values_list("enrolment_id", "last_day"))
    wanted = set(enrolment_ids)
    return {e: day for e, day in Departure.objects.filter(enrolment__programme=programme, status=Departure.Status.DONE)
            .values_list("enrolment_id", "last_day") if e in wanted}


def team_enrolments(team: Team, first: date) -> list[Enrolment]:
    """The team's students to record for a period starting ``first``: the active
    ones, and those who left on or after ``first`` (their last days still count),
    without their personal data (the week shows names and classes)."""
    # ``left_on``: the last day of a departure in effect (None: still here).
    departed = Departure.objects.filter(enrolment=OuterRef("pk"), status=Departure.Status.DONE)
    return list(without_personal_data(
        Enrolment.objects.filter(team=team)
        .annotate(left_on=Subquery(departed.values("last_day")[:1]))
        .filter(Q(status=Enrolment.Status.ACTIVE) | Q(left_on__gte=first))
        .select_related("student", "school_class"), "student",
    ).order_by("school_class__name", "student__student_number"))


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
        .only("enrolment", "day", "status", "online_hours", "is_truancy", "version")
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
                bool(record and record.is_truancy), rules.recordable_day(d, last_day=e.left_on),
                version=record.version if record else 0,
            ))
        rows.append(AttendanceRow(e, cells, online, overtime, e.left_on))
    return rows


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
    if enrolment_ids is None:
        qs = Attendance.objects.filter(programme=programme)
    else:
        # Through the students' own (enrolment, day) index: the rows of these
        # students, not every row of the programme in the period (which the
        # (programme, day) index would hand SQLite's planner). The programme is
        # checked on each row read (its column plus 0: no index offers it), not by
        # a join to the enrolments (a hash of the programme's 10,000 on PostgreSQL).
        qs = Attendance.objects.filter(enrolment_id__in=list(enrolment_ids)).alias(
            of_programme=F("programme_id") + 0).filter(of_programme=programme.pk)
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


def programme_attrition(programme: Programme) -> rules.Attrition:
    """The programme's attrition against the school's promise (one aggregate, one look-up)."""
    figures = Enrolment.objects.filter(programme=programme).aggregate(
        enrolled=Count("id"),
        withdrawn=Count("id", filter=Q(status=Enrolment.Status.WITHDRAWN)),
        dismissed=Count("id", filter=Q(status=Enrolment.Status.DISMISSED)),
    )
    promise = RosterPlan.objects.filter(programme=programme).values_list("attrition_promise", flat=True).first()
    return rules.attrition(promise=promise if promise is not None else Decimal("5"), **figures)


# --------------------------------------------------------------------------- leave and departures
def leave_requests(programme: Programme, enrolments) -> list[LeaveRequest]:
    """The programme's leave requests of these enrolments (a queryset or ids), newest first."""
    return list(
        LeaveRequest.objects.filter(programme=programme, enrolment__in=enrolments)
        .select_related("enrolment__student", "enrolment__school_class", "enrolment__team", "requested_by",
                        "mentor_decided_by", "school_decided_by")
    )


def departures(programme: Programme, enrolments) -> list[Departure]:
    """The programme's withdrawals and dismissals of these enrolments (a queryset or ids), newest first."""
    return list(
        Departure.objects.filter(programme=programme, enrolment__in=enrolments)
        .select_related("enrolment__student", "enrolment__school_class", "requested_by",
                        "school_decided_by", "company_decided_by")
    )


# --------------------------------------------------------------------------- the inbox
def leave_waiting(user, status: str) -> list[tuple[Programme, int]]:
    """Per programme, the leave requests in ``status`` among the students the
    user sees (a mentor: their teams'). One query."""
    return count_by_programme(LeaveRequest.objects.filter(enrolment__in=enrolments_seen_by(user), status=status))


def departures_for_school(user) -> list[tuple[Programme, int]]:
    """Per programme, the departures waiting for the school's step: a pending
    withdrawal the school has not decided, a dismissal not yet acknowledged
    (``rules.departure_side``). One query."""
    undecided = Q(school_decided_at__isnull=True)
    waiting = (Q(kind=Departure.Kind.WITHDRAWAL, status=Departure.Status.PENDING)
               | Q(kind=Departure.Kind.DISMISSAL, status=Departure.Status.DONE))
    return count_by_programme(Departure.objects.filter(enrolment__in=enrolments_seen_by(user)).filter(undecided & waiting))


@dataclass(frozen=True)
class TeamDay:
    """A team with students whose attendance of the day is not recorded yet."""

    programme_id: int
    programme_name: str
    team_id: int
    team_name: str
    missing: int


def attendance_not_recorded(user, day: date) -> list[TeamDay]:
    """Per team the user sees, the active students without an attendance
    record on ``day``, in programmes with a phase covering that day (every
    day of a phase gets a status, rest days included). One query."""
    running = Phase.objects.filter(start__lte=day, end__gte=day).values("programme")
    recorded = Attendance.objects.filter(enrolment=OuterRef("pk"), day=day)
    rows = (enrolments_seen_by(user).filter(status=Enrolment.Status.ACTIVE, team__isnull=False,
                                            programme__in=running)
            .filter(~Exists(recorded)).order_by()
            .values("programme", "programme__name", "team", "team__name").annotate(n=Count("pk", distinct=True)))
    found = [TeamDay(r["programme"], r["programme__name"], r["team"], r["team__name"], r["n"]) for r in rows]
    return sorted(found, key=lambda t: (t.programme_name, t.team_name, t.team_id))


def platform_figures(programme: Programme, enrolment_ids: Iterable[int], start: date | None,
                     end: date | None) -> list[tuple[int, date, int | None, Decimal | None]]:
    """``(enrolment_id, day, customers_served, response_seconds)`` of the days
    holding either platform figure, ``start``/``end`` inclusive (None: open); one query."""
    qs = Attendance.objects.filter(programme=programme, enrolment_id__in=list(enrolment_ids)).filter(
        Q(customers_served__isnull=False) | Q(response_seconds__isnull=False))
    if start is not None:
        qs = qs.filter(day__gte=start)
    if end is not None:
        qs = qs.filter(day__lte=end)
    return list(qs.values_list("enrolment_id", "day", "customers_served", "response_seconds"))
