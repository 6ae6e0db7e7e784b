"""Correcting a failed transfer in real Chromium: finance starts from the
inbox ("failed transfers to correct"), corrects the card on the failed item,
creates the follow-up batch, and the follow-up pays the corrected account
(on the item and in the bank file a second finance user downloads)."""

import io
import random
from datetime import date

from openpyxl import load_workbook
from playwright.sync_api import expect

from programs.students import demo as synthetic
from stipends.payouts import services
from stipends.payouts.models import PayoutBatch
from tests.factories import UserFactory
from tests.payouts.conftest import attend, bank_rows, result_workbook
from trainingweek.masking import mask_bank_card
from trainingweek.models import User


def test_finance_corrects_a_failed_card_from_the_inbox_and_the_follow_up_pays_it(world, page, login):
    for e in world.enrolments_a + world.enrolments_b:
        attend(e, date(2020, 10, 26), 10)
    checker = UserFactory(username="finance2", role=User.Role.FINANCE, organisation=world.company)
    batch = services.create_batch(programme=world.programme, user=world.finance, pay_on=date(2020, 12, 20))
    services.freeze_batch(batch_id=batch.pk)
    services.approve_batch(batch=batch, user=checker, confirmed=True)
    services.mark_sent_to_bank(batch=batch)
    failing = world.enrolments_b[1]
    assert services.reconcile(batch=batch, data=result_workbook(bank_rows(batch, fail={failing.pk}))).ok
    old_card = failing.student.bank_card
    new_card = synthetic.make_bank_card(random.Random(4242))
    assert new_card != old_card

    # The inbox says where: the failed transfer's batch.
    login(world.finance)
    page.goto("/")
    inbox_item = page.locator("[data-testid=inbox-item][data-key='payouts.failed_transfers']")
    expect(inbox_item).to_have_attribute("data-count", "1")
    inbox_item.click()
    page.wait_for_url(f"**/batches/{batch.pk}/")
    expect(page.get_by_test_id("retry-panel")).to_be_visible()
    expect(page.get_by_test_id("create-follow-up")).to_have_count(0)  # nothing corrected yet

    # The failed item's row leads to the correction form.
    failed_row = page.locator(f"[data-testid=item-row][data-enrolment='{failing.pk}']")
    expect(failed_row).to_have_attribute("data-status", "failed")
    expect(page.get_by_test_id("correct-bank-details")).to_have_count(1)
    failed_row.get_by_test_id("correct-bank-details").click()
    expect(page.get_by_test_id("failure-reason")).to_have_text("账户已冻结")
    page.fill("input[name=bank_card]", f"{new_card[:4]} {new_card[4:8]} {new_card[8:]}")
    page.fill("input[name=account_holder]", "账户持有人")
    page.fill("input[name=bank_name]", "中国工商银行")
    page.fill("input[name=bank_branch]", "长沙五一路支行")
    page.get_by_test_id("save-bank-details").click()
    page.wait_for_url(f"**/batches/{batch.pk}/")
    failing.student.refresh_from_db()
    assert failing.student.bank_card == new_card

    # The follow-up batch holds the one item, paid to the corrected account.
    page.get_by_test_id("create-follow-up").click()
    expect(page.get_by_test_id("follow-up-of")).to_be_visible()
    rows = page.get_by_test_id("item-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-enrolment", str(failing.pk))
    expect(rows.first).to_contain_text(mask_bank_card(new_card))
    expect(rows.first).to_contain_text("账户持有人")
    follow_up = PayoutBatch.objects.get(follow_up_of=batch)
    item = follow_up.items.get()
    assert (item.account, item.account_name, item.bank_name, item.bank_branch) == (
        new_card, "账户持有人", "中国工商银行", "长沙五一路支行")

    # The checker approves; the bank file transfers to the corrected card.
    follow_up_url = page.url
    page.context.clear_cookies()
    login(checker)
    page.goto(follow_up_url)
    if page.get_by_test_id("confirm").count():
        page.get_by_test_id("confirm").check()
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("batch-state")).to_have_attribute("data-state", "approved")
    with page.expect_download() as info:
        page.get_by_test_id("download-bank").click()
    with open(info.value.path(), "rb") as f:
        cells = [v for row in load_workbook(io.BytesIO(f.read())).worksheets[0].iter_rows(values_only=True)
                 for v in row]
    assert new_card in cells and old_card not in cells
    assert "账户持有人" in cells
