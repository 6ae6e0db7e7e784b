"""Payout documents: the bank's bulk-transfer upload sheet in the paying
bank's layout (a profile of :data:`stipends.payouts.rules.BANK_FILE_PROFILES`)
and its human-readable summary with the control total, the stipend register
(津贴发放表) and the sign-off sheet (签收表) per class, as Excel (through the
one exporter base, :mod:`trainingweek.exports`) and the sign-off sheet as PDF.

Account and ID numbers are text cells (format '@'); text that starts with
= + - @ is a string, never a formula; the header row is frozen. The only
formulas are ours: the register's net = gross − tax and its totals.
"""

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stipends.payouts import rules, selectors
from stipends.payouts.models import PayoutBatch, PayoutItem
from trainingweek.exports import (
    AMOUNT,
    NUMBER,
    ExportColumn,
    Formula,
    Sheet,
    Styled,
    workbook_bytes,
)
from trainingweek.jobs import JobError, store_private_result
from trainingweek.money import ZERO
from trainingweek.pdf import render_pdf

# The human-readable summary of a bank file: a title, the transfers and the control total.
BANK_TITLE = "批量转账明细"


BANK_HEADERS = ("账号", "户名", "金额", "用途")


BANK_PURPOSE = "劳务费"


# Banks' importers read amounts as plain numbers: two places, no thousands separators.
PLAIN_AMOUNT = "0.00"


def bank_file(transfers: Sequence[rules.Transfer], profile: rules.BankFileProfile | None = None) -> bytes:
    """The upload sheet in the paying bank's layout (``profile``, default
    the plain one): its header row, then only the transfers (no title, no
    total rows); accounts as text, amounts numbers with two places and no
    thousands separators."""
    profile = profile or rules.BANK_FILE_PROFILES[rules.DEFAULT_BANK_FILE_PROFILE]
    columns = [ExportColumn(c.header, c.width, AMOUNT, number_format=PLAIN_AMOUNT) if c.value == "amount"
               else ExportColumn(c.header, c.width) for c in profile.columns]
    return workbook_bytes([Sheet(profile.label, columns, rows=rules.bank_file_rows(profile, transfers))])


def bank_summary(batch: PayoutBatch, transfers: Sequence[rules.Transfer]) -> bytes:
    """批量转账明细 for people: the batch's title, 账号 / 户名 / 金额 / 用途 (劳务费)
    per transfer, then the control total (number of transfers and their sum)."""
    count, total = rules.control_total([t.amount for t in transfers])
    account, name, amount, purpose = BANK_HEADERS
    return workbook_bytes([Sheet(BANK_TITLE, [
        ExportColumn(account, 26), ExportColumn(name, 14), ExportColumn(amount, 14, AMOUNT), ExportColumn(purpose, 10),
    ], rows=((t.account, t.account_name, t.amount, BANK_PURPOSE) for t in transfers),
        title_rows=[[Styled(f"{BANK_TITLE} {batch.programme} #{batch.pk}", bold=True)]],
        footer=[[Styled(f"合计 {count} 笔", bold=True), None, Styled(total, bold=True), None]])])


def prepare_bank_file(job) -> dict:
    """Work of the bank-file job (see ``tasks``): params ``batch``,
    ``programme``, ``what`` (``file``: :func:`bank_file` in the programme's
    layout, ``summary``: :func:`bank_summary`) and ``language``.

    Builds the very sheet the direct download builds, from one read of the
    transfers that also gives their fingerprint (kept in the result: the
    download refuses the file once the transfers changed), and stores it
    encrypted (:func:`trainingweek.jobs.store_private_result`: it holds every
    full account number), kept ``BANK_FILE_KEEP_HOURS``. Running it again
    builds the file afresh and replaces it. Downloading it is what logs the
    personal-data export, not preparing it."""
    params = job.params
    with translation.override(params.get("language") or settings.LANGUAGE_CODE):
        what = params.get("what")
        batch = (PayoutBatch.objects.select_related("programme")
                 .filter(pk=params.get("batch"), programme_id=params.get("programme")).first())
        if batch is None or what not in selectors.BANK_DOCUMENTS:
            raise JobError(_("The batch no longer exists."))
        if batch.state == PayoutBatch.State.DRAFT:
            raise JobError(_("A batch's bank file is made once the batch is approved."))
        job.report(1, 4, _("Reading the transfers…"))
        snapshot = selectors.bank_file_snapshot(batch, what)
        count = len(snapshot.transfers)
        job.report(2, 4, _("Writing %(n)s transfers…") % {"n": count})
        content = (bank_file(snapshot.transfers, snapshot.profile) if what == "file"
                   else bank_summary(batch, snapshot.transfers))
        job.report(3, 4, _("Storing the file encrypted…"))
        name = store_private_result(job, content)
        expires_at = timezone.now() + timedelta(hours=settings.BANK_FILE_KEEP_HOURS)
        return {
            "file": name, "files": [name],  # files: expired by the core
            "what": what, "transfers": count, "fingerprint": snapshot.fingerprint,
            "expires_at": expires_at.isoformat(),
            "redirect": reverse("stipends:batch_detail", args=[batch.programme_id, batch.pk]) + "#bank-files",
            "message": _("The file with %(n)s transfers is ready; download it from the batch's page until "
                         "%(until)s.") % {"n": count, "until": f"{timezone.localtime(expires_at):%Y-%m-%d %H:%M}"},
        }


def _title(batch: PayoutBatch, school_class, what: str) -> str:
    return f"{batch.programme} {school_class.name} {what}"


def register(batch: PayoutBatch, school_class, items: Sequence[PayoutItem]) -> bytes:
    """津贴发放表: 姓名 / 学号 / 身份证 / 手机号 / 应发 / 代扣个税 / 实发, with net
    as a live formula (gross − tax) and SUM totals. The student number lets
    the school match rows to its own records without reading the ID."""
    footer = [[Styled(_("Total"), bold=True), None, None, None,
               *(Styled(Formula(f"=SUM({c}{{first}}:{c}{{last}})"), bold=True) for c in "EFG")]] if items else []
    return workbook_bytes([Sheet(_("Stipend register"), [
        ExportColumn(_("Name"), 12), ExportColumn(_("Student number"), 14), ExportColumn(_("ID card"), 22),
        ExportColumn(_("Phone"), 14), ExportColumn(_("Gross amount"), 12, AMOUNT),
        ExportColumn(_("Tax withheld"), 12, AMOUNT), ExportColumn(_("Net amount"), 12, AMOUNT),
    ], rows=((item.name, item.enrolment.student.student_number, item.enrolment.student.id_number,
              item.enrolment.student.phone, item.gross, item.tax, Formula("=E{row}-F{row}")) for item in items),
        title_rows=[[Styled(_title(batch, school_class, _("Stipend register")), bold=True)],
                    [_("Payer: %(company)s") % {"company": batch.programme.agreement.company.name}]],
        footer=footer)])


def signoff_xlsx(batch: PayoutBatch, school_class, items: Sequence[PayoutItem]) -> bytes:
    """签收表: 序号 / 姓名 / 身份证号码 / 银行卡号 / 发放金额 / 签名 (left blank)."""
    total = sum((item.net for item in items), ZERO)
    return workbook_bytes([Sheet(_("Sign-off sheet"), [
        ExportColumn(_("No."), 6, NUMBER), ExportColumn(_("Name"), 12), ExportColumn(_("ID card number"), 22),
        ExportColumn(_("Bank card"), 24), ExportColumn(_("Amount paid"), 12, AMOUNT), ExportColumn(_("Signature"), 16),
    ], rows=((n, item.name, item.enrolment.student.id_number, item.account, item.net, None)
             for n, item in enumerate(items, start=1)),
        title_rows=[[Styled(_title(batch, school_class, _("Sign-off sheet")), bold=True)]],
        footer=[[None, Styled(_("Total"), bold=True), None, None, Styled(total, bold=True), None]])])


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
