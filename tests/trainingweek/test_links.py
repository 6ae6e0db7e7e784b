"""``row_links`` gives exactly what ``reverse`` gives, for any row id."""

from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from trainingweek.links import row_links


@given(programme=st.integers(1, 10**9), pk=st.integers(1, 10**12))
def test_the_same_url_as_reverse(programme, pk):
    for name in ("scoring:student_sheet", "scoring:student_pdf", "programs:enrolment_detail"):
        assert row_links(name, programme)(pk) == reverse(name, args=[programme, pk])


def test_an_id_that_holds_the_mark_still_links_right():
    from trainingweek import links

    link = row_links("scoring:student_pdf", links._MARK)  # the mark twice in the URL: reverse per row
    assert link(5) == reverse("scoring:student_pdf", args=[links._MARK, 5])


def test_the_row_url_tag_writes_what_the_url_tag_writes():
    from django.template import engines

    render = engines["django"].from_string(
        "{% load link_tags %}{% for pk in pks %}{% url 'stipends:statement' p pk %}|{% row_url 'stipends:statement' p pk %}"
        "|{% row_url 'stipends:register' p 9 pk as link %}{{ link }}|{% url 'stipends:register' p 9 pk %};{% endfor %}").render
    out = render({"p": 3, "pks": [1, 22, 333]})
    for row in out.strip(";").split(";"):
        a, b, c, d = row.split("|")
        assert a == b and c == d
    assert out.count("/3/") >= 12
