"""The ``world`` programme with its scoring set-up (default KPIs and periods)."""

import pytest

from scoring import services


@pytest.fixture(autouse=True)
def _english(english_ui):
    """These tests read labels in English (see tests/conftest.py)."""


@pytest.fixture
def setup(world):
    """The defaults, created by the coordinator's action: 9 KPIs (QC and negative reviews per team), 4 periods."""
    return services.create_default_setup(programme=world.programme)


def kpi(setup, code):
    return next(k for k in setup.kpis if k.code == code)


def period(setup, n=-1):
    return setup.periods[n]
