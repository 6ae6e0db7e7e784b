"""Student data: importing a list into a programme, and revealing a
student's personal data to finance (logged).

The import reads and checks rows with :mod:`programs.students.imports`
(the one importer base); this module gathers what the database already
holds in three queries and writes the outcome in one transaction with bulk
statements. A file above ``settings.IMPORT_BACKGROUND_ROWS`` rows runs as a
background job (kind ``student_import``, registered in ``tasks.py``) through
the very same :func:`run_import`.
"""

import logging
from collections import defaultdict
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from programs.agreements.models import Programme
from programs.students import imports, rules
from programs.students.models import (
    Enrolment,
    SchoolClass,
    Student,
    StudentImport,
    Team,
    kept_columns,
    masked_copies,
)
from trainingweek import bulk
from trainingweek.history import insert_with_history, record_history
from trainingweek.imports import ImportResult
from trainingweek.jobs import JobSuperseded, read_input, start_job
from trainingweek.models import Job, PersonalDataAccess
from trainingweek.services import log_personal_data_access

logger = logging.getLogger(__name__)


JOB_KIND = "student_import"


PERSONAL_FIELDS = ("id_number", "phone", "bank_card")


Progress = Callable[[int, int, str], None]


def _no_progress(done: int, total: int, message: str = "") -> None:
    pass


def read_upload(upload, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Read an uploaded student list within the stated limits
    (``settings.IMPORT_MAX_BYTES``, ``IMPORT_MAX_ROWS``). A file that
    cannot be read has one error of no row (``result.file_error``)."""
    return imports.StudentListImport().read(upload, progress=progress)


def load_records(programme: Programme) -> imports.Records:
    """What the import is checked against, in four queries, never decrypting.

    All students of the programme's school (by student number, with their
    digests), the programme's classes, its enrolments and its teams.
    """
    school_id = programme.agreement.school_id
    classes = dict(SchoolClass.objects.filter(programme=programme).values_list("name", "pk"))
    students = {
        number: imports.KnownStudent(pk, number, name, id_digest, phone_digest, card_digest, bank, branch, holder)
        for pk, number, name, id_digest, phone_digest, card_digest, bank, branch, holder in Student.objects.filter(
            school_id=school_id
        ).values_list("pk", "student_number", "name", "id_number_digest", "phone_digest", "bank_card_digest",
                      "bank_name", "bank_branch", "account_holder")
    }
    enrolments = {
        student_pk: imports.KnownEnrolment(pk, student_pk, class_pk, account, team_pk)
        for pk, student_pk, class_pk, account, team_pk in Enrolment.objects.filter(programme=programme).values_list(
            "pk", "student_id", "school_class_id", "shop_account_id", "team_id"
        )
    }
    teams = dict(Team.objects.filter(programme=programme).values_list("name", "pk"))
    return imports.Records(classes, students, enrolments, teams)


class ImportRefused(Exception):
    """The user may not import now (too many rejected imports this hour); nothing was checked."""


# Rejected imports are counted per user for an hour from the first one.
REJECTION_WINDOW_SECONDS = 3600


def _rejections_key(user_id: int) -> str:
    return f"students:rejected-imports:{user_id}"


def rejected_imports(user) -> int:
    """How many of ``user``'s student imports were rejected within the current window."""
    return cache.get(_rejections_key(user.pk), 0)


def _count_rejection(user_id: int) -> None:
    key = _rejections_key(user_id)
    cache.add(key, 0, timeout=REJECTION_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=REJECTION_WINDOW_SECONDS)


def start_import(*, programme: Programme, user, upload, sheet: ImportResult,
                 ip_address: str | None = None) -> tuple[StudentImport, Job | None]:
    """Record an upload and import it now, or queue it if it is long.

    Raises :class:`ImportRefused`, before anything is recorded or checked,
    once ``user`` had ``settings.STUDENT_IMPORT_REJECTIONS_PER_HOUR``
    imports rejected within the hour.

    ``sheet`` is the upload already read (the form checks the file). Up to
    ``IMPORT_BACKGROUND_ROWS`` rows are imported within the request; a longer
    file is stored on a Job and imported by the Celery task, which reads it
    again from storage, so eager mode and a real worker run the same code.
    """
    limit = settings.STUDENT_IMPORT_REJECTIONS_PER_HOUR
    if rejected_imports(user) >= limit:
        raise ImportRefused(_(
            "%(n)d of your imports were rejected within the last hour; wait an hour before the next one, "
            "or ask another coordinator to check the file.") % {"n": limit})
    record = StudentImport.objects.create(
        programme=programme, created_by=user, file_name=upload.name[:255], row_count=sheet.row_count
    )
    if sheet.row_count <= settings.IMPORT_BACKGROUND_ROWS:
        run_import(record=record, sheet=sheet, ip_address=ip_address)
        return record, None
    with transaction.atomic():
        job = start_job(kind=JOB_KIND, user=user, input_file=upload, params={
            "import_id": record.pk, "language": translation.get_language() or settings.LANGUAGE_CODE,
            "ip_address": ip_address,
        })
        StudentImport.objects.filter(pk=record.pk).update(job=job)
    record.job = job
    return record, job


def run_import_job(job: Job) -> dict:
    """The work of the background job: read the stored file, then import it.

    Idempotent: an import already finished is not run again (a task may be
    delivered twice, or the job resumed after its worker died: the rows and
    the outcome are written in one transaction, so a dead worker left none of
    them). The stored upload is encrypted and read back decrypted
    (``trainingweek.jobs.read_input``); the job path deletes it once the job
    has an outcome.
    """
    record = StudentImport.objects.select_related("programme__agreement").get(pk=job.params["import_id"])
    redirect = reverse("programs:student_import_result", args=[record.programme_id, record.pk])
    if record.status != StudentImport.Status.PENDING:
        return {"redirect": redirect, "message": record.message}
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        try:
            sheet = read_upload(read_input(job), progress=lambda n: job.report(n, 2 * record.row_count,
                                                                               _("Reading row %(n)d") % {"n": n}))
            if sheet.file_error:
                _finish(record, StudentImport.Status.REJECTED, sheet.file_error.message)
            else:
                run_import(record=record, sheet=sheet, progress=job.report, ip_address=job.params.get("ip_address"))
        except JobSuperseded:
            raise  # another worker took the job over: the import is its to finish
        except Exception:
            _finish(record, StudentImport.Status.REJECTED, _("The import failed unexpectedly; nothing was imported."))
            raise
    return {"redirect": redirect, "message": record.message}


def run_import(*, record: StudentImport, sheet: ImportResult, progress: Progress = _no_progress,
               ip_address: str | None = None) -> StudentImport:
    """Check every row; write all of them in one transaction, or none.

    ``sheet`` is the upload as :func:`read_upload` read it (its rows
    cleaned, its cell errors found); the checks against the database add
    theirs to it.

    Students are matched by student number within the school: a known one is
    updated (only the fields that changed), an unknown one created, and each
    gets one enrolment in the programme. The outcome (counts, or every bad
    row) is stored on ``record``; a rejection counts against the user's
    hourly allowance (:func:`start_import`).

    Checking ID numbers against the school's records is a look at personal
    data: it writes one access-log row with the number of IDs checked, and a
    duplicate names its holder only to a user who may see IDs unmasked.
    """
    programme = record.programme
    user = record.created_by
    total = max(sheet.row_count, 1)
    progress(total, 2 * total, _("Checking the rows"))
    if sheet.rows:
        log_personal_data_access(
            user=user, action=PersonalDataAccess.Action.CHECK, subject=f"{programme} · {record.file_name}",
            object_id=record.pk, fields="id_number", record_count=len(sheet.rows), ip_address=ip_address)
    may_see_ids = user.has_perm("students.reveal_personal_data", programme)
    try:
        with transaction.atomic():
            # Two imports into one programme wait for each other (PostgreSQL).
            list(Programme.objects.select_for_update().filter(pk=programme.pk).order_by().values_list("pk"))
            changes = imports.check(sheet, load_records(programme), may_see_ids=may_see_ids)
            if sheet.ok:
                progress(3 * total // 2, 2 * total, _("Writing %(n)d students") % {"n": total})
                _write(programme, changes, user=record.created_by)
                # The outcome commits with the rows: a worker dying in between
                # cannot leave students written under a pending import.
                sheet.counts = imports.counts(changes)
                return _finish(record, StudentImport.Status.IMPORTED, _(
                    "Imported %(total)d rows: %(created)d new, %(enrolled)d existing students enrolled, "
                    "%(updated)d updated, %(unchanged)d unchanged.") % {"total": sheet.row_count, **sheet.counts},
                    warnings=[f.as_dict() for f in sheet.warnings], counts=sheet.counts)
    except IntegrityError:
        logger.warning("student import %s collided with a concurrent change", record.pk, exc_info=True)
        return _finish(record, StudentImport.Status.REJECTED, _(
            "Students of this school changed while the file was being imported (another import at the same time?). "
            "Nothing was imported; upload the file again."))
    errors = [f.as_dict() for f in sheet.errors]
    warnings = [f.as_dict() for f in sheet.warnings]
    return _finish(record, StudentImport.Status.REJECTED, _(
        "%(bad)d of %(total)d rows have problems, so nothing was imported. Correct them and upload the file again.")
        % {"bad": sheet.bad_rows, "total": sheet.row_count}, errors=errors, warnings=warnings)


def _finish(record: StudentImport, status: str, message: str, *, errors=(), warnings=(), counts=None) -> StudentImport:
    counts = counts or {}
    if status == StudentImport.Status.REJECTED:
        _count_rejection(record.created_by_id)
    record.status = status
    record.message = message
    record.errors = list(errors)
    record.warnings = list(warnings)
    record.created_count = counts.get("created", 0)
    record.enrolled_count = counts.get("enrolled", 0)
    record.updated_count = counts.get("updated", 0)
    record.unchanged_count = counts.get("unchanged", 0)
    record.finished_at = timezone.now()
    record.save()
    return record


def _write(programme: Programme, changes: list[imports.RowChange], user=None) -> None:
    """Apply checked changes with bulk statements (inside the caller's
    transaction); every student created or changed gets its audit-history row
    (personal fields encrypted there as in the record), made by ``user``."""
    school_id = programme.agreement.school_id
    now = timezone.now()

    new_students = []
    for change in changes:
        if change.student is None:
            row = change.row
            student = Student(
                school_id=school_id, student_number=row.student_number, name=row.name,
                id_number=row.id_number, id_number_digest=row.id_digest,
                phone=row.phone, phone_digest=row.phone_digest,
                bank_card=row.bank_card, bank_card_digest=row.card_digest, bank_name=row.bank_name,
                bank_branch=row.bank_branch, account_holder=row.account_holder,
                **masked_copies(id_number=row.id_number, phone=row.phone, bank_card=row.bank_card),
            )
            new_students.append((change, student))
    _release_held_values(changes)
    # The new students with their "created" history rows (COPY on PostgreSQL).
    insert_with_history([s for _c, s in new_students], model=Student, user=user)
    if any(s.pk is None for _c, s in new_students):  # a backend that returns no ids
        ids = dict(Student.objects.filter(school_id=school_id).values_list("student_number", "pk"))
        for _c, s in new_students:
            s.pk = ids[s.student_number]
    student_pk = {c.row.student_number: s.pk for c, s in new_students}

    enrolments = [
        Enrolment(
            programme=programme, student_id=student_pk.get(c.row.student_number) or c.student.pk,
            school_class_id=c.row.class_pk, shop_account_id=c.row.shop_account_id, team_id=c.row.team_pk,
        )
        for c in changes if c.enrolment is None
    ]
    bulk.insert(Enrolment, enrolments)

    # Update only the fields that changed, grouped so each group is one
    # bulk statement; an empty optional cell keeps what is on record.
    student_groups: dict[frozenset, list[Student]] = defaultdict(list)
    enrolment_groups: dict[frozenset, list[Enrolment]] = defaultdict(list)
    for change in changes:
        row = change.row
        if change.student is not None and change.student_fields:
            student = Student(pk=change.student.pk, name=row.name, id_number=row.id_number,
                              id_number_digest=row.id_digest, phone=row.phone, phone_digest=row.phone_digest,
                              bank_card=row.bank_card, bank_card_digest=row.card_digest,
                              bank_name=row.bank_name, bank_branch=row.bank_branch,
                              account_holder=row.account_holder, updated_at=now,
                              **masked_copies(id_number=row.id_number, phone=row.phone, bank_card=row.bank_card))
            student_groups[change.student_fields].append(student)
        if change.enrolment is not None and change.enrolment_fields:
            enrolment = Enrolment(pk=change.enrolment.pk, school_class_id=row.class_pk,
                                  shop_account_id=row.shop_account_id, team_id=row.team_pk)
            enrolment_groups[change.enrolment_fields].append(enrolment)
    for fields, students in student_groups.items():
        # A personal value changes with its digest, its masked copy (and a card with its check).
        columns = (sorted(fields) + sorted(c for f in fields if f in PERSONAL_FIELDS for c in kept_columns(f))
                   + ["updated_at"])
        Student.objects.bulk_update(students, columns)
    # The updates wrote only the changed columns: record each student whole, as it now stands.
    changed_ids = [s.pk for group in student_groups.values() for s in group]
    if changed_ids:
        record_history(Student.objects.filter(pk__in=changed_ids), model=Student, user=user)
    for fields, members in enrolment_groups.items():
        Enrolment.objects.bulk_update(members, sorted(fields))
    _leave_groups([c.enrolment.pk for c in changes if c.enrolment is not None and "team" in c.enrolment_fields])


def _release_held_values(changes: list[imports.RowChange]) -> None:
    """Free ID digests and shop accounts that move between students.

    The check allows a value to move from one student to another when both
    are in the file (a corrected mix-up). Unique constraints are checked row
    by row, so the old holders give the values up first, in one statement each.
    """
    wanted_ids = {c.row.id_digest for c in changes}
    release_ids = [c.student.pk for c in changes
                   if c.student and "id_number" in c.student_fields and c.student.id_digest in wanted_ids]
    if release_ids:
        Student.objects.filter(pk__in=release_ids).update(
            id_number_digest=Concat(Value("released:"), Cast("pk", CharField()))
        )
    wanted_accounts = {c.row.shop_account_id for c in changes if c.row.shop_account_id}
    release_accounts = [c.enrolment.pk for c in changes
                        if c.enrolment and "shop_account_id" in c.enrolment_fields
                        and c.enrolment.shop_account_id in wanted_accounts]
    if release_accounts:
        Enrolment.objects.filter(pk__in=release_accounts).update(shop_account_id="")


# --------------------------------------------------------------------------
# Bank details
BANK_FIELDS = ("bank_card", "account_holder", "bank_name", "bank_branch")


@transaction.atomic
def update_bank_details(*, student: Student, bank_card: str, account_holder: str, bank_name: str,
                        bank_branch: str) -> list[str]:
    """Replace a student's bank details (card encrypted by the model, its
    digest refreshed by ``save``; the change is in the audit history, made
    by the request's user). The card is checked by the one bank-card rule:
    its errors refuse (ValueError), its warnings are returned. An account
    holder equal to the student's name is stored blank (the student's own)."""
    checked = rules.check_bank_card(bank_card)
    if checked.errors:
        raise ValueError(checked.errors[0])
    student = Student.objects.select_for_update().get(pk=student.pk)
    holder = account_holder.strip()
    student.bank_card = checked.value
    student.account_holder = "" if holder == student.name else holder
    student.bank_name = bank_name.strip()
    student.bank_branch = bank_branch.strip()
    student.save(update_fields=[*BANK_FIELDS, "updated_at"])
    return checked.warnings


# --------------------------------------------------------------------------
# Revealing personal data
def reveal_personal_data(*, user, enrolment: Enrolment, ip_address: str | None) -> dict[str, str]:
    """The student's unmasked ID number, phone and bank card, logged.

    The caller has checked that the user may reveal (finance only); every
    reveal writes one :class:`PersonalDataAccess` row.
    """
    return reveal_student_data(user=user, student=enrolment.student, ip_address=ip_address)


def reveal_student_data(*, user, student: Student, ip_address: str | None) -> dict[str, str]:
    """A student's unmasked ID number, phone and bank card, with its log row
    (the student's page and the admin both reveal through here)."""
    log_personal_data_access(user=user, action=PersonalDataAccess.Action.REVEAL, subject=student,
                             object_id=student.pk, fields=",".join(PERSONAL_FIELDS), ip_address=ip_address)
    return {name: getattr(student, name) for name in PERSONAL_FIELDS}


@transaction.atomic
def assign_group_leaders(*, team: Team, leaders: set[int], members: dict[int, int | None]) -> int:
    """Mark the team's group leaders and attach each member to one leader.

    ``leaders`` holds enrolment ids to mark as leaders; ``members`` maps an
    enrolment id to its leader's enrolment id (or None). Ids outside the team
    are ignored, so a forged form cannot touch another team. Returns how many
    enrolments changed.
    """
    enrolments = list(Enrolment.objects.filter(team=team))
    valid_leaders = {e.pk for e in enrolments if e.pk in leaders}
    changed = []
    for e in enrolments:
        is_leader = e.pk in valid_leaders
        leader = None if is_leader else members.get(e.pk)
        leader = leader if leader in valid_leaders else None
        if e.is_group_leader != is_leader or e.group_leader_id != leader:
            e.is_group_leader, e.group_leader_id = is_leader, leader
            changed.append(e)
    Enrolment.objects.bulk_update(changed, ["is_group_leader", "group_leader"])
    return len(changed)


# --------------------------------------------------------------------------
# Students into teams
class TeamAssignmentError(ValueError):
    """A team assignment that was refused as a whole; the message is for the user."""


def _leave_groups(enrolment_ids) -> None:
    """Enrolments that changed team leave their group (groups live within a
    team): no longer a group leader, no leader of the old team, and members
    of the old team whose leader they were keep no leader."""
    ids = list(enrolment_ids)
    if not ids:
        return
    Enrolment.objects.filter(group_leader_id__in=ids).exclude(pk__in=ids).update(group_leader=None)
    Enrolment.objects.filter(pk__in=ids).update(is_group_leader=False, group_leader=None)


@transaction.atomic
def assign_team(*, programme: Programme, enrolment_ids, team: Team | None, user) -> int:
    """Put the enrolments ``enrolment_ids`` of ``programme`` into ``team``
    (``None``: take them out of their team), in one transaction.

    All or nothing: an id that is not an enrolment of this programme, or a
    team of another programme, refuses the whole request with
    :class:`TeamAssignmentError` and writes nothing (a crafted form cannot
    touch another programme). A student who changes team leaves their group
    (:func:`_leave_groups`). The team's mentors see the students at once
    (their pages read ``Enrolment.team``). ``user`` is who assigned (the
    caller checked ``students.assign_team``). Returns how many enrolments
    changed team.
    """
    ids = set()
    for value in enrolment_ids:
        try:
            ids.add(int(value))
        except (TypeError, ValueError):
            raise TeamAssignmentError(_("Choose students of this programme.")) from None
    if not ids:
        raise TeamAssignmentError(_("Choose at least one student."))
    if team is not None and team.programme_id != programme.pk:
        raise TeamAssignmentError(_("That team is not one of this programme's teams."))
    # Lock the programme's row: two coordinators assigning at once wait for each other.
    list(Programme.objects.select_for_update().filter(pk=programme.pk).order_by().values_list("pk"))
    found = dict(Enrolment.objects.filter(programme=programme, pk__in=ids).values_list("pk", "team_id"))
    if found.keys() != ids:
        raise TeamAssignmentError(_("Some of the chosen students are not enrolled in this programme; nothing was changed."))
    team_id = team.pk if team is not None else None
    moving = [pk for pk, current in found.items() if current != team_id]
    if moving:
        Enrolment.objects.filter(pk__in=moving).update(team_id=team_id)
        _leave_groups(moving)
        logger.info("user %s put %d enrolments of programme %s into team %s", getattr(user, "pk", None),
                    len(moving), programme.pk, team_id)
    return len(moving)
