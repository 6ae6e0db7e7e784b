"""Worked examples for score-sheet weights, KPI achievement, ranking and prizes."""

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.rules import (
    DEFAULT_WEIGHTS,
    KpiValue,
    achievement,
    attendance_score,
    kpi_score,
    prizes_by_rank,
    rank,
    sheet_total,
    split_prize,
    weight_problems,
)

PRIZES = [D(2000), D(1500), D(1000), D(500)]


def test_default_weights_are_the_seed_sheet_and_sum_to_100():
    assert weight_problems(DEFAULT_WEIGHTS) == []
    assert DEFAULT_WEIGHTS["kpi"] == D(30) and DEFAULT_WEIGHTS["exam"] == D(20)


def test_weights_that_do_not_sum_to_100_are_refused():
    weights = {**DEFAULT_WEIGHTS, "exam": D(25)}
    problems = weight_problems(weights)
    assert len(problems) == 1 and "105" in problems[0]
    assert weight_problems({**DEFAULT_WEIGHTS, "exam": D(-20), "kpi": D(70)})  # negative
    assert weight_problems({k: v for k, v in DEFAULT_WEIGHTS.items() if k != "mentor"})  # missing


def test_sheet_total_worked_example():
    scores = {item: D(80) for item in DEFAULT_WEIGHTS} | {"kpi": D(90)}
    result = sheet_total(scores, DEFAULT_WEIGHTS)
    assert result.total == D("83.00")
    assert result.weighted["kpi"] == D("27.00") and result.weighted["exam"] == D("16.00")


def test_sheet_total_with_a_missing_item_has_no_total_yet():
    scores = {item: D(80) for item in DEFAULT_WEIGHTS} | {"mentor": None}
    result = sheet_total(scores, DEFAULT_WEIGHTS)
    assert result.total is None and result.missing == ("mentor",)
    with pytest.raises(ValueError):
        sheet_total({item: D(101) for item in DEFAULT_WEIGHTS}, DEFAULT_WEIGHTS)


@pytest.mark.parametrize(("value", "target", "higher", "expected"), [
    ("96166", "80000", True, "1.2021"),   # average sales above target
    ("62.52", "65", True, "0.9618"),      # conversion rate, percent
    ("84", "60", False, "0.7143"),        # response time: 84 s against a 60 s target
    ("0.029", "0.05", False, "1.7241"),   # valid negative-review rate, lower is better
    ("0", "0.05", False, "2.0000"),       # none at all: the best there is, capped
    ("500000", "1000", True, "2.0000"),   # an outlier counts at most twice the target
    ("-0.74", "90", True, "0.0000"),      # a negative figure is no achievement
    (None, "60", False, None),            # missing is not zero
])
def test_achievement(value, target, higher, expected):
    got = achievement(None if value is None else D(value), D(target), higher)
    assert got == (None if expected is None else D(expected))


def test_kpi_score_caps_each_kpi_and_ignores_missing_values():
    kpis = [
        KpiValue(D("96166"), D("80000"), True, D(2)),  # 120 % → capped at 100 %
        KpiValue(D("84"), D("60"), False, D(1)),        # 71.43 %
        KpiValue(None, D("90"), True, D(5)),            # missing: weight re-normalised away
    ]
    assert kpi_score(kpis) == D("90.48")  # (1 × 2 + 0.7143 × 1) / 3
    assert kpi_score([KpiValue(None, D(1), True)]) is None


def test_attendance_score():
    assert attendance_score(scheduled=20, present=18, late=2) == D("95.00")
    assert attendance_score(scheduled=20, present=15, late=0, approved_leave=5) == D("100.00")
    assert attendance_score(scheduled=20, present=10, late=0) == D("50.00")  # absences count nothing
    assert attendance_score(scheduled=0, present=0, late=0) is None
    with pytest.raises(ValueError):
        attendance_score(scheduled=5, present=6, late=0)


def test_rank_with_ties_and_unscored_teams():
    ranks = rank({"森马": D("93.2"), "巴拉巴拉": D("90.4"), "康恩": D("90.4"), "群达": D("88"), "新组": None})
    assert ranks == {"森马": 1, "巴拉巴拉": 2, "康恩": 2, "群达": 4}


def test_prizes_by_rank_without_ties():
    assert prizes_by_rank({"a": 1, "b": 2, "c": 3, "d": 4}, PRIZES) == {
        "a": D("2000.00"), "b": D("1500.00"), "c": D("1000.00"), "d": D("500.00")}


def test_tied_teams_share_the_prizes_of_their_places():
    assert prizes_by_rank({"a": 1, "b": 1, "c": 3, "d": 4}, PRIZES) == {
        "a": D("1750.00"), "b": D("1750.00"), "c": D("1000.00"), "d": D("500.00")}
    # Three tied for second share 1,500 + 1,000 + 500 = 3,000.
    shares = prizes_by_rank({"a": 1, "b": 2, "c": 2, "d": 2}, PRIZES)
    assert shares == {"a": D("2000.00"), "b": D("1000.00"), "c": D("1000.00"), "d": D("1000.00")}
    # Ties past the last prize share what is left, to the cent.
    shares = prizes_by_rank({"a": 1, "b": 2, "c": 3, "d": 4, "e": 4, "f": 4}, PRIZES)
    assert shares["d"] + shares["e"] + shares["f"] == D("500.00")
    assert sorted(shares[k] for k in "def") == [D("166.66"), D("166.67"), D("166.67")]


@settings(max_examples=60, deadline=None)
@given(scores=st.dictionaries(st.integers(0, 40), st.integers(0, 6), max_size=30),
       prizes=st.lists(st.decimals("0", "5000", places=2), max_size=6))
def test_prizes_by_rank_as_the_places_they_occupy(scores, prizes):
    """Each tie group of ranks shares the prizes of the places it occupies
    (none past the last prize), to the cent; the sum is the prizes of the
    occupied places. The definition, written out over every group."""
    ranks = rank({k: D(v) for k, v in scores.items()})
    got = prizes_by_rank(ranks, prizes)
    assert set(got) == set(ranks)
    groups: dict[int, list] = {}
    for key, r in ranks.items():
        groups.setdefault(r, []).append(key)
    for r, keys in groups.items():
        pool = sum((prizes[p] for p in range(r - 1, r - 1 + len(keys)) if p < len(prizes)), D("0"))
        shares = sorted(got[k] for k in keys)
        assert sum(shares) == pool.quantize(D("0.01")) and shares[-1] - shares[0] <= D("0.01")
        assert all(str(s) == str(s.quantize(D("0.01"))) for s in shares)  # two places, 0.00 included
    assert sum(got.values(), D("0")) == sum(prizes[: len(ranks)], D("0"))


def test_team_prize_split_among_members_is_exact_to_the_cent():
    members = [f"s{i}" for i in range(7)]
    equal = split_prize(D("1500.00"), members)
    assert sum(equal.values()) == D("1500.00") and set(equal.values()) == {D("214.29"), D("214.28")}
    by_score = split_prize(D("1000.00"), ["a", "b", "c"], {"a": D(90), "b": D(85), "c": D(80)})
    assert by_score == {"a": D("352.94"), "b": D("333.33"), "c": D("313.73")}
    assert sum(by_score.values()) == D("1000.00")


def test_values_are_shown_to_two_places_at_most():
    from scoring.rules import format_value

    assert format_value(D("54.7974"), "percent") == "54.8%"
    assert format_value(D("66.545"), "percent") == "66.55%"
    assert format_value(D("32.66"), "seconds") == "32.66 s"
    assert format_value(D("91615.955"), "amount") == "91,615.96"
    assert format_value(D("282"), "count") == "282"
    assert format_value(None, "percent") == ""


def test_platform_kpi_values_sum_customers_and_average_response_over_the_days_with_a_figure():
    from scoring.rules import platform_kpi_values

    assert platform_kpi_values([170, None, 154], [D("55"), D("37"), None]) == {
        "customers": D("324"), "response_time": D("46.00")}
    # 31 / 3 = 10.333…; a day without a figure is not a zero.
    assert platform_kpi_values([1], [D("10"), None, D("10"), D("11")])["response_time"] == D("10.33")
    # Half up at the second place: 0.005 → 0.01 (banker's rounding would give 0.00).
    assert platform_kpi_values([], [D("0.01"), D("0")]) == {"response_time": D("0.01")}
    assert platform_kpi_values([0], [None]) == {"customers": D("0")}  # zero customers is a value
    assert platform_kpi_values([None], [None]) == {}


def test_a_day_is_in_a_period_between_its_ends_inclusive_and_a_missing_end_is_open():
    from datetime import date

    from scoring.rules import in_period

    day = date(2020, 11, 11)
    assert in_period(day, start=day, end=day)
    assert not in_period(day, start=date(2020, 11, 12), end=None)
    assert in_period(day, start=None, end=None) and not in_period(day, start=None, end=date(2020, 11, 10))
