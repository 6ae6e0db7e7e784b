"""``NamedModelChoiceFilter`` (options read as (id, name) values) gives the
select and the validation of django-filter's own ``ModelChoiceFilter`` (the
oracle: a model instance per option, labelled by ``str()``), with and without
a "none" option, for awkward names, a chosen team, another programme's team
and an unknown id."""

import django_filters
import pytest
from django.test.html import parse_html

from programs.students.models import Enrolment, Team
from tests.factories import ProgrammeFactory, TeamFactory
from trainingweek.forms import ManyOptionsSelect, NamedModelChoiceFilter

pytestmark = pytest.mark.django_db
NAMES = ["森马组", '<b>&"组\'', "Zeta", "  空格  ", "1组", "巴拉巴拉组"]


def _filters(queryset, data, null_label):
    extra = {"null_label": null_label} if null_label else {}

    class Ours(django_filters.FilterSet):
        team = NamedModelChoiceFilter(queryset=queryset, **extra)

        class Meta:
            model = Enrolment
            fields = ["team"]

    class Theirs(django_filters.FilterSet):
        team = django_filters.ModelChoiceFilter(queryset=queryset, widget=ManyOptionsSelect, **extra)

        class Meta:
            model = Enrolment
            fields = ["team"]

    return Ours(data, queryset=Enrolment.objects.all()), Theirs(data, queryset=Enrolment.objects.all())


@pytest.mark.parametrize("null_label", [None, "无组"])
def test_the_same_options_and_validation_as_django_filters_own(null_label):
    programme, other = ProgrammeFactory(), ProgrammeFactory()
    teams = [TeamFactory(programme=programme, name=name) for name in NAMES]
    foreign = TeamFactory(programme=other, name="别的组")
    queryset = Team.objects.filter(programme=programme).order_by("name")
    for value in [None, str(teams[1].pk), str(teams[-1].pk), str(foreign.pk), "987654", "null", "x"]:
        ours, theirs = _filters(queryset, {"team": value} if value is not None else None, null_label)
        assert parse_html(str(ours.form["team"])) == parse_html(str(theirs.form["team"])), value
        assert ours.form.is_valid() == theirs.form.is_valid(), value
        assert ours.form.errors == theirs.form.errors, value
        if ours.form.is_valid():
            assert list(ours.qs) == list(theirs.qs)


def test_the_options_cost_one_query_and_no_instance(django_assert_num_queries, monkeypatch):
    programme = ProgrammeFactory()
    for n in range(30):
        TeamFactory(programme=programme, name=f"组{n}")
    made = []
    real = Team.from_db
    monkeypatch.setattr(Team, "from_db", classmethod(lambda cls, *a: made.append(1) or real.__func__(cls, *a)))
    ours, _theirs = _filters(Team.objects.filter(programme=programme), None, "无组")
    with django_assert_num_queries(1):
        html = str(ours.form["team"])
    assert html.count("<option") == 32 and made == []
