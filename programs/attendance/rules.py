from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from programs.rosters.rules import (
    DAY_OTHER,
    DAY_REST,
    INTENSIVE,
    PHASE_INTENSIVE,
    PHASE_PRACTICE,
    PHASE_TRAINING,
    REST,
    SHIFT,
    TRAINING,
    TWO_PLACES,
    ZERO,
    Cell,
    q2,
)

# Attendance statuses (as programs.models.Attendance.Status).
PRESENT = "present"


LATE = "late"


ABSENT = "absent"


LEAVE = "leave"


STATUS_REST = "rest"


ATTENDED = frozenset({PRESENT, LATE})


# --------------------------------------------------------------------------- attendance
def overtime_hours(online_hours: Decimal | None, threshold: Decimal = Decimal("8")) -> Decimal:
    """Online hours above the daily threshold (加班), never below zero.

    8.5 h online with the usual 8 h threshold is 0.50 h overtime; 16 h on a
    peak day is 8.00 h; no record is 0.
    """
    if online_hours is None:
        return ZERO.quantize(TWO_PLACES)
    return q2(max(ZERO, online_hours - threshold))


def classify_attendance(
    status: str,
    scheduled: Cell | None,
    phase_kind: str | None,
    has_approved_leave: bool,
) -> tuple[str, bool]:
    """The day kind stipends pay by, and whether the day is truancy (旷训).

    Day kind: ``rest`` when the student rested (status rest, or a scheduled
    rest day they did not come in on); else ``training``/``intensive`` when
    their schedule says training; else the phase's kind (practice, pre-sale,
    after-sale); a shift outside every phase counts as practice; anything
    else is ``other``.

    Truancy: absent, or on leave, without a leave approved by both the
    mentor and the school — except on a rest day, where nobody is expected.
    """
    if status == STATUS_REST or (
        scheduled is not None and scheduled.kind == REST and status not in ATTENDED
    ):
        return DAY_REST, False
    if scheduled is not None and scheduled.kind == TRAINING:
        day_kind = PHASE_TRAINING
    elif scheduled is not None and scheduled.kind == INTENSIVE:
        day_kind = PHASE_INTENSIVE
    elif phase_kind:
        day_kind = phase_kind
    elif scheduled is not None and scheduled.kind == SHIFT:
        day_kind = PHASE_PRACTICE
    else:
        day_kind = DAY_OTHER
    truancy = status in (ABSENT, LEAVE) and not has_approved_leave
    return day_kind, truancy


def attendance_rate(attended_days: int, expected_days: int) -> Decimal | None:
    """Attended ÷ expected as a percentage, two places; None when nothing was expected.

    Attended days are present or late; expected days are every recorded day
    that is not a rest day (an absence or a leave counts as expected).
    """
    if expected_days <= 0:
        return None
    return q2(Decimal(attended_days) * 100 / Decimal(expected_days))


# --------------------------------------------------------------------------- attrition
@dataclass(frozen=True)
class Attrition:
    """流失率: voluntary withdrawals over everyone enrolled, as a percentage.

    Company dismissals are counted and shown but are not attrition: the
    school promised to keep its students, not to prevent dismissals.
    """

    enrolled: int
    withdrawn: int
    dismissed: int
    rate: Decimal | None
    promise: Decimal

    @property
    def within_promise(self) -> bool:
        """Strictly below the promised rate (compared exactly, not rounded)."""
        if self.enrolled == 0:
            return True
        return Decimal(self.withdrawn) * 100 < self.promise * self.enrolled


def attrition(enrolled: int, withdrawn: int, dismissed: int = 0, promise: Decimal = Decimal("5")) -> Attrition:
    """Attrition of a programme: 9 withdrawals of 200 enrolled is 4.50 % (< 5 %).

    ``enrolled`` counts every enrolment, whatever its status now (those who
    left were enrolled); ``dismissed`` does not enter the rate.
    """
    if min(enrolled, withdrawn, dismissed) < 0 or withdrawn + dismissed > enrolled:
        raise ValueError("withdrawals and dismissals cannot exceed the enrolled")
    rate = q2(Decimal(withdrawn) * 100 / Decimal(enrolled)) if enrolled else None
    return Attrition(enrolled, withdrawn, dismissed, rate, promise)
