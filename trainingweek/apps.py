from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class TrainingweekConfig(AppConfig):
    name = "trainingweek"
    verbose_name = _("Core")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Each app registers its named permissions (rules.add_perm) in its permissions.py.
        autodiscover_modules("permissions")
