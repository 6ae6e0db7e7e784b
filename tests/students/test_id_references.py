"""The resident-ID rule against references the project did not make.

- GB 11643-1999's own example, 11010519491231002X;
- python-stdnum's ``ric.is_valid``, an independent implementation;
- the standard's algorithm written out here from its definition (weights
  2^(17-i) mod 11, check = (12 - sum mod 11) mod 11, 10 written X), and the
  property that MOD 11-2 catches every single changed character.
"""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from programs.students.demo import make_id_number
from programs.students.rules import check_id_number, id_check_character

TODAY = date(2026, 12, 1)
CHARS = "0123456789X"


def standard_check(body: str) -> str:
    """ISO 7064 MOD 11-2 from its definition, independent of the project's code."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body))
    return "0123456789X"[(12 - total % 11) % 11]


def test_the_standards_own_example_is_valid():
    assert check_id_number("11010519491231002X", today=TODAY).ok
    assert id_check_character("11010519491231002") == "X"
    assert ric.is_valid("11010519491231002X")


def test_a_wrong_check_character_names_the_right_one():
    result = check_id_number("110105194912310021", today=TODAY)
    assert not result.ok
    assert "X" in result.errors[0]
    # following the hint gives a valid number (the old hint made it invalid)
    assert check_id_number("11010519491231002X", today=TODAY).ok


births = st.dates(min_value=date(1950, 1, 1), max_value=date(2010, 12, 31))
regions = st.sampled_from(["110105", "310104", "430102", "440305", "510107", "330106"])
sequences = st.integers(min_value=0, max_value=999)


def _body(region, birth, seq):
    return f"{region}{birth:%Y%m%d}{seq:03d}"


@settings(max_examples=300, deadline=None)
@given(regions, births, sequences)
def test_every_number_built_by_the_standard_is_accepted(region, birth, seq):
    body = _body(region, birth, seq)
    number = body + standard_check(body)
    # the independent implementation agrees on the check character (its
    # is_valid also refuses region codes it does not know for that birth year,
    # which our rule only warns about)
    assert ric.calc_check_digit(number) == number[-1]
    assert id_check_character(body) == standard_check(body)
    assert check_id_number(number, today=TODAY).ok


@settings(max_examples=300, deadline=None)
@given(regions, births, sequences, st.integers(min_value=0, max_value=17), st.sampled_from(CHARS))
def test_any_single_changed_character_is_refused(region, birth, seq, position, char):
    body = _body(region, birth, seq)
    number = body + standard_check(body)
    if number[position] == char or (position < 17 and char == "X"):
        return  # not a change, or X where only digits may stand (refused by shape anyway)
    changed = number[:position] + char + number[position + 1:]
    assert not check_id_number(changed, today=TODAY).ok


@settings(max_examples=100, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(min_value=1990, max_value=2008))
def test_the_synthetic_generator_makes_numbers_the_outside_world_accepts(rng, year):
    number = make_id_number(rng, birth_year=year)
    assert ric.is_valid(number)  # its districts exist, so stdnum accepts it whole
    assert check_id_number(number, today=TODAY).ok


def test_the_first_of_every_month_across_a_leap_year():
    day = date(2000, 1, 1)
    while day.year == 2000:
        body = _body("430102", day, 7)
        assert check_id_number(body + standard_check(body), today=TODAY).ok
        day += timedelta(days=1)
