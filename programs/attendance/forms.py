from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from programs.students.models import Enrolment
from trainingweek.forms import ACCEPT_TABLE, DATE_WIDGET, UploadField


class LeaveRequestForm(forms.Form):
    enrolment = forms.ModelChoiceField(label=_("Student"), queryset=Enrolment.objects.none())
    start = forms.DateField(label=_("From"), widget=DATE_WIDGET)
    end = forms.DateField(label=_("To"), widget=DATE_WIDGET)
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, enrolments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].queryset = enrolments
        self.fields["enrolment"].label_from_instance = lambda e: f"{e.student.name}（{e.student.student_number}，{e.school_class}）"
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
    enrolment = forms.ModelChoiceField(label=_("Student"), queryset=Enrolment.objects.none())
    last_day = forms.DateField(label=_("Last day"), widget=DATE_WIDGET)
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, enrolments, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].queryset = enrolments
        self.fields["enrolment"].label_from_instance = lambda e: f"{e.student.name}（{e.student.student_number}，{e.school_class}）"
        self.fields["kind"].choices = [c for c in self.KIND_CHOICES if c[0] in kinds]
        self.helper = FormHelper()
        self.helper.form_tag = False


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(choices=[("1", _("Approve")), ("0", _("Refuse"))], coerce=lambda v: v == "1")
    refusal_reason = forms.CharField(label=_("Reason for refusal"), max_length=300, required=False)


class OnlineHoursImportForm(forms.Form):
    file = UploadField(label=_("Export from the customer-service platform (.csv or .xlsx)"), accept=ACCEPT_TABLE)
