"""The settlement statement as documents: PDF (WeasyPrint, through
:func:`trainingweek.pdf.render_pdf`) and Excel (through the one exporter
base, :mod:`trainingweek.exports`)."""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from stipends.settlement.selectors import ProgrammeMoney
from trainingweek.exports import AMOUNT, DATE, ExportColumn, Sheet, Styled, workbook_bytes
from trainingweek.pdf import render_pdf


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
    """The statement as a workbook (through the one exporter base): one
    sheet with the parties, the lines and totals, one with the payments
    received. Names and notes are text, never formulas."""
    programme, statement = money.programme, money.statement
    agreement = programme.agreement
    bold = {"bold": True}
    lines = [(line.label, line.basis, line.amount) for line in statement.lines]
    deposit = statement.deposit_line
    totals = [
        (Styled(_("Fees total"), **bold), None, statement.fees_total),
        (deposit.label, deposit.basis, deposit.amount),
        (Styled(_("Due on settlement"), **bold), None, statement.amount_due),
        (_("Other payments received"), None, -statement.other_paid),
        (Styled(_("Balance"), **bold), None, statement.balance),
        *((_("Note"), warning) for warning in statement.warnings),
    ]
    return workbook_bytes([
        Sheet(_("Statement"), [ExportColumn(_("Item"), 30), ExportColumn(_("Basis"), 60),
                               ExportColumn(_("Amount (CNY)"), 16, AMOUNT)],
              title_rows=[[Styled(_("Settlement statement"), **bold), str(programme)],
                          [_("Party A (school)"), agreement.school.name],
                          [_("Party B (company)"), agreement.company.name],
                          [_("Agreement"), agreement.course_title],
                          []],
              rows=lines, footer=totals),
        Sheet(_("Payments received"), [ExportColumn(_("Date"), 12, DATE), ExportColumn(_("Kind"), 16),
                                       ExportColumn(_("Amount (CNY)"), 16, AMOUNT), ExportColumn(_("Note"), 40)],
              rows=((p.paid_on, p.get_kind_display(), p.amount, p.note) for p in money.payments)),
    ])
