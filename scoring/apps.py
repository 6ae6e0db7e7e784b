from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Scoring")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the app's named permissions, its job kinds and its inbox items.
        from programs.attendance.services import AFTER_PLATFORM_IMPORT
        from scoring import inbox, permissions, services, tasks  # noqa: F401

        # The online-hours import's customers served and response times feed those KPIs.
        if services.feed_platform_kpis not in AFTER_PLATFORM_IMPORT:
            AFTER_PLATFORM_IMPORT.append(services.feed_platform_kpis)
