"""Importing KPI values from a filled template (.xlsx).

:class:`KpiImport` reads the file with the one importer base: a student
number column and one column per KPI of the programme, found by the KPI's
code in brackets ("Sales [sales]", as the template writes it) or its name.
:func:`import_kpi_values` matches the numbers to the user's students and
writes every value or none.
"""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programs.students.models import Enrolment
from scoring import rules as kpi_rules
from scoring.models import KpiValue, ScoringPeriod
from scoring.selectors import Setup
from scoring.services import upsert_values
from trainingweek.imports import (
    XLSX,
    Column,
    Formatted,
    Importer,
    ImportFileError,
    ImportResult,
    identifier,
)


def header(kpi) -> str:
    """A KPI's column header in the template (and what the import looks for)."""
    return f"{kpi.name} [{kpi.code}]"


def kpi_cleaner(kpi):
    """A KPI cell as its value: a number cell shown as a percentage (Excel
    keeps 62.52% as 0.6252) counts as 62.52 for a percent KPI; text goes
    through :func:`scoring.rules.parse_value` as typed in the grid."""

    def clean(cell: Formatted) -> Decimal | None:
        value = cell.value
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
            if kpi.unit == kpi_rules.PERCENT and "%" in cell.number_format:
                number *= 100
            value = f"{number:f}"
        return kpi_rules.parse_value(str(value), kpi.unit)

    return clean


class KpiImport(Importer):
    """One row per student: the student number, then any of the KPIs."""

    formats = (XLSX,)
    unique = ("number",)

    def __init__(self, setup: Setup, **limits):
        super().__init__(**limits)
        self.kpis = {f"kpi_{kpi.pk}": kpi for kpi in setup.student_kpis}
        self.columns = (
            Column("number", gettext_lazy("Student no."), ("学号", "student no.", "student number"), clean=identifier()),
            *(Column(key, kpi.name, (f"[{kpi.code}]", kpi.name), required=False, number_format=True,
                     clean=kpi_cleaner(kpi)) for key, kpi in self.kpis.items()),
        )

    def check_header(self, header) -> None:
        if not any(key in header.columns for key in self.kpis):
            raise ImportFileError(_("The header row names no KPI of this programme (headers look like “Sales [sales]”)."))


def import_kpi_values(setup: Setup, period: ScoringPeriod, data: bytes, enrolments: list[Enrolment], user) -> ImportResult:
    """Import a filled template for ``period``: students matched by student
    no. among ``enrolments`` (those the user may enter values for); every
    row checked first, all written in one upsert or none
    (``result.counts["written"]`` values)."""
    importer = KpiImport(setup)
    result = importer.read(data)
    if result.file_error:
        return result
    by_number = {e.student.student_number: e for e in enrolments}
    values = []
    for row in result.rows:
        enrolment = by_number.get(row["number"])
        if enrolment is None:
            result.add_error(row.number, "number", _("This is not one of your students in this programme."),
                             row.raw.get("number"))
            continue
        for key, kpi in importer.kpis.items():
            value = row.get(key)
            if value is not None:
                values.append(KpiValue(enrolment=enrolment, kpi=kpi, period=period, value=value, updated_by=user))
    if not result.ok:
        return result
    with transaction.atomic():
        upsert_values(student_rows=values, team_rows=[])
    result.counts["written"] = len(values)
    return result
