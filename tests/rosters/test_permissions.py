"""Every new page × role: anonymous → login, outsiders → 404, in-scope roles → 200 or 403.

mentor_a mentors team_a (whose pages the team URLs use); mentor_b mentors
team_b of the same programme, so sees the programme but not team_a.
"""

from datetime import date

import pytest
from django.urls import reverse

from programs.attendance.models import Attendance

ROLES = ["anonymous", "coordinator", "mentor_a", "mentor_b", "finance", "admin",
         "other_coordinator", "other_finance", "other_mentor"]
OUT = {"other_coordinator": 404, "other_finance": 404, "other_mentor": 404, "anonymous": 302}


def expect(coordinator, mentor_a, mentor_b, finance, admin=200):
    return {**OUT, "coordinator": coordinator, "mentor_a": mentor_a, "mentor_b": mentor_b,
            "finance": finance, "admin": admin}


# Every page's GET, for every role, is in tests/test_permissions.py; here are the writes.


def user_for(world, role):
    return None if role == "anonymous" else getattr(world, role)


POSTS = {
    "roster": (lambda w: {"pk": w.programme.pk},
               lambda w: {f"r_{w.class_a.pk}_20201027": "rest"}, expect(302, 403, 403, 403, admin=302)),
    "team_schedule": (lambda w: {"pk": w.programme.pk, "team_pk": w.team_a.pk},
                      lambda w: {f"o_{w.enrolments_a[0].pk}_20201027": "rest"}, expect(302, 302, 404, 403, admin=302)),
    "attendance_week": (lambda w: {"pk": w.programme.pk, "team_pk": w.team_a.pk},
                        lambda w: {f"s_{w.enrolments_a[0].pk}_20201027": "present"}, expect(403, 302, 404, 403, admin=302)),
    "spread_rest": (lambda w: {"pk": w.programme.pk, "team_pk": w.team_a.pk}, lambda w: {}, expect(302, 302, 404, 403, admin=302)),
    "shift_create": (lambda w: {"pk": w.programme.pk}, lambda w: {
        "name": "中班", "start": "12:00", "end": "20:00", "paid_hours": "7.5", "briefing_minutes": "0"},
        expect(302, 403, 403, 403, admin=302)),
}


@pytest.mark.parametrize("page", POSTS)
@pytest.mark.parametrize("role", ROLES)
def test_post_per_role(world, rostered, client_for, page, role):
    kwargs, data, expected = POSTS[page]
    url = reverse(f"programs:{page}", kwargs=kwargs(world))
    if page == "attendance_week":
        url += "?week=2020-10-26"
    response = client_for(user_for(world, role)).post(url, data(world))
    assert response.status_code == expected[role], (page, role)
    if page == "attendance_week":
        recorded = Attendance.objects.filter(enrolment=world.enrolments_a[0], day=date(2020, 10, 27)).exists()
        assert recorded == (expected[role] == 302 and role != "anonymous")


def test_mentor_cannot_decide_another_teams_leave(world, rostered, client_for):
    from programs.attendance import services as svc
    leave = svc.request_leave(programme=world.programme, enrolment=world.enrolments_a[0], start=date(2020, 11, 12), end=date(2020, 11, 12),
                              reason="x", user=world.coordinator)
    url = reverse("programs:leave_decide", kwargs={"pk": world.programme.pk, "leave_pk": leave.pk})
    assert client_for(world.mentor_b).post(url, {"approve": "1"}).status_code == 404
    assert client_for(world.coordinator).post(url, {"approve": "1"}).status_code == 403  # the mentor goes first
    assert client_for(world.finance).post(url, {"approve": "1"}).status_code == 403
    assert client_for(world.mentor_a).post(url, {"approve": "1"}).status_code == 302
    assert client_for(world.mentor_a).post(url, {"approve": "1"}).status_code == 403  # now the school's turn
    assert client_for(world.coordinator).post(url, {"approve": "1"}).status_code == 302
    leave.refresh_from_db()
    assert leave.status == "approved"


def test_departure_decisions_by_side(world, rostered, client_for):
    from programs.attendance import services as svc
    d = svc.request_withdrawal(programme=world.programme, enrolment=world.enrolments_a[0], last_day=date(2020, 11, 15), reason="x", user=world.coordinator)
    url = reverse("programs:departure_decide", kwargs={"pk": world.programme.pk, "departure_pk": d.pk})
    assert client_for(world.mentor_b).post(url, {"approve": "1"}).status_code == 404
    assert client_for(world.finance).post(url, {"approve": "1"}).status_code == 403
    assert client_for(world.coordinator).post(url, {"approve": "1"}).status_code == 302
    assert client_for(world.coordinator).post(url, {"approve": "1"}).status_code == 403  # already decided
    assert client_for(world.mentor_a).post(url, {"approve": "1"}).status_code == 302
    world.enrolments_a[0].refresh_from_db()
    assert world.enrolments_a[0].status == "withdrawn"


def test_only_mentors_dismiss(world, rostered, client_for):
    url = reverse("programs:departure_list", kwargs={"pk": world.programme.pk})
    data = {"kind": "dismissal", "enrolment": world.enrolments_a[1].pk, "last_day": "2020-11-12", "reason": "违纪"}
    response = client_for(world.coordinator).post(url, data)
    assert response.status_code == 200 and "dismissal" in response.context["form"].errors["kind"][0]
    assert client_for(world.mentor_b).post(url, data).status_code == 200  # not their student: form error
    world.enrolments_a[1].refresh_from_db()
    assert world.enrolments_a[1].status == "active"
    assert client_for(world.mentor_a).post(url, data).status_code == 302
    world.enrolments_a[1].refresh_from_db()
    assert world.enrolments_a[1].status == "dismissed"
