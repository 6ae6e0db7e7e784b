"""The many-row writer (trainingweek.bulk): what COPY writes on PostgreSQL is
what ``bulk_create`` writes, value for value, hostile text included; it joins
the caller's transaction; ids and history rows are right.

Each test runs through both paths where it can: ``copy`` (PostgreSQL only:
skipped on SQLite, a failure under CI=true) and ``fallback`` (what SQLite
runs: ``bulk_create`` and ``executemany``, forced on PostgreSQL too).
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone
from simple_history.models import HistoricalRecords

from programs.attendance.models import Attendance
from programs.students.models import Enrolment
from stipends.payouts import rules as payout_rules
from stipends.payouts.models import PayoutBatch, PayoutItem
from tests.factories import EnrolmentFactory
from tests.services.conftest import _missing
from trainingweek import bulk, crypto
from trainingweek.history import insert_values_with_history, insert_with_history

pytestmark = pytest.mark.django_db

# Text that COPY's text format gives a meaning to (tab and newline separate,
# backslash escapes, \N is NULL), quotes that SQL literals escape, and text
# beyond ASCII: each must come back exactly as written.
HOSTILE = ["\t", "\n", "\r\n", "\\", "\\N", "\\\\N", "N", "'", "''", '"', "a\tb\nc\\d\\N", "\\.", "\\t",
           "中文，“引号”\t换行\n", "😀 emoji", "\u2028\u2029", "\x7f\x01", " padded ", "", "NULL", "null", "{}",
           "[1, 2]", 'x": "y'] + ["\\" * 9 + "N"]


@pytest.fixture(params=["copy", "fallback"])
def path(request, monkeypatch, db):
    """The writer's path under test."""
    if request.param == "copy" and connection.vendor != "postgresql":
        _missing("COPY needs PostgreSQL: set DATABASE_URL (bash .ci/run does)")
    if request.param == "fallback":
        monkeypatch.setattr(bulk, "copies", lambda connection: False)
    return request.param


@pytest.fixture
def batch(world):
    return PayoutBatch.objects.create(programme=world.programme, created_by=world.finance, pay_on=date(2020, 12, 20))


def hostile_items(world, batch) -> list[PayoutItem]:
    """One item per hostile string, in every text column, the encrypted card
    and the JSON (as keys and values), with money, booleans, nulls, a date-time."""
    enrolments = list(Enrolment.objects.filter(programme=world.programme).order_by("pk"))
    enrolments += EnrolmentFactory.create_batch(len(HOSTILE) - len(enrolments), programme=world.programme,
                                                school_class=world.class_a)
    items = []
    for n, text in enumerate(HOSTILE):
        e = enrolments[n]
        net = Decimal("1234567890.12") - n  # ten digits before the point: exact, never a float
        items.append(PayoutItem(
            batch=batch, enrolment=e, school_class_id=e.school_class_id, name=text[:50],
            account_name=f"户名{text}"[:50], account=f"6222{text}0001", account_digest=f"d{n}",
            account_masked=text[:30], bank_name=text, bank_branch=f"{text}支行",
            earned=Decimal("0.01") * n, liability=Decimal("-0.00"), gross=net, tax=Decimal("0.00"), net=net,
            at_cap=bool(n % 2),
            lines=[{"key": text, "label": f"奖励{text}", "quantity": "1", "amount": "-0.10", text: [text, None, 1.5],
                    "sources": [["2020-11-01", n], [text]], "nested": {"\\N": "\t", "deep": [[[text]]]}}],
            tax_detail={} if n % 3 else {"text": text, "n": n, "none": None, "true": True},
            payment_key=f"{batch.pk}:{e.pk}:{n}", status="failed" if n % 4 == 0 else "pending",
            failure_reason=text[:200],
            settled_at=None if n % 2 else datetime(2020, 11, 1, 8, n % 60, 30, 123456, tzinfo=UTC),
        ))
    return items


COLUMNS = [f.attname for f in PayoutItem._meta.concrete_fields]


def stored(model, ids) -> dict:
    """The rows as read back through the ORM (decrypted, JSON loaded), by id."""
    return {row["id"]: row for row in model.objects.filter(pk__in=ids).values(*COLUMNS)}


def test_every_field_type_round_trips_hostile_text_included(world, batch, path):
    items = hostile_items(world, batch)
    expected = [{f: getattr(i, f) for f in COLUMNS if f != "id"} for i in items]
    written = bulk.insert(PayoutItem, items)
    assert written is not None and len(written) == len(HOSTILE)
    ids = [i.pk for i in written]
    assert None not in ids and len(set(ids)) == len(ids)
    back = stored(PayoutItem, ids)
    for item, want in zip(written, expected, strict=True):
        got = back[item.pk]
        for name, value in want.items():
            assert got[name] == value, (name, value, got[name])
            assert type(got[name]) is type(value) or value is None, name
    # NULL stays NULL and the text "\N" stays text.
    assert PayoutItem.objects.filter(pk__in=ids, settled_at__isnull=True).count() == sum(
        1 for w in expected if w["settled_at"] is None)
    assert PayoutItem.objects.filter(pk__in=ids, name="\\N").count() == 1
    assert PayoutItem.objects.filter(pk__in=ids, name="").count() == 1
    # The card is encrypted at rest: the column holds a token that decrypts to it.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, account FROM payouts_payoutitem WHERE id IN ({', '.join(map(str, ids))})")
        raw = dict(cursor.fetchall())
    for item in written:
        assert raw[item.pk] != item.account and crypto.decrypt(raw[item.pk]) == item.account


def test_json_is_stored_as_json_not_as_a_string_of_it(world, batch, path):
    """The lines are a JSON array in the column (queried by key), not a JSON
    string holding the text of one (a serialisation too many)."""
    bulk.insert(PayoutItem, hostile_items(world, batch))
    assert PayoutItem.objects.filter(lines__0__quantity="1").count() == len(HOSTILE)
    assert HOSTILE[3] == "\\" and PayoutItem.objects.filter(tax_detail__text=HOSTILE[3]).count() == 1
    assert PayoutItem.objects.filter(lines__0__key="\\N").count() == 1
    assert PayoutItem.objects.filter(lines__0__nested__deep__0__0__0="a\tb\nc\\d\\N").count() == 1


def test_copy_writes_the_same_row_as_bulk_create(world, batch):
    """Value for value, read raw from the table (the card decrypted, its token being random)."""
    if connection.vendor != "postgresql":
        _missing("COPY needs PostgreSQL: set DATABASE_URL (bash .ci/run does)")
    ours = bulk.insert(PayoutItem, hostile_items(world, batch))
    other = PayoutBatch.objects.create(programme=world.programme, created_by=world.finance)
    theirs = PayoutItem.objects.bulk_create(hostile_items(world, other))

    def raw(items):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM payouts_payoutitem WHERE id IN ({', '.join(str(i.pk) for i in items)}) "
                           "ORDER BY id")
            names = [c.name for c in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        for row in rows:
            row.pop("id"), row.pop("batch_id"), row.pop("payment_key")  # (the key names the batch)
            row["account"] = crypto.decrypt(row["account"])
        return rows

    assert raw(ours) == raw(theirs)


def test_a_rollback_leaves_nothing(world, batch, path):
    class Stop(Exception):
        pass

    with pytest.raises(Stop), transaction.atomic():
        insert_with_history(hostile_items(world, batch), user=world.finance)
        bulk.insert_rows(Attendance, ["programme_id", "enrolment_id", "day", "status", "day_kind", "is_truancy",
                                      "updated_at"],
                         [(world.programme.pk, world.enrolments_a[0].pk, date(2020, 11, 1), "present", "practice",
                           False, timezone.now())])
        assert PayoutItem.objects.count() == len(HOSTILE) and Attendance.objects.count() == 1
        raise Stop
    assert not PayoutItem.objects.exists() and not PayoutItem.history.exists() and not Attendance.objects.exists()


def test_a_unique_key_taken_is_django_integrity_error_and_undoes_the_write(world, batch, path):
    """The caller's savepoint sees Django's IntegrityError (the attendance grid
    then writes cell by cell), and nothing of the failed write remains."""
    e = world.enrolments_a[0]
    Attendance.objects.create(programme=world.programme, enrolment=e, day=date(2020, 11, 3), status="late",
                              day_kind="practice")
    rows = [Attendance(programme=world.programme, enrolment=e, day=date(2020, 11, 1) + timedelta(d),
                       status="present", day_kind="practice") for d in range(5)]
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert(Attendance, rows)
    assert list(Attendance.objects.values_list("day", "status")) == [(date(2020, 11, 3), "late")]


def test_ids_are_the_rows_ids_in_order(world, batch, path):
    items = bulk.insert(PayoutItem, hostile_items(world, batch))
    assert [i.pk for i in items] == sorted(i.pk for i in items)
    by_id = dict(PayoutItem.objects.values_list("pk", "payment_key"))
    assert {i.pk: i.payment_key for i in items} == by_id
    assert all(not i._state.adding for i in items)
    # The sequence moved on: a plain insert after them takes a new id.
    other = PayoutBatch.objects.create(programme=world.programme, created_by=world.finance)
    later = PayoutItem.objects.create(**{**{f: getattr(items[0], f) for f in COLUMNS if f != "id"},
                                         "batch_id": other.pk, "payment_key": "later", "status": "pending"})
    assert later.pk > max(i.pk for i in items)


def test_history_rows_match_the_items(world, batch, path):
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")
    request.user = world.admin
    HistoricalRecords.context.request = request
    try:
        items = insert_with_history(hostile_items(world, batch), user=world.finance)
    finally:
        del HistoricalRecords.context.request
    rows = {r.id: r for r in PayoutItem.history.filter(batch_id=batch.pk)}
    assert sorted(rows) == sorted(i.pk for i in items)
    tracked = [f.attname for f in PayoutItem.history.model.tracked_fields]
    for item in PayoutItem.objects.filter(pk__in=[i.pk for i in items]):
        row = rows[item.pk]
        assert row.history_type == "+" and row.history_user_id == world.finance.pk and row.ip_address == "10.1.2.3"
        assert row.history_change_reason is None and row.history_date is not None
        assert {f: getattr(row, f) for f in tracked} == {f: getattr(item, f) for f in tracked}
    assert len({r.history_date for r in rows.values()}) == 1


def test_history_user_falls_back_to_the_requests(world, batch, path):
    request = RequestFactory().get("/")
    request.user = world.admin
    HistoricalRecords.context.request = request
    try:
        items = insert_with_history(hostile_items(world, batch)[:2])
    finally:
        del HistoricalRecords.context.request
    assert set(PayoutItem.history.filter(id__in=[i.pk for i in items]).values_list("history_user", flat=True)) == {
        world.admin.pk}


UPSERT_FIELDS = ["programme_id", "enrolment_id", "day", "status", "online_hours", "day_kind", "is_truancy",
                 "updated_at"]


@pytest.mark.parametrize("copy_from", [1, 10_000], ids=["staged", "prepared"])
def test_upsert_inserts_updates_bumps_the_version_and_the_last_row_wins(world, path, copy_from, monkeypatch):
    monkeypatch.setattr(bulk, "UPSERT_COPY_FROM", copy_from)
    e1, e2 = world.enrolments_a[:2]
    p = world.programme.pk
    now = timezone.now()
    kept = Attendance.objects.create(programme=world.programme, enrolment=e1, day=date(2020, 11, 1), status="late",
                                     day_kind="practice", customers_served=7, version=4)
    rows = [
        (p, e1.pk, date(2020, 11, 1), "absent", None, "practice", True, now),
        (p, e2.pk, date(2020, 11, 1), "present", Decimal("8.25"), "practice", False, now),
        (p, e2.pk, date(2020, 11, 2), "late", Decimal("0.50"), "training", False, now),
        (p, e2.pk, date(2020, 11, 2), "present", Decimal("23.75"), "training", False, now),  # wins over the one above
    ]
    written = bulk.upsert(Attendance, UPSERT_FIELDS, rows, unique_fields=["enrolment", "day"],
                          update_fields=["status", "online_hours", "day_kind", "is_truancy", "updated_at"])
    assert written == 3
    got = {(a.enrolment_id, a.day): a for a in Attendance.objects.all()}
    assert len(got) == 3
    updated = got[(e1.pk, date(2020, 11, 1))]
    assert (updated.pk, updated.status, updated.online_hours, updated.is_truancy, updated.version) == (
        kept.pk, "absent", None, True, 5)
    assert updated.customers_served == 7  # a column not updated keeps its value
    assert (got[(e2.pk, date(2020, 11, 1))].online_hours, got[(e2.pk, date(2020, 11, 1))].version) == (
        Decimal("8.25"), 1)
    last = got[(e2.pk, date(2020, 11, 2))]
    assert (last.status, last.online_hours, last.version) == ("present", Decimal("23.75"), 1)
    # Again: every row is now an update.
    bulk.upsert(Attendance, UPSERT_FIELDS, rows, unique_fields=["enrolment", "day"],
                update_fields=["status", "online_hours", "day_kind", "is_truancy", "updated_at"])
    assert sorted(Attendance.objects.values_list("version", flat=True)) == [2, 2, 6]


def test_upsert_in_a_rolled_back_transaction_leaves_nothing_and_can_run_twice(world, path, monkeypatch):
    monkeypatch.setattr(bulk, "UPSERT_COPY_FROM", 1)
    p, e = world.programme.pk, world.enrolments_a[0].pk
    rows = [(p, e, date(2020, 11, d), "present", None, "practice", False, timezone.now()) for d in range(1, 6)]
    class Stop(Exception):
        pass

    with pytest.raises(Stop), transaction.atomic():
        for _ in range(2):  # two staging tables in one transaction
            bulk.upsert(Attendance, UPSERT_FIELDS, rows, unique_fields=["enrolment", "day"],
                        update_fields=["status"])
        assert set(Attendance.objects.values_list("version", flat=True)) == {2}
        raise Stop
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("value", [5, "5", True, None, Decimal("1.10"), Decimal("1E+2"), "x", date(2020, 1, 2),
                                   datetime(2020, 1, 2, 3, 4, tzinfo=UTC), 2.5])
def test_the_plain_shortcut_gives_what_get_db_prep_save_gives(value, db):
    """Where the converter skips ``get_db_prep_save`` it must be because that
    would change nothing; any other value goes through it."""
    from django.core.exceptions import ValidationError

    for field in (*Attendance._meta.concrete_fields, *PayoutItem._meta.concrete_fields):
        if field.name == "account" or isinstance(field, type(PayoutItem._meta.get_field("lines"))):
            continue
        try:
            expected = field.get_db_prep_save(value, connection)
        except (ValidationError, TypeError, ValueError) as exc:
            with pytest.raises(type(exc)):
                bulk.converter(field, connection)(value)
            continue
        got = bulk.converter(field, connection)(value)
        assert got == expected and str(got) == str(expected), (field, value)


def test_database_defaults_are_left_to_the_database_and_read_back(world, path):
    """A column whose value is the database's default in every object is not
    written (the database fills it, the objects get it back); in some objects
    only, they get the default's value."""
    from django.db.models.expressions import DatabaseDefault

    e = world.enrolments_a[0]
    field = Attendance._meta.get_field("version")

    def default():  # what an instance holds for a field with only a database default
        return DatabaseDefault(field._db_default_expression, output_field=field)

    def rows(first_day):
        return [Attendance(programme=world.programme, enrolment=e, day=first_day + timedelta(d), status="present",
                           day_kind="practice") for d in range(3)]

    every = rows(date(2020, 11, 1))
    for row in every:
        row.version = default()
    some = rows(date(2020, 11, 10))
    some[0].version, some[1].version = default(), 7
    bulk.insert(Attendance, every + some if path == "fallback" else every)
    if path == "copy":
        bulk.insert(Attendance, some)
        assert [r.version for r in every] == [1, 1, 1] and [r.version for r in some] == [1, 7, 1]
    stored = dict(Attendance.objects.values_list("day", "version"))
    assert [stored[date(2020, 11, d)] for d in (1, 2, 3, 10, 11, 12)] == [1, 1, 1, 1, 7, 1]


def test_history_rows_name_each_records_own_user(world, batch, path):
    """Records carrying their own ``_history_user`` (simple-history's way) get
    it in their row; the others the user given."""
    items = hostile_items(world, batch)[:3]
    items[0]._history_user, items[1]._history_user = world.admin, world.coordinator
    items = insert_with_history(items, user=world.finance)
    users = dict(PayoutItem.history.filter(id__in=[i.pk for i in items]).values_list("id", "history_user"))
    assert [users[i.pk] for i in items] == [world.admin.pk, world.coordinator.pk, world.finance.pk]
    tracked = [f.attname for f in PayoutItem.history.model.tracked_fields]
    for row in PayoutItem.history.filter(id__in=[i.pk for i in items]):
        item = PayoutItem.objects.get(pk=row.id)
        assert {f: getattr(row, f) for f in tracked} == {f: getattr(item, f) for f in tracked}


def as_values(items, *, default_status: bool = False) -> list[dict]:
    """The hostile items as plain values by attname, leaving out what the model defaults or derives
    (the id, the settling lines, the retry link; with ``default_status`` the status where it is the default)."""
    out = []
    for item in items:
        values = {f.attname: getattr(item, f.attname) for f in PayoutItem._meta.concrete_fields
                  if f.attname not in ("id", "settling", "retry_of_id")}
        if default_status and values["status"] == "pending":
            del values["status"]
        out.append(values)
    return out


def test_values_write_what_instances_write(world, batch, path):
    """insert_values of plain values leaves the rows insert leaves for the same instances: defaults
    filled (the status), the derived settling lines made, the card encrypted, ids in the rows' order."""
    values = as_values(hostile_items(world, batch), default_status=True)
    with pytest.raises(ValueError, match="same columns"):
        bulk.insert_values(PayoutItem, values)
    with_status = [v for v in values if "status" in v]
    assert with_status and len(with_status) < len(values)  # some rows name the status, others take the default
    ids = bulk.insert_values(PayoutItem, [v for v in values if "status" not in v])
    ids += bulk.insert_values(PayoutItem, with_status)
    other = PayoutBatch.objects.create(programme=world.programme, created_by=world.finance)
    theirs = bulk.insert(PayoutItem, hostile_items(world, other))
    back, expected = stored(PayoutItem, ids), stored(PayoutItem, [i.pk for i in theirs])
    by_key = {row["payment_key"].split(":", 1)[1]: row for row in expected.values()}
    assert len(ids) == len(set(ids)) == len(HOSTILE) and sorted(back) == sorted(ids)
    for id_, given in zip(ids, [v for v in values if "status" not in v] + with_status, strict=True):
        got = back[id_]
        assert got["payment_key"] == given["payment_key"]  # the id is that row's
        want = by_key[given["payment_key"].split(":", 1)[1]]
        for name in COLUMNS:
            if name not in ("id", "batch_id", "payment_key"):
                assert got[name] == want[name], (name, got[name], want[name])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, account FROM payouts_payoutitem WHERE id IN ({', '.join(map(str, ids))})")
        raw = dict(cursor.fetchall())
    assert all(raw[i] != back[i]["account"] and crypto.decrypt(raw[i]) == back[i]["account"] for i in ids)


def test_values_copy_an_encrypted_token_as_it_is(world, batch, path):
    token = crypto.encrypt("6222020000000000002")
    [values] = as_values(hostile_items(world, batch)[:1])
    values["account"] = crypto.Token(token)
    [id_] = bulk.insert_values(PayoutItem, [values])
    with connection.cursor() as cursor:
        cursor.execute("SELECT account FROM payouts_payoutitem WHERE id = %s", [id_])
        assert cursor.fetchone()[0] == token
    assert PayoutItem.objects.get(pk=id_).account == "6222020000000000002"


def test_values_leave_a_database_default_to_the_database(world, path):
    e = world.enrolments_a[0]
    ids = bulk.insert_values(Attendance, [{"programme_id": world.programme.pk, "enrolment_id": e.pk,
                                           "day": date(2020, 11, 1) + timedelta(d), "status": "present",
                                           "day_kind": "practice"} for d in range(2)])
    assert list(Attendance.objects.filter(pk__in=ids).values_list("version", flat=True)) == [1, 1]


def test_values_name_columns_by_attname(world, batch):
    [values] = as_values(hostile_items(world, batch)[:1])
    values["batch"] = values.pop("batch_id")
    with pytest.raises(ValueError, match="batch"):
        bulk.insert_values(PayoutItem, [values])


def test_values_get_history_rows_that_match_the_items(world, batch, path):
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.4")
    request.user = world.admin
    HistoricalRecords.context.request = request
    try:
        ids = insert_values_with_history(PayoutItem, as_values(hostile_items(world, batch)), user=world.finance)
    finally:
        del HistoricalRecords.context.request
    rows = {r.id: r for r in PayoutItem.history.filter(batch_id=batch.pk)}
    assert sorted(rows) == sorted(ids)
    tracked = [f.attname for f in PayoutItem.history.model.tracked_fields]
    for item in PayoutItem.objects.filter(pk__in=ids):
        row = rows[item.pk]
        assert row.history_type == "+" and row.history_user_id == world.finance.pk and row.ip_address == "10.1.2.4"
        assert {f: getattr(row, f) for f in tracked} == {f: getattr(item, f) for f in tracked}
        assert item.settling == payout_rules.settling_part(item.lines)
