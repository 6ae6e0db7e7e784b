"""The score sheet (成绩评定表): items, weights per programme, the total.

Defaults from the seeds' sheet: school 50 % (obedience 10, learning 10,
teamwork 10, exam 20) and company 50 % (attendance 10, KPI achievement 30,
mentor evaluation 10). Each item is scored 0–100; the total is the weighted
sum, so a student with every item at 100 has 100.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

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
