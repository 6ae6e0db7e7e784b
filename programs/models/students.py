"""The record of each student import: who uploaded what, and what came of it."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trainingweek.models import Job

from .structure import Programme


class StudentImport(models.Model):
    """One upload of a student list into a programme.

    It holds the outcome the result page shows: the counts, or every bad row
    (values already masked, so the record itself holds no personal data). A
    rejected import wrote nothing; the user fixes the file and uploads again.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Queued")
        IMPORTED = "imported", _("Imported")
        REJECTED = "rejected", _("Rejected")

    programme = models.ForeignKey(
        Programme, verbose_name=_("Programme"), on_delete=models.CASCADE, related_name="student_imports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Started by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("Created"), default=timezone.now)
    finished_at = models.DateTimeField(_("Finished"), null=True, blank=True)
    file_name = models.CharField(_("File"), max_length=255)
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    row_count = models.PositiveIntegerField(_("Rows"), default=0)
    created_count = models.PositiveIntegerField(_("New students"), default=0)
    enrolled_count = models.PositiveIntegerField(_("Existing students enrolled"), default=0)
    updated_count = models.PositiveIntegerField(_("Updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("Unchanged"), default=0)
    message = models.TextField(_("Message"), blank=True)
    errors = models.JSONField(_("Bad rows"), default=list, blank=True)
    warnings = models.JSONField(_("Warnings"), default=list, blank=True)
    job = models.ForeignKey(
        Job, verbose_name=_("Background job"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Student import")
        verbose_name_plural = _("Student imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.file_name} → {self.programme} ({self.get_status_display()})"

    @property
    def bad_row_count(self) -> int:
        return len({finding["row"] for finding in self.errors})
