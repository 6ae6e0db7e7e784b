"""Every form page of the permission matrix, fed what people (and attackers)
type: each numeric field 1e400, NaN and -1, each date 0001-01-01 and
9999-12-31, each text field one character over its limit, each choice an
unknown id. Every answer is a page (never a server error) and nothing is
written.

The forms are read from the pages themselves (their inputs, selects and text
areas with the values they show), so a field added later is fuzzed too.
"""

import re
from html.parser import HTMLParser

import pytest

from tests.test_permissions import (
    MATRIX,
    POSTS,
    READS,
    ROLES,
    _changed,
    _database,
    _expected_post,
    _user,
)

BAD_NUMBERS = ("1e400", "NaN", "-1")
BAD_DATES = ("0001-01-01", "9999-12-31")
UNKNOWN_ID = "987654321"
# A text input without a stated limit still gets a very long value.
UNLIMITED_TEXT = 10_000
# Text inputs that hold numbers without saying so (inputmode): a list of amounts.
NUMBERS_AS_TEXT = {"prize_amounts"}
# Inputs the fuzzer leaves alone: the CSRF token, formset bookkeeping, buttons.
SKIPPED = ("csrfmiddlewaretoken",)
SKIPPED_SUFFIXES = ("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS", "-id", "-DELETE")


class _Forms(HTMLParser):
    """The POST forms of a page: for each, its action and its fields
    (name, kind, value shown, maxlength, the options of a select)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                          "fields": [], "multipart": "multipart" in (a.get("enctype") or "")}
            self.forms.append(self._form)
            return
        if tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))
            if "selected" in a:
                self._select["value"] = a.get("value", "")
            return
        if self._form is None or "name" not in a or "disabled" in a:
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "reset", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                self._form["fields"].append({"name": a["name"], "kind": kind, "value": None,
                                             "option": a.get("value", "on")})
                return
            self._form["fields"].append({"name": a["name"], "kind": kind, "value": a.get("value", "on" if kind in (
                "checkbox", "radio") else ""), "maxlength": a.get("maxlength"),
                "numeric": a.get("inputmode") in ("decimal", "numeric")})
        elif tag == "select":
            self._select = {"name": a["name"], "kind": "select", "value": None, "options": [],
                            "multiple": "multiple" in a}
            self._form["fields"].append(self._select)
        elif tag == "textarea":
            self._textarea = {"name": a["name"], "kind": "textarea", "value": "", "maxlength": a.get("maxlength")}
            self._form["fields"].append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            if self._select is not None and self._select["value"] is None and self._select["options"]:
                self._select["value"] = None if self._select["multiple"] else self._select["options"][0]
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _post_forms(html: str, path: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return [f for f in parser.forms if f["method"] == "post" and f["action"] in ("", path, "?" + path.split("?")[-1])
            and not f["multipart"]]


def _baseline(form: dict) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for field in form["fields"]:
        if field["value"] is not None:
            data.setdefault(field["name"], []).append(field["value"])
    return data


_ROW = re.compile(r"^(.+)-(\d+)-[^-]+$")


def _in_blank_row(field, form: dict, base: dict[str, list[str]]) -> bool:
    """A choice in a formset's extra row that nothing else fills: the row is
    unused (its select always sends something) and rightly ignored."""
    match = _ROW.match(field["name"])
    if field["kind"] != "select" or not match:
        return False
    prefix, index = match.group(1), int(match.group(2))
    if index < int((base.get(f"{prefix}-INITIAL_FORMS") or ["0"])[0]):
        return False
    row = f"{prefix}-{index}-"
    return not any(v for f in form["fields"] if f["name"].startswith(row) and f["kind"] != "select"
                   for v in base.get(f["name"], []))


def _fuzzable(field) -> bool:
    name = field["name"]
    return name not in SKIPPED and not name.endswith(SKIPPED_SUFFIXES) and field["kind"] != "hidden"


def _bad_values(field) -> list[str]:
    kind = field["kind"]
    if kind == "number":
        return list(BAD_NUMBERS)
    if kind == "date":
        return list(BAD_DATES)
    if kind in ("text", "textarea", "search"):
        limit = field.get("maxlength")
        long_text = "长" * (int(limit) + 1 if limit else UNLIMITED_TEXT)
        # A text box that holds numbers (a score, a KPI value, the prize list) gets those too.
        numeric = field.get("numeric") or field["name"] in NUMBERS_AS_TEXT
        return [long_text, *BAD_NUMBERS] if numeric else [long_text]
    if kind == "select":
        return [UNKNOWN_ID]
    if kind == "radio":
        return [UNKNOWN_ID]
    return []  # a lone checkbox is on or off whatever its value


def _role_allowed_to_post(name: str) -> str | None:
    """A role whose POST to the page is not refused (it reaches the form)."""
    for role in ("coordinator", "mentor_a", "finance", "admin"):
        if MATRIX[name][1][role] == 200 and _expected_post(name, role) in (200, 302):
            return role
    return None


# Pages whose POST row refuses everyone have nothing to fuzz (the matrix tests their refusal).
FORM_PAGES = sorted(name for name, (_data, expected) in POSTS.items()
                    if expected is not READS and _role_allowed_to_post(name) is not None)


@pytest.mark.parametrize("name", FORM_PAGES)
def test_no_form_field_takes_a_bad_value_or_answers_with_a_server_error(world_with_job, client_for, name):
    role = _role_allowed_to_post(name)
    assert role in ROLES
    path = MATRIX[name][0](world_with_job)
    client = client_for(_user(world_with_job, role))
    page = client.get(path)
    assert page.status_code == 200
    forms = _post_forms(page.content.decode(), path)
    tried = 0
    for form in forms:
        base = _baseline(form)
        seen = set()
        for field in form["fields"]:
            if not _fuzzable(field) or _in_blank_row(field, form, base):
                continue
            # The rows of a formset or a grid share one field class: the first fuzzable cell of
            # a kind stands for the others (names differ only by row and column numbers).
            same_in_every_row = re.sub(r"\d+", "#", field["name"])
            if same_in_every_row in seen:
                continue
            seen.add(same_in_every_row)
            for bad in _bad_values(field):
                data = {k: list(v) for k, v in base.items()}
                data[field["name"]] = [bad]
                before = _database()
                response = client.post(path, data)
                tried += 1
                assert response.status_code < 500, f"{name}: {field['name']}={bad[:20]} answered {response.status_code}"
                assert _changed(before, _database()) == [], f"{name}: {field['name']}={bad[:20]} was written"
    # An unknown id in the address (a class, a week) is refused the same way.
    before = _database()
    response = client.post(path + ("&" if "?" in path else "?") + f"class={UNKNOWN_ID}&week={UNKNOWN_ID}", {})
    assert response.status_code < 500
    if response.status_code != 302:
        assert _changed(before, _database()) == []
    assert tried or not forms


# Pages that only take a POST (a decision, a button): their body's values replaced one by one.
def _role_allowed_to_act(name: str) -> str | None:
    return next((r for r in ("coordinator", "mentor_a", "finance", "admin") if _expected_post(name, r) in (200, 302)),
                None)


ACTION_PAGES = sorted(name for name, (_build, expected) in MATRIX.items()
                      if expected["coordinator"] == 405 and name in POSTS and POSTS[name][1] is not READS
                      and _role_allowed_to_act(name) is not None)


@pytest.mark.parametrize("name", ACTION_PAGES)
def test_no_action_takes_a_bad_value_or_answers_with_a_server_error(world_with_job, client_for, name):
    build, body = MATRIX[name][0], POSTS[name][0]
    role = _role_allowed_to_act(name)
    client = client_for(_user(world_with_job, role))
    base = body(world_with_job)
    for key in [*base, "period", "approve", "decision", "note", "refusal_reason"]:
        for bad in (*BAD_NUMBERS, *BAD_DATES, UNKNOWN_ID, "长" * UNLIMITED_TEXT):
            before = _database()
            response = client.post(build(world_with_job), {**base, key: bad})
            assert response.status_code < 500, f"{name}: {key}={bad[:20]} answered {response.status_code}"
            if key in base:  # a value the action reads: refused, nothing written
                assert _changed(before, _database()) == [], f"{name}: {key}={bad[:20]} was written"
