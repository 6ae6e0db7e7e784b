"""Benchmark: stipend statements and the bank file for N students × 30 days.

    .venv/bin/python bench/stipends.py [--scale 10000] [--days 30]

Sets up its own database: a fresh SQLite file under bench/out/ by default,
or PostgreSQL when DATABASE_URL is set (use your own database: it is
flushed). In the same run it measures

1. our statements: ``stipends.payouts.selectors.statements`` for every student (the
   attendance rows loaded once, then the pure rules line by line with their
   sources), against the bare SQL aggregate that computes the same gross per
   student (training days after the assessment × rate, practice days × rate,
   overtime hours × rate) in one GROUP BY;
2. our batch: ``stipends.payouts.services.freeze_batch`` (statements, tax, adjustment
   against earlier batches, encrypted accounts, bulk insert of the items, in
   chunks of 500) — printed for scale, there is no bare equivalent;
3. our bank file: ``stipends.documents.bank_file`` over the batch's items,
   against a bare openpyxl write-only sheet of the same rows (account, name,
   amount, purpose);

and prints the scale, the figures and the ratios. Not a test: run it by hand.
"""

import argparse
import io
import random
import time
from datetime import date, timedelta
from decimal import Decimal

from harness import setup_django as prepare

CLASS_SIZE = 200
TRAINING_DAYS = 5
PASSED_AFTER = 2  # the assessment is passed on the third training day


def setup_django() -> str:
    return prepare("stipends", migrate=True)


def build(scale: int, days: int):
    """A programme with ``scale`` students (bank cards included) in classes of
    200, ``days`` days of attendance each (training first, then practice with
    online hours, some late, absent or resting), most students past the
    assessment."""
    from django.db import connection, transaction

    from programs.agreements.models import Agreement, Phase, Programme
    from programs.students import demo as synthetic
    from programs.students.models import Enrolment, SchoolClass, Student
    from stipends.payouts.models import StipendProfile
    from trainingweek.models import Organisation, User

    rng = random.Random(5)
    school = Organisation.objects.create(name="基准学校", kind="school")
    company = Organisation.objects.create(name="基准公司", kind="company")
    finance = User.objects.create(username="bench-finance", role=User.Role.FINANCE, organisation=company)
    agreement = Agreement.objects.create(school=school, company=company, course_title="基准",
                                         signed_on=date(2020, 9, 1), term_start=date(2020, 9, 1),
                                         term_end=date(2021, 8, 31))
    programme = Programme.objects.create(agreement=agreement, year=2020, name="基准实训")
    first = date(2020, 10, 20)
    Phase.objects.create(programme=programme, kind=Phase.Kind.TRAINING, start=first,
                         end=first + timedelta(TRAINING_DAYS - 1))
    Phase.objects.create(programme=programme, kind=Phase.Kind.PRACTICE, start=first + timedelta(TRAINING_DAYS),
                         end=first + timedelta(days - 1))
    groups = (scale + CLASS_SIZE - 1) // CLASS_SIZE
    classes = SchoolClass.objects.bulk_create(SchoolClass(programme=programme, name=f"班{n:03d}") for n in range(groups))
    students, seen = [], set()
    for n in range(scale):
        id_number = synthetic.make_id_number(rng, birth_year=2000 + n % 4)
        while id_number in seen:
            id_number = synthetic.make_id_number(rng, birth_year=2000 + n % 4)
        seen.add(id_number)
        s = Student(school=school, student_number=f"B{n:07d}", name=synthetic.make_name(rng), id_number=id_number,
                    bank_card=synthetic.make_bank_card(rng))
        s.refresh_digests()
        students.append(s)
    Student.objects.bulk_create(students, batch_size=2000)
    enrolments = Enrolment.objects.bulk_create(
        [Enrolment(programme=programme, student=s, school_class=classes[n // CLASS_SIZE])
         for n, s in enumerate(students)], batch_size=2000)
    passed_on = first + timedelta(PASSED_AFTER)
    StipendProfile.objects.bulk_create([StipendProfile(enrolment=e, assessment_passed_on=passed_on)
                                        for n, e in enumerate(enrolments) if n % 20], batch_size=2000)
    statuses = ["present"] * 90 + ["late"] * 6 + ["absent"] * 2 + ["leave"] + ["rest"]
    rows = []
    for e in enrolments:
        for d in range(days):
            status = rng.choice(statuses)
            training = d < TRAINING_DAYS
            kind = "rest" if status == "rest" else ("training" if training else "practice")
            hours = None if training or status in ("absent", "leave", "rest") else Decimal(rng.randrange(12, 22)) / 2
            rows.append((programme.pk, e.pk, first + timedelta(d), status, hours, kind, False))
    sql = ("INSERT INTO attendance_attendance (programme_id, enrolment_id, day, status, online_hours, day_kind, "
           "is_truancy, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, CURRENT_TIMESTAMP)")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return programme, finance, [e.pk for e in enrolments]


BARE_AGGREGATE = """
    SELECT a.enrolment_id,
           SUM(CASE WHEN a.day_kind IN ('training', 'intensive') AND a.status IN ('present', 'late')
                     AND p.assessment_passed_on IS NOT NULL AND a.day >= p.assessment_passed_on
                    THEN %(training)s ELSE 0 END)
         + SUM(CASE WHEN a.day_kind IN ('practice', 'pre_sale', 'after_sale') AND a.status IN ('present', 'late')
                    THEN %(practice)s ELSE 0 END)
         + SUM(CASE WHEN a.day_kind IN ('practice', 'pre_sale', 'after_sale') AND a.status IN ('present', 'late')
                     AND a.online_hours > %(threshold)s
                    THEN (a.online_hours - %(threshold)s) * %(overtime)s ELSE 0 END)
    FROM attendance_attendance a
    LEFT JOIN payouts_stipendprofile p ON p.enrolment_id = a.enrolment_id
    WHERE a.programme_id = %(programme)s
    GROUP BY a.enrolment_id
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10_000, help="students (default 10,000)")
    parser.add_argument("--days", type=int, default=30, help="days of attendance (default 30)")
    args = parser.parse_args()
    vendor = setup_django()

    from django.db import connection
    from openpyxl import Workbook

    from stipends.payouts import documents, selectors, services

    t0 = time.perf_counter()
    programme, finance, ids = build(args.scale, args.days)
    setup_s = time.perf_counter() - t0
    card = selectors.rate_card(programme)

    # 1. Our statements, every line with its sources.
    t0 = time.perf_counter()
    found = selectors.statements(programme, ids)
    ours_statements = time.perf_counter() - t0
    assert len(found) == args.scale

    # The bare aggregate: the same gross per student in one GROUP BY.
    params = {"programme": programme.pk, "training": card.training_day, "practice": card.practice_day,
              "overtime": card.overtime_hour, "threshold": card.overtime_threshold_hours}
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(BARE_AGGREGATE, params)
        bare = cursor.fetchall()
    bare_aggregate = time.perf_counter() - t0
    assert len(bare) == args.scale
    mismatches = [e for e, gross in bare if found[e].gross != Decimal(str(gross)).quantize(Decimal("0.01"))]
    assert not mismatches, f"{len(mismatches)} students differ between the rules and the aggregate"

    # 2. Our batch: compute, tax, freeze into items.
    batch = services.create_batch(programme=programme, user=finance, pay_on=date(2020, 12, 20))
    t0 = time.perf_counter()
    summary = services.freeze_batch(batch_id=batch.pk)
    ours_freeze = time.perf_counter() - t0
    assert summary["items"] == args.scale

    # 3. Our bank file against a bare write-only sheet of the same rows.
    items = selectors.payable_items(batch)
    t0 = time.perf_counter()
    ours_file = documents.bank_file(items)
    ours_bank = time.perf_counter() - t0
    rows = [(i.account, i.account_name, i.net, "劳务费") for i in items]
    t0 = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("批量转账明细")
    ws.append(["账号", "户名", "金额", "用途"])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    bare_bank = time.perf_counter() - t0

    print(f"database: {vendor}; scale: {args.scale:,} students × {args.days} days "
          f"= {args.scale * args.days:,} attendance rows (set-up {setup_s:.1f} s)")
    print(f"statements (rules, lines with sources):  ours {ours_statements:7.3f} s   "
          f"bare SQL aggregate {bare_aggregate:7.3f} s   ratio {ours_statements / bare_aggregate:6.1f}×")
    print(f"freeze the batch (statements, tax, items): ours {ours_freeze:7.3f} s   "
          f"({ours_freeze / args.scale * 1000:.2f} ms per student, {summary['items']:,} items)")
    print(f"bank file ({len(items):,} transfers):          ours {ours_bank:7.3f} s   "
          f"bare openpyxl write-only {bare_bank:7.3f} s   ratio {ours_bank / bare_bank:6.1f}×   "
          f"({len(ours_file) / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
