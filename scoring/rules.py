"""The score sheet (成绩评定表): items, weights per programme, the total.

Defaults from the seeds' sheet: school 50 % (obedience 10, learning 10,
teamwork 10, exam 20) and company 50 % (attendance 10, KPI achievement 30,
mentor evaluation 10). Each item is scored 0–100; the total is the weighted
sum, so a student with every item at 100 has 100.

KPI defaults, reading typed or pasted values, team figures: pure rules.

- The default KPIs are the columns of the seeds' team KPI table (2020
  summary: 销售均值, 转化, 留存销售占比, 质检, 一次性解决率, 挽留成功率,
  有效差评率) plus response time and customers served (DESIGN "Scoring").
  Targets and weights are starting points; every one is editable per programme.
- A value is typed or pasted from Excel: ``96,166``, ``62.52%``, ``1:24``
  (minutes:seconds) are all read; a percentage is 0–100, a count a whole
  number, nothing negative. Empty means "no value" (not zero).
- A team's figure for a student-level KPI is the mean of its members' values
  (the seed's 销售均值 is average sales); a team-level KPI has its own value.

KPI achievement, attendance score, team ranking and prizes: pure rules.

- Achievement of one KPI is value ÷ target when higher is better, target ÷
  value when lower is better (response time); a missing value has no
  achievement (it is not a zero). It counts at most twice the target
  (``MAX_ACHIEVEMENT``), so one outlier cannot decide a ranking; for the
  score sheet it is capped at 100 %.
- A composite weights the KPIs that have values and re-normalises the
  weights over them; with no values at all there is no composite.
- Teams are ranked by composite, highest first, ties sharing a rank
  (1, 2, 2, 4); teams without a composite are not ranked.
- Prizes go by rank; tied teams share the prizes of the places they occupy
  equally, to the cent (two teams tied first: (2,000 + 1,500) ÷ 2 each).
"""

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TypeVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programs.agreements.rules import PHASE_AFTER_SALE, PHASE_PRACTICE, PHASE_PRE_SALE
from trainingweek.money import ZERO, money, parse_amount, split_largest_remainder

SCHOOL_ITEMS = ("obedience", "learning", "teamwork", "exam")


COMPANY_ITEMS = ("attendance", "kpi", "mentor")


ITEMS = SCHOOL_ITEMS + COMPANY_ITEMS


COMPUTED_ITEMS = ("attendance", "kpi")  # from records, never typed


DEFAULT_WEIGHTS = {
    "obedience": Decimal(10), "learning": Decimal(10), "teamwork": Decimal(10), "exam": Decimal(20),
    "attendance": Decimal(10), "kpi": Decimal(30), "mentor": Decimal(10),
}


HUNDRED = Decimal(100)


POINT = Decimal("0.01")


def weight_problems(weights: Mapping[str, Decimal]) -> list[str]:
    """Why a set of weights cannot be used (empty when it can): every item
    present, none negative, and together exactly 100."""
    problems = []
    missing = [item for item in ITEMS if item not in weights]
    if missing:
        problems.append(_("Weights are missing for: %(items)s.") % {"items": ", ".join(missing)})
    if any(Decimal(w) < 0 for w in weights.values()):
        problems.append(_("A weight cannot be negative."))
    total = sum((Decimal(w) for w in weights.values()), Decimal(0))
    if total != HUNDRED:
        problems.append(_("The weights add up to %(total)s, not 100.") % {"total": total.normalize()})
    return problems


@dataclass(frozen=True)
class SheetTotal:
    total: Decimal | None  # None while an item is still missing
    weighted: dict[str, Decimal]  # item -> points it contributes
    missing: tuple[str, ...]


def sheet_total(scores: Mapping[str, Decimal | None], weights: Mapping[str, Decimal]) -> SheetTotal:
    """Weighted total of item scores (each 0–100), to two places.

    Worked example: all items 80 except KPI 90 → 80 × 0.7 + 90 × 0.3 = 83.00.
    """
    weighted, missing = {}, []
    for item in ITEMS:
        score = scores.get(item)
        if score is None:
            missing.append(item)
            continue
        if not Decimal(0) <= Decimal(score) <= HUNDRED:
            raise ValueError(f"{item}: a score is between 0 and 100, not {score}")
        weighted[item] = (Decimal(score) * Decimal(weights[item]) / HUNDRED).quantize(POINT, ROUND_HALF_UP)
    total = None if missing else sum(weighted.values(), Decimal(0)).quantize(POINT, ROUND_HALF_UP)
    return SheetTotal(total, weighted, tuple(missing))


AMOUNT, PERCENT, COUNT, SECONDS = "amount", "percent", "count", "seconds"


STUDENT, TEAM = "student", "team"


PLACES = Decimal("0.0001")


MAX_VALUE = Decimal("999999999999")


@dataclass(frozen=True)
class KpiDefault:
    code: str
    name: object  # a lazy translation: created in the language of whoever asks first
    unit: str
    higher_is_better: bool
    target: Decimal
    weight: Decimal
    level: str = STUDENT


DEFAULT_KPIS = (
    KpiDefault("sales", gettext_lazy("Sales"), AMOUNT, True, Decimal("80000"), Decimal(3)),
    KpiDefault("conversion", gettext_lazy("Conversion rate"), PERCENT, True, Decimal("60"), Decimal(2)),
    KpiDefault("retention_share", gettext_lazy("Retention sales share"), PERCENT, True, Decimal("5"), Decimal(1)),
    KpiDefault("qc", gettext_lazy("QC score"), PERCENT, True, Decimal("90"), Decimal(2), TEAM),
    KpiDefault("first_contact", gettext_lazy("First-contact resolution rate"), PERCENT, True, Decimal("95"), Decimal(1)),
    KpiDefault("retention_success", gettext_lazy("Retention success rate"), PERCENT, True, Decimal("5"), Decimal(1)),
    KpiDefault("negative_reviews", gettext_lazy("Valid negative-review rate"), PERCENT, False, Decimal("0.05"),
               Decimal(1), TEAM),
    KpiDefault("response_time", gettext_lazy("Average response time"), SECONDS, False, Decimal("30"), Decimal(1)),
    KpiDefault("customers", gettext_lazy("Customers served"), COUNT, True, Decimal("300"), Decimal(1)),
)


@dataclass(frozen=True)
class PeriodSpan:
    name: str
    start: date | None
    end: date | None


def default_periods(phases: Sequence[tuple[str, date, date]], year: int) -> list[PeriodSpan]:
    """Pre-sale, Double-11 day, after-sale and the whole programme, dated from
    the programme's phases ``(kind, start, end)`` where it has them.

    >>> [p.name for p in default_periods([], 2020)][1], default_periods([], 2020)[1].start
    ('Double-11 day', datetime.date(2020, 11, 11))
    """
    def span(kinds):
        chosen = [(s, e) for k, s, e in phases if k in kinds]
        return (min(s for s, _e in chosen), max(e for _s, e in chosen)) if chosen else (None, None)

    pre = span({PHASE_PRACTICE, PHASE_PRE_SALE})
    after = span({PHASE_AFTER_SALE})
    whole = (min((s for _k, s, _e in phases), default=None), max((e for _k, _s, e in phases), default=None))
    double11 = date(year, 11, 11)
    return [
        PeriodSpan(_("Pre-sale"), *pre),
        PeriodSpan(_("Double-11 day"), double11, double11),
        PeriodSpan(_("After-sale"), *after),
        PeriodSpan(_("Whole programme"), *whole),
    ]


THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


MINUTES = re.compile(r"^(\d+):([0-5]\d)$")


def parse_value(raw: str, unit: str) -> Decimal | None:
    """The value typed or pasted in a cell, or None for an empty cell.

    Raises ``ValueError`` with the reason (in the user's language).

    >>> parse_value("62.52%", "percent"), parse_value("96,166", "amount"), parse_value("1:24", "seconds")
    (Decimal('62.5200'), Decimal('96166.0000'), Decimal('84.0000'))
    """
    text = (raw or "").strip().replace("，", ",").replace("．", ".").replace("％", "%").replace(" ", "")
    if not text:
        return None
    minutes = MINUTES.match(text)
    if unit == SECONDS and minutes:
        value = Decimal(int(minutes.group(1)) * 60 + int(minutes.group(2)))
    else:
        if unit == PERCENT and text.endswith("%"):
            text = text[:-1]
        if unit == AMOUNT and text.startswith(("¥", "￥")):
            text = text[1:]
        if THOUSANDS.match(text):
            text = text.replace(",", "")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("“%(value)s” is not a number.") % {"value": raw.strip()}) from None
        if not value.is_finite():
            raise ValueError(_("“%(value)s” is not a number.") % {"value": raw.strip()})
    if value < 0:
        raise ValueError(_("A KPI value cannot be negative."))
    if unit == PERCENT and value > 100:
        raise ValueError(_("A percentage is between 0 and 100."))
    if unit == COUNT and value != value.to_integral_value():
        raise ValueError(_("A count is a whole number."))
    if value > MAX_VALUE:
        raise ValueError(_("The value is too large."))
    return value.quantize(PLACES, ROUND_HALF_UP)


def mean(values: Sequence[Decimal]) -> Decimal | None:
    """The mean of the values that exist, to four places; None when there are none."""
    values = [Decimal(v) for v in values if v is not None]
    return mean_of_total(sum(values, Decimal(0)), len(values))


def mean_of_total(total: Decimal, count: int) -> Decimal | None:
    """The mean of ``count`` values that add up to ``total``, to four places,
    exactly as :func:`mean` gives it from the values; None when ``count`` is 0.
    A database sums and counts, this divides (a database's own AVG rounds its own way).

    >>> mean_of_total(Decimal("10.0001"), 3), mean([Decimal("3"), Decimal("3"), Decimal("4.0001")])
    (Decimal('3.3334'), Decimal('3.3334'))
    """
    if not count:
        return None
    return (Decimal(total) / count).quantize(PLACES, ROUND_HALF_UP)


def format_value(value: Decimal | None, unit: str) -> str:
    """A value as shown in tables: amounts with thousands separators,
    percentages with %, seconds with s; two places at most (averages are
    kept to four, which reads as noise), trailing zeros dropped."""
    if value is None:
        return ""
    if unit == AMOUNT:
        return f"{money(value):,}"
    text = f"{Decimal(value).quantize(Decimal('0.01'), ROUND_HALF_UP).normalize():f}"
    if unit == PERCENT:
        return f"{text}%"
    if unit == SECONDS:
        return f"{text} s"
    return text


def plain_value(value: Decimal | None) -> str:
    """A value as typed back into a grid cell: no separators, no trailing zeros."""
    if value is None:
        return ""
    return f"{Decimal(value).quantize(PLACES).normalize():f}"


def parse_prizes(text: str) -> list[Decimal]:
    """Team prize amounts by rank from "2000, 1500, 1000, 500" (also ; or 、).

    Raises ``ValueError`` with the reason. An empty text means no prizes.
    Each amount is read by :func:`trainingweek.money.parse_amount` (no
    rounding, no 1e400). A comma separates prizes, so "1,000.005" is not
    one thousand: its "000.005" part is refused (leading zeros, three
    decimals) rather than read as 1.00 and 0.01.
    """
    parts = [p for p in re.split(r"[,;、，；\s]+", (text or "").strip()) if p]
    amounts = []
    for part in parts:
        if re.match(r"^0\d", part):
            raise ValueError(_("“%(value)s” is not an amount: separate prizes with commas, and write 1000 without a "
                               "thousands separator.") % {"value": part[:20]})
        amounts.append(parse_amount(part))
    return amounts


def team_figures(levels: dict[int, str], member_values: dict[int, Sequence[Decimal]],
                 team_values: dict[int, Decimal]) -> dict[int, Decimal | None]:
    """A team's figure per KPI: its own value for a team-level KPI, the mean of
    its members' values for a student-level one (None when nobody has one).

    ``levels`` maps KPI id → "student"/"team"; ``member_values`` KPI id → the
    members' values; ``team_values`` KPI id → the team's value.
    """
    present = {kpi_id: [Decimal(v) for v in values if v is not None] for kpi_id, values in member_values.items()}
    totals = {kpi_id: (sum(values, Decimal(0)), len(values)) for kpi_id, values in present.items()}
    return team_figures_from_totals(levels, totals, team_values)


def team_figures_from_totals(levels: dict[int, str], member_totals: dict[int, tuple[Decimal, int]],
                             team_values: dict[int, Decimal]) -> dict[int, Decimal | None]:
    """:func:`team_figures` from each student-level KPI's total and count of
    the members' values (``member_totals``: KPI id → (total, count)), which a
    database adds up without reading a row per student; the same figures."""
    return {
        kpi_id: team_values.get(kpi_id) if level == TEAM else mean_of_total(*member_totals.get(kpi_id, (ZERO, 0)))
        for kpi_id, level in levels.items()
    }


def bar_widths(values: Sequence[Decimal | None]) -> list[int]:
    """Bar lengths (0–100) for comparing values: the largest is 100, the rest in
    proportion; a missing value has no bar.

    >>> bar_widths([Decimal(50), None, Decimal(100)])
    [50, 0, 100]
    """
    present = [Decimal(v) for v in values if v is not None]
    top = max(present, default=Decimal(0))
    if top <= 0:
        return [0 for _v in values]
    return [0 if v is None else int((Decimal(v) / top * 100).to_integral_value(ROUND_HALF_UP)) for v in values]


HUNDRED = Decimal(100)


RATIO = Decimal("0.0001")


MAX_ACHIEVEMENT = Decimal(2)


@dataclass(frozen=True)
class KpiValue:
    value: Decimal | None
    target: Decimal
    higher_is_better: bool
    weight: Decimal = Decimal(1)


def achievement(value: Decimal | None, target: Decimal, higher_is_better: bool) -> Decimal | None:
    """Share of the target reached (1 = on target), to four places.

    >>> achievement(Decimal("84"), Decimal("60"), higher_is_better=False)  # 84 s vs 60 s target
    Decimal('0.7143')
    """
    if value is None:
        return None
    value, target = Decimal(value), Decimal(target)
    if target <= 0:
        raise ValueError("a KPI target must be positive")
    if higher_is_better:
        ratio = value / target
    else:
        # Nothing to divide by: zero errors or zero seconds is the best there is.
        ratio = MAX_ACHIEVEMENT if value <= 0 else target / value
    return min(max(ratio, ZERO), MAX_ACHIEVEMENT).quantize(RATIO, ROUND_HALF_UP)


def kpi_score(kpis: Sequence[KpiValue], cap: Decimal = Decimal(1)) -> Decimal | None:
    """KPI achievement as a 0–100 score: weighted mean of capped achievements
    over the KPIs that have a value; None when none has."""
    return score_of_achievements(
        [(achievement(k.value, k.target, k.higher_is_better), k.weight) for k in kpis], cap)


def score_of_achievements(achievements: Sequence[tuple[Decimal | None, Decimal]], cap: Decimal = Decimal(1),
                          ) -> Decimal | None:
    """:func:`kpi_score` of KPIs whose achievements are known already, as
    (achievement or None, weight) pairs: for a page that shows each KPI's
    achievement and then the score they make.

    >>> score_of_achievements([(Decimal("0.5"), Decimal(1)), (Decimal("1.5"), Decimal(3)), (None, Decimal(2))])
    Decimal('87.50')
    """
    scored = [(min(a, cap), Decimal(w)) for a, w in achievements if a is not None]
    scored = [(a, w) for a, w in scored if w > 0]
    if not scored:
        return None
    weight = sum(w for _, w in scored)
    return (sum(a * w for a, w in scored) / weight * HUNDRED).quantize(Decimal("0.01"), ROUND_HALF_UP)



@dataclass(frozen=True)
class CompositeKpi:
    """What a team's KPI composite needs of one KPI: its id, whether it is
    measured per team (else per student: the team's figure is the members'
    mean), its target, direction and weight."""

    pk: int
    team_level: bool
    target: Decimal
    higher_is_better: bool
    weight: Decimal


def team_composites(kpis: Sequence[CompositeKpi], member_totals: Mapping[int, Mapping[int, tuple[Decimal, int]]],
                    team_values: Mapping[int, Mapping[int, Decimal]], team_ids: Sequence[int],
                    ) -> dict[int, tuple[dict[int, Decimal | None], Decimal | None]]:
    """Each team's figures and KPI composite: exactly
    :func:`team_figures_from_totals` and ``kpi_score(..., cap=MAX_ACHIEVEMENT)``
    (tests/scoring/test_team_composites.py compares them over random teams),
    in one loop over plain values, for the thousand teams a ranking compares
    on every read (no value object per team and KPI, each KPI's target and
    weight converted once)."""
    specs = [(k.pk, k.team_level, Decimal(k.target), k.higher_is_better, Decimal(k.weight)) for k in kpis]
    empty: dict = {}
    result = {}
    for team_id in team_ids:
        totals, own = member_totals.get(team_id, empty), team_values.get(team_id, empty)
        figures: dict[int, Decimal | None] = {}
        weighted, weights = [], []
        for pk, team_level, target, higher, weight in specs:
            if team_level:
                figure = own.get(pk)
            else:
                total, count = totals.get(pk, (ZERO, 0))
                figure = (Decimal(total) / count).quantize(PLACES, ROUND_HALF_UP) if count else None
            figures[pk] = figure
            if figure is None:
                continue
            reached = achievement(figure, target, higher)  # raises on a target that is not positive
            if weight > 0:
                weighted.append(reached * weight)
                weights.append(weight)
        composite = ((sum(weighted) / sum(weights) * HUNDRED).quantize(Decimal("0.01"), ROUND_HALF_UP)
                     if weights else None)
        result[team_id] = (figures, composite)
    return result

@dataclass(frozen=True)
class AttendancePolicy:
    late_credit: Decimal = Decimal("0.5")  # a late day counts half


def attendance_score(scheduled: int, present: int, late: int, approved_leave: int = 0,
                     policy: AttendancePolicy = AttendancePolicy()) -> Decimal | None:
    """Attendance as a 0–100 score.

    Scheduled days are working days of the roster (not rest days); approved
    leave is taken out of them, absence and truancy count nothing, a late day
    counts ``late_credit``. No scheduled day: no score.
    """
    days = scheduled - approved_leave
    if days <= 0:
        return None
    if present + late > days:
        raise ValueError("more days attended than scheduled")
    credit = Decimal(present) + Decimal(late) * policy.late_credit
    return (credit / days * HUNDRED).quantize(Decimal("0.01"), ROUND_HALF_UP)


def rank(scores: Mapping[object, Decimal | None]) -> dict[object, int]:
    """Competition ranking (1, 2, 2, 4), highest score first; unscored left out."""
    ordered = sorted(((s, k) for k, s in scores.items() if s is not None), key=lambda p: -p[0])
    ranks, previous, position = {}, None, 0
    for index, (score, key) in enumerate(ordered, start=1):
        if score != previous:
            position, previous = index, score
        ranks[key] = position
    return ranks


def prizes_by_rank(ranks: Mapping[object, int], prizes: Sequence[Decimal]) -> dict[object, Decimal]:
    """Each ranked team's prize; tied teams share the prizes of their places.

    >>> prizes_by_rank({"a": 1, "b": 1, "c": 3}, [Decimal(2000), Decimal(1500), Decimal(1000)])
    {'a': Decimal('1750.00'), 'b': Decimal('1750.00'), 'c': Decimal('1000.00')}
    """
    by_rank: dict[int, list] = {}
    for key, r in ranks.items():
        by_rank.setdefault(r, []).append(key)
    result = {}
    for r, keys in sorted(by_rank.items()):
        if r > len(prizes):  # no prize place left to share (most of a thousand teams): each gets nothing
            result.update(dict.fromkeys(keys, ZERO))
            continue
        places = range(r - 1, r - 1 + len(keys))
        pool = sum((Decimal(prizes[p]) for p in places if p < len(prizes)), ZERO)
        keys = sorted(keys, key=str)  # stable: who gets a leftover cent does not depend on input order
        for key, share in zip(keys, split_largest_remainder(pool, [1] * len(keys)), strict=True):
            result[key] = share
    return result


def split_prize(amount: Decimal, members: Sequence[object], scores: Mapping[object, Decimal] | None = None
                ) -> dict[object, Decimal]:
    """Share a team's prize among its members, equally or by score, to the cent."""
    weights = [Decimal(1)] * len(members) if scores is None else [Decimal(scores.get(m) or 0) for m in members]
    return dict(zip(members, split_largest_remainder(amount, weights), strict=True))


def missing_kpi_values(*, students: int, student_kpis: int, team_kpis: int, student_values: int,
                       team_values: int) -> int:
    """How many KPI values a team's period still lacks: every student's value
    of every student-level KPI, and the team's value of every team-level KPI,
    less those entered.

    >>> missing_kpi_values(students=3, student_kpis=2, team_kpis=1, student_values=4, team_values=1)
    2
    """
    return max(0, students * student_kpis - student_values) + max(0, team_kpis - team_values)


# --------------------------------------------------------------------------- KPIs from the platform's export
CUSTOMERS_KPI, RESPONSE_TIME_KPI = "customers", "response_time"


def in_period(day: date, *, start: date | None, end: date | None) -> bool:
    """Whether ``day`` lies in a scoring period (both ends inclusive; a missing end is open).

    >>> in_period(date(2020, 11, 11), start=date(2020, 11, 11), end=date(2020, 11, 11))
    True
    >>> in_period(date(2020, 11, 12), start=None, end=date(2020, 11, 11))
    False
    >>> in_period(date(2020, 1, 1), start=None, end=None)
    True
    """
    return (start is None or day >= start) and (end is None or day <= end)


def platform_kpi_values(customers: Sequence[int | None],
                        response_seconds: Sequence[Decimal | None]) -> dict[str, Decimal]:
    """A student's period values of the KPIs fed by the platform's daily figures.

    ``customers`` and ``response_seconds`` are the figures of the student's
    days in the period (``None``: the day has none). Customers served is the
    sum of the days with a figure; the average response time is the plain
    mean of the days with a figure, in seconds to two places (half up): a
    day without a figure counts neither as zero nor at all. A KPI with no
    figure in the period is absent, so a value typed by hand is left alone.

    >>> platform_kpi_values([170, None, 154], [Decimal("55"), Decimal("37"), None])
    {'customers': Decimal('324'), 'response_time': Decimal('46.00')}
    >>> platform_kpi_values([1], [Decimal("10"), Decimal("10"), Decimal("11")])  # 31/3 = 10.333…
    {'customers': Decimal('1'), 'response_time': Decimal('10.33')}
    >>> platform_kpi_values([], [Decimal("0.005"), Decimal("0")])  # 0.0025 rounds half up
    {'response_time': Decimal('0.00')}
    >>> platform_kpi_values([], [Decimal("0.01"), Decimal("0")])  # 0.005 rounds half up
    {'response_time': Decimal('0.01')}
    >>> platform_kpi_values([None], [None])
    {}
    """
    values = {}
    counted = [c for c in customers if c is not None]
    if counted:
        values[CUSTOMERS_KPI] = Decimal(sum(counted))
    timed = [Decimal(s) for s in response_seconds if s is not None]
    if timed:
        values[RESPONSE_TIME_KPI] = (sum(timed, Decimal(0)) / len(timed)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return values


T = TypeVar("T")


def ranking_excerpt(ordered: Sequence[T], is_own: Callable[[T], bool], *, top: int) -> tuple[list[T], int]:
    """The first ``top`` of a ranking, plus one's own entry where it falls
    below them (in its place), and how many entries are left out: what a page
    about one team shows of the whole ranking, so that it costs the same with
    200 teams as with 4.

    >>> ranking_excerpt(list("abcdef"), lambda x: x == "e", top=2)
    (['a', 'b', 'e'], 3)
    >>> ranking_excerpt(list("abc"), lambda x: x == "b", top=5)
    (['a', 'b', 'c'], 0)
    """
    shown = list(ordered[:top]) + [x for x in ordered[top:] if is_own(x)]
    return shown, len(ordered) - len(shown)
