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
