"""Reads: which agreements and programmes a user sees (outside them: 404)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from programs.agreements.models import Agreement, Programme
from trainingweek.permissions import is_admin, is_coordinator, is_finance, is_mentor


def visible_agreements(user) -> QuerySet[Agreement]:
    qs = Agreement.objects.select_related("school", "company")
    if is_admin(user):
        return qs
    if is_coordinator(user):
        return qs.filter(school=user.organisation_id)
    if is_finance(user):
        return qs.filter(company=user.organisation_id)
    return qs.none()


def visible_programmes(user) -> QuerySet[Programme]:
    qs = Programme.objects.select_related("agreement__school", "agreement__company")
    if is_admin(user):
        return qs
    if is_coordinator(user):
        return qs.filter(agreement__school=user.organisation_id)
    if is_finance(user):
        return qs.filter(agreement__company=user.organisation_id)
    if is_mentor(user):
        return qs.filter(teams__mentors=user).distinct()
    return qs.none()


def get_programme(user, pk) -> Programme:
    """The programme if the user may see it, else 404."""
    return get_object_or_404(visible_programmes(user), pk=pk)
