from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from programs.rosters import rules as r
from programs.rosters.rules import Cell, PhaseRange, Rotation, ShiftSpec

D = Decimal


# The 2020 Double-11 schedule (2020年电子商务双十一实训初步排班表), classes 1 and 2;
# classes 3 and 4 repeat 1 and 2. Copied cell by cell from the seed.
SEED_2020 = """
10-24 强化培训 强化培训
10-25 强化培训 强化培训
10-26 早 晚
10-27 早 晚
10-28 早 晚
10-29 早 晚
10-30 早 晚
10-31 早 晚
11-01 待定 待定
11-02 待定 待定
11-03 晚 早
11-04 晚 早
11-05 晚 早
11-06 晚 早
11-07 晚 早
11-08 晚 早
11-09 早 晚
11-10 7:00-02:00 7:00-02:00
11-11 7:00-24:00 7:00-24:00
11-12 早 晚
11-13 早 晚
11-14 早 晚
11-15 早 晚
11-16 晚 早
11-17 晚 早
11-18 晚 早
11-19 晚 早
11-20 晚 早
11-21 晚 早
11-22 晚 早
"""


SEED_CELL = {
    "强化培训": Cell(r.INTENSIVE), "待定": Cell(r.TBD), "早": Cell(r.SHIFT, "morning"),
    "晚": Cell(r.SHIFT, "evening"), "7:00-02:00": Cell(r.SHIFT, "peak"), "7:00-24:00": Cell(r.SHIFT, "peak24"),
}


PHASES_2020 = [
    PhaseRange("training", date(2020, 9, 7), date(2020, 10, 23)),
    PhaseRange("intensive", date(2020, 10, 24), date(2020, 10, 25)),
    PhaseRange("practice", date(2020, 10, 26), date(2020, 11, 10)),
    PhaseRange("pre_sale", date(2020, 11, 11), date(2020, 11, 11)),
    PhaseRange("after_sale", date(2020, 11, 12), date(2020, 11, 22)),
]


ROTATION_2020 = Rotation(date(2020, 10, 26), ("morning", "evening"), 7)


SPECIAL_2020 = {
    date(2020, 11, 1): Cell(r.TBD), date(2020, 11, 2): Cell(r.TBD),
    date(2020, 11, 10): Cell(r.SHIFT, "peak"), date(2020, 11, 11): Cell(r.SHIFT, "peak24"),
}


CLASSES = ["19电商1班", "19电商2班", "19电商3班", "19电商4班"]


SHIFTS = {
    "morning": ShiftSpec("morning", time(8, 30), time(17, 0), D("8.00"), 30),
    "evening": ShiftSpec("evening", time(16, 30), time(22, 0), D("5.50"), 30),
    "peak": ShiftSpec("peak", time(7, 0), time(2, 0), D("17.00"), 30, is_peak=True),
    "peak24": ShiftSpec("peak24", time(7, 0), time(0, 0), D("15.00"), 30, is_peak=True),
}


def seed_2020() -> dict:
    expected = {}
    for line in SEED_2020.strip().splitlines():
        md, c1, c2 = line.split()
        day = date(2020, int(md[:2]), int(md[3:]))
        for name, text in zip(CLASSES, (c1, c2, c1, c2), strict=True):
            expected[(name, day)] = SEED_CELL[text]
    return expected


def roster_2020() -> dict:
    days = r.days_between(date(2020, 10, 24), date(2020, 11, 22))
    return r.generate_roster(days, CLASSES, PHASES_2020, ROTATION_2020, SPECIAL_2020)


# ---------------------------------------------------------------- shifts
@pytest.mark.parametrize(("start", "end", "hours"), [
    (time(8, 30), time(17, 0), "8.50"),     # 早班 8:30—17:00
    (time(16, 30), time(22, 0), "5.50"),    # 晚班 16:30—22:00 (2020 agreement)
    (time(16, 30), time(0, 0), "7.50"),     # 晚班 16:30—24:00 (2019, and the 2020 footnote)
    (time(7, 0), time(2, 0), "19.00"),      # 11-10 peak, 7:00-02:00
    (time(7, 0), time(0, 0), "17.00"),      # 11-11 peak, 7:00-24:00
    (time(22, 15), time(6, 45), "8.50"),    # a night shift with minutes
    (time(9, 0), time(9, 0), "24.00"),      # same clock time: a whole day
])
def test_shift_hours_across_midnight(start, end, hours):
    assert r.shift_hours(start, end) == D(hours)


def test_crosses_midnight():
    assert r.crosses_midnight(time(7, 0), time(2, 0))
    assert r.crosses_midnight(time(16, 30), time(0, 0))
    assert not r.crosses_midnight(time(8, 30), time(17, 0))


def test_a_shift_belongs_to_the_day_it_starts():
    begin, end = r.shift_window(date(2020, 11, 10), time(7, 0), time(2, 0))
    assert begin == datetime(2020, 11, 10, 7, 0)
    assert end == datetime(2020, 11, 11, 2, 0)
    # Work at 01:30 on 11-11 is work of 11-10 on that shift ...
    assert r.shift_day(datetime(2020, 11, 11, 1, 30), time(7, 0), time(2, 0)) == date(2020, 11, 10)
    # ... but 08:00 on 11-11 is the next day's shift.
    assert r.shift_day(datetime(2020, 11, 11, 8, 0), time(7, 0), time(2, 0)) == date(2020, 11, 11)
    # A day shift never moves.
    assert r.shift_day(datetime(2020, 11, 11, 1, 30), time(8, 30), time(17, 0)) == date(2020, 11, 11)


def test_shift_problems():
    assert r.shift_problems(time(8, 30), time(17, 0), D("8"), 30) == []
    assert r.shift_problems(time(16, 30), time(22, 0), D("6"), 0) == ["paid_exceeds_length"]
    assert r.shift_problems(time(7, 0), time(2, 0), D("19"), 0) == []  # across midnight is not "too long"
    assert r.shift_problems(time(8, 0), time(9, 0), D("1"), 60) == ["briefing_too_long"]
    assert r.shift_problems(time(8, 0), time(9, 0), D("-1"), 0) == ["negative_paid"]


# ---------------------------------------------------------------- rotation and roster
def test_rotation_classes_1_and_3_morning_then_swap_weekly():
    rot = ROTATION_2020
    monday = date(2020, 10, 26)
    assert [rot.shift_for(i, monday) for i in range(4)] == ["morning", "evening", "morning", "evening"]
    assert [rot.shift_for(i, monday + timedelta(days=6)) for i in range(4)] == ["morning", "evening"] * 2
    assert [rot.shift_for(i, monday + timedelta(days=7)) for i in range(4)] == ["evening", "morning"] * 2
    assert [rot.shift_for(i, monday + timedelta(days=14)) for i in range(4)] == ["morning", "evening"] * 2
    # Before the first day the pattern runs backwards consistently.
    assert rot.shift_for(0, monday - timedelta(days=1)) == "evening"


def test_rotation_of_three_shifts():
    rot = Rotation(date(2020, 10, 26), ("a", "b", "c"), 2)
    assert [rot.shift_for(0, date(2020, 10, 26) + timedelta(days=n)) for n in range(6)] == list("aabbcc")
    with pytest.raises(ValueError):
        Rotation(date(2020, 1, 1), ()).shift_for(0, date(2020, 1, 1))


def test_generated_roster_reproduces_the_2020_schedule_cell_by_cell():
    assert roster_2020() == seed_2020()


def test_first_two_weeks_of_2020():
    cells = roster_2020()
    for name in CLASSES:  # 10-24/25 intensive training for everyone
        assert cells[(name, date(2020, 10, 24))] == Cell(r.INTENSIVE)
        assert cells[(name, date(2020, 10, 25))] == Cell(r.INTENSIVE)
    first_week = [(c, cells[(c, date(2020, 10, 28))].shift) for c in CLASSES]
    assert first_week == [("19电商1班", "morning"), ("19电商2班", "evening"),
                          ("19电商3班", "morning"), ("19电商4班", "evening")]
    second_week = [cells[(c, date(2020, 11, 5))].shift for c in CLASSES]
    assert second_week == ["evening", "morning", "evening", "morning"]


def test_training_days_and_days_outside_phases():
    days = [date(2020, 9, 7), date(2020, 11, 23)]
    cells = r.generate_roster(days, ["A"], PHASES_2020, ROTATION_2020)
    assert cells[("A", date(2020, 9, 7))] == Cell(r.TRAINING)
    assert cells[("A", date(2020, 11, 23))] == Cell(r.TBD)
    # Without a rotation practice days are "to be decided".
    cells = r.generate_roster([date(2020, 10, 28)], ["A"], PHASES_2020, None)
    assert cells[("A", date(2020, 10, 28))] == Cell(r.TBD)


def test_week_numbers_run_monday_to_sunday_from_the_first_week():
    first = date(2020, 10, 24)  # a Saturday
    assert r.week_number(date(2020, 10, 24), first) == 1
    assert r.week_number(date(2020, 10, 25), first) == 1
    assert r.week_number(date(2020, 10, 26), first) == 2
    assert r.week_number(date(2020, 11, 22), first) == 5
    assert r.week_start(date(2020, 11, 11)) == date(2020, 11, 9)


# ---------------------------------------------------------------- headcount and students
def test_headcount_2019_intensive_days_and_a_rest_rotation():
    # 2019 (商务2017双十一实训初步排班表): six classes, 260 students on the intensive
    # days; on 10-30 45 of them rest (rest rotation) and 215 are in.
    sizes = {"1班": 45, "2班": 45, "3班": 45, "4班": 45, "高1班": 40, "高2班": 40}
    days = [date(2019, 10, 27), date(2019, 10, 28), date(2019, 10, 30)]
    phases = [PhaseRange("intensive", date(2019, 10, 27), date(2019, 10, 28)),
              PhaseRange("practice", date(2019, 10, 29), date(2019, 12, 2))]
    rot = Rotation(date(2019, 10, 29), ("morning", "evening"))
    cells = r.generate_roster(days, list(sizes), phases, rot)
    overrides = [("1班", date(2019, 10, 30), Cell(r.REST))] * 45
    counts = r.headcount_by_day(cells, sizes, overrides)
    assert counts == {date(2019, 10, 27): 260, date(2019, 10, 28): 260, date(2019, 10, 30): 215}


def test_headcount_counts_a_student_working_on_the_class_rest_day():
    cells = {("A", date(2020, 11, 16)): Cell(r.REST), ("B", date(2020, 11, 16)): Cell(r.TBD)}
    counts = r.headcount_by_day(cells, {"A": 10, "B": 5}, [("A", date(2020, 11, 16), Cell(r.SHIFT, "morning"))])
    assert counts == {date(2020, 11, 16): 1}


def test_student_cell_override_wins():
    assert r.student_cell(Cell(r.SHIFT, 1), None) == Cell(r.SHIFT, 1)
    assert r.student_cell(Cell(r.SHIFT, 1), Cell(r.REST)) == Cell(r.REST)
    assert r.student_cell(None, None) is None


def test_rest_rotation_moves_each_students_rest_day_weekly():
    days = r.days_between(date(2020, 11, 9), date(2020, 11, 22))  # two full weeks
    blocked = {date(2020, 11, 10), date(2020, 11, 11)}  # peak days
    rest = r.rotate_rest_days(["a", "b", "c"], days, blocked)
    assert rest["a"] == [date(2020, 11, 9), date(2020, 11, 17)]
    assert rest["b"] == [date(2020, 11, 12), date(2020, 11, 18)]
    assert rest["c"] == [date(2020, 11, 13), date(2020, 11, 19)]
    assert not set(rest["a"] + rest["b"] + rest["c"]) & blocked
    # A partial week gets no rest day.
    assert r.rotate_rest_days(["a"], r.days_between(date(2020, 10, 24), date(2020, 10, 27))) == {"a": []}


# ---------------------------------------------------------------- warnings
def test_warnings_on_the_2020_roster_with_the_short_evening_shift():
    warnings = r.roster_warnings(roster_2020(), SHIFTS, PHASES_2020)
    short_days = [w for w in warnings if w.code == "short_day"]
    # 16:30–22:00 is 5.5 paid hours, under 7: every evening cell is flagged.
    evening_cells = [k for k, c in roster_2020().items() if c.shift == "evening"]
    assert len(short_days) == len(evening_cells) == 2 * (6 + 6 + 1 + 4 + 7)
    weeks = {(w.subject, w.day): w.hours for w in warnings if w.code == "short_week"}
    # Week of 10-26: class 2 works six evenings (33 h) and 11-01 is undecided; class 1 48 h is fine.
    assert weeks[("19电商2班", date(2020, 10, 26))] == D("33.00")
    assert ("19电商1班", date(2020, 10, 26)) not in weeks
    # The partial first week (10-24/25) is not judged.
    assert not [w for w in warnings if w.code == "short_week" and w.day == date(2020, 10, 19)]
    assert not [w for w in warnings if w.code == "rest_blocked"]


def test_no_warnings_with_the_long_evening_shift():
    # With 16:30–24:00 (7.5 paid hours) no day is short, and no full week
    # either: week of 11-02 for class 1 is 11-02 undecided + 6 evenings = 45 h.
    shifts = dict(SHIFTS, evening=ShiftSpec("evening", time(16, 30), time(0, 0), D("7.50")))
    assert r.roster_warnings(roster_2020(), shifts, PHASES_2020) == []
    # One more undecided day in that week brings it to 37.5 h, under 42.
    cells = roster_2020()
    cells[("19电商1班", date(2020, 11, 3))] = Cell(r.TBD)
    warnings = r.roster_warnings(cells, shifts, PHASES_2020)
    assert [(w.code, w.subject, w.day, w.hours) for w in warnings] == [
        ("short_week", "19电商1班", date(2020, 11, 2), D("37.50"))]


def test_rest_on_training_and_peak_days_is_flagged():
    cells = roster_2020()
    cells[("19电商1班", date(2020, 11, 10))] = Cell(r.REST)  # the peak day
    cells[("19电商2班", date(2020, 11, 13))] = Cell(r.REST)  # an ordinary after-sale day: fine
    overrides = [("student-7", date(2020, 10, 24), Cell(r.REST)),  # intensive training
                 ("student-8", date(2020, 11, 16), Cell(r.REST))]  # ordinary day: fine
    found = [(w.subject, w.day, w.is_student) for w in r.roster_warnings(
        cells, SHIFTS, PHASES_2020, student_overrides=overrides) if w.code == "rest_blocked"]
    assert found == [("student-7", date(2020, 10, 24), True), ("19电商1班", date(2020, 11, 10), False)]
