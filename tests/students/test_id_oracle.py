"""The student import as an ID oracle: a coordinator, who sees ID numbers
masked, uploads a list of thousands of candidate IDs and reads from the
rejection whose ID each one is. The rejection must not name the holder, the
check is logged, and repeated rejections are throttled."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import translation

from programs.students import services as services_students
from programs.students.models import StudentImport
from trainingweek.models import PersonalDataAccess

from .files import student_rows, xlsx_bytes


@pytest.fixture(autouse=True)
def english(english_ui):
    with translation.override("en"):
        yield


def _candidates(world, n=40):
    """``n`` rows of made-up students, one of them carrying a real student's ID number."""
    target = world.enrolments_a[0].student
    rows = student_rows(n, start=500)
    rows[n // 2]["身份证号"] = target.id_number
    return rows, target


def _upload(client, world, rows):
    url = reverse("programs:student_import", args=[world.programme.pk])
    return client.post(url, {"file": SimpleUploadedFile("名单.xlsx", xlsx_bytes(rows))})


def test_a_matching_id_does_not_name_its_holder_to_a_coordinator(world, client_for):
    rows, target = _candidates(world)
    response = _upload(client_for(world.coordinator), world, rows)
    assert response.status_code == 302
    record = StudentImport.objects.get()
    assert record.status == StudentImport.Status.REJECTED
    [finding] = record.errors
    assert finding["row"] == len(rows) // 2 + 2 and finding["column"] == "身份证号"
    assert "already registered to another student record" in finding["message"]
    page = client_for(world.coordinator).get(response["Location"]).content.decode()
    stored = str(record.errors) + str(record.warnings) + record.message
    for secret in (target.student_number, target.name):
        assert secret not in stored and secret not in page


def test_the_check_is_written_to_the_personal_data_log(world, client_for):
    rows, _target = _candidates(world, n=25)
    _upload(client_for(world.coordinator), world, rows)
    record = StudentImport.objects.get()
    [entry] = PersonalDataAccess.objects.filter(action=PersonalDataAccess.Action.CHECK)
    assert (entry.user, entry.object_id, entry.fields, entry.record_count) == (
        world.coordinator, str(record.pk), "id_number", 25)
    assert entry.ip_address == "127.0.0.1"


@override_settings(STUDENT_IMPORT_REJECTIONS_PER_HOUR=3)
def test_the_next_rejected_import_within_the_hour_is_refused_without_checking(world, client_for, monkeypatch):
    client = client_for(world.coordinator)
    rows, _target = _candidates(world, n=5)
    for _ in range(3):
        assert _upload(client, world, rows).status_code == 302
    assert StudentImport.objects.filter(status=StudentImport.Status.REJECTED).count() == 3
    checked = []
    monkeypatch.setattr(services_students, "load_records", lambda programme: checked.append(programme))
    logged = PersonalDataAccess.objects.count()
    response = _upload(client, world, rows)
    assert response.status_code == 200
    assert "3 of your imports were rejected within the last hour" in response.content.decode()
    assert checked == [] and StudentImport.objects.count() == 3 and PersonalDataAccess.objects.count() == logged
    # Another coordinator is not held back by this one's rejections.
    other = type(world.coordinator).objects.create(username="coordinator2", role=world.coordinator.role,
                                                   organisation=world.school)
    monkeypatch.undo()
    assert _upload(client_for(other), world, rows).status_code == 302


def test_a_good_import_does_not_count_against_the_allowance(world, client_for, settings):
    settings.STUDENT_IMPORT_REJECTIONS_PER_HOUR = 1
    client = client_for(world.coordinator)
    assert _upload(client, world, student_rows(3, start=700)).status_code == 302
    assert _upload(client, world, student_rows(3, start=710)).status_code == 302
    assert StudentImport.objects.filter(status=StudentImport.Status.IMPORTED).count() == 2


def test_finance_would_see_the_holder_the_rule_itself(world):
    """The holder is named only to someone who may see IDs unmasked (the rule's switch)."""
    from programs.students import imports

    rows, target = _candidates(world, n=3)
    sheet = services_students.read_upload(SimpleUploadedFile("a.xlsx", xlsx_bytes(rows)))
    records = services_students.load_records(world.programme)
    imports.check(sheet, records, may_see_ids=True)
    assert target.student_number in sheet.errors[0].message
