from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Scoring")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Confirmed incidents count against the school's good-conduct bonus;
        # programs learns of them through its hook, never by importing scoring.
        from programs.services_settlement import register_conduct_source

        from .services import conduct_source

        register_conduct_source(conduct_source)
