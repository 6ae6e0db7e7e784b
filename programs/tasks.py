"""Celery tasks of the programs app: thin wrappers around services."""

from celery import shared_task

from trainingweek.jobs import execute_job

from . import services_settlement
from .services_students import run_import_job


@shared_task(name="programs.import_students")
def import_students_task(job_id: int) -> None:
    """Import a long student list stored on the job (see services_students)."""
    execute_job(job_id, run_import_job)


@shared_task(name="programs.tasks.send_deadline_reminders")
def send_deadline_reminders() -> int:
    """Daily (beat): email reminders of settlement deadlines; never twice."""
    return services_settlement.send_deadline_reminders()
