"""The programme list and a programme's page (its classes and teams).

Classes and teams of a programme, mentors and group leaders.

The enrolment list of a programme, with masked personal data.

Students: importing a list from Excel, and one student's page with the
finance-only reveal of personal data.
"""

from collections import Counter

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from programs.agreements.selectors import get_programme, visible_programmes
from programs.students import imports, services
from programs.students import services as services_students
from programs.students.forms import (
    EnrolmentFilter,
    SchoolClassForm,
    StudentImportForm,
    TeamAssignChoices,
    TeamForm,
)
from programs.students.models import Enrolment, Team
from programs.students.selectors import (
    active_enrolments_of,
    chosen_enrolment_ids,
    group_leaders,
    require_team,
    student_history,
    visible_enrolments,
    visible_teams,
    without_personal_data,
)
from trainingweek.exports import xlsx_response
from trainingweek.forms import upload_limits
from trainingweek.http import client_address
from trainingweek.pagination import LIST_PAGE_SIZE, paginate
from trainingweek.permissions import require_perm

# About one group leader per ten students (DESIGN.md): more is flagged.
GROUP_SIZE_WARNING = 12


def programme_list(request):
    programmes = visible_programmes(request.user).annotate(enrolled=active_enrolments_of("programme"))
    return render(request, "programs/programme_list.html", {"programmes": programmes})


#: Teams on one page of the programme's overview.
TEAMS_PAGE_SIZE = 50


def programme_detail(request, pk):
    programme = get_programme(request.user, pk)
    # The members are counted for the page's teams only (and not in the pages' count).
    teams = visible_teams(request.user, programme).prefetch_related("mentors").annotate(
        members=active_enrolments_of("team")
    ).order_by("name", "pk")
    # A page of teams: a programme of 10,000 students may have a thousand.
    teams, query = paginate(request, teams, TEAMS_PAGE_SIZE, by_ids=False)  # narrow rows: no deferred join
    classes = programme.classes.annotate(members=active_enrolments_of("school_class"))
    return render(request, "programs/programme_detail.html", {
        "programme": programme,
        "phases": programme.phases.all(),
        "classes": classes,
        "teams": teams, "query": query,
        # Only those who put students into teams are told how many still have none.
        "without_team": Enrolment.objects.filter(
            programme=programme, team__isnull=True, status=Enrolment.Status.ACTIVE).count()
        if request.user.has_perm("students.assign_team", programme) else None,
    })


def edit_programme_item(request, programme_pk, pk, *, items: str, form_class, saved: str, titles: tuple,
                        next_url, perm: str, template="programs/simple_form.html", context=None):
    """The coordinator's create/edit page for a class, team or shift of a programme.

    ``items`` names the programme's related manager (``classes``...);
    ``next_url(programme, obj)`` says where to go once saved; ``titles`` is
    (new, edit).
    """
    programme = get_programme(request.user, programme_pk)
    require_perm(request.user, perm, programme)
    instance = get_object_or_404(getattr(programme, items), pk=pk) if pk else None
    form = form_class(request.POST or None, instance=instance, programme=programme)
    if request.method == "POST" and form.is_valid():
        obj = form.save()
        messages.success(request, saved)
        return redirect(next_url(programme, obj))
    return render(request, template, {
        "form": form, "programme": programme, "title": titles[1] if pk else titles[0], **(context or {}),
    })


def class_form(request, programme_pk, pk=None):
    return edit_programme_item(
        request, programme_pk, pk, items="classes", form_class=SchoolClassForm, saved=_("The class was saved."),
        titles=(_("New class"), _("Edit class")), perm="students.manage_teams",
        next_url=lambda programme, _obj: reverse("programs:programme_detail", args=[programme.pk]),
    )


def team_form(request, programme_pk, pk=None):
    return edit_programme_item(
        request, programme_pk, pk, items="teams", form_class=TeamForm, saved=_("The team was saved."),
        titles=(_("New team"), _("Edit team")), perm="students.manage_teams",
        next_url=lambda programme, team: reverse("programs:team_detail", args=[programme.pk, team.pk]),
    )


def team_detail(request, programme_pk, pk):
    """The team's members with their group leaders; coordinators assign them."""
    programme = get_programme(request.user, programme_pk)
    team = require_team(request.user, programme, pk)
    if request.method == "POST":
        require_perm(request.user, "students.manage_teams", team)
        leaders = {int(v) for v in request.POST.getlist("leader") if v.isdigit()}
        members = {}
        for key, value in request.POST.items():
            if key.startswith("group_") and key[6:].isdigit():
                members[int(key[6:])] = int(value) if value.isdigit() else None
        changed = services.assign_group_leaders(team=team, leaders=leaders, members=members)
        messages.success(request, _("Updated the group of %(n)d students.") % {"n": changed})
        return redirect("programs:team_detail", programme_pk=programme.pk, pk=team.pk)
    members = list(
        Enrolment.objects.filter(team=team).select_related("student", "school_class").order_by(
            "-is_group_leader", "school_class__name", "student__student_number"
        )
    )
    leaders = [m for m in members if m.is_group_leader]
    group_sizes = dict(
        Enrolment.objects.filter(team=team, group_leader__isnull=False)
        .values_list("group_leader").annotate(n=Count("pk")).values_list("group_leader", "n")
    )
    for leader in leaders:
        leader.group_size = group_sizes.get(leader.pk, 0)
    oversized = [leader for leader in leaders if leader.group_size > GROUP_SIZE_WARNING]
    return render(request, "programs/team_detail.html", {
        "programme": programme, "team": team, "members": members, "leaders": leaders,
        "oversized": oversized,
        "mentors": team.mentors.all(), "group_size_warning": GROUP_SIZE_WARNING,
        "unassigned": sum(1 for m in members if not m.is_group_leader and m.group_leader_id is None
                          and m.status == Enrolment.Status.ACTIVE),
    })


PAGE_SIZE = LIST_PAGE_SIZE


def enrolment_list(request, pk):
    """The programme's students a page at a time, filtered by class, team and
    status and searched by name or student number (finance: also a whole ID
    number, phone or card); personal data shown from the masked copies, never
    decrypted."""
    programme = get_programme(request.user, pk)
    teams = visible_teams(request.user, programme)
    enrolments = without_personal_data(
        visible_enrolments(request.user, programme).select_related(
            "student", "school_class", "team", "group_leader__student"),
        "student", "group_leader__student").order_by("school_class__name", "student__student_number", "pk")
    filterset = EnrolmentFilter(request.GET or None, queryset=enrolments, programme=programme, teams=teams,
                                exact_personal=request.user.has_perm("students.reveal_personal_data", programme))
    page, query = paginate(request, filterset.qs, PAGE_SIZE)
    assign = None
    if request.user.has_perm("students.assign_team", programme):
        # The choices of the assignment bar: a fixed number of queries, whatever the number of students.
        assign = TeamAssignChoices(programme=programme, leaders=group_leaders(programme))
    return render(request, "programs/enrolment_list.html", {
        "programme": programme, "filter": filterset, "page": page, "query": query, "assign": assign,
    })


@require_POST
def enrolment_assign_team(request, pk):
    """Put the chosen students into a team, or take them out of their team
    (the coordinator's bar on the enrolment list); back to the list as it was filtered."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "students.assign_team", programme)
    back = QueryDict(request.POST.get("query", ""))
    url = reverse("programs:enrolment_list", args=[programme.pk])
    if back:
        url = f"{url}?{back.urlencode()}"
    action = request.POST.get("action")
    if action not in ("assign", "remove"):
        messages.error(request, _("Choose a team and put the students into it, or remove them from their team."))
        return redirect(url)
    remove = action == "remove"
    team = None
    if not remove:
        team_id = request.POST.get("team", "")
        team = Team.objects.filter(pk=int(team_id)).first() if team_id.isdigit() else None
        if team is None:
            messages.error(request, _("Choose a team."))
            return redirect(url)
    try:
        ids = chosen_enrolment_ids(
            programme, checked=request.POST.getlist("enrolment"),
            school_class_id=_posted_id(request, "school_class"), leader_id=_posted_id(request, "group_leader"))
        changed = services.assign_team(programme=programme, enrolment_ids=ids, team=team, user=request.user)
    except LookupError:
        messages.error(request, _("Choose a class and group leader of this programme; nothing was changed."))
    except services.TeamAssignmentError as exc:
        messages.error(request, str(exc))
    else:
        if remove:
            messages.success(request, _("Took %(n)d of %(total)d students out of their team.")
                             % {"n": changed, "total": len(ids)})
        else:
            messages.success(request, _("Put %(n)d of %(total)d students into team %(team)s.")
                             % {"n": changed, "total": len(ids), "team": team.name})
    return redirect(url)


def _posted_id(request, name):
    """An optional id field of the POST: None when empty; a non-number is no id of this programme."""
    value = request.POST.get(name, "")
    if not value:
        return None
    if not value.isdigit():
        raise LookupError(value)
    return int(value)


FINDINGS_PAGE_SIZE = 200


WARNINGS_SHOWN = 500


RECENT_IMPORTS = 10


def student_import(request, pk):
    """Upload page: a short file is imported at once, a long one in the background."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "students.import_students", programme)
    form = StudentImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            record, job = services_students.start_import(
                programme=programme, user=request.user, upload=form.cleaned_data["file"], sheet=form.sheet,
                ip_address=client_address(request))
        except services_students.ImportRefused as exc:
            form.add_error(None, str(exc))
        else:
            if job is not None:
                return redirect("job_detail", pk=job.pk)
            return redirect("programs:student_import_result", pk=programme.pk, import_pk=record.pk)
    return render(request, "programs/student_import.html", {
        "programme": programme, "form": form, "columns": imports.COLUMNS,
        "classes": programme.classes.all(), "teams": programme.teams.all(),
        "recent": programme.student_imports.select_related("created_by")[:RECENT_IMPORTS],
        **upload_limits(),
    })


def import_template(request, pk):
    """The Excel template, with the programme's classes and teams offered in their columns."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "students.import_students", programme)
    content = imports.template_workbook(list(programme.classes.values_list("name", flat=True)),
                                        list(programme.teams.values_list("name", flat=True)))
    return xlsx_response(content, "学生导入模板.xlsx")


def import_result(request, pk, import_pk):
    """The outcome of one import: counts and warnings, or every bad row."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "students.import_students", programme)
    record = get_object_or_404(programme.student_imports.select_related("created_by", "job"), pk=import_pk)
    errors = Paginator(record.errors, FINDINGS_PAGE_SIZE).get_page(request.GET.get("page"))
    # Thousands of rows may share one warning (no bank card yet): sum them up.
    summary = Counter(finding["message"] for finding in record.warnings).most_common()
    return render(request, "programs/student_import_result.html", {
        "programme": programme, "record": record, "errors": errors, "warning_summary": summary,
        "warnings": record.warnings[:WARNINGS_SHOWN], "warnings_hidden": max(0, len(record.warnings) - WARNINGS_SHOWN),
        **upload_limits(),
    })


def _enrolment(request, pk, enrolment_pk):
    programme = get_programme(request.user, pk)
    # The page shows the masked copies: the encrypted columns are read (and
    # decrypted) only by finance's logged reveal.
    enrolment = get_object_or_404(
        without_personal_data(visible_enrolments(request.user, programme).select_related(
            "student", "school_class", "team", "group_leader__student"
        ), "student", "group_leader__student"),
        pk=enrolment_pk,
    )
    return programme, enrolment


def _detail(request, programme, enrolment, revealed=None):
    response = render(request, "programs/enrolment_detail.html", {
        "programme": programme, "enrolment": enrolment, "student": enrolment.student,
        "revealed": revealed, "history": student_history(enrolment.student),
    })
    # Personal data must not linger in shared or browser caches.
    response["Cache-Control"] = "no-store, private"
    return response


def enrolment_detail(request, pk, enrolment_pk):
    """A student's page: everyone who sees the enrolment sees masked data."""
    programme, enrolment = _enrolment(request, pk, enrolment_pk)
    return _detail(request, programme, enrolment)


@require_POST
def enrolment_reveal(request, pk, enrolment_pk):
    """Finance only: show the unmasked personal data and log the look."""
    programme, enrolment = _enrolment(request, pk, enrolment_pk)
    require_perm(request.user, "students.reveal_personal_data", enrolment)
    revealed = services_students.reveal_personal_data(user=request.user, enrolment=enrolment, ip_address=client_address(request))
    return _detail(request, programme, enrolment, revealed)
