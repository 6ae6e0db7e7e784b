from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayoutsConfig(AppConfig):
    name = "stipends.payouts"
    label = "payouts"
    verbose_name = _("Stipend payouts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the app's named permissions, its job kinds and its inbox items.
        from stipends.payouts import inbox, permissions, tasks  # noqa: F401
