"""Student pickers and incident levels: a mentor finds a student by typing,
and sees what each incident level costs before reporting it."""

from decimal import Decimal

from django.urls import reverse

from stipends.payouts.models import RateCard
from tests.browser_forms import form_as_sent
from tests.factories import EnrolmentFactory


def _page(client, world, name):
    return client.get(reverse(name, kwargs={"pk": world.programme.pk})).content.decode()


def test_every_student_picker_is_searchable_and_labelled(world, client_for):
    student = world.enrolments_a[0].student
    for user, name in ((world.mentor_a, "scoring:incident_create"), (world.coordinator, "scoring:award_list"),
                       (world.mentor_a, "programs:leave_list"), (world.coordinator, "programs:departure_list")):
        html = _page(client_for(user), world, name)
        assert 'data-picker="search"' in html, name
        assert f"{student.name}（{student.student_number}，" in html, name


def test_incident_levels_show_the_rate_cards_costs(world, client_for):
    RateCard.objects.create(programme=world.programme, penalty_2_company=Decimal("1250.00"),
                            penalty_2_student=Decimal("50.00"))
    html = _page(client_for(world.mentor_a), world, "scoring:incident_create")
    assert "Level 2 (student bears ¥50.00, company ¥1,250.00)" in html
    assert "Level 1 (student bears ¥40.00, company ¥60.00)" in html  # the defaults of the other levels


def test_the_picker_costs_no_query_per_student(world, client_for, django_assert_max_num_queries):
    client = client_for(world.mentor_a)
    url = reverse("scoring:incident_create", kwargs={"pk": world.programme.pk})
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    EnrolmentFactory.create_batch(15, programme=world.programme, team=world.team_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_a_picked_student_is_posted_as_a_plain_select(world, client_for):
    client = client_for(world.mentor_a)
    url = reverse("scoring:incident_create", kwargs={"pk": world.programme.pk})
    data = form_as_sent(client.get(url).content.decode(), containing="enrolment")
    data.update(enrolment=str(world.enrolments_a[1].pk), occurred_on="2020-11-11", level="1", description="回复超时")
    data.pop("cash_amount", None)
    response = client.post(url, data)
    assert response.status_code == 302
    assert world.programme.incidents.get().enrolment == world.enrolments_a[1]
