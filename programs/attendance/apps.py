from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "programs.attendance"
    label = "attendance"
    verbose_name = _("Attendance and leave")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the app's named permissions and its inbox items.
        from programs.attendance import inbox, permissions  # noqa: F401
