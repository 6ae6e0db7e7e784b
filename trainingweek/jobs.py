"""Running long work as a :class:`~trainingweek.models.Job`: one path for every job.

- Each app registers the work function of its job kinds, in its ``tasks.py``
  (imported by its ``AppConfig.ready``, so every process knows every kind)::

      @register_job_kind("stipends.freeze_batch")
      def freeze_batch(job): ...

- A service or view starts a job with :func:`start_job`; the row is saved and,
  once the transaction commits, the one Celery task :func:`run_job` is queued
  with its id.
- :func:`run_job` (on a worker, or eagerly in development) loads the Job and
  runs the work registered for ``job.kind`` through :func:`execute_job`.

The work function receives the job and reports progress through
``job.report(done, total)``; what it returns is stored as the job's result
(its ``"message"`` shown to the user). A :class:`JobError` fails the job with
its message as it stands; any other exception fails it with the reason, and the
job can be started again: the work functions are written to be idempotent, and
a job that already SUCCEEDED is not run again when the task is delivered twice.

Core imports no app: the apps import this module to register their kinds.
"""

import logging
from collections.abc import Callable

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trainingweek.models import Job

logger = logging.getLogger(__name__)

JobWork = Callable[[Job], dict | None]

#: kind → the function doing that kind of job (filled by each app's tasks.py).
JOB_KINDS: dict[str, JobWork] = {}


class JobError(Exception):
    """A failure whose message is meant for the user (already translated)."""


def register_job_kind(kind: str) -> Callable[[JobWork], JobWork]:
    """Decorator: ``work`` does the jobs of ``kind``. A kind has one work function."""

    def register(work: JobWork) -> JobWork:
        known = JOB_KINDS.get(kind)
        if known is not None and (known.__module__, known.__qualname__) != (work.__module__, work.__qualname__):
            raise ValueError(f"job kind {kind!r} is already registered by {known.__module__}.{known.__qualname__}")
        JOB_KINDS[kind] = work
        return work

    return register


def start_job(*, kind: str, user, params: dict | None = None, input_file=None) -> Job:
    """Create a job row and queue :func:`run_job` for it once the row is committed.

    If the broker cannot take the task, the job fails with the reason and the
    user can start it again.
    """
    if kind not in JOB_KINDS:
        raise LookupError(f"no work is registered for job kind {kind!r}")
    job = Job(kind=kind, created_by=user, params=params or {})
    if input_file is not None:
        job.input_file.save(input_file.name, input_file, save=False)
    job.save()
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    try:
        run_job.delay(job_id)
    except Exception as exc:  # broker down: say so, the user can start it again
        logger.exception("could not queue job %s", job_id)
        Job.objects.filter(pk=job_id).update(
            status=Job.Status.FAILED,
            message=_("The job could not be queued (%(error)s). Please try again later.") % {"error": exc},
            finished_at=timezone.now(),
        )


@shared_task(name="trainingweek.run_job")
def run_job(job_id: int) -> None:
    """The one Celery task: run the Job ``job_id`` by its kind."""
    execute_job(job_id)


def execute_job(job_id: int) -> None:
    """Run the work registered for the job's kind, recording running/succeeded/failed."""
    job = Job.objects.get(pk=job_id)
    if job.status == Job.Status.SUCCEEDED:
        return  # delivered twice (acks_late): the work is done already
    work = JOB_KINDS.get(job.kind)
    if work is None:
        logger.error("job %s has the unknown kind %r", job_id, job.kind)
        _finish(job, Job.Status.FAILED, _("The job failed: %(error)s") % {
            "error": _("unknown kind %(kind)s") % {"kind": job.kind}}, {})
        return
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
