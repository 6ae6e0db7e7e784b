from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RostersConfig(AppConfig):
    name = "programs.rosters"
    label = "rosters"
    verbose_name = _("Shifts and rosters")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from programs.rosters import permissions  # noqa: F401  (registers the app's named permissions)
