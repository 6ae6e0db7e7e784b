"""The rule a grid save follows per cell (trainingweek.versioning), with worked examples."""

import doctest

import pytest

from trainingweek import versioning
from trainingweek.versioning import CONFLICT, SKIP, WRITE, Loaded, outcome, parse_token, token

NONE = Loaded(0, None)


@pytest.mark.parametrize(("posted", "loaded", "current", "expected"), [
    ("8", Loaded(1, "7"), Loaded(1, "7"), WRITE),           # changed, nobody else did: written
    ("8", NONE, NONE, WRITE),                               # a new cell
    ("7", Loaded(1, "7"), Loaded(2, "9"), SKIP),            # not changed: never a write, however stale
    (None, NONE, Loaded(1, "9"), SKIP),                     # an empty cell left empty: not a clear
    ("8", Loaded(1, "7"), Loaded(2, "9"), CONFLICT),        # changed under the user
    ("8", NONE, Loaded(1, "9"), CONFLICT),                  # created by someone else since the load
    (None, Loaded(1, "7"), Loaded(2, "9"), CONFLICT),       # a clear of a cell changed meanwhile
    ("8", Loaded(1, "7"), NONE, CONFLICT),                  # deleted meanwhile
    ("8", Loaded(1, "7"), Loaded(2, "8"), SKIP),            # the same change made twice
    ("8", Loaded(1, "7"), Loaded(1, "6"), CONFLICT),        # deleted and created again: same version, other value
])
def test_outcome(posted, loaded, current, expected):
    assert outcome(posted=posted, loaded=loaded, current=current) == expected


def test_tokens_round_trip_and_unreadable_ones_are_none():
    assert parse_token(token(12, "late", ""), 2) == (12, ["late", ""])
    assert parse_token(token(3, "62.52"), 1) == (3, ["62.52"])
    assert parse_token("", 1) is None and parse_token("3", 1) is None and parse_token("-1|x", 1) is None


def test_docstring_examples():
    assert doctest.testmod(versioning).failed == 0
