"""Settlement pages: who may see and change what, what they show, and
query counts that do not grow with rows."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from stipends.settlement.models import (
    HolidayCalendarYear,
    Room,
    RoomUse,
    SettlementPayment,
    SettlementRecord,
)
from tests.factories import AgreementFactory, PhaseFactory, ProgrammeFactory

ROLES = ["anonymous", "coordinator", "finance", "admin", "mentor_a", "mentor_b",
         "other_coordinator", "other_finance", "other_mentor"]

# Reading pages: coordinators and finance of the programme (and admins).
READ = {"anonymous": 302, "coordinator": 200, "finance": 200, "admin": 200, "mentor_a": 403, "mentor_b": 403,
        "other_coordinator": 404, "other_finance": 404, "other_mentor": 404}
# Rooms: the school's coordinators.
ROOMS = {**READ, "finance": 403}
# Money and the settlement record: the company's finance.
MONEY = {**READ, "coordinator": 403}


def _user(world, role):
    return None if role == "anonymous" else getattr(world, role)


def _pages(world):
    pk = world.programme.pk
    return {
        "settlement_detail": (reverse("settlement:settlement_detail", args=[pk]), READ),
        "settlement_deadlines": (reverse("settlement:settlement_deadlines", args=[pk]), READ),
        "settlement_xlsx": (reverse("settlement:settlement_xlsx", args=[pk]), READ),
        "room_create": (reverse("settlement:room_create", args=[pk]), ROOMS),
        "payment_create": (reverse("settlement:payment_create", args=[pk]), MONEY),
        "settlement_record": (reverse("settlement:settlement_record", args=[pk]), MONEY),
    }


PAGE_NAMES = ["settlement_detail", "settlement_deadlines", "settlement_xlsx", "room_create", "payment_create",
              "settlement_record"]


@pytest.mark.parametrize("page", PAGE_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_permissions_per_page_and_role(world, client_for, page, role):
    url, expected = _pages(world)[page]
    response = client_for(_user(world, role)).get(url)
    assert response.status_code == expected[role], (page, role)
    if expected[role] == 302:
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role, expected", [("anonymous", 302), ("coordinator", 200), ("mentor_a", 403),
                                            ("finance", 200), ("other_finance", 404)])
def test_pdf_permissions(world, client_for, role, expected):
    response = client_for(_user(world, role)).get(reverse("settlement:settlement_pdf", args=[world.programme.pk]))
    assert response.status_code == expected


@pytest.mark.parametrize("role, expected", [
    ("anonymous", 302), ("coordinator", 200), ("finance", 200), ("admin", 200),
    ("mentor_a", 403), ("other_mentor", 403), ("other_coordinator", 200), ("other_finance", 200),
])
def test_deadlines_overview_permissions(world, client_for, role, expected):
    response = client_for(_user(world, role)).get(reverse("settlement:deadlines_overview") + "?all=1")
    assert response.status_code == expected
    if expected == 200:
        sees = world.programme.name in response.content.decode()
        assert sees == (role in ("coordinator", "finance", "admin"))


@pytest.mark.parametrize("url_name, args", [("calendar_list", []), ("calendar_year_create", []),
                                            ("calendar_year_edit", [2027])])
@pytest.mark.parametrize("role, expected", [("anonymous", 302), ("admin", 200), ("coordinator", 403),
                                            ("finance", 403), ("mentor_a", 403)])
def test_calendar_pages_are_for_admins(world, client_for, url_name, args, role, expected):
    HolidayCalendarYear.objects.create(year=2027)
    response = client_for(_user(world, role)).get(reverse(f"settlement:{url_name}", args=args))
    assert response.status_code == expected


@pytest.mark.parametrize("role", ["finance", "mentor_a", "other_coordinator"])
def test_posts_outside_the_role_change_nothing(settled_world, client_for, role):
    w = settled_world
    room = Room.objects.get(name="206")
    payment = SettlementPayment.objects.get()
    client = client_for(getattr(w, role))
    client.post(reverse("settlement:room_delete", args=[w.programme.pk, room.pk]))
    assert Room.objects.filter(pk=room.pk).exists()
    if role != "finance":
        client.post(reverse("settlement:payment_delete", args=[w.programme.pk, payment.pk]))
        assert SettlementPayment.objects.filter(pk=payment.pk).exists()


def test_coordinator_cannot_delete_payments(settled_world, client_for):
    w = settled_world
    payment = SettlementPayment.objects.get()
    response = client_for(w.coordinator).post(reverse("settlement:payment_delete", args=[w.programme.pk, payment.pk]))
    assert response.status_code == 403
    assert SettlementPayment.objects.filter(pk=payment.pk).exists()


# --- what the pages show and do -------------------------------------------------

def test_statement_page_shows_lines_totals_and_balance(settled_world, client_for):
    html = client_for(settled_world.finance).get(
        reverse("settlement:settlement_detail", args=[settled_world.programme.pk])).content.decode()
    assert 'data-testid="fees-total">52,900.00<' in html
    assert 'data-testid="deposit-paid">-10,000.00<' in html
    assert 'data-testid="balance">42,900.00<' in html
    assert "实训楼机房A" in html and "206" in html
    assert "定金" in html


def test_coordinator_records_a_lab_whose_count_changes(world, client_for):
    url = reverse("settlement:room_create", args=[world.programme.pk])
    data = {
        "name": "实训楼301机房", "kind": "lab", "notes": "",
        "uses-TOTAL_FORMS": "3", "uses-INITIAL_FORMS": "0", "uses-MIN_NUM_FORMS": "0", "uses-MAX_NUM_FORMS": "1000",
        "uses-0-start": "2020-10-26", "uses-0-end": "2020-11-10", "uses-0-computers": "60",
        "uses-1-start": "2020-11-11", "uses-1-end": "2020-11-22", "uses-1-computers": "52",
        "uses-2-start": "", "uses-2-end": "", "uses-2-computers": "0",  # an empty extra row, as a browser sends it
    }
    response = client_for(world.coordinator).post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    room = Room.objects.get(name="实训楼301机房")
    assert list(room.uses.values_list("computers", flat=True)) == [60, 52]


def test_room_form_rejects_overlaps_and_keeps_what_was_typed(world, client_for):
    url = reverse("settlement:room_create", args=[world.programme.pk])
    data = {
        "name": "实训楼302机房", "kind": "lab", "notes": "",
        "uses-TOTAL_FORMS": "3", "uses-INITIAL_FORMS": "0", "uses-MIN_NUM_FORMS": "0", "uses-MAX_NUM_FORMS": "1000",
        "uses-0-start": "2020-10-26", "uses-0-end": "2020-11-10", "uses-0-computers": "60",
        "uses-1-start": "2020-11-10", "uses-1-end": "2020-11-22", "uses-1-computers": "52",
    }
    response = client_for(world.coordinator).post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="uses-errors"' in html and "2020-11-10" in html
    assert 'value="实训楼302机房"' in html
    assert not Room.objects.filter(name="实训楼302机房").exists()


def test_room_without_equipment_keeps_no_computer_count(world, client_for):
    url = reverse("settlement:room_create", args=[world.programme.pk])
    data = {
        "name": "206", "kind": "plain", "notes": "",
        "uses-TOTAL_FORMS": "1", "uses-INITIAL_FORMS": "0", "uses-MIN_NUM_FORMS": "0", "uses-MAX_NUM_FORMS": "1000",
        "uses-0-start": "2020-10-26", "uses-0-end": "2020-11-22", "uses-0-computers": "30",
    }
    assert client_for(world.coordinator).post(url, data).status_code == 302
    assert RoomUse.objects.get(room__name="206").computers == 0


def test_finance_records_a_payment_and_a_bad_amount_is_refused(settled_world, client_for):
    w = settled_world
    url = reverse("settlement:payment_create", args=[w.programme.pk])
    client = client_for(w.finance)
    bad = client.post(url, {"paid_on": "2019-01-10", "kind": "settlement", "amount": "-5", "note": "尾款"})
    assert bad.status_code == 200 and 'value="尾款"' in bad.content.decode()
    ok = client.post(url, {"paid_on": "2019-01-10", "kind": "settlement", "amount": "42900.00", "note": "尾款"})
    assert ok.status_code == 302
    payment = SettlementPayment.objects.get(kind="settlement")
    assert payment.recorded_by == w.finance and payment.amount == Decimal("42900.00")
    html = client.get(reverse("settlement:settlement_detail", args=[w.programme.pk])).content.decode()
    assert 'data-testid="balance">0.00<' in html


def test_finance_records_insurance_and_a_bonus_decision_needs_a_reason(settled_world, client_for):
    w = settled_world
    url = reverse("settlement:settlement_record", args=[w.programme.pk])
    client = client_for(w.finance)
    bad = client.post(url, {"bonus_decision": "not_due", "bonus_reason": "", "insurance_bought_on": "2018-10-29"})
    assert bad.status_code == 200 and not SettlementRecord.objects.exists()
    ok = client.post(url, {"bonus_decision": "not_due", "bonus_reason": "学生辱骂顾客", "insurance_bought_on": "2018-10-29"})
    assert ok.status_code == 302
    record = SettlementRecord.objects.get()
    assert record.insurance_bought_on == date(2018, 10, 29) and record.updated_by == w.finance
    html = client.get(reverse("settlement:settlement_deadlines", args=[w.programme.pk])).content.decode()
    assert 'data-testid="deadline-insurance" data-status="done"' in html


def test_overdue_deadlines_are_red_on_the_deadlines_page(settled_world, client_for):
    html = client_for(settled_world.coordinator).get(
        reverse("settlement:settlement_deadlines", args=[settled_world.programme.pk])).content.decode()
    # Today is long after 2019-01-14 and nothing but the deposit is done.
    assert 'class="table-danger" data-testid="deadline-settlement" data-status="overdue"' in html
    assert 'data-testid="deadline-deposit" data-status="done"' in html
    assert "2019-01-14" in html and "2018-08-20" in html


def test_programme_page_panel_for_coordinator_and_finance_only(settled_world, client_for):
    url = reverse("programs:programme_detail", args=[settled_world.programme.pk])
    for user in (settled_world.coordinator, settled_world.finance):
        html = client_for(user).get(url).content.decode()
        assert 'data-testid="deadlines-panel"' in html and "2019-01-14" in html
    html = client_for(settled_world.mentor_a).get(url).content.decode()
    assert 'data-testid="deadlines-panel"' not in html
    assert 'data-testid="tab-settlement"' not in html


def test_provisional_deadlines_are_flagged_with_a_warning(world, client_for):
    world.programme.year = 2027
    world.programme.save()
    world.programme.phases.update(start=date(2027, 11, 1), end=date(2027, 11, 30))
    html = client_for(world.coordinator).get(reverse("settlement:deadlines_overview")).content.decode()
    assert 'data-testid="provisional-warning"' in html
    assert 'data-testid="provisional"' in html
    assert "2027" in html


def test_admin_enters_a_year_on_the_simple_page(world, client_for):
    client = client_for(world.admin)
    url = reverse("settlement:calendar_year_create")
    bad = client.post(url, {"year": "2027", "source": "", "holidays": "2027-10-01 国庆节\n2026-10-02", "working_days": ""})
    assert bad.status_code == 200
    assert "2026-10-02" in bad.content.decode() and "invalid-feedback" in bad.content.decode()
    assert not HolidayCalendarYear.objects.exists()
    ok = client.post(url, {"year": "2027", "source": "通知", "holidays": "2027-10-01 国庆节\n2027-10-04",
                           "working_days": "2027-09-26 国庆调休"})
    assert ok.status_code == 302
    entry = HolidayCalendarYear.objects.get(year=2027)
    assert entry.days.count() == 3 and entry.updated_by == world.admin
    page = client.get(reverse("settlement:calendar_year_edit", args=[2027])).content.decode()
    assert "2027-09-26 国庆调休" in page
    listing = client.get(reverse("settlement:calendar_list")).content.decode()
    assert 'data-testid="calendar-years"' in listing and ">2027<" in listing


# --- query counts that do not grow with rows -----------------------------------------

def _add_rooms_and_payments(programme, n, offset=0):
    for i in range(offset, offset + n):
        room = Room.objects.create(programme=programme, name=f"机房{i}", kind=Room.Kind.LAB)
        RoomUse.objects.create(room=room, start=date(2020, 10, 26), end=date(2020, 11, 5), computers=40)
        RoomUse.objects.create(room=room, start=date(2020, 11, 6), end=date(2020, 11, 10), computers=38)
        SettlementPayment.objects.create(programme=programme, paid_on=date(2020, 8, 1) + timedelta(days=i),
                                         amount=Decimal("100"), kind="other")


def _queries(django_assert_max_num_queries, client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    with django_assert_max_num_queries(len(captured.captured_queries)):
        client.get(url)
    return len(captured.captured_queries)


@pytest.mark.parametrize("url_name", ["settlement:settlement_detail", "settlement:settlement_deadlines",
                                      "settlement:settlement_xlsx", "programs:programme_detail"])
def test_programme_pages_query_count_does_not_grow(world, client_for, django_assert_max_num_queries, url_name):
    client = client_for(world.finance)
    url = reverse(url_name, args=[world.programme.pk])
    _add_rooms_and_payments(world.programme, 3)
    few = _queries(django_assert_max_num_queries, client, url)
    _add_rooms_and_payments(world.programme, 6, offset=3)
    assert _queries(django_assert_max_num_queries, client, url) == few
    # The programme page lists its teams a page at a time: one count more.
    assert few <= (21 if url_name == "programs:programme_detail" else 20), few


def test_deadlines_overview_query_count_does_not_grow(world, client_for, django_assert_max_num_queries):
    client = client_for(world.coordinator)
    url = reverse("settlement:deadlines_overview")

    def add_programmes(n):
        for _ in range(n):
            programme = ProgrammeFactory(agreement=AgreementFactory(school=world.school, company=world.company))
            PhaseFactory(programme=programme)
            _add_rooms_and_payments(programme, 2)

    add_programmes(2)
    few = _queries(django_assert_max_num_queries, client, url)
    add_programmes(4)
    assert _queries(django_assert_max_num_queries, client, url) == few


def test_calendar_list_query_count_does_not_grow(world, client_for, django_assert_max_num_queries):
    from stipends.settlement.rules import DayLine
    from stipends.settlement.services import save_calendar_year

    client = client_for(world.admin)
    url = reverse("settlement:calendar_list")
    for year in (2027, 2028):
        save_calendar_year(year=year, source="", holidays=[DayLine(date(year, 1, 1), "元旦")], working_days=[], user=world.admin)
    few = _queries(django_assert_max_num_queries, client, url)
    for year in (2029, 2030, 2031, 2032):
        save_calendar_year(year=year, source="", holidays=[DayLine(date(year, 1, 1), "元旦")], working_days=[], user=world.admin)
    assert _queries(django_assert_max_num_queries, client, url) == few


def test_admin_edits_an_entered_year(world, client_for):
    from stipends.settlement.rules import DayLine
    from stipends.settlement.services import save_calendar_year

    save_calendar_year(year=2027, source="旧", holidays=[DayLine(date(2027, 1, 1), "元旦")], working_days=[], user=world.admin)
    response = client_for(world.admin).post(reverse("settlement:calendar_year_edit", args=[2027]), {
        "source": "新", "holidays": "2027-02-08 春节\n2027-02-09 春节", "working_days": "2027-02-20"})
    assert response.status_code == 302
    entry = HolidayCalendarYear.objects.get(year=2027)
    assert entry.source == "新"
    assert sorted(entry.days.values_list("day", "kind")) == [
        (date(2027, 2, 8), "holiday"), (date(2027, 2, 9), "holiday"), (date(2027, 2, 20), "working_day")]


@pytest.mark.parametrize("model", ["holidaycalendaryear", "room", "settlementpayment", "settlementrecord",
                                   "deadlinereminder"])
def test_django_admin_pages_of_the_settlement_models(world, client_for, model):
    client = client_for(world.admin)
    assert client.get(f"/admin/settlement/{model}/").status_code == 200
    if model != "deadlinereminder":
        assert client.get(f"/admin/settlement/{model}/add/").status_code == 200


def test_django_admin_rejects_a_day_outside_the_year(world, client_for):
    response = client_for(world.admin).post("/admin/settlement/holidaycalendaryear/add/", {
        "year": "2027", "source": "",
        "days-TOTAL_FORMS": "1", "days-INITIAL_FORMS": "0", "days-MIN_NUM_FORMS": "0", "days-MAX_NUM_FORMS": "1000",
        "days-0-day": "2028-01-01", "days-0-kind": "holiday", "days-0-name": "元旦",
    })
    assert response.status_code == 200
    assert not HolidayCalendarYear.objects.exists()
    response = client_for(world.admin).post("/admin/settlement/holidaycalendaryear/add/", {
        "year": "2027", "source": "",
        "days-TOTAL_FORMS": "1", "days-INITIAL_FORMS": "0", "days-MIN_NUM_FORMS": "0", "days-MAX_NUM_FORMS": "1000",
        "days-0-day": "2027-01-01", "days-0-kind": "holiday", "days-0-name": "元旦",
    })
    assert response.status_code == 302
    assert HolidayCalendarYear.objects.get().updated_by == world.admin


def test_the_deadlines_page_shows_the_stipends_done_on_the_reconciliation_day(settled_world, client_for):
    from tests.settlement.conftest import reconciled_batch

    w = settled_world
    url = reverse("settlement:settlement_deadlines", args=[w.programme.pk])
    html = client_for(w.finance).get(url).content.decode()
    assert 'data-testid="deadline-stipends" data-status="done"' not in html
    reconciled_batch(w, reconciled_on=date(2018, 12, 20), computed_on=date(2018, 12, 10))
    html = client_for(w.finance).get(url).content.decode()
    row = html[html.index('data-testid="deadline-stipends"'):]
    row = row[:row.index("</tr>")]
    assert 'data-status="done"' in row and "2018-12-20" in row
    record_form = client_for(w.finance).get(reverse("settlement:settlement_record", args=[w.programme.pk]))
    assert 'name="stipends_paid_on"' not in record_form.content.decode()


def test_deadlines_overview_keeps_old_years_overdue_items(world, client_for):
    """A programme three or more years old still shows what is overdue; only what is done or far off is hidden."""
    from django.utils import timezone

    from stipends.settlement import rules as dl
    from stipends.settlement.selectors import deadlines_overview

    today = timezone.localdate()
    assert world.programme.year < today.year - 1
    every = deadlines_overview([world.programme], today=today, all_years=True)
    overdue = [r for r in every if r.status == dl.OVERDUE]
    assert overdue, "the fixture programme has overdue deadlines"
    html = client_for(world.coordinator).get(reverse("settlement:deadlines_overview")).content.decode()
    assert html.count('data-status="overdue"') == len(overdue)
    assert world.programme.name in html
    shown = deadlines_overview([world.programme], today=today, all_years=False)
    assert {r.status for r in shown} <= {dl.OVERDUE, dl.DUE_SOON}
