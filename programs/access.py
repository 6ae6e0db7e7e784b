"""Who may see and change what. Every view scopes its queries through here.

A coordinator sees the programmes of their school, finance those of their
company, a mentor only the programmes (and within them the teams) they are
assigned to; an admin sees everything. Objects outside that scope are 404,
so a typed URL reveals nothing about what exists.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from trainingweek.models import User

from .models import Agreement, Enrolment, Programme, Team


def is_admin(user) -> bool:
    return user.is_superuser or user.role == User.Role.ADMIN


def is_mentor(user) -> bool:
    """Mentors (and admins) make the company's day-to-day entries: attendance,
    online hours, KPI values, incidents. Which teams is scoped separately."""
    return is_admin(user) or user.role == User.Role.MENTOR


def visible_agreements(user) -> QuerySet[Agreement]:
    qs = Agreement.objects.select_related("school", "company")
    if is_admin(user):
        return qs
    if user.role == User.Role.COORDINATOR:
        return qs.filter(school=user.organisation_id)
    if user.role == User.Role.FINANCE:
        return qs.filter(company=user.organisation_id)
    return qs.none()


def visible_programmes(user) -> QuerySet[Programme]:
    qs = Programme.objects.select_related("agreement__school", "agreement__company")
    if is_admin(user):
        return qs
    if user.role == User.Role.COORDINATOR:
        return qs.filter(agreement__school=user.organisation_id)
    if user.role == User.Role.FINANCE:
        return qs.filter(agreement__company=user.organisation_id)
    if user.role == User.Role.MENTOR:
        return qs.filter(teams__mentors=user).distinct()
    return qs.none()


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


def get_programme(user, pk) -> Programme:
    """The programme if the user may see it, else 404."""
    return get_object_or_404(visible_programmes(user), pk=pk)


def can_manage(user, programme: Programme | None = None) -> bool:
    """Coordinators of the programme's school (and admins) change its set-up."""
    if is_admin(user):
        return True
    if user.role != User.Role.COORDINATOR:
        return False
    return programme is None or programme.agreement.school_id == user.organisation_id


def require_manage(user, programme: Programme | None = None) -> None:
    if not can_manage(user, programme):
        raise PermissionDenied


def require_team(user, programme: Programme, team_id) -> Team:
    """The team if the user may work on it (a mentor: only their own), else 404."""
    return get_object_or_404(visible_teams(user, programme), pk=team_id)


def require_role(user, *roles: str) -> None:
    if not (is_admin(user) or user.role in roles):
        raise PermissionDenied
