"""The embedded default under load: the server ``.ci/serve`` runs (runserver,
one thread per request) on a SQLite file, and 8 people each saving 25
attendance cells as fast as they can, 200 saves at once. Every save must
answer (no 500 "database is locked") and every cell must be stored.

Before WAL and IMMEDIATE transactions, 41 of 200 such saves failed here.
Bounded: a fixed number of requests, 127.0.0.1 only, a timeout on each."""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests

from tests.conftest import copy_migrated_sqlite
from tests.load import GridSession, together

ROOT = Path(__file__).resolve().parents[1]
PEOPLE, SAVES = 8, 25
MONDAYS = [date(2020, 10, 19) + timedelta(weeks=w) for w in range(4)]  # 28 days, one student each
STATUSES = ["present", "late", "absent"]


def build() -> None:
    """Run in the server's environment: a programme, a team of PEOPLE students
    and PEOPLE mentors; prints their ids and names as JSON."""
    from tests.factories import (
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
    from trainingweek.models import User

    company = CompanyFactory()
    programme = ProgrammeFactory(agreement=AgreementFactory(school=SchoolFactory(), company=company))
    PhaseFactory(programme=programme, start=MONDAYS[0], end=MONDAYS[-1] + timedelta(days=6))
    mentors = [UserFactory(username=f"sqlite_mentor_{i}", role=User.Role.MENTOR, organisation=company)
               for i in range(PEOPLE)]
    team = TeamFactory(programme=programme, mentors=mentors)
    school_class = SchoolClassFactory(programme=programme)
    students = [EnrolmentFactory(programme=programme, school_class=school_class, team=team) for _ in range(PEOPLE)]
    print(json.dumps({"programme": programme.pk, "team": team.pk, "students": [e.pk for e in students],
                      "mentors": [m.username for m in mentors]}))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def sqlite_server(tmp_path, migrated_sqlite):
    """A migrated SQLite file with ``build()``'s data, served by runserver on 127.0.0.1."""
    db = tmp_path / "load.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "DJANGO_SETTINGS_MODULE": "trainingweek.settings",
           "DEBUG": "true", "CELERY_TASK_ALWAYS_EAGER": "true", "MEDIA_ROOT": str(tmp_path / "media")}
    env.pop("REDIS_URL", None)

    def run(*args):
        return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=True, capture_output=True,
                              text=True, timeout=300).stdout

    copy_migrated_sqlite(migrated_sqlite, db)
    data = json.loads(run("-c", "import django; django.setup(); from tests.test_sqlite_load import build; build()")
                      .strip().splitlines()[-1])
    port = _free_port()
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{url}/accounts/login/", timeout=5)
                break
            except requests.ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp_path / "server.log").read_text()[-2000:]) from None
                time.sleep(0.3)
        yield url, db, data, tmp_path / "server.log"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_200_concurrent_attendance_saves_on_sqlite_all_answer_and_all_are_stored(sqlite_server):
    url, db, data, log = sqlite_server
    path = f"/programs/{data['programme']}/attendance/{data['team']}/"
    tabs = [GridSession(url).login(name) for name in data["mentors"]]

    def person(i):
        student = data["students"][i]

        def run(start):
            start()  # all eight begin together, then save as fast as the server answers
            answers = []
            for n in range(SAVES):
                day = MONDAYS[0] + timedelta(days=n)
                week = f"?week={day - timedelta(days=day.weekday()):%Y-%m-%d}"
                form = tabs[i].form(path + week, "attendance-form")
                form[f"s_{student}_{day:%Y%m%d}"] = STATUSES[(i + n) % 3]
                answers.append(tabs[i].post(path + week, form).status_code)
            return answers

        return run

    statuses = [code for answers in together([person(i) for i in range(PEOPLE)]) for code in answers]
    failed = [code for code in statuses if code >= 500]
    assert len(statuses) == PEOPLE * SAVES
    assert failed == [], f"{len(failed)} of {len(statuses)} saves answered 5xx; server log: {log.read_text()[-1500:]}"
    assert set(statuses) == {302}

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = dict(((e, d), s) for e, d, s in conn.execute(
            "SELECT enrolment_id, day, status FROM attendance_attendance"))
    missing = [(i, n) for i in range(PEOPLE) for n in range(SAVES)
               if rows.get((data["students"][i], (MONDAYS[0] + timedelta(days=n)).isoformat())) != STATUSES[(i + n) % 3]]
    assert missing == [], f"{len(missing)} of {PEOPLE * SAVES} writes missing"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
