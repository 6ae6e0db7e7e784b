"""The team (组/品牌) column of the student import: headers, names matched to
the programme's teams, unknown names refused (the whole file), an empty cell
leaving the team alone; .xlsx and CSV; the template's team drop-down."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from programs.students import imports
from programs.students import services as services_students
from programs.students.imports import (
    KnownEnrolment,
    KnownStudent,
    Records,
    StudentListImport,
    check,
)
from programs.students.models import Enrolment, StudentImport
from tests.factories import TeamFactory

from .files import HEADERS, TEAM, student_rows, xlsx_bytes

CLASSES = {"19电商1班": 1}
TEAMS = {"森马组": 11, "巴拉巴拉组": 12}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def with_team(rows, *teams, header=TEAM):
    for row, team in zip(rows, teams, strict=True):
        row[header] = team
    return rows


def csv_bytes(rows, headers, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h) or "" for h in headers])
    return buffer.getvalue().encode(encoding)


def checked(content: bytes, records=None):
    result = StudentListImport().read(io.BytesIO(content))
    changes = check(result, records or Records(dict(CLASSES), teams=dict(TEAMS)))
    return result, changes


# --------------------------------------------------------------------- reading and checking (no database)


@pytest.mark.parametrize("make", [xlsx_bytes, csv_bytes], ids=["xlsx", "csv"])
def test_known_names_match_after_nfkc_and_spaces(make):
    rows = with_team(student_rows(3), "森马组", " 巴拉巴拉组 ", None)
    rows[0][TEAM] = "森马组"
    content = make(rows, [*HEADERS, TEAM])
    result, changes = checked(content)
    assert result.ok, result.errors
    assert [c.row.team_pk for c in changes] == [11, 12, None]


def test_full_width_forms_count_as_half_width():
    records = Records(dict(CLASSES), teams={"A组": 21})
    result, changes = checked(xlsx_bytes(with_team(student_rows(1), "Ａ组"), [*HEADERS, TEAM]), records)
    assert result.ok and changes[0].row.team_pk == 21


@pytest.mark.parametrize("make", [xlsx_bytes, csv_bytes], ids=["xlsx", "csv"])
def test_an_unknown_team_is_a_row_error_listing_the_teams_and_nothing_is_planned(make):
    rows = with_team(student_rows(3), "森马组", "森马", None)
    result, changes = checked(make(rows, [*HEADERS, TEAM]))
    assert changes == [] and not result.ok
    assert [(e.row, e.column, e.message, e.value) for e in result.errors] == [
        (3, "组/品牌", "This programme has no team of that name (its teams: 巴拉巴拉组、森马组)", "森马")]


def test_no_team_yet_says_so():
    result, _ = checked(xlsx_bytes(with_team(student_rows(1), "森马组"), [*HEADERS, TEAM]), Records(dict(CLASSES)))
    assert "none yet: create the teams first" in result.errors[0].message


@pytest.mark.parametrize("header", ["组别", "团队", "品牌", "小组", "组", "所属团队", "组别（必填）", "team"])
def test_alias_headers(header):
    rows = with_team(student_rows(1), "巴拉巴拉组", header=header)
    result, changes = checked(xlsx_bytes(rows, [*HEADERS, header]))
    assert result.header.texts["team_name"] == header
    assert changes[0].row.team_pk == 12


@pytest.mark.parametrize("header", ["小组长", "组长", "小组长姓名"])
def test_a_group_leader_column_is_not_taken_for_the_team(header):
    """组 and 小组 are inside 小组长: only an exact header is the team column."""
    rows = student_rows(1)
    rows[0][header] = "张三"
    result, changes = checked(xlsx_bytes(rows, [*HEADERS, header]))
    assert result.ok, result.errors
    assert "team_name" not in result.header.columns and changes[0].row.team_pk is None


def test_the_template_header_wins_over_an_alias():
    rows = with_team(student_rows(1), "森马组")
    rows[0]["品牌"] = "巴拉巴拉"  # a brand column beside the team column: ignored
    result, changes = checked(xlsx_bytes(rows, [*HEADERS, "品牌", TEAM]))
    assert result.ok and changes[0].row.team_pk == 11


def test_a_known_student_moving_team_is_warned_and_an_empty_cell_keeps_the_team():
    rows = with_team(student_rows(2), "巴拉巴拉组", None)
    records = Records(dict(CLASSES), teams=dict(TEAMS))
    for pk, row in enumerate(rows, start=1):
        result = StudentListImport().read(io.BytesIO(xlsx_bytes([row])))
        good = result.rows[0]
        records.students[row["学号"]] = KnownStudent(pk, row["学号"], row["姓名"], _digest(good["id_number"]),
                                                    _digest(good["phone"]), _digest(good["bank_card"]), row["开户行"],
                                                    row["开户网点"], row["户名"] or "")
        records.enrolments[pk] = KnownEnrolment(100 + pk, pk, 1, row["店铺账号"], 11)
    result, changes = checked(xlsx_bytes(rows, [*HEADERS, TEAM]), records)
    assert result.ok
    assert [c.enrolment_fields for c in changes] == [frozenset({"team"}), frozenset()]
    assert [c.kind for c in changes] == ["updated", "unchanged"]
    assert [(w.row, w.column) for w in result.warnings] == [(2, "组/品牌")]
    assert "On record in team 森马组" in result.warnings[0].message


def _digest(value):
    from trainingweek import crypto
    return crypto.digest(value)


# --------------------------------------------------------------------- the service (database)


def do_import(world, content: bytes, name: str) -> StudentImport:
    upload = SimpleUploadedFile(name, content)
    sheet = services_students.read_upload(upload)
    record, _job = services_students.start_import(programme=world.programme, user=world.coordinator, upload=upload,
                                                  sheet=sheet)
    record.refresh_from_db()
    return record


def team_of(number):
    return Enrolment.objects.get(student__student_number=number).team


@pytest.mark.parametrize("make, name", [(xlsx_bytes, "名单.xlsx"), (csv_bytes, "名单.csv")], ids=["xlsx", "csv"])
def test_import_puts_students_into_teams_and_reimport_with_empty_cells_keeps_them(world, make, name):
    rows = with_team(student_rows(3, start=500), "森马组", "巴拉巴拉组", None)
    record = do_import(world, make(rows, [*HEADERS, TEAM]), name)
    assert record.status == StudentImport.Status.IMPORTED, record.errors
    assert [team_of(r["学号"]) for r in rows] == [world.team_a, world.team_b, None]
    # Again without the team column, then with empty cells: the teams stay.
    assert do_import(world, make(rows, HEADERS), name).status == StudentImport.Status.IMPORTED
    rows = with_team(rows, None, None, None)
    record = do_import(world, make(rows, [*HEADERS, TEAM]), name)
    assert record.status == StudentImport.Status.IMPORTED and record.unchanged_count == 3
    assert [team_of(r["学号"]) for r in rows] == [world.team_a, world.team_b, None]
    # A new name moves the student (a warning says from where), and the empty one gets a team.
    rows = with_team(rows, "巴拉巴拉组", None, "森马组")
    record = do_import(world, make(rows, [*HEADERS, TEAM]), name)
    assert record.status == StudentImport.Status.IMPORTED and record.updated_count == 2
    assert [team_of(r["学号"]) for r in rows] == [world.team_b, world.team_b, world.team_a]
    assert [w["row"] for w in record.warnings if w["column"] == "组/品牌"] == [2]


@pytest.mark.parametrize("make, name", [(xlsx_bytes, "名单.xlsx"), (csv_bytes, "名单.csv")], ids=["xlsx", "csv"])
def test_one_unknown_team_writes_no_row(world, make, name):
    TeamFactory(programme=world.programme.__class__.objects.create(
        agreement=world.agreement, name="别的项目", year=2021), name="外组")
    before = (Enrolment.objects.count(), list(Enrolment.objects.values_list("pk", "team_id")))
    rows = with_team(student_rows(3, start=700), "森马组", "外组", "巴拉巴拉组")  # 外组 is another programme's
    record = do_import(world, make(rows, [*HEADERS, TEAM]), name)
    assert record.status == StudentImport.Status.REJECTED
    assert [(e["row"], e["column"]) for e in record.errors] == [(3, "组/品牌")]
    assert "巴拉巴拉组、森马组" in record.errors[0]["message"] and "外组)" not in record.errors[0]["message"]
    assert (Enrolment.objects.count(), list(Enrolment.objects.values_list("pk", "team_id"))) == before


def test_a_student_imported_into_a_team_leaves_the_old_group(world):
    leader = world.enrolments_a[0]
    member = world.enrolments_a[1]
    services_students.assign_group_leaders(team=world.team_a, leaders={leader.pk}, members={member.pk: leader.pk})
    # Re-import the leader (as on record) into team B.
    student = leader.student
    row = {"班级": "19电商1班", "姓名": student.name, "学号": student.student_number, "身份证号": student.id_number,
           "手机号": student.phone, "银行卡号": student.bank_card, "开户行": student.bank_name or "某银行", TEAM: "巴拉巴拉组"}
    record = do_import(world, xlsx_bytes([row], [*HEADERS, TEAM]), "a.xlsx")
    assert record.status == StudentImport.Status.IMPORTED, record.errors
    leader.refresh_from_db(), member.refresh_from_db()
    assert (leader.team, leader.is_group_leader, member.group_leader_id) == (world.team_b, False, None)


# --------------------------------------------------------------------- the template


def test_the_template_offers_the_programmes_teams_as_text():
    evil = '=HYPERLINK("http://evil.example","点我")'
    workbook = openpyxl.load_workbook(io.BytesIO(imports.template_workbook(["19电商1班"], ["森马组", evil])))
    sheet = workbook.worksheets[0]
    letter = openpyxl.utils.get_column_letter([c.key for c in imports.COLUMNS].index("team_name") + 1)
    assert sheet[f"{letter}1"].value == "组/品牌"
    assert sheet[f"{letter}1"].font.color is None  # optional
    validation = next(v for v in sheet.data_validations.dataValidation if "组列表" in v.formula1)
    assert validation.formula1 == "='组列表'!$A$2:$A$3" and str(validation.sqref).startswith(f"{letter}2:")
    teams = workbook["组列表"]
    assert teams.sheet_state == "hidden"
    assert [(c.value, c.data_type) for c in teams["A"][1:]] == [("森马组", "s"), (evil, "s")]
    notes = {row[0]: row for row in workbook["填写说明"].iter_rows(values_only=True) if row}
    assert notes["组/品牌"][1] == "no" and "team" in notes["组/品牌"][2]


def test_the_template_download_has_the_teams(world, client_for):
    from django.urls import reverse
    response = client_for(world.coordinator).get(reverse("programs:student_import_template", args=[world.programme.pk]))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)
                                                 if response.streaming else response.content))
    assert [c.value for c in workbook["组列表"]["A"]] == ["组/品牌", "巴拉巴拉组", "森马组"]
