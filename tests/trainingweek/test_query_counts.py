"""List pages run a fixed number of queries however many rows they show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    EnrolmentFactory,
    PhaseFactory,
    ProgrammeFactory,
    SchoolClassFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _grow_programmes(world, n):
    for _ in range(n):
        programme = ProgrammeFactory(agreement=world.agreement)
        PhaseFactory(programme=programme)
        team = TeamFactory(programme=programme, mentors=[world.mentor_a])
        EnrolmentFactory(programme=programme, team=team)


def _grow_enrolments(world, n):
    for _ in range(n):
        EnrolmentFactory(programme=world.programme, school_class=world.class_a, team=world.team_a)


@pytest.mark.parametrize("role", ["coordinator", "finance", "mentor_a"])
def test_programme_list(world, client_for, role):
    client = client_for(getattr(world, role))
    _grow_programmes(world, 2)
    few = count_queries(client, "/programs/")
    _grow_programmes(world, 6)
    assert count_queries(client, "/programs/") == few <= 8


def test_agreement_list(world, client_for):
    from tests.factories import AgreementFactory

    client = client_for(world.coordinator)
    AgreementFactory(school=world.school)
    few = count_queries(client, "/programs/agreements/")
    for _ in range(5):
        AgreementFactory(school=world.school)
    assert count_queries(client, "/programs/agreements/") == few <= 8


@pytest.mark.parametrize("role", ["coordinator", "finance", "mentor_a"])
def test_enrolment_list(world, client_for, role):
    client = client_for(getattr(world, role))
    url = f"/programs/{world.programme.pk}/enrolments/"
    _grow_enrolments(world, 5)
    few = count_queries(client, url)
    _grow_enrolments(world, 20)
    # The coordinator's team bar reads the teams, classes and group leaders it offers: three more.
    assert count_queries(client, url) == few <= (13 if role == "coordinator" else 10)


def test_team_detail(world, client_for):
    client = client_for(world.coordinator)
    url = f"/programs/{world.programme.pk}/teams/{world.team_a.pk}/"
    _grow_enrolments(world, 5)
    few = count_queries(client, url)
    _grow_enrolments(world, 20)
    assert count_queries(client, url) == few <= 10


def test_programme_detail(world, client_for):
    client = client_for(world.coordinator)
    url = f"/programs/{world.programme.pk}/"
    TeamFactory(programme=world.programme, mentors=[world.mentor_a])
    few = count_queries(client, url)
    for _ in range(4):
        TeamFactory(programme=world.programme, mentors=[world.mentor_b])
        SchoolClassFactory(programme=world.programme)
    _grow_enrolments(world, 10)
    assert count_queries(client, url) == few
