"""URLs of students; mounted under /programs/ in the programs namespace (see programs/urls.py)."""

from django.urls import path

from programs.students import views

urlpatterns = [
    path("", views.programme_list, name="programme_list"),
    path("<int:pk>/", views.programme_detail, name="programme_detail"),
    path("<int:pk>/enrolments/", views.enrolment_list, name="enrolment_list"),
    path("<int:pk>/enrolments/team/", views.enrolment_assign_team, name="enrolment_assign_team"),
    path("<int:pk>/enrolments/<int:enrolment_pk>/", views.enrolment_detail, name="enrolment_detail"),
    path("<int:pk>/enrolments/<int:enrolment_pk>/reveal/", views.enrolment_reveal, name="enrolment_reveal"),
    path("<int:pk>/students/import/", views.student_import, name="student_import"),
    path("<int:pk>/students/import/template/", views.import_template, name="student_import_template"),
    path("<int:pk>/students/import/<int:import_pk>/", views.import_result, name="student_import_result"),
    path("<int:programme_pk>/classes/new/", views.class_form, name="class_create"),
    path("<int:programme_pk>/classes/<int:pk>/edit/", views.class_form, name="class_edit"),
    path("<int:programme_pk>/teams/new/", views.team_form, name="team_create"),
    path("<int:programme_pk>/teams/<int:pk>/", views.team_detail, name="team_detail"),
    path("<int:programme_pk>/teams/<int:pk>/edit/", views.team_form, name="team_edit"),
]
