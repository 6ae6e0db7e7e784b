"""Filters for the enrolment list."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from programs.agreements.models import Programme
from programs.students import services as services_students
from programs.students.models import Enrolment, SchoolClass, Team
from programs.students.selectors import student_search
from trainingweek.forms import (
    ManyOptionsSelect,
    NamedModelChoiceFilter,
    NoFormTagHelper,
    ProgrammeItemForm,
    SearchableSelect,
)
from trainingweek.models import User


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


def _bar_select(testid: str, **attrs) -> ManyOptionsSelect:
    return ManyOptionsSelect({"class": "form-select form-select-sm", "id": testid, "data-testid": testid, **attrs})


class TeamAssignChoices(forms.Form):
    """The selects of the coordinator's team-assignment bar on the enrolment
    list (a whole class, a group leader's group, the team), their options read
    as plain values: a programme may have a thousand teams. The posted choice
    is checked by the assignment view and its service, not here."""

    school_class = forms.ChoiceField(required=False, widget=_bar_select("assign-class", **{"data-select-class": True}))
    group_leader = forms.ChoiceField(required=False, widget=_bar_select("assign-leader", **{"data-select-leader": True}))
    team = forms.ChoiceField(required=False, widget=_bar_select("assign-team"))

    def __init__(self, *, programme: Programme, leaders):
        super().__init__()
        none = [("", "—")]
        self.fields["school_class"].choices = none + list(programme.classes.values_list("pk", "name"))
        self.fields["group_leader"].choices = none + [
            (pk, f"{name}（{number}{f' · {team}' if team else ''}）")
            for pk, name, number, team in leaders.values_list("pk", "student__name", "student__student_number",
                                                              "team__name")]
        self.fields["team"].choices = none + list(programme.teams.values_list("pk", "name"))


class StudentImportForm(forms.Form):
    """The upload of a student list; the file is read and checked here, so a
    file that is not a usable workbook gets its message on the form."""

    file = forms.FileField(
        label=_("Student list (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={
            "accept": ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv",
        }),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = NoFormTagHelper()
        self.sheet = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.sheet = services_students.read_upload(upload)
        if self.sheet.file_error:
            raise forms.ValidationError(self.sheet.file_error.message)
        return upload


class EnrolmentFilter(django_filters.FilterSet):
    # As many options as the programme has classes and teams: written without a template per option.
    school_class = NamedModelChoiceFilter(label=_("Class"), queryset=None)
    team = NamedModelChoiceFilter(label=_("Team"), queryset=None, null_label=_("No team"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Enrolment.Status.choices)
    q = django_filters.CharFilter(label=_("Name / student no."), method="search")

    class Meta:
        model = Enrolment
        fields = ["school_class", "team", "status"]

    def __init__(self, *args, programme, teams, exact_personal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["school_class"].queryset = programme.classes.all()
        self.filters["team"].queryset = teams
        # Finance may also find a student by a whole ID number, phone or card (by digest).
        self.exact_personal = exact_personal
        if exact_personal:
            self.filters["q"].label = _("Name / student no. / ID no. / card")

    def search(self, queryset, name, value):
        # Personal data is encrypted: a whole value is found by its digest, never by decrypting.
        return queryset.filter(student_search(value, exact_personal=self.exact_personal))


def student_choice_label(enrolment: Enrolment) -> str:
    """姓名（学号，班级 · 组）: what a mentor or coordinator recognises in a picker."""
    group = " · ".join(str(x) for x in (enrolment.school_class, enrolment.team) if x)
    return f"{enrolment.student.name}（{enrolment.student.student_number}，{group or '—'}）"


class StudentPickerField(forms.ModelChoiceField):
    """One student of the programme, picked by typing a name or student number
    (a searchable select). Give it the enrolments the user may choose from with
    :func:`picker_enrolments`, so the labels cost no query per student."""

    widget = SearchableSelect

    def __init__(self, queryset=None, **kwargs):
        kwargs.setdefault("label", _("Student"))
        super().__init__(queryset=Enrolment.objects.none() if queryset is None else queryset, **kwargs)

    def label_from_instance(self, obj) -> str:
        return student_choice_label(obj)


def picker_enrolments(enrolments):
    """The enrolments a picker lists, with what their labels show."""
    return enrolments.select_related("student", "school_class", "team").order_by("student__student_number")

