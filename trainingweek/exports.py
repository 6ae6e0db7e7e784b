"""Writing spreadsheets and sending files: the one exporter base.

Every spreadsheet the system hands out (bank files, registers, sign-off
sheets, rosters, templates, settlement statements) is written here, so each
one gets the same guarantees without its author thinking about them:

- write-only openpyxl (flat memory however many rows; rows may come from a
  generator);
- every user-text cell is a text cell through
  :func:`trainingweek.spreadsheets.text_cell`: a name or note starting with
  = + - @ never runs as a formula in Excel or WPS, and ID numbers and bank
  accounts keep every digit (never 6.2e+18) because a text column turns
  whatever it gets into text;
- amounts are numbers (Decimal, never float) shown with two places;
- the header row is bold and frozen, and every column has a width.

The only formulas are the ones the code writes on purpose, as
:class:`Formula` (a register's net = gross − tax, its totals)::

    sheet = Sheet(_("Stipend register"), [
        ExportColumn(_("Name"), 12),
        ExportColumn(_("ID card"), 22),                 # text: every digit kept
        ExportColumn(_("Gross amount"), 12, AMOUNT),
        ExportColumn(_("Net amount"), 12, AMOUNT),
    ], rows=((i.name, i.id_number, i.gross, Formula("=C{row}")) for i in items),
       title_rows=[[Styled(title, bold=True)]],
       footer=[[Styled(_("Total"), bold=True), None, Formula("=SUM(C{first}:C{last})"), None]])
    return xlsx_response(workbook_bytes([sheet]), "津贴发放表.xlsx")

Merged cells do not exist in write-only mode: a title is one cell in
column A (Excel shows it across the empty cells beside it).
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import FileResponse, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .spreadsheets import AMOUNT_FORMAT, amount_cell, cell_text, text_cell

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_CONTENT_TYPE = "application/pdf"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

# Column kinds: how a value of the column is written.
TEXT = "text"  # always a text cell (names, IDs, accounts, phone numbers, codes)
AMOUNT = "amount"  # money: Decimal or int, shown #,##0.00
NUMBER = "number"  # counts, hours, KPI values: int, float or Decimal
DATE = "date"  # date or datetime, shown yyyy-mm-dd unless the column says otherwise
KINDS = (TEXT, AMOUNT, NUMBER, DATE)
DATE_FORMAT = "yyyy-mm-dd"
DEFAULT_WIDTH = 12
# Excel refuses a sheet title longer than 31 characters or holding these.
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_FILENAME_FORBIDDEN = re.compile(r"[\\/\x00-\x1f\x7f]+")


class Formula(str):
    """A formula the code writes on purpose, never user text. ``{row}`` is
    the row it is written in; ``{first}`` and ``{last}`` are the sheet's
    first and last data rows (for totals in the footer)::

        Formula("=D{row}-E{row}")            # in a data row
        Formula("=SUM(D{first}:D{last})")    # in the footer
    """

    __slots__ = ()


@dataclass(frozen=True, init=False)
class Styled:
    """One cell's value with its own look: ``bold``, ``kind`` (to write e.g.
    a number in a text column's footer), ``number_format`` and any further
    openpyxl cell style (``fill=PatternFill(...)``, ``font=``, ``alignment=``,
    ``border=``). The value is still written by its kind: styling never makes
    text a formula."""

    value: Any
    kind: str | None
    bold: bool
    number_format: str | None
    style: Mapping[str, Any]

    def __init__(self, value: Any, *, kind: str | None = None, bold: bool = False,
                 number_format: str | None = None, **style: Any):
        if kind is not None and kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "bold", bold)
        object.__setattr__(self, "number_format", number_format)
        object.__setattr__(self, "style", dict(style))


@dataclass(frozen=True)
class ExportColumn:
    """A column of a sheet: its header ``label`` (translatable), ``width``
    (Excel's character units), ``kind`` (TEXT, AMOUNT, NUMBER or DATE), an
    optional ``number_format`` for its values (e.g. ``'m"月"d"日"'``, ``"0.00%"``)
    and a ``style`` for its data cells (e.g. ``{"alignment": centre}``)."""

    label: Any
    width: float = DEFAULT_WIDTH
    kind: str = TEXT
    number_format: str | None = None
    style: Mapping[str, Any] = field(default_factory=dict)
    # The whole column's format in Excel, for cells people type into later
    # (a template: "@" keeps typed ID numbers as text).
    column_format: str | None = None
    header_style: Mapping[str, Any] = field(default_factory=dict)  # this column's header cell (e.g. a red font)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}")


@dataclass
class Sheet:
    """One sheet: ``title_rows`` (titles, a payer line, key–value lines)
    above the header, the header of ``columns``, the data ``rows`` (any
    iterable of sequences, one value per column; None is an empty cell) and
    ``footer`` rows (totals) below.

    Data and footer values are written by their column's kind; title-row
    values by their type (text unless a number, Decimal or date). Wrap a
    value in :class:`Styled` for its own look, or use :class:`Formula` for a
    formula of the code's own.
    """

    title: Any
    columns: Sequence[ExportColumn]
    rows: Iterable[Sequence[Any]] = ()
    title_rows: Sequence[Sequence[Any]] = ()
    footer: Iterable[Sequence[Any]] = ()
    header_style: Mapping[str, Any] = field(default_factory=dict)
    hidden: bool = False  # e.g. a template's list of choices
    # openpyxl DataValidation objects (drop-down lists), with their ranges added.
    validations: Sequence[Any] = ()

    @property
    def header_row(self) -> int:
        return len(self.title_rows) + 1

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1

    def write(self, workbook: Workbook) -> None:
        """Append this sheet to a write-only ``workbook``."""
        ws = workbook.create_sheet(sheet_title(self.title))
        # Widths and panes go before the first row: a write-only sheet
        # streams its XML, and <cols>/<sheetViews> come before the data.
        for index, column in enumerate(self.columns, start=1):
            dimension = ws.column_dimensions[get_column_letter(index)]
            dimension.width = column.width
            if column.column_format:
                dimension.number_format = column.column_format
        ws.freeze_panes = f"A{self.first_data_row}"
        if self.hidden:
            ws.sheet_state = "hidden"
        for validation in self.validations:
            ws.data_validations.append(validation)
        for values in self.title_rows:
            ws.append([_cell(ws, v, None, None, {}, {}) for v in values])
        ws.append([_cell(ws, Styled(str(c.label), bold=True, **{**self.header_style, **c.header_style}), TEXT, None,
                         {}, {}) for c in self.columns])
        number = self.header_row
        fill = [_refill(ws, c) for c in self.columns]
        width = len(self.columns)
        for values in self.rows:
            number += 1
            if len(values) > width:
                raise ValueError(f"sheet {self.title!s}: {len(values)} values for {width} columns")
            # A plain value goes into its column's reused cell; a Styled
            # value, a Formula or a column with its own style into a new one.
            ws.append([None if v is None and f is not None
                       else f(v) if f is not None and not isinstance(v, _OWN_CELL)
                       else _cell(ws, v, c.kind, c.number_format, c.style, {"row": number})
                       for v, c, f in zip(values, self.columns, fill, strict=False)])
        places = {"first": self.first_data_row, "last": number}
        for values in self.footer:
            number += 1
            ws.append(self._row(ws, values, {**places, "row": number}))

    def _row(self, ws, values: Sequence[Any], places: dict[str, int]) -> list:
        if len(values) > len(self.columns):
            raise ValueError(f"sheet {self.title!s}: {len(values)} values for {len(self.columns)} columns")
        return [_cell(ws, v, c.kind, c.number_format, c.style, places)
                for v, c in zip(values, self.columns, strict=False)]


def workbook_bytes(sheets: Iterable[Sheet]) -> bytes:
    """The ``sheets`` as one .xlsx file (write-only: flat memory)."""
    workbook = Workbook(write_only=True)
    try:
        for sheet in sheets:
            sheet.write(workbook)
    except BaseException:
        # Each write-only sheet streams into a temporary file that only
        # saving removes; a failed export must not leave them behind in a
        # long-running worker.
        with contextlib.suppress(Exception):
            workbook.save(io.BytesIO())
        raise
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_title(title: Any) -> str:
    """A valid sheet title: without [ ] : * ? / \\ and at most 31 characters
    (Excel refuses to open a file otherwise)."""
    text = _TITLE_FORBIDDEN.sub("_", str(title)).strip().strip("'")[:31]
    return text or "Sheet"


# Values written through the general path (:func:`_cell`), never into a reused cell.
_OWN_CELL = (Styled, Formula)


class _Refilled(Cell):
    """The cell of :func:`_refill`: its style is set once, so its style id
    is looked up once (openpyxl hashes the style for every cell it writes).
    Its repr is short: openpyxl first tries every cell it is handed as a
    value, and formats the cell into the message of the exception it raises
    and catches (once per cell of a sheet)."""

    __slots__ = ("_style_id",)

    @property
    def style_id(self) -> int:
        try:
            return self._style_id
        except AttributeError:
            self._style_id = Cell.style_id.fget(self)
            return self._style_id

    def __repr__(self) -> str:
        return "<refilled cell>"


def _refill(ws, column: ExportColumn):
    """For a text, amount or number column without a style of its own: a
    function that puts a plain value into one cell kept for the column and
    returns it, or None (the column's cells are made one by one).

    A write-only sheet writes a row out as it is appended, so the column's
    cell is written before the next row refills it: the cell, its style and
    its checks are made once per column instead of once per value (a bank
    file of 10,000 transfers has 40,000 cells and more). The cell is filled
    as :func:`_value_cell` would make it: text through
    :func:`trainingweek.spreadsheets.cell_text` as a text cell, amounts and
    numbers refused unless they are numbers."""
    if column.style or column.kind not in (TEXT, AMOUNT, NUMBER):
        return None
    cell = _Refilled(ws, row=1, column=1, value=0)
    if column.kind == TEXT:  # as text_cell makes it
        cell.data_type = "s"
        cell.number_format = "@"
    elif column.kind == AMOUNT:  # as amount_cell makes it
        cell.number_format = AMOUNT_FORMAT
    if column.number_format:
        cell.number_format = column.number_format

    if column.kind == TEXT:
        def fill(value):
            cell._value = cell_text(value)  # data_type stays "s": text, never a formula
            return cell
    elif column.kind == AMOUNT:
        def fill(value):
            if isinstance(value, bool) or not isinstance(value, Decimal | int):
                raise TypeError(f"an amount must be Decimal or int, not {type(value).__name__}: {value!r}")
            cell._value = value  # data_type stays "n"
            return cell
    else:
        def fill(value):
            if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
                raise TypeError(f"a number must be int, float or Decimal, not {type(value).__name__}: {value!r}")
            cell._value = value
            return cell
    return fill


def _kind_of(value: Any) -> str:
    """Title-row cells have no column: the kind follows the value's type."""
    if isinstance(value, Decimal):
        return AMOUNT
    if isinstance(value, int | float) and not isinstance(value, bool):
        return NUMBER
    if isinstance(value, date):
        return DATE
    return TEXT


def _cell(ws, value: Any, kind: str | None, number_format: str | None, style: Mapping[str, Any],
          places: dict[str, int]):
    bold = False
    if isinstance(value, Styled):
        kind = value.kind or kind
        number_format = value.number_format or number_format
        style = {**style, **value.style}
        bold = value.bold
        value = value.value
    if value is None and not style and not bold:
        return None
    if isinstance(value, Formula):
        cell = WriteOnlyCell(ws, value=value.format(**places))
        if kind == AMOUNT:
            cell.number_format = AMOUNT_FORMAT
    else:
        kind = kind or _kind_of(value)
        cell = _value_cell(ws, value, kind)
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    for key, val in style.items():
        setattr(cell, key, val)
    return cell


def _value_cell(ws, value: Any, kind: str):
    if value is None:
        return WriteOnlyCell(ws, value=None)
    if kind == TEXT:
        return text_cell(ws, value)
    if kind == AMOUNT:
        # Money is Decimal from strings; a float here is a bug upstream, and
        # a string would be user text in a number column.
        if isinstance(value, bool) or not isinstance(value, Decimal | int):
            raise TypeError(f"an amount must be Decimal or int, not {type(value).__name__}: {value!r}")
        return amount_cell(ws, value)
    if kind == NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise TypeError(f"a number must be int, float or Decimal, not {type(value).__name__}: {value!r}")
        return WriteOnlyCell(ws, value=value)
    if not isinstance(value, date):
        raise TypeError(f"a date must be a date or datetime, not {type(value).__name__}: {value!r}")
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = DATE_FORMAT if not isinstance(value, datetime) else "yyyy-mm-dd hh:mm"
    return cell


# --------------------------------------------------------------------------- downloads


def safe_filename(filename: str) -> str:
    """``filename`` without path separators or control characters (Chinese
    is kept: the header encodes it)."""
    return _FILENAME_FORBIDDEN.sub("_", str(filename)).strip(" .") or "download"


def file_response(content: bytes, filename: str, content_type: str, *, as_attachment: bool = True) -> HttpResponse:
    """A download of ``content``. The file name may be Chinese:
    ``content_disposition_header`` sends it as RFC 6266 ``filename*``, which
    every current browser reads. Downloads often hold personal data, so
    they are not stored by caches (``private, no-store``)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment, safe_filename(filename))
    response["Content-Length"] = str(len(content))
    patch_cache_control(response, private=True, no_store=True)
    return response


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """A download of an .xlsx file made by :func:`workbook_bytes`."""
    return file_response(content, filename, XLSX_CONTENT_TYPE)


def stored_file_response(handle, filename: str) -> FileResponse:
    """A download of a stored file (a job's result), streamed from the open
    binary ``handle``, with the same name handling and cache rules as
    :func:`file_response`."""
    response = FileResponse(handle, as_attachment=True, filename=safe_filename(filename))
    patch_cache_control(response, private=True, no_store=True)
    return response
