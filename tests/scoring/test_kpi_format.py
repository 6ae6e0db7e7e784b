"""KPI figures read the same on every page: the unit's one format."""

from decimal import Decimal

from django.urls import reverse

from scoring import services
from scoring.rules import format_value


def test_format_value_per_unit():
    assert format_value(Decimal("80000"), "amount") == "80,000.00"
    assert format_value(Decimal("60"), "percent") == "60%"
    assert format_value(Decimal("45.50"), "seconds") == "45.5 s"
    assert format_value(Decimal("1234.5678"), "count") == "1234.57"
    assert format_value(None, "amount") == ""


def test_targets_are_formatted_by_unit_on_the_grid_and_the_dashboard(world, client_for):
    setup = services.create_default_setup(programme=world.programme)
    whole = setup.periods[-1]
    grid = client_for(world.mentor_a).get(
        reverse("scoring:kpi_grid", kwargs={"pk": world.programme.pk, "team_pk": world.team_a.pk, "period_pk": whole.pk}))
    dashboard = client_for(world.coordinator).get(reverse("scoring:dashboard", kwargs={"pk": world.programme.pk}))
    for response in (grid, dashboard):
        html = response.content.decode()
        assert response.status_code == 200
        assert "80,000.00" in html and "60%" in html
        assert "80000" not in html
