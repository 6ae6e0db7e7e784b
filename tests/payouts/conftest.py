"""The ``world`` programme with attendance, profiles and a second finance
user: what payout batches are computed from."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import translation

from programs.attendance.models import Attendance
from scoring.models import Incident
from stipends.payouts import selectors, services
from stipends.payouts.models import PayoutBatch, StipendProfile
from tests.factories import UserFactory
from tests.services.conftest import _missing
from trainingweek.models import User

PAY_ON = date(2020, 12, 20)


@pytest.fixture(autouse=True)
def _english():
    """Rules and services speak English here; pages are asked for in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def client_for(client_for, settings):
    def make(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def attend(enrolment, start: date, n: int, kind: str = "practice", status: str = "present", hours=None):
    """``n`` attendance records from ``start`` (hours: online hours per day)."""
    rows = [Attendance(programme=enrolment.programme, enrolment=enrolment, day=start + timedelta(i), status=status,
                       day_kind=kind, online_hours=None if hours is None else Decimal(str(hours)))
            for i in range(n)]
    return Attendance.objects.bulk_create(rows)


@pytest.fixture
def finance2(world):
    """A second finance user of the company: the one who approves."""
    return UserFactory(username="finance2", role=User.Role.FINANCE, organisation=world.company)


@pytest.fixture
def worked(world):
    """Every student of the world worked 10 practice days (800.00); the first
    of team A also 2 training days after passing the assessment and 2 hours
    of overtime (+ 80.00 + 20.00)."""
    for e in world.enrolments_a + world.enrolments_b:
        attend(e, date(2020, 10, 26), 10)
    first = world.enrolments_a[0]
    attend(first, date(2020, 10, 20), 2, kind="training")
    StipendProfile.objects.create(enrolment=first, assessment_passed_on=date(2020, 10, 20))
    Attendance.objects.filter(enrolment=first, day=date(2020, 10, 27)).update(online_hours=Decimal("10"))
    return world


def frozen_batch(world, user=None, **kwargs) -> PayoutBatch:
    """A batch created and frozen synchronously (no job)."""
    batch = services.create_batch(programme=world.programme, user=user or world.finance, pay_on=kwargs.pop("pay_on", PAY_ON), **kwargs)
    services.freeze_batch(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def result_workbook(rows, *, header=("账号", "户名", "金额", "用途", "处理结果", "失败原因"), title="批量转账明细") -> bytes:
    """A bank's result file: a title row, then the header and ``rows``
    (tuples in header order), as the bank sends it back."""
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def bank_rows(batch, fail=(), reason="账户已冻结"):
    """Result rows for every payable item: 成功, or 失败 for the enrolments in ``fail``."""
    return [(i.account, i.account_name, i.net, "劳务费", "失败" if i.enrolment_id in fail else "成功",
             reason if i.enrolment_id in fail else None) for i in selectors.payable_items(batch)]


def approved_exported(world, finance2):
    batch = frozen_batch(world)
    services.approve_batch(batch=batch, user=finance2, confirmed=True)
    services.mark_sent_to_bank(batch=batch)
    return batch


@pytest.fixture
def flagged(worked):
    """A frozen batch with a warning of most kinds: a shared account, an
    account holder who is not the student, a student at the liability cap
    (zero net, an outlier)."""
    _a0, a1, a2 = worked.enrolments_a
    b0 = worked.enrolments_b[0]
    a2.student.bank_card = a1.student.bank_card
    a2.student.save()
    StipendProfile.objects.create(enrolment=b0, account_name="某家长")
    Incident.objects.create(programme=worked.programme, enrolment=b0, occurred_on=date(2020, 11, 1), level="cash",
                            cash_amount=Decimal("1000.00"), description="赔偿顾客", status=Incident.Status.CONFIRMED,
                            reported_by=worked.mentor_b)
    return frozen_batch(worked)


@pytest.fixture
def on_postgres(db):
    """A test of PostgreSQL's own path: skipped elsewhere, failed under CI=true (tests.services.conftest._missing)."""
    if connection.vendor != "postgresql":
        _missing("needs PostgreSQL: set DATABASE_URL (bash .ci/run does)")
