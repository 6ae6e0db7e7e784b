"""The settlement statement as documents: PDF (WeasyPrint, through
:func:`trainingweek.pdf.render_pdf`) and Excel (openpyxl, write-only)."""

import io

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from trainingweek.pdf import render_pdf

from .services_settlement import ProgrammeMoney

AMOUNT_FORMAT = "#,##0.00"
FORMULA_START = ("=", "+", "-", "@")


def filename(money: ProgrammeMoney, extension: str) -> str:
    programme = money.programme
    return f"{_('Settlement statement')} {programme.year} {programme.name}.{extension}"


def statement_context(money: ProgrammeMoney) -> dict:
    return {"money": money, "programme": money.programme, "agreement": money.programme.agreement,
            "statement": money.statement, "generated": timezone.localtime()}


def statement_pdf(money: ProgrammeMoney) -> bytes:
    """A4 statement: both parties, the lines with their basis, the totals,
    the payments and the balance, and a signature block for each party."""
    html = render_to_string("programs/settlement_statement_pdf.html", statement_context(money))
    return render_pdf(html)


def _text(ws, value) -> WriteOnlyCell:
    """User text as text, never a formula."""
    cell = WriteOnlyCell(ws, value=str(value))
    if cell.value.startswith(FORMULA_START):
        cell.data_type = "s"
    return cell


def _amount(ws, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = AMOUNT_FORMAT
    return cell


def _bold(ws, value) -> WriteOnlyCell:
    cell = _text(ws, value)
    cell.font = Font(bold=True)
    return cell


def statement_xlsx(money: ProgrammeMoney) -> bytes:
    """The statement as a workbook (write-only): one sheet with the lines and
    totals, one with the payments received."""
    programme, statement = money.programme, money.statement
    agreement = programme.agreement
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Statement"))
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].width = 16
    ws.append([_bold(ws, _("Settlement statement")), _text(ws, str(programme))])
    ws.append([_text(ws, _("Party A (school)")), _text(ws, agreement.school.name)])
    ws.append([_text(ws, _("Party B (company)")), _text(ws, agreement.company.name)])
    ws.append([_text(ws, _("Agreement")), _text(ws, agreement.course_title)])
    ws.append([])
    ws.append([_bold(ws, _("Item")), _bold(ws, _("Basis")), _bold(ws, _("Amount (CNY)"))])
    for line in statement.lines:
        ws.append([_text(ws, line.label), _text(ws, line.basis), _amount(ws, line.amount)])
    ws.append([_bold(ws, _("Fees total")), None, _amount(ws, statement.fees_total)])
    deposit = statement.deposit_line
    ws.append([_text(ws, deposit.label), _text(ws, deposit.basis), _amount(ws, deposit.amount)])
    ws.append([_bold(ws, _("Due on settlement")), None, _amount(ws, statement.amount_due)])
    ws.append([_text(ws, _("Other payments received")), None, _amount(ws, -statement.other_paid)])
    ws.append([_bold(ws, _("Balance")), None, _amount(ws, statement.balance)])
    for warning in statement.warnings:
        ws.append([_text(ws, _("Note")), _text(ws, warning)])

    ps = wb.create_sheet(_("Payments received"))
    ps.append([_bold(ps, _("Date")), _bold(ps, _("Kind")), _bold(ps, _("Amount (CNY)")), _bold(ps, _("Note"))])
    for payment in money.payments:
        ps.append([_text(ps, f"{payment.paid_on:%Y-%m-%d}"), _text(ps, payment.get_kind_display()),
                   _amount(ps, payment.amount), _text(ps, payment.note)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
