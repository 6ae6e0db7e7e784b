"""Form pieces shared by every area."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

# What the browser's file picker offers (a hint only: the importer decides
# by content, see trainingweek.imports).
ACCEPT_XLSX = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCEPT_TABLE = ACCEPT_XLSX + ",.csv,text/csv"


class UploadField(forms.FileField):
    """A file upload within ``settings.IMPORT_MAX_BYTES`` (the limit the
    upload pages state); what the file holds is checked by its reader
    (:class:`trainingweek.imports.Importer`). ``accept`` (e.g.
    :data:`ACCEPT_TABLE`) filters the browser's file picker."""

    def __init__(self, *args, accept: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if accept:
            self.widget.attrs.setdefault("accept", accept)

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


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class NoFormTagHelper(FormHelper):
    form_tag = False
    disable_csrf = True


class ProgrammeItemForm(forms.ModelForm):
    """A form for something that belongs to one programme and is known there
    by a unique name (a class, a team, a shift): the programme is fixed by the
    page, and a clash of names is an error on the form, not a database error."""

    duplicate_name_message = _("This programme already has one of that name.")

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.programme = programme
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save")))

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        model = type(self.instance)
        clash = model.objects.filter(programme=self.instance.programme, name=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(self.duplicate_name_message)
        return name


class SearchableSelect(forms.Select):
    """A select the user can type into (tom-select, vendored; static/js/pickers.js):
    for long lists such as a programme's students. Without JavaScript it is a
    plain select, so it submits and validates exactly as one."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"data-picker": "search", "data-no-results": _("No match"), **(attrs or {})}, choices)
