"""Unit tests of programs.students.imports: reading a workbook and checking
its rows, without the database (Records stand in for what is on record)."""

import io
import zipfile
from datetime import date

import openpyxl
import pytest
from django.utils import translation
from openpyxl.utils import get_column_letter
from stdnum.cn import ric

from programs.students import imports
from programs.students.imports import (
    COLUMNS,
    KnownEnrolment,
    KnownStudent,
    Records,
    StudentListImport,
    check,
    counts,
)
from trainingweek import crypto

from .files import HEADERS, student_rows, xlsx_bytes

TODAY = date(2020, 11, 11)
CLASSES = {"19电商1班": 1, "19电商2班": 2}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def read(content: bytes, max_rows: int = 1000, max_bytes: int = 10 * 1024 * 1024):
    return StudentListImport(today=TODAY, max_rows=max_rows, max_bytes=max_bytes).read(io.BytesIO(content))


def refused(content: bytes, **limits) -> str:
    """The message of a file that is refused as a whole."""
    result = read(content, **limits)
    assert result.file_error and len(result.errors) == 1 and result.rows == []
    return result.file_error.message


class Run:
    """The file read and checked: ``errors``, ``warnings``, ``changes``."""

    def __init__(self, rows, records=None, headers=None, may_see_ids=False):
        self.result = read(xlsx_bytes(rows, headers))
        self.changes = check(self.result, records or Records(dict(CLASSES)), may_see_ids=may_see_ids)
        self.errors, self.warnings, self.ok = self.result.errors, self.result.warnings, self.result.ok


run = Run


def messages(findings) -> list[tuple[int, str, str]]:
    return [(f.row, f.column, f.message) for f in findings]


# --------------------------------------------------------------------- reading


class TestReadSheet:
    def test_write_only_file_without_dimensions(self):
        sheet = read(xlsx_bytes(student_rows(3)))
        assert [row.number for row in sheet.rows] == [2, 3, 4]
        assert sheet.rows[0]["student_number"] == "2020000001"
        assert sheet.header.columns["id_number"] == 3 and sheet.header.cell("id_number", 2) == "D2"

    def test_columns_in_any_order_with_stray_spaces_and_marks(self):
        headers = [" 学号 ", "姓名*", "身份证号码", "班级（必填）", "手机 号", "序号"]
        rows = student_rows(2)
        content = xlsx_bytes([{**r, " 学号 ": r["学号"], "姓名*": r["姓名"], "身份证号码": r["身份证号"],
                                "班级（必填）": r["班级"], "手机 号": r["手机号"], "序号": i}
                               for i, r in enumerate(rows)], headers)
        sheet = read(content)
        assert sheet.header.columns["student_number"] == 0 and sheet.header.columns["class_name"] == 3
        assert sheet.header.ignored == ("F 序号",)
        assert sheet.rows[1]["student_number"] == rows[1]["学号"]
        assert "bank_card" not in sheet.header.columns

    def test_title_rows_above_the_header_and_gaps_keep_excel_row_numbers(self):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet["A1"] = "2020 双十一实训学生名单"
        for col, header in enumerate(HEADERS, start=1):
            sheet.cell(3, col, header)
        row = student_rows(1)[0]
        for col, header in enumerate(HEADERS, start=1):
            sheet.cell(7, col, row[header])
        buffer = io.BytesIO()
        workbook.save(buffer)
        parsed = read(buffer.getvalue())
        assert parsed.header.row == 3
        assert [row.number for row in parsed.rows] == [7]

    def test_instructions_sheet_first_is_skipped(self):
        workbook = openpyxl.Workbook()
        workbook.active.append(["说明", "请填写第二页"])
        data = workbook.create_sheet("名单")
        data.append(HEADERS)
        data.append([student_rows(1)[0][h] for h in HEADERS])
        buffer = io.BytesIO()
        workbook.save(buffer)
        assert read(buffer.getvalue()).header.sheet == "名单"

    def test_template_round_trip(self):
        content = imports.template_workbook(["19电商1班", "19电商2班"])
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        sheet = workbook.worksheets[0]
        assert [c.value for c in sheet[1]] == [c.label for c in COLUMNS]
        # ID, phone and bank card columns are text, so Excel keeps every digit.
        assert sheet.column_dimensions["D"].number_format == "@"
        assert sheet.column_dimensions["E"].number_format == "@"
        assert sheet.column_dimensions["F"].number_format == "@"
        assert sheet.column_dimensions["C"].number_format == "@"  # student number
        assert sheet.column_dimensions["A"].number_format != "@"
        assert sheet.freeze_panes == "A2" and sheet["A1"].font.color.rgb.endswith("C00000")
        assert sheet["F1"].font.color is None  # the bank card is optional
        assert sheet.data_validations.dataValidation[0].formula1 == "='班级列表'!$A$2:$A$3"
        classes = workbook["班级列表"]
        assert classes.sheet_state == "hidden"
        assert [c.value for c in classes["A"]] == ["班级", "19电商1班", "19电商2班"]
        notes = workbook["填写说明"]
        example = {row[0]: row[3] for row in notes.iter_rows(min_row=2, max_row=9, values_only=True)}
        assert example["姓名"] == "示例学生"
        assert ric.is_valid(example["身份证号"])
        # The template itself holds no rows: importing it says so.
        assert "no data rows" in refused(content)

    def test_a_class_named_like_a_formula_stays_text_in_the_template(self):
        evil = '=HYPERLINK("http://evil.example","点我")'
        workbook = openpyxl.load_workbook(io.BytesIO(imports.template_workbook([evil, "+1班"])))
        classes = workbook["班级列表"]
        assert [(c.value, c.data_type) for c in classes["A"][1:]] == [(evil, "s"), ("+1班", "s")]
        for sheet in workbook.worksheets:
            assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row), sheet.title

    @pytest.mark.parametrize("content, message", [
        (b"", "The file is empty."),
        # CSV text is read (a school system's export), so text without the headers lacks them.
        (b"name,id\n1,2\n", "The header row (row 1) lacks the column(s): 班级、学号."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old-style Excel file (.xls)"),
    ])
    def test_not_a_workbook(self, content, message):
        assert message in refused(content)

    def test_zip_that_is_not_a_workbook(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("word/document.xml", "<w/>")
        assert "not an Excel workbook" in refused(buffer.getvalue())

    def test_truncated_workbook(self):
        content = xlsx_bytes(student_rows(50))
        assert "not an Excel workbook" in refused(content[: len(content) // 2])

    def test_damaged_sheet_xml(self):
        source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(student_rows(2))))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for info in source.infolist():
                data = source.read(info)
                if info.filename.startswith("xl/worksheets/"):
                    data = data[:-40]
                archive.writestr(info, data)
        assert "not an Excel workbook" in refused(buffer.getvalue())

    def test_unpacks_to_too_much(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/workbook.xml", "<workbook/>")
            archive.writestr("xl/big.xml", "0" * (31 * 1024 * 1024))
        assert "unpacks to more data" in refused(buffer.getvalue(), max_bytes=1024 * 1024)

    def test_no_header(self):
        assert "No header row found in the first 10 rows" in refused(xlsx_bytes([], ["甲", "乙"]))

    def test_missing_required_column(self):
        assert "lacks the column(s): 学号" in refused(xlsx_bytes(student_rows(1), ["班级", "姓名", "身份证号", "手机号"]))

    def test_column_twice(self):
        assert f"“手机号” appears twice (E1 and {get_column_letter(len(HEADERS) + 1)}1)" in refused(
            xlsx_bytes(student_rows(1), [*HEADERS, "手机号"]))

    def test_the_template_header_is_preferred_to_another_alias(self):
        sheet = read(xlsx_bytes(student_rows(1), [*HEADERS, "电话"]))
        assert sheet.ok and sheet.header.columns["phone"] == 4 and sheet.header.ignored == (f"{get_column_letter(len(HEADERS) + 1)} 电话",)

    def test_header_only(self):
        assert "has the column headers but no data rows" in refused(xlsx_bytes([]))

    def test_too_many_rows(self):
        assert "more than 5 rows" in refused(xlsx_bytes(student_rows(6)), max_rows=5)
        assert len(read(xlsx_bytes(student_rows(5)), max_rows=5).rows) == 5

    def test_empty_rows_do_not_count(self):
        rows = student_rows(2)
        content = xlsx_bytes([rows[0], {}, {}, rows[1]])
        assert [row.number for row in read(content, max_rows=2).rows] == [2, 5]


# -------------------------------------------------------------------- checking


class TestCheckRows:
    def test_good_rows(self):
        result = run(student_rows(3))
        assert result.ok and result.errors == [] and result.warnings == []
        assert counts(result.changes) == {"created": 3, "enrolled": 0, "updated": 0, "unchanged": 0}
        row = result.changes[0].row
        assert row.class_pk == 1 and row.id_digest == crypto.digest(row.id_number)

    def test_class_names_match_loosely(self):
        rows = student_rows(1, class_name=" 19电商２班 ")
        assert run(rows).changes[0].row.class_pk == 2

    def test_every_kind_of_bad_row_is_listed(self):
        rows = student_rows(9)
        rows[0]["姓名"] = None
        rows[1]["身份证号"] = rows[1]["身份证号"][:17] + ("0" if rows[1]["身份证号"][17] != "0" else "1")
        rows[2]["身份证号"] = "4301022001023012" + "3" + "4"
        rows[3]["手机号"] = "1380000123"
        rows[4]["银行卡号"] = "62170012345"
        rows[5]["班级"] = "20电商9班"
        rows[6]["姓名"] = "=HYPERLINK(\"http://x\",\"点我\")"
        rows[7]["学号"] = None
        rows[8]["店铺账号"] = "@shop"
        result = run(rows)
        assert not result.ok and result.changes == []
        found = messages(result.errors)
        assert found[0] == (2, "姓名", "This column is required and the cell is empty")
        assert found[1][0:2] == (3, "身份证号") and "check character is wrong" in found[1][2]
        assert found[2][0:2] == (4, "身份证号") and "does not exist" in found[2][2]
        assert found[3] == (5, "手机号", "A phone number has 11 digits and starts with 1")
        assert found[4] == (6, "银行卡号", "A bank card number has 15 to 19 digits (this one has 11)")
        assert found[5] == (7, "班级", "This programme has no class of that name (its classes: 19电商1班、19电商2班)")
        # openpyxl writes it as a formula cell (never calculated): refused as a formula
        assert found[6][0:2] == (8, "姓名") and "formula" in found[6][2]
        assert found[7] == (9, "学号", "This column is required and the cell is empty")
        assert found[8][0:2] == (10, "店铺账号") and "may not start with =" in found[8][2]
        assert len(found) == 9

    def test_values_are_masked_in_findings(self):
        rows = student_rows(2)
        rows[0]["身份证号"] = rows[0]["身份证号"][:17] + ("0" if rows[0]["身份证号"][17] != "0" else "1")
        rows[1]["手机号"] = "2380000123"
        result = run(rows)
        assert result.errors[0].value == rows[0]["身份证号"][:4] + "*" * 10 + rows[0]["身份证号"][-4:]
        assert result.errors[1].value == "238***0123"
        assert rows[0]["身份证号"] not in str([f.as_dict() for f in result.errors])

    def test_long_numbers_stored_as_numbers_lost_digits(self):
        rows = student_rows(2)
        rows[0]["身份证号"] = int(rows[0]["身份证号"][:17] + "1")  # a number cell: Excel keeps 15 digits
        rows[1]["银行卡号"] = float(rows[1]["银行卡号"])
        found = messages(run(rows).errors)
        assert [f[:2] for f in found] == [(2, "身份证号"), (3, "银行卡号")]
        assert all("dropped the last digits" in f[2] for f in found)

    def test_student_number_as_a_number_cell(self):
        rows = student_rows(1)
        rows[0]["学号"] = 2020000001
        assert run(rows).changes[0].row.student_number == "2020000001"

    def test_warnings_do_not_reject(self):
        rows = student_rows(3)
        body = "99990020010101123"
        rows[0]["身份证号"] = body + ric.calc_check_digit(body + "?")  # stdnum takes all 18
        card = rows[1]["银行卡号"]
        rows[1]["银行卡号"] = card[:-1] + str((int(card[-1]) + 1) % 10)
        rows[2]["银行卡号"] = None
        rows[2]["开户行"] = None
        result = run(rows)
        assert result.ok and len(result.changes) == 3
        assert messages(result.warnings) == [
            (2, "身份证号", "The ID number's region code 999900 is unknown: please check it"),
            (3, "银行卡号", "The bank card number fails the Luhn check: please check it"),
            (4, "银行卡号", "No bank card yet: stipends cannot be paid until one is recorded"),
        ]

    def test_card_without_bank_warns(self):
        rows = student_rows(1)
        rows[0]["开户行"] = None
        assert messages(run(rows).warnings) == [(2, "开户行", "The bank (开户行) is empty: bank transfers may need it")]

    def test_duplicates_inside_the_file(self):
        rows = student_rows(5)
        rows[3]["学号"] = rows[0]["学号"]
        rows[4]["身份证号"] = rows[1]["身份证号"]
        rows[4]["店铺账号"] = rows[2]["店铺账号"]
        found = messages(run(rows).errors)
        assert found == [
            (2, "学号", "The same value is also on row(s) 5"),
            (3, "身份证号", "The same value is also on row(s) 6"),
            (4, "店铺账号", "The same value is also on row(s) 6"),
            (5, "学号", "The same value is also on row(s) 2"),
            (6, "身份证号", "The same value is also on row(s) 3"),
            (6, "店铺账号", "The same value is also on row(s) 4"),
        ]


def known(row: dict, pk: int, **changes) -> KnownStudent:
    values = {"name": row["姓名"], "id": row["身份证号"], "phone": row["手机号"], "card": row["银行卡号"],
              "bank": row["开户行"], "branch": row["开户网点"], "holder": row["户名"] or "", **changes}
    return KnownStudent(pk, row["学号"], values["name"], crypto.digest(values["id"]), crypto.digest(values["phone"]),
                        crypto.digest(values["card"]) if values["card"] else "", values["bank"], values["branch"],
                        values["holder"])


class TestAgainstRecords:
    def test_id_number_of_another_student_of_the_school(self):
        rows = student_rows(2)
        other = {**student_rows(1, start=500, seed=99)[0], "身份证号": rows[1]["身份证号"]}
        records = Records(dict(CLASSES), {other["学号"]: known(other, 9)})
        # Named only to someone who may see ID numbers unmasked; anyone else learns no holder.
        assert messages(run(rows, records, may_see_ids=True).errors) == [
            (3, "身份证号", f"This ID number is already on record for student no. {other['学号']} ({other['姓名']}) of this school"),
        ]
        assert messages(run(rows, records).errors) == [
            (3, "身份证号", "This ID number is already registered to another student record of this school"),
        ]

    def test_shop_account_of_another_enrolment(self):
        rows = student_rows(2)
        other = student_rows(1, start=500, seed=99)[0]
        records = Records(dict(CLASSES), {other["学号"]: known(other, 9)},
                          {9: KnownEnrolment(90, 9, 1, rows[0]["店铺账号"])})
        assert messages(run(rows, records).errors) == [
            (2, "店铺账号", f"This shop account is already used by student no. {other['学号']} ({other['姓名']}) in this programme"),
        ]

    def test_values_may_move_between_students_both_in_the_file(self):
        rows = student_rows(2)
        records = Records(dict(CLASSES), {
            rows[0]["学号"]: known(rows[0], 1, id=rows[1]["身份证号"]),
            rows[1]["学号"]: known(rows[1], 2, id=rows[0]["身份证号"]),
        }, {
            1: KnownEnrolment(10, 1, 1, rows[1]["店铺账号"]),
            2: KnownEnrolment(20, 2, 1, rows[0]["店铺账号"]),
        })
        result = run(rows, records)
        assert result.ok
        assert [c.student_fields for c in result.changes] == [frozenset({"id_number"})] * 2
        assert [c.enrolment_fields for c in result.changes] == [frozenset({"shop_account_id"})] * 2

    def test_plan_created_enrolled_updated_unchanged(self):
        rows = student_rows(4)
        records = Records(dict(CLASSES), {
            rows[1]["学号"]: known(rows[1], 2),
            rows[2]["学号"]: known(rows[2], 3, name="旧名字", bank="旧银行"),
            rows[3]["学号"]: known(rows[3], 4),
        }, {3: KnownEnrolment(30, 3, 2, rows[2]["店铺账号"]), 4: KnownEnrolment(40, 4, 1, rows[3]["店铺账号"])})
        result = run(rows, records)
        assert [c.kind for c in result.changes] == ["created", "enrolled", "updated", "unchanged"]
        assert result.changes[2].student_fields == {"name", "bank_name"}
        assert result.changes[2].enrolment_fields == {"school_class"}
        assert messages(result.warnings) == [(4, "姓名", "On record as 旧名字: the name will be replaced")]

    def test_empty_optional_cells_keep_what_is_on_record(self):
        rows = student_rows(1)
        records = Records(dict(CLASSES), {rows[0]["学号"]: known(rows[0], 1)},
                          {1: KnownEnrolment(10, 1, 1, rows[0]["店铺账号"])})
        rows[0].update({"银行卡号": None, "开户行": None, "店铺账号": None})
        result = run(rows, records)
        assert [c.kind for c in result.changes] == ["unchanged"]
        assert result.warnings == []  # the card on record is enough
