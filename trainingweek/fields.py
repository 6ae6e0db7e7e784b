"""Model fields that keep personal data encrypted at rest."""

from django.db import models

from trainingweek import crypto


class EncryptedTextField(models.TextField):
    """A text column stored as a Fernet token and read back as plain text.

    It cannot be filtered or ordered on (the token is random); pair it with a
    digest column (see :func:`trainingweek.crypto.digest`) for look-ups. A
    :class:`trainingweek.crypto.Token` (another encrypted column's value, as
    stored) is written as it is, not encrypted again; read it with
    :func:`stored_token`.
    """

    description = "Encrypted text"

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        if isinstance(value, crypto.Token):
            return str(value)  # encrypted already
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return crypto.encrypt(value)


def stored_token(name: str) -> models.Expression:
    """An encrypted column (``name``, a lookup path such as ``student__bank_card``)
    as stored, for ``values()`` / ``annotate()``: the token, not decrypted
    (wrap it in :class:`trainingweek.crypto.Token` to store it in another
    encrypted column)."""
    return models.ExpressionWrapper(models.F(name), output_field=models.TextField())
