"""The one job path: a kind registry, start_job, the run_job task; outcomes,
messages, and a second delivery doing nothing."""

from unittest import mock

import pytest

from trainingweek import jobs
from trainingweek.jobs import JOB_KINDS, JobError, register_job_kind, run_job, start_job
from trainingweek.models import Job

pytestmark = pytest.mark.django_db


class Work:
    """A registered test kind whose behaviour each test sets."""

    def __init__(self):
        self.behaviour = lambda j: None

    def __call__(self, job):
        return self.behaviour(job)


@pytest.fixture
def work(monkeypatch):
    w = Work()
    monkeypatch.setitem(JOB_KINDS, "test.work", w)
    return w


@pytest.fixture
def job(world, work):
    return Job.objects.create(kind="test.work", created_by=world.coordinator)


def test_success_stores_the_result_and_message(job, work):
    def behaviour(j):
        j.report(5, 10)
        assert Job.objects.get(pk=j.pk).progress == 50
        return {"message": "12 students imported", "redirect": "/x/"}

    work.behaviour = behaviour
    run_job.apply(args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.progress, job.message, job.result) == (
        Job.Status.SUCCEEDED, 100, "12 students imported", {"redirect": "/x/"})
    assert job.attempts == 1 and job.started_at and job.finished_at


def test_a_user_facing_failure_keeps_its_message_and_progress(job, work):
    def behaviour(j):
        j.report(3, 10)
        raise JobError("第 3 行：身份证号校验位错误")

    work.behaviour = behaviour
    run_job.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.message == "第 3 行：身份证号校验位错误"
    assert job.progress == 30


def test_an_unexpected_error_fails_the_job_with_the_reason(job, work):
    work.behaviour = lambda j: 1 / 0
    run_job.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "division by zero" in job.message


def test_a_failed_job_can_run_again(job, work):
    work.behaviour = lambda j: 1 / 0
    run_job.apply(args=[job.pk])
    work.behaviour = lambda j: {"message": "ok"}
    run_job.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2


def test_a_second_delivery_of_a_finished_job_does_nothing(job, work):
    calls = []
    work.behaviour = lambda j: calls.append(1)
    run_job.apply(args=[job.pk])
    run_job.apply(args=[job.pk])
    assert calls == [1]
    job.refresh_from_db()
    assert job.attempts == 1


def test_a_job_of_an_unknown_kind_fails_saying_so(world):
    job = Job.objects.create(kind="nobody.knows", created_by=world.coordinator)
    run_job.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "nobody.knows" in job.message


def test_start_job_queues_run_job_after_commit(world, work, django_capture_on_commit_callbacks):
    seen = []
    work.behaviour = lambda j: seen.append((j.kind, j.params)) or {"message": "ok"}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = start_job(kind="test.work", user=world.coordinator, params={"n": 1})
    assert seen == [] and Job.objects.get(pk=job.pk).status == Job.Status.PENDING  # nothing before commit
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert seen == [("test.work", {"n": 1})] and job.status == Job.Status.SUCCEEDED


def test_a_job_that_cannot_be_queued_fails_with_the_reason(world, work, django_capture_on_commit_callbacks):
    with mock.patch.object(jobs.run_job, "delay", side_effect=ConnectionError("broker down")):
        with django_capture_on_commit_callbacks(execute=True):
            job = start_job(kind="test.work", user=world.coordinator)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "broker down" in job.message


def test_start_job_refuses_an_unregistered_kind(world):
    with pytest.raises(LookupError):
        start_job(kind="nobody.knows", user=world.coordinator)
    assert not Job.objects.exists()


def test_the_apps_register_their_kinds_under_their_names():
    from programs.students import tasks as student_tasks
    from scoring import tasks as scoring_tasks
    from stipends.payouts import tasks as payout_tasks

    assert JOB_KINDS["student_import"] is student_tasks.import_students
    assert JOB_KINDS["stipends.freeze_batch"] is payout_tasks.freeze_batch
    assert JOB_KINDS["scoring.class_sheets"] is scoring_tasks.class_sheets


def test_a_kind_has_one_work_function(monkeypatch):
    def first(job):
        pass

    def second(job):
        pass

    monkeypatch.setitem(JOB_KINDS, "test.once", first)
    assert register_job_kind("test.once")(first) is first  # the same module imported again: fine
    with pytest.raises(ValueError, match="already registered"):
        register_job_kind("test.once")(second)
    assert JOB_KINDS["test.once"] is first


def test_status_view_reports_progress_to_its_owner_only(job, client_for, world):
    job.report(1, 4, "正在校验")
    data = client_for(world.coordinator).get(f"/jobs/{job.pk}/status/").json()
    assert data["progress"] == 25 and data["message"] == "正在校验" and not data["finished"]
    assert client_for(world.finance).get(f"/jobs/{job.pk}/status/").status_code == 404
