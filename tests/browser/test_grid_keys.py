"""Every grid: Enter moves down a row and never submits; leaving with unsaved
changes asks first (a mentor on a phone-sized screen, real Chromium)."""

from playwright.sync_api import expect

from programs.attendance.models import Attendance
from tests.rosters.conftest import rostered, shifts  # noqa: F401 (fixtures)


def test_enter_moves_down_and_leaving_with_changes_asks(world, rostered, browser, live_server, login, page):  # noqa: F811
    first, second, _ = world.enrolments_a
    page.set_viewport_size({"width": 390, "height": 844})
    login(world.mentor_a)
    page.goto(f"/programs/{world.programme.pk}/attendance/{world.team_a.pk}/?week=2020-11-09")
    expect(page.locator("form[data-grid][data-grid-ready]")).to_be_attached()

    page.select_option(f"select[name=s_{first.pk}_20201109]", "present")
    hours = page.locator(f"input[name=h_{first.pk}_20201109]")
    hours.fill("8.5")
    hours.press("Enter")
    # The same day of the next student has the focus; nothing was sent.
    expect(page.locator(f"input[name=h_{second.pk}_20201109]")).to_be_focused()
    assert Attendance.objects.count() == 0

    # Leaving asks; staying keeps what was typed.
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    page.locator("a.navbar-brand").click()
    expect(hours).to_have_value("8.5")
    assert dialogs == ["beforeunload"]

    # Saving is not leaving: no question, the value is stored.
    page.get_by_test_id("save-attendance").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert dialogs == ["beforeunload"]
    assert Attendance.objects.get(enrolment=first, day="2020-11-09").online_hours == 8.5
