"""Fixtures of the student tests; the file helpers live in ``files``."""

import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Argon2 makes each factory user cost ~0.2 s; these tests are not about hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
