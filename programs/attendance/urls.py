"""URLs of attendance; mounted under /programs/ in the programs namespace (see programs/urls.py)."""

from django.urls import path

from programs.attendance import views

urlpatterns = [
    path("<int:pk>/attendance/", views.attendance_index, name="attendance_index"),
    path("<int:pk>/attendance/import/", views.online_hours_import, name="online_hours_import"),
    path("<int:pk>/attendance/import/<int:upload_pk>/", views.online_hours_mapping, name="online_hours_mapping"),
    path("<int:pk>/attendance/<int:team_pk>/", views.attendance_week, name="attendance_week"),
    path("<int:pk>/leave/", views.leave_list, name="leave_list"),
    path("<int:pk>/leave/<int:leave_pk>/decide/", views.leave_decide, name="leave_decide"),
    path("<int:pk>/departures/", views.departure_list, name="departure_list"),
    path("<int:pk>/departures/<int:departure_pk>/decide/", views.departure_decide, name="departure_decide"),
]
