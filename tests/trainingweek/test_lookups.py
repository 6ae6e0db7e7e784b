"""``field__any`` (trainingweek.lookups) finds the rows ``field__in`` finds,
on PostgreSQL as one array parameter (``= ANY``), on SQLite as ``IN``."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programs.students.models import Enrolment, Student
from stipends.payouts.models import StipendProfile

pytestmark = pytest.mark.django_db


def test_any_finds_what_in_finds(world):
    enrolments = world.enrolments_a + world.enrolments_b
    ids = [e.pk for e in enrolments]
    StipendProfile.objects.create(enrolment=enrolments[0])
    StipendProfile.objects.create(enrolment=enrolments[2])
    for values in (ids[:2], ids, [ids[1], None], [max(ids) + 100], ids[::2]):
        for model, name in ((Enrolment, "pk"), (StipendProfile, "enrolment_id"), (StipendProfile, "enrolment"),
                            (Enrolment, "student_id"), (Student, "enrolments__id")):
            picked = values if name != "student_id" else [e.student_id for e in enrolments if e.pk in values]
            want = set(model.objects.filter(**{f"{name}__in": picked}).values_list("pk", flat=True))
            assert set(model.objects.filter(**{f"{name}__any": picked}).values_list("pk", flat=True)) == want
    assert not Enrolment.objects.filter(pk__any=[]).exists()
    assert set(StipendProfile.objects.filter(enrolment__any=enrolments[:1]).values_list("enrolment_id", flat=True)) \
        == {enrolments[0].pk}


def test_any_is_one_parameter_on_postgresql(world):
    ids = [e.pk for e in world.enrolments_a]
    with CaptureQueriesContext(connection) as queries:
        list(Enrolment.objects.filter(pk__any=ids).order_by().values_list("pk", flat=True))
    sql = queries.captured_queries[-1]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and " IN (" not in sql
    else:
        assert " IN (" in sql


def test_any_takes_a_subquery_too(world):
    inner = Enrolment.objects.filter(school_class=world.class_a).values("pk")
    assert set(StipendProfile.objects.filter(enrolment_id__any=inner).values_list("pk", flat=True)) == set(
        StipendProfile.objects.filter(enrolment_id__in=inner).values_list("pk", flat=True))
    assert set(Enrolment.objects.filter(pk__any=inner).values_list("pk", flat=True)) == {
        e.pk for e in world.enrolments_a if e.school_class_id == world.class_a.pk}
