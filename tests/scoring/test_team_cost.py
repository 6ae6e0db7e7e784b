"""A scoring page about one team costs that team (issue #12).

Each page is measured as the mentor of team A while the programme grows
around it (``tests.team_pages.measure_scales``): 3 teams of 4 students, then
15 teams (5×), then the 14 other teams three times bigger. The number of
queries stays the same, and so does the number of rows the queries fetch,
counted at the cursor: a page that reads every student of the programme to
show one team's fetches more rows as the programme grows, whatever it then
keeps. On SQLite the database's own work is counted too (its virtual-machine
steps): a query that reads the programme's rows to return the team's (an index
on the programme chosen over the team's own, a GROUP BY over every student)
costs more steps as the other teams grow, though it fetches no more rows. The
one thing on these pages about every team, the KPI grid's ranking, costs a row
per team and KPI, and nothing per student. No query reads a student's
encrypted columns (each row would be a decryption).
"""

import pytest
from django.urls import reverse

from tests.scoring.conftest import period
from tests.team_pages import assert_same_work, measure_scales, personal_columns_read

pytestmark = pytest.mark.django_db

PAGES = {
    "score sheets of the team": lambda w, s: reverse("scoring:team_sheets", args=[w.programme.pk, w.team_a.pk]),
    "a student's score sheet": lambda w, s: reverse("scoring:student_sheet",
                                                    args=[w.programme.pk, w.enrolments_a[0].pk]),
    "a student's score sheet PDF": lambda w, s: reverse("scoring:student_pdf",
                                                        args=[w.programme.pk, w.enrolments_a[0].pk]),
    "KPI template of the team": lambda w, s: f"{reverse('scoring:kpi_template', args=[w.programme.pk])}"
                                             f"?period={period(s).pk}",
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_a_team_page_costs_the_same_however_big_the_programme(world, setup, client_for, page):
    url = PAGES[page](world, setup)
    cost = measure_scales(world, setup, period(setup), client_for(world.mentor_a), url)
    assert cost.base.queries == cost.wide.queries == cost.deep.queries, cost
    assert cost.base.rows == cost.wide.rows == cost.deep.rows, cost
    assert cost.base.rows > 10  # the page does read its team
    assert_same_work(cost.wide, cost.deep)
    assert not personal_columns_read(cost.deep), personal_columns_read(cost.deep)


def test_the_kpi_grid_costs_its_team_and_a_row_per_team_and_kpi(world, setup, client_for):
    url = reverse("scoring:kpi_grid", args=[world.programme.pk, world.team_a.pk, period(setup).pk])
    cost = measure_scales(world, setup, period(setup), client_for(world.mentor_a), url)
    assert cost.base.queries == cost.wide.queries == cost.deep.queries, cost
    # Three times the students in the other teams: not one row more, fetched or read.
    assert cost.deep.rows == cost.wide.rows, cost
    assert_same_work(cost.wide, cost.deep)
    # Twelve more teams: the ranking's row for each, and its figure of each KPI (all filled here).
    assert cost.wide.rows - cost.base.rows == 12 * (1 + len(setup.kpis)), cost
    assert not personal_columns_read(cost.deep), personal_columns_read(cost.deep)


def test_the_kpi_grid_shows_the_ranking_it_computes(world, setup, client_for):
    """The cheaper ranking is still the ranking: the leading teams and the grid's own, each
    with its rank, composite and prize, and a link to the whole ranking for the rest."""
    from scoring import selectors
    from scoring.views import GRID_RANKING_TOP

    url = reverse("scoring:kpi_grid", args=[world.programme.pk, world.team_a.pk, period(setup).pk])
    measure_scales(world, setup, period(setup), client_for(world.mentor_a), url)
    html = client_for(world.mentor_a).get(url).content.decode()
    standings = selectors.team_standings(setup, world.programme, period(setup))
    assert len(standings) == 15 and standings[0].rank == 1
    shown = standings[:GRID_RANKING_TOP] + [s for s in standings[GRID_RANKING_TOP:] if s.team.pk == world.team_a.pk]
    for s in standings:
        marker = f'data-testid="grid-rank-{s.team.pk}"'
        if s not in shown:
            assert marker not in html, s.team.name
            continue
        row = html.split(marker)[1].split("</tr>")[0]
        assert f"<td>{s.rank or '—'}</td><td>{s.team.name}</td>" in row
        assert f">{s.composite}</td>" in row and f">{s.prize}</td>" in row
    assert f'data-testid="grid-rank-{world.team_a.pk}"' in html  # its own team, wherever it ranks
    more = html.split('data-testid="grid-ranking-more"')[1].split("</p>")[0]
    assert f" {len(standings) - len(shown)} " in more  # "and 4 more teams" / "另有 4 个组"
    assert f'{reverse("scoring:ranking", args=[world.programme.pk])}?period={period(setup).pk}' in more


def test_the_ranking_page_reads_no_personal_data(world, setup, client_for):
    """The page of every team's members reads their names, not their ID numbers, phones or cards."""
    url = reverse("scoring:ranking", args=[world.programme.pk]) + f"?period={period(setup).pk}"
    cost = measure_scales(world, setup, period(setup), client_for(world.coordinator), url)
    assert cost.base.queries == cost.deep.queries, cost
    assert not personal_columns_read(cost.deep), personal_columns_read(cost.deep)


def test_the_sheet_enrolments_carry_what_the_sheets_and_their_pdfs_show(world, django_assert_num_queries):
    """Read narrow (selectors.SHEET_COLUMNS): what the grids, the sheets and the
    PDF sheets show of each student is there without one more query, and no
    personal column is read at all."""
    from scoring import selectors

    for enrolments in (selectors.class_enrolments(school_class=world.class_a), selectors.team_enrolments(world.team_a)):
        assert enrolments
        with django_assert_num_queries(0):
            shown = [(e.pk, e.status, e.get_status_display(), e.team_id, e.student.name, e.student.student_number,
                      e.school_class.name, e.team.name if e.team else None, e.is_group_leader) for e in enrolments]
        assert all(name and number for _pk, _s, _d, _t, name, number, *_ in shown)
        deferred = enrolments[0].student.get_deferred_fields()
        assert {"id_number", "phone", "bank_card"} <= deferred, deferred
