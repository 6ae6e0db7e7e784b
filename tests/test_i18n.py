"""The UI is Chinese by default, English on request, and every string is translated.

When a test here fails after adding strings, run
``.venv/bin/python manage.py update_catalogue`` and translate what it lists
in ``trainingweek/locale/zh_Hans/LC_MESSAGES/django.po``.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "trainingweek" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _msgids(po) -> set[str]:
    return {e.msgid for e in po if not e.obsolete}


def test_every_string_has_a_chinese_translation():
    po = polib.pofile(str(PO))
    untranslated = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert untranslated == []


def test_compiled_catalogue_matches_the_source_catalogue():
    po, mo = polib.pofile(str(PO)), polib.mofile(str(MO))
    assert {e.msgid: e.msgstr for e in po if e.translated() and not e.msgid_plural} == {
        e.msgid: e.msgstr for e in mo if e.msgid and not e.msgid_plural
    }


def test_catalogue_holds_every_string_in_the_source(tmp_path):
    # Extract afresh from a copy of the source and compare: a string added to
    # the code but not to the catalogue would show in English to Chinese users.
    for item in ("manage.py", "trainingweek", "programs", "scoring", "stipends", "templates"):
        source = ROOT / item
        (shutil.copy if source.is_file() else shutil.copytree)(source, tmp_path / item)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "-v", "0",
         "-i", "*/migrations/*"],
        cwd=tmp_path, check=True, capture_output=True, timeout=120,
    )
    fresh = polib.pofile(str(tmp_path / "trainingweek" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    assert _msgids(fresh) - _msgids(polib.pofile(str(PO))) == set()


@pytest.mark.django_db
def test_chinese_by_default_and_english_on_request(world, client_for):
    client = client_for(world.coordinator)
    page = client.get("/programs/").content.decode()
    assert "实训项目" in page and "Programmes" not in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/programs/"})
    page = client.get("/programs/").content.decode()
    assert "Programmes" in page and "实训项目" not in page


@pytest.mark.django_db
def test_an_english_browser_still_gets_chinese_until_the_user_switches(world, client_for):
    client = client_for(world.coordinator)
    page = client.get("/programs/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "实训项目" in page


def test_a_status_and_a_column_with_one_english_word_read_differently(world, client_for):
    """'Active' is a student's status (在训) and, on the programme list, a headcount (在训人数)."""
    from programs.students.models import Enrolment

    with translation.override("zh-hans"):
        assert str(Enrolment.Status.ACTIVE.label) == "在训"
        assert pgettext("headcount", "Active") == "在训人数"
        assert gettext("Attendance") != gettext("Present")
    html = client_for(world.coordinator).get(reverse("programs:programme_list")).content.decode()
    assert "在训人数" in html
