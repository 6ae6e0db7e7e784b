from django.urls import path

from .views import agreements, attendance, enrolments, programmes, rosters, setup

app_name = "programs"

urlpatterns = [
    path("", programmes.programme_list, name="programme_list"),
    path("agreements/", agreements.agreement_list, name="agreement_list"),
    path("agreements/new/", agreements.agreement_form, name="agreement_create"),
    path("agreements/<int:pk>/", agreements.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/edit/", agreements.agreement_form, name="agreement_edit"),
    path("agreements/<int:agreement_pk>/programmes/new/", programmes.programme_form, name="programme_create"),
    path("<int:pk>/", programmes.programme_detail, name="programme_detail"),
    path("<int:pk>/edit/", programmes.programme_form, name="programme_edit"),
    path("<int:pk>/enrolments/", enrolments.enrolment_list, name="enrolment_list"),
    path("<int:programme_pk>/classes/new/", setup.class_form, name="class_create"),
    path("<int:programme_pk>/classes/<int:pk>/edit/", setup.class_form, name="class_edit"),
    path("<int:programme_pk>/teams/new/", setup.team_form, name="team_create"),
    path("<int:programme_pk>/teams/<int:pk>/", setup.team_detail, name="team_detail"),
    path("<int:programme_pk>/teams/<int:pk>/edit/", setup.team_form, name="team_edit"),
    # Shifts, roster, schedules, attendance, leave, withdrawals (issue 3)
    path("<int:pk>/shifts/", rosters.shift_list, name="shift_list"),
    path("<int:pk>/shifts/new/", rosters.shift_form, name="shift_create"),
    path("<int:pk>/shifts/<int:shift_pk>/edit/", rosters.shift_form, name="shift_edit"),
    path("<int:pk>/roster/", rosters.roster, name="roster"),
    path("<int:pk>/roster/rules/", rosters.roster_rules, name="roster_rules"),
    path("<int:pk>/roster/export/", rosters.roster_export, name="roster_export"),
    path("<int:pk>/schedule/", rosters.schedule_index, name="schedule_index"),
    path("<int:pk>/schedule/<int:team_pk>/", rosters.team_schedule, name="team_schedule"),
    path("<int:pk>/schedule/<int:team_pk>/spread-rest/", rosters.spread_rest, name="spread_rest"),
    path("<int:pk>/attendance/", attendance.attendance_index, name="attendance_index"),
    path("<int:pk>/attendance/import/", attendance.online_hours_import, name="online_hours_import"),
    path("<int:pk>/attendance/<int:team_pk>/", attendance.attendance_week, name="attendance_week"),
    path("<int:pk>/leave/", attendance.leave_list, name="leave_list"),
    path("<int:pk>/leave/<int:leave_pk>/decide/", attendance.leave_decide, name="leave_decide"),
    path("<int:pk>/departures/", attendance.departure_list, name="departure_list"),
    path("<int:pk>/departures/<int:departure_pk>/decide/", attendance.departure_decide, name="departure_decide"),
]
