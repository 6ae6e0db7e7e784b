"""The upload page end to end through the test client: files refused with a
message and nothing written, the result page, and the background path."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from programs.students.models import Enrolment, Student, StudentImport
from trainingweek.models import Job

from .files import student_rows, xlsx_bytes


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def upload_url(world):
    return reverse("programs:student_import", args=[world.programme.pk])


def post(client, world, content: bytes, name: str = "学生名单.xlsx"):
    return client.post(upload_url(world), {"file": SimpleUploadedFile(name, content)})


def nothing_written(before):
    return (Student.objects.count(), Enrolment.objects.count(), StudentImport.objects.count()) == before


@pytest.fixture
def snapshot(world):
    return Student.objects.count(), Enrolment.objects.count(), StudentImport.objects.count()


def test_page_states_the_limits(world, client_for, settings):
    settings.IMPORT_MAX_BYTES = 5 * 1024 * 1024
    settings.IMPORT_MAX_ROWS = 3000
    settings.IMPORT_BACKGROUND_ROWS = 400
    page = client_for(world.coordinator).get(upload_url(world)).content.decode()
    assert "at most 5 MB and 3000 student rows per file" in page
    assert "more than 400 rows are imported in the background" in page
    assert reverse("programs:student_import_template", args=[world.programme.pk]) in page


def test_template_download(world, client_for):
    response = client_for(world.coordinator).get(reverse("programs:student_import_template", args=[world.programme.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    classes = [row[0] for row in workbook["班级列表"].iter_rows(values_only=True)]
    assert classes == ["班级", "19电商1班", "19电商2班"]  # the drop-down offers the rows below the header
    assert "no-store" in response["Cache-Control"]


def test_good_upload_redirects_to_the_counts(world, client_for, snapshot):
    client = client_for(world.coordinator)
    rows = student_rows(3)
    response = post(client, world, xlsx_bytes(rows))
    record = StudentImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("programs:student_import_result", args=[world.programme.pk, record.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="count-created">3<' in page
    assert record.file_name == "学生名单.xlsx" and record.created_by == world.coordinator
    listing = client.get(reverse("programs:enrolment_list", args=[world.programme.pk])).content.decode()
    assert rows[0]["姓名"] in listing
    assert rows[0]["身份证号"] not in listing and rows[0]["身份证号"][:4] + "*" * 10 in listing


def test_bad_rows_are_listed_with_row_column_masked_value_and_reason(world, client_for, snapshot):
    client = client_for(world.coordinator)
    rows = student_rows(4)
    rows[1]["手机号"] = "23800001234"
    rows[3]["身份证号"] = "43010220010101123"
    response = post(client, world, xlsx_bytes(rows))
    page = client.get(response["Location"]).content.decode()
    assert "2 of 4 rows have problems, so nothing was imported" in page
    assert ('<td>3</td><td>手机号 <span class="text-muted small">E3</span></td><td class="masked">238****1234</td>'
            "<td>A phone number has 11 digits and starts with 1</td>") in page
    assert '<td>5</td><td>身份证号 <span class="text-muted small">D5</span></td><td class="masked">4301*********1123</td>' in page
    assert Student.objects.count() == snapshot[0]


@pytest.mark.parametrize("content, name, message", [
    (b"", "empty.xlsx", "The submitted file is empty."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.xls", "old-style Excel file (.xls)"),
    ("班级,姓名\n19电商1班,张三\n".encode(), "list.csv", "lacks the column(s): 学号"),
    (xlsx_bytes(student_rows(20))[:3000], "broken.xlsx", "not an Excel workbook"),
    (xlsx_bytes([]), "headers-only.xlsx", "has the column headers but no data rows"),
])
def test_refused_files_show_a_message_and_write_nothing(world, client_for, snapshot, content, name, message):
    response = post(client_for(world.coordinator), world, content, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert nothing_written(snapshot)


def test_oversized_file(world, client_for, snapshot, settings):
    settings.IMPORT_MAX_BYTES = 4096
    content = xlsx_bytes(student_rows(60))
    assert len(content) > 4096
    response = post(client_for(world.coordinator), world, content)
    assert "The file is larger than" in response.content.decode()
    assert nothing_written(snapshot)


def test_too_many_rows(world, client_for, snapshot, settings):
    settings.IMPORT_MAX_ROWS = 5
    response = post(client_for(world.coordinator), world, xlsx_bytes(student_rows(6)))
    assert "The file has more than 5 rows." in response.content.decode()
    assert nothing_written(snapshot)


def test_name_does_not_matter_content_does(world, client_for):
    response = post(client_for(world.coordinator), world, xlsx_bytes(student_rows(1)), "名单.dat")
    assert response.status_code == 302
    assert StudentImport.objects.get().status == StudentImport.Status.IMPORTED


def test_formula_looking_text_is_refused_not_stored(world, client_for, snapshot):
    rows = student_rows(2)
    rows[0]["姓名"] = "=1+2"
    rows[1]["开户行"] = "+cmd|' /C calc'!A0"
    client = client_for(world.coordinator)
    response = post(client, world, xlsx_bytes(rows))
    record = StudentImport.objects.get()
    assert record.status == StudentImport.Status.REJECTED
    assert [(f["row"], f["column"], f["cell"]) for f in record.errors] == [(2, "姓名", "B2"), (3, "开户行", "G3")]
    page = client.get(response["Location"]).content.decode()
    assert "may not start with =, +, - or @" in page  # text
    assert "formula" in record.errors[0]["message"]  # openpyxl wrote "=1+2" as a formula cell
    assert Student.objects.count() == snapshot[0]


def test_background_import_above_the_threshold(world, client_for, settings, django_capture_on_commit_callbacks):
    settings.IMPORT_BACKGROUND_ROWS = 5
    client = client_for(world.coordinator)
    rows = student_rows(8)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, world, xlsx_bytes(rows))
    assert len(callbacks) == 1  # the task is queued once the job row is committed
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("job_detail", args=[job.pk])
    assert job.kind == "student_import" and job.status == Job.Status.SUCCEEDED, job.message
    record = StudentImport.objects.get()
    assert record.job == job and record.status == StudentImport.Status.IMPORTED
    assert record.created_count == 8
    assert job.result["redirect"] == reverse("programs:student_import_result", args=[world.programme.pk, record.pk])
    assert job.message == record.message
    # The stored upload (unmasked personal data) is gone once imported.
    assert not job.input_file
    assert not any(p.is_file() for p in Path(settings.MEDIA_ROOT).rglob("*"))
    status = client.get(reverse("job_status", args=[job.pk])).json()
    assert status["finished"] and status["redirect"] == job.result["redirect"]
    assert Enrolment.objects.filter(student__student_number__in=[r["学号"] for r in rows]).count() == 8


def test_background_import_with_bad_rows_lists_them(world, client_for, settings, snapshot,
                                                    django_capture_on_commit_callbacks):
    settings.IMPORT_BACKGROUND_ROWS = 5
    rows = student_rows(8)
    rows[6]["学号"] = rows[0]["学号"]
    client = client_for(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, world, xlsx_bytes(rows))
    job = Job.objects.get()
    record = StudentImport.objects.get()
    assert job.status == Job.Status.SUCCEEDED
    assert record.status == StudentImport.Status.REJECTED
    assert [f["row"] for f in record.errors] == [2, 8]
    assert Student.objects.count() == snapshot[0]
    page = client.get(job.result["redirect"]).content.decode()
    assert "The same value is also on row(s) 8" in page


def test_background_job_runs_in_the_users_language(world, client_for, settings):
    settings.IMPORT_BACKGROUND_ROWS = 1
    rows = student_rows(2)
    rows[1]["手机号"] = "123"
    client = client_for(world.coordinator)
    client.cookies["django_language"] = "zh-hans"
    client.post(upload_url(world), {"file": SimpleUploadedFile("a.xlsx", xlsx_bytes(rows))},
                HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert Job.objects.get().params["language"] == "zh-hans"


def test_pending_import_points_to_its_job(world, client_for):
    job = Job.objects.create(kind="student_import", created_by=world.coordinator)
    record = StudentImport.objects.create(programme=world.programme, created_by=world.coordinator,
                                          file_name="big.xlsx", job=job)
    page = client_for(world.coordinator).get(
        reverse("programs:student_import_result", args=[world.programme.pk, record.pk])).content.decode()
    assert reverse("job_detail", args=[job.pk]) in page


def test_running_the_job_twice_imports_once(world, client_for, settings, django_capture_on_commit_callbacks):
    settings.IMPORT_BACKGROUND_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        post(client_for(world.coordinator), world, xlsx_bytes(student_rows(3)))
    job = Job.objects.get()
    count = Student.objects.count()
    from datetime import timedelta

    from django.utils import timezone

    from trainingweek.jobs import run_job

    # As if its worker died after the import and the broker delivered the task again.
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1))
    run_job.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and Student.objects.count() == count
    assert StudentImport.objects.get().created_count == 3
