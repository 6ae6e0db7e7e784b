"""Background jobs as production runs them: a separate ``celery worker``
process, tasks through Redis, data in PostgreSQL."""

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programs.students.models import Enrolment, StudentImport
from tests.services.conftest import wait_for
from tests.students.files import student_rows, xlsx_bytes
from trainingweek.models import Job


def _upload(client, programme, rows):
    return client.post(
        reverse("programs:student_import", args=[programme.pk]),
        {"file": SimpleUploadedFile("名单.xlsx", xlsx_bytes(rows))},
    )


def _finished(job):
    job.refresh_from_db()
    return job.is_finished and job


def test_large_import_runs_on_a_real_worker(real_worker, world, client_for, settings):
    settings.IMPORT_BACKGROUND_ROWS = 5
    real_worker()
    response = _upload(client_for(world.coordinator), world.programme, student_rows(40, start=5000))
    job = Job.objects.get()
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    wait_for(lambda: _finished(job))
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert job.attempts == 1 and job.progress == 100
    assert StudentImport.objects.get().created_count == 40
    assert Enrolment.objects.filter(programme=world.programme).count() == 6 + 40
    status = client_for(world.coordinator).get(reverse("job_status", args=[job.pk])).json()
    assert status["finished"] and status["redirect"].endswith(f"/students/import/{StudentImport.objects.get().pk}/")


def test_a_file_with_a_bad_row_imports_nothing_on_the_worker_and_lists_it(real_worker, world, client_for, settings):
    settings.IMPORT_BACKGROUND_ROWS = 5
    real_worker()
    rows = student_rows(10, start=6000)
    rows[3]["身份证号"] = rows[3]["身份证号"][:-1] + ("0" if rows[3]["身份证号"][-1] != "0" else "1")
    _upload(client_for(world.coordinator), world.programme, rows)
    job = wait_for(lambda: _finished(Job.objects.get()))
    assert job.status == Job.Status.SUCCEEDED
    record = StudentImport.objects.get()
    assert record.status == StudentImport.Status.REJECTED
    assert Enrolment.objects.filter(programme=world.programme).count() == 6  # nothing written


@pytest.mark.django_db
def test_a_job_that_cannot_be_queued_fails_with_the_reason(world, client_for, settings):
    settings.IMPORT_BACKGROUND_ROWS = 5
    from trainingweek import jobs

    with mock.patch.object(jobs.run_job, "delay", side_effect=ConnectionError("broker down")):
        with mock.patch("django.db.transaction.on_commit", side_effect=lambda fn, **kw: fn()):
            _upload(client_for(world.coordinator), world.programme, student_rows(8, start=7000))
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED and "broker down" in job.message
