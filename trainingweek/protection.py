"""Records that must never be deleted (money that was approved or paid).

An app declares, for a model, a function saying why one of its records may
not be deleted (or ``None`` when it may)::

    refuse_deletes(PayoutBatch, batch_delete_refusal)

From then on ``obj.delete()``, ``QuerySet.delete()`` (a ``pre_delete``
receiver keeps Django from deleting in bulk without asking, so every row is
checked) and any cascade reaching the record raise :class:`DeleteRefused`, and
the admin asks :func:`delete_refusal` before offering the delete button. A
mistake is corrected with a new record (a reversal or an adjustment), never
by erasing the old one.
"""

from collections.abc import Callable

from django.db.models import ProtectedError
from django.db.models.signals import pre_delete

_GUARDS: dict[type, Callable] = {}


class DeleteRefused(ProtectedError):
    """Raised when a protected record is deleted; ``str()`` is the reason."""

    def __init__(self, reason: str, obj):
        super().__init__(reason, {obj})
        self.reason = reason

    def __str__(self):
        return str(self.reason)


def refuse_deletes(model, reason: Callable) -> None:
    """Refuse deleting a record of ``model`` whenever ``reason(obj, origin)``
    returns a message (``origin`` is what the deletion started from: the
    record, a queryset, or a parent being deleted in cascade)."""
    _GUARDS[model] = reason
    pre_delete.connect(_check, sender=model, dispatch_uid=f"refuse-deletes-{model._meta.label}")


def delete_refusal(obj, origin=None) -> str | None:
    """Why ``obj`` may not be deleted, or ``None`` when it may."""
    guard = _GUARDS.get(type(obj))
    if guard is None:
        return None
    reason = guard(obj, obj if origin is None else origin)
    return str(reason) if reason else None


def _check(sender, instance, origin=None, **kwargs):
    reason = delete_refusal(instance, origin)
    if reason:
        raise DeleteRefused(reason, instance)
