"""How statement lines and checks read on the pages."""

from decimal import Decimal
from html import escape

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from stipends.payouts.rules import SETTLING_CODES
from stipends.payouts.selectors import load_table
from stipends.payouts.services import LINE_LABELS
from trainingweek.links import row_links
from trainingweek.money import money
from trainingweek.templatetags.money_tags import amount

register = template.Library()


FINDING_LABELS = {
    "no_account": lambda: _("No bank card"),
    "bad_account": lambda: _("Invalid bank card (15–19 digits)"),
    "shared_account": lambda: _("One account for several students"),
    "luhn": lambda: _("Bank card fails the Luhn check: please check it"),
    "name_differs": lambda: _("Account holder on file differs from the student's name"),
    "outlier": lambda: _("Amount far from the class median"),
    "at_cap": lambda: _("At the liability cap"),
    "owed": lambda: _("Paid too much before (recovered now / still owed)"),
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
    if code in SETTLING_CODES:
        return _("owed before %(before)s, after %(after)s") % {
            "before": f"{money(line['owed_before']):,}", "after": f"{money(line['owed_after']):,}"}
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



def _percent(rate) -> str:
    return f"{(Decimal(rate) * 100).normalize():f}"


@register.simple_tag
def tax_explained(detail: dict, gross=None, tax=None) -> str:
    """The tax of a payment (or of the estimate) in words: the method, this
    year's cumulative pay and allowance, the rate and what was withheld
    before, with the table's own numbers; never the table's code. ``gross``
    and ``tax`` fill in what items frozen before these words existed lack."""
    if not detail:
        return ""
    table = load_table(detail["table"])
    text = lambda value: f"{money(value or 0):,}"  # noqa: E731
    pay = detail.get("pay") or gross
    values = {"taxable": text(detail.get("taxable")), "rate": _percent(detail.get("rate") or 0),
              "quick": text(detail.get("quick_deduction")), "tax": text(detail.get("tax", tax)),
              "ratio": _percent(table.income_ratio)}
    if detail.get("method") == "labour_per_payment":
        return _("Labour remuneration, taxed per payment: of this payment of %(pay)s, %(taxable)s is taxable "
                 "(%(flat)s deducted from a payment up to %(upto)s, else %(ratio)s %% of it taxed); rate %(rate)s %%, quick deduction "
                 "%(quick)s; tax withheld %(tax)s.") % {
            **values, "pay": text(pay), "flat": text(table.flat_deduction), "upto": text(table.flat_deduction_upto)}
    months = int(detail.get("months") or 1)
    cumulative = detail.get("cumulative_pay")
    if cumulative is None:
        cumulative = Decimal(detail.get("paid_before") or 0) + Decimal(gross or 0)
    return _("Intern cumulative withholding: pay from this company this year %(cumulative)s; %(ratio)s %% of it "
             "less the allowance of %(allowance)s (%(monthly)s × %(months)s months) leaves %(taxable)s taxable; "
             "rate %(rate)s %%, quick deduction %(quick)s; withheld before this year %(before)s; "
             "tax withheld now %(tax)s.") % {
        **values, "cumulative": text(cumulative), "allowance": text(table.monthly_deduction * months),
        "monthly": text(table.monthly_deduction), "months": months, "before": text(detail.get("withheld_before"))}


@register.simple_tag(takes_context=True)
def batch_item_rows(context, items) -> str:
    """The ``<tr>`` of each of a batch page's items (class, name and account
    holder, team, masked card, gross, tax, net, status), flagged rows marked
    (``flagged``: the checks' item ids) and a "Correct bank details" link on
    the ``correctable`` ones; a row saying so when there is none.

    Written in Python: the template they replace
    (tests/payouts/oracle/batch_item_rows.html, the oracle of
    tests/payouts/test_batch_item_rows.py) spent most of the page's time in
    template lookups for its 50 rows. Names and the account holder are
    plain strings: ``html.escape``, as Django's ``escape`` does."""
    programme, batch = context["programme"], context["batch"]
    flagged, correctable = context.get("flagged") or {}, context.get("correctable") or set()
    statement = row_links("stipends:statement", programme.pk)
    correct = row_links("stipends:correct_bank_details", programme.pk, batch.pk)
    correct_label = conditional_escape(_("Correct bank details"))
    warning = ' class="table-warning"'
    out = []
    for item in items:
        pk, name = item.pk, escape(item.name)
        holder = (f' <span class="small text-muted">({escape(item.account_name)})</span>'
                  if item.account_name != item.name else "")
        team = item.enrolment.team
        status = escape(item.get_status_display())
        if item.failure_reason:
            status += f": {escape(item.failure_reason)}"
        if pk in correctable:
            status += (f'\n      <a class="btn btn-sm btn-outline-warning ms-1" href="{correct(pk)}" '
                       f'data-testid="correct-bank-details">{correct_label}</a>')
        out.append(
            f'<tr data-testid="item-row" data-status="{escape(item.status)}" data-enrolment="{item.enrolment_id}"'
            f'{warning if pk in flagged else ""}>\n'
            f'    <td>{escape(str(item.school_class))}</td><td><a href="{statement(item.enrolment_id)}">{name}</a>'
            f'{holder}</td><td>{escape(str(team)) if team is not None else "—"}</td>\n'
            f'    <td class="font-monospace">{escape(item.account_masked) or "—"}</td>'
            f'<td class="text-end">{amount(item.gross)}</td><td class="text-end">{amount(item.tax)}</td>'
            f'<td class="text-end">{amount(item.net)}</td>\n    <td>{status}</td></tr>')
    if not out:
        return mark_safe(f'<tr><td colspan="8" class="text-muted">{conditional_escape(_("No item."))}</td></tr>')
    return mark_safe("\n  ".join(out))  # noqa: S308 (every value is escaped above)
