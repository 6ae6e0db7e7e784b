"""Uploads at rest: a queued job's input file is stored encrypted, read back
as it was uploaded, and deleted once the job succeeded or failed."""

import io
import zipfile
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programs.students.models import Student, StudentImport
from tests.students.files import student_rows, xlsx_bytes
from trainingweek import jobs
from trainingweek.jobs import JOB_KINDS, JobError, read_input, start_job
from trainingweek.models import Job

pytestmark = pytest.mark.django_db


def readable(data: bytes) -> bytes:
    """The bytes, and if they are a ZIP (an .xlsx) its members unpacked: what anyone with a copy of the disk reads."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return data + b"".join(archive.read(name) for name in archive.namelist())
    except zipfile.BadZipFile:
        return data


def stored_bytes(settings) -> bytes:
    """Every file under MEDIA_ROOT, readable, concatenated."""
    root = Path(settings.MEDIA_ROOT)
    return b"".join(readable(p.read_bytes()) for p in sorted(root.rglob("*")) if p.is_file()) if root.exists() else b""


def test_a_queued_import_keeps_no_plaintext_on_disk_and_imports_it(world, client_for, settings,
                                                                   django_capture_on_commit_callbacks):
    settings.IMPORT_BACKGROUND_ROWS = 1
    rows = student_rows(4, start=8100)
    upload = xlsx_bytes(rows)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(world.coordinator).post(
            reverse("programs:student_import", args=[world.programme.pk]),
            {"file": SimpleUploadedFile("19电商1班名单.xlsx", upload)})
    assert response.status_code == 302, response.content.decode()[-3000:]
    job = Job.objects.get()
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    on_disk = stored_bytes(settings)
    assert job.input_file and default_storage.exists(job.input_file.name) and on_disk
    for row in rows:  # queued: the file waits for a worker, unreadable without the key
        for secret in (row["身份证号"], row["银行卡号"], row["手机号"], row["姓名"]):
            assert secret.encode() not in on_disk and secret.encode("gb18030") not in on_disk
    assert "名单" not in job.input_file.name and "xlsx" not in job.input_file.name  # nor the upload's name
    assert read_input(job).read() == upload
    stored = job.input_file.name
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert StudentImport.objects.get().created_count == 4
    imported = Student.objects.get(student_number=rows[0]["学号"])
    assert (imported.id_number, imported.bank_card) == (rows[0]["身份证号"], rows[0]["银行卡号"])
    assert not job.input_file and not default_storage.exists(stored)


@pytest.fixture
def failing_kind(monkeypatch):
    seen = []

    def work(job):
        seen.append(read_input(job).read())
        raise JobError("第 2 行有误")

    monkeypatch.setitem(JOB_KINDS, "test.fails", work)
    return seen


@pytest.fixture
def crashing_kind(monkeypatch):
    def work(job):
        read_input(job)
        raise RuntimeError("disk full")

    monkeypatch.setitem(JOB_KINDS, "test.crashes", work)


@pytest.mark.parametrize("kind", ["test.fails", "test.crashes"])
def test_a_failed_job_deletes_its_upload(world, failing_kind, crashing_kind, kind, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = start_job(kind=kind, user=world.coordinator, input_file=SimpleUploadedFile("a.csv", b"110101,6222"))
    stored = job.input_file.name
    assert default_storage.exists(stored) and b"6222" not in default_storage.open(stored).read()
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert not job.input_file and not default_storage.exists(stored)
    if kind == "test.fails":
        assert failing_kind == [b"110101,6222"]  # the work read it back as uploaded


def test_a_job_that_cannot_be_queued_deletes_its_upload(world, failing_kind, django_capture_on_commit_callbacks):
    with mock.patch.object(jobs.run_job, "delay", side_effect=ConnectionError("broker down")):
        with django_capture_on_commit_callbacks(execute=True):
            job = start_job(kind="test.fails", user=world.coordinator, input_file=SimpleUploadedFile("a.csv", b"x"))
    stored = job.input_file.name
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and not job.input_file and not default_storage.exists(stored)


def test_an_upload_stored_under_another_key_is_not_read(world, failing_kind, settings,
                                                        django_capture_on_commit_callbacks):
    from cryptography.fernet import Fernet

    from trainingweek import crypto

    with django_capture_on_commit_callbacks(execute=False):
        job = start_job(kind="test.fails", user=world.coordinator, input_file=SimpleUploadedFile("a.csv", b"x"))
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    crypto.clear_key_cache()
    try:
        with pytest.raises(ValueError, match="decrypted"):
            read_input(job)
    finally:
        crypto.clear_key_cache()
