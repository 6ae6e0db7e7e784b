"""The ``world`` programme with its scoring set-up (default KPIs and periods)."""

import pytest
from django.utils import translation

from scoring import services


@pytest.fixture(autouse=True)
def _english():
    """Rules and services speak English here; pages are asked for in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def client_for(client_for, settings):
    def make(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


@pytest.fixture
def setup(world):
    """The defaults, created on demand: 9 KPIs (QC and negative reviews per team), 4 periods."""
    return services.load_setup(world.programme)


def kpi(setup, code):
    return next(k for k in setup.kpis if k.code == code)


def period(setup, n=-1):
    return setup.periods[n]
