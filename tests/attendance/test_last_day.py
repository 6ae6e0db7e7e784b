"""A student who left is not recorded or paid after the last day, whoever writes:
the grid, the service, the online-hours import; and the statement pays no such day."""

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.urls import reverse

from programs.attendance import imports, rules, selectors
from programs.attendance import services as svc
from programs.attendance.models import Attendance
from programs.attendance.services import AttendanceInput as In

SAMPLE = Path(__file__).parent / "data" / "online_hours_example.csv"
LAST = date(2020, 10, 30)
# 10-29 and 10-30 are before or on the last day; the five days after are not.
DAYS = [LAST - timedelta(days=1), LAST] + [LAST + timedelta(days=n) for n in range(1, 6)]
AFTER = DAYS[2:]


def dismissed(world):
    """The first student of team A, dismissed by the company with last day 10-30."""
    student = world.enrolments_a[0]
    svc.dismiss(programme=world.programme, enrolment=student, last_day=LAST, reason="四级差错", user=world.mentor_a)
    student.refresh_from_db()
    return student


def recorded_after(student):
    return list(Attendance.objects.filter(enrolment=student, day__gt=LAST).values_list("day", flat=True))


# ---------------------------------------------------------------- the rule
def test_recordable_day_worked_examples():
    assert rules.recordable_day(date(2020, 10, 30), last_day=LAST)
    assert not rules.recordable_day(date(2020, 10, 31), last_day=LAST)
    assert rules.recordable_day(date(2020, 12, 31), last_day=None)  # not left
    assert rules.days_after_last_day(DAYS[::-1], last_day=LAST) == AFTER
    assert rules.days_after_last_day(DAYS, last_day=None) == []


# ---------------------------------------------------------------- the service
def test_service_refuses_days_after_the_last_day_and_writes_nothing(world, rostered):
    student = dismissed(world)
    enrolments = selectors.team_enrolments(world.team_a, date(2020, 10, 26))
    assert student.pk in [e.pk for e in enrolments]  # still listed: the days up to 10-30 count
    result = svc.record_attendance(programme=world.programme, enrolments=enrolments, user=world.mentor_a,
                                   entries=[In(student.pk, d, "present", Decimal("8")) for d in DAYS])
    assert result.saved == 0 and len(result.errors) == 1
    message = result.errors[0]
    assert "2020-10-30" in message and all(d.isoformat() in message for d in AFTER)
    assert "2020-10-29" not in message
    assert not Attendance.objects.exists()  # nothing partial
    result = svc.record_attendance(programme=world.programme, enrolments=enrolments, user=world.mentor_a,
                                   entries=[In(student.pk, d, "present", Decimal("8")) for d in DAYS[:2]])
    assert result.saved == 2 and not result.errors and recorded_after(student) == []


def test_service_may_clear_a_day_after_the_last_day(world, rostered):
    student = world.enrolments_a[0]
    enrolments = selectors.team_enrolments(world.team_a, date(2020, 10, 26))
    svc.record_attendance(programme=world.programme, enrolments=enrolments, user=world.mentor_a,
                          entries=[In(student.pk, AFTER[0], "present", None)])
    dismissed(world)
    result = svc.record_attendance(programme=world.programme, enrolments=enrolments, user=world.mentor_a,
                                   entries=[In(student.pk, AFTER[0], "", None)])
    assert not result.errors and result.cleared == 1 and recorded_after(student) == []


# ---------------------------------------------------------------- the grid
def test_grid_refuses_a_save_with_days_after_the_last_day(world, rostered, client_for):
    student = dismissed(world)
    url = reverse("programs:attendance_week", kwargs={"pk": world.programme.pk, "team_pk": world.team_a.pk})
    client = client_for(world.mentor_a)
    page = client.get(url + "?week=2020-10-26")
    cells = {c.day: c.editable for row in page.context["rows"] if row.enrolment.pk == student.pk for c in row.cells}
    assert cells[LAST] and not cells[LAST + timedelta(days=1)]
    data = {}
    for d in DAYS:
        data[f"s_{student.pk}_{d:%Y%m%d}"] = "present"
        data[f"h_{student.pk}_{d:%Y%m%d}"] = "8"
    response = client.post(url + "?week=2020-10-26", data)
    assert response.status_code == 200
    errors = " ".join(response.context["errors"])
    assert "2020-10-31" in errors and "2020-11-01" in errors  # the days of the week shown after the last day
    assert not Attendance.objects.filter(enrolment=student).exists()


# ---------------------------------------------------------------- the online-hours import
def test_import_of_the_sample_lists_each_row_after_the_last_day(world, rostered):
    for e, account in zip(world.enrolments_a, ["bala:小明", "bala:李华", "bala:张伟"], strict=True):
        e.shop_account_id = account
        e.save()
    student = dismissed(world)  # 小明, whose rows are 2–4 (11-09..11-11)
    result = imports.import_online_hours(world.programme, SAMPLE.read_bytes(), world.mentor_a, {world.team_a.pk})
    assert not result.ok and [(e.row, e.key) for e in result.errors] == [(2, "day"), (3, "day"), (4, "day")]
    assert all("after the last day" in e.message and "2020-10-30" in e.message for e in result.errors)
    assert "2020-11-09" in result.errors[0].message
    assert not Attendance.objects.exists() and recorded_after(student) == []


def test_import_refuses_the_five_days_after_a_dismissal(world, rostered):
    student = world.enrolments_a[0]
    student.shop_account_id = "bala:小明"
    student.save()
    dismissed(world)
    header = SAMPLE.read_bytes().decode("utf-8-sig").splitlines()[0]  # the real export's header
    body = "".join(f"bala:小明,{d:%Y-%m-%d},9.5\r\n" for d in DAYS)
    result = imports.import_online_hours(world.programme, ("\ufeff" + header + "\r\n" + body).encode("utf-8"),
                                         world.mentor_a, {world.team_a.pk})
    assert [e.row for e in result.errors] == [4, 5, 6, 7, 8]  # 10-31 .. 11-04
    assert [d.isoformat() in e.message for e, d in zip(result.errors, AFTER, strict=True)] == [True] * 5
    assert not Attendance.objects.exists()
    body = "".join(f"bala:小明,{d:%Y-%m-%d},9.5\r\n" for d in DAYS[:2])
    result = imports.import_online_hours(world.programme, ("\ufeff" + header + "\r\n" + body).encode("utf-8"),
                                         world.mentor_a, {world.team_a.pk})
    assert result.ok and result.counts == {"written": 2} and recorded_after(student) == []
