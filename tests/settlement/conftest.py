"""Settlement fixtures on top of ``world``: phases like the 2018 agreement's
(training from 09-03, practice in November), rooms and a deposit."""

from datetime import date
from decimal import Decimal

import pytest

from programs.agreements.models import Phase
from stipends.settlement.models import Room, RoomUse, SettlementPayment


@pytest.fixture
def settled_world(world):
    """``world`` shaped like the 2018 agreement: training 2018-09-03..10-31,
    practice 11-01..11-30, two labs (110 computers), room 206, deposit paid."""
    programme = world.programme
    programme.year = 2018
    programme.save()
    programme.phases.all().delete()
    Phase.objects.create(programme=programme, kind=Phase.Kind.TRAINING, start=date(2018, 9, 3), end=date(2018, 10, 31))
    Phase.objects.create(programme=programme, kind=Phase.Kind.PRACTICE, start=date(2018, 11, 1), end=date(2018, 11, 30))
    agreement = world.agreement
    agreement.term_start, agreement.signed_on = date(2018, 9, 1), date(2018, 9, 1)
    agreement.save()
    lab_a = Room.objects.create(programme=programme, name="实训楼机房A", kind=Room.Kind.LAB)
    lab_b = Room.objects.create(programme=programme, name="实训楼机房B", kind=Room.Kind.LAB)
    plain = Room.objects.create(programme=programme, name="206", kind=Room.Kind.PLAIN)
    RoomUse.objects.create(room=lab_a, start=date(2018, 11, 1), end=date(2018, 11, 30), computers=60)
    RoomUse.objects.create(room=lab_b, start=date(2018, 11, 1), end=date(2018, 11, 30), computers=50)
    RoomUse.objects.create(room=plain, start=date(2018, 11, 1), end=date(2018, 11, 30))
    SettlementPayment.objects.create(programme=programme, paid_on=date(2018, 8, 17), amount=Decimal("10000"),
                                     kind=SettlementPayment.Kind.DEPOSIT, note="定金")
    return world
