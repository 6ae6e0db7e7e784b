"""The ``world`` programme with the 2020 phases, the seed's shifts and roster rules."""

import itertools
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

import pytest

from programs.agreements.models import Phase
from programs.rosters import services as services_rosters
from programs.rosters.models import CellKind, RosterPlan, RosterSpecialDay, ShiftTemplate
from tests.factories import EnrolmentFactory


@dataclass
class Shifts:
    morning: ShiftTemplate
    evening: ShiftTemplate
    peak: ShiftTemplate
    peak24: ShiftTemplate


@pytest.fixture(autouse=True)
def _english(english_ui):
    """These tests read labels in English (see tests/conftest.py)."""


@pytest.fixture
def shifts(world) -> Shifts:
    """Phases as in 2020 (the world already has practice 10-26..11-10), the
    shifts of the seeds, and the rotation 1/3 morning, 2/4 evening weekly."""
    p = world.programme
    Phase.objects.create(programme=p, kind=Phase.Kind.INTENSIVE, start=date(2020, 10, 24), end=date(2020, 10, 25))
    Phase.objects.create(programme=p, kind=Phase.Kind.PRE_SALE, start=date(2020, 11, 11), end=date(2020, 11, 11))
    Phase.objects.create(programme=p, kind=Phase.Kind.AFTER_SALE, start=date(2020, 11, 12), end=date(2020, 11, 22))

    def make(name, label, start, end, paid, peak=False):
        return ShiftTemplate.objects.create(programme=p, name=name, label=label, start=start, end=end,
                                            paid_hours=Decimal(paid), briefing_minutes=30, is_peak=peak)

    s = Shifts(
        morning=make("早班", "早", time(8, 30), time(17, 0), "8"),
        evening=make("晚班", "晚", time(16, 30), time(22, 0), "5.5"),
        peak=make("大促", "7:00-02:00", time(7, 0), time(2, 0), "17", peak=True),
        peak24=make("大促至24点", "7:00-24:00", time(7, 0), time(0, 0), "15", peak=True),
    )
    plan = RosterPlan.objects.create(programme=p, first_day=date(2020, 10, 24), last_day=date(2020, 11, 22),
                                     rotation_start=date(2020, 10, 26), first_shift=s.morning, second_shift=s.evening)
    for day, kind, shift in [(date(2020, 11, 1), CellKind.TBD, None), (date(2020, 11, 2), CellKind.TBD, None),
                             (date(2020, 11, 10), CellKind.SHIFT, s.peak), (date(2020, 11, 11), CellKind.SHIFT, s.peak24)]:
        RosterSpecialDay.objects.create(plan=plan, day=day, kind=kind, shift=shift)
    return s


@pytest.fixture
def rostered(world, shifts):
    """``shifts`` plus the generated roster."""
    services_rosters.generate_roster(programme=world.programme)
    return shifts


_accounts = itertools.count(1)


def add_students(world, team, school_class, n):
    return [EnrolmentFactory(programme=world.programme, school_class=school_class, team=team,
                             shop_account_id=f"bala:学生{next(_accounts)}") for _ in range(n)]
