from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from programs.agreements.models import Agreement, Phase, Programme
from programs.agreements.rules import PhaseSpan, phase_problems
from programs.agreements.selectors import agreement_parties
from programs.agreements.services import NAME_TAKEN
from trainingweek.forms import (
    DATE_WIDGET,
    FIRST_DAY,
    LAST_DAY,
    DayField,
    MoneyField,
    NameField,
    NoFormTagHelper,
    note_field,
)
from trainingweek.models import Organisation, User
from trainingweek.permissions import is_admin


class AgreementForm(forms.ModelForm):
    new_company = NameField(
        label=_("Or a new company"), max_length=200, required=False,
        help_text=_("If the company is not in the list, type its full name"),
    )

    class Meta:
        model = Agreement
        fields = [
            "school", "company", "new_company", "course_title", "signed_on", "term_start", "term_end",
            "deposit_amount", "deposit_due_working_days", "lab_subsidy_per_computer_day",
            "room_rent_per_day", "settlement_due_working_days", "good_conduct_bonus",
            "insurance_days_before_practice", "stipend_pay_by_month", "stipend_pay_by_day", "notes",
        ]
        widgets = {"signed_on": DATE_WIDGET, "term_start": DATE_WIDGET, "term_end": DATE_WIDGET}
        field_classes = {
            "deposit_amount": MoneyField, "lab_subsidy_per_computer_day": MoneyField,
            "room_rent_per_day": MoneyField, "good_conduct_bonus": MoneyField,
            "signed_on": DayField, "term_start": DayField, "term_end": DayField, "course_title": NameField,
        }

    def __init__(self, *args, user: User, **kwargs):
        if kwargs.get("instance") is None and not is_admin(user):
            # A coordinator records agreements for their own school only.
            kwargs["instance"] = Agreement(school_id=user.organisation_id)
        super().__init__(*args, **kwargs)
        self.helper = NoFormTagHelper()
        self.fields["notes"] = note_field(self.fields["notes"].label)
        # Only the parties the user may choose: their own school and the
        # companies it works with (an administrator: any), so a crafted id of
        # another organisation is "not one of the choices".
        schools, companies = agreement_parties(user)
        self.fields["company"].required = False
        self.fields["company"].queryset = companies
        self.fields["school"].queryset = schools
        if not is_admin(user):
            self.fields["school"].disabled = True
        self.parties_fixed = bool(self.instance.pk) and self.instance.programmes.exists()
        if self.parties_fixed:  # a mistaken agreement is ended and a new one made
            for name in ("school", "company", "new_company"):
                self.fields[name].disabled = True
            self.fields["company"].help_text = _("Fixed: the agreement has programmes.")

    def clean_new_company(self):
        name = self.cleaned_data.get("new_company", "").strip()
        if name and not self.fields["company"].queryset.filter(name=name).exists() \
                and Organisation.objects.filter(name=name).exists():
            raise forms.ValidationError(NAME_TAKEN)
        return name

    def clean(self):
        data = super().clean()
        if not data.get("company") and not data.get("new_company"):
            self.add_error("company", _("Choose a company or type the name of a new one."))
        if data.get("term_start") and data.get("term_end") and data["term_end"] < data["term_start"]:
            self.add_error("term_end", _("The term cannot end before it starts."))
        for field, low, high in (("stipend_pay_by_month", 1, 12), ("stipend_pay_by_day", 1, 31)):
            value = data.get(field)
            if value is not None and not low <= value <= high:
                self.add_error(field, _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high})
        return data


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = ["year", "name", "brands", "headcount_target"]
        field_classes = {"name": NameField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = NoFormTagHelper()
        self.fields["year"].min_value, self.fields["year"].max_value = FIRST_DAY.year, LAST_DAY.year
        self.fields["year"].widget.attrs.update({"min": FIRST_DAY.year, "max": LAST_DAY.year})

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year is not None and not FIRST_DAY.year <= year <= LAST_DAY.year:
            raise forms.ValidationError(_("Enter a year from %(first)s to %(last)s.") % {
                "first": FIRST_DAY.year, "last": LAST_DAY.year})
        return year


class BasePhaseFormSet(BaseInlineFormSet):
    """Phases are checked together: inside the agreement's term, no overlap."""

    def __init__(self, *args, agreement: Agreement, **kwargs):
        self.agreement = agreement
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        spans = []
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            data = form.cleaned_data
            spans.append(PhaseSpan(str(dict(Phase.Kind.choices)[data["kind"]]), data["start"], data["end"]))
        problems = phase_problems(spans, self.agreement.term_start, self.agreement.term_end)
        if problems:
            raise forms.ValidationError(problems)


PhaseFormSet = inlineformset_factory(
    Programme, Phase, formset=BasePhaseFormSet, fields=["kind", "start", "end"], extra=5,
    can_delete=True, field_classes={"start": DayField, "end": DayField},
    widgets={
        "kind": forms.Select(attrs={"class": "form-select"}),
        "start": forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        "end": forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    },
)
