"""Agreements (合作协议): list, record, edit, read."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from trainingweek.models import User

from .. import services
from ..access import can_manage, require_manage, require_role, visible_agreements
from ..forms import AgreementForm


def agreement_list(request):
    require_role(request.user, User.Role.COORDINATOR, User.Role.FINANCE)
    agreements = visible_agreements(request.user).order_by("-term_start")
    return render(request, "programs/agreement_list.html", {
        "agreements": agreements, "can_manage": can_manage(request.user),
    })


def agreement_detail(request, pk):
    require_role(request.user, User.Role.COORDINATOR, User.Role.FINANCE)
    agreement = get_object_or_404(visible_agreements(request.user), pk=pk)
    programmes = agreement.programmes.all()
    return render(request, "programs/agreement_detail.html", {
        "agreement": agreement, "programmes": programmes, "can_manage": can_manage(request.user),
    })


def agreement_form(request, pk=None):
    require_manage(request.user)
    agreement = get_object_or_404(visible_agreements(request.user), pk=pk) if pk else None
    form = AgreementForm(request.POST or None, instance=agreement, user=request.user)
    if request.method == "POST" and form.is_valid():
        agreement = services.save_agreement(form)
        messages.success(request, _("The agreement was saved."))
        return redirect("programs:agreement_detail", pk=agreement.pk)
    return render(request, "programs/agreement_form.html", {"form": form, "agreement": agreement})
