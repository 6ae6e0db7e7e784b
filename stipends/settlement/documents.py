"""The settlement statement as documents: PDF (WeasyPrint, through
:func:`trainingweek.pdf.render_pdf`) and Excel (openpyxl, write-only)."""

import io

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from stipends.settlement.selectors import ProgrammeMoney
from trainingweek.pdf import render_pdf
from trainingweek.spreadsheets import amount_cell, text_cell


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
    ws.append([text_cell(ws, _("Settlement statement"), bold=True), text_cell(ws, str(programme))])
    ws.append([text_cell(ws, _("Party A (school)")), text_cell(ws, agreement.school.name)])
    ws.append([text_cell(ws, _("Party B (company)")), text_cell(ws, agreement.company.name)])
    ws.append([text_cell(ws, _("Agreement")), text_cell(ws, agreement.course_title)])
    ws.append([])
    ws.append([text_cell(ws, _("Item"), bold=True), text_cell(ws, _("Basis"), bold=True), text_cell(ws, _("Amount (CNY)"), bold=True)])
    for line in statement.lines:
        ws.append([text_cell(ws, line.label), text_cell(ws, line.basis), amount_cell(ws, line.amount)])
    ws.append([text_cell(ws, _("Fees total"), bold=True), None, amount_cell(ws, statement.fees_total)])
    deposit = statement.deposit_line
    ws.append([text_cell(ws, deposit.label), text_cell(ws, deposit.basis), amount_cell(ws, deposit.amount)])
    ws.append([text_cell(ws, _("Due on settlement"), bold=True), None, amount_cell(ws, statement.amount_due)])
    ws.append([text_cell(ws, _("Other payments received")), None, amount_cell(ws, -statement.other_paid)])
    ws.append([text_cell(ws, _("Balance"), bold=True), None, amount_cell(ws, statement.balance)])
    for warning in statement.warnings:
        ws.append([text_cell(ws, _("Note")), text_cell(ws, warning)])

    ps = wb.create_sheet(_("Payments received"))
    ps.append([text_cell(ps, _("Date"), bold=True), text_cell(ps, _("Kind"), bold=True), text_cell(ps, _("Amount (CNY)"), bold=True), text_cell(ps, _("Note"), bold=True)])
    for payment in money.payments:
        ps.append([text_cell(ps, f"{payment.paid_on:%Y-%m-%d}"), text_cell(ps, payment.get_kind_display()),
                   amount_cell(ps, payment.amount), text_cell(ps, payment.note)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
