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

Every progress report is a heartbeat. A running job whose heartbeat is older
than ``JOB_STALE_AFTER_SECONDS`` lost its worker: it is shown as interrupted
(:func:`trainingweek.rules.job_state`) and, if its kind was registered
``resumable``, :func:`resume_job` queues it again. Whoever runs a job first
claims it with one conditional UPDATE (queued, failed, or running without a
recent heartbeat); the claim's attempt number fences every later write, so a
task the broker delivers again while another worker holds the job does
nothing, and a worker that was superseded stops at its next report.

An uploaded input file is stored encrypted with the field key
(:func:`read_input` gives it back) and deleted once the job has an outcome or
is given up (:func:`give_up_jobs`); the files a job made are deleted after
``JOB_RESULT_KEEP_DAYS``, or sooner when its result says ``expires_at``
(:func:`expire_results`); both run hourly (:func:`clean_up_jobs`, Celery beat).

A file a job made that holds unmasked personal data (a bank file) is stored
with :func:`store_private_result`: encrypted like the uploads, listed in
``result["files"]`` (so it expires with the job), and never the job's
``result_file``, which the generic download serves in clear to whoever may see
the job. Only the owning app's view reads it back (:func:`read_private_result`),
after its own checks.

Core imports no app: the apps import this module to register their kinds.
"""

import io
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from trainingweek import crypto
from trainingweek import rules as job_rules
from trainingweek.models import Job, JobSuperseded

logger = logging.getLogger(__name__)

JobWork = Callable[[Job], dict | None]

#: kind → the function doing that kind of job (filled by each app's tasks.py).
JOB_KINDS: dict[str, JobWork] = {}


@dataclass(frozen=True)
class JobKind:
    """How a kind of job may be taken up again, as its app registered it.

    ``resumable``: running the work again after a crash finishes it without
    doing anything twice. ``start_perm`` (a named permission) on the object
    ``perm_object(job)`` returns is what lets a user start this kind of job,
    and so resume another user's interrupted one.
    """

    resumable: bool = False
    start_perm: str = ""
    perm_object: Callable[[Job], object | None] | None = None


#: kind → its resume options (a kind registered without options is not resumable).
JOB_KIND_OPTIONS: dict[str, JobKind] = {}

__all__ = ["JOB_KINDS", "JOB_KIND_OPTIONS", "JobError", "JobKind", "JobSuperseded", "clean_up_jobs", "execute_job",
           "expire_results", "give_up_jobs", "kind_options", "read_input", "read_private_result", "register_job_kind",
           "result_expired", "resume_job", "run_job", "start_job", "store_private_result"]


class JobError(Exception):
    """A failure whose message is meant for the user (already translated)."""


def register_job_kind(kind: str, *, resumable: bool = False, start_perm: str = "",
                      perm_object: Callable[[Job], object | None] | None = None) -> Callable[[JobWork], JobWork]:
    """Decorator: ``work`` does the jobs of ``kind``. A kind has one work function.

    Pass ``resumable=True`` only for work that is safe to run again after a
    worker died midway (see :class:`JobKind`).
    """

    def register(work: JobWork) -> JobWork:
        known = JOB_KINDS.get(kind)
        if known is not None and (known.__module__, known.__qualname__) != (work.__module__, work.__qualname__):
            raise ValueError(f"job kind {kind!r} is already registered by {known.__module__}.{known.__qualname__}")
        JOB_KINDS[kind] = work
        JOB_KIND_OPTIONS[kind] = JobKind(resumable=resumable, start_perm=start_perm, perm_object=perm_object)
        return work

    return register


def kind_options(kind: str) -> JobKind:
    """The resume options of ``kind`` (none: not resumable)."""
    return JOB_KIND_OPTIONS.get(kind) or JobKind()


def stale_after() -> timedelta:
    """How long a running job may go without a heartbeat before it counts as interrupted."""
    return timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)


def _quiet_since(cutoff) -> Q:
    # No sign of life since ``cutoff``: the heartbeat, or the start for work that never reported.
    return Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff) | Q(
        heartbeat_at__isnull=True, started_at__isnull=True)


def start_job(*, kind: str, user, params: dict | None = None, input_file=None) -> Job:
    """Create a job row and queue :func:`run_job` for it once the row is committed.

    ``input_file`` (an upload the work reads back with :func:`read_input`)
    is stored encrypted under a random name: it holds unmasked personal data
    until the job has an outcome. If the broker cannot take the task, the
    job fails with the reason and the user can start it again.
    """
    if kind not in JOB_KINDS:
        raise LookupError(f"no work is registered for job kind {kind!r}")
    job = Job(kind=kind, created_by=user, params=params or {})
    if input_file is not None:
        plain = b"".join(File(input_file).chunks())
        job.input_file.save(f"{uuid.uuid4().hex}.enc", ContentFile(crypto.encrypt_bytes(plain)), save=False)
    job.save()
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def read_input(job: Job) -> io.BytesIO:
    """The job's uploaded file, decrypted, as a binary file object."""
    if not job.input_file:
        raise JobError(_("The uploaded file of this job is no longer kept; please upload it again."))
    with job.input_file.open("rb") as stored:
        return io.BytesIO(crypto.decrypt_bytes(stored.read()))


def store_private_result(job: Job, content: bytes) -> str:
    """Store ``content`` (a file the job made, holding unmasked personal data)
    encrypted with the field key, and return its storage name.

    The name is the job's own (``jobs/private/<id>.enc``): running the job
    again replaces the file instead of leaving a second copy. The work lists
    the name in ``result["files"]`` so that :func:`expire_results` deletes it;
    it is never the job's ``result_file`` (served in clear by the generic
    download)."""
    storage = Job._meta.get_field("result_file").storage
    name = f"jobs/private/{job.pk}.enc"
    storage.delete(name)
    return storage.save(name, ContentFile(crypto.encrypt_bytes(content)))


def read_private_result(name: str) -> bytes:
    """The content :func:`store_private_result` stored under ``name``, decrypted.
    FileNotFoundError once it expired."""
    storage = Job._meta.get_field("result_file").storage
    with storage.open(name, "rb") as stored:
        return crypto.decrypt_bytes(stored.read())


def _discard_input(job_id: int) -> None:
    # The upload holds unmasked personal data: it goes once nobody will read it.
    name = Job.objects.filter(pk=job_id).values_list("input_file", flat=True).first()
    if name:
        Job.objects.filter(pk=job_id, input_file=name).update(input_file="")
        Job._meta.get_field("input_file").storage.delete(name)


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
        _discard_input(job_id)


@shared_task(name="trainingweek.run_job")
def run_job(job_id: int) -> None:
    """The one Celery task: run the Job ``job_id`` by its kind."""
    execute_job(job_id)


def _claim(job_id: int) -> Job | None:
    """Take the job for this worker, or None if it is done or another worker holds it.

    One conditional UPDATE (PostgreSQL re-checks the condition on the row
    after a concurrent claim commits), so of two deliveries of one job only
    one runs it. The attempt number it sets fences this worker's writes.
    """
    now = timezone.now()
    claimable = Q(status__in=[Job.Status.PENDING, Job.Status.FAILED]) | (
        Q(status=Job.Status.RUNNING) & _quiet_since(now - stale_after()))
    claimed = Job.objects.filter(claimable, pk=job_id).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, finished_at=None,
        attempts=F("attempts") + 1, progress=0)
    return Job.objects.get(pk=job_id) if claimed else None


def execute_job(job_id: int) -> None:
    """Claim the job, run the work registered for its kind, record succeeded/failed.

    A job already done, or running on another live worker, is left alone
    (the task was delivered twice: acks_late, or a resume).
    """
    job = _claim(job_id)
    if job is None:
        logger.info("job %s is finished or held by another worker: not run again", job_id)
        return
    work = JOB_KINDS.get(job.kind)
    if work is None:
        logger.error("job %s has the unknown kind %r", job_id, job.kind)
        _finish(job, Job.Status.FAILED, _("The job failed: %(error)s") % {
            "error": _("unknown kind %(kind)s") % {"kind": job.kind}}, {})
        return
    try:
        result = work(job) or {}
    except JobSuperseded:
        logger.warning("job %s was resumed on another worker; this run stops", job_id)
        return
    except JobError as exc:
        _finish(job, Job.Status.FAILED, str(exc), {})
        return
    except Exception as exc:  # the user sees why, the log keeps the trace
        logger.exception("job %s failed", job_id)
        _finish(job, Job.Status.FAILED, _("The job failed: %(error)s") % {"error": exc}, {})
        return
    _finish(job, Job.Status.SUCCEEDED, result.pop("message", "") or _("Done"), result)


def _finish(job: Job, status: str, message: str, result: dict) -> None:
    # One UPDATE of the outcome only (the work may have saved result_file
    # itself), and only if no other worker has claimed the job since.
    finished = Job.objects.filter(pk=job.pk, attempts=job.attempts).update(
        status=status,
        message=message,
        result=result,
        progress=100 if status == Job.Status.SUCCEEDED else job.progress,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    if finished:
        _discard_input(job.pk)
    else:
        logger.warning("job %s was claimed by another worker: this outcome is not recorded", job.pk)


def resume_job(*, job: Job, user) -> Job:
    """Queue an interrupted job again; the work continues where it stopped.

    Refused (:class:`JobError`, with the reason for the user) unless the
    job's kind is resumable and the job is interrupted right now (running,
    without a heartbeat for ``JOB_STALE_AFTER_SECONDS``). The row is locked
    and moved back to queued in one transaction, so two people resuming at
    once queue it once; the task is sent after commit. Who may resume is the
    view's check (``trainingweek.resume_job``).
    """
    if not kind_options(job.kind).resumable:
        raise JobError(_("This kind of job cannot be resumed. Please start it again."))
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        now = timezone.now()
        if not job_rules.is_stale(status=locked.status, heartbeat_at=locked.heartbeat_at or locked.started_at,
                                  now=now, stale_after=stale_after()):
            raise JobError(_("Only an interrupted job can be resumed; this one is “%(state)s”.")
                           % {"state": locked.get_state_display()})
        Job.objects.filter(pk=locked.pk).update(
            status=Job.Status.PENDING, heartbeat_at=now,
            message=_("Resumed by %(user)s; waiting for a worker.") % {"user": user.get_full_name() or user.username})
        transaction.on_commit(lambda: _enqueue(locked.pk))
    locked.refresh_from_db()
    return locked


def give_up_jobs(*, now=None) -> int:
    """Fail the jobs nobody will finish and delete their uploaded files.

    A job is given up when it has been interrupted, or queued without ever
    starting, for longer than ``JOB_GIVE_UP_AFTER_SECONDS``; a finished job
    that still has an upload (an older release kept them) loses it too.
    Returns the number of jobs given up.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.JOB_GIVE_UP_AFTER_SECONDS)
    abandoned = (Q(status=Job.Status.RUNNING) & _quiet_since(cutoff)) | (
        Q(status=Job.Status.PENDING, created_at__lt=cutoff) & (Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=cutoff)))
    given_up = 0
    for pk in list(Job.objects.filter(abandoned).values_list("pk", flat=True)):
        if Job.objects.filter(abandoned, pk=pk).update(
                status=Job.Status.FAILED, finished_at=now,
                message=_("The job was given up: no worker took it up again. Please start it again.")):
            _discard_input(pk)
            given_up += 1
    for pk in Job.objects.filter(status__in=[Job.Status.SUCCEEDED, Job.Status.FAILED]).exclude(
            input_file="").values_list("pk", flat=True):
        _discard_input(pk)
    return given_up


def expire_results(*, now=None) -> int:
    """Delete the files that jobs finished more than ``JOB_RESULT_KEEP_DAYS``
    ago made (score sheets name students), and those of jobs whose result
    set an earlier ``expires_at`` (an ISO timestamp: bank files live hours,
    not weeks): the job's ``result_file`` and the storage names its work
    listed in ``result["files"]``. The job row stays, marked
    ``result["expired"]``. Returns the number of jobs whose files went.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.JOB_RESULT_KEEP_DAYS)
    storage = Job._meta.get_field("result_file").storage
    expired = 0
    due = Q(finished_at__lt=cutoff) | Q(result__has_key="expires_at")
    for job in Job.objects.filter(due).exclude(result__has_key="expired"):
        if not (job.finished_at and job.finished_at < cutoff) and not result_expired(job.result, now=now):
            continue
        names = [name for name in [job.result_file.name, *job.result.get("files", [])] if name]
        if not names:
            continue
        for name in names:
            storage.delete(name)
        Job.objects.filter(pk=job.pk).update(result_file="", result={**job.result, "expired": True})
        expired += 1
    return expired


def result_expired(result: dict, *, now=None) -> bool:
    """Are the files of a job with this ``result`` gone, or past the
    ``expires_at`` its work set (due for :func:`expire_results`)?"""
    if result.get("expired"):
        return True
    expires_at = parse_datetime(result.get("expires_at") or "")
    return expires_at is not None and expires_at <= (now or timezone.now())


@shared_task(name="trainingweek.clean_up_jobs")
def clean_up_jobs() -> dict:
    """Periodic (Celery beat, hourly): :func:`give_up_jobs` and :func:`expire_results` now."""
    return {"given_up": give_up_jobs(), "expired": expire_results()}
