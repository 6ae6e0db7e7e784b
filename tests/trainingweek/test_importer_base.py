"""The one importer base: worked examples on files shaped like the real ones.

The files in ``data/`` are copies of ``../shared/samples`` (synthetic, in the
shapes that arrive from outside); the others are built here with openpyxl.
"""

import csv
import io
import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from trainingweek.imports import (
    CSV,
    XLSX,
    CellError,
    Chosen,
    Column,
    Formatted,
    Importer,
    ImportFileError,
    Row,
    choice,
    day,
    decimal,
    header_key,
    identifier,
    parse_day,
    text,
    warn,
)
from trainingweek.masking import mask_bank_card

DATA = Path(__file__).parent / "data"

pytestmark = pytest.mark.usefixtures("english_ui")


class HoursImport(Importer):
    """Shaped like the online-hours import: "时长" is listed first, so only
    the exact-before-contains rule keeps 接待时长 out of the hours."""

    columns = (
        Column("account", "Shop account", ("旺旺子账号", "客服账号", "旺旺账号"), clean=text()),
        Column("day", "Date", ("日期",), clean=day()),
        Column("hours", "Online hours", ("时长", "在线时长", "旺旺在线时长"),
               clean=decimal(minimum=0, maximum=24)),
    )
    unique = (("account", "day"),)


class BankResultImport(Importer):
    """Shaped like the bank-result parser: a title row, 合计 rows skipped."""

    formats = (XLSX,)
    columns = (
        Column("account", "Account", ("账号", "收款账号", "账户"), clean=identifier(), mask=mask_bank_card),
        Column("name", "Account name", ("户名", "收款户名"), clean=text()),
        Column("amount", "Amount", ("金额", "交易金额"), clean=decimal(places=2)),
        Column("paid", "Result", ("处理结果", "交易状态"), clean=choice({"成功": True, "失败": False})),
        Column("reason", "Failure reason", ("失败原因", "备注"), required=False, clean=text()),
    )

    def skip_row(self, raw):
        return str(raw.get("account", "")).startswith(("合计", "总计", "Total"))


def _xlsx(rows, *, write_only=False, title="Sheet1") -> bytes:
    wb = openpyxl.Workbook(write_only=write_only)
    ws = wb.create_sheet(title) if write_only else wb.active
    if not write_only:
        ws.title = title
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _csv(rows, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def _patch_xlsx(data: bytes, part: str, change) -> bytes:
    """``data`` with one zip member's text changed by ``change``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == part:
                content = change(content.decode()).encode()
            target.writestr(info, content)
    return out.getvalue()


# --------------------------------------------------------------------------- the real samples


def test_the_utf8_bom_sample_reads_with_every_row():
    result = HoursImport().read((DATA / "online_hours_example.csv").read_bytes())
    assert result.ok, result.errors
    assert (result.header.format, result.header.encoding, result.header.row) == (CSV, "utf-8-sig", 1)
    assert result.header.texts == {"account": "客服账号", "day": "日期", "hours": "在线时长(小时)"}
    first = result.rows[0]
    assert (first.number, first["account"], first["day"], first["hours"]) == (2, "bala:小明", date(2020, 11, 9), Decimal("8.5"))
    assert len(result.rows) == 9 and max(r["hours"] for r in result.rows) == Decimal("17.0")


def test_the_gb18030_sample_takes_online_hours_not_reception_hours():
    result = HoursImport().read((DATA / "online_hours_gbk_example.csv").read_bytes())
    assert result.ok, result.errors
    assert result.header.encoding == "gb18030"
    assert result.header.texts["hours"] == "在线时长(小时)"
    assert "E 接待时长(小时)" in result.header.ignored
    first = result.rows[0]
    # 2020/11/09,示范童装旗舰店,示范童装旗舰店:小美01,170,3.69 (接待),8.4 (在线)
    assert (first["account"], first["day"], first["hours"]) == ("示范童装旗舰店:小美01", date(2020, 11, 9), Decimal("8.4"))


def test_a_gb18030_csv_with_a_title_row_above_the_header():
    sample = (DATA / "online_hours_gbk_example.csv").read_bytes()
    data = "示范店铺客服日报（2020年11月）\r\n".encode("gb18030") + sample
    result = HoursImport().read(SimpleUploadedFile("日报.csv", data))
    assert result.ok, result.errors
    assert result.header.row == 2
    assert result.rows[0].number == 3  # the row Excel shows for the first data line
    assert len(result.rows) == 15


def test_the_bank_sample_with_its_title_row():
    result = BankResultImport().read((DATA / "bank_result_example.xlsx").read_bytes())
    assert result.ok, result.errors
    assert result.header.row == 2 and result.header.ignored == ("D 用途",)
    assert len(result.rows) == 10
    failed = [r for r in result.rows if not r["paid"]]
    assert [(r.number, r["name"], r["amount"], r["reason"]) for r in failed] == [
        (6, "刘洋", Decimal("2419.50"), "户名不符"), (10, "黄敏", Decimal("1508.00"), "账户已销户")]
    assert result.rows[0]["account"] == "6252601815908301661"
    assert result.rows[0]["reason"] is None


# --------------------------------------------------------------------------- headers


def test_xlsx_with_a_title_row_and_both_hours_columns_takes_the_exact_one():
    data = _xlsx([
        ["客服绩效 2020-11-09"],
        ["日期", "旺旺子账号", "接待时长", "在线时长"],
        ["2020-11-09", "店:小美01", 3.69, 8.4],
    ])
    result = HoursImport().read(data)
    assert result.ok, result.errors
    assert result.header.columns["hours"] == 3
    assert result.rows[0]["hours"] == Decimal("8.4")


def test_a_text_contained_in_two_headers_is_refused_not_guessed():
    class Loose(Importer):
        columns = (Column("hours", "Hours", ("时长",), clean=decimal()),)

    result = Loose().read(_xlsx([["接待时长", "在线时长"], [3.69, 8.4]]))
    assert not result.ok
    assert result.errors[0].row is None
    assert "several columns that could be “Hours” (A, B)" in result.errors[0].message


def test_a_contains_match_serves_when_there_is_no_exact_one():
    result = HoursImport().read(_csv([["日期", "旺旺子账号", "旺旺在线时长合计(小时)"], ["2020/11/9", "a", "9"]]))
    assert result.ok, result.errors
    assert result.rows[0]["hours"] == Decimal("9")


def test_headers_match_after_nfkc_spaces_marks_and_case():
    assert header_key("在线时长（小时）") == header_key(" *在线 时长 ") == "在线时长"
    assert header_key("ＯＮＬＩＮＥ Hours") == "onlinehours"
    result = HoursImport().read(_csv([["Shop Account", " 日 期 ", "ONLINE HOURS (h)"], ["a", "2020-11-09", "8"]]))
    assert result.ok, result.errors


def test_a_missing_required_column_is_named():
    result = HoursImport().read(_csv([["日期", "旺旺子账号", "接待人数"], ["2020-11-09", "a", "3"]]))
    assert not result.ok and result.rows == []
    [error] = result.errors
    assert error.row is None
    assert error.message == "The header row (row 1) lacks the column(s): Online hours (时长)."
    assert str(error) == error.message


def test_no_header_at_all_names_the_required_columns():
    result = HoursImport().read(_csv([["foo", "bar"], ["1", "2"]]))
    assert result.errors[0].message == (
        "No header row found in the first 10 rows; the file needs the columns: "
        "Shop account (旺旺子账号)、Date (日期)、Online hours (时长).")


def test_the_same_header_twice_is_refused():
    result = HoursImport().read(_csv([["日期", "旺旺子账号", "在线时长", "在线时长"], ["2020-11-09", "a", "1", "2"]]))
    assert "appears twice (C1 and D1)" in result.errors[0].message


def test_a_header_below_the_scan_limit_is_not_found():
    rows = [["note"]] * 10 + [["日期", "旺旺子账号", "在线时长"], ["2020-11-09", "a", "1"]]
    assert not HoursImport().read(_csv(rows)).ok

    class Deeper(HoursImport):
        header_scan_rows = 11

    assert Deeper().read(_csv(rows)).ok


def test_the_first_sheet_with_the_header_when_all_sheets_are_read():
    wb = openpyxl.Workbook()
    wb.active.title = "填写说明"
    wb.active.append(["Fill in the next sheet"])
    data_sheet = wb.create_sheet("数据")
    for row in (["日期", "旺旺子账号", "在线时长"], ["2020-11-09", "a", 8]):
        data_sheet.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    assert not HoursImport().read(buffer.getvalue()).ok

    class AnySheet(HoursImport):
        all_sheets = True

    result = AnySheet().read(buffer.getvalue())
    assert result.ok and result.header.sheet == "数据"


def test_check_header_may_refuse_the_file():
    class NeedsKpi(Importer):
        columns = (Column("number", "Student no.", ("学号",), clean=identifier()),
                   Column("sales", "Sales", ("[sales]",), required=False, clean=decimal()))

        def check_header(self, header):
            if "sales" not in header.columns:
                raise ImportFileError("The header row names no KPI of this programme.")

    assert NeedsKpi().read(_xlsx([["学号"], ["1"]])).errors[0].message == "The header row names no KPI of this programme."
    result = NeedsKpi().read(_xlsx([["学号", "销售额 [sales]"], ["2019000001", 1200]]))
    assert result.ok and result.rows[0].values == {"number": "2019000001", "sales": Decimal("1200")}


# --------------------------------------------------------------------------- rows


def test_every_bad_row_is_listed_and_nothing_is_ok():
    data = _xlsx([
        ["客服在线时长"],
        ["日期", "旺旺子账号", "在线时长"],
        ["2020-11-09", "a", 8],
        ["2020-11-31", "b", 8],  # no such day
        ["2020-11-09", "c", 8],
        ["2020-11-09", "", 25],  # two errors in one row
        [None, None, None],  # empty rows are skipped
        ["2020-11-10", "d", 7.5],
    ])
    result = HoursImport().read(data)
    assert not result.ok
    assert [(e.row, e.column, e.cell, e.message) for e in result.errors] == [
        (4, "Date", "A4", "“2020-11-31” is not a date."),
        (6, "Shop account", "B6", "This column is required and the cell is empty"),
        (6, "Online hours", "C6", "25 is outside 0–24."),
    ]
    # The good rows are there for a service's own checks, but with errors
    # the service writes nothing.
    assert [r.number for r in result.rows] == [3, 5, 8]


def test_a_repeated_key_lists_every_row_of_it():
    rows = [["日期", "旺旺子账号", "在线时长"], ["2020-11-09", "a", "8"], ["2020/11/09", "a", "9"], ["2020-11-10", "a", "1"]]
    result = HoursImport().read(_csv(rows))
    assert [(e.row, e.message) for e in result.errors] == [
        (2, "The same value is also on row(s) 3"), (3, "The same value is also on row(s) 2")]
    assert [r.number for r in result.rows] == [4]


def test_every_unique_key_is_checked_over_the_same_rows():
    class TwoKeys(HoursImport):
        unique = ("account", "day")

    rows = [["日期", "旺旺子账号", "在线时长"], ["2020-11-09", "a", "8"], ["2020-11-10", "a", "1"],
            ["2020-11-10", "c", "1"], ["2020-11-12", "d", "x"]]
    result = TwoKeys().read(_csv(rows))
    # Row 3 repeats row 2's account and row 4's day: all three rows are
    # listed, though row 3 already failed on its account.
    assert [(e.row, e.key) for e in result.errors] == [
        (2, "account"), (3, "account"), (3, "day"), (4, "day"), (5, "hours")]
    assert result.rows == [] and result.row_count == 4 and result.bad_rows == 4
    assert result.file_error is None


def test_clean_row_cross_checks_warnings_and_skipped_rows():
    class Payments(BankResultImport):
        def clean_row(self, row: Row) -> Row:
            if not row["paid"] and not row["reason"]:
                raise CellError("A failed transfer needs its reason.", column="reason")
            if row["amount"] == 0:
                row.warn("amount", "Nothing to transfer.")
            return row

    data = _xlsx([
        ["批量转账明细"],
        ["账号", "户名", "金额", "处理结果", "失败原因"],
        ["6222020200112233445", "王小明", "1992.00", "成功", None],
        ["6222020200112233446", "李华", 0, "成功", None],
        ["6222020200112233447", "张伟", "10", "失败", None],
        ["合计", None, "2002.00", None, None],
    ])
    result = Payments().read(data)
    assert [(e.row, e.key, e.message) for e in result.errors] == [(5, "reason", "A failed transfer needs its reason.")]
    assert [(w.row, w.message) for w in result.warnings] == [(4, "Nothing to transfer.")]
    assert [r.number for r in result.rows] == [3, 4]


def test_personal_data_is_masked_in_messages():
    data = _xlsx([["账号", "户名", "金额", "处理结果"], ["6222020200112233445", "王小明", "1,992.001", "成功"],
                  ["6222020200112233446", "李华", "1", "成功?"], [6.2220202001122336e18, "张伟", "1", "成功"]])
    result = BankResultImport().read(data)
    amount, paid, account = result.errors
    assert (amount.row, amount.message, amount.value) == (2, "At most 2 decimal places.", "1,992.001")
    assert (paid.row, paid.message) == (3, "“成功?” is not one of: 成功、失败.")
    assert account.row == 4 and "dropped the last digits" in account.message
    assert account.value.startswith("6.22*") and "2020" not in account.value

    class OneRowPerAccount(BankResultImport):
        unique = ("account",)

    same = ["6222020200112233445", "王小明", "1", "成功"]
    result = OneRowPerAccount().read(_xlsx([["账号", "户名", "金额", "处理结果"], same, same]))
    assert [e.value for e in result.errors] == ["6222***********3445"] * 2


def test_cleaners_warn_and_cleaners_raising_valueerror():
    def card(value):
        digits = identifier()(value)
        if not digits.isdigit():
            raise ValueError("Digits only.")
        return warn(digits, "Please check the card number.") if digits.endswith("0") else digits

    class Cards(Importer):
        columns = (Column("card", "Bank card", ("银行卡号",), clean=card),)

    result = Cards().read(_csv([["银行卡号"], ["6222 0202 0011 2233 440"], ["62x"]]))
    assert [(e.row, e.message) for e in result.errors] == [(3, "Digits only.")]
    assert [(w.row, w.message) for w in result.warnings] == [(2, "Please check the card number.")]
    assert result.rows[0]["card"] == "6222020200112233440"


def test_number_formats_reach_cleaners_that_ask():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["学号", "转化率"])
    ws.append(["1", 0.6252])
    ws["B2"].number_format = "0.00%"
    buffer = io.BytesIO()
    wb.save(buffer)

    def percent(value: Formatted):
        number = decimal()(value.value)
        return number * 100 if "%" in value.number_format else number

    class Rates(Importer):
        columns = (Column("number", "Student no.", ("学号",), clean=identifier()),
                   Column("rate", "Conversion rate", ("转化率",), clean=percent, number_format=True))

    assert Rates().read(buffer.getvalue()).rows[0]["rate"] == Decimal("62.5200")


# --------------------------------------------------------------------------- formulas


def _formula_file() -> bytes:
    return _xlsx([["日期", "旺旺子账号", "在线时长"], ["2020-11-09", "a", "=4+4"], ["2020-11-09", "b", 7]])


def test_a_formula_without_a_cached_value_is_an_error_not_an_empty_cell():
    result = HoursImport().read(_formula_file())  # openpyxl saves formulas uncalculated
    assert [(e.row, e.cell, e.value) for e in result.errors] == [(2, "C2", "=4+4")]
    assert "never calculated" in result.errors[0].message
    assert [r.number for r in result.rows] == [3]


def test_a_calculated_formula_gives_its_value_unless_formulas_are_refused():
    sheet = "xl/worksheets/sheet1.xml"
    data = _patch_xlsx(_formula_file(), sheet, lambda xml: re.sub(r"<f>4\+4</f><v\s*/?>(</v>)?", "<f>4+4</f><v>8</v>", xml))
    result = HoursImport().read(data)
    assert result.ok, result.errors
    assert result.rows[0]["hours"] == Decimal("8")

    class NoFormulas(HoursImport):
        allow_formulas = False

    result = NoFormulas().read(data)
    assert [(e.row, e.column) for e in result.errors] == [(2, "Online hours")]
    assert "paste the values only" in result.errors[0].message


# --------------------------------------------------------------------------- files and limits


def test_the_format_is_taken_from_the_content_not_the_name():
    xlsx = _xlsx([["日期", "旺旺子账号", "在线时长"], ["2020-11-09", "a", 8]])
    assert HoursImport().read(SimpleUploadedFile("hours.csv", xlsx)).header.format == XLSX
    csv_data = _csv([["账号", "户名", "金额", "处理结果"], ["1", "a", "1", "成功"]])
    result = BankResultImport().read(SimpleUploadedFile("result.xlsx", csv_data))
    assert "not an Excel workbook (.xlsx)" in result.errors[0].message


@pytest.mark.parametrize(("content", "message"), [
    (b"", "The file is empty."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old-style Excel file (.xls)"),
    (b"PK\x03\x04 not really a zip", "not an Excel workbook"),
    (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "This is not a CSV text file."),
])
def test_what_cannot_be_read_gets_one_file_error(content, message):
    result = HoursImport().read(content)
    assert not result.ok and len(result.errors) == 1 and result.errors[0].row is None
    assert message in result.errors[0].message


def test_write_only_files_without_a_dimension_and_wrong_dimensions_are_read_whole():
    rows = [["日期", "旺旺子账号", "在线时长"]] + [["2020-11-09", f"a{i}", 8] for i in range(5)]
    write_only = _xlsx(rows, write_only=True)
    assert len(HoursImport().read(write_only).rows) == 5
    lying = _patch_xlsx(_xlsx(rows), "xl/worksheets/sheet1.xml",
                        lambda xml: re.sub(r'<dimension ref="[^"]+"', '<dimension ref="A1:C2"', xml))
    assert len(HoursImport().read(lying).rows) == 5


def test_the_row_limit_is_stated_and_enforced(settings):
    settings.IMPORT_MAX_ROWS = 2
    rows = [["日期", "旺旺子账号", "在线时长"], ["2020-11-09", "a", "1"], ["2020-11-09", "b", "1"]]
    assert HoursImport().read(_csv(rows)).ok
    result = HoursImport().read(_csv([*rows, ["2020-11-09", "c", "x"]]))
    assert [e.message for e in result.errors] == ["The file has more than 2 rows."]
    assert result.rows == []
    assert HoursImport(max_rows=3).read(_csv([*rows, ["2020-11-09", "c", "1"]])).ok


def test_the_size_limit_is_stated_and_enforced_before_reading(settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    big = _csv([["日期", "旺旺子账号", "在线时长"]]) + b"x" * (1024 * 1024)
    assert HoursImport().read(big).errors[0].message == "The file is larger than 1 MB."

    class Unreadable(io.BytesIO):
        size = 2 * 1024 * 1024

        def read(self, *args):
            raise AssertionError("a file over the limit is not read")

    assert HoursImport().read(Unreadable()).errors[0].message == "The file is larger than 1 MB."


def test_a_header_without_rows_is_an_error_unless_allowed():
    data = _csv([["日期", "旺旺子账号", "在线时长"]])
    assert HoursImport().read(data).errors[0].message == "The file has the column headers but no data rows."

    class MayBeEmpty(HoursImport):
        allow_empty = True

    assert MayBeEmpty().read(data).ok


def test_progress_is_reported_while_reading():
    seen = []
    rows = [["日期", "旺旺子账号", "在线时长"]] + [["2020-11-09", f"a{i}", "1"] for i in range(1000)]
    HoursImport().read(_csv(rows), progress=seen.append)
    assert seen == [500, 1000]


def test_tab_separated_utf16_and_excel_text_wrappers():
    data = "日期\t旺旺子账号\t在线时长\r\n2020-11-09\t=\"6222020200112233445\"\t8\r\n".encode("utf-16")
    result = HoursImport().read(data)
    assert result.ok, result.errors
    assert result.rows[0]["account"] == "6222020200112233445"


def test_columns_must_be_declared():
    with pytest.raises(ValueError, match="unique keys"):
        Importer().read(b"a")


# --------------------------------------------------------------------------- cleaners


@pytest.mark.parametrize(("value", "expected"), [
    ("2020/11/09", date(2020, 11, 9)), ("2020-11-9", date(2020, 11, 9)), ("2020年11月9日", date(2020, 11, 9)),
    ("2020.11.09", date(2020, 11, 9)), ("2020/11/09 00:00:00", date(2020, 11, 9)),
    ("２０２０-１１-０９", date(2020, 11, 9)), ("2020-02-30", None), ("11/09/2020", None), ("", None),
])
def test_days(value, expected):
    assert parse_day(value) == expected


def test_identifier_keeps_digits_and_refuses_lost_ones():
    clean = identifier()
    assert clean(" 6222 0202 0011 2233 445 ") == "6222020200112233445"
    assert clean(2019000001) == "2019000001" and clean(2019000001.0) == "2019000001"
    for bad in (6.2220202001122336e18, 6222020200112233445, 1.5, True):
        with pytest.raises(CellError):
            clean(bad)


def test_decimal_is_exact():
    clean = decimal(places=2)
    assert clean(1921.5) == Decimal("1921.5") and clean("1,992.00") == Decimal("1992.00")
    assert clean(0.1) == Decimal("0.1")
    assert clean("2.10") == Decimal("2.10")
    for bad in ("2.345", "abc", "nan", "46.65%"):
        with pytest.raises(CellError):
            clean(bad)


def test_text_may_refuse_formula_starts():
    assert text()("=1+1") == "=1+1"
    with pytest.raises(CellError, match="may not start with"):
        text(formula_text=False)("=1+1")
    with pytest.raises(CellError, match="at most 3"):
        text(max_length=3)("abcd")
    assert text()("  a  \u3000 b ") == "a b"


# --------------------------------------------------------------------------- properties

_cell_text = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff"),
                     min_size=1, max_size=20).map(str.strip).filter(bool)


@hypothesis_settings(max_examples=60, deadline=None)
@given(values=st.lists(st.tuples(_cell_text, st.integers(0, 24)), min_size=1, max_size=5),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_any_text_survives_a_csv_in_each_encoding(values, encoding):
    class Notes(Importer):
        columns = (Column("note", "Note", ("备注",)), Column("hours", "Online hours", ("在线时长",), clean=decimal()))

    rows = [["说明：本表由平台导出"], ["备注", "在线时长"], *[[v, str(h)] for v, h in values]]
    result = Notes().read(_csv(rows, encoding))
    assert result.ok, result.errors
    assert [(r["note"], r["hours"]) for r in result.rows] == [(v, Decimal(h)) for v, h in values]
    assert result.header.encoding == ("gb18030" if encoding == "gb18030" else "utf-8-sig")


# --------------------------------------------------------------------------- preview and chosen columns


def test_preview_finds_the_header_below_a_title_and_suggests_by_alias_known_text_first():
    data = _csv([["客服绩效"], ["店铺", "客服账号", "日期", "接待时长", "在线时长"],
                 ["童装", "bala:甲", "2020-11-09", "3", "8"], [], ["童装", "bala:乙", "2020-11-09", "2", "7"]])
    preview = HoursImport().preview(data, rows=5)
    assert (preview.row, preview.error) == (2, "")
    assert preview.headers == ["店铺", "客服账号", "日期", "接待时长", "在线时长"]
    assert preview.rows == [["童装", "bala:甲", "2020-11-09", "3", "8"], ["童装", "bala:乙", "2020-11-09", "2", "7"]]
    assert preview.suggested == {"account": 1, "day": 2, "hours": 4}
    # A known header text beats the aliases; one that is not in the file is passed over.
    assert HoursImport().preview(data, known={"hours": "接待时长", "day": "统计日"}).suggested == {
        "hours": 3, "account": 1, "day": 2}


def test_preview_pads_short_rows_and_says_why_a_file_cannot_be_read():
    preview = HoursImport().preview(_xlsx([["客服账号", "日期", "在线时长"], ["bala:甲", date(2020, 11, 9)]]))
    assert preview.rows == [["bala:甲", "2020-11-09", ""]]
    assert HoursImport().preview(b"PK\x03\x04broken").error
    assert not HoursImport(max_bytes=10).preview(b"x" * 20).headers


def test_read_with_chosen_columns_takes_them_and_refuses_an_impossible_choice():
    data = _csv([["客服", "统计日", "时间A", "时间B"], ["bala:甲", "2020-11-09", "3", "8"]])
    assert not HoursImport().read(data).ok  # no alias matches
    result = HoursImport().read(data, chosen=Chosen(1, {"account": 0, "day": 1, "hours": 3}))
    assert result.ok and result.rows[0]["hours"] == Decimal("8") and result.header.texts["hours"] == "时间B"
    assert result.header.cell("hours", 2) == "D2"
    for chosen in (Chosen(1, {"account": 0, "day": 1, "hours": 1}), Chosen(1, {"account": 0, "day": 1, "hours": 9}),
                   Chosen(1, {"account": 0, "day": 1, "hours": None}), Chosen(7, {"account": 0, "day": 1, "hours": 3})):
        result = HoursImport().read(data, chosen=chosen)
        assert result.file_error and not result.rows, chosen
