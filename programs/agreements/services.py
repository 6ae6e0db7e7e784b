"""Writes of agreements and programmes (keyword-only, one transaction; values, never forms)."""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from programs.agreements import rules
from programs.agreements.models import Agreement, Phase, Programme
from programs.agreements.selectors import agreement_parties
from trainingweek.models import Organisation

PARTY_MESSAGES = {
    rules.PARTIES_FIXED: _("The agreement has programmes: its school and company can no longer change. "
                           "End this agreement and record a new one."),
    rules.SCHOOL_NOT_YOURS: _("You can record agreements of your own school only."),
    rules.COMPANY_NOT_PARTNER: _("Your school does not work with this company. Type the name of a new company, "
                                 "or ask an administrator to record the first agreement with it."),
}
NAME_TAKEN = _("An organisation of this name is already recorded and is not a company your school works with. "
               "Ask an administrator to record the first agreement with it.")


class AgreementError(Exception):
    """An agreement that may not be saved as it is (the message is for the user)."""


@transaction.atomic
def save_agreement(*, agreement: Agreement, user, new_company: str = "") -> Agreement:
    """Save an agreement (its cleaned values, unsaved) recorded by ``user``,
    creating the company if it was typed in new.

    Refuses (AgreementError) what :func:`rules.agreement_party_problems`
    finds: other parties once the agreement has a programme, a school that is
    not the coordinator's, a company their school does not work with (an
    existing organisation's name typed as a new company included). The saved
    row is locked while it is checked.
    """
    schools, companies = agreement_parties(user)
    old = None
    if agreement.pk:
        old = Agreement.objects.select_for_update().filter(pk=agreement.pk).values_list("school_id", "company_id") \
            .first()
    new_company = new_company.strip()
    existing = Organisation.objects.filter(name=new_company).first() if new_company else None
    if existing is not None:
        if existing.kind != Organisation.Kind.COMPANY or not companies.filter(pk=existing.pk).exists():
            raise AgreementError(NAME_TAKEN)
        agreement.company = existing
    problems = rules.agreement_party_problems(
        old=old, new=(agreement.school_id, agreement.company_id if not (new_company and existing is None) else None),
        has_programmes=bool(old) and Programme.objects.filter(agreement_id=agreement.pk).exists(),
        schools=frozenset(schools.values_list("pk", flat=True)),
        companies=frozenset(companies.values_list("pk", flat=True)),
        new_company=bool(new_company) and existing is None)
    if problems:
        raise AgreementError(" ".join(str(PARTY_MESSAGES[p]) for p in problems))
    if new_company and existing is None:
        agreement.company = Organisation.objects.create(name=new_company, kind=Organisation.Kind.COMPANY)
    agreement.save()
    return agreement


@transaction.atomic
def save_programme(*, programme: Programme, phases: Iterable[Phase], deleted: Iterable[Phase] = ()) -> Programme:
    """Save a programme and its phases together (cleaned values, unsaved): ``phases``
    are kept or added, ``deleted`` removed."""
    programme.save()
    for phase in deleted:
        if phase.pk:
            phase.delete()
    for phase in phases:
        phase.programme = programme
        phase.save()
    return programme
