"""Agreements (合作协议): list, record, edit, read.

Recording and editing programmes (实训项目) with their phases; the programme
list and page show classes, teams and enrolments, so they live in
``programs.students.views``.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from programs.agreements import services
from programs.agreements.forms import AgreementForm, PhaseFormSet, ProgrammeForm
from programs.agreements.selectors import get_programme, visible_agreements
from trainingweek.permissions import require_perm


def agreement_list(request):
    require_perm(request.user, "agreements.view_agreement")
    agreements = visible_agreements(request.user).order_by("-term_start")
    return render(request, "programs/agreement_list.html", {"agreements": agreements})


def agreement_detail(request, pk):
    require_perm(request.user, "agreements.view_agreement")
    agreement = get_object_or_404(visible_agreements(request.user), pk=pk)
    programmes = agreement.programmes.all()
    return render(request, "programs/agreement_detail.html", {"agreement": agreement, "programmes": programmes})


def agreement_form(request, pk=None):
    require_perm(request.user, "agreements.manage_agreement")
    agreement = get_object_or_404(visible_agreements(request.user), pk=pk) if pk else None
    form = AgreementForm(request.POST or None, instance=agreement, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.save_agreement(agreement=form.save(commit=False), user=request.user,
                                                new_company=form.cleaned_data.get("new_company", ""))
        except services.AgreementError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The agreement was saved."))
            return redirect("programs:agreement_detail", pk=agreement.pk)
    return render(request, "programs/agreement_form.html", {"form": form, "agreement": agreement})


def programme_form(request, agreement_pk=None, pk=None):
    """Create a programme under an agreement, or edit one, with its phases."""
    if pk:
        programme = get_programme(request.user, pk)
        agreement = programme.agreement
    else:
        programme = None
        agreement = get_object_or_404(visible_agreements(request.user), pk=agreement_pk)
    require_perm(request.user, "agreements.manage_programme", programme or agreement)
    data = request.POST or None
    form = ProgrammeForm(data, instance=programme)
    phases = PhaseFormSet(data, instance=programme, agreement=agreement, prefix="phases")
    if request.method == "POST" and form.is_valid() and phases.is_valid():
        form.instance.agreement = agreement
        rows = phases.save(commit=False)  # lists the phases to add, change and delete
        programme = services.save_programme(programme=form.save(commit=False), phases=rows,
                                            deleted=phases.deleted_objects)
        messages.success(request, _("The programme was saved."))
        return redirect("programs:programme_detail", pk=programme.pk)
    return render(request, "programs/programme_form.html", {
        "form": form, "phases": phases, "agreement": agreement, "programme": programme,
    })
