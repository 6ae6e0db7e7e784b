"""Who sets up scoring, enters KPIs, scores and incidents, and fixes prizes and awards.

Mentors enter for their own teams; the school's coordinator sets up, enters
the school items, decides incidents and fixes team prizes; finance reads the
dashboard, ranking, incidents and awards but not score sheets.
"""

import rules

from programs.agreements.permissions import is_school_coordinator
from programs.students.permissions import is_team_mentor
from trainingweek.permissions import is_admin


@rules.predicate
def added_award(user, award) -> bool:
    return award is not None and award.created_by_id == user.pk


rules.add_perm("scoring.manage_setup", is_admin | is_school_coordinator)
rules.add_perm("scoring.award_prizes", is_admin | is_school_coordinator)
rules.add_perm("scoring.decide_incident", is_admin | is_school_coordinator)
rules.add_perm("scoring.enter_school_scores", is_admin | is_school_coordinator)
rules.add_perm("scoring.enter_kpis", is_admin | is_team_mentor)
rules.add_perm("scoring.view_score_sheets", is_admin | is_school_coordinator | is_team_mentor)
rules.add_perm("scoring.evaluate_team", is_admin | is_team_mentor)
rules.add_perm("scoring.report_incident", is_admin | is_team_mentor)
rules.add_perm("scoring.add_award", is_admin | is_school_coordinator | is_team_mentor)
rules.add_perm("scoring.delete_award", is_admin | is_school_coordinator | added_award)
