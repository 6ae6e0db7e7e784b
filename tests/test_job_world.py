"""The job world is shared by a module's tests: what one test does to it, the next never sees.

The two tests run in this order (pytest keeps a module's order; under xdist
they may land in different processes, each with a world of its own, and then
the second holds trivially).
"""

import pytest

from stipends.payouts.models import PayoutBatch
from trainingweek.models import Job

pytestmark = pytest.mark.django_db
_first_saw: dict = {}


def test_a_test_changes_the_world_rows_objects_and_files(world_with_job, settings):
    from django.core.files.storage import default_storage

    _first_saw["batch"] = world_with_job.batch.pk
    assert default_storage.exists(world_with_job.job.result_file.name)  # the world's files are in this test's media
    PayoutBatch.objects.filter(pk=world_with_job.batch.pk).update(state=PayoutBatch.State.DRAFT)
    Job.objects.filter(pk=world_with_job.job.pk).delete()
    world_with_job.programme.name = "changed in memory"
    world_with_job.batch.state = PayoutBatch.State.DRAFT
    default_storage.delete(world_with_job.job.result_file.name)


def test_the_next_test_gets_the_world_as_built(world_with_job):
    from django.core.files.storage import default_storage

    assert PayoutBatch.objects.get(pk=world_with_job.batch.pk).state == PayoutBatch.State.APPROVED
    assert Job.objects.filter(pk=world_with_job.job.pk).exists()
    assert world_with_job.programme.name == "2020双十一实训"
    assert world_with_job.batch.state == PayoutBatch.State.APPROVED
    assert default_storage.exists(world_with_job.job.result_file.name)
    if _first_saw:  # the same process: the same rows, not a world built again
        assert _first_saw["batch"] == world_with_job.batch.pk


def test_a_bare_world_is_refused_beside_it(request):
    with pytest.raises(AssertionError, match="share the job world"):
        request.getfixturevalue("world_with_job")
        request.getfixturevalue("world")
