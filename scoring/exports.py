"""The KPI import template (through the one exporter base)."""

from decimal import Decimal

from django.utils.translation import gettext as _

from programs.students.models import Enrolment
from scoring import rules as kpi_rules
from scoring.imports import header
from scoring.models import KpiValue, ScoringPeriod
from scoring.selectors import Setup
from trainingweek.exports import NUMBER, ExportColumn, Sheet, workbook_bytes


def template_workbook(setup: Setup, period: ScoringPeriod, enrolments: list[Enrolment]) -> bytes:
    """The import template for a period, prefilled with the stored values:
    student no. (text), name, team, one column per KPI ("Sales [sales]", as
    the import finds it), and a sheet describing the KPIs."""
    kpis = setup.student_kpis
    values = {(e, k): v for e, k, v in KpiValue.objects.filter(  # the whole key: see selectors._values_of
        period=period, kpi__in=[k.pk for k in kpis], enrolment__in=[e.pk for e in enrolments])
              .values_list("enrolment_id", "kpi_id", "value")}

    def plain(value):
        return None if value is None else Decimal(kpi_rules.plain_value(value))

    rows = ([e.student.student_number, e.student.name, e.team.name if e.team else "",
             *(plain(values.get((e.pk, k.pk))) for k in kpis)] for e in enrolments)
    return workbook_bytes([
        Sheet(_("KPI values"), [ExportColumn(_("Student no."), 16), ExportColumn(_("Name"), 12),
                                ExportColumn(_("Team"), 14), *(ExportColumn(header(k), 18, NUMBER) for k in kpis)],
              rows=rows),
        Sheet(_("KPIs"), [ExportColumn(_("Code"), 14), ExportColumn(_("Name"), 20), ExportColumn(_("Unit"), 10),
                          ExportColumn(_("Direction"), 14), ExportColumn(_("Target"), 12, NUMBER)],
              rows=[*((k.code, k.name, k.get_unit_display(), k.get_direction_display(), plain(k.target)) for k in kpis)],
              footer=[(_("Period"), period.name)]),
    ])
