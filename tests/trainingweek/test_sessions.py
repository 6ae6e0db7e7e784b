"""Sessions fit shared classroom computers: a working day at most, gone when
the browser closes, and "log out everywhere" ends every one of a user's."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-1"  # tests/factories.py
NINE_HOURS = 9 * 60 * 60


def _logged_in(username) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _is_logged_in(client) -> bool:
    response = client.get("/programs/")
    return response.status_code == 200


def test_log_out_everywhere_ends_the_users_other_sessions(world):
    classroom, phone = _logged_in("coordinator"), _logged_in("coordinator")
    colleague = _logged_in("finance")
    assert _is_logged_in(classroom) and _is_logged_in(phone)

    response = phone.post("/accounts/logout-everywhere/")
    assert response.status_code == 200
    assert 'data-testid="logged-out-everywhere"' in response.content.decode()
    assert not _is_logged_in(phone)
    # The classroom computer, never touched, is logged out at its next request.
    assert not _is_logged_in(classroom)
    assert classroom.get("/programs/")["Location"].startswith("/accounts/login/")
    # Nobody else is.
    assert _is_logged_in(colleague)
    # Logging in again works, and only the new session counts.
    again = _logged_in("coordinator")
    assert _is_logged_in(again) and not _is_logged_in(classroom)


def test_log_out_everywhere_is_a_post_and_in_the_menu(world, client_for):
    client = client_for(world.mentor_a)
    assert client.get("/accounts/logout-everywhere/").status_code == 405
    assert _is_logged_in(client)
    page = client.get("/programs/").content.decode()
    assert 'action="/accounts/logout-everywhere/" method="post"' in page


def test_an_untouched_users_sessions_survive_the_upgrade(world):
    """Before anyone logs out everywhere the hash is Django's own: no session
    ends when this is deployed."""
    from django.contrib.auth.base_user import AbstractBaseUser

    user = world.coordinator
    assert user.session_token == ""
    assert user.get_session_auth_hash() == AbstractBaseUser.get_session_auth_hash(user)


def test_a_session_lasts_a_working_day_and_ends_with_the_browser(world):
    client = _logged_in("coordinator")
    cookie = client.cookies["sessionid"]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # a browser-session cookie
    # Also on the server: an open browser on a classroom computer is logged out after the day.
    assert client.session.get_expiry_age() == NINE_HOURS


def test_session_lifetime_comes_from_the_environment():
    show = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.SESSION_COOKIE_AGE, s.SESSION_EXPIRE_AT_BROWSER_CLOSE)")

    def settings_with(**env):
        result = subprocess.run([sys.executable, "-c", show], cwd=Path(__file__).resolve().parents[2],
                                capture_output=True, text=True, timeout=120,
                                env={**os.environ, "DJANGO_SETTINGS_MODULE": "trainingweek.settings", **env})
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert settings_with() == f"{NINE_HOURS} True"
    assert settings_with(SESSION_COOKIE_AGE="3600", SESSION_EXPIRE_AT_BROWSER_CLOSE="false") == "3600 False"


def test_a_lasting_cookie_when_configured(world, settings):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = False
    cookie = _logged_in("coordinator").cookies["sessionid"]
    assert cookie["max-age"] == NINE_HOURS
