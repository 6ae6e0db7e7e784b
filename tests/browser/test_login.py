from playwright.sync_api import expect


def test_coordinator_logs_in_lands_on_the_inbox_and_sees_programmes(world, page, login):
    login(world.coordinator)
    expect(page.get_by_test_id("inbox")).to_be_visible()  # the home page is the to-do inbox
    page.get_by_test_id("inbox-programmes").click()
    expect(page.get_by_test_id("programme-list")).to_contain_text("2020双十一实训")
    expect(page.get_by_test_id("current-user")).to_contain_text(world.coordinator.display_name)
