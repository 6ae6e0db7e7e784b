"""The gathering service: statement and deadlines from the records."""

from datetime import date
from decimal import Decimal

import pytest

from programs.students.models import Enrolment
from stipends.payouts.models import PayoutBatch, PayoutItem
from stipends.settlement import rules as dl
from stipends.settlement import selectors, services
from stipends.settlement.models import HolidayCalendarYear, SettlementPayment, SettlementRecord
from stipends.settlement.rules import DayLine
from tests.settlement.conftest import payout_item, reconciled_batch

D = date.fromisoformat


def test_statement_of_the_2018_agreement(settled_world):
    money = selectors.programme_money(settled_world.programme)
    s = money.statement
    assert s.fees_total == Decimal("52900.00")
    assert s.deposit_paid == Decimal("10000.00")
    assert s.balance == Decimal("42900.00")
    deadlines = {d.kind: d for d in money.deadlines}
    assert deadlines[dl.DEPOSIT].due == D("2018-08-20")
    assert deadlines[dl.DEPOSIT].done_on == D("2018-08-17")
    assert deadlines[dl.SETTLEMENT].due == D("2019-01-14")
    assert deadlines[dl.SETTLEMENT].done_on is None
    assert deadlines[dl.INSURANCE].due == D("2018-10-30")
    assert deadlines[dl.STIPENDS].due == D("2018-12-30")


def test_settlement_payment_marks_it_settled(settled_world):
    SettlementPayment.objects.create(programme=settled_world.programme, paid_on=D("2019-01-10"),
                                     amount=Decimal("42900.00"), kind="settlement")
    money = selectors.programme_money(settled_world.programme)
    assert money.statement.balance == Decimal("0.00")
    assert {d.kind: d for d in money.deadlines}[dl.SETTLEMENT].done_on == D("2019-01-10")


def test_a_dismissal_cancels_the_bonus_and_an_override_restores_it(settled_world):
    Enrolment.objects.filter(pk=settled_world.enrolments_a[0].pk).update(status=Enrolment.Status.DISMISSED)
    # A voluntary withdrawal is not misconduct.
    Enrolment.objects.filter(pk=settled_world.enrolments_a[1].pk).update(status=Enrolment.Status.WITHDRAWN)
    money = selectors.programme_money(settled_world.programme)
    assert not money.statement.bonus.due
    assert "1" in money.statement.bonus.basis
    assert money.statement.fees_total == Decimal("51900.00")
    SettlementRecord.objects.create(programme=settled_world.programme, bonus_decision="due", bonus_reason="学生已道歉，双方协商")
    money = selectors.programme_money(settled_world.programme)
    assert money.statement.bonus.due and money.statement.bonus.overridden
    assert money.statement.fees_total == Decimal("52900.00")


def test_a_recorded_school_breach_cancels_the_bonus(settled_world):
    SettlementRecord.objects.create(programme=settled_world.programme, school_breached=True, breach_note="实训楼断网")
    bonus = selectors.programme_money(settled_world.programme).statement.bonus
    assert not bonus.due and "实训楼断网" in bonus.basis


def test_confirmed_incidents_of_scoring_cost_the_bonus(settled_world):
    """Settlement reads scoring's incidents directly; only confirmed ones count."""
    from scoring.models import Incident

    enrolment = settled_world.programme.enrolments.first()
    common = {"programme": settled_world.programme, "enrolment": enrolment, "occurred_on": D("2018-11-05"),
              "level": Incident.Level.LEVEL_1, "description": "差错", "reported_by": settled_world.mentor_a}
    Incident.objects.create(status=Incident.Status.REPORTED, **common)
    assert selectors.programme_money(settled_world.programme).statement.bonus.due
    Incident.objects.create(status=Incident.Status.CONFIRMED, **common)
    Incident.objects.create(status=Incident.Status.CONFIRMED, **common)
    bonus = selectors.programme_money(settled_world.programme).statement.bonus
    assert not bonus.due and "已确认的差错: 2" in bonus.basis


def test_insurance_done_from_the_record(settled_world):
    SettlementRecord.objects.create(programme=settled_world.programme, insurance_bought_on=D("2018-10-29"))
    deadlines = {d.kind: d for d in selectors.programme_money(settled_world.programme).deadlines}
    assert deadlines[dl.INSURANCE].done_on == D("2018-10-29")


def _stipends(world):
    return {d.kind: d for d in selectors.programme_money(world.programme).deadlines}[dl.STIPENDS]


def test_stipends_are_open_while_no_batch_was_reconciled(settled_world):
    deadline = _stipends(settled_world)
    assert deadline.done_on is None and deadline.due == D("2018-12-30")


def test_stipends_are_paid_on_the_day_the_batch_was_reconciled(settled_world):
    """Settlement reads payouts' records directly: nobody types the date."""
    reconciled_batch(settled_world, reconciled_on=D("2018-12-20"), computed_on=D("2018-12-10"))
    assert _stipends(settled_world).done_on == D("2018-12-20")


def test_a_batch_whose_records_end_before_the_programme_does_not_count(settled_world):
    reconciled_batch(settled_world, reconciled_on=D("2018-11-25"), up_to=D("2018-11-20"))
    assert _stipends(settled_world).done_on is None
    reconciled_batch(settled_world, reconciled_on=D("2018-12-21"), up_to=D("2018-11-30"))
    assert _stipends(settled_world).done_on == D("2018-12-21")


def test_class_batches_count_once_every_class_is_covered(settled_world):
    w = settled_world
    reconciled_batch(w, reconciled_on=D("2018-12-18"), school_class=w.class_a, computed_on=D("2018-12-05"))
    assert _stipends(w).done_on is None
    reconciled_batch(w, reconciled_on=D("2018-12-22"), school_class=w.class_b, computed_on=D("2018-12-05"))
    assert _stipends(w).done_on == D("2018-12-22")


def test_a_failed_transfer_keeps_the_stipends_open_until_its_retry_is_paid(settled_world):
    w = settled_world
    batch = reconciled_batch(w, reconciled_on=D("2018-12-20"), computed_on=D("2018-12-10"))
    payout_item(batch, w.enrolments_a[0], status="paid")
    failed = payout_item(batch, w.enrolments_a[1], status="failed")
    assert _stipends(w).done_on is None
    follow_up = reconciled_batch(w, reconciled_on=D("2018-12-27"), computed_on=D("2018-12-24"), follow_up_of=batch)
    retry = payout_item(follow_up, w.enrolments_a[1], status="failed", retry_of=failed)
    assert _stipends(w).done_on is None  # the retry failed too
    PayoutItem.objects.filter(pk=retry.pk).update(status="paid")
    assert _stipends(w).done_on == D("2018-12-27")


def test_a_batch_still_at_the_bank_keeps_the_stipends_open(settled_world):
    w = settled_world
    reconciled_batch(w, reconciled_on=D("2018-12-20"), computed_on=D("2018-12-10"))
    exported = reconciled_batch(w, reconciled_on=D("2018-12-21"), computed_on=D("2018-12-21"))
    PayoutBatch.objects.filter(pk=exported.pk).update(state="exported", reconciled_at=None)
    payout_item(exported, w.enrolments_b[0], status="pending")
    assert _stipends(w).done_on is None


def test_the_record_form_has_no_hand_typed_stipend_date():
    from stipends.settlement.forms import SettlementRecordForm

    assert "stipends_paid_on" not in SettlementRecordForm().fields
    assert not any(f.name == "stipends_paid_on" for f in SettlementRecord._meta.get_fields())


@pytest.fixture
def world_2027(world):
    programme = world.programme
    programme.year = 2027
    programme.save()
    programme.phases.update(start=D("2027-11-01"), end=D("2027-11-30"))
    return world


def test_unknown_year_is_provisional_until_an_admin_enters_it(world_2027):
    money = selectors.programme_money(world_2027.programme)
    deadlines = {d.kind: d for d in money.deadlines}
    assert deadlines[dl.DEPOSIT].provisional and deadlines[dl.SETTLEMENT].provisional
    assert money.provisional
    services.save_calendar_year(year=2027, source="国办发明电〔2026〕X号", holidays=[DayLine(D("2027-10-01"), "国庆节")], working_days=[], user=world_2027.admin)
    # Settlement runs into 2028 too.
    services.save_calendar_year(year=2028, source="", holidays=[DayLine(D("2028-01-03"), "元旦")], working_days=[], user=world_2027.admin)
    money = selectors.programme_money(world_2027.programme)
    assert not money.provisional
    # 10 working days before Monday 2027-11-01 with no holiday in between.
    assert {d.kind: d for d in money.deadlines}[dl.DEPOSIT].due == D("2027-10-18")


def test_save_calendar_year_replaces_the_days(world):
    services.save_calendar_year(year=2027, source="a", holidays=[DayLine(D("2027-01-01"), "元旦")], working_days=[DayLine(D("2027-02-06"), "")], user=world.admin)
    services.save_calendar_year(year=2027, source="b", holidays=[DayLine(D("2027-02-08"), "春节")], working_days=[], user=world.admin)
    entry = HolidayCalendarYear.objects.get(year=2027)
    assert entry.source == "b"
    assert [(d.day, d.kind) for d in entry.days.all()] == [(D("2027-02-08"), "holiday")]
    calendar = selectors.load_work_calendar()
    assert calendar.covers(D("2027-06-01"))
    assert calendar.overrides[D("2027-02-08")] is False
    assert D("2027-01-01") not in calendar.overrides
