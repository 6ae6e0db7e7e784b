"""Reads of the payouts app: the versioned tax tables (JSON files beside the
app) and when a programme's stipends were paid."""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from django.db import connection
from django.db.models import Count, Exists, F, Func, OuterRef, Q, Subquery, Sum, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from programs.agreements.models import Programme
from programs.agreements.selectors import visible_programmes
from programs.attendance.models import Attendance
from programs.attendance.selectors import last_days
from programs.students.models import Enrolment
from programs.students.selectors import without_personal_data
from scoring.selectors import LevelCost, confirmed_incidents, prize_and_award_credits
from stipends.payouts import rules
from stipends.payouts import rules as payout_rules
from stipends.payouts import rules as tax
from stipends.payouts.models import PayoutBatch, PayoutItem, RateCard, StipendProfile, TaxMethod
from stipends.payouts.rules import (
    PHASE_KINDS,
    WORKED,
    Bracket,
    Stipend,
    StudentPeriod,
    TaxTable,
    stipend_lines,
)
from trainingweek import crypto
from trainingweek.history import history_entries, merged
from trainingweek.jobs import read_private_result, result_expired
from trainingweek.masking import mask_bank_card
from trainingweek.models import Job
from trainingweek.money import ZERO, money
from trainingweek.performance import full_collections_paused
from trainingweek.rows import values_rows

logger = logging.getLogger(__name__)

TAXDATA = Path(__file__).resolve().parent / "taxdata"




class PayoutError(Exception):
    """A refusal whose message is meant for the user (already translated)."""



def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value)


@cache
def load_table(key: str) -> TaxTable:
    """Read one versioned table from ``stipends/taxdata/<key>.json``."""
    data = json.loads((TAXDATA / f"{key}.json").read_text(encoding="utf-8"))
    return TaxTable(
        key=data["key"], method=data["method"], title=data["title"], source=data["source"],
        valid_from=date.fromisoformat(data["valid_from"]),
        brackets=tuple(Bracket(_decimal(b["upto"]), Decimal(b["rate"]), Decimal(b["quick_deduction"]))
                       for b in data["brackets"]),
        income_ratio=Decimal(data["income_ratio"]),
        monthly_deduction=Decimal(data.get("monthly_deduction", "0")),
        flat_deduction=Decimal(data.get("flat_deduction", "0")),
        flat_deduction_upto=Decimal(data.get("flat_deduction_upto", "0")),
    )


def table_for(method: str, on: date) -> TaxTable:
    """The newest table of ``method`` in force on ``on``."""
    tables = [load_table(p.stem) for p in sorted(TAXDATA.glob("*.json"))]
    candidates = [t for t in tables if t.method == method and t.valid_from <= on]
    if not candidates:
        raise LookupError(f"no {method} tax table in force on {on}")
    return max(candidates, key=lambda t: t.valid_from)


def stipends_paid_on(ends: Mapping[int, date | None]) -> dict[int, date | None]:
    """The day each programme's stipends count as paid (see
    :func:`stipends.payouts.rules.stipends_paid_on`), for many programmes at
    once: one query, three when some programme has a reconciled batch.
    ``ends`` maps programme ids to their last phase day."""
    ids = list(ends)
    batches: dict[int, list[rules.ReconciledBatch]] = defaultdict(list)
    for pid, class_id, up_to, computed_at, reconciled_at in PayoutBatch.objects.filter(
            programme__in=ids, state=PayoutBatch.State.RECONCILED, reconciled_at__isnull=False).values_list(
            "programme_id", "school_class_id", "up_to", "computed_at", "reconciled_at"):
        records_to = up_to or _local_day(computed_at or reconciled_at)
        batches[pid].append(rules.ReconciledBatch(class_id, records_to, _local_day(reconciled_at)))
    result: dict[int, date | None] = dict.fromkeys(ids)
    paid = list(batches)
    if not paid:
        return result
    class_ids: dict[int, set[int]] = defaultdict(set)
    for pid, class_id in Enrolment.objects.filter(programme__in=paid).values_list(
            "programme_id", "school_class_id").distinct():
        class_ids[pid].add(class_id)
    # Outstanding: still at the bank (approved or exported, not settled), or failed and not paid by a retry.
    waiting = Q(status=PayoutItem.Status.PENDING, batch__state__in=[PayoutBatch.State.APPROVED,
                                                                     PayoutBatch.State.EXPORTED])
    unpaid = Q(status=PayoutItem.Status.FAILED) & ~Q(retries__status=PayoutItem.Status.PAID)
    outstanding = dict(PayoutItem.objects.filter(batch__programme__in=paid).filter(waiting | unpaid)
                       .values_list("batch__programme_id").annotate(n=Count("pk")).values_list("batch__programme_id", "n"))
    for pid in paid:
        result[pid] = rules.stipends_paid_on(class_ids=class_ids[pid], batches=batches[pid],
                                             outstanding=outstanding.get(pid, 0), programme_end=ends[pid])
    return result


def _local_day(moment) -> date:
    return timezone.localtime(moment).date()


# --------------------------------------------------------------------------- rate card and profiles
def rate_card(programme: Programme) -> RateCard:
    """The programme's rate card as saved, else the defaults (unsaved). Reads only:
    the card is saved by its form, or by :func:`ensure_rate_card` when a batch is built."""
    return RateCard.objects.filter(programme=programme).first() or RateCard(programme=programme)


def incident_level_costs(programme: Programme) -> dict:
    """What each incident level costs under the programme's rate card (read by
    scoring's incident form through ``scoring.selectors.LEVEL_COST_READERS``)."""
    card = rate_card(programme).to_rules()
    return {level: LevelCost(p.company_share, p.student_share) for level, p in card.penalties.items()}


def bank_file_profile(programme: Programme) -> payout_rules.BankFileProfile:
    """The layout of the programme's paying bank, from its rate card (the plain sheet by default)."""
    key = rate_card(programme).bank_file_profile
    return payout_rules.BANK_FILE_PROFILES.get(key) or payout_rules.BANK_FILE_PROFILES[
        payout_rules.DEFAULT_BANK_FILE_PROFILE]


def rate_card_locked(programme: Programme) -> bool:
    """A rate card is fixed once any batch of its programme was approved."""
    return PayoutBatch.objects.filter(programme=programme, approved_at__isnull=False).exists()


def profiles_for(enrolment_ids: Iterable[int]) -> dict[int, StipendProfile]:
    """The stipend profiles of these enrolments, by enrolment id (one query)."""
    return {p.enrolment_id: p for p in StipendProfile.objects.filter(enrolment_id__in=list(enrolment_ids))}


# --------------------------------------------------------------------------- statements
@dataclass
class Sources:
    """Plain values from scoring, loaded once per batch or page: the
    programme's, or only those of ``enrolment_ids`` (a page of students)."""

    credits: dict[int, list[tuple[str, str, Decimal]]]
    incidents: dict[int, list[tuple[int, date, str, Decimal | None]]]

    @classmethod
    def load(cls, programme: Programme, enrolment_ids: Sequence[int] | None = None) -> Sources:
        return cls(prize_and_award_credits(programme, enrolment_ids=enrolment_ids),
                   confirmed_incidents(programme, enrolment_ids=enrolment_ids))


#: Above this many students a read takes the programme's rows and keeps the
#: students' in Python: an IN list of 10,000 ids costs more to build, send
#: and plan than the rows it would leave out. A freezing chunk (500) stays below.
IN_LIST_MAX = 1000


class RuleProfile(NamedTuple):
    """What the statement rules read of a student's stipend profile."""

    assessment_passed_on: date | None
    support_duty: bool


def rule_profiles(programme: Programme, enrolment_ids: Sequence[int]) -> dict[int, RuleProfile]:
    """The assessment date and support duty of each of the programme's
    students ``enrolment_ids`` who has a stipend profile (one query of two
    columns; :func:`profiles_for` reads whole rows)."""
    qs = StipendProfile.objects.all()
    if len(enrolment_ids) <= IN_LIST_MAX:
        qs = qs.filter(enrolment_id__in=list(enrolment_ids))
    else:
        qs = qs.filter(enrolment__programme=programme)
    wanted = set(enrolment_ids)
    return {e: RuleProfile(passed, support) for e, passed, support
            in qs.values_list("enrolment_id", "assessment_passed_on", "support_duty") if e in wanted}


def student_periods(programme: Programme, enrolment_ids: Sequence[int], up_to: date | None,
                    sources: Sources, profiles: Mapping[int, StipendProfile | RuleProfile]) -> dict[int, StudentPeriod]:
    """Each student's days that can pay (worked attendance records of a
    phase's kind of day, up to ``up_to``), last day if they left, assessment
    date, support duty, awards, prize shares and confirmed incidents, as the
    pure rules take them: plain tuples, the days as :class:`rules.Day` (day,
    day kind, status, online hours, record id, enrolment id) in date order.
    One attendance query (streamed: :func:`trainingweek.rows.values_rows`)
    and one departure query for all the students; for a whole programme they
    read the programme's rows rather than list thousands of ids (see
    :data:`IN_LIST_MAX`)."""
    ids = list(enrolment_ids)
    # Only the days that can pay: the rules skip every other day (a rest day,
    # leave, absence; a day of no phase's kind), so they are not read.
    qs = Attendance.objects.filter(programme=programme, status__in=WORKED, day_kind__in=PHASE_KINDS)
    many = len(ids) > IN_LIST_MAX
    if not many:
        qs = qs.filter(enrolment_id__in=ids)
    if up_to is not None:
        qs = qs.filter(day__lte=up_to)
    days: dict[int, list[tuple]] = {e: [] for e in ids}
    get = days.get
    # Each row is a rules.Day as it comes (no object, no copy). No ORDER BY:
    # sorting 300,000 rows costs the database more than sorting each
    # student's 30 here (by day: one record per student and day).
    with full_collections_paused():  # the rows are many small tuples without cycles
        for row in values_rows(qs.order_by().values_list("day", "day_kind", "status", "online_hours", "pk",
                                                          "enrolment_id")):
            bucket = get(row[5])
            if bucket is not None:
                bucket.append(row)
    left = last_days(ids, programme=programme) if many else last_days(ids)
    result = {}
    for e in ids:
        profile = profiles.get(e)
        credits = sources.credits.get(e, ())
        incidents = sources.incidents.get(e, ())
        if up_to is not None:
            incidents = [i for i in incidents if i[1] <= up_to]
        own = days[e]
        own.sort()
        result[e] = StudentPeriod(
            days=own,
            last_day=left.get(e),
            assessment_passed_on=profile.assessment_passed_on if profile else None,
            support_duty=bool(profile and profile.support_duty),
            awards=[c for c in credits if c[0].startswith("award:")] if credits else (),
            prize_shares=[c for c in credits if c[0].startswith("prize:")] if credits else (),
            incidents=incidents,
        )
    return result


def statements(programme: Programme, enrolment_ids: Sequence[int], up_to: date | None = None,
               sources: Sources | None = None) -> dict[int, Stipend]:
    """The statement to date of each of the programme's students ``enrolment_ids``
    (pure rules over loaded records; a fixed number of queries)."""
    card = rate_card(programme).to_rules()
    ids = list(enrolment_ids)
    # A page of students reads their own awards and incidents, a programme all of them.
    sources = sources or Sources.load(programme, ids if len(ids) <= IN_LIST_MAX else None)
    with full_collections_paused():  # hundreds of thousands of small tuples (days, sources), no cycles
        periods = student_periods(programme, ids, up_to, sources, rule_profiles(programme, ids))
        found = {e: stipend_lines(p, card) for e, p in periods.items()}
        # The days go now, by reference counting, before the full collections
        # come back (they would walk the lists that hold them).
        del periods
    return found


def tax_table(method: str, on: date) -> tax.TaxTable:
    """The tax table of ``method`` in force on ``on``, or a PayoutError saying none is."""
    try:
        return table_for(method, on)
    except LookupError:
        raise PayoutError(_("No %(method)s tax table is in force on %(day)s.") % {
            "method": TaxMethod(method).label, "day": on.isoformat()}) from None


def withhold(table: tax.TaxTable, gross: Decimal, *, paid_before: Decimal = ZERO,
             withheld_before: Decimal = ZERO, months: int = 1) -> tuple[Decimal, dict]:
    """Tax on one payment by the table's method, never more than the payment,
    with the figures that led to it (kept on the item)."""
    if table.method == TaxMethod.LABOUR_PER_PAYMENT:
        result = tax.labour_per_payment_tax(table, pay=gross)
        detail = {"pay": str(money(gross))}
    else:
        result = tax.intern_cumulative_tax(table, pay=gross, paid_before=paid_before,
                                           withheld_before=withheld_before, months=months)
        detail = {"paid_before": str(money(paid_before)), "withheld_before": str(money(withheld_before)),
                  "months": months, "cumulative_pay": str(money(Decimal(paid_before) + Decimal(gross))),
                  "allowance": str(money(table.monthly_deduction * months))}
    amount = min(result.tax, gross)
    return amount, {"table": table.key, "method": table.method, "taxable": str(result.taxable),
                    "rate": str(result.rate), "quick_deduction": str(result.quick_deduction),
                    "tax": str(amount), **detail}


def programme_months(programme: Programme, pay_on: date) -> int:
    """Internship months with this payer in the payment's tax year (for the cumulative tax method)."""
    return payout_rules.internship_months(programme.phases.values_list("start", "end"), pay_on)


@dataclass
class StatementView:
    """A student's statement to date for the statement page: the lines (they
    add up to the gross to date), where the student stands (paid, now due,
    owed), and the tax an immediate payment of what is now due would withhold."""

    stipend: Stipend
    lines: list[dict]
    balance: rules.Balance
    tax: Decimal
    tax_detail: dict
    net: Decimal
    items: list[PayoutItem]


def student_statement(programme: Programme, enrolment: Enrolment) -> StatementView:
    """Statement to date, the balance against what was frozen in payout
    batches, an estimate of the tax on what is now due if paid today (by the
    cumulative method: on top of this company's payments and withholdings
    this year), and the payout items already frozen for the student."""
    stipend = statements(programme, [enrolment.pk])[enrolment.pk]
    standing = balances(programme, [enrolment.pk], found={enrolment.pk: stipend})[enrolment.pk]
    card = rate_card(programme)
    today = timezone.localdate()
    paid_before, withheld_before = tax_history(
        [enrolment.student_id], company_id=programme.agreement.company_id, year=today.year).get(
        enrolment.student_id, (ZERO, ZERO))
    try:
        amount, detail = withhold(tax_table(card.tax_method, today), standing.now_due, paid_before=paid_before,
                                  withheld_before=withheld_before, months=programme_months(programme, today))
    except PayoutError:
        amount, detail = ZERO, {}
    items = list(PayoutItem.objects.filter(enrolment=enrolment).select_related("batch").order_by("batch__created_at", "pk"))
    return StatementView(stipend, [payout_rules.line_record(x) for x in stipend.lines], standing, amount, detail,
                         standing.now_due - amount, items)


def frozen_totals(enrolment_ids: Sequence[int]) -> dict[int, Decimal]:
    """Gross already frozen per student (once per payment key). One query."""
    seen: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for e, key, gross in PayoutItem.objects.filter(enrolment_id__in=list(enrolment_ids)).values_list(
            "enrolment_id", "payment_key", "gross"):
        seen[e].setdefault(key, gross)
    return {e: sum(keys.values(), ZERO) for e, keys in seen.items()}


def balances(programme: Programme, enrolment_ids: Sequence[int], up_to: date | None = None, *,
             found: Mapping[int, Stipend] | None = None,
             frozen: Mapping[int, Decimal] | None = None) -> dict[int, rules.Balance]:
    """Where each student stands (:func:`stipends.payouts.rules.balance`):
    paid in payout batches so far, the statement to date, now due and owed.
    ``found`` and ``frozen`` are the statements and frozen totals when the
    caller has them already."""
    found = statements(programme, enrolment_ids, up_to) if found is None else found
    frozen = frozen_totals(enrolment_ids) if frozen is None else frozen
    return {e: rules.balance(paid=frozen.get(e, ZERO), due=found[e].gross) for e in enrolment_ids}


# --------------------------------------------------------------------------- freezing a batch
def _prior_items(enrolment_ids: Sequence[int], batch: PayoutBatch) -> dict[int, dict[str, tuple[Decimal, list]]]:
    """Every statement already frozen for these students in other batches,
    once per payment key (a failed item and its retry are one statement)."""
    prior: dict[int, dict[str, tuple[Decimal, list]]] = defaultdict(dict)
    for e, key, gross, lines in PayoutItem.objects.filter(enrolment_id__any=enrolment_ids).exclude(batch=batch) \
            .order_by("pk").values_list("enrolment_id", "payment_key", "gross", "lines"):
        prior[e].setdefault(key, (gross, lines))
    return prior


def _tax_history(student_ids: Sequence[int], batch: PayoutBatch) -> dict[int, tuple[Decimal, Decimal]]:
    """This payer's earlier payments and withholdings this tax year per
    student (any of the company's programmes), once per payment key."""
    return tax_history(student_ids, company_id=batch.programme.agreement.company_id, year=batch.pay_on.year,
                       exclude_batch=batch.pk)


def tax_history(student_ids: Sequence[int], *, company_id: int, year: int,
                exclude_batch: int | None = None) -> dict[int, tuple[Decimal, Decimal]]:
    """(paid, withheld) by the company to each student in ``year``'s
    payments, once per payment key, leaving out ``exclude_batch``. One query."""
    seen: dict[int, dict[str, tuple[Decimal, Decimal]]] = defaultdict(dict)
    for student, key, gross, withheld in PayoutItem.objects.filter(
            enrolment__student_id__any=student_ids, batch__programme__agreement__company_id=company_id,
            batch__pay_on__year=year).exclude(batch=exclude_batch).values_list(
            "enrolment__student_id", "payment_key", "gross", "tax"):
        seen[student].setdefault(key, (gross, withheld))
    return {s: (sum((g for g, _t in keys.values()), ZERO), sum((t for _g, t in keys.values()), ZERO))
            for s, keys in seen.items()}


def account_holder(student, profile: StipendProfile | None) -> str:
    """Whose name the account is in: the programme's stipend profile's, else
    the student's account holder, else the student's own name."""
    return (profile.account_name if profile and profile.account_name else "") or student.account_holder or student.name


def account_fields(student, profile: StipendProfile | None) -> dict:
    """The account a payout item freezes: the card (encrypted by the model),
    its digest and mask, the holder's name (the programme's stipend profile's,
    else the student's account holder, else the student's own name) and the
    bank and branch where the card was opened."""
    card = student.bank_card or ""
    holder = account_holder(student, profile)
    return {"account": card, "account_digest": student.bank_card_digest if card else "",
            "account_masked": mask_bank_card(card), "account_check": payout_rules.account_check(card),
            "account_name": holder, "bank_name": student.bank_name or "", "bank_branch": student.bank_branch or ""}


#: The item columns :func:`account_fields` fills (what a refresh or a retry takes anew).
ACCOUNT_COLUMNS = ("account", "account_digest", "account_masked", "account_check", "account_name", "bank_name",
                   "bank_branch")


def scope_ids(batch: PayoutBatch) -> list[int]:
    """The enrolments a batch covers (the programme, or one class of it), in a stable order."""
    qs = Enrolment.objects.filter(programme_id=batch.programme_id)
    if batch.school_class_id:
        qs = qs.filter(school_class_id=batch.school_class_id)
    return list(qs.order_by("pk").values_list("pk", flat=True))


# --------------------------------------------------------------------------- checks and approval
#: The job kind that computes and freezes a batch (its params name the batch).
FREEZE_JOB_KIND = "stipends.freeze_batch"


def active_freeze_jobs(batch_id: int):
    """The freezing jobs of the batch still queued or running (a job's params
    name its batch): while one is, the batch's items may still grow."""
    return Job.objects.filter(kind=FREEZE_JOB_KIND, params__batch=batch_id,
                              status__in=[Job.Status.PENDING, Job.Status.RUNNING]).order_by("created_at", "pk")


def check_items(batch: PayoutBatch) -> list[payout_rules.CheckItem]:
    """A batch's items as plain values for the pre-approval checks. Two queries."""
    # Plain columns only: the card's check and the settling lines were kept
    # beside the encrypted account and the whole lines when the item was frozen;
    # the few items that settle something are read apart (most have none to decode).
    settling = dict(_settling(batch.items.all()).values_list("pk", "settling"))
    return [payout_rules.CheckItem(pk, name, class_name, check, digest, account_name, gross, net, at_cap,
                                   *_settled(settling.get(pk, ())))
            for pk, name, class_name, check, digest, account_name, gross, net, at_cap
            in batch.items.order_by("pk").values_list(
                "pk", "name", "school_class__name", "account_check", "account_digest", "account_name", "gross",
                "net", "at_cap")]


def _settling(items):
    """The items among ``items`` that recover or carry what a student owes."""
    return items.exclude(settling=[])


def _settled(lines: Sequence[dict]) -> tuple[Decimal, Decimal]:
    """(owed after, recovered) of one frozen item, from its recovery and owed lines."""
    settling = [x for x in lines if x["code"] in payout_rules.SETTLING_CODES]
    if not settling:
        return ZERO, ZERO
    recovered = -sum((Decimal(x["amount"]) for x in settling if x["code"] == payout_rules.RECOVERY), ZERO)
    return Decimal(settling[0]["owed_after"]), money(recovered)


def owing_outside(batch: PayoutBatch) -> list[tuple[str, Decimal]]:
    """(name, owed) of the students of the batch's scope who still owe from
    earlier payments and have no item in this batch. One query, of the
    programme's items that settle something (few), the batch's own students
    left out by the database (not thousands of ids read to be compared here)."""
    frozen: dict[int, dict[str, list]] = defaultdict(dict)
    names: dict[int, str] = {}
    # Only items with settling lines make anyone owe (a retry copies its failed
    # item's lines, so a payment key's items all have them or none).
    items = PayoutItem.objects.filter(batch__programme_id=batch.programme_id).exclude(
        enrolment_id__in=PayoutItem.objects.filter(batch_id=batch.pk).values("enrolment_id"))
    if batch.school_class_id:
        items = items.filter(enrolment__school_class_id=batch.school_class_id)
    for e, key, name, lines in _settling(items).order_by("pk").values_list("enrolment_id", "payment_key", "name",
                                                                          "settling"):
        frozen[e].setdefault(key, lines)
        names[e] = name
    owing = [(names[e], payout_rules.owed_from(keys.values())) for e, keys in frozen.items()]
    return [(name, owed) for name, owed in owing if owed > 0]


def findings(batch: PayoutBatch) -> list[payout_rules.Finding]:
    """The pre-approval checks of a batch, afresh from every item (see
    :func:`payout_rules.batch_findings`): what approval decides on."""
    return payout_rules.batch_findings(check_items(batch), owing=owing_outside(batch))


def shown_findings(batch: PayoutBatch) -> list[payout_rules.Finding]:
    """The checks the batch page shows: those of the items as the batch keeps
    them (``item_checks``, written with the items: see
    ``services.store_item_checks``) and who owes outside the batch, read now;
    what :func:`findings` gives, without reading every item. A batch whose
    checks were never kept (computed before they were) is checked afresh."""
    if batch.checked_at is None:
        return findings(batch)
    kept = [payout_rules.Finding(**f) for f in batch.item_checks]
    return payout_rules.with_owing(kept, owing_outside(batch))


#: How a batch lists its items, on its pages and in its bank file: the model's own
#: order, by the class name and student number frozen on them (the ``payout_item_listed`` index).
ITEM_ORDER = tuple(PayoutItem._meta.ordering)


def payable_items(batch: PayoutBatch) -> list[PayoutItem]:
    """What the bank file transfers: pending items with money, by class and student."""
    return list(batch.items.filter(status=PayoutItem.Status.PENDING, net__gt=0).select_related("school_class")
                .order_by(*ITEM_ORDER))


def _in_bank_file(batch: PayoutBatch) -> Q:
    """Which of the batch's items its bank file holds: pending ones with
    money, once reconciled every one with money (what it transferred)."""
    if batch.state == PayoutBatch.State.RECONCILED:
        return Q(net__gt=0)
    return Q(net__gt=0, status=PayoutItem.Status.PENDING)


def _bank_file_items(batch: PayoutBatch):
    """The items of the batch's bank file (:func:`_in_bank_file`), in file order."""
    return batch.items.filter(_in_bank_file(batch)).order_by(*ITEM_ORDER)


def bank_transfers(batch: PayoutBatch) -> list[payout_rules.Transfer]:
    """The transfers of the batch's bank file as plain values, in file order.

    Only the five columns the file holds are read (not the items' lines and
    tax details, a few kilobytes of JSON each), and the account is the only
    field decrypted: the bank needs it in full."""
    note = f"#{batch.pk}"
    return [payout_rules.Transfer(account, name, net, bank, branch, note) for account, name, net, bank, branch
            in _bank_file_items(batch).values_list("account", "account_name", "net", "bank_name", "bank_branch")]


def batch_totals(batch: PayoutBatch, *, with_control: bool) -> tuple[dict, tuple[int, Decimal] | None]:
    """The count, gross, tax and net of all the batch's items and, when
    ``with_control``, the count and sum of its bank file's transfers (what
    :func:`payout_rules.control_total` gives of their amounts): one aggregate
    over the items, unordered, decrypting nothing."""
    in_file = _in_bank_file(batch)
    # Aliases of their own: an aggregate named "net" would shadow the column the filter reads.
    found = batch.items.order_by().aggregate(
        all_count=Count("pk"), all_gross=Sum("gross"), all_tax=Sum("tax"), all_net=Sum("net"),
        **({"transfers": Count("pk", filter=in_file), "transferred": Sum("net", filter=in_file)}
           if with_control else {}))
    control = (found["transfers"], money(found["transferred"] or ZERO)) if with_control else None
    return {key: found[f"all_{key}"] for key in ("count", "gross", "tax", "net")}, control


def bank_control(batch: PayoutBatch) -> tuple[int, Decimal]:
    """The count and sum of the batch's bank file (:func:`payout_rules.control_total`), decrypting nothing."""
    return batch_totals(batch, with_control=True)[1]


def bank_transfer_count(batch: PayoutBatch) -> int:
    """How many transfers the batch's bank file holds (one COUNT, nothing decrypted)."""
    return _bank_file_items(batch).count()


# --------------------------------------------------------------------------- bank files prepared by a job
#: The job kind that prepares a big batch's bank file (params: programme, batch, what, language).
BANK_FILE_JOB_KIND = "stipends.bank_file"
#: What such a job prepares: the bank's upload sheet, or the summary for people.
BANK_DOCUMENTS = ("file", "summary")
#: What :func:`prepared_file_state` finds of a prepared file.
READY, EXPIRED, STALE = "ready", "expired", "stale"

# The stored account token (Fernet ciphertext) as it is, not decrypted: a
# rewrite of an item's account changes it, and reading it decrypts nothing.
_ACCOUNT_TOKEN = Cast("account", output_field=TextField())
_FINGERPRINT_COLUMNS = ("pk", "account_token", "account_name", "net", "bank_name", "bank_branch")


class BankFileSnapshot(NamedTuple):
    """The transfers of a batch's bank file, its layout, and the fingerprint
    of the rows they were read from (see :func:`bank_file_fingerprint`)."""

    transfers: list[payout_rules.Transfer]
    profile: payout_rules.BankFileProfile
    fingerprint: str


def _rows_digest(rows: Iterable[tuple]) -> str:
    """The MD5 of the fingerprint's rows in id order, each field written as
    ``<length>:<text>`` (so no two row sets write the same text): exactly
    what :class:`_RowsDigest` computes inside PostgreSQL."""
    digest = hashlib.md5(usedforsecurity=False)
    for row in sorted(rows, key=itemgetter(0)):
        for value in row:
            text = str(value)
            digest.update(f"{len(text)}:{text}".encode())
    return digest.hexdigest()


class _RowsDigest(Func):
    """PostgreSQL: :func:`_rows_digest` of the rows a query selects, computed
    by the database (``md5`` over ``string_agg`` in id order): the download's
    freshness check reads 32 characters, not every item's account token. An
    aggregate over its expressions (the first the id), written out whole."""

    contains_aggregate = True
    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, found = compiler.compile(expression)
            parts.append(f"length(({sql})::text)::text || ':' || ({sql})::text")
            params += [*found, *found]
        order, order_params = compiler.compile(self.get_source_expressions()[0])
        return (f"md5(coalesce(string_agg({' || '.join(parts)}, '' ORDER BY {order}), ''))",
                (*params, *order_params))


def _fingerprint(batch: PayoutBatch, what: str, profile: payout_rules.BankFileProfile, rows_digest: str) -> str:
    # What the document is made of besides the rows: the upload sheet its
    # layout, the summary its title (the programme's name and the batch's
    # number). The rows by item: their order is not money (a renamed class
    # reorders the file; it pays the same), and the fingerprint's query then
    # needs no join to order them.
    made_of = profile.key if what == "file" else f"{batch.programme} #{batch.pk}"
    payload = json.dumps([what, batch.pk, made_of, rows_digest], ensure_ascii=False, separators=(",", ":"))
    return crypto.digest(payload)  # keyed: the digest reveals nothing of the rows


def bank_file_snapshot(batch: PayoutBatch, what: str) -> BankFileSnapshot:
    """What a job writes into the batch's document ``what`` (the transfers
    of :func:`bank_transfers`, in file order, the layout of
    :func:`bank_file_profile`) and the fingerprint of exactly those rows:
    one query, so the two agree."""
    profile = bank_file_profile(batch.programme)
    rows = list(_bank_file_items(batch).annotate(account_token=_ACCOUNT_TOKEN)
                .values_list("account", *_FINGERPRINT_COLUMNS))
    note = f"#{batch.pk}"
    transfers = [payout_rules.Transfer(account, name, net, bank, branch, note)
                 for account, _pk, _token, name, net, bank, branch in rows]
    return BankFileSnapshot(transfers, profile, _fingerprint(batch, what, profile,
                                                             _rows_digest(row[1:] for row in rows)))


def bank_file_fingerprint(batch: PayoutBatch, what: str) -> str:
    """A digest of everything the batch's document ``what`` is made from:
    which items, their account (the stored token), holder, net amount, bank
    and branch, and the layout (bank file) or the title (summary). Any change
    of them after a file was prepared changes it. Decrypts nothing and joins
    nothing: one query over six plain columns of the batch's items, on
    PostgreSQL an aggregate the database computes (:class:`_RowsDigest`)."""
    profile = bank_file_profile(batch.programme)
    items = _bank_file_items(batch).order_by().annotate(account_token=_ACCOUNT_TOKEN)
    if connection.vendor == "postgresql":
        rows_digest = items.aggregate(digest=_RowsDigest(*(F(c) for c in _FINGERPRINT_COLUMNS)))["digest"]
    else:
        rows_digest = _rows_digest(items.values_list(*_FINGERPRINT_COLUMNS))
    return _fingerprint(batch, what, profile, rows_digest)


def bank_file_jobs(batch_id: int):
    """The jobs that prepared (or are preparing) the batch's bank files, newest first."""
    return Job.objects.filter(kind=BANK_FILE_JOB_KIND, params__batch=batch_id).order_by("-created_at", "-pk")


def active_bank_file_job(batch_id: int, what: str) -> Job | None:
    """The job still queued or running that prepares ``what`` of the batch, if any."""
    return bank_file_jobs(batch_id).filter(
        params__what=what, status__in=[Job.Status.PENDING, Job.Status.RUNNING]).first()


@dataclass
class PreparedFile:
    """Of one of a batch's bank documents: the job preparing it now, and the
    newest job whose file is still kept (its freshness is checked when it is
    downloaded, :func:`prepared_file_state`)."""

    what: str
    active: Job | None = None
    ready: Job | None = None


#: How many of a batch's newest bank-file jobs its page looks at.
PREPARED_JOBS_LOOKED_AT = 20


def prepared_bank_files(batch: PayoutBatch) -> dict[str, PreparedFile]:
    """Per document (``file``, ``summary``): what the batch's page offers. One query."""
    found = {what: PreparedFile(what) for what in BANK_DOCUMENTS}
    for job in bank_file_jobs(batch.pk).select_related("created_by")[:PREPARED_JOBS_LOOKED_AT]:
        entry = found.get(job.params.get("what"))
        if entry is None:
            continue
        if job.status in (Job.Status.PENDING, Job.Status.RUNNING) and entry.active is None and entry.ready is None:
            entry.active = job
        elif job.status == Job.Status.SUCCEEDED and entry.ready is None and not result_expired(job.result):
            entry.ready = job
    return found


def prepared_file_content(job: Job) -> bytes | None:
    """The prepared file of a bank-file job, decrypted; None once it is gone
    (expired, or stored under a key no longer configured)."""
    try:
        return read_private_result(job.result["file"])
    except (FileNotFoundError, ValueError):
        logger.warning("the prepared bank file of job %s cannot be read", job.pk)
        return None


def prepared_file_state(batch: PayoutBatch, job: Job) -> str:
    """:data:`READY` when the job's file is kept and the batch's transfers are
    still those it was made from; :data:`EXPIRED` once the file is gone (or
    due to go); :data:`STALE` when anything it was made from changed since
    (the fingerprint differs): that file must not go to the bank."""
    if not job.result.get("file") or result_expired(job.result):
        return EXPIRED
    if job.result.get("fingerprint") != bank_file_fingerprint(batch, job.params.get("what")):
        return STALE
    return READY


# --------------------------------------------------------------------------- follow-up batches
def retry_candidates(batch: PayoutBatch, *, with_accounts: bool = False) -> tuple[list[PayoutItem], list[PayoutItem]]:
    """The batch's failed items not retried yet: (bank details corrected
    since — another valid card, another account holder, bank or branch —
    and those still the same or invalid). ``with_accounts``: the items and
    students whole, for the follow-up that copies them (decrypting the
    students' cards); else only what a page compares."""
    ready, waiting = [], []
    # Compared by digest: no card is decrypted. A card on record passed the
    # bank-card rule when it was written (import, correction, admin), and the
    # follow-up's own checks block it again if not (account_check).
    failed = batch.items.filter(status=PayoutItem.Status.FAILED, retries__isnull=True).select_related("enrolment__student")
    if not with_accounts:  # a page: what it shows and compares only
        failed = without_personal_data(failed.defer("lines", "tax_detail", "account"), "enrolment__student")
    failed = list(failed)
    profiles = profiles_for(i.enrolment_id for i in failed)
    for item in failed:
        student = item.enrolment.student
        now = {"account_digest": student.bank_card_digest, "account_name": account_holder(student, profiles.get(item.enrolment_id)),
               "bank_name": student.bank_name or "", "bank_branch": student.bank_branch or ""}
        changed = any(now[k] != getattr(item, k) for k in now)
        corrected = bool(student.bank_card_digest) and changed
        (ready if corrected else waiting).append(item)
    return ready, waiting


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


# Attendance's day kinds in the rules' words ("other": outside every phase, pays nothing).






# --------------------------------------------------------------------------- the inbox
def batches_seen_by(user):
    """The payout batches of the programmes the user sees, with what a list names them by."""
    return (PayoutBatch.objects.filter(programme__in=visible_programmes(user).values("pk"))
            .select_related("programme", "school_class").order_by("programme__name", "created_at", "pk"))


def batches_to_check(user) -> list[PayoutBatch]:
    """Computed draft batches waiting for a second finance user's approval,
    never those ``user`` made (the maker may not approve). One query."""
    return list(batches_seen_by(user).filter(state=PayoutBatch.State.DRAFT, computed_at__isnull=False)
                .exclude(created_by=user))


def batches_in(user, state: str) -> list[PayoutBatch]:
    """The user's programmes' batches in ``state`` (approved: the bank file is
    to send; exported: the bank's result is to upload). One query."""
    return list(batches_seen_by(user).filter(state=state))


def batches_with_failures(user) -> list[PayoutBatch]:
    """Batches with failed transfers that are not retried yet (no follow-up
    item, and their statement not paid by another item), each with
    ``failed_open``, the number of such items. One query."""
    paid_elsewhere = PayoutItem.objects.filter(payment_key=OuterRef("payment_key")).exclude(
        status=PayoutItem.Status.FAILED)
    open_failures = (PayoutItem.objects.filter(batch=OuterRef("pk"), status=PayoutItem.Status.FAILED,
                                               retries__isnull=True)
                     .filter(~Exists(paid_elsewhere)).order_by().values("batch")
                     .annotate(n=Count("pk")).values("n"))
    return list(batches_seen_by(user).filter(state=PayoutBatch.State.RECONCILED)
                .annotate(failed_open=Subquery(open_failures)).filter(failed_open__gt=0))


# --------------------------------------------------------------------------- audit history
def statement_history(enrolment: Enrolment) -> list:
    """The audit history of a student's payments (payout items, deleted ones
    too) and stipend profile (account holder on file), newest first, masked.
    Four queries at most."""
    return merged(history_entries(PayoutItem, enrolment_id=enrolment.pk),
                  history_entries(StipendProfile, enrolment_id=enrolment.pk))


def batch_history(batch: PayoutBatch) -> list:
    """The audit history of a batch itself (its states, who moved it, from where)."""
    return history_entries(PayoutBatch, id=batch.pk)


def rate_card_history(programme: Programme) -> list:
    """The audit history of a programme's rate card."""
    return history_entries(RateCard, programme_id=programme.pk)
