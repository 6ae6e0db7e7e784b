"""Income tax withheld on stipends: pure functions over versioned tables.

The tables are data (``stipends/taxdata/*.json``), each naming its legal
source and the date it applies from; nothing here hard-codes a rate. Two
methods, chosen per programme:

- ``intern_cumulative``: a full-time student's internship pay is withheld by
  the cumulative method. Cumulative income = pay from this payer this year ×
  80 %; taxable = that − 5,000 × internship months with this payer this year;
  tax = taxable × rate − quick deduction − tax already withheld this year,
  never below zero. A usual 2,000–3,000 CNY stipend withholds nothing.
- ``labour_per_payment``: each payment alone: income = pay − 800 up to 4,000,
  else pay × 80 %; tax = income × rate − quick deduction (20 %; 30 % − 2,000
  above 20,000; 40 % − 7,000 above 50,000). 1,810 → 202.00; 4,500 → 720.00.
"""

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from trainingweek.money import ZERO, money

TAXDATA = Path(__file__).resolve().parent / "taxdata"


@dataclass(frozen=True)
class Bracket:
    upto: Decimal | None  # inclusive upper bound of taxable income; None: no bound
    rate: Decimal
    quick_deduction: Decimal


@dataclass(frozen=True)
class TaxTable:
    key: str
    method: str
    title: str
    source: str
    valid_from: date
    brackets: tuple[Bracket, ...]
    income_ratio: Decimal
    monthly_deduction: Decimal = ZERO
    flat_deduction: Decimal = ZERO
    flat_deduction_upto: Decimal = ZERO

    def bracket_for(self, taxable: Decimal) -> Bracket:
        for bracket in self.brackets:
            if bracket.upto is None or taxable <= bracket.upto:
                return bracket
        raise ValueError(f"{self.key}: the last bracket must be open-ended")


@dataclass(frozen=True)
class TaxResult:
    """The tax to withhold now, with the figures that led to it."""

    tax: Decimal
    taxable: Decimal
    rate: Decimal
    quick_deduction: Decimal
    table_key: str
    withheld_before: Decimal = ZERO


def intern_cumulative_tax(
    table: TaxTable, *, pay: Decimal, paid_before: Decimal, withheld_before: Decimal, months: int
) -> TaxResult:
    """Tax to withhold on ``pay`` by the cumulative method.

    ``paid_before`` and ``withheld_before`` are this payer's earlier payments
    and withholdings to the same person in the same tax year; ``months`` the
    months of internship with this payer this year, this one included.

    Worked example: 3,000 paid before, 2,500 now, 2 months:
    income (5,500 × 0.8 = 4,400) − 10,000 < 0 → 0.00.
    """
    if table.method != "intern_cumulative":
        raise ValueError(f"{table.key} is not a cumulative-method table")
    if months < 1:
        raise ValueError("an internship payment covers at least one month")
    income = (Decimal(paid_before) + Decimal(pay)) * table.income_ratio
    taxable = max(ZERO, income - table.monthly_deduction * months)
    bracket = table.bracket_for(taxable)
    cumulative_tax = taxable * bracket.rate - bracket.quick_deduction
    tax = money(max(ZERO, cumulative_tax - Decimal(withheld_before)))
    return TaxResult(tax, money(taxable), bracket.rate, bracket.quick_deduction, table.key, money(withheld_before))


def labour_per_payment_tax(table: TaxTable, *, pay: Decimal) -> TaxResult:
    """Tax to withhold on one labour-remuneration payment.

    >>> labour_per_payment_tax(load_table("cn-iit-labour-2019"), pay=Decimal("1810")).tax
    Decimal('202.00')
    """
    if table.method != "labour_per_payment":
        raise ValueError(f"{table.key} is not a per-payment table")
    pay = Decimal(pay)
    if pay <= table.flat_deduction_upto:
        income = max(ZERO, pay - table.flat_deduction)
    else:
        income = pay * table.income_ratio
    bracket = table.bracket_for(income)
    tax = money(max(ZERO, income * bracket.rate - bracket.quick_deduction))
    return TaxResult(tax, money(income), bracket.rate, bracket.quick_deduction, table.key)


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value)


@cache
def load_table(key: str) -> TaxTable:
    """Read one versioned table from ``stipends/taxdata/<key>.json``."""
    data = json.loads((TAXDATA / f"{key}.json").read_text(encoding="utf-8"))
    return TaxTable(
        key=data["key"], method=data["method"], title=data["title"], source=data["source"],
        valid_from=date.fromisoformat(data["valid_from"]),
        brackets=tuple(Bracket(_decimal(b["upto"]), Decimal(b["rate"]), Decimal(b["quick_deduction"]))
                       for b in data["brackets"]),
        income_ratio=Decimal(data["income_ratio"]),
        monthly_deduction=Decimal(data.get("monthly_deduction", "0")),
        flat_deduction=Decimal(data.get("flat_deduction", "0")),
        flat_deduction_upto=Decimal(data.get("flat_deduction_upto", "0")),
    )


def table_for(method: str, on: date) -> TaxTable:
    """The newest table of ``method`` in force on ``on``."""
    tables = [load_table(p.stem) for p in sorted(TAXDATA.glob("*.json"))]
    candidates = [t for t in tables if t.method == method and t.valid_from <= on]
    if not candidates:
        raise LookupError(f"no {method} tax table in force on {on}")
    return max(candidates, key=lambda t: t.valid_from)
