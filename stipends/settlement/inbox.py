"""The settlement task on the inbox: deadlines overdue or within the reminder's working days."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from programs.agreements.selectors import visible_programmes
from stipends.settlement import selectors
from trainingweek.inbox import InboxEntry, register_inbox_item
from trainingweek.models import User


@register_inbox_item("settlement.deadlines", roles=[User.Role.COORDINATOR, User.Role.FINANCE], order=90,
                     label=_("Settlement deadlines due soon or overdue"))
def deadlines(user, today) -> list[InboxEntry]:
    return [InboxEntry(len(found), reverse("settlement:settlement_deadlines", args=[programme.pk]),
                       f"{programme} · " + " / ".join(d.label for d in found))
            for programme, found in selectors.open_deadlines(visible_programmes(user), today=today)]
