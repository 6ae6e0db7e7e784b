"""A big batch's bank file in real Chromium: finance prepares it, the job's
progress page follows the finished job back to the batch, the prepared file
downloads; once the batch's transfers changed, the old file is refused and
prepared again."""

import io
from datetime import date

from openpyxl import load_workbook
from playwright.sync_api import expect

from stipends.payouts import services
from stipends.payouts.models import PayoutBatch
from tests.factories import StudentFactory, UserFactory
from tests.payouts.conftest import attend
from trainingweek.models import User


def _rows(download) -> list[tuple]:
    with open(download.path(), "rb") as f:
        return list(load_workbook(io.BytesIO(f.read())).active.iter_rows(values_only=True))


def back_at_the_batch(page, batch_url):
    # The job's result sends the browser to the batch's bank files (the only address with this anchor).
    page.wait_for_url(lambda url: url.endswith(f"{batch_url}#bank-files"))


def test_finance_prepares_and_downloads_a_big_batchs_bank_file(world, page, login, settings):
    settings.DIRECT_DOWNLOAD_MAX_ROWS = 3  # the batch's six transfers make it a big one
    for e in world.enrolments_a + world.enrolments_b:
        attend(e, date(2020, 10, 26), 10)
    maker = UserFactory(username="finance_maker", role=User.Role.FINANCE, organisation=world.company)
    batch = services.create_batch(programme=world.programme, user=maker, pay_on=date(2020, 12, 20))
    services.freeze_batch(batch_id=batch.pk)
    services.approve_batch(batch=batch, user=world.finance, confirmed=True)
    batch_url = f"/stipends/{world.programme.pk}/batches/{batch.pk}/"

    login(world.finance)
    seen = []
    page.on("framenavigated", lambda frame: seen.append(frame.url) if frame == page.main_frame else None)
    page.goto(batch_url)
    expect(page.get_by_test_id("download-bank")).to_have_count(0)  # no link that builds it in the request
    expect(page.get_by_test_id("control-count")).to_have_text("6")
    page.get_by_test_id("prepare-bank-file").click()
    back_at_the_batch(page, batch_url)  # the progress page follows the finished job back to the batch
    assert any("/jobs/" in url for url in seen), seen
    with page.expect_download() as info:
        page.get_by_test_id("prepared-bank-file").click()
    assert info.value.suggested_filename.endswith(".xlsx") and f"#{batch.pk}" in info.value.suggested_filename
    rows = _rows(info.value)
    assert rows[0] == ("账号", "户名", "金额", "用途") and len(rows) == 7
    assert {r[0] for r in rows[1:]} == {e.student.bank_card for e in world.enrolments_a + world.enrolments_b}
    expect(page.get_by_test_id("batch-state")).to_have_attribute("data-state", "approved")

    # The transfers changed around the services (a data repair): the old file is refused.
    item = batch.items.order_by("pk").first()
    item.account = StudentFactory.build().bank_card
    item.save()
    page.reload()
    page.get_by_test_id("prepared-bank-file").click()
    expect(page.get_by_test_id("stale-file")).to_be_visible()
    page.get_by_test_id("prepare-bank-file").click()  # prepared again from the refusal
    back_at_the_batch(page, batch_url)
    with page.expect_download() as info:
        page.get_by_test_id("prepared-bank-file").click()
    assert item.account in {r[0] for r in _rows(info.value)[1:]}
    assert PayoutBatch.objects.get(pk=batch.pk).state == PayoutBatch.State.APPROVED
