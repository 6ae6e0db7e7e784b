"""The one exporter base: every sheet read back with openpyxl."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl.styles import PatternFill

from trainingweek.exports import (
    AMOUNT,
    DATE,
    NUMBER,
    TEXT,
    XLSX_CONTENT_TYPE,
    ExportColumn,
    Formula,
    Sheet,
    Styled,
    file_response,
    sheet_title,
    workbook_bytes,
    xlsx_response,
)
from trainingweek.imports import XLSX, Column, Importer, decimal, identifier, text
from trainingweek.spreadsheets import cell_text

ID_NUMBER = "110105194912310021"
ACCOUNT = "6222020200112233445"


def _read(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def _payees() -> Sheet:
    return Sheet(
        "批量转账明细",
        [ExportColumn("账号", 26), ExportColumn("户名", 14), ExportColumn("身份证号", 22),
         ExportColumn("金额", 14, AMOUNT), ExportColumn("备注", 30)],
        rows=[
            (ACCOUNT, "王小明", ID_NUMBER, Decimal("1992.00"), '=HYPERLINK("http://evil.example","点我")'),
            (int(ACCOUNT), "+李华", int(ID_NUMBER[:-1] + "1"), Decimal("2358.5"), "@SUM(A1)"),
        ],
        title_rows=[[Styled("批量转账明细", bold=True)]],
        footer=[[Styled("合计 2 笔", bold=True), None, None, Formula("=SUM(D{first}:D{last})"), None]],
    )


def test_header_frozen_widths_set_and_bold_on_every_sheet():
    plain = Sheet("Plain", [ExportColumn("A", 8), ExportColumn("B")], rows=[("x", "y")])
    wb = _read(workbook_bytes([_payees(), plain]))
    payees, plain = wb.worksheets
    assert payees.freeze_panes == "A3"  # below the header, under one title row
    assert plain.freeze_panes == "A2"
    assert [payees.column_dimensions[c].width for c in "ABCDE"] == [26, 14, 22, 14, 30]
    assert [plain.column_dimensions[c].width for c in "AB"] == [8, 12]
    assert [c.value for c in payees[2]] == ["账号", "户名", "身份证号", "金额", "备注"]
    assert all(c.font.b for c in payees[2]) and payees["A1"].font.b


def test_ids_and_accounts_stay_text_with_every_digit():
    ws = _read(workbook_bytes([_payees()])).active
    for ref, value in (("A3", ACCOUNT), ("C3", ID_NUMBER), ("A4", ACCOUNT), ("C4", ID_NUMBER[:-1] + "1")):
        assert (ws[ref].value, ws[ref].data_type, ws[ref].number_format) == (value, "s", "@"), ref


def test_user_text_never_becomes_a_formula():
    ws = _read(workbook_bytes([_payees()])).active
    assert (ws["E3"].value, ws["E3"].data_type) == ('=HYPERLINK("http://evil.example","点我")', "s")
    assert (ws["B4"].value, ws["B4"].data_type) == ("+李华", "s")
    assert (ws["E4"].value, ws["E4"].data_type) == ("@SUM(A1)", "s")


def test_amounts_are_numbers_with_two_places_and_our_formulas_are_formulas():
    ws = _read(workbook_bytes([_payees()])).active
    assert (ws["D3"].value, ws["D3"].data_type, ws["D3"].number_format) == (1992, "n", "#,##0.00")
    assert ws["D4"].value == 2358.5
    total = ws["D5"]
    assert (total.value, total.data_type, total.number_format) == ("=SUM(D3:D4)", "f", "#,##0.00")
    assert (ws["A5"].value, ws["A5"].font.b) == ("合计 2 笔", True)


def test_row_formulas_numbers_dates_and_styles():
    shaded = PatternFill("solid", fgColor="FFF2CC")
    sheet = Sheet("Register", [
        ExportColumn("Day", 12, DATE), ExportColumn("Day (short)", 8, DATE, number_format='m"月"d"日"'),
        ExportColumn("Gross", 12, AMOUNT), ExportColumn("Tax", 12, AMOUNT), ExportColumn("Net", 12, AMOUNT),
        ExportColumn("Headcount", 10, NUMBER), ExportColumn("Class 1"),
    ], rows=[
        (date(2020, 11, 9), date(2020, 11, 9), Decimal("1810.00"), Decimal("202.00"), Formula("=C{row}-D{row}"),
         31, Styled("早班", fill=shaded)),
        (date(2020, 11, 10), None, 1, 0, Formula("=C{row}-D{row}"), 30, Styled(None, fill=shaded)),
    ], footer=[[Styled("Working days", kind=TEXT), None, None, None, None, None, Styled(12, kind=NUMBER, bold=True)]])
    ws = _read(workbook_bytes([sheet])).active
    assert ws["A2"].value.date() == date(2020, 11, 9) and ws["A2"].number_format == "yyyy-mm-dd"
    assert ws["B2"].number_format == 'm"月"d"日"' and ws["B3"].value is None
    assert (ws["E2"].value, ws["E3"].value, ws["E2"].number_format) == ("=C2-D2", "=C3-D3", "#,##0.00")
    assert (ws["F2"].value, ws["F2"].data_type) == (31, "n")
    assert ws["G2"].fill.fgColor.rgb.endswith("FFF2CC") and ws["G3"].fill.fgColor.rgb.endswith("FFF2CC")
    assert (ws["G4"].value, ws["G4"].data_type, ws["G4"].font.b) == (12, "n", True)
    assert ws["A4"].data_type == "s"


def test_wrong_types_fail_loudly_rather_than_write_text_as_numbers():
    import glob
    import tempfile

    before = set(glob.glob(f"{tempfile.gettempdir()}/openpyxl.*"))
    for column, value in ((ExportColumn("Amount", kind=AMOUNT), 0.1), (ExportColumn("Amount", kind=AMOUNT), "1.00"),
                          (ExportColumn("N", kind=NUMBER), "=1+1"), (ExportColumn("D", kind=DATE), "2020-11-09")):
        with pytest.raises(TypeError):
            workbook_bytes([Sheet("x", [column], rows=[(value,)])])
    with pytest.raises(ValueError, match="2 values for 1 columns"):
        workbook_bytes([Sheet("x", [ExportColumn("A")], rows=[("a", "b")])])
    with pytest.raises(ValueError, match="unknown kind"):
        ExportColumn("A", kind="money")
    assert set(glob.glob(f"{tempfile.gettempdir()}/openpyxl.*")) <= before  # no temporary file left behind


def test_title_rows_are_typed_by_value_and_formula_safe():
    sheet = Sheet("Statement", [ExportColumn("Item", 30), ExportColumn("Amount", 16, AMOUNT)],
                  title_rows=[[Styled("Settlement statement", bold=True), "=cmd|' /C calc'!A0"],
                              ["Deposit", Decimal("10000.00")], ["Paid on", date(2020, 12, 30)], []],
                  rows=[("Lab subsidy", Decimal("1300.00"))])
    ws = _read(workbook_bytes([sheet])).active
    assert (ws["B1"].value, ws["B1"].data_type) == ("=cmd|' /C calc'!A0", "s")
    assert (ws["B2"].value, ws["B2"].number_format) == (10000, "#,##0.00")
    assert ws["B3"].value.date() == date(2020, 12, 30)
    assert ws.freeze_panes == "A6" and ws["A5"].value == "Item"


def test_rows_may_come_from_a_generator_and_write_only_files_read_back():
    rows = ((f"学生{i}", Decimal(i)) for i in range(3000))
    content = workbook_bytes([Sheet("Many", [ExportColumn("Name"), ExportColumn("Amount", kind=AMOUNT)], rows=rows)])
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    assert sum(1 for _ in wb.active.iter_rows()) == 3001


def test_sheet_titles_are_made_valid():
    assert sheet_title("19电商1班 [早/晚]: 排班?") == "19电商1班 _早_晚__ 排班_"
    assert len(sheet_title("长" * 40)) == 31 and sheet_title("") == "Sheet"
    wb = _read(workbook_bytes([Sheet("a/b" * 20, [ExportColumn("A")])]))
    assert wb.active.title == ("a_b" * 20)[:31]


def test_what_an_exporter_writes_the_importer_reads():
    """A bank file written here and read back as the bank would return it."""

    class Payees(Importer):
        formats = (XLSX,)
        columns = (Column("account", "Account", ("账号",), clean=identifier()),
                   Column("name", "Name", ("户名",), clean=text()),
                   Column("amount", "Amount", ("金额",), clean=decimal(places=2)))

        def skip_row(self, raw):
            return str(raw.get("account", "")).startswith("合计")

    result = Payees().read(workbook_bytes([_payees()]))
    assert result.ok, result.errors
    assert [(r.number, r["account"], r["name"], r["amount"]) for r in result.rows] == [
        (3, ACCOUNT, "王小明", Decimal("1992")), (4, ACCOUNT, "+李华", Decimal("2358.5"))]


# --------------------------------------------------------------------------- downloads


def test_xlsx_response_with_a_chinese_file_name():
    response = xlsx_response(b"PK...", "19电商1班 签收表.xlsx")
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''19%E7%94%B5%E5%95%861%E7%8F%AD%20%E7%AD%BE%E6%94%B6%E8%A1%A8.xlsx")
    assert response["Content-Length"] == "5" and response.content == b"PK..."
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_file_response_keeps_names_out_of_paths_and_headers():
    response = file_response(b"%PDF", "../../etc/pass\r\nwd.pdf", "application/pdf", as_attachment=False)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="_.._etc_pass_wd.pdf"'
    assert file_response(b"", "roster-3.xlsx", XLSX_CONTENT_TYPE)["Content-Disposition"] == (
        'attachment; filename="roster-3.xlsx"')


# --------------------------------------------------------------------------- properties


@hypothesis_settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=6))
def test_any_text_reads_back_identical_and_never_as_a_formula(values):
    content = workbook_bytes([Sheet("T", [ExportColumn("Text")], rows=[(v,) for v in values])])
    ws = _read(content).active
    cells = [row[0] for row in ws.iter_rows(min_row=2, max_row=len(values) + 1)]
    for value, cell in zip(values, cells, strict=True):
        assert cell.data_type == "s" or cell.value is None
        # Only what XML cannot hold is changed: control characters dropped,
        # line breaks as LF.
        assert (cell.value or "") == cell_text(value)
        if value.isprintable():
            assert (cell.value or "") == value


@hypothesis_settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=10**25))
def test_any_digit_string_in_a_text_column_keeps_every_digit(number):
    ws = _read(workbook_bytes([Sheet("T", [ExportColumn("ID")], rows=[(number,), (str(number),)])])).active
    assert ws["A2"].value == ws["A3"].value == str(number)
    assert ws["A2"].data_type == ws["A3"].data_type == "s"


def test_text_cells_drop_what_xml_cannot_hold_instead_of_failing_the_export():
    # openpyxl raises on a vertical tab (pasted from Word) and writes U+FFFE
    # into a file Excel cannot open; both are dropped, nothing else is.
    rows = [("备注\x0b第二行\ufffe",), ("a\r\nb",)]
    ws = _read(workbook_bytes([Sheet("T", [ExportColumn("Note")], rows=rows)])).active
    assert [ws["A2"].value, ws["A3"].value] == ["备注第二行", "a\nb"]


def test_upload_field_offers_the_accepted_files():
    from trainingweek.forms import ACCEPT_TABLE, UploadField

    assert UploadField(accept=ACCEPT_TABLE).widget.attrs["accept"] == ACCEPT_TABLE
    assert "accept" not in UploadField().widget.attrs


def test_a_template_sheet_formats_its_columns_and_a_list_sheet_is_hidden():
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from trainingweek.exports import stored_file_response

    choices = DataValidation(type="list", formula1="='Lists'!$A$2:$A$3")
    choices.add("B2:B100")
    form = Sheet("Form", [ExportColumn("ID", 22, column_format="@", header_style={"font": Font(bold=True, color="C00000")}),
                          ExportColumn("Class")], validations=[choices])
    lists = Sheet("Lists", [ExportColumn("Class")], rows=[("=1+1",), ("A班",)], hidden=True)
    wb = _read(workbook_bytes([form, lists]))
    assert wb["Form"].column_dimensions["A"].number_format == "@"
    assert wb["Form"]["A1"].font.color.rgb.endswith("C00000") and wb["Form"]["B1"].font.b
    assert wb["Form"].data_validations.dataValidation[0].formula1 == "='Lists'!$A$2:$A$3"
    assert wb["Lists"].sheet_state == "hidden" and (wb["Lists"]["A2"].value, wb["Lists"]["A2"].data_type) == ("=1+1", "s")
    response = stored_file_response(io.BytesIO(b"PK..."), "班级/名单.xlsx")
    assert "no-store" in response["Cache-Control"] and "attachment" in response["Content-Disposition"]
    assert "/" not in response["Content-Disposition"].split("filename", 1)[1]


def _sheet_xml(content: bytes) -> dict[str, bytes]:
    """The parts of an .xlsx that hold its cells and styles (not its timestamps)."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return {name: z.read(name) for name in z.namelist()
                if name.startswith("xl/worksheets/") or name == "xl/styles.xml"}


cell_values = st.one_of(
    st.none(), st.text(max_size=12), st.sampled_from(["=1+1", "+86 138", "-5", "@x", "#N/A", "a\x0bb", "\r\nx"]),
    st.integers(-10**6, 10**6), st.decimals(min_value=-10**6, max_value=10**6, places=2),
    st.builds(lambda v: Styled(v, bold=True), st.text(max_size=5)),
    st.just(Formula("=C{row}*2")))


@hypothesis_settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.lists(cell_values, min_size=0, max_size=5), max_size=12))
def test_reused_cells_write_exactly_what_a_cell_per_value_writes(rows):
    """The fast path (a reused cell per plain column) writes the same XML,
    styles and all, as the cell-per-value path; wrong types fail the same."""
    import trainingweek.exports as exports

    columns = [ExportColumn("文本", 20), ExportColumn("金额", 12, AMOUNT), ExportColumn("数", 8, NUMBER),
               ExportColumn("格式", 10, AMOUNT, number_format="0.00"), ExportColumn("填充", 10, style={"fill": FILL})]
    kinds = [TEXT, AMOUNT, NUMBER, AMOUNT, TEXT]

    def fits(value, kind):  # what a column of the kind accepts (else both paths raise TypeError)
        if value is None or isinstance(value, Formula) or kind == TEXT:
            return True
        if isinstance(value, Styled):
            return False
        return isinstance(value, int | Decimal) and not isinstance(value, bool)

    rows = [[v if fits(v, k) else None for v, k in zip(row, kinds, strict=False)] for row in rows]

    def build():
        return workbook_bytes([Sheet("表", columns, rows=rows, footer=[[Styled("合计", bold=True), None]])])

    fast = build()
    original = exports._refill
    exports._refill = lambda ws, column: None  # every value through the general path
    try:
        slow = build()
    finally:
        exports._refill = original
    assert _sheet_xml(fast) == _sheet_xml(slow)


FILL = PatternFill("solid", fgColor="FFFF00")


def test_a_reused_cell_still_refuses_a_wrong_type():
    for column, value in [(ExportColumn("金额", 12, AMOUNT), "12.00"), (ExportColumn("金额", 12, AMOUNT), True),
                          (ExportColumn("数", 12, NUMBER), "3")]:
        with pytest.raises(TypeError):
            workbook_bytes([Sheet("表", [column], rows=[[Decimal("1.00") if column.kind == AMOUNT else 1], [value]])])
