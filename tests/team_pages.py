"""What a page about one team costs: the queries it runs and the rows it fetches.

``measure(client, url)`` gets the page and returns the number of queries and
the number of rows those queries fetched (counted at the cursor's fetches, so
a query that reads every student of the programme counts every one of them,
whatever Python then keeps). ``grow(...)`` adds teams and students to the
``world`` programme in bulk, each with what the team pages read (KPI values,
team values, a week of attendance, typed scores, a prize share), so that a
page whose cost follows the programme's size shows it.

Shared by tests/scoring and tests/attendance.
"""

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection

from programs.attendance.models import Attendance
from programs.students.models import Enrolment, Student, Team
from scoring.models import EnrolmentScore, KpiValue, PrizeShare, TeamKpiValue, TeamPrize

WEEK = date(2020, 10, 26)  # a Monday of the world's practice phase
_serial = itertools.count(1)


@dataclass
class Cost:
    queries: int = 0
    rows: int = 0  # fetched by the page
    steps: int | None = None  # SQLite only: the database's own work (VM instructions), rows it read included
    by_query: list[tuple[str, int]] = field(default_factory=list)  # (SQL, rows fetched)
    query_steps: list[tuple[str, int]] = field(default_factory=list)  # (SQL, SQLite steps)

    def __str__(self):
        return f"{self.queries} queries, {self.rows} rows, {self.steps} steps:\n" + "\n".join(
            f"{n:6} {sql[:160]}" for sql, n in self.by_query)


class _Counter:
    """An execute wrapper that counts the rows each query's fetches return."""

    def __init__(self):
        self.cost = Cost()

    def __call__(self, execute, sql, params, many, context):
        cursor = context["cursor"]  # django's CursorWrapper: its fetches are looked up on the instance first
        entry = [sql, 0, 0]  # the query, its rows fetched, its SQLite steps
        self.cost.by_query.append(entry)
        raw = cursor.cursor

        def counted(name):
            method = getattr(raw, name)

            def fetch(*args):
                got = method(*args)
                if name == "fetchone":
                    entry[1] += got is not None
                else:
                    entry[1] += len(got)
                return got
            return fetch

        for name in ("fetchone", "fetchmany", "fetchall"):
            setattr(cursor, name, counted(name))
        return execute(sql, params, many, context)


def measure(client, url: str, *, status: int = 200) -> Cost:
    """The queries and fetched rows of one GET of ``url`` and, on SQLite, the
    virtual-machine instructions the database ran for them: a query that
    reads every row of the programme to return a team's (a scan, a GROUP BY
    over the programme) costs more steps as the programme grows, though it
    fetches no more rows."""
    counter = _Counter()
    steps = [0]
    raw = None
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection

        def step():
            steps[0] += 1
            if counter.cost.by_query:
                counter.cost.by_query[-1][2] += 1  # the query running (or being fetched) now
            return 0  # go on
        raw.set_progress_handler(step, 1)
    try:
        with connection.execute_wrapper(counter):
            response = client.get(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
    finally:
        if raw is not None:
            raw.set_progress_handler(None, 1)
    assert response.status_code == status, (url, response.status_code)
    cost = counter.cost
    cost.queries = len(cost.by_query)
    cost.query_steps = [(sql, n) for sql, _rows, n in cost.by_query]
    cost.by_query = [(sql, n) for sql, n, _steps in cost.by_query]
    cost.rows = sum(n for _sql, n in cost.by_query)
    cost.steps = steps[0] if raw is not None else None
    return cost


def fill_team(setup, team, enrolments, *, seed: int = 0) -> None:
    """Give ``enrolments`` (of ``team``) what the team pages read, in bulk."""
    n = seed
    periods = {setup.periods[0], setup.periods[-1]}  # the page's (the last) and one it must leave out
    KpiValue.objects.bulk_create(
        KpiValue(enrolment_id=e.pk, kpi=k, period=p, value=Decimal(10 + (n := n + 7) % 90))
        for e in enrolments for k in setup.student_kpis for p in periods)
    if not TeamKpiValue.objects.filter(team=team).exists():  # once per team
        TeamKpiValue.objects.bulk_create(
            TeamKpiValue(team=team, kpi=k, period=p, value=Decimal(50 + (seed + k.pk) % 40))
            for k in setup.team_kpis for p in periods)
    Attendance.objects.bulk_create(
        Attendance(programme_id=team.programme_id, enrolment_id=e.pk, day=WEEK + timedelta(d), status="present",
                   day_kind="practice", online_hours=Decimal("8.50"))
        for e in enrolments for d in range(7))
    EnrolmentScore.objects.bulk_create(
        EnrolmentScore(enrolment_id=e.pk, obedience=Decimal(90), learning=Decimal(85), teamwork=Decimal(88),
                       exam=Decimal(80), mentor=Decimal(75)) for e in enrolments)


def add_students(world, team, school_class, n: int, *, setup=None, left: int = 0) -> list[Enrolment]:
    """``n`` students in ``team`` (None: none) of ``school_class``'s programme, the last ``left``
    of them withdrawn, bulk created; with ``setup``, filled as :func:`fill_team` does."""
    students = []
    for _ in range(n):
        i = next(_serial)
        s = Student(school=world.school, student_number=f"2099{i:06d}", name=f"学生{i}", id_number=f"X{i:017d}",
                    phone="13800000000", bank_card="6222000000000000")
        s.refresh_digests()
        students.append(s)
    Student.objects.bulk_create(students)
    statuses = [Enrolment.Status.ACTIVE] * (n - left) + [Enrolment.Status.WITHDRAWN] * left
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(programme_id=school_class.programme_id, student=s, school_class=school_class, team=team,
                  status=status)
        for s, status in zip(students, statuses, strict=True))
    if setup is not None:
        fill_team(setup, team, enrolments, seed=team.pk)
    return enrolments


def grow(world, setup, *, teams: int, per_team: int, period=None) -> list[Team]:
    """``teams`` more teams of ``per_team`` students (one of them withdrawn) in
    the world's programme, with every value the team pages read and, for
    ``period``, a fixed prize shared by each team's first member."""
    made = []
    for _ in range(teams):
        team = Team.objects.create(programme=world.programme, name=f"扩展{next(_serial)}组")
        # In the measured team's class: a page that reads by class, not by team, grows with them.
        enrolments = add_students(world, team, world.class_a, per_team, setup=setup, left=1)
        if period is not None:
            prize = TeamPrize.objects.create(programme=world.programme, period=period, team=team, rank=9,
                                             composite=Decimal(50), amount=Decimal(100), split="equal",
                                             awarded_by=world.coordinator)
            PrizeShare.objects.create(prize=prize, enrolment=enrolments[0], amount=Decimal(100))
        made.append(team)
    return made


def more_students(world, setup, teams, per_team: int) -> None:
    """``per_team`` more students in each of ``teams`` (other teams than the one measured)."""
    for team in teams:
        add_students(world, team, world.class_a, per_team, setup=setup)


def small_programme(world, setup, period) -> None:
    """The world's programme at 1×: its two teams and one more, four students
    each (one of them withdrawn in each), every value filled, and team A's
    first student holding an award and a share of a fixed prize."""
    from scoring.models import Award

    for team, enrolments in ((world.team_a, world.enrolments_a), (world.team_b, world.enrolments_b)):
        fill_team(setup, team, enrolments)
        add_students(world, team, enrolments[0].school_class, 1, setup=setup, left=1)
    grow(world, setup, teams=1, per_team=4, period=period)
    prize = TeamPrize.objects.create(programme=world.programme, period=period, team=world.team_a, rank=1,
                                     composite=Decimal(90), amount=Decimal(300), split="equal",
                                     awarded_by=world.coordinator)
    PrizeShare.objects.create(prize=prize, enrolment=world.enrolments_a[0], amount=Decimal(100))
    Award.objects.create(programme=world.programme, enrolment=world.enrolments_a[0], label="优秀", amount=Decimal(50),
                         created_by=world.coordinator)


def personal_columns_read(cost: Cost) -> list[str]:
    """The queries that read a student's encrypted column (each row read is a decryption)."""
    from programs.students.selectors import PERSONAL_COLUMNS

    columns = [f'"students_student"."{name}"' for name in PERSONAL_COLUMNS]
    return [sql for sql, _n in cost.by_query if any(c in sql for c in columns)]


@dataclass
class Scales:
    """One page measured at 1× (3 teams of 4), wide (15 teams of 4) and deep
    (the same 15 teams, the 14 the page is not about 3 times bigger)."""

    base: Cost
    wide: Cost
    deep: Cost

    def __str__(self):
        return f"1×: {self.base}\n\nwide: {self.wide}\n\ndeep: {self.deep}"


def measure_scales(world, setup, period, client, url: str) -> Scales:
    """``url`` measured as the programme grows around the page's team (see :class:`Scales`)."""
    small_programme(world, setup, period)
    base = measure(client, url)
    others = grow(world, setup, teams=12, per_team=4, period=period)
    wide = measure(client, url)
    more_students(world, setup, [*others, world.team_b], 8)
    return Scales(base, wide, measure(client, url))


def assert_same_work(before: Cost, after: Cost) -> None:
    """On SQLite, the database did the same work for each query (its steps): where
    they differ, the query read rows beyond the page's team. Elsewhere nothing to count."""
    if before.steps is None:
        return
    grown = [(a, b, sql[:300]) for (sql, a), (_sql, b) in zip(before.query_steps, after.query_steps, strict=True)
             if a != b]
    assert before.steps == after.steps and not grown, grown
