import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from programs.students.models import Enrolment
from scoring import rules as kpi_rules
from scoring.models import KpiValue, ScoringPeriod
from scoring.selectors import Setup
from scoring.services import upsert_values
from trainingweek import spreadsheets

NUMBER_HEADERS = {"学号", "student no.", "student number"}


def header(kpi) -> str:
    return f"{kpi.name} [{kpi.code}]"


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
