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


# --------------------------------------------------------------------------- behind the TLS proxy
PROXY = "172.18.0.5"  # the proxy container: REMOTE_ADDR of every request behind it
CLIENT_A, CLIENT_B = "203.0.113.10", "198.51.100.20"


@pytest.fixture
def behind_one_proxy(settings):
    """The settings that TRUSTED_PROXY_COUNT=1 produces."""
    from trainingweek.http import ipware_options

    for name, value in ipware_options(1).items():
        setattr(settings, name, value)


def _via_proxy(username, password, forwarded_for):
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_behind_a_proxy_lockout_is_keyed_on_the_real_client(world, settings, behind_one_proxy):
    from axes.models import AccessAttempt

    settings.AXES_FAILURE_LIMIT = 5
    for n in range(5):
        # A client prepending made-up addresses does not escape its own lock.
        _via_proxy("coordinator", "wrong", f"10.9.9.{n}, {CLIENT_A}")
    assert _via_proxy("coordinator", "pass-for-tests-1", CLIENT_A).status_code == 429
    # The same account from another classroom, through the same proxy, logs in.
    assert _via_proxy("coordinator", "pass-for-tests-1", CLIENT_B).status_code == 302
    assert list(AccessAttempt.objects.values_list("username", "ip_address")) == [("coordinator", CLIENT_A)]


def test_behind_a_proxy_the_access_log_records_the_real_client(world, behind_one_proxy):
    from django.urls import reverse

    from trainingweek.models import PersonalDataAccess

    enrolment = world.enrolments_a[0]
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"6.6.6.6, {CLIENT_A}")
    client.force_login(world.finance)
    url = reverse("programs:enrolment_reveal", args=[world.programme.pk, enrolment.pk])
    assert client.post(url).status_code == 200
    assert PersonalDataAccess.objects.get().ip_address == CLIENT_A


def test_without_a_proxy_a_forwarded_header_is_ignored(world, settings):
    from axes.models import AccessAttempt

    from trainingweek.http import ipware_options

    for name, value in ipware_options(0).items():
        setattr(settings, name, value)
    settings.AXES_FAILURE_LIMIT = 3
    for n in range(3):
        # Each attempt claims another address; none of them is believed.
        Client(REMOTE_ADDR=CLIENT_A, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").post(
            "/accounts/login/", {"username": "coordinator", "password": "wrong"})
    locked = Client(REMOTE_ADDR=CLIENT_A, HTTP_X_FORWARDED_FOR=CLIENT_B).post(
        "/accounts/login/", {"username": "coordinator", "password": "pass-for-tests-1"})
    assert locked.status_code == 429
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [CLIENT_A]


def test_trusted_proxy_count_comes_from_the_environment():
    import os
    import subprocess
    import sys
    from pathlib import Path

    show = ("from django.conf import settings as s; "
            "print(s.AXES_IPWARE_PROXY_COUNT, s.AXES_IPWARE_META_PRECEDENCE_ORDER, s.AXES_CLIENT_IP_CALLABLE)")
    out = {}
    for count in ("0", "1", "2"):
        result = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {show}"],
            cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=120,
            env={**os.environ, "TRUSTED_PROXY_COUNT": count, "DJANGO_SETTINGS_MODULE": "trainingweek.settings"},
        )
        assert result.returncode == 0, result.stderr
        out[count] = result.stdout.strip()
    assert out == {
        "0": "0 ('REMOTE_ADDR',) trainingweek.http.client_address",
        "1": "0 ('HTTP_X_FORWARDED_FOR',) trainingweek.http.client_address",
        "2": "1 ('HTTP_X_FORWARDED_FOR',) trainingweek.http.client_address",
    }


@pytest.mark.parametrize("proxies, forwarded_for, expected", [
    (1, CLIENT_A, CLIENT_A),
    (1, f"6.6.6.6, {CLIENT_A}", CLIENT_A),
    (2, f"6.6.6.6, {CLIENT_A}, 10.0.0.7", CLIENT_A),  # the outer proxy, then the inner one
    (1, None, PROXY),  # came in past the proxy (a health check): REMOTE_ADDR
    (0, CLIENT_B, PROXY),
])
def test_client_address(settings, proxies, forwarded_for, expected):
    from django.test import RequestFactory

    from trainingweek.http import client_address, ipware_options

    for name, value in ipware_options(proxies).items():
        setattr(settings, name, value)
    extra = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    assert client_address(RequestFactory().get("/", REMOTE_ADDR=PROXY, **extra)) == expected
