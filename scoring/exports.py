import io
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook

from programs.students.models import Enrolment
from scoring import rules as kpi_rules
from scoring.models import KpiValue, ScoringPeriod
from scoring.selectors import Setup
from trainingweek.spreadsheets import text_cell

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
