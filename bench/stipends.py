"""Benchmark: stipend statements, the freeze and the bank file for N students × D days.

    .venv/bin/python bench/stipends.py [--scale 10000] [--days 30] [--layout plain]
                                       [--only statements|freeze] [--profile FILE]

``--only statements`` measures 1. alone, ``--only freeze`` 2. alone (the
bank file, 3.–5., needs the frozen batch and runs only in a full run);
``--profile FILE`` runs the freeze once more under cProfile after the timed
runs and writes the statistics to FILE (``python -m pstats FILE``).

Sets up its own database: a fresh SQLite file under bench/out/ by default,
or PostgreSQL when DATABASE_URL is set (use your own database: it is
flushed). The data exercise every line the rules make: training and
intensive-training days paid from each student's assessment date (some
passed late, some never), practice, pre-sale and after-sale days with online
hours (overtime above the threshold), rest days, days outside the phases,
absence and leave; support duty (some below the minimum of days); students
who left mid-way (and refused or pending departures that do not count);
awards with and without a scoring period, team-prize shares, confirmed
incidents of every level and cash compensations (reported and disputed ones
that do not count), and students whose incidents reach the liability cap.

In the same run it measures (medians of 3, ours and bare taken in turns):

1. our statements, ``stipends.payouts.selectors.statements`` for every
   student (every line with its sources), against the bare floor: one SQL
   GROUP BY over the attendance (with the profile and departure joined) plus
   three small queries (awards, prize shares, confirmed incidents) and the
   few lines of plain Python that turn them into the same lines. Both sides
   must give every student the same lines (code, quantity, rate, amount) and
   the same gross. Then against a like-for-like floor that yields the day
   lines' sources too: the worked days' rows from one raw query without a
   join (streamed in chunks on PostgreSQL, as ours reads them) and the
   assessment dates and last days from two small ones, put into lines in
   plain Python with the full collections waiting, as ours does; both must
   give the same lines and sources. And the raw read of those
   rows alone, as a share of the GROUP BY floor (streamed, and with
   ``fetchall``, in turns);
2. our freeze, ``stipends.payouts.services.freeze_batch`` (statements, tax,
   adjustment against earlier batches, encrypted accounts, the items and
   their history rows written by COPY on PostgreSQL, in chunks of 500),
   against the bare floor of its writes: the same item and history rows,
   the card encrypted and the JSON serialised, written by psycopg's COPY in
   one transaction (executemany on SQLite); both must leave the same rows
   (counts, money sums, each student's net). Ours makes the history rows on
   the server (``INSERT ... SELECT``), the bare side copies them; the ratio
   to a bare COPY of the items alone is printed too;
3. our bank-file writer, ``stipends.payouts.documents.bank_file`` over the
   batch's transfers, against a bare openpyxl write-only sheet of the same
   rows;
4. the bank-file page, the finance user's download through the Django test
   client (login, permission, the personal-data access log, the query,
   decrypting the accounts, the sheet), against the bare floor: one raw SQL
   query of the same rows, the same Fernet decryption of each account, and
   the bare openpyxl write-only sheet. Both files are read back and must
   hold the same rows.
   (Measured with ``DIRECT_DOWNLOAD_MAX_ROWS`` raised above the scale: by
   default a batch of more than 2,000 transfers is prepared by a job, 5.)
5. a big batch's bank file through the job (``DIRECT_DOWNLOAD_MAX_ROWS``
   set to 0, so at any scale): the page a GET of the bank file's address
   answers, the job's work (on a worker: read, write the sheet, encrypt and
   store it), the batch's page, and finance's download of the prepared file
   through the test client (permission, the job looked up, the fingerprint of
   the transfers recomputed, the file decrypted, the access log), against
   the bare floor of that download: open the stored file and Fernet-decrypt
   it. The prepared file must be the bare one and hold the rows of 4.

Prints the scale, the figures and the ratios. Not a test: run it by hand.
"""

import argparse
import gc
import io
import random
import statistics
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from harness import setup_django as prepare

CLASS_SIZE = 200
TEAM_SIZE = 10
TRAINING_DAYS = 3  # then INTENSIVE_DAYS of intensive training, then practice
INTENSIVE_DAYS = 2
PRE_SALE = range(18, 21)  # day offsets of the pre-sale and after-sale stretches of the practice
AFTER_SALE = range(21, 23)
CENT = Decimal("0.01")


def setup_django() -> str:
    import os

    from harness import OUT

    os.environ.setdefault("MEDIA_ROOT", str(OUT / "media-stipends"))  # the prepared bank files (5.)
    return prepare("stipends", migrate=True)


def timed(fn, repeat: int = 3):
    """The median of ``repeat`` runs of ``fn`` and the last run's answer."""
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def timed_pair(ours, bare, repeat: int = 3):
    """Medians of ``repeat`` runs of each, taken in turns (ours, bare, ours…)
    so that a change of load on a shared machine falls on both sides, each
    run on a collected heap without the other side's answer (else one side's
    hundreds of thousands of objects slow the other's garbage collections);
    then each side's answer from one more run, for the checks."""
    times: tuple[list, list] = ([], [])
    for _ in range(repeat):
        for side, fn in enumerate((ours, bare)):
            gc.collect()
            t = time.perf_counter()
            answer = fn()
            times[side].append(time.perf_counter() - t)
            del answer
    return statistics.median(times[0]), ours(), statistics.median(times[1]), bare()


def build(scale: int, days: int, layout: str):
    """A programme with ``scale`` students (bank cards, some at another
    bank, some paid to another holder) in classes of 200 and teams of 10,
    ``days`` days of attendance each, and everything else a statement
    reads (see the module docstring)."""
    from django.db import connection, transaction

    from programs.agreements.models import Agreement, Phase, Programme
    from programs.attendance.models import Departure
    from programs.students import demo as synthetic
    from programs.students.models import Enrolment, SchoolClass, Student, Team
    from scoring.models import Award, Incident, PrizeShare, ScoringPeriod, TeamPrize
    from stipends.payouts.models import RateCard, StipendProfile
    from trainingweek.models import Organisation, User
    from trainingweek.money import split_largest_remainder

    rng = random.Random(5)
    school = Organisation.objects.create(name="基准学校", kind="school")
    company = Organisation.objects.create(name="基准公司", kind="company")
    finance = User.objects.create(username="bench-finance", role=User.Role.FINANCE, organisation=company)
    checker = User.objects.create(username="bench-finance2", role=User.Role.FINANCE, organisation=company)
    agreement = Agreement.objects.create(school=school, company=company, course_title="基准",
                                         signed_on=date(2020, 9, 1), term_start=date(2020, 9, 1),
                                         term_end=date(2021, 8, 31))
    programme = Programme.objects.create(agreement=agreement, year=2020, name="基准实训")
    RateCard.objects.create(programme=programme, bank_file_profile=layout)
    first = date(2020, 10, 20)
    practice_from = TRAINING_DAYS + INTENSIVE_DAYS
    Phase.objects.create(programme=programme, kind=Phase.Kind.TRAINING, start=first,
                         end=first + timedelta(TRAINING_DAYS - 1))
    Phase.objects.create(programme=programme, kind=Phase.Kind.INTENSIVE, start=first + timedelta(TRAINING_DAYS),
                         end=first + timedelta(practice_from - 1))
    Phase.objects.create(programme=programme, kind=Phase.Kind.PRACTICE, start=first + timedelta(practice_from),
                         end=first + timedelta(max(days, practice_from + 1) - 1))
    groups = (scale + CLASS_SIZE - 1) // CLASS_SIZE
    classes = SchoolClass.objects.bulk_create(SchoolClass(programme=programme, name=f"班{n:03d}") for n in range(groups))
    teams = Team.objects.bulk_create(Team(programme=programme, name=f"组{n:04d}")
                                     for n in range((scale + TEAM_SIZE - 1) // TEAM_SIZE))
    banks = [("中国工商银行", "长沙分行"), ("招商银行", "长沙分行"), ("中国银行", "湘潭支行"), ("", "")]
    students, seen = [], set()
    for n in range(scale):
        id_number = synthetic.make_id_number(rng, birth_year=2000 + n % 4)
        while id_number in seen:
            id_number = synthetic.make_id_number(rng, birth_year=2000 + n % 4)
        seen.add(id_number)
        bank, branch = banks[n % len(banks)]
        s = Student(school=school, student_number=f"B{n:07d}", name=synthetic.make_name(rng), id_number=id_number,
                    phone=synthetic.make_phone(rng), bank_card=synthetic.make_bank_card(rng), bank_name=bank,
                    bank_branch=branch, account_holder=synthetic.make_name(rng) if n % 61 == 0 else "")
        s.refresh_digests()
        students.append(s)
    Student.objects.bulk_create(students, batch_size=2000)
    enrolments = Enrolment.objects.bulk_create(
        [Enrolment(programme=programme, student=s, school_class=classes[n // CLASS_SIZE], team=teams[n // TEAM_SIZE])
         for n, s in enumerate(students)], batch_size=2000)

    # Profiles: most passed the assessment during the training (a few only
    # after it, or not at all), 1 in 29 on support duty, 1 in 20 no profile.
    passed_after = [0, 1, 2, 2, 2, 3, 4, days + 1]
    profiles = []
    for n, e in enumerate(enrolments):
        if n % 20 == 0:
            continue
        passed = first + timedelta(rng.choice(passed_after)) if n % 17 else None
        profiles.append(StipendProfile(enrolment=e, assessment_passed_on=passed, support_duty=n % 29 == 3,
                                       account_name=synthetic.make_name(rng) if n % 50 == 7 else ""))
    StipendProfile.objects.bulk_create(profiles, batch_size=2000)
    support = {p.enrolment_id for p in profiles if p.support_duty}

    # Departures: 1 in 37 left mid-way (in effect); pending and refused ones do not count.
    departures = []
    for n, e in enumerate(enrolments):
        status = (Departure.Status.DONE if n % 37 == 5 else Departure.Status.PENDING if n % 53 == 7
                  else Departure.Status.REFUSED if n % 59 == 9 else None)
        if status:
            departures.append(Departure(programme=programme, enrolment=e, kind=Departure.Kind.WITHDRAWAL,
                                        status=status, last_day=first + timedelta(rng.randrange(2, max(days, 3))),
                                        reason="基准", requested_by=finance))
    Departure.objects.bulk_create(departures)

    # Awards (with or without a period) and team prizes shared by the members.
    periods = [ScoringPeriod.objects.create(programme=programme, name=f"第{k + 1}周", order=k) for k in range(2)]
    awards = []
    for n, e in enumerate(enrolments):
        for k in range(2 if n % 45 == 0 else 1 if n % 9 == 0 else 0):
            awards.append(Award(programme=programme, enrolment=e, period=periods[k] if n % 2 else None,
                                label=rng.choice(["销售冠军", "服务之星", "积分达标"]),
                                amount=rng.choice([Decimal("50"), Decimal("100"), Decimal("200.50")]),
                                created_by=finance))
    Award.objects.bulk_create(awards, batch_size=2000)
    members = defaultdict(list)
    for e in enrolments:
        members[e.team_id].append(e)
    prizes, shares = [], []
    for period in periods:
        winners = rng.sample(teams, max(1, len(teams) // 5))
        for rank, team in enumerate(winners, start=1):
            amount = Decimal(rng.choice([1000, 600, 333]))
            prizes.append(TeamPrize(programme=programme, period=period, team=team, rank=rank, composite=Decimal("90"),
                                    amount=amount, split="equal", awarded_by=finance))
    TeamPrize.objects.bulk_create(prizes)
    for prize in prizes:
        team = members[prize.team_id]
        for e, share in zip(team, split_largest_remainder(prize.amount, [1] * len(team)), strict=True):
            shares.append(PrizeShare(prize=prize, enrolment=e, amount=share))
    PrizeShare.objects.bulk_create(shares, batch_size=2000)

    # Incidents: 1 in 7 students has one to three (every level and cash);
    # support-duty students and some leavers get a level 4 (above what they
    # earn: the liability cap); a quarter are reported or disputed only.
    incidents = []
    for n, e in enumerate(enrolments):
        count = rng.randrange(1, 4) if n % 7 == 0 else 0
        levels = [rng.choice(["1", "2", "3", "cash"]) for _ in range(count)]
        if e.pk in support and n % 2 or n % 37 == 5 and n % 3 == 0:
            levels.append("4")
        for level in levels:
            status = rng.choice([Incident.Status.CONFIRMED] * 3 + [Incident.Status.REPORTED, Incident.Status.DISPUTED])
            cash = Decimal(rng.randrange(100, 20000)) / 100 if level == "cash" else None
            incidents.append(Incident(programme=programme, enrolment=e, occurred_on=first + timedelta(rng.randrange(days)),
                                      level=level, cash_amount=cash, description="基准", status=status,
                                      reported_by=finance))
    Incident.objects.bulk_create(incidents, batch_size=2000)

    statuses = ["present"] * 90 + ["late"] * 6 + ["absent"] * 2 + ["leave"] + ["rest"]
    rows = []
    for e in enrolments:
        for d in range(days):
            status = rng.choice(statuses)
            kind = ("rest" if status == "rest" else "other" if rng.random() < 0.01
                    else "training" if d < TRAINING_DAYS else "intensive" if d < practice_from
                    else "pre_sale" if d - practice_from in PRE_SALE else "after_sale" if d - practice_from in AFTER_SALE
                    else "practice")
            hours = (None if d < practice_from or status in ("absent", "leave", "rest")
                     else Decimal(rng.randrange(12, 22)) / 2)
            rows.append((programme.pk, e.pk, first + timedelta(d), status, hours, kind, False))
    sql = ("INSERT INTO attendance_attendance (programme_id, enrolment_id, day, status, online_hours, day_kind, "
           "is_truancy, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, CURRENT_TIMESTAMP)")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    if connection.vendor == "postgresql":
        # The planner's statistics and the visibility of the new rows, as
        # autovacuum keeps them on a live database (without statistics the
        # planner nests loops over 300,000 rows; without the vacuum every
        # first read of a page checks each row's transaction).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return programme, finance, checker, [e.pk for e in enrolments]


# --------------------------------------------------------------------------- the bare statements
BARE_DAYS = """
    SELECT a.enrolment_id,
           SUM(CASE WHEN a.day_kind IN ('training', 'intensive') AND a.status IN ('present', 'late')
                     AND p.assessment_passed_on IS NOT NULL AND a.day >= p.assessment_passed_on
                    THEN 1 ELSE 0 END),
           SUM(CASE WHEN a.day_kind IN ('practice', 'pre_sale', 'after_sale') AND a.status IN ('present', 'late')
                    THEN 1 ELSE 0 END),
           SUM(CASE WHEN a.day_kind IN ('practice', 'pre_sale', 'after_sale') AND a.status IN ('present', 'late')
                     AND a.online_hours > %(threshold)s
                    THEN a.online_hours - %(threshold)s ELSE 0 END),
           SUM(CASE WHEN a.day_kind NOT IN ('rest', 'other') AND a.status IN ('present', 'late') THEN 1 ELSE 0 END),
           SUM(CASE WHEN a.day_kind NOT IN ('rest', 'other') AND a.status = 'present' THEN 1 ELSE 0 END)
    FROM attendance_attendance a
    LEFT JOIN payouts_stipendprofile p ON p.enrolment_id = a.enrolment_id
    LEFT JOIN attendance_departure d ON d.enrolment_id = a.enrolment_id AND d.status = 'done'
    WHERE a.programme_id = %(programme)s AND (d.last_day IS NULL OR a.day <= d.last_day)
    GROUP BY a.enrolment_id
"""
BARE_SUPPORT = "SELECT enrolment_id FROM payouts_stipendprofile WHERE support_duty AND enrolment_id IN " \
               "(SELECT id FROM students_enrolment WHERE programme_id = %(programme)s)"
BARE_CREDITS = """
    SELECT enrolment_id, 'award', amount FROM scoring_award WHERE programme_id = %(programme)s ORDER BY id
"""
BARE_PRIZES = """
    SELECT s.enrolment_id, 'team_prize', s.amount FROM scoring_prizeshare s
    JOIN scoring_teamprize t ON t.id = s.prize_id JOIN scoring_scoringperiod p ON p.id = t.period_id
    WHERE t.programme_id = %(programme)s ORDER BY p."order", s.id
"""
BARE_INCIDENTS = """
    SELECT enrolment_id, level, cash_amount FROM scoring_incident
    WHERE programme_id = %(programme)s AND status = 'confirmed' ORDER BY occurred_on, id
"""


def _dec(value) -> Decimal:
    # SQLite hands back REAL for numeric columns; PostgreSQL Decimal.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


BARE_WORKED_DAYS = """
    SELECT enrolment_id, day, id, day_kind, status, online_hours FROM attendance_attendance
    WHERE programme_id = %(programme)s AND status IN ('present', 'late') AND day_kind NOT IN ('rest', 'other')
"""
BARE_PASSED = """
    SELECT enrolment_id, assessment_passed_on FROM payouts_stipendprofile
    WHERE assessment_passed_on IS NOT NULL AND enrolment_id IN
          (SELECT id FROM students_enrolment WHERE programme_id = %(programme)s)
"""
BARE_LEFT = """
    SELECT enrolment_id, last_day FROM attendance_departure WHERE status = 'done' AND enrolment_id IN
          (SELECT id FROM students_enrolment WHERE programme_id = %(programme)s)
"""
DAY_LINES = ("training_days", "practice_days", "overtime", "support_duty")


def raw_rows(cursor, sql: str, params, *, stream: bool = True) -> list[tuple]:
    """All rows of a raw query: streamed in chunks from PostgreSQL with a
    libpq of 17 or later (the server renders the next chunk while Python
    takes the last, as ours reads), else (or without ``stream``) ``fetchall``."""
    from django.db import connection

    if stream and connection.vendor == "postgresql":
        import psycopg

        if psycopg.pq.version() >= 170000:
            return list(cursor.cursor.stream(sql, params, size=1000))
    cursor.execute(sql, params)
    return cursor.fetchall()


@contextmanager
def young_collections_only():
    """The full garbage collections wait while the block runs (as they do in
    ours: hundreds of thousands of rows, no cycles), without project code."""
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], 1 << 30, 1 << 30)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def bare_day_sources(cursor, params, threshold, support: set[int]) -> tuple[dict, dict]:
    """Each student's worked days from one raw query of the rows (no join,
    no ORDER BY; read by :func:`raw_rows`) and two small ones (assessment
    dates, last days), put in the day lines in plain Python: the counts
    :data:`BARE_DAYS` sums, and each day line's sources, (day, record id[,
    hours over]) in day order. The full garbage collections wait meanwhile,
    as they do for ours."""
    cursor.execute(BARE_PASSED, params)
    passed_on = dict(cursor.fetchall())
    cursor.execute(BARE_LEFT, params)
    left = dict(cursor.fetchall())
    with young_collections_only():
        days: dict[int, list] = {}
        for row in raw_rows(cursor, BARE_WORKED_DAYS, params):
            own = days.get(row[0])
            if own is None:
                days[row[0]] = [row]
            else:
                own.append(row)
        counts, sources = {}, {}
        customer = ("practice", "pre_sale", "after_sale")
        for e, own in days.items():
            own.sort()
            last = left.get(e)
            if last is not None:
                own = [x for x in own if x[1] <= last]
            training, practice, over, on_time = [], [], [], []
            if e in support:
                on_time = [(day, record_id) for _e, day, record_id, _k, status, _h in own if status == "present"]
            else:
                passed = passed_on.get(e)
                for _e, day, record_id, kind, _status, hours in own:
                    if kind in customer:
                        practice.append((day, record_id))
                        if hours is not None and hours > threshold:
                            over.append((day, record_id, _dec(hours) - threshold))
                    elif passed is not None and day >= passed:
                        training.append((day, record_id))
            counts[e] = (len(training), len(practice), sum((x[2] for x in over), Decimal(0)), len(own), len(on_time))
            sources[e] = {"training_days": tuple(training), "practice_days": tuple(practice),
                          "overtime": tuple(over), "support_duty": tuple(on_time)}
    return counts, sources


def bare_worked_rows(programme_id: int, *, stream: bool = True) -> int:
    """Only the read of :data:`BARE_WORKED_DAYS` (:func:`raw_rows`): how many rows."""
    from django.db import connection

    with connection.cursor() as cursor, young_collections_only():
        return len(raw_rows(cursor, BARE_WORKED_DAYS, {"programme": programme_id}, stream=stream))


def bare_statements(programme_id: int, ids: list[int], card, *, with_sources: bool = False) -> dict[int, list[tuple]]:
    """The same lines (code, quantity, rate, amount) per student from a few
    raw queries and plain Python: the floor the rules are measured against.
    With ``with_sources`` the day lines carry their sources too (a fifth
    value), from the worked days' rows instead of the GROUP BY."""
    from django.db import connection

    params = {"programme": programme_id, "threshold": card.overtime_threshold_hours}
    with connection.cursor() as cursor:
        cursor.execute(BARE_SUPPORT, params)
        support = {row[0] for row in cursor.fetchall()}
        if with_sources:
            counts, sources = bare_day_sources(cursor, params, card.overtime_threshold_hours, support)
        else:
            cursor.execute(BARE_DAYS, params)
            counts = {row[0]: row[1:] for row in cursor.fetchall()}
        cursor.execute(BARE_CREDITS, params)
        credits = cursor.fetchall()
        cursor.execute(BARE_PRIZES, params)
        credits += cursor.fetchall()
        cursor.execute(BARE_INCIDENTS, params)
        incidents = cursor.fetchall()
    by_student = defaultdict(list)
    for e, code, amount in credits:
        by_student[e].append((code, _cents(_dec(amount))))
    shares = defaultdict(list)
    for e, level, cash in incidents:
        shares[e].append(_cents(_dec(cash)) if level == "cash" else card.penalties[level].student_share)
    one = Decimal(1)
    result = {}
    for e in ids:
        training, practice, hours, attended, on_time = counts.get(e, (0, 0, 0, 0, 0))
        lines = []
        if e in support:
            if attended >= card.support_min_days and on_time:
                lines.append(("support_duty", Decimal(on_time), card.support_day, _cents(card.support_day * on_time)))
        else:
            if training:
                lines.append(("training_days", Decimal(training), card.training_day,
                              _cents(card.training_day * training)))
            if practice:
                lines.append(("practice_days", Decimal(practice), card.practice_day,
                              _cents(card.practice_day * practice)))
            hours = _dec(hours or 0)
            if hours:
                lines.append(("overtime", hours, card.overtime_hour, _cents(hours * card.overtime_hour)))
        lines += [(code, one, amount, amount) for code, amount in by_student.get(e, ())]
        earned = sum((x[3] for x in lines), Decimal(0))
        liability = Decimal(0)
        for share in shares.get(e, ()):
            liability += share
            lines.append(("penalty", one, -share, -share))
        if liability > earned:
            lines.append(("liability_cap", one, liability - earned, liability - earned))
        if with_sources:
            own = sources.get(e, {})
            lines = [(*x, own[x[0]] if x[0] in DAY_LINES else ()) for x in lines]
        result[e] = lines
    return result


def line_values(stipend, *, with_sources: bool = False) -> list[tuple]:
    if with_sources:
        return [(x.code, x.quantity, x.rate, x.amount, tuple(x.sources) if x.code in DAY_LINES else ())
                for x in stipend.lines]
    return [(x.code, x.quantity, x.rate, x.amount) for x in stipend.lines]


# --------------------------------------------------------------------------- the bare bank file
BARE_BANK_ROWS = """
    SELECT i.account, i.account_name, i.net, i.bank_name, i.bank_branch
    FROM payouts_payoutitem i
    WHERE i.batch_id = %(batch)s AND i.status = 'pending' AND i.net > 0
    ORDER BY i.class_name, i.student_number, i.id
"""


def bare_sheet(title: str, headers, rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def bare_rows(profile, records) -> list[tuple]:
    """The profile's columns of each transfer, by plain indexing (the floor of
    :func:`stipends.payouts.rules.bank_file_rows`)."""
    rows = []
    for account, name, net, bank, branch, note in records:
        elsewhere = not profile.bank or profile.bank not in bank
        values = {"account": account, "account_name": name, "amount": net, "purpose": profile.purpose,
                  "note": note, "payee_bank": f"{bank}{branch}" if elsewhere else "", "region": "",
                  "province": "", "city": ""}
        rows.append(tuple(values[c.value] for c in profile.columns))
    return rows


def bare_bank_page(batch_id: int, profile) -> bytes:
    """The bank-file page's floor: one raw query, Fernet-decrypt each account, a bare write-only sheet."""
    from django.db import connection

    from trainingweek import crypto

    with connection.cursor() as cursor:
        cursor.execute(BARE_BANK_ROWS, {"batch": batch_id})
        records = [(crypto.decrypt(account) if account else "", name, _dec(net), bank, branch, f"#{batch_id}")
                   for account, name, net, bank, branch in cursor.fetchall()]
    return bare_sheet(profile.label, [c.header for c in profile.columns], bare_rows(profile, records))


def sheet_values(content: bytes) -> list[tuple]:
    """A workbook's first sheet read back as plain values (amounts to the cent)."""
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [tuple(_cents(_dec(v)) if isinstance(v, int | float) else (v or "") for v in row)
            for row in ws.iter_rows(values_only=True)]


ITEMS, HISTORY = "payouts_payoutitem", "payouts_historicalpayoutitem"
JSON_COLUMNS: list[str] = []  # filled in main() from the model


def written(batch_id: int) -> dict:
    """What a freeze wrote, to compare ours with the bare COPY: items and
    history rows counted, money summed, each student's net."""
    from django.db import connection

    from trainingweek import crypto

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), SUM(gross), SUM(tax), SUM(net) FROM {ITEMS} WHERE batch_id = %s", [batch_id])
        count, gross, tax, net = cursor.fetchone()
        cursor.execute(f"SELECT COUNT(*), SUM(net) FROM {HISTORY} WHERE batch_id = %s AND history_type = '+'",
                       [batch_id])
        history, history_net = cursor.fetchone()
        cursor.execute(f"SELECT enrolment_id, net FROM {ITEMS} WHERE batch_id = %s", [batch_id])
        nets = {e: Decimal(str(n)) for e, n in cursor.fetchall()}
        # Each item's account and its history row's, decrypted (the tokens differ run by run).
        cursor.execute(f"SELECT i.enrolment_id, i.account, h.account FROM {ITEMS} i JOIN {HISTORY} h ON h.id = i.id "
                       f"WHERE i.batch_id = %s AND h.history_type = '+'", [batch_id])
        accounts = {e: tuple(crypto.decrypt(t) if t else "" for t in tokens) for e, *tokens in cursor.fetchall()}
    return {"items": count, "history": history, "gross": Decimal(str(gross)), "tax": Decimal(str(tax)),
            "net": Decimal(str(net)), "history_net": Decimal(str(history_net)), "nets": nets, "accounts": accounts}


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
        for column in JSON_COLUMNS:  # lines, tax_detail, settling
            values[column] = json.dumps(values[column])
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
    parser.add_argument("--layout", default="plain", help="bank file layout (plain, cmb, icbc)")
    parser.add_argument("--only", choices=["statements", "freeze"], help="measure only this part")
    parser.add_argument("--profile", metavar="FILE", help="profile one more freeze with cProfile into FILE")
    args = parser.parse_args()
    vendor = setup_django()

    from django.test import Client
    from django.urls import reverse

    from stipends.payouts import documents, selectors, services

    t0 = time.perf_counter()
    programme, finance, checker, ids = build(args.scale, args.days, args.layout)
    setup_s = time.perf_counter() - t0
    card = selectors.rate_card(programme).to_rules()

    if args.only != "freeze":
        # 1. Our statements, every line with its sources, against the bare floor.
        ours_statements, found, bare_statements_s, bare = timed_pair(
            lambda: selectors.statements(programme, ids), lambda: bare_statements(programme.pk, ids, card))
        assert len(found) == len(bare) == args.scale
        differ = [e for e in ids if line_values(found[e]) != bare[e]]
        assert not differ, f"{len(differ)} students' lines differ, e.g. {line_values(found[differ[0]])} ≠ {bare[differ[0]]}"
        # The same against a floor that yields the day lines' sources too (like for like).
        ours_sourced_s, _, bare_sourced_s, sourced = timed_pair(
            lambda: selectors.statements(programme, ids),
            lambda: bare_statements(programme.pk, ids, card, with_sources=True))
        differ = [e for e in ids if line_values(found[e], with_sources=True) != sourced[e]]
        assert not differ, f"{len(differ)} students' lines or sources differ, e.g. {differ[0]}"
        # What reading those rows alone costs (no Python over them): the part of
        # the gap to the GROUP BY that any statement with its sources pays.
        # Streamed (as both sides read them) and with fetchall, in turns.
        rows_s, worked_rows, fetchall_s, _ = timed_pair(lambda: bare_worked_rows(programme.pk),
                                                        lambda: bare_worked_rows(programme.pk, stream=False))
        kinds = {x.code for s in found.values() for x in s.lines}
        expected = {"training_days", "practice_days", "overtime", "support_duty", "award", "team_prize", "penalty",
                    "liability_cap"}
        assert kinds == expected, f"the data make only {sorted(kinds)}"
        lines = sum(len(s.lines) for s in found.values())

    def print_statements():
        print(f"database: {vendor}; scale: {args.scale:,} students × {args.days} days "
              f"= {args.scale * args.days:,} attendance rows, {lines:,} statement lines of {len(kinds)} kinds "
              f"(set-up {setup_s:.1f} s); medians of 3")
        print(f"statements (every line with its sources): ours {ours_statements:7.3f} s   "
              f"bare SQL + the same lines {bare_statements_s:7.3f} s   "
              f"ratio {ours_statements / bare_statements_s:5.2f}×")
        print(f"statements against a bare floor that yields the sources too (the worked days' rows, plain Python): "
              f"ours {ours_sourced_s:7.3f} s   bare {bare_sourced_s:7.3f} s   "
              f"ratio {ours_sourced_s / bare_sourced_s:5.2f}×")
        print(f"  reading the {worked_rows:,} worked days' rows alone (raw, streamed on PostgreSQL; nothing done with them): "
              f"{rows_s:7.3f} s = {rows_s / bare_statements_s:4.2f}× the GROUP BY floor "
              f"(with fetchall instead: {fetchall_s:7.3f} s)")

    if args.only == "statements":
        print_statements()
        return

    # 2. Our batch: compute, tax, freeze into items (a fresh draft batch each run, made untimed),
    # against the bare floor of its writes: a COPY of the same rows, encryption and JSON included.
    from programs.students.models import Enrolment
    from stipends.payouts.models import PayoutItem

    times, batches = [], []
    for _ in range(3):
        if batches:
            drop_items(batches[-1].pk)
        batches.append(services.create_batch(programme=programme, user=finance, pay_on=date(2020, 12, 20)))
        t0 = time.perf_counter()
        summary = services.freeze_batch(batch_id=batches[-1].pk)
        times.append(time.perf_counter() - t0)
    ours_freeze = statistics.median(times)
    if args.profile:  # one more freeze, untimed, under the profiler
        import cProfile

        drop_items(batches[-1].pk)
        batches.append(services.create_batch(programme=programme, user=finance, pay_on=date(2020, 12, 20)))
        profiler = cProfile.Profile()
        summary = profiler.runcall(services.freeze_batch, batch_id=batches[-1].pk)
        profiler.dump_stats(args.profile)
    batch = batches[-1]
    ours_rows = written(batch.pk)
    assert ours_rows["items"] == ours_rows["history"] == summary["items"]
    assert ours_rows["history_net"] == ours_rows["net"]
    cards = dict(Enrolment.objects.filter(pk__in=ids).values_list("pk", "student__bank_card"))
    assert all(item == history == (cards[e] or "") for e, (item, history) in ours_rows["accounts"].items()), \
        "an item's account (or its history row's) is not the student's card"
    from django.db import models

    columns = [f.column for f in PayoutItem._meta.concrete_fields]
    JSON_COLUMNS[:] = [f.column for f in PayoutItem._meta.concrete_fields if isinstance(f, models.JSONField)]
    frozen = [{f.column: getattr(i, f.attname) for f in PayoutItem._meta.concrete_fields}
              for i in PayoutItem.objects.filter(batch=batch).order_by("pk")]

    def bare_write(history: bool = True):
        drop_items(batch.pk)
        bare_freeze_write(frozen, columns, finance.pk, history=history)

    bare_freeze, _ = timed(bare_write)
    assert written(batch.pk) == ours_rows, "the bare COPY and our freeze wrote different rows"
    bare_items, _ = timed(lambda: bare_write(history=False))

    def print_freeze():
        print(f"freeze the batch ({summary['items']:,} items): ours {ours_freeze:7.3f} s   "
              f"bare {'COPY' if vendor == 'postgresql' else 'executemany'} of the same item and history rows "
              f"{bare_freeze:7.3f} s   ratio {ours_freeze / bare_freeze:5.2f}×   "
              f"(items alone {bare_items:.3f} s: {ours_freeze / bare_items:.2f}×)")

    if args.only == "freeze":
        print(f"database: {vendor}; scale: {args.scale:,} students × {args.days} days "
              f"(set-up {setup_s:.1f} s); medians of 3")
        print_freeze()
        return
    bare_write()  # the batch's rows again, for the bank file
    services.approve_batch(batch=batch, user=checker, confirmed=True)

    # 3. Our bank-file writer against a bare write-only sheet of the same rows.
    profile = selectors.bank_file_profile(programme)
    transfers = selectors.bank_transfers(batch)
    rows = bare_rows(profile, [(t.account, t.account_name, t.amount, t.bank_name, t.bank_branch, t.note)
                               for t in transfers])
    ours_bank, ours_file, bare_bank, bare_file = timed_pair(
        lambda: documents.bank_file(transfers, profile),
        lambda: bare_sheet(profile.label, [c.header for c in profile.columns], rows))
    assert sheet_values(ours_file) == sheet_values(bare_file), "the bank files differ"

    # 4. The bank-file page as finance downloads it, against query + decrypt + bare sheet.
    client = Client()
    client.force_login(finance)
    url = reverse("stipends:bank_file", args=[programme.pk, batch.pk])

    def download() -> bytes:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response.content

    from django.test import override_settings

    with override_settings(DIRECT_DOWNLOAD_MAX_ROWS=args.scale):  # built within the request, whatever the scale
        download(), bare_bank_page(batch.pk, profile)  # warm, as a running server is (URLs resolved, code loaded)
        ours_page, page_file, bare_page, bare_page_file = timed_pair(
            download, lambda: bare_bank_page(batch.pk, profile))
    assert sheet_values(page_file) == sheet_values(bare_page_file), "the downloaded bank file differs from the bare one"
    from trainingweek import crypto

    tokens = _tokens(batch.pk)
    decrypt_s, _ = timed(lambda: [crypto.decrypt(t) for t in tokens])

    # 5. The same batch as a big one: its bank file prepared by the job, then downloaded.
    from django.core.files.storage import default_storage

    from trainingweek.models import Job

    with override_settings(DIRECT_DOWNLOAD_MAX_ROWS=0):
        def prepare_page() -> bytes:
            response = client.get(url)
            assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
            return response.content

        def run_job() -> Job:  # eager here: the POST runs the job's work once its row is committed
            response = client.post(reverse("stipends:bank_prepare", args=[programme.pk, batch.pk, "file"]))
            assert response.status_code == 302, response.status_code
            job = Job.objects.filter(kind=selectors.BANK_FILE_JOB_KIND).latest("pk")
            assert job.status == Job.Status.SUCCEEDED, job.message
            return job

        batch_url = reverse("stipends:batch_detail", args=[programme.pk, batch.pk])
        prepare_page(), client.get(batch_url)  # warm
        page_s, _ = timed(prepare_page)
        job_s, job = timed(run_job)
        batch_page_s, _ = timed(lambda: client.get(batch_url))
        prepared_url = reverse("stipends:bank_prepared", args=[programme.pk, batch.pk, "file", job.pk])

        def prepared() -> bytes:
            response = client.get(prepared_url)
            assert response.status_code == 200, response.status_code
            return response.content

        def bare_prepared() -> bytes:
            with default_storage.open(job.result["file"], "rb") as stored:
                return crypto.decrypt_bytes(stored.read())

        prepared(), bare_prepared()  # warm
        ours_prepared, prepared_file, bare_prepared_s, bare_prepared_file = timed_pair(prepared, bare_prepared)
        assert prepared_file == bare_prepared_file, "the prepared download differs from the stored file"
        assert sheet_values(prepared_file) == sheet_values(page_file), "the prepared file differs from the direct one"
        fingerprint_s, _ = timed(lambda: selectors.bank_file_fingerprint(batch, "file"))

    print_statements()
    print_freeze()
    print(f"bank file writer ({len(transfers):,} transfers, {profile.key}): ours {ours_bank:7.3f} s   "
          f"bare openpyxl write-only {bare_bank:7.3f} s   ratio {ours_bank / bare_bank:5.2f}×   "
          f"({len(ours_file) / 1024:.0f} KiB)")
    print(f"bank file page (finance's download):      ours {ours_page:7.3f} s   "
          f"bare query + decrypt + write-only {bare_page:7.3f} s   ratio {ours_page / bare_page:5.2f}×   "
          f"(decrypting the {len(transfers):,} accounts alone: {decrypt_s:.3f} s)")
    print(f"big batch through the job: the bank file's address answers its page in {page_s:.3f} s, the batch's "
          f"page {batch_page_s:.3f} s; the job's work (on a worker) {job_s:.3f} s")
    print(f"prepared bank file download:              ours {ours_prepared:7.3f} s   "
          f"bare read + decrypt of the stored file {bare_prepared_s:7.3f} s   "
          f"ratio {ours_prepared / bare_prepared_s:5.2f}×   (the transfers' fingerprint alone: {fingerprint_s:.3f} s)")


def _tokens(batch_id: int) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT account FROM payouts_payoutitem WHERE batch_id = %s AND account <> ''", [batch_id])
        return [row[0] for row in cursor.fetchall()]


if __name__ == "__main__":
    main()
