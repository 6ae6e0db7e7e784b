"""Core writes shared by every app."""

from trainingweek.models import PersonalDataAccess


def log_personal_data_access(*, user, action: str, subject: str, object_id, fields: str, record_count: int = 1,
                             ip_address: str | None = None) -> PersonalDataAccess:
    """Write one row of the personal-data access log: who saw or exported
    which unmasked fields of what, how many records, from which address.
    The one writer of that log, so every reveal and export reads the same."""
    return PersonalDataAccess.objects.create(
        user=user, action=action, subject=str(subject)[:200], object_id=str(object_id), fields=fields,
        record_count=record_count, ip_address=ip_address or None,
    )
