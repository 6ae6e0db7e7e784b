"""The worked examples in the rules' docstrings are run: an example that no
longer holds fails here instead of misleading the next reader."""

import doctest
import importlib

import pytest
from django.utils import translation

RULES = ["trainingweek.rules", "programs.agreements.rules", "programs.students.rules", "programs.rosters.rules",
         "programs.attendance.rules", "scoring.rules", "stipends.payouts.rules", "stipends.settlement.rules",
         "trainingweek.money", "trainingweek.versioning", "trainingweek.text"]


@pytest.mark.parametrize("name", RULES)
def test_the_worked_examples_hold(name):
    module = importlib.import_module(name)
    with translation.override("en"):  # the examples are written in English
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} fail"
