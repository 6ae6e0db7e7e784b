"""Deleting asks first: every form that posts to a delete URL, and every
formset page with Delete boxes, carries the question the browser asks
(static/js/site.js). tests/browser/test_confirm_delete.py shows the
question stops the delete."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
FORM = re.compile(r"<form\b[^>]*>", re.S)


def test_every_delete_form_asks_first():
    unasked = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in FORM.findall(text):
            if re.search(r"url '[\w:]*(delete|remove)\w*'", tag) and "data-confirm" not in tag:
                unasked.append(f"{template.relative_to(TEMPLATES)}: {tag[:120]}")
        if "-DELETE" in text or "can_delete" in text and "formset" in template.name:
            if "data-confirm-deletes" not in text:
                unasked.append(f"{template.relative_to(TEMPLATES)}: a formset with Delete boxes")
    assert unasked == []
