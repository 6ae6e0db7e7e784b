"""Field-level encryption and keyed digests for personal data (PIPL).

Values are encrypted with Fernet (AES-128-CBC + HMAC); several comma-separated
keys in FIELD_ENCRYPTION_KEY allow rotation (the first encrypts, all decrypt).
A keyed HMAC-SHA256 digest of the normalised value is stored beside it so that
duplicates can be found with an index, without decrypting anything.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _derive(label: str) -> bytes:
    # Development fallback only: production must set the keys explicitly.
    return hashlib.sha256(f"{label}:{settings.SECRET_KEY}".encode()).digest()


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    raw = [k.strip() for k in (settings.FIELD_ENCRYPTION_KEY or "").split(",") if k.strip()]
    if not raw:
        raw = [base64.urlsafe_b64encode(_derive("field-encryption")).decode()]
    try:
        return MultiFernet([Fernet(k) for k in raw])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64 bytes), comma-separated"
        ) from exc


@lru_cache(maxsize=1)
def _hash_key() -> bytes:
    key = settings.FIELD_HASH_KEY
    return key.encode() if key else _derive("field-hash")


class Token(str):
    """A value as an encrypted column stores it (a token :func:`encrypt`
    made, with any of the configured keys), read without decrypting it:
    :class:`trainingweek.fields.EncryptedTextField` stores it as it is. A
    copy of an encrypted value (a student's card frozen into a payout item)
    is so neither decrypted nor encrypted again, and decrypts as the original."""

    __slots__ = ()


def encrypt(value: str) -> str:
    """Encrypt a text value; the token is ASCII and safe to store as text."""
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """Decrypt a token written by :func:`encrypt`."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("personal data cannot be decrypted with the configured keys") from exc


def encrypt_bytes(data: bytes) -> bytes:
    """Encrypt a file's content (an upload waiting for its job) with the field key."""
    return _fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    """Decrypt content written by :func:`encrypt_bytes`."""
    try:
        return _fernet().decrypt(token)
    except InvalidToken as exc:
        raise ValueError("the stored file cannot be decrypted with the configured keys") from exc


def digest(value: str) -> str:
    """Keyed digest of an already-normalised value (for equality look-ups only)."""
    return hmac.new(_hash_key(), value.encode(), hashlib.sha256).hexdigest()


def clear_key_cache() -> None:
    """Forget cached keys (tests that override the key settings call this)."""
    _fernet.cache_clear()
    _hash_key.cache_clear()
