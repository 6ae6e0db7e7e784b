"""How statement lines and checks read on the pages."""

from django import template
from django.utils.translation import gettext as _

from stipends.payouts.services import LINE_LABELS

register = template.Library()


FINDING_LABELS = {
    "no_account": lambda: _("No bank card"),
    "bad_account": lambda: _("Invalid bank card (15–19 digits)"),
    "shared_account": lambda: _("One account for several students"),
    "luhn": lambda: _("Bank card fails the Luhn check: please check it"),
    "name_differs": lambda: _("Account holder on file differs from the student's name"),
    "outlier": lambda: _("Amount far from the class median"),
    "at_cap": lambda: _("At the liability cap"),
    "zero_net": lambda: _("Nothing to pay (net 0.00)"),
}


@register.filter
def line_label(line: dict) -> str:
    """The rule that produced a line, with the award or incident it names."""
    base = str(LINE_LABELS.get(line["code"], line["code"]))
    label = line.get("label") or ""
    if line["code"] == "penalty":
        label = _("cash compensation") if label == "cash" else _("level %(level)s") % {"level": label}
    if line.get("adjusts") is not None:
        base = _("Adjustment: %(rule)s") % {"rule": base}
    return f"{base}: {label}" if label else base


def _source_text(code: str, source) -> str:
    if code in ("training_days", "practice_days", "support_duty") and isinstance(source, list):
        return source[0][5:]
    if code == "overtime" and isinstance(source, list):
        return f"{source[0][5:]} +{source[2]} h"
    if code == "penalty":
        return _("incident #%(id)s") % {"id": source}
    if code == "liability_cap":
        return _("incident #%(id)s") % {"id": source}
    return str(source).split(":", 1)[-1] if code in ("award", "team_prize") else str(source)


@register.filter
def line_sources(line: dict) -> str:
    """The records a line came from (dates, incident numbers), and those removed since."""
    code = line["code"]
    if code in ("award", "team_prize"):
        added = ""
    else:
        added = "、".join(_source_text(code, s) for s in line.get("sources", []))
    removed = "、".join(_source_text(code, s) for s in line.get("removed", []))
    if removed:
        gone = _("removed: %(records)s") % {"records": removed}
        return f"{added} {gone}".strip()
    return added


@register.filter
def finding_label(kind: str) -> str:
    return FINDING_LABELS.get(kind, lambda: kind)()

