"""A worker killed mid-freeze (real Celery, Redis, PostgreSQL): the job is shown
interrupted once its heartbeat is older than the stale window, resumed from
its page onto a fresh worker while the old task is delivered again, and
finishes with every student frozen once and the totals of a from-scratch freeze."""

from datetime import date

from stipends.payouts import services
from stipends.payouts.models import PayoutItem
from tests.services.conftest import wait_for
from tests.services.test_payout_batch_on_worker import _each_once, _finished, many_students
from trainingweek.jobs import run_job
from trainingweek.models import Job

STALE = "3"  # seconds without a heartbeat before a running job counts as interrupted


def _amounts(batch) -> dict:
    return {e: (g, t, n) for e, g, t, n in PayoutItem.objects.filter(batch=batch).values_list(
        "enrolment_id", "gross", "tax", "net")}


def test_a_killed_freeze_is_shown_interrupted_and_resumed_once(real_worker, world, client_for, settings):
    settings.JOB_STALE_AFTER_SECONDS = int(STALE)
    ids = many_students(world, 300)
    batch = services.create_batch(programme=world.programme, user=world.finance, pay_on=date(2020, 12, 20))
    worker = real_worker(JOB_STALE_AFTER_SECONDS=STALE)
    job = services.start_freeze(batch=batch, user=world.finance, chunk=2)  # 150 chunks: a wide window to die in
    wait_for(lambda: batch.items.exists(), timeout=60, interval=0.02)
    worker.kill()
    frozen_at_kill = batch.items.count()
    assert 0 < frozen_at_kill < len(ids), "the worker should have died in the middle"
    finance = client_for(world.finance)
    status_url, resume_url = f"/jobs/{job.pk}/status/", f"/jobs/{job.pk}/resume/"

    status = finance.get(status_url).json()
    assert status["status"] == "running" and not status["interrupted"]  # a heartbeat moments ago
    assert finance.post(resume_url).status_code == 302  # refused: not interrupted yet
    assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING

    wait_for(lambda: finance.get(status_url).json()["interrupted"], timeout=30)
    assert 'data-testid="resume"' in finance.get(f"/jobs/{job.pk}/").content.decode()
    assert batch.items.count() == frozen_at_kill  # nobody is working on it

    real_worker(JOB_STALE_AFTER_SECONDS=STALE)
    real_worker(JOB_STALE_AFTER_SECONDS=STALE)
    assert finance.post(resume_url).status_code == 302
    run_job.delay(job.pk)  # the broker delivers the killed worker's task again, to the other fresh worker
    wait_for(lambda: _finished(job), timeout=120)
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert job.attempts == 2, "one claim by the first worker, one by the resume: the redelivery ran nothing"
    assert job.result["created"] == len(ids) - frozen_at_kill
    _each_once(batch, ids)

    resumed = _amounts(batch)
    # From scratch, in one go: the draft batch goes whole (items are never deleted alone) and is made again.
    batch.delete()
    again = services.create_batch(programme=world.programme, user=world.finance, pay_on=date(2020, 12, 20))
    services.freeze_batch(batch_id=again.pk)
    assert _amounts(again) == resumed
    assert sum(n for _g, _t, n in resumed.values()) == sum(n for _g, _t, n in _amounts(again).values())
