"""Two browser windows on one grid, in real Chromium: each edits different
cells and saves; both saves survive. Then both edit the same cell: the
second is shown the conflict, keeps its entry, and can replace the value."""

import re
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect

from programs.attendance.models import Attendance
from scoring import services
from scoring.models import KpiValue
from tests.factories import PASSWORD
from tests.rosters.conftest import rostered, shifts  # noqa: F401 (fixtures)


@pytest.fixture
def second_window(browser, live_server):
    """``second_window(user)``: another browser window (its own cookies), signed in."""
    contexts = []

    def open_for(user):
        context = browser.new_context(base_url=live_server.url, locale="zh-CN")
        contexts.append(context)
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    yield open_for
    for context in contexts:
        context.close()


def posted_fields(page, action):
    """Run ``action`` (a click that saves) and return the names the form posted."""
    with page.expect_request(lambda r: r.method == "POST") as request:
        action()
    return set(parse_qs(request.value.post_data or ""))


def test_two_windows_on_one_kpi_grid(world, page, login, second_window):
    setup = services.create_default_setup(programme=world.programme)
    whole = setup.periods[-1]
    sales = next(k for k in setup.kpis if k.code == "sales")
    conversion = next(k for k in setup.kpis if k.code == "conversion")
    first, second, _third = world.enrolments_a
    assert services.save_kpi_grid(setup=setup, team=world.team_a, period=whole, user=world.mentor_a,
                                  cells=[services.CellInput(first.pk, sales.pk, "80000")]).ok
    world.team_a.mentors.add(world.other_mentor)
    url = f"/scoring/{world.programme.pk}/kpi/{world.team_a.pk}/{whole.pk}/"
    login(world.mentor_a).goto(url)
    other = second_window(world.other_mentor)
    other.goto(url)
    for p in (page, other):
        expect(p.locator("#kpi-form[data-ready]")).to_be_attached()

    page.fill(f"input[name=v_{first.pk}_{sales.pk}]", "81000")
    expect(page.locator(f"td:has(input[name=v_{first.pk}_{sales.pk}])")).to_have_class(re.compile(r"\bcell-changed\b"))
    sent = posted_fields(page, lambda: page.get_by_test_id("save-kpi").click())
    assert f"v_{first.pk}_{sales.pk}" in sent and f"v_{second.pk}_{sales.pk}" not in sent  # only changed cells
    expect(page.locator(".alert-success")).to_be_visible()

    other.fill(f"input[name=v_{second.pk}_{conversion.pk}]", "62.52%")  # this window still shows 80000 above
    other.get_by_test_id("save-kpi").click()
    expect(other.locator(".alert-success")).to_be_visible()
    assert KpiValue.objects.get(enrolment=first, kpi=sales).value == Decimal("81000")
    assert KpiValue.objects.get(enrolment=second, kpi=conversion).value == Decimal("62.52")

    # Both now change the same cell; the window that saves second is told.
    page.reload()
    page.fill(f"input[name=v_{second.pk}_{sales.pk}]", "50000")
    other.fill(f"input[name=v_{second.pk}_{sales.pk}]", "55000")
    page.get_by_test_id("save-kpi").click()
    expect(page.locator(".alert-success")).to_be_visible()
    other.get_by_test_id("save-kpi").click()
    conflicts = other.get_by_test_id("grid-conflicts")
    expect(conflicts).to_contain_text(second.student.name)
    expect(conflicts).to_contain_text(sales.name)
    expect(other.get_by_test_id(f"current-{second.pk}-{sales.pk}")).to_contain_text("50000")
    expect(other.locator(f"input[name=v_{second.pk}_{sales.pk}]")).to_have_value("55000")
    assert KpiValue.objects.get(enrolment=second, kpi=sales).value == Decimal("50000")
    # Saving again, having seen the other value, replaces it.
    other.get_by_test_id("save-kpi").click()
    expect(other.locator(".alert-success")).to_be_visible()
    assert KpiValue.objects.get(enrolment=second, kpi=sales).value == Decimal("55000")


def test_two_windows_on_one_attendance_week(world, rostered, page, login, second_window):  # noqa: F811
    first, second, _third = world.enrolments_a
    url = f"/programs/{world.programme.pk}/attendance/{world.team_a.pk}/?week=2020-11-09"
    login(world.mentor_a).goto(url)
    other = second_window(world.mentor_a)  # the same mentor in a second window
    other.goto(url)
    for p in (page, other):
        expect(p.locator("#attendance-form[data-ready]")).to_be_attached()

    page.select_option(f"select[name=s_{first.pk}_20201109]", "late")
    sent = posted_fields(page, lambda: page.get_by_test_id("save-attendance").click())
    assert f"s_{first.pk}_20201109" in sent and f"s_{second.pk}_20201109" not in sent
    other.select_option(f"select[name=s_{second.pk}_20201109]", "absent")
    other.get_by_test_id("save-attendance").click()
    expect(other.locator(".alert-success")).to_be_visible()
    stored = dict(Attendance.objects.filter(day=date(2020, 11, 9)).values_list("enrolment_id", "status"))
    assert stored == {first.pk: "late", second.pk: "absent"}

    # The first window, showing the week as it was before the second one saved, changes that cell.
    page.select_option(f"select[name=s_{second.pk}_20201109]", "present")
    page.get_by_test_id("save-attendance").click()
    expect(page.get_by_test_id("attendance-conflicts")).to_contain_text(second.student.name)
    expect(page.get_by_test_id("attendance-conflicts")).to_contain_text("2020-11-09")
    expect(page.locator(f"select[name=s_{second.pk}_20201109]")).to_have_value("present")
    assert Attendance.objects.get(enrolment=second, day=date(2020, 11, 9)).status == "absent"
