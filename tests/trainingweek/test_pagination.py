"""``paginate`` reads a queryset's page by its ids first: every page holds
the rows, in the order, that Django's Paginator over the queryset itself
gives (the oracle), filters, ties and the pages past the end included."""

import pytest
from django.core.paginator import Paginator
from django.test import RequestFactory

from programs.students.models import Enrolment
from tests.factories import EnrolmentFactory, SchoolClassFactory
from trainingweek.pagination import paginate

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("filtered", [False, True])
def test_every_page_is_the_paginators_page(world, filtered):
    other = SchoolClassFactory(programme=world.programme, name="甲班")  # sorts before the world's classes
    EnrolmentFactory.create_batch(23, programme=world.programme, school_class=other)
    items = (Enrolment.objects.filter(programme=world.programme).select_related("student", "school_class", "team")
             .order_by("school_class__name", "student__student_number", "pk"))
    if filtered:
        items = items.exclude(team__isnull=True) | items.filter(school_class=other)
    oracle = Paginator(items, 7)
    for number in [*range(1, oracle.num_pages + 1), oracle.num_pages + 3, "x", ""]:
        page, _query = paginate(RequestFactory().get("/", {"page": number, "q": "k"}), items, 7)
        expected = oracle.get_page(number)
        assert page.number == expected.number and page.paginator.count == expected.paginator.count
        assert [e.pk for e in page] == [e.pk for e in expected]
        assert all(e.student.name and e.school_class.name for e in page)  # the rows whole, with their relations


def test_a_list_is_paged_as_it_is(world):
    page, query = paginate(RequestFactory().get("/", {"page": 2, "school_class": 5}), list(range(25)), 10)
    assert list(page) == list(range(10, 20)) and query == "school_class=5"
