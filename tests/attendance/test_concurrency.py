"""Two people on one attendance week: each save writes only the cells its user
changed, and a cell someone else changed since the page was loaded is a
conflict (reported, kept for the user, not written) — never a lost update."""

from datetime import date
from decimal import Decimal

from django.urls import reverse

from programs.attendance import imports, selectors
from programs.attendance import services as svc
from programs.attendance.models import Attendance
from programs.attendance.services import AttendanceInput as In
from tests.grid_forms import form_fields

D = Decimal
MON, TUE, WED = date(2020, 11, 9), date(2020, 11, 10), date(2020, 11, 11)
DAYS = [date(2020, 11, d) for d in range(9, 16)]


def team_a(world):
    return selectors.team_enrolments(world.team_a, MON)


def load(world):
    """What a grid page shows: {(enrolment id, day): Loaded(version, (status, hours))}."""
    return {(row.enrolment.pk, c.day): svc.Loaded(c.version, (c.status, c.online_hours))
            for row in selectors.attendance_grid(world.programme, world.team_a, DAYS) for c in row.cells}


def post_everything(loaded, changes):
    """Every cell as a client without JavaScript posts it: as loaded, except ``changes``."""
    entries = []
    for key, was in loaded.items():
        status, hours = changes.get(key, was.value)
        entries.append(In(key[0], key[1], status, hours, loaded=was))
    return entries


def save(world, entries, user=None):
    return svc.record_attendance(programme=world.programme, enrolments=team_a(world), entries=entries,
                                 user=user or world.mentor_a)


def stored(enrolment, day):
    record = Attendance.objects.filter(enrolment=enrolment, day=day).first()
    return None if record is None else (record.status, record.online_hours)


# --------------------------------------------------------------------------- service
def test_two_stale_saves_of_different_cells_both_survive(world, rostered):
    a0, a1, _a2 = world.enrolments_a
    save(world, [In(a0.pk, MON, "present", D("8"))])
    first, second = load(world), load(world)  # two tabs
    r1 = save(world, post_everything(first, {(a0.pk, MON): ("late", D("8"))}))
    r2 = save(world, post_everything(second, {(a1.pk, TUE): ("absent", None)}), user=world.admin)
    assert (r1.saved, r1.conflicts, r2.saved, r2.conflicts) == (1, [], 1, [])
    # The second save posted the first cell as it had loaded it ("present"): not a write.
    assert stored(a0, MON) == ("late", D("8"))
    assert stored(a1, TUE) == ("absent", None)
    assert Attendance.objects.get(enrolment=a0, day=MON).version == 2


def test_the_same_cell_changed_in_two_tabs_is_a_conflict_not_a_lost_update(world, rostered):
    a0, a1, _a2 = world.enrolments_a
    save(world, [In(a0.pk, MON, "present", D("8"))])
    first, second = load(world), load(world)
    assert save(world, post_everything(first, {(a0.pk, MON): ("late", D("8"))})).saved == 1
    result = save(world, post_everything(second, {(a0.pk, MON): ("absent", None), (a1.pk, WED): ("present", D("9"))}))
    assert stored(a0, MON) == ("late", D("8"))          # the first save stands
    assert stored(a1, WED) == ("present", D("9"))       # the other change of the second save is saved
    assert result.saved == 1 and not result.errors
    [conflict] = result.conflicts
    assert (conflict.enrolment_id, conflict.day, conflict.yours) == (a0.pk, MON, ("absent", None))
    assert conflict.current == ("late", D("8.00")) and conflict.version == 2
    assert a0.student.name in conflict.message and "2020-11-09" in conflict.message
    assert "Late · 8 h" in conflict.message and "Absent" in conflict.message
    # Saving again against the version now shown replaces it deliberately.
    again = save(world, [In(a0.pk, MON, "absent", None, loaded=svc.Loaded(conflict.version, conflict.current))])
    assert again.saved == 1 and not again.conflicts and stored(a0, MON) == ("absent", None)


def test_a_cell_created_by_someone_else_since_the_load_is_a_conflict(world, rostered):
    a0 = world.enrolments_a[0]
    stale = load(world)
    assert stale[(a0.pk, MON)] == svc.Loaded(0, svc.EMPTY)
    save(world, [In(a0.pk, MON, "present", D("8"))], user=world.admin)
    result = save(world, post_everything(stale, {(a0.pk, MON): ("late", None)}))
    assert [c.current for c in result.conflicts] == [("present", D("8.00"))]
    assert stored(a0, MON) == ("present", D("8"))


def test_clearing_a_cell_someone_changed_meanwhile_is_a_conflict(world, rostered):
    a0 = world.enrolments_a[0]
    save(world, [In(a0.pk, MON, "present", D("8"))])
    stale = load(world)
    save(world, post_everything(load(world), {(a0.pk, MON): ("late", D("8"))}), user=world.admin)
    result = save(world, post_everything(stale, {(a0.pk, MON): svc.EMPTY}))
    assert len(result.conflicts) == 1 and result.cleared == 0
    assert stored(a0, MON) == ("late", D("8"))


def test_the_same_change_made_twice_is_no_conflict(world, rostered):
    a0 = world.enrolments_a[0]
    first, second = load(world), load(world)
    save(world, post_everything(first, {(a0.pk, MON): ("present", D("8"))}))
    result = save(world, post_everything(second, {(a0.pk, MON): ("present", D("8.0"))}))
    assert result.conflicts == [] and result.saved == 0


def test_an_online_hours_import_moves_the_version_so_a_stale_grid_does_not_overwrite_it(world, rostered):
    a0 = world.enrolments_a[0]
    a0.shop_account_id = "bala:学生甲"
    a0.save()
    save(world, [In(a0.pk, MON, "present", D("8"))])
    stale = load(world)
    csv = "客服账号,日期,在线时长(小时)\r\nbala:学生甲,2020-11-09,9.5\r\n".encode()
    assert imports.import_online_hours(world.programme, csv, world.mentor_a, None).ok
    result = save(world, post_everything(stale, {(a0.pk, MON): ("late", D("8"))}))
    assert [c.current for c in result.conflicts] == [("present", D("9.50"))]
    assert stored(a0, MON) == ("present", D("9.5"))


def test_the_last_day_rule_still_refuses_changed_cells_after_it(world, rostered):
    a0 = world.enrolments_a[0]
    stale = load(world)
    svc.dismiss(programme=world.programme, enrolment=a0, last_day=TUE, reason="测试", user=world.mentor_a)
    result = save(world, post_everything(stale, {(a0.pk, WED): ("present", None)}))
    assert result.errors and "2020-11-11" in result.errors[0]
    assert stored(a0, WED) is None


def test_a_row_that_moves_between_the_read_and_the_write_is_caught_by_the_conditional_update(world, rostered):
    """The race the locked read closes on PostgreSQL, played out by hand: the
    write is conditional on the version, not only the read before it."""
    a0, a1, _a2 = world.enrolments_a
    save(world, [In(a0.pk, MON, "present", D("8")), In(a1.pk, MON, "present", D("8"))])
    read = {r.enrolment_id: r for r in Attendance.objects.filter(day=MON)}
    Attendance.objects.filter(enrolment=a0, day=MON).update(status="late", version=5)  # someone else, in between
    mine = [In(a0.pk, MON, "absent", None, loaded=svc.Loaded(1, ("present", D("8")))),
            In(a1.pk, MON, "absent", None, loaded=svc.Loaded(1, ("present", D("8"))))]
    context = selectors.DayContext(world.programme, team_a(world), MON, MON)
    lost = svc._write_all(world.programme, [(mine[0], read[a0.pk]), (mine[1], read[a1.pk])], context, world.mentor_a.pk)
    assert lost == [mine[0]]
    assert stored(a0, MON) == ("late", D("8")) and stored(a1, MON) == ("absent", None)


# --------------------------------------------------------------------------- the page, two tabs
def week_url(world):
    return reverse("programs:attendance_week", kwargs={"pk": world.programme.pk, "team_pk": world.team_a.pk}) \
        + "?week=2020-11-09"


def test_two_tabs_save_different_cells_and_a_stale_tab_sees_its_conflict(world, rostered, client_for):
    a0, a1, a2 = world.enrolments_a
    save(world, [In(a0.pk, MON, "present", D("8")), In(a1.pk, MON, "present", D("8"))])
    tab1, tab2 = client_for(world.mentor_a), client_for(world.mentor_a)
    form1 = form_fields(tab1.get(week_url(world)).content.decode(), "attendance-form")
    form2 = form_fields(tab2.get(week_url(world)).content.decode(), "attendance-form")
    assert form1[f"was_{a0.pk}_20201109"].startswith("1|present|8")

    form1[f"s_{a0.pk}_20201109"] = "late"
    form1[f"s_{a2.pk}_20201110"] = "absent"
    assert tab1.post(week_url(world), form1).status_code == 302
    # Tab 2 posts the whole week (as a browser without JavaScript does), with one change of its own.
    form2[f"h_{a1.pk}_20201109"] = "9"
    assert tab2.post(week_url(world), form2).status_code == 302
    assert stored(a0, MON) == ("late", D("8")) and stored(a2, TUE) == ("absent", None)
    assert stored(a1, MON) == ("present", D("9"))

    # Tab 2 again, still showing the week before tab 1's save of a0's Monday.
    form2[f"s_{a0.pk}_20201109"] = "absent"
    form2[f"h_{a0.pk}_20201109"] = ""
    response = tab2.post(week_url(world), form2)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="attendance-conflicts"' in page and a0.student.name in page
    assert f'data-testid="current-{a0.pk}-20201109"' in page and "Late · 8 h" in page
    assert stored(a0, MON) == ("late", D("8"))
    shown = form_fields(page, "attendance-form")
    assert shown[f"s_{a0.pk}_20201109"] == "absent"           # the entry is kept in the form
    assert shown[f"was_{a0.pk}_20201109"].startswith("2|late|8")  # against the value stored now
    # Saving that form replaces the value knowingly.
    assert tab2.post(week_url(world), shown).status_code == 302
    assert stored(a0, MON) == ("absent", None)


def test_a_post_without_the_hidden_fields_never_overwrites_a_stored_cell(world, rostered, client_for):
    a0, a1, _a2 = world.enrolments_a
    save(world, [In(a0.pk, MON, "present", D("8"))])
    response = client_for(world.mentor_a).post(week_url(world), {
        f"s_{a0.pk}_20201109": "absent", f"s_{a1.pk}_20201109": "late"})
    assert response.status_code == 200 and b"attendance-conflicts" in response.content
    assert stored(a0, MON) == ("present", D("8")) and stored(a1, MON) == ("late", None)
