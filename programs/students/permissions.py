"""Team scope (the mentor of this team) and the named permissions of classes,
teams, the student import and the reveal of personal data."""

import rules

from programs.agreements.permissions import (
    is_company_finance,
    is_school_coordinator,
    mentors_in_programme,
)
from programs.students.models import Team
from trainingweek.permissions import is_admin, is_mentor


@rules.predicate
def mentors_team(user, obj) -> bool:
    """The user mentors this team (a Team, or an object with a ``team``); for
    a programme: one of its teams; True without an object."""
    if obj is None:
        return True
    if not isinstance(obj, Team) and not hasattr(obj, "team"):
        return mentors_in_programme(user, obj)
    team = obj if isinstance(obj, Team) else obj.team
    return team is not None and user.pk in {m.pk for m in team.mentors.all()}


is_team_mentor = is_mentor & mentors_team

# Classes, teams, their mentors and group leaders: the coordinators of the programme's school.
rules.add_perm("students.manage_teams", is_admin | is_school_coordinator)
rules.add_perm("students.import_students", is_admin | is_school_coordinator)
# Putting students into teams (and taking them out): the coordinators of the programme's school.
rules.add_perm("students.assign_team", is_admin | is_school_coordinator)
# Unmasked ID numbers, phones and bank cards: the finance of the programme's company only.
rules.add_perm("students.reveal_personal_data", is_company_finance)
