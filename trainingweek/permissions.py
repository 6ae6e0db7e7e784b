"""Role predicates on the user alone, and the one helper views use to check a permission.

Every named permission ("<app>.<verb>_<thing>") is registered with ``rules``
in the owning app's ``permissions.py``; object-level predicates (of this
school, of this company, mentor of this team) live there too. Views call
``require_perm``; templates use ``{% load rules %}{% has_perm 'x.y' user obj as can_x %}``;
tests/test_permissions.py names every permission in a row.

``User.has_perm`` decides these permissions by their predicates alone (no
superuser shortcut), so a finance-only action stays finance-only in the
views and in the menus alike.
"""

import rules
from django.core.exceptions import PermissionDenied

from trainingweek.jobs import kind_options
from trainingweek.models import User


def _role(user) -> str | None:
    return getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None


@rules.predicate
def is_admin(user) -> bool:
    """A superuser, or a user with the admin role (with or without is_superuser)."""
    return bool(getattr(user, "is_superuser", False)) or _role(user) == User.Role.ADMIN


@rules.predicate
def is_coordinator(user) -> bool:
    return _role(user) == User.Role.COORDINATOR


@rules.predicate
def is_finance(user) -> bool:
    return _role(user) == User.Role.FINANCE and user.is_active


@rules.predicate
def is_mentor(user) -> bool:
    """The mentor role alone; which teams is an object-level check in programs.students.permissions."""
    return _role(user) == User.Role.MENTOR


def require_perm(user, perm: str, obj=None) -> None:
    """Raise PermissionDenied (403) unless ``user`` has the named permission on ``obj``."""
    if not user.has_perm(perm, obj):
        raise PermissionDenied


@rules.predicate
def started_job(user, job) -> bool:
    """The user started this job."""
    return job is not None and getattr(user, "pk", None) is not None and job.created_by_id == user.pk


@rules.predicate
def may_start_kind(user, job) -> bool:
    """The user holds the permission that starts this kind of job, on the
    job's object (as the kind registered them; no object, no permission)."""
    if job is None:
        return False
    options = kind_options(job.kind)
    if not options.start_perm or options.perm_object is None:
        return False
    target = options.perm_object(job)
    return target is not None and user.has_perm(options.start_perm, target)


# Resuming an interrupted job: whoever started it, or whoever may start that kind of job there.
rules.add_perm("trainingweek.resume_job", rules.is_authenticated & (started_job | may_start_kind))
