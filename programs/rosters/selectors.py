"""Reads of the rosters: the plan, the roster grid, students' schedules (no writes)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q
from django.utils import formats
from django.utils.translation import gettext as _

from programs.agreements.models import Phase, Programme
from programs.rosters import rules
from programs.rosters.models import (
    CellKind,
    RosterEntry,
    RosterPlan,
    ScheduleOverride,
    ShiftTemplate,
)
from programs.students.models import Enrolment, SchoolClass, Team

WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]


def get_plan(programme: Programme) -> RosterPlan:
    """The programme's roster rules; the defaults (unsaved) when it has none yet. Never writes."""
    plan = RosterPlan.objects.select_related("first_shift", "second_shift").filter(programme=programme).first()
    return plan if plan is not None else RosterPlan(programme=programme)


def phase_ranges(programme: Programme) -> list[rules.PhaseRange]:
    """The programme's phases as plain values for the roster rules, in date order."""
    return [rules.PhaseRange(k, s, e) for k, s, e in programme.phases.order_by("start").values_list("kind", "start", "end")]


def roster_span(plan: RosterPlan, phases: list[rules.PhaseRange]) -> tuple[date, date] | None:
    """First and last day of the roster: the plan's dates, else the phases' span."""
    first = plan.first_day or (min(p.start for p in phases) if phases else None)
    last = plan.last_day or (max(p.end for p in phases) if phases else None)
    if first is None or last is None or last < first:
        return None
    return first, last


def rotation_for(plan: RosterPlan, phases: list[rules.PhaseRange]) -> rules.Rotation | None:
    """The plan's rotation as a rule value, starting on its own start day or the first day of customer service; None without a pattern."""
    pattern = plan.rotation_pattern()
    if not pattern:
        return None
    start = plan.rotation_start or next(
        (p.start for p in phases if p.kind in (Phase.Kind.PRACTICE, Phase.Kind.PRE_SALE, Phase.Kind.AFTER_SALE)), None
    )
    if start is None:
        return None
    return rules.Rotation(start, pattern, plan.rotation_days or 7)


def cell_value(cell: rules.Cell | None) -> str:
    """The form value of a cell: ``shift:<id>`` or the kind."""
    if cell is None:
        return ""
    return f"shift:{cell.shift}" if cell.kind == CellKind.SHIFT else cell.kind


def cell_choices(shifts: list[ShiftTemplate]) -> list[tuple[str, str]]:
    """Options of a roster cell: the shifts first, then the other kinds."""
    choices = [(f"shift:{s.pk}", s.cell_text) for s in shifts]
    choices += [(k, str(label)) for k, label in CellKind.choices if k != CellKind.SHIFT]
    return choices


def cell_text(cell: rules.Cell | None, shifts_by_id: dict[int, ShiftTemplate]) -> str:
    """What a cell shows: the shift's cell text (早) or the kind's label (强化培训)."""
    if cell is None:
        return ""
    if cell.kind == CellKind.SHIFT:
        shift = shifts_by_id.get(cell.shift)
        return shift.cell_text if shift else "?"
    return str(CellKind(cell.kind).label)


@dataclass
class GridCell:
    school_class: SchoolClass
    cell: rules.Cell | None
    value: str
    text: str
    warnings: list[str] = field(default_factory=list)


@dataclass
class GridDay:
    day: date
    weekday: str
    week: int
    week_starts: bool
    cells: list[GridCell]
    headcount: int
    phase: str


@dataclass
class RosterGrid:
    plan: RosterPlan
    classes: list[SchoolClass]
    shifts: list[ShiftTemplate]
    days: list[GridDay]
    warnings: list[str]
    choices: list[tuple[str, str]]
    working_days: dict[int, int]


def warning_text(w: rules.RosterWarning, class_names: dict, student_names: dict) -> str:
    """A roster warning in words, with class and student names in place of ids."""
    day = formats.date_format(w.day, "SHORT_DATE_FORMAT")
    if w.code == "short_day":
        return _("%(subject)s: %(day)s is a shift of %(hours)s paid hours, under the minimum.") % {
            "subject": class_names.get(w.subject, w.subject), "day": day, "hours": w.hours}
    if w.code == "short_week":
        return _("%(subject)s: the week from %(day)s has %(hours)s hours, under the minimum.") % {
            "subject": class_names.get(w.subject, w.subject), "day": day, "hours": w.hours}
    name = student_names.get(w.subject, w.subject) if w.is_student else class_names.get(w.subject, w.subject)
    return _("%(subject)s: rest on %(day)s, a training or peak day.") % {"subject": name, "day": day}


def roster_grid(programme: Programme) -> RosterGrid:
    """The roster as days × classes, with weekday, week number, headcount and warnings.

    Headcount counts active students: the class size on working days,
    corrected by each student's own schedule changes.
    """
    plan = get_plan(programme)
    phases = phase_ranges(programme)
    shifts = list(programme.shift_templates.all())
    shifts_by_id = {s.pk: s for s in shifts}
    classes = list(programme.classes.annotate(
        size=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.ACTIVE))
    ).order_by("name"))
    cells = {(e.school_class_id, e.day): e.cell()
             for e in RosterEntry.objects.filter(programme=programme).only("school_class", "day", "kind", "shift")}
    overrides = list(
        ScheduleOverride.objects.filter(programme=programme, enrolment__status=Enrolment.Status.ACTIVE)
        .values_list("enrolment_id", "enrolment__school_class_id", "enrolment__student__name", "day", "kind", "shift_id")
    )
    counts = rules.headcount_by_day(
        cells, {c.pk: c.size for c in classes}, [(cls, d, rules.Cell(k, s)) for _, cls, _, d, k, s in overrides]
    )
    found = rules.roster_warnings(
        cells, {s.pk: s.spec() for s in shifts}, phases,
        min_day_hours=plan.min_day_hours, min_week_hours=plan.min_week_hours,
        training_day_hours=plan.training_day_hours,
        student_overrides=[(e, d, rules.Cell(k, s)) for e, _, _, d, k, s in overrides],
    )
    class_names = {c.pk: c.name for c in classes}
    student_names = {e: name for e, _, name, *_ in overrides}
    flagged: dict[tuple, list[str]] = defaultdict(list)
    for w in found:
        if not w.is_student:
            flagged[(w.subject, w.day)].append(w.code)
    days = sorted({d for _, d in cells})
    first = days[0] if days else None
    phase_labels = dict(Phase.Kind.choices)
    grid_days, previous_week = [], None
    for day in days:
        week = rules.week_number(day, first)
        row = []
        for c in classes:
            cell = cells.get((c.pk, day))
            row.append(GridCell(c, cell, cell_value(cell), cell_text(cell, shifts_by_id), flagged.get((c.pk, day), [])))
        phase = rules.phase_on(day, phases)
        grid_days.append(GridDay(day, WEEKDAYS[day.weekday()], week, week != previous_week, row,
                                 counts.get(day, 0), str(phase_labels.get(phase, ""))))
        previous_week = week
    working = {c.pk: sum(1 for d in days if (cell := cells.get((c.pk, d))) and cell.is_working) for c in classes}
    return RosterGrid(plan, classes, shifts, grid_days,
                      [warning_text(w, class_names, student_names) for w in found], cell_choices(shifts), working)


def schedule_cells(
    programme: Programme, enrolments: list[Enrolment], first: date, last: date
) -> tuple[dict[tuple[int, date], rules.Cell], dict[tuple[int, date], rules.Cell]]:
    """Class cells keyed (class id, day) and overrides keyed (enrolment id, day) for a period.

    Two queries, whatever the number of students.
    """
    class_ids = {e.school_class_id for e in enrolments}
    class_cells = {
        (e.school_class_id, e.day): e.cell()
        for e in RosterEntry.objects.filter(school_class_id__in=class_ids, day__gte=first, day__lte=last)
        .only("school_class", "day", "kind", "shift")
    }
    overrides = {
        (o.enrolment_id, o.day): o.cell()
        for o in ScheduleOverride.objects.filter(programme=programme, enrolment__in=[e.pk for e in enrolments],
                                                 day__gte=first, day__lte=last)
        .only("enrolment", "day", "kind", "shift")
    }
    return class_cells, overrides


@dataclass
class ScheduleCell:
    day: date
    base: rules.Cell | None      # the class's cell
    own: rules.Cell | None       # the student's override
    value: str                   # the override's form value ("" follows the class)
    text: str                    # what the student does
    base_text: str               # what the class does


@dataclass
class ScheduleRow:
    enrolment: Enrolment
    cells: list[ScheduleCell]
    rest_days: int


def schedule_grid(programme: Programme, team: Team, days: list[date]) -> tuple[list[ScheduleRow], list[ShiftTemplate]]:
    """Each active student of a team with their own cell per day (class cell or their override)."""
    shifts = list(programme.shift_templates.all())
    shifts_by_id = {s.pk: s for s in shifts}
    enrolments = list(
        Enrolment.objects.filter(team=team, status=Enrolment.Status.ACTIVE)
        .select_related("student", "school_class").order_by("school_class__name", "student__student_number")
    )
    if not days:
        return [], shifts
    class_cells, overrides = schedule_cells(programme, enrolments, days[0], days[-1])
    rows = []
    for e in enrolments:
        cells = []
        for d in days:
            base, own = class_cells.get((e.school_class_id, d)), overrides.get((e.pk, d))
            mine = rules.student_cell(base, own)
            cells.append(ScheduleCell(d, base, own, cell_value(own), cell_text(mine, shifts_by_id),
                                      cell_text(base, shifts_by_id)))
        rows.append(ScheduleRow(e, cells, sum(1 for c in cells if (c.own or c.base) and (c.own or c.base).kind == CellKind.REST)))
    return rows, shifts

