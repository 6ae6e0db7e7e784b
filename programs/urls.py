from django.urls import path

from .views import agreements, enrolments, programmes, settlement, setup, students

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
    path("<int:pk>/enrolments/<int:enrolment_pk>/", students.enrolment_detail, name="enrolment_detail"),
    path("<int:pk>/enrolments/<int:enrolment_pk>/reveal/", students.enrolment_reveal, name="enrolment_reveal"),
    path("<int:pk>/students/import/", students.student_import, name="student_import"),
    path("<int:pk>/students/import/template/", students.import_template, name="student_import_template"),
    path("<int:pk>/students/import/<int:import_pk>/", students.import_result, name="student_import_result"),
    path("<int:programme_pk>/classes/new/", setup.class_form, name="class_create"),
    path("<int:programme_pk>/classes/<int:pk>/edit/", setup.class_form, name="class_edit"),
    path("<int:programme_pk>/teams/new/", setup.team_form, name="team_create"),
    path("<int:programme_pk>/teams/<int:pk>/", setup.team_detail, name="team_detail"),
    path("<int:programme_pk>/teams/<int:pk>/edit/", setup.team_form, name="team_edit"),
    # Settlement between school and company (issue 6).
    path("deadlines/", settlement.deadlines_overview, name="deadlines_overview"),
    path("calendar/", settlement.calendar_list, name="calendar_list"),
    path("calendar/new/", settlement.calendar_year_form, name="calendar_year_create"),
    path("calendar/<int:year>/", settlement.calendar_year_form, name="calendar_year_edit"),
    path("<int:pk>/settlement/", settlement.settlement_detail, name="settlement_detail"),
    path("<int:pk>/settlement/deadlines/", settlement.programme_deadlines, name="settlement_deadlines"),
    path("<int:pk>/settlement/statement.pdf", settlement.settlement_pdf, name="settlement_pdf"),
    path("<int:pk>/settlement/statement.xlsx", settlement.settlement_xlsx, name="settlement_xlsx"),
    path("<int:programme_pk>/settlement/record/", settlement.record_form, name="settlement_record"),
    path("<int:programme_pk>/settlement/rooms/new/", settlement.room_form, name="room_create"),
    path("<int:programme_pk>/settlement/rooms/<int:pk>/", settlement.room_form, name="room_edit"),
    path("<int:programme_pk>/settlement/rooms/<int:pk>/delete/", settlement.room_delete, name="room_delete"),
    path("<int:programme_pk>/settlement/payments/new/", settlement.payment_form, name="payment_create"),
    path("<int:programme_pk>/settlement/payments/<int:pk>/delete/", settlement.payment_delete, name="payment_delete"),
]
