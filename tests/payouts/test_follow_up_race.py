"""Two follow-up requests for the same failed items at once: one follow-up
batch, and the second request gets a message instead of a server error."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from stipends.payouts import services
from stipends.payouts.models import PayoutBatch
from tests.factories import StudentFactory

from .conftest import approved_exported, bank_rows, result_workbook


def failed_and_corrected(worked, finance2) -> PayoutBatch:
    """A reconciled batch with one failed item whose student's card was corrected since."""
    batch = approved_exported(worked, finance2)
    failing = worked.enrolments_b[1]
    assert services.reconcile(batch=batch, data=result_workbook(bank_rows(batch, fail={failing.pk}))).ok
    failing.student.bank_card = StudentFactory.build().bank_card
    failing.student.save()
    return batch


def _as_seen_before_the_first_committed(monkeypatch, batch):
    """The second request read the candidates before the first request's
    follow-up was committed: it still sees them as not retried."""
    stale = services.retry_candidates(batch, with_accounts=True)
    monkeypatch.setattr(services, "retry_candidates", lambda _batch, **_kwargs: stale)


def test_the_second_of_two_concurrent_follow_ups_is_a_message(worked, finance2, monkeypatch):
    batch = failed_and_corrected(worked, finance2)
    _as_seen_before_the_first_committed(monkeypatch, batch)
    first = services.create_follow_up(batch=batch, user=worked.finance)
    # The database refuses the second live retry (payout_item_paid_once): a PayoutError, not an IntegrityError.
    with pytest.raises(services.PayoutError, match="at the same moment"):
        services.create_follow_up(batch=batch, user=worked.finance)
    assert list(PayoutBatch.objects.filter(follow_up_of=batch)) == [first] and first.items.count() == 1


def test_the_second_follow_up_request_answers_with_the_batch_page(worked, finance2, client_for, monkeypatch):
    batch = failed_and_corrected(worked, finance2)
    _as_seen_before_the_first_committed(monkeypatch, batch)
    client = client_for(worked.finance)
    url = reverse("stipends:follow_up", args=[worked.programme.pk, batch.pk])
    assert client.post(url).status_code == 302
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("stipends:batch_detail", args=[worked.programme.pk, batch.pk])
    assert any("at the same moment" in str(m) for m in get_messages(response.wsgi_request))
    assert PayoutBatch.objects.filter(follow_up_of=batch).count() == 1


def test_a_follow_up_after_the_first_says_the_items_are_taken(worked, finance2):
    batch = failed_and_corrected(worked, finance2)
    services.create_follow_up(batch=batch, user=worked.finance)
    with pytest.raises(services.PayoutError, match="in a follow-up batch already"):
        services.create_follow_up(batch=batch, user=worked.finance)
