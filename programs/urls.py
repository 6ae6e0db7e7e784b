"""The programs namespace: agreements, students, rosters and attendance share
one URL namespace (``programs:``) and the /programs/ prefix, so each app keeps
its own urls.py while links stay as they were."""

from programs.agreements import urls as agreements
from programs.attendance import urls as attendance
from programs.rosters import urls as rosters
from programs.students import urls as students

app_name = "programs"

urlpatterns = [
    *agreements.urlpatterns,
    *students.urlpatterns,
    *rosters.urlpatterns,
    *attendance.urlpatterns,
]
