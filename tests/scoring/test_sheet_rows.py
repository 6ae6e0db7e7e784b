"""``{% sheet_rows %}`` writes the HTML the score-sheet row template wrote
(kept as the oracle, tests/scoring/oracle/sheet_rows.html, rendered by
Django's template engine), for any names, scores, typed text, errors,
statuses and either kind of table, and the pages still show it."""

from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template import engines
from django.test.html import parse_html
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.templatetags.sheet_tags import sheet_rows

ORACLE = engines["django"].from_string((Path(__file__).parent / "oracle" / "sheet_rows.html").read_text())
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=10)
score = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2))
cell = st.builds(
    lambda key, label, how, score, typed, text, error: {
        "item": SimpleNamespace(key=key, label=label, how=how, score=score),
        "input": {"name": f"{key}_1", "text": text, "error": error} if typed else None},
    key=st.sampled_from(["obedience", "exam", "kpi", "attendance"]), label=text, how=st.one_of(st.just(""), text),
    score=score, typed=st.booleans(), text=text, error=st.one_of(st.just(""), text))
row = st.builds(
    lambda pk, name, number, status, off_duty, total, cells: {"sheet": SimpleNamespace(
        enrolment=SimpleNamespace(pk=pk, status=status, get_status_display=lambda: f"状态{status}",
                                  student=SimpleNamespace(name=name, student_number=number)),
        off_duty=off_duty, total=total), "cells": cells},
    pk=st.integers(1, 10_000), name=text, number=text, status=st.sampled_from(["active", "left", "suspended"]),
    off_duty=st.booleans(), total=score, cells=st.lists(cell, max_size=5))


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(row, max_size=4), editable=st.booleans())
def test_the_rows_are_the_html_the_template_wrote(rows, editable):
    programme = SimpleNamespace(pk=7)
    ours = sheet_rows({"programme": programme}, rows, editable=editable)
    theirs = ORACLE.render({"programme": programme, "rows": rows, "editable": editable})
    assert parse_html(ours) == parse_html(theirs)


def test_a_worked_row():
    cells = [{"item": SimpleNamespace(key="exam", label="考试", how="", score=Decimal("88.50")),
              "input": {"name": "exam_3", "text": "88.5", "error": "请输入 0–100"}},
             {"item": SimpleNamespace(key="kpi", label="KPI", how="<按期计算>", score=None), "input": None}]
    rows = [{"sheet": SimpleNamespace(enrolment=SimpleNamespace(
        pk=3, status="active", get_status_display=lambda: "在训", student=SimpleNamespace(
            name='张"三', student_number="S-01")), off_duty=True, total=Decimal("90.00")), "cells": cells}]
    html = sheet_rows({"programme": SimpleNamespace(pk=7)}, rows, editable=True)
    assert 'name="exam_3" value="88.5" aria-label="张&quot;三 考试">' in html
    assert 'is-invalid' in html and '<div class="invalid-feedback">请输入 0–100</div>' in html
    assert 'title="&lt;按期计算&gt;" data-testid="item-kpi-3">—</td>' in html
    assert f'href="{reverse("scoring:student_pdf", args=[7, 3])}"' in html


@pytest.mark.django_db
def test_the_mentor_still_gets_inputs_and_the_coordinator_of_a_class_too(world, client_for):
    from scoring import services

    services.create_default_setup(programme=world.programme)
    team = client_for(world.mentor_a).get(reverse("scoring:team_sheets", args=[world.programme.pk, world.team_a.pk]))
    e = world.enrolments_a[0]
    assert f'name="{services.TYPED_MENTOR_ITEMS[0]}_{e.pk}"' in team.content.decode()
    sheets = client_for(world.coordinator).get(
        reverse("scoring:class_sheets", args=[world.programme.pk, world.class_a.pk])).content.decode()
    assert f'name="{services.TYPED_SCHOOL_ITEMS[0]}_{e.pk}"' in sheets
    assert f'name="{services.TYPED_MENTOR_ITEMS[0]}_{e.pk}"' not in sheets  # the mentor's items are not typed here
