"""Site-wide pages: the home page (the to-do inbox) and the progress page of a background job."""

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render

from trainingweek.exports import stored_file_response
from trainingweek.inbox import inbox_for
from trainingweek.models import Job
from trainingweek.permissions import is_admin


def home(request):
    """Each role's to-do inbox (the apps register its items); an admin, who
    acts for every organisation, starts from the programme list."""
    if is_admin(request.user):
        return redirect("programs:programme_list")
    items = inbox_for(request.user)
    return render(request, "inbox.html", {"items": items, "open": sum(1 for i in items if not i.done)})


def _own_job(request, pk) -> Job:
    # A job (and the file it made) belongs to whoever started it; admins see every job.
    qs = Job.objects.all()
    if not is_admin(request.user):
        qs = qs.filter(created_by=request.user)
    return get_object_or_404(qs, pk=pk)


def job_detail(request, pk):
    return render(request, "jobs/detail.html", {"job": _own_job(request, pk)})


def job_status(request, pk):
    job = _own_job(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_display": job.get_status_display(),
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
