"""Settlement in a real browser: a coordinator records a lab whose computers
break mid-way and sees the statement change; finance downloads the PDF."""

from datetime import date
from decimal import Decimal

from programs.agreements.models import Phase
from stipends.settlement.models import SettlementPayment


def _shape_2018(world):
    programme = world.programme
    programme.year = 2018
    programme.save()
    programme.phases.all().delete()
    Phase.objects.create(programme=programme, kind=Phase.Kind.PRACTICE, start=date(2018, 11, 1), end=date(2018, 11, 30))
    world.agreement.term_start = date(2018, 9, 1)
    world.agreement.save()
    SettlementPayment.objects.create(programme=programme, paid_on=date(2018, 10, 1), amount=Decimal("10000"),
                                     kind=SettlementPayment.Kind.DEPOSIT)


def test_coordinator_records_a_lab_and_sees_the_statement(world, page, login):
    _shape_2018(world)
    login(world.coordinator)
    page.goto(f"/programs/{world.programme.pk}/")
    panel = page.get_by_test_id("deadlines-panel")
    assert panel.get_by_test_id("deadline-settlement").get_attribute("data-status") == "overdue"
    assert "2019-01-14" in panel.inner_text()
    page.get_by_test_id("tab-settlement").click()
    page.get_by_test_id("new-room").click()
    page.fill("input[name=name]", "实训楼301机房")
    page.select_option("select[name=kind]", "lab")
    page.fill("input[name=uses-0-start]", "2018-11-01")
    page.fill("input[name=uses-0-end]", "2018-11-10")
    page.fill("input[name=uses-0-computers]", "60")
    page.fill("input[name=uses-1-start]", "2018-11-11")
    page.fill("input[name=uses-1-end]", "2018-11-30")
    page.fill("input[name=uses-1-computers]", "52")
    page.get_by_test_id("save").click()
    page.wait_for_url(f"**/programs/{world.programme.pk}/settlement/")
    # 60×10×13 + 52×20×13 + bonus 1,000 = 22,320.00; less the 10,000 deposit.
    assert page.get_by_test_id("fees-total").inner_text() == "22,320.00"
    assert page.get_by_test_id("balance").inner_text() == "12,320.00"
    assert "实训楼301机房" in page.get_by_test_id("rooms").inner_text()
    assert page.get_by_test_id("new-payment").count() == 0  # finance records payments


def test_finance_downloads_the_statement_pdf(world, page, login):
    _shape_2018(world)
    login(world.finance)
    page.goto(f"/programs/{world.programme.pk}/settlement/")
    with page.expect_download() as info:
        page.get_by_test_id("download-pdf").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    assert open(download.path(), "rb").read(5) == b"%PDF-"
