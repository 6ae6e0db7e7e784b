"""Attendance works on a rostered programme: the rosters fixtures, shared."""

from tests.rosters.conftest import _english, add_students, rostered, shifts  # noqa: F401 (fixtures)
