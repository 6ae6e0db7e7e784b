"""The bank's result file: all-or-nothing reconciliation, follow-up batches
of failed items only, and the payout overview."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import IntegrityError, transaction

from stipends.payouts import selectors, services
from stipends.payouts.models import PayoutBatch, PayoutItem
from tests.factories import StudentFactory

from .conftest import approved_exported, attend, bank_rows, frozen_batch, result_workbook


def test_a_result_file_marks_items_paid_and_failed(worked, finance2):
    batch = approved_exported(worked, finance2)
    failing = worked.enrolments_b[1]
    result = services.reconcile(batch=batch, data=result_workbook(bank_rows(batch, fail={failing.pk})))
    assert result.ok, result.errors
    assert result.counts == {"paid": 5, "failed": 1}
    batch.refresh_from_db()
    assert batch.state == PayoutBatch.State.RECONCILED and batch.reconciled_at
    item = batch.items.get(enrolment=failing)
    assert item.status == PayoutItem.Status.FAILED and item.failure_reason == "账户已冻结"
    assert batch.items.filter(status=PayoutItem.Status.PAID).count() == 5


def test_columns_are_matched_by_header_in_any_order(worked, finance2):
    batch = approved_exported(worked, finance2)
    rows = [(r[4], r[5], r[2], r[1], r[0]) for r in bank_rows(batch)]
    data = result_workbook(rows, header=("处理结果", "失败原因", "金额", "户名", "账号"), title=None)
    assert services.reconcile(batch=batch, data=data).ok


def test_a_bad_file_records_nothing_and_lists_every_reason(worked, finance2):
    batch = approved_exported(worked, finance2)
    rows = bank_rows(batch)
    rows[0] = (rows[0][0], rows[0][1], rows[0][2] + 1, *rows[0][3:])  # amount differs
    rows[1] = (float(rows[1][0]), *rows[1][1:])  # account saved as a number
    rows[2] = (*rows[2][:4], "处理中", None)  # neither 成功 nor 失败
    rows.append(("6222020000000000000", "不存在", D("1.00"), "劳务费", "成功", None))
    result = services.reconcile(batch=batch, data=result_workbook(rows))
    assert not result.ok
    found = [(e.row, e.key) for e in result.errors]
    # The two items whose rows were refused for their format have no row:
    # listed first, as errors of no row.
    assert found == [(None, ""), (None, ""), (3, "amount"), (4, "account"), (5, "paid"), (9, "account")]
    assert all("has no row in the file" in e.message for e in result.errors[:2])
    assert "amount differs" in result.errors[2].message
    assert "dropped the last digits" in result.errors[3].message and "*" in result.errors[3].value  # masked
    assert "“处理中” is not one of" in result.errors[4].message
    assert "No student of this batch" in result.errors[5].message
    assert not batch.items.exclude(status=PayoutItem.Status.PENDING).exists()
    batch.refresh_from_db()
    assert batch.state == PayoutBatch.State.EXPORTED


def test_a_file_missing_a_student_is_refused(worked, finance2):
    batch = approved_exported(worked, finance2)
    result = services.reconcile(batch=batch, data=result_workbook(bank_rows(batch)[1:]))
    assert not result.ok and any("has no row in the file" in e.message for e in result.errors)


def test_only_an_exported_batch_is_reconciled(worked):
    batch = frozen_batch(worked)
    assert not services.reconcile(batch=batch, data=result_workbook(bank_rows(batch))).ok
    result = services.reconcile(batch=PayoutBatch(state="exported"), data=b"not a workbook")
    assert "not an Excel workbook" in result.file_error.message


def test_a_failure_reason_is_preferred_to_a_note_and_total_rows_are_skipped(worked, finance2):
    batch = approved_exported(worked, finance2)
    failing = worked.enrolments_b[1]
    rows = [(*r[:4], r[4], "见附件", r[5]) for r in bank_rows(batch, fail={failing.pk})]
    rows.append(("合计", None, sum(r[2] for r in rows), None, None, None, None))
    data = result_workbook(rows, header=("账号", "户名", "金额", "用途", "处理结果", "备注", "失败原因"))
    assert services.reconcile(batch=batch, data=data).ok
    assert batch.items.get(enrolment=failing).failure_reason == "账户已冻结"


def _fail_one(worked, finance2):
    batch = approved_exported(worked, finance2)
    failing = worked.enrolments_b[1]
    assert services.reconcile(batch=batch, data=result_workbook(bank_rows(batch, fail={failing.pk}))).ok
    return batch, failing


def test_a_follow_up_batch_holds_only_failed_items_once_the_card_is_corrected(worked, finance2):
    batch, failing = _fail_one(worked, finance2)
    with pytest.raises(services.PayoutError, match="corrected"):
        services.create_follow_up(batch=batch, user=worked.finance)
    student = failing.student
    student.bank_card = StudentFactory.build().bank_card
    student.save()
    follow_up = services.create_follow_up(batch=batch, user=worked.finance)
    items = list(follow_up.items.all())
    assert len(items) == 1 and follow_up.follow_up_of == batch
    item, failed = items[0], batch.items.get(enrolment=failing)
    assert item.retry_of == failed and item.payment_key == failed.payment_key
    assert (item.gross, item.tax, item.net, item.lines) == (failed.gross, failed.tax, failed.net, failed.lines)
    assert item.account == student.bank_card and item.status == PayoutItem.Status.PENDING
    with pytest.raises(services.PayoutError):  # nothing left to retry
        services.create_follow_up(batch=batch, user=worked.finance)
    # The database itself refuses a second live retry of the same statement.
    item.pk, item.batch = None, PayoutBatch.objects.create(programme=worked.programme, created_by=worked.finance)
    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()


def test_a_regular_batch_after_a_failure_does_not_pay_the_failed_statement_again(worked, finance2):
    batch, failing = _fail_one(worked, finance2)
    attend(worked.enrolments_a[1], date(2020, 11, 20), 1)  # somebody else has something new (a batch never pays nobody)
    later = frozen_batch(worked)
    assert not later.items.filter(enrolment=failing).exists()
    assert list(later.items.values_list("enrolment_id", "gross")) == [(worked.enrolments_a[1].pk, D("80.00"))]


def test_overview_totals_by_class_and_state(worked, finance2):
    batch, failing = _fail_one(worked, finance2)
    with pytest.raises(services.PayoutError, match="Nobody has anything due"):
        frozen_batch(worked)  # nothing new: refused, not an empty batch
    classes, total, batches = selectors.payout_overview(worked.programme)
    by_name = {c.name: c for c in classes}
    assert by_name[worked.class_a.name].paid == D("2500.00")  # 900 + 800 + 800
    assert by_name[worked.class_b.name].paid == D("1600.00") and by_name[worked.class_b.name].failed == D("800.00")
    assert total.outstanding == D("800.00") and len(total.students) == 6
    assert [b.item_count for b in batches] == [6]
    student = failing.student
    student.bank_card = StudentFactory.build().bank_card
    student.save()
    services.create_follow_up(batch=batch, user=worked.finance)
    classes, total, _b = selectors.payout_overview(worked.programme)
    assert total.failed == 0 and total.draft == D("800.00") and total.outstanding == D("800.00")


def test_a_name_mismatch_is_corrected_through_the_account_holder_on_file(worked, finance2):
    from stipends.payouts.models import StipendProfile

    batch, failing = _fail_one(worked, finance2)
    ready, waiting = selectors.retry_candidates(batch)
    assert (ready, [i.enrolment_id for i in waiting]) == ([], [failing.pk])
    StipendProfile.objects.create(enrolment=failing, account_name="账户持有人")
    follow_up = services.create_follow_up(batch=batch, user=worked.finance)
    item = follow_up.items.get()
    assert item.account_name == "账户持有人" and item.account == failing.student.bank_card


def test_the_upload_page_states_its_limits(worked, finance2, client_for):
    batch, _failing = _fail_one(worked, finance2)
    page = client_for(worked.finance).get(f"/stipends/{worked.programme.pk}/batches/{batch.pk}/result/")
    assert "At most 10 MB and 20000 rows." in page.content.decode()
