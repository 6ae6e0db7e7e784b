"""The attendance save's many-row writes (trainingweek.bulk) keep the grid's
guarantees: a save that writes regardless still moves every version, so a
grid loaded before it reports a conflict instead of overwriting; a cell
created by someone else between the read and the write is a conflict too,
whether the insert went through COPY or not. Each test runs with the staging
table (COPY on PostgreSQL) and with the prepared statement."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from programs.attendance import selectors
from programs.attendance import services as svc
from programs.attendance.models import Attendance
from programs.attendance.selectors import DayContext
from programs.attendance.services import AttendanceInput as In
from trainingweek import bulk

D = Decimal
MON = date(2020, 11, 9)
DAYS = [MON + timedelta(d) for d in range(7)]


@pytest.fixture(params=[1, 10**9], ids=["staged", "prepared"])
def copy_from(request, monkeypatch):
    monkeypatch.setattr(bulk, "UPSERT_COPY_FROM", request.param)
    return request.param


def save(world, entries, user=None):
    return svc.record_attendance(programme=world.programme, enrolments=selectors.team_enrolments(world.team_a, MON),
                                 entries=entries, user=user or world.mentor_a)


EIGHT_HALF = D("8.50")


def week(world, status="present", hours=EIGHT_HALF):
    return [In(e.pk, d, status, hours) for e in world.enrolments_a for d in DAYS]


def test_a_blind_save_writes_every_cell_derives_its_day_and_moves_versions(world, rostered, copy_from):
    assert save(world, week(world)).saved == 21
    first = {(a.enrolment_id, a.day): a for a in Attendance.objects.all()}
    assert len(first) == 21 and {a.version for a in first.values()} == {1}
    assert {(a.status, a.online_hours, a.recorded_by_id) for a in first.values()} == {
        ("present", D("8.50"), world.mentor_a.pk)}
    context = DayContext(world.programme, world.enrolments_a, DAYS[0], DAYS[-1])
    for (enrolment_id, day), a in first.items():
        assert (a.day_kind, a.shift_id, a.is_truancy) == context.classify(enrolment_id, day, "present")
        assert a.programme_id == world.programme.pk
    assert len({a.day_kind for a in first.values()}) > 1 and any(a.shift_id for a in first.values())
    again = save(world, week(world, "late", None), user=world.admin)
    assert again.saved == 21
    second = {(a.enrolment_id, a.day): a for a in Attendance.objects.all()}
    assert second.keys() == first.keys()
    for key, row in second.items():
        assert (row.pk, row.version, row.status, row.online_hours, row.recorded_by_id) == (
            first[key].pk, 2, "late", None, world.admin.pk)


def test_a_grid_loaded_before_a_blind_save_loses_nothing(world, rostered, copy_from):
    a0 = world.enrolments_a[0]
    save(world, week(world))
    shown = Attendance.objects.get(enrolment=a0, day=MON)
    loaded = svc.Loaded(shown.version, (shown.status, shown.online_hours))
    save(world, week(world, "absent", None), user=world.admin)  # writes regardless, after the grid was loaded
    result = save(world, [In(a0.pk, MON, "late", D("7"), loaded=loaded)])
    assert result.saved == 0 and [c.current for c in result.conflicts] == [("absent", None)]
    assert Attendance.objects.get(enrolment=a0, day=MON).status == "absent"


def test_a_cell_created_between_the_read_and_the_write_is_a_conflict(world, rostered, copy_from, monkeypatch):
    """The versioned insert of new cells fails on the unique day (an
    IntegrityError from COPY as from INSERT); the save then writes cell by
    cell and reports the one taken, keeping the others."""
    a0, a1, _a2 = world.enrolments_a
    save(world, [In(a0.pk, MON, "absent", None)], user=world.admin)  # someone else's, unseen by the read below
    real, reads = svc._stored, []

    def first_read_misses_it(programme, keys):
        reads.append(keys)
        return {} if len(reads) == 1 else real(programme, keys)

    monkeypatch.setattr(svc, "_stored", first_read_misses_it)
    one_by_one, write_cell = [], svc._write_cell
    monkeypatch.setattr(svc, "_write_cell", lambda *args: one_by_one.append(args) or write_cell(*args))
    result = save(world, [In(a0.pk, MON, "present", D("8"), loaded=svc.Loaded(0, svc.EMPTY)),
                          In(a1.pk, MON, "present", D("8"), loaded=svc.Loaded(0, svc.EMPTY))])
    assert len(one_by_one) == 2  # the bulk insert was refused as a whole, then each cell was tried
    assert result.saved == 1 and [(c.enrolment_id, c.current) for c in result.conflicts] == [(a0.pk, ("absent", None))]
    assert Attendance.objects.get(enrolment=a0, day=MON).status == "absent"
    assert Attendance.objects.get(enrolment=a1, day=MON).status == "present"
