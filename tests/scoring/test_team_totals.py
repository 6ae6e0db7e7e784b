"""The team totals the database keeps are the totals of the values, whoever writes.

``TeamKpiTotal`` is kept by triggers (scoring/migrations/0005). After every
kind of write a programme sees — a bulk insert, an upsert (insert and update),
a grid save through the service, a queryset update or delete, a model save or
delete, a value moved to another student, KPI or period, students moved to
another team or out of every team, a team, a student's enrolment, a KPI or a
period deleted — ``selectors.team_totals`` (the kept totals) must equal
``selectors.live_team_totals`` (the values added up afresh), for every period,
on seeded random sequences of such writes. Runs on SQLite and PostgreSQL
(their triggers differ: row triggers, statement triggers).
"""

import random
from decimal import Decimal

import pytest

from programs.students import services as students_services
from programs.students.models import Enrolment, Team
from scoring import selectors, services
from scoring.models import KpiDefinition, KpiValue, ScoringPeriod, TeamKpiTotal
from tests.team_pages import add_students

pytestmark = pytest.mark.django_db


def assert_kept(programme):
    kpis = list(KpiDefinition.objects.filter(programme=programme).values_list("pk", flat=True))
    for period in ScoringPeriod.objects.filter(programme=programme):
        kept = {t: v for t, v in selectors.team_totals(programme, period, kpis).items() if v}
        live = {t: v for t, v in selectors.live_team_totals(programme, period, kpis).items() if v}
        assert kept == live, period


def _value(rng):
    return (Decimal(rng.randint(0, 10**9)) / 10**rng.randint(0, 4)).quantize(Decimal("0.0001"))


def _some(rng, queryset, most=4):
    pks = list(queryset.values_list("pk", flat=True))
    return rng.sample(pks, min(len(pks), rng.randint(1, most))) if pks else []


@pytest.mark.parametrize("seed", range(12))
def test_the_kept_totals_follow_every_kind_of_write(world, setup, seed):
    rng = random.Random(seed)
    programme = world.programme
    teams = [world.team_a, world.team_b, *(Team.objects.create(programme=programme, name=f"队{n}") for n in range(2))]
    for team in teams:
        add_students(world, team, world.class_a, 3)
    add_students(world, None, world.class_a, 2)  # without a team
    kpis, periods = setup.kpis, setup.periods

    def enrolments():
        return list(Enrolment.objects.filter(programme=programme))

    def fresh_cells(n):
        taken = set(KpiValue.objects.filter(enrolment__programme=programme).values_list("enrolment", "kpi", "period"))
        cells = {(e.pk, k.pk, p.pk) for e in enrolments() for k in kpis for p in periods} - taken
        return rng.sample(sorted(cells), min(n, len(cells)))

    def bulk_insert():
        KpiValue.objects.bulk_create(KpiValue(enrolment_id=e, kpi_id=k, period_id=p, value=_value(rng))
                                     for e, k, p in fresh_cells(rng.randint(1, 30)))

    def upsert():
        existing = list(KpiValue.objects.filter(enrolment__programme=programme).order_by("?")[:5])
        rows = [KpiValue(enrolment_id=v.enrolment_id, kpi_id=v.kpi_id, period_id=v.period_id, value=_value(rng))
                for v in existing]
        rows += [KpiValue(enrolment_id=e, kpi_id=k, period_id=p, value=_value(rng)) for e, k, p in fresh_cells(5)]
        services.upsert_values(student_rows=rows, team_rows=[])

    def grid_save():
        team = rng.choice([t for t in teams if Team.objects.filter(pk=t.pk).exists()] or [None])
        if team is None:
            return
        period = rng.choice(periods)
        grid = selectors.kpi_grid(selectors.load_setup(programme), team, period)
        cells = [services.CellInput(row.enrolment.pk, c.kpi.pk, rng.choice(["", str(rng.randint(0, 99))]),
                                    None)
                 for row in grid.rows for c in row.cells if rng.random() < 0.5]
        assert services.save_kpi_grid(setup=selectors.load_setup(programme), team=team, period=period, cells=cells,
                                      user=world.admin).ok

    def queryset_update():
        KpiValue.objects.filter(pk__in=_some(rng, KpiValue.objects.all(), 8)).update(value=_value(rng))

    def version_bump():  # a write that changes no value
        from django.db.models import F
        KpiValue.objects.filter(pk__in=_some(rng, KpiValue.objects.all(), 8)).update(version=F("version") + 1)

    def model_save():
        for pk in _some(rng, KpiValue.objects.all(), 2):
            value = KpiValue.objects.get(pk=pk)
            value.value = _value(rng)
            value.save()

    def move_value():  # to a free cell: another student, KPI or period, its value kept or changed
        for pk in _some(rng, KpiValue.objects.all(), 2):
            value = KpiValue.objects.get(pk=pk)
            for e, k, p in fresh_cells(1):
                KpiValue.objects.filter(pk=pk).update(enrolment_id=e, kpi_id=k, period_id=p,
                                                      value=rng.choice([value.value, value.value + 1]))

    def delete_some():
        KpiValue.objects.filter(pk__in=_some(rng, KpiValue.objects.all(), 6)).delete()

    def delete_one():
        for pk in _some(rng, KpiValue.objects.all(), 1):
            KpiValue.objects.get(pk=pk).delete()

    def assign_team():
        ids = _some(rng, Enrolment.objects.filter(programme=programme), 4)
        living = list(Team.objects.filter(programme=programme))
        team = rng.choice([*living, None])
        if ids:
            students_services.assign_team(programme=programme, enrolment_ids=ids, team=team, user=world.admin)

    def move_by_update():  # several students, each to a team of its own, in one statement
        from django.db.models import BigIntegerField, Case, Value, When
        from django.db.models.functions import Cast
        living = list(Team.objects.filter(programme=programme).values_list("pk", flat=True))
        ids = _some(rng, Enrolment.objects.filter(programme=programme), 5)
        if ids and living:
            Enrolment.objects.filter(pk__in=ids).update(team_id=Case(
                *(When(pk=pk, then=Cast(Value(rng.choice([*living, None])), BigIntegerField())) for pk in ids)))

    def delete_team():
        spare = list(Team.objects.filter(programme=programme).exclude(pk__in=[world.team_a.pk]))
        if spare and rng.random() < 0.3:
            rng.choice(spare).delete()

    def delete_enrolment():
        for pk in _some(rng, Enrolment.objects.filter(programme=programme), 1):
            Enrolment.objects.filter(pk=pk).delete()

    steps = [bulk_insert, upsert, grid_save, queryset_update, version_bump, model_save, move_value, delete_some,
             delete_one, assign_team, move_by_update, delete_team, delete_enrolment]
    bulk_insert()
    assert_kept(programme)
    for _ in range(25):
        rng.choice(steps)()
        assert_kept(programme)
    assert KpiValue.objects.filter(enrolment__team__isnull=False).exists()


def test_deleting_a_kpi_a_period_or_the_team_takes_their_totals(world, setup):
    team = world.team_a
    (e,) = add_students(world, team, world.class_a, 1)
    KpiValue.objects.bulk_create(KpiValue(enrolment=e, kpi=k, period=p, value=Decimal(5))
                                 for k in setup.student_kpis for p in setup.periods)
    assert TeamKpiTotal.objects.filter(team=team).count() == len(setup.student_kpis) * len(setup.periods)
    setup.student_kpis[0].delete()
    setup.periods[0].delete()
    assert TeamKpiTotal.objects.filter(team=team).count() == (len(setup.student_kpis) - 1) * (len(setup.periods) - 1)
    assert_kept(world.programme)
    team.delete()  # its students stay, in no team
    assert not TeamKpiTotal.objects.filter(team_id=team.pk).exists()
    assert_kept(world.programme)


def test_a_total_whose_values_are_gone_gives_no_figure(world, setup):
    """All of a team's values of a KPI deleted: its total stays, with a count of 0, and the team has no figure."""
    kpi = setup.student_kpis[0]
    period = setup.periods[-1]
    KpiValue.objects.create(enrolment=world.enrolments_a[0], kpi=kpi, period=period, value=Decimal(7))
    standing = next(s for s in selectors.team_standings(setup, world.programme, period) if s.team == world.team_a)
    assert standing.figures[kpi.pk] == Decimal("7.0000")
    KpiValue.objects.filter(kpi=kpi).delete()
    assert TeamKpiTotal.objects.get(team=world.team_a, kpi=kpi, period=period).count == 0
    standing = next(s for s in selectors.team_standings(setup, world.programme, period) if s.team == world.team_a)
    assert standing.figures[kpi.pk] is None and standing.composite is None
