"""The embedded default runs jobs off the request: ``.ci/serve``'s set-up.

A file SQLite database, the filesystem broker and a real ``celery worker``
process, as the README's run command starts them: starting a job only queues
it (the request does not do the work), and the worker beside the web process
then runs it to the end.
"""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import copy_migrated_sqlite

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
from datetime import date
from tests.factories import EnrolmentFactory, ProgrammeFactory, UserFactory, PhaseFactory
from trainingweek.models import User, Job
from stipends.payouts import services
programme = ProgrammeFactory()
PhaseFactory(programme=programme)
EnrolmentFactory.create_batch(3, programme=programme)
user = UserFactory(role=User.Role.FINANCE, organisation=programme.agreement.company)
from django.db import transaction
with transaction.atomic():
    batch = services.create_batch(programme=programme, user=user, pay_on=date(2020, 12, 20))
    job = services.start_freeze(batch=batch, user=user)
print(job.pk)
"""



def _status(tmp_path: Path, job_id: int) -> str:
    # Read the row straight from the file the web side and the worker share.
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        return db.execute("SELECT status FROM trainingweek_job WHERE id = ?", [job_id]).fetchone()[0]


def _env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "CELERY_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", CELERY_BROKER_URL="filesystem://",
               CELERY_QUEUE_DIR=str(tmp_path / "queue"), MEDIA_ROOT=str(tmp_path / "media"),
               DJANGO_SETTINGS_MODULE="trainingweek.settings", PYTHONPATH=str(ROOT))
    return env


def _manage(env, *args, timeout=120) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def test_a_job_is_queued_by_the_web_side_and_run_by_the_worker_beside_it(tmp_path, migrated_sqlite):
    env = _env(tmp_path)
    copy_migrated_sqlite(migrated_sqlite, tmp_path / "db.sqlite3")  # serve's own test below migrates afresh
    job_id = int(_manage(env, "shell", "-c", SETUP).splitlines()[-1])
    # No worker yet: the job waits in the queue folder instead of running in the request.
    assert _status(tmp_path, job_id) == "pending"
    assert any((tmp_path / "queue").iterdir()), "the task is in the queue folder"

    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "trainingweek", "worker", "--pool=solo",
                               "--loglevel=INFO"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        status = "pending"
        while time.monotonic() < deadline:
            status = _status(tmp_path, job_id)
            if status in ("succeeded", "failed"):
                break
            time.sleep(0.3)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert status == "succeeded", (tmp_path / "worker.log").read_text()[-3000:]
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM payouts_payoutitem").fetchone()[0] == 3
    # kombu's exchange tables live in the queue folder, not in the checkout.
    assert (tmp_path / "queue" / "control").is_dir()
    assert not (ROOT / "control").exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_starts_the_app_and_its_worker_and_ctrl_c_stops_both(tmp_path):
    """The README's one command: demo data, the web server and the worker; Ctrl-C ends them all."""
    port = _free_port()
    env = {**_env(tmp_path), "BIND": f"127.0.0.1:{port}"}
    del env["CELERY_BROKER_URL"]  # serve chooses the filesystem queue itself
    log = tmp_path / "serve.log"
    serve = subprocess.Popen(["bash", ".ci/serve"], cwd=ROOT, env=env, start_new_session=True,
                             stdout=log.open("wb"), stderr=subprocess.STDOUT,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline, up = time.monotonic() + 180, False
        while time.monotonic() < deadline and not up:
            try:
                up = urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2).status == 200
            except OSError:
                time.sleep(0.5)
        assert up, log.read_text()[-3000:]
        text = log.read_text()
        assert "trainingweek-demo" in text and "mentor1" in text  # the demo logins are printed
        members = subprocess.run(["ps", "-o", "args=", "-g", str(serve.pid)], capture_output=True, text=True).stdout
        assert "celery -A trainingweek worker" in members and "runserver" in members
        os.killpg(serve.pid, signal.SIGINT)  # what Ctrl-C does in a terminal
        assert serve.wait(timeout=60) == 130
        time.sleep(1)
        left = subprocess.run(["ps", "-o", "pid=", "-g", str(serve.pid)], capture_output=True, text=True).stdout
        assert left.strip() == "", f"left running: {left}"
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
