"""The attendance week of one team costs that team (issue #12).

Measured as the mentor of team A while the programme grows around it
(``tests.team_pages.measure_scales``: 3 teams of 4 students, then 15 teams,
then the 14 other teams three times bigger, all in team A's class and each
with a week of attendance): the same queries and the same rows fetched, on
SQLite the same work in the database when only the other teams grow, and no
student's encrypted column read.
"""

import pytest
from django.urls import reverse

from scoring import services as scoring_services
from tests.team_pages import WEEK, assert_same_work, measure_scales, personal_columns_read

pytestmark = pytest.mark.django_db


def test_the_attendance_week_costs_the_same_however_big_the_programme(world, rostered, client_for):
    setup = scoring_services.create_default_setup(programme=world.programme)
    url = reverse("programs:attendance_week", kwargs={"pk": world.programme.pk, "team_pk": world.team_a.pk})
    cost = measure_scales(world, setup, setup.periods[-1], client_for(world.mentor_a), f"{url}?week={WEEK}")
    assert cost.base.queries == cost.wide.queries == cost.deep.queries, cost
    assert cost.base.rows == cost.wide.rows == cost.deep.rows, cost
    assert cost.base.rows > 4 * 7  # the page does read its team's week
    assert_same_work(cost.wide, cost.deep)
    assert not personal_columns_read(cost.deep), personal_columns_read(cost.deep)
