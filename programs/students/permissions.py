from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from programs.agreements.models import Programme
from programs.students.models import Enrolment, Team
from trainingweek.models import User
from trainingweek.permissions import is_admin


def visible_teams(user, programme: Programme) -> QuerySet[Team]:
    qs = programme.teams.all()
    if user.role == User.Role.MENTOR and not is_admin(user):
        qs = qs.filter(mentors=user)
    return qs


def visible_enrolments(user, programme: Programme) -> QuerySet[Enrolment]:
    qs = Enrolment.objects.filter(programme=programme)
    if user.role == User.Role.MENTOR and not is_admin(user):
        qs = qs.filter(team__mentors=user)
    return qs


def require_team(user, programme: Programme, team_id) -> Team:
    """The team if the user may work on it (a mentor: only their own), else 404."""
    return get_object_or_404(visible_teams(user, programme), pk=team_id)
