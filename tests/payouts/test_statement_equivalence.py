"""The fast statement computation gives what the old one gave, to the last
digit and source: the rules over any period (hypothesis), and the selector
over a programme in the database with every kind of record, for a whole
programme (read by programme) as for a few students (read by id).

The old implementation is kept in ``reference_statements`` as it was."""

import random
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from programs.attendance.models import Attendance, Departure
from scoring.models import Award, Incident, PrizeShare, ScoringPeriod, TeamPrize
from stipends.payouts import rules, selectors
from stipends.payouts.models import RateCard, StipendProfile

from . import reference_statements as old

START = date(2020, 10, 20)
DB_KINDS = ["training", "intensive", "practice", "pre_sale", "after_sale", "rest", "other"]
STATUSES = ["present", "late", "absent", "leave", "rest"]

hours = st.one_of(st.none(), st.decimals(min_value=0, max_value=24, places=2))
rows = st.lists(st.tuples(st.integers(0, 40), st.sampled_from(DB_KINDS), st.sampled_from(STATUSES), hours),
                max_size=40, unique_by=lambda r: r[0])
amounts = st.decimals(min_value=0, max_value=2000, places=3)
credits = st.lists(st.tuples(st.integers(1, 999), st.text(max_size=5), amounts), max_size=3)
incidents = st.lists(st.tuples(st.integers(1, 999), st.integers(0, 40), st.sampled_from(["1", "2", "3", "4", "cash"]),
                               st.decimals(min_value=0, max_value=3000, places=2)), max_size=4)
offsets = st.one_of(st.none(), st.integers(0, 41))
cards = st.builds(
    rules.RateCard,
    training_day=st.decimals(min_value=0, max_value=200, places=2),
    practice_day=st.decimals(min_value=0, max_value=200, places=2),
    overtime_hour=st.decimals(min_value=0, max_value=50, places=2),
    overtime_threshold_hours=st.decimals(min_value=0, max_value=12, places=2),
    support_day=st.decimals(min_value=0, max_value=50, places=2),
    support_min_days=st.integers(0, 15),
)


def _day(offset):
    return None if offset is None else START + timedelta(offset)


def same(new: rules.Stipend, was) -> None:
    """Every line alike (code, quantity, rate, amount as written, sources, label) and as JSON, and the totals."""
    assert [(x.code, str(x.quantity), str(x.rate), str(x.amount), x.sources, x.label) for x in new.lines] == [
        (x.code, str(x.quantity), str(x.rate), str(x.amount), x.sources, x.label) for x in was.lines]
    assert [rules.line_record(x) for x in new.lines] == [old.line_record(x) for x in was.lines]
    assert (str(new.earned), str(new.liability), str(new.gross)) == (str(was.earned), str(was.liability),
                                                                     str(was.gross))


@settings(max_examples=400, deadline=None)
@given(rows=rows, passed=offsets, support=st.booleans(), left=offsets, awards=credits, prizes=credits,
       incidents=incidents, card=cards)
def test_the_rules_give_what_the_old_rules_gave(rows, passed, support, left, awards, prizes, incidents, card):
    days = [(_day(n), kind, status, h, 1000 + n, 7) for n, kind, status, h in rows]
    awards = [(f"award:{i}", label, amount) for i, label, amount in awards]
    prizes = [(f"prize:{i}", label, amount) for i, label, amount in prizes]
    incidents = [(i, _day(n), level, cash if level == "cash" else None) for i, n, level, cash in incidents]
    # What the selector hands the rules now: the rows as they come, plain tuples.
    new = rules.stipend_lines(rules.StudentPeriod(
        days, assessment_passed_on=_day(passed), support_duty=support, awards=awards, prize_shares=prizes,
        incidents=incidents, last_day=_day(left)), card)
    # What the old selector made of the same rows: an object per day, kinds and hours converted.
    was = old.stipend_lines(old.StudentPeriod(
        [old.Day(d, old.DAY_KINDS.get(kind, "tbd"), status, h or old.ZERO, pk) for d, kind, status, h, pk, _e in days],
        assessment_passed_on=_day(passed), support_duty=support,
        awards=[old.Credit(*a) for a in awards], prize_shares=[old.Credit(*p) for p in prizes],
        incidents=[old.Incident(*i) for i in incidents], last_day=_day(left)), card)
    same(new, was)


def test_the_equivalence_covers_every_line():
    """The strategies above reach every kind of line (else the comparison proves little)."""
    card = rules.RateCard(support_min_days=2)
    worked = [rules.Day(START + timedelta(n), kind, "present", D("10.50"), n) for n, kind in
              enumerate(["training", "intensive", "practice", "pre_sale", "after_sale"])]
    normal = rules.stipend_lines(rules.StudentPeriod(
        worked, assessment_passed_on=START, awards=[("award:1", "a", D("5"))], prize_shares=[("prize:2", "p", D("6"))],
        incidents=[(3, START, "4", None)]), card)
    duty = rules.stipend_lines(rules.StudentPeriod(worked, support_duty=True), card)
    assert {x.code for x in normal.lines + duty.lines} == {
        "training_days", "practice_days", "overtime", "award", "team_prize", "penalty", "liability_cap", "support_duty"}


# --------------------------------------------------------------------------- the selector, in the database
def _records(world, seed: int) -> list[int]:
    """Random attendance of every kind for the world's students, profiles
    (support duty, late and missing assessments), a departure in effect and
    one that is not, awards, a shared team prize and incidents of every level
    and status. Returns the enrolment ids."""
    rng = random.Random(seed)
    enrolments = world.enrolments_a + world.enrolments_b
    Attendance.objects.bulk_create(
        Attendance(programme=world.programme, enrolment=e, day=START + timedelta(n), day_kind=rng.choice(DB_KINDS),
                   status=rng.choice(STATUSES),
                   online_hours=rng.choice([None, D(rng.randrange(0, 2400)) / 100]))
        for e in enrolments for n in range(30) if rng.random() < 0.9)
    for n, e in enumerate(enrolments):
        if n % 3:
            StipendProfile.objects.create(enrolment=e, support_duty=n == 4,
                                          assessment_passed_on=START + timedelta(rng.randrange(0, 8)) if n != 2 else None)
    Departure.objects.create(programme=world.programme, enrolment=enrolments[1], kind=Departure.Kind.DISMISSAL,
                             status=Departure.Status.DONE, last_day=START + timedelta(12), reason="x",
                             requested_by=world.finance)
    Departure.objects.create(programme=world.programme, enrolment=enrolments[3], kind=Departure.Kind.WITHDRAWAL,
                             status=Departure.Status.PENDING, last_day=START + timedelta(5), reason="x",
                             requested_by=world.finance)
    period = ScoringPeriod.objects.create(programme=world.programme, name="第一周", order=1)
    for e in enrolments[::2]:
        Award.objects.create(programme=world.programme, enrolment=e, period=rng.choice([None, period]), label="冠军",
                             amount=D(rng.randrange(1, 30000)) / 100, created_by=world.finance)
    prize = TeamPrize.objects.create(programme=world.programme, period=period, team=world.team_a, rank=1,
                                     composite=D("90"), amount=D("100.00"), split="equal", awarded_by=world.finance)
    for e, share in zip(world.enrolments_a, [D("33.34"), D("33.33"), D("33.33")], strict=True):
        PrizeShare.objects.create(prize=prize, enrolment=e, amount=share)
    for e in enrolments:
        for _ in range(rng.randrange(0, 4)):
            level = rng.choice(["1", "2", "3", "4", "cash"])
            Incident.objects.create(
                programme=world.programme, enrolment=e, occurred_on=START + timedelta(rng.randrange(30)), level=level,
                cash_amount=D(rng.randrange(1, 90000)) / 100 if level == "cash" else None, description="x",
                status=rng.choice(["confirmed", "confirmed", "reported", "disputed"]), reported_by=world.finance)
    RateCard.objects.create(programme=world.programme, support_min_days=5)
    return [e.pk for e in enrolments]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("by_programme", [False, True], ids=["by id", "by programme"])
def test_statements_give_what_the_old_selector_gave(world, monkeypatch, seed, by_programme):
    ids = _records(world, seed)
    if by_programme:  # as for a programme of thousands: its rows read, these students' kept
        monkeypatch.setattr(selectors, "IN_LIST_MAX", 0)
    for up_to in (None, START + timedelta(9)):
        for chosen in (ids, ids[1:4]):
            new = selectors.statements(world.programme, chosen, up_to)
            was = old.statements(world.programme, chosen, up_to)
            assert list(new) == list(was) == chosen
            for e in chosen:
                same(new[e], was[e])
    codes = {x.code for s in selectors.statements(world.programme, ids).values() for x in s.lines}
    assert {"practice_days", "penalty", "award", "team_prize"} <= codes


def test_a_programme_read_keeps_only_the_students_asked_for(world, monkeypatch):
    ids = _records(world, 4)
    monkeypatch.setattr(selectors, "IN_LIST_MAX", 0)
    assert set(selectors.statements(world.programme, ids[:2])) == set(ids[:2])
    periods = selectors.student_periods(world.programme, ids[:2], None, selectors.Sources.load(world.programme),
                                        selectors.rule_profiles(world.programme, ids[:2]))
    theirs = Attendance.objects.filter(enrolment_id__in=ids[:2])
    # Their days that can pay; the others (rest, leave, absence, a day of no
    # phase) are not read, and the test above shows the statements unchanged.
    payable = set(theirs.filter(status__in=rules.WORKED, day_kind__in=rules.PHASE_KINDS).values_list("pk", flat=True))
    assert {d[4] for p in periods.values() for d in p.days} == payable
    assert theirs.exclude(pk__in=payable).exists(), "the data have no day the rules skip"
