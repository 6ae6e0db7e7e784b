"""An approved batch never changes, and approval waits for the batch's job.

The story: finance computes a batch again after more students joined; while
that job runs, a second finance user approves what they reviewed; chunks
still in flight must not then add unreviewed items to the approved batch.
(The same race on PostgreSQL with a real worker:
``tests/services/test_payout_batch_on_worker.py``.)
"""

from datetime import date

import pytest
from django.db.models import Sum
from django.utils import translation

from stipends.payouts import services
from stipends.payouts.models import PayoutBatch
from tests.factories import EnrolmentFactory
from trainingweek.models import Job

from .conftest import attend, frozen_batch


def joined(world, n: int) -> list:
    """``n`` more students join class A, each with 5 practice days (400.00)."""
    new = [EnrolmentFactory(programme=world.programme, school_class=world.class_a) for _ in range(n)]
    for e in new:
        attend(e, date(2020, 10, 26), 5)
    return new


def totals(batch) -> tuple:
    return batch.items.count(), batch.items.aggregate(net=Sum("net"))["net"]


def test_approval_is_refused_while_the_batch_is_computed_again(worked, finance2):
    batch = frozen_batch(worked)
    joined(worked, 4)
    job = services.start_freeze(batch=batch, user=worked.finance)  # queued: no worker took it yet
    assert job.status == Job.Status.PENDING
    with pytest.raises(services.PayoutError, match=rf"still being computed \(job #{job.pk}: Queued\)"):
        services.approve_batch(batch=batch, user=finance2, confirmed=True)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    with translation.override("zh-hans"), pytest.raises(services.PayoutError) as refused:
        services.approve_batch(batch=batch, user=finance2, confirmed=True)
    assert "仍在计算" in str(refused.value) and str(job.pk) in str(refused.value)
    batch.refresh_from_db()
    assert batch.state == PayoutBatch.State.DRAFT and batch.approved_by is None
    # The job finishes; the reviewer looks again and approves what is there now.
    services.freeze_batch(batch_id=batch.pk)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED)
    services.approve_batch(batch=batch, user=finance2, confirmed=True)
    batch.refresh_from_db()
    assert batch.state == PayoutBatch.State.APPROVED
    assert (batch.approved_items, batch.approved_net) == totals(batch) == (10, batch.approved_net)
    assert batch.approved_net == sum(i.net for i in batch.items.all())


def test_a_job_of_another_batch_does_not_hold_approval_up(worked, finance2):
    batch = frozen_batch(worked)
    attend(worked.enrolments_b[0], date(2020, 11, 20), 1)  # something new for the other batch to pay
    other = services.create_batch(programme=worked.programme, user=worked.finance, school_class=worked.class_b)
    services.start_freeze(batch=other, user=worked.finance)
    services.approve_batch(batch=batch, user=finance2, confirmed=True)
    assert PayoutBatch.objects.get(pk=batch.pk).state == PayoutBatch.State.APPROVED


def test_a_chunk_after_approval_adds_nothing(worked, finance2):
    """Approval lands between two chunks of a run (no job row: freeze called
    directly); the next chunk stops and the batch keeps what was approved."""
    batch = frozen_batch(worked)
    joined(worked, 5)

    def approve_after_the_second_chunk(done, total):
        # Students 1–4 were frozen before; 5–8 is the chunk that adds two new ones.
        if done == 8:
            services.approve_batch(batch=batch, user=finance2, confirmed=True)

    with pytest.raises(services.PayoutError, match="no longer a draft"):
        services.freeze_batch(batch_id=batch.pk, report=approve_after_the_second_chunk, chunk=4)
    batch.refresh_from_db()
    assert batch.state == PayoutBatch.State.APPROVED
    assert totals(batch) == (batch.approved_items, batch.approved_net)
    assert batch.approved_items == 8  # the six frozen before and two of the five who joined


def test_no_writer_changes_an_approved_batch_even_from_a_stale_copy(worked, finance2):
    batch = frozen_batch(worked)
    stale = PayoutBatch.objects.get(pk=batch.pk)  # read as a draft, before approval
    services.approve_batch(batch=batch, user=finance2, confirmed=True)
    before = totals(batch)
    accounts = list(batch.items.order_by("pk").values_list("account_digest", flat=True))
    joined(worked, 3)
    first = worked.enrolments_a[0].student
    first.bank_card = worked.enrolments_a[1].student.bank_card
    first.save()

    with pytest.raises(services.PayoutError, match="draft"):
        services.freeze_batch(batch_id=batch.pk)
    with pytest.raises(services.PayoutError, match="draft"):
        services.start_freeze(batch=stale, user=worked.finance)
    with pytest.raises(services.PayoutError, match="draft"):
        services.refresh_accounts(batch=stale)
    with pytest.raises(services.PayoutError, match="draft"):
        services.delete_draft(batch=stale)

    assert PayoutBatch.objects.filter(pk=batch.pk).exists()
    assert not Job.objects.filter(kind=services.JOB_KIND).exists()
    assert totals(batch) == before == (batch.approved_items, batch.approved_net)
    assert list(batch.items.order_by("pk").values_list("account_digest", flat=True)) == accounts


def test_a_draft_is_not_deleted_while_its_job_is_queued(worked):
    batch = frozen_batch(worked)
    services.start_freeze(batch=batch, user=worked.finance)
    with pytest.raises(services.PayoutError, match="still being computed"):
        services.delete_draft(batch=batch)
    assert PayoutBatch.objects.filter(pk=batch.pk).exists()


def test_computing_again_from_the_page_refuses_an_approved_batch(worked, finance2, client_for):
    batch = frozen_batch(worked)
    services.approve_batch(batch=batch, user=finance2, confirmed=True)
    response = client_for(worked.finance).post(f"/stipends/{worked.programme.pk}/batches/{batch.pk}/compute/",
                                               follow=True)
    assert "Only a draft batch can be computed." in response.content.decode()
    assert not Job.objects.exists()


def test_the_admin_cannot_delete_an_approved_batch(worked, finance2, client_for):
    batch = frozen_batch(worked)
    services.approve_batch(batch=batch, user=finance2, confirmed=True)
    response = client_for(worked.admin).post(f"/admin/payouts/payoutbatch/{batch.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    response = client_for(worked.admin).post("/admin/payouts/payoutbatch/", {
        "action": "delete_selected", "_selected_action": [batch.pk], "post": "yes"})
    assert PayoutBatch.objects.filter(pk=batch.pk).exists()
    assert totals(batch) == (batch.approved_items, batch.approved_net)


def test_the_batch_page_says_approval_waits_for_the_job(worked, finance2, client_for):
    batch = frozen_batch(worked)
    job = services.start_freeze(batch=batch, user=worked.finance)
    page = client_for(finance2).get(f"/stipends/{worked.programme.pk}/batches/{batch.pk}/").content.decode()
    assert f"computed again (job #{job.pk}: Queued)" in page
    assert 'data-testid="approve" disabled' in page
