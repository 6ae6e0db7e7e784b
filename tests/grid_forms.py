"""Read a grid page's form the way a browser without JavaScript would post it:
every named input with its value and every select with its selected option
(so a "client that posts everything", including the hidden per-cell fields).
Standard library only; shared by the view tests and the concurrency tests."""

from html.parser import HTMLParser


class _FormFields(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, {}
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "disabled" in a:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "checkbox", "radio"):
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "select" and a.get("name"):
            self._select, self._first_option = a["name"], None
        elif tag == "option" and self._select is not None:
            value = a.get("value") or ""
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self.fields[self._select] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            self.fields.setdefault(self._select, self._first_option or "")
            self._select = None


def form_fields(html: str, form_id: str) -> dict[str, str]:
    """``{name: value}`` of the form ``form_id`` in ``html`` (csrf token included)."""
    parser = _FormFields(form_id)
    parser.feed(html)
    return parser.fields
