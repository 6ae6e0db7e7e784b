"""``{% load sheet_tags %}``: the rows of a score-sheet table (a class's 200
students × their items) written in Python. The template they replace
(tests/scoring/oracle/sheet_rows.html, the oracle of
tests/scoring/test_sheet_rows.py) cost ~0.7 ms a row in template lookups;
these rows are the same HTML."""

from html import escape

from django import template
from django.utils.formats import get_format
from django.utils.html import conditional_escape
from django.utils.numberformat import format as number_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from trainingweek.links import row_links

register = template.Library()


@register.simple_tag(takes_context=True)
def sheet_rows(context, rows, editable: bool = False) -> str:
    """The ``<tr>`` of each row of ``scoring.views._sheet_rows``: the student,
    each item (an input where the row's cell takes one and the table is
    ``editable``), the total and the links to the student's sheet and PDF.

    Done once, not once a cell: each item's label (a lazy translation)
    translated, the links reversed, the number format read (what
    ``localize`` reads for each number). A student's name, number and typed
    text are plain strings: ``html.escape``, as Django's ``escape`` does."""
    programme = context["programme"]
    sheet_link, pdf_link = row_links("scoring:student_sheet", programme.pk), row_links("scoring:student_pdf", programme.pk)
    language = get_language()
    separators = (get_format("DECIMAL_SEPARATOR", language), None, get_format("NUMBER_GROUPING", language),
                  get_format("THOUSAND_SEPARATOR", language))

    def number(value) -> str:  # django.utils.formats.localize of a Decimal
        return escape(number_format(value, *separators, use_l10n=True))

    off_duty = f' <span class="badge text-bg-danger">{conditional_escape(gettext("Off customer duty"))}</span>'
    sheet_label, none = conditional_escape(gettext("Sheet")), "—"
    texts: dict[int, str] = {}  # labels and hints (lazy translations) escaped once; the items live through the loop

    def text(value) -> str:
        found = texts.get(id(value))
        if found is None:
            found = texts[id(value)] = conditional_escape(value)
        return found

    out = []
    for row in rows:
        sheet = row["sheet"]
        enrolment = sheet.enrolment
        student = enrolment.student
        pk = enrolment.pk
        name = escape(student.name)
        status = "" if enrolment.status == "active" else (
            f' <span class="badge text-bg-secondary">{conditional_escape(enrolment.get_status_display())}</span>')
        cells = []
        for cell in row["cells"]:
            item, field = cell["item"], cell["input"]
            title = f' title="{text(item.how)}"' if item.how else ""
            if field and editable:
                error = field["error"]
                feedback = f'<div class="invalid-feedback">{conditional_escape(error)}</div>' if error else ""
                body = (f'<input class="form-control form-control-sm text-end min-w-4-5rem'
                        f'{" is-invalid" if error else ""}" type="text" inputmode="decimal" '
                        f'name="{escape(field["name"])}" value="{escape(field["text"])}" '
                        f'aria-label="{name} {text(item.label)}">{feedback}')
            else:
                body = none if item.score is None else number(item.score)
            cells.append(f'<td class="text-center"{title} data-testid="item-{escape(item.key)}-{pk}">{body}</td>')
        total = none if sheet.total is None else number(sheet.total)
        out.append(f'<tr data-testid="sheet-row-{pk}"><td>{name}{off_duty if sheet.off_duty else ""}{status}</td>'
                   f'<td class="small">{escape(student.student_number)}</td>{"".join(cells)}'
                   f'<td class="text-end fw-bold" data-testid="total-{pk}">{total}</td>'
                   f'<td class="text-nowrap small"><a href="{sheet_link(pk)}">{sheet_label}</a> · '
                   f'<a href="{pdf_link(pk)}">PDF</a></td></tr>')
    return mark_safe("".join(out))  # noqa: S308 (every value is escaped above)
