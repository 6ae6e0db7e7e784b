"""Worked examples of the leave and departure workflow rules (plain values in, a step out)."""

import pytest

from programs.attendance import rules
from programs.attendance.models import Departure, LeaveRequest


@pytest.mark.parametrize(("status", "mentor", "manager", "step"), [
    ("pending_mentor", True, False, "mentor"),     # the mentor decides first
    ("pending_mentor", False, True, None),         # the school waits for the mentor
    ("pending_mentor", True, True, "mentor"),
    ("pending_school", True, False, None),         # the mentor has decided
    ("pending_school", False, True, "school"),
    ("approved", True, True, None),
    ("refused", True, True, None),
])
def test_leave_step(status, mentor, manager, step):
    assert rules.leave_step(status, mentor=mentor, manager=manager) == step


def test_leave_status_after_a_decision():
    assert rules.leave_status_after("mentor", approve=True) == "pending_school"
    assert rules.leave_status_after("school", approve=True) == "approved"
    assert rules.leave_status_after("mentor", approve=False) == "refused"
    assert rules.leave_status_after("school", approve=False) == "refused"


@pytest.mark.parametrize(("kind", "status", "school", "company", "mentor", "manager", "side"), [
    ("withdrawal", "pending", False, False, False, True, "school"),
    ("withdrawal", "pending", False, False, True, False, "company"),
    ("withdrawal", "pending", False, False, True, True, "school"),     # both roles: the school's side first
    ("withdrawal", "pending", True, False, True, True, "company"),     # then the company's
    ("withdrawal", "pending", True, False, False, True, None),         # the school has decided
    ("withdrawal", "pending", False, True, True, False, None),         # the company has decided
    ("withdrawal", "done", False, False, True, True, None),
    ("withdrawal", "refused", False, False, True, True, None),
    ("dismissal", "done", False, True, False, True, "acknowledge"),    # the school acknowledges once
    ("dismissal", "done", True, True, False, True, None),
    ("dismissal", "done", False, True, True, False, None),             # a mentor does not acknowledge
    ("dismissal", "refused", False, True, False, True, "acknowledge"),  # as before: any unacknowledged dismissal
])
def test_departure_side(kind, status, school, company, mentor, manager, side):
    assert rules.departure_side(kind, status, school_decided=school, company_decided=company,
                                mentor=mentor, manager=manager) == side


def test_withdrawal_status_after_a_decision():
    assert rules.withdrawal_status_after(approve=True, school_decided=True, company_decided=False) == "pending"
    assert rules.withdrawal_status_after(approve=True, school_decided=True, company_decided=True) == "done"
    assert rules.withdrawal_status_after(approve=False, school_decided=True, company_decided=False) == "refused"


def test_departure_kinds_a_user_may_start():
    assert rules.departure_kinds(mentor=True, manager=False) == {"withdrawal", "dismissal"}
    assert rules.departure_kinds(mentor=False, manager=True) == {"withdrawal"}
    assert rules.departure_kinds(mentor=False, manager=False) == set()


def test_the_models_use_the_rule_constants():
    assert set(LeaveRequest.Status.values) == {rules.LEAVE_PENDING_MENTOR, rules.LEAVE_PENDING_SCHOOL,
                                               rules.LEAVE_APPROVED, rules.LEAVE_REFUSED}
    assert set(Departure.Kind.values) == {rules.WITHDRAWAL, rules.DISMISSAL}
    assert set(Departure.Status.values) == {rules.DEPARTURE_PENDING, rules.DEPARTURE_DONE, rules.DEPARTURE_REFUSED}


# ---------------------------------------------------------------- the one decision view, end to end
def test_leave_and_departure_decisions_through_the_pages(world, rostered, client_for):
    from datetime import date

    from django.urls import reverse

    from programs.attendance import services as svc
    from programs.students.models import Enrolment

    pk = world.programme.pk
    mentor, school = client_for(world.mentor_a), client_for(world.coordinator)
    leave = svc.request_leave(programme=world.programme, enrolment=world.enrolments_a[1], start=date(2020, 11, 12),
                              end=date(2020, 11, 12), reason="看病", user=world.mentor_a)
    url = reverse("programs:leave_decide", kwargs={"pk": pk, "leave_pk": leave.pk})
    assert school.post(url, {"approve": "1"}).status_code == 403          # the mentor decides first
    response = mentor.post(url, {}, follow=True)                           # no choice: told, nothing changes
    assert "Choose to approve or refuse." in response.content.decode()
    assert mentor.post(url, {"approve": "1"}).status_code == 302
    assert school.post(url, {"approve": "1"}).status_code == 302
    leave.refresh_from_db()
    assert leave.status == "approved" and leave.school_decided_by == world.coordinator

    withdrawal = svc.request_withdrawal(programme=world.programme, enrolment=world.enrolments_a[0],
                                        last_day=date(2020, 11, 15), reason="x", user=world.coordinator)
    url = reverse("programs:departure_decide", kwargs={"pk": pk, "departure_pk": withdrawal.pk})
    assert school.post(url, {"approve": "1"}).status_code == 302
    assert school.post(url, {"approve": "1"}).status_code == 403          # the school's side has decided
    assert mentor.post(url, {"approve": "1"}).status_code == 302
    withdrawal.refresh_from_db()
    assert withdrawal.status == "done"
    assert Enrolment.objects.get(pk=world.enrolments_a[0].pk).status == Enrolment.Status.WITHDRAWN

    dismissal = svc.dismiss(programme=world.programme, enrolment=world.enrolments_a[2], last_day=date(2020, 11, 14),
                            reason="y", user=world.mentor_a)
    url = reverse("programs:departure_decide", kwargs={"pk": pk, "departure_pk": dismissal.pk})
    assert mentor.post(url, {}).status_code == 403
    assert school.post(url, {}).status_code == 302                         # acknowledging needs no choice
    dismissal.refresh_from_db()
    assert dismissal.school_decided_by == world.coordinator


def test_day_kinds_are_declared_once():
    """Phases, attendance day kinds, the roster rules and the stipend rules all use programs.agreements.rules."""
    from programs.agreements import rules as day_kinds
    from programs.agreements.models import Phase
    from programs.attendance.models import Attendance
    from programs.rosters import rules as roster_rules
    from stipends.payouts import rules as payout_rules

    assert tuple(Phase.Kind.values) == day_kinds.PHASE_KINDS
    assert tuple(Attendance.DayKind.values) == day_kinds.DAY_KINDS
    assert roster_rules.PHASE_PRE_SALE is day_kinds.PHASE_PRE_SALE
    assert payout_rules.TRAINING_KINDS | payout_rules.CUSTOMER_KINDS == set(day_kinds.PHASE_KINDS)
