"""Score sheets as PDF: the text (Chinese labels, names, scores), the embedded
CJK font, and the class job's merged PDF and ZIP, downloadable only by those
who may see the class."""

import io
import shutil
import subprocess
import zipfile
from decimal import Decimal as D

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from scoring.models import EnrolmentScore, KpiValue
from tests.settlement.test_documents import _assert_cjk_embedded, _pdffonts
from trainingweek.models import Job

from .conftest import kpi, period


@pytest.fixture
def chinese():
    with translation.override("zh-hans"):
        yield


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "").replace("\n", "")


def _chinese_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client  # no language cookie: the UI (and the PDF) is Chinese


def test_student_pdf_has_the_seed_layout_in_chinese_with_an_embedded_font(world, setup, chinese, tmp_path):
    student = world.enrolments_a[0]
    EnrolmentScore.objects.create(enrolment=student, obedience=D(90), learning=D(80), teamwork=D(85), exam=D(70), mentor=D(88))
    KpiValue.objects.create(enrolment=student, kpi=kpi(setup, "sales"), period=period(setup), value=D("96166"))
    response = _chinese_client(world.mentor_a).get(reverse("scoring:student_pdf", args=[world.programme.pk, student.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    pdf = response.content
    assert len(pdf) <= 100 * 1024, len(pdf)  # fonts cut to the sheet's own glyphs
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)  # A4
    text = _text(pdf)
    for label in ("实训班学生成绩评定表", "服从管理（10%）", "考试考核（20%）", "关键指标达成率（30%）", "导师管理评价（10%）",
                  "合计", "学校指导教师（签字）", "企业指导教师（签字）", "客服"):
        assert label in text, label
    assert student.student.name in text and world.class_a.name in text and world.company.name in text
    assert "96,166.00" in text and "14.00" in text  # the sales value; exam 70 × 20 %
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdftotext"):
        plain = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "成绩评定表" in plain.replace(" ", "")
    _assert_cjk_embedded(_pdffonts(pdf, tmp_path))


def test_class_job_builds_one_merged_pdf_and_a_zip_for_the_class(world, setup, chinese, tmp_path,
                                                                 django_capture_on_commit_callbacks):
    client = _chinese_client(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("scoring:class_pdf", args=[world.programme.pk, world.class_a.pk]))
    job = Job.objects.get(kind="scoring.class_sheets")
    assert response.status_code == 302 and response["Location"] == reverse("job_detail", args=[job.pk])
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert job.result["count"] == 3 and job.result["redirect"].endswith(f"/sheets/jobs/{job.pk}/")
    assert client.get(job.result["redirect"]).status_code == 200

    merged = client.get(reverse("scoring:class_pdf_download", args=[world.programme.pk, job.pk, "pdf"]))
    pdf = b"".join(merged.streaming_content)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 3
    text = _text(pdf)
    assert all(e.student.name in text for e in world.enrolments_a)  # class A = team A's students here
    _assert_cjk_embedded(_pdffonts(pdf, tmp_path))

    archive = client.get(reverse("scoring:class_pdf_download", args=[world.programme.pk, job.pk, "zip"]))
    with zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))) as z:
        names = sorted(z.namelist())
        assert len(names) == 3 and all(n.endswith(".pdf") for n in names)
        first = sorted(world.enrolments_a, key=lambda e: e.student.student_number)[0]
        part = z.read(next(n for n in names if first.student.student_number in n))
    assert len(PdfReader(io.BytesIO(part)).pages) == 1 and first.student.name in _text(part)
    assert len(part) <= 100 * 1024, len(part)  # not the whole class's fonts in every file
    _assert_cjk_embedded(_pdffonts(part, tmp_path))

    # Only those who may see the class download it: a mentor gets 403, another school 404.
    url = reverse("scoring:class_pdf_download", args=[world.programme.pk, job.pk, "zip"])
    assert _chinese_client(world.mentor_a).get(url).status_code == 403
    assert _chinese_client(world.finance).get(url).status_code == 403
    assert _chinese_client(world.other_coordinator).get(url).status_code == 404
    colleague = type(world.coordinator).objects.create(username="coordinator2", role="coordinator", organisation=world.school)
    assert _chinese_client(colleague).get(url).status_code == 200  # a colleague of the same school may
    assert _chinese_client(world.coordinator).get(url.replace("/zip/", "/other/")).status_code == 404


def test_a_resumed_class_job_leaves_one_copy_and_its_files_expire(world, setup, chinese, settings,
                                                                  django_capture_on_commit_callbacks):
    """The worker died after writing the files but before recording the outcome: the resumed
    run replaces them (no second copy of the students' sheets), and after JOB_RESULT_KEEP_DAYS
    the files are deleted and the page says so."""
    from datetime import timedelta
    from pathlib import Path

    from django.utils import timezone

    from trainingweek.jobs import expire_results, resume_job

    client = _chinese_client(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("scoring:class_pdf", args=[world.programme.pk, world.class_a.pk]))
    job = Job.objects.get(kind="scoring.class_sheets")
    media = Path(settings.MEDIA_ROOT)
    first = sorted(p.relative_to(media) for p in media.rglob("*") if p.is_file())
    assert len(first) == 2  # the merged PDF and the ZIP
    long_ago = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, heartbeat_at=long_ago, result={},
                                         finished_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        resume_job(job=job, user=world.coordinator)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2, job.message
    assert len([p for p in media.rglob("*") if p.is_file()]) == 2, "the first run's files are left behind"

    settings.JOB_RESULT_KEEP_DAYS = 14
    assert expire_results(now=timezone.now() + timedelta(days=13)) == 0
    assert expire_results(now=timezone.now() + timedelta(days=15)) == 1
    assert [p for p in media.rglob("*") if p.is_file()] == []
    for kind in ("pdf", "zip"):
        assert client.get(reverse("scoring:class_pdf_download", args=[world.programme.pk, job.pk, kind])
                          ).status_code == 404
    assert 'data-testid="expired"' in client.get(job.result["redirect"]).content.decode()
