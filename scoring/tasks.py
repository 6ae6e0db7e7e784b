"""Background jobs of the scoring app (registered when the app is ready)."""

from scoring import documents
from trainingweek.jobs import register_job_kind


@register_job_kind(documents.JOB_KIND)
def class_sheets(job) -> dict:
    """Build a class's score sheets: one merged PDF and a ZIP of per-student PDFs."""
    return documents.build_class_pdfs(job)
