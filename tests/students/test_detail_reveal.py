"""A student's page: masked for everyone who may see the enrolment; the
unmasked values only for finance, through a logged POST."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import EnrolmentFactory
from trainingweek.models import PersonalDataAccess


def detail_url(world, enrolment):
    return reverse("programs:enrolment_detail", args=[world.programme.pk, enrolment.pk])


def reveal_url(world, enrolment):
    return reverse("programs:enrolment_reveal", args=[world.programme.pk, enrolment.pk])


@pytest.mark.parametrize("who", ["coordinator", "mentor_a", "finance"])
def test_detail_shows_masked_personal_data(world, client_for, who):
    enrolment = world.enrolments_a[0]
    student = enrolment.student
    response = client_for(getattr(world, who)).get(detail_url(world, enrolment))
    page = response.content.decode()
    assert response.status_code == 200
    assert student.name in page and student.student_number in page
    assert student.id_number_masked in page and student.phone_masked in page and student.bank_card_masked in page
    for secret in (student.id_number, student.phone, student.bank_card):
        assert secret not in page
    assert response["Cache-Control"] == "no-store, private"
    assert ('data-testid="reveal"' in page) == (who == "finance")
    assert not PersonalDataAccess.objects.exists()


def test_finance_reveals_and_the_look_is_logged(world, client_for):
    enrolment = world.enrolments_b[1]
    student = enrolment.student
    response = client_for(world.finance).post(reveal_url(world, enrolment), REMOTE_ADDR="10.1.2.3")
    page = response.content.decode()
    assert response.status_code == 200
    for secret in (student.id_number, student.phone, student.bank_card):
        assert secret in page
    assert 'data-testid="revealed-note"' in page
    assert response["Cache-Control"] == "no-store, private"
    log = PersonalDataAccess.objects.get()
    assert (log.user, log.action, log.object_id, log.fields, log.ip_address, log.record_count) == (
        world.finance, PersonalDataAccess.Action.REVEAL, str(student.pk), "id_number,phone,bank_card", "10.1.2.3", 1)
    assert log.subject == str(student) and student.student_number in log.subject
    # The next plain visit is masked again.
    again = client_for(world.finance).get(detail_url(world, enrolment)).content.decode()
    assert student.id_number not in again


@pytest.mark.parametrize("who", ["coordinator", "mentor_a", "admin"])
def test_others_may_not_reveal(world, client_for, who):
    enrolment = world.enrolments_a[0]
    response = client_for(getattr(world, who)).post(reveal_url(world, enrolment))
    assert response.status_code == 403
    assert enrolment.student.id_number not in response.content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_reveal_is_post_only(world, client_for):
    response = client_for(world.finance).get(reveal_url(world, world.enrolments_a[0]))
    assert response.status_code == 405
    assert not PersonalDataAccess.objects.exists()


def test_enrolment_of_another_programme_is_404_under_this_one(world, client_for):
    stranger = EnrolmentFactory()  # another school's programme
    response = client_for(world.finance).post(reveal_url(world, stranger))
    assert response.status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_enrolment_list_links_to_the_detail_and_offers_import(world, client_for):
    url = reverse("programs:enrolment_list", args=[world.programme.pk])
    page = client_for(world.coordinator).get(url).content.decode()
    assert detail_url(world, world.enrolments_a[0]) in page
    assert reverse("programs:student_import", args=[world.programme.pk]) in page
    for who in ("mentor_a", "finance"):
        page = client_for(getattr(world, who)).get(url).content.decode()
        assert reverse("programs:student_import", args=[world.programme.pk]) not in page


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("who", ["coordinator", "mentor_a", "finance"])
def test_detail_query_count_does_not_grow(world, client_for, who, django_assert_max_num_queries):
    client = client_for(getattr(world, who))
    url = detail_url(world, world.enrolments_a[0])
    client.get(url)  # warm the session
    first = _count(client, url)
    for _ in range(2):
        for team, school_class in ((world.team_a, world.class_a), (world.team_b, world.class_b)):
            EnrolmentFactory.create_batch(3, programme=world.programme, team=team, school_class=school_class)
    assert _count(client, url) == first
    with django_assert_max_num_queries(8):
        client.get(url)


def test_enrolment_list_query_count_does_not_grow(world, client_for):
    client = client_for(world.coordinator)
    url = reverse("programs:enrolment_list", args=[world.programme.pk])
    client.get(url)
    first = _count(client, url)
    EnrolmentFactory.create_batch(12, programme=world.programme, team=world.team_a, school_class=world.class_a)
    assert _count(client, url) == first
