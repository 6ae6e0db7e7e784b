"""Reads: which teams and enrolments of a programme a user sees (a mentor: their own teams)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from programs.agreements.models import Programme
from programs.students.models import Enrolment, Team
from trainingweek.permissions import is_admin, is_mentor


def _mentor_only(user) -> bool:
    return is_mentor(user) and not is_admin(user)


def visible_teams(user, programme: Programme) -> QuerySet[Team]:
    qs = programme.teams.all()
    if _mentor_only(user):
        qs = qs.filter(mentors=user)
    return qs


def visible_team_ids(user, programme: Programme) -> set[int] | None:
    """The ids of the teams a mentor works on; None for everyone else (no team limit)."""
    return set(visible_teams(user, programme).values_list("pk", flat=True)) if not is_admin(user) else None


def visible_enrolments(user, programme: Programme) -> QuerySet[Enrolment]:
    qs = Enrolment.objects.filter(programme=programme)
    if _mentor_only(user):
        qs = qs.filter(team__mentors=user)
    return qs


def require_team(user, programme: Programme, team_id) -> Team:
    """The team if the user may work on it (a mentor: only their own), else 404."""
    return get_object_or_404(visible_teams(user, programme), pk=team_id)
