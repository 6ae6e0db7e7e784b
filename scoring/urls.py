from django.urls import path

from scoring import views

app_name = "scoring"

urlpatterns = [
    path("<int:pk>/", views.dashboard, name="dashboard"),
    path("<int:pk>/ranking/", views.ranking, name="ranking"),
    path("<int:pk>/ranking/award/", views.award_prizes, name="award_prizes"),
    path("<int:pk>/kpi/", views.kpi_index, name="kpi_index"),
    path("<int:pk>/kpi/template/", views.kpi_template, name="kpi_template"),
    path("<int:pk>/kpi/import/", views.kpi_import, name="kpi_import"),
    path("<int:pk>/kpi/<int:team_pk>/<int:period_pk>/", views.kpi_grid, name="kpi_grid"),
    path("<int:pk>/sheets/", views.sheet_index, name="sheet_index"),
    path("<int:pk>/sheets/class/<int:class_pk>/", views.class_sheets, name="class_sheets"),
    path("<int:pk>/sheets/class/<int:class_pk>/pdf/", views.class_pdf, name="class_pdf"),
    path("<int:pk>/sheets/team/<int:team_pk>/", views.team_sheets, name="team_sheets"),
    path("<int:pk>/sheets/student/<int:enrolment_pk>/", views.student_sheet, name="student_sheet"),
    path("<int:pk>/sheets/student/<int:enrolment_pk>/pdf/", views.student_pdf, name="student_pdf"),
    path("<int:pk>/sheets/jobs/<int:job_pk>/", views.class_pdf_result, name="class_pdf_result"),
    path("<int:pk>/sheets/jobs/<int:job_pk>/<str:kind>/", views.class_pdf_download, name="class_pdf_download"),
    path("<int:pk>/incidents/", views.incident_list, name="incident_list"),
    path("<int:pk>/incidents/new/", views.incident_create, name="incident_create"),
    path("<int:pk>/incidents/<int:incident_pk>/decide/", views.incident_decide, name="incident_decide"),
    path("<int:pk>/awards/", views.award_list, name="award_list"),
    path("<int:pk>/awards/<int:award_pk>/delete/", views.award_delete, name="award_delete"),
    path("<int:pk>/settings/", views.settings_form, name="settings"),
    path("<int:pk>/settings/defaults/", views.setup_defaults, name="setup_defaults"),
    path("<int:pk>/settings/kpis/", views.kpi_setup, name="kpi_setup"),
    path("<int:pk>/settings/periods/", views.period_setup, name="period_setup"),
]
