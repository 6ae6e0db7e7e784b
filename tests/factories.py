"""factory-boy factories for the whole project (synthetic data only)."""

import random
from datetime import date

import factory
from factory.django import DjangoModelFactory

from programs.agreements.models import Agreement, Phase, Programme
from programs.students import demo as synthetic
from programs.students.models import Enrolment, SchoolClass, Student, Team
from trainingweek.models import Organisation, User

_rng = random.Random(20201111)

PASSWORD = "pass-for-tests-1"


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"学校{n}")
    kind = Organisation.Kind.SCHOOL


class SchoolFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"测试职业技术学院{n}")
    kind = Organisation.Kind.SCHOOL


class CompanyFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"测试网络科技有限公司{n}")
    kind = Organisation.Kind.COMPANY


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyFunction(lambda: synthetic.make_name(_rng))
    role = User.Role.COORDINATOR
    organisation = factory.SubFactory(SchoolFactory)
    password = factory.django.Password(PASSWORD)


class AgreementFactory(DjangoModelFactory):
    class Meta:
        model = Agreement

    school = factory.SubFactory(SchoolFactory)
    company = factory.SubFactory(CompanyFactory)
    course_title = "《电子商务客户服务与管理》课程建设与实训"
    signed_on = date(2020, 9, 1)
    term_start = date(2020, 9, 1)
    term_end = date(2023, 8, 31)


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = Programme

    agreement = factory.SubFactory(AgreementFactory)
    year = 2020
    name = factory.Sequence(lambda n: f"双十一实训{n}")
    headcount_target = 200


class PhaseFactory(DjangoModelFactory):
    class Meta:
        model = Phase

    programme = factory.SubFactory(ProgrammeFactory)
    kind = Phase.Kind.PRACTICE
    start = date(2020, 10, 26)
    end = date(2020, 11, 10)


class SchoolClassFactory(DjangoModelFactory):
    class Meta:
        model = SchoolClass

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"19电商{n}班")


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"品牌{n}组")
    brand = factory.Sequence(lambda n: f"品牌{n}")

    @factory.post_generation
    def mentors(self, create, extracted, **kwargs):
        if create and extracted:
            self.mentors.set(extracted)


class StudentFactory(DjangoModelFactory):
    class Meta:
        model = Student

    school = factory.SubFactory(SchoolFactory)
    student_number = factory.Sequence(lambda n: f"2019{n:06d}")
    name = factory.LazyFunction(lambda: synthetic.make_name(_rng))
    id_number = factory.LazyFunction(lambda: synthetic.make_id_number(_rng))
    phone = factory.LazyFunction(lambda: synthetic.make_phone(_rng))
    bank_card = factory.LazyFunction(lambda: synthetic.make_bank_card(_rng))
    bank_name = "中国建设银行长沙分行"


class EnrolmentFactory(DjangoModelFactory):
    class Meta:
        model = Enrolment

    programme = factory.SubFactory(ProgrammeFactory)
    student = factory.SubFactory(StudentFactory, school=factory.SelfAttribute("..programme.agreement.school"))
    school_class = factory.SubFactory(SchoolClassFactory, programme=factory.SelfAttribute("..programme"))
    team = None


def delete_batches(queryset=None) -> None:
    """Test set-up only, starting over: the app never deletes a payout batch
    past draft (stipends.payouts.models refuses it), so put them back to draft
    first, which nothing in the app can do."""
    from stipends.payouts.models import PayoutBatch

    queryset = PayoutBatch.objects.all() if queryset is None else queryset
    queryset.update(state=PayoutBatch.State.DRAFT)
    queryset.delete()
