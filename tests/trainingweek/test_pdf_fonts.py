"""PDFs whose CJK fonts are cut to their own glyphs (trainingweek.pdf_fonts).

The cut renumbers the glyphs and relies on the font's CID charset, so the
checks are made by two renderers the project did not write — poppler
(pdftoppm, pdftotext, pdffonts) and MuPDF — against the document WeasyPrint
wrote, never against our own reading of it.
"""

import io
import shutil
import subprocess

import pymupdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageFilter
from pypdf import PdfReader

from tests.settlement.test_documents import _assert_cjk_embedded, _pdffonts
from trainingweek import pdf_fonts
from trainingweek.pdf import render_pdf

SHEET = """<h1>实训班学生成绩评定表</h1>
<p>学生：{name}　学号：2019{number:06d}　班级：19电商1班</p>
<table><tr><th>项目</th><th>分数</th></tr>
<tr><td>服从管理（10%）</td><td class="num">90.00</td></tr>
<tr><td>关键指标达成率 KPI</td><td class="num">49.25</td></tr></table>
<p><b>合计</b> 75.28 — ¥1,234.50</p>"""


def _mupdf_page(pdf: bytes, page: int = 0) -> Image.Image:
    document = pymupdf.open(stream=pdf, filetype="pdf")
    pixmap = document[page].get_pixmap(dpi=100, colorspace="gray")
    return Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)


def _poppler_page(pdf: bytes, tmp_path, page: int = 1) -> Image.Image:
    if not shutil.which("pdftoppm"):
        pytest.fail("pdftoppm (poppler-utils) is needed to render PDFs")
    source = tmp_path / "in.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "100", "-gray", "-f", str(page), "-l", str(page), "-png",
                    str(source), str(tmp_path / "page")], check=True)
    rendered = next(tmp_path.glob("page-*.png"))
    image = Image.open(rendered).convert("L")
    rendered.unlink()
    return image


def _poppler_text(pdf: bytes, tmp_path) -> str:
    source = tmp_path / "text.pdf"
    source.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(source), "-"], capture_output=True, text=True,
                          check=True).stdout


def _differing(a: Image.Image, b: Image.Image, *, blur: int = 0) -> float:
    """The share of ink pixels that differ by more than a quarter of the grey
    scale; ``blur`` first smooths both (poppler hints the renumbered outlines
    a little differently: edges move by a fraction of a pixel, glyphs do not)."""
    assert a.size == b.size
    if blur:
        a, b = a.filter(ImageFilter.BoxBlur(blur)), b.filter(ImageFilter.BoxBlur(blur))
    histogram = ImageChops.difference(a, b).histogram()
    ink = sum(a.histogram()[:192]) or 1
    return sum(histogram[64:]) / ink


def test_a_one_page_sheet_is_under_100_kib_and_looks_the_same(tmp_path):
    original = render_pdf(SHEET.format(name="测试学生", number=1))
    small = pdf_fonts.compact(original)
    assert len(small) <= 100 * 1024, len(small)
    assert len(small) < len(original) / 3, (len(original), len(small))
    # Both renderers draw what they drew of the original: MuPDF to the pixel, poppler
    # once its sub-pixel hinting is smoothed away...
    assert _differing(_mupdf_page(original), _mupdf_page(small)) == 0
    assert _differing(_poppler_page(original, tmp_path), _poppler_page(small, tmp_path), blur=2) == 0
    # ...while the same sheet with another name (4 of ~60 characters) differs under both
    # measures: they tell glyphs apart.
    other = render_pdf(SHEET.format(name="别的学员", number=1))
    assert _differing(_mupdf_page(original), _mupdf_page(other)) > 0.01
    assert _differing(_poppler_page(original, tmp_path), _poppler_page(other, tmp_path), blur=2) > 0
    assert _poppler_text(small, tmp_path) == _poppler_text(original, tmp_path)
    fonts = _pdffonts(small, tmp_path)
    _assert_cjk_embedded(fonts)
    assert len(fonts) == 2  # regular and bold, each embedded once


def test_split_parts_carry_their_own_glyphs_and_render_as_their_pages(tmp_path):
    pages = [SHEET.format(name=name, number=n) for n, name in enumerate(["赵钱孙", "周吴郑", "冯陈褚"])]
    merged = render_pdf('<div style="break-before: page">'.join(pages))
    assert len(PdfReader(io.BytesIO(merged)).pages) == 3
    whole, *parts = pdf_fonts.split(merged, [range(3), range(0, 1), range(1, 3)])
    assert [len(PdfReader(io.BytesIO(p)).pages) for p in (whole, *parts)] == [3, 1, 2]
    for part, first in ((parts[0], 0), (parts[1], 1), (parts[1], 2)):
        page = first if part is parts[0] else first - 1
        assert _differing(_mupdf_page(merged, first), _mupdf_page(part, page)) == 0
    assert "赵钱孙" in _poppler_text(parts[0], tmp_path) and "周吴郑" not in _poppler_text(parts[0], tmp_path)
    # The first part's fonts hold fewer glyphs than the whole document's.
    assert _glyph_count(parts[0]) < _glyph_count(whole)


def _glyph_count(pdf: bytes) -> int:
    from fontTools.cffLib import CFFFontSet

    total = 0
    for font in pymupdf.open(stream=pdf, filetype="pdf")[0].get_fonts():
        document = pymupdf.open(stream=pdf, filetype="pdf")
        _name, extension, _type, program = document.extract_font(font[0])
        assert extension == "cid", extension  # MuPDF's name for a bare CID-keyed CFF program
        cff = CFFFontSet()
        cff.decompile(io.BytesIO(program), None)
        total += len(cff.topDictIndex[0].charset)
    return total


def test_a_font_that_is_not_cid_keyed_cff_is_left_as_it_is(tmp_path):
    """DejaVu Sans is TrueType (CIDFontType2): its program is kept as WeasyPrint wrote it
    (the page number below is still in Noto Sans CJK, which is cut)."""
    original = render_pdf('<p style="font-family: \'DejaVu Sans\'">Stipend 1,234.50</p>')
    def truetype(pdf):
        return [line.split()[:3] for line in _pdffonts_lines(pdf, tmp_path) if "CID TrueType" in line]

    small = pdf_fonts.compact(original)
    assert truetype(original) and truetype(small) == truetype(original)
    assert _differing(_mupdf_page(original), _mupdf_page(small)) == 0
    assert _poppler_text(small, tmp_path) == _poppler_text(original, tmp_path)


def _pdffonts_lines(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()


# Common ideographs (GB2312 level 1 sits in U+4E00–U+9FA5), Latin and digits.
_TEXT = st.text(alphabet=st.sampled_from("的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得"
                                         "里后自以会家可下而过天去能对小多然于心学么之都好看起发当没成只如事把还用"
                                         "第样道想作种开美总从无情己面最女但现前些所同日手又行意动方期它头经长儿回"
                                         "位分爱老因很给名法间斯知世什两次使身者被高已亲其进此话常与活正感ABCxyz0123456789，。（）％"),
                min_size=1, max_size=40)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_TEXT, bold=_TEXT)
def test_any_text_survives_the_cut(text, bold, tmp_path):
    original = render_pdf(f"<p>{text}</p><p><b>{bold}</b></p>")
    small = pdf_fonts.compact(original)
    assert _poppler_text(small, tmp_path) == _poppler_text(original, tmp_path)
    assert _differing(_mupdf_page(original), _mupdf_page(small)) == 0
