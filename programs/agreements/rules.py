"""Pure rules about a programme's shape (no ORM): plain values in, findings out."""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

# --------------------------------------------------------------------------- day kinds
# The one declaration of the kinds of day: a phase has one of the five phase
# kinds (Phase.Kind), and an attendance day is paid by its day kind, which is
# a phase kind, a rest day or a day outside every phase (Attendance.DayKind).
# Rosters, attendance, scoring and payouts refer to these names.
PHASE_TRAINING = "training"
PHASE_INTENSIVE = "intensive"
PHASE_PRACTICE = "practice"
PHASE_PRE_SALE = "pre_sale"
PHASE_AFTER_SALE = "after_sale"
PHASE_KINDS = (PHASE_TRAINING, PHASE_INTENSIVE, PHASE_PRACTICE, PHASE_PRE_SALE, PHASE_AFTER_SALE)
DAY_REST = "rest"
DAY_OTHER = "other"
DAY_KINDS = (*PHASE_KINDS, DAY_REST, DAY_OTHER)
# Training days (paid from the passed assessment) and customer-service days (paid as practice).
TRAINING_KINDS = frozenset({PHASE_TRAINING, PHASE_INTENSIVE})
CUSTOMER_KINDS = frozenset({PHASE_PRACTICE, PHASE_PRE_SALE, PHASE_AFTER_SALE})


@dataclass(frozen=True)
class PhaseSpan:
    label: str
    start: date
    end: date


def phase_problems(phases: list[PhaseSpan], term_start: date, term_end: date) -> list[str]:
    """Every reason the phases cannot stand as given, in the user's language.

    A phase must end on or after its start, lie inside the agreement's term,
    and overlap no other phase (a day belongs to exactly one phase, so the
    roster and the stipend know which rate applies).
    """
    problems: list[str] = []
    for p in phases:
        if p.end < p.start:
            problems.append(_("“%(phase)s” ends before it starts.") % {"phase": p.label})
        elif p.start < term_start or p.end > term_end:
            problems.append(
                _("“%(phase)s” (%(start)s–%(end)s) lies outside the agreement term %(term_start)s–%(term_end)s.")
                % {"phase": p.label, "start": p.start, "end": p.end, "term_start": term_start, "term_end": term_end}
            )
    ordered = sorted((p for p in phases if p.end >= p.start), key=lambda p: (p.start, p.end))
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if later.start <= earlier.end:
            problems.append(
                _("“%(a)s” and “%(b)s” overlap (%(day)s).")
                % {"a": earlier.label, "b": later.label, "day": later.start}
            )
    return problems
