"""The programme's overview lists its teams a page at a time: a programme of
10,000 students may have a thousand teams, and the page costs the same."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programs.students.views import TEAMS_PAGE_SIZE
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def _teams_shown(html: str) -> list[str]:
    table = html[html.index('data-testid="teams"'):]
    table = table[:table.index("</table>")]
    return re.findall(r'/teams/\d+/">([^<]+)</a>', table)


def _get(client, url, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_teams_come_a_page_at_a_time_in_name_order_with_the_same_queries(world, client_for):
    client = client_for(world.coordinator)
    url = f"/programs/{world.programme.pk}/"
    _html, few = _get(client, url)
    TeamFactory.create_batch(TEAMS_PAGE_SIZE * 2, programme=world.programme)
    names = sorted(world.programme.teams.values_list("name", flat=True))
    first, many = _get(client, url)
    assert _teams_shown(first) == names[:TEAMS_PAGE_SIZE]
    assert 'data-testid="pagination"' in first and 'data-testid="page-next"' in first
    assert many <= few + 1  # the ids of the page, then its teams: not a query per team
    pages = [_teams_shown(_get(client, url, page=n)[0]) for n in (1, 2, 3)]
    assert pages[2] == names[TEAMS_PAGE_SIZE * 2:] and sum(pages, []) == names  # every team once, the world's too


def test_a_mentor_sees_only_their_own_teams_unpaged(world, client_for):
    TeamFactory.create_batch(TEAMS_PAGE_SIZE + 5, programme=world.programme)
    html, _n = _get(client_for(world.mentor_a), f"/programs/{world.programme.pk}/")
    assert _teams_shown(html) == [world.team_a.name] and 'data-testid="pagination"' not in html
