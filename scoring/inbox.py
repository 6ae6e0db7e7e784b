"""The scoring tasks on the inbox: incidents to confirm, disputes to read, KPI values to enter."""

from datetime import timedelta

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from scoring import selectors
from scoring.models import Incident
from trainingweek.inbox import InboxEntry, register_inbox_item
from trainingweek.models import User

# A dispute is news for the mentor who reported it for two weeks; after that
# it stays on the incident list as history, off the inbox.
DISPUTE_NEWS_DAYS = 14


def _incidents(rows) -> list[InboxEntry]:
    return [InboxEntry(n, reverse("scoring:incident_list", args=[p.pk]), str(p)) for p, n in rows]


@register_inbox_item("scoring.missing_kpis", roles=[User.Role.MENTOR], order=30,
                     label=_("KPI periods with missing values"))
def missing_kpis(user, today) -> list[InboxEntry]:
    return [InboxEntry(m.missing, reverse("scoring:kpi_grid", args=[m.programme_id, m.team_id, m.period_id]),
                       f"{m.programme_name} · {m.team_name} · {m.period_name}")
            for m in selectors.missing_kpi_values(user, today)]


@register_inbox_item("scoring.incidents_disputed", roles=[User.Role.MENTOR], order=40,
                     label=_("Incidents disputed by the school"))
def incidents_disputed(user, today) -> list[InboxEntry]:
    return _incidents(selectors.incidents_in(user, Incident.Status.DISPUTED,
                                             decided_since=today - timedelta(days=DISPUTE_NEWS_DAYS)))


@register_inbox_item("scoring.incidents_to_confirm", roles=[User.Role.COORDINATOR], order=20,
                     label=_("Incidents to confirm"))
def incidents_to_confirm(user, today) -> list[InboxEntry]:
    return _incidents(selectors.incidents_in(user, Incident.Status.REPORTED))
