"""Payout batches frozen by real Celery workers (Redis, PostgreSQL): two
jobs at once for the same batch, and a worker killed midway then a new run,
pay every student exactly once."""

import random
import threading
import time
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from programs.attendance.models import Attendance
from programs.students import demo as synthetic
from programs.students.models import Enrolment, Student
from stipends.payouts import services
from stipends.payouts.models import PayoutBatch, PayoutItem
from tests.factories import UserFactory
from tests.services.conftest import wait_for
from trainingweek.jobs import give_up_jobs
from trainingweek.models import Job, User


def many_students(world, n: int, days: int = 20, prefix: str = "W") -> list[int]:
    """``n`` synthetic students in class A; each student of the programme
    without attendance yet gets ``days`` practice days (80.00 each). Returns
    every enrolment of the programme, in pk order."""
    rng = random.Random(prefix)
    students = []
    for i in range(n):
        s = Student(school=world.school, student_number=f"{prefix}{i:06d}", name=synthetic.make_name(rng),
                    id_number=synthetic.make_id_number(rng), phone=synthetic.make_phone(rng),
                    bank_card=synthetic.make_bank_card(rng))
        s.refresh_digests()
        students.append(s)
    Student.objects.bulk_create(students, batch_size=500)
    students = Student.objects.filter(student_number__startswith=prefix)
    Enrolment.objects.bulk_create([Enrolment(programme=world.programme, student=s, school_class=world.class_a)
                                   for s in students], batch_size=500)
    new = list(Enrolment.objects.filter(programme=world.programme, attendance__isnull=True).values_list("pk", flat=True))
    first = date(2020, 10, 26)
    Attendance.objects.bulk_create([
        Attendance(programme=world.programme, enrolment_id=e, day=first + timedelta(d), status="present",
                   day_kind="practice") for e in new for d in range(days)], batch_size=2000)
    return list(Enrolment.objects.filter(programme=world.programme).order_by("pk").values_list("pk", flat=True))


def _finished(job):
    job.refresh_from_db()
    return job.is_finished and job


def _each_once(batch, ids):
    counts = dict(PayoutItem.objects.filter(batch__programme=batch.programme).values_list("enrolment")
                  .annotate(n=Count("pk")).values_list("enrolment", "n"))
    assert set(counts) == set(ids)
    assert set(counts.values()) == {1}, "a student was frozen twice"


def test_two_jobs_for_the_same_batch_at_once_freeze_each_student_once(real_worker, world):
    ids = many_students(world, 120)
    batch = services.create_batch(programme=world.programme, user=world.finance, pay_on=date(2020, 12, 20))
    real_worker()
    real_worker()
    jobs = [services.start_freeze(batch=batch, user=world.finance, chunk=10) for _ in range(2)]
    for job in jobs:
        wait_for(lambda job=job: _finished(job), timeout=120)
        assert job.status == Job.Status.SUCCEEDED, job.message
    _each_once(batch, ids)
    assert batch.items.count() == len(ids)
    assert {str(n) for n in batch.items.values_list("gross", flat=True).distinct()} == {"1600.00"}


def test_a_worker_killed_midway_then_run_again_pays_nobody_twice(real_worker, world, client_for):
    ids = many_students(world, 400)
    batch = services.create_batch(programme=world.programme, user=world.finance, pay_on=date(2020, 12, 20))
    worker = real_worker()
    first = services.start_freeze(batch=batch, user=world.finance, chunk=2)  # 200 transactions: a wide window to die in
    wait_for(lambda: batch.items.exists(), timeout=60, interval=0.02)
    worker.kill()
    frozen_at_kill = batch.items.count()
    assert 0 < frozen_at_kill < len(ids), "the worker should have died in the middle"
    first.refresh_from_db()
    assert first.status == Job.Status.RUNNING  # what a crash leaves behind
    time.sleep(0.5)
    assert batch.items.count() == frozen_at_kill  # committed chunks stay, nothing half-written
    real_worker()
    # The operator computes again from the batch page.
    response = client_for(world.finance).post(f"/stipends/{world.programme.pk}/batches/{batch.pk}/compute/")
    assert response.status_code == 302
    second = Job.objects.exclude(pk=first.pk).get(kind=services.JOB_KIND)
    wait_for(lambda: _finished(second), timeout=120)
    assert second.status == Job.Status.SUCCEEDED, second.message
    assert second.result["created"] == len(ids) - frozen_at_kill
    _each_once(batch, ids)
    batch.refresh_from_db()
    assert batch.computed_at is not None
    # The killed job still says "running" (shown as interrupted once its
    # heartbeat is old): approval waits until it is resumed and finishes, or
    # given up by the hourly clean-up.
    approver = UserFactory(username="approver", role=User.Role.FINANCE, organisation=world.company)
    with pytest.raises(services.PayoutError, match=f"任务 #{first.pk}"):
        services.approve_batch(batch=batch, user=approver, confirmed=True)
    later = timezone.now() + timedelta(seconds=settings.JOB_GIVE_UP_AFTER_SECONDS + 1)
    assert give_up_jobs(now=later) == 1
    # A second finance user approves; a further batch is refused: nothing new to pay.
    services.approve_batch(batch=batch, user=approver, confirmed=True)
    with pytest.raises(services.PayoutError, match="没有任何人有待付款项"):
        services.create_batch(programme=world.programme, user=world.finance, pay_on=date(2020, 12, 21))
    _each_once(batch, ids)


# --------------------------------------------------------------------------- approval racing a running compute
class _Rollback(Exception):
    pass


class InThread(threading.Thread):
    """Run ``work`` on its own database connection (as a second request would)."""

    def __init__(self, work):
        super().__init__(daemon=True)
        self.work, self.result, self.error = work, None, None
        self.done = threading.Event()

    def run(self):
        try:
            self.result = self.work()
        except BaseException as exc:  # handed to the test
            self.error = exc
        finally:
            connection.close()
            self.done.set()


def hold_a_chunk(batch, enrolment_id) -> tuple[InThread, threading.Event]:
    """An uncommitted item of ``enrolment_id`` in ``batch``: the worker's chunk
    holding that student waits on it (unique batch + student), after the
    chunk checked the batch's state, until ``release`` is set; then it rolls
    back and the chunk commits."""
    ready, release = threading.Event(), threading.Event()
    enrolment = Enrolment.objects.get(pk=enrolment_id)

    def hold():
        try:
            with transaction.atomic():
                PayoutItem.objects.create(
                    batch_id=batch.pk, enrolment_id=enrolment_id, school_class_id=enrolment.school_class_id,
                    name="blocker", account_name="blocker", earned=0, liability=0, gross=0, tax=0, net=0,
                    payment_key="test-blocker")
                ready.set()
                release.wait(120)
                raise _Rollback
        except _Rollback:
            pass

    holder = InThread(hold)
    holder.start()
    assert ready.wait(30)
    return holder, release


def waiting_locks() -> int:
    """Backends of this database waiting for a lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                       "WHERE NOT l.granted AND a.datname = current_database()")
        return cursor.fetchone()[0]


def batch_totals(batch) -> tuple:
    return batch.items.count(), batch.items.aggregate(net=Sum("net"))["net"]


def recomputed_batch(world, first: int, joined: int):
    """A batch frozen for ``first`` students, then ``joined`` more students
    (with bank cards) join: it is computed again. Returns (batch, every enrolment id)."""
    many_students(world, first)
    batch = services.create_batch(programme=world.programme, user=world.finance, pay_on=date(2020, 12, 20))
    services.freeze_batch(batch_id=batch.pk)
    ids = many_students(world, joined, prefix="J")
    return batch, ids


def test_approval_is_refused_while_the_freeze_job_is_queued_or_running(real_worker, world):
    batch, ids = recomputed_batch(world, 40, 60)
    reviewed = batch_totals(batch)
    approver = UserFactory(username="approver", role=User.Role.FINANCE, organisation=world.company)
    holder, release = hold_a_chunk(batch, ids[75])  # the 8th chunk of ten
    try:
        real_worker()  # started first: a solo worker inside a task answers no ping
        with transaction.atomic():  # the job is queued once this commits
            job = services.start_freeze(batch=batch, user=world.finance, chunk=10)
            assert job.status == Job.Status.PENDING
            with pytest.raises(services.PayoutError, match=rf"仍在计算中（任务 #{job.pk}：排队中）"):
                services.approve_batch(batch=batch, user=approver, confirmed=True)
        wait_for(lambda: waiting_locks() > 0, timeout=60)  # the worker is inside the held chunk
        job.refresh_from_db()
        assert job.status == Job.Status.RUNNING
        assert batch_totals(batch)[0] > reviewed[0]  # chunks of the new students committed already
        with pytest.raises(services.PayoutError, match=rf"仍在计算中（任务 #{job.pk}：进行中）"):
            services.approve_batch(batch=batch, user=approver, confirmed=True)
    finally:
        release.set()
        holder.join(30)
    wait_for(lambda: _finished(job), timeout=120)
    assert job.status == Job.Status.SUCCEEDED, job.message
    batch.refresh_from_db()
    assert batch.state == PayoutBatch.State.DRAFT and batch.approved_by is None
    services.approve_batch(batch=batch, user=approver, confirmed=True)  # reviewed again, now complete
    assert batch_totals(batch) == (len(ids), batch.approved_net) and batch.approved_items == len(ids)


def test_an_approval_between_chunks_lets_no_later_chunk_add_items(real_worker, world):
    """The job's row says it is over (a stale-job sweep misjudged a slow
    worker), so approval passes the job check while a chunk is in flight.
    The chunk holds the batch row's lock: approval waits for it and counts
    its items; the next chunk finds the batch approved and adds nothing."""
    batch, ids = recomputed_batch(world, 40, 60)
    approver = UserFactory(username="approver", role=User.Role.FINANCE, organisation=world.company)
    holder, release = hold_a_chunk(batch, ids[65])  # the 7th chunk of ten
    approval = None
    try:
        real_worker()
        job = services.start_freeze(batch=batch, user=world.finance, chunk=10, language="en")
        wait_for(lambda: waiting_locks() > 0, timeout=60)
        Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED)  # the misjudgement

        def approve():
            services.approve_batch(batch=batch, user=approver, confirmed=True)
            return batch_totals(batch)  # what the approver approved, read as soon as it committed

        approval = InThread(approve)
        approval.start()
        wait_for(lambda: approval.done.is_set() or waiting_locks() > 1, timeout=30)
    finally:
        release.set()
        holder.join(30)
    approval.join(60)
    assert approval.error is None, approval.error
    approved_count, approved_net = approval.result
    wait_for(lambda: Job.objects.filter(pk=job.pk, finished_at__isnull=False).exists(), timeout=120)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "no longer a draft" in job.message, job.message
    batch.refresh_from_db()
    assert batch.state == PayoutBatch.State.APPROVED
    assert batch_totals(batch) == (approved_count, approved_net), "a chunk added items after approval"
    assert (batch.approved_items, batch.approved_net) == (approved_count, approved_net)
    assert 40 + 6 < approved_count < len(ids)  # the held chunk is in, the chunks after it are not
