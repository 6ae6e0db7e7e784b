"""Benchmark: save and read back attendance for N students × 30 days.

    .venv/bin/python bench/attendance.py [--scale 10000] [--days 30] [--runs 3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tw_bench .venv/bin/python bench/attendance.py

Sets up its own database: a fresh SQLite file under bench/out/ by default,
or PostgreSQL when DATABASE_URL is set (use your own database: it is
flushed). In the same run it measures

1. our save: ``services_attendance.record_attendance`` team by team (one
   week-grid save per team and period, as the pages do: schedule look-ups,
   classification, upserts: COPY through a staging table on PostgreSQL),
   against the bare floor writing the same rows in one transaction: psycopg's
   ``COPY`` on PostgreSQL, ``executemany`` on SQLite (it has no COPY); both
   must store the same rows (counts, hours, statuses, day kinds, versions);
2. our read: ``selectors.attendance_summary`` (one ORM aggregate),
   against the same GROUP BY written as raw SQL over the same rows;

and prints the scale, the medians of ``--runs`` runs of each side and the
ratios. Not a test: run it by hand.
"""

import argparse
import random
import statistics
import time
from datetime import date, timedelta
from datetime import time as clock
from decimal import Decimal

from harness import setup_django as prepare

TEAM_SIZE = 200


def setup_django() -> str:
    return prepare("attendance", migrate=True)


def build(scale: int, days: int):
    """A programme with ``scale`` students in classes and teams of 200, and a roster."""
    from programs.agreements.models import Agreement, Phase, Programme
    from programs.rosters import services as services_rosters
    from programs.rosters.models import RosterPlan, ShiftTemplate
    from programs.students import demo as synthetic
    from programs.students.models import Enrolment, SchoolClass, Student, Team
    from trainingweek.models import Organisation, User

    rng = random.Random(11)
    school = Organisation.objects.create(name="基准学校", kind="school")
    company = Organisation.objects.create(name="基准公司", kind="company")
    mentor = User.objects.create(username="bench-mentor", role=User.Role.MENTOR, organisation=company)
    agreement = Agreement.objects.create(school=school, company=company, course_title="基准",
                                         signed_on=date(2020, 9, 1), term_start=date(2020, 9, 1), term_end=date(2021, 8, 31))
    programme = Programme.objects.create(agreement=agreement, year=2020, name="基准实训")
    first = date(2020, 10, 26)
    last = first + timedelta(days=days - 1)
    Phase.objects.create(programme=programme, kind=Phase.Kind.PRACTICE, start=first, end=last)
    morning = ShiftTemplate.objects.create(programme=programme, name="早班", start=clock(8, 30), end=clock(17, 0),
                                           paid_hours=Decimal("8"))
    evening = ShiftTemplate.objects.create(programme=programme, name="晚班", start=clock(16, 30), end=clock(0, 0),
                                           paid_hours=Decimal("7.5"))
    RosterPlan.objects.create(programme=programme, first_shift=morning, second_shift=evening)
    groups = (scale + TEAM_SIZE - 1) // TEAM_SIZE
    classes = SchoolClass.objects.bulk_create(SchoolClass(programme=programme, name=f"班{n:03d}") for n in range(groups))
    teams = Team.objects.bulk_create(Team(programme=programme, name=f"组{n:03d}") for n in range(groups))
    students, seen = [], set()
    for n in range(scale):
        id_number = synthetic.make_id_number(rng, birth_year=2000 + n % 4)
        while id_number in seen:  # random synthetic numbers collide at this scale
            id_number = synthetic.make_id_number(rng, birth_year=2000 + n % 4)
        seen.add(id_number)
        s = Student(school=school, student_number=f"B{n:07d}", name=synthetic.make_name(rng), id_number=id_number)
        s.refresh_digests()
        students.append(s)
    Student.objects.bulk_create(students, batch_size=2000)
    Enrolment.objects.bulk_create(
        [Enrolment(programme=programme, student=s, school_class=classes[n // TEAM_SIZE], team=teams[n // TEAM_SIZE])
         for n, s in enumerate(students)], batch_size=2000)
    services_rosters.generate_roster(programme=programme)
    return programme, teams, mentor, rules_days(first, last), rng


def rules_days(first, last):
    from programs.rosters import rules as rosters

    return rosters.days_between(first, last)


def median_of(runs: int, work):
    """Run ``work()`` ``runs`` times; the median time and the last run's answer."""
    times, answer = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        answer = work()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10_000, help="students (default 10,000)")
    parser.add_argument("--days", type=int, default=30, help="days of attendance (default 30)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each side; the median is shown (default 3)")
    args = parser.parse_args()
    vendor = setup_django()

    from django.db import connection, transaction
    from django.db.models import Count, Sum
    from django.utils import timezone

    from programs.attendance import selectors
    from programs.attendance import services as svc
    from programs.attendance.models import Attendance

    t0 = time.perf_counter()
    programme, teams, mentor, days, rng = build(args.scale, args.days)
    setup_s = time.perf_counter() - t0
    rows_total = args.scale * args.days

    def stored_rows() -> dict:
        """What was written, to compare the two sides: rows, hours, statuses,
        day kinds, shifts, truancy and versions counted and summed."""
        return {
            "totals": Attendance.objects.aggregate(n=Count("pk"), hours=Sum("online_hours"), versions=Sum("version"),
                                                   enrolments=Sum("enrolment_id"), shifts=Sum("shift_id")),
            "kinds": sorted(Attendance.objects.order_by().values("status", "day_kind", "is_truancy")
                            .annotate(n=Count("pk")).values_list("status", "day_kind", "is_truancy", "n")),
        }
    # One status and hours per student and day, fixed in advance so both sides write the same values.
    statuses = ["present"] * 90 + ["late"] * 6 + ["absent"] * 2 + ["leave"] + ["rest"]
    plan = {}
    for team in teams:
        for e in selectors.team_enrolments(team, days[0]):
            for d in days:
                status = rng.choice(statuses)
                hours = None if status in ("absent", "leave", "rest") else Decimal(rng.randrange(10, 34)) / 2
                plan[(e.pk, d)] = (status, hours)

    def clear():
        # Truncated on PostgreSQL: rows deleted run after run would leave dead rows and bloated indexes.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE attendance_attendance" if vendor == "postgresql" else
                           "DELETE FROM attendance_attendance")

    # 1. Our save: team by team through the service (from an empty table each run).
    times = []
    for _ in range(args.runs):
        clear()
        t0 = time.perf_counter()
        for team in teams:
            enrolments = selectors.team_enrolments(team, days[0])
            entries = [svc.AttendanceInput(e.pk, d, *plan[(e.pk, d)]) for e in enrolments for d in days]
            result = svc.record_attendance(programme=programme, enrolments=enrolments, entries=entries, user=mentor)
            assert not result.errors, result.errors[:3]
        times.append(time.perf_counter() - t0)
    ours_save = statistics.median(times)
    assert Attendance.objects.count() == rows_total
    ours_rows = stored_rows()

    # 2. Our read: the one-query summary.
    ours_read, summary = median_of(args.runs, lambda: selectors.attendance_summary(programme))

    # 3. The bare aggregate: the same GROUP BY (same sixteen figures) as raw SQL over the same rows.
    raw_sql = """
        SELECT enrolment_id, COUNT(*),
               SUM(CASE WHEN status = 'present' THEN 1 ELSE 0 END),
               SUM(CASE WHEN status = 'late' THEN 1 ELSE 0 END),
               SUM(CASE WHEN status = 'absent' THEN 1 ELSE 0 END),
               SUM(CASE WHEN status = 'leave' THEN 1 ELSE 0 END),
               SUM(CASE WHEN status = 'rest' THEN 1 ELSE 0 END),
               SUM(CASE WHEN is_truancy THEN 1 ELSE 0 END),
               SUM(CASE WHEN status IN ('present', 'late') AND day_kind = 'practice' THEN 1 ELSE 0 END),
               COALESCE(SUM(online_hours), 0),
               COALESCE(SUM(CASE WHEN online_hours > 8 THEN online_hours - 8 ELSE 0 END), 0),
               SUM(CASE WHEN status IN ('present', 'late') AND day_kind = 'training' THEN 1 ELSE 0 END),
               SUM(CASE WHEN status IN ('present', 'late') AND day_kind = 'intensive' THEN 1 ELSE 0 END),
               SUM(CASE WHEN status IN ('present', 'late') AND day_kind = 'pre_sale' THEN 1 ELSE 0 END),
               SUM(CASE WHEN status IN ('present', 'late') AND day_kind = 'after_sale' THEN 1 ELSE 0 END),
               SUM(CASE WHEN online_hours > 8 THEN 1 ELSE 0 END)
        FROM attendance_attendance WHERE programme_id = %s GROUP BY enrolment_id
    """

    def raw_summary():
        with connection.cursor() as cursor:
            cursor.execute(raw_sql, [programme.pk])
            return cursor.fetchall()

    raw_read, raw_rows = median_of(args.runs, raw_summary)
    assert len(raw_rows) == len(summary) == args.scale
    sample = raw_rows[0]
    f = summary[sample[0]]
    assert (f.days_recorded, f.present, f.absent, f.truancy, f.practice_days) == (
        sample[1], sample[2], sample[4], sample[7], sample[8]), "ORM and raw SQL disagree"
    assert f.overtime_hours == Decimal(str(sample[10])).quantize(Decimal("0.01"))
    assert f.overtime_days == sample[15]

    # 4. The bare insert: the same rows as stored by us, by psycopg's COPY on
    # PostgreSQL, by executemany on SQLite (SQLite has no COPY), in one transaction.
    columns = ["programme_id", "enrolment_id", "day", "status", "online_hours", "day_kind", "shift_id", "is_truancy",
               "recorded_by_id"]
    stored = list(Attendance.objects.values_list(*columns))
    now = timezone.now()
    params = [(*row, now) for row in stored]
    names = ", ".join([*columns, "updated_at"])
    insert_sql = f"INSERT INTO attendance_attendance ({names}) VALUES ({', '.join(['%s'] * (len(columns) + 1))})"

    def bare_insert():
        with transaction.atomic(), connection.cursor() as cursor:  # executemany outside a transaction commits per row
            if vendor == "postgresql":
                with cursor.cursor.copy(f"COPY attendance_attendance ({names}) FROM STDIN") as copy:
                    for row in params:
                        copy.write_row(row)
            else:
                cursor.executemany(insert_sql, params)

    times = []
    for _ in range(args.runs):
        clear()
        t0 = time.perf_counter()
        bare_insert()
        times.append(time.perf_counter() - t0)
    raw_save = statistics.median(times)
    assert stored_rows() == ours_rows, "the bare insert and our save stored different rows"
    floor = "COPY" if vendor == "postgresql" else "executemany"

    print(f"attendance benchmark on {vendor}: {args.scale:,} students × {args.days} days = {rows_total:,} rows"
          f" ({len(teams)} teams; set-up {setup_s:.1f} s, not timed); medians of {args.runs}")
    print(f"  save  ours (record_attendance per team, upsert) {ours_save:8.2f} s   "
          f"{rows_total / ours_save:10,.0f} rows/s")
    print(f"        bare {floor:11} in one transaction        {raw_save:8.2f} s   "
          f"{rows_total / raw_save:10,.0f} rows/s   ratio {ours_save / raw_save:5.2f}×")
    print(f"  read  ours (attendance_summary, one ORM query)  {ours_read * 1000:8.0f} ms")
    print(f"        bare SQL GROUP BY                         {raw_read * 1000:8.0f} ms"
          f"                     ratio {ours_read / raw_read:5.2f}×")


if __name__ == "__main__":
    main()
