"""``{% deadlines_panel programme %}``: the settlement deadlines as a panel
on the programme's page, for coordinators and finance (nothing for mentors)."""

from django import template
from django.utils import timezone

from stipends.settlement import rules as dl
from stipends.settlement import selectors

register = template.Library()


@register.inclusion_tag("programs/_deadlines_panel.html", takes_context=True)
def deadlines_panel(context, programme):
    user = context["request"].user
    if not user.has_perm("settlement.view_settlement", programme):
        return {"rows": []}
    today = timezone.localdate()
    rows = dl.with_status(selectors.programme_money(programme).deadlines, today)
    return {
        "programme": programme, "rows": rows, "today": today,
        "overdue": sum(1 for r in rows if r["status"] == dl.OVERDUE),
    }

