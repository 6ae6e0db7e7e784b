"""Shared fixtures: a programme with two teams and a user for every role.

``world`` is the small programme most permission and page tests run against:
one school, one company, a programme with two classes and two teams, a mentor
on each team, a coordinator, a finance user, an admin (superuser) and a user
with the admin role who is not a superuser, and users of another school and
company who must see none of it.
"""

import copy
import os
import uuid
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import translation

from trainingweek.models import User

from .factories import (
    AgreementFactory,
    CompanyFactory,
    EnrolmentFactory,
    PhaseFactory,
    ProgrammeFactory,
    SchoolClassFactory,
    SchoolFactory,
    TeamFactory,
    UserFactory,
)

IN_CI = os.environ.get("CI", "").lower() == "true"


@dataclass
class World:
    school: object
    company: object
    agreement: object
    programme: object
    class_a: object
    class_b: object
    team_a: object
    team_b: object
    coordinator: User
    mentor_a: User
    mentor_b: User
    finance: User
    admin: User
    other_coordinator: User
    other_finance: User
    other_mentor: User
    enrolments_a: list
    enrolments_b: list
    admin_role: User  # the admin role without is_superuser


@pytest.fixture(autouse=True)
def _eager_celery_and_media(settings, tmp_path):
    """Tasks run in-process and files land in a temporary folder, unless a
    test asks for the real worker (see ``tests/services``)."""
    from trainingweek.celery import app

    settings.MEDIA_ROOT = str(tmp_path / "media")
    # Argon2 is deliberately slow; test users need no real protection.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    app.conf.task_always_eager = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # A cache of its own per test (counters such as rejected imports must not
    # leak from one test to the next), on the configured backend.
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches
    yield


@pytest.fixture
def world(db) -> World:
    school = SchoolFactory(name="测试商务职业技术学院")
    company = CompanyFactory(name="测试服饰电商有限公司")
    agreement = AgreementFactory(school=school, company=company)
    programme = ProgrammeFactory(agreement=agreement, name="2020双十一实训")
    PhaseFactory(programme=programme)
    class_a = SchoolClassFactory(programme=programme, name="19电商1班")
    class_b = SchoolClassFactory(programme=programme, name="19电商2班")
    mentor_a = UserFactory(username="mentor_a", role=User.Role.MENTOR, organisation=company)
    mentor_b = UserFactory(username="mentor_b", role=User.Role.MENTOR, organisation=company)
    team_a = TeamFactory(programme=programme, name="森马组", mentors=[mentor_a])
    team_b = TeamFactory(programme=programme, name="巴拉巴拉组", mentors=[mentor_b])
    other_school = SchoolFactory(name="另一所学校")
    other_company = CompanyFactory(name="另一家公司")
    enrolments_a = [EnrolmentFactory(programme=programme, school_class=class_a, team=team_a) for _ in range(3)]
    enrolments_b = [EnrolmentFactory(programme=programme, school_class=class_b, team=team_b) for _ in range(3)]
    return World(
        school=school, company=company, agreement=agreement, programme=programme,
        class_a=class_a, class_b=class_b, team_a=team_a, team_b=team_b,
        coordinator=UserFactory(username="coordinator", role=User.Role.COORDINATOR, organisation=school),
        mentor_a=mentor_a, mentor_b=mentor_b,
        finance=UserFactory(username="finance", role=User.Role.FINANCE, organisation=company),
        admin=UserFactory(username="admin", role=User.Role.ADMIN, organisation=None, is_superuser=True, is_staff=True),
        other_coordinator=UserFactory(username="other_coord", role=User.Role.COORDINATOR, organisation=other_school),
        other_finance=UserFactory(username="other_fin", role=User.Role.FINANCE, organisation=other_company),
        other_mentor=UserFactory(username="other_mentor", role=User.Role.MENTOR, organisation=company),
        enrolments_a=enrolments_a, enrolments_b=enrolments_b,
        admin_role=UserFactory(username="admin_role", role=User.Role.ADMIN, organisation=None),
    )


@pytest.fixture
def english_ui():
    """For tests that read labels in English: rules speak English, and the
    clients of ``client_for`` ask for pages in English, the way a user who
    switched language gets them. Use it from an area's conftest."""
    with translation.override("en"):
        yield


@pytest.fixture
def client_for(request, settings):
    """``client_for(user)`` returns a test client logged in as that user."""
    english = "english_ui" in request.fixturenames

    def make(user) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        if english:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make
