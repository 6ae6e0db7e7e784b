"""A mentor enters KPI values for their team in real Chromium (typing with
Enter moving down, pasting a column from Excel) and the ranking updates."""

from decimal import Decimal

from playwright.sync_api import expect

from scoring import services
from scoring.models import KpiValue


def test_mentor_enters_kpi_values_and_the_ranking_updates(world, page, login):
    setup = services.create_default_setup(programme=world.programme)
    whole = setup.periods[-1]
    sales = next(k for k in setup.kpis if k.code == "sales")
    conversion = next(k for k in setup.kpis if k.code == "conversion")
    # Team B already has its values: it leads until team A enters theirs.
    cells = [services.CellInput(e.pk, sales.pk, "50000") for e in world.enrolments_b]
    assert services.save_kpi_grid(setup=setup, team=world.team_b, period=whole, cells=cells, user=world.mentor_b).ok

    login(world.mentor_a)
    page.goto(f"/programs/{world.programme.pk}/")
    page.get_by_test_id("tab-scoring").click()
    page.get_by_test_id("subnav-kpi").click()
    teams = page.get_by_test_id("kpi-teams")
    expect(teams).to_contain_text(world.team_a.name)
    expect(teams).not_to_contain_text(world.team_b.name)  # only their own team
    page.get_by_test_id(f"grid-{world.team_a.pk}-{whole.pk}").click()
    expect(page.get_by_test_id(f"grid-rank-{world.team_b.pk}").locator("td").first).to_have_text("1")

    expect(page.locator("#kpi-form[data-ready]")).to_be_attached()  # the grid's keys and paste are live
    first, second, third = world.enrolments_a
    # Type the sales column, Enter moving down a row each time.
    page.locator(f"input[name=v_{first.pk}_{sales.pk}]").click()
    for value in ("90000", "96,166", "85911"):
        page.keyboard.type(value)
        page.keyboard.press("Enter")
    expect(page.locator(f"input[name=v_{third.pk}_{sales.pk}]")).to_have_value("85911")
    # Paste the conversion column as Excel puts it on the clipboard.
    page.locator(f"input[name=v_{first.pk}_{conversion.pk}]").evaluate(
        """(input) => {
            const data = new DataTransfer();
            data.setData("text/plain", "62.52%\\r\\n61.64%\\r\\n60%\\r\\n");
            input.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
        }""")
    expect(page.locator(f"input[name=v_{second.pk}_{conversion.pk}]")).to_have_value("61.64%")
    expect(page.locator(f"input[name=v_{third.pk}_{conversion.pk}]")).to_have_value("60%")
    page.get_by_test_id("save-kpi").click()

    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.get_by_test_id(f"grid-rank-{world.team_a.pk}").locator("td").first).to_have_text("1")
    expect(page.get_by_test_id(f"grid-rank-{world.team_b.pk}").locator("td").first).to_have_text("2")
    expect(page.locator(f"input[name=v_{second.pk}_{sales.pk}]")).to_have_value("96166")
    assert KpiValue.objects.get(enrolment=second, kpi=conversion).value == Decimal("61.64")

    page.get_by_test_id("subnav-ranking").click()
    expect(page.get_by_test_id(f"rank-value-{world.team_a.pk}")).to_have_text("1")
    expect(page.get_by_test_id(f"prize-{world.team_a.pk}")).to_have_text("2000.00")
    expect(page.get_by_test_id(f"prize-{world.team_b.pk}")).to_have_text("1500.00")

    # A bad value: nothing saved, the cell says why, the typing stays.
    page.goto(f"/scoring/{world.programme.pk}/kpi/{world.team_a.pk}/{whole.pk}/")
    page.fill(f"input[name=v_{first.pk}_{sales.pk}]", "很多")
    page.fill(f"input[name=v_{third.pk}_{sales.pk}]", "1")
    page.get_by_test_id("save-kpi").click()
    expect(page.get_by_test_id("grid-errors")).to_contain_text(first.student.name)
    expect(page.locator(f"input[name=v_{first.pk}_{sales.pk}]")).to_have_value("很多")
    assert KpiValue.objects.get(enrolment=third, kpi=sales).value == Decimal("85911")
