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
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programs.agreements import rules as day_kinds
from programs.agreements.models import Programme
from programs.attendance.models import Attendance
from programs.attendance.selectors import last_days
from programs.students.models import Enrolment
from programs.students.rules import check_bank_card
from scoring.selectors import confirmed_incidents, prize_and_award_credits
from stipends.payouts import rules as payout_rules
from stipends.payouts import rules as tax
from stipends.payouts import selectors
from stipends.payouts.imports import BankResultImport, result_rows
from stipends.payouts.models import PayoutBatch, PayoutItem, RateCard, StipendProfile, TaxMethod
from stipends.payouts.rules import Credit, Day, Incident, Stipend, StudentPeriod, stipend_lines
from trainingweek.imports import ImportResult
from trainingweek.jobs import JobError, start_job
from trainingweek.masking import mask_bank_card
from trainingweek.money import ZERO, money

CHUNK = 500


# Attendance's day kinds in the rules' words ("other": outside every phase, pays nothing).
DAY_KINDS = {**{k: k for k in day_kinds.DAY_KINDS}, day_kinds.DAY_OTHER: "tbd"}


LINE_LABELS = {
    "training_days": gettext_lazy("Training days (from the day the assessment was passed)"),
    "practice_days": gettext_lazy("Practice, pre-sale and after-sale days worked"),
    "overtime": gettext_lazy("Overtime hours"),
    "support_duty": gettext_lazy("Support-duty days attended on time"),
    "award": gettext_lazy("Award"),
    "team_prize": gettext_lazy("Team prize share"),
    "penalty": gettext_lazy("Incident: the student's share"),
    "liability_cap": gettext_lazy("Liability cap: the excess given back"),
}


class PayoutError(Exception):
    """A refusal whose message is meant for the user (already translated)."""


# --------------------------------------------------------------------------- rate card and profiles
def rate_card(programme: Programme) -> RateCard:
    """The programme's rate card as saved, else the defaults (unsaved). Reads only:
    the card is saved by its form, or by :func:`ensure_rate_card` when a batch is built."""
    return RateCard.objects.filter(programme=programme).first() or RateCard(programme=programme)


def ensure_rate_card(*, programme: Programme) -> RateCard:
    """The programme's rate card row, saved with the defaults if there was none
    (a batch locks and records the card it was computed with)."""
    card, _created = RateCard.objects.get_or_create(programme=programme)
    return card


def rate_card_locked(programme: Programme) -> bool:
    """A rate card is fixed once any batch of its programme was approved."""
    return PayoutBatch.objects.filter(programme=programme, approved_at__isnull=False).exists()


def profiles_for(enrolment_ids: Iterable[int]) -> dict[int, StipendProfile]:
    """The stipend profiles of these enrolments, by enrolment id (one query)."""
    return {p.enrolment_id: p for p in StipendProfile.objects.filter(enrolment_id__in=list(enrolment_ids))}


@transaction.atomic
def save_profiles(rows: Sequence[tuple[int, date | None, bool, str]], user) -> int:
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
    return len(changed)


# --------------------------------------------------------------------------- statements
@dataclass
class Sources:
    """Programme-wide plain values from scoring, loaded once per batch or page."""

    credits: dict[int, list[tuple[str, str, Decimal]]]
    incidents: dict[int, list[tuple[int, date, str, Decimal | None]]]

    @classmethod
    def load(cls, programme: Programme) -> Sources:
        return cls(prize_and_award_credits(programme), confirmed_incidents(programme))


def student_periods(programme: Programme, enrolment_ids: Sequence[int], up_to: date | None,
                    sources: Sources, profiles: dict[int, StipendProfile]) -> dict[int, StudentPeriod]:
    """Each student's days (attendance records up to ``up_to``), last day if
    they left, assessment date, support duty, awards, prize shares and
    confirmed incidents, as the pure rules take them. One attendance query
    and one departure query for all the students."""
    qs = Attendance.objects.filter(programme=programme, enrolment_id__in=list(enrolment_ids))
    if up_to is not None:
        qs = qs.filter(day__lte=up_to)
    days: dict[int, list[Day]] = defaultdict(list)
    for pk, enrolment_id, day, kind, status, hours in qs.order_by("enrolment_id", "day").values_list(
            "pk", "enrolment_id", "day", "day_kind", "status", "online_hours"):
        days[enrolment_id].append(Day(day, DAY_KINDS.get(kind, "tbd"), status, hours or ZERO, pk))
    left = last_days(enrolment_ids)
    result = {}
    for e in enrolment_ids:
        profile = profiles.get(e)
        credits = sources.credits.get(e, [])
        result[e] = StudentPeriod(
            days=days.get(e, []),
            last_day=left.get(e),
            assessment_passed_on=profile.assessment_passed_on if profile else None,
            support_duty=bool(profile and profile.support_duty),
            awards=[Credit(cid, label, amount) for cid, label, amount in credits if cid.startswith("award:")],
            prize_shares=[Credit(cid, label, amount) for cid, label, amount in credits if cid.startswith("prize:")],
            incidents=[Incident(i, d, level, cash) for i, d, level, cash in sources.incidents.get(e, [])
                       if up_to is None or d <= up_to],
        )
    return result


def statements(programme: Programme, enrolment_ids: Sequence[int], up_to: date | None = None,
               sources: Sources | None = None) -> dict[int, Stipend]:
    """The statement to date of each student (pure rules over loaded records)."""
    card = rate_card(programme).to_rules()
    sources = sources or Sources.load(programme)
    periods = student_periods(programme, enrolment_ids, up_to, sources, profiles_for(enrolment_ids))
    return {e: stipend_lines(p, card) for e, p in periods.items()}


def tax_table(method: str, on: date) -> tax.TaxTable:
    """The tax table of ``method`` in force on ``on``, or a PayoutError saying none is."""
    try:
        return selectors.table_for(method, on)
    except LookupError:
        raise PayoutError(_("No %(method)s tax table is in force on %(day)s.") % {
            "method": TaxMethod(method).label, "day": on.isoformat()}) from None


def withhold(table: tax.TaxTable, gross: Decimal, *, paid_before: Decimal = ZERO,
             withheld_before: Decimal = ZERO, months: int = 1) -> tuple[Decimal, dict]:
    """Tax on one payment by the table's method, never more than the payment,
    with the figures that led to it (kept on the item)."""
    if table.method == TaxMethod.LABOUR_PER_PAYMENT:
        result = tax.labour_per_payment_tax(table, pay=gross)
        detail = {}
    else:
        result = tax.intern_cumulative_tax(table, pay=gross, paid_before=paid_before,
                                           withheld_before=withheld_before, months=months)
        detail = {"paid_before": str(money(paid_before)), "withheld_before": str(money(withheld_before)),
                  "months": months}
    amount = min(result.tax, gross)
    return amount, {"table": table.key, "method": table.method, "taxable": str(result.taxable),
                    "rate": str(result.rate), "quick_deduction": str(result.quick_deduction), **detail}


def programme_months(programme: Programme, pay_on: date) -> int:
    """Internship months with this payer in the payment's tax year (for the cumulative tax method)."""
    return payout_rules.internship_months(programme.phases.values_list("start", "end"), pay_on)


@dataclass
class StatementView:
    """A student's statement to date for the statement page."""

    stipend: Stipend
    lines: list[dict]
    tax: Decimal
    tax_detail: dict
    net: Decimal
    items: list[PayoutItem]


def student_statement(programme: Programme, enrolment: Enrolment) -> StatementView:
    """Statement to date with an estimate of the tax if paid at once today,
    and the payout items already frozen for the student."""
    stipend = statements(programme, [enrolment.pk])[enrolment.pk]
    card = rate_card(programme)
    today = timezone.localdate()
    try:
        amount, detail = withhold(tax_table(card.tax_method, today), stipend.gross,
                                  months=programme_months(programme, today))
    except PayoutError:
        amount, detail = ZERO, {}
    items = list(PayoutItem.objects.filter(enrolment=enrolment).select_related("batch").order_by("batch__created_at", "pk"))
    return StatementView(stipend, [payout_rules.line_record(x) for x in stipend.lines], amount, detail,
                         stipend.gross - amount, items)


def frozen_totals(enrolment_ids: Sequence[int]) -> dict[int, Decimal]:
    """Gross already frozen per student (once per payment key). One query."""
    seen: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for e, key, gross in PayoutItem.objects.filter(enrolment_id__in=list(enrolment_ids)).values_list(
            "enrolment_id", "payment_key", "gross"):
        seen[e].setdefault(key, gross)
    return {e: sum(keys.values(), ZERO) for e, keys in seen.items()}


# --------------------------------------------------------------------------- freezing a batch
def _prior_items(enrolment_ids: Sequence[int], batch: PayoutBatch) -> dict[int, dict[str, tuple[Decimal, list]]]:
    """Every statement already frozen for these students in other batches,
    once per payment key (a failed item and its retry are one statement)."""
    prior: dict[int, dict[str, tuple[Decimal, list]]] = defaultdict(dict)
    for e, key, gross, lines in PayoutItem.objects.filter(enrolment_id__in=enrolment_ids).exclude(batch=batch) \
            .order_by("pk").values_list("enrolment_id", "payment_key", "gross", "lines"):
        prior[e].setdefault(key, (gross, lines))
    return prior


def _tax_history(student_ids: Sequence[int], batch: PayoutBatch) -> dict[int, tuple[Decimal, Decimal]]:
    """This payer's earlier payments and withholdings this tax year per
    student (any of the company's programmes), once per payment key."""
    seen: dict[int, dict[str, tuple[Decimal, Decimal]]] = defaultdict(dict)
    for student, key, gross, withheld in PayoutItem.objects.filter(
            enrolment__student_id__in=student_ids,
            batch__programme__agreement__company_id=batch.programme.agreement.company_id,
            batch__pay_on__year=batch.pay_on.year).exclude(batch=batch).values_list(
            "enrolment__student_id", "payment_key", "gross", "tax"):
        seen[student].setdefault(key, (gross, withheld))
    return {s: (sum((g for g, _t in keys.values()), ZERO), sum((t for _g, t in keys.values()), ZERO))
            for s, keys in seen.items()}


def account_fields(student, profile: StipendProfile | None) -> dict:
    """The account a payout item freezes: the card (encrypted by the model), its digest and mask, and the holder's name on file."""
    card = student.bank_card or ""
    return {"account": card, "account_digest": student.bank_card_digest if card else "",
            "account_masked": mask_bank_card(card),
            "account_name": (profile.account_name if profile and profile.account_name else student.name)}


def scope_ids(batch: PayoutBatch) -> list[int]:
    """The enrolments a batch covers (the programme, or one class of it), in a stable order."""
    qs = Enrolment.objects.filter(programme_id=batch.programme_id)
    if batch.school_class_id:
        qs = qs.filter(school_class_id=batch.school_class_id)
    return list(qs.order_by("pk").values_list("pk", flat=True))


def _freeze_chunk(batch: PayoutBatch, ids: list[int], card_row: RateCard, table: tax.TaxTable, months: int,
                  sources: Sources) -> int:
    """Freeze the statements of one chunk of students (in the caller's transaction)."""
    done = set(PayoutItem.objects.filter(batch=batch, enrolment_id__in=ids).values_list("enrolment_id", flat=True))
    todo = [e for e in ids if e not in done]
    if not todo:
        return 0
    enrolments = {e.pk: e for e in Enrolment.objects.filter(pk__in=todo).select_related("student")}
    profiles = profiles_for(todo)
    card = card_row.to_rules()
    periods = student_periods(batch.programme, todo, batch.up_to, sources, profiles)
    prior = _prior_items(todo, batch)
    cumulative = table.method == TaxMethod.INTERN_CUMULATIVE
    history = _tax_history([e.student_id for e in enrolments.values()], batch) if cumulative else {}
    items = []
    for e in todo:
        enrolment = enrolments[e]
        stipend = stipend_lines(periods[e], card)
        earlier = prior.get(e, {})
        lines = payout_rules.adjustment([payout_rules.line_record(x) for x in stipend.lines],
                                        [frozen for _g, frozen in earlier.values()])
        gross = money(stipend.gross - sum((g for g, _l in earlier.values()), ZERO))
        if earlier and gross <= 0:
            continue  # nothing new to pay (an overpayment is offset by later batches)
        paid_before, withheld_before = history.get(enrolment.student_id, (ZERO, ZERO))
        withheld, detail = withhold(table, gross, paid_before=paid_before, withheld_before=withheld_before,
                                    months=months)
        items.append(PayoutItem(
            batch=batch, enrolment_id=e, school_class_id=enrolment.school_class_id, name=enrolment.student.name,
            **account_fields(enrolment.student, profiles.get(e)),
            earned=stipend.earned, liability=stipend.liability, gross=gross, tax=withheld, net=gross - withheld,
            at_cap=any(x.code == "liability_cap" for x in stipend.lines), lines=lines, tax_detail=detail,
            payment_key=f"{batch.programme_id}:{e}:{len(earlier) + 1}",
        ))
    PayoutItem.objects.bulk_create(items)
    return len(items)


def freeze_batch(batch_id: int, report: Callable[[int, int], None] | None = None, chunk: int = CHUNK) -> dict:
    """Compute and freeze every statement of a draft batch.

    Each chunk of students is one transaction that first locks the
    programme's rate card row, so batches of one programme freeze one chunk
    at a time (on PostgreSQL; SQLite serialises writers anyway), and skips
    the students already frozen in this batch: running it again, or after a
    worker died midway, only finishes the work. A student's item holds the
    difference between the statement now and everything frozen for them
    before; a student with nothing new is left out.
    """
    batch = PayoutBatch.objects.select_related("programme__agreement").get(pk=batch_id)
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
    created = 0
    for start in range(0, len(ids), chunk):
        with transaction.atomic():
            card_row = RateCard.objects.select_for_update().get(pk=card_row.pk)
            state = PayoutBatch.objects.filter(pk=batch.pk).values_list("state", flat=True).first()
            if state != PayoutBatch.State.DRAFT:
                raise PayoutError(_("The batch is no longer a draft."))
            created += _freeze_chunk(batch, ids[start:start + chunk], card_row, table, months, sources)
        if report:
            report(min(start + chunk, len(ids)), len(ids))
    items = PayoutItem.objects.filter(batch=batch).count()
    summary = {"students": len(ids), "items": items}
    PayoutBatch.objects.filter(pk=batch.pk).update(computed_at=timezone.now(), summary=summary)
    return {**summary, "created": created}


def freeze_batch_job(job) -> dict:
    """The Celery job's work: freeze the batch named in the job's params."""
    from django.urls import reverse
    from django.utils import translation

    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        batch_id = job.params["batch"]
        try:
            summary = freeze_batch(batch_id, report=job.report, chunk=int(job.params.get("chunk") or CHUNK))
        except PayoutError as exc:
            raise JobError(str(exc)) from exc
        programme_id = PayoutBatch.objects.values_list("programme_id", flat=True).get(pk=batch_id)
        message = _("%(items)s of %(students)s students frozen into the batch.") % summary
        return {"message": message, "redirect": reverse("stipends:batch_detail", args=[programme_id, batch_id]),
                **summary}


JOB_KIND = "stipends.freeze_batch"


def start_freeze(batch: PayoutBatch, user, *, language: str | None = None, chunk: int | None = None):
    """Queue the freezing job of a batch (after commit) and remember it on the batch."""
    params = {"batch": batch.pk, "programme": batch.programme_id, "language": language or settings.LANGUAGE_CODE}
    if chunk:
        params["chunk"] = chunk
    job = start_job(kind=JOB_KIND, user=user, params=params)
    PayoutBatch.objects.filter(pk=batch.pk).update(job=job)
    return job


@transaction.atomic
def create_batch(programme: Programme, user, *, school_class=None, up_to: date | None = None,
                 pay_on: date | None = None) -> PayoutBatch:
    """A new draft batch (computed by the job the caller starts)."""
    card = rate_card(programme)
    return PayoutBatch.objects.create(programme=programme, school_class=school_class, up_to=up_to,
                                      pay_on=pay_on or timezone.localdate(), tax_method=card.tax_method,
                                      created_by=user)


def delete_draft(batch: PayoutBatch) -> None:
    """Drop a draft batch, unless a later batch of the programme was built on it."""
    if batch.state != PayoutBatch.State.DRAFT:
        raise PayoutError(_("Only a draft batch can be deleted."))
    if PayoutBatch.objects.filter(programme_id=batch.programme_id, created_at__gt=batch.created_at).exists():
        raise PayoutError(_("A later batch was computed after this one; it can no longer be deleted."))
    batch.delete()


# --------------------------------------------------------------------------- checks and approval
def check_items(batch: PayoutBatch) -> list[payout_rules.CheckItem]:
    """A batch's items as plain values for the pre-approval checks."""
    return [payout_rules.CheckItem(i.pk, i.name, i.school_class.name, i.account or "", i.account_digest,
                                   i.account_name, i.gross, i.net, i.at_cap)
            for i in batch.items.select_related("school_class")]


def findings(batch: PayoutBatch) -> list[payout_rules.Finding]:
    """The pre-approval checks of a batch (see :func:`payout_rules.batch_findings`)."""
    return payout_rules.batch_findings(check_items(batch))


def approve_batch(batch: PayoutBatch, user, *, confirmed: bool) -> PayoutBatch:
    """The second finance user's approval. The maker may not approve
    (PermissionDenied with the reason); blocking findings refuse; warnings
    must be confirmed as reviewed."""
    batch.refresh_from_db()
    if batch.created_by_id == user.pk:
        raise PermissionDenied(_("You made this batch: a second finance user must approve it."))
    if batch.state != PayoutBatch.State.DRAFT or batch.computed_at is None:
        raise PayoutError(_("Only a computed draft batch can be approved."))
    found = findings(batch)
    blocking = [f for f in found if f.blocking]
    if blocking:
        raise PayoutError(_("The batch cannot be approved: %(n)s students have no valid bank card. "
                            "Correct their cards and refresh the bank details.") % {"n": len(blocking)})
    if found and not confirmed:
        raise PayoutError(_("Tick that you have reviewed the checks before approving."))
    if not batch.items.exists():
        raise PayoutError(_("The batch pays nobody."))
    now = timezone.now()
    updated = PayoutBatch.objects.filter(pk=batch.pk, state=PayoutBatch.State.DRAFT).update(
        state=PayoutBatch.State.APPROVED, approved_by=user, approved_at=now)
    if not updated:
        raise PayoutError(_("Only a computed draft batch can be approved."))
    batch.refresh_from_db()
    return batch


@transaction.atomic
def refresh_accounts(batch: PayoutBatch) -> int:
    """Read the students' current bank details into a draft batch's items
    (the money stays frozen; only where it goes is refreshed)."""
    if batch.state != PayoutBatch.State.DRAFT:
        raise PayoutError(_("Bank details can only be refreshed in a draft batch."))
    items = list(batch.items.select_related("enrolment__student"))
    profiles = profiles_for(i.enrolment_id for i in items)
    for item in items:
        for name, value in account_fields(item.enrolment.student, profiles.get(item.enrolment_id)).items():
            setattr(item, name, value)
    PayoutItem.objects.bulk_update(items, ["account", "account_digest", "account_masked", "account_name"], batch_size=500)
    return len(items)


def payable_items(batch: PayoutBatch) -> list[PayoutItem]:
    """What the bank file transfers: pending items with money, by class and student."""
    return list(batch.items.filter(status=PayoutItem.Status.PENDING, net__gt=0).select_related("school_class")
                .order_by("school_class__name", "enrolment__student__student_number", "pk"))


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
    return batch


# --------------------------------------------------------------------------- reconciliation
MATCH_ERRORS = {
    "unknown": gettext_lazy("No student of this batch has this account and name (%(detail)s)."),
    "duplicate": gettext_lazy("A second result for the same student (%(detail)s)."),
    "amount": gettext_lazy("The amount differs from the batch (%(detail)s)."),
}
MATCH_COLUMN = {"unknown": "account", "duplicate": "account", "amount": "amount"}


def reconcile(batch: PayoutBatch, data: bytes) -> ImportResult:
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
        PayoutItem.objects.bulk_update(items, ["status", "failure_reason", "settled_at"], batch_size=500)
        batch.items.filter(status=PayoutItem.Status.PENDING, net=0).update(status=PayoutItem.Status.PAID, settled_at=now)
        PayoutBatch.objects.filter(pk=batch.pk).update(state=PayoutBatch.State.RECONCILED, reconciled_at=now)
    batch.refresh_from_db()
    return result


# --------------------------------------------------------------------------- follow-up batches
def retry_candidates(batch: PayoutBatch) -> tuple[list[PayoutItem], list[PayoutItem]]:
    """The batch's failed items not retried yet: (bank details corrected
    since — another valid card, or another account holder on file — and
    those still the same or invalid)."""
    ready, waiting = [], []
    failed = list(batch.items.filter(status=PayoutItem.Status.FAILED, retries__isnull=True)
                  .select_related("enrolment__student"))
    profiles = profiles_for(i.enrolment_id for i in failed)
    for item in failed:
        student = item.enrolment.student
        now = account_fields(student, profiles.get(item.enrolment_id))
        changed = now["account_digest"] != item.account_digest or now["account_name"] != item.account_name
        corrected = bool(student.bank_card) and check_bank_card(student.bank_card).ok and changed
        (ready if corrected else waiting).append(item)
    return ready, waiting


@transaction.atomic
def create_follow_up(batch: PayoutBatch, user) -> PayoutBatch:
    """A new draft batch holding only the failed items of ``batch`` whose
    bank details were corrected: the same frozen money and payment key, the
    new account. The database refuses a second live item of a key."""
    if batch.state != PayoutBatch.State.RECONCILED:
        raise PayoutError(_("Failed items are retried once the batch is reconciled."))
    ready, _waiting = retry_candidates(batch)
    if not ready:
        raise PayoutError(_("No failed item has corrected bank details yet."))
    follow_up = PayoutBatch.objects.create(
        programme_id=batch.programme_id, school_class_id=batch.school_class_id, up_to=batch.up_to,
        pay_on=timezone.localdate(), tax_method=batch.tax_method, follow_up_of=batch, created_by=user,
        computed_at=timezone.now(), summary={"students": len(ready), "items": len(ready)})
    profiles = profiles_for(i.enrolment_id for i in ready)
    PayoutItem.objects.bulk_create([
        PayoutItem(batch=follow_up, enrolment_id=i.enrolment_id, school_class_id=i.school_class_id, name=i.name,
                   **account_fields(i.enrolment.student, profiles.get(i.enrolment_id)),
                   earned=i.earned, liability=i.liability, gross=i.gross, tax=i.tax, net=i.net, at_cap=i.at_cap,
                   lines=i.lines, tax_detail=i.tax_detail, payment_key=i.payment_key, retry_of=i)
        for i in ready
    ])
    return follow_up


# --------------------------------------------------------------------------- overview
@dataclass
class ClassTotals:
    name: str
    draft: Decimal = ZERO
    approved: Decimal = ZERO
    paid: Decimal = ZERO
    failed: Decimal = ZERO
    students: set = field(default_factory=set)

    @property
    def outstanding(self) -> Decimal:
        return self.draft + self.approved + self.failed


def payout_overview(programme: Programme) -> tuple[list[ClassTotals], ClassTotals, list[PayoutBatch]]:
    """Net amounts per class: in draft batches, approved or exported and not
    yet settled, paid, failed and not yet paid by a retry; and the batches
    with their item counts and totals. Two queries."""
    rows = list(PayoutItem.objects.filter(batch__programme=programme).values_list(
        "school_class__name", "batch__state", "status", "net", "payment_key", "pk", "enrolment_id"))
    keys_paid_later = {key for _c, _s, status, _n, key, _pk, _e in rows if status != PayoutItem.Status.FAILED}
    by_class: dict[str, ClassTotals] = {}
    for class_name, state, status, net, key, _pk, enrolment in rows:
        totals = by_class.setdefault(class_name, ClassTotals(class_name))
        totals.students.add(enrolment)
        if status == PayoutItem.Status.PAID:
            totals.paid += net
        elif status == PayoutItem.Status.FAILED:
            if key not in keys_paid_later:
                totals.failed += net
        elif state == PayoutBatch.State.DRAFT:
            totals.draft += net
        else:
            totals.approved += net
    classes = [by_class[k] for k in sorted(by_class)]
    total = ClassTotals(_("Total"))
    for c in classes:
        total.draft += c.draft
        total.approved += c.approved
        total.paid += c.paid
        total.failed += c.failed
        total.students |= c.students
    batches = list(PayoutBatch.objects.filter(programme=programme).select_related(
        "school_class", "created_by", "approved_by", "follow_up_of").annotate(
        item_count=Count("items"), failed_count=Count("items", filter=Q(items__status=PayoutItem.Status.FAILED)))
        .order_by("-created_at", "-pk"))
    net_totals = dict(PayoutItem.objects.filter(batch__programme=programme).values_list("batch").order_by()
                      .annotate(total=Sum("net")).values_list("batch", "total"))
    for b in batches:
        b.net_total = net_totals.get(b.pk) or ZERO
    return classes, total, batches
