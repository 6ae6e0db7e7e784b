"""Team KPI totals, kept by the database.

``scoring_teamkpitotal`` holds, per team × KPI × period, the sum (× 10,000, a
whole number) and the count of the team's students' values, for the
standings (issue #12: a page about one team reads a row per team and KPI,
not one per student). Triggers keep it in the same statement as the write,
whoever writes: a value inserted (a bulk insert and an upsert's insert too),
changed, deleted (a cascade too), or a student moved to another team. On
PostgreSQL they run once per statement over its transition tables (a bulk
insert of 70,000 values is one grouped upsert, taking its rows' locks in
team, KPI, period order); SQLite has row triggers only, and one writer.
The existing values are added up once, after the triggers exist (in the same
transaction, which holds off concurrent writes until it commits).
"""

import django.db.models.deletion
from django.db import migrations, models



POSTGRESQL = [
    # A statement's inserted values, added to their teams' totals.
    """
    CREATE FUNCTION scoring_totals_values_inserted() RETURNS trigger AS $$
    BEGIN
        INSERT INTO scoring_teamkpitotal (team_id, kpi_id, period_id, units, "count")
        SELECT e.team_id, v.kpi_id, v.period_id, SUM(ROUND(v.value * 10000)::bigint), COUNT(*)
        FROM new_rows v JOIN students_enrolment e ON e.id = v.enrolment_id
        WHERE e.team_id IS NOT NULL
        GROUP BY e.team_id, v.kpi_id, v.period_id
        ORDER BY e.team_id, v.kpi_id, v.period_id
        ON CONFLICT (team_id, kpi_id, period_id) DO UPDATE
            SET units = scoring_teamkpitotal.units + EXCLUDED.units,
                "count" = scoring_teamkpitotal."count" + EXCLUDED."count";
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER scoring_totals_values_inserted AFTER INSERT ON scoring_kpivalue
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION scoring_totals_values_inserted()
    """,
    # A statement's deleted values, taken out of their teams' totals (none left: a count of 0).
    """
    CREATE FUNCTION scoring_totals_values_deleted() RETURNS trigger AS $$
    BEGIN
        UPDATE scoring_teamkpitotal t SET units = t.units - d.units, "count" = t."count" - d.n
        FROM (SELECT e.team_id, v.kpi_id, v.period_id, SUM(ROUND(v.value * 10000)::bigint) AS units, COUNT(*) AS n
              FROM old_rows v JOIN students_enrolment e ON e.id = v.enrolment_id
              WHERE e.team_id IS NOT NULL GROUP BY e.team_id, v.kpi_id, v.period_id) d
        WHERE t.team_id = d.team_id AND t.kpi_id = d.kpi_id AND t.period_id = d.period_id;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER scoring_totals_values_deleted AFTER DELETE ON scoring_kpivalue
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION scoring_totals_values_deleted()
    """,
    # A statement's changed values (an upsert's updates too): the old taken out, the new added.
    # Rows whose value, student, KPI and period all stayed (a version bump) change nothing.
    """
    CREATE FUNCTION scoring_totals_values_updated() RETURNS trigger AS $$
    BEGIN
        UPDATE scoring_teamkpitotal t SET units = t.units - d.units, "count" = t."count" - d.n
        FROM (SELECT e.team_id, o.kpi_id, o.period_id, SUM(ROUND(o.value * 10000)::bigint) AS units, COUNT(*) AS n
              FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN students_enrolment e ON e.id = o.enrolment_id
              WHERE e.team_id IS NOT NULL
                AND (o.enrolment_id, o.kpi_id, o.period_id, o.value) IS DISTINCT FROM
                    (n.enrolment_id, n.kpi_id, n.period_id, n.value)
              GROUP BY e.team_id, o.kpi_id, o.period_id) d
        WHERE t.team_id = d.team_id AND t.kpi_id = d.kpi_id AND t.period_id = d.period_id;
        INSERT INTO scoring_teamkpitotal (team_id, kpi_id, period_id, units, "count")
        SELECT e.team_id, n.kpi_id, n.period_id, SUM(ROUND(n.value * 10000)::bigint), COUNT(*)
        FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN students_enrolment e ON e.id = n.enrolment_id
        WHERE e.team_id IS NOT NULL
          AND (o.enrolment_id, o.kpi_id, o.period_id, o.value) IS DISTINCT FROM
              (n.enrolment_id, n.kpi_id, n.period_id, n.value)
        GROUP BY e.team_id, n.kpi_id, n.period_id
        ORDER BY e.team_id, n.kpi_id, n.period_id
        ON CONFLICT (team_id, kpi_id, period_id) DO UPDATE
            SET units = scoring_teamkpitotal.units + EXCLUDED.units,
                "count" = scoring_teamkpitotal."count" + EXCLUDED."count";
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER scoring_totals_values_updated AFTER UPDATE ON scoring_kpivalue
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scoring_totals_values_updated()
    """,
    # Students moved to another team (or out of one, as when their team is deleted):
    # their values leave the old team's totals and join the new team's.
    """
    CREATE FUNCTION scoring_totals_students_moved() RETURNS trigger AS $$
    BEGIN
        UPDATE scoring_teamkpitotal t SET units = t.units - d.units, "count" = t."count" - d.n
        FROM (SELECT o.team_id, v.kpi_id, v.period_id, SUM(ROUND(v.value * 10000)::bigint) AS units, COUNT(*) AS n
              FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN scoring_kpivalue v ON v.enrolment_id = o.id
              WHERE o.team_id IS NOT NULL AND o.team_id IS DISTINCT FROM n.team_id
              GROUP BY o.team_id, v.kpi_id, v.period_id) d
        WHERE t.team_id = d.team_id AND t.kpi_id = d.kpi_id AND t.period_id = d.period_id;
        INSERT INTO scoring_teamkpitotal (team_id, kpi_id, period_id, units, "count")
        SELECT n.team_id, v.kpi_id, v.period_id, SUM(ROUND(v.value * 10000)::bigint), COUNT(*)
        FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN scoring_kpivalue v ON v.enrolment_id = n.id
        WHERE n.team_id IS NOT NULL AND o.team_id IS DISTINCT FROM n.team_id
        GROUP BY n.team_id, v.kpi_id, v.period_id
        ORDER BY n.team_id, v.kpi_id, v.period_id
        ON CONFLICT (team_id, kpi_id, period_id) DO UPDATE
            SET units = scoring_teamkpitotal.units + EXCLUDED.units,
                "count" = scoring_teamkpitotal."count" + EXCLUDED."count";
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER scoring_totals_students_moved AFTER UPDATE ON students_enrolment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scoring_totals_students_moved()
    """,
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS scoring_totals_students_moved ON students_enrolment",
    "DROP FUNCTION IF EXISTS scoring_totals_students_moved()",
    *(f"DROP TRIGGER IF EXISTS scoring_totals_values_{op} ON scoring_kpivalue" for op in ("inserted", "deleted", "updated")),
    *(f"DROP FUNCTION IF EXISTS scoring_totals_values_{op}()" for op in ("inserted", "deleted", "updated")),
]

# SQLite: row triggers. Adding to a total makes its row first when missing.
_SQLITE_ADD = """
    INSERT INTO scoring_teamkpitotal (team_id, kpi_id, period_id, units, "count")
    SELECT e.team_id, {row}.kpi_id, {row}.period_id, 0, 0 FROM students_enrolment e
    WHERE e.id = {row}.enrolment_id AND e.team_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM scoring_teamkpitotal t
        WHERE t.team_id = e.team_id AND t.kpi_id = {row}.kpi_id AND t.period_id = {row}.period_id);
    UPDATE scoring_teamkpitotal SET units = units + CAST(ROUND({row}.value * 10000) AS INTEGER), "count" = "count" + 1
    WHERE team_id = (SELECT team_id FROM students_enrolment WHERE id = {row}.enrolment_id)
      AND kpi_id = {row}.kpi_id AND period_id = {row}.period_id;
"""
_SQLITE_TAKE = """
    UPDATE scoring_teamkpitotal SET units = units - CAST(ROUND({row}.value * 10000) AS INTEGER), "count" = "count" - 1
    WHERE team_id = (SELECT team_id FROM students_enrolment WHERE id = {row}.enrolment_id)
      AND kpi_id = {row}.kpi_id AND period_id = {row}.period_id;
"""
# A moved student's value of the total's KPI and period (one at most: the values' unique key).
_SQLITE_VALUE_OF = """(SELECT {what} FROM scoring_kpivalue v WHERE v.enrolment_id = {row}.id
     AND v.kpi_id = scoring_teamkpitotal.kpi_id AND v.period_id = scoring_teamkpitotal.period_id)"""
SQLITE = [
    f"""
    CREATE TRIGGER scoring_totals_value_inserted AFTER INSERT ON scoring_kpivalue FOR EACH ROW
    BEGIN {_SQLITE_ADD.format(row="NEW")} END
    """,
    f"""
    CREATE TRIGGER scoring_totals_value_deleted AFTER DELETE ON scoring_kpivalue FOR EACH ROW
    BEGIN {_SQLITE_TAKE.format(row="OLD")} END
    """,
    f"""
    CREATE TRIGGER scoring_totals_value_updated AFTER UPDATE OF value, enrolment_id, kpi_id, period_id
    ON scoring_kpivalue FOR EACH ROW
    WHEN OLD.value IS NOT NEW.value OR OLD.enrolment_id IS NOT NEW.enrolment_id
        OR OLD.kpi_id IS NOT NEW.kpi_id OR OLD.period_id IS NOT NEW.period_id
    BEGIN {_SQLITE_TAKE.format(row="OLD")} {_SQLITE_ADD.format(row="NEW")} END
    """,
    f"""
    CREATE TRIGGER scoring_totals_student_moved AFTER UPDATE OF team_id ON students_enrolment FOR EACH ROW
    WHEN OLD.team_id IS NOT NEW.team_id
    BEGIN
        UPDATE scoring_teamkpitotal
        SET units = units - {_SQLITE_VALUE_OF.format(what="CAST(ROUND(v.value * 10000) AS INTEGER)", row="OLD")},
            "count" = "count" - 1
        WHERE team_id = OLD.team_id AND EXISTS {_SQLITE_VALUE_OF.format(what="1", row="OLD")};
        INSERT INTO scoring_teamkpitotal (team_id, kpi_id, period_id, units, "count")
        SELECT NEW.team_id, v.kpi_id, v.period_id, 0, 0 FROM scoring_kpivalue v
        WHERE NEW.team_id IS NOT NULL AND v.enrolment_id = NEW.id AND NOT EXISTS (
            SELECT 1 FROM scoring_teamkpitotal t
            WHERE t.team_id = NEW.team_id AND t.kpi_id = v.kpi_id AND t.period_id = v.period_id);
        UPDATE scoring_teamkpitotal
        SET units = units + {_SQLITE_VALUE_OF.format(what="CAST(ROUND(v.value * 10000) AS INTEGER)", row="NEW")},
            "count" = "count" + 1
        WHERE team_id = NEW.team_id AND EXISTS {_SQLITE_VALUE_OF.format(what="1", row="NEW")};
    END
    """,
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS scoring_totals_{name}"
               for name in ("student_moved", "value_updated", "value_deleted", "value_inserted")]

# The values there already, added up once (both databases).
BACKFILL = """
    INSERT INTO scoring_teamkpitotal (team_id, kpi_id, period_id, units, "count")
    SELECT e.team_id, v.kpi_id, v.period_id, SUM(CAST(ROUND(v.value * 10000) AS BIGINT)), COUNT(*)
    FROM scoring_kpivalue v JOIN students_enrolment e ON e.id = v.enrolment_id
    WHERE e.team_id IS NOT NULL
    GROUP BY e.team_id, v.kpi_id, v.period_id
"""


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('scoring', '0004_audit_history'),
        ('students', '0004_bank_branch_and_account_holder'),
    ]

    operations = [
        migrations.CreateModel(
            name='TeamKpiTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('units', models.BigIntegerField()),
                ('count', models.IntegerField()),
                ('kpi', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='scoring.kpidefinition')),
                ('period', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='scoring.scoringperiod')),
                ('team', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='students.team')),
            ],
            options={
                'verbose_name': 'Team KPI total',
                'verbose_name_plural': 'Team KPI totals',
                'constraints': [models.UniqueConstraint(fields=('team', 'kpi', 'period'), name='team_kpi_total_unique')],
            },
        ),
        migrations.RunPython(_run({"postgresql": [*POSTGRESQL, BACKFILL], "sqlite": [*SQLITE, BACKFILL]}),
                             _run({"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP})),
    ]
