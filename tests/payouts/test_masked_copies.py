"""What payout items keep beside their encrypted account and their lines
(account_masked, account_check, settling) and the students' masked cards stay
in step through finance's correction, the follow-up batch, the refresh of a
draft batch, a plain save, and the data migration that fills existing rows;
the freeze copies the student's card as stored (the same token, never
decrypted) with the check and mask the student keeps."""

import importlib
import random
from datetime import date

from django.apps import apps

from programs.students import demo as synthetic
from programs.students.models import Student
from stipends.payouts import rules as payout_rules
from stipends.payouts import services as payout_services
from stipends.payouts.models import PayoutItem
from tests.students.test_masked_copies import assert_students_in_step, luhn_failing
from trainingweek import crypto
from trainingweek.fields import stored_token
from trainingweek.masking import mask_bank_card

from .conftest import approved_exported, attend, bank_rows, frozen_batch, result_workbook


def assert_items_in_step():
    """Every item's copies are what the writers derive from its decrypted account and its lines."""
    items = list(PayoutItem.objects.all())
    assert items
    for i in items:
        assert (i.account_masked, i.account_check, i.settling) == (
            mask_bank_card(i.account), payout_rules.account_check(i.account), payout_rules.settling_part(i.lines)), i.pk


def test_the_freeze_copies_each_card_token_without_decrypting_it(worked, monkeypatch):
    luhn, missing = worked.enrolments_a[1], worked.enrolments_b[0]
    services_students_update(luhn.student, luhn_failing(luhn.student.bank_card))
    Student.objects.filter(pk=missing.student_id).update(bank_card="", bank_card_digest="", bank_card_masked="",
                                                         bank_card_check="missing")

    def refuse(token):
        raise AssertionError("the freeze decrypted a value")

    monkeypatch.setattr(crypto, "decrypt", refuse)
    batch = frozen_batch(worked)
    monkeypatch.undo()
    tokens = dict(Student.objects.annotate(token=stored_token("bank_card")).values_list("pk", "token"))
    items = list(PayoutItem.objects.filter(batch=batch).annotate(token=stored_token("account")))
    history = dict(PayoutItem.history.filter(batch_id=batch.pk, history_type="+").annotate(
        token=stored_token("account")).values_list("id", "token"))
    assert len(items) == len(history) == 6
    for item in items:
        student = item.enrolment.student
        # The very token the student's row holds, in the item and its history row, decrypting to the card.
        assert item.token == tokens[student.pk] == history[item.pk], item.pk
        assert item.account == student.bank_card and (item.token == "") == (student.bank_card == "")
        assert (item.account_digest, item.account_masked) == (
            crypto.digest(student.bank_card) if student.bank_card else "", mask_bank_card(student.bank_card))
    checks = {i.enrolment_id: i.account_check for i in items}
    assert checks[luhn.pk] == payout_rules.CARD_LUHN and checks[missing.pk] == payout_rules.CARD_MISSING
    assert list(checks.values()).count(payout_rules.CARD_OK) == 4
    assert_items_in_step()
    kinds = {f.kind for f in payout_rules.item_findings(payout_services.check_items(batch))}
    assert {"luhn", "no_account"} <= kinds


def services_students_update(student, card):
    from programs.students import services as student_services

    student_services.update_bank_details(student=student, bank_card=card, account_holder="", bank_name="银行",
                                         bank_branch="")


def test_finance_correction_then_follow_up_keeps_student_and_items_in_step(world, finance2):
    for e in world.enrolments_a + world.enrolments_b:
        attend(e, date(2020, 10, 26), 3)
    batch = approved_exported(world, finance2)
    failing = world.enrolments_b[0]
    assert payout_services.reconcile(batch=batch, data=result_workbook(bank_rows(batch, fail={failing.pk}))).ok
    item = batch.items.get(enrolment=failing)
    card = synthetic.make_bank_card(random.Random(8))
    payout_services.correct_bank_details(item=item, bank_card=card, account_holder="", bank_name="工商银行",
                                         bank_branch="", user=world.finance)
    assert Student.objects.get(pk=failing.student_id).bank_card_masked == mask_bank_card(card)
    assert_students_in_step()
    follow_up = payout_services.create_follow_up(batch=batch, user=world.finance)
    retry = follow_up.items.get()
    assert (retry.account_masked, retry.account_check) == (mask_bank_card(card), payout_rules.account_check(card))
    assert_items_in_step()


def test_refreshing_a_draft_batch_refreshes_the_check_beside_the_account(world):
    batch = frozen_batch(world)
    student = world.enrolments_a[1].student
    assert batch.items.get(enrolment=world.enrolments_a[1]).account_check == payout_rules.CARD_OK
    Student.objects.filter(pk=student.pk).update(bank_card="", bank_card_masked="", bank_card_digest="")
    payout_services.refresh_accounts(batch=batch)
    item = batch.items.get(enrolment=world.enrolments_a[1])
    assert (item.account_masked, item.account_check) == ("", payout_rules.CARD_MISSING)
    assert_items_in_step()


def test_the_data_migration_fills_existing_items(world):
    frozen_batch(world)
    PayoutItem.objects.update(account_check="", settling=[{"code": "stale"}])
    importlib.import_module(
        "stipends.payouts.migrations.0007_check_and_settling_beside_items").fill_checks_and_settling(apps, None)
    assert_items_in_step()


def test_settling_lines_are_derived_from_the_lines_on_every_write(world):
    """A writer cannot forget the settling copy: it is derived from ``lines`` by the field itself."""
    batch = frozen_batch(world)
    item = batch.items.first()
    owed = {"code": payout_rules.OWED, "amount": "20.00", "owed_after": "20.00"}
    item.lines = [*item.lines, owed]
    item.save()
    assert PayoutItem.objects.get(pk=item.pk).settling == [owed]
