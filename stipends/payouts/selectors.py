"""Reads of the payouts app: the versioned tax tables (JSON files beside the
app) and when a programme's stipends were paid."""

import json
from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.db.models import Count, Q
from django.utils import timezone

from programs.students.models import Enrolment
from stipends.payouts import rules
from stipends.payouts.models import PayoutBatch, PayoutItem
from stipends.payouts.rules import Bracket, TaxTable

TAXDATA = Path(__file__).resolve().parent / "taxdata"


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
