"""Benchmark: the programme-wide list pages at N students (statement list,
a computed draft batch's items, the enrolment list).

    .venv/bin/python bench/list_pages.py [--scale 10000] [--days 10]

Sets up its own database: a fresh SQLite file under bench/out/ by default,
or PostgreSQL when DATABASE_URL is set (use your own database: it is
flushed). It builds a programme of ``scale`` students in classes of 200 with
encrypted ID numbers, phones and bank cards and ``days`` days of attendance,
freezes one payout batch of every student (left a computed draft: its page
runs the checks before approval), then times each page through the Django
test client, as finance, in three variants: page 1, a class filter on its
second page, and a search of one student number. Medians of 3 runs (after
one warm-up), with the HTML size.

The bare side, in the same run, is the raw SQL the page cannot do without:
the count and the page's rows in the page's order (and for the batch, the
whole-batch totals; for statements, the attendance aggregate of the page's
students). Each page's rows (enrolment ids, in order) must equal the bare
query's. Not a test: run it by hand.
"""

import argparse
import random
import re
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal

from harness import settle_database
from harness import setup_django as prepare

# The pages' own size (a copy of it, 100, went stale when the lists moved to 50).
from trainingweek.pagination import LIST_PAGE_SIZE as PAGE

CLASS_SIZE = 200
RUNS = 3


def build(scale: int, days: int):
    """Programme, classes, students (personal data encrypted, digests and
    masked copies), enrolments, attendance; the finance users."""
    from django.db import connection, transaction

    from programs.agreements.models import Agreement, Phase, Programme
    from programs.students import demo as synthetic
    from programs.students.models import Enrolment, SchoolClass, Student, Team
    from trainingweek.models import Organisation, User

    rng = random.Random(12)
    school = Organisation.objects.create(name="基准学校", kind="school")
    company = Organisation.objects.create(name="基准公司", kind="company")
    finance = User.objects.create(username="bench-finance", role=User.Role.FINANCE, organisation=company)
    approver = User.objects.create(username="bench-finance2", role=User.Role.FINANCE, organisation=company)
    agreement = Agreement.objects.create(school=school, company=company, course_title="基准",
                                         signed_on=date(2020, 9, 1), term_start=date(2020, 9, 1),
                                         term_end=date(2021, 8, 31))
    programme = Programme.objects.create(agreement=agreement, year=2020, name="基准实训")
    first = date(2020, 10, 26)
    Phase.objects.create(programme=programme, kind=Phase.Kind.PRACTICE, start=first, end=first + timedelta(days - 1))
    groups = (scale + CLASS_SIZE - 1) // CLASS_SIZE
    classes = SchoolClass.objects.bulk_create(SchoolClass(programme=programme, name=f"班{n:03d}") for n in range(groups))
    teams = Team.objects.bulk_create(Team(programme=programme, name=f"组{n:03d}") for n in range(groups))
    students, seen = [], set()
    for n in range(scale):
        id_number = synthetic.make_id_number(rng, birth_year=2000 + n % 4)
        while id_number in seen:
            id_number = synthetic.make_id_number(rng, birth_year=2000 + n % 4)
        seen.add(id_number)
        s = Student(school=school, student_number=f"B{n:07d}", name=synthetic.make_name(rng), id_number=id_number,
                    phone=synthetic.make_phone(rng), bank_card=synthetic.make_bank_card(rng), bank_name="建设银行")
        s.refresh_digests()  # digests and masked copies, as every bulk writer does
        students.append(s)
    Student.objects.bulk_create(students, batch_size=2000)
    enrolments = Enrolment.objects.bulk_create(
        [Enrolment(programme=programme, student=s, school_class=classes[n // CLASS_SIZE], team=teams[n // CLASS_SIZE])
         for n, s in enumerate(students)], batch_size=2000)
    rows = [(programme.pk, e.pk, first + timedelta(d), "present", Decimal("9.0"), "practice", False)
            for e in enrolments for d in range(days)]
    sql = ("INSERT INTO attendance_attendance (programme_id, enrolment_id, day, status, online_hours, day_kind, "
           "is_truancy, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, CURRENT_TIMESTAMP)")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return programme, finance, approver, classes


ENROLMENT_ROWS = """
    SELECT e.id FROM students_enrolment e
    JOIN students_student s ON s.id = e.student_id JOIN students_schoolclass c ON c.id = e.school_class_id
    WHERE e.programme_id = %s {where}
    ORDER BY c.name, s.student_number, e.id"""

# A batch's items in the order frozen on them (class name, student number); the
# students are joined for a search only.
ITEM_ROWS = """
    SELECT i.enrolment_id FROM payouts_payoutitem i {join}
    WHERE i.batch_id = %s {where}
    ORDER BY i.class_name, i.student_number, i.id"""
ITEM_SEARCH_JOIN = "JOIN students_enrolment e ON e.id = i.enrolment_id JOIN students_student s ON s.id = e.student_id"


def bare(kind: str, params: dict, *, programme, batch) -> list[int]:
    """The raw SQL of one page: the count, the page's rows, and what else it sums."""
    from django.db import connection

    where, args = "", []
    if "school_class" in params:
        where += f" AND {'i' if kind == 'batch' else 'e'}.school_class_id = %s"
        args.append(params["school_class"])
    if "q" in params:
        where += " AND (s.name LIKE %s OR s.student_number LIKE %s)"
        args += [f"%{params['q']}%"] * 2
    offset = (int(params.get("page", 1)) - 1) * PAGE
    sql = (ITEM_ROWS if kind == "batch" else ENROLMENT_ROWS).format(
        where=where, join=ITEM_SEARCH_JOIN if "q" in params else "")
    owner = batch.pk if kind == "batch" else programme.pk
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) t", [owner, *args])  # noqa: S608 (fixed text)
        cursor.fetchone()
        cursor.execute(f"{sql} LIMIT {PAGE} OFFSET {offset}", [owner, *args])  # noqa: S608
        ids = [row[0] for row in cursor.fetchall()]
        if kind == "batch":
            cursor.execute("SELECT COUNT(*), SUM(gross), SUM(tax), SUM(net) FROM payouts_payoutitem WHERE batch_id = %s",
                           [batch.pk])
            cursor.fetchone()
        if kind == "statements" and ids:
            marks = ",".join(["%s"] * len(ids))
            cursor.execute(f"SELECT enrolment_id, COUNT(*), SUM(online_hours) FROM attendance_attendance "  # noqa: S608
                           f"WHERE enrolment_id IN ({marks}) GROUP BY enrolment_id", ids)
            cursor.fetchall()
    return ids


ROW_IDS = {
    "statements": re.compile(r'data-testid="statement-row" data-enrolment="(\d+)"'),
    "batch": re.compile(r'data-testid="item-row"[^>]*data-enrolment="(\d+)"'),
    "enrolments": re.compile(r'href="/programs/\d+/enrolments/(\d+)/"'),
}


def timed(fn) -> tuple[float, object]:
    fn()  # warm-up
    times, result = [], None
    for _ in range(RUNS):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10_000, help="students (default 10,000)")
    parser.add_argument("--days", type=int, default=10, help="days of attendance (default 10)")
    args = parser.parse_args()
    vendor = prepare("list_pages", migrate=True)

    from django.test import Client

    from stipends.payouts import services

    t0 = time.perf_counter()
    programme, finance, approver, classes = build(args.scale, args.days)
    batch = services.create_batch(programme=programme, user=approver, pay_on=date(2020, 12, 20))
    services.freeze_batch(batch_id=batch.pk)
    settle_database()
    setup_s = time.perf_counter() - t0
    assert batch.items.count() == args.scale

    client = Client()
    client.force_login(finance)
    paths = {"statements": f"/stipends/{programme.pk}/students/",
             "batch": f"/stipends/{programme.pk}/batches/{batch.pk}/",
             "enrolments": f"/programs/{programme.pk}/enrolments/"}
    wanted = f"B{args.scale // 2 + 7:07d}"
    second = 2 if min(args.scale, CLASS_SIZE) > PAGE else 1  # a tiny run has one page per class
    variants = {"page 1": {}, f"class, page {second}": {"school_class": classes[len(classes) // 2].pk, "page": second},
                "search": {"q": wanted}}
    print(f"database: {vendor}; scale: {args.scale:,} students in {len(classes)} classes, "
          f"{args.scale * args.days:,} attendance rows, a computed draft batch of {args.scale:,} items "
          f"(set-up {setup_s:.1f} s); pages of {PAGE}, medians of {RUNS}, as finance")
    print(f"{'page':<12}{'variant':<16}{'ours ms':>9}{'bare ms':>9}{'ratio':>8}{'HTML KiB':>10}{'rows':>6}")
    for kind, path in paths.items():
        for label, params in variants.items():
            ours_s, response = timed(lambda path=path, params=params: client.get(path, params))
            assert response.status_code == 200, (kind, label, response.status_code)
            html = response.content.decode()
            shown = [int(x) for x in ROW_IDS[kind].findall(html)]
            bare_s, expected = timed(lambda kind=kind, params=params: bare(kind, params, programme=programme,
                                                                           batch=batch))
            assert shown == expected, f"{kind} {label}: the page's rows differ from the bare query's"
            assert 0 < len(shown) <= PAGE
            print(f"{kind:<12}{label:<16}{ours_s * 1000:9.1f}{bare_s * 1000:9.1f}{ours_s / bare_s:7.1f}×"
                  f"{len(response.content) / 1024:10.1f}{len(shown):6d}")


if __name__ == "__main__":
    main()
