"""A coordinator works through a long enrolment list in real Chromium: filters
by class, searches part of a student number, pages forward, and the page
links keep the filter and the search."""

import re

from playwright.sync_api import expect

from programs.students import views as student_views
from tests.factories import EnrolmentFactory, StudentFactory


def test_coordinator_filters_by_class_searches_and_pages_forward(world, page, login, monkeypatch):
    monkeypatch.setattr(student_views, "PAGE_SIZE", 3)  # the live server runs in this process
    school = world.programme.agreement.school
    cohort = [EnrolmentFactory(programme=world.programme, school_class=world.class_a, team=world.team_a,
                               student=StudentFactory(school=school, student_number=f"2077{n:04d}"))
              for n in range(7)]
    other_class = EnrolmentFactory(programme=world.programme, school_class=world.class_b, team=world.team_b,
                                   student=StudentFactory(school=school, student_number="20770099"))
    login(world.coordinator)
    page.goto(f"/programs/{world.programme.pk}/enrolments/")
    listing = page.get_by_test_id("enrolment-list")
    expect(page.get_by_test_id("row-count")).to_contain_text(f"共 {6 + 8} 条")

    filters = page.get_by_test_id("list-filter")
    filters.locator("select[name=school_class]").select_option(label=world.class_a.name)
    filters.locator("input[name=q]").fill("2077")
    filters.locator("button[type=submit]").click()
    expect(page.get_by_test_id("row-count")).to_contain_text("共 7 条")
    expect(listing).not_to_contain_text(other_class.student.name)
    for e in cohort[:3]:
        expect(listing).to_contain_text(e.student.student_number)
    expect(listing).not_to_contain_text(cohort[3].student.student_number)

    page.get_by_test_id("page-next").click()
    expect(page.get_by_test_id("page-current")).to_have_text("2")
    assert re.search(rf"school_class={world.class_a.pk}\b", page.url) and "q=2077" in page.url
    for e in cohort[3:6]:
        expect(listing).to_contain_text(e.student.student_number)
    expect(listing).not_to_contain_text(cohort[0].student.student_number)
    # The filter form still shows what was chosen, and the last page holds the rest.
    expect(filters.locator("input[name=q]")).to_have_value("2077")
    page.get_by_test_id("page-next").click()
    expect(page.get_by_test_id("page-current")).to_have_text("3")
    expect(listing.locator("tbody tr")).to_have_count(1)
    expect(listing).to_contain_text(cohort[6].student.student_number)
    expect(page.get_by_test_id("page-next")).to_have_count(0)
