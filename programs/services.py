"""Writes that set up agreements and programmes, each in one transaction."""

from django.db import transaction

from trainingweek.models import Organisation

from .models import Agreement, Enrolment, Programme, Team


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


@transaction.atomic
def assign_group_leaders(team: Team, leaders: set[int], members: dict[int, int | None]) -> int:
    """Mark the team's group leaders and attach each member to one leader.

    ``leaders`` holds enrolment ids to mark as leaders; ``members`` maps an
    enrolment id to its leader's enrolment id (or None). Ids outside the team
    are ignored, so a forged form cannot touch another team. Returns how many
    enrolments changed.
    """
    enrolments = list(Enrolment.objects.filter(team=team))
    valid_leaders = {e.pk for e in enrolments if e.pk in leaders}
    changed = []
    for e in enrolments:
        is_leader = e.pk in valid_leaders
        leader = None if is_leader else members.get(e.pk)
        leader = leader if leader in valid_leaders else None
        if e.is_group_leader != is_leader or e.group_leader_id != leader:
            e.is_group_leader, e.group_leader_id = is_leader, leader
            changed.append(e)
    Enrolment.objects.bulk_update(changed, ["is_group_leader", "group_leader"])
    return len(changed)
