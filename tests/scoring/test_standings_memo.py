"""Standings reuse their composites only for exactly the rows they were made from.

``selectors.team_standings`` keeps, per process, the composites and ranks of
recent reads by the rows they came from (``trainingweek.memo.Memo``). Each
write below happens after a read has filled the memo; the next read must
then give what the oracle (``reference``: every member's values read afresh)
gives: a stale composite or rank shows as a difference.
"""

import random
import threading
from decimal import Decimal

import pytest

from programs.students.models import Enrolment, Team
from scoring import selectors
from scoring.models import KpiDefinition, KpiValue, ScoreSettings, TeamKpiValue
from tests.scoring.test_standings_equivalence import plain, random_programme, reference
from trainingweek.memo import Memo

pytestmark = pytest.mark.django_db


def _writes(programme, period):
    """Each kind of change that moves a figure, a composite, a rank or a prize."""
    kpis = list(KpiDefinition.objects.filter(programme=programme).order_by("pk"))
    student_kpis = [k for k in kpis if k.level == "student"] or kpis
    team_kpis = [k for k in kpis if k.level == "team"]

    def teams():  # as they are now (a write may have deleted one)
        return list(Team.objects.filter(programme=programme).order_by("pk"))

    def value_changed():
        row = KpiValue.objects.filter(period=period, enrolment__team__programme=programme).order_by("pk").first()
        if row:
            KpiValue.objects.filter(pk=row.pk).update(value=row.value + Decimal("13.5"))

    def value_added():
        member = Enrolment.objects.filter(programme=programme, team__isnull=False).order_by("-pk").first()
        if member:
            KpiValue.objects.update_or_create(enrolment=member, kpi=student_kpis[0], period=period,
                                              defaults={"value": Decimal("0.0001")})

    def value_deleted():
        last = KpiValue.objects.filter(period=period, enrolment__team__programme=programme).order_by("-pk").first()
        if last:
            last.delete()

    def team_value_set():
        if team_kpis and teams():
            TeamKpiValue.objects.update_or_create(team=teams()[0], kpi=team_kpis[0], period=period,
                                                  defaults={"value": Decimal("77.7")})

    def target_changed():
        KpiDefinition.objects.filter(pk=kpis[0].pk).update(target=kpis[0].target * 3)

    def direction_flipped():
        k = KpiDefinition.objects.get(pk=kpis[-1].pk)
        KpiDefinition.objects.filter(pk=k.pk).update(direction="lower" if k.direction == "higher" else "higher")

    def weight_zeroed():
        KpiDefinition.objects.filter(pk=kpis[0].pk).update(weight=Decimal(0))

    def member_moved():
        member = Enrolment.objects.filter(programme=programme, team__isnull=False).order_by("pk").first()
        now = teams()
        if member and len(now) > 1:
            Enrolment.objects.filter(pk=member.pk).update(team=now[-1] if member.team_id != now[-1].pk else now[0])

    def team_renamed():
        if teams():
            last = teams()[-1]
            Team.objects.filter(pk=last.pk).update(name="甲" + last.name)

    def team_added():
        Team.objects.create(programme=programme, name="新队")

    def team_deleted():
        Team.objects.filter(programme=programme).order_by("-pk")[:1].get().delete()

    def prizes_changed():
        ScoreSettings.objects.filter(programme=programme).update(prize_amounts="3000, 10")

    return [value_changed, value_added, value_deleted, team_value_set, target_changed, direction_flipped,
            weight_zeroed, member_moved, team_renamed, team_added, team_deleted, prizes_changed]


@pytest.mark.parametrize("seed", range(6))
def test_every_write_after_a_read_shows_in_the_next_read(world, seed):
    programme, setup, period = random_programme(world, seed)
    writes = _writes(programme, period)
    random.Random(seed).shuffle(writes)
    for write in writes:
        selectors.team_standings(setup, programme, period)  # the memo now holds this read's composites
        write()
        setup = selectors.load_setup(programme)
        assert plain(selectors.team_standings(setup, programme, period)) == plain(
            reference(setup, programme, period)), write.__name__


def test_a_second_read_of_the_same_rows_reuses_the_composites(world):
    programme, setup, period = random_programme(world, 3)
    memo = selectors._COMPOSITES
    first = selectors.team_standings(setup, programme, period)
    hits, misses = memo.hits, memo.misses
    again = selectors.team_standings(setup, programme, period, member_teams=(), headcounts=False)
    assert (memo.hits, memo.misses) == (hits + 1, misses)
    assert [(s.team_id, s.rank, s.composite) for s in again] == [(s.team_id, s.rank, s.composite) for s in first]
    # What the memo holds is shared between reads: no read may change it.
    with pytest.raises(TypeError):
        again[0].figures[1] = Decimal(1)


def test_the_memo_keeps_the_most_recent_and_compares_keys_by_equality():
    memo: Memo[str] = Memo(size=2)
    calls = []

    def make(label):
        return lambda: calls.append(label) or label

    assert memo.get(("a", Decimal("1.5")), make("a")) == "a"
    assert memo.get(("b",), make("b")) == "b"
    assert memo.get(("a", Decimal("1.50")), make("x")) == "a"  # an equal key: the same inputs
    assert memo.get(("a", Decimal("1.6")), make("c")) == "c"  # evicts the least recently used, ("b",)
    assert memo.get(("b",), make("b2")) == "b2"
    assert calls == ["a", "b", "c", "b2"]
    assert (memo.hits, memo.misses) == (1, 4)


def test_the_memo_gives_each_thread_the_result_of_its_own_key():
    memo: Memo[int] = Memo(size=4)
    errors = []

    def reader(n):
        for i in range(300):
            key = (n + i) % 7
            if memo.get(key, lambda key=key: key * 10) != key * 10:
                errors.append((n, i))

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(memo._results) <= 4
