from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayoutsConfig(AppConfig):
    name = "stipends.payouts"
    label = "payouts"
    verbose_name = _("Stipend payouts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the app's named permissions, its job kinds and its inbox items.
        from scoring.selectors import LEVEL_COST_READERS
        from stipends.payouts import inbox, permissions, selectors, tasks  # noqa: F401

        # The incident form shows what each level costs, from the rate card.
        if selectors.incident_level_costs not in LEVEL_COST_READERS:
            LEVEL_COST_READERS.append(selectors.incident_level_costs)
