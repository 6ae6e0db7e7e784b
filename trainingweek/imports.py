"""Reading uploaded tables (.xlsx or CSV): the one importer base.

Every import (students, KPI values, online hours, the bank's result file)
is the same job: find the header row, map the columns by their header text,
clean every cell of every row, and report every problem with the row number
the user sees in Excel, before anything is written. This module does that
job once, without the database; the services decide what the rows mean and
write them (all or nothing: nothing unless ``result.ok``).

A concrete import declares its columns and, where needed, a cross-column
check::

    class OnlineHoursImport(Importer):
        columns = (
            Column("account", _("Shop account"), ("旺旺子账号", "客服账号", "旺旺账号"), clean=text()),
            Column("day", _("Date"), ("日期",), clean=day()),
            Column("hours", _("Online hours"), ("在线时长", "旺旺在线时长"),
                   clean=decimal(minimum=0, maximum=24)),
        )
        unique = (("account", "day"),)

    result = OnlineHoursImport().read(request.FILES["file"])
    if result.ok:
        ...  # write result.rows in one transaction

The rules, and why:

- The format is chosen by content, not by file name: people rename files,
  and a platform's "export to Excel" is often a CSV. A zip is an .xlsx
  (checked by :func:`trainingweek.spreadsheets.open_xlsx`: not an old .xls,
  no zip bomb, opened read-only); anything else must be CSV text in UTF-8
  (with or without BOM) or GB18030, which is what Chinese tools save.
- The header row is the first row within ``header_scan_rows`` that holds
  every required column, so title rows above it (批量转账明细) are skipped.
  Header texts are compared after :func:`header_key` (NFKC, so full-width
  letters and brackets count as half-width; no spaces, "*" marks or
  "(note)" parts; case-insensitive). An exact match of any column's alias
  is taken before any "contains" match, so 接待时长 can never be taken for
  在线时长 when both are in the file; a text contained in two headers is
  refused as ambiguous rather than guessed.
- Limits are stated (``settings.IMPORT_MAX_BYTES``, ``IMPORT_MAX_ROWS``) and
  enforced here with a message, before the work they protect against.
- A formula that was never calculated (files written by scripts) has no
  value to read: it is an error in its cell, never an empty cell.
- One :class:`RowError` type for every problem and one :class:`ImportResult`
  for every import, so the result pages and jobs show them the same way.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from . import spreadsheets
from .spreadsheets import FORMULA_START
from .text import clean_name

# Rows looked at for the header before giving up (title rows and notes above
# the header are common in hand-made lists and bank files).
HEADER_SCAN_ROWS = 10
# How often ``progress`` is called while reading (a job shows it).
PROGRESS_EVERY = 500
# Excel keeps 15 significant digits: a longer number typed into a number
# cell has already lost its last digits (6.2e+18), so it cannot be trusted.
EXCEL_DIGITS = 15
XLSX, CSV = "xlsx", "csv"
# Tried in this order: UTF-8 (the BOM, if any, removed) is strict enough that
# GB18030 text almost never decodes as UTF-8; GB18030 covers GBK and GB2312.
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
CSV_DELIMITERS = (",", "\t", ";")
# A formula element in a worksheet part, with or without a namespace prefix.
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
# Platforms export long numbers to CSV as ="6222..." so Excel keeps them text.
_EXCEL_TEXT = re.compile(r'^="(.*)"$', re.S)


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is for the user.

    :meth:`Importer.read` turns it into a file-level :class:`RowError`;
    subclasses raise it from :meth:`Importer.check_header`."""


class CellError(ValueError):
    """A cell (or row) is wrong; the message is for the user.

    Cleaners raise it (a plain ``ValueError`` works too, its text is shown).
    From :meth:`Importer.clean_row`, ``column`` names the key of the column
    the error belongs to (empty: the row as a whole)."""

    def __init__(self, message: str, *, column: str = ""):
        super().__init__(message)
        self.message = str(message)
        self.column = column


class Warned(NamedTuple):
    """A cleaned value with a warning (shown, but the file may still be
    imported): what a cleaner returns through :func:`warn`."""

    value: Any
    message: str


def warn(value: Any, message: str) -> Warned:
    """Return from a cleaner to keep ``value`` and warn, e.g. a bank card that
    fails Luhn ("请核对") is a warning, not a rejection."""
    return Warned(value, str(message))


class Formatted(NamedTuple):
    """What a cleaner of a ``Column(number_format=True)`` receives: the value
    and the cell's Excel number format ("" for CSV), e.g. to read a cell
    shown as 62.52% (stored 0.6252) as 62.52."""

    value: Any
    number_format: str


@dataclass(frozen=True)
class FormulaCell:
    """A cell holding a formula that must not be read as a value: it was
    never calculated (``cached`` is None), or the import refuses formulas."""

    formula: str
    cached: Any = None


def header_key(text: Any) -> str:
    """A header cell as compared with aliases: NFKC (full-width forms count
    as half-width), no "(note)" parts, spaces, "*" or ":" marks, lower case.
    ``在线时长(小时)``, ``在线时长（小时）`` and ``*在线 时长`` all give ``在线时长``."""
    if text is None or isinstance(text, FormulaCell):
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    text = re.sub(r"[(][^)]*[)]", "", text)  # NFKC already made （） into ()
    return re.sub(r"[\s*:]+", "", text).casefold()


@dataclass(frozen=True)
class Column:
    """One column an import reads.

    ``label`` is what messages call the column (translatable) and is also
    accepted as a header; ``aliases`` are the header texts that mean this
    column, in order of preference (the files' own Chinese headers: the
    active language may be English). ``clean`` turns the raw cell value (a
    string from CSV; str, int, float, datetime or bool from Excel; never
    None or "") into the value the service gets, or raises
    :class:`CellError`/``ValueError`` with a message for the user. ``mask``
    shows personal data masked in messages (ID numbers, phones, cards).
    """

    key: str
    label: Any
    aliases: tuple[str, ...] = ()
    required: bool = True
    clean: Callable[[Any], Any] | None = None
    mask: Callable[[str], str] | None = None
    number_format: bool = False  # the cleaner gets Formatted(value, number_format)
    # False: only a header equal to an alias counts, never one containing it
    # (short aliases such as 组 or 小组 are inside other headers: 小组长).
    partial: bool = True

    def names(self) -> list[str]:
        """Normalised header texts for this column, in order of preference."""
        names = []
        for text in (*self.aliases, str(self.label)):
            key = header_key(text)
            if key and key not in names:
                names.append(key)
        return names

    def shown(self, value: Any) -> str:
        """``value`` as a message shows it: text, masked if personal data."""
        if value is None or value == "":
            return ""
        if isinstance(value, Formatted):
            value = value.value
        if isinstance(value, FormulaCell):
            return value.formula
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            value = int(value)
        text = str(value)
        return self.mask(re.sub(r"\s+", "", text)) if self.mask else text


@dataclass(frozen=True)
class RowError:
    """One problem: the row as Excel shows it (None for the file as a whole),
    the column's label ("" for a whole row), the message, the cell's value
    (masked when personal data) and the cell ("D7") when known. Warnings use
    the same type. ``key`` is the column's key, for code (sorting, tests)."""

    row: int | None
    column: str
    message: str
    value: str = ""
    cell: str = ""
    key: str = ""

    def as_dict(self) -> dict:
        """Plain values, e.g. for a Job's stored result."""
        return asdict(self)

    def __str__(self) -> str:
        reason = f"{self.column}: {self.message}" if self.column else self.message
        if self.value:
            reason = f"{reason} ({self.value})"
        if self.row is None:
            return reason
        return _("Row %(row)s: %(reason)s.") % {"row": self.row, "reason": reason.rstrip(".")}


@dataclass(frozen=True)
class Header:
    """Where the table was found and how its columns were mapped."""

    format: str  # XLSX or CSV
    sheet: str  # the sheet's name ("" for CSV)
    row: int  # the header's row number
    columns: dict[str, int]  # column key -> 0-based index in the file
    texts: dict[str, str]  # column key -> header text as in the file
    ignored: tuple[str, ...] = ()  # "F 备注": headers of columns not read
    encoding: str = ""  # CSV only

    def cell(self, key: str, row: int) -> str:
        """The cell reference ("D7") of column ``key`` in ``row``."""
        index = self.columns.get(key)
        return f"{get_column_letter(index + 1)}{row}" if index is not None else ""


@dataclass
class Row:
    """A data row after cleaning: its row number and the cleaned values by
    column key (None for an empty optional cell). ``raw`` holds the values as
    read, for messages. In :meth:`Importer.clean_row`, :meth:`error` and
    :meth:`warn` add findings on this row."""

    number: int
    values: dict[str, Any]
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    _result: ImportResult | None = field(default=None, repr=False, compare=False)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def get(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key)
        return default if value is None else value

    def error(self, key: str, message: str) -> None:
        self._result.add_error(self.number, key, message, self.raw.get(key))

    def warn(self, key: str, message: str) -> None:
        self._result.add_warning(self.number, key, message, self.raw.get(key))


@dataclass
class ImportResult:
    """What :meth:`Importer.read` found: the good rows, every error and every
    warning (each list in row and column order) and the header.

    All or nothing: write only when :attr:`ok`. ``rows`` holds the rows
    without errors even when others have some, so a service can add its own
    findings about them (an account no student has) before deciding; add
    them with :meth:`add_error` so every bad row is listed at once.
    """

    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    header: Header | None = None
    columns: Sequence[Column] = ()
    row_count: int = 0  # data rows read, good and bad (empty and skipped rows not counted)
    # What the service did once it wrote the rows, e.g. {"written": 12} or
    # {"paid": 30, "failed": 2}: empty while nothing was written.
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def file_error(self) -> RowError | None:
        """The first error of no row, if any (listed first). Straight after
        :meth:`Importer.read` it is the reason the file could not be read;
        a service may add others of no row (an item the file lacks)."""
        return self.errors[0] if self.errors and self.errors[0].row is None else None

    @property
    def bad_rows(self) -> int:
        """How many rows have at least one error."""
        return len({e.row for e in self.errors if e.row is not None})

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, row: int | None, key: str, message: str, value: Any = None) -> RowError:
        """An error on ``row`` in column ``key`` (a key of ``columns``; other
        text is used as the label; "" for the whole row)."""
        return self._add(self.errors, row, key, message, value)

    def add_warning(self, row: int | None, key: str, message: str, value: Any = None) -> RowError:
        return self._add(self.warnings, row, key, message, value)

    def add_file_error(self, message: str) -> RowError:
        """An error about the file as a whole (it is listed first)."""
        return self._add(self.errors, None, "", message, None)

    def _add(self, target: list[RowError], row, key, message, value) -> RowError:
        column = next((c for c in self.columns if c.key == key), None)
        finding = RowError(
            row=row,
            column=str(column.label) if column else str(key),
            message=str(message),
            value=column.shown(value) if column else ("" if value is None else str(value)),
            cell=self.header.cell(key, row) if self.header and column and row else "",
            key=key if column else "",
        )
        bisect.insort(target, finding, key=self._order)
        return finding

    def _order(self, finding: RowError) -> tuple:
        position = next((i for i, c in enumerate(self.columns) if c.key == finding.key), len(self.columns))
        return (finding.row is not None, finding.row or 0, position)


# --------------------------------------------------------------------------- cleaners
# Small, common cleaners; a column may use any callable value -> value.


def _text(value: Any) -> str:
    """A cell as plain text: NFKC, runs of spaces as one, 2019.0 as 2019."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(value))).strip()


def text(*, max_length: int | None = None, formula_text: bool = True) -> Callable[[Any], str]:
    """Plain text (names, classes, banks). With ``formula_text=False`` text
    starting with = + - @ is refused, for text this system will show in
    other people's spreadsheets and CSV files."""

    def clean(value: Any) -> str:
        # The forms' rule (trainingweek.text): invisible characters refused, nothing cut.
        result = clean_name(_text(value))
        if not formula_text and result.startswith(FORMULA_START):
            raise CellError(_("Text may not start with =, +, - or @ (a spreadsheet would run it as a formula)"))
        if max_length is not None and len(result) > max_length:
            raise CellError(_("Too long: at most %(max)d characters") % {"max": max_length})
        return result

    return clean


def identifier(*, max_length: int | None = None) -> Callable[[Any], str]:
    """An ID, account or student number: text with every digit kept, spaces
    removed. A number cell is accepted while Excel can hold it exactly (up
    to 15 digits); a longer one has lost its last digits and is refused."""

    def clean(value: Any) -> str:
        if isinstance(value, bool):
            raise CellError(_("This is not a number or code."))
        if isinstance(value, int | float):
            if isinstance(value, float) and not value.is_integer():
                raise CellError(_("This is not a number or code."))
            if len(str(abs(int(value)))) > EXCEL_DIGITS or (isinstance(value, float) and abs(value) >= 1e15):
                raise CellError(_(
                    "The cell holds a number and Excel has dropped the last digits; format the column as text and type the number again"))
            value = int(value)
        # The forms' rule too: a zero-width space would make two numbers that look alike differ.
        result = clean_name(re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))))
        if max_length is not None and len(result) > max_length:
            raise CellError(_("Too long: at most %(max)d characters") % {"max": max_length})
        return result

    return clean


def to_decimal(value: Any) -> Decimal:
    """A number cell or text ("1,992.00", "１９９２", "46.65%" is not) as a
    Decimal, exactly: a float from Excel is taken by its shortest repr, so
    1921.5 stays 1921.5 and 0.1 stays 0.1."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        try:
            number = Decimal(unicodedata.normalize("NFKC", str(value)).strip().replace(",", ""))
        except InvalidOperation as exc:
            raise ValueError(value) from exc
    if not number.is_finite():
        raise ValueError(value)
    return number


def decimal(*, places: int | None = None, minimum: Decimal | int | None = None,
            maximum: Decimal | int | None = None) -> Callable[[Any], Decimal]:
    """A number as Decimal; ``places`` is the most decimal places allowed
    (an amount for the bank: 2), never silently rounded."""

    def clean(value: Any) -> Decimal:
        try:
            number = to_decimal(value)
        except ValueError as exc:
            raise CellError(_("“%(value)s” is not a number.") % {"value": value}) from exc
        if places is not None and number.as_tuple().exponent < -places and number != number.quantize(Decimal(1).scaleb(-places)):
            raise CellError(_("At most %(places)s decimal places.") % {"places": places})
        low = minimum is not None and number < minimum
        high = maximum is not None and number > maximum
        if (low or high) and minimum is not None and maximum is not None:
            raise CellError(_("%(value)s is outside %(minimum)s–%(maximum)s.") % {
                "value": value, "minimum": minimum, "maximum": maximum})
        if low:
            raise CellError(_("%(value)s is less than %(minimum)s.") % {"value": value, "minimum": minimum})
        if high:
            raise CellError(_("%(value)s is more than %(maximum)s.") % {"value": value, "maximum": maximum})
        return number

    return clean


_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")


def parse_day(value: Any) -> date | None:
    """A date cell, or text 2020-11-09, 2020/11/9, 2020.11.09 or 2020年11月9日
    (a time of day after it is ignored); None when it is not a real date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE.match(unicodedata.normalize("NFKC", str(value)).strip())
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def day() -> Callable[[Any], date]:
    """A calendar day (see :func:`parse_day`)."""

    def clean(value: Any) -> date:
        result = parse_day(value)
        if result is None:
            raise CellError(_("“%(value)s” is not a date.") % {"value": value})
        return result

    return clean


def choice(choices: dict[str, Any]) -> Callable[[Any], Any]:
    """One of the texts of ``choices`` (compared like headers), e.g.
    ``{"成功": True, "失败": False}`` for a bank's 处理结果."""
    folded = {header_key(k): v for k, v in choices.items()}

    def clean(value: Any) -> Any:
        try:
            return folded[header_key(value)]
        except KeyError:
            raise CellError(_("“%(value)s” is not one of: %(choices)s.") % {
                "value": value, "choices": "、".join(choices)}) from None

    return clean


# --------------------------------------------------------------------------- reading files


class _Table(NamedTuple):
    """One sheet (or the CSV) as rows of cell values; ``formats`` gives each
    row's number formats (Excel only)."""

    format: str
    sheet: str
    rows: Iterator[tuple[tuple, tuple | None]]  # (values, number formats or None)
    encoding: str = ""


def _read_limited(source, max_bytes: int) -> bytes:
    """The upload's bytes, refusing more than ``max_bytes`` before reading
    it all (an UploadedFile knows its size)."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    else:
        size = getattr(source, "size", None)
        if size is not None and size > max_bytes:
            raise ImportFileError(_too_large(max_bytes))
        if hasattr(source, "seek"):
            source.seek(0)
        data = source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImportFileError(_too_large(max_bytes))
    if not data:
        raise ImportFileError(_("The file is empty."))
    return data


def _too_large(max_bytes: int) -> str:
    return _("The file is larger than %(mb)s MB.") % {"mb": max(1, max_bytes // (1024 * 1024))}


def _has_formulas(data: bytes) -> bool:
    """Does any worksheet of the (already checked) workbook hold a formula?
    Reading formulas and cached values takes a second pass; most uploads
    have no formula and are spared it."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            with archive.open(name) as part:
                tail = b""
                while chunk := part.read(1 << 20):
                    if _FORMULA_TAG.search(tail + chunk):
                        return True
                    tail = chunk[-16:]
    return False


def _xlsx_tables(data: bytes, *, max_bytes: int, all_sheets: bool, allow_formulas: bool) -> Iterator[_Table]:
    try:
        values = spreadsheets.open_xlsx(io.BytesIO(data), max_bytes=max_bytes, data_only=True)
    except spreadsheets.WorkbookError as exc:
        raise ImportFileError(str(exc)) from exc
    formulas = None
    try:
        if _has_formulas(data):
            formulas = spreadsheets.open_xlsx(io.BytesIO(data), max_bytes=max_bytes, data_only=False)
        for index, sheet in enumerate(values.worksheets):
            if index and not all_sheets:
                break
            yield _Table(XLSX, sheet.title, _xlsx_rows(sheet, formulas.worksheets[index] if formulas else None,
                                                       allow_formulas))
    except ImportFileError:
        raise
    except Exception as exc:  # a damaged part found while streaming
        raise ImportFileError(str(spreadsheets.not_a_workbook())) from exc
    finally:
        values.close()
        if formulas is not None:
            formulas.close()


def _xlsx_rows(sheet, formula_sheet, allow_formulas: bool) -> Iterator[tuple[tuple, tuple]]:
    try:
        # The dimension record may be missing (write-only files: max_row is
        # None) or wrong (some generators); without a reset, rows below the
        # recorded dimension would be lost silently.
        sheet.reset_dimensions()
        if formula_sheet is None:
            for row in sheet.iter_rows():
                yield tuple(c.value for c in row), tuple(c.number_format or "" for c in row)
            return
        formula_sheet.reset_dimensions()
        for row, formula_row in zip(sheet.iter_rows(), formula_sheet.iter_rows(), strict=True):
            values = [c.value for c in row]
            for i, cell in enumerate(formula_row):
                if cell.data_type != "f":
                    continue
                values += [None] * (i + 1 - len(values))
                if values[i] is None or not allow_formulas:
                    formula = cell.value if isinstance(cell.value, str) else getattr(cell.value, "text", "")
                    values[i] = FormulaCell(str(formula or ""), values[i])
            yield tuple(values), tuple(c.number_format or "" for c in row)
    except (ValueError, KeyError, OSError, EOFError, zipfile.BadZipFile, SyntaxError) as exc:
        # A damaged part found while streaming (XML errors are SyntaxErrors,
        # defusedxml's refusals ValueErrors).
        raise ImportFileError(str(spreadsheets.not_a_workbook())) from exc


def decode_text(data: bytes) -> tuple[str, str]:
    """CSV bytes as text and the encoding that read them: UTF-8 (a BOM
    removed), else GB18030 (UTF-16 when it starts with its BOM);
    ImportFileError when none reads it or it is binary."""
    encodings = CSV_ENCODINGS
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)  # Excel's "Unicode text" (tab-separated)
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break  # a binary file
        return text, encoding
    raise ImportFileError(_("This is not a CSV text file."))


def _csv_table(data: bytes) -> _Table:
    text, encoding = decode_text(data)
    sample = text[:1 << 16].splitlines()[:HEADER_SCAN_ROWS + 1]
    # The delimiter used most in the first lines (Excel saves "," or, as
    # "Unicode text", tabs; some locales ";").
    delimiter = max(CSV_DELIMITERS, key=lambda d: sum(line.count(d) for line in sample))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows():
        try:
            for record in reader:
                yield tuple(_csv_value(v) for v in record), None
        except csv.Error as exc:
            raise ImportFileError(_("This is not a CSV text file.")) from exc

    return _Table(CSV, "", rows(), encoding)


def _csv_value(value: str) -> str:
    match = _EXCEL_TEXT.match(value.strip())
    return match.group(1) if match else value


# --------------------------------------------------------------------------- the importer


class Importer:
    """The base of every import; subclasses declare ``columns``.

    Class attributes a subclass may set:

    - ``columns``: the :class:`Column` declarations (or set ``self.columns``
      in ``__init__`` when they depend on data, e.g. one column per KPI);
    - ``formats``: which files are accepted, ``(XLSX, CSV)`` by default;
    - ``unique``: keys (or tuples of keys) whose values may appear on one
      row only, e.g. ``("student_number", ("account", "day"))``; every row of
      a repeated value gets an error naming the others;
    - ``all_sheets``: read the first sheet that has the header, not only the
      first sheet (hand-made workbooks with a notes sheet in front);
    - ``allow_formulas``: take a formula's calculated value (the default);
      False refuses every formula cell;
    - ``allow_empty``: a header without data rows is fine (default: an error);
    - ``header_scan_rows``: how far down the header may be.

    Hooks: :meth:`check_header`, :meth:`skip_row`, :meth:`clean_row`.
    Keep the database out of it: a service gathers what the rows must be
    checked against and writes the result.
    """

    columns: Sequence[Column] = ()
    formats: tuple[str, ...] = (XLSX, CSV)
    unique: tuple[str | tuple[str, ...], ...] = ()
    all_sheets: bool = False
    allow_formulas: bool = True
    allow_empty: bool = False
    header_scan_rows: int = HEADER_SCAN_ROWS

    def __init__(self, *, max_bytes: int | None = None, max_rows: int | None = None):
        """``max_bytes`` and ``max_rows`` default to the stated limits
        ``settings.IMPORT_MAX_BYTES`` and ``settings.IMPORT_MAX_ROWS``, read
        when the importer is made."""
        self.max_bytes = max_bytes if max_bytes is not None else settings.IMPORT_MAX_BYTES
        self.max_rows = max_rows if max_rows is not None else settings.IMPORT_MAX_ROWS

    # -- hooks

    def check_header(self, header: Header) -> None:
        """Called once the header is found; raise :class:`ImportFileError`
        to refuse the file (e.g. "the header names no KPI")."""

    def skip_row(self, raw: dict[str, Any]) -> bool:
        """True for a row that is not data, e.g. a bank's 合计 total row.
        ``raw`` holds the row's non-empty values by key, before cleaning.
        Empty rows are always skipped."""
        return False

    def clean_row(self, row: Row) -> Row:
        """Cross-column checks of a row whose cells are all clean. Raise
        :class:`CellError` (``column=`` the key it belongs to) for one error,
        or call ``row.error(key, message)`` / ``row.warn(...)`` for several;
        return the row (its ``values`` may be changed or added to)."""
        return row

    # -- reading

    def read(self, source, *, progress: Callable[[int], None] | None = None,
             chosen: Chosen | None = None) -> ImportResult:
        """Read ``source`` (an uploaded file, a binary file object or bytes)
        and check every row. Never raises for what is in the file: a file
        that cannot be read gives one file-level error (``row`` None).

        ``progress`` is called with the number of rows read every
        ``PROGRESS_EVERY`` rows (for a background job). With ``chosen`` (what
        a person confirmed on a :meth:`preview`) the header row and the
        columns are taken from it instead of being found by their aliases.
        """
        columns = tuple(self.columns)
        keys = [c.key for c in columns]
        if not columns or len(set(keys)) != len(keys):
            raise ValueError(f"{type(self).__name__}: declare columns with unique keys")
        result = ImportResult(columns=columns)
        closest = _Closest()
        try:
            data = _read_limited(source, self.max_bytes)
            tables = self._tables(data)
            try:
                for table in tables:
                    rows = iter(table.rows)
                    if chosen is not None:
                        header = self._chosen_header(table, rows, columns, chosen)
                    else:
                        header = self._find_header(table, rows, columns, closest)
                    if header is None:
                        continue
                    result.header = header
                    self.check_header(header)
                    self._read_rows(rows, header, columns, result, progress)
                    self._check_unique(result)
                    if not result.rows and not result.errors and not self.allow_empty:
                        raise ImportFileError(_("The file has the column headers but no data rows."))
                    return result
            finally:
                tables.close()  # closes the workbooks
            raise ImportFileError(closest.message(columns, self.header_scan_rows))
        except ImportFileError as exc:
            # One file-level error says it all; findings made before a limit
            # was hit would only be a partial list.
            result.rows, result.errors, result.warnings, result.row_count = [], [], [], 0
            result.add_file_error(str(exc))
            return result

    def _tables(self, data: bytes) -> Iterator[_Table]:
        if data.startswith((b"PK\x03\x04", b"PK\x05\x06", b"\xd0\xcf\x11\xe0")):  # zip or old .xls
            if XLSX not in self.formats:
                raise ImportFileError(_("This is not a CSV text file."))
            yield from _xlsx_tables(data, max_bytes=self.max_bytes, all_sheets=self.all_sheets,
                                    allow_formulas=self.allow_formulas)
            return
        if CSV not in self.formats:
            raise ImportFileError(str(spreadsheets.not_a_workbook()))
        yield _csv_table(data)

    def _find_header(self, table: _Table, rows: Iterator, columns: Sequence[Column],
                     closest: _Closest) -> Header | None:
        """The first row within ``header_scan_rows`` holding every required
        column, mapped; None when this table has none. Rows are consumed up
        to the header, so the data is read on from ``rows``."""
        for number, (values, _formats) in enumerate(rows, start=1):
            if number > self.header_scan_rows:
                break
            mapped, problems = _map_header([header_key(v) for v in values], columns, number)
            found = set(mapped) | set(problems)
            missing = [c for c in columns if c.required and c.key not in found]
            if missing:
                closest.offer(table.sheet, number, len(found), missing)
                continue
            if problems:
                raise ImportFileError(next(iter(problems.values())))
            texts = {key: str(values[i]).strip() for key, i in mapped.items()}
            ignored = tuple(f"{get_column_letter(i + 1)} {str(v).strip()}" for i, v in enumerate(values)
                            if i not in mapped.values() and v not in (None, "") and not isinstance(v, FormulaCell))
            return Header(table.format, table.sheet, number, mapped, texts, ignored, table.encoding)
        return None

    def _chosen_header(self, table: _Table, rows: Iterator, columns: Sequence[Column], chosen: Chosen) -> Header:
        """The header row and columns a person chose; rows are consumed up to it."""
        values = None
        for number, (cells, _formats) in enumerate(rows, start=1):
            if number == chosen.row:
                values = cells
                break
        if values is None:
            raise ImportFileError(_("The file changed: its header row is no longer there; please upload it again."))
        mapped = {key: index for key, index in chosen.columns.items() if index is not None}
        missing = [c for c in columns if c.required and c.key not in mapped]
        if missing:
            raise ImportFileError(_("Choose the column(s): %(missing)s.") % {
                "missing": "、".join(_name(c) for c in missing)})
        if len(set(mapped.values())) != len(mapped) or any(i >= len(values) or i < 0 for i in mapped.values()):
            raise ImportFileError(_("Each column of the file can be chosen for one item only."))
        texts = {key: str(values[i] if values[i] is not None else "").strip() for key, i in mapped.items()}
        ignored = tuple(f"{get_column_letter(i + 1)} {str(v).strip()}" for i, v in enumerate(values)
                        if i not in mapped.values() and v not in (None, "") and not isinstance(v, FormulaCell))
        return Header(table.format, table.sheet, chosen.row, mapped, texts, ignored, table.encoding)

    def preview(self, source, *, rows: int = 5, known: dict[str, str] | None = None) -> Preview:
        """The header and the first ``rows`` data rows of the (first) table,
        for a person to confirm the columns before :meth:`read`.

        The header is the first row within ``header_scan_rows`` in which
        every required column is found, by its aliases (as :meth:`read`
        finds it) or by the header text ``known`` names for it (a mapping
        remembered from an earlier file, key -> :func:`header_key`); failing
        that, the row where most are found, then the one with most headers.
        ``suggested`` maps each column found to its index: the ``known`` text
        first, then the aliases; a column the aliases cannot tell apart (two
        headers contain 时长) is left for the person to choose. Never raises
        for what is in the file: ``error`` says why it cannot be read.
        """
        known = {k: v for k, v in (known or {}).items() if v}
        columns = tuple(self.columns)
        try:
            data = _read_limited(source, self.max_bytes)
            tables = self._tables(data)
            try:
                table = next(tables, None)
                if table is None:
                    raise ImportFileError(_("The file has no sheet."))
                scanned = []
                for number, (values, _formats) in enumerate(table.rows, start=1):
                    if number > self.header_scan_rows + rows:
                        break
                    scanned.append((number, values))
            finally:
                tables.close()
        except ImportFileError as exc:
            return Preview(error=str(exc))
        best = None  # (found, number, values, suggested)
        for number, values in scanned[:self.header_scan_rows]:
            keys = [header_key(v) for v in values]
            if not any(keys):
                continue
            suggested = _suggest(keys, columns, known, number)
            found = sum(1 for c in columns if c.required and c.key in suggested)
            # A title row has one cell of text; a header, one per column.
            score = (found, sum(1 for k in keys if k))
            if best is None or score > best[0]:
                best = (score, number, values, suggested)
            if found == sum(1 for c in columns if c.required):
                break
        if best is None:
            return Preview(error=_("The file has no header row with text in the first %(n)s rows.")
                           % {"n": self.header_scan_rows})
        _found, number, values, suggested = best
        body = [[_shown_cell(v) for v in cells] for n, cells in scanned if n > number
                and any(v not in (None, "") for v in cells)][:rows]
        width = max([len(values), *(len(r) for r in body)])
        headers = [_shown_cell(v) for v in values] + [""] * (width - len(values))
        return Preview(row=number, headers=headers, rows=[r + [""] * (width - len(r)) for r in body],
                       suggested=suggested, sheet=table.sheet)

    def _read_rows(self, rows: Iterator, header: Header, columns: Sequence[Column], result: ImportResult,
                   progress) -> None:
        count = 0
        for number, (values, formats) in enumerate(rows, start=header.row + 1):
            raw = {}
            for column in columns:
                index = header.columns.get(column.key)
                if index is None or index >= len(values):
                    continue
                value = values[index]
                if isinstance(value, str):
                    value = value.strip()
                if value is None or value == "":
                    continue
                if column.number_format and not isinstance(value, FormulaCell):
                    value = Formatted(value, formats[index] if formats and index < len(formats) else "")
                raw[column.key] = value
            if not raw or self.skip_row(raw):
                continue  # an empty or decorated row, or a total row
            count += 1
            result.row_count = count
            if count > self.max_rows:
                raise ImportFileError(_("The file has more than %(n)s rows.") % {"n": self.max_rows})
            self._clean(number, raw, columns, result)
            if progress and count % PROGRESS_EVERY == 0:
                progress(count)

    def _clean(self, number: int, raw: dict[str, Any], columns: Sequence[Column], result: ImportResult) -> None:
        row = Row(number, {}, raw, result)
        bad = False
        for column in columns:
            value = raw.get(column.key)
            if value is None:
                if column.required:
                    result.add_error(number, column.key, _("This column is required and the cell is empty"))
                    bad = True
                row.values[column.key] = None
                continue
            if isinstance(value, FormulaCell):
                result.add_error(number, column.key, _formula_message(value), value)
                bad = True
                continue
            try:
                cleaned = column.clean(value) if column.clean else value
            except ValueError as exc:  # CellError is one
                result.add_error(number, column.key, _message(exc), value)
                bad = True
                continue
            if isinstance(cleaned, Warned):
                result.add_warning(number, column.key, cleaned.message, value)
                cleaned = cleaned.value
            row.values[column.key] = cleaned
        if bad:
            return  # cross-column checks need clean cells
        errors_before = len(result.errors)
        try:
            row = self.clean_row(row)
        except ValueError as exc:
            key = getattr(exc, "column", "")
            result.add_error(number, key, _message(exc), raw.get(key))
        if row is not None and len(result.errors) == errors_before:
            result.rows.append(row)

    def _check_unique(self, result: ImportResult) -> None:
        # Every key is checked over the same rows, so a row repeating two
        # keys gets both errors and its partners in each get theirs.
        repeated = set()
        for keys in self.unique:
            keys = (keys,) if isinstance(keys, str) else tuple(keys)
            seen: dict[tuple, list[Row]] = defaultdict(list)
            for row in result.rows:
                value = tuple(row.values.get(k) for k in keys)
                if all(v is not None and v != "" for v in value):
                    seen[value].append(row)
            for same in seen.values():
                if len(same) < 2:
                    continue
                for row in same:
                    repeated.add(row.number)
                    others = ", ".join(str(o.number) for o in same if o is not row)
                    result.add_error(row.number, keys[0], _("The same value is also on row(s) %(rows)s")
                                     % {"rows": others}, row.raw.get(keys[0]))
        result.rows = [r for r in result.rows if r.number not in repeated]


@dataclass(frozen=True)
class Chosen:
    """The header row (as Excel numbers it) and the columns (key -> 0-based
    index, None for an optional column not read) a person confirmed."""

    row: int
    columns: dict[str, int | None]


@dataclass
class Preview:
    """What :meth:`Importer.preview` shows: the header row's number and
    texts, the first data rows (cells as text, padded to the same width),
    the suggested columns (key -> index) and, if the file cannot be read,
    why (``error``; the rest is then empty)."""

    row: int = 0
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    suggested: dict[str, int] = field(default_factory=dict)
    sheet: str = ""
    error: str = ""

    def header_keys(self) -> list[str]:
        """The headers as compared (:func:`header_key`), e.g. to remember a mapping."""
        return [header_key(h) for h in self.headers]


def _shown_cell(value: Any) -> str:
    """A cell as the preview shows it: dates as 2020-11-09, 8.0 as 8, a formula as its text."""
    if value is None:
        return ""
    if isinstance(value, FormulaCell):
        return value.formula
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()


def _suggest(keys: list[str], columns: Sequence[Column], known: dict[str, str], row: int) -> dict[str, int]:
    """Key -> index of the columns found in the header cells ``keys``: a
    ``known`` header text that is in the row exactly once, else the aliases
    (:func:`_map_header`; an ambiguous column is not suggested)."""
    suggested: dict[str, int] = {}
    for column in columns:
        text = known.get(column.key)
        cells = [i for i, k in enumerate(keys) if text and k == text]
        if len(cells) == 1 and cells[0] not in suggested.values():
            suggested[column.key] = cells[0]
    rest = [c for c in columns if c.key not in suggested]
    masked = ["" if i in suggested.values() else k for i, k in enumerate(keys)]
    mapped, _problems = _map_header(masked, rest, row)
    suggested.update(mapped)
    return suggested


class _Closest:
    """The row that came closest to being the header, to say what it lacks."""

    def __init__(self):
        self.found = 0
        self.where = ""
        self.missing: list[str] = []

    def offer(self, sheet: str, row: int, found: int, missing: Sequence[Column]) -> None:
        if found > self.found:
            where = _("row %(row)s") % {"row": row}
            self.found, self.where, self.missing = found, f"{sheet} {where}" if sheet else where, [
                _name(c) for c in missing]

    def message(self, columns: Sequence[Column], scanned: int) -> str:
        if self.found:
            return _("The header row (%(where)s) lacks the column(s): %(missing)s.") % {
                "where": self.where, "missing": "、".join(self.missing)}
        return _("No header row found in the first %(n)s rows; the file needs the columns: %(columns)s.") % {
            "n": scanned, "columns": "、".join(_name(c) for c in columns if c.required)}


def _message(exc: ValueError) -> str:
    return getattr(exc, "message", None) or str(exc)


def _name(column: Column) -> str:
    """A column as a message names it: its label, and the header a file
    would most likely use when that differs (English UI, Chinese files)."""
    label = str(column.label)
    if column.aliases and header_key(column.aliases[0]) != header_key(label):
        return f"{label} ({column.aliases[0]})"
    return label


def _formula_message(cell: FormulaCell) -> str:
    if cell.cached is None:
        return _("The cell holds a formula that was never calculated; open the file in Excel or WPS, "
                 "save it and upload it again, or paste the values only.")
    return _("Formulas are not accepted here; copy the column and paste the values only.")


def _map_header(keys: list[str], columns: Sequence[Column], row: int) -> tuple[dict[str, int], dict[str, str]]:
    """Map the normalised header cells ``keys`` of ``row`` to columns.

    First every exact match (aliases in order of preference; the same header
    twice is an error), then, for columns still unmapped, in declared order,
    a header containing an alias (unless the column is ``partial=False``),
    among the cells no column took exactly:
    so a 接待时长 column is never taken for a "时长" when 在线时长 is there,
    or when 接待时长 is itself declared. An alias contained in two remaining
    headers is ambiguous: refused, not guessed.
    Returns (key -> index, key -> message of a problem).
    """
    mapped: dict[str, int] = {}
    problems: dict[str, str] = {}
    taken: set[int] = set()
    for exact in (True, False):
        for column in columns:
            if column.key in mapped or column.key in problems or not (exact or column.partial):
                continue
            for name in column.names():
                cells = [i for i, k in enumerate(keys)
                         if i not in taken and k and (k == name if exact else name in k)]
                if len(cells) > 1:
                    letters = ", ".join(get_column_letter(i + 1) for i in cells)
                    problems[column.key] = (
                        _("The column “%(column)s” appears twice (%(first)s and %(second)s).") % {
                            "column": str(column.label), "first": f"{get_column_letter(cells[0] + 1)}{row}",
                            "second": f"{get_column_letter(cells[1] + 1)}{row}"}
                        if exact else
                        _("Row %(row)s has several columns that could be “%(column)s” (%(cells)s); "
                          "rename the ones that are not.") % {"row": row, "column": str(column.label), "cells": letters})
                    break
                if cells:
                    mapped[column.key] = cells[0]
                    taken.add(cells[0])
                    break
    return mapped, problems
