"""Reading and checking a student list from Excel (.xlsx): rows in, findings out.

Two steps, neither of which touches the database:

1. :class:`StudentListImport` (the one importer base,
   :mod:`trainingweek.imports`) reads the upload: the first sheet with the
   header row (title rows above it are fine), columns by header text, every
   cell cleaned and checked (ID number, phone and bank card by
   :mod:`programs.students.rules`), the same student number, ID number or
   shop account twice in the file refused. Every problem is a
   :class:`~trainingweek.imports.RowError` with the row, the column and the
   value masked.
2. :func:`check` takes the good rows on to :class:`Records` (what the
   database already holds, gathered by the service in a few queries, as
   plain values): the class by name, ID numbers and shop accounts held by
   others, and what each row would change; its findings go on the same
   :class:`~trainingweek.imports.ImportResult`.

:func:`template_workbook` builds the empty template users fill in. The
service (:mod:`programs.students.services`) writes the outcome in one
transaction.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from stdnum import luhn
from stdnum.cn import ric

from programs.students import rules as validators
from trainingweek import crypto
from trainingweek.exports import ExportColumn, Sheet, workbook_bytes
from trainingweek.imports import (
    CSV,
    XLSX,
    CellError,
    Column,
    Importer,
    ImportResult,
    identifier,
    text,
    warn,
)
from trainingweek.masking import mask_bank_card, mask_id_number, mask_phone

# Field lengths of the models the rows end up in.
MAX_LENGTH = {"class_name": 100, "name": 50, "student_number": 32, "bank_name": 100, "shop_account_id": 100,
              "team_name": 100, "bank_branch": 100, "account_holder": 50}
# Columns a new student needs; a student already on record (matched by the
# student number) keeps what is on record when they are left out or empty,
# so a re-import of bank details needs no ID number.
NEW_STUDENT_COLUMNS = ("id_number", "phone")
# Rows of the template's class column offered the drop-down list.
TEMPLATE_ROWS = 20000


def checked(check: Callable[..., validators.Checked], **options) -> Callable:
    """A cleaner from a rule of :mod:`programs.students.rules`: its first
    error rejects the cell, its first warning is shown (the value kept)."""
    digits = identifier()

    def clean(value):
        result = check(digits(value), **options)
        if result.errors:
            raise CellError(result.errors[0])
        if result.warnings:
            return warn(result.value, result.warnings[0])
        return result.value

    return clean


def student_columns(*, today: date | None = None) -> tuple[Column, ...]:
    """The columns of a student list. ``label`` is the template's header
    (Chinese, as schools write it) and the first alias, so it is preferred
    (a list with both 手机号 and 电话 takes 手机号); the other aliases are
    headers seen in schools' own lists."""
    plain = {key: text(max_length=length, formula_text=False) for key, length in MAX_LENGTH.items()}
    return (
        Column("class_name", "班级", ("班级", "班级名称", "班别", "class"), clean=plain["class_name"]),
        Column("name", "姓名", ("姓名", "学生姓名", "name"), clean=plain["name"]),
        Column("student_number", "学号", ("学号", "学生学号", "student no.", "student number"),
               clean=_student_number),
        Column("id_number", "身份证号", ("身份证号", "身份证号码", "身份证", "居民身份证号", "居民身份证号码", "id number"),
               required=False, clean=checked(validators.check_id_number, today=today), mask=mask_id_number),
        Column("phone", "手机号", ("手机号", "手机号码", "手机", "电话", "电话号码", "联系电话", "phone"),
               required=False, clean=checked(validators.check_phone), mask=mask_phone),
        Column("bank_card", "银行卡号", ("银行卡号", "银行卡", "银行账号", "卡号", "银行卡号码", "bank card"), required=False,
               clean=checked(validators.check_bank_card), mask=mask_bank_card),
        Column("bank_name", "开户行", ("开户行", "开户银行", "开户行名称", "bank"), required=False, clean=plain["bank_name"]),
        Column("shop_account_id", "店铺账号", ("店铺账号", "店铺账号id", "旺旺账号", "旺旺id", "旺旺号", "shop account"),
               required=False, clean=plain["shop_account_id"]),
        # Exact headers only: 组 and 小组 are inside 小组长 (a group-leader column).
        Column("team_name", "组/品牌", TEAM_HEADERS, required=False, partial=False, clean=plain["team_name"]),
        Column("bank_branch", "开户网点", ("开户网点", "开户支行", "支行", "网点", "bank branch"), required=False,
               clean=plain["bank_branch"]),
        Column("account_holder", "户名", ("户名", "账户名", "账户名称", "开户名", "持卡人", "持卡人姓名", "account holder"),
               required=False, clean=plain["account_holder"]),
    )


# Headers schools use for the team (组/品牌) a student serves in.
TEAM_HEADERS = ("组/品牌", "组别", "团队", "品牌", "小组", "组", "组名", "组别名称", "团队名称", "品牌名称", "所属组",
                "所属组别", "所属团队", "所属品牌", "分组", "team")


def _student_number(value) -> str:
    number = identifier(max_length=MAX_LENGTH["student_number"])(value)
    return text(formula_text=False)(number)


COLUMNS = student_columns()
# Columns whose digits the template keeps as text.
TEXT_COLUMNS = frozenset({"student_number", "id_number", "phone", "bank_card"})


class StudentListImport(Importer):
    """A student list: one student per row, on the first sheet with the header."""

    formats = (XLSX, CSV)
    all_sheets = True
    allow_formulas = False
    unique = ("student_number", "id_number", "shop_account_id")

    def __init__(self, *, today: date | None = None, **limits):
        super().__init__(**limits)
        self.columns = student_columns(today=today)


# --------------------------------------------------------------------------
# Checking against what is on record
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
    bank_branch: str = ""
    account_holder: str = ""


@dataclass(frozen=True)
class KnownEnrolment:
    """An enrolment of the programme already on record."""

    pk: int
    student_pk: int
    class_pk: int
    shop_account_id: str
    team_pk: int | None = None


@dataclass
class Records:
    """What the database already holds, as plain values (see the service)."""

    classes: dict[str, int]  # class name -> pk
    students: dict[str, KnownStudent] = field(default_factory=dict)  # by student number
    enrolments: dict[int, KnownEnrolment] = field(default_factory=dict)  # by student pk
    teams: dict[str, int] = field(default_factory=dict)  # team name -> pk


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
    bank_branch: str = ""
    account_holder: str = ""
    shop_account_id: str = ""
    team_name: str = ""
    id_digest: str = ""
    phone_digest: str = ""
    card_digest: str = ""
    class_pk: int | None = None
    team_pk: int | None = None  # None: the cell was empty (a new student has no team, a known one keeps it)


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


def counts(changes: list[RowChange]) -> dict[str, int]:
    """How many rows create, enrol, update or leave a student unchanged."""
    result = {"created": 0, "enrolled": 0, "updated": 0, "unchanged": 0}
    for change in changes:
        result[change.kind] += 1
    return result


def _fold(text: str) -> str:
    """Compare class names loosely: full-width forms and spaces do not count."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def team_key(name: str) -> str:
    """A team name as the import compares it: NFKC, spaces trimmed and runs
    of spaces as one; otherwise exact (森马组 is not 森马)."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", name)).strip()


def check(result: ImportResult, records: Records, *, digest: Callable[[str], str] = crypto.digest,
          may_see_ids: bool = False) -> list[RowChange]:
    """Check the good rows of ``result`` against ``records``; add every
    finding to ``result`` and return what each row would change (nothing
    unless every row of the file is good).

    Errors reject the whole file; warnings (no bank card yet, a record about
    to change) are only shown. An ID number held by another student of the
    school, or a shop account used by another enrolment of the programme, is
    an error; a value whose current holder is itself in the file with a new
    value is free to take (swaps work). The holder of an ID number is named
    only to a user who ``may_see_ids`` unmasked: to anyone else a list of
    candidate IDs would otherwise answer whose ID each one is.
    """
    classes = {_fold(name): pk for name, pk in records.classes.items()}
    names = "、".join(sorted(records.classes)) or _("none yet: create the classes first")
    teams = {team_key(name): pk for name, pk in records.teams.items()}
    team_names = "、".join(sorted(records.teams)) or _("none yet: create the teams first")
    rows: list[StudentRow] = []
    for good in result.rows:
        row = StudentRow(good.number, **{key: good.get(key, "") for key in (c.key for c in COLUMNS)})
        row.class_pk = classes.get(_fold(row.class_name))
        if row.class_pk is None:
            result.add_error(row.row, "class_name", _(
                "This programme has no class of that name (its classes: %(classes)s)") % {"classes": names},
                row.class_name)
        if row.team_name:
            row.team_pk = records.teams.get(row.team_name) or teams.get(team_key(row.team_name))
            if row.team_pk is None:
                result.add_error(row.row, "team_name", _(
                    "This programme has no team of that name (its teams: %(teams)s)") % {"teams": team_names},
                    row.team_name)
        known = records.students.get(row.student_number)
        for key in NEW_STUDENT_COLUMNS:
            if not getattr(row, key) and known is None:
                result.add_error(row.row, key, _("A new student needs this column (a student on record keeps theirs)"))
        if not row.bank_card:
            if known is None or not known.card_digest:
                result.add_warning(row.row, "bank_card", _(
                    "No bank card yet: stipends cannot be paid until one is recorded"))
        elif not row.bank_name and (known is None or not known.bank_name):
            result.add_warning(row.row, "bank_name", _("The bank (开户行) is empty: bank transfers may need it"))
        # An empty ID or phone cell of a student on record keeps theirs.
        row.id_digest = digest(row.id_number) if row.id_number else (known.id_digest if known else "")
        row.phone_digest = digest(row.phone) if row.phone else (known.phone_digest if known else "")
        row.card_digest = digest(row.bank_card) if row.bank_card else ""
        rows.append(row)
    _duplicates_in_records(result, rows, records, may_see_ids=may_see_ids)
    changes = _plan(result, rows, records)
    return changes if result.ok else []


def _duplicates_in_records(result: ImportResult, rows: list[StudentRow], records: Records, *,
                           may_see_ids: bool) -> None:
    """ID numbers and shop accounts already held by someone not in the file."""
    in_file = {row.student_number: row for row in rows}
    by_pk = {s.pk: s for s in records.students.values()}
    id_holder = {s.id_digest: s for s in records.students.values() if s.id_digest}
    account_holder = {}
    for enrolment in records.enrolments.values():
        if enrolment.shop_account_id:
            account_holder[enrolment.shop_account_id] = by_pk.get(enrolment.student_pk)
    for row in rows:
        holder = id_holder.get(row.id_digest)
        if holder and holder.student_number != row.student_number and _keeps(in_file, holder, "id_digest", row.id_digest):
            if may_see_ids:
                message = _("This ID number is already on record for student no. %(number)s (%(name)s) of this school") % {
                    "number": holder.student_number, "name": holder.name}
            else:
                message = _("This ID number is already registered to another student record of this school")
            result.add_error(row.row, "id_number", message, row.id_number)
        if not row.shop_account_id:
            continue
        holder = account_holder.get(row.shop_account_id)
        if holder and holder.student_number != row.student_number and _keeps(in_file, holder, "shop_account_id", row.shop_account_id):
            result.add_error(row.row, "shop_account_id", _(
                "This shop account is already used by student no. %(number)s (%(name)s) in this programme")
                % {"number": holder.student_number, "name": holder.name}, row.shop_account_id)


def _keeps(in_file: dict[str, StudentRow], holder: KnownStudent, attr: str, value: str) -> bool:
    """Does the current holder keep the value after this import?"""
    row = in_file.get(holder.student_number)
    if row is None:
        return True
    new = getattr(row, attr)
    # An empty optional cell keeps what is on record.
    return new == value or (attr == "shop_account_id" and not new)


def _plan(result: ImportResult, rows: list[StudentRow], records: Records) -> list[RowChange]:
    team_names = {pk: name for name, pk in records.teams.items()}
    changes = []
    for row in rows:
        student = records.students.get(row.student_number)
        enrolment = records.enrolments.get(student.pk) if student else None
        student_fields, enrolment_fields = set(), set()
        if student:
            if row.name != student.name:
                student_fields.add("name")
                result.add_warning(row.row, "name", _(
                    "On record as %(name)s: the name will be replaced") % {"name": student.name}, row.name)
            if row.id_digest != student.id_digest:
                student_fields.add("id_number")
                result.add_warning(row.row, "id_number", _(
                    "Differs from the ID number on record for this student number: it will be replaced"), row.id_number)
            if row.phone_digest != student.phone_digest:
                student_fields.add("phone")
            if row.bank_card and row.card_digest != student.card_digest:
                student_fields.add("bank_card")
            for key in ("bank_name", "bank_branch", "account_holder"):
                if getattr(row, key) and getattr(row, key) != getattr(student, key):
                    student_fields.add(key)
        if enrolment:
            if row.class_pk != enrolment.class_pk:
                enrolment_fields.add("school_class")
            if row.shop_account_id and row.shop_account_id != enrolment.shop_account_id:
                enrolment_fields.add("shop_account_id")
            # An empty team cell keeps the team on record.
            if row.team_pk is not None and row.team_pk != enrolment.team_pk:
                enrolment_fields.add("team")
                if enrolment.team_pk is not None:
                    result.add_warning(row.row, "team_name", _(
                        "On record in team %(team)s: the student moves to this team (and leaves its group)")
                        % {"team": team_names.get(enrolment.team_pk, "")}, row.team_name)
        changes.append(RowChange(row, student, enrolment, frozenset(student_fields), frozenset(enrolment_fields)))
    return changes


# --------------------------------------------------------------------------
# The template
TEMPLATE_WIDTHS = {"class_name": 14, "name": 10, "student_number": 14, "id_number": 22, "phone": 14,
                   "bank_card": 24, "bank_name": 22, "shop_account_id": 18, "team_name": 14, "bank_branch": 22,
                   "account_holder": 12}


def _list_validation(sheet: str, names: list[str], key: str, message: str) -> DataValidation:
    """A drop-down on column ``key`` of the template offering ``names`` (kept on a hidden ``sheet``)."""
    letter = get_column_letter([c.key for c in COLUMNS].index(key) + 1)
    validation = DataValidation(type="list", formula1=f"='{sheet}'!$A$2:$A${len(names) + 1}", allow_blank=True)
    validation.error = message
    validation.showErrorMessage = True
    validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
    return validation


def template_workbook(class_names: list[str], team_names: list[str] = ()) -> bytes:
    """The empty student list to fill in, as .xlsx bytes (through the one
    exporter base: every cell formula-safe text, header frozen).

    The first sheet has the headers the import matches (required ones in
    red); student number, ID, phone and card columns are formatted as text
    so Excel keeps every digit; the class column offers the programme's
    classes from a hidden sheet, the team column the programme's teams from
    another (both lists written as text, so a name like a formula stays a
    name). A further sheet explains each column with
    an example that is plainly not a real person.
    """
    red = Font(bold=True, color="C00000")
    sheets = []
    validations = []
    if class_names:
        validations.append(_list_validation("班级列表", class_names, "class_name", _("Choose one of the programme's classes")))
    if team_names:
        validations.append(_list_validation("组列表", team_names, "team_name", _("Choose one of the programme's teams")))
    sheets.append(Sheet("学生名单", [
        ExportColumn(c.label, TEMPLATE_WIDTHS[c.key], column_format="@" if c.key in TEXT_COLUMNS else None,
                     header_style={"font": red} if _needed(c) else {})
        for c in COLUMNS], validations=validations))
    if class_names:
        # The list the drop-down offers (below its header): as text, so a
        # class named like a formula stays a name.
        sheets.append(Sheet("班级列表", [ExportColumn("班级", 20)], rows=[(name,) for name in class_names],
                            hidden=True))
    if team_names:
        sheets.append(Sheet("组列表", [ExportColumn("组/品牌", 20)], rows=[(name,) for name in team_names],
                            hidden=True))
    example = _example_row()
    explanations = {
        "class_name": _("One of the programme's classes, exactly as named in the system"),
        "name": _("The student's full name"),
        "student_number": _("The school's student number; importing the same number again updates that student"),
        "id_number": _("Resident ID number, 18 characters; the check character and birth date are verified"),
        "phone": _("Mobile number, 11 digits"),
        "bank_card": _("Debit card for the stipend, 15 to 19 digits; may be left empty and added later"),
        "bank_name": _("Bank and branch where the card was opened"),
        "bank_branch": _("The branch (支行 or 网点) where the card was opened, if the bank column has none"),
        "account_holder": _("The name the card is held in; empty: the student's own name"),
        "shop_account_id": _("The customer-service account in the shop, if already assigned; unique within the programme"),
        "team_name": _("One of the programme's teams (组/品牌), exactly as named in the system; "
                       "may be left empty and assigned later on the student list"),
    }
    notes = [(c.label, _("yes") if _needed(c) else _("no"), explanations[c.key], example[c.key]) for c in COLUMNS]
    notes += [(), (_("Fill in the first sheet only, one student per row, from row 2. Do not rename the headers. "
                     "An empty optional cell keeps what is on record."),)]
    sheets.append(Sheet("填写说明", [ExportColumn(_("Column"), 12), ExportColumn(_("Required"), 8),
                                     ExportColumn(_("What to enter"), 70),
                                     ExportColumn(_("Example (not a real person)"), 24)], rows=notes))
    return workbook_bytes(sheets)


def _needed(column: Column) -> bool:
    """Is the column required (in red in the template)? The ID and phone are, for a new student."""
    return column.required or column.key in NEW_STUDENT_COLUMNS


def _example_row() -> dict[str, str]:
    # Region 110101 with birth date 2000-01-01 and sequence 999: valid in form,
    # and the name says it is an example.
    body = "11010120000101999"
    card = "621700000000000000"
    return {
        "class_name": "19电商1班", "name": "示例学生", "student_number": "2019000001",
        "id_number": body + ric.calc_check_digit(body), "phone": "13800000000",
        "bank_card": card + luhn.calc_check_digit(card), "bank_name": "示例银行", "bank_branch": "某某支行",
        "account_holder": "", "shop_account_id": "示例店铺:客服01", "team_name": "示例组",
    }
