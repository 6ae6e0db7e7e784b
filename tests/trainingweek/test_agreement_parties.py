"""Who an agreement is between, and the choices of other forms, under crafted POSTs.

Re-pointing an agreement (or a programme) to another company would hand that
company's finance the programme's batches, bank files and ID reveals. Once a
programme exists the parties are fixed (form, service, database); a
coordinator chooses only their own school and the companies their school
works with; every form's choices of related records are the user's own.
"""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from programs.agreements import services
from programs.agreements.models import Agreement, Programme
from programs.attendance.models import LeaveRequest
from scoring.models import Incident
from stipends.payouts.models import PayoutBatch
from tests.factories import (
    AgreementFactory,
    CompanyFactory,
    EnrolmentFactory,
    ProgrammeFactory,
    SchoolClassFactory,
    UserFactory,
)
from trainingweek.models import Organisation, User

pytestmark = pytest.mark.django_db


def agreement_data(agreement=None, **changes) -> dict:
    """What the agreement form posts: ``agreement``'s values (or a new one's), with ``changes``."""
    data = {
        "course_title": "客户服务实训", "signed_on": "2021-09-01", "term_start": "2020-09-01",
        "term_end": "2024-08-31", "deposit_amount": "10000.00", "deposit_due_working_days": "10",
        "lab_subsidy_per_computer_day": "13.00", "room_rent_per_day": "300.00",
        "settlement_due_working_days": "30", "good_conduct_bonus": "1000.00",
        "insurance_days_before_practice": "2", "stipend_pay_by_month": "12", "stipend_pay_by_day": "30",
    }
    if agreement is not None:
        data.update(school=agreement.school_id, company=agreement.company_id, course_title=agreement.course_title)
    data.update(changes)
    return data


@pytest.fixture
def other_company(world):
    return Organisation.objects.get(name="另一家公司")


@pytest.fixture
def other_school(world):
    return Organisation.objects.get(name="另一所学校")


@pytest.fixture
def partner(world):
    """A second company the world's school works with (an agreement without programmes)."""
    return AgreementFactory(school=world.school, company=CompanyFactory(name="第二家合作公司")).company


# --------------------------------------------------------------------------- create
def test_a_coordinator_chooses_only_companies_their_school_works_with(world, client_for, other_company, partner):
    client = client_for(world.coordinator)
    choices = set(client.get("/programs/agreements/new/").context["form"].fields["company"].queryset)
    assert choices == {world.company, partner}
    response = client.post("/programs/agreements/new/", agreement_data(company=other_company.pk))
    assert response.status_code == 200 and "company" in response.context["form"].errors
    assert not Agreement.objects.filter(company=other_company).exists()
    response = client.post("/programs/agreements/new/", agreement_data(company=partner.pk, course_title="新课程"))
    assert response.status_code == 302
    assert Agreement.objects.get(course_title="新课程").company == partner


def test_typing_an_existing_organisation_as_a_new_company_does_not_reach_it(world, client_for, other_company,
                                                                             other_school):
    client = client_for(world.coordinator)
    for name in (other_company.name, other_school.name):
        response = client.post("/programs/agreements/new/", agreement_data(new_company=name))
        assert response.status_code == 200 and "new_company" in response.context["form"].errors
    assert Agreement.objects.filter(school=world.school).count() == 1
    # The name of a company the school works with is that company.
    response = client.post("/programs/agreements/new/", agreement_data(new_company=world.company.name))
    assert response.status_code == 302
    assert Agreement.objects.filter(school=world.school, company=world.company).count() == 2


def test_the_service_refuses_another_school_and_a_company_not_worked_with(world, other_company, other_school):
    with pytest.raises(services.AgreementError, match="本校与该企业尚无合作"):
        services.save_agreement(agreement=Agreement(school=world.school, company=other_company, course_title="x",
                                                    signed_on=date(2021, 9, 1), term_start=date(2021, 9, 1),
                                                    term_end=date(2022, 9, 1)), user=world.coordinator)
    with pytest.raises(services.AgreementError, match="只能录入本校"):
        services.save_agreement(agreement=Agreement(school=other_school, company=world.company, course_title="x",
                                                    signed_on=date(2021, 9, 1), term_start=date(2021, 9, 1),
                                                    term_end=date(2022, 9, 1)), user=world.coordinator)
    with pytest.raises(services.AgreementError, match="已有同名机构"):
        services.save_agreement(agreement=Agreement(school=world.school, course_title="x", signed_on=date(2021, 9, 1),
                                                    term_start=date(2021, 9, 1), term_end=date(2022, 9, 1)),
                                user=world.coordinator, new_company=other_school.name)
    assert Agreement.objects.count() == 1


# --------------------------------------------------------------------------- edit
def test_the_parties_of_an_agreement_with_programmes_cannot_be_edited(world, client_for, other_company, partner,
                                                                       other_school):
    agreement = world.agreement
    form = client_for(world.coordinator).get(f"/programs/agreements/{agreement.pk}/edit/").context["form"]
    assert form.fields["company"].disabled and form.fields["new_company"].disabled
    for user, changes in ((world.coordinator, {"company": partner.pk}),
                          (world.coordinator, {"company": other_company.pk, "new_company": "全新的公司"}),
                          (world.admin, {"school": other_school.pk, "company": other_company.pk})):
        response = client_for(user).post(f"/programs/agreements/{agreement.pk}/edit/",
                                         agreement_data(agreement, notes="改了备注", **changes))
        assert response.status_code == 302  # the rest of the form is saved
        agreement.refresh_from_db()
        assert (agreement.school, agreement.company, agreement.notes) == (world.school, world.company, "改了备注")
    assert not Organisation.objects.filter(name="全新的公司").exists()
    # The other company's finance still sees nothing of the programme.
    response = client_for(world.other_finance).get(f"/stipends/{world.programme.pk}/")
    assert response.status_code == 404


def test_an_agreement_without_programmes_may_change_company_among_its_schools_partners(world, client_for, partner,
                                                                                        other_company):
    draft = AgreementFactory(school=world.school, company=world.company, course_title="还没有项目")
    client = client_for(world.coordinator)
    response = client.post(f"/programs/agreements/{draft.pk}/edit/", agreement_data(draft, company=other_company.pk))
    assert response.status_code == 200 and "company" in response.context["form"].errors
    response = client.post(f"/programs/agreements/{draft.pk}/edit/", agreement_data(draft, company=partner.pk))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.company == partner


def test_the_service_refuses_other_parties_once_a_programme_exists(world, partner):
    agreement = Agreement.objects.get(pk=world.agreement.pk)
    agreement.company = partner
    with pytest.raises(services.AgreementError, match="已有实训项目"):
        services.save_agreement(agreement=agreement, user=world.admin)
    agreement.refresh_from_db()
    with pytest.raises(services.AgreementError, match="已有实训项目"):
        services.save_agreement(agreement=agreement, user=world.admin, new_company="全新的公司")
    assert Agreement.objects.get(pk=agreement.pk).company == world.company


def test_the_database_refuses_to_re_point_an_agreement_or_a_programme(world, partner):
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.filter(pk=world.agreement.pk).update(company=partner)
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.filter(pk=world.agreement.pk).update(school=Organisation.objects.get(name="另一所学校"))
    other = AgreementFactory(school=world.school, company=partner)
    with pytest.raises(IntegrityError), transaction.atomic():
        Programme.objects.filter(pk=world.programme.pk).update(agreement=other)
    # Without programmes the parties may still be corrected; other columns always.
    Agreement.objects.filter(pk=other.pk).update(company=world.company)
    Agreement.objects.filter(pk=world.agreement.pk).update(notes="备注")
    assert Agreement.objects.get(pk=world.agreement.pk).company == world.company


def test_the_admin_site_shows_the_parties_read_only_once_a_programme_exists(world, client_for, partner):
    page = client_for(world.admin).get(f"/admin/agreements/agreement/{world.agreement.pk}/change/")
    assert {"school", "company"} <= set(page.context["adminform"].readonly_fields)
    page = client_for(world.admin).get(f"/admin/agreements/programme/{world.programme.pk}/change/")
    assert "agreement" in page.context["adminform"].readonly_fields


# --------------------------------------------------------------------------- siblings: other forms' choices
def test_a_team_gets_no_mentor_of_another_company(world, client_for, other_company):
    stranger = UserFactory(username="stranger_mentor", role=User.Role.MENTOR, organisation=other_company)
    response = client_for(world.coordinator).post(
        f"/programs/{world.programme.pk}/teams/{world.team_a.pk}/edit/",
        {"name": world.team_a.name, "brand": world.team_a.brand, "mentors": [world.mentor_a.pk, stranger.pk]})
    assert response.status_code == 200 and "mentors" in response.context["form"].errors
    assert list(world.team_a.mentors.all()) == [world.mentor_a]


def test_a_batch_gets_no_class_of_another_programme(world, client_for):
    foreign_class = SchoolClassFactory(programme=ProgrammeFactory(agreement=AgreementFactory()))
    response = client_for(world.finance).post(f"/stipends/{world.programme.pk}/batches/new/", {
        "school_class": foreign_class.pk, "pay_on": "2020-12-20"})
    assert response.status_code == 200 and "school_class" in response.context["form"].errors
    assert not PayoutBatch.objects.exists()


def test_leave_and_incidents_get_no_student_outside_the_users_scope(world, client_for):
    foreign = EnrolmentFactory(programme=ProgrammeFactory(agreement=AgreementFactory()))
    other_team = world.enrolments_b[0]  # same programme, mentor B's team
    for enrolment in (foreign, other_team):
        response = client_for(world.mentor_a).post(f"/scoring/{world.programme.pk}/incidents/new/", {
            "enrolment": enrolment.pk, "occurred_on": "2020-11-01", "level": "1", "description": "x"})
        assert response.status_code == 200 and "enrolment" in response.context["form"].errors
    response = client_for(world.coordinator).post(f"/programs/{world.programme.pk}/leave/", {
        "enrolment": foreign.pk, "start": "2020-11-01", "end": "2020-11-02", "reason": "病假"})
    assert response.status_code == 200 and "enrolment" in response.context["form"].errors
    assert not Incident.objects.exists() and not LeaveRequest.objects.exists()


def test_a_programme_is_added_only_under_an_agreement_the_coordinator_sees(world, client_for):
    response = client_for(world.other_coordinator).post(
        f"/programs/agreements/{world.agreement.pk}/programmes/new/",
        {"year": "2021", "name": "偷偷加的项目", "headcount_target": "1",
         "phases-TOTAL_FORMS": "0", "phases-INITIAL_FORMS": "0"})
    assert response.status_code == 404
    assert not Programme.objects.filter(name="偷偷加的项目").exists()


# --------------------------------------------------------------------------- the rule
def test_party_rule_worked_examples():
    from programs.agreements.rules import agreement_party_problems as problems

    mine, partners = frozenset({1}), frozenset({2, 3})
    assert problems(old=None, new=(1, 2), has_programmes=False, schools=mine, companies=partners) == []
    assert problems(old=None, new=(1, None), has_programmes=False, schools=mine, companies=partners,
                    new_company=True) == []
    assert problems(old=None, new=(4, 9), has_programmes=False, schools=mine, companies=partners) == [
        "school_not_yours", "company_not_partner"]
    assert problems(old=(1, 2), new=(1, 3), has_programmes=False, schools=mine, companies=partners) == []
    assert problems(old=(1, 2), new=(1, 3), has_programmes=True, schools=None, companies=None) == ["parties_fixed"]
    assert problems(old=(1, 2), new=(1, None), has_programmes=True, schools=mine, companies=partners,
                    new_company=True) == ["parties_fixed"]
    assert problems(old=(1, 2), new=(1, 2), has_programmes=True, schools=mine, companies=partners) == []
