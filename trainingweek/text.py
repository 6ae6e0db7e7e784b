"""Typed text that names someone or something (a student's name, a student
number, an account holder, a class): one pure rule for the forms and the
importers, so a name cannot pass one door that the other refuses.

No ORM, no settings, no I/O.
"""

import re
import unicodedata

from django.utils.translation import gettext as _

# Unicode "Other" categories: Cc control (NUL, ESC …), Cf format (right-to-left
# override U+202E, zero-width space U+200B, BOM …), Cs surrogates, Co private
# use, Cn unassigned. None belongs in a name; several make one name look like
# another on screen and in the bank file.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_SPACES = re.compile(r"\s+")


def invisible_characters(text: str) -> list[str]:
    """The control and format characters in ``text``, as ``U+XXXX``, in order, once each.

    >>> invisible_characters("张\\u202e三\\u200b")
    ['U+202E', 'U+200B']
    """
    found = []
    for char in text:
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            code = f"U+{ord(char):04X}"
            if code not in found:
                found.append(code)
    return found


def clean_name(value: str, *, max_length: int | None = None) -> str:
    """A name or number as typed, normalised: NFKC (full-width letters and
    digits as half-width), runs of whitespace as one space, no space at the
    ends. Raises ``ValueError`` (with the reason in the user's language) for
    a control or format character (category Cc/Cf and the other C
    categories; ordinary spaces, tabs and line breaks are whitespace, handled
    above) and for text longer than ``max_length``, never cut.

    >>> clean_name("  ２０１９  001 ")
    '2019 001'
    """
    text = _SPACES.sub(" ", unicodedata.normalize("NFKC", str(value))).strip()
    bad = invisible_characters(text)
    if bad:
        raise ValueError(_("Contains invisible or control characters (%(codes)s): delete them and type the text again.")
                         % {"codes": ", ".join(bad)})
    if max_length is not None and len(text) > max_length:
        raise ValueError(_("At most %(max)d characters (this has %(n)d).") % {"max": max_length, "n": len(text)})
    return text
