"""Removing an award asks first, and cancelling keeps it (real Chromium)."""

from django.urls import reverse
from playwright.sync_api import expect

from scoring.models import Award


def test_removing_an_award_asks_and_cancelling_keeps_it(world, page, login):
    award = Award.objects.create(programme=world.programme, enrolment=world.enrolments_a[0], label="销售冠军",
                                 amount="200.00", created_by=world.coordinator)
    login(world.coordinator)
    page.goto(reverse("scoring:award_list", kwargs={"pk": world.programme.pk}))
    row = page.get_by_test_id("award-table").locator("tr", has_text="销售冠军")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    row.get_by_role("button").click()
    expect(row).to_be_visible()
    assert questions == ["移除此奖项？"] and Award.objects.filter(pk=award.pk).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button").click()
    expect(page.get_by_test_id("award-table").locator("tr", has_text="销售冠军")).to_have_count(0)
    assert not Award.objects.filter(pk=award.pk).exists()
