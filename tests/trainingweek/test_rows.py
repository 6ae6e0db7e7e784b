"""The many-row reader (trainingweek.rows): what it reads is what iterating
the queryset gives, value for value and type for type, on each path:
``stream`` (PostgreSQL's chunked rows: skipped on SQLite, a failure under
CI=true) and ``fallback`` (the queryset's own iteration: SQLite's path,
forced on PostgreSQL too). The query is counted as Django counts its own,
and a failure is Django's error."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import DataError, connection, transaction
from django.db.models import F, IntegerField, Value
from django.db.models.functions import Cast
from django.test.utils import CaptureQueriesContext

from programs.attendance.models import Attendance
from programs.students.models import Enrolment, Student
from tests.services.conftest import _missing
from trainingweek import rows

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["stream", "fallback"])
def path(request, monkeypatch, db):
    """The reader's path under test; ``streamed`` records each chunked read."""
    streamed = []
    if request.param == "stream":
        if not rows.streams(connection):
            _missing("chunked reads need PostgreSQL with libpq 17+: set DATABASE_URL (bash .ci/run does)")
        with connection.cursor() as cursor:
            kind = type(cursor.cursor)
        original = kind.stream

        def stream(self, *args, **kwargs):
            streamed.append(kwargs.get("size"))
            return original(self, *args, **kwargs)

        monkeypatch.setattr(kind, "stream", stream)
    else:
        monkeypatch.setattr(rows, "streams", lambda connection: False)
    return streamed


@pytest.fixture
def days(world):
    """Attendance of every status and kind, hours with and without decimals, none recorded."""
    enrolments = list(Enrolment.objects.filter(programme=world.programme).order_by("pk"))
    hours = [Decimal("8.50"), None, Decimal("0.00"), Decimal("24.00"), Decimal("7.25")]
    statuses = ["present", "late", "absent", "leave", "rest"]
    kinds = ["practice", "pre_sale", "training", "rest", "other"]
    made = [Attendance(programme=world.programme, enrolment=e, day=date(2020, 11, 1 + n), status=statuses[n % 5],
                       day_kind=kinds[(n + i) % 5], online_hours=hours[(n * 3 + i) % 5])
            for i, e in enumerate(enrolments) for n in range(12)]
    Attendance.objects.bulk_create(made)
    return Attendance.objects.filter(programme=world.programme)


def test_rows_are_those_of_the_queryset_value_for_value(path, days, monkeypatch):
    monkeypatch.setattr(rows, "CHUNK_ROWS", 7)  # many chunks, the last one short
    qs = days.order_by("pk").values_list("day", "day_kind", "status", "online_hours", "pk", "enrolment_id")
    expected = list(qs.all())
    got = rows.values_rows(qs)
    assert len(expected) > 7 * 3 and got == expected
    assert [tuple(map(type, r)) for r in got] == [tuple(map(type, r)) for r in expected]  # Decimal stays Decimal
    assert {r[3] for r in got} >= {Decimal("8.50"), None, Decimal("7.25")}


def test_the_stream_path_streams_and_the_fallback_does_not(path, days, request):
    rows.values_rows(days.values_list("pk", "day"))
    if request.node.callspec.params["path"] == "stream":
        assert path == [rows.CHUNK_ROWS]
    else:
        assert path == []


def test_a_filter_an_annotation_and_the_order_are_kept(path, days):
    qs = days.filter(status__in=["present", "late"]).annotate(next_day=F("pk") + 1).order_by("-day", "pk") \
        .values_list("pk", "next_day", "day")
    got = rows.values_rows(qs)
    assert got == list(qs.all()) and got and all(n == pk + 1 for pk, n, _d in got)


def test_columns_django_converts_are_read_its_own_way(path, world):
    qs = Student.objects.order_by("pk").values_list("pk", "id_number", "bank_card")
    got = rows.values_rows(qs)
    assert got == list(qs.all()) and got
    assert all(number == s.id_number for (_pk, number, _card), s in zip(got, Student.objects.order_by("pk"),
                                                                         strict=True))
    assert not any(number.startswith("gAAAA") for _pk, number, _card in got)  # decrypted, never the token


def test_nothing_to_read_reads_nothing(path, days):
    with CaptureQueriesContext(connection) as captured:
        assert rows.values_rows(days.filter(pk__in=[]).values_list("pk", "day")) == []
    assert len(captured) == 0


def test_the_read_is_one_counted_query(path, days, django_assert_num_queries):
    with django_assert_num_queries(1) as captured:
        rows.values_rows(days.values_list("pk", "day"))
    assert "attendance_attendance" in captured.captured_queries[0]["sql"]


def test_only_a_values_list_of_several_fields_is_read(days):
    for qs in (days, days.values("pk"), days.values_list("pk", flat=True), days.values_list("pk", "day", named=True)):
        with pytest.raises(TypeError):
            rows.values_rows(qs)


def test_a_failure_is_djangos_error(path, days):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite casts any text to a number without an error")
    with pytest.raises(DataError), transaction.atomic():
        rows.values_rows(days.annotate(n=Cast(Value("not a number"), IntegerField())).values_list("pk", "n"))
    assert Attendance.objects.exists()  # the connection is usable again


def test_a_watched_connection_is_read_the_queryset_s_way(path, days):
    seen = []

    def watch(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    qs = days.order_by("pk").values_list("pk", "day")
    with connection.execute_wrapper(watch):
        got = rows.values_rows(qs)
    assert got == list(qs.all()) and len(seen) == 1
    assert path == []  # not streamed past the wrapper
