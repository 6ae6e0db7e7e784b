"""Writes of attendance: recording days, leave decisions, withdrawals and dismissals.

Every writer of ``Attendance`` goes through ``selectors.DayContext``, which
refuses days after a departed student's last day (``rules.recordable_day``).
The grid saves only the cells a user changed, each only while its version is
the one the page showed (``trainingweek.versioning``).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from programs.agreements.models import Programme
from programs.attendance import rules
from programs.attendance.models import (
    Attendance,
    Departure,
    LeaveRequest,
    OnlineHoursMapping,
    OnlineHoursUpload,
)
from programs.attendance.rules import MAX_ONLINE_HOURS
from programs.attendance.selectors import DayContext, approved_leave_days
from programs.rosters import rules as roster_rules
from programs.students.models import Enrolment
from trainingweek import bulk, crypto, versioning
from trainingweek.versioning import Loaded


class WorkflowError(Exception):
    """A refusal whose message is meant for the user (already translated)."""


# --------------------------------------------------------------------------- recording
@dataclass(frozen=True)
class AttendanceInput:
    """One cell of the attendance grid as typed: an empty status and no hours clears the day.

    ``loaded`` is what the grid showed: the record's version (0: none) and
    its value ``(status, hours)``; the cell is written only if the user
    changed it and nobody else has since. ``None`` writes regardless (the
    demo data, the benchmark: writers that own the whole period).
    """

    enrolment_id: int
    day: date
    status: str
    online_hours: Decimal | None
    loaded: Loaded | None = None

    @property
    def value(self) -> tuple[str, Decimal | None]:
        return self.status, self.online_hours


EMPTY = ("", None)


UPSERT_FIELDS = ["programme_id", "enrolment_id", "day", "status", "online_hours", "day_kind", "shift_id",
                 "is_truancy", "recorded_by_id", "updated_at"]


def _upsert(rows: list[tuple]) -> None:
    """Insert or update attendance rows (tuples in ``UPSERT_FIELDS`` order, but
    the time) by (enrolment, day), adding one to the version of each row
    updated (:func:`trainingweek.bulk.upsert`: COPY through a staging table
    on PostgreSQL for many rows, one prepared ``INSERT ... ON CONFLICT DO
    UPDATE`` with ``executemany`` otherwise, in the caller's transaction).
    ``bulk_create(update_conflicts=True)`` would compile SQL for every value
    in batches of 99 rows on SQLite, five times slower at 300,000 rows, and
    could not add to the version.
    """
    now = timezone.now()
    bulk.upsert(Attendance, UPSERT_FIELDS, [(*row, now) for row in rows], unique_fields=["enrolment", "day"],
                update_fields=UPSERT_FIELDS[3:], version="version")


@dataclass(frozen=True)
class Conflict:
    """A cell someone else changed after the user's page was loaded: not written.

    ``yours`` is what the user posted (kept in their form), ``current`` what is
    stored now, with its ``version`` (the one a deliberate re-save must name).
    """

    enrolment_id: int
    day: date
    yours: tuple[str, Decimal | None]
    current: tuple[str, Decimal | None]
    version: int
    message: str


@dataclass
class SaveResult:
    saved: int = 0
    cleared: int = 0
    errors: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


def _where(enrolment: Enrolment, day: date) -> str:
    return _("%(name)s on %(day)s") % {"name": enrolment.student.name, "day": day.isoformat()}


def after_last_day_message(name: str, last_day: date, days: Iterable[date]) -> str:
    """The refusal of days after a student's last day, listing them."""
    return _("%(name)s left on %(last)s: nothing is recorded or paid after the last day (%(days)s).") % {
        "name": name, "last": last_day.isoformat(), "days": ", ".join(d.isoformat() for d in days)}


def shown_value(value: tuple[str, Decimal | None]) -> str:
    """A cell's value as a person reads it: 迟到 · 8.5 h, or “empty”."""
    status, hours = value
    parts = [str(Attendance.Status(status).label)] if status in Attendance.Status.values else []
    if hours is not None:
        parts.append(_("%(hours)s h") % {"hours": f"{hours.normalize():f}"})
    return " · ".join(parts) or _("empty")


def conflict_message(enrolment: Enrolment, day: date, yours, current) -> str:
    """The explanation of one conflicting cell, naming the student and the day."""
    return versioning.conflict_message(_where(enrolment, day), current=shown_value(current), yours=shown_value(yours))


def _stored(programme: Programme, keys: Iterable[tuple[int, date]]) -> dict[tuple[int, date], Attendance]:
    """The stored records of these (enrolment, day) cells, in one query, locked
    until the save commits (PostgreSQL; SQLite's IMMEDIATE transaction holds
    the whole database), in key order so two saves never wait on each other."""
    keys = list(keys)
    if not keys:
        return {}
    return {(a.enrolment_id, a.day): a for a in Attendance.objects.filter(
        programme=programme, enrolment_id__in={k[0] for k in keys}, day__in={k[1] for k in keys},
    ).only("enrolment", "day", "status", "online_hours", "version").order_by("pk").select_for_update()}


def _as_loaded(record: Attendance | None) -> Loaded:
    return Loaded(0, EMPTY) if record is None else Loaded(record.version, (record.status, record.online_hours))


def _values(item: AttendanceInput, context: DayContext, user_id: int | None) -> dict:
    day_kind, shift_id, truancy = context.classify(item.enrolment_id, item.day, item.status)
    return {"status": item.status, "online_hours": item.online_hours, "day_kind": day_kind, "shift_id": shift_id,
            "is_truancy": truancy, "recorded_by_id": user_id}


def _is_clear(item: AttendanceInput) -> bool:
    return not item.status and item.online_hours is None


def _write_all(programme: Programme, writes: list[tuple[AttendanceInput, Attendance | None]],
               context: DayContext | None, user_id: int | None) -> list[AttendanceInput]:
    """Write the changed cells, each only while its record is still the one read;
    returns the cells someone else got to first. One UPDATE, one DELETE and one
    INSERT (per batch) in a savepoint; should a row have moved meanwhile, the
    savepoint is rolled back and the cells are written one by one."""
    updates = [(record, _values(item, context, user_id)) for item, record in writes
               if record is not None and not _is_clear(item)]
    deletes = [record for item, record in writes if record is not None and _is_clear(item)]
    inserts = sorted((item for item, record in writes if record is None), key=lambda i: (i.enrolment_id, i.day))
    try:
        with transaction.atomic():
            now = timezone.now()
            if versioning.update_unchanged(Attendance.objects, [(r, {**v, "updated_at": now}) for r, v in updates]) \
                    != len(updates) or versioning.delete_unchanged(Attendance.objects, deletes) != len(deletes):
                raise versioning.Raced
            # In key order, so two saves creating the same cells never wait on each other;
            # a cell created meanwhile is an IntegrityError (COPY on PostgreSQL too).
            bulk.insert(Attendance, [
                Attendance(programme=programme, enrolment_id=i.enrolment_id, day=i.day, **_values(i, context, user_id))
                for i in inserts])
        return []
    except (versioning.Raced, IntegrityError):
        return [item for item, record in writes if not _write_cell(programme, item, record, context, user_id)]


def _write_cell(programme: Programme, item: AttendanceInput, record: Attendance | None, context: DayContext | None,
                user_id: int | None) -> bool:
    """Write one changed cell only if its stored version is still ``record``'s
    (none: nobody created it meanwhile); False when someone got there first."""
    if _is_clear(item):
        return Attendance.objects.filter(pk=record.pk, version=record.version).delete()[0] == 1
    values = _values(item, context, user_id)
    if record is not None:
        # The conditional UPDATE ... WHERE version = N: a write since our read makes it match nothing.
        return Attendance.objects.filter(pk=record.pk, version=record.version).update(
            **values, updated_at=timezone.now(), version=F("version") + 1) == 1
    try:
        with transaction.atomic():  # a savepoint: the unique (enrolment, day) refuses a row created meanwhile
            Attendance.objects.create(programme=programme, enrolment_id=item.enrolment_id, day=item.day, **values)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def record_attendance(*, programme: Programme, enrolments: list[Enrolment], entries: Iterable[AttendanceInput],
                      user) -> SaveResult:
    """Save the changed cells of an attendance grid for the given (already permitted) enrolments.

    Cells of other enrolments are ignored, so a forged form changes nothing
    outside the user's team. A cell posted as it was loaded is no write. A
    cell with a status is written (created or updated); a cell with neither
    status nor hours deletes that day's record. Hours without a status, a
    status outside the list, hours outside 0–24, or a day after the last day
    of a student who left refuse the whole save with every reason listed
    (clearing such a day is allowed). Day kind, shift and truancy are derived
    here.

    A cell with ``loaded`` is written only while its record is still the one
    loaded (``trainingweek.versioning.outcome``, then a conditional write);
    otherwise it is reported in ``result.conflicts`` with the stored value and
    left as it is, while the other cells are saved. Cells without ``loaded``
    are written regardless, in one prepared upsert.
    """
    allowed = {e.pk: e for e in enrolments}
    valid_status = set(Attendance.Status.values)
    result = SaveResult()
    wanted: list[AttendanceInput] = []
    clear: list[AttendanceInput] = []
    for item in entries:
        if item.enrolment_id not in allowed:
            continue
        if item.loaded is not None and item.value == item.loaded.value:
            continue  # unchanged: not a write, even when the client posts every cell
        if not item.status and item.online_hours is None:
            clear.append(item)
        elif item.status not in valid_status:
            result.errors.append(_("%(where)s: choose an attendance status for the online hours.") % {
                "where": _where(allowed[item.enrolment_id], item.day)})
        elif item.online_hours is not None and not Decimal(0) <= item.online_hours <= MAX_ONLINE_HOURS:
            result.errors.append(_("%(where)s: online hours must be between 0 and 24.") % {
                "where": _where(allowed[item.enrolment_id], item.day)})
        else:
            wanted.append(item)
    if result.errors:
        return result
    context = None
    if wanted:
        days = [i.day for i in wanted]
        context = DayContext(programme, list(allowed.values()), min(days), max(days))
        by_student: dict[int, list[date]] = defaultdict(list)
        for i in wanted:
            by_student[i.enrolment_id].append(i.day)
        for enrolment_id, student_days in by_student.items():
            late = context.after_last_day(enrolment_id, student_days)
            if late:
                result.errors.append(after_last_day_message(
                    allowed[enrolment_id].student.name, context.last_day[enrolment_id], late))
        if result.errors:
            return result
    user_id = getattr(user, "pk", None)
    blind = [i for i in wanted if i.loaded is None]
    _upsert([(programme.pk, i.enrolment_id, i.day, i.status, i.online_hours,
              *context.classify(i.enrolment_id, i.day, i.status), user_id) for i in blind])
    result.saved = len(blind)
    blind_clear = [i for i in clear if i.loaded is None]
    if blind_clear:
        q = Q()
        by_day: dict[date, list[int]] = defaultdict(list)
        for i in blind_clear:
            by_day[i.day].append(i.enrolment_id)
        for d, ids in by_day.items():
            q |= Q(day=d, enrolment_id__in=ids)
        result.cleared = Attendance.objects.filter(q, programme=programme).delete()[0]
    versioned = [i for i in wanted + clear if i.loaded is not None]
    stored = _stored(programme, ((i.enrolment_id, i.day) for i in versioned))
    lost, writes = versioning.partition(versioned, row_of=lambda item: stored.get((item.enrolment_id, item.day)),
                                        loaded_of=_as_loaded)
    raced = _write_all(programme, writes, context, user_id)
    lost += raced
    for item, _record in writes:
        if item not in raced:
            if _is_clear(item):
                result.cleared += 1
            else:
                result.saved += 1
    now = _stored(programme, ((i.enrolment_id, i.day) for i in lost))
    for item in lost:
        current = _as_loaded(now.get((item.enrolment_id, item.day)))
        result.conflicts.append(Conflict(
            item.enrolment_id, item.day, item.value, current.value, current.version,
            conflict_message(allowed[item.enrolment_id], item.day, item.value, current.value)))
    return result


# --------------------------------------------------------------------------- leave
def _refresh_truancy(enrolment_id: int, first: date, last: date) -> int:
    """Recompute ``is_truancy`` of one student's records in a period after a leave decision."""
    leave = approved_leave_days([enrolment_id], first, last)
    records = list(Attendance.objects.filter(enrolment_id=enrolment_id, day__gte=first, day__lte=last,
                                             status__in=[rules.ABSENT, rules.LEAVE]).exclude(day_kind=roster_rules.DAY_REST))
    changed = []
    for r in records:
        truancy = (enrolment_id, r.day) not in leave
        if r.is_truancy != truancy:
            r.is_truancy = truancy
            changed.append(r)
    Attendance.objects.bulk_update(changed, ["is_truancy"])
    return len(changed)


@transaction.atomic
def request_leave(*, programme: Programme, enrolment: Enrolment, start: date, end: date, reason: str,
                  user) -> LeaveRequest:
    """Record a leave request for a student; it waits for the mentor first."""
    if end < start:
        raise WorkflowError(_("The leave cannot end before it starts."))
    if enrolment.programme_id != programme.pk:
        raise WorkflowError(_("This student is not in the programme."))
    return LeaveRequest.objects.create(
        programme=programme, enrolment=enrolment, start=start, end=end, reason=reason, requested_by=user
    )


@transaction.atomic
def decide_leave(*, leave: LeaveRequest, step: str, user, approve: bool, refusal_reason: str = "") -> LeaveRequest:
    """The mentor's (``step="mentor"``) or the school's (``step="school"``) decision.

    The mentor decides first, then the school. Refusing needs a reason and
    ends the request. Final approval clears truancy on the covered days.
    """
    leave = LeaveRequest.objects.select_for_update().get(pk=leave.pk)
    expected = {rules.STEP_MENTOR: LeaveRequest.Status.PENDING_MENTOR,
                rules.STEP_SCHOOL: LeaveRequest.Status.PENDING_SCHOOL}[step]
    if leave.status != expected:
        raise WorkflowError(_("This leave request is not waiting for this decision."))
    if not approve and not refusal_reason.strip():
        raise WorkflowError(_("Give a reason for refusing."))
    now = timezone.now()
    if step == rules.STEP_MENTOR:
        leave.mentor_decided_by, leave.mentor_decided_at = user, now
    else:
        leave.school_decided_by, leave.school_decided_at = user, now
    leave.status = rules.leave_status_after(step, approve=approve)
    if not approve:
        leave.refusal_reason = refusal_reason.strip()
    leave.save()
    if leave.status == LeaveRequest.Status.APPROVED:
        _refresh_truancy(leave.enrolment_id, leave.start, leave.end)
    return leave


# --------------------------------------------------------------------------- withdrawals and dismissals
def _open_departure_exists(enrolment: Enrolment) -> bool:
    return enrolment.departures.exclude(status=Departure.Status.REFUSED).exists()


@transaction.atomic
def request_withdrawal(*, programme: Programme, enrolment: Enrolment, last_day: date, reason: str, user) -> Departure:
    """A student asks to withdraw; it takes effect when the school and the company approve."""
    if enrolment.status != Enrolment.Status.ACTIVE or _open_departure_exists(enrolment):
        raise WorkflowError(_("This student has already left or has a request open."))
    return Departure.objects.create(programme=programme, enrolment=enrolment, kind=Departure.Kind.WITHDRAWAL,
                                    last_day=last_day, reason=reason, requested_by=user)


@transaction.atomic
def decide_withdrawal(*, departure: Departure, side: str, user, approve: bool, refusal_reason: str = "") -> Departure:
    """One side's decision (``side`` is ``school`` or ``company``) on a withdrawal.

    When both have approved, the enrolment becomes withdrawn. A refusal
    (with a reason) ends the request; the student stays.
    """
    departure = Departure.objects.select_for_update().get(pk=departure.pk)
    if departure.kind != Departure.Kind.WITHDRAWAL or departure.status != Departure.Status.PENDING:
        raise WorkflowError(_("This request is not waiting for a decision."))
    if getattr(departure, f"{side}_decided_at") is not None:
        raise WorkflowError(_("Your side has already decided."))
    if not approve and not refusal_reason.strip():
        raise WorkflowError(_("Give a reason for refusing."))
    setattr(departure, f"{side}_decided_by", user)
    setattr(departure, f"{side}_decided_at", timezone.now())
    departure.status = rules.withdrawal_status_after(
        approve=approve, school_decided=departure.school_decided_at is not None,
        company_decided=departure.company_decided_at is not None)
    if not approve:
        departure.refusal_reason = refusal_reason.strip()
    elif departure.status == Departure.Status.DONE:
        Enrolment.objects.filter(pk=departure.enrolment_id).update(status=Enrolment.Status.WITHDRAWN)
    departure.save()
    return departure


@transaction.atomic
def dismiss(*, programme: Programme, enrolment: Enrolment, last_day: date, reason: str, user) -> Departure:
    """The company ends a student's place (劝退/淘汰): in effect at once; the school is told."""
    if enrolment.status != Enrolment.Status.ACTIVE:
        raise WorkflowError(_("This student has already left."))
    # A withdrawal still waiting is overtaken by the dismissal.
    enrolment.departures.filter(status=Departure.Status.PENDING).update(
        status=Departure.Status.REFUSED, refusal_reason=_("Overtaken by a dismissal"))
    departure = Departure.objects.create(
        programme=programme, enrolment=enrolment, kind=Departure.Kind.DISMISSAL, status=Departure.Status.DONE,
        last_day=last_day, reason=reason, requested_by=user, company_decided_by=user, company_decided_at=timezone.now(),
    )
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.DISMISSED)
    return departure


@transaction.atomic
def acknowledge_dismissal(*, departure: Departure, user) -> Departure:
    """The school notes that it was told of a dismissal."""
    if departure.kind != Departure.Kind.DISMISSAL or departure.school_decided_at is not None:
        raise WorkflowError(_("Nothing to acknowledge."))
    departure.school_decided_by, departure.school_decided_at = user, timezone.now()
    departure.save(update_fields=["school_decided_by", "school_decided_at"])
    return departure


def decide_departure(*, departure: Departure, side: str, user, approve: bool | None = None,
                     refusal_reason: str = "") -> Departure:
    """The decision of ``side`` on a departure: ``acknowledge`` a dismissal, or the
    ``school``'s or ``company``'s approval or refusal of a withdrawal."""
    if side == rules.SIDE_ACKNOWLEDGE:
        return acknowledge_dismissal(departure=departure, user=user)
    if approve is None:
        raise WorkflowError(_("Choose to approve or refuse."))
    return decide_withdrawal(departure=departure, side=side, user=user, approve=approve, refusal_reason=refusal_reason)


# --------------------------------------------------------------------------- online-hours uploads
# An upload nobody confirmed is deleted by the next upload after this long.
UPLOAD_KEEP = timedelta(days=1)


def keep_online_hours_upload(*, programme: Programme, user, file) -> OnlineHoursUpload:
    """Store an uploaded export, encrypted, until its columns are confirmed.

    The file carries the platform's accounts, so it is never stored in
    plaintext: Fernet with the field key (``crypto.encrypt_bytes``), under a
    random name. The same person's earlier uploads of the programme, and
    anyone's older than ``UPLOAD_KEEP``, are deleted: only the latest waits.
    """
    with transaction.atomic():
        stale = OnlineHoursUpload.objects.filter(
            Q(programme=programme, uploaded_by=user) | Q(created_at__lt=timezone.now() - UPLOAD_KEEP))
        for old in stale:
            discard_online_hours_upload(upload=old)
        upload = OnlineHoursUpload(programme=programme, uploaded_by=user, file_name=getattr(file, "name", "")[:255])
        plain = b"".join(File(file).chunks()) if not isinstance(file, bytes) else file
        upload.file.save(f"{uuid.uuid4().hex}.enc", ContentFile(crypto.encrypt_bytes(plain)), save=False)
        upload.save()
    return upload


def read_online_hours_upload(upload: OnlineHoursUpload) -> bytes:
    """The waiting upload's content, decrypted (kept in memory only)."""
    with upload.file.open("rb") as stored:
        return crypto.decrypt_bytes(stored.read())


def discard_online_hours_upload(*, upload: OnlineHoursUpload) -> None:
    """Delete a waiting upload: its row, and its encrypted file once the row's deletion is committed."""
    name, storage = upload.file.name, upload.file.storage
    upload.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def remember_online_hours_columns(*, programme: Programme, columns: dict[str, str]) -> None:
    """Remember the header texts confirmed for the programme (key -> header key), for the next file."""
    OnlineHoursMapping.objects.update_or_create(programme=programme, defaults={"columns": columns})


# --------------------------------------------------------------------------- after a platform import
# Apps above attendance (scoring) register here at start-up (scoring.apps), so
# attendance never imports them: each is called as
# ``writer(programme=..., enrolment_ids=..., days=..., user=...)``.
AFTER_PLATFORM_IMPORT: list = []


def after_platform_import(*, programme: Programme, enrolment_ids: set[int], days: set[date], user) -> None:
    """Tell the registered writers that the platform's figures of these
    students and days were imported. Called inside the import's transaction,
    so a writer that fails undoes the import (all or nothing)."""
    for writer in AFTER_PLATFORM_IMPORT:
        writer(programme=programme, enrolment_ids=enrolment_ids, days=days, user=user)
