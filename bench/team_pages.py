"""Benchmark: a page about one team costs that team, however big its programme.

    .venv/bin/python bench/team_pages.py [--small 200] [--large 10000] [--team-size 50]

Sets up its own database (a fresh SQLite file under bench/out/, or
PostgreSQL when DATABASE_URL is set: use your own database, it is flushed)
with two programmes side by side, of ``--small`` and of ``--large`` students
in teams of ``--team-size`` (classes of the same size, each team across two
classes), a generated roster, the default KPIs with a value of every student
in two periods, the team values, a week of attendance and the typed score
items of every student. Team 0 of both programmes holds the same students'
data, and its mentor asks, through the Django test client (session, access
checks, templates and all):

- the KPI grid of the team (with the ranking of every team below it),
- the attendance week of the team,
- the team's score sheets,
- the KPI template of the mentor's students (an xlsx download),
- one student's score-sheet PDF (a download).

Prints each page's median of 3 (after a warm-up) at both scales and the ratio
large / small: the target is 1 within noise. Checks that both programmes show
team 0 the same (grid values and scores, sheet totals, the week's records)
and that the standings of the large programme, from the team totals the
database keeps (``TeamKpiTotal``), are what a bare read of every member's
values gives. On PostgreSQL the tables are analysed after the bulk load, as
autovacuum would. Not a test: run it by
hand (tests/test_bench.py runs it tiny, so it keeps working).
"""

import argparse
import random
import statistics
import time
from collections import defaultdict
from datetime import date, timedelta
from datetime import time as clock
from decimal import ROUND_HALF_UP, Decimal

from harness import settle_database, setup_django

FIRST = date(2020, 10, 26)  # a Monday: the week the pages show
DAYS = 28


def build(name: str, scale: int, team_size: int, school, company):
    """A programme of ``scale`` students; returns (programme, team 0, its mentor, its first student)."""
    from programs.agreements.models import Agreement, Phase, Programme
    from programs.attendance.models import Attendance
    from programs.rosters import services as rosters
    from programs.rosters.models import RosterPlan, ShiftTemplate
    from programs.students.models import Enrolment, SchoolClass, Student, Team
    from scoring import services
    from scoring.models import EnrolmentScore, KpiValue, TeamKpiValue
    from trainingweek.models import User

    agreement = Agreement.objects.create(school=school, company=company, course_title=f"基准{name}",
                                         signed_on=date(2020, 9, 1), term_start=date(2020, 9, 1),
                                         term_end=date(2021, 8, 31))
    programme = Programme.objects.create(agreement=agreement, year=2020, name=f"基准团队页面{name}")
    Phase.objects.create(programme=programme, kind=Phase.Kind.PRACTICE, start=FIRST, end=FIRST + timedelta(DAYS - 1))
    morning = ShiftTemplate.objects.create(programme=programme, name="早班", label="早", start=clock(8, 30),
                                           end=clock(17, 0), paid_hours=Decimal("8"))
    evening = ShiftTemplate.objects.create(programme=programme, name="晚班", label="晚", start=clock(16, 30),
                                           end=clock(22, 0), paid_hours=Decimal("5.5"))
    RosterPlan.objects.create(programme=programme, first_shift=morning, second_shift=evening)
    groups = (scale + team_size - 1) // team_size
    classes = SchoolClass.objects.bulk_create(SchoolClass(programme=programme, name=f"19电商{n:03d}班")
                                              for n in range(groups + 1))
    teams = Team.objects.bulk_create(Team(programme=programme, name=f"品牌{n:03d}组") for n in range(groups))
    mentor = User.objects.create(username=f"bench-mentor-{name}", role=User.Role.MENTOR, organisation=company)
    teams[0].mentors.set([mentor])
    students = []
    for n in range(scale):
        s = Student(school=school, student_number=f"{name}{n:07d}", name=f"学生{n % team_size:03d}",
                    id_number=f"43010{n:013d}", phone="13800000000", bank_card="6222020000000000000")
        s.id_number_digest = f"{name}-{n}"  # the digests need no real key here
        students.append(s)
    Student.objects.bulk_create(students, batch_size=2000)
    half = team_size // 2 or 1
    enrolments = Enrolment.objects.bulk_create(
        [Enrolment(programme=programme, student=s, team=teams[n // team_size],
                   school_class=classes[(n + half) // team_size],  # each team across two classes
                   status="withdrawn" if n % team_size == team_size - 1 else "active")
         for n, s in enumerate(students)], batch_size=2000)
    rosters.generate_roster(programme=programme)
    setup = services.create_default_setup(programme=programme)
    periods = [setup.periods[0], setup.sheet_period]

    def rng_of(n):  # each team's data from its own seed: team 0 is the same in both programmes
        return random.Random(n // team_size)

    rows, rng = [], None
    for n, e in enumerate(enrolments):
        rng = rng_of(n) if n % team_size == 0 else rng
        rows += [KpiValue(enrolment=e, kpi=k, period=p, value=Decimal(rng.randint(1, 900_000)) / 100)
                 for k in setup.student_kpis for p in periods]
    KpiValue.objects.bulk_create(rows, batch_size=5000)
    TeamKpiValue.objects.bulk_create(
        TeamKpiValue(team=t, kpi=k, period=p, value=Decimal(random.Random(n).randint(50, 99)))
        for n, t in enumerate(teams) for k in setup.team_kpis for p in periods)
    rows = []
    for n, e in enumerate(enrolments):
        rng = rng_of(n) if n % team_size == 0 else rng
        rows += [Attendance(programme=programme, enrolment=e, day=FIRST + timedelta(d), day_kind="practice",
                            status=rng.choice(["present"] * 8 + ["late", "absent"]),
                            online_hours=Decimal(rng.randrange(10, 34)) / 2) for d in range(7)]
    Attendance.objects.bulk_create(rows, batch_size=5000)
    EnrolmentScore.objects.bulk_create(
        (EnrolmentScore(enrolment=e, obedience=Decimal(90), learning=Decimal(85), teamwork=Decimal(88),
                        exam=Decimal(60 + n % 40), mentor=Decimal(70 + n % 30)) for n, e in enumerate(enrolments)),
        batch_size=5000)
    return programme, teams[0], mentor, enrolments[0], setup


def pages(programme, team, enrolment, setup) -> dict[str, str]:
    from django.urls import reverse

    period = setup.sheet_period
    return {
        "KPI grid of the team": reverse("scoring:kpi_grid", args=[programme.pk, team.pk, period.pk]),
        "attendance week of the team": reverse("programs:attendance_week",
                                               kwargs={"pk": programme.pk, "team_pk": team.pk}) + f"?week={FIRST}",
        "score sheets of the team": reverse("scoring:team_sheets", args=[programme.pk, team.pk]),
        "KPI template (xlsx)": reverse("scoring:kpi_template", args=[programme.pk]) + f"?period={period.pk}",
        "a student's sheet (PDF)": reverse("scoring:student_pdf", args=[programme.pk, enrolment.pk]),
    }


def get(client, url: str) -> float:
    """One GET of ``url``, read to the end; its time in seconds."""
    t = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    return time.perf_counter() - t


def timed(clients: dict, urls: dict, repeat: int = 3) -> dict[str, list[float]]:
    """Per programme, the median of ``repeat`` GETs of each of its pages, the
    programmes taking turns (so neither gets the warmer caches), after one
    GET of every page to warm up."""
    for name, client in clients.items():
        for url in urls[name].values():
            get(client, url)
    times = {name: defaultdict(list) for name in clients}
    for _ in range(repeat):
        for page in urls["S"]:
            for name, client in clients.items():
                times[name][page].append(get(client, urls[name][page]))
    return {name: {page: statistics.median(t) for page, t in by_page.items()} for name, by_page in times.items()}


def shown(programme, team, setup) -> tuple:
    """What the pages show of ``team``, as plain values (no ids): grid, sheets, week."""
    from programs.attendance import selectors as attendance
    from programs.rosters import rules as roster_rules
    from scoring import selectors

    grid = selectors.kpi_grid(setup, team, setup.sheet_period)
    sheets = selectors.score_sheets(setup, programme, selectors.team_enrolments(team))
    week = attendance.attendance_grid(programme, team, roster_rules.week_days(FIRST))
    (standing,) = [s for s in selectors.team_standings(setup, programme, setup.sheet_period, member_teams=())
                   if s.team.pk == team.pk]
    return ([(r.enrolment.student.name, [c.text for c in r.cells], r.kpi_score) for r in grid.rows],
            [c.text for c in grid.team_cells],
            [(s.enrolment.student.name, s.total) for s in sheets],
            [(r.enrolment.student.name, [(c.status, c.online_hours, c.scheduled) for c in r.cells]) for r in week],
            [standing.figures[k.pk] for k in setup.kpis], standing.composite)


def bare_figures(programme, setup) -> dict[tuple[int, int], Decimal]:
    """Each team's figure of each student-level KPI the bare way: every member's value read, averaged in Python."""
    from django.db import connection

    values = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute("""SELECT e.team_id, v.kpi_id, v.value FROM scoring_kpivalue v
                          JOIN students_enrolment e ON e.id = v.enrolment_id
                          WHERE v.period_id = %s AND e.programme_id = %s AND e.team_id IS NOT NULL""",
                       [setup.sheet_period.pk, programme.pk])
        for team_id, kpi_id, value in cursor.fetchall():
            values[(team_id, kpi_id)].append(Decimal(str(value)).quantize(Decimal("0.0001")))
    student_kpis = {k.pk for k in setup.student_kpis}
    return {key: (sum(vs) / len(vs)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
            for key, vs in values.items() if key[1] in student_kpis}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=200, help="students of the small programme (default 200)")
    parser.add_argument("--large", type=int, default=10_000, help="students of the large programme (default 10,000)")
    parser.add_argument("--team-size", type=int, default=50, help="students per team and per class (default 50)")
    args = parser.parse_args()
    vendor = setup_django("team_pages", migrate=True)

    from django.db import transaction
    from django.test import Client

    from scoring import selectors
    from trainingweek.models import Organisation

    t0 = time.perf_counter()
    school = Organisation.objects.create(name="基准学校", kind="school")
    company = Organisation.objects.create(name="基准公司", kind="company")
    built = {}
    for name, scale in (("S", args.small), ("L", args.large)):
        with transaction.atomic():
            built[name] = build(name, scale, args.team_size, school, company)
    settle_database()
    print(f"database: {vendor}; programmes of {args.small:,} and {args.large:,} students in teams of "
          f"{args.team_size} ({(args.small + args.team_size - 1) // args.team_size} and "
          f"{(args.large + args.team_size - 1) // args.team_size} teams), built in {time.perf_counter() - t0:.0f} s; "
          f"one team's pages as its mentor, medians of 3")

    small, large = (shown(p, t, s) for p, t, _m, _e, s in built.values())
    assert small == large, "team 0 is not shown the same in both programmes"
    programme, _team, _mentor, _e, setup = built["L"]
    ours = {(s.team.pk, k.pk): s.figures[k.pk]
            for s in selectors.team_standings(setup, programme, setup.sheet_period, member_teams=())
            for k in setup.student_kpis if s.figures[k.pk] is not None}
    assert ours == bare_figures(programme, setup), "the kept totals' figures are not the members' means"

    clients, urls = {}, {}
    for name, (programme, team, mentor, enrolment, setup) in built.items():
        clients[name] = Client()
        clients[name].force_login(mentor)
        urls[name] = pages(programme, team, enrolment, setup)
    results = timed(clients, urls)
    small_label, large_label = f"{args.small:,} students", f"{args.large:,} students"
    print(f"{'page':30} {small_label:>16} {large_label:>17} {'ratio large/small':>18}")
    for page in results["S"]:
        a, b = results["S"][page], results["L"][page]
        print(f"{page:30} {a * 1000:13.1f} ms {b * 1000:14.1f} ms {b / a:18.2f}")
    print(f"check: team 0 shown the same at both scales; the {len(ours)} team × KPI figures of the large programme "
          f"from the kept totals equal the bare mean of every member's values")


if __name__ == "__main__":
    main()
