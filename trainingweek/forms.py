"""Form pieces shared by every area."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class UploadField(forms.FileField):
    """A file upload within ``settings.IMPORT_MAX_BYTES`` (the limit the
    upload pages state); what the file holds is checked by its reader."""

    def validate(self, value):
        super().validate(value)
        limit = settings.IMPORT_MAX_BYTES
        if value and value.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}, code="too_large"
            )


def upload_limits() -> dict:
    """The limits an upload page states (``max_mb``, ``max_rows``, and
    ``background_rows``: above it an import runs as a background job)."""
    return {
        "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024),
        "max_rows": settings.IMPORT_MAX_ROWS,
        "background_rows": settings.IMPORT_BACKGROUND_ROWS,
    }
