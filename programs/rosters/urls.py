"""URLs of rosters; mounted under /programs/ in the programs namespace (see programs/urls.py)."""

from django.urls import path

from programs.rosters import views

urlpatterns = [
    path("<int:pk>/shifts/", views.shift_list, name="shift_list"),
    path("<int:pk>/shifts/new/", views.shift_form, name="shift_create"),
    path("<int:pk>/shifts/<int:shift_pk>/edit/", views.shift_form, name="shift_edit"),
    path("<int:pk>/roster/", views.roster, name="roster"),
    path("<int:pk>/roster/rules/", views.roster_rules, name="roster_rules"),
    path("<int:pk>/roster/export/", views.roster_export, name="roster_export"),
    path("<int:pk>/schedule/", views.schedule_index, name="schedule_index"),
    path("<int:pk>/schedule/<int:team_pk>/", views.team_schedule, name="team_schedule"),
    path("<int:pk>/schedule/<int:team_pk>/spread-rest/", views.spread_rest, name="spread_rest"),
]
