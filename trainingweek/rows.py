"""Many-row reads: the rows of a ``values_list`` query, streamed from PostgreSQL.

A statement or a payout batch of a whole programme reads 300,000 attendance
rows. With ``fetchall`` (what iterating a queryset does, in chunks of the
one result libpq has collected) the server first renders every row while
Python waits, then Python turns every value into an object while the
server waits. In libpq's chunked-rows mode (``Cursor.stream(size=...)``,
libpq 17 and later) the server sends the next chunk while Python takes the
last: on the two cores of these machines the read of those 300,000 rows
takes about two thirds of the time or less (``bench/stipends.py`` reads
them both ways in turns: 0.30 s against 0.51 s with ``fetchall``).

:func:`values_rows` is that read for a queryset, and the queryset's own
iteration wherever it cannot be: on SQLite, with a libpq older than 17,
when a column needs Django's converters (an encrypted field, JSON), or
while an execute wrapper watches the connection (a test counting the rows
each query fetches, a tracer: they see the read as any other): what the
queryset would give, either way. The query is logged as Django logs its
own (query-count tests, the debug toolbar) and its errors are Django's.
"""

from __future__ import annotations

import time

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models.query import QuerySet, ValuesListIterable

#: Rows a chunk: enough that a chunk's own cost is nothing (measured: 100 to
#: 20,000 rows a chunk read alike).
CHUNK_ROWS = 1000


def streams(connection) -> bool:
    """Whether many-row reads on this connection stream in chunks (PostgreSQL, psycopg 3 with libpq 17+)."""
    if connection.vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    if not is_psycopg3:
        return False
    import psycopg

    return psycopg.pq.version() >= 170000


def values_rows(queryset: QuerySet) -> list[tuple]:
    """Every row of ``queryset`` (a ``values_list`` of several fields) as a
    tuple, as iterating it gives them; streamed where :func:`streams`."""
    if queryset._iterable_class is not ValuesListIterable:
        raise TypeError("values_rows reads a values_list() of several fields")
    connection = connections[queryset.db]
    if not streams(connection) or connection.execute_wrappers:
        return list(queryset)
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return []
    columns = [column for column, _sql, _alias in compiler.select[:compiler.col_count]]
    if compiler.has_extra_select or compiler.get_converters(columns) or compiler.has_composite_fields(columns):
        return list(queryset)  # Django makes these rows in Python: its own way
    started = time.monotonic()
    with connection.cursor() as cursor, connection.wrap_database_errors:
        rows = list(cursor.cursor.stream(sql, params, size=CHUNK_ROWS))
        if connection.queries_logged:
            # Counted with the statements Django runs (query-count tests, the debug toolbar).
            connection.queries_log.append({"sql": connection.ops.last_executed_query(cursor.cursor, sql, params),
                                           "time": f"{time.monotonic() - started:.3f}"})
    return rows
