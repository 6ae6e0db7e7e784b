"""Background jobs of the payouts app (registered when the app is ready)."""

from programs.agreements.models import Programme
from stipends.payouts import documents, selectors, services
from trainingweek.jobs import register_job_kind


def _programme(job) -> Programme | None:
    return Programme.objects.filter(pk=job.params.get("programme")).first()


# Resumable: each chunk is one transaction and skips the students already frozen.
@register_job_kind(services.JOB_KIND, resumable=True, start_perm="payouts.make_batch", perm_object=_programme)
def freeze_batch(job) -> dict:
    """Compute and freeze a payout batch (idempotent: safe to run again)."""
    return services.freeze_batch_job(job)


# Resumable: the file is built afresh and replaces the one a dead run may have stored.
@register_job_kind(selectors.BANK_FILE_JOB_KIND, resumable=True, start_perm="payouts.export_bank_data",
                   perm_object=_programme)
def prepare_bank_file(job) -> dict:
    """Prepare a big approved batch's bank file or its summary, stored encrypted."""
    return documents.prepare_bank_file(job)
