"""Reads: which agreements and programmes a user sees (outside them: 404)."""

from datetime import date

from django.db.models import Count, Max, Min, QuerySet
from django.shortcuts import get_object_or_404

from programs.agreements.models import Agreement, Programme
from trainingweek.models import Organisation
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


def count_by_programme(qs) -> list[tuple[Programme, int]]:
    """``qs`` (rows with a ``programme``) counted per programme, newest programme
    first: one GROUP BY query, the programme's year and name read with it (for
    the inbox). The programmes carry only ``pk``, ``year`` and ``name``."""
    rows = (qs.order_by().values("programme", "programme__year", "programme__name")
            .annotate(n=Count("pk", distinct=True)).filter(n__gt=0))
    found = [(Programme(pk=r["programme"], year=r["programme__year"], name=r["programme__name"]), r["n"])
             for r in rows]
    return sorted(found, key=lambda pair: (-pair[0].year, pair[0].name, pair[0].pk))


def partner_companies(school_id) -> QuerySet[Organisation]:
    """The companies a school works with: those it has (or had) an agreement with."""
    return Organisation.objects.filter(kind=Organisation.Kind.COMPANY, company_agreements__school_id=school_id) \
        .distinct().order_by("name")


def agreement_parties(user) -> tuple[QuerySet[Organisation], QuerySet[Organisation]]:
    """(schools, companies) the user may record an agreement between: an
    administrator any; a coordinator their own school and the companies it
    works with (a new company is typed in by name); anyone else none."""
    schools = Organisation.objects.filter(kind=Organisation.Kind.SCHOOL).order_by("name")
    companies = Organisation.objects.filter(kind=Organisation.Kind.COMPANY).order_by("name")
    if is_admin(user):
        return schools, companies
    if is_coordinator(user) and user.organisation_id:
        return schools.filter(pk=user.organisation_id), partner_companies(user.organisation_id)
    return schools.none(), companies.none()


def programme_span(programme: Programme) -> tuple[date, date] | None:
    """The programme's first and last day (its phases' span, else the
    agreement's term); None while it has neither. The window that leave,
    departures, assessment dates and payout batches are checked against."""
    span = programme.phases.aggregate(first=Min("start"), last=Max("end"))
    if span["first"] and span["last"]:
        return span["first"], span["last"]
    agreement = programme.agreement
    if agreement.term_start and agreement.term_end:
        return agreement.term_start, agreement.term_end
    return None
