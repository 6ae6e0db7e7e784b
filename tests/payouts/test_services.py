"""Payout batches: freezing, idempotency, adjustments, approval, the bank's
result, follow-ups and the overview (services, SQLite)."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from programs.attendance.models import Attendance
from scoring.models import Award, Incident
from stipends.payouts import rules as payout_rules
from stipends.payouts import selectors, services
from stipends.payouts.models import PayoutBatch, PayoutItem, RateCard, TaxMethod

from .conftest import PAY_ON, attend, frozen_batch


def items_by_enrolment(batch):
    return {i.enrolment_id: i for i in batch.items.all()}


def test_freezing_computes_every_statement_with_its_lines_and_sources(worked):
    batch = frozen_batch(worked)
    items = items_by_enrolment(batch)
    assert len(items) == 6 and batch.computed_at is not None
    first = items[worked.enrolments_a[0].pk]
    assert (first.gross, first.tax, first.net) == (D("900.00"), D("0.00"), D("900.00"))
    lines = {x["code"]: x for x in first.lines}
    assert (lines["training_days"]["quantity"], lines["training_days"]["amount"]) == ("2", "80.00")
    assert (lines["practice_days"]["quantity"], lines["practice_days"]["amount"]) == ("10", "800.00")
    assert (lines["overtime"]["quantity"], lines["overtime"]["amount"]) == ("2.00", "20.00")
    assert lines["overtime"]["sources"][0][0] == "2020-10-27" and lines["overtime"]["sources"][0][2] == "2.00"
    record_ids = set(Attendance.objects.filter(enrolment=worked.enrolments_a[0], day_kind="practice").values_list("pk", flat=True))
    assert {s[1] for s in lines["practice_days"]["sources"]} == record_ids
    assert all(i.gross == D("800.00") for e, i in items.items() if e != worked.enrolments_a[0].pk)
    student = worked.enrolments_a[1].student
    other = items[worked.enrolments_a[1].pk]
    assert other.account == student.bank_card and other.account_digest == student.bank_card_digest
    assert other.account_masked.startswith(student.bank_card[:4]) and "*" in other.account_masked
    assert other.payment_key == f"{worked.programme.pk}:{worked.enrolments_a[1].pk}:1"


def test_running_the_freeze_twice_pays_nobody_twice(worked):
    batch = frozen_batch(worked)
    before = sorted(batch.items.values_list("enrolment_id", "net"))
    again = services.freeze_batch(batch_id=batch.pk)
    assert again["created"] == 0
    assert sorted(batch.items.values_list("enrolment_id", "net")) == before


def test_a_freeze_that_dies_midway_finishes_on_the_next_run(worked):
    batch = services.create_batch(programme=worked.programme, user=worked.finance, pay_on=PAY_ON)

    def crash(done, total):
        if done >= 2:
            raise RuntimeError("worker killed")

    with pytest.raises(RuntimeError):
        services.freeze_batch(batch_id=batch.pk, report=crash, chunk=2)
    assert batch.items.count() == 2  # the first chunk was committed on its own
    batch.refresh_from_db()
    assert batch.computed_at is None
    result = services.freeze_batch(batch_id=batch.pk, chunk=2)
    assert result["created"] == 4 and batch.items.count() == 6
    assert PayoutItem.objects.values("enrolment").distinct().count() == 6


def test_students_frozen_by_another_run_after_this_one_began_are_left_out(worked, monkeypatch):
    """This run reads who is frozen once; another run that freezes some of
    the students after that read (two jobs at once) makes the database
    refuse the chunk, which is frozen again without them."""
    batch = services.create_batch(programme=worked.programme, user=worked.finance, pay_on=PAY_ON)
    read = services._frozen_students
    other_ran = []

    def stale(batch_, ids=None):
        found = read(batch_, ids)
        if ids is None and not other_ran:  # this run's one read; then the other run freezes everyone
            other_ran.append("started")
            other_ran.append(services.freeze_batch(batch_id=batch.pk, chunk=4))
        return found

    monkeypatch.setattr(services, "_frozen_students", stale)

    monkeypatch.setattr(services, "_frozen_students", stale)
    result = services.freeze_batch(batch_id=batch.pk, chunk=4)
    assert other_ran[1]["created"] == 6 and result["created"] == 0
    assert batch.items.count() == 6 and PayoutItem.objects.values("enrolment").distinct().count() == 6


def test_a_chunk_refused_for_another_reason_is_not_retried_into_silence(worked, monkeypatch):
    """The retry reads who is frozen again; a refusal that is not about them
    (here every write refused) fails the freeze instead of being skipped."""
    batch = services.create_batch(programme=worked.programme, user=worked.finance, pay_on=PAY_ON)
    calls = []

    def refuse(*args, **kwargs):
        calls.append(kwargs)
        raise IntegrityError("refused")

    monkeypatch.setattr(services, "insert_values_with_history", refuse)
    with pytest.raises(IntegrityError):
        services.freeze_batch(batch_id=batch.pk)
    assert len(calls) == 2 and batch.items.count() == 0


def test_a_later_batch_pays_only_the_difference_as_adjustment_lines(worked, finance2):
    first = frozen_batch(worked)
    services.approve_batch(batch=first, user=finance2, confirmed=True)
    e = worked.enrolments_a[1]
    attend(e, date(2020, 11, 5), 2)  # two more practice days
    Incident.objects.create(programme=worked.programme, enrolment=e, occurred_on=date(2020, 11, 6), level="1",
                            description="回复超时", status=Incident.Status.CONFIRMED, reported_by=worked.mentor_a)
    Award.objects.create(programme=worked.programme, enrolment=e, label="销售冠军", amount=D("200.00"),
                         created_by=worked.coordinator)
    second = frozen_batch(worked, pay_on=date(2020, 12, 28))
    items = list(second.items.all())
    assert [i.enrolment_id for i in items] == [e.pk]  # everybody else: nothing new
    item = items[0]
    lines = {x["code"]: x for x in item.lines}
    assert (lines["practice_days"]["quantity"], lines["practice_days"]["amount"]) == ("2", "160.00")
    assert lines["practice_days"]["adjusts"] == "800.00"
    assert [s[0] for s in lines["practice_days"]["sources"]] == ["2020-11-05", "2020-11-06"]
    assert lines["penalty"]["amount"] == "-40.00" and lines["award"]["amount"] == "200.00"
    assert item.gross == D("320.00") and item.payment_key.endswith(":2")
    # The first batch's money did not move.
    assert first.items.get(enrolment=e).gross == D("800.00")


def test_a_correction_downwards_is_carried_forward_not_paid_negative(worked, finance2):
    frozen_batch(worked)
    e = worked.enrolments_b[0]
    Attendance.objects.filter(enrolment=e, day__gte=date(2020, 11, 2)).update(status="absent")  # 3 days fewer
    attend(worked.enrolments_a[1], date(2020, 11, 20), 1)  # someone else is due 80.00, so the batch is made
    second = frozen_batch(worked)
    carried = second.items.get(enrolment=e)  # a zero payment that shows the correction and what is owed
    assert (carried.gross, carried.net) == (D("0.00"), D("0.00"))
    assert {x["code"]: x["amount"] for x in carried.lines} == {"practice_days": "-240.00", "owed_carried": "240.00"}
    attend(e, date(2020, 11, 20), 5)  # five more days: +400 − 240 overpaid = 160
    third = frozen_batch(worked)
    item = third.items.get(enrolment=e)
    assert item.gross == D("160.00")
    assert {x["code"]: x["amount"] for x in item.lines} == {"practice_days": "400.00", "recovery": "-240.00"}
    practice = next(x for x in item.lines if x["code"] == "practice_days")
    assert practice["quantity"] == "5" and practice["removed"] == [] and len(practice["sources"]) == 5


def test_an_incident_after_payment_is_recovered_from_the_next_payment_never_twice(worked, finance2):
    """The issue's case: 800.00 paid, then a level-2 incident (the student
    bears 50.00) is confirmed. 50.00 is owed, shown, flagged, and taken from
    the next payment; a third batch recovers nothing more."""
    first = frozen_batch(worked)
    services.approve_batch(batch=first, user=finance2, confirmed=True)
    e = worked.enrolments_b[1]
    Incident.objects.create(programme=worked.programme, enrolment=e, occurred_on=date(2020, 11, 3), level="2",
                            description="错发", status=Incident.Status.CONFIRMED, reported_by=worked.mentor_b)
    # Nobody has anything due: no empty batch, and the refusal says why.
    with pytest.raises(services.PayoutError, match=r"Nobody has anything due; 1 student owes 50\.00"):
        services.create_batch(programme=worked.programme, user=worked.finance, pay_on=date(2020, 12, 25))
    assert selectors.balances(worked.programme, [e.pk])[e.pk] == payout_rules.Balance(
        D("800.00"), D("750.00"), D("0.00"), D("50.00"))
    # Another student earns 80.00: a batch is made; the overpaid student is in it at zero, flagged.
    attend(worked.enrolments_a[1], date(2020, 11, 20), 1)
    second = frozen_batch(worked, pay_on=date(2020, 12, 25))
    zero = second.items.get(enrolment=e)
    assert (zero.gross, zero.net) == (D("0.00"), D("0.00"))
    owed = [f for f in selectors.findings(second) if f.kind == "owed"]
    assert [(f.item_ids, f.detail.split(": ")[1]) for f in owed] == [([zero.pk], "0.00 / 50.00")]
    services.approve_batch(batch=second, user=finance2, confirmed=True)
    # Two more days (160.00): 50.00 recovered, 110.00 paid.
    attend(e, date(2020, 11, 21), 2)
    third = frozen_batch(worked, pay_on=date(2020, 12, 28))
    item = third.items.get(enrolment=e)
    lines = {x["code"]: x["amount"] for x in item.lines}
    assert lines == {"practice_days": "160.00", "recovery": "-50.00"}
    assert (item.gross, item.net) == (D("110.00"), D("110.00"))
    assert [f.detail.split(": ")[1] for f in selectors.findings(third) if f.kind == "owed"] == ["50.00 / 0.00"]
    services.approve_batch(batch=third, user=finance2, confirmed=True)
    # Paid in all: 800 + 0 + 110 = 910 = 12 days − 50; nothing owed, nothing recovered twice.
    assert selectors.balances(worked.programme, [e.pk])[e.pk] == payout_rules.Balance(
        D("910.00"), D("910.00"), D("0.00"), D("0.00"))
    attend(e, date(2020, 11, 25), 1)
    fourth = frozen_batch(worked, pay_on=date(2020, 12, 29))
    assert {x["code"]: x["amount"] for x in fourth.items.get(enrolment=e).lines} == {"practice_days": "80.00"}


def test_a_recovery_larger_than_the_payment_leaves_the_rest_owed(worked, finance2):
    first = frozen_batch(worked)
    services.approve_batch(batch=first, user=finance2, confirmed=True)
    e = worked.enrolments_b[2]
    Incident.objects.create(programme=worked.programme, enrolment=e, occurred_on=date(2020, 11, 3), level="cash",
                            cash_amount=D("130.00"), description="赔偿", status=Incident.Status.CONFIRMED,
                            reported_by=worked.mentor_b)
    attend(e, date(2020, 11, 20), 1)  # 80.00 earned since; 130.00 owed
    with pytest.raises(services.PayoutError, match=r"1 student owes 50\.00"):
        frozen_batch(worked, pay_on=date(2020, 12, 25))
    attend(worked.enrolments_a[2], date(2020, 11, 20), 1)  # somebody else is due 80.00
    second = frozen_batch(worked, pay_on=date(2020, 12, 25))
    item = second.items.get(enrolment=e)
    # The new day and the incident net to −50.00: nothing paid, 50.00 owed.
    assert {x["code"]: x["amount"] for x in item.lines} == {
        "practice_days": "80.00", "penalty": "-130.00", "owed_carried": "50.00"}
    assert item.net == D("0.00") and item.net >= 0
    assert selectors.balances(worked.programme, [e.pk])[e.pk].owed == D("50.00")
    # 3 days later (240.00): the 50.00 still owed is recovered once.
    attend(e, date(2020, 11, 21), 3)
    third = frozen_batch(worked, pay_on=date(2020, 12, 28))
    assert {x["code"]: x["amount"] for x in third.items.get(enrolment=e).lines} == {
        "practice_days": "240.00", "recovery": "-50.00"}
    assert third.items.get(enrolment=e).gross == D("190.00")


def test_the_database_refuses_a_second_live_item_for_the_same_statement(worked):
    batch = frozen_batch(worked)
    item = batch.items.first()
    other = PayoutBatch.objects.create(programme=worked.programme, created_by=worked.finance, pay_on=PAY_ON)
    item.pk, item.batch = None, other
    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()
    original = batch.items.get(enrolment=item.enrolment_id)
    PayoutItem.objects.filter(pk=original.pk).update(status=PayoutItem.Status.PAID)
    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()
    PayoutItem.objects.filter(pk=original.pk).update(status=PayoutItem.Status.FAILED)
    item.save()  # a failed statement may be tried again, once


def test_money_must_add_up_in_the_database(worked):
    batch = frozen_batch(worked)
    with pytest.raises(IntegrityError), transaction.atomic():
        batch.items.filter(pk=batch.items.first().pk).update(net=D("1.00"))


def test_the_maker_cannot_approve_and_a_second_finance_user_can(worked, finance2):
    batch = frozen_batch(worked)
    with pytest.raises(PermissionDenied, match="second finance user"):
        services.approve_batch(batch=batch, user=worked.finance, confirmed=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutBatch.objects.filter(pk=batch.pk).update(state="approved", approved_by=worked.finance,
                                                        approved_at=batch.created_at)
    services.approve_batch(batch=batch, user=finance2, confirmed=True)
    batch.refresh_from_db()
    assert batch.state == PayoutBatch.State.APPROVED and batch.approved_by == finance2
    with pytest.raises(services.PayoutError):
        services.approve_batch(batch=batch, user=finance2, confirmed=True)


def test_findings_list_what_to_check_and_block_on_missing_cards(worked, flagged, finance2):
    a0, a1, a2 = worked.enrolments_a
    b0 = worked.enrolments_b[0]
    batch = flagged
    kinds = {f.kind: f for f in selectors.findings(batch)}
    assert set(kinds) >= {"shared_account", "name_differs", "at_cap", "zero_net", "outlier"}
    item = batch.items.get(enrolment=b0)
    assert item.gross == 0 and item.at_cap and item.account_name == "某家长"
    assert set(kinds["shared_account"].item_ids) == {batch.items.get(enrolment=a1).pk, batch.items.get(enrolment=a2).pk}
    assert not any(f.blocking for f in kinds.values())
    with pytest.raises(services.PayoutError, match="reviewed"):
        services.approve_batch(batch=batch, user=finance2, confirmed=False)
    a0.student.bank_card = ""
    a0.student.save()
    services.refresh_accounts(batch=batch)
    assert any(f.kind == "no_account" and f.blocking for f in selectors.findings(batch))
    with pytest.raises(services.PayoutError, match="no valid bank card"):
        services.approve_batch(batch=batch, user=finance2, confirmed=True)


def test_tax_by_the_labour_method_is_withheld_per_payment(worked):
    RateCard.objects.filter(programme=worked.programme).update(tax_method=TaxMethod.LABOUR_PER_PAYMENT) \
        if RateCard.objects.filter(programme=worked.programme).exists() else \
        RateCard.objects.create(programme=worked.programme, tax_method=TaxMethod.LABOUR_PER_PAYMENT)
    batch = frozen_batch(worked)
    first = batch.items.get(enrolment=worked.enrolments_a[0])
    assert (first.gross, first.tax, first.net) == (D("900.00"), D("20.00"), D("880.00"))  # (900 − 800) × 20 %
    assert first.tax_detail["table"] == "cn-iit-labour-2019"
    assert batch.items.get(enrolment=worked.enrolments_a[1]).tax == D("0.00")  # 800 − 800 = 0


def test_cumulative_tax_counts_what_this_payer_paid_before_this_year(worked, finance2):
    e = worked.enrolments_a[1]
    Award.objects.create(programme=worked.programme, enrolment=e, label="年度大奖", amount=D("20000.00"),
                         created_by=worked.coordinator)
    batch = frozen_batch(worked)
    item = batch.items.get(enrolment=e)
    # 20,800 × 0.8 = 16,640 − 5,000 × 2 months (Oct, Nov) = 6,640 × 3 % = 199.20
    assert item.gross == D("20800.00") and item.tax == D("199.20") and item.tax_detail["months"] == 2
    attend(e, date(2020, 11, 20), 5)
    second = frozen_batch(worked)
    later = second.items.get(enrolment=e)
    # (20,800 + 400) × 0.8 − 10,000 = 6,960 × 3 % = 208.80 − 199.20 already withheld = 9.60
    assert later.gross == D("400.00") and later.tax == D("9.60")
    assert later.tax_detail["paid_before"] == "20800.00" and later.tax_detail["withheld_before"] == "199.20"


def test_rate_card_is_created_from_defaults_and_locked_after_the_first_approval(worked, finance2):
    card = selectors.rate_card(worked.programme)
    assert (card.training_day, card.practice_day, card.penalty("1").total) == (
        D("40.00"), D("80.00"), D("100.00"))
    batch = frozen_batch(worked)
    assert not selectors.rate_card_locked(worked.programme)
    services.approve_batch(batch=batch, user=finance2, confirmed=True)
    assert selectors.rate_card_locked(worked.programme)


def test_statement_pays_no_day_after_the_last_day(world):
    """Days recorded before a dismissal was entered stay on file but are not paid."""
    from programs.attendance import services as attendance

    student = world.enrolments_a[0]
    attend(student, date(2020, 10, 26), 10)  # 10-26 .. 11-04, practice, present
    assert selectors.statements(world.programme, [student.pk])[student.pk].gross == D("800.00")
    attendance.dismiss(programme=world.programme, enrolment=student, last_day=date(2020, 10, 30), reason="x",
                       user=world.mentor_a)
    stipend = selectors.statements(world.programme, [student.pk])[student.pk]
    practice = next(x for x in stipend.lines if x.code == "practice_days")
    assert practice.quantity == 5 and max(day for day, _id in practice.sources) == date(2020, 10, 30)
    assert stipend.gross == D("400.00")
    batch = frozen_batch(world)
    assert batch.items.get(enrolment=student).gross == D("400.00")
