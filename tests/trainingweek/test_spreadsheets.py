"""The one place that decides what a safe spreadsheet cell is."""

import io
from decimal import Decimal

import openpyxl
import pytest

from trainingweek.spreadsheets import amount_cell, text_cell


def _round_trip(values):
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append([text_cell(ws, v) for v in values] + [amount_cell(ws, Decimal("2577.00"), bold=True)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return list(openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows())[0]


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+86 138", "-1", "@SUM(A1)", "=1+1"])
def test_user_text_that_looks_like_a_formula_stays_text(text):
    cell = _round_trip([text])[0]
    assert cell.data_type == "s" and cell.value == text


def test_long_digit_strings_keep_every_digit_and_none_is_empty():
    card, empty, *_ = _round_trip(["6217001234567890123", None])
    assert card.value == "6217001234567890123" and card.number_format == "@"
    assert empty.value in ("", None)


def test_amounts_are_numbers_with_two_places():
    amount = _round_trip([])[0]
    assert amount.value == 2577 and amount.number_format == "#,##0.00" and amount.font.b


@pytest.mark.usefixtures("english_ui")
class TestUploads:
    """Every import reads uploads through the same checks."""

    LIMIT = 1024 * 1024

    @pytest.mark.parametrize(("content", "message"), [
        (b"", "The file is empty."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old-style Excel file (.xls)"),
        (b"name,amount\n1,2\n", "not an Excel workbook"),
    ])
    def test_what_is_not_a_workbook_is_refused_with_a_reason(self, content, message):
        from trainingweek.spreadsheets import WorkbookError, open_xlsx

        with pytest.raises(WorkbookError, match=message.replace("(", r"\(").replace(")", r"\)")):
            open_xlsx(io.BytesIO(content), max_bytes=self.LIMIT)

    def test_a_zip_bomb_is_refused_before_opening(self):
        import zipfile

        from trainingweek.spreadsheets import WorkbookError, open_xlsx

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/workbook.xml", "<workbook/>")
            archive.writestr("xl/big.xml", "0" * (31 * 1024 * 1024))
        with pytest.raises(WorkbookError, match="unpacks to more data"):
            open_xlsx(buffer, max_bytes=self.LIMIT)
