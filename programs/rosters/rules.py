from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from programs.agreements.rules import (  # noqa: F401 (the rosters' and attendance's names for them)
    DAY_OTHER,
    DAY_REST,
    PHASE_AFTER_SALE,
    PHASE_INTENSIVE,
    PHASE_PRACTICE,
    PHASE_PRE_SALE,
    PHASE_TRAINING,
)

TWO_PLACES = Decimal("0.01")


ZERO = Decimal("0")


DAY = timedelta(days=1)


# Cell kinds (the same strings as the models' choices).
SHIFT = "shift"


TRAINING = "training"


INTENSIVE = "intensive"


REST = "rest"


TBD = "tbd"


CELL_KINDS = (SHIFT, TRAINING, INTENSIVE, REST, TBD)


# Kinds on which a student is expected to come in (TBD is not yet known).
WORKING_KINDS = frozenset({SHIFT, TRAINING, INTENSIVE})


# Phase kinds and attendance day kinds: declared once, in programs.agreements.rules.
NO_REST_PHASES = frozenset({PHASE_TRAINING, PHASE_INTENSIVE})


def q2(value: Decimal) -> Decimal:
    """Round to two places, half up (the project's one rounding rule)."""
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------- shifts
@dataclass(frozen=True)
class ShiftSpec:
    """A shift template as plain values; ``key`` names it (id or code)."""

    key: Hashable
    start: time
    end: time
    paid_hours: Decimal
    briefing_minutes: int = 0
    is_peak: bool = False


def crosses_midnight(start: time, end: time) -> bool:
    """True when the shift ends on the next calendar day (end at or before start).

    ``24:00`` is stored as ``00:00``, so 16:30–00:00 crosses (ends at midnight).
    """
    return end <= start


def shift_length(start: time, end: time) -> timedelta:
    """How long a shift lasts, across midnight when it ends at or before it starts.

    >>> shift_length(time(8, 30), time(17, 0))
    datetime.timedelta(seconds=30600)
    >>> shift_length(time(7, 0), time(2, 0))  # the peak day of 11-10: 19 h
    datetime.timedelta(seconds=68400)

    A shift that starts and ends at the same clock time lasts 24 hours.
    """
    begin = datetime.combine(date.min, start)
    finish = datetime.combine(date.min, end)
    if crosses_midnight(start, end):
        finish += DAY
    return finish - begin


def shift_hours(start: time, end: time) -> Decimal:
    """:func:`shift_length` in hours, two places (16:30–22:00 → 5.50)."""
    return q2(Decimal(int(shift_length(start, end).total_seconds())) / Decimal(3600))


def shift_window(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """The start and end moments of the shift that belongs to ``day``."""
    begin = datetime.combine(day, start)
    return begin, begin + shift_length(start, end)


def shift_day(moment: datetime, start: time, end: time) -> date:
    """The day a moment of work belongs to for a given shift.

    Work after midnight on a shift that crosses midnight belongs to the
    previous day, where the shift started: 01:30 on 11-11 during the
    07:00–02:00 peak shift is work of 11-10.
    """
    if crosses_midnight(start, end) and moment.time() < end:
        return moment.date() - DAY
    return moment.date()


def shift_problems(start: time, end: time, paid_hours: Decimal, briefing_minutes: int) -> list[str]:
    """Codes of what is wrong with a shift template ([] when it is fine).

    ``paid_exceeds_length``: more paid hours than the shift lasts;
    ``briefing_too_long``: the briefing takes the whole shift or more;
    ``negative_paid``: paid hours below zero.
    """
    problems = []
    length = shift_length(start, end)
    if paid_hours < 0:
        problems.append("negative_paid")
    elif paid_hours * 3600 > Decimal(int(length.total_seconds())):
        problems.append("paid_exceeds_length")
    if timedelta(minutes=briefing_minutes) >= length:
        problems.append("briefing_too_long")
    return problems


# --------------------------------------------------------------------------- roster
@dataclass(frozen=True)
class Cell:
    """What a class or a student does on a day: ``kind`` and, for a shift, its key."""

    kind: str
    shift: Hashable | None = None

    @property
    def is_working(self) -> bool:
        return self.kind in WORKING_KINDS


@dataclass(frozen=True)
class PhaseRange:
    """A phase as plain values: its kind (``training``, ``practice``...) and dates."""

    kind: str
    start: date
    end: date


@dataclass(frozen=True)
class Rotation:
    """Classes take the pattern's shifts in turn and move on every ``period_days``.

    With the pattern (morning, evening) the 1st and 3rd classes start on the
    morning shift and the 2nd and 4th on the evening shift; after each period
    every class moves to the next shift of the pattern (they swap).
    """

    first_day: date
    pattern: tuple[Hashable, ...]
    period_days: int = 7

    def shift_for(self, class_index: int, day: date) -> Hashable:
        """The shift of the class at ``class_index`` (0-based) on ``day``."""
        if not self.pattern:
            raise ValueError("a rotation needs at least one shift")
        if self.period_days < 1:
            raise ValueError("a rotation period is at least one day")
        period = (day - self.first_day).days // self.period_days
        return self.pattern[(class_index + period) % len(self.pattern)]


def days_between(first: date, last: date) -> list[date]:
    """Every date from ``first`` to ``last`` inclusive (empty if last < first)."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def phase_on(day: date, phases: Iterable[PhaseRange]) -> str | None:
    """The kind of the phase ``day`` falls in (the first listed wins), or None."""
    for phase in phases:
        if phase.start <= day <= phase.end:
            return phase.kind
    return None


def generate_roster(
    days: Sequence[date],
    class_keys: Sequence[Hashable],
    phases: Sequence[PhaseRange],
    rotation: Rotation | None,
    special_days: Mapping[date, Cell] | None = None,
) -> dict[tuple[Hashable, date], Cell]:
    """One cell per class and day, keyed ``(class_key, day)``.

    In order of precedence:
    1. a special day gives every class the same cell (the peak shift of
       11-10, "to be decided" on 11-01);
    2. a training phase day is training, an intensive-training day intensive
       training;
    3. a practice, pre-sale or after-sale day takes the rotation's shift for
       the class (classes in the order given), or "to be decided" without a
       rotation;
    4. a day outside every phase is "to be decided".
    """
    special_days = special_days or {}
    cells: dict[tuple[Hashable, date], Cell] = {}
    for day in days:
        special = special_days.get(day)
        phase = phase_on(day, phases)
        for index, key in enumerate(class_keys):
            if special is not None:
                cell = special
            elif phase == PHASE_TRAINING:
                cell = Cell(TRAINING)
            elif phase == PHASE_INTENSIVE:
                cell = Cell(INTENSIVE)
            elif phase is not None and rotation is not None:
                cell = Cell(SHIFT, rotation.shift_for(index, day))
            else:
                cell = Cell(TBD)
            cells[(key, day)] = cell
    return cells


def student_cell(class_cell: Cell | None, override: Cell | None) -> Cell | None:
    """A student's own cell: their override when they have one, else their class's.

    This is how rest rotation works: the student's rest day moves (an
    override) while the class keeps its shift.
    """
    return override if override is not None else class_cell


def headcount_by_day(
    cells: Mapping[tuple[Hashable, date], Cell],
    class_sizes: Mapping[Hashable, int],
    overrides: Iterable[tuple[Hashable, date, Cell]] = (),
) -> dict[date, int]:
    """How many students are expected in on each day (实训人数).

    A class counts with all its members on a working day (shift, training,
    intensive training); each student override then moves one person out
    (rest on a working day) or in (work on a class's rest day). ``overrides``
    holds ``(class_key, day, cell)`` per overridden student.
    """
    counts: dict[date, int] = defaultdict(int)
    for (class_key, day), cell in cells.items():
        counts[day] += class_sizes.get(class_key, 0) if cell.is_working else 0
    for class_key, day, cell in overrides:
        class_cell = cells.get((class_key, day))
        if class_cell is None:
            continue
        if class_cell.is_working and not cell.is_working:
            counts[day] -= 1
        elif not class_cell.is_working and cell.is_working:
            counts[day] += 1
    return dict(counts)


def week_start(day: date) -> date:
    """The Monday of the week ``day`` is in."""
    return day - timedelta(days=day.weekday())


def week_number(day: date, first_day: date) -> int:
    """The roster week of ``day``: 1 for the (Monday–Sunday) week of ``first_day``."""
    return (week_start(day) - week_start(first_day)).days // 7 + 1


def rotate_rest_days(
    member_keys: Sequence[Hashable],
    days: Sequence[date],
    blocked: Iterable[date] = (),
) -> dict[Hashable, list[date]]:
    """Give every member one rest day per Monday–Sunday week, spread out.

    Only ``days`` not in ``blocked`` (training, peak days, days off already)
    can be rest days, and only in weeks where every day of the week is
    listed in ``days`` (partial weeks get no rest day). Members take the
    open days of a week in turn, starting one day later each week, so the
    headcount stays even and a member's rest day moves week by week.
    """
    blocked = set(blocked)
    weeks: dict[date, list[date]] = defaultdict(list)
    for day in sorted(set(days)):
        weeks[week_start(day)].append(day)
    result: dict[Hashable, list[date]] = {key: [] for key in member_keys}
    for week_index, monday in enumerate(sorted(weeks)):
        week_days = weeks[monday]
        open_days = [d for d in week_days if d not in blocked]
        if len(week_days) < 7 or not open_days:
            continue
        for position, key in enumerate(member_keys):
            result[key].append(open_days[(position + week_index) % len(open_days)])
    return result


# --------------------------------------------------------------------------- warnings
@dataclass(frozen=True)
class RosterWarning:
    """One finding about a roster.

    ``code`` is ``short_day`` (a shift of fewer paid hours than the minimum),
    ``short_week`` (a full week of fewer hours than the minimum), or
    ``rest_blocked`` (rest during training or on a peak day). ``subject`` is
    the class key, or the student key for a student's rest override.
    """

    code: str
    subject: Hashable
    day: date
    hours: Decimal | None = None
    is_student: bool = False


def cell_hours(cell: Cell, shifts: Mapping[Hashable, ShiftSpec], training_day_hours: Decimal) -> Decimal:
    """Hours a cell stands for: the shift's paid hours, a training day's hours, else 0."""
    if cell.kind == SHIFT and cell.shift in shifts:
        return shifts[cell.shift].paid_hours
    if cell.kind in (TRAINING, INTENSIVE):
        return training_day_hours
    return ZERO


def peak_days(cells: Mapping[tuple[Hashable, date], Cell], shifts: Mapping[Hashable, ShiftSpec]) -> set[date]:
    """Days on which any class works a peak shift (大促)."""
    return {
        day for (_, day), cell in cells.items()
        if cell.kind == SHIFT and cell.shift in shifts and shifts[cell.shift].is_peak
    }


def roster_warnings(
    cells: Mapping[tuple[Hashable, date], Cell],
    shifts: Mapping[Hashable, ShiftSpec],
    phases: Sequence[PhaseRange],
    *,
    min_day_hours: Decimal = Decimal("7"),
    min_week_hours: Decimal = Decimal("42"),
    training_day_hours: Decimal = Decimal("8"),
    student_overrides: Iterable[tuple[Hashable, date, Cell]] = (),
) -> list[RosterWarning]:
    """Everything on the roster a coordinator should look at, in date order.

    - a class on a shift of fewer paid hours than ``min_day_hours`` (7 h);
    - a class whose Monday–Sunday week totals fewer than ``min_week_hours``
      (42 h); only weeks the roster covers in full are judged, training days
      count ``training_day_hours``, rest and "to be decided" count nothing;
      the warning is dated the Monday of the week;
    - rest (a class's, or a student's override ``(student_key, day, cell)``)
      on a training or intensive-training day or on a peak day: DESIGN says
      no rest rotation there.
    """
    warnings: list[RosterWarning] = []
    peaks = peak_days(cells, shifts)
    by_class: dict[Hashable, dict[date, Cell]] = defaultdict(dict)
    for (class_key, day), cell in cells.items():
        by_class[class_key][day] = cell

    def no_rest(day: date) -> bool:
        return day in peaks or phase_on(day, phases) in NO_REST_PHASES

    for class_key, class_cells in by_class.items():
        for day, cell in class_cells.items():
            if cell.kind == SHIFT and cell.shift in shifts and shifts[cell.shift].paid_hours < min_day_hours:
                warnings.append(RosterWarning("short_day", class_key, day, shifts[cell.shift].paid_hours))
            if cell.kind == REST and no_rest(day):
                warnings.append(RosterWarning("rest_blocked", class_key, day))
        weeks: dict[date, list[date]] = defaultdict(list)
        for day in class_cells:
            weeks[week_start(day)].append(day)
        for monday, week_days in weeks.items():
            if len(week_days) < 7:
                continue
            total = sum((cell_hours(class_cells[d], shifts, training_day_hours) for d in week_days), ZERO)
            if total < min_week_hours:
                warnings.append(RosterWarning("short_week", class_key, monday, total))
    for student_key, day, cell in student_overrides:
        if cell.kind == REST and no_rest(day):
            warnings.append(RosterWarning("rest_blocked", student_key, day, is_student=True))
    warnings.sort(key=lambda w: (w.day, w.code, str(w.subject)))
    return warnings


def week_days(monday: date) -> list[date]:
    """The seven days of the week starting on ``monday``."""
    return days_between(monday, monday + timedelta(days=6))
