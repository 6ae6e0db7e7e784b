"""Model fields that keep personal data encrypted at rest."""

from django.db import models

from trainingweek import crypto


class EncryptedTextField(models.TextField):
    """A text column stored as a Fernet token and read back as plain text.

    It cannot be filtered or ordered on (the token is random); pair it with a
    digest column (see :func:`trainingweek.crypto.digest`) for look-ups.
    """

    description = "Encrypted text"

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return crypto.encrypt(value)
