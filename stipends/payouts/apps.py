from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayoutsConfig(AppConfig):
    name = "stipends.payouts"
    label = "payouts"
    verbose_name = _("Stipend payouts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the app's named permissions and its job kinds.
        from stipends.payouts import permissions, tasks  # noqa: F401
