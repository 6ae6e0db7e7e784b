"""URLs of agreements; mounted under /programs/ in the programs namespace (see programs/urls.py)."""

from django.urls import path

from programs.agreements import views

urlpatterns = [
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("agreements/new/", views.agreement_form, name="agreement_create"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/edit/", views.agreement_form, name="agreement_edit"),
    path("agreements/<int:agreement_pk>/programmes/new/", views.programme_form, name="programme_create"),
    path("<int:pk>/edit/", views.programme_form, name="programme_edit"),
]
