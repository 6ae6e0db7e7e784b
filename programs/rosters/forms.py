from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from programs.rosters import rules
from programs.rosters.models import CellKind, RosterPlan, ShiftTemplate
from trainingweek.forms import DATE_WIDGET, DayField, NoFormTagHelper, ProgrammeItemForm

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


# The plan's hours (a day: 24, a week: 168) and its attrition promise (a percentage).
PLAN_LIMITS = {"min_day_hours": 24, "min_week_hours": 168, "training_day_hours": 24, "overtime_threshold": 24,
               "attrition_promise": 100}


class RosterPlanForm(forms.ModelForm):
    class Meta:
        model = RosterPlan
        fields = ["first_day", "last_day", "rotation_start", "rotation_days", "first_shift", "second_shift",
                  "min_day_hours", "min_week_hours", "training_day_hours", "overtime_threshold", "attrition_promise"]
        widgets = {"first_day": DATE_WIDGET, "last_day": DATE_WIDGET, "rotation_start": DATE_WIDGET}
        field_classes = {"first_day": DayField, "last_day": DayField, "rotation_start": DayField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = NoFormTagHelper()
        shifts = self.instance.programme.shift_templates.all()
        self.fields["first_shift"].queryset = shifts
        self.fields["second_shift"].queryset = shifts
        self.fields["first_day"].help_text = _("Empty: the first day of the phases")
        self.fields["last_day"].help_text = _("Empty: the last day of the phases")
        self.fields["rotation_start"].help_text = _("Empty: the first practice day")
        for name, limit in PLAN_LIMITS.items():  # hours and a percentage: never negative
            self.fields[name].min_value, self.fields[name].max_value = 0, limit
            self.fields[name].widget.attrs.update({"min": 0, "max": limit})

    def clean(self):
        data = super().clean()
        for name, limit in PLAN_LIMITS.items():
            value = data.get(name)
            if value is not None and not 0 <= value <= limit:
                self.add_error(name, _("Enter a number from %(low)s to %(high)s.") % {"low": 0, "high": limit})
        if data.get("first_day") and data.get("last_day") and data["last_day"] < data["first_day"]:
            self.add_error("last_day", _("The roster cannot end before it starts."))
        if data.get("rotation_days") is not None and data["rotation_days"] < 1:
            self.add_error("rotation_days", _("Enter at least 1 day."))
        return data


class SpecialDayForm(forms.Form):
    day = DayField(label=_("Date"))
    value = forms.ChoiceField(label=_("Every class does"))

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"].choices = choices

    def has_changed(self):
        # A browser sends a select's first option even for a row nobody used:
        # a spare row without a date is empty, not an incomplete special day.
        if self.empty_permitted and not (self.data.get(self.add_prefix("day")) or "").strip():
            return False
        return super().has_changed()


SpecialDayFormSet = formset_factory(SpecialDayForm, extra=3, can_delete=True)


def special_day_choices(shifts) -> list[tuple[str, str]]:
    choices = [(f"shift:{s.pk}", str(s)) for s in shifts]
    return choices + [(k, str(label)) for k, label in CellKind.choices if k != CellKind.SHIFT]
