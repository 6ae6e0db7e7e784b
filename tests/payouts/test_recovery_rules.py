"""Overpayments and their recovery (pure rules): worked examples by hand and
properties over any sequence of statements and payments."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stipends.payouts import rules as payout_rules
from stipends.payouts.rules import (
    Balance,
    CheckItem,
    Day,
    Incident,
    RateCard,
    StudentPeriod,
    adjustment,
    balance,
    batch_findings,
    line_record,
    lines_total,
    owed_from,
    settle,
    settling_lines,
    statement_part,
    stipend_lines,
)
from trainingweek.money import ZERO

CARD = RateCard()


def test_the_issue_case_by_hand():
    # 800.00 paid; a level-2 incident (50.00) confirmed afterwards: 750.00 due.
    assert balance(paid=D("800.00"), due=D("750.00")) == Balance(D("800.00"), D("750.00"), D("0.00"), D("50.00"))
    nothing_new = settle(D("-50.00"), D("0.00"))
    assert (nothing_new.gross, nothing_new.recovered, nothing_new.carried, nothing_new.owed_after) == (
        D("0.00"), D("0.00"), D("50.00"), D("50.00"))
    # Two more days (160.00): recovery = min(50.00 owed, 160.00) = 50.00; 110.00 paid.
    next_pay = settle(D("160.00"), nothing_new.owed_after)
    assert (next_pay.gross, next_pay.recovered, next_pay.owed_after) == (D("110.00"), D("50.00"), D("0.00"))
    # A payment smaller than the debt: 30.00 earned, 50.00 owed → 0.00 paid, 20.00 still owed.
    small = settle(D("30.00"), D("50.00"))
    assert (small.gross, small.recovered, small.owed_after) == (D("0.00"), D("30.00"), D("20.00"))


def test_settling_lines_add_up_to_the_gross_and_are_left_out_of_the_statement():
    s = settle(D("160.00"), D("50.00"))
    lines = [{"key": "practice_days", "code": "practice_days", "amount": "160.00"}, *settling_lines(s)]
    assert [(x["code"], x["amount"]) for x in lines] == [("practice_days", "160.00"), ("recovery", "-50.00")]
    assert lines_total(lines) == s.gross == D("110.00")
    assert [x["code"] for x in statement_part(lines)] == ["practice_days"]
    assert owed_from([lines]) == D("-50.00")  # alone it only recovers; with the owed line before, it nets
    carried = settle(D("-50.00"))
    assert owed_from([settling_lines(carried), lines]) == D("0.00")
    with pytest.raises(ValueError):
        settle(D("10.00"), D("-1.00"))


def test_owed_is_a_finding_before_approval_for_items_and_for_students_without_one():
    item = CheckItem(1, "学生甲", "1班", payout_rules.CARD_OK, "d1", "学生甲", D("0.00"), D("0.00"), False,
                     owed=D("50.00"))
    recovering = CheckItem(2, "学生乙", "1班", payout_rules.CARD_OK, "d2", "学生乙", D("110.00"), D("110.00"),
                           False, recovered=D("50.00"))
    found = batch_findings([item, recovering], owing=[("学生丙", D("20.00"))])
    owed = [(f.item_ids, f.detail) for f in found if f.kind == "owed"]
    assert owed == [([1], "学生甲: 0.00 / 50.00"), ([2], "学生乙: 50.00 / 0.00"), ([], "学生丙: 0.00 / 20.00")]
    assert not any(f.blocking for f in found if f.kind == "owed")


# --------------------------------------------------------------------------- properties
amounts = st.decimals(min_value=D("-500.00"), max_value=D("500.00"), places=2)


@settings(max_examples=300, deadline=None)
@given(st.lists(amounts, min_size=1, max_size=12))
def test_no_negative_payment_no_double_recovery_and_nothing_lost(changes):
    """Over any sequence of statement changes (kept so the statement to date
    is never negative): every payment ≥ 0; paid − owed == due after every
    batch; what was recovered plus what is still owed is what was overpaid;
    no batch recovers more than was owed after the one before."""
    due = paid = owed = recovered_total = overpaid_total = ZERO
    for change in changes:
        change = max(change, -due)  # a statement to date is never negative
        s = settle(change, owed)
        assert s.gross >= 0 and s.recovered >= 0 and s.carried >= 0 and s.owed_after >= 0
        assert s.recovered <= owed  # recovers only what the batch before left owed: never twice
        assert s.gross + s.recovered - s.carried == change  # the lines add up to the gross
        due += change
        paid += s.gross
        owed = s.owed_after
        recovered_total += s.recovered
        overpaid_total += s.carried
        assert paid - owed == due
        assert recovered_total + owed == overpaid_total
        assert balance(paid=paid, due=due).owed == owed


def _period(days: int, incidents: int) -> StudentPeriod:
    start = date(2020, 10, 26)
    return StudentPeriod(
        days=[Day(start + timedelta(i), "practice", "present", record_id=i + 1) for i in range(days)],
        incidents=[Incident(100 + i, start + timedelta(i), "2") for i in range(incidents)])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 4)), min_size=1, max_size=6))
def test_freezing_batches_line_by_line_keeps_the_balance(statements):
    """What ``_freeze_chunk`` does, batch after batch, over statements that go
    up and down (days worked, level-2 incidents): each payment's lines add up
    to its gross, the gross is never negative, and the owed lines always say
    what the balance says."""
    frozen: list[list[dict]] = []
    paid = ZERO
    for days, incidents in statements:
        stipend = stipend_lines(_period(days, incidents), CARD)
        lines = adjustment([line_record(x) for x in stipend.lines], [statement_part(f) for f in frozen])
        change = lines_total(lines)
        if frozen and change == 0:
            continue
        s = settle(change, owed_from(frozen))
        lines += settling_lines(s)
        assert lines_total(lines) == s.gross >= 0
        frozen.append(lines)
        paid += s.gross
        assert owed_from(frozen) == balance(paid=paid, due=stipend.gross).owed
        assert paid - owed_from(frozen) == stipend.gross


def test_first_payment_has_no_settling_lines():
    assert settling_lines(settle(D("800.00"))) == []
    assert payout_rules.SETTLING_CODES == {"recovery", "owed_carried"}
