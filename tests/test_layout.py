"""Every programme page is laid out once by templates/programme_page.html:
one breadcrumb, one row of tabs, the area's sub-tabs, then the page."""

import pytest

from tests.test_permissions import MATRIX

SUBNAV = {"rosters": "rosters-subnav", "scoring": "scoring-subnav", "stipends": "stipends-subnav"}


@pytest.mark.django_db
def test_each_programme_page_shows_its_tabs_once(world_with_job, client_for):
    client = client_for(world_with_job.coordinator)
    shown = 0
    for name in sorted(MATRIX):
        build, _expected = MATRIX[name]
        response = client.get(build(world_with_job))
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        tabs = html.count('data-testid="tab-rosters"')
        if not tabs:
            continue  # not a page about one programme
        shown += 1
        assert tabs == 1, f"{name}: the programme tabs appear {tabs} times"
        assert html.count('class="breadcrumb"') == 1, name
        for area, testid in SUBNAV.items():
            assert html.count(f'data-testid="{testid}"') <= 1, f"{name}: {area} sub-tabs twice"
    assert shown >= 30
