"""What every benchmark does before it measures: Django set up on its own
database (a fresh SQLite file under bench/out/ unless DATABASE_URL is set)."""

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("BENCH_OUT") or ROOT / "bench" / "out")  # the tests run them in a tmp dir


def setup_django(name: str, *, fresh: bool = True, migrate: bool = False) -> str:
    """Point Django at ``bench/out/<name>.sqlite3`` (removed first when
    ``fresh``) or at DATABASE_URL, set it up, and return the database vendor.
    With ``migrate`` the schema is brought up to date, and a fresh run on
    another database starts from empty tables."""
    sys.path.insert(0, str(ROOT))
    OUT.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("DATABASE_URL"):
        db = OUT / f"{name}.sqlite3"
        if fresh:
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            # The test suite hands over a file it migrated once (tests/test_bench.py):
            # migrating afresh costs ~15 s, the same in every run of a script.
            if migrated := os.environ.get("BENCH_MIGRATED_SQLITE"):
                shutil.copyfile(migrated, db)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trainingweek.settings")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if migrate:
        call_command("migrate", verbosity=0)
        if fresh and connection.vendor != "sqlite":
            call_command("flush", interactive=False, verbosity=0)
    return connection.vendor


def settle_database() -> None:
    """On PostgreSQL, what autovacuum does to a live database after a bulk
    load: the planner's statistics and the visibility map (which lets a
    query read a narrow index instead of the wide rows it indexes)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
