from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from programs.agreements.models import Agreement, Programme
from trainingweek.models import User
from trainingweek.permissions import is_admin


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


def require_role(user, *roles: str) -> None:
    if not (is_admin(user) or user.role in roles):
        raise PermissionDenied
