"""Logins are throttled per (username, address), never per address alone."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _attempt(username, password, ip):
    return Client(REMOTE_ADDR=ip).post("/accounts/login/", {"username": username, "password": password})


def test_lockout_is_per_username_and_address(world, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        _attempt("coordinator", "wrong", "10.0.0.1")
    # That user from that address is locked, even with the right password.
    assert _attempt("coordinator", "pass-for-tests-1", "10.0.0.1").status_code == 429
    # A classmate on the same address, and the same user elsewhere, are not.
    assert _attempt("finance", "pass-for-tests-1", "10.0.0.1").status_code == 302
    assert _attempt("coordinator", "pass-for-tests-1", "10.0.0.2").status_code == 302


def test_passwords_are_hashed_with_argon2(settings):
    from trainingweek import settings as project_settings
    from trainingweek.models import User

    # The tests swap in a fast hasher; put back what the project configures.
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    user = User.objects.create_user("someone", password="a-long-password-1")
    assert user.password.startswith("argon2$")
    assert user.check_password("a-long-password-1")


def test_every_page_requires_login(world):
    response = Client().get(f"/programs/{world.programme.pk}/enrolments/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
