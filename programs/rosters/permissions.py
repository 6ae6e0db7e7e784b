"""Who changes shifts, the roster and the students' schedules."""

import rules

from programs.agreements.permissions import is_school_coordinator
from programs.students.permissions import is_team_mentor
from trainingweek.permissions import is_admin

# Shifts, the roster grid, its rules and generation: the coordinators of the programme's school.
rules.add_perm("rosters.manage_roster", is_admin | is_school_coordinator)
# A team's student schedules (rest rotation): its coordinators and the team's mentors.
rules.add_perm("rosters.edit_schedule", is_admin | is_school_coordinator | is_team_mentor)
