"""Each role starts from its inbox in real Chromium, follows an item to the
page where the task is done, does it, and sees the inbox count drop."""

from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from programs.attendance.models import LeaveRequest
from scoring.models import Incident
from stipends.payouts.models import PayoutBatch
from tests.factories import PASSWORD, UserFactory
from tests.payouts.conftest import attend, frozen_batch
from trainingweek.models import User

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server):
    """A phone-sized browser context (iPhone-like viewport, touch)."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=PHONE, has_touch=True,
                                  is_mobile=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, user):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def item(page, key):
    return page.locator(f"[data-testid=inbox-item][data-key='{key}']")


def test_mentor_on_a_phone_approves_leave_from_the_inbox(world, phone):
    for e in world.enrolments_a[:2]:
        LeaveRequest.objects.create(programme=world.programme, enrolment=e, start=date(2020, 10, 28),
                                    end=date(2020, 10, 28), reason="看病", requested_by=world.coordinator)
    LeaveRequest.objects.create(programme=world.programme, enrolment=world.enrolments_b[0], start=date(2020, 10, 28),
                                end=date(2020, 10, 28), reason="看病", requested_by=world.coordinator)

    sign_in(phone, world.mentor_a)  # the login lands on the inbox
    leave = item(phone, "attendance.leave_for_mentor")
    expect(leave).to_have_attribute("data-count", "2")  # team B's request is not theirs
    box = leave.bounding_box()
    assert box["height"] >= 44 and box["width"] >= PHONE["width"] * 0.8  # a big touch target, full width
    leave.tap()

    phone.wait_for_url(f"**/programs/{world.programme.pk}/leave/#leave-list")
    phone.get_by_role("button", name="批准").first.tap()
    expect(phone.locator(".alert-success")).to_be_visible()

    phone.get_by_role("link", name="实训周").first.tap()  # the brand in the navbar: home
    expect(item(phone, "attendance.leave_for_mentor")).to_have_attribute("data-count", "1")
    assert LeaveRequest.objects.filter(status=LeaveRequest.Status.PENDING_SCHOOL).count() == 1


def test_coordinator_confirms_an_incident_from_the_inbox(world, page, login):
    reported = [Incident.objects.create(programme=world.programme, enrolment=e, occurred_on=date(2020, 10, 28),
                                        level="1", description="回复超时", reported_by=world.mentor_a)
                for e in world.enrolments_a[:2]]

    login(world.coordinator)
    incidents = item(page, "scoring.incidents_to_confirm")
    expect(incidents).to_have_attribute("data-count", "2")
    incidents.click()
    page.wait_for_url(f"**/scoring/{world.programme.pk}/incidents/")
    page.get_by_test_id(f"confirm-{reported[0].pk}").click()
    expect(page.locator(".alert-success")).to_be_visible()

    page.goto("/")
    expect(item(page, "scoring.incidents_to_confirm")).to_have_attribute("data-count", "1")
    reported[0].refresh_from_db()
    assert reported[0].status == Incident.Status.CONFIRMED


def test_finance_approves_a_colleagues_batch_from_the_inbox(world, page, login):
    for e in world.enrolments_a + world.enrolments_b:
        attend(e, date(2020, 10, 26), 10)
    maker = UserFactory(username="finance2", role=User.Role.FINANCE, organisation=world.company)
    theirs = frozen_batch(world, user=maker)
    # A computed draft of their own: never waiting for its maker.
    mine = PayoutBatch.objects.create(programme=world.programme, created_by=world.finance, computed_at=timezone.now())

    login(world.finance)
    waiting = item(page, "payouts.batches_to_check")
    expect(waiting).to_have_count(1)
    expect(waiting).to_have_attribute("href", f"/stipends/{world.programme.pk}/batches/{theirs.pk}/")
    waiting.click()
    if page.get_by_test_id("confirm").count():
        page.get_by_test_id("confirm").check()
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("batch-state")).to_have_attribute("data-state", "approved")

    page.goto("/")
    expect(item(page, "payouts.batches_to_check")).to_have_attribute("data-count", "0")  # done: greyed with ✓
    expect(item(page, "payouts.batches_to_check")).to_contain_text("✓")
    expect(item(page, "payouts.to_send")).to_have_attribute("href", f"/stipends/{world.programme.pk}/batches/{theirs.pk}/")
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (theirs.state, theirs.approved_by) == (PayoutBatch.State.APPROVED, world.finance)
    assert mine.state == PayoutBatch.State.DRAFT
