"""The bank's result file (.xlsx), read with the one importer base.

Banks return the bulk-transfer file processed: a title row or two, then
账号 / 户名 / 金额 / 处理结果 (成功 or 失败) / 失败原因 in any order, often with
用途 or 备注 beside them and a 合计 row at the bottom. Account numbers must
be text: a number cell of more than 15 digits has lost digits and is
refused. :func:`stipends.payouts.services.reconcile` matches the rows with
the batch (:func:`stipends.payouts.rules.match_bank_result`).
"""

from django.utils.translation import gettext_lazy as _

from stipends.payouts.rules import ResultRow
from trainingweek.imports import XLSX, Column, Importer, choice, decimal, identifier, text
from trainingweek.masking import mask_bank_card

TOTAL_ROW = ("合计", "总计", "Total")


class BankResultImport(Importer):
    """One row per transfer; a failed one with the bank's reason."""

    formats = (XLSX,)
    columns = (
        Column("account", _("Account"), ("账号", "收款账号", "账户", "收款人账号", "account"),
               clean=identifier(), mask=mask_bank_card),
        Column("name", _("Account name"), ("户名", "收款户名", "收款账号名称", "收款人", "收款人户名", "收款人名称", "name"), clean=text()),
        Column("amount", _("Amount"), ("金额", "交易金额", "amount"), clean=decimal(places=2)),
        Column("paid", _("Result"), ("处理结果", "结果", "交易状态", "result"), clean=choice({
            "成功": True, "success": True, "ok": True, "失败": False, "failed": False, "failure": False})),
        # 失败原因 is preferred over 备注 when a file has both.
        Column("reason", _("Failure reason"), ("失败原因", "备注", "reason"), required=False, clean=text()),
    )

    def skip_row(self, raw) -> bool:
        """The control total row (合计 3 笔, in whichever column) is not a transfer."""
        return any(str(value).strip().startswith(TOTAL_ROW) for key, value in raw.items() if key != "reason")


def result_rows(rows) -> list[ResultRow]:
    """The importer's good rows as the plain values matching takes."""
    return [ResultRow(row.number, row["account"], row["name"], row["amount"], row["paid"], row.get("reason", ""))
            for row in rows]
