"""Celery tasks of the scoring app: thin wrappers around services."""

from celery import shared_task

from scoring.documents import build_class_pdfs
from trainingweek.jobs import execute_job


@shared_task(name="scoring.class_sheets")
def class_sheets_task(job_id: int) -> None:
    """Build a class's score sheets: one merged PDF and a ZIP of per-student PDFs."""
    execute_job(job_id, build_class_pdfs)
