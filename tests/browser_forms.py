"""What a browser sends for a form, read from the page's HTML.

Tests that post hand-written dicts miss what real browsers add: a ``<select>``
with no chosen option still sends its first option, an unticked checkbox sends
nothing, a disabled field is left out. ``form_as_sent`` reads a rendered page
and returns the fields exactly as a browser would submit them unchanged.
"""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inside = False
        self.forms: list[list[tuple[str, str]]] = []
        self._select: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append([])
            self.inside = True
            return
        if not self.inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self.forms[-1].append((name, a.get("value", "on")))
                return
            self.forms[-1].append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select = {"name": name, "first": None, "chosen": None}
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["chosen"] = value
        elif tag == "textarea" and name:
            self._textarea = {"name": name, "text": ""}

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["text"] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select is not None:
            s = self._select
            value = s["chosen"] if s["chosen"] is not None else s["first"]
            if value is not None:
                self.forms[-1].append((s["name"], value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.forms[-1].append((self._textarea["name"], self._textarea["text"].lstrip("\n")))
            self._textarea = None


def form_as_sent(html: str, *, containing: str) -> dict[str, str | list[str]]:
    """The fields of the page's form that has a field named ``containing``, as a browser submits them untouched."""
    reader = _FormReader()
    reader.feed(html)
    fields = next((f for f in reader.forms if any(name == containing for name, _ in f)), None)
    if fields is None:
        raise AssertionError(f"no form on the page has a field named {containing!r}")
    data: dict[str, str | list[str]] = {}
    for name, value in fields:
        if name in data:
            previous = data[name]
            data[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            data[name] = value
    return data
