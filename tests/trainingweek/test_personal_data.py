"""Personal data is encrypted at rest, found by keyed digest, shown masked."""

import pytest
from cryptography.fernet import Fernet
from django.db import IntegrityError, connection
from stdnum.cn import ric

from programs.students.models import Student
from tests.factories import SchoolFactory, StudentFactory
from trainingweek import crypto
from trainingweek.masking import mask_bank_card, mask_id_number, mask_phone

BODY = "43010220000101123"  # synthetic: a district code, a birth date, a sequence
ID_NUMBER = BODY + ric.calc_check_digit(BODY + "?")  # stdnum takes all 18 characters


@pytest.fixture
def fresh_keys(settings):
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    settings.FIELD_HASH_KEY = "test-hash-key"
    crypto.clear_key_cache()
    yield settings
    crypto.clear_key_cache()


def _raw(column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM students_student WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_id_phone_and_card_are_not_stored_in_clear(fresh_keys):
    student = StudentFactory(id_number=ID_NUMBER, phone="13812345678", bank_card="6217001234567890123")
    for column, clear in (("id_number", ID_NUMBER), ("phone", "13812345678"), ("bank_card", "6217001234567890123")):
        raw = _raw(column, student.pk)
        assert clear not in raw and clear[-4:] not in raw
    reloaded = Student.objects.get(pk=student.pk)
    assert (reloaded.id_number, reloaded.phone, reloaded.bank_card) == (ID_NUMBER, "13812345678", "6217001234567890123")


@pytest.mark.django_db
def test_digest_finds_duplicates_without_decrypting(fresh_keys):
    school = SchoolFactory()
    student = StudentFactory(school=school, id_number=ID_NUMBER)
    assert Student.objects.filter(id_number_digest=crypto.digest(ID_NUMBER)).get() == student
    with pytest.raises(IntegrityError):
        StudentFactory(school=school, id_number=ID_NUMBER)


@pytest.mark.django_db
def test_rotated_key_still_reads_old_rows(fresh_keys):
    old_key = fresh_keys.FIELD_ENCRYPTION_KEY
    student = StudentFactory(id_number=ID_NUMBER)
    fresh_keys.FIELD_ENCRYPTION_KEY = f"{Fernet.generate_key().decode()},{old_key}"
    crypto.clear_key_cache()
    assert Student.objects.get(pk=student.pk).id_number == ID_NUMBER


@pytest.mark.django_db
def test_wrong_key_fails_loudly_rather_than_returning_garbage(fresh_keys):
    student = StudentFactory(id_number=ID_NUMBER)
    fresh_keys.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    crypto.clear_key_cache()
    with pytest.raises(ValueError):
        Student.objects.get(pk=student.pk)


def test_digest_is_keyed(fresh_keys):
    first = crypto.digest(ID_NUMBER)
    fresh_keys.FIELD_HASH_KEY = "another-key"
    crypto.clear_key_cache()
    assert crypto.digest(ID_NUMBER) != first


@pytest.mark.parametrize(
    ("masker", "value", "shown"),
    [
        (mask_id_number, "43010220000101123X", "4301**********123X"),
        (mask_phone, "13812345678", "138****5678"),
        (mask_bank_card, "6217001234567890123", "6217***********0123"),
        (mask_bank_card, "", ""),
        (mask_phone, "1234", "****"),
    ],
)
def test_masks(masker, value, shown):
    assert masker(value) == shown
