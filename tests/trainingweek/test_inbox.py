"""The to-do inbox on each role's home page: the counts on crafted data
(another organisation's, another team's and the user's own work left out),
the links, the done items, and a query count that does not grow with rows."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from programs.attendance.models import Attendance, Departure, LeaveRequest
from programs.students.models import Enrolment, StudentImport
from scoring.models import Incident, KpiDefinition, KpiValue, ScoringPeriod, TeamKpiValue
from stipends.payouts.models import PayoutBatch, PayoutItem
from stipends.settlement.selectors import programme_money
from tests.factories import (
    AgreementFactory,
    EnrolmentFactory,
    PhaseFactory,
    ProgrammeFactory,
    SchoolClassFactory,
    TeamFactory,
    UserFactory,
)
from trainingweek.inbox import INBOX_KINDS, inbox_for
from trainingweek.models import User

pytestmark = pytest.mark.django_db

TODAY = date(2020, 10, 28)  # inside the world's practice phase (10-26 to 11-10)


def totals(user, on=TODAY) -> dict[str, int]:
    return {item.key: item.total for item in inbox_for(user, on)}


def entries(user, key, on=TODAY):
    return next(item.entries for item in inbox_for(user, on) if item.key == key)


def leave(enrolment, status, user):
    return LeaveRequest.objects.create(programme=enrolment.programme, enrolment=enrolment, start=TODAY, end=TODAY,
                                       reason="看病", status=status, requested_by=user)


def incident(enrolment, status, user, decided_at=None):
    return Incident.objects.create(programme=enrolment.programme, enrolment=enrolment, occurred_on=TODAY, level="1",
                                   description="回复超时", status=status, reported_by=user, decided_at=decided_at)


def at(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10))


@pytest.fixture
def finance2(world):
    return UserFactory(username="finance2", role=User.Role.FINANCE, organisation=world.company)


@pytest.fixture
def elsewhere(world):
    """A programme of another school and company, with a team mentored by
    ``other_mentor``, and work of every kind waiting there."""
    agreement = AgreementFactory(school=world.other_coordinator.organisation,
                                 company=world.other_finance.organisation)
    programme = ProgrammeFactory(agreement=agreement)
    PhaseFactory(programme=programme)
    team = TeamFactory(programme=programme, mentors=[world.other_mentor])
    enrolment = EnrolmentFactory(programme=programme, team=team)
    return programme, team, enrolment


# --------------------------------------------------------------------------- mentor
def test_mentor_counts_leave_of_their_own_teams_waiting_for_them(world, elsewhere):
    a1, a2, _ = world.enrolments_a
    leave(a1, LeaveRequest.Status.PENDING_MENTOR, world.coordinator)
    leave(a2, LeaveRequest.Status.PENDING_MENTOR, world.coordinator)
    leave(a1, LeaveRequest.Status.PENDING_SCHOOL, world.coordinator)  # the school's step now
    leave(a2, LeaveRequest.Status.APPROVED, world.coordinator)
    leave(world.enrolments_b[0], LeaveRequest.Status.PENDING_MENTOR, world.coordinator)  # team B's
    leave(elsewhere[2], LeaveRequest.Status.PENDING_MENTOR, world.other_coordinator)  # another organisation's

    assert totals(world.mentor_a)["attendance.leave_for_mentor"] == 2
    assert totals(world.mentor_b)["attendance.leave_for_mentor"] == 1
    assert totals(world.other_mentor)["attendance.leave_for_mentor"] == 1
    [entry] = entries(world.mentor_a, "attendance.leave_for_mentor")
    assert entry.url == f"/programs/{world.programme.pk}/leave/#leave-list"
    assert world.programme.name in entry.where


def test_mentor_sees_todays_attendance_not_recorded_per_team(world):
    a1, a2, a3 = world.enrolments_a
    Attendance.objects.create(programme=world.programme, enrolment=a1, day=TODAY, status="present",
                              day_kind="practice")
    Attendance.objects.create(programme=world.programme, enrolment=a2, day=TODAY - timedelta(days=1),
                              status="present", day_kind="practice")  # yesterday's does not count for today
    Enrolment.objects.filter(pk=a3.pk).update(status=Enrolment.Status.WITHDRAWN)  # gone: nothing to record

    [entry] = entries(world.mentor_a, "attendance.today_not_recorded")
    assert entry.count == 1  # a2 only
    assert entry.url == f"/programs/{world.programme.pk}/attendance/{world.team_a.pk}/?week=2020-10-26"
    assert world.team_a.name in entry.where and world.team_b.name not in entry.where
    assert totals(world.mentor_b)["attendance.today_not_recorded"] == 3
    # Outside the programme's phases nobody records attendance.
    assert totals(world.mentor_a, on=date(2020, 12, 1))["attendance.today_not_recorded"] == 0


def test_mentor_sees_kpi_values_missing_in_ended_periods(world):
    p = world.programme
    sales = KpiDefinition.objects.create(programme=p, code="sales", name="销售额", target=1)
    KpiDefinition.objects.create(programme=p, code="conv", name="转化率", target=1)
    qc = KpiDefinition.objects.create(programme=p, code="qc", name="质检", target=1, level="team")
    ended = ScoringPeriod.objects.create(programme=p, name="预售", start=date(2020, 10, 20), end=date(2020, 10, 27))
    ScoringPeriod.objects.create(programme=p, name="双11", start=date(2020, 11, 11), end=date(2020, 11, 11))
    for e in world.enrolments_a[:2]:
        KpiValue.objects.create(enrolment=e, kpi=sales, period=ended, value=10)
    TeamKpiValue.objects.create(team=world.team_a, kpi=qc, period=ended, value=90)

    [entry] = entries(world.mentor_a, "scoring.missing_kpis")
    assert entry.count == 3 * 2 - 2  # three students × two student KPIs, two entered; the team's QC is in
    assert entry.url == f"/scoring/{p.pk}/kpi/{world.team_a.pk}/{ended.pk}/"
    [entry_b] = entries(world.mentor_b, "scoring.missing_kpis")
    assert entry_b.count == 3 * 2 + 1 and world.team_b.name in entry_b.where
    # Before the period ends nothing is missing yet.
    assert totals(world.mentor_a, on=date(2020, 10, 27))["scoring.missing_kpis"] == 0


def test_mentor_hears_of_recent_disputes_of_their_teams(world):
    a1, a2, _ = world.enrolments_a
    incident(a1, Incident.Status.DISPUTED, world.mentor_a, decided_at=at(TODAY))
    incident(a2, Incident.Status.DISPUTED, world.mentor_a, decided_at=at(TODAY - timedelta(days=30)))  # old news
    incident(a2, Incident.Status.CONFIRMED, world.mentor_a, decided_at=at(TODAY))
    incident(a2, Incident.Status.REPORTED, world.mentor_a)
    incident(world.enrolments_b[0], Incident.Status.DISPUTED, world.mentor_b, decided_at=at(TODAY))

    assert totals(world.mentor_a)["scoring.incidents_disputed"] == 1
    assert totals(world.mentor_b)["scoring.incidents_disputed"] == 1
    [entry] = entries(world.mentor_a, "scoring.incidents_disputed")
    assert entry.url == f"/scoring/{world.programme.pk}/incidents/"


# --------------------------------------------------------------------------- coordinator
def test_coordinator_counts_leave_waiting_for_the_school_of_their_school_only(world, elsewhere):
    a1, a2, _ = world.enrolments_a
    leave(a1, LeaveRequest.Status.PENDING_SCHOOL, world.mentor_a)
    leave(world.enrolments_b[0], LeaveRequest.Status.PENDING_SCHOOL, world.mentor_b)
    leave(a2, LeaveRequest.Status.PENDING_MENTOR, world.mentor_a)  # the mentor's step first
    leave(elsewhere[2], LeaveRequest.Status.PENDING_SCHOOL, world.other_mentor)

    assert totals(world.coordinator)["attendance.leave_for_school"] == 2
    assert totals(world.other_coordinator)["attendance.leave_for_school"] == 1


def test_coordinator_counts_incidents_to_confirm(world, elsewhere):
    incident(world.enrolments_a[0], Incident.Status.REPORTED, world.mentor_a)
    incident(world.enrolments_b[0], Incident.Status.REPORTED, world.mentor_b)
    incident(world.enrolments_b[1], Incident.Status.CONFIRMED, world.mentor_b, decided_at=at(TODAY))
    incident(elsewhere[2], Incident.Status.REPORTED, world.other_mentor)

    assert totals(world.coordinator)["scoring.incidents_to_confirm"] == 2
    [entry] = entries(world.coordinator, "scoring.incidents_to_confirm")
    assert entry.url == f"/scoring/{world.programme.pk}/incidents/"


def test_coordinator_counts_departures_waiting_for_the_school(world, elsewhere):
    a1, a2, a3 = world.enrolments_a
    b1, b2, _ = world.enrolments_b

    def departure(enrolment, kind, status, school_decided=False):
        return Departure.objects.create(programme=enrolment.programme, enrolment=enrolment, kind=kind, status=status,
                                        last_day=TODAY, reason="个人原因", requested_by=world.mentor_a,
                                        school_decided_at=at(TODAY) if school_decided else None)

    departure(a1, Departure.Kind.WITHDRAWAL, Departure.Status.PENDING)  # the school decides
    departure(a2, Departure.Kind.WITHDRAWAL, Departure.Status.PENDING, school_decided=True)  # the company's turn
    departure(a3, Departure.Kind.DISMISSAL, Departure.Status.DONE)  # to acknowledge
    departure(b1, Departure.Kind.DISMISSAL, Departure.Status.DONE, school_decided=True)  # acknowledged
    departure(b2, Departure.Kind.WITHDRAWAL, Departure.Status.REFUSED)
    departure(elsewhere[2], Departure.Kind.WITHDRAWAL, Departure.Status.PENDING)

    assert totals(world.coordinator)["attendance.departures_for_school"] == 2
    [entry] = entries(world.coordinator, "attendance.departures_for_school")
    assert entry.url == f"/programs/{world.programme.pk}/departures/"


def test_coordinator_counts_imports_still_rejected(world, elsewhere):
    later = ProgrammeFactory(agreement=world.agreement)

    def upload(programme, status, minutes, user=world.coordinator):
        return StudentImport.objects.create(programme=programme, created_by=user, file_name="名单.xlsx", status=status,
                                            created_at=at(TODAY) + timedelta(minutes=minutes))

    upload(world.programme, StudentImport.Status.REJECTED, 1)
    upload(world.programme, StudentImport.Status.IMPORTED, 2)  # fixed by a good file
    upload(later, StudentImport.Status.IMPORTED, 1)
    upload(later, StudentImport.Status.REJECTED, 2)  # the last word is an error
    upload(elsewhere[0], StudentImport.Status.REJECTED, 1, user=world.other_coordinator)

    [entry] = entries(world.coordinator, "students.rejected_imports")
    assert entry.count == 1 and entry.url == f"/programs/{later.pk}/students/import/"
    assert totals(world.other_coordinator)["students.rejected_imports"] == 1


def test_settlement_deadlines_show_from_the_reminder_day(world, elsewhere):
    deposit = next(d for d in programme_money(world.programme).deadlines if d.kind == "deposit")
    day_before = deposit.remind_from - timedelta(days=1)

    def deposit_listed(user, on):
        return any(deposit.label in e.where and str(world.programme.pk) in e.url
                   for e in entries(user, "settlement.deadlines", on))

    assert not deposit_listed(world.coordinator, day_before)
    assert deposit_listed(world.coordinator, deposit.remind_from)  # within the reminder's working days
    assert deposit_listed(world.finance, deposit.due + timedelta(days=1))  # overdue
    assert not deposit_listed(world.other_coordinator, deposit.due)
    assert not deposit_listed(world.other_finance, deposit.due)


# --------------------------------------------------------------------------- finance
def batch(world, maker, state=PayoutBatch.State.DRAFT, computed=True, programme=None, approver=None):
    approved = state != PayoutBatch.State.DRAFT
    return PayoutBatch.objects.create(
        programme=programme or world.programme, created_by=maker, state=state,
        computed_at=at(TODAY) if computed else None,
        approved_by=approver if approved else None, approved_at=at(TODAY) if approved else None)


def item(b, enrolment, status, key, retry_of=None):
    return PayoutItem.objects.create(
        batch=b, enrolment=enrolment, school_class=enrolment.school_class, name="学生", account_name="学生",
        earned=Decimal("800.00"), liability=Decimal("0.00"), gross=Decimal("800.00"), tax=Decimal("0.00"),
        net=Decimal("800.00"), payment_key=key, status=status, retry_of=retry_of)


def test_finance_never_sees_their_own_batch_as_waiting_for_them(world, finance2, elsewhere):
    by_other = batch(world, finance2)
    mine = batch(world, world.finance)
    batch(world, finance2, computed=False)  # still computing: nothing to check yet
    batch(world, finance2, state=PayoutBatch.State.APPROVED, approver=world.finance)
    batch(world, world.other_finance, programme=elsewhere[0])  # another company's

    [entry] = entries(world.finance, "payouts.batches_to_check")
    assert entry.url == f"/stipends/{world.programme.pk}/batches/{by_other.pk}/"
    [entry2] = entries(finance2, "payouts.batches_to_check")
    assert entry2.url == f"/stipends/{world.programme.pk}/batches/{mine.pk}/"
    assert totals(world.other_finance)["payouts.batches_to_check"] == 0  # their own only


def test_finance_counts_failed_transfers_not_retried(world, finance2):
    a1, a2, a3 = world.enrolments_a
    reconciled = batch(world, world.finance, state=PayoutBatch.State.RECONCILED, approver=finance2)
    failed_retried = item(reconciled, a1, PayoutItem.Status.FAILED, "k1")
    item(reconciled, a2, PayoutItem.Status.FAILED, "k2")  # still to correct
    item(reconciled, a3, PayoutItem.Status.PAID, "k3")
    follow_up = batch(world, world.finance, state=PayoutBatch.State.APPROVED, approver=finance2)
    item(follow_up, a1, PayoutItem.Status.PENDING, "k1", retry_of=failed_retried)

    [entry] = entries(world.finance, "payouts.failed_transfers")
    assert entry.count == 1 and entry.url == f"/stipends/{world.programme.pk}/batches/{reconciled.pk}/"
    [to_send] = entries(world.finance, "payouts.to_send")
    assert to_send.url.endswith(f"/batches/{follow_up.pk}/")
    assert totals(world.other_finance)["payouts.failed_transfers"] == 0


def test_finance_sees_batches_waiting_for_the_bank(world, finance2):
    batch(world, world.finance, state=PayoutBatch.State.EXPORTED, approver=finance2)
    batch(world, world.finance, state=PayoutBatch.State.EXPORTED, approver=finance2)
    assert totals(world.finance)["payouts.to_reconcile"] == 2
    assert totals(world.finance)["payouts.to_send"] == 0


# --------------------------------------------------------------------------- each role its own items
def test_each_role_gets_the_items_of_its_role():
    roles = {key: kind.roles for key, kind in INBOX_KINDS.items()}
    assert roles["attendance.leave_for_mentor"] == {"mentor"}
    assert roles["attendance.leave_for_school"] == {"coordinator"}
    assert roles["payouts.batches_to_check"] == {"finance"}
    assert roles["settlement.deadlines"] == {"coordinator", "finance"}


def test_the_page_lists_work_first_and_done_items_greyed(world, client_for):
    leave(world.enrolments_a[0], LeaveRequest.Status.PENDING_MENTOR, world.coordinator)
    response = client_for(world.mentor_a).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/programs/{world.programme.pk}/leave/#leave-list"' in html
    keys = [item.key for item in response.context["items"]]
    assert keys[0] == "attendance.leave_for_mentor"
    done = [item for item in response.context["items"] if item.done]
    assert done and html.count("✓") == len(done)
    assert "payouts.batches_to_check" not in keys  # finance's business


def test_admins_start_from_the_programme_list(world, client_for):
    assert client_for(world.admin).get("/").url == "/programs/"
    assert client_for(world.admin_role).get("/").url == "/programs/"


# --------------------------------------------------------------------------- a fixed number of queries
def busy_programme(world, finance2, n: int):
    """``n`` more programmes of the world's agreement, each with work of every kind for every role."""
    for _ in range(n):
        p = ProgrammeFactory(agreement=world.agreement)
        PhaseFactory(programme=p, start=date(2020, 10, 1), end=date(2020, 11, 30))
        school_class = SchoolClassFactory(programme=p)
        team = TeamFactory(programme=p, mentors=[world.mentor_a])
        students = [EnrolmentFactory(programme=p, school_class=school_class, team=team) for _ in range(3)]
        EnrolmentFactory(programme=p, school_class=school_class)  # in no team yet
        kpi = KpiDefinition.objects.create(programme=p, code="sales", name="销售额", target=1)
        period = ScoringPeriod.objects.create(programme=p, name="预售", start=date(2020, 10, 1), end=date(2020, 10, 20))
        KpiValue.objects.create(enrolment=students[0], kpi=kpi, period=period, value=5)
        for e in students:
            leave(e, LeaveRequest.Status.PENDING_MENTOR, world.coordinator)
            leave(e, LeaveRequest.Status.PENDING_SCHOOL, world.mentor_a)
            incident(e, Incident.Status.REPORTED, world.mentor_a)
            incident(e, Incident.Status.DISPUTED, world.mentor_a, decided_at=at(TODAY))
        Departure.objects.create(programme=p, enrolment=students[0], kind=Departure.Kind.WITHDRAWAL, last_day=TODAY,
                                 reason="个人原因", requested_by=world.mentor_a)
        StudentImport.objects.create(programme=p, created_by=world.coordinator, file_name="名单.xlsx",
                                     status=StudentImport.Status.REJECTED)
        batch(world, finance2, programme=p)
        reconciled = batch(world, world.finance, state=PayoutBatch.State.RECONCILED, programme=p, approver=finance2)
        item(reconciled, students[0], PayoutItem.Status.FAILED, f"f{p.pk}")
        batch(world, world.finance, state=PayoutBatch.State.APPROVED, programme=p, approver=finance2)
        batch(world, world.finance, state=PayoutBatch.State.EXPORTED, programme=p, approver=finance2)


# The whole home page, session and user included, for each role.
MAX_QUERIES = {"mentor_a": 11, "coordinator": 19, "finance": 18}


@pytest.mark.parametrize("role", sorted(MAX_QUERIES))
def test_the_home_page_runs_a_fixed_number_of_queries(world, finance2, client_for, role,
                                                      django_assert_max_num_queries, monkeypatch):
    monkeypatch.setattr("trainingweek.inbox.today", lambda: TODAY)
    client = client_for(getattr(world, role))
    busy_programme(world, finance2, 1)
    with django_assert_max_num_queries(MAX_QUERIES[role]) as few:
        assert client.get("/").status_code == 200
    one = {item.key: item.total for item in inbox_for(getattr(world, role), TODAY)}
    busy_programme(world, finance2, 4)
    with django_assert_max_num_queries(MAX_QUERIES[role]) as many:
        response = client.get("/")
    assert len(many.captured_queries) == len(few.captured_queries)
    # The five times bigger data was counted, not skipped.
    grown = {item.key: item.total for item in response.context["items"]}
    assert any(grown[k] >= 5 * one[k] > 0 for k in one)
    assert all(grown[k] >= one[k] for k in one)
