"""Worked examples for the pure payout rules: adjustments, internship
months, pre-approval findings, reading and matching the bank's result, and
when a programme's stipends count as paid."""

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from stipends.payouts import rules as payout_rules
from stipends.payouts.imports import BankResultImport, result_rows
from stipends.payouts.rules import (
    CheckItem,
    Credit,
    Day,
    Incident,
    PayableItem,
    RateCard,
    ResultRow,
    StudentPeriod,
    adjustment,
    batch_findings,
    internship_months,
    line_record,
    lines_total,
    match_bank_result,
    stipend_lines,
)

SAMPLE = Path(__file__).parent / "data" / "bank_result_example.xlsx"
CARD = RateCard()


def practice(days, start=1):
    return [Day(date(2020, 11, start + i), "practice", "present", D(0), 100 + start + i) for i in range(days)]


def records(period):
    return [line_record(x) for x in stipend_lines(period, CARD).lines]


def test_line_records_are_plain_json_with_a_key_per_rule_or_record():
    lines = records(StudentPeriod(practice(2), awards=[Credit("award:7", "销售冠军", D("200"))],
                                  incidents=[Incident(9, date(2020, 11, 1), "1")]))
    by_code = {x["code"]: x for x in lines}
    assert by_code["practice_days"]["key"] == "practice_days"
    assert by_code["practice_days"]["sources"] == [["2020-11-01", 101], ["2020-11-02", 102]]
    assert by_code["award"]["key"] == "award:award:7" and by_code["penalty"]["key"] == "penalty:9"
    assert (by_code["penalty"]["amount"], by_code["award"]["amount"]) == ("-40.00", "200.00")


def test_nothing_frozen_returns_the_statement_itself():
    lines = records(StudentPeriod(practice(3)))
    assert adjustment(lines, []) == lines


def test_an_unchanged_statement_leaves_nothing_to_pay():
    lines = records(StudentPeriod(practice(3)))
    assert adjustment(lines, [lines]) == []


def test_more_days_and_a_new_incident_become_adjustment_lines():
    before = records(StudentPeriod(practice(3)))
    now = records(StudentPeriod(practice(5), incidents=[Incident(9, date(2020, 11, 4), "2")]))
    diff = adjustment(now, [before])
    by_code = {x["code"]: x for x in diff}
    assert (by_code["practice_days"]["quantity"], by_code["practice_days"]["amount"]) == ("2", "160.00")
    assert by_code["practice_days"]["sources"] == [["2020-11-04", 104], ["2020-11-05", 105]]
    assert by_code["practice_days"]["adjusts"] == "240.00"
    assert by_code["penalty"]["amount"] == "-50.00" and "adjusts" not in by_code["penalty"]
    assert lines_total(diff) == D("110.00")


def test_a_removed_award_and_a_corrected_day_come_back_negative():
    before = records(StudentPeriod(practice(3), awards=[Credit("award:7", "冠军", D("200"))]))
    days = practice(3)
    days[1] = Day(days[1].day, "practice", "absent", D(0), days[1].record_id)
    diff = adjustment(records(StudentPeriod(days)), [before])
    by_code = {x["code"]: x for x in diff}
    assert by_code["award"]["amount"] == "-200.00" and by_code["award"]["removed"] == ["award:7"]
    assert by_code["practice_days"]["amount"] == "-80.00" and by_code["practice_days"]["removed"] == [["2020-11-02", 102]]
    assert lines_total(diff) == D("-280.00")


def test_adjustments_chain_over_several_frozen_items():
    first = records(StudentPeriod(practice(2)))
    second = adjustment(records(StudentPeriod(practice(4))), [first])
    third = adjustment(records(StudentPeriod(practice(5))), [first, second])
    assert [(x["quantity"], x["amount"], x["sources"]) for x in third] == [("1", "80.00", [["2020-11-05", 105]])]


def test_the_liability_cap_is_adjusted_like_any_line():
    before = records(StudentPeriod(practice(1), incidents=[Incident(1, date(2020, 11, 1), "cash", D("100"))]))
    assert lines_total(before) == D("0.00")  # 80 earned, 100 owed, 20 given back
    now = records(StudentPeriod(practice(2), incidents=[Incident(1, date(2020, 11, 1), "cash", D("100"))]))
    diff = adjustment(now, [before])
    assert lines_total(diff) == D("60.00")  # 160 − 100 = 60 now, 0 before
    assert {x["code"] for x in diff} == {"practice_days", "liability_cap"}


def test_internship_months_count_the_months_phases_touch_this_year_up_to_payment():
    phases = [(date(2020, 10, 14), date(2020, 10, 31)), (date(2020, 11, 1), date(2020, 11, 30))]
    assert internship_months(phases, date(2020, 12, 20)) == 2
    assert internship_months(phases, date(2020, 11, 5)) == 2
    assert internship_months(phases, date(2020, 10, 20)) == 1
    assert internship_months([(date(2019, 11, 1), date(2020, 2, 10))], date(2020, 3, 1)) == 2  # Jan, Feb of 2020
    assert internship_months([], date(2020, 12, 1)) == 1


def item(pk, name="甲", account="6222020000000000001", digest=None, gross="800", net=None, klass="1班",
         account_name=None, at_cap=False):
    # The card is checked as a writer freezes it (rules.account_check), then only its verdict is kept.
    return CheckItem(pk, name, klass, payout_rules.account_check(account), digest or account, account_name or name, D(gross),
                     D(net if net is not None else gross), at_cap)


def test_findings_block_on_missing_or_malformed_cards_and_warn_on_the_rest():
    items = [
        item(1, "甲", account=""),
        item(2, "乙", account="62220200000"),  # 11 digits
        item(3, "丙", account="6222020000000000002"),  # fails Luhn
        item(4, "丁", account="4111111111111111"),
        item(5, "戊", account="4111111111111111"),  # same account as 丁
        item(6, "己", account="6011000990139424", account_name="己的母亲"),
        item(7, "庚", account="5555555555554444", gross="2400"),  # far from the median 800
        item(8, "辛", account="378282246310005", gross="0", at_cap=True),
    ]
    found = batch_findings(items)
    kinds = [(f.kind, f.item_ids, f.blocking) for f in found]
    assert kinds[:2] == [("no_account", [1], True), ("bad_account", [2], True)]
    assert ("shared_account", [4, 5], False) in kinds and ("luhn", [3], False) in kinds
    assert ("name_differs", [6], False) in kinds and ("outlier", [7], False) in kinds
    assert ("outlier", [8], False) in kinds and ("at_cap", [8], False) in kinds and ("zero_net", [8], False) in kinds
    assert not any(f.item_ids == [4] and f.kind == "luhn" for f in found)


def test_no_outlier_in_a_class_of_fewer_than_three():
    found = batch_findings([item(1, account="4111111111111111", gross="100"),
                            item(2, account="5555555555554444", gross="3000")])
    assert found == []


def test_the_sample_bank_result_is_read_by_its_headers():
    result = BankResultImport().read(SAMPLE.read_bytes())
    assert result.ok and len(result.rows) == 10
    first = result_rows(result.rows)[0]
    assert (first.row, first.account, first.name, first.amount, first.paid) == (
        3, "6252601815908301661", "王小明", D("1992.00"), True)
    failed = [(r.name, r.reason) for r in result_rows(result.rows) if not r.paid]
    assert failed == [("刘洋", "户名不符"), ("黄敏", "账户已销户")]


def _xlsx(rows) -> bytes:
    import io

    from openpyxl import Workbook
    wb = Workbook()
    for row in rows:
        wb.active.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_the_bank_result_reports_each_bad_row_and_skips_totals_and_blanks():
    rows = [("处理结果", "账号", "金额", "户名"),
            ("成功", 622202000000001, "1,200.50", "甲"),  # a number of 15 digits is kept as its digits
            ("成功", 6.2e18, "10", "乙"),
            ("处理中", "6222", "10", "丙"),
            ("成功", "6222", "十元", "丁"),
            ("成功", "", "10", "戊"),
            (None, None, None, None),
            ("合计", None, "1,230.50", None),
            (None, "合计", "1,230.50", None)]
    result = BankResultImport().read(_xlsx(rows))
    assert [(r["account"], r["amount"]) for r in result.rows] == [("622202000000001", D("1200.50"))]
    assert [(e.row, e.key) for e in result.errors] == [(3, "account"), (4, "paid"), (5, "amount"), (6, "account")]
    missing = BankResultImport().read(_xlsx([("账号", "处理结果"), ("6222", "成功")]))
    assert "户名" in missing.file_error.message and "金额" in missing.file_error.message
    assert BankResultImport().read(b"a,b\n1,2\n").file_error  # a CSV is not the bank's workbook


def test_matching_pairs_rows_with_items_and_refuses_strays():
    items = [PayableItem(1, "6222", "甲", D("100.00")), PayableItem(2, "6333", "乙", D("200.00")),
             PayableItem(3, "6444", "丙", D("300.00"))]
    rows = [ResultRow(3, "6222", "甲", D("100.00"), True, ""), ResultRow(4, "6333", "乙", D("200.00"), False, "户名不符"),
            ResultRow(5, "6444", "丙", D("300.00"), True, "")]
    matched = match_bank_result(items, rows)
    assert matched.errors == [] and matched.outcome == {1: (True, ""), 2: (False, "户名不符"), 3: (True, "")}
    bad = match_bank_result(items, [rows[0], rows[0], ResultRow(6, "6333", "乙", D("2.00"), True, ""),
                                    ResultRow(7, "6999", "某", D("1.00"), True, "")])
    assert bad.errors == [(3, "duplicate", "甲"), (6, "amount", "2.00 ≠ 200.00"), (7, "unknown", "某"),
                          (0, "missing", "丙")]


@pytest.mark.parametrize("account", [
    "62220200000000000",     # 17 digits, Luhn fails
    "622202000000000",       # 15 digits
    "6222020000000000000",   # 19 digits
    "62220200000000",        # 14: too short
    "62220200000000000000",  # 20: too long
    "6222O20000000000001",   # a letter O
])
def test_batch_checks_use_the_one_bank_card_rule(account):
    """The payout checks and the student import judge a card the same way:
    an error blocks the batch, a Luhn warning asks to check it."""
    from programs.students.rules import check_bank_card

    card = check_bank_card(account)
    kinds = {f.kind for f in batch_findings([item(1, account=account)])}
    assert ("bad_account" in kinds) == (not card.ok)
    assert ("luhn" in kinds) == (card.ok and bool(card.warnings))


# --------------------------------------------------------------------------- when the stipends were paid
END = date(2018, 11, 30)


def _batch(class_id, records_to, reconciled_on):
    return payout_rules.ReconciledBatch(class_id, date.fromisoformat(records_to), date.fromisoformat(reconciled_on))


def test_stipends_are_paid_on_the_last_reconciliation_once_everything_is_covered():
    batches = [_batch(None, "2018-12-10", "2018-12-20"), _batch(None, "2018-11-15", "2018-11-20")]
    assert payout_rules.stipends_paid_on(class_ids=[1, 2], batches=batches, outstanding=0,
                                         programme_end=END) == date(2018, 12, 20)
    follow_up = _batch(None, "2018-12-10", "2018-12-27")
    assert payout_rules.stipends_paid_on(class_ids=[1, 2], batches=[*batches, follow_up], outstanding=0,
                                         programme_end=END) == date(2018, 12, 27)


@pytest.mark.parametrize(("class_ids", "batches", "outstanding"), [
    ([1], [], 0),  # nothing reconciled
    ([], [("None", "2018-12-10", "2018-12-20")], 0),  # no students
    ([1], [("None", "2018-12-10", "2018-12-20")], 1),  # a transfer still outstanding
    ([1], [("None", "2018-11-29", "2018-12-02")], 0),  # records end before the programme does
    ([1, 2], [("1", "2018-12-10", "2018-12-20")], 0),  # class 2 not covered
])
def test_stipends_stay_open(class_ids, batches, outstanding):
    plain = [_batch(None if c == "None" else int(c), r, d) for c, r, d in batches]
    assert payout_rules.stipends_paid_on(class_ids=class_ids, batches=plain, outstanding=outstanding,
                                         programme_end=END) is None


def test_class_batches_together_cover_the_programme():
    batches = [_batch(1, "2018-12-01", "2018-12-05"), _batch(2, "2018-12-03", "2018-12-09")]
    assert payout_rules.stipends_paid_on(class_ids=[1, 2], batches=batches, outstanding=0,
                                         programme_end=END) == date(2018, 12, 9)
    assert payout_rules.stipends_paid_on(class_ids=[1, 2], batches=batches, outstanding=0,
                                         programme_end=None) == date(2018, 12, 9)
