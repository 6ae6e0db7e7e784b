"""Reading and checking a student list from Excel (.xlsx): rows in, findings out.

Three steps, none of which touches the database:

1. :func:`read_sheet` opens the upload with openpyxl (read-only, so memory
   stays flat), finds the header row by its text and returns the data rows
   with their Excel row numbers. A file that is not a workbook, is damaged,
   empty, or longer than the row limit raises :class:`ImportFileError`.
2. :func:`check` normalises and validates every row (``programs.validators``),
   finds duplicates inside the file and against :class:`Records` (what the
   database already holds, gathered by the service in a few queries, as plain
   values), and returns every error and warning with the row, column and a
   masked value, plus what each good row would change.
3. :func:`template_workbook` builds the empty template users fill in.

The service (``services_students``) writes the result in one transaction.
"""

import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from stdnum import luhn
from stdnum.cn import ric

from programs.students import rules as validators
from trainingweek import crypto, spreadsheets
from trainingweek.masking import mask_bank_card, mask_id_number, mask_phone
from trainingweek.spreadsheets import FORMULA_START

# Rows looked at for the header before giving up on a sheet (a title or a
# note above the header is common in hand-made lists).
HEADER_SCAN_ROWS = 10


# A 10 MB upload can unpack to far more; refuse "zip bombs" before parsing.
PROGRESS_EVERY = 500


# Excel keeps 15 significant digits: a longer number typed into a number
# cell has already lost its last digits, so it cannot be trusted.
EXCEL_DIGITS = 15


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the template's header (Chinese, as schools write it)
    aliases: tuple[str, ...] = ()
    required: bool = False
    mask: Callable[[str], str] | None = None  # personal data: shown masked
    text: bool = False  # digits kept as text in the template


COLUMNS: tuple[Column, ...] = (
    Column("class_name", "班级", ("班级名称", "班别", "class"), required=True),
    Column("name", "姓名", ("学生姓名", "name"), required=True),
    Column("student_number", "学号", ("学生学号", "student no.", "student number"), required=True),
    Column("id_number", "身份证号", ("身份证号码", "身份证", "居民身份证号", "居民身份证号码", "id number"),
           required=True, mask=mask_id_number, text=True),
    Column("phone", "手机号", ("手机号码", "手机", "电话", "电话号码", "联系电话", "phone"),
           required=True, mask=mask_phone, text=True),
    Column("bank_card", "银行卡号", ("银行卡", "银行账号", "卡号", "银行卡号码", "bank card"),
           mask=mask_bank_card, text=True),
    Column("bank_name", "开户行", ("开户银行", "开户行名称", "bank")),
    Column("shop_account_id", "店铺账号", ("店铺账号id", "旺旺账号", "旺旺id", "旺旺号", "shop account")),
)


COLUMN_BY_KEY = {c.key: c for c in COLUMNS}


# Field lengths of the models the rows end up in.
MAX_LENGTH = {"class_name": 100, "name": 50, "student_number": 32, "bank_name": 100, "shop_account_id": 100}


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is for the user."""


# --------------------------------------------------------------------------
# Reading
def _header_key(text) -> str:
    """Normalise a header cell: no spaces, no "*" marks or "(note)" parts."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    text = re.sub(r"[（(][^）)]*[）)]", "", text)
    return re.sub(r"[\s*:：]+", "", text).lower()


_HEADER_INDEX = {}


for _c in COLUMNS:
    for _h in (_c.header, *_c.aliases):
        _HEADER_INDEX[_header_key(_h)] = _c.key


@dataclass
class Sheet:
    """The data rows of the uploaded list, keyed by column."""

    sheet_name: str
    header_row: int
    columns: dict[str, tuple[int, str]]  # key -> (0-based index, label "D 身份证号")
    ignored: list[str]  # headers of columns that are not ours
    rows: list[tuple[int, dict]]  # (Excel row number, {key: raw value})

    def label(self, key: str) -> str:
        return self.columns[key][1] if key in self.columns else COLUMN_BY_KEY[key].header


def read_sheet(source, *, max_rows: int, max_bytes: int,
               progress: Callable[[int], None] | None = None) -> Sheet:
    """Open ``source`` (a binary file object) and return its student rows.

    The first sheet with a recognisable header row (within the first
    ``HEADER_SCAN_ROWS`` rows) is read; columns are matched by header text, so
    their order may vary and stray spaces do not matter. Empty rows are
    skipped; row numbers are the ones Excel shows. Raises
    :class:`ImportFileError` for anything that is not a readable list.
    """
    try:
        workbook = spreadsheets.open_xlsx(source, max_bytes=max_bytes, data_only=False)
    except spreadsheets.WorkbookError as exc:
        raise ImportFileError(str(exc)) from exc
    try:
        return _read_workbook(workbook, max_rows, progress)
    except ImportFileError:
        raise
    except Exception as exc:  # a damaged part found while streaming
        raise ImportFileError(str(spreadsheets.not_a_workbook())) from exc
    finally:
        workbook.close()


def _read_workbook(workbook, max_rows: int, progress) -> Sheet:
    partial: tuple[str, list[str]] | None = None
    for worksheet in workbook.worksheets:
        rows = worksheet.iter_rows(values_only=True)
        for number, values in enumerate(rows, start=1):
            if number > HEADER_SCAN_ROWS:
                break
            keys = [_HEADER_INDEX.get(_header_key(v), "") for v in values]
            found = [k for k in keys if k]
            if len(found) < 2:
                continue
            missing = [c.header for c in COLUMNS if c.required and c.key not in found]
            if missing:
                partial = partial or (worksheet.title, missing)
                continue
            columns, ignored = _map_columns(values, keys)
            data = _read_rows(rows, number, columns, max_rows, progress)
            if not data:
                raise ImportFileError(_("The sheet “%(sheet)s” has the column headers but no student rows.")
                                      % {"sheet": worksheet.title})
            return Sheet(worksheet.title, number, columns, ignored, data)
    if partial:
        raise ImportFileError(_("The sheet “%(sheet)s” lacks the column(s) %(missing)s. Download the template to see the expected columns.")
                              % {"sheet": partial[0], "missing": "、".join(partial[1])})
    raise ImportFileError(_("No sheet has the student list's column headers (%(headers)s). Download the template and fill it in.")
                          % {"headers": "、".join(c.header for c in COLUMNS)})


def _map_columns(values, keys) -> tuple[dict[str, tuple[int, str]], list[str]]:
    columns: dict[str, tuple[int, str]] = {}
    ignored = []
    for index, (value, key) in enumerate(zip(values, keys, strict=True)):
        label = f"{get_column_letter(index + 1)} {str(value).strip()}" if value is not None else ""
        if not key:
            if label:
                ignored.append(label)
            continue
        if key in columns:
            raise ImportFileError(_("The column “%(column)s” appears twice (%(first)s and %(second)s).") % {
                "column": COLUMN_BY_KEY[key].header, "first": columns[key][1], "second": label})
        columns[key] = (index, label)
    return columns, ignored


def _read_rows(rows: Iterable, header_row: int, columns, max_rows: int, progress) -> list[tuple[int, dict]]:
    data = []
    for number, values in enumerate(rows, start=header_row + 1):
        record = {}
        for key, (index, _label) in columns.items():
            value = values[index] if index < len(values) else None
            if isinstance(value, str):
                value = value.strip()
            if value is not None and value != "":
                record[key] = value
        if not record:
            continue  # an empty or decorated row
        data.append((number, record))
        if len(data) > max_rows:
            raise ImportFileError(_("The file has more than %(max)s student rows; split it into smaller files.")
                                  % {"max": max_rows})
        if progress and len(data) % PROGRESS_EVERY == 0:
            progress(len(data))
    return data


# --------------------------------------------------------------------------
# Checking
@dataclass(frozen=True)
class KnownStudent:
    """A student of the school already on record (digests, never plaintext)."""

    pk: int
    student_number: str
    name: str
    id_digest: str
    phone_digest: str
    card_digest: str
    bank_name: str


@dataclass(frozen=True)
class KnownEnrolment:
    """An enrolment of the programme already on record."""

    pk: int
    student_pk: int
    class_pk: int
    shop_account_id: str


@dataclass
class Records:
    """What the database already holds, as plain values (see the service)."""

    classes: dict[str, int]  # class name -> pk
    students: dict[str, KnownStudent] = field(default_factory=dict)  # by student number
    enrolments: dict[int, KnownEnrolment] = field(default_factory=dict)  # by student pk


@dataclass
class Finding:
    """One problem with one cell (or row): what the result page lists."""

    row: int
    column: str
    value: str  # masked when it is personal data
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class StudentRow:
    """A row after normalisation; optional fields may be empty."""

    row: int
    class_name: str = ""
    name: str = ""
    student_number: str = ""
    id_number: str = ""
    phone: str = ""
    bank_card: str = ""
    bank_name: str = ""
    shop_account_id: str = ""
    id_digest: str = ""
    phone_digest: str = ""
    card_digest: str = ""
    class_pk: int | None = None


@dataclass
class RowChange:
    """What a good row does: create, enrol an existing student, or update."""

    row: StudentRow
    student: KnownStudent | None
    enrolment: KnownEnrolment | None
    student_fields: frozenset[str] = frozenset()  # Student fields that change
    enrolment_fields: frozenset[str] = frozenset()  # Enrolment fields that change

    @property
    def kind(self) -> str:
        if self.student is None:
            return "created"
        if self.enrolment is None:
            return "enrolled"
        return "updated" if self.student_fields or self.enrolment_fields else "unchanged"


@dataclass
class Check:
    errors: list[Finding]
    warnings: list[Finding]
    changes: list[RowChange]

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        counts = {"created": 0, "enrolled": 0, "updated": 0, "unchanged": 0}
        for change in self.changes:
            counts[change.kind] += 1
        return counts


def _fold(text: str) -> str:
    """Compare class names loosely: full-width forms and spaces do not count."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def _plain_text(raw) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = unicodedata.normalize("NFKC", str(raw)) if raw is not None else ""
    return re.sub(r"\s+", " ", text).strip()


def _lost_digits(raw) -> bool:
    """A long digit string stored as a number has lost its last digits."""
    return isinstance(raw, int | float) and not isinstance(raw, bool) and len(str(int(raw))) > EXCEL_DIGITS


def _masked(key: str, value) -> str:
    text = _plain_text(value) if not isinstance(value, str) else value
    column = COLUMN_BY_KEY[key]
    return column.mask(re.sub(r"\s+", "", text)) if column.mask else text


def check(sheet: Sheet, records: Records, *, today: date | None = None,
          digest: Callable[[str], str] = crypto.digest) -> Check:
    """Validate every row of ``sheet`` against the rules and ``records``.

    Errors reject the whole file; warnings (a bank card failing Luhn, an
    unknown ID region, no bank card yet, a record about to change) are only
    shown. Duplicates inside the file and against the database are errors:
    the same student number, ID number or shop account twice in the file; an
    ID number held by another student of the school; a shop account used by
    another enrolment of the programme. A record whose current holder is
    itself in the file with a new value is free to take (swaps work).
    """
    errors: list[Finding] = []
    warnings: list[Finding] = []
    rows: list[StudentRow] = []
    classes = {_fold(name): pk for name, pk in records.classes.items()}
    for number, raw in sheet.rows:
        row, row_errors, row_warnings = _check_row(number, raw, sheet, classes, records, today)
        errors += row_errors
        warnings += row_warnings
        if not row_errors:
            row.id_digest = digest(row.id_number)
            row.phone_digest = digest(row.phone)
            row.card_digest = digest(row.bank_card) if row.bank_card else ""
            rows.append(row)

    errors += _duplicates_in_file(sheet, rows)
    errors += _duplicates_in_records(sheet, rows, records)
    changes, change_warnings = _plan(sheet, rows, records)
    warnings += change_warnings
    order = {sheet.label(c.key): i for i, c in enumerate(COLUMNS)}
    errors.sort(key=lambda f: (f.row, order.get(f.column, 99)))
    warnings.sort(key=lambda f: (f.row, order.get(f.column, 99)))
    return Check(errors, warnings, changes if not errors else [])


def _check_row(number, raw, sheet, classes, records, today):
    errors, warnings = [], []

    def add(target, key, value, message):
        target.append(Finding(number, sheet.label(key), _masked(key, value) if value not in (None, "") else "", message))

    row = StudentRow(number)
    for column in COLUMNS:
        value = raw.get(column.key)
        if value is None:
            if column.required:
                add(errors, column.key, "", _("This column is required and the cell is empty"))
            continue
        if column.text and _lost_digits(value):
            add(errors, column.key, value, _(
                "The cell holds a number and Excel has dropped the last digits; format the column as text and type the number again"))
            continue
        if column.key == "id_number":
            result = validators.check_id_number(value, today=today)
        elif column.key == "phone":
            result = validators.check_phone(value)
        elif column.key == "bank_card":
            result = validators.check_bank_card(value)
        else:
            result = _check_text(column.key, value)
        for message in result.errors:
            add(errors, column.key, value, message)
        for message in result.warnings:
            add(warnings, column.key, value, message)
        if result.ok:
            setattr(row, column.key, result.value)
    if row.class_name:
        row.class_pk = classes.get(_fold(row.class_name))
        if row.class_pk is None:
            names = "、".join(sorted(records.classes)) or _("none yet: create the classes first")
            add(errors, "class_name", row.class_name,
                _("This programme has no class of that name (its classes: %(classes)s)") % {"classes": names})
    known = records.students.get(row.student_number)
    if "bank_card" not in raw:
        if known is None or not known.card_digest:
            add(warnings, "bank_card", "", _("No bank card yet: stipends cannot be paid until one is recorded"))
    elif row.bank_card and "bank_name" not in raw and (known is None or not known.bank_name):
        add(warnings, "bank_name", "", _("The bank (开户行) is empty: bank transfers may need it"))
    return row, errors, warnings


def _check_text(key: str, raw) -> validators.Checked:
    """Class, name, student number, bank, shop account: plain text checks."""
    value = _plain_text(raw)
    if key == "student_number":
        value = value.replace(" ", "")
    result = validators.Checked(value)
    if value.startswith(FORMULA_START):
        result.errors.append(_("Text may not start with =, +, - or @ (a spreadsheet would run it as a formula)"))
    elif len(value) > MAX_LENGTH[key]:
        result.errors.append(_("Too long: at most %(max)d characters") % {"max": MAX_LENGTH[key]})
    return result


def _duplicates_in_file(sheet: Sheet, rows: list[StudentRow]) -> list[Finding]:
    errors = []
    for key in ("student_number", "id_number", "shop_account_id"):
        seen: dict[str, list[StudentRow]] = defaultdict(list)
        for row in rows:
            value = getattr(row, key)
            if value:
                seen[value].append(row)
        for value, same in seen.items():
            if len(same) < 2:
                continue
            for row in same:
                others = ", ".join(str(o.row) for o in same if o is not row)
                errors.append(Finding(row.row, sheet.label(key), _masked(key, value),
                                      _("The same value is also on row(s) %(rows)s") % {"rows": others}))
    return errors


def _duplicates_in_records(sheet: Sheet, rows: list[StudentRow], records: Records) -> list[Finding]:
    """ID numbers and shop accounts already held by someone not in the file."""
    in_file = {row.student_number: row for row in rows}
    by_pk = {s.pk: s for s in records.students.values()}
    id_holder = {s.id_digest: s for s in records.students.values() if s.id_digest}
    account_holder = {}
    for enrolment in records.enrolments.values():
        if enrolment.shop_account_id:
            account_holder[enrolment.shop_account_id] = by_pk.get(enrolment.student_pk)
    errors = []
    for row in rows:
        holder = id_holder.get(row.id_digest)
        if holder and holder.student_number != row.student_number and _keeps(in_file, holder, "id_digest", row.id_digest):
            errors.append(Finding(row.row, sheet.label("id_number"), _masked("id_number", row.id_number), _(
                "This ID number is already on record for student no. %(number)s (%(name)s) of this school")
                % {"number": holder.student_number, "name": holder.name}))
        if not row.shop_account_id:
            continue
        holder = account_holder.get(row.shop_account_id)
        if holder and holder.student_number != row.student_number and _keeps(in_file, holder, "shop_account_id", row.shop_account_id):
            errors.append(Finding(row.row, sheet.label("shop_account_id"), row.shop_account_id, _(
                "This shop account is already used by student no. %(number)s (%(name)s) in this programme")
                % {"number": holder.student_number, "name": holder.name}))
    return errors


def _keeps(in_file: dict[str, StudentRow], holder: KnownStudent, attr: str, value: str) -> bool:
    """Does the current holder keep the value after this import?"""
    row = in_file.get(holder.student_number)
    if row is None:
        return True
    new = getattr(row, attr)
    # An empty optional cell keeps what is on record.
    return new == value or (attr == "shop_account_id" and not new)


def _plan(sheet: Sheet, rows: list[StudentRow], records: Records) -> tuple[list[RowChange], list[Finding]]:
    changes, warnings = [], []
    for row in rows:
        student = records.students.get(row.student_number)
        enrolment = records.enrolments.get(student.pk) if student else None
        student_fields, enrolment_fields = set(), set()
        if student:
            if row.name != student.name:
                student_fields.add("name")
                warnings.append(Finding(row.row, sheet.label("name"), row.name, _(
                    "On record as %(name)s: the name will be replaced") % {"name": student.name}))
            if row.id_digest != student.id_digest:
                student_fields.add("id_number")
                warnings.append(Finding(row.row, sheet.label("id_number"), _masked("id_number", row.id_number), _(
                    "Differs from the ID number on record for this student number: it will be replaced")))
            if row.phone_digest != student.phone_digest:
                student_fields.add("phone")
            if row.bank_card and row.card_digest != student.card_digest:
                student_fields.add("bank_card")
            if row.bank_name and row.bank_name != student.bank_name:
                student_fields.add("bank_name")
        if enrolment:
            if row.class_pk != enrolment.class_pk:
                enrolment_fields.add("school_class")
            if row.shop_account_id and row.shop_account_id != enrolment.shop_account_id:
                enrolment_fields.add("shop_account_id")
        changes.append(RowChange(row, student, enrolment, frozenset(student_fields), frozenset(enrolment_fields)))
    return changes, warnings


# --------------------------------------------------------------------------
# The template
def template_workbook(class_names: list[str]) -> bytes:
    """The empty student list to fill in, as .xlsx bytes.

    The first sheet has the headers the import matches; ID, phone and card
    columns are formatted as text so Excel keeps every digit; the class
    column offers the programme's classes. A second sheet explains each
    column with an example that is plainly not a real person.
    """
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "学生名单"
    sheet.append([c.header for c in COLUMNS])
    widths = {"class_name": 14, "name": 10, "student_number": 14, "id_number": 22, "phone": 14,
              "bank_card": 24, "bank_name": 22, "shop_account_id": 18}
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        dimension = sheet.column_dimensions[letter]
        dimension.width = widths[column.key]
        if column.text or column.key == "student_number":
            dimension.number_format = "@"
        sheet.cell(1, index).font = openpyxl.styles.Font(bold=True, color="C00000" if column.required else None)
    sheet.freeze_panes = "A2"
    if class_names:
        lists = workbook.create_sheet("班级列表")
        for name in class_names:
            lists.append([name])
        lists.sheet_state = "hidden"
        validation = DataValidation(type="list", formula1=f"='班级列表'!$A$1:$A${len(class_names)}", allow_blank=True)
        validation.error = _("Choose one of the programme's classes")
        validation.showErrorMessage = True
        sheet.add_data_validation(validation)
        validation.add("A2:A20001")

    notes = workbook.create_sheet("填写说明")
    notes.append([_("Column"), _("Required"), _("What to enter"), _("Example (not a real person)")])
    example = _example_row()
    explanations = {
        "class_name": _("One of the programme's classes, exactly as named in the system"),
        "name": _("The student's full name"),
        "student_number": _("The school's student number; importing the same number again updates that student"),
        "id_number": _("Resident ID number, 18 characters; the check character and birth date are verified"),
        "phone": _("Mobile number, 11 digits"),
        "bank_card": _("Debit card for the stipend, 15 to 19 digits; may be left empty and added later"),
        "bank_name": _("Bank and branch where the card was opened"),
        "shop_account_id": _("The customer-service account in the shop, if already assigned; unique within the programme"),
    }
    for column in COLUMNS:
        notes.append([column.header, _("yes") if column.required else _("no"), explanations[column.key],
                      example[column.key]])
    notes.append([])
    notes.append([_("Fill in the first sheet only, one student per row, from row 2. Do not rename the headers. "
                    "An empty optional cell keeps what is on record.")])
    notes.column_dimensions["C"].width = 70
    notes.column_dimensions["D"].width = 24
    for row in notes.iter_rows(min_row=2, max_col=4, min_col=4):
        for cell in row:
            cell.number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _example_row() -> dict[str, str]:
    # Region 110101 with birth date 2000-01-01 and sequence 999: valid in form,
    # and the name says it is an example.
    body = "11010120000101999"
    card = "621700000000000000"
    return {
        "class_name": "19电商1班", "name": "示例学生", "student_number": "2019000001",
        "id_number": body + ric.calc_check_digit(body), "phone": "13800000000",
        "bank_card": card + luhn.calc_check_digit(card), "bank_name": "示例银行某某支行", "shop_account_id": "示例店铺:客服01",
    }
