"""The database refuses to change the parties of an agreement that has a
programme, and to move a programme to another agreement: whoever writes
(a form, the admin, a script), the company's finance never receives another
school's programmes, batches and bank files by an edit."""

from django.db import migrations

POSTGRESQL = [
    """
    CREATE FUNCTION agreement_parties_fixed() RETURNS trigger AS $$
    BEGIN
        IF (NEW.school_id <> OLD.school_id OR NEW.company_id <> OLD.company_id)
           AND EXISTS (SELECT 1 FROM agreements_programme WHERE agreement_id = OLD.id) THEN
            RAISE EXCEPTION 'agreement has programmes: its school and company are fixed'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER agreement_parties_fixed BEFORE UPDATE OF school_id, company_id ON agreements_agreement
    FOR EACH ROW EXECUTE FUNCTION agreement_parties_fixed()
    """,
    """
    CREATE FUNCTION programme_agreement_fixed() RETURNS trigger AS $$
    BEGIN
        IF NEW.agreement_id <> OLD.agreement_id THEN
            RAISE EXCEPTION 'a programme cannot move to another agreement' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER programme_agreement_fixed BEFORE UPDATE OF agreement_id ON agreements_programme
    FOR EACH ROW EXECUTE FUNCTION programme_agreement_fixed()
    """,
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS programme_agreement_fixed ON agreements_programme",
    "DROP FUNCTION IF EXISTS programme_agreement_fixed()",
    "DROP TRIGGER IF EXISTS agreement_parties_fixed ON agreements_agreement",
    "DROP FUNCTION IF EXISTS agreement_parties_fixed()",
]
SQLITE = [
    """
    CREATE TRIGGER agreement_parties_fixed BEFORE UPDATE OF school_id, company_id ON agreements_agreement
    FOR EACH ROW WHEN (NEW.school_id <> OLD.school_id OR NEW.company_id <> OLD.company_id)
        AND EXISTS (SELECT 1 FROM agreements_programme WHERE agreement_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, 'agreement has programmes: its school and company are fixed'); END
    """,
    """
    CREATE TRIGGER programme_agreement_fixed BEFORE UPDATE OF agreement_id ON agreements_programme
    FOR EACH ROW WHEN NEW.agreement_id <> OLD.agreement_id
    BEGIN SELECT RAISE(ABORT, 'a programme cannot move to another agreement'); END
    """,
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS programme_agreement_fixed", "DROP TRIGGER IF EXISTS agreement_parties_fixed"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("agreements", "0002_initial"),
    ]

    operations = [
        migrations.RunPython(_run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
                             _run({"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP})),
    ]
