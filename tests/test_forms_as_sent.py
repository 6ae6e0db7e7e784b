"""Pages with spare formset rows save as a browser sends them untouched.

A browser sends a ``<select>``'s first option for a row nobody used, so a
spare row with a default choice must count as empty (the roster rules page
refused every save this way).
"""

import pytest
from django.urls import reverse

from programs.agreements.models import Phase
from scoring.models import KpiDefinition, ScoringPeriod
from scoring.services import create_default_setup
from tests.browser_forms import form_as_sent

PAGES = [
    ("programs:programme_edit", "phases-TOTAL_FORMS", Phase),
    ("scoring:kpi_setup", "f-TOTAL_FORMS", KpiDefinition),
    ("scoring:period_setup", "f-TOTAL_FORMS", ScoringPeriod),
]


@pytest.mark.parametrize(("name", "field", "model"), PAGES)
def test_an_untouched_page_saves_and_adds_nothing(world, client_for, name, field, model):
    create_default_setup(programme=world.programme)
    url = reverse(name, kwargs={"pk": world.programme.pk})
    client = client_for(world.coordinator)
    data = form_as_sent(client.get(url).content.decode(), containing=field)
    prefix = field.removesuffix("-TOTAL_FORMS")
    assert int(data[f"{prefix}-TOTAL_FORMS"]) > int(data[f"{prefix}-INITIAL_FORMS"])  # a spare row is there
    before = model.objects.count()
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert model.objects.count() == before
