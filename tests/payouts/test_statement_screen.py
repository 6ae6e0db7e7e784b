"""The statement on the screen: the lines add up to the gross shown, the tax
is explained in words, and paid / now due / owed are shown on the statement,
the statement list and (owed) the batch's checks. Parsed from the rendered
pages, numbers worked by hand."""

from datetime import date
from decimal import Decimal as D
from html.parser import HTMLParser

from django.template import Context, Template
from django.urls import reverse

from scoring.models import Award, Incident
from stipends.payouts import selectors, services

from .conftest import attend, frozen_batch


class _Cells(HTMLParser):
    """data-amount of every line of each table (by data-testid), and the text of elements by data-testid."""

    def __init__(self):
        super().__init__()
        self.tables: list[tuple[str, list[str]]] = []
        self.text: dict[str, list[str]] = {}
        self._open: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        testid = attrs.get("data-testid")
        if tag == "table":
            self.tables.append((testid or "", []))
        if tag == "tr" and testid == "line" and self.tables:
            self.tables[-1][1].append(attrs["data-amount"])
        self._open.append((tag, testid))
        if testid:
            self.text.setdefault(testid, []).append("")

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _tag, testid in self._open:
            if testid:
                self.text[testid][-1] += data


def _parse(page: str) -> _Cells:
    cells = _Cells()
    cells.feed(page)
    return cells


def _money(text: str) -> D:
    return D(text.strip().replace(",", ""))


def url(name, world, *args):
    return reverse(f"stipends:{name}", args=[world.programme.pk, *args])


def _penalised(worked):
    """10 practice days (800.00) and an award of 1,230.62 earn 2,030.62; a
    level-2 incident (the student bears 50.00) leaves 1,980.62 gross."""
    e = worked.enrolments_b[0]
    Award.objects.create(programme=worked.programme, enrolment=e, label="销售冠军", amount=D("1230.62"),
                         created_by=worked.coordinator)
    Incident.objects.create(programme=worked.programme, enrolment=e, occurred_on=date(2020, 11, 1), level="2",
                            description="错发", status=Incident.Status.CONFIRMED, reported_by=worked.mentor_b)
    return e


def test_the_lines_add_up_to_the_one_gross_shown(worked, client_for):
    e = _penalised(worked)
    page = client_for(worked.finance).get(url("statement", worked, e.pk)).content.decode()
    cells = _parse(page)
    lines = dict(cells.tables)["lines"]
    assert sorted(lines) == ["-50.00", "1230.62", "800.00"]
    assert sum(D(a) for a in lines) == D("1980.62")
    assert _money(cells.text["gross"][0]) == D("1980.62") == _money(cells.text["lines-total"][0])
    # Nothing on the page adds the penalty a second time: no 2,030.62 beside lines that add up to 1,980.62.
    assert "2,030.62" not in page and "2030.62" not in page


def test_each_frozen_payment_adds_up_too_and_its_tax_is_in_words(worked, finance2, client_for):
    e = _penalised(worked)
    batch = frozen_batch(worked)
    services.approve_batch(batch=batch, user=finance2, confirmed=True)
    page = client_for(worked.finance).get(url("statement", worked, e.pk)).content.decode()
    cells = _parse(page)
    item_lines = dict(cells.tables)["item-lines"]
    assert sum(D(a) for a in item_lines) == _money(cells.text["item-lines-total"][0]) == D("1980.62")
    words = cells.text["item-tax-explained"][0]
    # Paid 2020-12-20; October and November are internship months: allowance 2 × 5,000.00.
    assert words == ("Intern cumulative withholding: pay from this company this year 1,980.62; 80 % of it less the "
                     "allowance of 10,000.00 (5,000.00 × 2 months) leaves 0.00 taxable; rate 3 %, quick deduction "
                     "0.00; withheld before this year 0.00; tax withheld now 0.00.")
    estimate = cells.text["tax-explained"][0]
    assert estimate.startswith("Intern cumulative withholding: pay from this company this year")
    # No raw table code anywhere on the page, the change history included.
    assert "cn-iit" not in page and "Tax table" not in page


def test_labour_method_tax_in_words_with_the_tables_numbers():
    table = selectors.load_table("cn-iit-labour-2019")
    amount, detail = selectors.withhold(table, D("1810.00"))
    text = Template("{% load payouts_tags %}{% tax_explained detail %}").render(Context({"detail": detail}))
    # 1,810.00 − 800.00 = 1,010.00 taxable × 20 % = 202.00.
    assert amount == D("202.00")
    assert text == ("Labour remuneration, taxed per payment: of this payment of 1,810.00, 1,010.00 is taxable "
                    "(800.00 deducted from a payment up to 4,000.00, else 80 % of it taxed); rate 20 %, quick "
                    "deduction 0.00; tax withheld 202.00.")


def test_paid_now_due_and_owed_on_the_statement_the_list_and_the_batch(worked, finance2, client_for):
    first = frozen_batch(worked)
    services.approve_batch(batch=first, user=finance2, confirmed=True)
    e = worked.enrolments_b[1]
    Incident.objects.create(programme=worked.programme, enrolment=e, occurred_on=date(2020, 11, 3), level="2",
                            description="错发", status=Incident.Status.CONFIRMED, reported_by=worked.mentor_b)
    other = worked.enrolments_b[2]
    attend(other, date(2020, 11, 20), 1)
    client = client_for(worked.finance)
    cells = _parse(client.get(url("statement", worked, e.pk)).content.decode())
    assert [_money(cells.text[k][0]) for k in ("gross", "paid", "now-due", "owed", "net")] == [
        D("750.00"), D("800.00"), D("0.00"), D("50.00"), D("0.00")]
    page = client.get(url("statement_list", worked)).content.decode()
    rows = _rows(page)
    assert rows[e.pk] == (D("750.00"), D("800.00"), D("0.00"), D("50.00"))
    assert rows[other.pk] == (D("880.00"), D("800.00"), D("80.00"), D("0.00"))
    second = frozen_batch(worked, pay_on=date(2020, 12, 25))
    batch_page = client.get(url("batch_detail", worked, second.pk)).content.decode()
    assert 'data-kind="owed"' in batch_page and "0.00 / 50.00" in batch_page
    services.approve_batch(batch=second, user=finance2, confirmed=True)
    attend(e, date(2020, 11, 21), 2)  # 160.00 more: 50.00 recovered, 110.00 paid
    frozen_batch(worked, pay_on=date(2020, 12, 28))
    page = client.get(url("statement", worked, e.pk)).content.decode()
    cells = _parse(page)
    payments = [lines for testid, lines in cells.tables if testid == "item-lines"]
    assert [sorted(x) for x in payments] == [["800.00"], ["-50.00", "50.00"], ["-50.00", "160.00"]]
    assert [_money(t) for t in cells.text["item-lines-total"]] == [D("800.00"), D("0.00"), D("110.00")]
    assert "Recovered: paid too much before" in page and "owed before 50.00, after 0.00" in page
    assert [_money(cells.text[k][0]) for k in ("gross", "paid", "now-due", "owed")] == [
        D("910.00"), D("910.00"), D("0.00"), D("0.00")]


class _Rows(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows: dict[int, list[str]] = {}
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and attrs.get("data-testid") == "statement-row":
            self._row = int(attrs["data-enrolment"])
            self.rows[self._row] = {}
        if tag == "td" and self._row is not None and attrs.get("data-testid"):
            self._cell = attrs["data-testid"]
            self.rows[self._row][self._cell] = ""

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = None
        if tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._row is not None and self._cell:
            self.rows[self._row][self._cell] += data


def _rows(page: str) -> dict[int, tuple]:
    parser = _Rows()
    parser.feed(page)
    return {e: tuple(_money(cells[k]) for k in ("gross", "paid", "now-due", "owed")) for e, cells in parser.rows.items()}


def test_the_batch_form_refuses_a_batch_with_nothing_due_and_says_who_owes(worked, finance2, client_for):
    from stipends.payouts.models import PayoutBatch

    first = frozen_batch(worked)
    services.approve_batch(batch=first, user=finance2, confirmed=True)
    Incident.objects.create(programme=worked.programme, enrolment=worked.enrolments_a[2], occurred_on=date(2020, 11, 3),
                            level="2", description="错发", status=Incident.Status.CONFIRMED, reported_by=worked.mentor_a)
    response = client_for(worked.finance).post(url("batch_create", worked), {"pay_on": "2020-12-25"})
    assert response.status_code == 200
    assert "Nobody has anything due; 1 student owes 50.00" in response.content.decode()
    assert list(PayoutBatch.objects.values_list("pk", flat=True)) == [first.pk]
