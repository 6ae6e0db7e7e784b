from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _
from openpyxl.utils import get_column_letter

from programs.students.forms import StudentPickerField, picker_enrolments
from trainingweek.forms import ACCEPT_TABLE, DayField, UploadField, set_date_window


class LeaveRequestForm(forms.Form):
    enrolment = StudentPickerField()
    start = DayField(label=_("From"))
    end = DayField(label=_("To"))
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, enrolments, span=None, **kwargs):
        """``span``: the programme's first and last day; leave falls inside it."""
        super().__init__(*args, **kwargs)
        if span:
            set_date_window(self, *span)
        self.fields["enrolment"].queryset = picker_enrolments(enrolments)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The leave cannot end before it starts."))
        return data


class DepartureForm(forms.Form):
    KIND_CHOICES = [("withdrawal", _("Withdrawal (the student asks)")), ("dismissal", _("Dismissal (the company decides)"))]
    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES)
    enrolment = StudentPickerField()
    last_day = DayField(label=_("Last day"))
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, enrolments, kinds, span=None, **kwargs):
        """``span``: the programme's first and last day; nobody leaves before it starts or after it ends."""
        super().__init__(*args, **kwargs)
        if span:
            set_date_window(self, *span)
        self.fields["enrolment"].queryset = picker_enrolments(enrolments)
        self.fields["kind"].choices = [c for c in self.KIND_CHOICES if c[0] in kinds]
        self.helper = FormHelper()
        self.helper.form_tag = False


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(choices=[("1", _("Approve")), ("0", _("Refuse"))], coerce=lambda v: v == "1")
    refusal_reason = forms.CharField(label=_("Reason for refusal"), max_length=300, required=False)


class OnlineHoursImportForm(forms.Form):
    file = UploadField(label=_("Export from the customer-service platform (.csv or .xlsx)"), accept=ACCEPT_TABLE)


class OnlineHoursMappingForm(forms.Form):
    """Which column of the uploaded export is which: one choice per column the
    import reads (``OnlineHoursImport.columns``), among the file's headers."""

    def __init__(self, *args, columns, headers, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("(choose a column)"))] + [
            (str(i), f"{get_column_letter(i + 1)} · {text}" if text else get_column_letter(i + 1))
            for i, text in enumerate(headers)]
        self.keys = [c.key for c in columns]
        for column in columns:
            self.fields[column.key] = forms.TypedChoiceField(
                label=column.label, choices=choices, coerce=int, empty_value=None, required=column.required,
                help_text="" if column.required else _("Optional: leave it unchosen if the file has no such column."))
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        data = super().clean()
        seen = {}
        for key in self.keys:
            index = data.get(key)
            if index is None:
                continue
            if index in seen:
                self.add_error(key, _("This column is already chosen for “%(other)s”.") % {
                    "other": self.fields[seen[index]].label})
            else:
                seen[index] = key
        return data
