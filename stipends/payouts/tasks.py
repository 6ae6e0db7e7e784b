"""Background jobs of the payouts app (registered when the app is ready)."""

from stipends.payouts import services
from trainingweek.jobs import register_job_kind


@register_job_kind(services.JOB_KIND)
def freeze_batch(job) -> dict:
    """Compute and freeze a payout batch (idempotent: safe to run again)."""
    return services.freeze_batch_job(job)
