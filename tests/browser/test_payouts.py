"""Payouts in real Chromium: finance makes a batch, a second finance user
approves it, the bank file downloads, the bank's result with one failure is
uploaded, and a follow-up batch holds exactly that one."""

import io
from datetime import date

from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from stipends.payouts.models import PayoutBatch
from tests.factories import StudentFactory, UserFactory
from tests.payouts.conftest import attend
from trainingweek.models import User


def test_batch_approval_bank_file_result_and_follow_up(world, page, login, tmp_path):
    for e in world.enrolments_a + world.enrolments_b:
        attend(e, date(2020, 10, 26), 10)
    approver = UserFactory(username="finance2", role=User.Role.FINANCE, organisation=world.company)

    # Finance makes the batch; the job computes it.
    login(world.finance)
    page.goto(f"/programs/{world.programme.pk}/")
    page.get_by_test_id("tab-stipends").click()
    page.get_by_test_id("new-batch").click()
    page.fill("input[name=pay_on]", "2020-12-20")
    page.get_by_test_id("create-batch").click()
    page.wait_for_url("**/batches/*/")  # the progress page follows the finished job to the batch
    expect(page.get_by_test_id("item-count")).to_have_text("6")
    expect(page.get_by_test_id("net-total")).to_have_text("4,800.00")
    expect(page.get_by_test_id("maker-note")).to_be_visible()
    expect(page.get_by_test_id("approve")).to_have_count(0)  # the maker cannot approve
    batch_url = page.url
    batch = PayoutBatch.objects.get()

    # A second finance user approves.
    page.context.clear_cookies()
    login(approver)
    page.goto(batch_url)
    if page.get_by_test_id("confirm").count():
        page.get_by_test_id("confirm").check()
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("batch-state")).to_have_attribute("data-state", "approved")
    expect(page.get_by_test_id("approver")).to_have_text(str(approver))

    # The bank file downloads, account numbers as text.
    with page.expect_download() as info:
        page.get_by_test_id("download-bank").click()
    assert info.value.suggested_filename.endswith(".xlsx")
    with open(info.value.path(), "rb") as f:
        rows = list(load_workbook(io.BytesIO(f.read())).active.iter_rows(values_only=True))
    transfers = rows[1:]  # the header, then only transfers
    assert rows[0] == ("账号", "户名", "金额", "用途") and len(transfers) == 6
    expect(page.get_by_test_id("control-count")).to_have_text("6")
    expect(page.get_by_test_id("control-total")).to_have_text("4,800.00")
    failing = world.enrolments_b[1]
    assert failing.student.bank_card in {r[0] for r in transfers}
    page.reload()
    expect(page.get_by_test_id("batch-state")).to_have_attribute("data-state", "approved")  # downloading changes nothing
    page.get_by_test_id("mark-sent").click()
    expect(page.get_by_test_id("batch-state")).to_have_attribute("data-state", "exported")

    # The bank's result: one transfer failed.
    result = Workbook()
    ws = result.active
    ws.append(["批量转账明细"])
    ws.append(["账号", "户名", "金额", "用途", "处理结果", "失败原因"])
    for account, name, amount, purpose in transfers:
        failed = account == failing.student.bank_card
        ws.append([account, name, f"{amount:.2f}", purpose, "失败" if failed else "成功", "账户已冻结" if failed else None])
    path = tmp_path / "处理结果.xlsx"
    buffer = io.BytesIO()
    result.save(buffer)
    path.write_bytes(buffer.getvalue())
    page.reload()
    page.get_by_test_id("upload-result-link").click()
    page.set_input_files("input[name=file]", str(path))
    page.get_by_test_id("upload-result").click()
    expect(page.get_by_test_id("batch-state")).to_have_attribute("data-state", "reconciled")
    expect(page.locator("[data-testid=item-row][data-status=failed]")).to_have_count(1)
    expect(page.locator("[data-testid=item-row][data-status=paid]")).to_have_count(5)
    expect(page.get_by_test_id("create-follow-up")).to_have_count(0)  # the card is not corrected yet

    # The student's card is corrected; the follow-up batch holds exactly that item.
    student = failing.student
    student.bank_card = StudentFactory.build().bank_card
    student.save()
    page.reload()
    page.get_by_test_id("create-follow-up").click()
    expect(page.get_by_test_id("follow-up-of")).to_be_visible()
    expect(page.get_by_test_id("item-count")).to_have_text("1")
    rows = page.get_by_test_id("item-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-enrolment", str(failing.pk))
    follow_up = PayoutBatch.objects.exclude(pk=batch.pk).get()
    assert follow_up.follow_up_of_id == batch.pk and follow_up.items.get().retry_of.enrolment_id == failing.pk
