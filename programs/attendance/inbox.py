"""The attendance tasks on the inbox: leave and departures to decide, today's attendance to record."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from programs.attendance import selectors
from programs.attendance.models import LeaveRequest
from programs.rosters.rules import week_start
from trainingweek.inbox import InboxEntry, register_inbox_item
from trainingweek.models import User

# Straight to the requests (on a phone the request form above fills the screen).
LEAVE_LIST = "#leave-list"


def _per_programme(rows, url_name, anchor="") -> list[InboxEntry]:
    return [InboxEntry(n, reverse(url_name, args=[p.pk]) + anchor, str(p)) for p, n in rows]


@register_inbox_item("attendance.leave_for_mentor", roles=[User.Role.MENTOR], order=10,
                     label=_("Leave requests waiting for you"))
def leave_for_mentor(user, today) -> list[InboxEntry]:
    return _per_programme(selectors.leave_waiting(user, LeaveRequest.Status.PENDING_MENTOR), "programs:leave_list",
                          LEAVE_LIST)


@register_inbox_item("attendance.today_not_recorded", roles=[User.Role.MENTOR], order=20,
                     label=_("Today's attendance not recorded"))
def today_not_recorded(user, today) -> list[InboxEntry]:
    week = week_start(today).isoformat()
    return [InboxEntry(t.missing, reverse("programs:attendance_week", args=[t.programme_id, t.team_id]) + f"?week={week}",
                       f"{t.programme_name} · {t.team_name}")
            for t in selectors.attendance_not_recorded(user, today)]


@register_inbox_item("attendance.leave_for_school", roles=[User.Role.COORDINATOR], order=10,
                     label=_("Leave requests waiting for the school"))
def leave_for_school(user, today) -> list[InboxEntry]:
    return _per_programme(selectors.leave_waiting(user, LeaveRequest.Status.PENDING_SCHOOL), "programs:leave_list",
                          LEAVE_LIST)


@register_inbox_item("attendance.departures_for_school", roles=[User.Role.COORDINATOR], order=30,
                     label=_("Withdrawals and dismissals to decide"))
def departures_for_school(user, today) -> list[InboxEntry]:
    return _per_programme(selectors.departures_for_school(user), "programs:departure_list")
