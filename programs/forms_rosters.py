"""Forms for shifts, roster rules, leave, withdrawals and the online-hours import."""

from crispy_forms.helper import FormHelper
from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from trainingweek.forms import UploadField

from . import rosters as rules
from .forms import DATE_WIDGET, NoFormTagHelper, ProgrammeItemForm
from .models import CellKind, Enrolment, RosterPlan, ShiftTemplate

TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")

SHIFT_PROBLEMS = {
    "negative_paid": _("Paid hours cannot be negative."),
    "paid_exceeds_length": _("Paid hours are more than the shift lasts."),
    "briefing_too_long": _("The briefing is as long as the shift or longer."),
}


class ShiftTemplateForm(ProgrammeItemForm):
    duplicate_name_message = _("This programme already has a shift of that name.")

    class Meta:
        model = ShiftTemplate
        fields = ["name", "label", "start", "end", "paid_hours", "briefing_minutes", "is_peak"]
        widgets = {"start": TIME_WIDGET, "end": TIME_WIDGET}

    def clean(self):
        data = super().clean()
        if all(data.get(k) is not None for k in ("start", "end", "paid_hours", "briefing_minutes")):
            for code in rules.shift_problems(data["start"], data["end"], data["paid_hours"], data["briefing_minutes"]):
                self.add_error(None, SHIFT_PROBLEMS[code])
        return data


class RosterPlanForm(forms.ModelForm):
    class Meta:
        model = RosterPlan
        fields = ["first_day", "last_day", "rotation_start", "rotation_days", "first_shift", "second_shift",
                  "min_day_hours", "min_week_hours", "training_day_hours", "overtime_threshold", "attrition_promise"]
        widgets = {"first_day": DATE_WIDGET, "last_day": DATE_WIDGET, "rotation_start": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = NoFormTagHelper()
        shifts = self.instance.programme.shift_templates.all()
        self.fields["first_shift"].queryset = shifts
        self.fields["second_shift"].queryset = shifts
        self.fields["first_day"].help_text = _("Empty: the first day of the phases")
        self.fields["last_day"].help_text = _("Empty: the last day of the phases")
        self.fields["rotation_start"].help_text = _("Empty: the first practice day")

    def clean(self):
        data = super().clean()
        if data.get("first_day") and data.get("last_day") and data["last_day"] < data["first_day"]:
            self.add_error("last_day", _("The roster cannot end before it starts."))
        if data.get("rotation_days") is not None and data["rotation_days"] < 1:
            self.add_error("rotation_days", _("Enter at least 1 day."))
        return data


class SpecialDayForm(forms.Form):
    day = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    value = forms.ChoiceField(label=_("Every class does"))

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"].choices = choices


SpecialDayFormSet = formset_factory(SpecialDayForm, extra=3, can_delete=True)


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
    file = UploadField(label=_("CSV file from the customer-service platform"))



def special_day_choices(shifts) -> list[tuple[str, str]]:
    choices = [(f"shift:{s.pk}", str(s)) for s in shifts]
    return choices + [(k, str(label)) for k, label in CellKind.choices if k != CellKind.SHIFT]
