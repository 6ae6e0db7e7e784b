"""A mentor uploads the platform's .xlsx (接待时长 beside 在线时长) in real
Chromium, checks the preselected columns on the preview, confirms them, and
sees the online time (never the time in conversations) on the attendance week."""

from datetime import date
from decimal import Decimal
from pathlib import Path

from playwright.sync_api import expect

from programs.attendance.models import Attendance, OnlineHoursMapping, OnlineHoursUpload
from tests.rosters.conftest import rostered, shifts  # noqa: F401 (fixtures)

XLSX = Path(__file__).parent.parent / "attendance" / "data" / "online_hours_platform.xlsx"
ACCOUNTS = ["示范童装旗舰店:小美01", "示范童装旗舰店:小美02", "示范童装旗舰店:小美03"]


def test_mentor_confirms_the_columns_and_sees_the_online_hours_on_the_week(world, rostered, page, login, settings):  # noqa: F811
    for e, account in zip(world.enrolments_a, ACCOUNTS, strict=True):
        e.shop_account_id = account
        e.save()
    first = world.enrolments_a[0]
    login(world.mentor_a)
    page.goto(f"/programs/{world.programme.pk}/attendance/")
    page.click(f"a[href='/programs/{world.programme.pk}/attendance/import/']")
    page.set_input_files("input[name=file]", files=[{
        "name": "客服绩效.xlsx", "buffer": XLSX.read_bytes(),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.click("form button[type=submit].btn-primary")

    preview = page.get_by_test_id("import-preview")
    expect(preview.locator("thead tr").nth(1)).to_contain_text("接待时长")
    expect(preview.locator("thead tr").nth(1)).to_contain_text("在线时长")
    expect(preview.locator("tbody tr")).to_have_count(5)
    expect(preview).to_contain_text(ACCOUNTS[0])
    # Preselected from the aliases: F 在线时长, not E 接待时长.
    expect(page.locator("select[name=hours]")).to_have_value("5")
    expect(page.locator("select[name=account]")).to_have_value("2")
    expect(page.locator("select[name=day]")).to_have_value("0")
    # The optional platform figures: D 接待人数 and G 平均响应时间(秒).
    expect(page.locator("select[name=customers]")).to_have_value("3")
    expect(page.locator("select[name=response]")).to_have_value("6")
    page.select_option("select[name=hours]", label="F · 在线时长")
    page.get_by_test_id("mapping-form").locator("button[type=submit]").click()

    expect(page.locator(".alert-success")).to_be_visible()
    page.goto(f"/programs/{world.programme.pk}/attendance/{world.team_a.pk}/?week=2020-11-09")
    expect(page.locator(f"input[name=h_{first.pk}_20201109]")).to_have_value("8.4")
    expect(page.locator(f"input[name=h_{first.pk}_20201110]")).to_have_value("16.75")
    expect(page.locator(f"input[name=h_{first.pk}_20201111]")).to_have_value("16.27")
    assert not OnlineHoursUpload.objects.exists()
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.enc"))  # the encrypted upload is gone too
    assert OnlineHoursMapping.objects.get(programme=world.programme).columns["hours"] == "在线时长"
    day = Attendance.objects.get(enrolment=first, day=date(2020, 11, 9))
    assert (day.customers_served, day.response_seconds) == (170, Decimal("55"))
