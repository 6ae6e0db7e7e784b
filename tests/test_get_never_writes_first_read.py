"""The first read of a programme's pages writes nothing either.

A module of its own: the rest of ``tests/test_get_never_writes.py`` shares one
job world per module (``world_with_job``), and this test needs a programme
that was never set up (``world``).
"""

import pytest

from tests.test_get_never_writes import _walk
from tests.test_permissions import MATRIX


@pytest.mark.django_db
def test_a_get_of_a_programme_never_set_up_changes_nothing(world, client_for):
    """The first read of a page (no KPIs, rate card, roster plan yet) creates nothing either.

    Pages about records the bare world lacks (a batch, a job, an incident) have
    no URL here; every other page is walked, and most pages are."""
    walked = []
    for name in sorted(MATRIX):
        build, _expected = MATRIX[name]
        try:
            path = build(world)
        except AttributeError:
            continue
        _walk(world, client_for, name, path)
        walked.append(name)
    assert len(walked) >= len(MATRIX) * 2 // 3, walked
