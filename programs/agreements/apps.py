from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "programs.agreements"
    label = "agreements"
    verbose_name = _("Agreements and programmes")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from programs.agreements import permissions  # noqa: F401  (registers the app's named permissions)
