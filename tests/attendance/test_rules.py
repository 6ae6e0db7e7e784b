"""Pure attendance rules: overtime, classification, attendance rate, attrition (worked examples)."""

from decimal import Decimal

import pytest

from programs.attendance import rules as att
from programs.rosters import rules as r
from programs.rosters.rules import Cell

D = Decimal


# ---------------------------------------------------------------- attendance
@pytest.mark.parametrize(("online", "threshold", "overtime"), [
    ("8.5", "8", "0.50"),    # the sample export, 11-09
    ("17.0", "8", "9.00"),   # 11-10, the peak day
    ("16", "8", "8.00"),
    ("7.5", "8", "0.00"),
    ("8", "8", "0.00"),
    ("10.333", "8", "2.33"),
    ("9", "7.5", "1.50"),    # a programme with another threshold
])
def test_overtime_above_the_threshold(online, threshold, overtime):
    assert att.overtime_hours(D(online), D(threshold)) == D(overtime)


def test_overtime_without_a_record_is_zero():
    assert att.overtime_hours(None) == D("0.00")


@pytest.mark.parametrize(("status", "scheduled", "phase", "leave", "expected"), [
    ("present", Cell(r.SHIFT, 1), "practice", False, ("practice", False)),
    ("late", Cell(r.SHIFT, 1), "after_sale", False, ("after_sale", False)),
    ("present", Cell(r.SHIFT, 1), "pre_sale", False, ("pre_sale", False)),
    ("present", Cell(r.TRAINING), "practice", False, ("training", False)),  # the roster says training
    ("present", Cell(r.INTENSIVE), "intensive", False, ("intensive", False)),
    ("absent", Cell(r.SHIFT, 1), "practice", False, ("practice", True)),    # 旷训
    ("absent", Cell(r.SHIFT, 1), "practice", True, ("practice", False)),    # approved leave
    ("leave", Cell(r.SHIFT, 1), "practice", False, ("practice", True)),     # leave not (yet) approved
    ("leave", Cell(r.SHIFT, 1), "practice", True, ("practice", False)),
    ("rest", Cell(r.SHIFT, 1), "practice", False, ("rest", False)),
    ("absent", Cell(r.REST), "practice", False, ("rest", False)),           # nobody expected
    ("present", Cell(r.REST), "practice", False, ("practice", False)),      # came in on a rest day
    ("present", Cell(r.SHIFT, 1), None, False, ("practice", False)),
    ("present", None, None, False, ("other", False)),
])
def test_classify_attendance(status, scheduled, phase, leave, expected):
    assert att.classify_attendance(status, scheduled, phase, leave) == expected


def test_attendance_rate():
    assert att.attendance_rate(27, 28) == D("96.43")
    assert att.attendance_rate(0, 5) == D("0.00")
    assert att.attendance_rate(0, 0) is None


# ---------------------------------------------------------------- attrition
def test_attrition_against_the_five_percent_promise():
    a = att.attrition(enrolled=200, withdrawn=9, dismissed=6)
    assert a.rate == D("4.50") and a.within_promise
    a = att.attrition(enrolled=200, withdrawn=10, dismissed=0)
    assert a.rate == D("5.00") and not a.within_promise  # "< 5 %" is strict
    # Dismissals never count: 30 dismissed, 2 withdrawn of 48 is still 4.17 %.
    a = att.attrition(enrolled=48, withdrawn=2, dismissed=30)
    assert a.rate == D("4.17") and a.within_promise


def test_attrition_compares_exactly_not_after_rounding():
    # 4.9995 % rounds to 5.00 but is below the promise.
    a = att.attrition(enrolled=20001, withdrawn=1000)
    assert a.rate == D("5.00") and a.within_promise


def test_attrition_edge_cases():
    empty = att.attrition(0, 0)
    assert empty.rate is None and empty.within_promise
    with pytest.raises(ValueError):
        att.attrition(10, 8, 3)
