"""``{% batch_item_rows %}`` writes the HTML the batch page's row template
wrote (kept as the oracle, tests/payouts/oracle/batch_item_rows.html,
rendered by Django's template engine) for any names, holders, teams, cards,
amounts, statuses, flags and correctable rows, and the page still shows it."""

from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template import engines
from django.test.html import parse_html
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from stipends.payouts import selectors
from stipends.payouts.templatetags.payouts_tags import batch_item_rows

ORACLE = engines["django"].from_string((Path(__file__).parent / "oracle" / "batch_item_rows.html").read_text())
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=10)
money = st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2)


class Named(SimpleNamespace):
    """A class or team: the template shows its ``str``, its name."""

    def __str__(self):
        return self.name


item = st.builds(
    lambda pk, enrolment_id, name, holder, same_holder, school_class, team, masked, gross, tax, net, status, reason:
    SimpleNamespace(
        pk=pk, enrolment_id=enrolment_id, name=name, account_name=name if same_holder else holder,
        school_class=Named(name=school_class), enrolment=SimpleNamespace(team=team), account_masked=masked,
        gross=gross, tax=tax, net=net, status=status, get_status_display=lambda: f"状态<{status}>",
        failure_reason=reason),
    pk=st.integers(1, 10_000), enrolment_id=st.integers(1, 10_000), name=text, holder=text, same_holder=st.booleans(),
    school_class=text, team=st.one_of(st.none(), st.builds(Named, name=text)),
    masked=st.one_of(st.just(""), text), gross=money, tax=money, net=money,
    status=st.sampled_from(["pending", "paid", "failed"]), reason=st.one_of(st.just(""), text))


@settings(max_examples=80, deadline=None)
@given(items=st.lists(item, max_size=4, unique_by=lambda i: i.pk), flags=st.data())
def test_the_rows_are_the_html_the_template_wrote(items, flags):
    pks = [i.pk for i in items]
    flagged = {pk: ["luhn"] for pk in flags.draw(st.lists(st.sampled_from(pks), unique=True) if pks else st.just([]))}
    correctable = set(flags.draw(st.lists(st.sampled_from(pks), unique=True) if pks else st.just([])))
    context = {"programme": SimpleNamespace(pk=7), "batch": SimpleNamespace(pk=3), "page": items,
               "flagged": flagged, "correctable": correctable}
    ours = batch_item_rows(context, items)
    theirs = ORACLE.render(context)
    assert parse_html(ours) == parse_html(theirs)


def test_a_worked_row():
    row = SimpleNamespace(
        pk=41, enrolment_id=9, name='李"四', account_name="李四<监护人>", school_class=Named(name="电商1班"),
        enrolment=SimpleNamespace(team=None), account_masked="", gross=Decimal("52900.00"), tax=Decimal("0.00"),
        net=Decimal("52900.00"), status="failed", get_status_display=lambda: "失败", failure_reason="户名不符")
    html = batch_item_rows({"programme": SimpleNamespace(pk=7), "batch": SimpleNamespace(pk=3),
                            "flagged": {41: ["luhn"]}, "correctable": {41}}, [row])
    assert 'data-status="failed" data-enrolment="9" class="table-warning">' in html
    assert f'<a href="{reverse("stipends:statement", args=[7, 9])}">李&quot;四</a>' in html
    assert '<span class="small text-muted">(李四&lt;监护人&gt;)</span>' in html
    assert "<td>—</td>" in html and '<td class="font-monospace">—</td>' in html
    assert '<td class="text-end">52,900.00</td><td class="text-end">0.00</td>' in html
    assert "<td>失败: 户名不符" in html
    assert f'href="{reverse("stipends:correct_bank_details", args=[7, 3, 41])}"' in html


def test_no_item_is_said():
    html = batch_item_rows({"programme": SimpleNamespace(pk=7), "batch": SimpleNamespace(pk=3)}, [])
    assert parse_html(html) == parse_html(ORACLE.render({"page": [], "programme": SimpleNamespace(pk=7)}))


@pytest.mark.django_db
def test_the_batch_page_still_lists_its_items_with_the_checks_flags(world, flagged, client_for):
    batch = flagged
    page = client_for(world.finance).get(
        reverse("stipends:batch_detail", args=[world.programme.pk, batch.pk])).content.decode()
    rows = {item.pk: item for item in batch.items.select_related("enrolment__team", "school_class")}
    assert page.count('data-testid="item-row"') == len(rows) > 0
    marked = selectors.shown_findings(batch)
    assert marked  # the flagged world has findings; their rows are marked
    ids = {i for f in marked for i in f.item_ids}
    for item in rows.values():
        row = page[page.index(f'data-enrolment="{item.enrolment_id}"'):]
        row = row[:row.index("</tr>")]
        assert ('class="table-warning"' in row) == (item.pk in ids)
        assert f">{item.name}</a>" in row and f"<td>{item.school_class.name}</td>" in row
