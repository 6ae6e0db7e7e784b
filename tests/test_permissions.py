"""Every URL the project defines, for every kind of user, GET and POST: the expected status.

Roles: anonymous; the programme's coordinator; mentor_a (team A) and mentor_b
(team B) of the programme; the company's finance; an admin (superuser); users
of another school / company (and a mentor without teams) who must see nothing;
and admin_role, a user with the admin role who is not a superuser.

Each URL has a GET row (``MATRIX``), a POST row (``POSTS``: the body sent and
the status per role, or ``READS`` for a page that only reads and answers a
POST as it answers a GET) and the named permissions it exercises (``PERMS``).
The tests fail when a URL lacks any of the three, when a permission
registered with ``rules`` is named by no row, and when a refused POST (login,
403, 404) changed anything in the database. Objects of another organisation:
the other_* roles on this programme, and ``test_another_organisations_programme``
(this programme's users on another school's and company's programme).
"""

import re

import pytest
import rules
from django.apps import apps
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import UserFactory

ROLES = ["anonymous", "coordinator", "mentor_a", "mentor_b", "finance", "admin",
         "other_coordinator", "other_finance", "other_mentor", "admin_role"]

# Namespaces and names that belong to Django or third parties, not to us.
EXTERNAL = {"admin", "login", "logout", "password_change", "password_change_done", "password_reset",
            "password_reset_done", "password_reset_confirm", "password_reset_complete", "set_language"}


def _row(anonymous=302, coordinator=200, mentor_a=200, mentor_b=200, finance=200, admin=200,
         other_coordinator=404, other_finance=404, other_mentor=404, admin_role=None):
    """Expected status per role; the admin-role user answers like the superuser admin unless told."""
    return dict(zip(ROLES, [anonymous, coordinator, mentor_a, mentor_b, finance, admin,
                            other_coordinator, other_finance, other_mentor,
                            admin if admin_role is None else admin_role], strict=True))


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

# url name -> (path builder, expected GET status per role)
MATRIX = {
    # Each role's inbox; admins start from the programme list.
    "home": (lambda w: "/", _row(admin=302, other_coordinator=200, other_finance=200, other_mentor=200)),
    "job_detail": (lambda w: f"/jobs/{w.job.pk}/", _row(mentor_a=404, mentor_b=404, finance=404)),
    "job_status": (lambda w: f"/jobs/{w.job.pk}/status/", _row(mentor_a=404, mentor_b=404, finance=404)),
    "job_download": (lambda w: f"/jobs/{w.job.pk}/download/", _row(mentor_a=404, mentor_b=404, finance=404)),
    "job_resume": (lambda w: f"/jobs/{w.job.pk}/resume/", POST_ONLY),
    "logout_everywhere": (lambda w: "/accounts/logout-everywhere/", POST_ONLY),
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
    "programs:enrolment_assign_team": (lambda w: f"/programs/{w.programme.pk}/enrolments/team/", POST_ONLY),
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
    # The columns of an upload waiting to be imported: only whoever uploaded it sees it (404 for the others).
    "programs:online_hours_mapping": (
        lambda w: f"/programs/{w.programme.pk}/attendance/import/{w.hours_upload.pk}/",
        _row(coordinator=403, mentor_b=404, finance=403, admin=404)),
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
    "stipends:bank_summary": (
        lambda w: f"/stipends/{w.programme.pk}/batches/{w.batch.pk}/bank-summary.xlsx", FINANCE_ONLY),
    "stipends:bank_prepare": (lambda w: f"/stipends/{w.programme.pk}/batches/{w.batch.pk}/bank/file/prepare/",
                              POST_ONLY),
    "stipends:bank_prepared": (
        lambda w: f"/stipends/{w.programme.pk}/batches/{w.batch.pk}/bank/file/{w.bank_job.pk}.xlsx", FINANCE_ONLY),
    "stipends:batch_mark_sent": (lambda w: f"/stipends/{w.programme.pk}/batches/{w.batch.pk}/sent/", POST_ONLY),
    "stipends:register": (lambda w: f"/stipends/{w.programme.pk}/batches/{w.batch.pk}/register/{w.class_a.pk}.xlsx",
                          FINANCE_ONLY),
    "stipends:signoff_xlsx": (
        lambda w: f"/stipends/{w.programme.pk}/batches/{w.batch.pk}/signoff/{w.class_a.pk}.xlsx", FINANCE_ONLY),
    "stipends:signoff_pdf": (
        lambda w: f"/stipends/{w.programme.pk}/batches/{w.batch.pk}/signoff/{w.class_a.pk}.pdf", FINANCE_ONLY),
    "stipends:result_upload": (lambda w: f"/stipends/{w.programme.pk}/batches/{w.batch.pk}/result/", FINANCE_ONLY),
    "stipends:follow_up": (lambda w: f"/stipends/{w.programme.pk}/batches/{w.batch.pk}/follow-up/", POST_ONLY),
    "stipends:correct_bank_details": (
        lambda w: f"/stipends/{w.programme.pk}/batches/{w.batch.pk}/items/{w.failed_item.pk}/bank-details/",
        FINANCE_ONLY),
}


# POST: url name -> (body builder, expected status per role), or READS: the page only reads and answers a
# POST as its GET. FORM: an empty form is refused like its GET and re-shown (200 with its errors) to those
# allowed, so the POST row is the GET row.
READS = "reads"
FORM = "form"


def _empty(w):
    return {}


def _posted(*, coordinator, mentor_a, mentor_b, finance, admin, admin_role=None):
    return _row(coordinator=coordinator, mentor_a=mentor_a, mentor_b=mentor_b, finance=finance, admin=admin,
                admin_role=admin_role)


MANAGE_POST = _posted(coordinator=302, mentor_a=403, mentor_b=403, finance=403, admin=302)  # the school's set-up
TEAM_MANAGE_POST = _posted(coordinator=302, mentor_a=403, mentor_b=404, finance=403, admin=302)
TEAM_MENTOR_POST = _posted(coordinator=403, mentor_a=302, mentor_b=404, finance=403, admin=302)
TEAM_SCHEDULE_POST = _posted(coordinator=302, mentor_a=302, mentor_b=404, finance=403, admin=302)
REQUEST_POST = _posted(coordinator=200, mentor_a=200, mentor_b=200, finance=403, admin=200)  # form errors
DECIDE_POST = _posted(coordinator=302, mentor_a=302, mentor_b=404, finance=403, admin=302)
MONEY_POST = _posted(coordinator=403, mentor_a=403, mentor_b=403, finance=302, admin=302)
ROOMS_POST = _posted(coordinator=302, mentor_a=403, mentor_b=403, finance=403, admin=302)
FINANCE_POST = _posted(coordinator=403, mentor_a=403, mentor_b=403, finance=302, admin=403)

POSTS = {name: (_empty, READS) for name in [
    "home", "job_detail", "job_status", "job_download", "programs:programme_list", "programs:agreement_list",
    "programs:agreement_detail", "programs:programme_detail", "programs:enrolment_list",
    "programs:student_import_template", "programs:student_import_result", "programs:enrolment_detail",
    "settlement:deadlines_overview", "settlement:calendar_list", "settlement:settlement_detail",
    "settlement:settlement_deadlines", "settlement:settlement_pdf", "settlement:settlement_xlsx",
    "programs:shift_list", "programs:roster_export", "programs:schedule_index", "programs:attendance_index",
    "scoring:dashboard", "scoring:ranking", "scoring:kpi_index", "scoring:kpi_template", "scoring:sheet_index",
    "scoring:student_sheet", "scoring:student_pdf", "scoring:class_pdf_result", "scoring:class_pdf_download",
    "scoring:incident_list", "stipends:overview", "stipends:statement_list", "stipends:statement",
    "stipends:batch_detail", "stipends:bank_file", "stipends:bank_summary", "stipends:bank_prepared",
    "stipends:register", "stipends:signoff_xlsx", "stipends:signoff_pdf",
]} | {name: (_empty, FORM) for name in [
    "programs:agreement_create", "programs:agreement_edit", "programs:programme_create", "programs:programme_edit",
    "programs:class_create", "programs:class_edit", "programs:team_create", "programs:team_edit",
    "programs:student_import", "settlement:calendar_year_create", "settlement:calendar_year_edit",
    "settlement:settlement_record", "settlement:payment_create", "settlement:room_create", "settlement:room_edit",
    "programs:shift_create", "programs:shift_edit", "programs:roster_rules", "programs:online_hours_import",
    "programs:online_hours_mapping",
    "scoring:kpi_import", "scoring:incident_create", "scoring:settings", "scoring:kpi_setup",
    "scoring:period_setup", "stipends:batch_create", "stipends:result_upload", "stipends:correct_bank_details",
]} | {
    # Whoever started the job (or may start its kind: none for this test kind); the admin sees it, may not resume it.
    "job_resume": (_empty, _posted(coordinator=302, mentor_a=404, mentor_b=404, finance=404, admin=403)),
    "programs:team_detail": (_empty, TEAM_MANAGE_POST),
    # The coordinator moves a student of team A into team B (back to the list).
    "programs:enrolment_assign_team": (lambda w: {"action": "assign", "team": w.team_b.pk,
                                                  "enrolment": [w.enrolments_a[0].pk]}, MANAGE_POST),
    # Everyone may end their own sessions (the page says so, 200); nobody anyone else's.
    "logout_everywhere": (_empty, _row(other_coordinator=200, other_finance=200, other_mentor=200)),
    "programs:enrolment_reveal": (_empty, _posted(coordinator=403, mentor_a=403, mentor_b=404, finance=200, admin=403)),
    "settlement:payment_delete": (_empty, MONEY_POST),
    "settlement:room_delete": (_empty, ROOMS_POST),
    "programs:roster": (lambda w: {f"r_{w.class_a.pk}_20201027": "rest"}, MANAGE_POST),
    "programs:team_schedule": (lambda w: {f"o_{w.enrolments_a[0].pk}_20201027": "rest"}, TEAM_SCHEDULE_POST),
    "programs:spread_rest": (_empty, TEAM_SCHEDULE_POST),
    "programs:attendance_week": (lambda w: {f"s_{w.enrolments_a[0].pk}_20201027": "present"}, TEAM_MENTOR_POST),
    "programs:leave_list": (_empty, REQUEST_POST),
    "programs:leave_decide": (lambda w: {"approve": "1"},
                              _posted(coordinator=403, mentor_a=302, mentor_b=404, finance=403, admin=302)),
    "programs:departure_list": (_empty, REQUEST_POST),
    "programs:departure_decide": (lambda w: {"approve": "1"}, DECIDE_POST),
    "scoring:award_prizes": (lambda w: {"period": w.period.pk}, MANAGE_POST),
    "scoring:kpi_grid": (_empty, TEAM_MENTOR_POST),
    "scoring:class_sheets": (_empty, MANAGE_POST),
    "scoring:class_pdf": (_empty, MANAGE_POST),
    "scoring:team_sheets": (_empty, TEAM_MENTOR_POST),
    "scoring:incident_decide": (lambda w: {"decision": "confirm"}, MANAGE_POST),
    "scoring:award_list": (_empty, REQUEST_POST),
    "scoring:setup_defaults": (_empty, MANAGE_POST),
    "scoring:award_delete": (_empty, _posted(coordinator=302, mentor_a=403, mentor_b=404, finance=403, admin=302)),
    # An approved batch has frozen the rate card: nobody changes it any more.
    "stipends:rate_card": (_empty, _posted(coordinator=403, mentor_a=403, mentor_b=403, finance=403, admin=403)),
    "stipends:profiles": (_empty, ROOMS_POST),
    "stipends:batch_compute": (_empty, FINANCE_POST),
    "stipends:batch_approve": (_empty, FINANCE_POST),
    "stipends:batch_refresh": (_empty, FINANCE_POST),
    "stipends:batch_delete": (_empty, FINANCE_POST),
    "stipends:follow_up": (_empty, FINANCE_POST),
    "stipends:batch_mark_sent": (_empty, FINANCE_POST),
    # Finance starts the job preparing the bank file (to the job's page).
    "stipends:bank_prepare": (_empty, FINANCE_POST),
}

# url name -> the named permissions (rules) the page checks, besides the menus'.
PERMS = {
    "home": (), "job_detail": (), "job_status": (), "job_download": (),  # scoped to whoever started the job
    "job_resume": ("trainingweek.resume_job",),
    "logout_everywhere": (),  # one's own sessions only
    "programs:programme_list": ("agreements.manage_programme",),
    "programs:agreement_list": ("agreements.view_agreement", "agreements.manage_agreement"),
    "programs:agreement_create": ("agreements.manage_agreement",),
    "programs:agreement_detail": ("agreements.view_agreement", "agreements.manage_agreement",
                                  "agreements.manage_programme"),
    "programs:agreement_edit": ("agreements.manage_agreement",),
    "programs:programme_create": ("agreements.manage_programme",),
    "programs:programme_detail": ("agreements.manage_programme", "students.manage_teams",
                                  "settlement.view_settlement", "payouts.view_payouts"),
    "programs:programme_edit": ("agreements.manage_programme",),
    "programs:enrolment_list": ("students.import_students", "students.assign_team"),
    "programs:enrolment_assign_team": ("students.assign_team",),
    "programs:class_create": ("students.manage_teams",),
    "programs:class_edit": ("students.manage_teams",),
    "programs:team_create": ("students.manage_teams",),
    "programs:team_detail": ("students.manage_teams",),
    "programs:team_edit": ("students.manage_teams",),
    "programs:student_import": ("students.import_students",),
    "programs:student_import_template": ("students.import_students",),
    "programs:student_import_result": ("students.import_students",),
    "programs:enrolment_detail": ("students.reveal_personal_data",),
    "programs:enrolment_reveal": ("students.reveal_personal_data",),
    "settlement:deadlines_overview": ("settlement.view_settlement", "settlement.manage_calendar"),
    "settlement:calendar_list": ("settlement.manage_calendar",),
    "settlement:calendar_year_create": ("settlement.manage_calendar",),
    "settlement:calendar_year_edit": ("settlement.manage_calendar",),
    "settlement:settlement_detail": ("settlement.view_settlement", "settlement.manage_rooms",
                                     "settlement.record_money"),
    "settlement:settlement_deadlines": ("settlement.view_settlement", "settlement.record_money"),
    "settlement:settlement_pdf": ("settlement.view_settlement",),
    "settlement:settlement_xlsx": ("settlement.view_settlement",),
    "settlement:settlement_record": ("settlement.record_money",),
    "settlement:payment_create": ("settlement.record_money",),
    "settlement:payment_delete": ("settlement.record_money",),
    "settlement:room_create": ("settlement.manage_rooms",),
    "settlement:room_edit": ("settlement.manage_rooms",),
    "settlement:room_delete": ("settlement.manage_rooms",),
    "programs:shift_list": ("rosters.manage_roster",),
    "programs:shift_create": ("rosters.manage_roster",),
    "programs:shift_edit": ("rosters.manage_roster",),
    "programs:roster": ("rosters.manage_roster",),
    "programs:roster_rules": ("rosters.manage_roster",),
    "programs:roster_export": (),  # everyone who sees the programme
    "programs:schedule_index": (),  # redirects to the first visible team
    "programs:team_schedule": ("rosters.edit_schedule",),
    "programs:spread_rest": ("rosters.edit_schedule",),
    "programs:attendance_index": ("attendance.import_online_hours",),
    "programs:attendance_week": ("attendance.record_attendance",),
    "programs:online_hours_import": ("attendance.import_online_hours",),
    "programs:online_hours_mapping": ("attendance.import_online_hours",),
    "programs:leave_list": ("attendance.request_leave", "attendance.decide_as_mentor"),
    "programs:leave_decide": ("attendance.decide_as_mentor",),
    "programs:departure_list": ("attendance.request_withdrawal", "attendance.dismiss", "attendance.decide_as_school"),
    "programs:departure_decide": ("attendance.decide_as_school",),
    "scoring:dashboard": ("scoring.view_score_sheets", "scoring.manage_setup"),
    "scoring:ranking": ("scoring.award_prizes",),
    "scoring:award_prizes": ("scoring.award_prizes",),
    "scoring:kpi_index": ("scoring.enter_kpis",),
    "scoring:kpi_template": ("scoring.enter_kpis",),
    "scoring:kpi_import": ("scoring.enter_kpis",),
    "scoring:kpi_grid": ("scoring.enter_kpis",),
    "scoring:sheet_index": ("scoring.view_score_sheets", "scoring.enter_school_scores"),
    "scoring:class_sheets": ("scoring.enter_school_scores",),
    "scoring:class_pdf": ("scoring.enter_school_scores",),
    "scoring:team_sheets": ("scoring.view_score_sheets", "scoring.evaluate_team"),
    "scoring:student_sheet": ("scoring.view_score_sheets",),
    "scoring:student_pdf": ("scoring.view_score_sheets",),
    "scoring:class_pdf_result": ("scoring.enter_school_scores",),
    "scoring:class_pdf_download": ("scoring.enter_school_scores",),
    "scoring:incident_list": ("scoring.report_incident", "scoring.decide_incident"),
    "scoring:incident_create": ("scoring.report_incident",),
    "scoring:incident_decide": ("scoring.decide_incident",),
    "scoring:award_list": ("scoring.add_award", "scoring.delete_award"),
    "scoring:award_delete": ("scoring.delete_award",),
    "scoring:settings": ("scoring.manage_setup",),
    "scoring:setup_defaults": ("scoring.manage_setup",),
    "scoring:kpi_setup": ("scoring.manage_setup",),
    "scoring:period_setup": ("scoring.manage_setup",),
    "stipends:overview": ("payouts.view_payouts", "payouts.make_batch", "payouts.view_batch"),
    "stipends:rate_card": ("payouts.view_payouts", "payouts.edit_rate_card"),
    "stipends:profiles": ("payouts.view_payouts", "payouts.edit_profiles"),
    "stipends:statement_list": ("payouts.view_payouts",),
    "stipends:statement": ("payouts.view_payouts",),
    "stipends:batch_create": ("payouts.make_batch",),
    "stipends:batch_detail": ("payouts.view_batch", "payouts.approve_batch", "payouts.export_bank_data"),
    "stipends:batch_compute": ("payouts.make_batch",),
    "stipends:batch_approve": ("payouts.approve_batch",),
    "stipends:batch_refresh": ("payouts.make_batch",),
    "stipends:batch_delete": ("payouts.make_batch",),
    "stipends:bank_file": ("payouts.export_bank_data",),
    "stipends:bank_summary": ("payouts.export_bank_data",),
    "stipends:bank_prepare": ("payouts.export_bank_data",),
    "stipends:bank_prepared": ("payouts.export_bank_data",),
    "stipends:batch_mark_sent": ("payouts.mark_batch_sent",),
    "stipends:register": ("payouts.export_bank_data",),
    "stipends:signoff_xlsx": ("payouts.export_bank_data",),
    "stipends:signoff_pdf": ("payouts.export_bank_data",),
    "stipends:result_upload": ("payouts.reconcile_batch",),
    "stipends:follow_up": ("payouts.make_batch",),
    "stipends:correct_bank_details": ("payouts.correct_bank_details",),
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


def _our_urls() -> set[str]:
    return {name for name in _named_urls() if name.split(":")[-1] not in EXTERNAL}


@pytest.mark.parametrize("table", ["MATRIX", "POSTS", "PERMS"])
def test_every_url_is_in_the_matrix(table):
    rows = globals()[table]
    assert _our_urls() - rows.keys() == set(), f"pages without a {table} row"
    assert rows.keys() - _our_urls() == set(), f"{table} rows for pages that no longer exist"


def test_every_permission_has_a_row():
    named = {perm for perms in PERMS.values() for perm in perms}
    registered = set(rules.permissions.permissions)
    assert registered - named == set(), "registered permissions that no row exercises"
    assert named - registered == set(), "rows naming permissions that are not registered"


# Rows whose refused POST may still write: none. Sessions change on every request and are not data.
NOT_DATA = {"sessions.Session"}


def _database():
    """Every row of every table (but sessions), many-to-many tables
    included, to compare before and after a request: read as stored (no
    field converted, no value decrypted), a query per table."""
    quote = connection.ops.quote_name
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.label not in NOT_DATA and meta.managed and not meta.proxy:
            tables.setdefault(meta.label, (quote(meta.db_table), quote(meta.pk.column)))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one round trip: each table's rows as one JSON text
            cursor.execute("SELECT " + ", ".join(
                f"(SELECT coalesce(json_agg(r ORDER BY r.{pk})::text, '') FROM {table} r)"
                for table, pk in tables.values()))
            return dict(zip(tables, cursor.fetchone(), strict=True))
        snapshot = {}
        for label, (table, pk) in tables.items():
            cursor.execute(f"SELECT * FROM {table} ORDER BY {pk}")
            snapshot[label] = cursor.fetchall()
    return snapshot


def _changed(before, after) -> list[str]:
    return [label for label in before if before[label] != after[label]]


@pytest.fixture
def checked_perms(monkeypatch):
    """The named permissions tested during the request (through User.has_perm and templates)."""
    seen = set()
    real = rules.has_perm

    def spy(name, *args, **kwargs):
        seen.add(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(rules, "has_perm", spy)
    return seen


@pytest.mark.django_db
def test_the_snapshot_sees_every_kind_of_write(world_with_job):
    """What the matrix and the fuzzer compare: an insert, an update of an
    encrypted field (its ciphertext, as stored), a many-to-many link and a
    delete each show as a change of their table, and nothing else does."""
    from programs.students.models import Student

    before = _database()
    assert _changed(before, _database()) == []
    student = world_with_job.enrolments_a[0].student
    student.phone = "13900000000"
    student.save()
    assert "students.Student" in _changed(before, _database())
    before = _database()
    world_with_job.team_b.mentors.add(world_with_job.mentor_a)
    assert _changed(before, _database()) == ["students.Team_mentors"]
    before = _database()
    Student.objects.filter(pk=student.pk).update(phone=student.phone)  # the same number, encrypted anew
    assert _changed(before, _database()) == ["students.Student"]
    before = _database()
    UserFactory()
    assert "trainingweek.User" in _changed(before, _database())  # (and its organisation, made by the factory)
    before = _database()
    world_with_job.other_mentor.delete()
    assert "trainingweek.User" in _changed(before, _database())


def _user(world, role):
    return None if role == "anonymous" else getattr(world, role)


def _refused(response) -> bool:
    return response.status_code in (403, 404, 405) or (
        response.status_code == 302 and "/accounts/login/" in response["Location"])


@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_status_by_role(world_with_job, client_for, checked_perms, name, role):
    build, expected = MATRIX[name]
    client = client_for(_user(world_with_job, role))
    before = _database()
    response = client.get(build(world_with_job))
    assert response.status_code == expected[role], f"{role} GET {name}"
    if role == "anonymous":
        assert "/accounts/login/" in response["Location"]
    if _refused(response):
        assert _changed(before, _database()) == [], f"{role} GET {name} was refused but wrote"
    if role == "admin_role":  # sees every page: every named check runs
        assert set(PERMS[name]) <= checked_perms | _posted_checks(world_with_job, client, name), (
            f"{name} names permissions it does not check")


def _posted_checks(world, client, name) -> set[str]:
    """The permissions a POST to the page checks (some are asked only on POST)."""
    seen = set()
    real = rules.has_perm

    def spy(perm, *args, **kwargs):
        seen.add(perm)
        return real(perm, *args, **kwargs)

    rules.has_perm = spy
    try:
        client.post(MATRIX[name][0](world), POSTS[name][0](world))
    finally:
        rules.has_perm = real
    return seen


def _expected_post(name, role):
    _, expected = POSTS[name]
    return MATRIX[name][1][role] if expected in (READS, FORM) else expected[role]


@pytest.mark.parametrize("name", sorted(POSTS))
@pytest.mark.parametrize("role", ROLES)
def test_post_by_role(world_with_job, client_for, name, role):
    """A real POST to every URL: allowed roles get the pinned success status, the others are
    refused (login, 403, 404) and the database is exactly as before."""
    build, _ = MATRIX[name]
    data, _ = POSTS[name]
    client = client_for(_user(world_with_job, role))
    before = _database()
    response = client.post(build(world_with_job), data(world_with_job))
    assert response.status_code == _expected_post(name, role), f"{role} POST {name}"
    if role == "anonymous":
        assert "/accounts/login/" in response["Location"]
    if _refused(response):
        assert _changed(before, _database()) == [], f"{role} POST {name} was refused but wrote"


class _Foreign:
    """The world seen through another school's (and company's) programme."""

    def __init__(self, world):
        self._world = world
        self.programme = world.foreign_programme
        self.agreement = world.foreign_programme.agreement

    def __getattr__(self, name):
        return getattr(self._world, name)


FOREIGN_URLS = sorted(name for name in MATRIX if name not in {
    "home", "job_detail", "job_status", "job_download", "job_resume", "logout_everywhere",
    "programs:programme_list", "programs:agreement_list", "programs:agreement_create",
    "settlement:deadlines_overview", "settlement:calendar_list",
    "settlement:calendar_year_create", "settlement:calendar_year_edit"})


# Pages that check the role before looking the object up (403 for a wrong role, else 404).
ROLE_BEFORE_LOOKUP = {"programs:agreement_detail", "programs:agreement_edit"}


@pytest.mark.parametrize("name", FOREIGN_URLS)
@pytest.mark.parametrize("role", ["coordinator", "mentor_a", "finance"])
def test_another_organisations_programme(world_with_job, client_for, name, role):
    """This school's coordinator, this company's mentor and finance on another school's and company's
    programme or agreement: 404 (or the role's 403 before the lookup) on GET and POST, nothing written."""
    build, expected = MATRIX[name]
    foreign = _Foreign(world_with_job)
    assert build(foreign) != build(world_with_job)
    client = client_for(getattr(world_with_job, role))
    role_first = name in ROLE_BEFORE_LOOKUP

    def refusal(status):
        return status if status == 405 or (role_first and status == 403) else 404

    before = _database()
    assert client.get(build(foreign)).status_code == refusal(expected[role]), f"{role} GET {name}"
    response = client.post(build(foreign), POSTS[name][0](foreign))
    assert response.status_code == refusal(_expected_post(name, role)), f"{role} POST {name}"
    assert _changed(before, _database()) == []


# --------------------------------------------------------------------------- menus agree with the views
# menu -> (the page it is read on, the pages it may list)
MENUS = {
    "main": (lambda w: "/programs/", r'<ul class="navbar-nav me-auto">(.*?)</ul>',
             ["programs:programme_list", "programs:agreement_list", "settlement:deadlines_overview"]),
    "programme tabs": (lambda w: f"/programs/{w.programme.pk}/", r'<ul class="nav nav-tabs mb-3">(.*?)</ul>',
                       ["programs:programme_detail", "programs:enrolment_list", "programs:roster",
                        "scoring:dashboard", "settlement:settlement_detail", "stipends:overview"]),
    "scoring": (lambda w: f"/scoring/{w.programme.pk}/", r'data-testid="scoring-subnav">(.*?)</ul>',
                ["scoring:dashboard", "scoring:kpi_index", "scoring:ranking", "scoring:sheet_index",
                 "scoring:incident_list", "scoring:award_list", "scoring:settings"]),
    "stipends": (lambda w: f"/stipends/{w.programme.pk}/students/", r'data-testid="stipends-subnav">(.*?)</ul>',
                 ["stipends:overview", "stipends:statement_list", "stipends:rate_card", "stipends:profiles"]),
    "deadlines": (lambda w: "/programs/deadlines/", r'(<h1.*?</div>)', ["settlement:calendar_list"]),
}


@pytest.mark.parametrize("menu", sorted(MENUS))
@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_menus_agree_with_the_views(world_with_job, client_for, menu, role):
    """Every link a menu shows answers 200, and every page it may list that answers 200 is shown."""
    page, pattern, listed = MENUS[menu]
    w = world_with_job
    client = client_for(getattr(w, role))
    response = client.get(page(w))
    if response.status_code != 200:
        return  # the menu's page itself is not this role's (its row says so)
    block = re.search(pattern, response.content.decode(), re.S)
    assert block, f"{menu} menu not found"
    shown = {href if href.startswith("/") else page(w) + href  # "?all=1" stays on the page
             for href in re.findall(r'href="([^"]+)"', block.group(1))}
    for href in shown:
        assert client.get(href).status_code == 200, f"{role} sees {href} in the {menu} menu"
    for name in listed:
        path = MATRIX[name][0](w)
        if MATRIX[name][1][role] == 200:
            assert path in shown, f"{role} may open {name} but the {menu} menu hides it"
        else:
            assert path not in shown, f"{role} is shown {name} ({MATRIX[name][1][role]})"
