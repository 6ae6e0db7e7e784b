from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementConfig(AppConfig):
    name = "stipends.settlement"
    label = "settlement"
    verbose_name = _("Settlement")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the app's named permissions and its inbox items.
        from stipends.settlement import inbox, permissions  # noqa: F401
