"""Attendance services: recording, import, the summary, leave, withdrawals, attrition."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programs.attendance import imports, selectors
from programs.attendance import services as svc
from programs.attendance.models import Attendance, Departure, LeaveRequest
from programs.attendance.services import AttendanceInput as In
from programs.rosters.models import CellKind, RosterPlan, ScheduleOverride
from programs.students.models import Enrolment

D = Decimal
# A copy of ../shared/samples/online_hours_example.csv (synthetic): UTF-8 with BOM, CRLF.
SAMPLE = Path(__file__).parent / "data" / "online_hours_example.csv"
MON = date(2020, 11, 9)


def team_a(world):
    return selectors.team_enrolments(world.team_a, MON)


def test_record_derives_day_kind_shift_and_truancy(world, rostered):
    a0, a1, a2 = world.enrolments_a
    ScheduleOverride.objects.create(programme=world.programme, enrolment=a2, day=date(2020, 11, 12), kind=CellKind.REST)
    result = svc.record_attendance(programme=world.programme, enrolments=team_a(world), entries=[
        In(a0.pk, date(2020, 11, 9), "present", D("8.5")),
        In(a0.pk, date(2020, 11, 10), "late", D("17")),
        In(a0.pk, date(2020, 11, 11), "present", D("16")),
        In(a1.pk, date(2020, 11, 9), "absent", None),
        In(a2.pk, date(2020, 11, 12), "absent", None),  # a rest day of hers: not truancy
        In(a0.pk, date(2020, 10, 24), "present", None),
    ], user=world.mentor_a)
    assert result.saved == 6 and not result.errors
    rows = {(r.enrolment_id, r.day): r for r in Attendance.objects.all()}
    assert rows[(a0.pk, date(2020, 11, 9))].day_kind == "practice"
    assert rows[(a0.pk, date(2020, 11, 9))].shift_id == rostered.morning.pk
    assert rows[(a0.pk, date(2020, 11, 10))].shift_id == rostered.peak.pk
    assert rows[(a0.pk, date(2020, 11, 11))].day_kind == "pre_sale"
    assert rows[(a0.pk, date(2020, 10, 24))].day_kind == "intensive"
    assert rows[(a1.pk, date(2020, 11, 9))].is_truancy
    assert rows[(a2.pk, date(2020, 11, 12))].day_kind == "rest" and not rows[(a2.pk, date(2020, 11, 12))].is_truancy
    assert rows[(a0.pk, date(2020, 11, 9))].recorded_by == world.mentor_a


def test_record_updates_clears_and_ignores_other_teams(world, rostered):
    a0 = world.enrolments_a[0]
    svc.record_attendance(programme=world.programme, enrolments=team_a(world), entries=[In(a0.pk, MON, "present", D("8"))], user=world.mentor_a)
    result = svc.record_attendance(programme=world.programme, enrolments=team_a(world), entries=[
        In(a0.pk, MON, "late", D("9.25")),
        In(world.enrolments_b[0].pk, MON, "present", D("8")),  # not in the given enrolments
    ], user=world.mentor_a)
    assert result.saved == 1
    assert list(Attendance.objects.values_list("enrolment_id", "status", "online_hours")) == [(a0.pk, "late", D("9.25"))]
    result = svc.record_attendance(programme=world.programme, enrolments=team_a(world), entries=[In(a0.pk, MON, "", None)], user=world.mentor_a)
    assert result.cleared == 1 and not Attendance.objects.exists()


def test_record_refuses_the_whole_grid_on_a_bad_cell(world, rostered):
    a0, a1, _ = world.enrolments_a
    result = svc.record_attendance(programme=world.programme, enrolments=team_a(world), entries=[
        In(a0.pk, MON, "present", D("8")),
        In(a1.pk, MON, "", D("5")),
        In(a1.pk, date(2020, 11, 10), "present", D("25")),
    ], user=world.mentor_a)
    assert len(result.errors) == 2 and a1.student.name in result.errors[0]
    assert not Attendance.objects.exists()


def test_record_query_count_does_not_grow(world, rostered):
    from .conftest import add_students

    def save_week():
        enrolments = team_a(world)
        entries = [In(e.pk, MON.replace(day=9 + n), "present", D("9")) for e in enrolments for n in range(7)]
        with CaptureQueriesContext(connection) as ctx:
            svc.record_attendance(programme=world.programme, enrolments=enrolments, entries=entries, user=world.mentor_a)
        return len(ctx)

    # N = 4 and 3N = 12 students × 7 days: the same statements either way
    # (the rows go in one prepared upsert run with executemany).
    add_students(world, world.team_a, world.class_a, 1)
    small = save_week()
    add_students(world, world.team_a, world.class_a, 8)
    assert save_week() == small
    assert Attendance.objects.count() == 12 * 7


# ---------------------------------------------------------------- import


def with_accounts(world, *accounts):
    for e, account in zip(world.enrolments_a, accounts, strict=False):
        e.shop_account_id = account
        e.save()


def test_import_the_sample_export(world, rostered):
    with_accounts(world, "bala:小明", "bala:李华", "bala:张伟")
    a0, a1, a2 = world.enrolments_a
    svc.record_attendance(programme=world.programme, enrolments=team_a(world), entries=[In(a0.pk, MON, "late", None)], user=world.mentor_a)
    result = imports.import_online_hours(world.programme, SAMPLE.read_bytes(), world.mentor_a, {world.team_a.pk})
    assert result.ok and result.row_count == 9 and result.counts == {"written": 9}
    rows = {(r.enrolment_id, r.day): r for r in Attendance.objects.all()}
    assert rows[(a0.pk, MON)].status == "late" and rows[(a0.pk, MON)].online_hours == D("8.5")  # kept the status
    assert rows[(a0.pk, date(2020, 11, 10))].status == "present" and rows[(a0.pk, date(2020, 11, 10))].online_hours == D("17")
    assert rows[(a2.pk, date(2020, 11, 11))].online_hours == D("15.5")
    assert rows[(a1.pk, date(2020, 11, 10))].day_kind == "practice"


def test_import_with_unmatched_rows_writes_nothing(world, rostered):
    with_accounts(world, "bala:小明", "bala:李华")  # 张伟 has no enrolment
    world.enrolments_b[0].shop_account_id = "bala:张伟"
    world.enrolments_b[0].save()
    result = imports.import_online_hours(world.programme, SAMPLE.read_bytes(), world.mentor_a, {world.team_a.pk})
    assert not result.ok and [(e.row, e.key, e.value) for e in result.errors] == [
        (8, "account", "bala:张伟"), (9, "account", "bala:张伟"), (10, "account", "bala:张伟")]
    assert "outside your teams" in result.errors[0].message
    assert not Attendance.objects.exists()
    world.enrolments_b[0].shop_account_id = ""
    world.enrolments_b[0].save()
    result = imports.import_online_hours(world.programme, SAMPLE.read_bytes(), world.coordinator, None)
    assert "No student" in result.errors[0].message and not Attendance.objects.exists()


def test_import_lists_every_bad_row_and_writes_nothing(world, rostered):
    with_accounts(world, "bala:小明", "bala:李华")
    csv = ("\ufeff客服账号,日期,在线时长(小时)\r\n"
           "bala:小明,2020-11-09,8.5\r\n"
           "bala:小明,2020-13-01,8\r\n"
           "bala:李华,2020/11/10,abc\r\n"
           ",2020-11-10,3\r\n"
           "bala:李华,2020年11月11日,30\r\n"
           "bala:小明,2020-11-09,7\r\n")
    result = imports.import_online_hours(world.programme, csv.encode("utf-8"), world.mentor_a, {world.team_a.pk})
    assert [(e.row, e.key) for e in result.errors] == [
        (2, "account"), (3, "day"), (4, "hours"), (5, "account"), (6, "hours"), (7, "account")]
    assert result.errors[-1].message == "The same value is also on row(s) 2"
    assert "outside 0–24" in result.errors[4].message
    assert not Attendance.objects.exists()


def test_import_rejects_files_that_are_not_csv(world, rostered):
    result = imports.import_online_hours(world.programme, b"PK\x03\x04\x00\x00binary", world.mentor_a, None)
    assert not result.ok and result.file_error and "not an Excel workbook" in result.file_error.message
    result = imports.import_online_hours(world.programme, "名字,年龄\n甲,1\n".encode(), world.mentor_a, None)
    assert [(e.row, e.column) for e in result.errors] == [(None, "")]
    assert "Shop account" in result.errors[0].message


def test_import_accepts_gb18030(world, rostered):
    with_accounts(world, "bala:小明")
    csv = "客服账号,日期,在线时长(小时)\r\nbala:小明,2020/11/9,9\r\n".encode("gb18030")
    result = imports.import_online_hours(world.programme, csv, world.coordinator, None)
    assert result.ok and Attendance.objects.get().online_hours == D("9")


# The platform's own exports (tests/attendance/data/README.md): 小美01–03 on three days,
# with 接待时长 (time in conversations) beside 在线时长 (online time).
ONLINE = {  # account -> 在线时长 per day 11-09, 11-10, 11-11
    "示范童装旗舰店:小美01": ("8.4", "16.75", "16.27"),
    "示范童装旗舰店:小美02": ("9.11", "17.94", "16.05"),
    "示范童装旗舰店:小美03": ("8.58", "17.68", "15.15"),
}


@pytest.mark.parametrize("name", ["online_hours_gb18030_title.csv", "online_hours_utf8_bom.csv",
                                  "online_hours_platform.xlsx"])
def test_platform_exports_store_online_time_not_time_in_conversations(world, rostered, name):
    with_accounts(world, *ONLINE)
    data = (SAMPLE.parent / name).read_bytes()
    result = imports.import_online_hours(world.programme, data, world.mentor_a, {world.team_a.pk})
    assert result.ok, result.errors
    assert result.counts == {"written": 9}
    assert result.header.texts["hours"] in ("在线时长(小时)", "在线时长")
    stored = {(r.enrolment.shop_account_id, r.day): r.online_hours
              for r in Attendance.objects.select_related("enrolment")}
    expected = {(account, date(2020, 11, 9 + i)): D(hours)
                for account, days in ONLINE.items() for i, hours in enumerate(days)}
    assert stored == expected


def test_a_formula_without_a_value_in_an_export_is_an_error(world, rostered):
    import io

    import openpyxl
    with_accounts(world, "bala:小明")
    wb = openpyxl.Workbook()
    wb.active.append(["旺旺子账号", "日期", "在线时长"])
    wb.active.append(["bala:小明", "2020-11-09", "=4+4"])  # never calculated: no cached value
    buffer = io.BytesIO()
    wb.save(buffer)
    result = imports.import_online_hours(world.programme, buffer.getvalue(), world.coordinator, None)
    assert [(e.row, e.key) for e in result.errors] == [(2, "hours")]
    assert "never calculated" in result.errors[0].message and not Attendance.objects.exists()


# ---------------------------------------------------------------- summary


def test_attendance_summary_in_one_query(world, rostered, django_assert_num_queries):
    a0, a1, a2 = world.enrolments_a
    b0 = world.enrolments_b[0]
    svc.record_attendance(programme=world.programme, enrolments=team_a(world), entries=[
        In(a0.pk, date(2020, 10, 24), "present", None),      # intensive training
        In(a0.pk, date(2020, 11, 9), "present", D("8.5")),   # 0.5 overtime
        In(a0.pk, date(2020, 11, 10), "late", D("17")),      # 9 overtime, peak
        In(a0.pk, date(2020, 11, 11), "present", D("16")),   # 8 overtime, pre-sale
        In(a0.pk, date(2020, 11, 12), "rest", None),
        In(a0.pk, date(2020, 11, 13), "absent", None),       # truancy
        In(a0.pk, date(2020, 11, 14), "present", D("7.5")),  # after-sale
        In(a1.pk, date(2020, 11, 9), "leave", None),
    ], user=world.mentor_a)
    svc.record_attendance(programme=world.programme, enrolments=selectors.team_enrolments(world.team_b, MON),
                          entries=[In(b0.pk, MON, "present", D("10"))], user=world.mentor_b)
    with django_assert_num_queries(1):
        summary = selectors.attendance_summary(world.programme)
    f = summary[a0.pk]
    assert (f.days_recorded, f.present, f.late, f.absent, f.leave, f.rest, f.truancy) == (7, 4, 1, 1, 0, 1, 1)
    assert (f.intensive_days, f.practice_days, f.pre_sale_days, f.after_sale_days, f.training_days) == (1, 2, 1, 1, 0)
    assert f.online_hours == D("49.00") and f.overtime_hours == D("17.50") and f.overtime_days == 3
    assert f.attended == 5 and f.expected == 6 and f.attendance_rate == D("83.33")
    assert summary[a1.pk].truancy == 1 and summary[a1.pk].attendance_rate == D("0.00")
    assert a2.pk not in summary and summary[b0.pk].overtime_hours == D("2.00")

    # Filters: students, dates, another threshold.
    with django_assert_num_queries(1):
        part = selectors.attendance_summary(world.programme, enrolment_ids=[a0.pk], start=date(2020, 11, 10),
                                      end=date(2020, 11, 11), overtime_threshold=D("10"))
    assert list(part) == [a0.pk]
    assert part[a0.pk].days_recorded == 2 and part[a0.pk].overtime_hours == D("13.00")
    # Another programme's students are not counted in this one's, whatever ids are asked for.
    from tests.factories import ProgrammeFactory

    assert selectors.attendance_summary(ProgrammeFactory(), enrolment_ids=[a0.pk, b0.pk]) == {}
    # The programme's own threshold, read in the same query.
    RosterPlan.objects.filter(programme=world.programme).update(overtime_threshold=D("9"))
    with django_assert_num_queries(1):
        assert selectors.attendance_summary(world.programme)[a0.pk].overtime_hours == D("15.00")


# ---------------------------------------------------------------- leave


def test_leave_two_steps_and_truancy_cleared(world, rostered):
    a1 = world.enrolments_a[1]
    svc.record_attendance(programme=world.programme, enrolments=team_a(world), entries=[
        In(a1.pk, date(2020, 11, 12), "leave", None), In(a1.pk, date(2020, 11, 13), "absent", None),
        In(a1.pk, date(2020, 11, 14), "absent", None)], user=world.mentor_a)
    assert Attendance.objects.filter(is_truancy=True).count() == 3
    leave = svc.request_leave(programme=world.programme, enrolment=a1, start=date(2020, 11, 12), end=date(2020, 11, 13), reason="看病", user=world.mentor_a)
    assert leave.status == LeaveRequest.Status.PENDING_MENTOR and leave.days == 2
    with pytest.raises(svc.WorkflowError):
        svc.decide_leave(leave=leave, step="school", user=world.coordinator, approve=True)  # the mentor decides first
    leave = svc.decide_leave(leave=leave, step="mentor", user=world.mentor_a, approve=True)
    assert leave.status == LeaveRequest.Status.PENDING_SCHOOL
    assert Attendance.objects.filter(is_truancy=True).count() == 3  # one approval is not enough
    leave = svc.decide_leave(leave=leave, step="school", user=world.coordinator, approve=True)
    assert leave.status == LeaveRequest.Status.APPROVED
    assert list(Attendance.objects.filter(is_truancy=True).values_list("day", flat=True)) == [date(2020, 11, 14)]
    # Recording again keeps the approved leave in mind.
    svc.record_attendance(programme=world.programme, enrolments=team_a(world), entries=[In(a1.pk, date(2020, 11, 13), "absent", None)], user=world.mentor_a)
    assert not Attendance.objects.get(enrolment=a1, day=date(2020, 11, 13)).is_truancy


def test_leave_refusal_needs_a_reason(world, rostered):
    a1 = world.enrolments_a[1]
    leave = svc.request_leave(programme=world.programme, enrolment=a1, start=date(2020, 11, 12), end=date(2020, 11, 12), reason="回家", user=world.mentor_a)
    with pytest.raises(svc.WorkflowError):
        svc.decide_leave(leave=leave, step="mentor", user=world.mentor_a, approve=False, refusal_reason="  ")
    leave = svc.decide_leave(leave=leave, step="mentor", user=world.mentor_a, approve=False, refusal_reason="大促期间不批假")
    assert leave.status == LeaveRequest.Status.REFUSED and leave.refusal_reason == "大促期间不批假"
    with pytest.raises(svc.WorkflowError):
        svc.decide_leave(leave=leave, step="school", user=world.coordinator, approve=True)
    with pytest.raises(svc.WorkflowError):
        svc.request_leave(programme=world.programme, enrolment=a1, start=date(2020, 11, 12), end=date(2020, 11, 11), reason="x", user=world.mentor_a)


# ---------------------------------------------------------------- withdrawals, dismissals, attrition


def test_withdrawal_needs_both_sides(world, rostered):
    a0 = world.enrolments_a[0]
    d = svc.request_withdrawal(programme=world.programme, enrolment=a0, last_day=date(2020, 11, 15), reason="家里有事", user=world.coordinator)
    with pytest.raises(svc.WorkflowError):
        svc.request_withdrawal(programme=world.programme, enrolment=a0, last_day=date(2020, 11, 15), reason="again", user=world.coordinator)
    d = svc.decide_withdrawal(departure=d, side="school", user=world.coordinator, approve=True)
    assert d.status == Departure.Status.PENDING
    with pytest.raises(svc.WorkflowError):
        svc.decide_withdrawal(departure=d, side="school", user=world.coordinator, approve=True)
    a0.refresh_from_db()
    assert a0.status == Enrolment.Status.ACTIVE
    d = svc.decide_withdrawal(departure=d, side="company", user=world.mentor_a, approve=True)
    a0.refresh_from_db()
    assert d.status == Departure.Status.DONE and a0.status == Enrolment.Status.WITHDRAWN
    # The student still shows in the week of their last day, not after.
    assert a0.pk in [e.pk for e in selectors.team_enrolments(world.team_a, date(2020, 11, 9))]
    assert a0.pk not in [e.pk for e in selectors.team_enrolments(world.team_a, date(2020, 11, 16))]


def test_withdrawal_refused_keeps_the_student(world, rostered):
    a0 = world.enrolments_a[0]
    d = svc.request_withdrawal(programme=world.programme, enrolment=a0, last_day=date(2020, 11, 15), reason="想回家", user=world.coordinator)
    d = svc.decide_withdrawal(departure=d, side="company", user=world.mentor_a, approve=False, refusal_reason="已劝回")
    a0.refresh_from_db()
    assert d.status == Departure.Status.REFUSED and a0.status == Enrolment.Status.ACTIVE
    svc.request_withdrawal(programme=world.programme, enrolment=a0, last_day=date(2020, 11, 20), reason="再次申请", user=world.coordinator)  # allowed again


def test_dismissal_and_attrition(world, rostered):
    a0, a1, a2 = world.enrolments_a
    pending = svc.request_withdrawal(programme=world.programme, enrolment=a2, last_day=date(2020, 11, 15), reason="x", user=world.coordinator)
    d = svc.dismiss(programme=world.programme, enrolment=a2, last_day=date(2020, 11, 14), reason="四级差错", user=world.mentor_a)
    a2.refresh_from_db()
    assert d.status == Departure.Status.DONE and a2.status == Enrolment.Status.DISMISSED
    pending.refresh_from_db()
    assert pending.status == Departure.Status.REFUSED
    assert d.school_decided_at is None
    svc.acknowledge_dismissal(departure=d, user=world.coordinator)
    with pytest.raises(svc.WorkflowError):
        svc.acknowledge_dismissal(departure=d, user=world.coordinator)
    d1 = svc.request_withdrawal(programme=world.programme, enrolment=a0, last_day=date(2020, 11, 15), reason="y", user=world.coordinator)
    svc.decide_withdrawal(departure=d1, side="school", user=world.coordinator, approve=True)
    svc.decide_withdrawal(departure=d1, side="company", user=world.mentor_a, approve=True)
    a = selectors.programme_attrition(world.programme)
    assert (a.enrolled, a.withdrawn, a.dismissed) == (6, 1, 1)
    assert a.rate == D("16.67") and not a.within_promise
