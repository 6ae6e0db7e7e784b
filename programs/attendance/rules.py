from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
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


# The most online hours a day can hold.
MAX_ONLINE_HOURS = Decimal("24")
# The platform's optional figures of a day: bounds that catch a wrong column, not real limits.
MAX_CUSTOMERS_SERVED = 100_000
MAX_RESPONSE_SECONDS = Decimal("86400")  # a day


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


# --------------------------------------------------------------------------- the last day
def recordable_day(day: date, *, last_day: date | None) -> bool:
    """A student who left is recorded (and paid) up to their last day only.

    ``last_day`` is the last day of a departure in effect (None: the student
    has not left). Dismissed with last day 10-30: 10-30 is recordable, 10-31
    is not; a student who has not left may be recorded on any day.
    """
    return last_day is None or day <= last_day


def within_programme(day: date, *, span: tuple[date, date] | None) -> bool:
    """Only days of the programme (its phases' first to last day) are recorded.

    ``span`` is (first day, last day); None when the programme has no phases
    yet, so no day is. With phases 10-26 to 11-10: 10-26 and 11-10 are in,
    10-25, 11-11, 1900-01-01 (an Excel date of 0 or 1) and 9999-12-31 are not.
    """
    return span is not None and span[0] <= day <= span[1]


def days_after_last_day(days: Iterable[date], *, last_day: date | None) -> list[date]:
    """The given days that fall after ``last_day``, sorted (none when the student has not left)."""
    return sorted(d for d in set(days) if not recordable_day(d, last_day=last_day))


# --------------------------------------------------------------------------- leave and departures
# Leave request statuses (as programs.attendance.models.LeaveRequest.Status).
LEAVE_PENDING_MENTOR = "pending_mentor"
LEAVE_PENDING_SCHOOL = "pending_school"
LEAVE_APPROVED = "approved"
LEAVE_REFUSED = "refused"

# The steps of a leave: the mentor decides first, then the school.
STEP_MENTOR = "mentor"
STEP_SCHOOL = "school"

# Departures (as programs.attendance.models.Departure).
WITHDRAWAL = "withdrawal"
DISMISSAL = "dismissal"
DEPARTURE_PENDING = "pending"
DEPARTURE_DONE = "done"
DEPARTURE_REFUSED = "refused"

# The sides of a departure decision.
SIDE_SCHOOL = "school"
SIDE_COMPANY = "company"
SIDE_ACKNOWLEDGE = "acknowledge"


def leave_step(status: str, *, mentor: bool, manager: bool) -> str | None:
    """Which decision a user may take on a leave now: ``mentor``, ``school`` or None.

    Waiting for the mentor: a mentor decides. Waiting for the school: whoever
    manages the programme decides. Approved or refused: nobody.
    """
    if status == LEAVE_PENDING_MENTOR and mentor:
        return STEP_MENTOR
    if status == LEAVE_PENDING_SCHOOL and manager:
        return STEP_SCHOOL
    return None


def leave_status_after(step: str, *, approve: bool) -> str:
    """The leave's status after a decision: the mentor's approval passes it to
    the school, the school's approval ends it approved; any refusal ends it."""
    if not approve:
        return LEAVE_REFUSED
    return LEAVE_PENDING_SCHOOL if step == STEP_MENTOR else LEAVE_APPROVED


def departure_side(kind: str, status: str, *, school_decided: bool, company_decided: bool,
                   mentor: bool, manager: bool) -> str | None:
    """The side a user may act for on a departure now: ``school``, ``company``, ``acknowledge`` or None.

    A pending withdrawal needs both sides: the programme's manager decides for
    the school, a mentor for the company, each once (the school's side first
    when the user is both). A dismissal is in effect at once; the manager
    acknowledges it once.
    """
    if kind == WITHDRAWAL and status == DEPARTURE_PENDING:
        if manager and not school_decided:
            return SIDE_SCHOOL
        if mentor and not company_decided:
            return SIDE_COMPANY
    if kind == DISMISSAL and not school_decided and manager:
        return SIDE_ACKNOWLEDGE
    return None


def withdrawal_status_after(*, approve: bool, school_decided: bool, company_decided: bool) -> str:
    """A withdrawal's status after one side's decision (the flags include that decision):
    refused on any refusal, in effect when both sides approved, else still pending."""
    if not approve:
        return DEPARTURE_REFUSED
    return DEPARTURE_DONE if school_decided and company_decided else DEPARTURE_PENDING


def departure_kinds(*, mentor: bool, manager: bool) -> set[str]:
    """The departures a user may start: a withdrawal (manager or mentor), a dismissal (mentor: the company)."""
    kinds = set()
    if manager or mentor:
        kinds.add(WITHDRAWAL)
    if mentor:
        kinds.add(DISMISSAL)
    return kinds
