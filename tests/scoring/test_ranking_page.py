"""The ranking page of a programme with many teams: every team ranked, a page
of them shown (the prize winners lead the first), each row with the prize
fixed for it, and the same number of queries for 5 teams or 40."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scoring import views
from scoring.models import KpiValue, TeamPrize
from tests.factories import EnrolmentFactory, TeamFactory

from .conftest import kpi, period

pytestmark = pytest.mark.django_db


def _teams_with_sales(world, setup, n):
    """``n`` more teams of one student each, the k-th selling k × 1,000 (the last sells most)."""
    teams = []
    for k in range(1, n + 1):
        team = TeamFactory(programme=world.programme, name=f"组{k:03d}")
        e = EnrolmentFactory(programme=world.programme, school_class=world.class_a, team=team)
        KpiValue.objects.create(enrolment=e, kpi=kpi(setup, "sales"), period=period(setup), value=D(k * 1000))
        teams.append(team)
    return teams


def _url(world, setup, **query):
    return reverse("scoring:ranking", args=[world.programme.pk]) + "?" + "&".join(
        f"{k}={v}" for k, v in {"period": period(setup).pk, **query}.items())


def test_the_ranking_is_paged_best_first_and_keeps_the_period(world, setup, client_for, monkeypatch):
    monkeypatch.setattr(views, "RANKING_PAGE_SIZE", 3)
    teams = _teams_with_sales(world, setup, 7)
    client = client_for(world.coordinator)
    first = client.get(_url(world, setup)).content.decode()
    # The best three teams on page 1, in order; the fourth on page 2.
    best = [teams[-1], teams[-2], teams[-3]]
    assert [first.index(f'data-testid="rank-{t.pk}"') for t in best] == sorted(
        first.index(f'data-testid="rank-{t.pk}"') for t in best)
    assert f'data-testid="rank-{teams[-4].pk}"' not in first
    assert f"period={period(setup).pk}&amp;page=2" in first  # the page links keep the period
    second = client.get(_url(world, setup, page=2)).content.decode()
    assert f'data-testid="rank-{teams[-4].pk}"' in second and f'data-testid="rank-{teams[-1].pk}"' not in second
    assert f'data-testid="rank-value-{teams[-4].pk}">4<' in second  # ranked among all, not within the page


def test_each_row_shows_the_prize_fixed_for_its_team(world, setup, client_for, monkeypatch):
    monkeypatch.setattr(views, "RANKING_PAGE_SIZE", 2)
    teams = _teams_with_sales(world, setup, 4)
    client = client_for(world.coordinator)
    client.post(reverse("scoring:award_prizes", args=[world.programme.pk]), {"period": period(setup).pk})
    fixed = {p.team_id: p for p in TeamPrize.objects.all()}
    assert fixed, "the default settings give the best teams a prize"
    page = client.get(_url(world, setup)).content.decode()
    winner = fixed[teams[-1].pk]
    assert f'data-testid="fixed-prize-{teams[-1].pk}">{winner.amount:,.2f}' in page
    # The summary counts every fixed prize, not the page's only.
    summary = page[page.index('data-testid="fixed-prizes"'):][:400]
    total = sum(p.amount for p in fixed.values())
    assert f"{len(fixed)} teams" in summary and f"¥{total:,.2f}" in summary
    # The ranking changes after the prizes were fixed: the old rank is named beside the fixed prize.
    late = teams[0].enrolments.get()
    KpiValue.objects.filter(enrolment=late).update(value=D(10_000_000))
    page = client.get(_url(world, setup)).content.decode()
    row = page[page.index(f'data-testid="fixed-prize-{teams[-1].pk}"'):][:200]
    assert f"rank {winner.rank} then" in row


def test_the_ranking_pages_queries_do_not_grow_with_teams(world, setup, client_for):
    client = client_for(world.coordinator)
    award = reverse("scoring:award_prizes", args=[world.programme.pk])

    def queries() -> int:
        client.post(award, {"period": period(setup).pk})
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(_url(world, setup)).status_code == 200
        return len(ctx.captured_queries)

    _teams_with_sales(world, setup, 3)
    few = queries()
    for k in range(40):  # 40 more teams, each with a student and a fixed prize or not
        e = EnrolmentFactory(programme=world.programme, school_class=world.class_a,
                             team=TeamFactory(programme=world.programme, name=f"多{k}"))
        KpiValue.objects.create(enrolment=e, kpi=kpi(setup, "sales"), period=period(setup), value=D(500 + k))
    assert queries() == few > 0
