"""The audit history of payments, batches, profiles and awards, and the
refusal to delete approved money (service, model, QuerySet, admin)."""

from decimal import Decimal

import pytest
from django.db import connection, transaction

from scoring.models import Award
from stipends.payouts import services
from stipends.payouts.models import PayoutBatch, PayoutItem, StipendProfile
from tests.payouts.conftest import approved_exported, frozen_batch
from trainingweek.protection import DeleteRefused

pytestmark = pytest.mark.django_db


def batch_url(world, batch, action=""):
    return f"/stipends/{world.programme.pk}/batches/{batch.pk}/{action}"


def refused(*args, **kwargs):
    """``pytest.raises`` inside a savepoint: a refused delete rolls its transaction back."""
    class Both:
        def __enter__(self):
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.raises = pytest.raises(*args, **kwargs)
            return self.raises.__enter__()

        def __exit__(self, *exc):
            swallowed = self.raises.__exit__(*exc)
            self.atomic.__exit__(*exc)
            return swallowed

    return Both()


def latest(model, **filters):
    return model.history.filter(**filters).order_by("-history_date", "-history_id").first()


# --------------------------------------------------------------------------- history rows


def test_approving_through_the_page_records_who_when_where_and_what(worked, client_for, finance2):
    batch = frozen_batch(worked)
    response = client_for(finance2).post(batch_url(worked, batch, "approve/"), {"confirmed": "on"},
                                         REMOTE_ADDR="10.20.30.40")
    assert response.status_code == 302
    row = latest(PayoutBatch, id=batch.pk)
    assert (row.history_type, row.history_user, row.ip_address, row.state) == ("~", finance2, "10.20.30.40", "approved")
    delta = row.diff_against(row.prev_record)
    assert {c.field: (c.old, c.new) for c in delta.changes}["state"] == ("draft", "approved")

    page = client_for(worked.finance).get(batch_url(worked, batch)).content.decode()
    assert "Change history" in page and "10.20.30.40" in page and str(finance2) in page
    assert "State</strong>: Draft → Approved" in page


def test_the_freeze_gives_every_payment_a_created_row_by_the_maker(worked):
    batch = frozen_batch(worked)
    items = list(batch.items.all())
    assert items
    rows = PayoutItem.history.filter(batch_id=batch.pk)
    assert sorted(rows.values_list("id", flat=True)) == sorted(i.pk for i in items)
    assert set(rows.values_list("history_type", "history_user")) == {("+", worked.finance.pk)}
    # The account is stored encrypted in the history as in the item itself.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM payouts_historicalpayoutitem")
        raw = repr(cursor.fetchall())
    assert all(i.account and i.account not in raw for i in items)
    assert {r.account for r in rows} == {i.account for i in items}


def test_reconciling_records_each_payment_and_the_batch(worked, finance2, client_for):
    from tests.payouts.conftest import bank_rows, result_workbook

    batch = approved_exported(worked, finance2)
    result = services.reconcile(batch=batch, data=result_workbook(bank_rows(batch)))
    assert result.ok
    for item in batch.items.all():
        assert latest(PayoutItem, id=item.pk).status == "paid"
    assert [r.state for r in PayoutBatch.history.filter(id=batch.pk).order_by("history_date", "history_id")] == [
        "draft", "draft", "approved", "exported", "reconciled"]


def test_profile_changes_show_on_the_statement_page(worked, client_for):
    enrolment = worked.enrolments_a[1]
    url = f"/stipends/{worked.programme.pk}/profiles/?class={worked.class_a.pk}"
    form = {f"passed_{e.pk}": "" for e in worked.enrolments_a}
    form[f"account_{enrolment.pk}"] = "王小明"
    response = client_for(worked.coordinator).post(url, form, REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 302
    assert StipendProfile.objects.get(enrolment=enrolment).account_name == "王小明"
    row = latest(StipendProfile, enrolment_id=enrolment.pk)
    assert (row.history_user, row.ip_address, row.account_name) == (worked.coordinator, "10.0.0.7", "王小明")

    page = client_for(worked.finance).get(f"/stipends/{worked.programme.pk}/students/{enrolment.pk}/")
    html = page.content.decode()
    assert "Account holder on file</strong>: — → 王小明" in html and "10.0.0.7" in html


def test_statement_page_shows_the_payments_history_masked(worked, client_for):
    batch = frozen_batch(worked)
    item = batch.items.get(enrolment=worked.enrolments_a[0])
    html = client_for(worked.finance).get(
        f"/stipends/{worked.programme.pk}/students/{item.enrolment_id}/").content.decode()
    assert f"Payout item #{item.pk} · Record created" in html
    assert item.account not in html  # the card number only masked
    assert item.account[-4:] in html


def test_admin_edit_is_recorded_with_user_and_address(worked, client_for):
    award = Award.objects.create(programme=worked.programme, enrolment=worked.enrolments_a[0], label="销冠",
                                 amount=Decimal("100.00"), created_by=worked.coordinator)
    client = client_for(worked.admin)
    response = client.post(f"/admin/scoring/award/{award.pk}/change/", {
        "programme": worked.programme.pk, "enrolment": award.enrolment_id, "period": "", "label": "销冠",
        "amount": "150.00", "created_by": worked.coordinator.pk}, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 302, response.content.decode()[:2000]
    row = latest(Award, id=award.pk)
    assert (row.history_type, row.history_user, row.ip_address, row.amount) == ("~", worked.admin, "10.1.1.1",
                                                                                 Decimal("150.00"))
    # The admin shows the history read-only, with the change.
    history = client.get(f"/admin/scoring/award/{award.pk}/history/").content.decode()
    assert "10.1.1.1" in history and "150.00" in history

    page = client_for(worked.coordinator).get(f"/scoring/{worked.programme.pk}/awards/").content.decode()
    assert "Amount (CNY)</strong>: 100.00 → 150.00" in page


# --------------------------------------------------------------------------- deletes refused


def test_an_approved_batch_and_its_payments_are_never_deleted(worked, finance2, client_for):
    batch = frozen_batch(worked)
    services.approve_batch(batch=batch, user=finance2, confirmed=True)
    item = batch.items.first()
    with refused(services.PayoutError):
        services.delete_draft(batch=batch)
    stale = PayoutBatch.objects.get(pk=batch.pk)
    stale.state = PayoutBatch.State.DRAFT  # an instance that remembers the wrong state
    with refused(DeleteRefused, match="new record"):
        stale.delete()
    with refused(DeleteRefused):
        PayoutBatch.objects.filter(pk=batch.pk).delete()
    with refused(DeleteRefused, match="new record"):
        item.delete()
    with refused(DeleteRefused):
        PayoutItem.objects.filter(batch=batch).delete()
    # The page's delete button and the admin refuse too.
    client_for(worked.finance).post(batch_url(worked, batch, "delete/"))
    admin = client_for(worked.admin)
    assert admin.post(f"/admin/payouts/payoutbatch/{batch.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin.post(f"/admin/payouts/payoutitem/{item.pk}/delete/", {"post": "yes"}).status_code == 403
    admin.post("/admin/payouts/payoutbatch/", {"action": "delete_selected", "_selected_action": [batch.pk],
                                               "post": "yes"})
    assert PayoutBatch.objects.filter(pk=batch.pk).exists()
    assert batch.items.count() == PayoutItem.history.filter(batch_id=batch.pk, history_type="+").count() > 0


def test_a_draft_batch_is_deleted_whole_and_the_deletion_recorded(worked):
    batch = frozen_batch(worked)
    ids, batch_id = list(batch.items.values_list("pk", flat=True)), batch.pk
    with refused(DeleteRefused):
        batch.items.first().delete()  # a payment never goes on its own
    services.delete_draft(batch=batch)
    assert not PayoutItem.objects.filter(pk__in=ids).exists()
    assert PayoutItem.history.filter(id__in=ids, history_type="-").count() == len(ids)
    assert PayoutBatch.history.filter(id=batch_id, history_type="-").exists()


def test_a_paid_award_is_never_deleted(worked, finance2, client_for):
    enrolment = worked.enrolments_a[0]
    paid = Award.objects.create(programme=worked.programme, enrolment=enrolment, label="销冠",
                                amount=Decimal("200.00"), created_by=worked.coordinator)
    batch = frozen_batch(worked)
    services.approve_batch(batch=batch, user=finance2, confirmed=True)
    later = Award.objects.create(programme=worked.programme, enrolment=enrolment, label="积分奖",
                                 amount=Decimal("50.00"), created_by=worked.coordinator)
    client = client_for(worked.coordinator)
    client.post(f"/scoring/{worked.programme.pk}/awards/{paid.pk}/delete/")
    assert Award.objects.filter(pk=paid.pk).exists()
    with refused(DeleteRefused, match=f"#{batch.pk}"):
        paid.delete()
    with refused(DeleteRefused):
        Award.objects.filter(pk=paid.pk).delete()
    admin = client_for(worked.admin)
    assert admin.post(f"/admin/scoring/award/{paid.pk}/delete/", {"post": "yes"}).status_code == 403
    # An award not paid yet goes, and its removal is in the history.
    client.post(f"/scoring/{worked.programme.pk}/awards/{later.pk}/delete/")
    assert not Award.objects.filter(pk=later.pk).exists()
    row = latest(Award, id=later.pk)
    assert (row.history_type, row.history_user) == ("-", worked.coordinator)
    page = client.get(f"/scoring/{worked.programme.pk}/awards/").content.decode()
    assert f"Award #{later.pk} · Record deleted" in page


def test_history_on_pages_keeps_the_query_count_fixed(worked, client_for, finance2):
    from django.test.utils import CaptureQueriesContext

    enrolment = worked.enrolments_a[0]
    batch = frozen_batch(worked)
    pages = [batch_url(worked, batch), f"/stipends/{worked.programme.pk}/students/{enrolment.pk}/",
             f"/scoring/{worked.programme.pk}/awards/", f"/stipends/{worked.programme.pk}/rate-card/",
             f"/programs/{worked.programme.pk}/enrolments/{enrolment.pk}/"]
    client = client_for(worked.finance)

    def counts():
        result = []
        for page in pages:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(page).status_code == 200, page
            result.append(len(ctx.captured_queries))
        return result

    def grow(n):
        for i in range(n):
            award = Award.objects.create(programme=worked.programme, enrolment=enrolment, label=f"奖{i}",
                                         amount=Decimal("10.00"), created_by=worked.coordinator)
            award.amount = Decimal("20.00")
            award.save()
            student = enrolment.student
            student.bank_name = f"银行{i}"
            student.save()
            profile, _ = StipendProfile.objects.get_or_create(enrolment=enrolment)
            profile.account_name = f"户名{i}"
            profile.save()

    grow(1)
    few = counts()
    grow(6)
    assert counts() == few
