"""Payout batches frozen by real Celery workers (Redis, PostgreSQL): two
jobs at once for the same batch, and a worker killed midway then a new run,
pay every student exactly once."""

import random
import time
from datetime import date, timedelta

from django.db.models import Count

from programs.attendance.models import Attendance
from programs.students import demo as synthetic
from programs.students.models import Enrolment, Student
from stipends.payouts import services
from stipends.payouts.models import PayoutItem
from tests.factories import UserFactory
from tests.services.conftest import wait_for
from trainingweek.models import Job, User


def many_students(world, n: int, days: int = 20) -> list[int]:
    """``n`` synthetic students in class A, each with ``days`` practice days (80.00 each)."""
    rng = random.Random(5)
    students = []
    for i in range(n):
        s = Student(school=world.school, student_number=f"W{i:06d}", name=synthetic.make_name(rng),
                    id_number=synthetic.make_id_number(rng), phone=synthetic.make_phone(rng),
                    bank_card=synthetic.make_bank_card(rng))
        s.refresh_digests()
        students.append(s)
    Student.objects.bulk_create(students, batch_size=500)
    students = Student.objects.filter(student_number__startswith="W")
    Enrolment.objects.bulk_create([Enrolment(programme=world.programme, student=s, school_class=world.class_a)
                                   for s in students], batch_size=500)
    ids = list(Enrolment.objects.filter(programme=world.programme).values_list("pk", flat=True))
    first = date(2020, 10, 26)
    Attendance.objects.bulk_create([
        Attendance(programme=world.programme, enrolment_id=e, day=first + timedelta(d), status="present",
                   day_kind="practice") for e in ids for d in range(days)], batch_size=2000)
    return ids


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
    # A second finance user approves; a further batch then finds nothing new to pay.
    approver = UserFactory(username="approver", role=User.Role.FINANCE, organisation=world.company)
    services.approve_batch(batch=batch, user=approver, confirmed=True)
    again = services.create_batch(programme=world.programme, user=world.finance, pay_on=date(2020, 12, 21))
    third = services.start_freeze(batch=again, user=world.finance)
    wait_for(lambda: _finished(third), timeout=120)
    assert third.status == Job.Status.SUCCEEDED and again.items.count() == 0
    _each_once(batch, ids)
