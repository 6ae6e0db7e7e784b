"""Benchmark: stipend statements and the bank file for N students × 30 days.

    .venv/bin/python bench/stipends.py [--scale 10000] [--days 30] [--runs 3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tw_bench .venv/bin/python bench/stipends.py

Sets up its own database: a fresh SQLite file under bench/out/ by default,
or PostgreSQL when DATABASE_URL is set (use your own database: it is
flushed). In the same run it measures

1. our statements: ``stipends.payouts.selectors.statements`` for every student (the
   attendance rows loaded once, then the pure rules line by line with their
   sources), against the bare SQL aggregate that computes the same gross per
   student (training days after the assessment × rate, practice days × rate,
   overtime hours × rate) in one GROUP BY;
2. our batch: ``stipends.payouts.services.freeze_batch`` (statements, tax, adjustment
   against earlier batches, encrypted accounts, the items and their history
   rows written by COPY on PostgreSQL, in chunks of 500), against the bare
   floor of its writes: the same item and history rows, the card encrypted
   and the JSON serialised, written by psycopg's COPY in one transaction
   (executemany on SQLite); both must leave the same rows (counts, money
   sums, each student's net). Ours makes the history rows on the server
   (``INSERT ... SELECT`` from the items just copied), the bare side copies
   them; the ratio to a bare COPY of the items alone is printed too;
3. our bank file: ``stipends.documents.bank_file`` over the batch's items,
   against a bare openpyxl write-only sheet of the same rows (account, name,
   amount, purpose);

and prints the scale, the medians of ``--runs`` runs of each side and the
ratios. Not a test: run it by hand.
"""

import argparse
import io
import random
import statistics
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


def median_of(runs: int, work):
    """Run ``work()`` ``runs`` times; the median time and the last run's answer."""
    times, answer = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        answer = work()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), answer


ITEMS, HISTORY = "payouts_payoutitem", "payouts_historicalpayoutitem"


def written(batch_id: int) -> dict:
    """What a freeze wrote, to compare ours with the bare COPY: items and
    history rows counted, money summed, each student's net."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), SUM(gross), SUM(tax), SUM(net) FROM {ITEMS} WHERE batch_id = %s", [batch_id])
        count, gross, tax, net = cursor.fetchone()
        cursor.execute(f"SELECT COUNT(*), SUM(net) FROM {HISTORY} WHERE batch_id = %s AND history_type = '+'",
                       [batch_id])
        history, history_net = cursor.fetchone()
        cursor.execute(f"SELECT enrolment_id, net FROM {ITEMS} WHERE batch_id = %s", [batch_id])
        nets = {e: Decimal(str(n)) for e, n in cursor.fetchall()}
    return {"items": count, "history": history, "gross": Decimal(str(gross)), "tax": Decimal(str(tax)),
            "net": Decimal(str(net)), "history_net": Decimal(str(history_net)), "nets": nets}


def drop_items(batch_id: int) -> None:
    """Remove the benchmark's payout items and their history (raw SQL: the app
    never deletes them). On PostgreSQL the tables are truncated: rows deleted
    run after run would leave the next run dead rows and bloated indexes."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {ITEMS}, {HISTORY}")
        else:
            cursor.execute(f"DELETE FROM {HISTORY} WHERE batch_id = %s", [batch_id])
            cursor.execute(f"DELETE FROM {ITEMS} WHERE batch_id = %s", [batch_id])


def bare_freeze_write(rows: list[dict], columns: list[str], user_id: int, *, history: bool = True) -> None:
    """The bare floor of a freeze's writes: the same item rows and their
    history rows, the card encrypted (Fernet, once per item: the history
    keeps the same token) and the JSON serialised, written in one
    transaction by psycopg's COPY on PostgreSQL, by executemany on SQLite."""
    import json

    from django.db import connection, transaction
    from django.utils import timezone

    from trainingweek import crypto

    now = timezone.now()
    items, history = [], []
    for row in rows:
        values = dict(row)
        values["account"] = crypto.encrypt(values["account"]) if values["account"] else ""
        values["lines"] = json.dumps(values["lines"])
        values["tax_detail"] = json.dumps(values["tax_detail"])
        item = [values[c] for c in columns]
        items.append(item)
        history.append([*item, now, None, "+", None, user_id])
    history_columns = [*columns, "history_date", "history_change_reason", "history_type", "ip_address",
                       "history_user_id"]
    with transaction.atomic(), connection.cursor() as cursor:
        for table, names, data in ((ITEMS, columns, items), (HISTORY, history_columns, history))[:2 if history else 1]:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                    for values in data:
                        copy.write_row(values)
            else:
                cursor.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})",
                                   data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10_000, help="students (default 10,000)")
    parser.add_argument("--days", type=int, default=30, help="days of attendance (default 30)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each side; the median is shown (default 3)")
    args = parser.parse_args()
    vendor = setup_django()

    from django.db import connection
    from openpyxl import Workbook

    from stipends.payouts import documents, selectors, services
    from stipends.payouts.models import PayoutItem

    t0 = time.perf_counter()
    programme, finance, ids = build(args.scale, args.days)
    setup_s = time.perf_counter() - t0
    card = selectors.rate_card(programme)

    # 1. Our statements, every line with its sources.
    ours_statements, found = median_of(args.runs, lambda: selectors.statements(programme, ids))
    assert len(found) == args.scale

    # The bare aggregate: the same gross per student in one GROUP BY.
    params = {"programme": programme.pk, "training": card.training_day, "practice": card.practice_day,
              "overtime": card.overtime_hour, "threshold": card.overtime_threshold_hours}

    def aggregate():
        with connection.cursor() as cursor:
            cursor.execute(BARE_AGGREGATE, params)
            return cursor.fetchall()

    bare_aggregate, bare = median_of(args.runs, aggregate)
    assert len(bare) == args.scale
    mismatches = [e for e, gross in bare if found[e].gross != Decimal(str(gross)).quantize(Decimal("0.01"))]
    assert not mismatches, f"{len(mismatches)} students differ between the rules and the aggregate"

    # 2. Our batch: compute, tax, freeze into items (a fresh draft batch each run, made untimed).
    times, batches = [], []
    for _ in range(args.runs):
        if batches:
            drop_items(batches[-1].pk)
        batches.append(services.create_batch(programme=programme, user=finance, pay_on=date(2020, 12, 20)))
        t0 = time.perf_counter()
        summary = services.freeze_batch(batch_id=batches[-1].pk)
        times.append(time.perf_counter() - t0)
    ours_freeze = statistics.median(times)
    batch = batches[-1]
    assert summary["items"] == args.scale
    ours_rows = written(batch.pk)
    assert ours_rows["items"] == ours_rows["history"] == args.scale and ours_rows["history_net"] == ours_rows["net"]

    # The bare floor: a COPY of the same rows (items and history rows, encryption and JSON included).
    columns = [f.column for f in PayoutItem._meta.concrete_fields]
    rows = [{f.column: getattr(i, f.attname) for f in PayoutItem._meta.concrete_fields}
            for i in PayoutItem.objects.filter(batch=batch).order_by("pk")]
    drop_items(batch.pk)

    def bare_write():
        drop_items(batch.pk)
        bare_freeze_write(rows, columns, finance.pk)

    bare_freeze, _ = median_of(args.runs, bare_write)
    assert written(batch.pk) == ours_rows, "the bare COPY and our freeze wrote different rows"

    def bare_items_only():
        drop_items(batch.pk)
        bare_freeze_write(rows, columns, finance.pk, history=False)

    bare_items, _ = median_of(args.runs, bare_items_only)
    bare_write()  # the rows again, for the bank file

    # 3. Our bank file against a bare write-only sheet of the same rows.
    items = selectors.payable_items(batch)
    ours_bank, ours_file = median_of(args.runs, lambda: documents.bank_file(items))
    rows = [(i.account, i.account_name, i.net, "劳务费") for i in items]

    def bare_sheet():
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("批量转账明细")
        ws.append(["账号", "户名", "金额", "用途"])
        for row in rows:
            ws.append(row)
        buffer = io.BytesIO()
        wb.save(buffer)
        return buffer.getvalue()

    bare_bank, _ = median_of(args.runs, bare_sheet)

    floor = "COPY" if vendor == "postgresql" else "executemany"
    print(f"database: {vendor}; scale: {args.scale:,} students × {args.days} days "
          f"= {args.scale * args.days:,} attendance rows (set-up {setup_s:.1f} s); medians of {args.runs}")
    print(f"statements (rules, lines with sources):  ours {ours_statements:7.3f} s   "
          f"bare SQL aggregate {bare_aggregate:7.3f} s   ratio {ours_statements / bare_aggregate:6.1f}×")
    print(f"freeze the batch (statements, tax, items): ours {ours_freeze:7.3f} s   "
          f"bare {floor} of the same {ours_rows['items']:,} items + {ours_rows['history']:,} history rows "
          f"(encrypted, JSON) {bare_freeze:7.3f} s   ratio {ours_freeze / bare_freeze:6.1f}×   "
          f"({ours_freeze / args.scale * 1000:.2f} ms per student)")
    print(f"                                            the items alone, without their history rows: "
          f"bare {floor} {bare_items:7.3f} s   ratio {ours_freeze / bare_items:6.1f}×")
    print(f"bank file ({len(items):,} transfers):          ours {ours_bank:7.3f} s   "
          f"bare openpyxl write-only {bare_bank:7.3f} s   ratio {ours_bank / bare_bank:6.1f}×   "
          f"({len(ours_file) / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
