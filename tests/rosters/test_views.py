"""Pages: grids render and save with query counts that do not grow with students; imports; panels."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programs.attendance import selectors
from programs.attendance import services as services_attendance
from programs.attendance.models import Attendance
from programs.rosters.models import RosterPlan, ScheduleOverride
from tests.attendance.test_services import SAMPLE
from tests.browser_forms import form_as_sent

from .conftest import add_students

WEEK = "2020-11-09"
DAYS = [f"202011{d:02d}" for d in range(9, 16)]


def queries(client, method, url, data=None):
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(url, data or {})
    assert response.status_code in (200, 302), response.status_code
    return len(ctx), response


def week_url(world):
    return reverse("programs:attendance_week", kwargs={"pk": world.programme.pk, "team_pk": world.team_a.pk}) + f"?week={WEEK}"


def week_post(world, hours="9"):
    data = {}
    for e in selectors.team_enrolments(world.team_a, date(2020, 11, 9)):
        for d in DAYS:
            data[f"s_{e.pk}_{d}"] = "present"
            data[f"h_{e.pk}_{d}"] = hours
    return data


def test_attendance_grid_render_and_save_do_not_grow_with_students(world, rostered, client_for):
    client = client_for(world.mentor_a)
    add_students(world, world.team_a, world.class_a, 1)             # N = 4 students
    get_n, _ = queries(client, "get", week_url(world))
    post_n, _ = queries(client, "post", week_url(world), week_post(world))
    get_n_full, _ = queries(client, "get", week_url(world))         # with records
    add_students(world, world.team_a, world.class_a, 8)             # 3N = 12 students
    assert queries(client, "get", week_url(world))[0] == get_n
    assert queries(client, "post", week_url(world), week_post(world))[0] == post_n
    assert queries(client, "get", week_url(world))[0] == get_n_full
    assert Attendance.objects.filter(enrolment__team=world.team_a).count() == 12 * 7


def test_saved_week_shows_overtime_and_totals(world, rostered, client_for):
    client = client_for(world.mentor_a)
    e = world.enrolments_a[0]
    data = week_post(world, hours="")
    data[f"h_{e.pk}_20201110"] = "17"
    data[f"h_{e.pk}_20201109"] = "8.5"
    data[f"s_{e.pk}_20201113"] = "absent"
    response = client.post(week_url(world), data, follow=True)
    html = response.content.decode()
    assert f'data-testid="overtime-{e.pk}-20201110">Overtime 9.00 h' in html
    assert f'data-testid="overtime-total-{e.pk}">9.50' in html
    assert "Truancy" in html
    assert Attendance.objects.get(enrolment=e, day=date(2020, 11, 10)).shift_id == rostered.peak.pk


def test_a_bad_cell_saves_nothing_and_keeps_what_was_typed(world, rostered, client_for):
    client = client_for(world.mentor_a)
    e = world.enrolments_a[0]
    data = week_post(world)
    data[f"h_{e.pk}_20201110"] = "abc"
    response = client.post(week_url(world), data)
    assert response.status_code == 200 and not Attendance.objects.exists()
    html = response.content.decode()
    assert "“abc” is not a number of hours." in html and 'value="abc"' in html
    data[f"h_{e.pk}_20201110"] = "30"
    response = client.post(week_url(world), data)
    assert "between 0 and 24" in response.content.decode() and not Attendance.objects.exists()


def test_a_big_team_week_posts_more_than_a_thousand_fields(world, rostered, client_for):
    data = week_post(world)
    data.update({f"x_{n}": "" for n in range(1500)})  # as a team of ~110 students would
    assert client_for(world.mentor_a).post(week_url(world), data).status_code == 302


def test_a_forged_cell_of_another_team_is_ignored(world, rostered, client_for):
    data = week_post(world)
    data[f"s_{world.enrolments_b[0].pk}_20201110"] = "absent"
    client_for(world.mentor_a).post(week_url(world), data)
    assert not Attendance.objects.filter(enrolment=world.enrolments_b[0]).exists()


def test_roster_grid_render_and_save_do_not_grow_with_students(world, rostered, client_for):
    client = client_for(world.coordinator)
    url = reverse("programs:roster", kwargs={"pk": world.programme.pk})
    add_students(world, world.team_a, world.class_a, 1)
    ScheduleOverride.objects.create(programme=world.programme, enrolment=world.enrolments_a[0],
                                    day=date(2020, 10, 28), kind="rest")
    get_n, response = queries(client, "get", url)
    # 4 + 3 students, one resting on 10-28.
    assert 'data-testid="headcount-20201028">6<' in response.content.decode()
    change = {f"r_{world.class_a.pk}_20201027": "rest", f"r_{world.class_b.pk}_20201027": "tbd"}
    post_n, _ = queries(client, "post", url, change)
    added = add_students(world, world.team_a, world.class_a, 8)
    for e in added:
        ScheduleOverride.objects.create(programme=world.programme, enrolment=e, day=date(2020, 10, 28), kind="rest")
    get_3n, response = queries(client, "get", url)
    assert get_3n == get_n
    assert 'data-testid="headcount-20201028">6<' in response.content.decode()  # 12 + 3, nine resting
    change = {f"r_{world.class_a.pk}_20201027": "tbd", f"r_{world.class_b.pk}_20201027": "rest"}
    assert queries(client, "post", url, change)[0] == post_n


def test_schedule_grid_render_and_save_do_not_grow_with_students(world, rostered, client_for):
    client = client_for(world.mentor_a)
    url = reverse("programs:team_schedule", kwargs={"pk": world.programme.pk, "team_pk": world.team_a.pk}) + "?week=2020-11-16"
    add_students(world, world.team_a, world.class_a, 1)

    def post_data():
        return {f"o_{e.pk}_20201117": "rest" for e in selectors.team_enrolments(world.team_a, date(2020, 11, 16))}

    get_n, _ = queries(client, "get", url)
    post_n, _ = queries(client, "post", url, post_data())
    add_students(world, world.team_a, world.class_a, 8)
    assert queries(client, "get", url)[0] == get_n
    assert queries(client, "post", url, post_data())[0] == post_n
    assert ScheduleOverride.objects.count() == 12


def test_leave_and_departure_lists_do_not_grow(world, rostered, client_for):
    client = client_for(world.coordinator)
    leave_url = reverse("programs:leave_list", kwargs={"pk": world.programme.pk})
    dep_url = reverse("programs:departure_list", kwargs={"pk": world.programme.pk})

    def add(n):
        for e in add_students(world, world.team_a, world.class_a, n):
            services_attendance.request_leave(programme=world.programme, enrolment=e, start=date(2020, 11, 12), end=date(2020, 11, 12), reason="x", user=world.mentor_a)
            services_attendance.request_withdrawal(programme=world.programme, enrolment=e, last_day=date(2020, 11, 12), reason="y", user=world.coordinator)

    add(2)
    counts = (queries(client, "get", leave_url)[0], queries(client, "get", dep_url)[0])
    add(4)
    assert (queries(client, "get", leave_url)[0], queries(client, "get", dep_url)[0]) == counts


# ---------------------------------------------------------------- import page


def import_url(world):
    return reverse("programs:online_hours_import", kwargs={"pk": world.programme.pk})


def set_accounts(world):
    for e, account in zip(world.enrolments_a, ["bala:小明", "bala:李华", "bala:张伟"], strict=True):
        e.shop_account_id = account
        e.save()


def upload_and_confirm(client, world, data: bytes):
    """Upload, then confirm the preselected columns on the mapping page: the response to the confirmation."""
    response = client.post(import_url(world), {"file": SimpleUploadedFile("online.csv", data, content_type="text/csv")})
    assert response.status_code == 302, response.content.decode()[:2000]
    mapping = client.get(response["Location"])
    chosen = {k: v for k, v in mapping.context["form"].initial.items()}
    return client.post(response["Location"], chosen)


def test_import_page_good_file(world, rostered, client_for):
    set_accounts(world)
    response = upload_and_confirm(client_for(world.mentor_a), world, SAMPLE.read_bytes())
    assert response.status_code == 302
    assert Attendance.objects.count() == 9
    assert Attendance.objects.get(enrolment=world.enrolments_a[0], day=date(2020, 11, 10)).online_hours == Decimal("17")


@pytest.mark.parametrize(("content", "message"), [
    ("客服账号,日期,在线时长(小时)\nbala:小明,2020-11-09,8\nbala:无此人,2020-11-09,8\n", "No student of this programme"),
    ("客服账号,日期,在线时长(小时)\nbala:小明,2020-11-09,8\nbala:李华,2020-11-31,8\n", "is not a date"),
    ("客服账号,日期,在线时长(小时)\nbala:小明,2020-11-09,8\nbala:李华,2020-11-09,-1\n", "outside 0–24"),
])
def test_import_page_lists_bad_rows_and_writes_nothing(world, rostered, client_for, content, message):
    set_accounts(world)
    response = upload_and_confirm(client_for(world.mentor_a), world, content.encode())
    html = response.content.decode()
    assert response.status_code == 200 and message in html and "<td>3</td>" in html
    assert not Attendance.objects.exists()


def test_import_page_too_large(world, rostered, client_for, settings):
    settings.IMPORT_MAX_BYTES = 100
    upload = SimpleUploadedFile("online.csv", b"x" * 200, content_type="text/csv")
    response = client_for(world.mentor_a).post(import_url(world), {"file": upload})
    assert response.status_code == 200 and response.context["form"].errors["file"]


# ---------------------------------------------------------------- other pages


def test_programme_page_shows_attrition(world, rostered, client_for):
    services_attendance.dismiss(programme=world.programme, enrolment=world.enrolments_a[0], last_day=date(2020, 11, 12), reason="x", user=world.mentor_a)
    response = client_for(world.coordinator).get(reverse("programs:programme_detail", kwargs={"pk": world.programme.pk}))
    html = response.content.decode()
    assert 'data-testid="attrition"' in html and "0.00 %" in html and "Within the promise" in html
    assert "0 withdrawn of 6 enrolled; 1 dismissed" in html


def test_roster_export_download(world, rostered, client_for):
    response = client_for(world.mentor_b).get(reverse("programs:roster_export", kwargs={"pk": world.programme.pk}))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"


def test_rules_page_saves_and_generates(world, shifts, client_for):
    url = reverse("programs:roster_rules", kwargs={"pk": world.programme.pk})
    client = client_for(world.coordinator)
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "first_day": "2020-10-24", "last_day": "2020-11-22", "rotation_start": "2020-10-26", "rotation_days": "7",
        "first_shift": shifts.morning.pk, "second_shift": shifts.evening.pk, "min_day_hours": "7",
        "min_week_hours": "42", "training_day_hours": "8", "overtime_threshold": "8", "attrition_promise": "5",
        "special-TOTAL_FORMS": "2", "special-INITIAL_FORMS": "0", "special-MIN_NUM_FORMS": "0", "special-MAX_NUM_FORMS": "1000",
        "special-0-day": "2020-11-10", "special-0-value": f"shift:{shifts.peak.pk}",
        "special-1-day": "2020-11-10", "special-1-value": "tbd",
        "generate": "1",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "listed twice" in response.content.decode()
    data["special-1-day"] = "2020-11-01"
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"].endswith("/roster/")
    assert world.programme.roster_entries.count() == 60
    assert world.programme.roster_entries.get(school_class=world.class_a, day=date(2020, 11, 1)).kind == "tbd"


def test_shift_form_refuses_paid_hours_beyond_the_length(world, shifts, client_for):
    url = reverse("programs:shift_create", kwargs={"pk": world.programme.pk})
    data = {"name": "夜班", "start": "22:00", "end": "02:00", "paid_hours": "5", "briefing_minutes": "0"}
    response = client_for(world.coordinator).post(url, data)
    assert response.status_code == 200 and "more than the shift lasts" in response.content.decode()
    assert 'value="夜班"' in response.content.decode()
    data["paid_hours"] = "4"
    assert client_for(world.coordinator).post(url, data).status_code == 302


def test_rules_page_saves_as_a_browser_sends_it(world, shifts, client_for):
    """Unused special-day rows still send their select's first option; they are empty, not incomplete."""
    url = reverse("programs:roster_rules", kwargs={"pk": world.programme.pk})
    client = client_for(world.coordinator)
    data = form_as_sent(client.get(url).content.decode(), containing="special-TOTAL_FORMS")
    spare = int(data["special-INITIAL_FORMS"])  # the first row nobody has used
    assert int(data["special-TOTAL_FORMS"]) > spare and data.get(f"special-{spare}-value")  # its first option is sent
    data.update({
        "first_day": "2020-10-24", "last_day": "2020-11-22", "rotation_start": "2020-10-26", "rotation_days": "7",
        "first_shift": str(shifts.morning.pk), "second_shift": str(shifts.evening.pk), "min_day_hours": "7",
        "min_week_hours": "42", "training_day_hours": "8", "overtime_threshold": "8", "attrition_promise": "5",
    })
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()
    assert response["Location"].endswith(url)
    plan = RosterPlan.objects.get(programme=world.programme)
    assert plan.special_days.count() == spare
    # A spare row given a date is still checked as a whole and saved.
    taken = set(plan.special_days.values_list("day", flat=True))
    free_day = next(d for d in (date(2020, 11, n) for n in range(1, 23)) if d not in taken)
    data[f"special-{spare}-day"] = free_day.isoformat()
    response = client.post(url, data)
    assert response.status_code == 302, [e for e in response.content.decode().split("invalid-feedback")[1:]]
    assert plan.special_days.count() == spare + 1 and plan.special_days.filter(day=free_day).exists()
