"""The statement computation as it was before it was made fast (rules and
selector, kept verbatim apart from imports): the reference the equivalence
tests compare the current code with. Frozen dataclasses per day, the
selector's kind and hours conversion, a recursive conversion of sources.
Not used by the application."""

# ruff: noqa

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from programs.agreements import rules as day_kinds
from programs.agreements.models import Programme
from programs.agreements.rules import CUSTOMER_KINDS, TRAINING_KINDS
from programs.attendance.models import Attendance
from programs.attendance.rules import recordable_day
from programs.attendance.selectors import last_days
from stipends.payouts import selectors
from stipends.payouts.models import StipendProfile
from stipends.payouts.rules import RateCard
from trainingweek.money import ZERO, money

WORKED = frozenset({"present", "late"})

DAY_KINDS = {**{k: k for k in day_kinds.DAY_KINDS}, day_kinds.DAY_OTHER: "tbd"}


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
    last_day: date | None = None  # the last day of a student who left; None: still here


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
    days = [d for d in period.days if recordable_day(d.day, last_day=period.last_day)]
    if period.support_duty:
        attended = [d for d in days if d.kind not in ("rest", "tbd") and d.presence in WORKED]
        on_time = [d for d in attended if d.presence == "present"]
        if len(attended) >= card.support_min_days:
            lines.append(_day_line("support_duty", on_time, card.support_day))
    else:
        passed = period.assessment_passed_on
        training = [d for d in days if d.kind in TRAINING_KINDS and d.presence in WORKED
                    and passed is not None and d.day >= passed]
        worked = [d for d in days if d.kind in CUSTOMER_KINDS and d.presence in WORKED]
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


PER_RECORD_CODES = frozenset({"award", "team_prize", "penalty"})


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def line_key(code: str, sources: Sequence) -> str:
    """Which earlier line a line continues (see the module docstring)."""
    if code in PER_RECORD_CODES and sources:
        return f"{code}:{sources[0]}"
    return code


def line_record(line: Line) -> dict:
    """A statement line as JSON-ready values."""
    sources = _plain(line.sources)
    return {"key": line_key(line.code, sources), "code": line.code, "label": line.label,
            "quantity": str(line.quantity), "rate": str(line.rate), "amount": str(money(line.amount)),
            "sources": sources, "removed": []}



# --------------------------------------------------------------------------- the selector
def student_periods(programme: Programme, enrolment_ids: Sequence[int], up_to: date | None,
                    sources, profiles: dict[int, StipendProfile]) -> dict[int, StudentPeriod]:
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
               sources=None) -> dict[int, Stipend]:
    """The statement to date of each student (pure rules over loaded records)."""
    card = selectors.rate_card(programme).to_rules()
    sources = sources or selectors.Sources.load(programme)
    periods = student_periods(programme, enrolment_ids, up_to, sources, selectors.profiles_for(enrolment_ids))
    return {e: stipend_lines(p, card) for e, p in periods.items()}
