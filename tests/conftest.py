"""Shared fixtures: a programme with two teams and a user for every role.

``world`` is the small programme most permission and page tests run against:
one school, one company, a programme with two classes and two teams, a mentor
on each team, a coordinator, a finance user, an admin (superuser) and a user
with the admin role who is not a superuser, and users of another school and
company who must see none of it.
"""

import copy
import fcntl
import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

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


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory, worker_id) -> Path:
    """A SQLite file with every migration applied, made once per test run
    (the xdist processes share it): a test that starts the app in a process
    of its own on a file database copies it (:func:`copy_migrated_sqlite`)
    rather than migrating afresh, which costs ~15 s of CPU each time. What a
    fresh migration does is still run: here once, and by ``.ci/serve``'s test."""
    base = tmp_path_factory.getbasetemp()
    run_dir = base if worker_id == "master" else base.parent  # this run's, never an earlier run's
    made = run_dir / "migrated.sqlite3"
    with open(run_dir / "migrated.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not made.exists():
            partial = run_dir / "migrating.sqlite3"
            env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL"))}
            subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, check=True, timeout=300,
                           env={**env, "DATABASE_URL": f"sqlite:///{partial}",
                                "DJANGO_SETTINGS_MODULE": "trainingweek.settings"})
            partial.rename(made)
    return made


def copy_migrated_sqlite(migrated: Path, to: Path) -> Path:
    """``migrated`` (the fixture's file) copied to ``to``: a migrated database of the test's own."""
    to.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(migrated, to)
    return to


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
    assert not _job_world_alive, (
        "this module's tests share the job world (world_with_job): ask for it, or move the test to a module of its own")
    return build_world()


def build_world() -> World:
    """The rows of :class:`World`, created now."""
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


# The job world of the module whose tests are running, while it is (its rows are in the open transaction).
_job_world_alive: list = []


@pytest.fixture(scope="module")
def _job_world_of_module(django_db_setup, django_db_blocker, tmp_path_factory):
    """``tests.job_world``'s world, built once for the tests of a module in
    this process, in a transaction held open until the last of them and
    then rolled back. Each test runs in a savepoint inside it (pytest-django's
    own transaction), so what a test writes is gone before the next, as
    Django's ``TestCase.setUpTestData`` does."""
    from django.db import transaction
    from django.test.utils import override_settings

    from tests.job_world import add_job_world
    from trainingweek.celery import app

    media = tmp_path_factory.mktemp("job-world-media")
    with django_db_blocker.unblock(), override_settings(
            MEDIA_ROOT=str(media), PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            CELERY_TASK_ALWAYS_EAGER=True):
        eager, app.conf.task_always_eager = app.conf.task_always_eager, True
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            made = add_job_world(build_world()), media
            _job_world_alive.append(made)
            yield made
        finally:
            _job_world_alive.clear()
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            app.conf.task_always_eager = eager


@pytest.fixture
def world_with_job(_job_world_of_module, db, settings):
    """The job world for one test: its rows as built (the test's writes are
    rolled back after it), its files in the test's media folder, and its
    objects a copy of their own (what one test changes on them, the next
    does not see)."""
    world, media = _job_world_of_module
    shutil.copytree(media, settings.MEDIA_ROOT, dirs_exist_ok=True)
    return copy.deepcopy(world)


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
