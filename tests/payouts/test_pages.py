"""Stipend pages and downloads: approval refused to the maker, logged
downloads, text cells and neutralised formulas, live register formulas, the
sign-off PDF's embedded font, the statement page, query-count bounds."""

import io
import zipfile
from datetime import date
from decimal import Decimal as D

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from programs.attendance.models import Attendance
from scoring.models import Incident
from stipends.payouts import services
from stipends.payouts.models import PayoutBatch, PayoutItem, RateCard, StipendProfile
from tests.factories import EnrolmentFactory
from tests.settlement.test_documents import _assert_cjk_embedded, _pdffonts
from trainingweek.models import PersonalDataAccess

from .conftest import attend, bank_rows, frozen_batch, result_workbook


def url(name, world, *args):
    return reverse(f"stipends:{name}", args=[world.programme.pk, *args])


def _approved(worked, finance2):
    batch = frozen_batch(worked)
    services.approve_batch(batch=batch, user=finance2, confirmed=True)
    return batch


def test_the_maker_gets_403_with_the_reason_and_the_second_user_approves(worked, finance2, client_for):
    batch = frozen_batch(worked)
    response = client_for(worked.finance).post(url("batch_approve", worked, batch.pk), {"confirmed": "on"})
    assert response.status_code == 403
    assert "a second finance user must approve it" in response.content.decode()
    page = client_for(worked.finance).get(url("batch_detail", worked, batch.pk)).content.decode()
    assert 'data-testid="maker-note"' in page and 'data-testid="approve"' not in page
    response = client_for(finance2).post(url("batch_approve", worked, batch.pk), {"confirmed": "on"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == "approved" and batch.approved_by == finance2


def test_approval_without_ticking_the_reviewed_checks_is_refused(worked, finance2, client_for):
    StipendProfile.objects.create(enrolment=worked.enrolments_b[0], account_name="某家长")
    batch = frozen_batch(worked)
    response = client_for(finance2).post(url("batch_approve", worked, batch.pk), {}, follow=True)
    assert "Tick that you have reviewed the checks" in response.content.decode()
    batch.refresh_from_db()
    assert batch.state == "draft"
    page = response.content.decode()
    assert 'data-kind="name_differs"' in page


def test_bank_file_has_text_accounts_only_transfers_and_is_logged(worked, finance2, client_for):
    batch = _approved(worked, finance2)
    before = PersonalDataAccess.objects.count()
    response = client_for(worked.finance).get(url("bank_file", worked, batch.pk))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("账号", "户名", "金额", "用途")
    data = rows[1:]
    assert len(data) == 6 and all(r[3] == "劳务费" for r in data)
    accounts = {e.student.bank_card for e in worked.enrolments_a + worked.enrolments_b}
    assert {r[0] for r in data} == accounts  # full digits, as text
    for row in ws.iter_rows(min_row=2, max_row=7):
        assert row[0].data_type == "s" and row[0].number_format == "@"
    assert sum(D(str(r[2])) for r in data) == D("4900.00")
    log = PersonalDataAccess.objects.order_by("-pk").first()
    assert PersonalDataAccess.objects.count() == before + 1
    assert (log.user, log.action, log.record_count, log.fields) == (worked.finance, "export", 6, "bank_card")
    batch.refresh_from_db()
    assert batch.state == "approved" and batch.exported_at is None  # a download changes nothing


def test_user_text_starting_with_formula_characters_is_written_as_text(worked, finance2, client_for):
    a0, a1, a2 = worked.enrolments_a
    tricky = {a0: '=HYPERLINK("http://evil.example","点我")', a1: "+1+1", a2: "-2+3"}
    for e, name in tricky.items():
        e.student.name = name
        e.student.save()
    StipendProfile.objects.create(enrolment=worked.enrolments_b[0], account_name="@SUM(A1)")
    batch = _approved(worked, finance2)
    client = client_for(worked.finance)
    files = {
        "bank": client.get(url("bank_file", worked, batch.pk)).content,
        "bank summary": client.get(url("bank_summary", worked, batch.pk)).content,
        "register": client.get(url("register", worked, batch.pk, worked.class_a.pk)).content,
        "signoff": client.get(url("signoff_xlsx", worked, batch.pk, worked.class_a.pk)).content,
    }
    for kind, content in files.items():
        ws = load_workbook(io.BytesIO(content)).active
        texts = {c.value: c.data_type for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
        for name in tricky.values():
            assert texts.get(name) == "s", (kind, name)
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            xml = z.read("xl/worksheets/sheet1.xml").decode()
        assert "HYPERLINK" not in xml.split("<f>")[-1] if "<f>" in xml else True
        assert "<f>HYPERLINK" not in xml and "<f>1+1" not in xml and "<f>SUM(A1)" not in xml
    bank = load_workbook(io.BytesIO(files["bank"])).active
    assert any(c.value == "@SUM(A1)" and c.data_type == "s" for row in bank.iter_rows() for c in row)
    # Each sheet's header row is frozen, below its title rows, and every
    # ID number and account is a text cell with every digit.
    frozen = {kind: load_workbook(io.BytesIO(content)).active.freeze_panes for kind, content in files.items()}
    assert frozen == {"bank": "A2", "bank summary": "A3", "register": "A4", "signoff": "A3"}
    signoff = load_workbook(io.BytesIO(files["signoff"])).active
    students = {e.student.name: e.student for e in (a0, a1, a2)}
    for row in signoff.iter_rows(min_row=3, max_row=5):
        number, name, id_number, card = row[:4]
        assert number.data_type == "n" and (id_number.data_type, card.data_type) == ("s", "s")
        assert (id_number.value, card.value) == (students[name.value].id_number, students[name.value].bank_card)


def test_register_has_live_net_formulas_and_totals(worked, finance2, client_for):
    batch = _approved(worked, finance2)
    response = client_for(worked.finance).get(url("register", worked, batch.pk, worked.class_a.pk))
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows())
    header = [c.value for c in rows[2]]
    assert header == ["Name", "Student number", "ID card", "Phone", "Gross amount", "Tax withheld", "Net amount"]
    students = {e.student.name: e.student for e in worked.enrolments_a}
    items = {i.enrolment.student.name: i for i in batch.items.select_related("enrolment__student")}
    for n, row in enumerate(rows[3:6], start=4):
        name, number, id_number, phone, gross, tax, net = row
        assert number.value == students[name.value].student_number and number.data_type == "s"
        assert id_number.value == students[name.value].id_number and id_number.data_type == "s"
        assert phone.value == students[name.value].phone
        assert (D(str(gross.value)), D(str(tax.value))) == (items[name.value].gross, items[name.value].tax)
        assert net.data_type == "f" and net.value == f"=E{n}-F{n}"
    total = rows[6]
    assert [c.value for c in total[4:]] == ["=SUM(E4:E6)", "=SUM(F4:F6)", "=SUM(G4:G6)"]
    assert PersonalDataAccess.objects.filter(fields="id_number,phone", record_count=3).exists()


def test_register_headers_are_chinese_by_default(worked, finance2, client_for, settings):
    batch = _approved(worked, finance2)
    client = client_for(worked.finance)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    ws = load_workbook(io.BytesIO(client.get(url("register", worked, batch.pk, worked.class_a.pk)).content)).active
    assert [c.value for c in list(ws.iter_rows())[2]] == ["姓名", "学号", "身份证", "手机号", "应发金额", "代扣个税", "实发金额"]
    ws = load_workbook(io.BytesIO(client.get(url("signoff_xlsx", worked, batch.pk, worked.class_a.pk)).content)).active
    assert [c.value for c in list(ws.iter_rows())[1]] == ["序号", "姓名", "身份证号码", "银行卡号", "发放金额", "签名"]


def test_signoff_pdf_lists_the_class_with_an_embedded_cjk_font(worked, finance2, client_for, tmp_path, settings):
    batch = _approved(worked, finance2)
    client = client_for(worked.finance)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.get(url("signoff_pdf", worked, batch.pk, worked.class_a.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).replace(" ", "")
    for e in worked.enrolments_a:
        assert e.student.name in text and e.student.bank_card in text
    assert "签收表" in text and "900.00" in text and "2,500.00" in text
    _assert_cjk_embedded(_pdffonts(response.content, tmp_path))


def test_downloads_wait_for_approval(worked, client_for):
    batch = frozen_batch(worked)
    assert client_for(worked.finance).get(url("bank_file", worked, batch.pk)).status_code == 404


def test_result_upload_page_reconciles_or_lists_every_bad_row(worked, finance2, client_for):
    batch = _approved(worked, finance2)
    services.mark_sent_to_bank(batch=batch)
    client = client_for(worked.finance)
    response = client.post(url("result_upload", worked, batch.pk),
                           {"file": SimpleUploadedFile("x.xlsx", b"not excel")})
    assert "not an Excel workbook" in response.content.decode()
    rows = bank_rows(batch, fail={worked.enrolments_b[2].pk})
    bad = [(*rows[0][:2], D("1.00"), *rows[0][3:])] + rows[1:]
    response = client.post(url("result_upload", worked, batch.pk),
                           {"file": SimpleUploadedFile("结果.xlsx", result_workbook(bad))})
    html = response.content.decode()
    assert response.status_code == 200 and "<td>3</td><td>Amount" in html and "amount differs from the batch" in html
    assert not PayoutItem.objects.exclude(status="pending").exists()
    response = client.post(url("result_upload", worked, batch.pk),
                           {"file": SimpleUploadedFile("结果.xlsx", result_workbook(rows))})
    assert response.status_code == 302
    assert batch.items.get(enrolment=worked.enrolments_b[2]).status == "failed"


def test_statement_page_explains_every_line_for_coordinator_mentor_and_finance(worked, client_for):
    e = worked.enrolments_a[0]
    Incident.objects.create(programme=worked.programme, enrolment=e, occurred_on=date(2020, 11, 1), level="2",
                            description="错发", status=Incident.Status.CONFIRMED, reported_by=worked.mentor_a)
    for user in (worked.coordinator, worked.mentor_a, worked.finance):
        response = client_for(user).get(url("statement", worked, e.pk))
        page = response.content.decode()
        view = response.context["view"]
        assert {x["code"]: x["amount"] for x in view.lines} == {
            "training_days": "80.00", "practice_days": "800.00", "overtime": "20.00", "penalty": "-50.00"}
        assert view.stipend.gross == D("850.00") and view.net == D("850.00")
        assert "Incident: the student&#x27;s share: level 2" in page and "10-27 +2.00 h" in page
        assert "10-26、10-27" in page  # the days the practice line counts


def test_rate_card_is_editable_until_the_first_approval(worked, finance2, client_for):
    client = client_for(worked.coordinator)
    form = client.get(url("rate_card", worked)).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data["practice_day"] = "85.00"
    assert client.post(url("rate_card", worked), data).status_code == 302
    assert RateCard.objects.get(programme=worked.programme).practice_day == D("85.00")
    data["practice_day"] = "-1"
    response = client.post(url("rate_card", worked), data)
    assert response.status_code == 200 and "Amounts cannot be negative." in response.content.decode()
    batch = frozen_batch(worked)
    assert batch.items.get(enrolment=worked.enrolments_b[0]).gross == D("850.00")
    services.approve_batch(batch=batch, user=finance2, confirmed=True)
    data["practice_day"] = "90.00"
    assert client.post(url("rate_card", worked), data).status_code == 403
    assert 'data-testid="rate-card-locked"' in client.get(url("rate_card", worked)).content.decode()


def test_profiles_are_saved_by_the_coordinator_and_keep_bad_input(worked, client_for):
    client = client_for(worked.coordinator)
    page_url = url("profiles", worked) + f"?class={worked.class_b.pk}"
    e = worked.enrolments_b[0]
    response = client.post(page_url, {f"passed_{e.pk}": "2020-13-40", f"account_{e.pk}": "张三"})
    assert response.status_code == 200 and "is not a date" in response.content.decode()
    assert 'value="2020-13-40"' in response.content.decode() and not StipendProfile.objects.filter(enrolment=e).exists()
    # Inside the programme (its phase runs 2020-10-26 to 2020-11-10).
    response = client.post(page_url, {f"passed_{e.pk}": "2020-10-26", f"support_{e.pk}": "on"})
    assert response.status_code == 302
    profile = StipendProfile.objects.get(enrolment=e)
    assert profile.assessment_passed_on == date(2020, 10, 26) and profile.support_duty
    assert client_for(worked.finance).post(page_url, {}).status_code == 403


def test_create_batch_runs_the_job_and_shows_the_batch(worked, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(worked.finance).post(url("batch_create", worked), {"pay_on": "2020-12-20"})
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    batch = PayoutBatch.objects.get()
    assert batch.items.count() == 6 and batch.computed_at and batch.job.status == "succeeded"
    assert batch.job.result["redirect"] == url("batch_detail", worked, batch.pk)


def _grow(world, n):
    for _ in range(n):
        e = EnrolmentFactory(programme=world.programme, school_class=world.class_a, team=world.team_a)
        attend(e, date(2020, 10, 26), 3)


def test_pages_do_not_query_more_with_more_students(worked, finance2, client_for, django_assert_max_num_queries):
    finance, mentor = client_for(worked.finance), client_for(worked.mentor_a)

    def measure():
        batch = frozen_batch(worked)
        pages = [(finance, url("overview", worked)), (finance, url("statement_list", worked)),
                 (mentor, url("statement_list", worked)), (finance, url("batch_detail", worked, batch.pk)),
                 (finance, url("profiles", worked) + f"?class={worked.class_a.pk}")]
        counts = []
        for client, page in pages:
            with django_assert_max_num_queries(40) as captured:
                assert client.get(page).status_code == 200
            counts.append(len(captured.captured_queries))
        PayoutBatch.objects.filter(pk=batch.pk).delete()
        return counts

    _grow(worked, 4)
    small = measure()
    _grow(worked, 8)
    large = measure()
    assert Attendance.objects.filter(programme=worked.programme).count() > 70
    assert small == large
