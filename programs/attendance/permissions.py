"""Who records attendance and online hours, asks for leave and decides
leave and departures (which step is whose stays with the workflow)."""

import rules

from programs.agreements.permissions import is_school_coordinator
from programs.students.permissions import is_team_mentor
from trainingweek.permissions import is_admin

# The company's day-to-day entries: the team's mentors.
rules.add_perm("attendance.record_attendance", is_admin | is_team_mentor)
rules.add_perm("attendance.import_online_hours", is_admin | is_team_mentor)
# Leave is asked for by a mentor or the school; withdrawals likewise; dismissals by the company alone.
rules.add_perm("attendance.request_leave", is_admin | is_team_mentor | is_school_coordinator)
rules.add_perm("attendance.request_withdrawal", is_admin | is_team_mentor | is_school_coordinator)
rules.add_perm("attendance.dismiss", is_admin | is_team_mentor)
# Decisions on leave and departures, for one side: the mentor (company) or the school.
rules.add_perm("attendance.decide_as_mentor", is_admin | is_team_mentor)
rules.add_perm("attendance.decide_as_school", is_admin | is_school_coordinator)
