"""Background jobs of the students app (registered when the app is ready)."""

from programs.students import services
from trainingweek.jobs import register_job_kind


@register_job_kind(services.JOB_KIND)
def import_students(job) -> dict:
    """Import a long student list stored on the job (see services.run_import_job)."""
    return services.run_import_job(job)
