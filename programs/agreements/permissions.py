"""Programme and agreement scope: the coordinator of its school, the finance
of its company, a mentor of one of its teams; and the named permissions of
agreements and programmes.

The object may be an Agreement, a Programme or anything with a ``programme``
(a team, an enrolment, a leave request…). Without an object (``None``) a
scope predicate holds: the check is then about the role alone ("may this
user manage some programme?"), which menus and create pages ask; which
programmes is the selectors' business (404 outside them).
"""

import rules

from programs.agreements.models import Agreement, Programme
from trainingweek.permissions import is_admin, is_coordinator, is_finance, is_mentor


def agreement_of(obj) -> Agreement | None:
    if isinstance(obj, Agreement):
        return obj
    if isinstance(obj, Programme):
        return obj.agreement
    programme = getattr(obj, "programme", None)
    return programme.agreement if programme is not None else None


def programme_of(obj) -> Programme | None:
    return obj if isinstance(obj, Programme) else getattr(obj, "programme", None)


@rules.predicate
def of_school(user, obj) -> bool:
    """The object belongs to the user's school (True without an object)."""
    return obj is None or agreement_of(obj).school_id == user.organisation_id


@rules.predicate
def of_company(user, obj) -> bool:
    """The object belongs to the user's company (True without an object)."""
    return obj is None or agreement_of(obj).company_id == user.organisation_id


def _mentors_in(programme: Programme, user) -> bool:
    """Whether the user mentors a team of the programme, read once per
    programme object and user: their own team rows by the mentors' index,
    not every team's mentors (a thousand teams' join, 7 ms on each page)."""
    known = programme.__dict__.setdefault("_mentors_in", {})
    if user.pk not in known:
        known[user.pk] = programme.teams.filter(mentors=user.pk).exists()
    return known[user.pk]


@rules.predicate
def mentors_in_programme(user, obj) -> bool:
    """The user mentors a team of the object's programme (True without an object)."""
    return obj is None or _mentors_in(programme_of(obj), user)


is_school_coordinator = is_coordinator & of_school
is_company_finance = is_finance & of_company
is_programme_mentor = is_mentor & mentors_in_programme

# Agreements: coordinators read and record their school's, finance reads its company's.
rules.add_perm("agreements.view_agreement", is_admin | is_school_coordinator | is_company_finance)
rules.add_perm("agreements.manage_agreement", is_admin | is_school_coordinator)
# A programme's set-up (the programme and its phases): the coordinators of its school.
rules.add_perm("agreements.manage_programme", is_admin | is_school_coordinator)
