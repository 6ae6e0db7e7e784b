"""Celery tasks of the programs app; each only calls a service."""

from celery import shared_task

from . import services_settlement


@shared_task(name="programs.tasks.send_deadline_reminders")
def send_deadline_reminders() -> int:
    """Daily (beat): email reminders of settlement deadlines; never twice."""
    return services_settlement.send_deadline_reminders()
