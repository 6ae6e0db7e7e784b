"""A coordinator puts a class of students into a team from the home page's inbox
in real Chromium (the page's own JS ticks the class; CSP-clean), and the
team's mentor then finds them on the attendance week."""

from playwright.sync_api import expect

from programs.students.models import Enrolment
from tests.factories import EnrolmentFactory, SchoolClassFactory
from tests.rosters.conftest import rostered, shifts  # noqa: F401 (fixtures)


def test_coordinator_assigns_a_class_and_the_mentor_sees_it(world, rostered, page, login):  # noqa: F811
    newcomers = SchoolClassFactory(programme=world.programme, name="19电商3班")
    students = [EnrolmentFactory(programme=world.programme, school_class=newcomers) for _ in range(3)]
    login(world.coordinator)  # lands on the inbox
    waiting = page.locator("[data-testid=inbox-item][data-key='students.without_team']")
    expect(waiting).to_have_attribute("data-count", "3")
    waiting.click()
    listing = page.get_by_test_id("enrolment-list")
    for e in students:
        expect(listing).to_contain_text(e.student.name)
    expect(listing).not_to_contain_text(world.enrolments_a[0].student.name)  # the list shows those without a team

    boxes = page.locator("input[name=enrolment]")
    page.get_by_test_id("select-all").check()  # "select all shown", then none again
    for i in range(boxes.count()):
        expect(boxes.nth(i)).to_be_checked()
    page.get_by_test_id("select-all").uncheck()
    expect(page.locator("input[name=enrolment]:checked")).to_have_count(0)

    page.get_by_test_id("assign-class").select_option(label="19电商3班")
    for e in students:  # the static JS ticks the class's students shown
        expect(page.locator(f'input[name=enrolment][value="{e.pk}"]')).to_be_checked()
    page.get_by_test_id("assign-team").select_option(label=world.team_a.name)
    page.get_by_test_id("assign-submit").click()
    expect(page.locator(".alert-success")).to_contain_text(world.team_a.name)
    assert set(Enrolment.objects.filter(school_class=newcomers).values_list("team", flat=True)) == {world.team_a.pk}
    page.goto("/")
    expect(waiting).to_have_attribute("data-count", "0")

    page.context.clear_cookies()
    login(world.mentor_a)
    page.goto(f"/programs/{world.programme.pk}/")
    page.get_by_test_id("tab-rosters").click()
    page.get_by_test_id("subnav-attendance").click()
    page.get_by_test_id("attendance-teams").get_by_role("link", name="11/9").click()
    grid = page.get_by_test_id("attendance-grid")
    for e in students:
        expect(grid).to_contain_text(e.student.name)
