"""Demo shifts, roster and attendance for the demo programme (``programs.students.demo``).

The roster reproduces the 2020 schedule of the seeds: 10-24/25 intensive
training, then classes 1 and 3 on mornings and 2 and 4 on evenings, swapping
weekly; 11-01/02 to be decided; 11-10 and 11-11 peak days. Each student gets
a rest day a week, and the practice weeks get synthetic attendance with
online hours (overtime on the peak days), a few leaves, one withdrawal and
one dismissal. Skipped when the programme already has shifts.
"""

import random
from datetime import date, time
from decimal import Decimal

from programs.attendance import rules
from programs.attendance import selectors as attendance_selectors
from programs.attendance import services as services_attendance
from programs.rosters import rules as roster_rules
from programs.rosters import selectors as roster_selectors
from programs.rosters import services as services_rosters
from programs.rosters.models import CellKind, RosterPlan, RosterSpecialDay, ShiftTemplate
from programs.students.models import Enrolment

FIRST_DAY, LAST_DAY = date(2020, 10, 24), date(2020, 11, 22)


SHIFTS = [
    # name, cell text, start, end, paid hours, peak
    ("早班", "早", time(8, 30), time(17, 0), "8", False),
    ("晚班", "晚", time(16, 30), time(22, 0), "5.5", False),
    ("大促", "7:00-02:00", time(7, 0), time(2, 0), "17", True),
    ("大促至24点", "7:00-24:00", time(7, 0), time(0, 0), "15", True),
]


# Typical online hours of a day on each shift (low, high).
HOURS = {"早班": (7.0, 9.5), "晚班": (4.5, 6.5), "大促": (14.0, 17.5), "大促至24点": (13.0, 16.0)}


def build(context: dict, log=print) -> None:
    programme = context.get("programme")
    if programme is None:
        return
    if programme.shift_templates.exists():
        log(f"演示排班已存在：{programme}")
        return
    rng = random.Random(1111)
    shifts = {
        name: ShiftTemplate.objects.create(programme=programme, name=name, label=label, start=start, end=end,
                                           paid_hours=Decimal(paid), briefing_minutes=30, is_peak=peak)
        for name, label, start, end, paid, peak in SHIFTS
    }
    plan, _ = RosterPlan.objects.update_or_create(programme=programme, defaults={
        "first_day": FIRST_DAY, "last_day": LAST_DAY, "rotation_start": date(2020, 10, 26),
        "first_shift": shifts["早班"], "second_shift": shifts["晚班"],
    })
    RosterSpecialDay.objects.bulk_create([
        RosterSpecialDay(plan=plan, day=date(2020, 11, 1), kind=CellKind.TBD),
        RosterSpecialDay(plan=plan, day=date(2020, 11, 2), kind=CellKind.TBD),
        RosterSpecialDay(plan=plan, day=date(2020, 11, 10), kind=CellKind.SHIFT, shift=shifts["大促"]),
        RosterSpecialDay(plan=plan, day=date(2020, 11, 11), kind=CellKind.SHIFT, shift=shifts["大促至24点"]),
    ])
    cells = services_rosters.generate_roster(programme=programme)
    teams = list(programme.teams.order_by("name"))
    for team in teams:
        services_rosters.spread_rest_days(programme=programme, team=team, first=FIRST_DAY, last=LAST_DAY)

    # Attendance up to the end of the roster, team by team through the service.
    names = {s.pk: s.name for s in shifts.values()}
    mentors = {t.pk: t.mentors.first() for t in teams}
    days = roster_rules.days_between(FIRST_DAY, LAST_DAY)
    rows = 0
    for team in teams:
        enrolments = attendance_selectors.team_enrolments(team, FIRST_DAY)
        class_cells, overrides = roster_selectors.schedule_cells(programme, enrolments, FIRST_DAY, LAST_DAY)
        entries = []
        for e in enrolments:
            for day in days:
                cell = roster_rules.student_cell(class_cells.get((e.school_class_id, day)), overrides.get((e.pk, day)))
                if cell is None or cell.kind == CellKind.TBD:
                    continue
                if cell.kind == CellKind.REST:
                    entries.append(services_attendance.AttendanceInput(e.pk, day, rules.STATUS_REST, None))
                    continue
                roll = rng.random()
                status = rules.ABSENT if roll < 0.01 else rules.LATE if roll < 0.05 else rules.PRESENT
                hours = None
                if cell.kind == CellKind.SHIFT and status != rules.ABSENT:
                    low, high = HOURS[names[cell.shift]]
                    hours = Decimal(str(round(rng.uniform(low, high) * 2) / 2))
                entries.append(services_attendance.AttendanceInput(e.pk, day, status, hours))
        result = services_attendance.record_attendance(
            programme=programme, enrolments=enrolments, entries=entries, user=mentors[team.pk])
        rows += result.saved

    # A few leaves and departures so the workflows have something to show.
    coordinator = context.get("coordinator")
    active = list(Enrolment.objects.filter(programme=programme).select_related("team").order_by("pk"))
    if coordinator is not None and len(active) > 10:
        first_team_mentor = mentors[active[0].team_id]
        approved = services_attendance.request_leave(
            programme=programme, enrolment=active[0], start=date(2020, 11, 13), end=date(2020, 11, 14),
            reason="身体不适，就医", user=first_team_mentor)
        services_attendance.decide_leave(leave=approved, step="mentor", user=first_team_mentor, approve=True)
        services_attendance.decide_leave(leave=approved, step="school", user=coordinator, approve=True)
        services_attendance.request_leave(
            programme=programme, enrolment=active[4], start=date(2020, 11, 20), end=date(2020, 11, 20),
            reason="家中有事", user=mentors[active[4].team_id])
        withdrawal = services_attendance.request_withdrawal(
            programme=programme, enrolment=active[8], last_day=date(2020, 11, 6), reason="个人原因，申请退出实训",
            user=coordinator)
        services_attendance.decide_withdrawal(departure=withdrawal, side="school", user=coordinator, approve=True)
        services_attendance.decide_withdrawal(departure=withdrawal, side="company", user=mentors[active[8].team_id],
                                              approve=True)
        services_attendance.dismiss(programme=programme, enrolment=active[9], last_day=date(2020, 11, 12),
                                    reason="严重违反工作纪律（四级差错）", user=mentors[active[9].team_id])
    log(f"已创建演示排班：{len(shifts)} 个班次，{cells} 个排班格，{rows} 条出勤记录")
