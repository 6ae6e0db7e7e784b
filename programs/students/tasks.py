"""Background jobs of the students app (registered when the app is ready)."""

from programs.agreements.models import Programme
from programs.students import services
from trainingweek.jobs import register_job_kind


def _programme(job) -> Programme | None:
    return Programme.objects.filter(student_imports__pk=job.params.get("import_id")).first()


# Resumable: the import writes every row in one transaction (with its outcome)
# or none, and an import with an outcome is not run again.
@register_job_kind(services.JOB_KIND, resumable=True, start_perm="students.import_students", perm_object=_programme)
def import_students(job) -> dict:
    """Import a long student list stored on the job (see services.run_import_job)."""
    return services.run_import_job(job)
