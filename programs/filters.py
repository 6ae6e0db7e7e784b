"""Filters for the enrolment list."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Enrolment


class EnrolmentFilter(django_filters.FilterSet):
    school_class = django_filters.ModelChoiceFilter(label=_("Class"), queryset=None)
    team = django_filters.ModelChoiceFilter(label=_("Team"), queryset=None)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Enrolment.Status.choices)
    q = django_filters.CharFilter(label=_("Name / student no."), method="search")

    class Meta:
        model = Enrolment
        fields = ["school_class", "team", "status"]

    def __init__(self, *args, programme, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["school_class"].queryset = programme.classes.all()
        self.filters["team"].queryset = teams

    def search(self, queryset, name, value):
        # Personal data is encrypted, so only name and student number are searchable.
        value = value.strip()
        return queryset.filter(Q(student__name__icontains=value) | Q(student__student_number__icontains=value))
