"""The Content-Security-Policy header, and pages that work under it: no inline
script without the request's nonce, no inline event handlers, no style
attributes or <style> blocks (style-src 'self'), nothing from another site."""

import re
from html.parser import HTMLParser

import pytest

from tests.test_permissions import MATRIX

HEADER = "Content-Security-Policy"


def _policy(response) -> dict[str, list[str]]:
    assert HEADER in response, f"no {HEADER} header"
    directives = {}
    for part in response[HEADER].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


class _Inline(HTMLParser):
    """Collects what the policy would block."""

    def __init__(self, nonce):
        super().__init__(convert_charrefs=True)
        self.nonce = nonce
        self.problems: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        where = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs.items())[:120]}>"
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"inline handler {name}: {where}")
            if name == "style":
                self.problems.append(f"style attribute: {where}")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.problems.append(f"javascript: URL: {where}")
        if tag == "style":
            self.problems.append("a <style> block")
        if tag == "script":
            self.scripts += 1
            src = attrs.get("src")
            if src is None and (self.nonce is None or attrs.get("nonce") != self.nonce):
                self.problems.append(f"inline script without the nonce: {where}")
            if src and not src.startswith("/"):
                self.problems.append(f"script from elsewhere: {where}")
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "") and not attrs.get("href", "").startswith("/"):
            self.problems.append(f"stylesheet from elsewhere: {where}")


def _problems(response) -> list[str]:
    policy = _policy(response)
    nonces = [v[len("'nonce-"):-1] for v in policy.get("script-src", []) if v.startswith("'nonce-")]
    parser = _Inline(nonces[0] if nonces else None)
    parser.feed(response.content.decode())
    assert parser.scripts, "the page loads no script at all (not a full page?)"
    return parser.problems


def test_the_policy_is_strict(client):
    policy = _policy(client.get("/accounts/login/"))
    assert policy["default-src"] == ["'self'"]
    for directive in ("script-src", "style-src"):
        assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "https:", "data:"} & set(policy[directive]), directive
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]


def test_the_login_page_has_nothing_inline(client):
    assert _problems(client.get("/accounts/login/")) == []


ROLES = ("admin", "finance", "mentor_a")  # admin sees every page; finance and mentors their own buttons
# Files and JSON, not pages (a page that turned into one of these would fail).
NOT_HTML = {"job_status", "job_download", "programs:roster_export", "programs:student_import_template",
            "scoring:kpi_template", "scoring:student_pdf", "scoring:class_pdf_download", "settlement:settlement_pdf",
            "settlement:settlement_xlsx", "stipends:bank_file", "stipends:bank_summary", "stipends:bank_prepared", "stipends:register", "stipends:signoff_pdf",
            "stipends:signoff_xlsx"}
PAGES = sorted(name for name, (_, expected) in MATRIX.items()
               if name not in NOT_HTML and any(expected[role] == 200 for role in ROLES))


@pytest.mark.parametrize("name", PAGES)
def test_pages_have_nothing_the_policy_blocks(world_with_job, client_for, name):
    build, expected = MATRIX[name]
    for role in ROLES:
        if expected[role] != 200:
            continue
        response = client_for(getattr(world_with_job, role)).get(build(world_with_job))
        assert response["Content-Type"].startswith("text/html"), name
        assert _problems(response) == [], f"{role} GET {name}"


def test_the_page_after_logging_out_everywhere(world_with_job, client_for):
    response = client_for(world_with_job.coordinator).post("/accounts/logout-everywhere/")
    assert response.status_code == 200 and _problems(response) == []


@pytest.mark.parametrize("path", ["/admin/", "/admin/trainingweek/user/", "/admin/trainingweek/user/{pk}/change/"])
def test_admin_pages_have_nothing_the_policy_blocks(world_with_job, client_for, path):
    response = client_for(world_with_job.admin).get(path.format(pk=world_with_job.coordinator.pk))
    assert response.status_code == 200
    assert _problems(response) == []


def test_a_nonced_inline_script_passes_and_a_bare_one_does_not(rf):
    """The check itself: the nonce the header names, and only that one."""
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse
    from django.template import engines

    template = engines["django"].from_string(
        '<script nonce="{{ request.csp_nonce }}">1</script><script nonce="{{ other }}">2</script><script>3</script>')
    request = rf.get("/")
    middleware = CSPMiddleware(lambda r: HttpResponse(template.render({"other": "guess"}, r)))
    response = middleware(request)
    nonce = re.search(r"'nonce-([^']+)'", response[HEADER]).group(1)
    parser = _Inline(nonce)
    parser.feed(response.content.decode())
    assert parser.problems == [
        "inline script without the nonce: <script nonce='guess'>",
        "inline script without the nonce: <script >",
    ]
