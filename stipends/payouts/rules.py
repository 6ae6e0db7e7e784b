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
- nothing for a day after the last day of a student who left
  (``programs.attendance.rules.recordable_day``), whatever is recorded;
- support duty (failed the assessment three times): ``support_day`` per day
  attended on time, and nothing at all below ``support_min_days`` days
  attended; such a student earns no training or practice pay;
- awards and team-prize shares are added;
- each incident deducts the student's share of its level, or the actual
  amount for cash compensation;
- the total liability never exceeds what the student earned: a ``cap`` line
  gives back the excess, so the gross is never negative.

Pure rules of payout batches: no ORM, plain values in and out.

- :func:`line_record` turns a :class:`stipends.rules.Line` into the JSON a
  frozen item keeps (dates as ISO text, Decimals as text), with a ``key``
  that says which earlier line it continues: the rule's code for day, hour
  and cap lines, the code and record id for an award, prize or incident.
- :func:`adjustment` compares a statement computed now with everything
  already frozen for the student and returns only the difference, line by
  line, so a later batch pays what changed and never pays twice.
- :func:`internship_months` counts the months for the cumulative tax method.
- :func:`batch_findings` lists what a second finance user checks before
  approving.
- :func:`match_bank_result` pairs the bank's result rows (read by
  :mod:`stipends.payouts.imports`) with the batch's items, all or nothing.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import itemgetter
from statistics import median
from typing import NamedTuple

from programs.agreements.rules import CUSTOMER_KINDS, TRAINING_KINDS
from programs.attendance.rules import recordable_day
from programs.students.rules import CARD_INVALID, CARD_LUHN, CARD_MISSING, CARD_OK, card_check  # noqa: F401
from trainingweek.money import ZERO, money

# Training and customer-service day kinds: declared once, in programs.agreements.rules.


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


# The records a statement is computed from are plain tuples: attendance
# alone gives 300,000 days for 10,000 students × 30 days, and a tuple costs a
# fraction of an object to make. The named tuples below document their
# fields (and are what tests and worked examples write); the rules take any
# tuple of the same shape, e.g. a row of ``values_list``.
class Day(NamedTuple):
    """One day of a student's programme as attendance recorded it."""

    day: date
    kind: str  # an attendance day kind: training | intensive | practice | pre_sale | after_sale | rest | other (tbd)
    presence: str  # present | late | absent | leave | rest | truant
    online_hours: Decimal | None = ZERO  # None: none recorded (nothing over the threshold)
    record_id: int | None = None
    enrolment_id: int | None = None  # whose day (the rules do not read it: the period is one student's)


class Credit(NamedTuple):
    """An award or a share of a team prize."""

    id: str
    label: str
    amount: Decimal


class Incident(NamedTuple):
    id: int
    day: date
    level: str  # "1".."4" or "cash"
    cash_amount: Decimal | None = None


class Line(NamedTuple):
    code: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal
    sources: tuple = ()
    label: str = ""


class StudentPeriod(NamedTuple):
    days: Sequence[Day]
    assessment_passed_on: date | None = None
    support_duty: bool = False
    awards: Sequence[Credit] = ()
    prize_shares: Sequence[Credit] = ()
    incidents: Sequence[Incident] = ()
    last_day: date | None = None  # the last day of a student who left; None: still here


class Stipend(NamedTuple):
    lines: tuple[Line, ...]
    earned: Decimal
    liability: Decimal
    gross: Decimal


# The kinds of day a student attends for pay: a phase's (never a rest day or
# a day outside the phases).
PHASE_KINDS = TRAINING_KINDS | CUSTOMER_KINDS
ONE = Decimal(1)


def _day_line(code: str, sources: list[tuple], rate: Decimal) -> Line | None:
    """A line paying ``rate`` per day; ``sources`` are the days' (day, record id)."""
    if not sources:
        return None
    n = len(sources)
    return Line(code, Decimal(n), rate, money(rate * n), tuple(sources))


_HOURS_OVER = itemgetter(2)


def _overtime_line(over: list[tuple], card: RateCard) -> Line | None:
    """``over``: (day, record id, hours above the threshold) of each worked day with overtime."""
    if not over:
        return None
    hours = sum(map(_HOURS_OVER, over), ZERO)
    return Line("overtime", hours, card.overtime_hour, money(hours * card.overtime_hour), tuple(over))


def incident_share(incident: Incident, card: RateCard) -> Decimal:
    """What the student bears for one incident."""
    incident_id, _day, level, cash_amount = incident
    if level == "cash":
        if cash_amount is None or cash_amount < 0:
            raise ValueError(f"incident {incident_id}: cash compensation needs a non-negative amount")
        return money(cash_amount)
    try:
        return card.penalties[level].student_share
    except KeyError:
        raise ValueError(f"incident {incident_id}: unknown level {level!r}") from None


def stipend_lines(period: StudentPeriod, card: RateCard) -> Stipend:
    """The statement lines for one student and period; see the module docstring.

    One pass over the days sorts each worked day into the line it pays (the
    hot loop of a payout batch: every student's every day)."""
    lines: list[Line | None] = []
    days = period.days
    if period.last_day is not None:
        days = [d for d in days if recordable_day(d[0], last_day=period.last_day)]
    if period.support_duty:
        attended = 0
        on_time = []
        for day, kind, presence, _hours, record_id, _student in days:
            if kind in PHASE_KINDS and presence in WORKED:
                attended += 1
                if presence == "present":
                    on_time.append((day, record_id))
        if attended >= card.support_min_days:
            lines.append(_day_line("support_duty", on_time, card.support_day))
    else:
        passed = period.assessment_passed_on
        threshold = card.overtime_threshold_hours
        training, worked, over = [], [], []
        # Local names: this loop runs once per student and day.
        worked_day, over_day, customer, trained = worked.append, over.append, CUSTOMER_KINDS, TRAINING_KINDS
        for day, kind, presence, hours, record_id, _student in days:
            if presence not in WORKED:
                continue
            if kind in customer:
                worked_day((day, record_id))
                if hours is not None and hours > threshold:  # None: no hours recorded, none over
                    over_day((day, record_id, hours - threshold))
            elif kind in trained and passed is not None and day >= passed:
                training.append((day, record_id))
        lines += [_day_line("training_days", training, card.training_day),
                  _day_line("practice_days", worked, card.practice_day),
                  _overtime_line(over, card)]
    kept = [line for line in lines if line is not None]
    for code, credits in (("award", period.awards), ("team_prize", period.prize_shares)):
        for credit_id, label, amount in credits:
            amount = money(amount)
            kept.append(Line(code, ONE, amount, amount, (credit_id,), label))
    earned = ZERO
    for line in kept:
        earned += line.amount

    liability = ZERO
    if period.incidents:
        for incident in sorted(period.incidents, key=lambda i: (i[1], i[0])):
            share = incident_share(incident, card)
            liability += share
            kept.append(Line("penalty", ONE, -share, -share, (incident[0],), incident[2]))
        if liability > earned:
            kept.append(Line("liability_cap", ONE, liability - earned, liability - earned,
                             tuple(i[0] for i in period.incidents)))
    gross = earned - min(liability, earned)
    return Stipend(tuple(kept), money(earned), money(liability), money(gross))


PER_RECORD_CODES = frozenset({"award", "team_prize", "penalty"})


_AS_IS = frozenset({int, str, bool, float, type(None)})


def _plain(value):
    """JSON-ready: dates as ISO text, Decimals as text, tuples as lists, at any depth."""
    kind = type(value)
    if kind is tuple or kind is list:
        # A freeze converts ~1.3 million sources at 10,000 students: the usual
        # element kinds (record ids, days) are handled here without a call each.
        return [v if type(v) in _AS_IS else v.isoformat() if type(v) is date else _plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


#: The lines whose sources are (day, record id) pairs; overtime's add the hours over the threshold.
DAY_LINE_CODES = frozenset({"training_days", "practice_days", "support_duty"})


class _IsoDays(dict):
    """Each day's ISO text, made once: a programme has a few hundred days, a freeze writes 300,000 of them."""

    def __missing__(self, day):
        self[day] = text = day.isoformat()
        return text


_ISO_DAYS = _IsoDays()


def _plain_sources(code: str, sources: Sequence) -> list:
    """``sources`` as JSON values, as :func:`_plain` makes them, without a call
    per value for the day lines' (day, record id[, hours]) that
    :func:`stipend_lines` makes: a batch of 10,000 students × 30 days
    converts some 300,000 of them.

    >>> _plain_sources("overtime", [(date(2020, 10, 27), 7, Decimal("2.0"))])
    [['2020-10-27', 7, '2.0']]
    """
    iso = _ISO_DAYS
    if code == "overtime":
        return [[iso[day], record_id, str(hours)] for day, record_id, hours in sources]
    if code in DAY_LINE_CODES:
        return [[iso[day], record_id] for day, record_id in sources]
    return _plain(sources)


def line_key(code: str, sources: Sequence) -> str:
    """Which earlier line a line continues (see the module docstring)."""
    if code in PER_RECORD_CODES and sources:
        return f"{code}:{sources[0]}"
    return code


def line_record(line: Line) -> dict:
    """A statement line as JSON-ready values."""
    sources = _plain_sources(line.code, line.sources)
    return {"key": line_key(line.code, sources), "code": line.code, "label": line.label,
            "quantity": str(line.quantity), "rate": str(line.rate), "amount": str(money(line.amount)),
            "sources": sources, "removed": []}


def _source_id(source) -> str:
    return repr(source)


def adjustment(current: Sequence[dict], frozen: Iterable[Sequence[dict]]) -> list[dict]:
    """The lines still to pay: ``current`` (the statement now, as
    :func:`line_record` dicts) less every earlier frozen item's lines.

    Lines are matched by ``key``. An unchanged line drops out; a changed one
    carries the differences of quantity and amount, the records added since
    (``sources``) and those gone (``removed``); a line gone altogether comes
    back negative. With nothing frozen the statement itself is returned. The
    amounts of the result add up to current gross − frozen gross.

    >>> a = {"key": "practice_days", "code": "practice_days", "label": "", "quantity": "2",
    ...      "rate": "80.00", "amount": "160.00", "sources": [["2020-11-01", 1], ["2020-11-02", 2]], "removed": []}
    >>> b = dict(a, quantity="3", amount="240.00", sources=a["sources"] + [["2020-11-03", 3]])
    >>> [(x["quantity"], x["amount"], x["sources"]) for x in adjustment([b], [[a]])]
    [('1', '80.00', [['2020-11-03', 3]])]
    """
    before: dict[str, dict] = {}
    for lines in frozen:
        for line in lines:
            seen = before.setdefault(line["key"], {"quantity": Decimal(0), "amount": ZERO, "sources": {},
                                                   "code": line["code"], "label": line["label"],
                                                   "rate": line["rate"]})
            seen["quantity"] += Decimal(line["quantity"])
            seen["amount"] += Decimal(line["amount"])
            for s in line["sources"]:
                seen["sources"][_source_id(s)] = s
            for s in line.get("removed", []):
                seen["sources"].pop(_source_id(s), None)
    result = []
    now_keys = set()
    for line in current:
        now_keys.add(line["key"])
        old = before.get(line["key"])
        if old is None:
            result.append(dict(line))
            continue
        quantity = Decimal(line["quantity"]) - old["quantity"]
        amount = Decimal(line["amount"]) - old["amount"]
        now_sources = {_source_id(s): s for s in line["sources"]}
        added = [s for k, s in now_sources.items() if k not in old["sources"]]
        removed = [s for k, s in old["sources"].items() if k not in now_sources]
        if amount == 0 and quantity == 0 and not added and not removed:
            continue
        result.append({**line, "quantity": str(quantity), "amount": str(money(amount)), "sources": added,
                       "removed": removed, "adjusts": str(money(old["amount"]))})
    for key, old in before.items():
        if key in now_keys or (old["amount"] == 0 and old["quantity"] == 0):
            continue
        result.append({"key": key, "code": old["code"], "label": old["label"], "quantity": str(-old["quantity"]),
                       "rate": old["rate"], "amount": str(money(-old["amount"])), "sources": [],
                       "removed": list(old["sources"].values()), "adjusts": str(money(old["amount"]))})
    return result


def lines_total(lines: Iterable[dict]) -> Decimal:
    """The total of frozen statement lines, to the cent."""
    return money(sum((Decimal(line["amount"]) for line in lines), ZERO))


# --------------------------------------------------------------------------- overpayments and recovery
#: Lines a payment adds beside the statement's own: they settle what a student
#: owes and are never compared with the statement (see :func:`statement_part`).
RECOVERY = "recovery"  # taken back from this payment: what was overpaid before (negative)
OWED = "owed_carried"  # a downward correction this payment could not deduct: stays owed (positive)
SETTLING_CODES = frozenset({RECOVERY, OWED})


def statement_part(lines: Iterable[dict]) -> list[dict]:
    """A frozen item's statement lines, without its recovery and owed lines
    (what :func:`adjustment` compares the statement now with)."""
    return [line for line in lines if line["code"] not in SETTLING_CODES]


def owed_from(frozen: Iterable[Sequence[dict]]) -> Decimal:
    """What a student still owes after the frozen items ``frozen`` (each a
    list of lines, once per payment key): every amount carried as owed less
    every amount recovered since.

    >>> owed_from([[{"code": "penalty", "amount": "-50.00"}, {"code": OWED, "amount": "50.00"}],
    ...            [{"code": "practice_days", "amount": "30.00"}, {"code": RECOVERY, "amount": "-30.00"}]])
    Decimal('20.00')
    """
    return money(sum((Decimal(line["amount"]) for lines in frozen for line in lines
                      if line["code"] in SETTLING_CODES), ZERO))


@dataclass(frozen=True)
class Settlement:
    """One payment of one student once what they owe is settled.

    ``change`` is what the statement moved since everything frozen before
    (the sum of the :func:`adjustment` lines: negative after a correction
    downwards, such as an incident confirmed after the student was paid).
    ``gross`` is what this payment pays before tax, never negative;
    ``recovered`` what it takes back of ``owed_before``; ``carried`` the part
    of a downward change it could not deduct, now owed; ``owed_after`` what
    the student still owes afterwards."""

    change: Decimal
    owed_before: Decimal
    gross: Decimal
    recovered: Decimal
    carried: Decimal
    owed_after: Decimal


def settle(change: Decimal, owed_before: Decimal = ZERO) -> Settlement:
    """Settle one payment: recovery = min(owed, this payment's gross before
    recovery); a negative change is never paid negative but carried as owed.

    The amounts keep one invariant over any sequence of payments: what was
    paid in total less what is still owed equals the statement to date
    (``paid − owed == due``), so nothing is recovered twice and an
    overpayment is never lost.

    Tax: the recovery reduces taxable pay. It corrects earlier pay rather
    than being a new charge on the student, so the tax is computed on the
    payment's ``gross`` after recovery. By the cumulative method this makes
    this year's cumulative pay (payments before + this gross) the corrected
    pay to date, and the cumulative tax is recomputed on it; tax already
    withheld on the overpaid amount is not refunded through payroll (the
    method never withholds below zero; the student's annual reconciliation
    settles it). By the per-payment method each payment is taxed on what it
    actually pays, so recovered money is not taxed a second time.

    Worked examples (a level-2 incident, 50.00, confirmed after 800.00 was paid):

    >>> s = settle(Decimal("-50.00"))                    # the next batch: nothing new
    >>> (s.gross, s.recovered, s.carried, s.owed_after)
    (Decimal('0.00'), Decimal('0.00'), Decimal('50.00'), Decimal('50.00'))
    >>> s = settle(Decimal("30.00"), Decimal("50.00"))   # 30.00 earned since: all of it recovered
    >>> (s.gross, s.recovered, s.owed_after)
    (Decimal('0.00'), Decimal('30.00'), Decimal('20.00'))
    >>> s = settle(Decimal("160.00"), Decimal("20.00"))  # two more days: the rest recovered, 140.00 paid
    >>> (s.gross, s.recovered, s.owed_after)
    (Decimal('140.00'), Decimal('20.00'), Decimal('0.00'))
    """
    change, owed_before = money(change), money(owed_before)
    if owed_before < 0:
        raise ValueError("what a student owes is never negative")
    before_recovery = max(ZERO, change)
    recovered = min(owed_before, before_recovery)
    carried = max(ZERO, -change)
    return Settlement(change, owed_before, before_recovery - recovered, recovered, carried,
                      owed_before - recovered + carried)


def settling_lines(settlement: Settlement) -> list[dict]:
    """The recovery and owed lines a payment adds (as :func:`line_record`
    dicts), so its lines add up to its gross and the statement shows why."""
    lines = []
    common = {"label": "", "quantity": "1", "sources": [], "removed": [],
              "owed_before": str(settlement.owed_before), "owed_after": str(settlement.owed_after)}
    if settlement.recovered:
        amount = str(-settlement.recovered)
        lines.append({"key": RECOVERY, "code": RECOVERY, "rate": amount, "amount": amount, **common})
    if settlement.carried:
        amount = str(settlement.carried)
        lines.append({"key": OWED, "code": OWED, "rate": amount, "amount": amount, **common})
    return lines


@dataclass(frozen=True)
class Balance:
    """Where a student stands: ``paid`` (gross of every payment frozen so
    far), ``due`` (the statement to date), ``now_due`` (what the next payment
    pays before tax) and ``owed`` (paid beyond what is due: recovered from
    the next payments)."""

    paid: Decimal
    due: Decimal
    now_due: Decimal
    owed: Decimal


def balance(*, paid: Decimal, due: Decimal) -> Balance:
    """owed = max(0, paid − due); now due = max(0, due − paid).

    >>> balance(paid=Decimal("800.00"), due=Decimal("750.00"))
    Balance(paid=Decimal('800.00'), due=Decimal('750.00'), now_due=Decimal('0.00'), owed=Decimal('50.00'))
    """
    paid, due = money(paid), money(due)
    return Balance(paid, due, max(ZERO, due - paid), max(ZERO, paid - due))


def internship_months(ranges: Iterable[tuple[date, date]], pay_on: date) -> int:
    """Months of internship with this payer in ``pay_on``'s tax year, this
    one included, for the cumulative tax method: the calendar months that a
    phase of the programme touches, from January of that year up to the
    payment month. At least one.

    >>> internship_months([(date(2020, 10, 14), date(2020, 11, 30))], date(2020, 12, 20))
    2
    """
    months = set()
    for start, end in ranges:
        first = max(start, date(pay_on.year, 1, 1))
        last = min(end, pay_on)
        y, m = first.year, first.month
        while (y, m) <= (last.year, last.month):
            months.add((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return max(1, len(months))


# --------------------------------------------------------------------------- checks before approval
@dataclass(frozen=True)
class CheckItem:
    """What the checks need of one frozen item (``account_check``: what
    :func:`account_check` said of its card when the card was frozen)."""

    id: int
    name: str
    class_name: str
    account_check: str
    account_digest: str
    account_name: str
    gross: Decimal
    net: Decimal
    at_cap: bool
    owed: Decimal = ZERO  # what the student still owes after this payment
    recovered: Decimal = ZERO  # what this payment takes back


#: The one-word card check kept beside the student's card and each item's
#: account (programs.students.rules.card_check: the one bank-card rule).
account_check = card_check


def settling_part(lines: Sequence[dict]) -> list[dict]:
    """The recovery and owed lines among a frozen item's lines (what the
    checks and the owed balance read, without the rest of the lines).

    >>> settling_part([{"code": "practice_days", "amount": "80.00"}, {"code": OWED, "amount": "20.00"}])
    [{'code': 'owed_carried', 'amount': '20.00'}]
    """
    return [line for line in lines or () if line.get("code") in SETTLING_CODES]


@dataclass
class Finding:
    kind: str  # no_account | bad_account | luhn | shared_account | name_differs | outlier | at_cap | owed | zero_net
    item_ids: list[int]
    detail: str = ""
    blocking: bool = False


FINDING_ORDER = ["no_account", "bad_account", "shared_account", "luhn", "name_differs", "outlier", "at_cap",
                 "owed", "zero_net"]


def batch_findings(items: Sequence[CheckItem], *, outlier_ratio: Decimal = Decimal("0.5"),
                   owing: Sequence[tuple[str, Decimal]] = ()) -> list[Finding]:
    """What to look at before approving, worst first.

    Blocking (the batch cannot be approved): a missing bank card, or one that
    is not 15–19 digits. Warnings: a Luhn failure (many real cards fail it),
    one account for several students (by keyed digest), an account holder on
    file who is not the student, a gross more than ``outlier_ratio`` away
    from the class median (classes of 3 or more), a student at the liability
    cap, a student who was overpaid (an item that recovers money or still
    leaves some owed, and ``owing``: (name, owed) of students of the batch's
    scope without an item in it who still owe), a zero net.
    """
    return with_owing(item_findings(items, outlier_ratio=outlier_ratio), owing)


def item_findings(items: Sequence[CheckItem], *, outlier_ratio: Decimal = Decimal("0.5")) -> list[Finding]:
    """The findings of :func:`batch_findings` that come from the batch's own
    items alone (everything but ``owing``), worst first: they change only
    when the items do, so a batch keeps them (``PayoutBatch.item_checks``)."""
    findings: list[Finding] = []
    by_digest = defaultdict(list)
    by_class = defaultdict(list)
    for item in items:
        by_class[item.class_name].append(item.gross)
        if item.account_check == CARD_MISSING:
            findings.append(Finding("no_account", [item.id], item.name, blocking=True))
            continue
        if item.account_check not in (CARD_OK, CARD_LUHN):  # invalid, or never checked
            findings.append(Finding("bad_account", [item.id], item.name, blocking=True))
            continue
        if item.account_check == CARD_LUHN:
            findings.append(Finding("luhn", [item.id], item.name))
        by_digest[item.account_digest].append(item)
    for group in by_digest.values():
        if len(group) > 1:
            findings.append(Finding("shared_account", [i.id for i in group], "、".join(i.name for i in group)))
    medians = {name: median(values) for name, values in by_class.items() if len(values) >= 3}
    for item in items:
        if item.account_name and item.account_name != item.name:
            findings.append(Finding("name_differs", [item.id], f"{item.name} ≠ {item.account_name}"))
        mid = medians.get(item.class_name)
        if mid and abs(item.gross - mid) > mid * outlier_ratio:
            findings.append(Finding("outlier", [item.id], f"{item.name}: {item.gross} / {money(mid)}"))
        if item.at_cap:
            findings.append(Finding("at_cap", [item.id], item.name))
        if item.owed or item.recovered:
            findings.append(Finding("owed", [item.id], f"{item.name}: {money(item.recovered)} / {money(item.owed)}"))
        if item.net == 0:
            findings.append(Finding("zero_net", [item.id], item.name))
    findings.sort(key=lambda f: FINDING_ORDER.index(f.kind))
    return findings


def with_owing(findings: Sequence[Finding], owing: Sequence[tuple[str, Decimal]]) -> list[Finding]:
    """``findings`` (of :func:`item_findings`) with an "owed" finding for each
    (name, owed) of ``owing``, worst first (a stable sort: the items' order kept).

    >>> [(f.kind, f.detail) for f in with_owing([Finding("zero_net", [1], "甲")], [("乙", Decimal("50"))])]
    [('owed', '乙: 0.00 / 50.00'), ('zero_net', '甲')]
    """
    found = list(findings) + [Finding("owed", [], f"{name}: {money(ZERO)} / {money(owed)}") for name, owed in owing]
    found.sort(key=lambda f: FINDING_ORDER.index(f.kind))
    return found


# --------------------------------------------------------------------------- the bank's result file
@dataclass(frozen=True)
class ResultRow:
    """One transfer in the bank's result file (its row number as Excel shows it)."""

    row: int
    account: str
    name: str
    amount: Decimal
    paid: bool
    reason: str


@dataclass(frozen=True)
class PayableItem:
    id: int
    account: str
    name: str
    net: Decimal


@dataclass
class Matched:
    outcome: dict[int, tuple[bool, str]] = field(default_factory=dict)  # item id -> (paid, reason)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, code, detail)


def match_bank_result(items: Sequence[PayableItem], rows: Sequence[ResultRow]) -> Matched:
    """Pair each result row with one item by account and name, checking the
    amount. Every item must get exactly one row: an unknown row, a wrong
    amount, a second row for the same item, or an item without a row is an
    error (row 0 for items missing from the file)."""
    matched = Matched()
    waiting = defaultdict(list)
    for item in items:
        waiting[(item.account, item.name)].append(item)
    used = Counter()
    touched = set()
    for row in rows:
        candidates = waiting.get((row.account, row.name), [])
        index = used[(row.account, row.name)]
        if not candidates:
            matched.errors.append((row.row, "unknown", row.name))
            continue
        if index >= len(candidates):
            matched.errors.append((row.row, "duplicate", row.name))
            continue
        item = candidates[index]
        used[(row.account, row.name)] += 1
        touched.add(item.id)
        if item.net != row.amount:
            matched.errors.append((row.row, "amount", f"{row.amount} ≠ {item.net}"))
            continue
        matched.outcome[item.id] = (row.paid, "" if row.paid else (row.reason or "—"))
    for item in items:
        if item.id not in touched:
            matched.errors.append((0, "missing", item.name))
    return matched


@dataclass(frozen=True)
class Bracket:
    upto: Decimal | None  # inclusive upper bound of taxable income; None: no bound
    rate: Decimal
    quick_deduction: Decimal


@dataclass(frozen=True)
class TaxTable:
    key: str
    method: str
    title: str
    source: str
    valid_from: date
    brackets: tuple[Bracket, ...]
    income_ratio: Decimal
    monthly_deduction: Decimal = ZERO
    flat_deduction: Decimal = ZERO
    flat_deduction_upto: Decimal = ZERO

    def bracket_for(self, taxable: Decimal) -> Bracket:
        for bracket in self.brackets:
            if bracket.upto is None or taxable <= bracket.upto:
                return bracket
        raise ValueError(f"{self.key}: the last bracket must be open-ended")


@dataclass(frozen=True)
class TaxResult:
    """The tax to withhold now, with the figures that led to it."""

    tax: Decimal
    taxable: Decimal
    rate: Decimal
    quick_deduction: Decimal
    table_key: str
    withheld_before: Decimal = ZERO


def intern_cumulative_tax(
    table: TaxTable, *, pay: Decimal, paid_before: Decimal, withheld_before: Decimal, months: int
) -> TaxResult:
    """Tax to withhold on ``pay`` by the cumulative method.

    ``paid_before`` and ``withheld_before`` are this payer's earlier payments
    and withholdings to the same person in the same tax year; ``months`` the
    months of internship with this payer this year, this one included.

    Worked example: 3,000 paid before, 2,500 now, 2 months:
    income (5,500 × 0.8 = 4,400) − 10,000 < 0 → 0.00.
    """
    if table.method != "intern_cumulative":
        raise ValueError(f"{table.key} is not a cumulative-method table")
    if months < 1:
        raise ValueError("an internship payment covers at least one month")
    income = (Decimal(paid_before) + Decimal(pay)) * table.income_ratio
    taxable = max(ZERO, income - table.monthly_deduction * months)
    bracket = table.bracket_for(taxable)
    cumulative_tax = taxable * bracket.rate - bracket.quick_deduction
    tax = money(max(ZERO, cumulative_tax - Decimal(withheld_before)))
    return TaxResult(tax, money(taxable), bracket.rate, bracket.quick_deduction, table.key, money(withheld_before))


def labour_per_payment_tax(table: TaxTable, *, pay: Decimal) -> TaxResult:
    """Tax to withhold on one labour-remuneration payment.

    >>> from stipends.payouts.selectors import load_table  # the table is data, read by the selector
    >>> labour_per_payment_tax(load_table("cn-iit-labour-2019"), pay=Decimal("1810")).tax
    Decimal('202.00')
    """
    if table.method != "labour_per_payment":
        raise ValueError(f"{table.key} is not a per-payment table")
    pay = Decimal(pay)
    if pay <= table.flat_deduction_upto:
        income = max(ZERO, pay - table.flat_deduction)
    else:
        income = pay * table.income_ratio
    bracket = table.bracket_for(income)
    tax = money(max(ZERO, income * bracket.rate - bracket.quick_deduction))
    return TaxResult(tax, money(income), bracket.rate, bracket.quick_deduction, table.key)


# --------------------------------------------------------------------------- when the stipends were paid
@dataclass(frozen=True)
class ReconciledBatch:
    """A reconciled payout batch as plain values: its class (None: the whole
    programme), the last day its records reach (its "records up to" day, else
    the day it was computed) and the day the bank's result was applied."""

    school_class_id: int | None
    records_to: date
    reconciled_on: date


def stipends_paid_on(*, class_ids: Iterable[int], batches: Iterable[ReconciledBatch], outstanding: int,
                     programme_end: date | None) -> date | None:
    """The day a programme's stipends count as paid, or None while they are not.

    They are paid once (1) every class with students is covered by a reconciled
    batch — of the whole programme or of that class — whose records reach the
    programme's last day (so nothing earned later is left out), and (2) no
    transfer is outstanding (``outstanding``: items of approved or exported
    batches still waiting for the bank, failed items not yet paid by a
    retry). The day is then the last reconciliation of the programme's
    batches: the day the bank confirmed the last of the money.

    >>> end = date(2018, 11, 30)
    >>> full = ReconciledBatch(None, date(2018, 12, 10), date(2018, 12, 20))
    >>> stipends_paid_on(class_ids=[1, 2], batches=[full], outstanding=0, programme_end=end)
    datetime.date(2018, 12, 20)
    >>> stipends_paid_on(class_ids=[1, 2], batches=[full], outstanding=1, programme_end=end) is None
    True
    >>> early = ReconciledBatch(None, date(2018, 11, 15), date(2018, 11, 20))
    >>> stipends_paid_on(class_ids=[1], batches=[early], outstanding=0, programme_end=end) is None
    True
    >>> one_class = ReconciledBatch(1, date(2018, 12, 1), date(2018, 12, 5))
    >>> stipends_paid_on(class_ids=[1, 2], batches=[one_class], outstanding=0, programme_end=end) is None
    True
    """
    batches = list(batches)
    classes = set(class_ids)
    if not classes or not batches or outstanding:
        return None
    covering = [b for b in batches if programme_end is None or b.records_to >= programme_end]
    if not any(b.school_class_id is None for b in covering):
        if not classes <= {b.school_class_id for b in covering}:
            return None
    return max(b.reconciled_on for b in batches)


# --------------------------------------------------------------------------- bank file layouts
class Transfer(NamedTuple):
    """One transfer of a bank file, as plain values."""

    account: str
    account_name: str
    amount: Decimal
    bank_name: str = ""
    bank_branch: str = ""
    note: str = ""


@dataclass(frozen=True)
class BankColumn:
    """A column of a bank's upload sheet: its fixed header, which value of a
    :class:`Transfer` it holds (``account``, ``account_name``, ``amount``,
    ``purpose``, ``note``, ``payee_bank``, ``region``, ``province``,
    ``city``), and its width."""

    header: str
    value: str
    width: float = 14


@dataclass(frozen=True)
class BankFileProfile:
    """A paying bank's bulk-transfer upload layout: a header row, then one
    row per transfer (no title, no total). ``bank`` names the paying bank
    as payees' bank names contain it: the payee-bank columns are filled only
    for payees at another bank (empty: always)."""

    key: str
    label: str
    columns: tuple[BankColumn, ...]
    bank: str = ""
    purpose: str = "劳务费"


BANK_FILE_PROFILES = {p.key: p for p in (
    BankFileProfile("plain", "通用代发表", (
        BankColumn("账号", "account", 26), BankColumn("户名", "account_name"), BankColumn("金额", "amount"),
        BankColumn("用途", "purpose", 10))),
    BankFileProfile("cmb", "招商银行", (
        BankColumn("账号", "account", 26), BankColumn("户名", "account_name"), BankColumn("金额", "amount"),
        BankColumn("开户行", "payee_bank", 30), BankColumn("开户地区", "region")), bank="招商银行"),
    BankFileProfile("icbc", "中国工商银行", (
        BankColumn("收款账号", "account", 26), BankColumn("收款账号名称", "account_name"), BankColumn("金额", "amount"),
        BankColumn("汇款用途", "purpose", 10), BankColumn("备注", "note", 16),
        BankColumn("收款账号开户行", "payee_bank", 30), BankColumn("省份", "province", 10),
        BankColumn("城市", "city", 10)), bank="工商银行"),
)}
DEFAULT_BANK_FILE_PROFILE = "plain"


def other_bank(profile: BankFileProfile, bank_name: str) -> bool:
    """Is the payee's card at another bank than the paying one?

    >>> other_bank(BANK_FILE_PROFILES["cmb"], "招商银行长沙分行"), other_bank(BANK_FILE_PROFILES["cmb"], "中国银行")
    (False, True)
    """
    return not profile.bank or profile.bank not in bank_name


def bank_file_rows(profile: BankFileProfile, transfers: Sequence[Transfer]) -> list[tuple]:
    """The upload sheet's rows: one per transfer, one value per column of
    ``profile``. The payee's bank and branch go in only for payees at
    another bank; region, province and city are not on record (empty)."""
    rows = []
    for t in transfers:
        elsewhere = other_bank(profile, t.bank_name)
        values = {"account": t.account, "account_name": t.account_name, "amount": t.amount,
                  "purpose": profile.purpose, "note": t.note,
                  "payee_bank": f"{t.bank_name}{t.bank_branch}" if elsewhere else "",
                  "region": "", "province": "", "city": ""}
        rows.append(tuple(values[c.value] for c in profile.columns))
    return rows


def control_total(amounts: Sequence[Decimal]) -> tuple[int, Decimal]:
    """The count and sum of a bank file's transfers, to check against the bank's receipt.

    >>> control_total([Decimal("800.00"), Decimal("900.50")])
    (2, Decimal('1700.50'))
    """
    return len(amounts), money(sum(amounts, ZERO))


def prepared_in_background(transfers: int, *, direct_max: int) -> bool:
    """Is a bank file of ``transfers`` rows prepared by a background job
    rather than built within the request (more than ``direct_max`` rows)?

    >>> prepared_in_background(2000, direct_max=2000), prepared_in_background(2001, direct_max=2000)
    (False, True)
    """
    return transfers > direct_max
