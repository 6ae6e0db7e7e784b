from django.contrib import admin
from django.urls import include, path

from trainingweek import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/logout-everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/status/", views.job_status, name="job_status"),
    path("jobs/<int:pk>/download/", views.job_download, name="job_download"),
    path("jobs/<int:pk>/resume/", views.job_resume, name="job_resume"),
    path("programs/", include("programs.urls")),
    path("programs/", include("stipends.settlement.urls")),
    path("scoring/", include("scoring.urls")),
    path("stipends/", include("stipends.payouts.urls")),
    path("admin/", admin.site.urls),
]
# Uploaded and generated files are never served from /media/: they go out
# through views that check who is asking (e.g. job_download).
