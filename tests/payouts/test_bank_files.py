"""Bank files banks accept: each paying bank's upload layout (a profile
chosen on the programme's rate card) read back with openpyxl column by
column, the human-readable summary with its control total, and the batch
page's control total and count."""

import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from stipends.payouts import rules, services
from stipends.payouts.models import RateCard

from .conftest import frozen_batch

LAYOUTS = {
    "plain": ("账号", "户名", "金额", "用途"),
    "cmb": ("账号", "户名", "金额", "开户行", "开户地区"),
    "icbc": ("收款账号", "收款账号名称", "金额", "汇款用途", "备注", "收款账号开户行", "省份", "城市"),
}


def _approved(worked, finance2, layout):
    RateCard.objects.update_or_create(programme=worked.programme, defaults={"bank_file_profile": layout})
    batch = frozen_batch(worked)
    services.approve_batch(batch=batch, user=finance2, confirmed=True)
    return batch


def _get(client, name, worked, batch):
    return client.get(reverse(f"stipends:{name}", args=[worked.programme.pk, batch.pk]))


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_each_banks_upload_sheet_column_by_column(worked, finance2, client_for, layout):
    payee = worked.enrolments_a[1].student
    payee.bank_name, payee.bank_branch = "招商银行", "长沙分行"  # at the paying bank for CMB
    payee.save()
    batch = _approved(worked, finance2, layout)
    response = _get(client_for(worked.finance), "bank_file", worked, batch)
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    cells = list(ws.iter_rows())
    headers = LAYOUTS[layout]
    assert tuple(c.value for c in cells[0]) == headers  # the header is the first row: no title
    items = {i.account: i for i in batch.items.select_related("enrolment__student")}
    data = cells[1:]
    assert len(data) == len(items) == 6  # only transfers: no total row
    column = {h: i for i, h in enumerate(headers)}
    amount = column["金额"]
    for row in data:
        account = row[0]
        assert account.data_type == "s" and account.number_format == "@" and account.value in items
        item = items[account.value]
        assert row[1].value == item.account_name and row[1].data_type == "s"
        assert isinstance(row[amount].value, int | float) and not isinstance(row[amount].value, bool)
        assert row[amount].number_format == "0.00"  # two places, no thousands separators
        assert D(str(row[amount].value)).quantize(D("0.01")) == item.net
        student = item.enrolment.student
        if layout == "icbc":
            assert (row[column["汇款用途"]].value, row[column["备注"]].value) == ("劳务费", f"#{batch.pk}")
            assert row[column["收款账号开户行"]].value == f"{student.bank_name}{student.bank_branch}"
        if layout == "cmb":
            expected = None if student == payee else f"{student.bank_name}{student.bank_branch}"
            assert row[column["开户行"]].value == expected  # only for payees at another bank
        if layout == "plain":
            assert row[3].value == "劳务费"
    assert not any(str(c.value).startswith(("合计", "批量")) for row in cells for c in row if c.value)


def test_the_summary_has_the_title_and_the_control_total(worked, finance2, client_for):
    batch = _approved(worked, finance2, "icbc")
    response = _get(client_for(worked.finance), "bank_summary", worked, batch)
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == f"批量转账明细 {worked.programme} #{batch.pk}"
    assert rows[1] == ("账号", "户名", "金额", "用途") and len(rows[2:-1]) == 6
    assert rows[-1][0] == "合计 6 笔" and D(str(rows[-1][2])) == D("4900.00")


def test_the_batch_page_shows_the_control_total_and_count(worked, finance2, client_for):
    batch = _approved(worked, finance2, "cmb")
    page = _get(client_for(worked.finance), "batch_detail", worked, batch).content.decode()
    assert 'data-testid="control-count">6<' in page and 'data-testid="control-total">4,900.00<' in page
    assert "招商银行" in page  # the layout the file is in


def test_the_control_total_is_the_rules_over_the_bank_files_rows(worked, finance2):
    """One aggregate gives what ``rules.control_total`` gives of the file's own
    amounts: as approved, and after a reconciliation marks some paid or failed
    (the file then lists every transfer with money, not only the pending)."""
    from stipends.payouts import selectors
    from stipends.payouts.models import PayoutItem

    batch = _approved(worked, finance2, "plain")

    def from_rows():
        return rules.control_total([t.amount for t in selectors.bank_transfers(batch)])

    assert selectors.bank_control(batch) == from_rows() == (6, D("4900.00"))
    first, second = batch.items.filter(net__gt=0).order_by("pk")[:2]
    PayoutItem.objects.filter(pk=first.pk).update(status=PayoutItem.Status.FAILED)
    assert selectors.bank_control(batch) == from_rows() == (5, D("4900.00") - first.net)
    batch.state = batch.State.RECONCILED
    assert selectors.bank_control(batch) == from_rows() == (6, D("4900.00"))


def test_the_layout_is_chosen_on_the_rate_card(worked, client_for):
    client = client_for(worked.finance)
    form = {f.name: f.value() for f in client.get(
        reverse("stipends:rate_card", args=[worked.programme.pk])).context["form"]}
    form["bank_file_profile"] = "icbc"
    response = client.post(reverse("stipends:rate_card", args=[worked.programme.pk]), form)
    assert response.status_code == 302
    assert RateCard.objects.get(programme=worked.programme).bank_file_profile == "icbc"


def test_other_bank_and_control_total_rules():
    cmb, plain = rules.BANK_FILE_PROFILES["cmb"], rules.BANK_FILE_PROFILES["plain"]
    t = rules.Transfer("6214830000000000", "甲", D("10.50"), "中国银行", "芙蓉支行")
    assert rules.bank_file_rows(cmb, [t]) == [("6214830000000000", "甲", D("10.50"), "中国银行芙蓉支行", "")]
    same = rules.Transfer("6214830000000001", "乙", D("1.00"), "招商银行", "长沙分行")
    assert rules.bank_file_rows(cmb, [same])[0][3] == ""
    assert rules.bank_file_rows(plain, [t]) == [("6214830000000000", "甲", D("10.50"), "劳务费")]
    assert rules.control_total([]) == (0, D("0.00"))


def test_the_bank_file_decrypts_only_the_accounts_and_reads_no_lines(worked, finance2, client_for, monkeypatch):
    """The download reads the five columns it writes: each transfer's account
    is decrypted once (the bank needs it), nothing else is (no student's ID,
    phone or card), and the items' lines and tax details stay in the database."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from trainingweek import crypto

    batch = _approved(worked, finance2, "icbc")
    accounts = list(batch.items.values_list("account", flat=True))
    decrypted = []
    real = crypto.decrypt
    monkeypatch.setattr(crypto, "decrypt", lambda token: decrypted.append(token) or real(token))
    client = client_for(worked.finance)
    with CaptureQueriesContext(connection) as queries:
        response = _get(client, "bank_file", worked, batch)
    assert response.status_code == 200
    assert sorted(real(t) for t in decrypted) == sorted(accounts) and len(decrypted) == 6
    item_reads = [q["sql"] for q in queries.captured_queries if '"payouts_payoutitem"' in q["sql"]
                  and q["sql"].lstrip().upper().startswith("SELECT")]
    assert item_reads and not any('"lines"' in sql or '"tax_detail"' in sql for sql in item_reads)


def test_once_reconciled_the_bank_file_still_lists_what_it_transferred(worked, finance2, client_for):
    from .conftest import approved_exported, bank_rows, result_workbook

    batch = approved_exported(worked, finance2)
    before = _get(client_for(worked.finance), "bank_file", worked, batch).content
    failing = worked.enrolments_b[0]
    assert services.reconcile(batch=batch, data=result_workbook(bank_rows(batch, fail={failing.pk}))).ok
    batch.refresh_from_db()
    after = _get(client_for(worked.finance), "bank_file", worked, batch).content

    def values(content):
        return list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))

    assert values(after) == values(before) and len(values(after)) == 7  # paid and failed alike
