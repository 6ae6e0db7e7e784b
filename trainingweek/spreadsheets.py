"""Spreadsheets in and out (openpyxl).

Out: one place decides what a safe cell is. User text is always a text cell,
so a name or note starting with = + - @ never runs as a formula in Excel or
WPS, and IDs and account numbers keep every digit (never 6.2e+18).

In: one place decides what an uploaded workbook may be. It must be a real
.xlsx (content checked, not the name), not an old .xls, and not unpack to
far more than the upload limit (a zip bomb); anything else gets a message
the user can act on.

These are the cell and file rules; whole sheets are written by
:mod:`trainingweek.exports` and uploads read by :mod:`trainingweek.imports`,
which build on them.
"""

import re
import zipfile

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

# What a spreadsheet would run as a formula if it started a cell.
FORMULA_START = ("=", "+", "-", "@")
AMOUNT_FORMAT = "#,##0.00"
# An .xlsx unpacks to a few times its size; far more is a zip bomb.
MAX_UNPACKED_FACTOR = 30
# Characters XML 1.0 cannot hold: openpyxl refuses the control characters
# (and the whole export fails) but lets U+FFFE/U+FFFF and lone surrogates
# through into a file Excel cannot open.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The most characters Excel keeps in a cell; a longer one makes it call the
# file damaged.
MAX_CELL_TEXT = 32767


class WorkbookError(ValueError):
    """An upload that is not a workbook we can read; the message says why."""


def cell_text(value) -> str:
    """``value`` as a cell may hold it: control characters (a vertical tab
    pasted from Word) cannot be stored in the XML and would fail the whole
    export, so they are dropped; line breaks become LF as Excel writes them
    (XML would turn a bare CR into one anyway); text is cut at Excel's limit."""
    if type(value) is str and len(value) <= MAX_CELL_TEXT and value.isprintable():
        return value  # the usual case: nothing to drop (every character above is unprintable)
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return NOT_IN_XML.sub("", text)[:MAX_CELL_TEXT]


def text_cell(ws, value, *, bold: bool = False, **style) -> WriteOnlyCell:
    """``value`` as a text cell, whatever it looks like; ``style`` sets
    further cell attributes (font, alignment, fill...)."""
    cell = WriteOnlyCell(ws, value=cell_text(value))
    cell.data_type = "s"  # openpyxl would take a leading "=" for a formula
    cell.number_format = "@"
    if bold:
        cell.font = Font(bold=True)
    for key, val in style.items():
        setattr(cell, key, val)
    return cell


def amount_cell(ws, value, *, bold: bool = False) -> WriteOnlyCell:
    """A money amount as a number with thousands separators and two places."""
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = AMOUNT_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def not_a_workbook() -> WorkbookError:
    return WorkbookError(_(
        "This is not an Excel workbook (.xlsx), or it is damaged. Open it in Excel or WPS, "
        "save it as “Excel Workbook (*.xlsx)” and upload it again."
    ))


def check_xlsx(source, max_bytes: int) -> None:
    """Refuse what openpyxl should not even try: empty, old .xls, not a zip,
    a zip that is no workbook, or one that unpacks to far too much."""
    source.seek(0)
    head = source.read(8)
    source.seek(0)
    if not head:
        raise WorkbookError(_("The file is empty."))
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise WorkbookError(_(
            "This is an old-style Excel file (.xls). Open it in Excel or WPS, save it as "
            "“Excel Workbook (*.xlsx)” and upload it again."
        ))
    try:
        with zipfile.ZipFile(source) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise not_a_workbook() from exc
    finally:
        source.seek(0)
    if "xl/workbook.xml" not in names:
        raise not_a_workbook()
    if unpacked > max_bytes * MAX_UNPACKED_FACTOR:
        raise WorkbookError(_("The workbook unpacks to more data than an upload may hold; it is refused."))


def open_xlsx(source, *, max_bytes: int, data_only: bool = True):
    """``source`` (a binary file object) checked and opened read-only.

    Read rows by iterating (a write-only file has no dimension record, so
    ``max_row`` may be None); close the workbook when done.
    """
    check_xlsx(source, max_bytes)
    try:
        return openpyxl.load_workbook(source, read_only=True, data_only=data_only)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise not_a_workbook() from exc
