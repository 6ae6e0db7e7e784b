"""Checks on personal data as typed or imported: pure functions, no ORM.

Each returns a :class:`Checked` value: the normalised value, the errors that
reject it and the warnings that only ask a person to look again. Messages are
in the user's language.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.utils.translation import gettext as _
from stdnum import luhn
from stdnum.cn import ric


@dataclass
class Checked:
    value: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


_SPACES = re.compile(r"[\s\u3000-]+")


def _text(raw) -> str:
    # Spreadsheets hand back numbers for digit-only cells and keep stray spaces.
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return _SPACES.sub("", str(raw))


# GB 11643-1999: the weights 2^(17-i) mod 11 of the first 17 digits (ISO 7064 MOD 11-2).
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check_character(body: str) -> str:
    """The check character of a resident ID from its first 17 digits.

    >>> id_check_character("11010519491231002")  # the standard's own example
    'X'
    """
    remainder = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11
    check = (12 - remainder) % 11
    return "X" if check == 10 else str(check)


def check_id_number(raw, *, today: date | None = None) -> Checked:
    """A mainland resident ID number (GB 11643-1999).

    18 characters, 17 digits then a digit or X; the check character (ISO 7064
    MOD 11-2) and the embedded birth date must be right. An unknown region
    code is only a warning: the code tables lag behind real re-zoning.
    """
    value = _text(raw).upper()
    result = Checked(value)
    if not value:
        result.errors.append(_("The ID number is empty"))
        return result
    if not re.fullmatch(r"\d{17}[\dX]", value):
        result.errors.append(_("An ID number has 18 characters: 17 digits, then a digit or X"))
        return result
    try:
        birth = ric.get_birth_date(value)
    except Exception:
        result.errors.append(_("The birth date %(date)s in the ID number does not exist") % {"date": value[6:14]})
        return result
    today = today or date.today()
    if birth > today or birth.year < 1900:
        result.errors.append(_("The birth date %(date)s in the ID number is not plausible") % {"date": birth.isoformat()})
    expected = id_check_character(value[:17])
    if value[17] != expected:
        result.errors.append(_("The ID number's check character is wrong (it should be %(digit)s)") % {"digit": expected})
    if result.ok and not _region_known(value[:6], value[6:10]):
        result.warnings.append(_("The ID number's region code %(code)s is unknown: please check it") % {"code": value[:6]})
    return result


@lru_cache(maxsize=8192)
def _region_known(region: str, year: str) -> bool:
    """Was the region code assigned in that birth year? (stdnum's table lookup
    costs ~0.1 ms; an import repeats the same few codes thousands of times.)"""
    try:
        ric.get_birth_place(f"{region}{year}0101" + "0000")
    except Exception:
        return False
    return True


def check_phone(raw) -> Checked:
    """A mainland mobile number: 11 digits starting with 1 (a +86 prefix is dropped)."""
    value = _text(raw)
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("86") and len(value) == 13:
        value = value[2:]
    result = Checked(value)
    if not value:
        result.errors.append(_("The phone number is empty"))
    elif not re.fullmatch(r"1[3-9]\d{9}", value):
        result.errors.append(_("A phone number has 11 digits and starts with 1"))
    return result


CARD_DIGITS = (15, 19)  # the shortest and longest bank card number


def check_bank_card(raw) -> Checked:
    """A debit card number: digits only, 15 to 19 long (the one bank-card rule:
    the student import and the payout checks both use it).

    A Luhn failure (python-stdnum) is a warning "please check it", never a
    rejection: many real Chinese debit cards fail it.
    """
    value = _text(raw)
    result = Checked(value)
    if not value:
        result.errors.append(_("The bank card number is empty"))
    elif not value.isdigit():
        result.errors.append(_("A bank card number has digits only"))
    elif not CARD_DIGITS[0] <= len(value) <= CARD_DIGITS[1]:
        result.errors.append(_("A bank card number has 15 to 19 digits (this one has %(n)d)") % {"n": len(value)})
    elif not luhn.is_valid(value):
        result.warnings.append(_("The bank card number fails the Luhn check: please check it"))
    return result


#: What :func:`card_check` says of a card, in one word.
CARD_MISSING, CARD_INVALID, CARD_LUHN, CARD_OK = "missing", "invalid", "luhn", "ok"


def card_check(card: str | None) -> str:
    """What the one bank-card rule (:func:`check_bank_card`) says of a card,
    in one word kept beside the encrypted card (``Student.bank_card_check``,
    copied to each payout item's ``account_check``), so that neither a
    freeze nor the checks before approval decrypt the card: missing, invalid
    (not 15–19 digits: blocks approval), luhn (fails the Luhn check: a
    warning) or ok.

    >>> [card_check(c) for c in ("", "62220200000", "6222020000000000002", "4111111111111111")]
    ['missing', 'invalid', 'luhn', 'ok']
    """
    if not card:
        return CARD_MISSING
    checked = check_bank_card(card)
    if not checked.ok:
        return CARD_INVALID
    return CARD_LUHN if checked.warnings else CARD_OK
