"""A mentor on a phone finds a student by typing the student number
in the incident form's picker (tom-select under the CSP) and reports it."""

from playwright.sync_api import expect

from scoring.models import Incident


def test_mentor_types_a_student_number_and_reports_an_incident(world, page, login):
    target = world.enrolments_a[2]
    page.set_viewport_size({"width": 390, "height": 844})
    login(world.mentor_a)
    page.goto(f"/scoring/{world.programme.pk}/incidents/new/")
    picker = page.locator(".ts-wrapper").first
    expect(picker).to_be_visible()  # the select became a search box
    picker.click()
    search = picker.locator("input")
    expect(search).to_be_focused()
    search.fill(target.student.student_number)
    # Only the matching student stays listed once the search has run.
    options = page.locator(".ts-dropdown .option")
    expect(options.filter(has_text=target.student.student_number)).to_have_count(1)
    expect(options).to_have_count(1, timeout=10_000)
    expect(options.first).to_contain_text(target.student.name)
    options.first.click()
    page.fill("input[name=occurred_on]", "2020-11-11")
    page.select_option("select[name=level]", "1")
    page.fill("textarea[name=description]", "回复超时")
    page.get_by_role("button", name="提交").or_(page.locator("form button[type=submit]").last).first.click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert Incident.objects.get().enrolment == target
