"""GET never writes: every page of the permission matrix, read by every role,
leaves the database as it was.

Two checks per request: no INSERT/UPDATE/DELETE statement runs (apart from the
personal-data access log, which records a look at personal data, and the
session and django-axes tables of logging in), and the row count of every
model is unchanged.
"""

import re

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.test_permissions import MATRIX, ROLES
from trainingweek.models import PersonalDataAccess

WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
ALLOWED_TABLES = {PersonalDataAccess._meta.db_table, "django_session"}


def _allowed(table: str) -> bool:
    return table in ALLOWED_TABLES or table.startswith("axes_")


def _row_counts() -> dict[str, int]:
    """The row count of every model's table, in one query."""
    tables = sorted({m._meta.db_table for m in apps.get_models() if m._meta.managed and not m._meta.proxy}
                    - ALLOWED_TABLES)
    tables = [t for t in tables if not _allowed(t)]
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


def writes(queries) -> list[str]:
    found = []
    for query in queries:
        match = WRITE.match(query["sql"])
        if match and not _allowed(match.group(2)):
            found.append(query["sql"][:200])
    return found


def _walk(world, client_for, name, path):
    clients = {role: client_for(None if role == "anonymous" else getattr(world, role)) for role in ROLES}
    before = _row_counts()
    for role in ROLES:
        with CaptureQueriesContext(connection) as captured:
            clients[role].get(path)
        assert writes(captured.captured_queries) == [], f"{role} GET {name} writes"
        assert _row_counts() == before, f"{role} GET {name} changed row counts"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_a_get_changes_nothing_for_any_role(world_with_job, client_for, name):
    build, _expected = MATRIX[name]
    _walk(world_with_job, client_for, name, build(world_with_job))


def test_the_write_detector_sees_writes():
    assert writes([{"sql": 'INSERT INTO "scoring_kpidefinition" ("a") VALUES (1)'},
                   {"sql": 'UPDATE "payouts_payoutbatch" SET "state" = 1'},
                   {"sql": 'DELETE FROM "students_team" WHERE 1'}]) == [
        'INSERT INTO "scoring_kpidefinition" ("a") VALUES (1)', 'UPDATE "payouts_payoutbatch" SET "state" = 1',
        'DELETE FROM "students_team" WHERE 1']
    assert writes([{"sql": 'UPDATE "django_session" SET x = 1'},
                   {"sql": f'INSERT INTO "{PersonalDataAccess._meta.db_table}" ("a") VALUES (1)'},
                   {"sql": 'INSERT INTO "axes_accessattempt" ("a") VALUES (1)'},
                   {"sql": 'SELECT COUNT(*) FROM "scoring_kpidefinition"'}]) == []
