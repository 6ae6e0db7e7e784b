"""The settlement statement, the good-conduct bonus and the deadlines, as
pure rules, with the 2018 agreement of the seeds as the worked example."""

from datetime import date
from decimal import Decimal

import pytest

from stipends.settlement import rules as dl
from stipends.settlement.rules import (
    BonusOverride,
    Conduct,
    PaymentIn,
    Rates,
    RoomPeriod,
    WorkCalendar,
    bonus_decision,
    covered_on,
    deposit_paid_on,
    fee_lines,
    package_calendar,
    period_problems,
    settled_on,
    settlement_statement,
)

D = date.fromisoformat
RATES_2018 = Rates(Decimal("13.00"), Decimal("300.00"), Decimal("1000.00"))
NOVEMBER = (D("2018-11-01"), D("2018-11-30"))


def test_2018_agreement_statement():
    periods = [
        RoomPeriod("实训楼机房A", True, *NOVEMBER, computers=60),
        RoomPeriod("实训楼机房B", True, *NOVEMBER, computers=50),
        RoomPeriod("206", False, *NOVEMBER),
    ]
    payments = [PaymentIn(D("2018-10-15"), Decimal("10000"), "deposit")]
    s = settlement_statement(periods, RATES_2018, Conduct(misconduct=(("dismissed", 0),)), payments,
                             programme_span=(D("2018-09-03"), D("2018-11-30")))
    assert [line.amount for line in s.lines] == [
        Decimal("23400.00"), Decimal("19500.00"), Decimal("9000.00"), Decimal("1000.00"),
    ]
    assert s.fees_total == Decimal("52900.00")
    assert s.deposit_paid == Decimal("10000.00")
    assert s.amount_due == Decimal("42900.00")
    assert s.balance == Decimal("42900.00")
    assert s.warnings == ()
    assert "60" in s.lines[0].basis and "30" in s.lines[0].basis and "¥13.00" in s.lines[0].basis
    assert s.deposit_line.amount == Decimal("-10000.00")


def test_lab_whose_computer_count_changes_mid_way():
    # 60 working computers for 11-01..11-10, then 8 broke: 52 for 11-11..11-30.
    lines = fee_lines([
        RoomPeriod("301", True, D("2018-11-01"), D("2018-11-10"), 60),
        RoomPeriod("301", True, D("2018-11-11"), D("2018-11-30"), 52),
    ], RATES_2018)
    assert [line.amount for line in lines] == [Decimal("7800.00"), Decimal("13520.00")]  # 60×10×13, 52×20×13
    assert sum(line.amount for line in lines) == Decimal("21320.00")


def test_rates_with_cents_round_per_line():
    rates = Rates(Decimal("0.333"), Decimal("0.005"), Decimal("0"))
    lines = fee_lines([RoomPeriod("L", True, D("2020-01-01"), D("2020-01-01"), 1),
                       RoomPeriod("R", False, D("2020-01-01"), D("2020-01-01"))], rates)
    assert [line.amount for line in lines] == [Decimal("0.33"), Decimal("0.01")]


def test_payments_reduce_the_balance_and_overpayment_is_negative():
    periods = [RoomPeriod("206", False, D("2018-11-01"), D("2018-11-10"))]  # 3,000
    payments = [
        PaymentIn(D("2018-10-15"), Decimal("10000"), "deposit"),
        PaymentIn(D("2019-01-05"), Decimal("500"), "other"),
    ]
    s = settlement_statement(periods, RATES_2018, Conduct(), payments)
    assert s.fees_total == Decimal("4000.00")
    assert s.amount_due == Decimal("-6000.00")
    assert s.balance == Decimal("-6500.00")


def test_periods_outside_the_programme_and_overlaps_are_warned():
    periods = [
        RoomPeriod("301", True, D("2018-10-30"), D("2018-11-10"), 60),
        RoomPeriod("301", True, D("2018-11-10"), D("2018-11-30"), 52),
    ]
    s = settlement_statement(periods, RATES_2018, Conduct(), [], programme_span=NOVEMBER)
    assert len(s.warnings) == 2
    assert "2018-10-30" in s.warnings[0]
    assert "2018-11-10" in s.warnings[1]


def test_period_problems():
    assert period_problems([RoomPeriod("L", True, D("2020-01-02"), D("2020-01-01"), 5)])
    assert period_problems([RoomPeriod("L", True, D("2020-01-01"), D("2020-01-01"), 0)])
    assert period_problems([RoomPeriod("R", False, D("2020-01-01"), D("2020-01-01"))]) == []
    assert period_problems([
        RoomPeriod("L", True, D("2020-01-01"), D("2020-01-05"), 5),
        RoomPeriod("L", True, D("2020-01-06"), D("2020-01-09"), 4),
    ]) == []


# --- the good-conduct bonus ---------------------------------------------------------

BONUS = Decimal("1000")


def test_bonus_due_when_nothing_is_recorded():
    decision = bonus_decision(BONUS, Conduct(misconduct=(("students dismissed", 0),)))
    assert decision.due and decision.amount == Decimal("1000.00") and not decision.overridden


def test_bonus_not_due_after_a_dismissal():
    decision = bonus_decision(BONUS, Conduct(misconduct=(("students dismissed", 1), ("confirmed incidents", 0))))
    assert not decision.due and decision.amount == Decimal("0.00")
    assert "students dismissed: 1" in decision.basis
    assert "confirmed incidents" not in decision.basis


def test_bonus_not_due_after_a_school_breach():
    decision = bonus_decision(BONUS, Conduct(school_breached=True, breach_note="机房断网一小时"))
    assert not decision.due and "机房断网一小时" in decision.basis


def test_bonus_counts_every_source():
    decision = bonus_decision(BONUS, Conduct(True, "", (("students dismissed", 2), ("confirmed incidents", 3))))
    assert not decision.due
    assert "students dismissed: 2" in decision.basis and "confirmed incidents: 3" in decision.basis


@pytest.mark.parametrize("conduct", [Conduct(), Conduct(school_breached=True)])
def test_bonus_override_wins_with_its_reason(conduct):
    granted = bonus_decision(BONUS, conduct, BonusOverride(True, "双方协商"))
    refused = bonus_decision(BONUS, conduct, BonusOverride(False, "学生辱骂顾客"))
    assert granted.due and granted.amount == Decimal("1000.00") and granted.overridden and "双方协商" in granted.basis
    assert not refused.due and refused.amount == Decimal("0.00") and "学生辱骂顾客" in refused.basis


# --- when deposit and settlement count as done ------------------------------------------

def test_deposit_paid_on_the_day_instalments_reach_the_deposit():
    payments = [
        PaymentIn(D("2018-08-10"), Decimal("4000"), "deposit"),
        PaymentIn(D("2018-08-12"), Decimal("9000"), "other"),
        PaymentIn(D("2018-08-15"), Decimal("6000"), "deposit"),
    ]
    assert deposit_paid_on(payments, Decimal("10000")) == D("2018-08-15")
    assert deposit_paid_on(payments[:2], Decimal("10000")) is None
    assert covered_on(payments, Decimal("0")) is None


def test_settled_needs_a_settlement_payment_and_full_cover():
    deposit = PaymentIn(D("2018-08-15"), Decimal("10000"), "deposit")
    assert settled_on([deposit], Decimal("5000")) is None  # deposit alone never settles
    final = PaymentIn(D("2019-01-10"), Decimal("42900"), "settlement")
    assert settled_on([deposit, final], Decimal("52900")) == D("2019-01-10")
    assert settled_on([deposit, final], Decimal("60000")) is None
    assert settled_on([deposit, PaymentIn(D("2019-01-02"), Decimal("1"), "settlement")], Decimal("5000")) == D("2019-01-02")


# --- deadlines ----------------------------------------------------------------------

TERMS_2018 = dl.Terms(10, 30, 2, 12, 30)
DATES_2018 = dl.ProgrammeDates(2018, D("2018-09-03"), D("2018-11-30"), D("2018-11-01"))


def _by_kind(found):
    return {d.kind: d for d in found}


def test_deadlines_of_the_2018_agreement():
    found = _by_kind(dl.programme_deadlines(DATES_2018, TERMS_2018, {}, package_calendar()))
    # 10 working days before Monday 2018-09-03: 08-31 back to 08-20.
    assert found[dl.DEPOSIT].due == D("2018-08-20")
    assert found[dl.INSURANCE].due == D("2018-10-30")
    assert found[dl.STIPENDS].due == D("2018-12-30")
    # 30 working days after Friday 2018-11-30, with Saturday 12-29 worked and
    # 12-31 and 01-01 off for New Year.
    assert found[dl.SETTLEMENT].due == D("2019-01-14")
    assert not any(d.provisional for d in found.values())
    plain = WorkCalendar({}, frozenset(range(2000, 2100)))
    assert _by_kind(dl.programme_deadlines(DATES_2018, TERMS_2018, {}, plain))[dl.SETTLEMENT].due == D("2019-01-11")


def test_deadline_statuses():
    found = _by_kind(dl.programme_deadlines(DATES_2018, TERMS_2018, {dl.DEPOSIT: D("2018-08-21")}, package_calendar()))
    deposit, insurance = found[dl.DEPOSIT], found[dl.INSURANCE]
    assert deposit.status(D("2018-12-01")) == dl.DONE and deposit.late
    assert insurance.remind_from == D("2018-10-25")  # three working days before 10-30
    assert insurance.status(D("2018-10-24")) == dl.UPCOMING
    assert insurance.status(D("2018-10-25")) == dl.DUE_SOON
    assert insurance.status(D("2018-10-30")) == dl.DUE_SOON
    assert insurance.status(D("2018-10-31")) == dl.OVERDUE
    assert dl.reminder_stage(insurance, D("2018-10-24")) is None
    assert dl.reminder_stage(insurance, D("2018-10-26")) == "upcoming"
    assert dl.reminder_stage(insurance, D("2018-11-02")) == "overdue"
    assert dl.reminder_stage(deposit, D("2018-12-01")) is None


def test_deadlines_without_phases_are_undated():
    dates = dl.ProgrammeDates(2018, None, None, None)
    found = _by_kind(dl.programme_deadlines(dates, TERMS_2018, {}, package_calendar()))
    assert found[dl.DEPOSIT].due is None and found[dl.DEPOSIT].status(D("2018-01-01")) == dl.UNDATED
    assert found[dl.INSURANCE].due is None
    assert found[dl.STIPENDS].due == D("2018-12-30")


def test_deadlines_in_an_unannounced_year_are_provisional():
    dates = dl.ProgrammeDates(2027, D("2027-09-06"), D("2027-11-30"), D("2027-11-01"))
    found = _by_kind(dl.programme_deadlines(dates, TERMS_2018, {}, package_calendar()))
    assert found[dl.DEPOSIT].provisional and found[dl.SETTLEMENT].provisional
    assert "2027" in found[dl.DEPOSIT].warning
    assert not found[dl.INSURANCE].provisional  # calendar days: certain
    assert found[dl.STIPENDS].warning == ""
    entered = package_calendar().with_years({2027: {D("2027-10-01"): False}, 2028: {}})
    found = _by_kind(dl.programme_deadlines(dates, TERMS_2018, {}, entered))
    assert not found[dl.DEPOSIT].provisional and not found[dl.SETTLEMENT].provisional


def test_stipend_day_past_the_month_end_falls_back():
    assert dl.stipend_due(2021, 2, 30) == D("2021-02-28")
    assert dl.stipend_due(2020, 2, 30) == D("2020-02-29")
