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


def reconciled_batch(world, *, reconciled_on: date, up_to: date | None = None, computed_on: date | None = None,
                     school_class=None, follow_up_of=None):
    """A payout batch of ``world.programme`` as payouts leaves it once the
    bank's result was applied on ``reconciled_on`` (made by one finance user,
    approved by another)."""
    from datetime import datetime, time

    from django.utils import timezone

    from stipends.payouts.models import PayoutBatch
    from tests.factories import UserFactory
    from trainingweek.models import User

    maker = UserFactory(role=User.Role.FINANCE, organisation=world.company)

    def at(day):
        return timezone.make_aware(datetime.combine(day, time(15, 0)))

    computed_on = computed_on or reconciled_on
    return PayoutBatch.objects.create(
        programme=world.programme, school_class=school_class, up_to=up_to, pay_on=reconciled_on,
        state=PayoutBatch.State.RECONCILED, created_by=maker, computed_at=at(computed_on),
        approved_by=world.finance, approved_at=at(computed_on), exported_at=at(computed_on),
        reconciled_at=at(reconciled_on), follow_up_of=follow_up_of)


def payout_item(batch, enrolment, *, status, retry_of=None):
    """One transferred item of ``batch`` (100.00 net) with the bank's outcome."""
    from stipends.payouts.models import PayoutItem

    money = Decimal("100.00")
    return PayoutItem.objects.create(
        batch=batch, enrolment=enrolment, school_class=enrolment.school_class, name=enrolment.student.name,
        account_name=enrolment.student.name, earned=money, liability=Decimal("0"), gross=money, tax=Decimal("0"),
        net=money, payment_key=f"{batch.programme_id}:{enrolment.pk}:1", status=status, retry_of=retry_of,
        settled_at=batch.reconciled_at)
