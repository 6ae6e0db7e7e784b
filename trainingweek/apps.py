from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingweekConfig(AppConfig):
    name = "trainingweek"
    verbose_name = _("Core")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db import models

        from trainingweek.lookups import AnyOf, RelatedAnyOf

        models.Field.register_lookup(AnyOf)
        models.ForeignObject.register_lookup(RelatedAnyOf)
