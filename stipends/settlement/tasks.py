from celery import shared_task

from stipends.settlement import services as services_settlement


@shared_task(name="settlement.send_deadline_reminders")
def send_deadline_reminders() -> int:
    """Daily (beat): email reminders of settlement deadlines; never twice."""
    return services_settlement.send_deadline_reminders()
