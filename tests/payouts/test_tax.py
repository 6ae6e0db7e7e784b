"""Worked examples for both withholding methods (figures from DESIGN.md)."""

from datetime import date
from decimal import Decimal as D

import pytest

from stipends.payouts.rules import intern_cumulative_tax, labour_per_payment_tax
from stipends.payouts.selectors import load_table, table_for

LABOUR = load_table("cn-iit-labour-2019")
INTERN = load_table("cn-iit-intern-cumulative-2019")


@pytest.mark.parametrize(("pay", "tax"), [
    ("1810", "202.00"),      # (1,810 − 800) × 20 %
    ("4500", "720.00"),      # 4,500 × 80 % × 20 %
    ("800", "0.00"),         # nothing left after the 800 deduction
    ("500", "0.00"),         # never negative
    ("4000", "640.00"),      # last amount with the flat 800 deduction
    ("4000.01", "640.00"),   # 3,200.008 × 20 % = 640.0016
    ("25000", "4000.00"),    # income 20,000 is still in the 20 % bracket
    ("30000", "5200.00"),    # 24,000 × 30 % − 2,000
    ("70000", "15400.00"),   # 56,000 × 40 % − 7,000
])
def test_labour_remuneration_per_payment(pay, tax):
    assert labour_per_payment_tax(LABOUR, pay=D(pay)).tax == D(tax)


def test_a_typical_stipend_withholds_nothing_by_the_intern_method():
    result = intern_cumulative_tax(INTERN, pay=D("2577.00"), paid_before=D("0"), withheld_before=D("0"), months=1)
    assert result.tax == D("0.00") and result.taxable == D("0.00")


def test_intern_method_is_cumulative_over_the_year():
    first = intern_cumulative_tax(INTERN, pay=D("20000"), paid_before=D("0"), withheld_before=D("0"), months=1)
    assert first.tax == D("330.00")  # (16,000 − 5,000) × 3 %
    second = intern_cumulative_tax(INTERN, pay=D("20000"), paid_before=D("20000"),
                                   withheld_before=first.tax, months=2)
    assert second.tax == D("330.00")  # (32,000 − 10,000) × 3 % − 330
    assert second.withheld_before == D("330.00")


def test_intern_method_bracket_boundary_is_continuous():
    # taxable 36,000 exactly: 3 %; a cent more: 10 % − 2,520 gives the same tax.
    at = intern_cumulative_tax(INTERN, pay=D("51250"), paid_before=D("0"), withheld_before=D("0"), months=1)
    assert at.taxable == D("36000.00") and at.tax == D("1080.00") and at.rate == D("0.03")
    above = intern_cumulative_tax(INTERN, pay=D("51250.0125"), paid_before=D("0"), withheld_before=D("0"),
                                  months=1)
    assert above.rate == D("0.10") and above.tax == D("1080.00")


def test_intern_method_never_refunds():
    result = intern_cumulative_tax(INTERN, pay=D("100"), paid_before=D("20000"), withheld_before=D("900"), months=3)
    assert result.tax == D("0.00")


def test_intern_method_needs_a_month():
    with pytest.raises(ValueError):
        intern_cumulative_tax(INTERN, pay=D("100"), paid_before=D("0"), withheld_before=D("0"), months=0)


def test_tables_name_their_source_and_are_chosen_by_date():
    assert "2018年第61号" in LABOUR.source and "2020年第13号" in INTERN.source
    assert table_for("intern_cumulative", date(2020, 12, 30)) == INTERN
    with pytest.raises(LookupError):
        table_for("intern_cumulative", date(2019, 12, 30))
    with pytest.raises(ValueError):
        labour_per_payment_tax(INTERN, pay=D("1"))
