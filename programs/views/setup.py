"""Classes and teams of a programme, mentors and group leaders."""

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import services
from ..access import can_manage, get_programme, require_manage, require_team
from ..forms import SchoolClassForm, TeamForm
from ..models import Enrolment

# About one group leader per ten students (DESIGN.md): more is flagged.
GROUP_SIZE_WARNING = 12


def edit_programme_item(request, programme_pk, pk, *, items: str, form_class, saved: str, titles: tuple,
                        next_url, template="programs/simple_form.html", context=None):
    """The coordinator's create/edit page for a class, team or shift of a programme.

    ``items`` names the programme's related manager (``classes``...);
    ``next_url(programme, obj)`` says where to go once saved; ``titles`` is
    (new, edit).
    """
    programme = get_programme(request.user, programme_pk)
    require_manage(request.user, programme)
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
        titles=(_("New class"), _("Edit class")),
        next_url=lambda programme, _obj: reverse("programs:programme_detail", args=[programme.pk]),
    )


def team_form(request, programme_pk, pk=None):
    return edit_programme_item(
        request, programme_pk, pk, items="teams", form_class=TeamForm, saved=_("The team was saved."),
        titles=(_("New team"), _("Edit team")),
        next_url=lambda programme, team: reverse("programs:team_detail", args=[programme.pk, team.pk]),
    )


def team_detail(request, programme_pk, pk):
    """The team's members with their group leaders; coordinators assign them."""
    programme = get_programme(request.user, programme_pk)
    team = require_team(request.user, programme, pk)
    manage = can_manage(request.user, programme)
    if request.method == "POST":
        require_manage(request.user, programme)
        leaders = {int(v) for v in request.POST.getlist("leader") if v.isdigit()}
        members = {}
        for key, value in request.POST.items():
            if key.startswith("group_") and key[6:].isdigit():
                members[int(key[6:])] = int(value) if value.isdigit() else None
        changed = services.assign_group_leaders(team, leaders, members)
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
        "oversized": oversized, "can_manage": manage,
        "mentors": team.mentors.all(), "group_size_warning": GROUP_SIZE_WARNING,
        "unassigned": sum(1 for m in members if not m.is_group_leader and m.group_leader_id is None
                          and m.status == Enrolment.Status.ACTIVE),
    })
