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


# --------------------------------------------------------------------------- the parties of an agreement
PARTIES_FIXED = "parties_fixed"
SCHOOL_NOT_YOURS = "school_not_yours"
COMPANY_NOT_PARTNER = "company_not_partner"


def agreement_party_problems(*, old: tuple[int, int] | None, new: tuple[int, int | None], has_programmes: bool,
                             schools: frozenset[int] | None, companies: frozenset[int] | None,
                             new_company: bool = False) -> list[str]:
    """What is wrong with recording an agreement between ``new`` = (school id,
    company id): the codes of the problems, none if it may be saved.

    ``old`` are the saved parties (None for a new agreement); once it has a
    programme they are fixed (a mistaken agreement is ended and a new one
    made), and a company typed in new counts as another company. ``schools``
    and ``companies`` are the ids the user may choose (None: any, for an
    administrator); a company typed in new is always allowed.

    >>> agreement_party_problems(old=(1, 2), new=(1, 3), has_programmes=True, schools=None, companies=None)
    ['parties_fixed']
    >>> agreement_party_problems(old=None, new=(1, 9), has_programmes=False,
    ...                          schools=frozenset({1}), companies=frozenset({2, 3}))
    ['company_not_partner']
    """
    problems = []
    if old is not None and has_programmes and (new_company or tuple(new) != tuple(old)):
        problems.append(PARTIES_FIXED)
    if schools is not None and new[0] not in schools:
        problems.append(SCHOOL_NOT_YOURS)
    if companies is not None and not new_company and new[1] not in companies:
        problems.append(COMPANY_NOT_PARTNER)
    return problems
