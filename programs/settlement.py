"""The school ⇄ company settlement statement: pure rules over plain values.

From the agreement's 费用约定 (the 2018 agreement in the seeds): the company
pays the school a lab subsidy per computer per day for each lab used, rent
per day for each room used without equipment, a good-conduct bonus if neither
the school breached nor students misbehaved, less the deposit it paid ahead.
Every line carries its basis so either side can check it.

Money is ``Decimal`` with 2 places, ROUND_HALF_UP, rounded per line by
:func:`money`; never float.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from trainingweek.money import ZERO, money


def yuan(value: Decimal) -> str:
    """¥1,234.50 — how amounts read in bases and documents."""
    return f"¥{money(value):,}"


@dataclass(frozen=True)
class RoomPeriod:
    """A room in use from ``start`` to ``end`` (both included). A lab gives
    its number of working computers over that period; a lab whose count
    changes is two periods."""

    room: str
    is_lab: bool
    start: date
    end: date
    computers: int = 0

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Rates:
    lab_per_computer_day: Decimal
    room_per_day: Decimal
    good_conduct_bonus: Decimal


@dataclass(frozen=True)
class Conduct:
    """What the records say about the programme's conduct.

    ``misconduct`` lists (what, how many) from every source, e.g.
    ("students dismissed", 2); a count of 0 means the source found none.
    """

    school_breached: bool = False
    breach_note: str = ""
    misconduct: tuple[tuple[str, int], ...] = ()

    @property
    def misconduct_total(self) -> int:
        return sum(n for _label, n in self.misconduct)


@dataclass(frozen=True)
class BonusOverride:
    """A person's decision that replaces the rule, with their reason."""

    due: bool
    reason: str


@dataclass(frozen=True)
class BonusDecision:
    due: bool
    amount: Decimal
    basis: str
    overridden: bool = False


@dataclass(frozen=True)
class Line:
    kind: str  # lab, room, bonus, deposit
    label: str
    basis: str
    amount: Decimal


@dataclass(frozen=True)
class PaymentIn:
    day: date
    amount: Decimal
    kind: str  # deposit, settlement, other
    note: str = ""


DEPOSIT, SETTLEMENT, OTHER = "deposit", "settlement", "other"


@dataclass(frozen=True)
class Statement:
    """What the company owes the school for one programme.

    ``fees_total`` = lab subsidy + room rent + bonus; ``amount_due`` =
    ``fees_total`` − deposit paid; ``balance`` = ``amount_due`` − the other
    payments received (negative: the school received more than is owed).
    """

    lines: tuple[Line, ...]
    bonus: BonusDecision
    fees_total: Decimal
    deposit_paid: Decimal
    amount_due: Decimal
    other_paid: Decimal
    balance: Decimal
    warnings: tuple[str, ...] = ()

    @property
    def deposit_line(self) -> Line:
        return Line(DEPOSIT, _("Less deposit paid"), _("Deposit payments received"), -self.deposit_paid)


def bonus_decision(amount: Decimal, conduct: Conduct, override: BonusOverride | None = None) -> BonusDecision:
    """Whether the good-conduct bonus (奖励) is due, and why.

    Due unless the school breached the agreement or any student misbehaved
    (any misconduct count above zero). A recorded override wins, with its
    reason in the basis. Worked example: amount 1,000, one student dismissed
    → not due, 0.00, "… students dismissed: 1".
    """
    amount = money(amount)
    if override is not None:
        if override.due:
            basis = _("Due, decided by hand: %(reason)s") % {"reason": override.reason}
        else:
            basis = _("Not due, decided by hand: %(reason)s") % {"reason": override.reason}
        return BonusDecision(override.due, amount if override.due else ZERO, basis, overridden=True)
    reasons = []
    if conduct.school_breached:
        reasons.append(
            _("the school breached the agreement (%(note)s)") % {"note": conduct.breach_note}
            if conduct.breach_note else _("the school breached the agreement")
        )
    for label, count in conduct.misconduct:
        if count > 0:
            reasons.append(f"{label}: {count}")
    if reasons:
        return BonusDecision(False, ZERO, _("Not due: %(reasons)s.") % {"reasons": "；".join(reasons)})
    return BonusDecision(True, amount, _("Due: no breach by the school and no student misconduct recorded."))


def fee_lines(periods: Iterable[RoomPeriod], rates: Rates) -> list[Line]:
    """One line per room period: labs computers × days × rate, other rooms
    days × rent. Lines come in the order given."""
    lines = []
    for p in periods:
        span = f"{p.start:%Y-%m-%d}—{p.end:%Y-%m-%d}"
        if p.is_lab:
            amount = money(p.computers * p.days * rates.lab_per_computer_day)
            basis = _("%(computers)s computers × %(days)s days (%(span)s) × %(rate)s") % {
                "computers": p.computers, "days": p.days, "span": span, "rate": yuan(rates.lab_per_computer_day),
            }
            lines.append(Line("lab", _("Lab subsidy: %(room)s") % {"room": p.room}, basis, amount))
        else:
            amount = money(p.days * rates.room_per_day)
            basis = _("%(days)s days (%(span)s) × %(rate)s") % {
                "days": p.days, "span": span, "rate": yuan(rates.room_per_day),
            }
            lines.append(Line("room", _("Room rent: %(room)s") % {"room": p.room}, basis, amount))
    return lines


def period_problems(periods: Sequence[RoomPeriod]) -> list[str]:
    """Why these periods of ONE room cannot stand: an end before its start,
    a lab without computers, or two periods sharing a day (a day would be
    paid twice)."""
    problems = []
    for p in periods:
        if p.end < p.start:
            problems.append(_("A period ends (%(end)s) before it starts (%(start)s).") % {"start": p.start, "end": p.end})
        elif p.is_lab and p.computers <= 0:
            problems.append(_("Enter the number of working computers for %(start)s—%(end)s.") % {"start": p.start, "end": p.end})
    ordered = sorted((p for p in periods if p.end >= p.start), key=lambda p: p.start)
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if later.start <= earlier.end:
            problems.append(_("Two periods share %(day)s: a day is paid only once.") % {"day": later.start})
    return problems


def settlement_statement(
    periods: Sequence[RoomPeriod],
    rates: Rates,
    conduct: Conduct,
    payments: Iterable[PaymentIn],
    override: BonusOverride | None = None,
    programme_span: tuple[date, date] | None = None,
) -> Statement:
    """The statement: fee lines, the bonus, the deposit paid and the balance.

    Worked example (the 2018 agreement): two labs with 110 computers for the
    30 days of November at 13.00 → 42,900.00; room 206 for 30 days at
    300.00 → 9,000.00; bonus 1,000.00; fees 52,900.00; less the 10,000.00
    deposit → 42,900.00 due on settlement.

    ``programme_span`` (first phase start, last phase end) only adds a
    warning for periods outside it; they are still paid as recorded.
    """
    lines = fee_lines(periods, rates)
    bonus = bonus_decision(rates.good_conduct_bonus, conduct, override)
    lines.append(Line("bonus", _("Good-conduct bonus"), bonus.basis, bonus.amount))
    fees_total = money(sum((line.amount for line in lines), ZERO))
    deposit_paid = ZERO
    other_paid = ZERO
    for payment in payments:
        if payment.kind == DEPOSIT:
            deposit_paid += money(payment.amount)
        else:
            other_paid += money(payment.amount)
    amount_due = fees_total - deposit_paid
    warnings = []
    if programme_span is not None:
        first, last = programme_span
        for p in periods:
            if p.start < first or p.end > last:
                warnings.append(
                    _("%(room)s is recorded for %(start)s—%(end)s, outside the programme (%(first)s—%(last)s).")
                    % {"room": p.room, "start": p.start, "end": p.end, "first": first, "last": last}
                )
    by_room: dict[str, list[RoomPeriod]] = defaultdict(list)
    for p in periods:
        by_room[p.room].append(p)
    for room, room_periods in by_room.items():
        warnings.extend(f"{room}: {problem}" for problem in period_problems(room_periods))
    return Statement(
        lines=tuple(lines), bonus=bonus, fees_total=fees_total, deposit_paid=deposit_paid,
        amount_due=amount_due, other_paid=other_paid, balance=amount_due - other_paid, warnings=tuple(warnings),
    )


def covered_on(payments: Iterable[PaymentIn], target: Decimal, kinds: set[str] | None = None) -> date | None:
    """The day the running total of the payments (of ``kinds``, all when
    None) first reached ``target``; None if it has not. A target of zero or
    less is covered by nothing, so it has no day either."""
    target = money(target)
    if target <= ZERO:
        return None
    total = ZERO
    for payment in sorted(payments, key=lambda p: p.day):
        if kinds is not None and payment.kind not in kinds:
            continue
        total += money(payment.amount)
        if total >= target:
            return payment.day
    return None


def deposit_paid_on(payments: Iterable[PaymentIn], deposit: Decimal) -> date | None:
    """When the deposit payments reached the agreed deposit."""
    return covered_on(payments, deposit, {DEPOSIT})


def settled_on(payments: Sequence[PaymentIn], fees_total: Decimal) -> date | None:
    """When the programme was settled: all payments cover the fees, and a
    settlement payment has been made (so a deposit larger than the fees
    recorded so far does not count as settling a programme still running).
    The day is the later of the two."""
    first_settlement = min((p.day for p in payments if p.kind == SETTLEMENT), default=None)
    covered = covered_on(payments, fees_total)
    if first_settlement is None or covered is None:
        return None
    return max(first_settlement, covered)
