"""KPI values in Excel: the template a mentor fills, and its import.

The template lists the mentor's students (student no. as text, name, team)
and one column per student-level KPI headed "name [code]", prefilled with the
period's values. The import validates every row first and writes nothing
unless all rows are good; an empty cell leaves the stored value as it is.
Cells formatted as a percentage in Excel (0.6252 shown as 62.52%) are read
as 62.52.
"""

import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook

from programs.models import Enrolment
from trainingweek import spreadsheets
from trainingweek.spreadsheets import text_cell

from . import kpis as kpi_rules
from .models import KpiValue, ScoringPeriod
from .services import Setup, upsert_values

NUMBER_HEADERS = {"学号", "student no.", "student number"}


def header(kpi) -> str:
    return f"{kpi.name} [{kpi.code}]"


def template_workbook(setup: Setup, period: ScoringPeriod, enrolments: list[Enrolment]) -> bytes:
    """The import template for a period, prefilled with the stored values (write-only)."""
    kpis = setup.student_kpis
    values = {(e, k): v for e, k, v in KpiValue.objects.filter(period=period, enrolment__in=[e.pk for e in enrolments])
              .values_list("enrolment_id", "kpi_id", "value")}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("KPI values"))
    ws.column_dimensions["A"].width = 16
    ws.append([text_cell(ws, _("Student no."), bold=True), text_cell(ws, _("Name"), bold=True), text_cell(ws, _("Team"), bold=True)]
              + [text_cell(ws, header(k), bold=True) for k in kpis])
    for e in enrolments:
        row = [text_cell(ws, e.student.student_number), text_cell(ws, e.student.name), text_cell(ws, e.team.name if e.team else "")]
        for k in kpis:
            value = values.get((e.pk, k.pk))
            row.append(None if value is None else Decimal(kpi_rules.plain_value(value)))
        ws.append(row)
    help_sheet = wb.create_sheet(_("KPIs"))
    help_sheet.append([text_cell(help_sheet, t, bold=True) for t in (_("Code"), _("Name"), _("Unit"), _("Direction"), _("Target"))])
    for k in kpis:
        help_sheet.append([text_cell(help_sheet, k.code), text_cell(help_sheet, k.name), text_cell(help_sheet, k.get_unit_display()),
                           text_cell(help_sheet, k.get_direction_display()), Decimal(kpi_rules.plain_value(k.target))])
    help_sheet.append([text_cell(help_sheet, _("Period")), text_cell(help_sheet, period.name)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@dataclass
class ImportResult:
    errors: list[tuple[int | None, str]] = field(default_factory=list)
    written: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _celltext_cell(cell, unit: str) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if unit == kpi_rules.PERCENT and "%" in (cell.number_format or ""):
            number *= 100  # Excel keeps 62.52% as 0.6252
        return f"{number:f}"
    return str(value)


def _student_number(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def import_kpi_values(setup: Setup, period: ScoringPeriod, data: bytes, enrolments: list[Enrolment], user) -> ImportResult:
    """Import a filled template for ``period``: students matched by student
    no. among ``enrolments`` (those the user may enter values for); every
    row checked first, all written in one upsert or none."""
    result = ImportResult()
    try:
        wb = spreadsheets.open_xlsx(io.BytesIO(data), max_bytes=settings.IMPORT_MAX_BYTES)
    except spreadsheets.WorkbookError as exc:
        result.errors.append((None, str(exc)))
        return result
    rows = wb.worksheets[0].iter_rows()
    head = next(rows, None)
    names = [str(c.value).strip() if c.value is not None else "" for c in head or ()]
    number_col = next((i for i, n in enumerate(names) if n.lower() in NUMBER_HEADERS | {_("Student no.").lower()}), None)
    columns = {}
    for kpi in setup.student_kpis:
        col = next((i for i, n in enumerate(names) if f"[{kpi.code}]" in n or n == kpi.name), None)
        if col is not None:
            columns[col] = kpi
    if number_col is None:
        result.errors.append((1, _("The header row has no “Student no.” column.")))
    if not columns:
        result.errors.append((1, _("The header row names no KPI of this programme (headers look like “Sales [sales]”).")))
    if result.errors:
        return result
    by_number = {e.student.student_number: e for e in enrolments}
    seen: dict[str, int] = {}
    values = []
    for n, row in enumerate(rows, start=2):
        if n - 1 > settings.IMPORT_MAX_ROWS:
            result.errors.append((n, _("The file has more than %(n)s rows.") % {"n": settings.IMPORT_MAX_ROWS}))
            break
        cells = list(row)
        if all(c.value in (None, "") for c in cells):
            continue
        number = _student_number(cells[number_col].value if number_col < len(cells) else None)
        enrolment = by_number.get(number)
        if enrolment is None:
            result.errors.append((n, _("Student no. “%(number)s” is not one of your students in this programme.") % {"number": number}))
            continue
        if number in seen:
            result.errors.append((n, _("Student no. “%(number)s” is already on row %(row)s.") % {"number": number, "row": seen[number]}))
            continue
        seen[number] = n
        for col, kpi in columns.items():
            raw = _celltext_cell(cells[col], kpi.unit) if col < len(cells) else ""
            try:
                value = kpi_rules.parse_value(raw, kpi.unit)
            except ValueError as exc:
                result.errors.append((n, f"{kpi.name}: {exc}"))
                continue
            if value is not None:
                values.append(KpiValue(enrolment=enrolment, kpi=kpi, period=period, value=value, updated_by=user))
    wb.close()
    if result.errors:
        return result
    with transaction.atomic():
        upsert_values(values, [])
    result.written = len(values)
    return result
