"""Forms for setting up agreements and programmes."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from trainingweek.models import Organisation, User

from . import imports, services_students
from .models import Agreement, Phase, Programme, SchoolClass, Team
from .rules import PhaseSpan, phase_problems

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class NoFormTagHelper(FormHelper):
    form_tag = False
    disable_csrf = True


class AgreementForm(forms.ModelForm):
    new_company = forms.CharField(
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
        widgets = {"signed_on": DATE_WIDGET, "term_start": DATE_WIDGET, "term_end": DATE_WIDGET,
                   "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user: User, **kwargs):
        if kwargs.get("instance") is None and not user.is_superuser:
            # A coordinator records agreements for their own school only.
            kwargs["instance"] = Agreement(school_id=user.organisation_id)
        super().__init__(*args, **kwargs)
        self.helper = NoFormTagHelper()
        self.fields["company"].required = False
        self.fields["company"].queryset = Organisation.objects.filter(kind=Organisation.Kind.COMPANY)
        self.fields["school"].queryset = Organisation.objects.filter(kind=Organisation.Kind.SCHOOL)
        if not user.is_superuser:
            self.fields["school"].disabled = True

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = NoFormTagHelper()


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
    can_delete=True,
    widgets={
        "kind": forms.Select(attrs={"class": "form-select"}),
        "start": forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        "end": forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    },
)


class ProgrammeItemForm(forms.ModelForm):
    """A form for something that belongs to one programme and is known there
    by a unique name (a class, a team, a shift): the programme is fixed by the
    page, and a clash of names is an error on the form, not a database error."""

    duplicate_name_message = _("This programme already has one of that name.")

    def __init__(self, *args, programme: Programme, **kwargs):
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


class SchoolClassForm(ProgrammeItemForm):
    duplicate_name_message = _("This programme already has a class of that name.")

    class Meta:
        model = SchoolClass
        fields = ["name"]


class TeamForm(ProgrammeItemForm):
    duplicate_name_message = _("This programme already has a team of that name.")

    class Meta:
        model = Team
        fields = ["name", "brand", "mentors"]
        widgets = {"mentors": forms.CheckboxSelectMultiple}

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, programme=programme, **kwargs)
        # Mentors are company staff of this programme's company.
        self.fields["mentors"].queryset = User.objects.filter(
            role=User.Role.MENTOR, organisation=programme.agreement.company_id, is_active=True
        ).order_by("username")


class StudentImportForm(forms.Form):
    """The upload of a student list; the file is read and checked here, so a
    file that is not a usable workbook gets its message on the form."""

    file = forms.FileField(
        label=_("Student list (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={
            "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = NoFormTagHelper()
        self.sheet = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.sheet = services_students.read_upload(upload)
        except imports.ImportFileError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return upload
