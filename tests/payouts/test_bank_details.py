"""Correcting a failed transfer's bank details: finance's form on the failed
item, stored on the student (encrypted, in the audit history), taken by the
follow-up batch; the card checked by the one bank-card rule."""

import random

import pytest
from django.db import connection
from stdnum import luhn

from programs.students import demo as synthetic
from programs.students.models import Student
from stipends.payouts import selectors, services
from stipends.payouts.models import PayoutItem, StipendProfile
from tests.factories import UserFactory
from trainingweek.models import User

from .conftest import approved_exported, bank_rows, result_workbook

NEW_CARD = synthetic.make_bank_card(random.Random(20201111))
BAD_LUHN = NEW_CARD[:-1] + str((int(NEW_CARD[-1]) + 1) % 10)


def _failed(worked, finance2):
    batch = approved_exported(worked, finance2)
    failing = worked.enrolments_b[1]
    assert services.reconcile(batch=batch, data=result_workbook(bank_rows(batch, fail={failing.pk}))).ok
    return batch, batch.items.get(enrolment=failing)


def _url(worked, batch, item):
    return f"/stipends/{worked.programme.pk}/batches/{batch.pk}/items/{item.pk}/bank-details/"


FORM = {"bank_card": " ".join(NEW_CARD[i:i + 4] for i in range(0, len(NEW_CARD), 4)),
        "account_holder": "账户持有人", "bank_name": "中国工商银行", "bank_branch": "长沙五一路支行"}


def test_the_batch_page_links_the_correction_from_the_failed_item_only(worked, finance2, client_for):
    batch, failed = _failed(worked, finance2)
    page = client_for(worked.finance).get(f"/stipends/{worked.programme.pk}/batches/{batch.pk}/").content.decode()
    assert page.count('data-testid="correct-bank-details"') == 1
    assert _url(worked, batch, failed) in page
    paid = batch.items.filter(status=PayoutItem.Status.PAID).first()
    assert client_for(worked.finance).get(_url(worked, batch, paid)).status_code == 404


def test_finance_corrects_the_card_and_the_follow_up_pays_it(worked, finance2, client_for):
    batch, failed = _failed(worked, finance2)
    student = failed.enrolment.student
    old_card = student.bank_card
    client = client_for(worked.finance)
    page = client.get(_url(worked, batch, failed)).content.decode()
    assert failed.account_masked in page and "账户已冻结" in page and old_card not in page
    assert selectors.retry_candidates(batch)[0] == []
    response = client.post(_url(worked, batch, failed), FORM, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302 and response["Location"].endswith(f"/batches/{batch.pk}/")
    student.refresh_from_db()
    assert (student.bank_card, student.account_holder, student.bank_name, student.bank_branch) == (
        NEW_CARD, "账户持有人", "中国工商银行", "长沙五一路支行")
    # Encrypted at rest, in the record and in its history.
    with connection.cursor() as cursor:
        cursor.execute("SELECT bank_card FROM students_student WHERE id = %s", [student.pk])
        assert cursor.fetchone()[0] != NEW_CARD
        cursor.execute("SELECT bank_card FROM students_historicalstudent WHERE id = %s", [student.pk])
        assert NEW_CARD not in repr(cursor.fetchall())
    row = Student.history.filter(id=student.pk).order_by("-history_date", "-history_id").first()
    assert (row.history_type, row.history_user, row.ip_address, row.bank_card) == (
        "~", worked.finance, "10.1.2.3", NEW_CARD)
    assert row.prev_record.bank_card == old_card

    ready, waiting = selectors.retry_candidates(batch)
    assert [i.pk for i in ready] == [failed.pk] and waiting == []
    follow_up = services.create_follow_up(batch=batch, user=worked.finance)
    item = follow_up.items.get()
    assert (item.account, item.account_name, item.bank_name, item.bank_branch, item.net) == (
        NEW_CARD, "账户持有人", "中国工商银行", "长沙五一路支行", failed.net)
    # Listed where the failed item was: its frozen class name and student number carried over.
    assert (item.class_name, item.student_number) == (failed.class_name, failed.student_number) != ("", "")
    # Retried: the correction form of the old item is gone.
    assert client.get(_url(worked, batch, failed)).status_code == 404


def test_a_card_the_rule_refuses_changes_nothing(worked, finance2, client_for):
    batch, failed = _failed(worked, finance2)
    student = failed.enrolment.student
    before = (student.bank_card, student.bank_name)
    response = client_for(worked.finance).post(_url(worked, batch, failed), {**FORM, "bank_card": NEW_CARD[:14]})
    assert response.status_code == 200
    assert "A bank card number has 15 to 19 digits (this one has 14)" in response.content.decode()
    student.refresh_from_db()
    assert (student.bank_card, student.bank_name) == before
    with pytest.raises(services.PayoutError, match="digits only"):
        services.correct_bank_details(item=failed, bank_card="6217x", account_holder="甲", bank_name="",
                                      bank_branch="", user=worked.finance)


def test_a_luhn_failure_is_saved_with_a_warning(worked, finance2, client_for):
    assert not luhn.is_valid(BAD_LUHN)
    batch, failed = _failed(worked, finance2)
    response = client_for(worked.finance).post(_url(worked, batch, failed), {**FORM, "bank_card": BAD_LUHN},
                                               follow=True)
    assert "fails the Luhn check" in response.content.decode()
    failed.enrolment.student.refresh_from_db()
    assert failed.enrolment.student.bank_card == BAD_LUHN


def test_the_holder_on_the_stipend_profile_is_replaced_too(worked, finance2):
    batch, failed = _failed(worked, finance2)
    StipendProfile.objects.create(enrolment=failed.enrolment, account_name="旧户名")
    services.correct_bank_details(item=failed, bank_card=NEW_CARD, account_holder="新户名", bank_name="",
                                  bank_branch="", user=worked.finance)
    item = services.create_follow_up(batch=batch, user=worked.finance).items.get()
    assert (item.account, item.account_name) == (NEW_CARD, "新户名")


def test_a_bank_or_branch_correction_alone_makes_the_item_ready(worked, finance2):
    batch, failed = _failed(worked, finance2)
    student = failed.enrolment.student
    services.correct_bank_details(item=failed, bank_card=student.bank_card, account_holder=failed.account_name,
                                  bank_name=student.bank_name, bank_branch="河西支行", user=worked.finance)
    ready, _waiting = selectors.retry_candidates(batch)
    assert [i.pk for i in ready] == [failed.pk]
    assert services.create_follow_up(batch=batch, user=worked.finance).items.get().bank_branch == "河西支行"


def test_only_a_failed_item_not_yet_retried_is_corrected(worked, finance2):
    batch, failed = _failed(worked, finance2)
    paid = batch.items.filter(status=PayoutItem.Status.PAID).first()
    with pytest.raises(services.PayoutError, match="failed transfer"):
        services.correct_bank_details(item=paid, bank_card=NEW_CARD, account_holder="甲", bank_name="",
                                      bank_branch="", user=worked.finance)


def test_only_the_batch_companys_finance_may_correct(worked, finance2, client_for):
    batch, failed = _failed(worked, finance2)
    url = _url(worked, batch, failed)
    other = UserFactory(role=User.Role.FINANCE)  # finance of another company
    assert client_for(other).post(url, FORM).status_code == 404
    assert client_for(worked.coordinator).post(url, FORM).status_code == 403
    failed.enrolment.student.refresh_from_db()
    assert failed.enrolment.student.bank_card != NEW_CARD
