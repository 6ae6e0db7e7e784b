"""A real Celery worker, fed through the real Redis, writing to the real
PostgreSQL test database: for tests of background jobs as production runs them.

Under CI=true (``.ci/run`` points DATABASE_URL at PostgreSQL and REDIS_URL at
Redis) a missing service fails the test; elsewhere the test is skipped with
the reason. The queue is purged before and after, so no task of one test can
reach another test's worker; under pytest-xdist each test process has a Redis
database of its own for the queue (:func:`_own_broker`), so no worker takes a
task of another process's test database.
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]


def _missing(message):
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def _redis_reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=2):
            return True
    except OSError:
        return False


def _own_broker(url: str) -> str:
    """The broker of this test process: under pytest-xdist (worker gwN) the
    Redis database after the configured one by N + 1, so two processes'
    workers never share a queue (purging, consuming); else ``url`` itself."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    parsed = urlparse(url)
    if not worker.startswith("gw") or parsed.scheme not in ("redis", "rediss"):
        return url
    base = int(parsed.path.strip("/") or 0)
    return urlunparse(parsed._replace(path=f"/{(base + int(worker[2:]) + 1) % 16}"))


class WorkerProcess:
    """A ``celery worker`` subprocess; ``kill()`` ends it like a crash would."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log = env, log
        self.process: subprocess.Popen | None = None
        self.name = f"tw-test-{uuid.uuid4().hex[:8]}@%h"

    def start(self, app, timeout: float = 60):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "trainingweek", "worker", "--pool=solo",
             "--loglevel=INFO", "-n", self.name],
            cwd=ROOT, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        hostname = self.name.replace("%h", socket.gethostname())
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited: {self.log.read_text()[-2000:]}")
            if any(hostname in reply for reply in app.control.ping(timeout=0.5) or []):
                return self
        self.kill()  # not left consuming this test's queue (and the next test's)
        raise RuntimeError(f"celery worker did not answer in {timeout}s: {self.log.read_text()[-2000:]}")

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def real_worker(transactional_db, settings, tmp_path):
    """Start a worker on the test database; tasks leave this process for Redis.

    Returns a factory: ``real_worker()`` starts one (call again after
    ``kill()`` to start a fresh one, as an operator would);
    ``real_worker(NAME="value")`` adds to the worker's environment.
    """
    if connection.vendor != "postgresql":
        _missing("needs PostgreSQL: set DATABASE_URL (bash .ci/run does)")
    redis_url = django_settings.REDIS_URL
    if not redis_url or not _redis_reachable(redis_url):
        _missing("needs Redis: set REDIS_URL (bash .ci/run does)")

    from trainingweek.celery import app

    broker = _own_broker(django_settings.CELERY_BROKER_URL)
    if app.conf.broker_url != broker:  # this process sends (and purges) there too, from now on
        app.conf.broker_url = broker
        # The connections made for the old broker go, as Celery drops them after a fork.
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
                        f"{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": redis_url,
        # The worker listens on the very broker this process sends to (and purges).
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DJANGO_SETTINGS_MODULE": "trainingweek.settings",
    }
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.control.purge()
    workers: list[WorkerProcess] = []

    def start(**extra_env: str) -> WorkerProcess:
        worker = WorkerProcess({**env, **extra_env}, tmp_path / "worker.log").start(app)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
    app.conf.task_always_eager = True
    app.control.purge()  # what the test left behind reaches no later worker


def wait_for(predicate, timeout: float = 60, interval: float = 0.2):
    """Poll until ``predicate()`` is truthy; return its value or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout}s")
