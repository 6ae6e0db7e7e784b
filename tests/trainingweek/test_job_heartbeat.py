"""Stale jobs: the heartbeat, the derived "interrupted" state, claiming a job
(one worker at a time), resuming it, and giving up on it."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone, translation

from trainingweek import jobs
from trainingweek.jobs import JOB_KIND_OPTIONS, JOB_KINDS, JobError, JobKind, resume_job, run_job
from trainingweek.models import Job, JobSuperseded

pytestmark = pytest.mark.django_db


class Work:
    def __init__(self):
        self.calls = 0
        self.behaviour = lambda j: None

    def __call__(self, job):
        self.calls += 1
        return self.behaviour(job)


@pytest.fixture
def work(monkeypatch):
    w = Work()
    monkeypatch.setitem(JOB_KINDS, "test.resumable", w)
    monkeypatch.setitem(JOB_KIND_OPTIONS, "test.resumable", JobKind(resumable=True))
    monkeypatch.setitem(JOB_KINDS, "test.once_only", w)
    monkeypatch.setitem(JOB_KIND_OPTIONS, "test.once_only", JobKind(resumable=False))
    return w


def _ago(seconds):
    return timezone.now() - timedelta(seconds=seconds)


def running(world, *, quiet_for, kind="test.resumable", **fields):
    """A job its worker left running, its last heartbeat ``quiet_for`` seconds ago."""
    return Job.objects.create(kind=kind, created_by=world.coordinator, status=Job.Status.RUNNING, attempts=1,
                              started_at=_ago(quiet_for + 5), heartbeat_at=_ago(quiet_for), progress=40, **fields)


def test_every_progress_report_is_a_heartbeat(world, work):
    seen = []

    def behaviour(j):
        before = Job.objects.get(pk=j.pk).heartbeat_at
        Job.objects.filter(pk=j.pk).update(heartbeat_at=_ago(3600))
        j.report(1, 2)
        seen.append((before, Job.objects.get(pk=j.pk).heartbeat_at))

    work.behaviour = behaviour
    job = Job.objects.create(kind="test.resumable", created_by=world.coordinator)
    run_job.apply(args=[job.pk])
    claimed_at, reported_at = seen[0]
    assert claimed_at is not None  # claiming is the first sign of life
    assert reported_at > _ago(5)


def test_a_running_job_without_heartbeat_is_shown_interrupted_and_a_get_writes_nothing(world, work, settings,
                                                                                        client_for):
    settings.JOB_STALE_AFTER_SECONDS = 180
    alive, dead = running(world, quiet_for=60), running(world, quiet_for=600)
    assert (alive.state, dead.state) == ("running", "interrupted")
    client = client_for(world.coordinator)
    before = list(Job.objects.order_by("pk").values_list())
    status = client.get(f"/jobs/{dead.pk}/status/").json()
    assert status["interrupted"] and status["status"] == "running" and not status["finished"]
    assert status["status_display"] != client.get(f"/jobs/{alive.pk}/status/").json()["status_display"]
    page = client.get(f"/jobs/{dead.pk}/").content.decode()
    assert 'data-testid="resume"' in page and 'data-role="interrupted" hidden' not in page
    assert 'data-role="interrupted" hidden' in client.get(f"/jobs/{alive.pk}/").content.decode()
    assert list(Job.objects.order_by("pk").values_list()) == before  # derived, never written


def test_the_window_comes_from_the_setting(world, settings):
    job = running(world, quiet_for=30)
    settings.JOB_STALE_AFTER_SECONDS = 60
    assert not job.is_interrupted
    settings.JOB_STALE_AFTER_SECONDS = 10
    assert job.is_interrupted


def test_a_delivery_while_another_worker_is_alive_does_not_run(world, work, settings):
    settings.JOB_STALE_AFTER_SECONDS = 180
    job = running(world, quiet_for=5)
    run_job.apply(args=[job.pk])
    job.refresh_from_db()
    assert work.calls == 0 and job.status == Job.Status.RUNNING and job.attempts == 1


def test_a_delivery_after_the_worker_died_claims_and_finishes_it(world, work, settings):
    settings.JOB_STALE_AFTER_SECONDS = 180
    job = running(world, quiet_for=600)
    work.behaviour = lambda j: {"message": "done"}
    run_job.apply(args=[job.pk])
    job.refresh_from_db()
    assert work.calls == 1 and job.status == Job.Status.SUCCEEDED and job.attempts == 2


def test_a_superseded_worker_stops_at_its_next_report_and_records_nothing(world, work):
    job = Job.objects.create(kind="test.resumable", created_by=world.coordinator)

    def behaviour(j):
        # Meanwhile the job was resumed and claimed by another worker (attempt 2).
        Job.objects.filter(pk=j.pk).update(attempts=j.attempts + 1, message="the other worker's")
        j.report(5, 10)
        raise AssertionError("a superseded worker must not go on")

    work.behaviour = behaviour
    run_job.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.message == "the other worker's"  # no outcome of the first
    with pytest.raises(JobSuperseded):  # a stale copy of the row (attempt 1) reports: refused
        Job(pk=job.pk, attempts=1).report(1, 2)


def test_a_superseded_worker_does_not_record_its_outcome(world, work):
    job = Job.objects.create(kind="test.resumable", created_by=world.coordinator)

    def behaviour(j):
        Job.objects.filter(pk=j.pk).update(attempts=j.attempts + 1)
        return {"message": "first worker's result"}

    work.behaviour = behaviour
    run_job.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.message != "first worker's result"


def test_resume_queues_an_interrupted_job_which_then_finishes(world, work, settings,
                                                              django_capture_on_commit_callbacks):
    settings.JOB_STALE_AFTER_SECONDS = 180
    job = running(world, quiet_for=600)
    work.behaviour = lambda j: {"message": "finished"}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        resumed = resume_job(job=job, user=world.coordinator)
    assert resumed.status == Job.Status.PENDING and work.calls == 0 and len(callbacks) == 1
    assert not resumed.is_interrupted
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert work.calls == 1 and job.status == Job.Status.SUCCEEDED and job.message == "finished"


def test_resume_twice_queues_it_once(world, work, settings, django_capture_on_commit_callbacks):
    settings.JOB_STALE_AFTER_SECONDS = 180
    job = running(world, quiet_for=600)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        resume_job(job=job, user=world.coordinator)
        with pytest.raises(JobError):
            resume_job(job=job, user=world.admin)  # the first resume made it queued
    assert len(callbacks) == 1


@pytest.mark.parametrize("quiet_for, status", [(5, Job.Status.RUNNING), (600, Job.Status.SUCCEEDED),
                                               (600, Job.Status.FAILED), (600, Job.Status.PENDING)])
def test_resume_refuses_a_job_that_is_not_interrupted(world, work, settings, quiet_for, status):
    settings.JOB_STALE_AFTER_SECONDS = 180
    job = running(world, quiet_for=quiet_for)
    Job.objects.filter(pk=job.pk).update(status=status)
    with translation.override("en"), pytest.raises(JobError, match="interrupted"):
        resume_job(job=job, user=world.coordinator)
    assert Job.objects.get(pk=job.pk).status == status


def test_resume_refuses_a_kind_that_is_not_resumable(world, work, settings):
    settings.JOB_STALE_AFTER_SECONDS = 180
    job = running(world, quiet_for=600, kind="test.once_only")
    with translation.override("en"), pytest.raises(JobError, match="cannot be resumed"):
        resume_job(job=job, user=world.coordinator)
    assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING


def test_every_registered_kind_says_whether_it_is_resumable():
    # Each was checked: the freeze skips students already frozen (chunk by chunk), the import
    # writes its rows and its outcome in one transaction, the PDF set is built afresh.
    assert {kind: jobs.kind_options(kind).resumable for kind in ("student_import", "stipends.freeze_batch",
                                                                  "scoring.class_sheets")} == dict.fromkeys(
        ("student_import", "stipends.freeze_batch", "scoring.class_sheets"), True)
    assert all(jobs.kind_options(kind).start_perm for kind in ("student_import", "stipends.freeze_batch",
                                                               "scoring.class_sheets"))


def test_the_resume_view(world, work, settings, client_for, django_capture_on_commit_callbacks):
    settings.JOB_STALE_AFTER_SECONDS = 180
    job = running(world, quiet_for=600)
    assert client_for(world.mentor_a).post(f"/jobs/{job.pk}/resume/").status_code == 404
    assert client_for(world.admin).post(f"/jobs/{job.pk}/resume/").status_code == 403  # sees it, did not start it
    assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING
    work.behaviour = lambda j: {"message": "finished"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.coordinator).post(f"/jobs/{job.pk}/resume/")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert Job.objects.get(pk=job.pk).status == Job.Status.SUCCEEDED  # eager: queued and run


def test_whoever_may_start_the_kind_may_resume_anothers_job(world, settings, client_for,
                                                            django_capture_on_commit_callbacks):
    """A freeze started by one finance user of the company is resumed by another; a coordinator may not."""
    from tests.factories import UserFactory
    from trainingweek.models import User

    settings.JOB_STALE_AFTER_SECONDS = 180
    colleague = UserFactory(username="finance2", role=User.Role.FINANCE, organisation=world.company)
    job = running(world, quiet_for=600, kind="stipends.freeze_batch",
                  params={"programme": world.programme.pk, "batch": 0})
    Job.objects.filter(pk=job.pk).update(created_by=colleague)
    assert client_for(world.coordinator).post(f"/jobs/{job.pk}/resume/").status_code == 404
    assert client_for(world.other_finance).post(f"/jobs/{job.pk}/resume/").status_code == 404
    assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING
    assert client_for(world.finance).get(f"/jobs/{job.pk}/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(world.finance).post(f"/jobs/{job.pk}/resume/").status_code == 302
    assert Job.objects.get(pk=job.pk).attempts == 2  # claimed and run again (it fails: batch 0 does not exist)


def test_a_non_resumable_interrupted_job_says_so_on_its_page(world, work, settings, client_for):
    settings.JOB_STALE_AFTER_SECONDS = 180
    job = running(world, quiet_for=600, kind="test.once_only")
    page = client_for(world.coordinator).get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-testid="resume"' not in page and 'data-role="interrupted"' in page
    response = client_for(world.coordinator).post(f"/jobs/{job.pk}/resume/", follow=True)
    assert "此类任务无法继续执行" in response.content.decode()  # the refusal, in the default language


def test_giving_up_fails_abandoned_jobs_and_deletes_their_uploads(world, settings):
    settings.JOB_GIVE_UP_AFTER_SECONDS = 3600
    files = {}

    def with_upload(job, name):
        job.input_file.save(name, ContentFile(b"secret"), save=True)
        files[job.pk] = job.input_file.name
        return job

    dead = with_upload(running(world, quiet_for=7200), "dead.enc")
    recent = with_upload(running(world, quiet_for=600), "recent.enc")
    never_started = with_upload(Job.objects.create(kind="test.resumable", created_by=world.coordinator,
                                                   created_at=_ago(7200)), "queued.enc")
    leftover = with_upload(Job.objects.create(kind="test.resumable", created_by=world.coordinator,
                                              status=Job.Status.SUCCEEDED), "left.enc")
    assert jobs.give_up_jobs() == 2
    for job in (dead, never_started):
        job.refresh_from_db()
        assert job.status == Job.Status.FAILED and not job.input_file and not default_storage.exists(files[job.pk])
    recent.refresh_from_db()
    assert recent.status == Job.Status.RUNNING and default_storage.exists(files[recent.pk])
    leftover.refresh_from_db()
    assert not leftover.input_file and not default_storage.exists(files[leftover.pk])
