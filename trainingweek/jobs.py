"""Running long work as a :class:`~trainingweek.models.Job`.

Views call :func:`start_job`; each app's Celery task calls :func:`execute_job`
with the function that does the work. That function receives the job and
reports progress through ``job.report(done, total)``; what it returns is
stored as the job's result. An exception fails the job with its message, and
the job can be started again: the work functions are written to be idempotent.
"""

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trainingweek.models import Job

logger = logging.getLogger(__name__)


class JobError(Exception):
    """A failure whose message is meant for the user (already translated)."""


def start_job(kind: str, user, task, *, params: dict | None = None, input_file=None) -> Job:
    """Create a job row and queue ``task`` for it once the row is committed."""
    job = Job(kind=kind, created_by=user, params=params or {})
    if input_file is not None:
        job.input_file.save(input_file.name, input_file, save=False)
    job.save()
    transaction.on_commit(lambda: _enqueue(job, task))
    return job


def _enqueue(job: Job, task) -> None:
    try:
        task.delay(job.pk)
    except Exception as exc:  # broker down: say so, the user can start it again
        logger.exception("could not queue job %s", job.pk)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED,
            message=_("The job could not be queued (%(error)s). Please try again later.") % {"error": exc},
            finished_at=timezone.now(),
        )


def execute_job(job_id: int, work: Callable[[Job], dict | None]) -> None:
    """Run ``work`` for the job, recording running/succeeded/failed."""
    job = Job.objects.get(pk=job_id)
    if job.status == Job.Status.SUCCEEDED:
        return  # delivered twice (acks_late): the work is done already
    job.mark_running()
    try:
        result = work(job) or {}
    except JobError as exc:
        _finish(job, Job.Status.FAILED, str(exc), {})
        return
    except Exception as exc:  # the user sees why, the log keeps the trace
        logger.exception("job %s failed", job_id)
        _finish(job, Job.Status.FAILED, _("The job failed: %(error)s") % {"error": exc}, {})
        return
    _finish(job, Job.Status.SUCCEEDED, result.pop("message", "") or _("Done"), result)


def _finish(job: Job, status: str, message: str, result: dict) -> None:
    # One UPDATE of the outcome only: the work may have saved result_file itself.
    Job.objects.filter(pk=job.pk).update(
        status=status,
        message=message,
        result=result,
        progress=100 if status == Job.Status.SUCCEEDED else job.progress,
        finished_at=timezone.now(),
    )
