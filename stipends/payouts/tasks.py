"""Celery tasks of the stipends app: thin wrappers around services."""

from celery import shared_task

from stipends.payouts.services import freeze_batch_job
from trainingweek.jobs import execute_job


@shared_task(name="stipends.freeze_batch")
def freeze_batch_task(job_id: int) -> None:
    """Compute and freeze a payout batch (idempotent: safe to run again)."""
    execute_job(job_id, freeze_batch_job)
