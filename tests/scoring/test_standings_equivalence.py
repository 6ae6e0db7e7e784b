"""Standings from the kept totals are the standings from every member's values.

``selectors.team_standings`` reads the members' values added up by the
database (``TeamKpiTotal``, a row per team × KPI, kept by triggers) instead of
reading a row per student. ``reference`` below
is the computation it replaced, read from every enrolment of the programme,
kept here as the oracle: on randomized programmes (fixed seeds) both must give
the same figures, composites, ranks, prizes, headcounts, members, member
scores and prize shares, to the last Decimal place. The data covers members
who left (their values count in the figures, they share no prize), teams
without members or values, ties, team-level KPIs, lower-is-better KPIs,
achievements above the cap, a weight of 0, values with four places whose mean
falls on half a unit, and large values where a float sum is off.
"""

import random
from collections import defaultdict
from decimal import Decimal

import pytest

from programs.students.models import Enrolment, Team
from scoring import rules, selectors
from scoring import rules as kpi_rules
from scoring.models import KpiDefinition, KpiValue, ScoreSettings, ScoringPeriod, TeamKpiValue
from scoring.selectors import TeamStanding, student_kpi_score
from tests.factories import ProgrammeFactory, SchoolClassFactory
from tests.team_pages import add_students
from trainingweek.money import ZERO

pytestmark = pytest.mark.django_db


def reference(setup, programme, period) -> list[TeamStanding]:
    """The standings as computed before the aggregate (main's ``team_standings``):
    every enrolment read, values grouped per team in Python."""
    teams = list(programme.teams.all())
    enrolments = list(Enrolment.objects.filter(programme=programme, team__isnull=False)
                      .select_related("student").order_by("student__student_number"))
    team_of = {e.pk: e.team_id for e in enrolments}
    member_values = defaultdict(lambda: defaultdict(list))
    student_values = defaultdict(dict)
    team_values = defaultdict(dict)
    if period is not None:
        for enrolment_id, kpi_id, value in KpiValue.objects.filter(period=period, enrolment__programme=programme) \
                .values_list("enrolment_id", "kpi_id", "value"):
            if enrolment_id in team_of:
                member_values[team_of[enrolment_id]][kpi_id].append(value)
                student_values[enrolment_id][kpi_id] = value
        for team_id, kpi_id, value in TeamKpiValue.objects.filter(period=period, team__programme=programme) \
                .values_list("team_id", "kpi_id", "value"):
            team_values[team_id][kpi_id] = value
    levels = {k.pk: k.level for k in setup.kpis}
    standings = {}
    for team in teams:
        figures = kpi_rules.team_figures(levels, member_values[team.pk], team_values[team.pk])
        composite = rules.kpi_score(
            [rules.KpiValue(figures[k.pk], k.target, k.higher_is_better, k.weight) for k in setup.kpis],
            cap=rules.MAX_ACHIEVEMENT)
        members = [e for e in enrolments if e.team_id == team.pk and e.status == Enrolment.Status.ACTIVE]
        scores = {e.pk: student_kpi_score(setup, student_values[e.pk], team_values[team.pk]) for e in members}
        standings[team.pk] = TeamStanding(team.pk, team.name, len(members), figures, composite, members=members,
                                        member_scores=scores, programme_id=team.programme_id)
    ranks = rules.rank({pk: s.composite for pk, s in standings.items()})
    prizes = rules.prizes_by_rank(ranks, setup.settings.prizes())
    by_score = setup.settings.prize_split == ScoreSettings.Split.SCORE
    for pk, standing in standings.items():
        standing.rank = ranks.get(pk)
        standing.prize = prizes.get(pk, ZERO)
        if standing.prize and standing.members:
            split = rules.split_prize(standing.prize, [e.pk for e in standing.members],
                                      {k: v or ZERO for k, v in standing.member_scores.items()} if by_score else None)
            standing.shares = [(e, split[e.pk]) for e in standing.members]
    return sorted(standings.values(), key=lambda s: (s.rank is None, s.rank or 0, s.team.name))


def plain(standings, *, members=True) -> list[tuple]:
    """What a standing says, as comparable values (Decimals compared with their exponent:
    Decimal('1.50') and Decimal('1.5') are equal, their text is not)."""
    def exact(value):
        return None if value is None else str(value)

    return [(s.team.pk, s.rank, exact(s.composite), str(s.prize), s.headcount,
             sorted((k, exact(v)) for k, v in s.figures.items()),
             *(([e.pk for e in s.members], sorted((k, exact(v)) for k, v in s.member_scores.items()),
                [(e.pk, str(a)) for e, a in s.shares]) if members else ()))
            for s in standings]


def _value(rng: random.Random, target: Decimal) -> Decimal:
    """A value with up to four places around the target (so some pass twice the target: the cap),
    now and then a large one (where float sums drift) or zero (lower-is-better's best)."""
    roll = rng.random()
    if roll < 0.05:
        return Decimal(0)
    if roll < 0.12:
        return Decimal(rng.randint(10**13, 10**15 - 1)).scaleb(-4)  # 10^9 – 10^11, four places
    return (target * Decimal(rng.uniform(0, 3))).quantize(Decimal("0.0001"))


def random_programme(world, seed: int):
    """A new programme of random teams, members, KPIs and values; returns (programme, setup, period)."""
    rng = random.Random(seed)
    programme = ProgrammeFactory(agreement=world.agreement)
    school_class = SchoolClassFactory(programme=programme)
    kpis = KpiDefinition.objects.bulk_create(
        KpiDefinition(programme=programme, code=f"k{n}", name=f"KPI {n}", order=n,
                      level=rng.choice(["student", "student", "team"]),
                      direction=rng.choice(["higher", "lower"]),
                      target=Decimal(rng.choice(["1", "60", "0.5", "96166", "12.3456"])),
                      weight=Decimal(rng.choice(["1", "2", "0.5", "0", "3.25"])))
        for n in range(rng.randint(1, 5)))
    period = ScoringPeriod.objects.create(programme=programme, name="P", order=1)
    other = ScoringPeriod.objects.create(programme=programme, name="Other", order=2)  # values that must not count
    ScoreSettings.objects.create(programme=programme, sheet_period=period,
                                 prize_split=rng.choice(["equal", "score"]),
                                 prize_amounts=rng.choice(["2000, 1500, 1000, 500", "1000", "", "100.01, 0.03, 7"]))
    specs = []
    for _n in range(rng.randint(1, 6)):
        if specs and rng.random() < 0.3:
            specs.append(rng.choice(specs))  # the same members' values as another team: a tie
            continue
        size = rng.randint(0, 6)
        specs.append({
            "left": [rng.random() < 0.25 for _ in range(size)],  # who left: their values still count
            # A team-level KPI's student values are stray rows, ignored by both.
            "values": [{k.pk: _value(rng, k.target) for k in kpis if rng.random() < 0.75} for _ in range(size)],
            "other": [{k.pk: _value(rng, k.target) for k in kpis if rng.random() < 0.3} for _ in range(size)],
            "team": {k.pk: _value(rng, k.target) for k in kpis if k.level == "team" and rng.random() < 0.8},
        })
    student_rows, team_rows, left = [], [], []
    for n, spec in enumerate(specs):
        team = Team.objects.create(programme=programme, name=f"队{n:02d}")
        members = add_students(world, team, school_class, len(spec["values"]))
        left += [e.pk for e, gone in zip(members, spec["left"], strict=True) if gone]
        for e, values, elsewhere in zip(members, spec["values"], spec["other"], strict=True):
            student_rows += [KpiValue(enrolment=e, kpi_id=k, period=period, value=v) for k, v in values.items()]
            student_rows += [KpiValue(enrolment=e, kpi_id=k, period=other, value=v) for k, v in elsewhere.items()]
        team_rows += [TeamKpiValue(team=team, kpi_id=k, period=period, value=v) for k, v in spec["team"].items()]
    Enrolment.objects.filter(pk__in=left).update(status=Enrolment.Status.WITHDRAWN)
    # A student without a team: counted in no team's figure.
    (loose,) = add_students(world, None, school_class, 1)
    student_rows += [KpiValue(enrolment=loose, kpi=k, period=period, value=Decimal(99)) for k in kpis]
    KpiValue.objects.bulk_create(student_rows)
    TeamKpiValue.objects.bulk_create(team_rows)
    return programme, selectors.load_setup(programme), period


@pytest.mark.parametrize("seed", range(40))
def test_the_aggregate_gives_what_every_members_values_gave(world, seed):
    programme, setup, period = random_programme(world, seed)
    expected = plain(reference(setup, programme, period))
    assert plain(selectors.team_standings(setup, programme, period)) == expected
    # One team's members only: the same standings, the other teams without members.
    for team_id, *_rest in expected[:2]:
        partial = selectors.team_standings(setup, programme, period, member_teams={team_id})
        assert plain(partial, members=False) == plain(reference(setup, programme, period), members=False)
        (shown,) = [s for s in plain(partial) if s[0] == team_id]
        assert shown == next(s for s in expected if s[0] == team_id)
        assert all(not s.members and not s.shares for s in partial if s.team.pk != team_id)
    assert plain(selectors.team_standings(setup, programme, period, member_teams=()), members=False) == plain(
        reference(setup, programme, period), members=False)
    # Without headcounts (the KPI grid's ranking): the same, the headcount left unread.
    bare = selectors.team_standings(setup, programme, period, member_teams=(), headcounts=False)
    assert all(s.headcount is None for s in bare)
    # The ranking page counts the members of the teams it shows only: the same counts.
    selectors.fill_headcounts(programme, bare[1:])
    assert [s.headcount for s in bare[1:]] == [row[4] for row in plain(reference(setup, programme, period))[1:]]
    assert bare[:1] == [] or bare[0].headcount is None
    assert [row[:4] + row[5:] for row in plain(bare, members=False)] == [
        row[:4] + row[5:] for row in plain(reference(setup, programme, period), members=False)]
    assert plain(selectors.team_standings(setup, programme, None)) == plain(reference(setup, programme, None))
    # The ranking page and the prize award: members of the prized teams only, with the same shares.
    prized = selectors.team_standings(setup, programme, period, member_teams=selectors.PRIZED)
    assert plain(prized, members=False) == plain(reference(setup, programme, period), members=False)
    for standing in prized:
        if standing.prize:
            assert next(s for s in plain([standing])) == next(s for s in expected if s[0] == standing.team.pk)
        else:
            assert not standing.members and not standing.shares


def test_the_seeds_cover_the_edge_cases(world):
    """The randomized programmes above do hold what they claim to (or the test proves little)."""
    seen = defaultdict(int)
    for seed in range(40):
        programme, setup, period = random_programme(world, seed)
        standings = reference(setup, programme, period)
        ranks = [s.rank for s in standings if s.rank is not None]
        seen["tie"] += len(ranks) != len(set(ranks))
        seen["unranked team"] += any(s.rank is None for s in standings)
        seen["member who left"] += Enrolment.objects.filter(programme=programme).exclude(status="active").exists()
        seen["team-level KPI"] += bool(setup.team_kpis)
        seen["lower is better"] += any(not k.higher_is_better for k in setup.kpis)
        seen["weight 0"] += any(k.weight == 0 for k in setup.kpis)
        seen["split by score"] += setup.settings.prize_split == "score" and any(s.shares for s in standings)
        seen["over the cap"] += any(
            rules.achievement(s.figures[k.pk], k.target, k.higher_is_better) not in (None,)
            and rules.achievement(s.figures[k.pk], k.target, k.higher_is_better) > 1 for s in standings for k in setup.kpis)
        seen["mean on half a unit"] += any(
            (sum(vs) / len(vs)).scaleb(4) % 1 == Decimal("0.5")
            for vs in _member_value_lists(period))
    assert all(seen[case] for case in ("tie", "unranked team", "member who left", "team-level KPI", "lower is better",
                                       "weight 0", "split by score", "over the cap", "mean on half a unit")), seen


def _member_value_lists(period):
    lists = defaultdict(list)
    for team, kpi, value in KpiValue.objects.filter(period=period, enrolment__team__isnull=False) \
            .values_list("enrolment__team", "kpi", "value"):
        lists[(team, kpi)].append(value)
    return lists.values()


def test_a_database_average_is_not_the_rule(world):
    """Means are the rule's (sum ÷ count, four places, half up), not the database's AVG:
    0.0001, 0.0002 average 0.00015, which the rule makes 0.0002."""
    period = ScoringPeriod.objects.create(programme=world.programme, name="P", order=1)
    Team.objects.filter(programme=world.programme).delete()
    kpi = KpiDefinition.objects.create(programme=world.programme, code="x", name="X", target=Decimal(1))
    team = Team.objects.create(programme=world.programme, name="半")
    a, b = add_students(world, team, world.class_a, 2)
    KpiValue.objects.bulk_create([KpiValue(enrolment=a, kpi=kpi, period=period, value=Decimal("0.0001")),
                                  KpiValue(enrolment=b, kpi=kpi, period=period, value=Decimal("0.0002"))])
    setup = selectors.load_setup(world.programme)
    (standing,) = selectors.team_standings(setup, world.programme, period, member_teams=())
    assert standing.figures == {kpi.pk: Decimal("0.0002")}
    # Large values with four places, whose total has 16 digits: SQLite's SUM of REALs keeps 15
    # (111111111011.111, a mean of ...505.5555); the total in ten-thousandths keeps them all.
    KpiValue.objects.filter(kpi=kpi).delete()
    values = [Decimal("98765432109.8765"), Decimal("12345678901.2346")]
    KpiValue.objects.bulk_create(KpiValue(enrolment=e, kpi=kpi, period=period, value=v)
                                 for e, v in zip((a, b), values, strict=True))
    (standing,) = selectors.team_standings(setup, world.programme, period, member_teams=())
    assert standing.figures == {kpi.pk: kpi_rules.mean(values)} == {kpi.pk: Decimal("55555555505.5556")}
