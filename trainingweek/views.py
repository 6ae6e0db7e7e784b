"""Site-wide pages: the home page (the to-do inbox), the progress page of a
background job, "log out everywhere"."""

from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trainingweek.exports import stored_file_response
from trainingweek.inbox import inbox_for
from trainingweek.jobs import JobError, kind_options, resume_job
from trainingweek.models import Job
from trainingweek.permissions import is_admin, may_start_kind, require_perm
from trainingweek.services import end_all_sessions


def home(request):
    """Each role's to-do inbox (the apps register its items); an admin, who
    acts for every organisation, starts from the programme list."""
    if is_admin(request.user):
        return redirect("programs:programme_list")
    items = inbox_for(request.user)
    return render(request, "inbox.html", {"items": items, "open": sum(1 for i in items if not i.done)})


@require_POST
def logout_everywhere(request):
    """End every session of the user, this one included (a shared classroom
    computer, a phone left logged in)."""
    end_all_sessions(user=request.user)
    logout(request)
    return render(request, "registration/logged_out_everywhere.html")


def _own_job(request, pk) -> Job:
    # A job (and the file it made) belongs to whoever started it; admins see
    # every job, and whoever may start its kind on its object sees it too
    # (they may resume it). Anyone else: 404.
    job = get_object_or_404(Job, pk=pk)
    if job.created_by_id != request.user.pk and not is_admin(request.user) and not may_start_kind(request.user, job):
        raise Http404
    return job


def job_detail(request, pk):
    job = _own_job(request, pk)
    return render(request, "jobs/detail.html", {"job": job, "resumable": kind_options(job.kind).resumable})


def job_status(request, pk):
    job = _own_job(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_display": job.get_state_display(),
            "interrupted": job.is_interrupted,
            "resumable": kind_options(job.kind).resumable,
            "progress": job.progress,
            "message": job.message,
            "finished": job.is_finished,
            "redirect": job.result.get("redirect", ""),
            "has_file": bool(job.result_file),
        }
    )


def job_download(request, pk):
    job = _own_job(request, pk)
    if not job.result_file:
        raise Http404
    return stored_file_response(job.result_file.open("rb"), job.result_file.name.rsplit("/", 1)[-1])


@require_POST
def job_resume(request, pk):
    """Queue an interrupted job again (see trainingweek.jobs.resume_job)."""
    job = _own_job(request, pk)
    require_perm(request.user, "trainingweek.resume_job", job)
    try:
        resume_job(job=job, user=request.user)
    except JobError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The job was queued again; it continues where it stopped."))
    return redirect("job_detail", pk=job.pk)
