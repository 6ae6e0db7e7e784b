"""The masked copies kept beside a student's encrypted personal fields
(Student.*_masked), and the bank-card rule's check of the card
(Student.bank_card_check), stay in step with the encrypted values through every
writer: the model's save, the import (new students, a re-import that changes
a card, a phone, an ID number), the bank-details service, the admin's blind
edit, and the data migrations that fill existing rows (finance's correction
and the payout items: tests/payouts/test_masked_copies.py). After every step *every* row is compared with its
decrypted value, so a writer that forgot one column on one row fails."""

import importlib
import random

import pytest
from django.apps import apps
from django.utils import translation
from stdnum import luhn

from programs.students import demo as synthetic
from programs.students import services as services_students
from programs.students.models import Student
from programs.students.rules import card_check
from trainingweek.masking import mask_bank_card, mask_id_number, mask_phone

from .test_import_service import do_import, student_rows


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def assert_students_in_step():
    """Every student's masked copies are the masks of their decrypted values, and not blank when a value is
    set; the card's check is what the bank-card rule says of the decrypted card."""
    students = list(Student.objects.all())
    assert students
    for s in students:
        assert (s.id_number_masked, s.phone_masked, s.bank_card_masked) == (
            mask_id_number(s.id_number), mask_phone(s.phone), mask_bank_card(s.bank_card)), s.student_number
        assert bool(s.bank_card_masked) == bool(s.bank_card) and bool(s.id_number_masked) == bool(s.id_number)
        assert s.bank_card_check == card_check(s.bank_card), s.student_number


def luhn_failing(card: str) -> str:
    """The card with its last digit changed so that it fails the Luhn check (stdnum decides)."""
    wrong = card[:-1] + str((int(card[-1]) + 1) % 10)
    assert not luhn.is_valid(wrong)
    return wrong


def test_the_card_check_follows_the_bank_card_rule():
    """A valid card is ok, one failing Luhn (by stdnum) luhn, a short one invalid, none missing."""
    card = synthetic.make_bank_card(random.Random(3))
    assert luhn.is_valid(card)
    assert [card_check(c) for c in (card, luhn_failing(card), card[:12], "")] == ["ok", "luhn", "invalid", "missing"]


def test_a_saved_student_has_its_masked_copies(world):
    assert_students_in_step()
    student = world.enrolments_a[0].student
    assert student.id_number_masked[:4] == student.id_number[:4] and "*" in student.id_number_masked


def test_import_then_re_import_with_changed_card_phone_and_id_keeps_the_copies_in_step(world):
    rows = student_rows(5)
    assert do_import(world, rows).status == "imported"
    assert_students_in_step()
    rng = random.Random(4242)
    changed = [dict(r) for r in rows]
    changed[0]["银行卡号"] = synthetic.make_bank_card(rng)
    changed[1]["手机号"] = synthetic.make_phone(rng)
    changed[2]["身份证号"] = synthetic.make_id_number(rng)
    changed[3]["银行卡号"] = None  # an empty optional cell keeps the card on record
    record = do_import(world, changed)
    assert record.status == "imported", record.errors
    assert record.updated_count == 3
    assert_students_in_step()
    by_number = {s.student_number: s for s in Student.objects.filter(student_number__in=[r["学号"] for r in rows])}
    assert by_number[rows[0]["学号"]].bank_card_masked == mask_bank_card(changed[0]["银行卡号"])
    assert by_number[rows[1]["学号"]].phone_masked == mask_phone(changed[1]["手机号"])
    assert by_number[rows[2]["学号"]].id_number_masked == mask_id_number(changed[2]["身份证号"])
    assert by_number[rows[3]["学号"]].bank_card_masked == mask_bank_card(rows[3]["银行卡号"])


def test_a_re_import_with_a_card_failing_luhn_keeps_its_check(world):
    rows = student_rows(2)
    assert do_import(world, rows).status == "imported"
    changed = [dict(r) for r in rows]
    changed[0]["银行卡号"] = luhn_failing(rows[0]["银行卡号"])
    record = do_import(world, changed)
    assert record.status == "imported", record.errors
    assert Student.objects.get(student_number=rows[0]["学号"]).bank_card_check == "luhn"
    assert_students_in_step()


def test_the_bank_details_service_refreshes_the_masked_card(world):
    student = world.enrolments_a[0].student
    card = synthetic.make_bank_card(random.Random(7))
    services_students.update_bank_details(student=student, bank_card=card, account_holder="", bank_name="银行",
                                          bank_branch="")
    assert Student.objects.get(pk=student.pk).bank_card_masked == mask_bank_card(card)
    assert_students_in_step()
    services_students.update_bank_details(student=student, bank_card=luhn_failing(card), account_holder="",
                                          bank_name="银行", bank_branch="")
    assert Student.objects.get(pk=student.pk).bank_card_check == "luhn"
    assert_students_in_step()


def test_the_admins_blind_edit_refreshes_the_copies(world, client_for):
    from .test_audit_admin import admin_post

    student = world.enrolments_a[0].student
    rng = random.Random(11)
    new = {"new_phone": synthetic.make_phone(rng), "new_bank_card": synthetic.make_bank_card(rng)}
    response = admin_post(client_for(world.admin), student, **new)
    assert response.status_code == 302
    student = Student.objects.get(pk=student.pk)
    assert (student.phone_masked, student.bank_card_masked) == (mask_phone(new["new_phone"]),
                                                                mask_bank_card(new["new_bank_card"]))
    assert_students_in_step()
    # The change list shows the copies without decrypting (the list defers the encrypted columns).
    page = client_for(world.admin).get("/admin/students/student/").content.decode()
    assert student.bank_card_masked in page and new["new_bank_card"] not in page


def test_the_data_migration_fills_existing_students(world):
    Student.objects.update(id_number_masked="", phone_masked="", bank_card_masked="")
    importlib.import_module("programs.students.migrations.0005_masked_copies").fill_masked_copies(apps, None)
    assert_students_in_step()


def test_the_data_migration_fills_the_card_checks(world):
    student = world.enrolments_a[0].student
    Student.objects.filter(pk=student.pk).update(bank_card="", bank_card_digest="", bank_card_masked="")  # no card
    Student.objects.update(bank_card_check="")
    importlib.import_module("programs.students.migrations.0006_bank_card_check").fill_card_checks(apps, None)
    assert Student.objects.get(pk=student.pk).bank_card_check == "missing"
    assert set(Student.objects.values_list("bank_card_check", flat=True)) == {"missing", "ok"}
    assert_students_in_step()
