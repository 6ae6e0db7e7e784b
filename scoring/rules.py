"""KPI achievement, attendance score, team ranking and prizes: pure rules.

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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from trainingweek.money import ZERO, split_largest_remainder

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
    scored = [(achievement(k.value, k.target, k.higher_is_better), Decimal(k.weight)) for k in kpis]
    scored = [(min(a, cap), w) for a, w in scored if a is not None and w > 0]
    if not scored:
        return None
    weight = sum(w for _, w in scored)
    return (sum(a * w for a, w in scored) / weight * HUNDRED).quantize(Decimal("0.01"), ROUND_HALF_UP)


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
