"""Payout documents: the bank's bulk-transfer sheet, the stipend register
(津贴发放表) and the sign-off sheet (签收表) per class, as Excel (openpyxl,
write-only) and the sign-off sheet as PDF.

Account and ID numbers are written as text cells (format '@'); text that
starts with = + - @ is written as a string, never as a formula. The only
formulas are ours: the register's net = gross − tax and its totals.
"""

import io
from collections.abc import Sequence
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from stipends.payouts.models import PayoutBatch, PayoutItem
from trainingweek.money import ZERO
from trainingweek.pdf import render_pdf
from trainingweek.spreadsheets import amount_cell, text_cell

# The bank's bulk-transfer format: fixed Chinese headers its importer reads.
BANK_TITLE = "批量转账明细"


BANK_HEADERS = ("账号", "户名", "金额", "用途")


BANK_PURPOSE = "劳务费"


def _save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def bank_file(items: Sequence[PayoutItem]) -> bytes:
    """账号 / 户名 / 金额 / 用途 (劳务费), one row per transfer, then the
    control total (number of transfers and their sum)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(BANK_TITLE)
    for letter, width in zip("ABCD", (26, 14, 14, 10), strict=True):
        ws.column_dimensions[letter].width = width
    ws.append([text_cell(ws, BANK_TITLE, bold=True)])
    ws.append([text_cell(ws, h, bold=True) for h in BANK_HEADERS])
    total = ZERO
    for item in items:
        ws.append([text_cell(ws, item.account), text_cell(ws, item.account_name), amount_cell(ws, item.net),
                   text_cell(ws, BANK_PURPOSE)])
        total += item.net
    ws.append([text_cell(ws, f"合计 {len(items)} 笔", bold=True), None, amount_cell(ws, total, bold=True), None])
    return _save(wb)


def _title(batch: PayoutBatch, school_class, what: str) -> str:
    return f"{batch.programme} {school_class.name} {what}"


def register(batch: PayoutBatch, school_class, items: Sequence[PayoutItem]) -> bytes:
    """津贴发放表: 姓名 / 身份证 / 手机号 / 应发 / 代扣个税 / 实发, with net as a
    live formula (gross − tax) and SUM totals."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Stipend register"))
    for letter, width in zip("ABCDEF", (12, 22, 14, 12, 12, 12), strict=True):
        ws.column_dimensions[letter].width = width
    ws.append([text_cell(ws, _title(batch, school_class, _("Stipend register")), bold=True)])
    ws.append([text_cell(ws, _("Payer: %(company)s") % {"company": batch.programme.agreement.company.name})])
    ws.append([text_cell(ws, h, bold=True) for h in (
        _("Name"), _("ID card"), _("Phone"), _("Gross amount"), _("Tax withheld"), _("Net amount"))])
    first = 4
    row = first
    for item in items:
        student = item.enrolment.student
        ws.append([text_cell(ws, item.name), text_cell(ws, student.id_number), text_cell(ws, student.phone),
                   amount_cell(ws, item.gross), amount_cell(ws, item.tax), amount_cell(ws, f"=D{row}-E{row}")])
        row += 1
    last = row - 1
    if items:
        ws.append([text_cell(ws, _("Total"), bold=True), None, None,
                   amount_cell(ws, f"=SUM(D{first}:D{last})", bold=True),
                   amount_cell(ws, f"=SUM(E{first}:E{last})", bold=True),
                   amount_cell(ws, f"=SUM(F{first}:F{last})", bold=True)])
    return _save(wb)


def signoff_xlsx(batch: PayoutBatch, school_class, items: Sequence[PayoutItem]) -> bytes:
    """签收表: 序号 / 姓名 / 身份证号码 / 银行卡号 / 发放金额 / 签名 (left blank)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Sign-off sheet"))
    for letter, width in zip("ABCDEF", (6, 12, 22, 24, 12, 16), strict=True):
        ws.column_dimensions[letter].width = width
    ws.append([text_cell(ws, _title(batch, school_class, _("Sign-off sheet")), bold=True)])
    ws.append([text_cell(ws, h, bold=True) for h in (
        _("No."), _("Name"), _("ID card number"), _("Bank card"), _("Amount paid"), _("Signature"))])
    total = ZERO
    for n, item in enumerate(items, start=1):
        ws.append([n, text_cell(ws, item.name), text_cell(ws, item.enrolment.student.id_number),
                   text_cell(ws, item.account), amount_cell(ws, item.net), None])
        total += item.net
    ws.append([None, text_cell(ws, _("Total"), bold=True), None, None, amount_cell(ws, total, bold=True), None])
    return _save(wb)


def signoff_pdf(batch: PayoutBatch, school_class, items: Sequence[PayoutItem]) -> bytes:
    """The sign-off sheet as a printable A4 PDF (one document per class)."""
    total = sum((i.net for i in items), Decimal(0))
    html = render_to_string("stipends/signoff_pdf.html", {
        "batch": batch, "school_class": school_class, "items": items, "total": total,
        "title": _title(batch, school_class, _("Sign-off sheet")), "generated": timezone.localtime()})
    return render_pdf(html, css=SIGNOFF_CSS)


SIGNOFF_CSS = """
td { height: 9mm; vertical-align: middle; }
td.sign { width: 30mm; }
.mono { font-variant-numeric: tabular-nums; }
"""
