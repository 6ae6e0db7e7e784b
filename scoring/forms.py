"""Forms of the scoring area: set-up (weights and prizes, KPIs, periods),
incidents, awards and the KPI import."""

from crispy_forms.helper import FormHelper
from django import forms
from django.forms import BaseModelFormSet, modelformset_factory
from django.utils.translation import gettext_lazy as _

from programs.students.forms import StudentPickerField, picker_enrolments
from scoring import rules as kpi_rules
from scoring.models import Award, Incident, KpiDefinition, ScoreSettings, ScoringPeriod
from scoring.rules import ITEMS, weight_problems
from trainingweek.forms import DayField, MoneyField, UploadField, note_field

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class NoFormTagHelper(FormHelper):
    form_tag = False
    disable_csrf = True


class TableHelper(NoFormTagHelper):
    template = "bootstrap5/table_inline_formset.html"


class ScoreSettingsForm(forms.ModelForm):
    """Weights of the score sheet (must add up to 100), team prizes by rank,
    the split of a team's prize and the period the score sheet uses."""

    class Meta:
        model = ScoreSettings
        fields = [f"weight_{item}" for item in ITEMS] + ["prize_amounts", "prize_split", "sheet_period"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = NoFormTagHelper()
        self.fields["sheet_period"].queryset = ScoringPeriod.objects.filter(programme=self.instance.programme)
        for item in ITEMS:
            self.fields[f"weight_{item}"].widget.attrs["data-weight"] = "1"

    def clean_prize_amounts(self):
        text = self.cleaned_data["prize_amounts"]
        try:
            amounts = kpi_rules.parse_prizes(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return ", ".join(str(a) for a in amounts)

    def clean(self):
        data = super().clean()
        weights = {item: data[f"weight_{item}"] for item in ITEMS if data.get(f"weight_{item}") is not None}
        if len(weights) == len(ITEMS):
            for problem in weight_problems(weights):
                self.add_error(None, problem)
        return data


class KpiForm(forms.ModelForm):
    class Meta:
        model = KpiDefinition
        fields = ["order", "code", "name", "unit", "direction", "level", "target", "weight"]
        widgets = {"order": forms.NumberInput(attrs={"class": "w-5rem"})}

    def clean_target(self):
        target = self.cleaned_data["target"]
        if target is not None and target <= 0:
            raise forms.ValidationError(_("A target must be above zero."))
        return target

    def clean_weight(self):
        weight = self.cleaned_data["weight"]
        if weight is not None and weight < 0:
            raise forms.ValidationError(_("A weight cannot be negative."))
        return weight


class BaseKpiFormSet(BaseModelFormSet):
    def clean(self):
        super().clean()
        codes = [f.cleaned_data.get("code") for f in self.forms
                 if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("code")]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise forms.ValidationError(_("Each KPI needs its own code: %(codes)s is used twice.") % {"codes": ", ".join(duplicates)})


KpiFormSet = modelformset_factory(KpiDefinition, form=KpiForm, formset=BaseKpiFormSet, extra=1, can_delete=True)


class PeriodForm(forms.ModelForm):
    class Meta:
        model = ScoringPeriod
        fields = ["order", "name", "start", "end"]
        field_classes = {"start": DayField, "end": DayField}
        widgets = {"start": DATE_WIDGET, "end": DATE_WIDGET, "order": forms.NumberInput(attrs={"class": "w-5rem"})}

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("A period cannot end before it starts."))
        return data


class BasePeriodFormSet(BaseModelFormSet):
    def clean(self):
        super().clean()
        names = [f.cleaned_data.get("name") for f in self.forms
                 if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("name")]
        if len(names) != len(set(names)):
            raise forms.ValidationError(_("Each period needs its own name."))
        if not names:
            raise forms.ValidationError(_("Keep at least one period."))


PeriodFormSet = modelformset_factory(ScoringPeriod, form=PeriodForm, formset=BasePeriodFormSet, extra=1, can_delete=True)


class IncidentForm(forms.ModelForm):
    """A mentor reports an incident of one of their students."""

    class Meta:
        model = Incident
        fields = ["enrolment", "occurred_on", "level", "cash_amount", "description"]
        widgets = {"occurred_on": DATE_WIDGET}
        field_classes = {"occurred_on": DayField, "cash_amount": MoneyField, "enrolment": StudentPickerField}

    def __init__(self, *args, enrolments, level_costs=None, **kwargs):
        """``level_costs``: what each level costs (scoring.selectors.incident_level_costs), shown in its label."""
        super().__init__(*args, **kwargs)
        self.helper = NoFormTagHelper()
        self.fields["description"] = note_field(self.fields["description"].label, required=True, rows=3)
        if level_costs:
            self.fields["level"].choices = [
                (value, _("%(level)s (student bears ¥%(student)s, company ¥%(company)s)") % {
                    "level": label, "student": f"{level_costs[value].student:,}",
                    "company": f"{level_costs[value].company:,}"} if value in level_costs else label)
                for value, label in self.fields["level"].choices]
        self.fields["enrolment"].queryset = picker_enrolments(enrolments)
        self.fields["cash_amount"].help_text = _("Only for a cash compensation")

    def clean(self):
        data = super().clean()
        level, amount = data.get("level"), data.get("cash_amount")
        if level == Incident.Level.CASH and (amount is None or amount <= 0):
            self.add_error("cash_amount", _("A cash compensation needs the amount."))
        if level and level != Incident.Level.CASH and amount is not None:
            self.add_error("cash_amount", _("An amount is given only for a cash compensation; the level sets the rest."))
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", _("Confirm")), ("dispute", _("Dispute"))])
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class AwardForm(forms.ModelForm):
    class Meta:
        model = Award
        fields = ["enrolment", "period", "label", "amount"]
        field_classes = {"amount": MoneyField, "enrolment": StudentPickerField}

    def __init__(self, *args, enrolments, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = NoFormTagHelper()
        self.fields["enrolment"].queryset = picker_enrolments(enrolments)
        self.fields["period"].queryset = periods
        self.fields["label"].help_text = _("e.g. sales champion of the brand, points tier")

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount <= 0:
            raise forms.ValidationError(_("An award has an amount above zero."))
        return amount


class KpiImportForm(forms.Form):
    period = forms.ModelChoiceField(label=_("Period"), queryset=ScoringPeriod.objects.none())
    file = UploadField(label=_("Excel file (.xlsx)"))

    def __init__(self, *args, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = NoFormTagHelper()
        self.fields["period"].queryset = periods

