"""Writes of agreements and programmes (keyword-only, one transaction; values, never forms)."""

from collections.abc import Iterable

from django.db import transaction

from programs.agreements.models import Agreement, Phase, Programme
from trainingweek.models import Organisation


@transaction.atomic
def save_agreement(*, agreement: Agreement, new_company: str = "") -> Agreement:
    """Save an agreement (its cleaned values, unsaved), creating the company if it was typed in new."""
    new_company = new_company.strip()
    if new_company:
        agreement.company, _ = Organisation.objects.get_or_create(
            name=new_company, defaults={"kind": Organisation.Kind.COMPANY}
        )
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
