"""Background jobs of the payouts app (registered when the app is ready)."""

from programs.agreements.models import Programme
from stipends.payouts import services
from trainingweek.jobs import register_job_kind


def _programme(job) -> Programme | None:
    return Programme.objects.filter(pk=job.params.get("programme")).first()


# Resumable: each chunk is one transaction and skips the students already frozen.
@register_job_kind(services.JOB_KIND, resumable=True, start_perm="payouts.make_batch", perm_object=_programme)
def freeze_batch(job) -> dict:
    """Compute and freeze a payout batch (idempotent: safe to run again)."""
    return services.freeze_batch_job(job)
