"""Background jobs of the scoring app (registered when the app is ready)."""

from programs.agreements.models import Programme
from scoring import documents
from trainingweek.jobs import register_job_kind


def _programme(job) -> Programme | None:
    return Programme.objects.filter(pk=job.params.get("programme")).first()


# Resumable: the files are built afresh (and the previous ones replaced).
@register_job_kind(documents.JOB_KIND, resumable=True, start_perm="scoring.enter_school_scores",
                   perm_object=_programme)
def class_sheets(job) -> dict:
    """Build a class's score sheets: one merged PDF and a ZIP of per-student PDFs."""
    return documents.build_class_pdfs(job)
