from django.urls import path

from stipends.payouts import views

app_name = "stipends"  # the namespace links use


urlpatterns = [
    path("<int:pk>/", views.overview, name="overview"),
    path("<int:pk>/rate-card/", views.rate_card, name="rate_card"),
    path("<int:pk>/profiles/", views.profiles, name="profiles"),
    path("<int:pk>/students/", views.statement_list, name="statement_list"),
    path("<int:pk>/students/<int:enrolment_pk>/", views.statement, name="statement"),
    path("<int:pk>/batches/new/", views.batch_create, name="batch_create"),
    path("<int:pk>/batches/<int:batch_pk>/", views.batch_detail, name="batch_detail"),
    path("<int:pk>/batches/<int:batch_pk>/compute/", views.batch_compute, name="batch_compute"),
    path("<int:pk>/batches/<int:batch_pk>/approve/", views.batch_approve, name="batch_approve"),
    path("<int:pk>/batches/<int:batch_pk>/refresh/", views.batch_refresh, name="batch_refresh"),
    path("<int:pk>/batches/<int:batch_pk>/delete/", views.batch_delete, name="batch_delete"),
    path("<int:pk>/batches/<int:batch_pk>/bank.xlsx", views.bank_file, name="bank_file"),
    path("<int:pk>/batches/<int:batch_pk>/bank-summary.xlsx", views.bank_summary, name="bank_summary"),
    path("<int:pk>/batches/<int:batch_pk>/bank/<slug:what>/prepare/", views.bank_prepare, name="bank_prepare"),
    path("<int:pk>/batches/<int:batch_pk>/bank/<slug:what>/<int:job_pk>.xlsx", views.bank_prepared,
         name="bank_prepared"),
    path("<int:pk>/batches/<int:batch_pk>/sent/", views.batch_mark_sent, name="batch_mark_sent"),
    path("<int:pk>/batches/<int:batch_pk>/register/<int:class_pk>.xlsx", views.register, name="register"),
    path("<int:pk>/batches/<int:batch_pk>/signoff/<int:class_pk>.xlsx", views.signoff_xlsx, name="signoff_xlsx"),
    path("<int:pk>/batches/<int:batch_pk>/signoff/<int:class_pk>.pdf", views.signoff_pdf, name="signoff_pdf"),
    path("<int:pk>/batches/<int:batch_pk>/result/", views.result_upload, name="result_upload"),
    path("<int:pk>/batches/<int:batch_pk>/follow-up/", views.follow_up, name="follow_up"),
    path("<int:pk>/batches/<int:batch_pk>/items/<int:item_pk>/bank-details/", views.correct_bank_details,
         name="correct_bank_details"),
]
