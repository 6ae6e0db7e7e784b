"""Eight people save one grid at the same moment, on PostgreSQL, through a
real server (pytest-django's live server, one database session per request
thread) and eight logged-in ``requests`` sessions posting the whole form as a
browser without JavaScript does. Nothing anyone saved may be lost; when two
change the same cell, one wins and the other is told, their entry kept.

Before versioned cells, the whole-form saves lost 7 of every 8 sessions'
changes here."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from programs.attendance.models import Attendance
from scoring import services as scoring_services
from scoring.models import KpiValue
from tests.factories import UserFactory
from tests.grid_forms import form_fields
from tests.load import GridSession, together
from tests.rosters.conftest import add_students, rostered, shifts  # noqa: F401 (fixtures)
from tests.services.conftest import _missing
from trainingweek.models import User

pytestmark = pytest.mark.services

N = 8
D = Decimal
MON, TUE, WED, THU = (date(2020, 11, d) for d in (9, 10, 11, 12))


@pytest.fixture
def on_postgres(transactional_db):
    if connection.vendor != "postgresql":
        _missing("needs PostgreSQL: set DATABASE_URL (bash .ci/run does)")


def people(world):
    """N students and N mentors of team A, each mentor with a logged-in session."""
    students = world.enrolments_a + add_students(world, world.team_a, world.class_a, N - len(world.enrolments_a))
    mentors = [UserFactory(username=f"load_mentor_{i}", role=User.Role.MENTOR, organisation=world.company)
               for i in range(N)]
    world.team_a.mentors.add(*mentors)
    return students, mentors


def sessions(live_server, mentors):
    return [GridSession(live_server.url).login(m.username) for m in mentors]


def day(d: date) -> str:
    return f"{d:%Y%m%d}"


def stored(enrolment, d):
    record = Attendance.objects.filter(enrolment=enrolment, day=d).first()
    return None if record is None else (record.status, record.online_hours)


def test_eight_sessions_on_one_attendance_week_lose_nothing(on_postgres, world, rostered, live_server):  # noqa: F811
    students, mentors = people(world)
    tabs = sessions(live_server, mentors)
    url = f"/programs/{world.programme.pk}/attendance/{world.team_a.pk}/?week=2020-11-09"

    def own_cells(i):
        def run(start):
            form = tabs[i].form(url, "attendance-form")
            e = students[i]
            form[f"s_{e.pk}_{day(MON)}"], form[f"h_{e.pk}_{day(MON)}"] = "late", str(i + 1)
            form[f"s_{e.pk}_{day(TUE)}"] = "absent"
            start()
            return tabs[i].post(url, form)
        return run

    responses = together([own_cells(i) for i in range(N)])
    assert [r.status_code for r in responses] == [302] * N
    lost = [i for i in range(N) if (stored(students[i], MON), stored(students[i], TUE))
            != (("late", D(i + 1)), ("absent", None))]
    assert lost == [], f"{len(lost)} of {N} saves lost (sessions {lost})"

    # Pairs change the same cell (the Wednesday of the pair's first student),
    # and each its own student's Thursday.
    def shared_cell(i):
        def run(start):
            form = tabs[i].form(url, "attendance-form")
            shared = students[i - i % 2]
            form[f"s_{shared.pk}_{day(WED)}"] = "present" if i % 2 else "absent"
            form[f"s_{students[i].pk}_{day(THU)}"] = "late"
            start()
            return tabs[i].post(url, form)
        return run

    responses = together([shared_cell(i) for i in range(N)])
    assert all(stored(students[i], THU) == ("late", None) for i in range(N)), "a change beside a conflict was lost"
    for first in range(0, N, 2):
        shared = students[first]
        pair = responses[first], responses[first + 1]
        assert sorted(r.status_code for r in pair) == [200, 302], [r.status_code for r in pair]
        winner, loser = (first, first + 1) if pair[0].status_code == 302 else (first + 1, first)
        assert stored(shared, WED) == ("present" if winner % 2 else "absent", None)
        page = responses[loser].text
        assert 'data-testid="attendance-conflicts"' in page and shared.student.name in page and "2020-11-11" in page
        kept = form_fields(page, "attendance-form")[f"s_{shared.pk}_{day(WED)}"]
        assert kept == ("present" if loser % 2 else "absent"), "the loser's entry is not kept in the form"


def test_eight_sessions_on_one_kpi_grid_lose_nothing(on_postgres, world, live_server):
    setup = scoring_services.create_default_setup(programme=world.programme)
    whole = setup.periods[-1]
    sales, conversion, served = (next(k for k in setup.kpis if k.code == c) for c in ("sales", "conversion", "customers"))
    students, mentors = people(world)
    tabs = sessions(live_server, mentors)
    url = f"/scoring/{world.programme.pk}/kpi/{world.team_a.pk}/{whole.pk}/"

    def value(e, k):
        row = KpiValue.objects.filter(enrolment=e, kpi=k, period=whole).first()
        return None if row is None else row.value

    def own_cells(i):
        def run(start):
            form = tabs[i].form(url, "kpi-form")
            form[f"v_{students[i].pk}_{sales.pk}"] = str(10000 + i)
            form[f"v_{students[i].pk}_{conversion.pk}"] = f"{50 + i}%"
            start()
            return tabs[i].post(url, form)
        return run

    responses = together([own_cells(i) for i in range(N)])
    assert [r.status_code for r in responses] == [302] * N
    lost = [i for i in range(N) if (value(students[i], sales), value(students[i], conversion)) != (10000 + i, 50 + i)]
    assert lost == [], f"{len(lost)} of {N} saves lost (sessions {lost})"

    def shared_cell(i):
        def run(start):
            form = tabs[i].form(url, "kpi-form")
            form[f"v_{students[i - i % 2].pk}_{served.pk}"] = str(100 + i)
            form[f"v_{students[i].pk}_{sales.pk}"] = str(20000 + i)
            start()
            return tabs[i].post(url, form)
        return run

    responses = together([shared_cell(i) for i in range(N)])
    lost = [i for i in range(N) if value(students[i], sales) != 20000 + i]
    assert lost == [], f"{len(lost)} of {N} changes beside a conflict lost (sessions {lost})"
    for first in range(0, N, 2):
        pair = responses[first], responses[first + 1]
        assert sorted(r.status_code for r in pair) == [200, 302], [r.status_code for r in pair]
        winner, loser = (first, first + 1) if pair[0].status_code == 302 else (first + 1, first)
        assert value(students[first], served) == 100 + winner
        page = responses[loser].text
        assert 'data-testid="grid-conflicts"' in page and students[first].student.name in page and served.name in page
        assert form_fields(page, "kpi-form")[f"v_{students[first].pk}_{served.pk}"] == str(100 + loser)
