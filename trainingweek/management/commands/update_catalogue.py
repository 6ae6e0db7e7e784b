"""Refresh the Chinese catalogue from the source and compile it (developers).

Runs makemessages for zh_Hans over the project, fills empty translations from
``trainingweek/locale/seed/*.tsv`` (lines ``English msgid<TAB>中文``, or
``context<TAB>English msgid<TAB>中文`` for a ``pgettext`` string) when given ``--fill``, compiles, and lists what is still untranslated. The UI is
Chinese by default, so an untranslated string shows in English: the test
suite fails on any (tests/test_i18n.py).
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

LOCALE = Path(settings.BASE_DIR) / "trainingweek" / "locale"
PO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
IGNORE = [".venv", "bench", "tests", "var", "node_modules", "*/migrations/*"]


def read_seeds(folder: Path) -> dict[tuple[str | None, str], str]:
    """Seed translations keyed by (msgctxt or None, msgid)."""
    pairs = {}
    for tsv in sorted(folder.glob("*.tsv")):
        for line in tsv.read_text(encoding="utf-8").splitlines():
            fields = line.split("\t")
            if len(fields) == 2:
                pairs[(None, fields[0])] = fields[1]
            elif len(fields) == 3:
                pairs[(fields[0], fields[1])] = fields[2]
    return pairs


class Command(BaseCommand):
    help = "Update and compile the zh_Hans catalogue; report untranslated strings."

    def add_arguments(self, parser):
        parser.add_argument("--fill", action="store_true", help="fill empty entries from locale/seed/*.tsv")

    def handle(self, *args, fill=False, **options):
        call_command("makemessages", locale=["zh_Hans"], ignore_patterns=IGNORE, no_obsolete=True,
                     verbosity=0, add_location="file")
        po = polib.pofile(str(PO), wrapwidth=0)
        po.metadata["Language"] = "zh_Hans"
        po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
        po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
        seeds = read_seeds(LOCALE / "seed") if fill else {}
        for entry in po:
            if "fuzzy" in entry.flags:
                # msgmerge's guess from a similar string is never trusted.
                entry.flags.remove("fuzzy")
                entry.previous_msgid = entry.previous_msgid_plural = None
                entry.msgstr, entry.msgstr_plural = "", ({0: ""} if entry.msgid_plural else {})
            context = entry.msgctxt or None
            text = seeds.get((context, entry.msgid))
            if entry.msgid_plural:
                plural = seeds.get((context, entry.msgid_plural))
                if not entry.msgstr_plural.get(0) and (plural or text):
                    entry.msgstr_plural = {0: plural or text}
            elif text and not entry.msgstr:
                entry.msgstr = text
        po.save()
        call_command("compilemessages", locale=["zh_Hans"], ignore_patterns=[".venv"], verbosity=0)
        missing = [e.msgid for e in po if not e.translated() or "fuzzy" in e.flags]
        for msgid in missing:
            self.stdout.write(f"untranslated: {msgid}")
        self.stdout.write(f"{len(po)} strings, {len(missing)} untranslated")
