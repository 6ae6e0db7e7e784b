"""The enrolment list of a programme, with masked personal data."""

from django.core.paginator import Paginator
from django.shortcuts import render

from ..access import can_manage, get_programme, visible_enrolments, visible_teams
from ..filters import EnrolmentFilter

PAGE_SIZE = 100


def enrolment_list(request, pk):
    programme = get_programme(request.user, pk)
    teams = visible_teams(request.user, programme)
    enrolments = visible_enrolments(request.user, programme).select_related(
        "student", "school_class", "team", "group_leader__student"
    )
    filterset = EnrolmentFilter(request.GET or None, queryset=enrolments, programme=programme, teams=teams)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "programs/enrolment_list.html", {
        "programme": programme, "filter": filterset, "page": page, "query": query.urlencode(),
        "can_manage": can_manage(request.user, programme),
    })
