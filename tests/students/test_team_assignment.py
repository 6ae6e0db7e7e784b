"""Students into teams: ``assign_team`` and the coordinator's bar on the
enrolment list, including crafted POSTs that name another programme's
students, team or class (refused, nothing written), and the team's mentor
seeing the students at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from programs.students import services
from programs.students.models import Enrolment
from programs.students.selectors import visible_enrolments
from programs.students.services import TeamAssignmentError, assign_team
from tests.factories import EnrolmentFactory, ProgrammeFactory, SchoolClassFactory, TeamFactory


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def teams_of(enrolments) -> list:
    return list(Enrolment.objects.filter(pk__in=[e.pk for e in enrolments]).order_by("pk")
                .values_list("team_id", flat=True))


def all_enrolments() -> list:
    return list(Enrolment.objects.order_by("pk").values_list("pk", "team_id", "is_group_leader", "group_leader_id"))


@pytest.fixture
def foreign(world):
    """Another programme of the same school, with its own team and class and a student in it."""
    programme = ProgrammeFactory(agreement=world.agreement, name="另一个实训")
    team = TeamFactory(programme=programme, name="外组")
    school_class = SchoolClassFactory(programme=programme, name="外班")
    enrolment = EnrolmentFactory(programme=programme, school_class=school_class, team=team)
    return programme, team, school_class, enrolment


# --------------------------------------------------------------------- the service


def test_assign_moves_the_students_and_the_mentor_sees_them_at_once(world):
    moved = world.enrolments_a[:2]
    assert not visible_enrolments(world.mentor_b, world.programme).filter(pk=moved[0].pk).exists()
    changed = assign_team(programme=world.programme, enrolment_ids=[e.pk for e in moved], team=world.team_b,
                          user=world.coordinator)
    assert changed == 2
    assert teams_of(moved) == [world.team_b.pk, world.team_b.pk]
    assert teams_of(world.enrolments_a[2:]) == [world.team_a.pk]
    seen_by_b = set(visible_enrolments(world.mentor_b, world.programme).values_list("pk", flat=True))
    assert {e.pk for e in moved} <= seen_by_b
    assert not visible_enrolments(world.mentor_a, world.programme).filter(pk=moved[0].pk).exists()


def test_students_already_in_the_team_are_not_counted_as_changed(world):
    ids = [world.enrolments_a[0].pk, world.enrolments_b[0].pk]
    assert assign_team(programme=world.programme, enrolment_ids=ids, team=world.team_b, user=world.coordinator) == 1


def test_remove_from_team(world):
    changed = assign_team(programme=world.programme, enrolment_ids=[e.pk for e in world.enrolments_a], team=None,
                          user=world.coordinator)
    assert changed == 3 and teams_of(world.enrolments_a) == [None, None, None]
    assert not visible_enrolments(world.mentor_a, world.programme).exists()


def test_another_programmes_enrolment_refuses_the_whole_request(world, foreign):
    _programme, _team, _class, outsider = foreign
    before = all_enrolments()
    with pytest.raises(TeamAssignmentError, match="not enrolled in this programme"):
        assign_team(programme=world.programme, enrolment_ids=[world.enrolments_a[0].pk, outsider.pk],
                    team=world.team_b, user=world.coordinator)
    assert all_enrolments() == before  # not even the good id moved


def test_another_programmes_team_is_refused(world, foreign):
    _programme, team, _class, _outsider = foreign
    before = all_enrolments()
    with pytest.raises(TeamAssignmentError, match="not one of this programme's teams"):
        assign_team(programme=world.programme, enrolment_ids=[world.enrolments_a[0].pk], team=team,
                    user=world.coordinator)
    assert all_enrolments() == before


@pytest.mark.parametrize("ids", [[], ["x"], [None], ["1; DROP TABLE"], [999_999]])
def test_nothing_or_nonsense_is_refused(world, ids):
    before = all_enrolments()
    with pytest.raises(TeamAssignmentError):
        assign_team(programme=world.programme, enrolment_ids=ids, team=world.team_b, user=world.coordinator)
    assert all_enrolments() == before


def test_a_student_who_changes_team_leaves_the_group(world):
    leader, member, stays = world.enrolments_a
    services.assign_group_leaders(team=world.team_a, leaders={leader.pk}, members={member.pk: leader.pk,
                                                                                     stays.pk: leader.pk})
    # The leader moves: not a leader in the new team, and the old group keeps no leader of another team.
    assign_team(programme=world.programme, enrolment_ids=[leader.pk], team=world.team_b, user=world.coordinator)
    leader.refresh_from_db(), member.refresh_from_db()
    assert (leader.is_group_leader, leader.group_leader_id) == (False, None)
    assert member.group_leader_id is None
    # A member moves: no leader of the old team any more.
    services.assign_group_leaders(team=world.team_a, leaders={member.pk}, members={stays.pk: member.pk})
    assign_team(programme=world.programme, enrolment_ids=[stays.pk], team=world.team_b, user=world.coordinator)
    stays.refresh_from_db(), member.refresh_from_db()
    assert stays.group_leader_id is None and member.is_group_leader


# --------------------------------------------------------------------- the page


def url(world):
    return reverse("programs:enrolment_assign_team", args=[world.programme.pk])


def test_the_list_offers_the_bar_to_the_coordinator_only(world, client_for):
    page = reverse("programs:enrolment_list", args=[world.programme.pk])
    html = client_for(world.coordinator).get(page).content.decode()
    assert 'data-testid="team-assign"' in html and f'name="enrolment" value="{world.enrolments_a[0].pk}"' in html
    for user in (world.mentor_a, world.finance):
        html = client_for(user).get(page).content.decode()
        assert 'data-testid="team-assign"' not in html and 'name="enrolment"' not in html


def test_ticked_students_into_a_team_and_back_to_the_filtered_list(world, client_for, english_ui):
    client = client_for(world.coordinator)
    response = client.post(url(world), {"action": "assign", "team": world.team_b.pk, "query": "team=null&q=20",
                                        "enrolment": [world.enrolments_a[0].pk, world.enrolments_a[1].pk]})
    assert response.status_code == 302
    assert response["Location"] == reverse("programs:enrolment_list", args=[world.programme.pk]) + "?team=null&q=20"
    assert teams_of(world.enrolments_a) == [world.team_b.pk, world.team_b.pk, world.team_a.pk]
    page = client.get(response["Location"]).content.decode()
    assert "Put 2 of 2 students into team 巴拉巴拉组." in page


def test_the_whole_class_every_page(world, client_for, monkeypatch):
    from programs.students import views
    monkeypatch.setattr(views, "PAGE_SIZE", 2)  # the class spans two pages of the list
    client_for(world.coordinator).post(url(world), {"action": "assign", "team": world.team_b.pk,
                                                    "school_class": world.class_a.pk})
    assert teams_of(world.enrolments_a) == [world.team_b.pk] * 3


def test_a_group_leaders_group(world, client_for):
    leader, member, other = world.enrolments_a
    services.assign_group_leaders(team=world.team_a, leaders={leader.pk}, members={member.pk: leader.pk})
    client_for(world.coordinator).post(url(world), {"action": "remove", "group_leader": leader.pk})
    assert teams_of(world.enrolments_a) == [None, None, world.team_a.pk]


def test_remove_from_team_on_the_page(world, client_for):
    client_for(world.coordinator).post(url(world), {"action": "remove", "enrolment": [world.enrolments_b[0].pk]})
    assert teams_of(world.enrolments_b) == [None, world.team_b.pk, world.team_b.pk]


@pytest.mark.parametrize("crafted", [
    lambda w, f: {"action": "assign", "team": w.team_b.pk, "enrolment": [w.enrolments_a[0].pk, f[3].pk]},
    lambda w, f: {"action": "assign", "team": f[1].pk, "enrolment": [w.enrolments_a[0].pk]},
    lambda w, f: {"action": "assign", "team": w.team_b.pk, "school_class": f[2].pk},
    lambda w, f: {"action": "assign", "team": w.team_b.pk, "group_leader": f[3].pk},
    lambda w, f: {"action": "assign", "team": w.team_b.pk, "school_class": "1 OR 1=1"},
    lambda w, f: {"action": "assign", "team": "", "enrolment": [w.enrolments_a[0].pk]},
    lambda w, f: {"action": "remove", "enrolment": [f[3].pk]},
    lambda w, f: {"action": "assign", "team": w.team_b.pk},
    lambda w, f: {"action": "NaN", "team": w.team_b.pk, "enrolment": [w.enrolments_a[0].pk]},
    lambda w, f: {"team": w.team_b.pk, "enrolment": [w.enrolments_a[0].pk]},
], ids=["foreign-enrolment", "foreign-team", "foreign-class", "foreign-leader", "bad-class", "no-team",
        "remove-foreign", "nothing-chosen", "unknown-action", "no-action"])
def test_crafted_posts_write_nothing(world, foreign, client_for, crafted):
    before = all_enrolments()
    client = client_for(world.coordinator)
    response = client.post(url(world), crafted(world, foreign))
    assert response.status_code == 302
    assert all_enrolments() == before
    page = client.get(response["Location"]).content.decode()
    assert "alert-danger" in page or "alert-error" in page, "the refusal is shown"


def test_the_list_page_costs_the_same_queries_for_more_students(world, client_for):
    client = client_for(world.coordinator)
    page = reverse("programs:enrolment_list", args=[world.programme.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page).status_code == 200
        return len(captured)

    few = count()
    services.assign_group_leaders(team=world.team_a, leaders={world.enrolments_a[0].pk}, members={})
    for _ in range(25):
        EnrolmentFactory(programme=world.programme, school_class=world.class_a, team=world.team_a,
                         group_leader=world.enrolments_a[0])
    TeamFactory(programme=world.programme, name="第三组")
    assert count() == few


def test_the_new_teams_mentor_sees_them_on_the_attendance_week_and_kpi_grid(world, client_for):
    student = world.enrolments_a[0].student
    mentor = client_for(world.mentor_b)
    week = reverse("programs:attendance_week", args=[world.programme.pk, world.team_b.pk])
    from scoring import services as scoring_services
    period = scoring_services.create_default_setup(programme=world.programme).periods[0]
    grid = reverse("scoring:kpi_grid", args=[world.programme.pk, world.team_b.pk, period.pk])
    assert student.name not in mentor.get(week).content.decode()
    client_for(world.coordinator).post(url(world), {"action": "assign", "team": world.team_b.pk,
                                                    "enrolment": [world.enrolments_a[0].pk]})
    assert student.name in mentor.get(week).content.decode()
    assert student.name in mentor.get(grid).content.decode()
    # ...and the old team's mentor no longer does.
    old = reverse("programs:attendance_week", args=[world.programme.pk, world.team_a.pk])
    assert student.name not in client_for(world.mentor_a).get(old).content.decode()


def test_the_coordinators_inbox_leads_to_the_students_without_a_team(world, client_for):
    from trainingweek.inbox import inbox_for
    newcomer = EnrolmentFactory(programme=world.programme, school_class=world.class_a)
    EnrolmentFactory(programme=world.programme, school_class=world.class_a, status=Enrolment.Status.WITHDRAWN)
    items = {item.key: item for item in inbox_for(world.coordinator, None)}
    entry = items["students.without_team"]
    assert entry.total == 1
    assert entry.entries[0].url == reverse("programs:enrolment_list", args=[world.programme.pk]) + "?team=null"
    listing = client_for(world.coordinator).get(entry.entries[0].url).content.decode()
    assert newcomer.student.name in listing and world.enrolments_a[0].student.name not in listing
    assert "students.without_team" not in {item.key for item in inbox_for(world.mentor_a, None)}
    # Once in a team, nothing waits.
    assign_team(programme=world.programme, enrolment_ids=[newcomer.pk], team=world.team_a, user=world.coordinator)
    assert {item.key: item for item in inbox_for(world.coordinator, None)}["students.without_team"].total == 0


def test_the_programme_page_counts_students_without_a_team_for_the_coordinator(world, client_for):
    EnrolmentFactory(programme=world.programme, school_class=world.class_a)
    page = reverse("programs:programme_detail", args=[world.programme.pk])
    html = client_for(world.coordinator).get(page).content.decode()
    link = reverse("programs:enrolment_list", args=[world.programme.pk]) + "?team=null"
    assert 'data-testid="without-team"' in html and f'href="{link}"' in html
    assert 'data-testid="without-team"' not in client_for(world.mentor_a).get(page).content.decode()
