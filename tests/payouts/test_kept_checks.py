"""The checks a batch keeps (``PayoutBatch.item_checks``): every writer of a
draft's items keeps them, the batch page shows them without reading every
item, and they are always what checking every item afresh gives (what
approval decides on)."""

from datetime import date

import pytest

from scoring.models import Incident
from stipends.payouts import selectors, services
from stipends.payouts.models import PayoutBatch
from tests.factories import StudentFactory

from .conftest import attend, frozen_batch
from .test_reconcile import _fail_one

pytestmark = pytest.mark.django_db


def _checked_afresh(batch: PayoutBatch):
    batch.refresh_from_db()
    return selectors.findings(batch)


def _kept(batch: PayoutBatch):
    batch.refresh_from_db()
    return selectors.shown_findings(batch)


def test_a_frozen_batch_keeps_the_checks_its_items_give(flagged):
    assert flagged.checked_at is not None and flagged.checked_at >= flagged.computed_at
    kept = _kept(flagged)
    assert {f.kind for f in kept} >= {"shared_account", "name_differs", "at_cap", "zero_net", "outlier"}
    assert kept == _checked_afresh(flagged)


def test_the_batch_page_shows_the_kept_checks_without_reading_every_item(flagged, client_for, monkeypatch):
    def every_item(batch):
        raise AssertionError("the page read every item of the batch")

    monkeypatch.setattr(selectors, "check_items", every_item)
    page = client_for(flagged.created_by).get(f"/stipends/{flagged.programme_id}/batches/{flagged.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="findings"' in html and "某家长" in html


def test_a_refresh_of_bank_details_keeps_the_new_checks(flagged, worked):
    a0 = worked.enrolments_a[0]
    a0.student.bank_card = ""
    a0.student.save()
    services.refresh_accounts(batch=flagged)
    kept = _kept(flagged)
    assert any(f.kind == "no_account" and f.blocking for f in kept)
    assert kept == _checked_afresh(flagged)
    # Corrected again: the blocking finding goes from the page as from approval.
    a0.student.bank_card = StudentFactory.build().bank_card
    a0.student.save()
    services.refresh_accounts(batch=flagged)
    assert not any(f.blocking for f in _kept(flagged))
    assert _kept(flagged) == _checked_afresh(flagged)


def test_who_owes_outside_the_batch_is_read_when_the_page_is(worked, finance2):
    """The owed finding of a student without an item depends on other
    batches, so it is not kept: it shows as soon as it is true."""
    first = frozen_batch(worked)
    services.approve_batch(batch=first, user=finance2, confirmed=True)
    e = worked.enrolments_b[1]
    attend(worked.enrolments_a[1], date(2020, 11, 20), 1)
    second = frozen_batch(worked, pay_on=date(2020, 12, 25))
    assert second.items.filter(enrolment=e).exists() is False
    assert not [f for f in _kept(second) if f.kind == "owed"]
    # Only now does the student owe (an incident after the first payment), with no item in the second batch.
    Incident.objects.create(programme=worked.programme, enrolment=e, occurred_on=date(2020, 11, 3), level="2",
                            description="错发", status=Incident.Status.CONFIRMED, reported_by=worked.mentor_b)
    attend(worked.enrolments_a[2], date(2020, 11, 20), 1)
    third = frozen_batch(worked, pay_on=date(2020, 12, 28))  # e's 50.00 carried as owed
    services.approve_batch(batch=third, user=finance2, confirmed=True)
    owed = [f for f in _kept(second) if f.kind == "owed"]
    assert [(f.item_ids, f.detail.split(": ")[1]) for f in owed] == [([], "0.00 / 50.00")]
    assert _kept(second) == _checked_afresh(second)


def test_a_follow_up_keeps_its_checks(worked, finance2):
    batch, failing = _fail_one(worked, finance2)
    student = failing.student
    student.bank_card = StudentFactory.build().bank_card
    student.save()
    follow_up = services.create_follow_up(batch=batch, user=worked.finance)
    assert PayoutBatch.objects.get(pk=follow_up.pk).checked_at is not None
    assert _kept(follow_up) == _checked_afresh(follow_up)


def test_a_batch_computed_before_checks_were_kept_is_checked_afresh(flagged):
    PayoutBatch.objects.filter(pk=flagged.pk).update(item_checks=[], checked_at=None)
    assert _kept(flagged) == _checked_afresh(flagged) and _kept(flagged)
