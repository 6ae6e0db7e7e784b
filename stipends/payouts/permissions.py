"""Who reads and keeps the stipend set-up, and who moves money.

Money actions and unmasked downloads are the programme's company's finance
alone (not even an admin); admins may read a batch.
"""

import rules

from programs.agreements.permissions import is_company_finance, is_school_coordinator
from trainingweek.permissions import is_admin

is_reader = is_admin | is_school_coordinator | is_company_finance

rules.add_perm("payouts.view_payouts", is_reader)
rules.add_perm("payouts.edit_rate_card", is_reader)
rules.add_perm("payouts.edit_profiles", is_admin | is_school_coordinator)
rules.add_perm("payouts.view_batch", is_admin | is_company_finance)
rules.add_perm("payouts.make_batch", is_company_finance)
rules.add_perm("payouts.approve_batch", is_company_finance)
rules.add_perm("payouts.export_bank_data", is_company_finance)
rules.add_perm("payouts.mark_batch_sent", is_company_finance)
rules.add_perm("payouts.reconcile_batch", is_company_finance)
# Correcting a student's bank details after a failed transfer: the batch's company's finance.
rules.add_perm("payouts.correct_bank_details", is_company_finance)
