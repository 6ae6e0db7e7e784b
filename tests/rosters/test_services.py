"""Roster services: generation, cell edits, grid, Excel export, student schedules."""

import io
from datetime import date

import openpyxl
import pytest

from programs.rosters import exports, selectors
from programs.rosters import services as svc
from programs.rosters.models import CellKind, RosterEntry, ScheduleOverride
from programs.students.models import Enrolment

from .test_rules import SEED_2020


def seed_cells(shifts):
    by_text = {"强化培训": (CellKind.INTENSIVE, None), "待定": (CellKind.TBD, None),
               "早": (CellKind.SHIFT, shifts.morning.pk), "晚": (CellKind.SHIFT, shifts.evening.pk),
               "7:00-02:00": (CellKind.SHIFT, shifts.peak.pk), "7:00-24:00": (CellKind.SHIFT, shifts.peak24.pk)}
    expected = {}
    for line in SEED_2020.strip().splitlines():
        md, c1, c2 = line.split()
        day = date(2020, int(md[:2]), int(md[3:]))
        expected[("19电商1班", day)] = by_text[c1]
        expected[("19电商2班", day)] = by_text[c2]
    return expected


def test_generate_reproduces_the_2020_schedule(world, shifts):
    assert svc.generate_roster(programme=world.programme) == 2 * 30
    stored = {(e.school_class.name, e.day): (e.kind, e.shift_id)
              for e in RosterEntry.objects.filter(programme=world.programme).select_related("school_class")}
    assert stored == seed_cells(shifts)
    # Generating again replaces, never duplicates.
    svc.generate_roster(programme=world.programme)
    assert RosterEntry.objects.filter(programme=world.programme).count() == 60


def test_generate_needs_phases_and_classes(world):
    world.programme.phases.all().delete()
    with pytest.raises(svc.RosterError):
        svc.generate_roster(programme=world.programme)


def test_save_cells_changes_only_what_differs_and_ignores_other_programmes(world, rostered):
    day = date(2020, 10, 27)
    n = svc.save_roster_cells(programme=world.programme, values={
        (world.class_a.pk, day): "rest",
        (world.class_b.pk, day): f"shift:{rostered.evening.pk}",   # unchanged
        (999999, day): "rest",                                      # not this programme's class
    })
    assert n == 1
    assert RosterEntry.objects.get(school_class=world.class_a, day=day).kind == CellKind.REST
    with pytest.raises(svc.RosterError):
        svc.save_roster_cells(programme=world.programme, values={(world.class_a.pk, day): "shift:424242"})


def test_grid_headcount_week_numbers_and_warnings(world, rostered):
    e = world.enrolments_a[0]
    ScheduleOverride.objects.create(programme=world.programme, enrolment=e, day=date(2020, 10, 28), kind=CellKind.REST)
    ScheduleOverride.objects.create(programme=world.programme, enrolment=e, day=date(2020, 10, 24), kind=CellKind.REST)
    Enrolment.objects.filter(pk=world.enrolments_b[0].pk).update(status=Enrolment.Status.WITHDRAWN)
    grid = selectors.roster_grid(world.programme)
    by_day = {d.day: d for d in grid.days}
    assert by_day[date(2020, 10, 24)].weekday == "周六" and by_day[date(2020, 10, 24)].week == 1
    assert by_day[date(2020, 10, 26)].week == 2 and by_day[date(2020, 10, 26)].week_starts
    assert [c.text for c in by_day[date(2020, 10, 26)].cells] == ["早", "晚"]
    assert [c.text for c in by_day[date(2020, 11, 10)].cells] == ["7:00-02:00", "7:00-02:00"]
    assert by_day[date(2020, 10, 27)].headcount == 5          # 3 + 2 active
    assert by_day[date(2020, 10, 28)].headcount == 4          # one resting
    assert by_day[date(2020, 11, 1)].headcount == 0           # undecided
    assert "short_day" in by_day[date(2020, 10, 26)].cells[1].warnings   # evening 5.5 h
    assert any("10-24" in w or "10/24" in w or "2020" in w for w in grid.warnings)
    assert any(e.student.name in w for w in grid.warnings)    # the student's rest on an intensive day
    assert grid.working_days[world.class_a.pk] == 30 - 2      # two undecided days


def test_grid_queries_do_not_grow_with_students(world, rostered, django_assert_max_num_queries):
    from .conftest import add_students

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        with CaptureQueriesContext(connection) as ctx:
            selectors.roster_grid(world.programme)
        return len(ctx)

    add_students(world, world.team_a, world.class_a, 5)
    small = count()
    add_students(world, world.team_a, world.class_a, 15)
    assert count() == small


def test_export_has_the_seed_shape_and_writes_text_safely(world, rostered):
    world.class_b.name = "=HYPERLINK(\"x\")"
    world.class_b.save()
    data = exports.export_roster_xlsx(world.programme)
    ws = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == f"{world.programme} roster"
    assert rows[1][3:5] == ("19电商1班", "=HYPERLINK(\"x\")")
    assert rows[2][1].date() == date(2020, 10, 24) and rows[2][3] == "Intensive training"
    assert rows[2][0] == "Week 1" and rows[4][0] == "Week 2" and rows[5][0] is None
    assert rows[4][2] == "周一" and rows[4][3:6] == ("早", "晚", 6)
    assert rows[-1][3:5] == (28, 28)
    # The formula-looking class name is a string cell, not a formula.
    wb = openpyxl.load_workbook(io.BytesIO(data))
    cell = wb.active.cell(row=2, column=5)
    assert cell.data_type == "s"
    assert wb.active.freeze_panes == "A3"  # the header, under the title, stays in view
    assert wb.active.cell(row=3, column=2).number_format == 'm"月"d"日"'
    assert wb.active.column_dimensions["A"].width == 10


def test_overrides_and_rest_rotation(world, rostered):
    team = world.team_a
    a0, a1, a2 = world.enrolments_a
    day = date(2020, 11, 16)
    n = svc.save_overrides(programme=world.programme, team=team, values={
        (a0.pk, day): "rest",
        (a1.pk, day): f"shift:{rostered.evening.pk}",     # class 1 is on evening that day: same as the class
        (world.enrolments_b[0].pk, day): "rest",          # another team: ignored
    })
    assert n == 1
    assert list(ScheduleOverride.objects.values_list("enrolment_id", "day", "kind")) == [(a0.pk, day, "rest")]
    assert svc.save_overrides(programme=world.programme, team=team, values={(a0.pk, day): ""}) == 1
    assert not ScheduleOverride.objects.exists()

    created = svc.spread_rest_days(programme=world.programme, team=team, first=date(2020, 11, 9), last=date(2020, 11, 22))
    rest = sorted(ScheduleOverride.objects.values_list("enrolment_id", "day"))
    assert created == 6 == len(rest)  # 3 students × 2 full weeks
    days = {d for _, d in rest}
    assert not days & {date(2020, 11, 10), date(2020, 11, 11)}   # never on peak days
    assert len({(e, d.isocalendar()[1]) for e, d in rest}) == 6  # one per student per week
    week = [date(2020, 11, 16 + n) for n in range(7)]
    rows, _ = selectors.schedule_grid(world.programme, team, week)
    assert [r.rest_days for r in rows] == [1, 1, 1]
    texts = [[c.text for c in r.cells] for r in rows]
    assert all(t.count("Rest") == 1 and t.count("晚") == 6 for t in texts)  # class 1 is on evenings that week
    # Spreading again replaces the rest days rather than adding more.
    assert svc.spread_rest_days(programme=world.programme, team=team, first=date(2020, 11, 9), last=date(2020, 11, 22)) == 6
    assert ScheduleOverride.objects.count() == 6


def test_roster_cells_share_one_definition_and_validation(world, shifts):
    """A class's cell and a student's own cell are the same fields with the same rule."""
    from django.core.exceptions import ValidationError

    from programs.rosters.models import RosterCell

    assert issubclass(RosterEntry, RosterCell) and issubclass(ScheduleOverride, RosterCell)
    day = date(2020, 11, 9)
    cells = [RosterEntry(programme=world.programme, school_class=world.class_a, day=day, kind=CellKind.SHIFT),
             ScheduleOverride(programme=world.programme, enrolment=world.enrolments_a[0], day=day,
                              kind=CellKind.REST, shift=shifts.morning)]
    for bad in cells:
        with pytest.raises(ValidationError) as caught:
            bad.full_clean()
        assert "shift" in caught.value.message_dict
    ok = RosterEntry(programme=world.programme, school_class=world.class_a, day=day, kind=CellKind.SHIFT,
                     shift=shifts.morning)
    ok.full_clean()
    assert ok.cell().shift == shifts.morning.pk
