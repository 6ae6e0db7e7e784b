"""Money: Decimal with two places, ROUND_HALF_UP, rounded per line here only.

Never build money from a float: ``money(0.1)`` raises, ``money("0.1")`` works.
"""

from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal | int | str) -> Decimal:
    """Round an amount to the cent, half up (0.005 → 0.01).

    >>> money("2.345")
    Decimal('2.35')
    """
    if isinstance(value, float):
        raise TypeError("money is never built from a float; pass a string or Decimal")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def split_largest_remainder(total: Decimal, weights: Sequence[Decimal | int]) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights`` so the shares add up to the cent.

    Each share is first cut down to the cent; the cents left over go one by
    one to the largest remainders (ties to the earlier position, so the result
    is stable). All-zero weights split equally.

    >>> split_largest_remainder(Decimal("1000.00"), [1, 1, 1])
    [Decimal('333.34'), Decimal('333.33'), Decimal('333.33')]
    """
    total = money(total)
    if not weights:
        return []
    weights = [Decimal(w) for w in weights]
    if any(w < 0 for w in weights):
        raise ValueError("weights cannot be negative")
    if sum(weights) == 0:
        weights = [Decimal(1)] * len(weights)
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    shares = [e.quantize(CENT, rounding=ROUND_DOWN) for e in exact]
    cents_left = int((total - sum(shares)) / CENT)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[:cents_left]:
        shares[i] += CENT
    return shares
