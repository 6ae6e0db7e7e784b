"""The production set-up: compose file, hardened settings, defaults."""

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from compose_spec import PyCompose
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> dict:
    # Compose resolves YAML anchors and merge keys before validating; so do we.
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return {k: v for k, v in data.items() if not k.startswith("x-")}


def test_compose_file_follows_the_compose_specification():
    compose = PyCompose.from_json(json.dumps(_compose()))
    assert set(compose.service_names()) >= {"web", "worker", "beat", "postgres", "redis", "migrate"}


def test_compose_services_have_health_checks_volumes_and_commands():
    services = _compose()["services"]
    for name in ("web", "worker", "postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert services["worker"]["command"][:4] == ["celery", "-A", "trainingweek", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "trainingweek", "beat"]
    assert "gunicorn" in (ROOT / "Dockerfile").read_text()
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert any(v.startswith("postgres:") for v in services["postgres"]["volumes"])
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://")
        assert env["DEBUG"] == "false"


def test_check_deploy_is_clean_under_production_settings():
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + "-production-like-secret-key-with-enough-entropy-123456",
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "FIELD_HASH_KEY": "hash-key-for-the-check",
        "ALLOWED_HOSTS": "trainingweek.example.org",
    }
    # Only the browser tests need async-unsafe ORM access; production never sets it.
    for name in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secrets():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY")}
    env["DEBUG"] = "false"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_embedded_defaults(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_COOLOFF_TIME  # a lock expires


def _production_secrets(**overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELD_")}
    env.update(DEBUG="false", SECRET_KEY="s" * 60, FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode())
    env.update(overrides)
    return env


def _import_settings(env):
    return subprocess.run(
        [sys.executable, "-c", "import trainingweek.settings"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120,
    )


def test_production_requires_its_own_field_hash_key():
    # Missing, or set but empty (a `FIELD_HASH_KEY=` line left in .env).
    for env in (_production_secrets(), _production_secrets(FIELD_HASH_KEY="  ")):
        result = _import_settings(env)
        assert result.returncode != 0
        assert "FIELD_HASH_KEY must be set when DEBUG is false" in result.stderr
    assert _import_settings(_production_secrets(FIELD_HASH_KEY="a-real-hash-key")).returncode == 0
    # Development still derives it.
    assert _import_settings({**_production_secrets(), "DEBUG": "true"}).returncode == 0


def test_production_requires_a_non_empty_field_encryption_key():
    result = _import_settings(_production_secrets(FIELD_ENCRYPTION_KEY="", FIELD_HASH_KEY="k"))
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY must be set when DEBUG is false" in result.stderr


def test_compose_trusts_the_proxy_and_only_the_proxy_reaches_gunicorn():
    web = _compose()["services"]["web"]
    # The README's TLS proxy: one hop appends the client to X-Forwarded-For...
    assert web["environment"]["TRUSTED_PROXY_COUNT"].endswith(":-1}")
    # ...which is believed, so gunicorn is published on the loopback address only.
    assert all(str(port).startswith("127.0.0.1:") for port in web["ports"])
    for name in ("web", "worker", "beat", "migrate"):
        assert "FIELD_HASH_KEY" in _compose()["services"][name]["environment"], name


HEALTH_PROBE = """
from django.test import Client
client = Client()
ok = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
page = client.get("/accounts/login/", HTTP_HOST="127.0.0.1:8000")
print(ok.status_code, ok.content.decode(), page.status_code)
"""


def test_the_container_health_check_passes_under_production_settings(tmp_path):
    """compose calls http://127.0.0.1:8000/healthz: no allowed host, no HTTPS, no login."""
    services = _compose()["services"]
    assert "http://127.0.0.1:8000/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    env = {
        **os.environ, "DEBUG": "false", "SECRET_KEY": "y" * 60, "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "FIELD_HASH_KEY": "hash-key-for-the-check", "ALLOWED_HOSTS": "trainingweek.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'health.sqlite3'}",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", HEALTH_PROBE], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    # The health check answers; every real page still refuses the unknown host.
    assert result.stdout.strip().splitlines()[-1] == "200 ok 400"


def test_a_gunicorn_worker_hides_what_it_loaded_from_the_garbage_collector():
    """gunicorn.conf.py (read from the working directory, as the image runs it)
    freezes the objects a worker loaded, so full collections skip them."""
    import gc
    import runpy

    config = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        config["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 10_000  # Django and the apps, loaded by the test run
    finally:
        gc.unfreeze()
