"""The daily beat job: reminders a few working days before a deadline, once."""

from datetime import date
from decimal import Decimal

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail

from stipends.settlement import services
from stipends.settlement.models import DeadlineReminder, SettlementPayment, SettlementRecord
from stipends.settlement.tasks import send_deadline_reminders
from tests.factories import UserFactory, delete_batches
from tests.settlement.conftest import reconciled_batch
from trainingweek.celery import app
from trainingweek.models import User

D = date.fromisoformat


def test_beat_schedule_runs_the_job_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["settlement-deadline-reminders"]
    assert entry["task"] == "settlement.send_deadline_reminders"
    assert isinstance(entry["schedule"], crontab)
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {30}
    assert app.conf.beat_schedule["settlement-deadline-reminders"]["task"] in app.tasks


@pytest.fixture
def people(settled_world):
    w = settled_world
    for user, email in ((w.coordinator, "coord@school.example"), (w.finance, "finance@company.example"),
                        (w.mentor_a, "mentor@company.example"), (w.other_coordinator, "other@school.example")):
        user.email = email
        user.save()
    UserFactory(username="coord_no_mail", role=User.Role.COORDINATOR, organisation=w.school, email="")
    UserFactory(username="gone", role=User.Role.FINANCE, organisation=w.company, email="gone@company.example",
                is_active=False)
    # Insurance and stipends are done (the payout batch reconciled); the deposit is paid (settled_world).
    SettlementRecord.objects.create(programme=w.programme, insurance_bought_on=D("2018-10-29"))
    reconciled_batch(w, reconciled_on=D("2018-12-20"), computed_on=D("2018-12-10"))
    return w


def test_reminder_a_few_working_days_before_goes_to_the_people_concerned(people):
    # Settlement due 2019-01-14 (Monday): three working days before is 2019-01-09.
    assert services.send_deadline_reminders(today=D("2019-01-08")) == 0
    assert mail.outbox == []
    sent = services.send_deadline_reminders(today=D("2019-01-09"))
    assert sent == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["coord@school.example", "finance@company.example"]
    assert "2019-01-14" in message.subject and people.programme.name in message.subject
    assert "2019-01-14" in message.body
    reminder = DeadlineReminder.objects.get()
    assert (reminder.deadline, reminder.due, reminder.stage) == ("settlement", D("2019-01-14"), "upcoming")


def test_the_same_reminder_is_never_sent_twice(people):
    services.send_deadline_reminders(today=D("2019-01-10"))
    services.send_deadline_reminders(today=D("2019-01-10"))
    services.send_deadline_reminders(today=D("2019-01-11"))
    assert len(mail.outbox) == 1
    # Once overdue, one more (and only one) reminder.
    services.send_deadline_reminders(today=D("2019-01-15"))
    services.send_deadline_reminders(today=D("2019-01-16"))
    assert len(mail.outbox) == 2
    assert set(DeadlineReminder.objects.values_list("stage", flat=True)) == {"upcoming", "overdue"}


def test_done_deadlines_are_not_reminded(people):
    SettlementPayment.objects.create(programme=people.programme, paid_on=D("2019-01-08"),
                                     amount=Decimal("42900.00"), kind="settlement")
    assert services.send_deadline_reminders(today=D("2019-01-10")) == 0
    assert mail.outbox == []


def test_insurance_and_stipend_reminders(people):
    SettlementRecord.objects.update(insurance_bought_on=None)
    delete_batches()
    services.send_deadline_reminders(today=D("2018-10-26"))  # insurance due 10-30
    assert [m.subject for m in mail.outbox] == [mail.outbox[0].subject]
    assert "2018-10-30" in mail.outbox[0].subject
    SettlementRecord.objects.update(insurance_bought_on=D("2018-10-29"))
    reconciled_batch(people, reconciled_on=D("2018-12-20"), computed_on=D("2018-12-10"))
    mail.outbox.clear()
    services.send_deadline_reminders(today=D("2018-12-27"))  # stipends due 12-30 but already paid
    assert mail.outbox == []
    delete_batches()
    services.send_deadline_reminders(today=D("2018-12-27"))
    assert len(mail.outbox) == 1 and "2018-12-30" in mail.outbox[0].subject


def test_a_moved_deadline_is_reminded_again(people):
    services.send_deadline_reminders(today=D("2019-01-10"))
    people.programme.phases.filter(kind="practice").update(end=D("2018-12-07"))
    services.send_deadline_reminders(today=D("2019-01-16"))  # settlement now due 2019-01-21
    subjects = [m.subject for m in mail.outbox]
    assert any("2019-01-14" in s for s in subjects) and any("2019-01-21" in s for s in subjects)


def test_provisional_deadlines_say_so_in_the_email(world):
    world.coordinator.email = "coord@school.example"
    world.coordinator.save()
    world.programme.year = 2027
    world.programme.save()
    world.programme.phases.update(start=D("2027-11-01"), end=D("2027-11-30"))
    # Deposit due 10 working days (Monday–Friday assumed) before 2027-11-01.
    services.send_deadline_reminders(today=D("2027-10-14"))
    assert len(mail.outbox) == 1
    assert "2027-10-18" in mail.outbox[0].subject
    assert "2027" in mail.outbox[0].body and len(mail.outbox[0].body.splitlines()) == 5


def test_the_celery_task_runs_the_service(people, monkeypatch):
    monkeypatch.setattr(services.timezone, "localdate", lambda: D("2019-01-09"))
    assert send_deadline_reminders.delay().get() == 1
    assert len(mail.outbox) == 1


def test_a_failed_send_is_not_recorded_and_is_retried(people, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr(services, "send_mail", broken)
    assert services.send_deadline_reminders(today=D("2019-01-09")) == 0
    assert not DeadlineReminder.objects.exists()
    monkeypatch.undo()
    assert services.send_deadline_reminders(today=D("2019-01-10")) == 1
