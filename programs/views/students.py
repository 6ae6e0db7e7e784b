"""Students: importing a list from Excel, and one student's page with the
finance-only reveal of personal data."""

from collections import Counter

from axes.helpers import get_client_ip_address
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from trainingweek.forms import upload_limits

from .. import imports, services_students
from ..access import can_manage, get_programme, require_manage, visible_enrolments
from ..forms import StudentImportForm

FINDINGS_PAGE_SIZE = 200
WARNINGS_SHOWN = 500
RECENT_IMPORTS = 10
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def student_import(request, pk):
    """Upload page: a short file is imported at once, a long one in the background."""
    programme = get_programme(request.user, pk)
    require_manage(request.user, programme)
    form = StudentImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        record, job = services_students.start_import(programme, request.user, form.cleaned_data["file"], form.sheet)
        if job is not None:
            return redirect("job_detail", pk=job.pk)
        return redirect("programs:student_import_result", pk=programme.pk, import_pk=record.pk)
    return render(request, "programs/student_import.html", {
        "programme": programme, "form": form, "columns": imports.COLUMNS,
        "classes": programme.classes.all(),
        "recent": programme.student_imports.select_related("created_by")[:RECENT_IMPORTS],
        **upload_limits(),
    })


def import_template(request, pk):
    """The Excel template, with the programme's classes offered in the class column."""
    programme = get_programme(request.user, pk)
    require_manage(request.user, programme)
    content = imports.template_workbook(list(programme.classes.values_list("name", flat=True)))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, "学生导入模板.xlsx")
    return response


def import_result(request, pk, import_pk):
    """The outcome of one import: counts and warnings, or every bad row."""
    programme = get_programme(request.user, pk)
    require_manage(request.user, programme)
    record = get_object_or_404(programme.student_imports.select_related("created_by", "job"), pk=import_pk)
    errors = Paginator(record.errors, FINDINGS_PAGE_SIZE).get_page(request.GET.get("page"))
    # Thousands of rows may share one warning (no bank card yet): sum them up.
    summary = Counter(finding["message"] for finding in record.warnings).most_common()
    return render(request, "programs/student_import_result.html", {
        "programme": programme, "record": record, "errors": errors, "warning_summary": summary,
        "warnings": record.warnings[:WARNINGS_SHOWN], "warnings_hidden": max(0, len(record.warnings) - WARNINGS_SHOWN),
        **upload_limits(),
    })


def _enrolment(request, pk, enrolment_pk):
    programme = get_programme(request.user, pk)
    enrolment = get_object_or_404(
        visible_enrolments(request.user, programme).select_related(
            "student", "school_class", "team", "group_leader__student"
        ),
        pk=enrolment_pk,
    )
    return programme, enrolment


def _detail(request, programme, enrolment, revealed=None):
    response = render(request, "programs/enrolment_detail.html", {
        "programme": programme, "enrolment": enrolment, "student": enrolment.student,
        "revealed": revealed, "may_reveal": request.user.may_see_personal_data,
        "can_manage": can_manage(request.user, programme),
    })
    # Personal data must not linger in shared or browser caches.
    response["Cache-Control"] = "no-store, private"
    return response


def enrolment_detail(request, pk, enrolment_pk):
    """A student's page: everyone who sees the enrolment sees masked data."""
    programme, enrolment = _enrolment(request, pk, enrolment_pk)
    return _detail(request, programme, enrolment)


@require_POST
def enrolment_reveal(request, pk, enrolment_pk):
    """Finance only: show the unmasked personal data and log the look."""
    programme, enrolment = _enrolment(request, pk, enrolment_pk)
    if not request.user.may_see_personal_data:
        raise PermissionDenied
    revealed = services_students.reveal_personal_data(request.user, enrolment, get_client_ip_address(request))
    return _detail(request, programme, enrolment, revealed)
