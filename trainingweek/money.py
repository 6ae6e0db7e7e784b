"""Money: Decimal with two places, ROUND_HALF_UP, rounded per line here only.

Never build money from a float: ``money(0.1)`` raises, ``money("0.1")`` works.
"""

import re
import unicodedata
from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The widest amount a money column holds (max_digits=12, decimal_places=2).
MAX_DIGITS = 12
# An amount as people type it: digits, at most one point. No sign, no
# exponent (1e400), no NaN/Infinity: Decimal() would take all of those.
_AMOUNT = re.compile(r"^(\d+)(?:\.(\d*))?$")


def money(value: Decimal | int | str) -> Decimal:
    """Round an amount to the cent, half up (0.005 → 0.01).

    >>> money("2.345")
    Decimal('2.35')
    """
    if type(value) is Decimal:  # the usual case, tens of thousands a statement run: no copy first
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
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


def parse_amount(raw: str | Decimal, *, max_digits: int = MAX_DIGITS) -> Decimal:
    """A typed amount in CNY as Decimal with two places, or ``ValueError``
    with the reason (in the user's language). The one rule behind every
    money field (:class:`trainingweek.forms.MoneyField`) and every typed list
    of amounts: never negative, at most two decimal places (never rounded
    away: 1000.005 is refused, not paid as 1000.01), digits only (full-width
    digits count, 1e400, NaN and Infinity do not), and no wider than the
    money columns (``max_digits``).

    >>> parse_amount("１５００.5")
    Decimal('1500.50')
    """
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if isinstance(raw, Decimal) and raw.is_finite():
        text = f"{raw:f}"
    if text.startswith("-") and _AMOUNT.match(text[1:]):
        raise ValueError(_("Amounts cannot be negative."))
    match = _AMOUNT.match(text)
    if match is None:
        raise ValueError(_("“%(value)s” is not an amount: type digits, e.g. 1500.00.") % {"value": text[:20]})
    whole, cents = match.group(1).lstrip("0"), (match.group(2) or "").rstrip("0")
    if len(cents) > 2:
        raise ValueError(_("At most 2 decimal places (yuan and fen): %(value)s.") % {"value": text[:20]})
    if len(whole) > max_digits - 2:
        raise ValueError(_("At most %(n)s digits before the decimal point.") % {"n": max_digits - 2})
    return Decimal(f"{whole or 0}.{cents:0<2}")
