"""``{% load sheet_tags %}``: the rows of a score-sheet table (a class's 200
students × their items) written in Python. The template they replace
(tests/scoring/oracle/sheet_rows.html, the oracle of
tests/scoring/test_sheet_rows.py) cost ~0.7 ms a row in template lookups;
these rows are the same HTML."""

from django import template
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag(takes_context=True)
def sheet_rows(context, rows, editable: bool = False) -> str:
    """The ``<tr>`` of each row of ``scoring.views._sheet_rows``: the student,
    each item (an input where the row's cell takes one and the table is
    ``editable``), the total and the links to the student's sheet and PDF."""
    programme = context["programme"]
    off_duty = format_html(' <span class="badge text-bg-danger">{}</span>', gettext("Off customer duty"))
    sheet_label, none = conditional_escape(gettext("Sheet")), "—"
    out = []
    for row in rows:
        sheet = row["sheet"]
        enrolment = sheet.enrolment
        student = enrolment.student
        pk = enrolment.pk
        name = conditional_escape(student.name)
        status = "" if enrolment.status == "active" else format_html(
            ' <span class="badge text-bg-secondary">{}</span>', enrolment.get_status_display())
        cells = []
        for cell in row["cells"]:
            item, field = cell["item"], cell["input"]
            title = format_html(' title="{}"', item.how) if item.how else ""
            if field and editable:
                error = field["error"]
                body = format_html(
                    '<input class="form-control form-control-sm text-end min-w-4-5rem{}" type="text" '
                    'inputmode="decimal" name="{}" value="{}" aria-label="{} {}">{}',
                    " is-invalid" if error else "", field["name"], field["text"], student.name, item.label,
                    format_html('<div class="invalid-feedback">{}</div>', error) if error else "")
            else:
                body = none if item.score is None else conditional_escape(localize(item.score))
            cells.append(f'<td class="text-center"{title} data-testid="item-{conditional_escape(item.key)}-{pk}">'
                         f"{body}</td>")
        total = none if sheet.total is None else conditional_escape(localize(sheet.total))
        links = (f'<a href="{reverse("scoring:student_sheet", args=[programme.pk, pk])}">{sheet_label}</a> · '
                 f'<a href="{reverse("scoring:student_pdf", args=[programme.pk, pk])}">PDF</a>')
        out.append(f'<tr data-testid="sheet-row-{pk}"><td>{name}{off_duty if sheet.off_duty else ""}{status}</td>'
                   f'<td class="small">{conditional_escape(student.student_number)}</td>{"".join(cells)}'
                   f'<td class="text-end fw-bold" data-testid="total-{pk}">{total}</td>'
                   f'<td class="text-nowrap small">{links}</td></tr>')
    return mark_safe("".join(out))  # noqa: S308 (every value is escaped above)
