"""One money format on every page: amounts of 1,000 and more are grouped by thousands.

Every page of the permission matrix is read as the users who see the most
(a coordinator and finance) with data that has amounts above 1,000; any
number like ``10000.00`` in the page's text (not in a form field's value,
which must stay machine-readable) is a page formatting money by hand.
"""

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from tests.test_permissions import MATRIX

UNGROUPED = re.compile(r"(?<![\d,.])\d{4,}\.\d{1,2}(?![\d])")
DOWNLOADS = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/pdf",
             "application/zip", "text/csv"}


class _Text(HTMLParser):
    """The text a person reads: no attributes, no scripts, no form values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "textarea", "select"}:
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in {"script", "style", "textarea", "select"}:
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _text(html: str) -> str:
    reader = _Text()
    reader.feed(html)
    return " ".join(reader.parts)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_no_page_shows_an_ungrouped_amount(world_with_job, client_for, name):
    world = world_with_job
    agreement = world.programme.agreement
    agreement.deposit_amount = Decimal("10000.00")
    agreement.room_rent_per_day = Decimal("1200.00")
    agreement.save()
    build, _expected = MATRIX[name]
    offenders = []
    for user in (world.coordinator, world.finance, world.mentor_a):
        response = client_for(user).get(build(world))
        if response.status_code != 200 or response.get("Content-Type", "").split(";")[0] in DOWNLOADS:
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        found = UNGROUPED.findall(_text(response.content.decode()))
        offenders += [f"{user.username}: {value}" for value in found]
    assert offenders == [], f"{name} shows amounts without thousands separators"


MONEY_NAMES = r"(amount|gross|net|tax|total_amount|cash_amount|deposit_amount|taxable|subsidy\w*|rent\w*|bonus)"
RAW_MONEY = re.compile(r"\{\{\s*([\w.]*\b" + MONEY_NAMES + r")\s*\}\}")


def test_templates_print_money_through_the_one_filter():
    """A template that prints an amount prints it through ``|amount`` (attributes excepted)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "templates"
    offenders = []
    for template in root.rglob("*.html"):
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), start=1):
            for match in RAW_MONEY.finditer(line):
                before = line[:match.start()]
                if re.search(r'[\w-]+="[^"]*$', before):  # inside an attribute: machine-readable
                    continue
                if re.search(r"\b" + re.escape(match.group(1)) + r"=", line):  # a blocktranslate placeholder
                    continue
                offenders.append(f"{template.relative_to(root)}:{number}: {match.group(0)}")
    assert offenders == []
