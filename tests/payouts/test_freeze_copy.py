"""A freeze on PostgreSQL writes its items and their history through COPY
(trainingweek.bulk); it must write exactly what the fallback path (SQLite's
``bulk_create`` and simple-history) writes for the same batch: every item
column and every history row. PostgreSQL only (skipped elsewhere, a failure
under CI=true)."""

from datetime import date
from decimal import Decimal as D

from django.test import RequestFactory
from simple_history.models import HistoricalRecords

from scoring.models import Award, Incident
from stipends.payouts import services
from stipends.payouts.models import PayoutBatch, PayoutItem, StipendProfile
from trainingweek import bulk

from .conftest import PAY_ON, attend

ITEM_COLUMNS = [f.attname for f in PayoutItem._meta.concrete_fields if f.attname not in ("id", "batch_id")]
HISTORY_COLUMNS = [*ITEM_COLUMNS, "history_type", "history_user_id", "history_change_reason", "ip_address"]


def snapshot(batch: PayoutBatch) -> dict:
    """The batch's items and their "created" history rows, by student, as read back."""
    items = {i["enrolment_id"]: i for i in PayoutItem.objects.filter(batch=batch).values(*ITEM_COLUMNS, "id")}
    history = {}
    for row in PayoutItem.history.filter(batch_id=batch.pk, history_type="+").values(*HISTORY_COLUMNS, "id",
                                                                                   "history_date"):
        assert row.pop("id") == items[row["enrolment_id"]]["id"]  # the history row is of that very item
        history[row.pop("enrolment_id")] = row
    for item in items.values():
        item.pop("id")
    return {"items": items, "history": history}


def freeze(world, *, pay_on=PAY_ON, fallback: bool, monkeypatch) -> PayoutBatch:
    """A batch frozen in chunks of two students, through COPY or the fallback,
    as if started from a page (the history records the address)."""
    with monkeypatch.context() as patched:
        if fallback:
            patched.setattr(bulk, "copies", lambda connection: False)
        batch = services.create_batch(programme=world.programme, user=world.finance, pay_on=pay_on)
        request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.7")
        request.user = world.finance
        HistoricalRecords.context.request = request
        try:
            services.freeze_batch(batch_id=batch.pk, chunk=2)
        finally:
            del HistoricalRecords.context.request
    return batch


def same_freeze_both_ways(world, monkeypatch, **kwargs) -> dict:
    """Freeze through the fallback, take the picture, delete the draft, freeze
    the same through COPY: both pictures must be equal."""
    before = freeze(world, fallback=True, monkeypatch=monkeypatch, **kwargs)
    expected = snapshot(before)
    services.delete_draft(batch=before)
    after = freeze(world, fallback=False, monkeypatch=monkeypatch, **kwargs)
    got = snapshot(after)
    for rows in (expected["history"], got["history"]):
        for row in rows.values():
            assert row.pop("history_date") is not None  # the moment differs between the two freezes
    assert got == expected
    return got


def test_a_copied_freeze_writes_what_the_fallback_writes(worked, finance2, on_postgres, monkeypatch):
    e = worked.enrolments_a[1]
    Award.objects.create(programme=worked.programme, enrolment=e, label="销售冠军 \"金牌\"\t\\N", amount=D("200.00"),
                         created_by=worked.coordinator)
    Incident.objects.create(programme=worked.programme, enrolment=worked.enrolments_b[0], occurred_on=date(2020, 10, 28),
                            level="cash", cash_amount=D("1000.00"), description="赔偿\n顾客",
                            status=Incident.Status.CONFIRMED, reported_by=worked.mentor_b)
    StipendProfile.objects.create(enrolment=worked.enrolments_b[1], account_name="代收人\\\t")
    got = same_freeze_both_ways(worked, monkeypatch)
    items = got["items"]
    assert len(items) == 6 and got["history"].keys() == items.keys()
    assert {r["history_user_id"] for r in got["history"].values()} == {worked.finance.pk}
    assert {r["ip_address"] for r in got["history"].values()} == {"192.0.2.7"}
    # The hostile label and holder came through intact, the card decrypts to the student's.
    award = next(x for x in items[e.pk]["lines"] if x["code"] == "award")
    assert award["label"] == "销售冠军 \"金牌\"\t\\N"
    assert items[worked.enrolments_b[1].pk]["account_name"] == "代收人\\\t"
    assert items[e.pk]["account"] == e.student.bank_card and items[e.pk]["account"]
    # 6 × 800 + 80 + 20 (see ``worked``) + the award 200, less the 800 the capped incident takes.
    assert sum(i["gross"] for i in items.values()) == D("4300.00")


def test_a_copied_adjustment_batch_writes_what_the_fallback_writes(worked, finance2, on_postgres, monkeypatch):
    first = freeze(worked, fallback=False, monkeypatch=monkeypatch)
    services.approve_batch(batch=first, user=finance2, confirmed=True)
    e = worked.enrolments_a[1]
    attend(e, date(2020, 11, 5), 2)
    Incident.objects.create(programme=worked.programme, enrolment=worked.enrolments_a[2], occurred_on=date(2020, 11, 6),
                            level="4", description="严重", status=Incident.Status.CONFIRMED, reported_by=worked.mentor_a)
    got = same_freeze_both_ways(worked, monkeypatch, pay_on=date(2020, 12, 28))
    assert set(got["items"]) == {e.pk, worked.enrolments_a[2].pk}
    assert got["items"][e.pk]["gross"] == D("160.00") and got["items"][e.pk]["payment_key"].endswith(":2")
    owed = got["items"][worked.enrolments_a[2].pk]
    assert owed["gross"] == D("0.00") and any(x["code"] == "owed_carried" for x in owed["lines"])
