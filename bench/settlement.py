"""Benchmark of the settlement area.

    .venv/bin/python bench/settlement.py [--scale N] [--pdfs K]

Sets up its own database (SQLite under bench/out/, or PostgreSQL when
DATABASE_URL is set) with N programmes, each with 2 labs (the computer count
of one changes mid-way), a room without equipment, 3 payments and 200
enrolments (a few dismissed). It then times:

1. the deadlines overview's work, ``selectors.gather`` over all N programmes
   (statement + four deadlines each, Chinese working days), against the bare
   libraries doing the same raw work: one raw SQL query per table through
   the DB-API cursor, Decimal sums, and the same working-day table the app
   uses (the ``chinesecalendar`` package's holidays and 调休 days, read once,
   a sorted list of working days and ``bisect`` for each offset); both sides'
   balances and deposit/settlement due dates must agree;
2. K statement PDFs through ``trainingweek.pdf.render_pdf`` against bare
   WeasyPrint with a new FontConfiguration per document.

Prints the scale, our figure, the bare figure (medians of 3 runs) and the
ratio for each.
"""

import argparse
import time
from datetime import date, timedelta
from decimal import Decimal

from harness import setup_django  # noqa: E402

setup_django("settlement", fresh=False)

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

STUDENTS_PER_PROGRAMME = 200


def build(scale: int) -> list:
    """A fresh data set of ``scale`` programmes (bulk writes, one transaction)."""
    from programs.agreements.models import Agreement, Phase, Programme
    from programs.students.models import Enrolment, SchoolClass, Student
    from stipends.settlement.models import Room, RoomUse, SettlementPayment
    from trainingweek.models import Organisation

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        for model in (Enrolment, Student, RoomUse, Room, SettlementPayment, Phase, SchoolClass, Programme, Agreement):
            model.objects.all().delete()
        school, _ = Organisation.objects.get_or_create(name="基准测试学院", defaults={"kind": "school"})
        company, _ = Organisation.objects.get_or_create(name="基准测试公司", defaults={"kind": "company"})
        agreement = Agreement.objects.create(
            school=school, company=company, course_title="基准", signed_on=date(2018, 9, 1),
            term_start=date(2018, 9, 1), term_end=date(2030, 8, 31),
        )
        programmes = Programme.objects.bulk_create(
            Programme(agreement=agreement, year=2018 + i % 8, name=f"基准项目{i}") for i in range(scale)
        )
        phases, rooms, payments, classes = [], [], [], []
        for p in programmes:
            start = date(p.year, 9, 3)
            phases += [Phase(programme=p, kind="training", start=start, end=date(p.year, 10, 31)),
                       Phase(programme=p, kind="practice", start=date(p.year, 11, 1), end=date(p.year, 11, 30))]
            rooms += [Room(programme=p, name="301", kind="lab"), Room(programme=p, name="302", kind="lab"),
                      Room(programme=p, name="206", kind="plain")]
            payments += [SettlementPayment(programme=p, paid_on=start - timedelta(days=20), amount=Decimal("10000"), kind="deposit"),
                         SettlementPayment(programme=p, paid_on=date(p.year, 12, 20), amount=Decimal("20000"), kind="settlement"),
                         SettlementPayment(programme=p, paid_on=date(p.year, 12, 28), amount=Decimal("123.45"), kind="other")]
            classes.append(SchoolClass(programme=p, name="班级"))
        Phase.objects.bulk_create(phases)
        Room.objects.bulk_create(rooms)
        SettlementPayment.objects.bulk_create(payments)
        SchoolClass.objects.bulk_create(classes)
        uses = []
        by_programme = {p.pk: p for p in programmes}
        for room in rooms:
            y = by_programme[room.programme_id].year
            if room.name == "301":
                uses += [RoomUse(room=room, start=date(y, 11, 1), end=date(y, 11, 10), computers=60),
                         RoomUse(room=room, start=date(y, 11, 11), end=date(y, 11, 30), computers=52)]
            else:
                uses.append(RoomUse(room=room, start=date(y, 11, 1), end=date(y, 11, 30), computers=50 if room.name == "302" else 0))
        RoomUse.objects.bulk_create(uses)
        students = []
        for i in range(scale * STUDENTS_PER_PROGRAMME):
            s = Student(school=school, student_number=f"B{i:08d}", name="学生", id_number=f"X{i}", phone="", bank_card="")
            s.id_number_digest = f"bench-{i}"  # the digests need no real key here
            students.append(s)
        Student.objects.bulk_create(students, batch_size=2000)
        enrolments = []
        for n, s in enumerate(students):
            p = programmes[n // STUDENTS_PER_PROGRAMME]
            status = "dismissed" if n % 97 == 0 else "active"
            enrolments.append(Enrolment(programme=p, student=s, school_class=classes[n // STUDENTS_PER_PROGRAMME],
                                        status=status))
        Enrolment.objects.bulk_create(enrolments, batch_size=2000)
    return programmes


def ours_gather():
    from programs.agreements.models import Programme
    from stipends.settlement import rules, selectors

    programmes = Programme.objects.select_related("agreement__school", "agreement__company")
    gathered = selectors.gather(programmes)
    due = {pid: tuple(next(d.due for d in m.deadlines if d.kind == kind) for kind in (rules.DEPOSIT, rules.SETTLEMENT))
           for pid, m in gathered.items()}
    return sum(m.statement.balance for m in gathered.values()), due


def working_day_table(first: date, last: date) -> list[date]:
    """Every working day from ``first`` to ``last`` as the package's tables say (read once)."""
    import chinese_calendar

    off, worked = set(chinese_calendar.holidays), set(chinese_calendar.workdays)
    days, day = [], first
    while day <= last:
        if day in worked or (day.weekday() < 5 and day not in off):
            days.append(day)
        day += timedelta(days=1)
    return days


def bare_gather():
    """The same raw work with the DB-API cursor and one working-day table."""
    import bisect

    with connection.cursor() as cur:
        cur.execute("SELECT p.id, p.year, a.lab_subsidy_per_computer_day, a.room_rent_per_day, a.good_conduct_bonus, "
                    "a.deposit_due_working_days, a.settlement_due_working_days FROM agreements_programme p "
                    "JOIN agreements_agreement a ON a.id = p.agreement_id")
        programmes = cur.fetchall()
        cur.execute("SELECT programme_id, MIN(start), MAX(\"end\") FROM agreements_phase GROUP BY programme_id")
        spans = {pid: (s, e) for pid, s, e in cur.fetchall()}
        cur.execute("SELECT r.programme_id, r.kind, u.start, u.\"end\", u.computers FROM settlement_roomuse u "
                    "JOIN settlement_room r ON r.id = u.room_id")
        uses = cur.fetchall()
        cur.execute("SELECT programme_id, amount FROM settlement_settlementpayment")
        paid = cur.fetchall()
        cur.execute("SELECT programme_id, COUNT(*) FROM students_enrolment WHERE status = 'dismissed' GROUP BY programme_id")
        dismissed = dict(cur.fetchall())
    first = min(date.fromisoformat(str(s)) for s, _e in spans.values()) - timedelta(days=400)
    last = max(date.fromisoformat(str(e)) for _s, e in spans.values()) + timedelta(days=400)
    table = working_day_table(first, last)

    def nth_workday(day, n):
        # The n-th working day after (n > 0) or before (n < 0) ``day``, never ``day`` itself.
        if n > 0:
            return table[bisect.bisect_right(table, day) + n - 1]
        return table[bisect.bisect_left(table, day) + n]

    fees = {}
    rates = {p[0]: p for p in programmes}
    for pid, kind, start, end, computers in uses:
        start, end = (date.fromisoformat(str(start)), date.fromisoformat(str(end)))
        days = (end - start).days + 1
        _pid, _y, lab, rent, _b, _dd, _sd = rates[pid]
        amount = Decimal(str(lab)) * computers * days if kind == "lab" else Decimal(str(rent)) * days
        fees[pid] = fees.get(pid, Decimal("0")) + amount.quantize(Decimal("0.01"))
    received = {}
    for pid, amount in paid:
        received[pid] = received.get(pid, Decimal("0")) + Decimal(str(amount))
    total, dates = Decimal("0"), {}
    for pid, _year, _lab, _rent, bonus, deposit_days, settle_days in programmes:
        start, end = (date.fromisoformat(str(x)) for x in spans[pid])
        dates[pid] = (nth_workday(start, -deposit_days), nth_workday(end, settle_days))
        due = fees.get(pid, Decimal("0")) + (Decimal("0") if dismissed.get(pid) else Decimal(str(bonus)))
        total += due - received.get(pid, Decimal("0"))
    return total, dates


def timed(fn, repeat=3):
    """The median of ``repeat`` runs, and the last run's answer."""
    import statistics

    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def pdf_figures(count: int):
    from django.template.loader import render_to_string
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from programs.agreements.models import Programme
    from stipends.settlement import selectors
    from stipends.settlement.documents import statement_context
    from trainingweek.pdf import BASE_CSS, render_pdf

    programme = Programme.objects.select_related("agreement__school", "agreement__company").first()
    html = render_to_string("programs/settlement_statement_pdf.html", statement_context(selectors.programme_money(programme)))
    render_pdf(html)  # warm the shared font configuration

    def ours():
        for _ in range(count):
            render_pdf(html)

    def bare():
        for _ in range(count):
            config = FontConfiguration()
            HTML(string=html).write_pdf(stylesheets=[CSS(string=BASE_CSS, font_config=config)], font_config=config)

    return timed(ours)[0], timed(bare)[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=200, help="programmes (200 students each)")
    parser.add_argument("--pdfs", type=int, default=10, help="statement PDFs to render")
    args = parser.parse_args()
    t = time.perf_counter()
    build(args.scale)
    print(f"database: {connection.vendor}; built {args.scale} programmes "
          f"({args.scale * STUDENTS_PER_PROGRAMME} enrolments) in {time.perf_counter() - t:.1f} s")
    ours_s, (ours_total, ours_due) = timed(ours_gather)
    bare_s, (bare_total, bare_due) = timed(bare_gather)
    assert ours_total == bare_total, (ours_total, bare_total)  # the same work, the same answer
    assert ours_due == bare_due, "deposit and settlement due dates differ"
    print(f"statements + deadlines, scale {args.scale}: ours {ours_s * 1000:.1f} ms, "
          f"bare {bare_s * 1000:.1f} ms, ratio {ours_s / bare_s:.2f}")
    ours_pdf, bare_pdf = pdf_figures(args.pdfs)
    print(f"statement PDF x{args.pdfs}: ours {ours_pdf / args.pdfs * 1000:.0f} ms/doc, "
          f"bare {bare_pdf / args.pdfs * 1000:.0f} ms/doc, ratio {ours_pdf / bare_pdf:.2f}")


if __name__ == "__main__":
    main()
