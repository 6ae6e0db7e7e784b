"""Worked examples for the stipend rules (defaults from DESIGN.md)."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from stipends.payouts.rules import Credit, Day, Incident, RateCard, StudentPeriod, stipend_lines

CARD = RateCard()


def days(start: date, n: int, kind: str, presence: str = "present", hours: str = "0"):
    return [Day(start + timedelta(i), kind, presence, D(hours), record_id=1000 + i) for i in range(n)]


def line(stipend, code):
    found = [x for x in stipend.lines if x.code == code]
    return found[0] if found else None


def test_training_days_count_only_from_the_day_the_assessment_was_passed():
    period = StudentPeriod(days(date(2020, 10, 14), 10, "training"), assessment_passed_on=date(2020, 10, 19))
    result = stipend_lines(period, CARD)
    training = line(result, "training_days")
    assert (training.quantity, training.rate, training.amount) == (D(5), D("40.00"), D("200.00"))
    assert [s[0] for s in training.sources] == [date(2020, 10, d) for d in range(19, 24)]
    assert result.gross == D("200.00")


def test_intensive_training_counts_as_training_and_no_pass_means_no_training_pay():
    period = StudentPeriod(days(date(2020, 10, 24), 2, "intensive"), assessment_passed_on=None)
    assert line(stipend_lines(period, CARD), "training_days") is None
    period = StudentPeriod(days(date(2020, 10, 24), 2, "intensive"), assessment_passed_on=date(2020, 10, 1))
    assert line(stipend_lines(period, CARD), "training_days").amount == D("80.00")


def test_practice_days_pay_present_and_late_but_not_rest_leave_absence_or_truancy():
    week = [
        Day(date(2020, 10, 26), "practice", "present"), Day(date(2020, 10, 27), "practice", "late"),
        Day(date(2020, 10, 28), "practice", "absent"), Day(date(2020, 10, 29), "practice", "leave"),
        Day(date(2020, 10, 30), "rest", "rest"), Day(date(2020, 10, 31), "practice", "truant"),
        Day(date(2020, 11, 11), "pre_sale", "present"), Day(date(2020, 11, 12), "after_sale", "present"),
    ]
    practice = line(stipend_lines(StudentPeriod(week), CARD), "practice_days")
    assert (practice.quantity, practice.amount) == (D(4), D("320.00"))


def test_overtime_is_paid_per_hour_above_the_threshold_day_by_day():
    worked = [
        Day(date(2020, 10, 26), "practice", "present", D("10.5")),  # 2.5 h over
        Day(date(2020, 10, 27), "practice", "present", D("8")),     # exactly the threshold: nothing
        Day(date(2020, 10, 28), "practice", "present", D("7")),     # under: nothing, no carry-over
        # The Double-11 peak shift 07:00–02:00 belongs to the day it starts: 16 h on 11-11.
        Day(date(2020, 11, 11), "pre_sale", "present", D("16")),    # 8 h over
        Day(date(2020, 11, 12), "after_sale", "absent", D("9")),    # not a worked day: nothing
    ]
    overtime = line(stipend_lines(StudentPeriod(worked), CARD), "overtime")
    assert (overtime.quantity, overtime.rate, overtime.amount) == (D("10.5"), D("10.00"), D("105.00"))
    assert [(s[0], s[2]) for s in overtime.sources] == [(date(2020, 10, 26), D("2.5")), (date(2020, 11, 11), D("8"))]


def test_overtime_rounds_half_up_to_the_cent():
    card = RateCard(overtime_hour=D("15.00"))
    worked = [Day(date(2020, 10, 26), "practice", "present", D("8.333"))]
    assert line(stipend_lines(StudentPeriod(worked), card), "overtime").amount == D("5.00")  # 4.995


def test_support_duty_below_the_minimum_days_earns_nothing_at_all():
    period = StudentPeriod(days(date(2020, 10, 26), 19, "practice"), support_duty=True)
    result = stipend_lines(period, CARD)
    assert result.lines == () and result.gross == D("0.00")


def test_support_duty_pays_days_on_time_once_the_minimum_is_attended():
    attended = days(date(2020, 10, 26), 20, "practice") + days(date(2020, 11, 15), 2, "after_sale", "late")
    result = stipend_lines(StudentPeriod(attended, support_duty=True), CARD)
    support = line(result, "support_duty")
    assert (support.quantity, support.rate, support.amount) == (D(20), D("10.00"), D("200.00"))
    assert line(result, "practice_days") is None and line(result, "overtime") is None


@pytest.mark.parametrize(("level", "share"), [("1", "40.00"), ("2", "50.00"), ("3", "60.00"), ("4", "500.00")])
def test_each_penalty_level_deducts_the_students_share(level, share):
    period = StudentPeriod(days(date(2020, 10, 26), 10, "practice"), incidents=[Incident(7, date(2020, 10, 27), level)])
    result = stipend_lines(period, CARD)
    penalty = line(result, "penalty")
    assert penalty.amount == -D(share) and penalty.sources == (7,)
    assert result.gross == D("800.00") - D(share)


def test_cash_compensation_deducts_the_actual_amount():
    period = StudentPeriod(days(date(2020, 10, 26), 10, "practice"),
                           incidents=[Incident(8, date(2020, 10, 27), "cash", D("123.45"))])
    assert stipend_lines(period, CARD).gross == D("676.55")


def test_liability_never_exceeds_what_was_earned():
    period = StudentPeriod(days(date(2020, 10, 26), 2, "practice"),
                           incidents=[Incident(9, date(2020, 10, 27), "4")])
    result = stipend_lines(period, CARD)
    assert (result.earned, result.liability, result.gross) == (D("160.00"), D("500.00"), D("0.00"))
    assert line(result, "liability_cap").amount == D("340.00")
    assert sum(x.amount for x in result.lines) == result.gross


def test_awards_and_prize_shares_are_added():
    period = StudentPeriod(days(date(2020, 10, 26), 1, "practice"),
                           awards=[Credit(3, "双11销售冠军（康恩）", D("100"))],
                           prize_shares=[Credit(4, "团队第一名", D("285.72"))])
    result = stipend_lines(period, CARD)
    assert line(result, "award").label == "双11销售冠军（康恩）"
    assert result.gross == D("465.72")


def test_a_whole_programme_worked_example():
    # 2020: training passed 10-19 (5 paid days of 10-19..10-23), intensive 10-24/25,
    # practice 10-26..11-10 with two rest days, peak 11-11, after-sale 11-12..11-22.
    period_days = (
        days(date(2020, 10, 14), 10, "training")
        + days(date(2020, 10, 24), 2, "intensive")
        + days(date(2020, 10, 26), 14, "practice", hours="9")   # 14 × 1 h overtime
        + [Day(date(2020, 11, 9), "rest", "rest"), Day(date(2020, 11, 10), "rest", "rest")]
        + [Day(date(2020, 11, 11), "pre_sale", "present", D("16"))]
        + days(date(2020, 11, 12), 11, "after_sale", hours="8")
    )
    result = stipend_lines(StudentPeriod(period_days, assessment_passed_on=date(2020, 10, 19),
                                         incidents=[Incident(1, date(2020, 11, 1), "1")]), CARD)
    assert line(result, "training_days").amount == D("280.00")     # 7 days × 40
    assert line(result, "practice_days").amount == D("2080.00")    # 26 days × 80
    assert line(result, "overtime").amount == D("220.00")          # (14 + 8) h × 10
    assert result.gross == D("2540.00")                            # 2,580 − 40
    assert sum(x.amount for x in result.lines) == result.gross


def test_unknown_level_or_bad_cash_is_refused():
    with pytest.raises(ValueError):
        stipend_lines(StudentPeriod([], incidents=[Incident(1, date(2020, 1, 1), "5")]), CARD)
    with pytest.raises(ValueError):
        stipend_lines(StudentPeriod([], incidents=[Incident(1, date(2020, 1, 1), "cash")]), CARD)


def test_no_pay_after_the_last_day():
    week = days(date(2020, 10, 26), 10, "practice")  # 10-26 .. 11-04
    assert line(stipend_lines(StudentPeriod(week), CARD), "practice_days").quantity == 10
    left = line(stipend_lines(StudentPeriod(week, last_day=date(2020, 10, 30)), CARD), "practice_days")
    assert left.quantity == 5 and left.amount == D("400.00")
