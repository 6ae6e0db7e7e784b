"""The payout tasks on finance's inbox: batches to check, failed transfers to
correct, and the bank steps of approved batches (the sign-off of the money)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from stipends.payouts import selectors
from stipends.payouts.models import PayoutBatch
from trainingweek.inbox import InboxEntry, register_inbox_item
from trainingweek.models import User


def _where(batch: PayoutBatch) -> str:
    parts = [batch.programme.name, str(batch)]
    if batch.school_class_id:
        parts.append(batch.school_class.name)
    return " · ".join(parts)


def _entries(batches, count=lambda b: 1) -> list[InboxEntry]:
    return [InboxEntry(count(b), reverse("stipends:batch_detail", args=[b.programme_id, b.pk]), _where(b))
            for b in batches]


@register_inbox_item("payouts.batches_to_check", roles=[User.Role.FINANCE], order=10,
                     label=_("Batches waiting for a checker"))
def batches_to_check(user, today) -> list[InboxEntry]:
    return _entries(selectors.batches_to_check(user))


@register_inbox_item("payouts.failed_transfers", roles=[User.Role.FINANCE], order=20,
                     label=_("Failed transfers to correct"))
def failed_transfers(user, today) -> list[InboxEntry]:
    return _entries(selectors.batches_with_failures(user), count=lambda b: b.failed_open)


@register_inbox_item("payouts.to_send", roles=[User.Role.FINANCE], order=30,
                     label=_("Approved batches to send to the bank"))
def to_send(user, today) -> list[InboxEntry]:
    return _entries(selectors.batches_in(user, PayoutBatch.State.APPROVED))


@register_inbox_item("payouts.to_reconcile", roles=[User.Role.FINANCE], order=40,
                     label=_("Bank results to upload"))
def to_reconcile(user, today) -> list[InboxEntry]:
    return _entries(selectors.batches_in(user, PayoutBatch.State.EXPORTED))
