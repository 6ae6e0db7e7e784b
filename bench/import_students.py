"""Benchmark: importing N students (default 10,000) from .xlsx.

Compares, in the same run and on the same database:

- ours: the import service (openpyxl read-only read, every row validated,
  duplicates checked against the database, one transaction of bulk writes
  with encrypted personal data and keyed digests), as the upload page runs it;
- bare: an openpyxl read-only pass over the same file plus a raw
  ``executemany`` insert of the same rows into the same tables, once with the
  personal data encrypted and digested as the schema requires, once plaintext
  (the floor: no validation, no encryption, no ORM).

Usage: .venv/bin/python bench/import_students.py [--scale N]
A fresh SQLite file under bench/out/ by default; PostgreSQL if DATABASE_URL
is set (the data goes under a school named for this run, so runs do not clash).
"""

import argparse
import io
import os
import random
import time
from datetime import date, timedelta

from harness import setup_django as prepare

REGIONS = ["430102", "430103", "430104", "430105", "430111", "430121"]  # codes stdnum knows


def setup_django() -> str:
    prepare("import_students")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    return f"{connection.vendor} {connection.settings_dict['NAME']}"


def make_rows(n: int, classes: list[str], seed: int = 11) -> list[list[str]]:
    """n synthetic students with unique student numbers, IDs, cards, accounts."""
    from stdnum import luhn
    from stdnum.cn import ric

    from programs.students import demo as synthetic

    rng = random.Random(seed)
    rows, ids, cards = [], set(), set()
    for i in range(n):
        while True:
            birth = date(2000, 1, 1) + timedelta(days=rng.randrange(730))
            body = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
            id_number = body + ric.calc_check_digit(body + "0")  # stdnum wants all 18
            card_body = "621700" + "".join(str(rng.randrange(10)) for _ in range(12))
            card = card_body + luhn.calc_check_digit(card_body)
            if id_number not in ids and card not in cards:
                ids.add(id_number)
                cards.add(card)
                break
        rows.append([classes[i % len(classes)], synthetic.make_name(rng), f"2020{i:07d}", id_number,
                     synthetic.make_phone(rng), card, "中国建设银行长沙分行", f"bench:{i:07d}"])
    return rows


def make_xlsx(rows: list[list[str]]) -> bytes:
    import openpyxl

    from programs.students.imports import COLUMNS

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("学生名单")
    sheet.append([c.label for c in COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_programme(label: str, classes: list[str]):
    from programs.agreements.models import Agreement, Programme
    from programs.students.models import SchoolClass
    from trainingweek.models import Organisation, User

    school = Organisation.objects.create(name=f"基准测试学院 {label}", kind=Organisation.Kind.SCHOOL)
    company, _ = Organisation.objects.get_or_create(name="基准测试公司", defaults={"kind": Organisation.Kind.COMPANY})
    agreement = Agreement.objects.create(school=school, company=company, course_title="基准测试",
                                         signed_on=date(2020, 9, 1), term_start=date(2020, 9, 1),
                                         term_end=date(2023, 8, 31))
    programme = Programme.objects.create(agreement=agreement, year=2020, name="基准测试项目")
    class_pks = {name: SchoolClass.objects.create(programme=programme, name=name).pk for name in classes}
    user = User.objects.create(username=f"bench-{label}", role=User.Role.COORDINATOR, organisation=school)
    return programme, class_pks, user


def ours(programme, user, content: bytes) -> tuple[float, float, object]:
    """The service as the upload page runs it (without the HTTP round trip)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from programs.students import services as services_students
    from programs.students.models import StudentImport

    started = time.perf_counter()
    sheet = services_students.read_upload(SimpleUploadedFile("bench.xlsx", content))
    read = time.perf_counter() - started
    record = StudentImport.objects.create(programme=programme, created_by=user, file_name="bench.xlsx",
                                          row_count=sheet.row_count)
    services_students.run_import(record=record, sheet=sheet)
    return read, time.perf_counter() - started, record


def bare(programme, class_pks: dict, content: bytes, encrypt: bool) -> tuple[float, float]:
    """openpyxl read-only pass + raw executemany of the same rows, no checks."""
    import openpyxl
    from django.db import connection, transaction
    from django.utils import timezone

    from trainingweek import crypto

    started = time.perf_counter()
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(min_row=2, values_only=True))
    workbook.close()
    read = time.perf_counter() - started
    now = timezone.now()
    school_id = programme.agreement.school_id

    from programs.students.rules import card_check
    from trainingweek.masking import mask_bank_card, mask_id_number, mask_phone

    def protect(value):
        return (crypto.encrypt(value), crypto.digest(value)) if encrypt else (value, value)

    students = []
    for _class, name, number, id_number, phone, card, bank, _account in rows:
        # The masked copies and the card's check beside the ciphertext are part of the row, as in ours.
        masked = (mask_id_number(id_number), mask_phone(phone), mask_bank_card(card), card_check(card))
        students.append((school_id, number, name, *protect(id_number), *protect(phone), *protect(card), *masked,
                         bank, "", "", now, now))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO students_student (school_id, student_number, name, id_number, id_number_digest, phone, "
            "phone_digest, bank_card, bank_card_digest, id_number_masked, phone_masked, bank_card_masked, "
            "bank_card_check, bank_name, bank_branch, account_holder, created_at, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", students)
        cursor.execute("SELECT student_number, id FROM students_student WHERE school_id = %s", [school_id])
        ids = dict(cursor.fetchall())
        cursor.executemany(
            "INSERT INTO students_enrolment (programme_id, student_id, school_class_id, is_group_leader, "
            "shop_account_id, status, enrolled_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [(programme.pk, ids[r[2]], class_pks[r[0]], False, r[7], "active", now) for r in rows])
    return read, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10_000, help="students in the file (default 10000)")
    args = parser.parse_args()
    database = setup_django()
    from django.conf import settings
    from django.db import connection

    from programs.students.models import Enrolment

    settings.IMPORT_MAX_ROWS = max(settings.IMPORT_MAX_ROWS, args.scale)
    settings.IMPORT_MAX_BYTES = max(settings.IMPORT_MAX_BYTES, 200 * 1024 * 1024)
    classes = [f"20电商{i}班" for i in range(1, 9)]
    rows = make_rows(args.scale, classes)
    content = make_xlsx(rows)
    run = f"{os.getpid()}-{time.time_ns()}"

    programme, _, user = make_programme(f"ours {run}", classes)
    read, ours_total, record = ours(programme, user, content)
    assert record.status == "imported", record.message
    assert Enrolment.objects.filter(programme=programme).count() == args.scale
    _, again_total, again = ours(programme, user, content)
    assert again.unchanged_count == args.scale, again.message

    results = {}
    for encrypt in (True, False):
        other, class_pks, _ = make_programme(f"bare {'enc' if encrypt else 'plain'} {run}", classes)
        results[encrypt] = bare(other, class_pks, content, encrypt)
        assert Enrolment.objects.filter(programme=other).count() == args.scale

    print(f"scale: {args.scale:,} students, file {len(content) / 1048576:.1f} MB, database: {database}"
          f" ({connection.vendor})")
    print(f"ours  service import (read {read:.2f} s + check and write)       {ours_total:7.2f} s"
          f"  {args.scale / ours_total:8,.0f} rows/s")
    print(f"ours  re-import of the same file (all {again.unchanged_count:,} unchanged)      {again_total:7.2f} s")
    for encrypt, label in ((True, "encrypted + digests"), (False, "plaintext          ")):
        bread, btotal = results[encrypt]
        print(f"bare  openpyxl read_only (read {bread:.2f} s) + executemany, {label} {btotal:7.2f} s"
              f"  {args.scale / btotal:8,.0f} rows/s")
    print(f"ratio ours / bare encrypted: {ours_total / results[True][1]:.2f}x;"
          f"  ours / bare plaintext: {ours_total / results[False][1]:.2f}x")


if __name__ == "__main__":
    main()
