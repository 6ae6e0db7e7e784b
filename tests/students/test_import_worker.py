"""The background import on a Celery worker instead of eagerly: the upload is
stored on the Job, the task runs in another thread with its own database
connection, reads the file back from storage and imports it.

The worker runs in-process (celery.contrib.testing) on the configured broker:
Redis when REDIS_URL is set (as under .ci/run), the in-memory transport
otherwise, so the non-eager code path is exercised on every run.
"""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programs.students.models import Enrolment, StudentImport
from trainingweek.models import Job

from .files import student_rows, xlsx_bytes


@pytest.fixture
def worker(transactional_db, settings):
    from celery.contrib.testing.worker import start_worker

    from trainingweek.celery import app

    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            yield
    finally:
        app.conf.task_always_eager = True


def test_background_import_on_a_worker(worker, world, client_for, settings):
    settings.IMPORT_BACKGROUND_ROWS = 5
    rows = student_rows(12, start=3000)
    response = client_for(world.coordinator).post(
        reverse("programs:student_import", args=[world.programme.pk]),
        {"file": SimpleUploadedFile("名单.xlsx", xlsx_bytes(rows))},
    )
    job = Job.objects.get()
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    deadline = time.monotonic() + 60
    while not job.is_finished and time.monotonic() < deadline:
        time.sleep(0.2)
        job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.message
    record = StudentImport.objects.get()
    assert record.status == StudentImport.Status.IMPORTED and record.created_count == 12
    assert job.result["redirect"].endswith(f"/students/import/{record.pk}/")
    # The stored upload is removed after the import, by the UPDATE right after the one that recorded the outcome.
    deadline = time.monotonic() + 10
    while job.input_file and time.monotonic() < deadline:
        time.sleep(0.1)
        job.refresh_from_db()
    assert not job.input_file
    assert Enrolment.objects.filter(student__student_number__in=[r["学号"] for r in rows]).count() == 12
