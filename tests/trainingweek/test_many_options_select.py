"""``ManyOptionsSelect`` writes the HTML Django's own ``Select`` renders from
its templates (the oracle here), for any labels, values, selection and
attributes, and the pages that use it keep their choices."""

import pytest
from django import forms
from django.test.html import parse_html
from hypothesis import given, settings
from hypothesis import strategies as st

from trainingweek.forms import ManyOptionsSelect, SearchableSelect

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
option = st.tuples(st.one_of(st.integers(0, 10_000).map(str), text), text)
# Options, and now and then a group of options (named, or with an empty name).
choices = st.lists(st.one_of(option, option, st.tuples(text, st.lists(option, max_size=4))), max_size=8)


def django_select(widget_class, **kwargs):
    """The same widget rendered by Django's templates."""
    class Templated(widget_class):
        render = forms.Select.render

    return Templated(**kwargs)


@settings(max_examples=150, deadline=None)
@given(choices=choices, chosen=st.one_of(st.none(), text, st.integers(0, 10_000).map(str)),
       attrs=st.dictionaries(st.sampled_from(["class", "id", "data-x", "required", "disabled"]),
                             st.one_of(st.booleans(), text), max_size=3))
def test_the_html_is_what_djangos_select_renders(choices, chosen, attrs):
    ours = ManyOptionsSelect(choices=choices).render("team", chosen, attrs=attrs)
    theirs = django_select(ManyOptionsSelect, choices=choices).render("team", chosen, attrs=attrs)
    assert parse_html(ours) == parse_html(theirs)


class ManyOptionsSelectMultiple(ManyOptionsSelect):
    allow_multiple_selected = True


@settings(max_examples=50, deadline=None)
@given(choices=choices, chosen=st.lists(st.one_of(text, st.integers(0, 10_000).map(str)), max_size=4))
def test_a_multiple_select_marks_every_chosen_option_as_django_does(choices, chosen):
    ours = ManyOptionsSelectMultiple(choices=choices).render("teams", chosen)
    theirs = django_select(ManyOptionsSelectMultiple, choices=choices).render("teams", chosen)
    assert parse_html(ours) == parse_html(theirs)


def test_groups_an_empty_choice_and_text_that_needs_escaping():
    grouped = [("", "—"), ("组A", [("1", "<b>甲</b>"), ("2", 'a"b&c')]), ("3", "丙")]
    ours = ManyOptionsSelect(choices=grouped).render("team", "2", attrs={"class": "form-select"})
    theirs = django_select(ManyOptionsSelect, choices=grouped).render("team", "2", attrs={"class": "form-select"})
    assert parse_html(ours) == parse_html(theirs)
    assert "<b>" not in ours and "&lt;b&gt;甲&lt;/b&gt;" in ours and 'selected' in ours


def test_the_searchable_picker_keeps_its_attributes():
    ours = SearchableSelect(choices=[("1", "甲")]).render("student", None)
    assert parse_html(ours) == parse_html(django_select(SearchableSelect, choices=[("1", "甲")]).render("student", None))
    assert 'data-picker="search"' in ours


@pytest.mark.django_db
def test_the_enrolment_filter_offers_every_team_and_no_team(world, client_for):
    html = client_for(world.coordinator).get(f"/programs/{world.programme.pk}/enrolments/",
                                             {"team": world.team_b.pk}).content.decode()
    select = html[html.index('<select name="team"'):]
    select = select[:select.index("</select>") + len("</select>")]
    assert f'<option value="{world.team_b.pk}" selected>' in select
    assert all(f'value="{t.pk}"' in select for t in (world.team_a, world.team_b)) and 'value="null"' in select
