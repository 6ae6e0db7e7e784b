from celery import shared_task

from programs.students.services import run_import_job
from trainingweek.jobs import execute_job


@shared_task(name="programs.import_students")
def import_students_task(job_id: int) -> None:
    """Import a long student list stored on the job (see services_students)."""
    execute_job(job_id, run_import_job)
