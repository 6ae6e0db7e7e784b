"""Writes of the rosters: the plan, generating and editing the roster, students' own cells."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from programs.agreements.models import Programme
from programs.rosters import rules
from programs.rosters.models import (
    CellKind,
    RosterEntry,
    RosterPlan,
    RosterSpecialDay,
    ScheduleOverride,
)
from programs.rosters.selectors import phase_ranges, roster_span, rotation_for, schedule_cells
from programs.students.models import Enrolment, Team


class RosterError(Exception):
    """A refusal whose message is meant for the user (already translated)."""


def ensure_plan(*, programme: Programme) -> RosterPlan:
    """The programme's roster rules, created with the defaults when it has none yet."""
    plan, _created = RosterPlan.objects.select_related("first_shift", "second_shift").get_or_create(programme=programme)
    return plan


def parse_cell_value(value: str, shift_ids: set[int]) -> rules.Cell | None:
    """A cell from its form value; None for an empty value. Unknown values raise RosterError."""
    value = (value or "").strip()
    if not value:
        return None
    if value.startswith("shift:"):
        raw = value[6:]
        if raw.isdigit() and int(raw) in shift_ids:
            return rules.Cell(CellKind.SHIFT, int(raw))
    elif value in CellKind.values and value != CellKind.SHIFT:
        return rules.Cell(value)
    raise RosterError(_("Unknown roster value: %(value)s") % {"value": value})


# --------------------------------------------------------------------------- generation and editing
@transaction.atomic
def save_plan(*, plan: RosterPlan, special_days: list[tuple[date, rules.Cell]]) -> RosterPlan:
    """Save the roster rules and replace the special days (both already validated)."""
    plan.save()
    plan.special_days.all().delete()
    RosterSpecialDay.objects.bulk_create(
        RosterSpecialDay(plan=plan, day=day, kind=cell.kind, shift_id=cell.shift) for day, cell in special_days
    )
    return plan


@transaction.atomic
def generate_roster(*, programme: Programme) -> int:
    """Replace the programme's roster with one generated from its phases and rules.

    Every class gets a cell for every day of the roster span (see
    ``rules.generate_roster`` for precedence). Cells edited by hand are
    replaced too; student overrides stay. Returns the number of cells.
    """
    plan = ensure_plan(programme=programme)
    phases = phase_ranges(programme)
    span = roster_span(plan, phases)
    if span is None:
        raise RosterError(_("The programme has no phases yet, so there is no roster period."))
    classes = list(programme.classes.order_by("name").values_list("pk", flat=True))
    if not classes:
        raise RosterError(_("The programme has no classes yet."))
    specials = {s.day: s.cell() for s in plan.special_days.all()}
    cells = rules.generate_roster(rules.days_between(*span), classes, phases, rotation_for(plan, phases), specials)
    RosterEntry.objects.filter(programme=programme).delete()
    RosterEntry.objects.bulk_create(
        [RosterEntry(programme=programme, school_class_id=c, day=d, kind=cell.kind, shift_id=cell.shift)
         for (c, d), cell in cells.items()],
        batch_size=2000,
    )
    return len(cells)


@transaction.atomic
def save_roster_cells(*, programme: Programme, values: dict[tuple[int, date], str]) -> int:
    """Save edited roster cells in one go; returns how many changed.

    ``values`` maps (class id, day) to a form value (``shift:<id>``, ``rest``
    ...). Classes of other programmes are ignored (a forged form touches
    nothing); an unknown value refuses the whole save.
    """
    class_ids = set(programme.classes.values_list("pk", flat=True))
    shift_ids = set(programme.shift_templates.values_list("pk", flat=True))
    wanted = {}
    for (class_id, day), value in values.items():
        if class_id not in class_ids:
            continue
        cell = parse_cell_value(value, shift_ids)
        if cell is not None:
            wanted[(class_id, day)] = cell
    if not wanted:
        return 0
    days = [d for _, d in wanted]
    existing = {
        (e.school_class_id, e.day): e
        for e in RosterEntry.objects.filter(programme=programme, day__gte=min(days), day__lte=max(days))
    }
    changed, created = [], []
    for (class_id, day), cell in wanted.items():
        entry = existing.get((class_id, day))
        if entry is None:
            created.append(RosterEntry(programme=programme, school_class_id=class_id, day=day,
                                       kind=cell.kind, shift_id=cell.shift))
        elif entry.cell() != cell:
            entry.kind, entry.shift_id = cell.kind, cell.shift
            changed.append(entry)
    RosterEntry.objects.bulk_update(changed, ["kind", "shift"], batch_size=1000)
    RosterEntry.objects.bulk_create(created, batch_size=1000)
    return len(changed) + len(created)


# --------------------------------------------------------------------------- the grid


# --------------------------------------------------------------------------- student schedules


@transaction.atomic
def save_overrides(*, programme: Programme, team: Team, values: dict[tuple[int, date], str]) -> int:
    """Set or clear students' own cells; an empty value follows the class again.

    Only active students of ``team`` are touched. An override equal to the
    class's cell is dropped (it would change nothing). Returns the number of
    cells that changed.
    """
    shift_ids = set(programme.shift_templates.values_list("pk", flat=True))
    enrolments = {e.pk: e for e in Enrolment.objects.filter(team=team, status=Enrolment.Status.ACTIVE)}
    wanted = {(e, d): parse_cell_value(v, shift_ids) for (e, d), v in values.items() if e in enrolments}
    if not wanted:
        return 0
    days = [d for _, d in wanted]
    class_cells, existing_cells = schedule_cells(programme, list(enrolments.values()), min(days), max(days))
    existing = {
        (o.enrolment_id, o.day): o
        for o in ScheduleOverride.objects.filter(enrolment__in=list(enrolments), day__gte=min(days), day__lte=max(days))
    }
    to_delete, to_update, to_create = [], [], []
    for (e, d), cell in wanted.items():
        if cell is not None and cell == class_cells.get((enrolments[e].school_class_id, d)):
            cell = None
        current = existing.get((e, d))
        if cell is None:
            if current is not None:
                to_delete.append(current.pk)
        elif current is None:
            to_create.append(ScheduleOverride(programme=programme, enrolment_id=e, day=d, kind=cell.kind, shift_id=cell.shift))
        elif current.cell() != cell:
            current.kind, current.shift_id = cell.kind, cell.shift
            to_update.append(current)
    ScheduleOverride.objects.filter(pk__in=to_delete).delete()
    ScheduleOverride.objects.bulk_update(to_update, ["kind", "shift"], batch_size=1000)
    ScheduleOverride.objects.bulk_create(to_create, batch_size=1000)
    return len(to_delete) + len(to_update) + len(to_create)


@transaction.atomic
def spread_rest_days(*, programme: Programme, team: Team, first: date, last: date) -> int:
    """Give every active student of the team one rest day a week in the period.

    Only full Monday–Sunday weeks; never on a training or peak day or on a
    day the student's class does not work a shift (``rules.rotate_rest_days``).
    Earlier rest overrides of the team in the period are replaced. Returns
    the number of rest days set.
    """
    shifts = {s.pk: s.spec() for s in programme.shift_templates.all()}
    phases = phase_ranges(programme)
    enrolments = list(Enrolment.objects.filter(team=team, status=Enrolment.Status.ACTIVE)
                      .order_by("school_class__name", "student__student_number"))
    class_cells, _ = schedule_cells(programme, enrolments, first, last)
    peaks = rules.peak_days(class_cells, shifts)
    days = rules.days_between(first, last)
    ScheduleOverride.objects.filter(
        enrolment__in=enrolments, day__gte=first, day__lte=last, kind=CellKind.REST
    ).delete()
    by_class: dict[int, list[Enrolment]] = defaultdict(list)
    for e in enrolments:
        by_class[e.school_class_id].append(e)
    created = []
    for class_id, members in by_class.items():
        blocked = {d for d in days if d in peaks or rules.phase_on(d, phases) in rules.NO_REST_PHASES
                   or (class_cells.get((class_id, d)) or rules.Cell(CellKind.TBD)).kind != CellKind.SHIFT}
        for key, rest in rules.rotate_rest_days([e.pk for e in members], days, blocked).items():
            created += [ScheduleOverride(programme=programme, enrolment_id=key, day=d, kind=CellKind.REST) for d in rest]
    # A student's other changes (a different shift on a day) are kept.
    existing = set(ScheduleOverride.objects.filter(enrolment__in=enrolments, day__gte=first, day__lte=last)
                   .values_list("enrolment_id", "day"))
    created = [o for o in created if (o.enrolment_id, o.day) not in existing]
    ScheduleOverride.objects.bulk_create(created, batch_size=1000)
    return len(created)
