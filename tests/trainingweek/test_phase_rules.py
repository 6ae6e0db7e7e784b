"""programs.agreements.rules.phase_problems: worked examples from the 2020 programme."""

from datetime import date

from programs.agreements.rules import PhaseSpan, phase_problems

TERM = (date(2020, 9, 1), date(2023, 8, 31))
SEED_2020 = [
    PhaseSpan("培训", date(2020, 9, 7), date(2020, 10, 23)),
    PhaseSpan("强化培训", date(2020, 10, 24), date(2020, 10, 25)),
    PhaseSpan("实训", date(2020, 10, 26), date(2020, 11, 10)),
    PhaseSpan("售前实操", date(2020, 11, 11), date(2020, 11, 11)),
    PhaseSpan("售后实操", date(2020, 11, 12), date(2020, 11, 22)),
]


def test_back_to_back_phases_of_the_2020_programme_are_fine():
    assert phase_problems(SEED_2020, *TERM) == []


def test_a_one_day_phase_is_fine():
    assert phase_problems([PhaseSpan("售前实操", date(2020, 11, 11), date(2020, 11, 11))], *TERM) == []


def test_overlap_by_one_day_is_refused_and_names_both_phases():
    phases = [*SEED_2020[:2], PhaseSpan("实训", date(2020, 10, 25), date(2020, 11, 10))]
    problems = phase_problems(phases, *TERM)
    assert len(problems) == 1
    assert "强化培训" in problems[0] and "实训" in problems[0] and "2020-10-25" in problems[0]


def test_order_of_input_does_not_matter():
    shuffled = [SEED_2020[3], SEED_2020[0], SEED_2020[4], SEED_2020[2], SEED_2020[1]]
    assert phase_problems(shuffled, *TERM) == []


def test_phase_outside_the_term_is_refused():
    problems = phase_problems([PhaseSpan("培训", date(2020, 8, 20), date(2020, 9, 10))], *TERM)
    assert len(problems) == 1 and "2020-09-01" in problems[0]
    problems = phase_problems([PhaseSpan("售后实操", date(2023, 8, 1), date(2023, 9, 1))], *TERM)
    assert len(problems) == 1


def test_phase_ending_before_it_starts_is_refused():
    problems = phase_problems([PhaseSpan("实训", date(2020, 11, 10), date(2020, 10, 26))], *TERM)
    assert len(problems) == 1 and "实训" in problems[0]


def test_every_problem_is_listed():
    phases = [
        PhaseSpan("A", date(2020, 10, 1), date(2020, 10, 10)),
        PhaseSpan("B", date(2020, 10, 5), date(2020, 10, 20)),
        PhaseSpan("C", date(2020, 10, 15), date(2020, 10, 30)),
        PhaseSpan("D", date(2019, 1, 1), date(2019, 1, 2)),
    ]
    assert len(phase_problems(phases, *TERM)) == 3
