"""A student's personal data in the audit history (stored encrypted, shown
masked) and in the Django admin (masked, revealed only through a logged POST)."""

import random

import pytest
from django.contrib.auth.models import Permission
from django.db import connection

from programs.students import demo as synthetic
from programs.students.models import Student
from trainingweek.models import PersonalDataAccess

pytestmark = pytest.mark.django_db


def change_url(student):
    return f"/admin/students/student/{student.pk}/change/"


def admin_post(client, student, **new):
    form = {"school": student.school_id, "student_number": student.student_number, "name": student.name,
            "bank_name": student.bank_name, "new_id_number": "", "new_phone": "", "new_bank_card": ""}
    form.update(new)
    return client.post(change_url(student), form, REMOTE_ADDR="10.5.5.5")


def raw_rows(table) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (a fixed table name)
        return repr(cursor.fetchall())


def test_admin_change_page_shows_personal_data_masked_only(world, client_for):
    student = world.enrolments_a[0].student
    page = client_for(world.admin).get(change_url(student)).content.decode()
    for secret in (student.id_number, student.phone, student.bank_card):
        assert secret not in page
    assert student.id_number_masked in page and student.phone_masked in page and student.bank_card_masked in page
    assert f"/admin/students/student/{student.pk}/reveal/" in page
    assert not PersonalDataAccess.objects.exists()


def test_a_new_value_is_typed_blind_and_the_change_is_in_the_history_encrypted(world, client_for):
    student = world.enrolments_a[0].student
    old_phone, new_phone = student.phone, synthetic.make_phone(random.Random(99))
    assert old_phone != new_phone
    response = admin_post(client_for(world.admin), student, new_phone=new_phone)
    assert response.status_code == 302, response.content.decode()[:3000]
    student.refresh_from_db()
    assert student.phone == new_phone and student.id_number  # the ID number kept

    row = Student.history.filter(id=student.pk).order_by("-history_date", "-history_id").first()
    assert (row.history_type, row.history_user, row.ip_address) == ("~", world.admin, "10.5.5.5")
    assert row.phone == new_phone  # the field class decrypts the history as the record
    raw = raw_rows("students_historicalstudent")
    for secret in (student.id_number, old_phone, new_phone, student.bank_card):
        assert secret not in raw

    # The student's page and the admin history show the change masked.
    page = client_for(world.finance).get(
        f"/programs/{world.programme.pk}/enrolments/{world.enrolments_a[0].pk}/").content.decode()
    assert old_phone not in page and new_phone not in page
    from trainingweek.masking import mask_phone

    assert f"{mask_phone(old_phone)} → {mask_phone(new_phone)}" in page
    history = client_for(world.admin).get(f"/admin/students/student/{student.pk}/history/").content.decode()
    assert "10.5.5.5" in history and new_phone not in history and old_phone not in history
    assert mask_phone(new_phone) in history
    # An old version is never shown as a form (it would hold the data in clear).
    assert client_for(world.admin).get(
        f"/admin/students/student/{student.pk}/history/{row.history_id}/").status_code == 403


def test_a_bad_new_id_number_is_refused(world, client_for):
    student = world.enrolments_a[0].student
    response = admin_post(client_for(world.admin), student, new_id_number="12345")
    assert response.status_code == 200
    student.refresh_from_db()
    assert student.id_number != "12345"


def test_the_admin_reveal_is_finance_only_a_post_and_logged(world, client_for):
    student = world.enrolments_a[0].student
    url = f"/admin/students/student/{student.pk}/reveal/"
    # The admin role (even a superuser) is not finance: no reveal.
    assert client_for(world.admin).post(url).status_code == 403
    finance = world.finance
    finance.is_staff = True
    finance.save()
    finance.user_permissions.add(Permission.objects.get(codename="view_student"))
    client = client_for(finance)
    confirm = client.get(url)
    assert confirm.status_code == 200 and student.id_number not in confirm.content.decode()
    assert not PersonalDataAccess.objects.exists()
    revealed = client.post(url, REMOTE_ADDR="10.6.6.6")
    page = revealed.content.decode()
    assert student.id_number in page and student.bank_card in page
    assert "no-store" in revealed["Cache-Control"]
    log = PersonalDataAccess.objects.get()
    assert (log.user, log.action, log.object_id, log.ip_address) == (finance, "reveal", str(student.pk), "10.6.6.6")
