"""The production static build: what the Dockerfile runs, run here in CI.

``collectstatic`` under ``DEBUG=false`` post-processes every file with
``CompressedManifestStaticFilesStorage``, which fails on any reference
(``url()``, ``@import``, ``sourceMappingURL``) to a file that is not shipped.
The build only happens in the image, so without this test a broken vendored
asset is found when the image is built, not when the file is added.
"""

import json
import os
import re
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


def _production_env(tmp_path) -> dict:
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "static-build-" + "s" * 50,
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "FIELD_HASH_KEY": "static-build-hash-key",
        "ALLOWED_HOSTS": "trainingweek.example.org",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def _run(args, env, **kwargs):
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, **kwargs)


class _StaticRefs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "src"):
            value = attrs.get(name) or ""
            if value.startswith("/static/"):
                self.refs.append(value)


# Run in the production settings: render the login page and fetch every static
# file it names through WhiteNoise, as gunicorn would serve it.
_RENDER = textwrap.dedent("""
    import json, django
    django.setup()
    from django.conf import settings
    from django.test import Client
    assert not settings.DEBUG
    client = Client(HTTP_HOST="trainingweek.example.org")
    page = client.get("/accounts/login/", secure=True)
    assert page.status_code == 200, page.status_code
    out = {"html": page.content.decode(), "files": {}}
    import re
    for ref in re.findall(r'(?:href|src)="(/static/[^"]+)"', out["html"]):
        response = client.get(ref, secure=True)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        out["files"][ref] = [response.status_code, len(body)]
    print(json.dumps(out))
""")


def test_collectstatic_succeeds_in_production_and_pages_use_the_hashed_files(tmp_path):
    env = _production_env(tmp_path)
    collected = _run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "1"], env)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    manifest = tmp_path / "static" / "staticfiles.json"
    assert manifest.exists()

    rendered = _run([sys.executable, "-c", _RENDER], {**env, "DJANGO_SETTINGS_MODULE": "trainingweek.settings"})
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    out = json.loads(rendered.stdout.strip().splitlines()[-1])
    parser = _StaticRefs()
    parser.feed(out["html"])
    assert parser.refs, "the login page names no static file"
    hashed = {"/static/" + name for name in json.loads(manifest.read_text())["paths"].values()}
    for ref in parser.refs:
        # The manifest's hashed name (long-cached by WhiteNoise), not the plain one.
        assert ref in hashed, ref
        status, size = out["files"][ref]
        assert status == 200 and size > 0, (ref, status)
    assert any("bootstrap" in ref for ref in parser.refs)


def test_vendored_assets_name_only_files_that_are_shipped():
    """Every sourceMappingURL in a vendored file points at a file beside it,
    so the manifest storage can hash it (the check above builds them all; this
    one names the culprit)."""

    missing = []
    for path in (ROOT / "static").rglob("*"):
        if path.suffix not in (".js", ".css") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for target in re.findall(r"[#@] sourceMappingURL=([^\s*]+)", text):
            if not (path.parent / target).exists():
                missing.append(f"{path.relative_to(ROOT)} -> {target}")
    assert not missing, missing
