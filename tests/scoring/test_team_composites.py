"""``rules.team_composites`` (the ranking's one loop over every team) gives
exactly the figures of ``team_figures_from_totals`` and the composite of
``kpi_score(cap=MAX_ACHIEVEMENT)``, the rules it stands in for, whose own
tests hold the worked examples."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import rules

amounts = st.decimals(min_value=0, max_value=100_000, places=4, allow_nan=False, allow_infinity=False)
kpi = st.builds(rules.CompositeKpi, pk=st.integers(1, 12), team_level=st.booleans(),
                target=st.decimals(min_value=Decimal("0.01"), max_value=10_000, places=2),
                higher_is_better=st.booleans(),
                weight=st.decimals(min_value=0, max_value=100, places=2))
kpis = st.lists(kpi, max_size=9, unique_by=lambda k: k.pk)
teams = st.dictionaries(st.integers(1, 50), st.tuples(
    st.dictionaries(st.integers(1, 12), st.tuples(amounts, st.integers(0, 60)), max_size=9),  # KPI -> (total, count)
    st.dictionaries(st.integers(1, 12), amounts, max_size=9)), max_size=12)  # KPI -> team value


def expected(kpis, totals, values):
    """The figures and composite as the rules the ranking used before compute them."""
    levels = {k.pk: rules.TEAM if k.team_level else rules.STUDENT for k in kpis}
    figures = rules.team_figures_from_totals(levels, totals, values)
    composite = rules.kpi_score([rules.KpiValue(figures[k.pk], k.target, k.higher_is_better, k.weight) for k in kpis],
                                cap=rules.MAX_ACHIEVEMENT)
    return figures, composite


@settings(max_examples=150, deadline=None)
@given(kpis=kpis, teams=teams)
def test_the_same_figures_and_composite_as_the_rules(kpis, teams):
    ids = [*teams, 999]  # a team with no value at all too
    got = rules.team_composites(kpis, {t: totals for t, (totals, _v) in teams.items()},
                                {t: values for t, (_t, values) in teams.items()}, ids)
    assert set(got) == set(ids)
    for team_id in ids:
        totals, values = teams.get(team_id, ({}, {}))
        assert got[team_id] == expected(kpis, totals, values)


def test_a_worked_example():
    # Calls handled 90 of a target 100 (0.9), an answer time of 30 s against a
    # 60 s target (lower is better: 2, the cap), weights 3 and 1:
    # (0.9 × 3 + 2 × 1) / 4 × 100 = 117.50.
    kpis = [rules.CompositeKpi(1, False, Decimal(100), True, Decimal(3)),
            rules.CompositeKpi(2, True, Decimal(60), False, Decimal(1))]
    got = rules.team_composites(kpis, {7: {1: (Decimal(270), 3)}}, {7: {2: Decimal(30)}}, [7, 8])
    assert got[7] == ({1: Decimal("90.0000"), 2: Decimal(30)}, Decimal("117.50"))
    assert got[8] == ({1: None, 2: None}, None)


def test_a_target_that_is_not_positive_is_refused_as_by_achievement():
    with pytest.raises(ValueError):
        rules.team_composites([rules.CompositeKpi(1, True, Decimal(0), True, Decimal(1))], {}, {5: {1: Decimal(3)}}, [5])


@settings(max_examples=80, deadline=None)
@given(kpis=kpis, own=st.dictionaries(st.integers(1, 12), amounts, max_size=9),
       team=st.dictionaries(st.integers(1, 12), amounts, max_size=9))
def test_a_score_sheets_kpi_item_scores_as_the_student_kpi_score(kpis, own, team):
    """The sheet's KPI item scores from the achievements its lines show;
    the student's KPI score computes them afresh: the same score."""
    from scoring.models import KpiDefinition
    from scoring.selectors import ScoreSettings, Setup, kpi_item, student_kpi_score

    definitions = [KpiDefinition(pk=k.pk, code=f"k{k.pk}", name=f"K{k.pk}", level="team" if k.team_level else "student",
                                 direction="higher" if k.higher_is_better else "lower", target=k.target, weight=k.weight)
                   for k in kpis]
    setup = Setup(ScoreSettings(), definitions, [])
    score, _how, lines = kpi_item(setup, own, team, "P")
    assert score == student_kpi_score(setup, own, team)
    assert [line.value for line in lines] == [(team if k.team_level else own).get(k.pk) for k in kpis]
