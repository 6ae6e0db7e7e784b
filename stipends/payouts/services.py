"""Stipend services: load records, call the pure rules, write in one
transaction per step with bulk statements.

- :func:`rate_card` / :func:`rate_card_locked`: the programme's rate card,
  created from the defaults, read-only once a batch was approved.
- :func:`student_periods` gathers what :func:`stipends.rules.stipend_lines`
  needs for many students in a fixed number of queries.
- :func:`freeze_batch` computes and freezes every statement of a batch,
  one transaction per chunk of students, idempotently: a chunk already
  frozen is skipped, so a second run or a run after a crash pays nobody twice.
- :func:`approve_batch`, :func:`refresh_accounts`, :func:`reconcile`,
  :func:`create_follow_up`, :func:`payout_overview`.
- :func:`start_bank_file` queues the job that prepares a big approved
  batch's bank file (stored encrypted, refused at download once stale).

An approved batch never changes: every writer of a batch's items locks the
batch row (``select_for_update``) and checks its state under that lock, and
approval takes the same lock, refuses while a freezing job of the batch is
queued or running, and records the item count and net total it approved. A
chunk that was computing while approval waited commits first and is counted;
the next chunk finds the batch approved and stops.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import date
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.utils import bulk_update_with_history

from programs.agreements.models import Programme
from programs.students import services as student_services
from programs.students.models import Enrolment
from stipends.payouts import rules as payout_rules
from stipends.payouts import rules as tax
from stipends.payouts.imports import BankResultImport, result_rows
from stipends.payouts.models import PayoutBatch, PayoutItem, RateCard, StipendProfile, TaxMethod
from stipends.payouts.rules import stipend_lines
from stipends.payouts.selectors import (  # noqa: F401 (PayoutError is raised by both)
    ACCOUNT_COLUMNS,
    BANK_DOCUMENTS,
    BANK_FILE_JOB_KIND,
    FREEZE_JOB_KIND,
    PayoutError,
    Sources,
    _prior_items,
    _tax_history,
    account_fields,
    active_bank_file_job,
    active_freeze_jobs,
    balances,
    check_items,
    findings,
    frozen_totals,
    payable_items,
    profiles_for,
    programme_months,
    rate_card,
    retry_candidates,
    rule_profiles,
    scope_ids,
    student_periods,
    tax_table,
    withhold,
)
from trainingweek import crypto
from trainingweek.fields import stored_token
from trainingweek.history import (
    current_user,
    history_attrs,
    insert_values_with_history,
    insert_with_history,
    record_history,
)
from trainingweek.imports import ImportResult
from trainingweek.jobs import JobError, start_job
from trainingweek.money import ZERO, money
from trainingweek.performance import full_collections_paused
from trainingweek.protection import DeleteRefused

CHUNK = 500


class FrozenStudent(NamedTuple):
    """What a payout item freezes of its enrolment and student, from one
    values query: the card as stored (its token, never decrypted) with the
    plain columns kept beside it (digest, masked copy, the bank-card rule's
    check), so the item's account is the same token (see
    :func:`frozen_account`)."""

    school_class_id: int
    class_name: str
    student_id: int
    student_number: str
    name: str
    card_token: str
    bank_card_digest: str
    bank_card_masked: str
    bank_card_check: str
    account_holder: str
    bank_name: str
    bank_branch: str


#: The columns of a :class:`FrozenStudent`, in its order (``card_token`` is annotated).
FROZEN_STUDENT_COLUMNS = ("school_class_id", "school_class__name", "student_id", "student__student_number",
                          "student__name", "card_token",
                          "student__bank_card_digest", "student__bank_card_masked", "student__bank_card_check",
                          "student__account_holder", "student__bank_name", "student__bank_branch")


def frozen_account(student: FrozenStudent, profile_name: str) -> dict:
    """The account an item freezes, as :func:`selectors.account_fields` makes
    it from a student, but from the stored columns: the card's token copied
    as it is (:class:`trainingweek.crypto.Token`: the item's account decrypts
    to the student's card, with the same key), its digest, masked copy and
    check as the student keeps them; the holder is ``profile_name`` (the
    programme's stipend profile's), else the student's holder, else the name."""
    token = student.card_token
    return {"account": crypto.Token(token) if token else "",
            "account_digest": student.bank_card_digest if token else "",
            "account_masked": student.bank_card_masked if token else "",
            "account_check": student.bank_card_check if token else payout_rules.CARD_MISSING,
            "account_name": profile_name or student.account_holder or student.name,
            "bank_name": student.bank_name or "", "bank_branch": student.bank_branch or ""}


LINE_LABELS = {
    "training_days": gettext_lazy("Training days (from the day the assessment was passed)"),
    "practice_days": gettext_lazy("Practice, pre-sale and after-sale days worked"),
    "overtime": gettext_lazy("Overtime hours"),
    "support_duty": gettext_lazy("Support-duty days attended on time"),
    "award": gettext_lazy("Award"),
    "team_prize": gettext_lazy("Team prize share"),
    "penalty": gettext_lazy("Incident: the student's share"),
    "liability_cap": gettext_lazy("Liability cap: the excess given back"),
    payout_rules.RECOVERY: gettext_lazy("Recovered: paid too much before"),
    payout_rules.OWED: gettext_lazy("Owed: a correction larger than this payment, recovered from the next ones"),
}


def ensure_rate_card(*, programme: Programme) -> RateCard:
    """The programme's rate card row, saved with the defaults if there was none
    (a batch locks and records the card it was computed with)."""
    card, _created = RateCard.objects.get_or_create(programme=programme)
    return card


@transaction.atomic
def save_profiles(*, rows: Sequence[tuple[int, date | None, bool, str]], user) -> int:
    """Write (enrolment id, assessment passed on, support duty, account name)
    rows: one upsert for all. Returns how many rows changed."""
    existing = profiles_for(r[0] for r in rows)
    changed = []
    for enrolment_id, passed_on, support, account_name in rows:
        old = existing.get(enrolment_id)
        if old and (old.assessment_passed_on, old.support_duty, old.account_name) == (passed_on, support, account_name):
            continue
        if old is None and passed_on is None and not support and not account_name:
            continue
        changed.append(StipendProfile(enrolment_id=enrolment_id, assessment_passed_on=passed_on, support_duty=support,
                                      account_name=account_name, updated_by=user, updated_at=timezone.now()))
    StipendProfile.objects.bulk_create(
        changed, update_conflicts=True, unique_fields=["enrolment"],
        update_fields=["assessment_passed_on", "support_duty", "account_name", "updated_by", "updated_at"])
    # The upsert bypasses save: record the rows as they now stand.
    saved = profiles_for(p.enrolment_id for p in changed)
    record_history([saved[p.enrolment_id] for p in changed if p.enrolment_id in existing], user=user)
    record_history([saved[p.enrolment_id] for p in changed if p.enrolment_id not in existing], user=user,
                   model=StipendProfile, created=True)
    return len(changed)


def _lock_draft(batch_id: int, message) -> PayoutBatch:
    """The batch row, locked until the caller's transaction ends, if it is
    still a draft; else PayoutError(``message``). Every writer of a batch's
    items calls it first, so none writes once approval has committed."""
    locked = PayoutBatch.objects.select_for_update().filter(pk=batch_id).first()
    if locked is None or locked.state != PayoutBatch.State.DRAFT:
        raise PayoutError(message)
    return locked


def _refuse_while_computing(batch_id: int, message) -> None:
    """PayoutError(``message`` with the job's number) while a freezing job of the batch is queued or running."""
    job = active_freeze_jobs(batch_id).first()
    if job is not None:
        raise PayoutError(message % {"job": job.pk, "status": job.get_state_display()})


def _frozen_students(batch: PayoutBatch, ids: list[int] | None = None) -> set[int]:
    """The enrolments (of ``ids``, or all) that already have an item in ``batch``."""
    qs = PayoutItem.objects.filter(batch=batch)
    if ids is not None:
        # (``__any``: one array parameter, not 500 placeholders: trainingweek.lookups.)
        qs = qs.filter(enrolment_id__any=ids)
    return set(qs.order_by().values_list("enrolment_id", flat=True))


def _freeze_chunk(batch: PayoutBatch, ids: list[int], card_row: RateCard, table: tax.TaxTable, months: int,
                  periods: dict, done: set[int] | None) -> int:
    """Freeze the statements of one chunk of students from their ``periods``
    (in the caller's transaction, which must hold the batch row's lock: see
    :func:`_lock_draft`), leaving out those ``done`` (None: read from the
    batch's items now)."""
    if done is None:
        done = _frozen_students(batch, ids)
    todo = [e for e in ids if e not in done]
    if not todo:
        return 0
    # Plain values, not model instances: only what an item freezes; no personal
    # field is decrypted (the card's token is copied, its check kept beside it).
    enrolments = {e: FrozenStudent(*values) for e, *values in Enrolment.objects.filter(pk__any=todo).annotate(
        card_token=stored_token("student__bank_card")).order_by().values_list("pk", *FROZEN_STUDENT_COLUMNS)}
    holders = dict(StipendProfile.objects.filter(enrolment_id__any=todo).exclude(account_name="")
                   .values_list("enrolment_id", "account_name"))
    card = card_row.to_rules()
    prior = _prior_items(todo, batch)
    cumulative = table.method == TaxMethod.INTERN_CUMULATIVE
    history = _tax_history([s.student_id for s in enrolments.values()], batch) if cumulative else {}
    items = []
    for e in todo:
        enrolment = enrolments[e]
        stipend = stipend_lines(periods[e], card)
        earlier = prior.get(e, {})
        frozen = [lines for _g, lines in earlier.values()]
        lines = payout_rules.adjustment([payout_rules.line_record(x) for x in stipend.lines],
                                        [payout_rules.statement_part(f) for f in frozen])
        change = payout_rules.lines_total(lines)
        if earlier and change == 0:
            continue  # nothing new since the last payment
        # A downward change is carried as owed (a zero payment that shows it);
        # what is owed is recovered from the next payments, never paid negative.
        settled = payout_rules.settle(change, payout_rules.owed_from(frozen))
        lines += payout_rules.settling_lines(settled)
        gross = settled.gross
        paid_before, withheld_before = history.get(enrolment.student_id, (ZERO, ZERO))
        withheld, detail = withhold(table, gross, paid_before=paid_before, withheld_before=withheld_before,
                                    months=months)
        items.append({
            "batch_id": batch.pk, "enrolment_id": e, "school_class_id": enrolment.school_class_id,
            "class_name": enrolment.class_name, "student_number": enrolment.student_number,
            "name": enrolment.name, **frozen_account(enrolment, holders.get(e, "")),
            "earned": stipend.earned, "liability": stipend.liability, "gross": gross, "tax": withheld,
            "net": gross - withheld, "at_cap": any(x.code == "liability_cap" for x in stipend.lines),
            "lines": lines, "tax_detail": detail, "payment_key": f"{batch.programme_id}:{e}:{len(earlier) + 1}",
        })
    # Each frozen payment gets its "created" history row in the same transaction
    # (COPY on PostgreSQL, items and history rows alike; plain values, no model instances).
    insert_values_with_history(PayoutItem, items, user=batch.created_by)
    return len(items)


def freeze_batch(*, batch_id: int, report: Callable[[int, int], None] | None = None, chunk: int = CHUNK) -> dict:
    """Compute and freeze every statement of a draft batch.

    Each chunk of students is one transaction that first locks the
    programme's rate card row, so batches of one programme freeze one chunk
    at a time (on PostgreSQL; SQLite serialises writers anyway), and skips
    the students already frozen in this batch: running it again, or after a
    worker died midway, only finishes the work. A student's item holds the
    difference between the statement now and everything frozen for them
    before; a student with nothing new is left out.
    """
    batch = PayoutBatch.objects.select_related("programme__agreement", "created_by").get(pk=batch_id)
    if batch.is_follow_up:
        raise PayoutError(_("A follow-up batch holds failed items only; it is not computed."))
    if batch.state != PayoutBatch.State.DRAFT:
        raise PayoutError(_("Only a draft batch can be computed."))
    card_row = ensure_rate_card(programme=batch.programme)
    if not batch.tax_method:
        batch.tax_method = card_row.tax_method
        PayoutBatch.objects.filter(pk=batch.pk).update(tax_method=batch.tax_method)
    table = tax_table(batch.tax_method, batch.pay_on)
    months = programme_months(batch.programme, batch.pay_on)
    ids = scope_ids(batch)
    sources = Sources.load(batch.programme)

    def freeze_chunk(part: list[int], periods: dict, done: set[int] | None) -> int:
        with transaction.atomic():
            # The batch row first (approval waits for this chunk, or this chunk
            # sees the approval), then the rate card (one programme's batches
            # freeze one chunk at a time).
            _lock_draft(batch.pk, _("The batch is no longer a draft."))
            locked_card = RateCard.objects.select_for_update().get(pk=card_row.pk)
            return _freeze_chunk(batch, part, locked_card, table, months, periods, done)

    # The full collections wait until the batch is frozen: the days and lines
    # are hundreds of thousands of small objects without cycles, and each
    # full collection would walk them all again (a fifth of a 10,000-student
    # freeze went on eight of them).
    with full_collections_paused():
        # Every student's days, departures and credits in one read (as the statement
        # list does): a read per chunk of 500 would repeat the queries twenty times
        # for 10,000 students. Each chunk then adds only what it writes.
        periods = student_periods(batch.programme, ids, batch.up_to, sources, rule_profiles(batch.programme, ids))
        # Who is frozen already (by a run that died or ran before) is read once:
        # read per chunk it costs more with every chunk, as the batch's items
        # grow (a fresh table's statistics lead the planner to read all of them).
        frozen = _frozen_students(batch)
        created = 0
        for start in range(0, len(ids), chunk):
            part = ids[start:start + chunk]
            try:
                created += freeze_chunk(part, periods, frozen)
            except IntegrityError:
                # Another run froze some of these students since this one read
                # who was frozen (the database keeps one item per student and
                # batch): this chunk again, knowing whom.
                created += freeze_chunk(part, periods, None)
            if report:
                report(min(start + chunk, len(ids)), len(ids))
        del periods  # freed now, before the full collections come back
    with transaction.atomic():
        _lock_draft(batch.pk, _("The batch is no longer a draft."))
        items = PayoutItem.objects.filter(batch=batch).count()
        summary = {"students": len(ids), "items": items}
        PayoutBatch.objects.filter(pk=batch.pk).update(computed_at=timezone.now(), summary=summary)
        store_item_checks(batch=batch)
        record_history(PayoutBatch.objects.filter(pk=batch.pk), user=batch.created_by)
    return {**summary, "created": created}


def freeze_batch_job(job) -> dict:
    """The Celery job's work: freeze the batch named in the job's params."""
    from django.urls import reverse
    from django.utils import translation

    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        batch_id = job.params["batch"]
        try:
            summary = freeze_batch(batch_id=batch_id, report=job.report, chunk=int(job.params.get("chunk") or CHUNK))
        except PayoutError as exc:
            raise JobError(str(exc)) from exc
        programme_id = PayoutBatch.objects.values_list("programme_id", flat=True).get(pk=batch_id)
        message = _("%(items)s of %(students)s students frozen into the batch.") % summary
        return {"message": message, "redirect": reverse("stipends:batch_detail", args=[programme_id, batch_id]),
                **summary}


JOB_KIND = FREEZE_JOB_KIND


@transaction.atomic
def start_freeze(*, batch: PayoutBatch, user, language: str | None = None, chunk: int | None = None):
    """Queue the freezing job of a draft batch (after commit) and remember it
    on the batch. Refuses an approved batch and a follow-up (PayoutError)."""
    locked = _lock_draft(batch.pk, _("Only a draft batch can be computed."))
    if locked.is_follow_up:
        raise PayoutError(_("A follow-up batch holds failed items only; it is not computed."))
    params = {"batch": batch.pk, "programme": batch.programme_id, "language": language or settings.LANGUAGE_CODE}
    if chunk:
        params["chunk"] = chunk
    job = start_job(kind=JOB_KIND, user=user, params=params)
    PayoutBatch.objects.filter(pk=batch.pk).update(job=job)
    return job


@transaction.atomic
def create_batch(*, programme: Programme, user, school_class=None, up_to: date | None = None,
                 pay_on: date | None = None) -> PayoutBatch:
    """A new draft batch (computed by the job the caller starts).

    Refused (PayoutError saying why) when it would pay nobody: every student
    in its scope was in a batch before and none has anything due now (those
    who were overpaid are counted, with what they owe: it is recovered from
    their next payment, so a batch of them alone would only carry it)."""
    ids = scope_ids(PayoutBatch(programme=programme, school_class=school_class))
    frozen = frozen_totals(ids)
    standing = balances(programme, ids, up_to, frozen=frozen)
    if ids and set(ids) <= set(frozen) and not any(b.now_due for b in standing.values()):
        owing = [b.owed for b in standing.values() if b.owed]
        if owing:
            raise PayoutError(ngettext(
                "Nobody has anything due; %(n)s student owes %(total)s (recovered from their next payment).",
                "Nobody has anything due; %(n)s students owe %(total)s (recovered from their next payments).",
                len(owing)) % {"n": len(owing), "total": f"{money(sum(owing, ZERO)):,}"})
        raise PayoutError(_("Nobody has anything due since the last batch."))
    card = rate_card(programme)
    return PayoutBatch.objects.create(programme=programme, school_class=school_class, up_to=up_to,
                                      pay_on=pay_on or timezone.localdate(), tax_method=card.tax_method,
                                      created_by=user)


@transaction.atomic
def delete_draft(*, batch: PayoutBatch) -> None:
    """Drop a draft batch, unless a later batch of the programme was built on
    it or a freezing job of it is still queued or running (checked under the
    batch row's lock: an approved batch is never deleted; the model refuses it
    too, see ``payouts.models``: it is corrected by a new batch). The deletion
    of the batch and its items is in the audit history."""
    batch = _lock_draft(batch.pk, _("Only a draft batch can be deleted."))
    _refuse_while_computing(batch.pk, _("The batch is still being computed (job #%(job)s: %(status)s); "
                                        "it can be deleted once the job has finished."))
    if PayoutBatch.objects.filter(programme_id=batch.programme_id, created_at__gt=batch.created_at).exists():
        raise PayoutError(_("A later batch was computed after this one; it can no longer be deleted."))
    try:
        batch.delete()
    except DeleteRefused as exc:
        raise PayoutError(str(exc)) from exc


@transaction.atomic
def approve_batch(*, batch: PayoutBatch, user, confirmed: bool) -> PayoutBatch:
    """The second finance user's approval. The maker may not approve
    (PermissionDenied with the reason); blocking findings refuse; warnings
    must be confirmed as reviewed; a batch whose freezing job is still queued
    or running is refused (its items may still grow).

    Runs under the batch row's lock, which every writer of items takes too,
    and records the item count and net total approved: from then on no
    writer changes them."""
    computing = _("The batch is still being computed (job #%(job)s: %(status)s): wait until "
                  "the job has finished, review the batch again, then approve it.")
    _refuse_while_computing(batch.pk, computing)  # at once, without waiting for a chunk's lock
    if not PayoutBatch.objects.select_for_update().filter(pk=batch.pk).values_list("pk", flat=True):
        raise PayoutError(_("Only a computed draft batch can be approved."))
    batch.refresh_from_db()  # read under the lock
    if batch.created_by_id == user.pk:
        raise PermissionDenied(_("You made this batch: a second finance user must approve it."))
    if batch.state != PayoutBatch.State.DRAFT or batch.computed_at is None:
        raise PayoutError(_("Only a computed draft batch can be approved."))
    _refuse_while_computing(batch.pk, computing)  # again under the lock: a job started meanwhile
    found = findings(batch)
    blocking = [f for f in found if f.blocking]
    if blocking:
        raise PayoutError(_("The batch cannot be approved: %(n)s students have no valid bank card. "
                            "Correct their cards and refresh the bank details.") % {"n": len(blocking)})
    if found and not confirmed:
        raise PayoutError(_("Tick that you have reviewed the checks before approving."))
    totals = batch.items.aggregate(n=Count("pk"), net=Sum("net"))
    if not totals["n"]:
        raise PayoutError(_("The batch pays nobody."))
    now = timezone.now()
    updated = PayoutBatch.objects.filter(pk=batch.pk, state=PayoutBatch.State.DRAFT).update(
        state=PayoutBatch.State.APPROVED, approved_by=user, approved_at=now,
        approved_items=totals["n"], approved_net=money(totals["net"]))
    if not updated:
        raise PayoutError(_("Only a computed draft batch can be approved."))
    batch.refresh_from_db()
    record_history([batch], user=user)
    return batch


@transaction.atomic
def refresh_accounts(*, batch: PayoutBatch) -> int:
    """Read the students' current bank details into a draft batch's items
    (the money stays frozen; only where it goes is refreshed). Checked under
    the batch row's lock: an approved batch's accounts never change."""
    batch = _lock_draft(batch.pk, _("Bank details can only be refreshed in a draft batch."))
    items = list(batch.items.select_related("enrolment__student"))
    profiles = profiles_for(i.enrolment_id for i in items)
    for item in items:
        for name, value in account_fields(item.enrolment.student, profiles.get(item.enrolment_id)).items():
            setattr(item, name, value)
    bulk_update_with_history(items, PayoutItem, list(ACCOUNT_COLUMNS),
                             batch_size=500, default_user=current_user(), custom_historical_attrs=history_attrs())
    store_item_checks(batch=batch)
    return len(items)


def store_item_checks(*, batch: PayoutBatch) -> None:
    """Keep on the batch the checks of its items as they are now
    (:func:`payout_rules.item_findings`), for its page to show without reading
    every item. Every writer of a batch's items calls it in the transaction
    that writes them (the freeze, a refresh of bank details, a follow-up)."""
    found = payout_rules.item_findings(check_items(batch))
    PayoutBatch.objects.filter(pk=batch.pk).update(item_checks=[asdict(f) for f in found], checked_at=timezone.now())


@transaction.atomic
def start_bank_file(*, batch: PayoutBatch, what: str, user, language: str | None = None):
    """Queue the job preparing ``what`` (``file`` or ``summary``) of an
    approved batch's bank file (after commit; see
    :func:`stipends.payouts.documents.prepare_bank_file`), or give back the
    one already queued or running for it (a second click follows that job).
    Refuses a draft (PayoutError). The batch's state is read under its row's lock."""
    if what not in BANK_DOCUMENTS:
        raise PayoutError(_("Unknown bank document."))
    state = PayoutBatch.objects.select_for_update().filter(pk=batch.pk).values_list("state", flat=True).first()
    if state is None or state == PayoutBatch.State.DRAFT:
        raise PayoutError(_("A batch's bank file is made once the batch is approved."))
    active = active_bank_file_job(batch.pk, what)
    if active is not None:
        return active
    return start_job(kind=BANK_FILE_JOB_KIND, user=user, params={
        "programme": batch.programme_id, "batch": batch.pk, "what": what,
        "language": language or settings.LANGUAGE_CODE})


@transaction.atomic
def mark_sent_to_bank(*, batch: PayoutBatch) -> PayoutBatch:
    """Finance's explicit step: the approved batch's bank file went to the bank
    (state "exported"); from then on the bank's result can be uploaded.
    Downloading the bank file changes nothing. Refuses any other state."""
    updated = PayoutBatch.objects.filter(pk=batch.pk, state=PayoutBatch.State.APPROVED).update(
        state=PayoutBatch.State.EXPORTED, exported_at=timezone.now())
    batch.refresh_from_db()
    if not updated:
        raise PayoutError(_("Only an approved batch can be marked as sent to the bank."))
    record_history([batch])
    return batch


# --------------------------------------------------------------------------- reconciliation
MATCH_ERRORS = {
    "unknown": gettext_lazy("No student of this batch has this account and name (%(detail)s)."),
    "duplicate": gettext_lazy("A second result for the same student (%(detail)s)."),
    "amount": gettext_lazy("The amount differs from the batch (%(detail)s)."),
}
MATCH_COLUMN = {"unknown": "account", "duplicate": "account", "amount": "amount"}


def reconcile(*, batch: PayoutBatch, data: bytes) -> ImportResult:
    """Apply the bank's result file to an exported batch, all or nothing.

    Every row is read (:class:`stipends.payouts.imports.BankResultImport`:
    columns by header, account as text) and matched first (account + name,
    amount checked); any bad row, any row of no item and any item without a
    row refuses the whole file, each listed. Otherwise each transferred item
    becomes paid or failed (with the bank's reason), items with nothing to
    transfer are settled as paid, and the batch is reconciled
    (``result.counts`` holds ``paid`` and ``failed``).
    """
    if batch.state != PayoutBatch.State.EXPORTED:
        result = ImportResult()
        result.add_file_error(_("Only an exported batch can be reconciled."))
        return result
    result = BankResultImport().read(data)
    if result.file_error:
        return result
    items = payable_items(batch)
    matched = payout_rules.match_bank_result(
        [payout_rules.PayableItem(i.pk, i.account, i.account_name, i.net) for i in items], result_rows(result.rows))
    for row, code, detail in matched.errors:
        if code == "missing":
            result.add_error(None, "", _("%(name)s of the batch has no row in the file.") % {"name": detail})
        else:
            result.add_error(row, MATCH_COLUMN[code], MATCH_ERRORS[code] % {"detail": detail})
    if not result.ok:
        return result
    now = timezone.now()
    with transaction.atomic():
        locked = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.state != PayoutBatch.State.EXPORTED:
            result.add_file_error(_("Only an exported batch can be reconciled."))
            return result
        counts = result.counts = {"paid": 0, "failed": 0}
        for item in items:
            paid, reason = matched.outcome[item.pk]
            item.status = PayoutItem.Status.PAID if paid else PayoutItem.Status.FAILED
            item.failure_reason = reason[:200]
            item.settled_at = now
            counts["paid"] += paid
            counts["failed"] += not paid
        nothing_to_transfer = list(batch.items.filter(status=PayoutItem.Status.PENDING, net=0))
        for item in nothing_to_transfer:
            item.status, item.settled_at = PayoutItem.Status.PAID, now
        bulk_update_with_history(items + nothing_to_transfer, PayoutItem, ["status", "failure_reason", "settled_at"],
                                 batch_size=500, default_user=current_user(), custom_historical_attrs=history_attrs())
        PayoutBatch.objects.filter(pk=batch.pk).update(state=PayoutBatch.State.RECONCILED, reconciled_at=now)
        batch.refresh_from_db()
        record_history([batch])
    return result


def create_follow_up(*, batch: PayoutBatch, user) -> PayoutBatch:
    """A new draft batch holding only the failed items of ``batch`` whose
    bank details were corrected: the same frozen money and payment key, the
    new account. The database refuses a second live item of a key.

    Two requests at once (a double click, two finance users) make one
    follow-up: the batch row is locked, so the second waits and finds
    nothing left to retry; where the lock does not hold (SQLite, a request
    that read before the lock) the database's refusal becomes the same
    :class:`PayoutError`, never a server error.
    """
    try:
        return _create_follow_up(batch=batch, user=user)
    except IntegrityError:
        raise PayoutError(_(
            "These failed items were put into another follow-up batch at the same moment; nothing more was "
            "created. Open the follow-up batch from the batch list.")) from None


@transaction.atomic
def _create_follow_up(*, batch: PayoutBatch, user) -> PayoutBatch:
    # Locked: two clicks make one follow-up (the second finds the items retried).
    batch = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.state != PayoutBatch.State.RECONCILED:
        raise PayoutError(_("Failed items are retried once the batch is reconciled."))
    ready, waiting = retry_candidates(batch, with_accounts=True)
    if not ready and not waiting and batch.items.filter(status=PayoutItem.Status.FAILED).exists():
        raise PayoutError(_("Every failed item of this batch is in a follow-up batch already."))
    if not ready:
        raise PayoutError(_("No failed item has corrected bank details yet."))
    follow_up = PayoutBatch.objects.create(
        programme_id=batch.programme_id, school_class_id=batch.school_class_id, up_to=batch.up_to,
        pay_on=timezone.localdate(), tax_method=batch.tax_method, follow_up_of=batch, created_by=user,
        computed_at=timezone.now(), summary={"students": len(ready), "items": len(ready)})
    profiles = profiles_for(i.enrolment_id for i in ready)
    insert_with_history([
        PayoutItem(batch=follow_up, enrolment_id=i.enrolment_id, school_class_id=i.school_class_id,
                   class_name=i.class_name, student_number=i.student_number, name=i.name,
                   **account_fields(i.enrolment.student, profiles.get(i.enrolment_id)),
                   earned=i.earned, liability=i.liability, gross=i.gross, tax=i.tax, net=i.net, at_cap=i.at_cap,
                   lines=i.lines, tax_detail=i.tax_detail, payment_key=i.payment_key, retry_of=i)
        for i in ready
    ], model=PayoutItem, user=user)
    store_item_checks(batch=follow_up)
    return follow_up




# --------------------------------------------------------------------------- correcting bank details
@transaction.atomic
def correct_bank_details(*, item: PayoutItem, bank_card: str, account_holder: str, bank_name: str,
                         bank_branch: str, user) -> list[str]:
    """Finance's correction after a failed transfer: the student's card,
    account holder, bank and branch are replaced (on the student, encrypted,
    in the audit history), so the follow-up batch of ``item``'s batch takes
    them (:func:`create_follow_up` reads the account anew). Only a failed
    item not yet retried is corrected (PayoutError); a card the bank-card
    rule refuses is a PayoutError with its reason; its warnings are returned.

    A holder on the programme's stipend profile would win over the
    student's (:func:`~stipends.payouts.selectors.account_fields`), so it is
    replaced too."""
    locked = PayoutItem.objects.select_for_update().select_related("enrolment__student").get(pk=item.pk)
    if locked.status != PayoutItem.Status.FAILED or locked.retries.exists():
        raise PayoutError(_("Only a failed transfer that was not retried yet is corrected here."))
    student = locked.enrolment.student
    try:
        warnings = student_services.update_bank_details(
            student=student, bank_card=bank_card, account_holder=account_holder, bank_name=bank_name,
            bank_branch=bank_branch)
    except ValueError as exc:
        raise PayoutError(str(exc)) from exc
    profile = StipendProfile.objects.filter(enrolment_id=locked.enrolment_id).exclude(account_name="").first()
    if profile is not None:
        profile.account_name = account_holder.strip()[:50]
        profile.updated_by = user
        profile.save(update_fields=["account_name", "updated_by", "updated_at"])
    return warnings
