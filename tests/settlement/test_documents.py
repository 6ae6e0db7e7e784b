"""The statement as PDF (text AND embedded CJK font) and as Excel."""

import io
import shutil
import subprocess
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from stipends.settlement.models import Room
from trainingweek.pdf import font_config, render_pdf


def _pdffonts(pdf: bytes, tmp_path) -> list[tuple[str, bool]]:
    """(font name, embedded?) for every font of the PDF, as pdffonts reports."""
    if not shutil.which("pdffonts"):
        pytest.fail("pdffonts (poppler-utils) is needed to check embedded fonts")
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    output = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    header, _rule, *rows = output.splitlines()
    emb = header.index("emb")
    return [(row[:header.index("type")].strip(), row[emb:emb + 3] == "yes") for row in rows if row.strip()]


def _assert_cjk_embedded(fonts):
    names = [name.replace("-", "").replace(" ", "") for name, _embedded in fonts]
    assert any("NotoSansCJK" in name for name in names), fonts
    assert all(embedded for _name, embedded in fonts), fonts


def test_render_pdf_is_a4_with_an_embedded_cjk_font(tmp_path):
    pdf = render_pdf("<h1>结算单</h1><p>甲方：测试学院</p>")
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)  # A4 in points
    _assert_cjk_embedded(_pdffonts(pdf, tmp_path))
    assert font_config() is font_config()  # one shared FontConfiguration


def test_statement_pdf_has_parties_lines_totals_and_signatures(settled_world, client_for, tmp_path):
    w = settled_world
    Room.objects.filter(name="206").update(name="=HYPERLINK(1)")  # user text stays text
    response = client_for(w.finance).get(reverse("settlement:settlement_pdf", args=[w.programme.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    pdf = response.content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    compact = text.replace(" ", "").replace("\n", "")
    assert w.school.name in compact and w.company.name in compact
    assert "实训楼机房A" in compact
    for amount in ("23,400.00", "19,500.00", "9,000.00", "1,000.00", "52,900.00", "-10,000.00", "42,900.00"):
        assert amount in compact
    path = tmp_path / "s.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdftotext"):
        plain = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert w.school.name in plain.replace(" ", "")
    _assert_cjk_embedded(_pdffonts(pdf, tmp_path))


def test_statement_xlsx(settled_world, client_for):
    w = settled_world
    Room.objects.filter(name="206").update(name="=1+1")
    response = client_for(w.coordinator).get(reverse("settlement:settlement_xlsx", args=[w.programme.pk]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    rows = [[c.value for c in row] for row in wb.worksheets[0].iter_rows()]
    cells = {str(v) for row in rows for v in row if v is not None}
    assert w.school.name in cells and w.company.name in cells
    amounts = [row[2] for row in rows if len(row) > 2 and isinstance(row[2], int | float)]
    assert 52900 in amounts and -10000 in amounts and 42900 in amounts
    formula_cells = [c for row in wb.worksheets[0].iter_rows() for c in row if c.data_type == "f"]
    assert formula_cells == []
    assert any(str(v).startswith("Room rent") or "=1+1" in str(v) for v in cells)
    payments = [[c.value for c in row] for row in wb.worksheets[1].iter_rows()]
    assert payments[1][0].date() == date(2018, 8, 17) and payments[1][2] == 10000  # a date cell, not text
    sheet = wb.worksheets[0]
    assert sheet.freeze_panes == "A7"  # below the header, under the parties
    rent = [c for row in sheet.iter_rows() for c in row if c.value and "=1+1" in str(c.value)]
    assert rent and all(c.data_type == "s" for c in rent)
