"""Worked examples of the core's pure rule: when a job counts as interrupted."""

from datetime import datetime, timedelta

import pytest

from trainingweek.rules import INTERRUPTED, is_stale, job_state

T = datetime(2026, 12, 1, 12, 0)
WINDOW = timedelta(seconds=180)


@pytest.mark.parametrize("status, heartbeat, now, expected", [
    ("running", T, T + timedelta(seconds=10), "running"),
    ("running", T, T + WINDOW, "running"),  # exactly the window: still alive
    ("running", T, T + WINDOW + timedelta(seconds=1), INTERRUPTED),
    ("running", None, T, INTERRUPTED),  # running without any sign of life
    ("pending", T, T + timedelta(days=2), "pending"),  # queued behind a busy worker: not interrupted
    ("pending", None, T, "pending"),
    ("succeeded", T, T + timedelta(days=2), "succeeded"),
    ("failed", T, T + timedelta(days=2), "failed"),
])
def test_only_a_running_job_without_a_recent_heartbeat_is_interrupted(status, heartbeat, now, expected):
    assert job_state(status=status, heartbeat_at=heartbeat, now=now, stale_after=WINDOW) == expected
    assert is_stale(status=status, heartbeat_at=heartbeat, now=now, stale_after=WINDOW) == (expected == INTERRUPTED)


def test_the_window_is_the_callers():
    late = T + timedelta(seconds=30)
    assert job_state(status="running", heartbeat_at=T, now=late, stale_after=timedelta(seconds=20)) == INTERRUPTED
    assert job_state(status="running", heartbeat_at=T, now=late, stale_after=timedelta(seconds=60)) == "running"
