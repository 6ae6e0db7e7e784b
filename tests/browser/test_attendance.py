"""A mentor fills a week of attendance for their team in real Chromium and sees overtime."""

from datetime import date
from decimal import Decimal

from playwright.sync_api import expect

from programs.attendance.models import Attendance
from tests.rosters.conftest import rostered, shifts  # noqa: F401 (fixtures)


def test_mentor_fills_a_week_and_sees_overtime(world, rostered, page, login):  # noqa: F811
    first, second, _ = world.enrolments_a
    login(world.mentor_a)
    page.goto(f"/programs/{world.programme.pk}/")
    page.get_by_test_id("tab-rosters").click()
    page.get_by_test_id("subnav-attendance").click()
    teams = page.get_by_test_id("attendance-teams")
    expect(teams).to_contain_text(world.team_a.name)
    expect(teams).not_to_contain_text(world.team_b.name)  # only their own team
    teams.get_by_role("link", name="11/9").click()

    grid = page.get_by_test_id("attendance-grid")
    expect(grid).to_contain_text(first.student.name)
    page.get_by_test_id("fill-present").click()
    # Class 1 is on the morning shift that week; 11-10 is the peak day (7:00-02:00).
    expect(page.locator(f"select[name=s_{first.pk}_20201112]")).to_have_value("present")
    page.fill(f"input[name=h_{first.pk}_20201109]", "8.5")
    page.fill(f"input[name=h_{first.pk}_20201110]", "17")
    page.fill(f"input[name=h_{first.pk}_20201111]", "16")
    page.select_option(f"select[name=s_{second.pk}_20201113]", "late")
    page.get_by_test_id("save-attendance").click()

    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.get_by_test_id(f"overtime-{first.pk}-20201110")).to_contain_text("9.00")
    expect(page.get_by_test_id(f"overtime-{first.pk}-20201111")).to_contain_text("8.00")
    expect(page.get_by_test_id(f"overtime-total-{first.pk}")).to_have_text("17.50")
    expect(page.locator(f"input[name=h_{first.pk}_20201110]")).to_have_value("17")

    assert Attendance.objects.filter(enrolment__team=world.team_a).count() == 3 * 7
    peak = Attendance.objects.get(enrolment=first, day=date(2020, 11, 10))
    assert (peak.status, peak.online_hours, peak.shift_id) == ("present", Decimal("17"), rostered.peak.pk)
    assert Attendance.objects.get(enrolment=second, day=date(2020, 11, 13)).status == "late"
