"""Setting up agreements, programmes with phases, classes, teams and groups."""

from decimal import Decimal

import pytest

from programs.agreements.models import Agreement, Phase, Programme
from programs.students.models import Enrolment
from trainingweek.models import Organisation

pytestmark = pytest.mark.django_db


def _phase_data(rows, prefix="phases", extra=5):
    data = {f"{prefix}-TOTAL_FORMS": str(max(extra, len(rows))), f"{prefix}-INITIAL_FORMS": "0"}
    for i, (kind, start, end) in enumerate(rows):
        data.update({f"{prefix}-{i}-kind": kind, f"{prefix}-{i}-start": start, f"{prefix}-{i}-end": end})
    return data


def test_coordinator_records_an_agreement_with_a_new_company_and_default_money_clauses(world, client_for):
    client = client_for(world.coordinator)
    form = client.get("/programs/agreements/new/")
    assert form.status_code == 200
    initial = form.context["form"].initial
    assert form.context["form"].fields["deposit_amount"].initial == Decimal("10000.00")
    assert form.context["form"].fields["lab_subsidy_per_computer_day"].initial == Decimal("13.00")
    assert initial.get("school") == world.school.pk
    response = client.post("/programs/agreements/new/", {
        "new_company": "新合作电商有限公司", "course_title": "客户服务实训", "signed_on": "2021-09-01",
        "term_start": "2021-09-01", "term_end": "2024-08-31", "deposit_amount": "10000.00",
        "deposit_due_working_days": "10", "lab_subsidy_per_computer_day": "13.00",
        "room_rent_per_day": "300.00", "settlement_due_working_days": "30", "good_conduct_bonus": "1000.00",
        "insurance_days_before_practice": "2", "stipend_pay_by_month": "12", "stipend_pay_by_day": "30",
        # A coordinator cannot record an agreement for another school, even by forging the field.
        "school": world.other_coordinator.organisation_id,
    })
    assert response.status_code == 302
    agreement = Agreement.objects.get(course_title="客户服务实训")
    assert agreement.school == world.school
    assert agreement.company.name == "新合作电商有限公司"
    assert agreement.company.kind == Organisation.Kind.COMPANY


def test_agreement_form_error_keeps_what_was_typed(world, client_for):
    response = client_for(world.coordinator).post("/programs/agreements/new/", {
        "course_title": "我输入的课程名", "signed_on": "2021-09-01", "term_start": "2021-09-01",
        "term_end": "2020-08-31", "deposit_amount": "10000.00", "deposit_due_working_days": "10",
        "lab_subsidy_per_computer_day": "13.00", "room_rent_per_day": "300.00",
        "settlement_due_working_days": "30", "good_conduct_bonus": "1000.00",
        "insurance_days_before_practice": "2", "stipend_pay_by_month": "13", "stipend_pay_by_day": "30",
    })
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"company", "term_end", "stipend_pay_by_month"} <= set(errors)
    assert "我输入的课程名" in response.content.decode()
    assert not Agreement.objects.filter(course_title="我输入的课程名").exists()


def test_programme_with_phases_is_created(world, client_for):
    data = {"year": "2021", "name": "2021 双十一", "brands": "森马", "headcount_target": "180"}
    data.update(_phase_data([("training", "2021-09-06", "2021-10-22"), ("practice", "2021-10-23", "2021-11-20")]))
    response = client_for(world.coordinator).post(f"/programs/agreements/{world.agreement.pk}/programmes/new/", data)
    assert response.status_code == 302
    programme = Programme.objects.get(name="2021 双十一")
    assert [(p.kind, str(p.start)) for p in programme.phases.all()] == [
        ("training", "2021-09-06"), ("practice", "2021-10-23"),
    ]


def test_overlapping_phases_are_refused_with_a_clear_message_and_nothing_is_saved(world, client_for):
    data = {"year": "2021", "name": "重叠的项目", "brands": "", "headcount_target": "10"}
    data.update(_phase_data([("training", "2021-09-06", "2021-10-25"), ("practice", "2021-10-23", "2021-11-20")]))
    response = client_for(world.coordinator).post(f"/programs/agreements/{world.agreement.pk}/programmes/new/", data)
    assert response.status_code == 200
    errors = response.context["phases"].non_form_errors()
    assert len(errors) == 1 and "2021-10-23" in errors[0]
    assert "重叠的项目" in response.content.decode()  # the typed name is kept
    assert not Programme.objects.filter(name="重叠的项目").exists()


def test_phase_outside_the_agreement_term_is_refused(world, client_for):
    data = {"year": "2024", "name": "超期项目", "brands": "", "headcount_target": "10"}
    data.update(_phase_data([("training", "2023-08-01", "2023-09-30")]))
    response = client_for(world.coordinator).post(f"/programs/agreements/{world.agreement.pk}/programmes/new/", data)
    assert response.status_code == 200
    assert response.context["phases"].non_form_errors()
    assert not Phase.objects.filter(programme__name="超期项目").exists()


def test_duplicate_class_name_is_refused(world, client_for):
    response = client_for(world.coordinator).post(
        f"/programs/{world.programme.pk}/classes/new/", {"name": world.class_a.name}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"]


def test_team_mentors_are_limited_to_the_programmes_company(world, client_for):
    client = client_for(world.coordinator)
    choices = client.get(f"/programs/{world.programme.pk}/teams/new/").context["form"].fields["mentors"].queryset
    assert set(choices) == {world.mentor_a, world.mentor_b, world.other_mentor}
    response = client.post(f"/programs/{world.programme.pk}/teams/new/", {
        "name": "康恩组", "brand": "康恩", "mentors": [world.mentor_a.pk, world.coordinator.pk],
    })
    assert response.status_code == 200  # a coordinator is not a mentor choice
    assert "mentors" in response.context["form"].errors


def test_group_leaders_are_assigned_within_the_team_only(world, client_for):
    leader, member, other = world.enrolments_a
    foreign = world.enrolments_b[0]
    response = client_for(world.coordinator).post(
        f"/programs/{world.programme.pk}/teams/{world.team_a.pk}/",
        {"leader": [str(leader.pk), str(foreign.pk)], f"group_{member.pk}": str(leader.pk),
         f"group_{other.pk}": str(foreign.pk), f"group_{foreign.pk}": str(leader.pk)},
    )
    assert response.status_code == 302
    rows = {e.pk: (e.is_group_leader, e.group_leader_id) for e in Enrolment.objects.all()}
    assert rows[leader.pk] == (True, None)
    assert rows[member.pk] == (False, leader.pk)
    assert rows[other.pk] == (False, None)  # a leader from another team is ignored
    assert rows[foreign.pk] == (False, None)  # another team's enrolment is untouched


def test_mentor_cannot_assign_group_leaders(world, client_for):
    response = client_for(world.mentor_a).post(
        f"/programs/{world.programme.pk}/teams/{world.team_a.pk}/", {"leader": [str(world.enrolments_a[0].pk)]}
    )
    assert response.status_code == 403
    assert not Enrolment.objects.filter(is_group_leader=True).exists()


def test_mentor_sees_only_own_team_in_enrolment_list(world, client_for):
    page = client_for(world.mentor_a).get(f"/programs/{world.programme.pk}/enrolments/").content.decode()
    for e in world.enrolments_a:
        assert e.student.name in page
    for e in world.enrolments_b:
        assert e.student.student_number not in page


def test_enrolment_list_masks_personal_data_and_filters(world, client_for):
    client = client_for(world.finance)
    student = world.enrolments_a[0].student
    page = client.get(f"/programs/{world.programme.pk}/enrolments/").content.decode()
    assert student.id_number not in page and student.id_number_masked in page
    assert student.bank_card not in page and student.phone not in page
    filtered = client.get(f"/programs/{world.programme.pk}/enrolments/?team={world.team_b.pk}")
    assert {e.pk for e in filtered.context["page"]} == {e.pk for e in world.enrolments_b}
    searched = client.get(f"/programs/{world.programme.pk}/enrolments/?q={student.student_number}")
    assert [e.pk for e in searched.context["page"]] == [world.enrolments_a[0].pk]
