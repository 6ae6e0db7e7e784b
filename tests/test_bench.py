"""Every benchmark still runs, at a tiny scale, and its own checks hold.

Speed is never judged here (see bench/ and the README); this only keeps the
documented benchmark commands working as the code moves. Each script checks
that ours and the bare side give the same answer and exits non-zero if not.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

RUNS = {
    "attendance": ["--scale", "40", "--days", "3"],
    "import_students": ["--scale", "40"],
    "load": ["--scale", "60", "--days", "8", "--users", "3", "--workers", "1", "--threads", "2", "--seconds", "1"],
    "list_pages": ["--scale", "40", "--days", "2"],
    "score_sheets": ["--scale", "2"],
    "settlement": ["--scale", "2", "--pdfs", "1"],
    "stipends": ["--scale", "40"],
    "team_pages": ["--small", "8", "--large", "24", "--team-size", "4"],
}


def test_every_benchmark_has_a_run():
    assert {p.stem for p in (ROOT / "bench").glob("*.py")} - {"harness"} == set(RUNS)


@pytest.mark.parametrize("name", sorted(RUNS))
def test_benchmark_runs(name, tmp_path, migrated_sqlite):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["BENCH_OUT"] = str(tmp_path)
    env["BENCH_MIGRATED_SQLITE"] = str(migrated_sqlite)
    done = subprocess.run([sys.executable, str(ROOT / "bench" / f"{name}.py"), *RUNS[name]], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert "ratio" in done.stdout


def _load_bench():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_load_script", ROOT / "bench" / "load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_load_bench_starts_the_worker_class_it_says():
    """gunicorn quietly makes a sync worker with more than one thread a
    gthread one: a sync run asks for one thread, a gthread run for its own."""
    load = _load_bench()
    sync = load.gunicorn_command(8001, workers=2, worker_class="sync", threads=4)
    assert sync[sync.index("--worker-class") + 1] == "sync" and sync[sync.index("--threads") + 1] == "1"
    assert sync[sync.index("--workers") + 1] == "2"
    threaded = load.gunicorn_command(8001, workers=2, worker_class="gthread", threads=4)
    assert threaded[threaded.index("--worker-class") + 1] == "gthread"
    assert threaded[threaded.index("--threads") + 1] == "4"


def test_the_load_bench_runs_productions_worker_class_by_default():
    assert _load_bench().production_worker_class() == "sync"  # gunicorn.conf.py: see why there
