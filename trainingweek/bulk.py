"""Many-row writes: COPY on PostgreSQL, executemany on SQLite.

A payout batch freezes 10,000 items with their lines as JSON; a programme's
attendance is 300,000 rows. Through ``bulk_create`` on PostgreSQL every
value is rendered into the statement by psycopg (client-side binding,
Django's default), which escapes each quote of the JSON in Python: most of
the write's time. ``COPY ... FROM STDIN`` streams the rows instead, escaped
by psycopg's C code (``Copy.write_row``: tab, newline, backslash and ``\\N``
cannot corrupt a value, see ``tests/trainingweek/test_bulk.py``).

- :func:`insert` writes unsaved instances of a model and gives them their
  ids, like ``bulk_create``; :func:`insert_values` writes the same from
  plain values (no instance per row: a freeze's 10,000 items), ids back;
  :func:`insert_rows` writes rows of field values (no ids back).
- :func:`upsert` inserts rows or updates those with the same unique key,
  adding one to a version column (the optimistic versions of
  :mod:`trainingweek.versioning`); on PostgreSQL the rows are copied into a
  temporary table and moved with one ``INSERT ... SELECT ... ON CONFLICT DO
  UPDATE``.

Every concrete column of the model is written (columns added later are
included without touching the callers), each value prepared by its field's
``get_db_prep_save``, exactly what ``bulk_create`` sends: an
``EncryptedTextField`` encrypts, a ``JSONField`` is serialised once, a
Decimal stays a Decimal. Writes join the caller's transaction (each call is
``atomic(savepoint=False)``: alone it is its own transaction, and a failure
undoes the caller's too); database errors are Django's (an
``IntegrityError`` for a unique key taken meanwhile).

On SQLite (and any other backend) :func:`insert` is ``bulk_create`` and
:func:`upsert` / :func:`insert_rows` one prepared statement run with
``executemany``, in the same transaction.

Ids: :func:`insert` reserves them from the table's sequence first
(``nextval`` once per row, in one query) and copies them with the rows. The
objects then know their ids before the write, as history rows need; this
works for any model, with or without a natural key to find the rows again,
and is safe when several writers copy at once (a sequence never hands a
value out twice; a rolled-back write leaves a gap, as ``bulk_create``'s
inserts do).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Any

from django.db import connections, models, router, transaction
from django.db.models.expressions import DatabaseDefault, Value
from django.db.models.fields import AutoFieldMixin

#: Below this many rows :func:`upsert` on PostgreSQL uses one prepared
#: statement instead of a temporary table (creating one costs catalogue
#: writes that a grid save of a few hundred cells need not pay).
UPSERT_COPY_FROM = 1000

# Django field classes whose get_db_prep_save hands a value of this Python
# type to the driver unchanged (on PostgreSQL: or wrapped in a type psycopg
# writes the same way, such as Int4), on the vendors named: such values skip
# the call, a few million of them in a big write. Exact classes only: a
# subclass (EncryptedTextField) may prepare its values its own way.
# tests/trainingweek/test_bulk.py checks each against get_db_prep_save.
_SAME: dict[type, type] = {
    models.CharField: str, models.TextField: str, models.SlugField: str, models.EmailField: str,
    models.IntegerField: int, models.PositiveIntegerField: int, models.PositiveSmallIntegerField: int,
    models.SmallIntegerField: int, models.BigIntegerField: int, models.PositiveBigIntegerField: int,
    models.AutoField: int, models.BigAutoField: int, models.SmallAutoField: int,
    models.BooleanField: bool, models.DecimalField: Decimal,
}
# A day is handed to psycopg as it is, and to sqlite3 as ISO text.
_SHORTCUTS = {"postgresql": {**_SAME, models.DateField: date}, "sqlite": {**_SAME, models.DateField: date}}


def _alias(model: type[models.Model], using: str | None) -> str:
    return using or router.db_for_write(model)


def copies(connection) -> bool:
    """Whether many-row writes on this connection go through COPY (PostgreSQL with psycopg 3)."""
    if connection.vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3


def _writable_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.generated]


def converter(field: models.Field, connection) -> Callable[[Any], Any]:
    """The function that turns one Python value of ``field`` into what the
    driver is given: ``field.get_db_prep_save``, skipped for the plain types
    where it changes nothing (``_SHORTCUTS``); a date-time prepared once for
    a run of the same value; on PostgreSQL JSON serialised to text here."""
    prep = field.get_db_prep_save

    def prepared(value):
        return prep(value, connection)

    if isinstance(field, models.JSONField) and copies(connection):
        def json_value(value):
            # Serialised once, here: psycopg then copies the text (no Jsonb wrapper to dump again).
            value = prep(value, connection)
            if value is None or isinstance(value, str):
                return value
            return (value.dumps or json.dumps)(value.obj)
        return json_value
    if type(field) is models.DateTimeField:
        last = [object(), None]  # a save stamps every row with the same moment

        def datetime_value(value):
            if value is not last[0]:
                last[:] = value, prep(value, connection)
            return last[1]
        return datetime_value
    shortcuts = _SHORTCUTS.get(connection.vendor, {})
    # A plain foreign key is prepared by the field it points to.
    target = field.target_field if type(field) in (models.ForeignKey, models.OneToOneField) else field
    same = shortcuts.get(type(target))
    if same is None:
        return prepared
    if same is date and connection.vendor == "sqlite":
        def date_text(value):
            return value.isoformat() if type(value) is date else prep(value, connection)  # str(day), as SQLite's
        return date_text
    if same is Decimal:
        def decimal_value(value):
            if value is None or type(value) is Decimal and value.is_finite():
                return value
            return prep(value, connection)  # NaN and infinities are refused there
        return decimal_value

    def plain_value(value):
        if value is None or type(value) is same:
            return value
        return prep(value, connection)
    return plain_value


def _copy(connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """``COPY table (columns) FROM STDIN``, one ``write_row`` per row (psycopg
    escapes every value for COPY's text format)."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    started = time.monotonic()
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.cursor.copy(sql) as copy:
            write = copy.write_row
            for row in rows:
                write(row)
    if connection.queries_logged:
        # Counted with the statements Django runs (query-count tests, the debug toolbar), as it would log an INSERT.
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})


def _reserve_ids(connection, model: type[models.Model], count: int) -> list[int]:
    """``count`` new values of the table's id sequence, ascending."""
    pk = model._meta.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(model._meta.db_table), pk.column, count])
        return sorted(row[0] for row in cursor.fetchall())


def prepared_rows(objs: Sequence[models.Model], fields: Sequence[models.Field], connection) -> list[list[Any]]:
    """The values of ``objs``' ``fields`` as the driver takes them (``pre_save``
    first: an ``auto_now`` column gets the time, as in ``bulk_create``)."""
    getters = []
    for f in fields:
        convert = converter(f, connection)
        if type(f).pre_save is models.Field.pre_save:
            get = attrgetter(f.attname)
            getters.append(lambda obj, get=get, convert=convert: convert(get(obj)))
        else:
            getters.append(lambda obj, f=f, convert=convert: convert(f.pre_save(obj, True)))
    return [[get(obj) for get in getters] for obj in objs]


def _database_defaults(fields: Sequence[models.Field], objs: Sequence[models.Model]) -> list[models.Field]:
    """The fields left to the database's default in every object (not copied);
    a field with a database default in some objects only gets its value."""
    left = []
    for f in fields:
        found = [obj for obj in objs if isinstance(getattr(obj, f.attname), DatabaseDefault)]
        if len(found) == len(objs):
            left.append(f)
        elif found:
            default = f.db_default.value if isinstance(f.db_default, Value) else f.db_default
            if hasattr(default, "resolve_expression"):  # Now(), a function: only the database knows it
                raise ValueError(f"{f}: some objects take the database default {f.db_default!r}, others not")
            for obj in found:
                setattr(obj, f.attname, default)
    return left


def insert(model: type[models.Model], objs: Iterable[models.Model], *, using: str | None = None,
           ) -> list[models.Model]:
    """Write the unsaved ``objs`` of ``model``; returns them with their ids set.

    PostgreSQL: ids from the sequence, then one COPY of every concrete
    column. Elsewhere: ``bulk_create``. Sends no signals (as ``bulk_create``).
    """
    return insert_copied(model, objs, using=using)[0]


def insert_copied(model: type[models.Model], objs: Iterable[models.Model], *, using: str | None = None,
                  ) -> tuple[list[models.Model], list[models.Field], list[list[Any]] | None]:
    """:func:`insert`, returning ``(objs, fields, rows)``: the values as
    copied, by field (``[], None`` where ``bulk_create`` wrote them), so that
    :func:`trainingweek.history.insert_with_history` writes the history rows
    without preparing (encrypting, serialising) the same values again."""
    objs = list(objs)
    alias = _alias(model, using)
    connection = connections[alias]
    with transaction.atomic(using=alias, savepoint=False):
        if not objs:
            return objs, [], None
        if not copies(connection):
            return model._default_manager.db_manager(alias).bulk_create(objs), [], None
        pk = model._meta.pk
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
        missing = [obj for obj in objs if not obj._is_pk_set()]
        if missing:
            if isinstance(pk, AutoFieldMixin):
                for obj, value in zip(missing, _reserve_ids(connection, model, len(missing)), strict=True):
                    obj.pk = value
            else:
                for obj in missing:
                    obj.pk = pk.get_pk_value_on_save(obj)
        fields = _writable_fields(model)
        left = _database_defaults(fields, objs)
        fields = [f for f in fields if f not in left]
        rows = prepared_rows(objs, fields, connection)
        _copy(connection, model._meta.db_table, [f.column for f in fields], rows)
        for obj in objs:
            obj._state.adding = False
            obj._state.db = alias
        if left:  # the database filled these: read them back
            stored = model._default_manager.db_manager(alias).filter(pk__in=[o.pk for o in objs]).in_bulk()
            for obj in objs:
                for f in left:
                    setattr(obj, f.attname, getattr(stored[obj.pk], f.attname))
        return objs, fields, rows


def insert_values(model: type[models.Model], rows: Sequence[dict[str, Any]], *, using: str | None = None,
                  ) -> list[int]:
    """Write new records given as plain values (``{attname: value}``, the
    same names in every row), without a model instance per row; returns
    their ids, in the rows' order. What is written is what :func:`insert`
    writes for ``model(**row)``: a field not named takes its default (a
    callable one called per row), a field with its own ``pre_save`` (a value
    derived from the others, an ``auto_now`` time) is given an object with
    the row's values, and a field with only a database default is left to
    the database.

    PostgreSQL: ids from the sequence, one COPY. Elsewhere: the instances
    through :func:`insert` (``bulk_create``)."""
    alias = _alias(model, using)
    connection = connections[alias]
    if not rows:
        return []
    names = set(rows[0])
    if any(row.keys() != names for row in rows):
        raise ValueError("every row must name the same columns")
    unknown = names - {f.attname for f in _writable_fields(model)}
    if unknown:
        raise ValueError(f"{model.__name__} has no column {', '.join(sorted(unknown))} (values are by attname)")
    if not copies(connection):
        return [obj.pk for obj in insert(model, [model(**row) for row in rows], using=using)]
    fields = [f for f in _writable_fields(model)
              if f.attname in names or f.primary_key or f.has_default() or not f.has_db_default()]
    pk = model._meta.pk
    missing = [f for f in fields if f.attname not in names and not f.primary_key]
    constant = {f.attname: f.get_default() for f in missing if not (f.has_default() and callable(f.default))}
    per_row = [f for f in missing if f.attname not in constant]  # a callable default: called for each row
    derived = any(type(f).pre_save is not models.Field.pre_save for f in fields)
    # One getter per column, given the row's values (and an instance-like view of them).
    getters = []
    for f in fields:
        convert = converter(f, connection)
        if type(f).pre_save is not models.Field.pre_save:
            getters.append(lambda values, row, f=f, convert=convert: convert(f.pre_save(row, True)))
        else:
            getters.append(lambda values, row, name=f.attname, convert=convert: convert(values[name]))
    with transaction.atomic(using=alias, savepoint=False):
        ids = [row[pk.attname] for row in rows] if pk.attname in names else _reserve_ids(connection, model, len(rows))
        out = []
        for given, id_ in zip(rows, ids, strict=True):
            values = {**constant, **{f.attname: f.get_default() for f in per_row}, **given, pk.attname: id_}
            row = _Row(values) if derived else None
            out.append([get(values, row) for get in getters])
        _copy(connection, model._meta.db_table, [f.column for f in fields], out)
    return ids


class _Row:
    """A row's values as the attributes of an instance, for a field's ``pre_save(instance, add)``."""

    def __init__(self, values: dict[str, Any]):
        self.__dict__ = values


def insert_rows(model: type[models.Model], field_names: Sequence[str], rows: Iterable[Sequence[Any]], *,
                using: str | None = None, prepared: bool = False) -> int:
    """Write rows of values (in ``field_names`` order, attnames or names) to
    ``model``'s table; the columns not named take their database default or
    NULL. Values are prepared by their fields unless ``prepared``. Returns
    the number of rows."""
    alias = _alias(model, using)
    connection = connections[alias]
    fields = [model._meta.get_field(name) for name in field_names]
    rows = list(rows)
    with transaction.atomic(using=alias, savepoint=False):
        if not rows:
            return 0
        if not prepared:
            converters = [converter(f, connection) for f in fields]
            rows = [[convert(v) for convert, v in zip(converters, row, strict=True)] for row in rows]
        if copies(connection):
            _copy(connection, model._meta.db_table, [f.column for f in fields], rows)
        else:
            quote = connection.ops.quote_name
            sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
                   f"VALUES ({', '.join(['%s'] * len(fields))})")
            with connection.cursor() as cursor:
                cursor.executemany(sql, rows)
        return len(rows)


def upsert(model: type[models.Model], field_names: Sequence[str], rows: Iterable[Sequence[Any]], *,
           unique_fields: Sequence[str], update_fields: Sequence[str], version: str | None = "version",
           using: str | None = None) -> int:
    """Insert rows of values (in ``field_names`` order) or update the rows with
    the same ``unique_fields``: ``update_fields`` take the new values and
    ``version`` (if any) adds one to the old, so a grid loaded before sees the
    cell as changed (``bulk_create(update_conflicts=True)`` can only copy new
    values). Inserted rows take the database default of the columns not
    named (the version's is 1). Of rows with the same key the last wins.
    Returns the number of rows written.

    PostgreSQL, from :data:`UPSERT_COPY_FROM` rows: COPY into a temporary
    table (dropped at once, and at commit anyway), then one ``INSERT ...
    SELECT ... ORDER BY key ON CONFLICT DO UPDATE`` (in key order, so two
    upserts of the same keys never wait on each other crosswise).
    Otherwise one prepared ``INSERT ... ON CONFLICT DO UPDATE`` with
    ``executemany`` (SQLite ≥ 3.24 and PostgreSQL speak it).
    """
    alias = _alias(model, using)
    connection = connections[alias]
    meta = model._meta
    fields = [meta.get_field(name) for name in field_names]
    key_at = [fields.index(meta.get_field(name)) for name in unique_fields]
    latest: dict[tuple, Sequence[Any]] = {}
    for row in rows:
        latest[tuple(row[i] for i in key_at)] = row  # ON CONFLICT may touch a row once per statement
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    unique = ", ".join(quote(meta.get_field(name).column) for name in unique_fields)
    sets = [f"{quote(meta.get_field(name).column)} = excluded.{quote(meta.get_field(name).column)}"
            for name in update_fields]
    if version:
        column = quote(meta.get_field(version).column)
        sets.append(f"{column} = {table}.{column} + 1")
    conflict = f"ON CONFLICT ({unique}) DO UPDATE SET {', '.join(sets)}" if sets else f"ON CONFLICT ({unique}) DO NOTHING"
    with transaction.atomic(using=alias, savepoint=False):
        if not latest:
            return 0
        big = copies(connection) and len(latest) >= UPSERT_COPY_FROM
        converters = [converter(f, connection) for f in fields]
        values = [[convert(v) for convert, v in zip(converters, row, strict=True)] for row in latest.values()]
        if not big:
            sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) {conflict}"
            with connection.cursor() as cursor:
                cursor.executemany(sql, values)
            return len(values)
        staging = f"bulk_{uuid.uuid4().hex}"
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {quote(staging)} ON COMMIT DROP AS "
                           f"SELECT {columns} FROM {table} WITH NO DATA")
            _copy(connection, staging, [f.column for f in fields], values)
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {quote(staging)} "
                           f"ORDER BY {unique} {conflict}")
            cursor.execute(f"DROP TABLE {quote(staging)}")
        return len(values)
