"""Who sees the settlement between school and company, and who records what.

Coordinators of the school and finance of the company see it (mentors do
not); the school records its rooms; finance records payments and the
settlement facts; admins keep the holiday calendar.
"""

import rules

from programs.agreements.permissions import is_company_finance, is_school_coordinator
from trainingweek.permissions import is_admin

rules.add_perm("settlement.view_settlement", is_admin | is_school_coordinator | is_company_finance)
rules.add_perm("settlement.manage_rooms", is_admin | is_school_coordinator)
rules.add_perm("settlement.record_money", is_admin | is_company_finance)
rules.add_perm("settlement.manage_calendar", is_admin)
