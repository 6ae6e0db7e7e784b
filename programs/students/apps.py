from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudentsConfig(AppConfig):
    name = "programs.students"
    label = "students"
    verbose_name = _("Students and classes")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the app's named permissions, its job kinds and its inbox items.
        from programs.students import inbox, permissions, tasks  # noqa: F401
