"""Pure rules of the core: what a background job's state is, as shown.

Plain values in, plain values out (no ORM, no settings, no clock): the caller
passes ``now`` and the stale window.
"""

from datetime import datetime, timedelta

INTERRUPTED = "interrupted"


def job_state(*, status: str, heartbeat_at: datetime | None, now: datetime, stale_after: timedelta) -> str:
    """The state of a job as shown: its stored ``status``, except that a
    running job whose last heartbeat is older than ``stale_after`` is
    ``"interrupted"`` (its worker died: nobody will finish it without a resume).

    ``heartbeat_at`` is the last sign of life (the heartbeat, or the start if
    the work never reported). Only a running job can be interrupted: a queued
    one may be waiting for a busy worker, a finished one is finished.

    >>> t = datetime(2026, 12, 1, 12, 0)
    >>> job_state(status="running", heartbeat_at=t, now=t + timedelta(seconds=179), stale_after=timedelta(seconds=180))
    'running'
    >>> job_state(status="running", heartbeat_at=t, now=t + timedelta(seconds=181), stale_after=timedelta(seconds=180))
    'interrupted'
    >>> job_state(status="pending", heartbeat_at=None, now=t + timedelta(days=1), stale_after=timedelta(seconds=180))
    'pending'
    """
    if status != "running":
        return status
    if heartbeat_at is None or now - heartbeat_at > stale_after:
        return INTERRUPTED
    return status


def is_stale(*, status: str, heartbeat_at: datetime | None, now: datetime, stale_after: timedelta) -> bool:
    """True for a running job that :func:`job_state` shows as interrupted."""
    return job_state(status=status, heartbeat_at=heartbeat_at, now=now, stale_after=stale_after) == INTERRUPTED
