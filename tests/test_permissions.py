"""Every URL the project defines, for every kind of user: the expected status.

Roles: anonymous; the programme's coordinator; mentor_a (team A) and mentor_b
(team B) of the programme; the company's finance; an admin; and users of
another school / company (and a mentor without teams) who must see nothing.
``test_every_url_is_in_the_matrix`` fails when a page is added without a row.
"""

from datetime import date, time
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import URLPattern, URLResolver, get_resolver

from programs.attendance.models import Departure, LeaveRequest
from programs.rosters.models import ShiftTemplate
from programs.students.models import StudentImport
from scoring import documents as scoring_documents
from scoring import services as scoring_services
from scoring.models import Award, Incident
from stipends.payouts import services as stipend_services
from stipends.settlement.models import HolidayCalendarYear, Room, SettlementPayment
from tests.factories import UserFactory
from trainingweek.models import Job, User

ROLES = ["anonymous", "coordinator", "mentor_a", "mentor_b", "finance", "admin",
         "other_coordinator", "other_finance", "other_mentor"]

# Namespaces and names that belong to Django or third parties, not to us.
EXTERNAL = {"admin", "login", "logout", "password_change", "password_change_done", "password_reset",
            "password_reset_done", "password_reset_confirm", "password_reset_complete", "set_language"}


def _row(anonymous=302, coordinator=200, mentor_a=200, mentor_b=200, finance=200, admin=200,
         other_coordinator=404, other_finance=404, other_mentor=404):
    return dict(zip(ROLES, [anonymous, coordinator, mentor_a, mentor_b, finance, admin,
                            other_coordinator, other_finance, other_mentor], strict=True))


SETUP_ONLY = _row(mentor_a=403, mentor_b=403, finance=403)  # coordinator's set-up pages
TEAM_A = _row(mentor_b=404)  # a page of team A: mentor_b must not see it
POST_ONLY = _row(coordinator=405, mentor_a=405, mentor_b=405, finance=405, admin=405,
                 other_coordinator=405, other_finance=405, other_mentor=405)
SETTLEMENT_READ = _row(mentor_a=403, mentor_b=403)  # coordinators and finance
SETTLEMENT_MONEY = _row(mentor_a=403, mentor_b=403, coordinator=403)  # finance records money
SETTLEMENT_ROOMS = _row(mentor_a=403, mentor_b=403, finance=403)  # the school records its rooms
MENTORS_ENTER = _row(coordinator=403, finance=403)  # mentors enter KPI values and report incidents
SHEETS_TEAM_A = _row(mentor_b=404, finance=403)  # score sheets of team A: not finance's business
FINANCE_ONLY = _row(coordinator=403, mentor_a=403, mentor_b=403, admin=403)  # money moves, unmasked files
ADMIN_ONLY = _row(coordinator=403, mentor_a=403, mentor_b=403, finance=403,
                  other_coordinator=403, other_finance=403, other_mentor=403)

# url name -> (path builder, expected status per role)
MATRIX = {
    "home": (lambda w: "/", _row(coordinator=302, mentor_a=302, mentor_b=302, finance=302, admin=302,
                                 other_coordinator=302, other_finance=302, other_mentor=302)),
    "job_detail": (lambda w: f"/jobs/{w.job.pk}/", _row(mentor_a=404, mentor_b=404, finance=404)),
    "job_status": (lambda w: f"/jobs/{w.job.pk}/status/", _row(mentor_a=404, mentor_b=404, finance=404)),
    "job_download": (lambda w: f"/jobs/{w.job.pk}/download/", _row(mentor_a=404, mentor_b=404, finance=404)),
    "programs:programme_list": (lambda w: "/programs/", _row(other_coordinator=200, other_finance=200,
                                                             other_mentor=200)),
    "programs:agreement_list": (lambda w: "/programs/agreements/", _row(
        mentor_a=403, mentor_b=403, other_coordinator=200, other_finance=200, other_mentor=403)),
    "programs:agreement_create": (lambda w: "/programs/agreements/new/", _row(
        mentor_a=403, mentor_b=403, finance=403, other_coordinator=200, other_finance=403, other_mentor=403)),
    "programs:agreement_detail": (lambda w: f"/programs/agreements/{w.agreement.pk}/", _row(
        mentor_a=403, mentor_b=403, other_mentor=403)),
    "programs:agreement_edit": (lambda w: f"/programs/agreements/{w.agreement.pk}/edit/", _row(
        mentor_a=403, mentor_b=403, finance=403, other_finance=403, other_mentor=403)),
    "programs:programme_create": (lambda w: f"/programs/agreements/{w.agreement.pk}/programmes/new/", _row(
        mentor_a=404, mentor_b=404, finance=403)),
    "programs:programme_detail": (lambda w: f"/programs/{w.programme.pk}/", _row()),
    "programs:programme_edit": (lambda w: f"/programs/{w.programme.pk}/edit/", SETUP_ONLY),
    "programs:enrolment_list": (lambda w: f"/programs/{w.programme.pk}/enrolments/", _row()),
    "programs:class_create": (lambda w: f"/programs/{w.programme.pk}/classes/new/", SETUP_ONLY),
    "programs:class_edit": (lambda w: f"/programs/{w.programme.pk}/classes/{w.class_a.pk}/edit/", SETUP_ONLY),
    "programs:team_create": (lambda w: f"/programs/{w.programme.pk}/teams/new/", SETUP_ONLY),
    "programs:team_detail": (lambda w: f"/programs/{w.programme.pk}/teams/{w.team_a.pk}/", TEAM_A),
    "programs:team_edit": (lambda w: f"/programs/{w.programme.pk}/teams/{w.team_a.pk}/edit/", SETUP_ONLY),
    # Students (import, the student page, the logged reveal)
    "programs:student_import": (lambda w: f"/programs/{w.programme.pk}/students/import/", SETUP_ONLY),
    "programs:student_import_template": (lambda w: f"/programs/{w.programme.pk}/students/import/template/",
                                         SETUP_ONLY),
    "programs:student_import_result": (
        lambda w: f"/programs/{w.programme.pk}/students/import/{w.student_import.pk}/", SETUP_ONLY),
    "programs:enrolment_detail": (lambda w: f"/programs/{w.programme.pk}/enrolments/{w.enrolments_a[0].pk}/",
                                  TEAM_A),
    "programs:enrolment_reveal": (
        lambda w: f"/programs/{w.programme.pk}/enrolments/{w.enrolments_a[0].pk}/reveal/", POST_ONLY),
    # Settlement with the school, deadlines, the holiday calendar
    "settlement:deadlines_overview": (lambda w: "/programs/deadlines/", _row(
        mentor_a=403, mentor_b=403, other_coordinator=200, other_finance=200, other_mentor=403)),
    "settlement:calendar_list": (lambda w: "/programs/calendar/", ADMIN_ONLY),
    "settlement:calendar_year_create": (lambda w: "/programs/calendar/new/", ADMIN_ONLY),
    "settlement:calendar_year_edit": (lambda w: "/programs/calendar/2027/", ADMIN_ONLY),
    "settlement:settlement_detail": (lambda w: f"/programs/{w.programme.pk}/settlement/", SETTLEMENT_READ),
    "settlement:settlement_deadlines": (lambda w: f"/programs/{w.programme.pk}/settlement/deadlines/",
                                      SETTLEMENT_READ),
    "settlement:settlement_pdf": (lambda w: f"/programs/{w.programme.pk}/settlement/statement.pdf",
                                SETTLEMENT_READ),
    "settlement:settlement_xlsx": (lambda w: f"/programs/{w.programme.pk}/settlement/statement.xlsx",
                                 SETTLEMENT_READ),
    "settlement:settlement_record": (lambda w: f"/programs/{w.programme.pk}/settlement/record/", SETTLEMENT_MONEY),
    "settlement:payment_create": (lambda w: f"/programs/{w.programme.pk}/settlement/payments/new/",
                                SETTLEMENT_MONEY),
    "settlement:payment_delete": (
        lambda w: f"/programs/{w.programme.pk}/settlement/payments/{w.payment.pk}/delete/", POST_ONLY),
    "settlement:room_create": (lambda w: f"/programs/{w.programme.pk}/settlement/rooms/new/", SETTLEMENT_ROOMS),
    "settlement:room_edit": (lambda w: f"/programs/{w.programme.pk}/settlement/rooms/{w.room.pk}/",
                           SETTLEMENT_ROOMS),
    "settlement:room_delete": (lambda w: f"/programs/{w.programme.pk}/settlement/rooms/{w.room.pk}/delete/",
                             POST_ONLY),
    # Shifts, roster, schedules, attendance, leave, departures
    "programs:shift_list": (lambda w: f"/programs/{w.programme.pk}/shifts/", _row()),
    "programs:shift_create": (lambda w: f"/programs/{w.programme.pk}/shifts/new/", SETUP_ONLY),
    "programs:shift_edit": (lambda w: f"/programs/{w.programme.pk}/shifts/{w.shift.pk}/edit/", SETUP_ONLY),
    "programs:roster": (lambda w: f"/programs/{w.programme.pk}/roster/", _row()),
    "programs:roster_rules": (lambda w: f"/programs/{w.programme.pk}/roster/rules/", SETUP_ONLY),
    "programs:roster_export": (lambda w: f"/programs/{w.programme.pk}/roster/export/", _row()),
    "programs:schedule_index": (lambda w: f"/programs/{w.programme.pk}/schedule/", _row(
        coordinator=302, mentor_a=302, mentor_b=302, finance=302, admin=302)),
    "programs:team_schedule": (lambda w: f"/programs/{w.programme.pk}/schedule/{w.team_a.pk}/", TEAM_A),
    "programs:spread_rest": (lambda w: f"/programs/{w.programme.pk}/schedule/{w.team_a.pk}/spread-rest/",
                             POST_ONLY),
    "programs:attendance_index": (lambda w: f"/programs/{w.programme.pk}/attendance/", _row()),
    "programs:attendance_week": (lambda w: f"/programs/{w.programme.pk}/attendance/{w.team_a.pk}/", TEAM_A),
    # Online hours come from the company's platform: mentors import them.
    "programs:online_hours_import": (lambda w: f"/programs/{w.programme.pk}/attendance/import/",
                                     _row(coordinator=403, finance=403)),
    "programs:leave_list": (lambda w: f"/programs/{w.programme.pk}/leave/", _row()),
    "programs:leave_decide": (lambda w: f"/programs/{w.programme.pk}/leave/{w.leave.pk}/decide/", POST_ONLY),
    "programs:departure_list": (lambda w: f"/programs/{w.programme.pk}/departures/", _row()),
    "programs:departure_decide": (
        lambda w: f"/programs/{w.programme.pk}/departures/{w.departure.pk}/decide/", POST_ONLY),
    # Scoring: KPIs, ranking, score sheets, incidents, awards (issue 4)
    "scoring:dashboard": (lambda w: f"/scoring/{w.programme.pk}/", _row()),
    "scoring:ranking": (lambda w: f"/scoring/{w.programme.pk}/ranking/", _row()),
    "scoring:award_prizes": (lambda w: f"/scoring/{w.programme.pk}/ranking/award/", POST_ONLY),
    "scoring:kpi_index": (lambda w: f"/scoring/{w.programme.pk}/kpi/", _row()),
    "scoring:kpi_template": (lambda w: f"/scoring/{w.programme.pk}/kpi/template/", MENTORS_ENTER),
    "scoring:kpi_import": (lambda w: f"/scoring/{w.programme.pk}/kpi/import/", MENTORS_ENTER),
    "scoring:kpi_grid": (lambda w: f"/scoring/{w.programme.pk}/kpi/{w.team_a.pk}/{w.period.pk}/", TEAM_A),
    "scoring:sheet_index": (lambda w: f"/scoring/{w.programme.pk}/sheets/", _row(finance=403)),
    "scoring:class_sheets": (lambda w: f"/scoring/{w.programme.pk}/sheets/class/{w.class_a.pk}/", SETUP_ONLY),
    "scoring:class_pdf": (lambda w: f"/scoring/{w.programme.pk}/sheets/class/{w.class_a.pk}/pdf/", POST_ONLY),
    "scoring:team_sheets": (lambda w: f"/scoring/{w.programme.pk}/sheets/team/{w.team_a.pk}/", SHEETS_TEAM_A),
    "scoring:student_sheet": (lambda w: f"/scoring/{w.programme.pk}/sheets/student/{w.enrolments_a[0].pk}/",
                              SHEETS_TEAM_A),
    "scoring:student_pdf": (lambda w: f"/scoring/{w.programme.pk}/sheets/student/{w.enrolments_a[0].pk}/pdf/",
                            SHEETS_TEAM_A),
    "scoring:class_pdf_result": (lambda w: f"/scoring/{w.programme.pk}/sheets/jobs/{w.sheet_job.pk}/", SETUP_ONLY),
    "scoring:class_pdf_download": (lambda w: f"/scoring/{w.programme.pk}/sheets/jobs/{w.sheet_job.pk}/pdf/",
                                   SETUP_ONLY),
    "scoring:incident_list": (lambda w: f"/scoring/{w.programme.pk}/incidents/", _row()),
    "scoring:incident_create": (lambda w: f"/scoring/{w.programme.pk}/incidents/new/", MENTORS_ENTER),
    "scoring:incident_decide": (lambda w: f"/scoring/{w.programme.pk}/incidents/{w.incident.pk}/decide/", POST_ONLY),
    "scoring:award_list": (lambda w: f"/scoring/{w.programme.pk}/awards/", _row()),
    "scoring:award_delete": (lambda w: f"/scoring/{w.programme.pk}/awards/{w.award.pk}/delete/", POST_ONLY),
    "scoring:settings": (lambda w: f"/scoring/{w.programme.pk}/settings/", SETUP_ONLY),
    "scoring:setup_defaults": (lambda w: f"/scoring/{w.programme.pk}/settings/defaults/", POST_ONLY),
    "scoring:kpi_setup": (lambda w: f"/scoring/{w.programme.pk}/settings/kpis/", SETUP_ONLY),
    "scoring:period_setup": (lambda w: f"/scoring/{w.programme.pk}/settings/periods/", SETUP_ONLY),
    # Stipends and payouts (issue 5)
    "stipends:overview": (lambda w: f"/stipends/{w.programme.pk}/", SETTLEMENT_READ),
    "stipends:rate_card": (lambda w: f"/stipends/{w.programme.pk}/rate-card/", SETTLEMENT_READ),
    "stipends:profiles": (lambda w: f"/stipends/{w.programme.pk}/profiles/", SETTLEMENT_READ),
    "stipends:statement_list": (lambda w: f"/stipends/{w.programme.pk}/students/", _row()),
    "stipends:statement": (lambda w: f"/stipends/{w.programme.pk}/students/{w.enrolments_a[0].pk}/", TEAM_A),
    "stipends:batch_create": (lambda w: f"/stipends/{w.programme.pk}/batches/new/", FINANCE_ONLY),
    "stipends:batch_detail": (lambda w: f"/stipends/{w.programme.pk}/batches/{w.batch.pk}/", SETTLEMENT_MONEY),
    "stipends:batch_compute": (lambda w: f"/stipends/{w.programme.pk}/batches/{w.batch.pk}/compute/", POST_ONLY),
    "stipends:batch_approve": (lambda w: f"/stipends/{w.programme.pk}/batches/{w.batch.pk}/approve/", POST_ONLY),
    "stipends:batch_refresh": (lambda w: f"/stipends/{w.programme.pk}/batches/{w.batch.pk}/refresh/", POST_ONLY),
    "stipends:batch_delete": (lambda w: f"/stipends/{w.programme.pk}/batches/{w.batch.pk}/delete/", POST_ONLY),
    "stipends:bank_file": (lambda w: f"/stipends/{w.programme.pk}/batches/{w.batch.pk}/bank.xlsx", FINANCE_ONLY),
    "stipends:batch_mark_sent": (lambda w: f"/stipends/{w.programme.pk}/batches/{w.batch.pk}/sent/", POST_ONLY),
    "stipends:register": (lambda w: f"/stipends/{w.programme.pk}/batches/{w.batch.pk}/register/{w.class_a.pk}.xlsx",
                          FINANCE_ONLY),
    "stipends:signoff_xlsx": (
        lambda w: f"/stipends/{w.programme.pk}/batches/{w.batch.pk}/signoff/{w.class_a.pk}.xlsx", FINANCE_ONLY),
    "stipends:signoff_pdf": (
        lambda w: f"/stipends/{w.programme.pk}/batches/{w.batch.pk}/signoff/{w.class_a.pk}.pdf", FINANCE_ONLY),
    "stipends:result_upload": (lambda w: f"/stipends/{w.programme.pk}/batches/{w.batch.pk}/result/", FINANCE_ONLY),
    "stipends:follow_up": (lambda w: f"/stipends/{w.programme.pk}/batches/{w.batch.pk}/follow-up/", POST_ONLY),
}


def _named_urls(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            if ns == "admin":
                continue
            yield from _named_urls(entry.url_patterns, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_every_url_is_in_the_matrix():
    ours = {name for name in _named_urls() if name.split(":")[-1] not in EXTERNAL}
    assert ours - MATRIX.keys() == set(), "pages without a permission row"
    assert MATRIX.keys() - ours == set(), "rows for pages that no longer exist"


@pytest.fixture
def world_with_job(world, tmp_path):
    job = Job.objects.create(kind="test", created_by=world.coordinator, status=Job.Status.SUCCEEDED)
    job.result_file.save("result.txt", ContentFile(b"ok"))
    world.job = job
    world.student_import = StudentImport.objects.create(
        programme=world.programme, created_by=world.coordinator, file_name="a.xlsx")
    world.room = Room.objects.create(programme=world.programme, name="206", kind=Room.Kind.PLAIN)
    world.payment = SettlementPayment.objects.create(
        programme=world.programme, paid_on=date(2020, 9, 1), amount=Decimal("10000.00"),
        kind=SettlementPayment.Kind.DEPOSIT, recorded_by=world.finance)
    HolidayCalendarYear.objects.create(year=2027)
    world.shift = ShiftTemplate.objects.create(
        programme=world.programme, name="早班", start=time(8, 30), end=time(17, 0), paid_hours=Decimal("8"))
    world.leave = LeaveRequest.objects.create(
        programme=world.programme, enrolment=world.enrolments_a[0], start=date(2020, 10, 27), end=date(2020, 10, 27), reason="病假",
        requested_by=world.mentor_a)
    world.departure = Departure.objects.create(
        programme=world.programme, enrolment=world.enrolments_a[1], kind=Departure.Kind.WITHDRAWAL, last_day=date(2020, 11, 1),
        reason="家中有事", requested_by=world.coordinator)
    # Scoring: the default set-up, a reported incident, an award and a finished class-PDF job.
    world.period = scoring_services.create_default_setup(programme=world.programme).periods[-1]
    world.incident = Incident.objects.create(
        programme=world.programme, enrolment=world.enrolments_a[0], occurred_on=date(2020, 11, 11), level="1",
        description="回复超时", reported_by=world.mentor_a)
    world.award = Award.objects.create(programme=world.programme, enrolment=world.enrolments_a[0], label="销售冠军",
                                       amount=Decimal("200.00"), created_by=world.coordinator)
    sheet_job = Job.objects.create(kind=scoring_documents.JOB_KIND, created_by=world.coordinator, status=Job.Status.SUCCEEDED,
                                   params={"programme": world.programme.pk, "school_class": world.class_a.pk})
    sheet_job.result_file.save("sheets.zip", ContentFile(b"zip"))
    sheet_job.result = {"pdf": default_storage.save("jobs/scoring/sheets.pdf", ContentFile(b"%PDF"))}
    sheet_job.save()
    world.sheet_job = sheet_job
    # Stipends: an approved batch made by a second finance user (zero amounts: no attendance).
    maker = UserFactory(username="finance_maker", role=User.Role.FINANCE, organisation=world.company)
    world.batch = stipend_services.create_batch(world.programme, maker, pay_on=date(2020, 12, 20))
    stipend_services.freeze_batch(world.batch.pk)
    stipend_services.approve_batch(world.batch, world.finance, confirmed=True)
    return world


@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_status_by_role(world_with_job, client_for, name, role):
    build, expected = MATRIX[name]
    user = None if role == "anonymous" else getattr(world_with_job, role)
    response = client_for(user).get(build(world_with_job))
    assert response.status_code == expected[role], f"{role} GET {name}"
    if role == "anonymous":
        assert "/accounts/login/" in response["Location"]
