"""How much a student earns for a programme: pure functions, no ORM.

:func:`stipend_lines` turns a student's days, awards, prize shares and
incidents into statement lines. Each line names the rule that produced it
(``code``), its quantity, rate and amount, and the records it came from
(``sources``: attendance days, award or incident ids), so anyone can check
it. The defaults come from the source agreements (DESIGN.md); every number is
on the :class:`RateCard`, editable per programme.

Rules, in order:
- training (and intensive-training) days attended, counted only from the day
  the student passed the assessment: ``training_day`` each;
- practice, pre-sale and after-sale days worked (present or late):
  ``practice_day`` each;
- overtime: online hours above ``overtime_threshold_hours`` on a worked
  customer-service day, ``overtime_hour`` per hour (fractions paid pro rata;
  a shift that crosses midnight counts on the day it started, which is how
  attendance records it);
- rest days, leave and absence: nothing;
- support duty (failed the assessment three times): ``support_day`` per day
  attended on time, and nothing at all below ``support_min_days`` days
  attended; such a student earns no training or practice pay;
- awards and team-prize shares are added;
- each incident deducts the student's share of its level, or the actual
  amount for cash compensation;
- the total liability never exceeds what the student earned: a ``cap`` line
  gives back the excess, so the gross is never negative.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from trainingweek.money import ZERO, money

TRAINING_KINDS = frozenset({"training", "intensive"})
CUSTOMER_KINDS = frozenset({"practice", "pre_sale", "after_sale"})
WORKED = frozenset({"present", "late"})


@dataclass(frozen=True)
class Penalty:
    total: Decimal
    company_share: Decimal
    student_share: Decimal


DEFAULT_PENALTIES = {
    "1": Penalty(Decimal("100.00"), Decimal("60.00"), Decimal("40.00")),
    "2": Penalty(Decimal("300.00"), Decimal("250.00"), Decimal("50.00")),
    "3": Penalty(Decimal("500.00"), Decimal("440.00"), Decimal("60.00")),
    "4": Penalty(Decimal("5000.00"), Decimal("4500.00"), Decimal("500.00")),
}


@dataclass(frozen=True)
class RateCard:
    training_day: Decimal = Decimal("40.00")
    practice_day: Decimal = Decimal("80.00")
    overtime_hour: Decimal = Decimal("10.00")
    overtime_threshold_hours: Decimal = Decimal("8")
    support_day: Decimal = Decimal("10.00")
    support_min_days: int = 20
    penalties: dict[str, Penalty] = field(default_factory=lambda: dict(DEFAULT_PENALTIES))


@dataclass(frozen=True)
class Day:
    """One day of a student's programme as attendance recorded it."""

    day: date
    kind: str  # training | intensive | practice | pre_sale | after_sale | rest | tbd
    presence: str  # present | late | absent | leave | rest | truant
    online_hours: Decimal = ZERO
    record_id: int | None = None


@dataclass(frozen=True)
class Credit:
    """An award or a share of a team prize."""

    id: int
    label: str
    amount: Decimal


@dataclass(frozen=True)
class Incident:
    id: int
    day: date
    level: str  # "1".."4" or "cash"
    cash_amount: Decimal | None = None


@dataclass(frozen=True)
class Line:
    code: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal
    sources: tuple = ()
    label: str = ""


@dataclass(frozen=True)
class StudentPeriod:
    days: Sequence[Day]
    assessment_passed_on: date | None = None
    support_duty: bool = False
    awards: Sequence[Credit] = ()
    prize_shares: Sequence[Credit] = ()
    incidents: Sequence[Incident] = ()


@dataclass(frozen=True)
class Stipend:
    lines: tuple[Line, ...]
    earned: Decimal
    liability: Decimal
    gross: Decimal


def _day_line(code: str, days: Iterable[Day], rate: Decimal) -> Line | None:
    days = list(days)
    if not days:
        return None
    sources = tuple((d.day, d.record_id) for d in days)
    return Line(code, Decimal(len(days)), rate, money(rate * len(days)), sources)


def _overtime_line(days: Iterable[Day], card: RateCard) -> Line | None:
    over = [(d, d.online_hours - card.overtime_threshold_hours) for d in days
            if d.online_hours > card.overtime_threshold_hours]
    if not over:
        return None
    hours = sum((h for _, h in over), ZERO)
    sources = tuple((d.day, d.record_id, h) for d, h in over)
    return Line("overtime", hours, card.overtime_hour, money(hours * card.overtime_hour), sources)


def incident_share(incident: Incident, card: RateCard) -> Decimal:
    """What the student bears for one incident."""
    if incident.level == "cash":
        if incident.cash_amount is None or incident.cash_amount < 0:
            raise ValueError(f"incident {incident.id}: cash compensation needs a non-negative amount")
        return money(incident.cash_amount)
    try:
        return card.penalties[incident.level].student_share
    except KeyError:
        raise ValueError(f"incident {incident.id}: unknown level {incident.level!r}") from None


def stipend_lines(period: StudentPeriod, card: RateCard) -> Stipend:
    """The statement lines for one student and period; see the module docstring."""
    lines: list[Line | None] = []
    if period.support_duty:
        attended = [d for d in period.days if d.kind not in ("rest", "tbd") and d.presence in WORKED]
        on_time = [d for d in attended if d.presence == "present"]
        if len(attended) >= card.support_min_days:
            lines.append(_day_line("support_duty", on_time, card.support_day))
    else:
        passed = period.assessment_passed_on
        training = [d for d in period.days if d.kind in TRAINING_KINDS and d.presence in WORKED
                    and passed is not None and d.day >= passed]
        worked = [d for d in period.days if d.kind in CUSTOMER_KINDS and d.presence in WORKED]
        lines += [_day_line("training_days", training, card.training_day),
                  _day_line("practice_days", worked, card.practice_day),
                  _overtime_line(worked, card)]
    for credit, code in [(a, "award") for a in period.awards] + [(p, "team_prize") for p in period.prize_shares]:
        lines.append(Line(code, Decimal(1), money(credit.amount), money(credit.amount), (credit.id,), credit.label))
    kept = [line for line in lines if line is not None]
    earned = sum((line.amount for line in kept), ZERO)

    liability = ZERO
    for incident in sorted(period.incidents, key=lambda i: (i.day, i.id)):
        share = incident_share(incident, card)
        liability += share
        kept.append(Line("penalty", Decimal(1), -share, -share, (incident.id,), incident.level))
    if liability > earned:
        kept.append(Line("liability_cap", Decimal(1), liability - earned, liability - earned,
                         tuple(i.id for i in period.incidents)))
    gross = earned - min(liability, earned)
    return Stipend(tuple(kept), money(earned), money(liability), money(gross))
