"""The student-list task on the inbox: an import was rejected and no good file followed."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from programs.students import selectors
from trainingweek.inbox import InboxEntry, register_inbox_item
from trainingweek.models import User


@register_inbox_item("students.rejected_imports", roles=[User.Role.COORDINATOR], order=40,
                     label=_("Student imports with errors"))
def rejected_imports(user, today) -> list[InboxEntry]:
    return [InboxEntry(n, reverse("programs:student_import", args=[p.pk]), str(p))
            for p, n in selectors.rejected_imports(user)]


@register_inbox_item("students.without_team", roles=[User.Role.COORDINATOR], order=45,
                     label=_("Students without a team"))
def without_team(user, today) -> list[InboxEntry]:
    # The list opens filtered to them, ready for the team bar.
    return [InboxEntry(n, reverse("programs:enrolment_list", args=[p.pk]) + "?team=null", str(p))
            for p, n in selectors.students_without_team(user)]
