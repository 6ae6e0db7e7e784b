"""Small PDFs with CJK text: embedded fonts cut to the glyphs a document shows.

WeasyPrint subsets fonts but keeps every glyph id up to the highest one used
(its content streams address glyphs by id). A CJK font has ~63,000 glyphs and
the ideographs sit high, so a one-page score sheet still carries ~760 KB per
font of empty glyph slots and metrics: ~300 KiB per PDF, whatever it shows.

Noto Sans CJK is a CID-keyed CFF font (ROS Adobe-Identity-0, CID = glyph id).
For such a font a PDF addresses glyphs by CID, and the font's own charset
maps each CID to its outline (ISO 32000-1, 9.7.4.2). So the font can be cut
to the glyphs used, renumbered densely, and embedded as a bare CFF program
(``/FontFile3 /Subtype /CIDFontType0C``, the form Acrobat itself embeds CJK
fonts in), while the page content, widths and ToUnicode stay as they are.
Fonts of any other kind are left untouched.

``compact(pdf)`` does this for a whole document; ``split(pdf, ranges)`` cuts
a document into parts (a class set into one file per student), each with its
fonts cut to that part's own glyphs.
"""

import hashlib
import io
import re
from types import SimpleNamespace

from fontTools import subset
from fontTools.ttLib import TTFont
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ContentStream, DecodedStreamObject, NameObject

_CID_NAME = re.compile(r"cid(\d+)\Z")


def compact(pdf: bytes) -> bytes:
    """The same document with each CID-keyed CFF font cut to the glyphs its
    pages show (see the module's docstring). Text, layout and look are kept."""
    return split(pdf, [range(len(PdfReader(io.BytesIO(pdf)).pages))])[0]


def split(pdf: bytes, ranges: list[range]) -> list[bytes]:
    """One PDF per range of page indexes, each carrying only the glyphs of
    its own pages.

    The big fonts are cut once to the glyphs of the whole document; each
    part is then cut from that small font (a 63,000-glyph font takes ~0.3 s
    to cut, a few hundred glyphs a few milliseconds).
    """
    reader = PdfReader(io.BytesIO(pdf))
    programs: dict[str, object] = {}
    shown = []  # per page: font program digest -> codes shown (content parsed once)
    for page in reader.pages:
        codes: dict[str, set[int]] = {}
        _collect(page, page.get("/Resources"), codes, programs, reader)
        shown.append(codes)
    whole: dict[str, set[int]] = {}
    for codes in shown:
        for key, cids in codes.items():
            whole.setdefault(key, set()).update(cids)
    small = {key: _cut(programs[key].get_object().get_data(), cids) for key, cids in whole.items()}
    parts = []
    for pages in ranges:
        writer = PdfWriter()
        used: dict[str, set[int]] = {}
        for index in pages:
            writer.add_page(reader.pages[index])
            for key, cids in shown[index].items():
                used.setdefault(key, set()).update(cids)
        streams: dict[str, object] = {}
        for page in writer.pages:
            _collect(page, page.get("/Resources"), {}, streams, writer, read_text=False)
        for key, cids in used.items():
            font = small.get(key)
            if font is None or key not in streams:
                continue
            replacement = DecodedStreamObject()
            replacement.set_data(_pick(font, cids))
            replacement[NameObject("/Subtype")] = NameObject("/CIDFontType0C")
            writer._objects[streams[key].idnum - 1] = replacement.flate_encode()
        buffer = io.BytesIO()
        writer.write(buffer)
        parts.append(buffer.getvalue())
    return parts


def _collect(content_owner, resources, used, programs, pdf, *, read_text: bool = True) -> None:
    """Gather the cuttable fonts of a page or form XObject (forms
    recursively) and, with ``read_text``, the codes shown with each, keyed by
    the digest of the font program."""
    if resources is None:
        return
    resources = resources.get_object()
    fonts = {}
    for name, font in (resources.get("/Font") or {}).items():
        program = _font_program(font.get_object())
        if program is not None:
            key = hashlib.sha256(program.get_object().get_data()).hexdigest()
            fonts[name] = key
            programs[key] = program
            used.setdefault(key, set())
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form":
            _collect(xobject, xobject.get("/Resources"), used, programs, pdf, read_text=read_text)
    contents = content_owner.get_contents() if hasattr(content_owner, "get_contents") else content_owner
    if not read_text or not fonts or contents is None:
        return
    current = None
    for operands, operator in ContentStream(contents, pdf).operations:
        if operator == b"Tf":
            current = fonts.get(operands[0])
        elif current is not None and operator in (b"Tj", b"'", b'"', b"TJ"):
            strings = operands[0] if operator == b"TJ" else operands[-1:]
            cids = used[current]
            for text in strings:
                if isinstance(text, bytes | str):
                    # pypdf may decode a string as text; original_bytes are the codes as written.
                    raw = text.original_bytes if hasattr(text, "original_bytes") else bytes(text)
                    cids.update(int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw) - 1, 2))


def _font_program(font):
    """The indirect reference of a Type0 font's OpenType CFF program, when it
    is one we can cut: Identity-H encoding over a CIDFontType0."""
    if font.get("/Subtype") != "/Type0" or font.get("/Encoding") != "/Identity-H":
        return None
    descendant = font["/DescendantFonts"][0].get_object()
    if descendant.get("/Subtype") != "/CIDFontType0":
        return None
    program = descendant["/FontDescriptor"].get_object().raw_get("/FontFile3")
    if not getattr(program, "idnum", None) or program.get_object().get("/Subtype") != "/OpenType":
        return None
    return program


def _cut(data: bytes, cids: set[int]) -> bytes | None:
    """The OpenType font ``data``, as WeasyPrint embedded it (glyphs addressed
    by id), cut to ``cids`` and .notdef and renumbered densely, the CIDs kept
    in its charset. None when the font is not CID-keyed or a glyph's id is
    not its CID."""
    font = TTFont(io.BytesIO(data), lazy=True)
    if "CFF " not in font or not hasattr(font["CFF "].cff.topDictIndex[0], "ROS"):
        return None
    order = font.getGlyphOrder()
    # fontTools names a CID-keyed font's glyphs after their CIDs.
    names = [f"cid{cid:05d}" for cid in sorted(cids - {0})]
    if any(cid >= len(order) or order[cid] != name for cid, name in zip(sorted(cids - {0}), names, strict=True)):
        return None  # glyph ids are not CIDs: the pages' codes would find other glyphs
    options = subset.Options(retain_gids=False, desubroutinize=True, hinting=True, notdef_outline=False,
                             glyph_names=True, layout_features=[], drop_tables=["GSUB", "GPOS", "VORG"])
    subsetter = subset.Subsetter(options)
    subsetter.populate(glyphs=names)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def _pick(data: bytes, cids: set[int]) -> bytes:
    """The bare CFF program of a font cut by :func:`_cut`, with only ``cids``.

    The outlines are copied as they are (``_cut`` removed their subroutines),
    so no charstring is run again: a part costs milliseconds.
    """
    font = TTFont(io.BytesIO(data), recalcBBoxes=False)  # the bounds would run every outline
    order = font.getGlyphOrder()
    keep = {".notdef"} | {f"cid{cid:05d}" for cid in cids}
    font["CFF "].subset_glyphs(SimpleNamespace(  # fontTools' own pruning, without its closure and bounds pass
        glyphs=keep & set(order), glyphs_emptied=set(), orig_glyph_order=order,
        options=SimpleNamespace(retain_gids=False)))
    return font["CFF "].compile(font)
