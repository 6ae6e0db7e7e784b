"""Core writes shared by every app."""

import secrets

from django.db import transaction

from trainingweek.models import PersonalDataAccess, User


def log_personal_data_access(*, user, action: str, subject: str, object_id, fields: str, record_count: int = 1,
                             ip_address: str | None = None) -> PersonalDataAccess:
    """Write one row of the personal-data access log: who saw or exported
    which unmasked fields of what, how many records, from which address.
    The one writer of that log, so every reveal and export reads the same."""
    return PersonalDataAccess.objects.create(
        user=user, action=action, subject=str(subject)[:200], object_id=str(object_id), fields=fields,
        record_count=record_count, ip_address=ip_address or None,
    )


def end_all_sessions(*, user: User) -> None:
    """Log the user out on every device and browser ("log out everywhere"):
    a new session token changes the auth hash every session carries, so each
    of them is refused at its next request. Sessions are not looked up (the
    database backend cannot find a user's sessions without decoding all)."""
    with transaction.atomic():
        user.session_token = secrets.token_hex(32)
        user.save(update_fields=["session_token"])
