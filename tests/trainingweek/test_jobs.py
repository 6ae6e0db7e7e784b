"""The Job runner: outcomes, messages, and a second delivery doing nothing."""

import pytest

from trainingweek.jobs import JobError, execute_job
from trainingweek.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(world):
    return Job.objects.create(kind="test", created_by=world.coordinator)


def test_success_stores_the_result_and_message(job):
    def work(j):
        j.report(5, 10)
        assert Job.objects.get(pk=j.pk).progress == 50
        return {"message": "12 students imported", "redirect": "/x/"}

    execute_job(job.pk, work)
    job.refresh_from_db()
    assert (job.status, job.progress, job.message, job.result) == (
        Job.Status.SUCCEEDED, 100, "12 students imported", {"redirect": "/x/"})
    assert job.attempts == 1 and job.started_at and job.finished_at


def test_a_user_facing_failure_keeps_its_message_and_progress(job):
    def work(j):
        j.report(3, 10)
        raise JobError("第 3 行：身份证号校验位错误")

    execute_job(job.pk, work)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.message == "第 3 行：身份证号校验位错误"
    assert job.progress == 30


def test_an_unexpected_error_fails_the_job_with_the_reason(job):
    execute_job(job.pk, lambda j: 1 / 0)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "division by zero" in job.message


def test_a_failed_job_can_run_again(job):
    execute_job(job.pk, lambda j: 1 / 0)
    execute_job(job.pk, lambda j: {"message": "ok"})
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2


def test_a_second_delivery_of_a_finished_job_does_nothing(job):
    calls = []
    execute_job(job.pk, lambda j: calls.append(1))
    execute_job(job.pk, lambda j: calls.append(1))
    assert calls == [1]


def test_status_view_reports_progress_to_its_owner_only(job, client_for, world):
    job.report(1, 4, "正在校验")
    data = client_for(world.coordinator).get(f"/jobs/{job.pk}/status/").json()
    assert data["progress"] == 25 and data["message"] == "正在校验" and not data["finished"]
    assert client_for(world.finance).get(f"/jobs/{job.pk}/status/").status_code == 404
