from decimal import Decimal

import pytest

from trainingweek.money import money, split_largest_remainder


@pytest.mark.parametrize(("raw", "expected"), [
    ("2.345", "2.35"), ("2.344", "2.34"), ("-2.345", "-2.35"), ("0.005", "0.01"), (1810, "1810.00"),
    (Decimal("80") * Decimal("0.75"), "60.00"),
])
def test_money_rounds_half_up_to_the_cent(raw, expected):
    assert money(raw) == Decimal(expected)


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        money(0.1)


def test_equal_split_adds_up_to_the_cent():
    shares = split_largest_remainder(Decimal("2000.00"), [1] * 7)
    assert sum(shares) == Decimal("2000.00")
    # 2,000 / 7 = 285.714…: seven times 285.71 leaves 3 cents for the first three.
    assert shares == [Decimal("285.72")] * 3 + [Decimal("285.71")] * 4


def test_split_by_score_gives_leftover_cents_to_largest_remainders():
    # 1,500 by scores 90 / 85 / 80: exact 529.41.. / 500.00.. / 470.58..
    shares = split_largest_remainder(Decimal("1500.00"), [Decimal(90), Decimal(85), Decimal(80)])
    assert shares == [Decimal("529.41"), Decimal("500.00"), Decimal("470.59")]
    assert sum(shares) == Decimal("1500.00")


def test_split_edge_cases():
    assert split_largest_remainder(Decimal("1.00"), []) == []
    assert split_largest_remainder(Decimal("0.01"), [1, 1]) == [Decimal("0.01"), Decimal("0.00")]
    assert split_largest_remainder(Decimal("10.00"), [0, 0]) == [Decimal("5.00"), Decimal("5.00")]
    with pytest.raises(ValueError):
        split_largest_remainder(Decimal("10.00"), [1, -1])
