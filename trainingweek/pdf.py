"""PDF rendering for every area: ``render_pdf(html) -> bytes``.

One WeasyPrint ``FontConfiguration`` is shared by all renders of the process
(DESIGN pitfalls: a new one per document costs ~4× the memory). Chinese text
uses the embedded Noto Sans CJK SC (Debian's fonts-noto-cjk); a missing font
fails silently as boxes, so tests check the embedded fonts with ``pdffonts``.
Render a whole set (a class's score sheets) as ONE document with page
breaks (``break-before: page``) rather than one document each.
"""

import threading
from functools import lru_cache

from django.conf import settings

CJK_FONT = "Noto Sans CJK SC"

# A4 portrait, CJK font, plain tables; a document's own CSS comes after and wins.
BASE_CSS = f"""
@page {{ size: A4; margin: 16mm 15mm 18mm 15mm;
        @bottom-center {{ content: counter(page) " / " counter(pages); font-size: 8pt; color: #666; }} }}
html {{ font-family: "{CJK_FONT}", sans-serif; font-size: 10pt; line-height: 1.45; color: #111; }}
h1 {{ font-size: 15pt; margin: 0 0 4mm; text-align: center; }}
h2 {{ font-size: 11.5pt; margin: 5mm 0 2mm; }}
table {{ width: 100%; border-collapse: collapse; }}
th, td {{ border: 0.5pt solid #888; padding: 1.2mm 2mm; vertical-align: top; }}
th {{ background: #eee; font-weight: bold; }}
.num {{ text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }}
.muted {{ color: #555; font-size: 8.5pt; }}
"""

# WeasyPrint's font objects are not made for concurrent use; renders in one
# process take turns (they are CPU-bound under the GIL anyway).
_lock = threading.Lock()


@lru_cache(maxsize=1)
def font_config():
    """The process's one FontConfiguration."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@lru_cache(maxsize=1)
def _base_stylesheet():
    from weasyprint import CSS

    return CSS(string=BASE_CSS, font_config=font_config())


def render_pdf(html: str, *, css: str = "", base_url: str | None = None) -> bytes:
    """The PDF of an HTML document (A4, CJK font), as bytes.

    ``css`` is added after the base style; ``base_url`` resolves relative
    links and images (default: the project directory).
    """
    return render_pdf_with_anchors(html, css=css, base_url=base_url)[0]


def render_pdf_with_anchors(html: str, *, css: str = "", base_url: str | None = None) -> tuple[bytes, list[set[str]]]:
    """Like :func:`render_pdf`, plus the ids (HTML anchors) found on each page,
    so a set rendered as one document can be cut into its parts afterwards."""
    from weasyprint import CSS, HTML

    with _lock:
        config = font_config()
        stylesheets = [_base_stylesheet()]
        if css:
            stylesheets.append(CSS(string=css, font_config=config))
        document = HTML(string=html, base_url=base_url or str(settings.BASE_DIR)).render(
            stylesheets=stylesheets, font_config=config)
        anchors = [set(page.anchors) for page in document.pages]
        return document.write_pdf(), anchors
