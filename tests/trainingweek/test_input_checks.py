"""Forms refuse what they must: money (one field class), dates (one window
helper), lengths (stated, never cut) and invisible characters in names (one
rule shared with the importers). Each page test sends what an adversary or a
slip of the finger would, and checks the page says so and nothing is saved."""

import io
from datetime import date
from decimal import Decimal as D

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from programs.agreements.models import Agreement
from programs.attendance.models import Departure, LeaveRequest
from programs.students.models import SchoolClass
from scoring import services as scoring_services
from scoring.models import EnrolmentScore, ScoreSettings
from stipends.payouts.models import PayoutBatch, StipendProfile
from stipends.settlement.models import HolidayCalendarYear
from tests.test_input_fuzz import _baseline, _post_forms
from trainingweek import imports as importer_base

RLO, ZWSP = "\u202e", "\u200b"


# The rules and fields under test are imported inside each test, so every
# test of this file fails on its own (not the file at collection) without them.
def parse_amount(text):
    from trainingweek.money import parse_amount

    return parse_amount(text)


def clean_name(text):
    from trainingweek.text import clean_name

    return clean_name(text)


def _fields():
    from trainingweek import forms

    return forms.DayField, forms.MoneyField, forms.NameField


@pytest.fixture(autouse=True)
def english(english_ui):
    yield


def _form_data(client, path) -> dict[str, list[str]]:
    """What the page's form would post unchanged."""
    page = client.get(path)
    assert page.status_code == 200
    return _baseline(_post_forms(page.content.decode(), path)[0])


# --------------------------------------------------------------------------- the pure rules
@pytest.mark.parametrize("typed, message", [
    ("-1", "cannot be negative"), ("-0.01", "cannot be negative"), ("1e400", "is not an amount"),
    ("NaN", "is not an amount"), ("Infinity", "is not an amount"), ("1000.005", "At most 2 decimal places"),
    ("12345678901", "At most 10 digits"), ("1,000", "is not an amount"), ("0x10", "is not an amount"),
])
def test_parse_amount_refuses_with_the_reason(typed, message):
    with pytest.raises(ValueError, match=message):
        parse_amount(typed)


def test_parse_amount_keeps_two_places_and_never_rounds():
    assert parse_amount("１５００.5") == D("1500.50")
    assert parse_amount("1000.010") == D("1000.01")  # a trailing zero is no third place
    assert str(parse_amount("7")) == "7.00"


@pytest.mark.parametrize("typed", ["-1", "1e400", "NaN", "inf", "1000.005", "1" * 11])
def test_money_field_refuses_in_chinese(typed):
    _day, MoneyField, _name = _fields()
    with translation.override("zh-hans"):
        field = MoneyField()
        with pytest.raises(Exception) as refused:
            field.clean(typed)
    message = " ".join(refused.value.messages)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message


def test_money_field_is_the_field_of_every_money_form_field():
    from programs.agreements.forms import AgreementForm
    from scoring.forms import AwardForm, IncidentForm
    from stipends.payouts.forms import RATE_CARD_MONEY, RateCardForm
    from stipends.settlement.forms import PaymentForm

    _day, MoneyField, _name = _fields()

    checks = [(AgreementForm, ("deposit_amount", "lab_subsidy_per_computer_day", "room_rent_per_day",
                               "good_conduct_bonus")),
              (RateCardForm, RATE_CARD_MONEY), (IncidentForm, ("cash_amount",)), (AwardForm, ("amount",)),
              (PaymentForm, ("amount",))]
    for form, names in checks:
        for name in names:
            assert isinstance(form.base_fields[name], MoneyField), f"{form.__name__}.{name}"


def test_clean_name_refuses_invisible_characters_and_normalises():
    assert clean_name(" 张　三 ") == "张 三"  # NFKC: the ideographic space is a space
    assert clean_name("ＡＢ１２") == "AB12"
    for evil in (f"张三{RLO}", f"2019{ZWSP}01", "王\x00五", "李\ufeff四"):
        with pytest.raises(ValueError, match="invisible or control characters"):
            clean_name(evil)


def test_importer_cleaners_use_the_same_rule():
    for cleaner in (importer_base.text(), importer_base.identifier()):
        with pytest.raises(ValueError, match="invisible or control characters"):
            cleaner(f"2019{ZWSP}001")
        with pytest.raises(ValueError, match="invisible or control characters"):
            cleaner(f"abc{RLO}def")
    assert importer_base.identifier()("２０１９ 001") == "2019001"


def test_student_import_refuses_a_name_with_a_right_to_left_override(world):
    from programs.students import services as students_services
    from tests.students.files import student_rows, xlsx_bytes

    rows = student_rows(2)
    rows[0]["姓名"] = f"张{RLO}三"
    rows[1]["学号"] = f"{rows[1]['学号']}{ZWSP}"
    result = students_services.read_upload(io.BytesIO(xlsx_bytes(rows)))
    assert [(e.row, e.column) for e in result.errors] == [(2, "姓名"), (3, "学号")]
    assert all("invisible" in e.message for e in result.errors)


def test_name_field_refuses_what_the_importer_refuses():
    NameField = _fields()[2]
    field = NameField(max_length=50)
    with pytest.raises(Exception, match="invisible"):
        field.clean(f"19电商{RLO}1班")
    assert field.clean(" 19电商１班 ") == "19电商1班"


def test_day_field_keeps_to_its_window_and_tells_the_browser():
    DayField = _fields()[0]
    field = DayField()
    for typed in ("0001-01-01", "9999-12-31"):
        with pytest.raises(Exception, match="Enter a date from 2000-01-01 to 2099-12-31"):
            field.clean(typed)
    field.set_window(date(2020, 10, 26), date(2020, 11, 10))
    with pytest.raises(Exception, match="from 2020-10-26 to 2020-11-10"):
        field.clean("2020-10-25")
    assert field.clean("2020-10-26") == date(2020, 10, 26)
    assert (field.widget.attrs["min"], field.widget.attrs["max"]) == ("2020-10-26", "2020-11-10")


# --------------------------------------------------------------------------- money on the pages
def test_a_negative_deposit_is_refused(world, client_for):
    client = client_for(world.coordinator)
    path = f"/programs/agreements/{world.agreement.pk}/edit/"
    data = _form_data(client, path)
    for typed, message in (("-10000", "Amounts cannot be negative."), ("1e400", "is not an amount"),
                           ("10000.005", "At most 2 decimal places")):
        data["deposit_amount"] = [typed]
        response = client.post(path, data)
        assert response.status_code == 200 and message in response.content.decode(), typed
    assert Agreement.objects.get(pk=world.agreement.pk).deposit_amount == D("10000.00")
    data["deposit_amount"] = ["8000.5"]
    assert client.post(path, data).status_code == 302
    assert Agreement.objects.get(pk=world.agreement.pk).deposit_amount == D("8000.50")


@pytest.mark.parametrize("typed, message", [
    ("1,000.005", "is not an amount"),  # was silently 1.00 and 0.01
    ("2000, 1e400", "is not an amount"),  # was a server error
    ("2000, 1500.555", "At most 2 decimal places"),
    ("2000, -500", "cannot be negative"),
])
def test_prize_amounts_are_refused_not_split_or_rounded(world, client_for, typed, message):
    scoring_services.create_default_setup(programme=world.programme)
    client = client_for(world.coordinator)
    path = reverse("scoring:settings", args=[world.programme.pk])
    data = _form_data(client, path)
    before = ScoreSettings.objects.get(programme=world.programme).prize_amounts
    data["prize_amounts"] = [typed]
    response = client.post(path, data)
    assert response.status_code == 200 and message in response.content.decode()
    assert ScoreSettings.objects.get(programme=world.programme).prize_amounts == before


# --------------------------------------------------------------------------- dates on the pages
def test_batch_dates_keep_to_the_programme(world, client_for):
    client = client_for(world.finance)
    path = reverse("stipends:batch_create", args=[world.programme.pk])
    for data in ({"pay_on": "0001-01-01"}, {"pay_on": "9999-12-31"}, {"pay_on": "2020-12-20", "up_to": "0001-01-01"},
                 {"pay_on": "2022-01-01"}):  # more than a year after the last day (2020-11-10)
        response = client.post(path, data)
        assert response.status_code == 200 and "Enter a date from 2020-10-26 to 2021-11-11" in response.content.decode()
    assert not PayoutBatch.objects.exists()


def test_leave_keeps_to_the_programme(world, client_for):
    client = client_for(world.mentor_a)
    path = reverse("programs:leave_list", args=[world.programme.pk])
    e = world.enrolments_a[0]
    for start, end in (("0001-01-01", "2020-10-27"), ("2020-10-27", "9999-12-31"), ("2020-10-01", "2020-10-02")):
        response = client.post(path, {"enrolment": e.pk, "start": start, "end": end, "reason": "病假"})
        assert response.status_code == 200 and "Enter a date from 2020-10-26 to 2020-11-10" in response.content.decode()
    assert not LeaveRequest.objects.exists()


def test_a_dismissal_before_the_programme_starts_is_refused(world, client_for):
    client = client_for(world.mentor_a)
    path = reverse("programs:departure_list", args=[world.programme.pk])
    e = world.enrolments_a[0]
    for last_day in ("2020-10-25", "0001-01-01", "9999-12-31"):
        response = client.post(path, {"kind": "dismissal", "enrolment": e.pk, "last_day": last_day, "reason": "违纪"})
        assert response.status_code == 200 and "Enter a date from 2020-10-26 to 2020-11-10" in response.content.decode()
    assert not Departure.objects.exists()
    page = client.get(path).content.decode()
    assert 'min="2020-10-26"' in page and 'max="2020-11-10"' in page


def test_profile_dates_keep_to_the_programme_and_an_unknown_class_is_a_message(world, client_for):
    client = client_for(world.coordinator)
    path = reverse("stipends:profiles", args=[world.programme.pk])
    e = world.enrolments_a[0]
    for typed in ("0001-01-01", "9999-12-31"):
        response = client.post(f"{path}?class={world.class_a.pk}", {f"passed_{e.pk}": typed})
        assert response.status_code == 200 and "Enter a date from 2020-10-26 to 2020-11-10" in response.content.decode()
    # An unknown class in the address: a message, not a server error.
    response = client.post(f"{path}?class=987654321", {f"passed_{e.pk}": "2020-10-27"})
    assert response.status_code == 200 and "Choose one of the programme&#x27;s classes." in response.content.decode()
    assert not StipendProfile.objects.exists()


def test_agreement_and_phase_dates_keep_to_the_stated_window(world, client_for):
    client = client_for(world.coordinator)
    path = f"/programs/agreements/{world.agreement.pk}/edit/"
    data = _form_data(client, path)
    data["term_end"] = ["9999-12-31"]
    response = client.post(path, data)
    assert response.status_code == 200 and "Enter a date from 2000-01-01 to 2099-12-31" in response.content.decode()
    assert Agreement.objects.get(pk=world.agreement.pk).term_end == date(2023, 8, 31)


# --------------------------------------------------------------------------- lengths: stated, never cut
def test_a_long_account_holder_is_refused_not_cut(world, client_for):
    client = client_for(world.coordinator)
    path = reverse("stipends:profiles", args=[world.programme.pk]) + f"?class={world.class_a.pk}"
    page = client.get(path).content.decode()
    assert 'maxlength="50"' in page
    e = world.enrolments_a[0]
    response = client.post(path, {f"account_{e.pk}": "张" * 51})
    assert response.status_code == 200 and "At most 50 characters (this has 51)" in response.content.decode()
    response = client.post(path, {f"account_{e.pk}": f"张{RLO}三"})
    assert response.status_code == 200 and "invisible or control characters" in response.content.decode()
    assert not StipendProfile.objects.exists()
    assert client.post(path, {f"account_{e.pk}": "张" * 50}).status_code == 302
    assert StipendProfile.objects.get(enrolment=e).account_name == "张" * 50


def test_agreement_notes_state_their_limit_and_are_refused_above_it(world, client_for):
    client = client_for(world.coordinator)
    path = f"/programs/agreements/{world.agreement.pk}/edit/"
    assert 'maxlength="2000"' in client.get(path).content.decode()
    data = _form_data(client, path)
    data["notes"] = ["备" * 2001]
    response = client.post(path, data)
    assert response.status_code == 200 and "at most 2000 characters" in response.content.decode()
    assert Agreement.objects.get(pk=world.agreement.pk).notes == ""


def test_a_long_mentor_comment_is_refused_not_cut(world, client_for):
    client = client_for(world.mentor_a)
    path = reverse("scoring:team_sheets", args=[world.programme.pk, world.team_a.pk])
    e = world.enrolments_a[0]
    response = client.post(path, {f"note_{e.pk}": "评" * 301})
    assert response.status_code == 200 and "At most 300 characters (this has 301)" in response.content.decode()
    assert not EnrolmentScore.objects.filter(enrolment=e).exists()


def test_a_long_holiday_name_is_refused_not_cut(world, client_for):
    client = client_for(world.admin)
    response = client.post("/programs/calendar/new/", {
        "year": "2031", "holidays": "2031-01-01 " + "元" * 51, "working_days": ""})
    assert response.status_code == 200 and "longer than 50 characters" in response.content.decode()
    assert not HolidayCalendarYear.objects.filter(year=2031).exists()


def test_a_class_name_with_invisible_characters_is_refused(world, client_for):
    client = client_for(world.coordinator)
    response = client.post(f"/programs/{world.programme.pk}/classes/new/", {"name": f"19电商{ZWSP}1班"})
    assert response.status_code == 200 and "invisible or control characters" in response.content.decode()
    assert not SchoolClass.objects.filter(name__contains="19电商\u200b").exists()


# --------------------------------------------------------------------------- uploads parse safely
def test_openpyxl_parses_through_defusedxml_and_refuses_entity_expansion():
    import defusedxml  # noqa: F401  (a declared dependency, not an optional one)
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML
    workbook = openpyxl.Workbook()
    workbook.active.append(["学号", "销售额 [sales]"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>')
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = bomb.encode() if item.filename == "xl/worksheets/sheet1.xml" else source.read(item.filename)
            target.writestr(item, data)

    class AnyImport(importer_base.Importer):
        columns = (importer_base.Column("number", "学号", ("学号",)),)

    result = AnyImport().read(out.getvalue())
    assert result.file_error is not None and not result.rows


def test_roster_hours_cannot_be_negative(world, client_for):
    """A sibling the fuzz found: the roster rules took -1 hours a day."""
    from programs.rosters.models import RosterPlan

    client = client_for(world.coordinator)
    path = reverse("programs:roster_rules", args=[world.programme.pk])
    data = _form_data(client, path)
    for name in ("min_day_hours", "overtime_threshold", "attrition_promise"):
        response = client.post(path, {**data, name: ["-1"]})
        assert response.status_code == 200 and "Enter a number from 0 to" in response.content.decode(), name
    assert not RosterPlan.objects.exists()
