from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RostersConfig(AppConfig):
    name = "programs.rosters"
    label = "rosters"
    verbose_name = _("Shifts and rosters")
    default_auto_field = "django.db.models.BigAutoField"
