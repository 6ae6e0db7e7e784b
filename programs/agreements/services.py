from django.db import transaction

from programs.agreements.models import Agreement, Programme
from trainingweek.models import Organisation


@transaction.atomic
def save_agreement(form) -> Agreement:
    """Save an agreement form, creating the company if it was typed in new."""
    agreement = form.save(commit=False)
    new_company = form.cleaned_data.get("new_company", "").strip()
    if new_company:
        agreement.company, _ = Organisation.objects.get_or_create(
            name=new_company, defaults={"kind": Organisation.Kind.COMPANY}
        )
    agreement.save()
    return agreement


@transaction.atomic
def save_programme(programme_form, phase_formset) -> Programme:
    """Save a programme and its phases together (both forms already valid)."""
    programme = programme_form.save()
    phase_formset.instance = programme
    phase_formset.save()
    return programme
