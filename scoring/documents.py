"""Score sheets (成绩评定表) as PDF: one student, or a whole class.

A class is rendered as ONE WeasyPrint document (DESIGN pitfalls: ~2× faster
per page than a document per student, one shared FontConfiguration); the
per-student files of the ZIP are cut from it by page, using the anchor each
sheet starts with, so no sheet is laid out twice. Each file carries only its
own glyphs (``trainingweek.pdf_fonts``): ~40 KiB a sheet instead of ~300 KiB.
"""

import io
import zipfile

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from programs.agreements.models import Programme
from programs.students.models import Enrolment
from scoring import selectors
from trainingweek import pdf_fonts
from trainingweek.jobs import JobError
from trainingweek.pdf import render_pdf, render_pdf_with_anchors

SHEET_CSS = """
.sheet + .sheet { break-before: page; }
.head td { border: none; padding: 0.6mm 0; }
.items td, .items th { text-align: center; vertical-align: middle; }
.items td.label { text-align: left; }
.items .total td { font-weight: bold; }
.how { font-size: 8.5pt; color: #333; }
.signatures { margin-top: 10mm; }
.signatures td { border: none; padding: 5mm 0 0; width: 50%; }
.line { display: inline-block; border-bottom: 0.5pt solid #111; width: 38mm; }
"""


def sheets_html(programme: Programme, sheets: list[selectors.ScoreSheet]) -> str:
    return render_to_string("scoring/score_sheet_pdf.html", {
        "programme": programme, "company": programme.agreement.company, "school": programme.agreement.school,
        "sheets": sheets, "generated": timezone.localtime(),
    })


def student_pdf(programme: Programme, sheet: selectors.ScoreSheet) -> bytes:
    """One student's score sheet, A4, with its fonts cut to its own glyphs."""
    return pdf_fonts.compact(render_pdf(sheets_html(programme, [sheet]), css=SHEET_CSS))


def filename(enrolment: Enrolment, extension: str = "pdf") -> str:
    return f"{_('Score sheet')} {enrolment.student.student_number} {enrolment.student.name}.{extension}"


def class_pdfs(programme: Programme, sheets: list[selectors.ScoreSheet], report=None) -> tuple[bytes, bytes]:
    """The class's sheets as one merged PDF and as a ZIP of one PDF per student.

    ``report(done, total)`` is told the progress of the cutting.
    """
    merged, anchors = render_pdf_with_anchors(sheets_html(programme, sheets), css=SHEET_CSS)
    starts = {}
    for page_no, names in enumerate(anchors):
        for name in names:
            starts.setdefault(name, page_no)
    first_pages = [starts[f"sheet-{s.enrolment.pk}"] for s in sheets] + [len(anchors)]
    parts = pdf_fonts.split(merged, [range(len(anchors))] + [range(first_pages[n], first_pages[n + 1])
                                                            for n in range(len(sheets))])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, sheet in enumerate(sheets):
            archive.writestr(filename(sheet.enrolment), parts[n + 1])
            if report:
                report(n + 1, len(sheets))
    return parts[0], buffer.getvalue()


JOB_KIND = "scoring.class_sheets"


def build_class_pdfs(job) -> dict:
    """Work of the class PDF job (see ``tasks``): params ``programme``,
    ``school_class`` and ``language``; stores the merged PDF and makes the
    ZIP the job's file. Running it again builds both afresh."""
    params = job.params
    programme = Programme.objects.select_related("agreement__school", "agreement__company").get(pk=params["programme"])
    school_class = programme.classes.filter(pk=params["school_class"]).first()
    if school_class is None:
        raise JobError(_("The class no longer exists."))
    with translation.override(params.get("language") or None):
        setup = selectors.load_setup(programme)
        enrolments = selectors.class_enrolments(school_class=school_class)
        if not enrolments:
            raise JobError(_("The class has no students."))
        sheets = selectors.score_sheets(setup, programme, enrolments)
        job.report(1, 10, _("Laying out %(n)s score sheets…") % {"n": len(sheets)})
        merged, archive = class_pdfs(programme, sheets, lambda done, total: job.report(5 + done * 4 // total, 10))
        base = f"{_('Score sheets')} {school_class.name}"
        # A run that died after writing its files (then resumed) leaves no second copy behind.
        pdf_path = f"jobs/scoring/{job.pk}/{base}.pdf"
        default_storage.delete(pdf_path)
        if job.result_file:
            job.result_file.delete(save=False)
        pdf_name = default_storage.save(pdf_path, ContentFile(merged))
        job.result_file.save(f"{base}.zip", ContentFile(archive), save=False)
        job.save(update_fields=["result_file"])
        return {
            "pdf": pdf_name, "files": [pdf_name], "count": len(sheets),  # files: expired by the core
            "redirect": reverse("scoring:class_pdf_result", args=[programme.pk, job.pk]),
            "message": _("%(n)s score sheets are ready.") % {"n": len(sheets)},
        }
