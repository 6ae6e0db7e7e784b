"""The online-hours import's mapping step: the preview, the preselected and
remembered columns, a changed choice, days outside the programme, and the
encrypted upload that is gone once imported."""

import io
from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programs.attendance import imports
from programs.attendance.models import Attendance, OnlineHoursMapping, OnlineHoursUpload
from trainingweek import crypto

DATA = Path(__file__).parent / "data"
XLSX = DATA / "online_hours_platform.xlsx"
ONLINE_01 = {date(2020, 11, 9): D("8.4"), date(2020, 11, 10): D("16.75"), date(2020, 11, 11): D("16.27")}
CONVERSATIONS_01 = {date(2020, 11, 9): D("3.69"), date(2020, 11, 10): D("7.32"), date(2020, 11, 11): D("5.46")}
PLATFORM = ["示范童装旗舰店:小美01", "示范童装旗舰店:小美02", "示范童装旗舰店:小美03"]


def with_accounts(world, accounts=("bala:小明", "bala:李华", "bala:张伟")):
    for e, account in zip(world.enrolments_a, accounts, strict=False):
        e.shop_account_id = account
        e.save()


def upload(client, world, data: bytes, name="export.csv"):
    """Upload a file: the response (a redirect to its mapping page when readable)."""
    url = reverse("programs:online_hours_import", kwargs={"pk": world.programme.pk})
    return client.post(url, {"file": SimpleUploadedFile(name, data)})


def initial(response) -> dict:
    return dict(response.context["form"].initial)


def hours_of(enrolment) -> dict:
    return dict(Attendance.objects.filter(enrolment=enrolment).values_list("day", "online_hours"))


def csv(*lines: str) -> bytes:
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


# Headers no alias knows: a person has to say which column is which.
UNKNOWN_LAYOUT = ("客服", "统计日", "接待时间", "在线时间")


def unknown_layout_file(world, hours=("8", "9")):
    with_accounts(world)
    accounts = [e.shop_account_id for e in world.enrolments_a[:2]]
    return csv("客服绩效导出", ",".join(UNKNOWN_LAYOUT),
               *(f"{a},2020-11-09,1.5,{h}" for a, h in zip(accounts, hours, strict=True)))


def test_the_preview_shows_the_header_and_first_rows_with_columns_preselected_by_their_aliases(
        world, rostered, client_for):
    with_accounts(world, PLATFORM)
    client = client_for(world.mentor_a)
    response = upload(client, world, XLSX.read_bytes(), "export.xlsx")
    assert response.status_code == 302
    page = client.get(response["Location"])
    preview = page.context["preview"]
    assert preview.row == 2 and preview.headers[:6] == ["日期", "店铺", "旺旺子账号", "接待人数", "接待时长", "在线时长"]
    assert len(preview.rows) == 5 and preview.rows[0][:3] == ["2020-11-09", "示范童装旗舰店", PLATFORM[0]]
    # 在线时长 (F), never 接待时长 (E), though both hold "时长".
    assert initial(page) == {"day": 0, "account": 2, "hours": 5, "customers": 3, "response": 6}
    html = page.content.decode()
    assert 'value="5" selected' in html and "示范童装旗舰店:小美03" in html


def test_confirming_the_preselected_columns_imports_online_time_and_remembers_them(world, rostered, client_for):
    with_accounts(world, PLATFORM)
    client = client_for(world.mentor_a)
    location = upload(client, world, XLSX.read_bytes(), "export.xlsx")["Location"]
    response = client.post(location, {"day": "0", "account": "2", "hours": "5"})
    assert response.status_code == 302
    assert hours_of(world.enrolments_a[0]) == ONLINE_01
    assert OnlineHoursMapping.objects.get(programme=world.programme).columns == {
        "account": "旺旺子账号", "day": "日期", "hours": "在线时长"}


def test_a_layout_no_alias_knows_is_mapped_by_hand_and_preselected_the_next_time(world, rostered, client_for):
    client = client_for(world.mentor_a)
    first = client.get(upload(client, world, unknown_layout_file(world))["Location"])
    assert first.context["preview"].row == 2  # the title row above is not the header
    assert initial(first) == {}  # nothing to go by yet
    # The hours are the last column (在线时间), not 接待时间.
    assert client.post(first.request["PATH_INFO"], {"account": "0", "day": "1", "hours": "3"}).status_code == 302
    assert hours_of(world.enrolments_a[0]) == {date(2020, 11, 9): D("8")}

    second = client.get(upload(client, world, unknown_layout_file(world, hours=("7.5", "6")))["Location"])
    assert initial(second) == {"account": 0, "day": 1, "hours": 3}
    assert client.post(second.request["PATH_INFO"], initial(second)).status_code == 302
    assert hours_of(world.enrolments_a[0]) == {date(2020, 11, 9): D("7.5")}
    assert hours_of(world.enrolments_a[1]) == {date(2020, 11, 9): D("6")}


def test_a_remembered_mapping_is_found_by_header_text_when_the_columns_moved(world, rostered, client_for):
    with_accounts(world)
    OnlineHoursMapping.objects.create(programme=world.programme,
                                      columns={"account": "客服", "day": "统计日", "hours": "在线时间"})
    a = world.enrolments_a[0].shop_account_id
    client = client_for(world.mentor_a)
    page = client.get(upload(client, world, csv("在线时间,备注,统计日,客服", f"4.5,,2020-11-09,{a}"))["Location"])
    assert initial(page) == {"hours": 0, "day": 2, "account": 3}


def test_a_changed_choice_takes_online_time_instead_of_time_in_conversations_and_is_remembered(
        world, rostered, client_for):
    with_accounts(world, PLATFORM)
    # Last time someone picked 接待时长 (E) by mistake: it is preselected again...
    OnlineHoursMapping.objects.create(programme=world.programme,
                                      columns={"account": "旺旺子账号", "day": "日期", "hours": "接待时长"})
    client = client_for(world.mentor_a)
    page = client.get(upload(client, world, XLSX.read_bytes(), "export.xlsx")["Location"])
    assert initial(page)["hours"] == 4
    # ...and this time the user picks 在线时长 (F).
    assert client.post(page.request["PATH_INFO"], {**initial(page), "hours": "5"}).status_code == 302
    assert hours_of(world.enrolments_a[0]) == ONLINE_01 != CONVERSATIONS_01
    assert OnlineHoursMapping.objects.get(programme=world.programme).columns["hours"] == "在线时长"
    page = client.get(upload(client, world, XLSX.read_bytes(), "export.xlsx")["Location"])
    assert initial(page)["hours"] == 5


def test_where_two_headers_hold_online_time_the_user_picks_one_and_it_is_remembered(world, rostered, client_for):
    # Both contain 在线时长: the aliases cannot tell them apart, so neither is preselected, and
    # without a choice the file is refused as ambiguous.
    with_accounts(world)
    a = world.enrolments_a[0].shop_account_id
    data = csv("客服账号,日期,接待时长,旺旺在线时长合计,在线时长合计", f"{a},2020-11-09,3.5,9.25,8.75")
    assert not imports.import_online_hours(world.programme, data, world.mentor_a, None).ok
    client = client_for(world.mentor_a)
    page = client.get(upload(client, world, data)["Location"])
    assert initial(page) == {"account": 0, "day": 1}
    assert client.post(page.request["PATH_INFO"], {"account": "0", "day": "1", "hours": "4"}).status_code == 302
    assert hours_of(world.enrolments_a[0]) == {date(2020, 11, 9): D("8.75")}
    page = client.get(upload(client, world, data)["Location"])
    assert initial(page) == {"account": 0, "day": 1, "hours": 4}
    assert client.post(page.request["PATH_INFO"], {"account": "0", "day": "1", "hours": "3"}).status_code == 302
    assert hours_of(world.enrolments_a[0]) == {date(2020, 11, 9): D("9.25")}  # the other one, as now chosen
    assert OnlineHoursMapping.objects.get(programme=world.programme).columns["hours"] == "旺旺在线时长合计"


def test_one_column_cannot_be_two_items(world, rostered, client_for):
    with_accounts(world, PLATFORM)
    client = client_for(world.mentor_a)
    location = upload(client, world, XLSX.read_bytes(), "export.xlsx")["Location"]
    response = client.post(location, {"day": "0", "account": "2", "hours": "2"})
    assert response.status_code == 200 and response.context["form"].errors["hours"]
    assert not Attendance.objects.exists() and not OnlineHoursMapping.objects.exists()


@pytest.mark.parametrize("bad_day", ["2020-10-23", "2020-11-23", "1900-01-01", "9999-12-31"])
def test_days_outside_the_programme_are_refused_row_by_row_and_nothing_is_written(world, rostered, bad_day):
    with_accounts(world)
    # The rostered programme runs from 10-24 (first phase) to 11-22 (last phase); both ends are in.
    a, b = world.enrolments_a[0].shop_account_id, world.enrolments_a[1].shop_account_id
    data = csv("客服账号,日期,在线时长", f"{a},2020-10-24,8", f"{b},{bad_day},8", f"{a},2020-11-22,8",
               f"{a},1900-01-01,8")
    result = imports.import_online_hours(world.programme, data, world.mentor_a, None)
    outside = [(e.row, e.key, e.value) for e in result.errors if "outside the programme" in e.message]
    assert outside == [(3, "day", bad_day), (5, "day", "1900-01-01")]
    assert not Attendance.objects.exists()
    good = csv("客服账号,日期,在线时长", f"{a},2020-10-24,8", f"{a},2020-11-22,8")
    assert imports.import_online_hours(world.programme, good, world.mentor_a, None).ok


def test_excel_date_cells_of_1900_and_9999_are_outside_the_programme(world, rostered):
    with_accounts(world)
    a = world.enrolments_a[0].shop_account_id
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["旺旺子账号", "日期", "在线时长"])
    for day in (datetime(1900, 1, 1), datetime(9999, 12, 31), datetime(2020, 11, 9)):
        sheet.append([a, day, 8])
    buffer = io.BytesIO()
    book.save(buffer)
    result = imports.import_online_hours(world.programme, buffer.getvalue(), world.mentor_a, None)
    assert [(e.row, e.key) for e in result.errors] == [(2, "day"), (3, "day")]
    assert not Attendance.objects.exists()


def test_a_programme_without_phases_records_no_day(world):
    with_accounts(world)
    world.programme.phases.all().delete()
    a = world.enrolments_a[0].shop_account_id
    result = imports.import_online_hours(world.programme, csv("客服账号,日期,在线时长", f"{a},2020-11-09,8"),
                                         world.mentor_a, None)
    assert [(e.row, e.key) for e in result.errors] == [(2, "day")]


def test_the_mapping_page_shows_dates_outside_the_programme_and_writes_nothing(world, rostered, client_for):
    with_accounts(world)
    a = world.enrolments_a[0].shop_account_id
    client = client_for(world.mentor_a)
    page = client.get(upload(client, world, csv("客服账号,日期,在线时长", f"{a},9999-12-31,8"))["Location"])
    response = client.post(page.request["PATH_INFO"], initial(page))
    assert response.status_code == 200 and "outside the programme" in response.content.decode()
    assert not Attendance.objects.exists() and not OnlineHoursMapping.objects.exists()
    assert OnlineHoursUpload.objects.count() == 1  # kept (encrypted) to choose again


def _stored_files(settings) -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_the_upload_waits_encrypted_and_is_deleted_once_imported(world, rostered, client_for, settings,
                                                                 django_capture_on_commit_callbacks):
    with_accounts(world, PLATFORM)
    data = XLSX.read_bytes()
    client = client_for(world.mentor_a)
    location = upload(client, world, data, "export.xlsx")["Location"]
    [stored] = _stored_files(settings)
    content = stored.read_bytes()
    assert data not in content and b"PK\x03\x04" not in content and PLATFORM[0].encode() not in content
    assert crypto.decrypt_bytes(content) == data
    client.get(location)  # looking at it keeps it
    assert _stored_files(settings) == [stored]
    with django_capture_on_commit_callbacks(execute=True):  # the file goes when the deletion commits
        assert client.post(location, {"day": "0", "account": "2", "hours": "5"}).status_code == 302
    assert _stored_files(settings) == [] and not OnlineHoursUpload.objects.exists()
    assert client.get(location).status_code == 404


def test_a_new_upload_replaces_the_one_waiting_and_an_unreadable_file_is_not_kept(
        world, rostered, client_for, settings, django_capture_on_commit_callbacks):
    client = client_for(world.mentor_a)
    first = upload(client, world, unknown_layout_file(world))["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        second = upload(client, world, unknown_layout_file(world))["Location"]
    assert first != second and client.get(first).status_code == 404
    assert len(_stored_files(settings)) == 1 and OnlineHoursUpload.objects.count() == 1
    response = upload(client, world, b"PK\x03\x04\x00\x00not a workbook", "x.xlsx")
    assert response.status_code == 200 and response.context["error"]
    assert len(_stored_files(settings)) == 1 and OnlineHoursUpload.objects.count() == 1


def test_another_mentor_cannot_see_or_confirm_an_upload(world, rostered, client_for):
    with_accounts(world, PLATFORM)
    location = upload(client_for(world.mentor_a), world, XLSX.read_bytes(), "export.xlsx")["Location"]
    other = client_for(world.mentor_b)
    assert other.get(location).status_code == 404
    assert other.post(location, {"day": "0", "account": "2", "hours": "5"}).status_code == 404
    assert not Attendance.objects.exists() and OnlineHoursUpload.objects.count() == 1


def test_looking_at_the_mapping_page_writes_nothing(world, rostered, client_for):
    with_accounts(world, PLATFORM)
    client = client_for(world.mentor_a)
    location = upload(client, world, XLSX.read_bytes(), "export.xlsx")["Location"]
    client.get(location)
    client.get(location)
    assert not OnlineHoursMapping.objects.exists() and not Attendance.objects.exists()
    assert OnlineHoursUpload.objects.count() == 1
