"""The permission matrix's world: ``world`` with a record of every kind a page is about.

Built once per test module and process (``tests/conftest.py``'s
``world_with_job``): making it freezes and approves a batch and prepares its
bank file, ~0.6 s, and the matrix, the fuzzer and the page walks ask for it
in some 2,600 tests.
"""

from datetime import date, time
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from programs.attendance import services as attendance_services
from programs.attendance.models import Departure, LeaveRequest
from programs.rosters.models import ShiftTemplate
from programs.students.models import StudentImport
from scoring import documents as scoring_documents
from scoring import services as scoring_services
from scoring.models import Award, Incident
from stipends.payouts import services as stipend_services
from stipends.payouts.models import PayoutItem
from stipends.settlement.models import HolidayCalendarYear, Room, SettlementPayment
from tests.factories import AgreementFactory, ProgrammeFactory, UserFactory
from trainingweek.jobs import execute_job
from trainingweek.models import Job, User


def add_job_world(world):
    """``world`` with one record of every kind a page is about: jobs and their files, an import, a room,
    a payment, a shift, a leave request, a departure, an online-hours upload, the default scoring set-up, an
    incident, an award, an approved batch with a failed transfer and its prepared bank file, and a programme
    of another school and company."""
    job = Job.objects.create(kind="test", created_by=world.coordinator, status=Job.Status.SUCCEEDED)
    job.result_file.save("result.txt", ContentFile(b"ok"))
    world.job = job
    world.student_import = StudentImport.objects.create(
        programme=world.programme, created_by=world.coordinator, file_name="a.xlsx")
    world.room = Room.objects.create(programme=world.programme, name="206", kind=Room.Kind.PLAIN)
    world.payment = SettlementPayment.objects.create(
        programme=world.programme, paid_on=date(2020, 9, 1), amount=Decimal("10000.00"),
        kind=SettlementPayment.Kind.DEPOSIT, recorded_by=world.finance)
    HolidayCalendarYear.objects.create(year=2027)
    world.shift = ShiftTemplate.objects.create(
        programme=world.programme, name="早班", start=time(8, 30), end=time(17, 0), paid_hours=Decimal("8"))
    world.leave = LeaveRequest.objects.create(
        programme=world.programme, enrolment=world.enrolments_a[0], start=date(2020, 10, 27), end=date(2020, 10, 27), reason="病假",
        requested_by=world.mentor_a)
    world.departure = Departure.objects.create(
        programme=world.programme, enrolment=world.enrolments_a[1], kind=Departure.Kind.WITHDRAWAL, last_day=date(2020, 11, 1),
        reason="家中有事", requested_by=world.coordinator)
    # An online-hours export mentor_a uploaded, waiting for its columns to be confirmed.
    world.hours_upload = attendance_services.keep_online_hours_upload(
        programme=world.programme, user=world.mentor_a, file=ContentFile(
            "客服账号,日期,在线时长\nbala:小明,2020-10-27,8\n".encode(), name="online.csv"))
    # Scoring: the default set-up, a reported incident, an award and a finished class-PDF job.
    world.period = scoring_services.create_default_setup(programme=world.programme).periods[-1]
    world.incident = Incident.objects.create(
        programme=world.programme, enrolment=world.enrolments_a[0], occurred_on=date(2020, 11, 11), level="1",
        description="回复超时", reported_by=world.mentor_a)
    world.award = Award.objects.create(programme=world.programme, enrolment=world.enrolments_a[0], label="销售冠军",
                                       amount=Decimal("200.00"), created_by=world.coordinator)
    sheet_job = Job.objects.create(kind=scoring_documents.JOB_KIND, created_by=world.coordinator, status=Job.Status.SUCCEEDED,
                                   params={"programme": world.programme.pk, "school_class": world.class_a.pk})
    sheet_job.result_file.save("sheets.zip", ContentFile(b"zip"))
    sheet_job.result = {"pdf": default_storage.save("jobs/scoring/sheets.pdf", ContentFile(b"%PDF"))}
    sheet_job.save()
    world.sheet_job = sheet_job
    # Stipends: an approved batch made by a second finance user (zero amounts: no attendance).
    maker = UserFactory(username="finance_maker", role=User.Role.FINANCE, organisation=world.company)
    world.batch = stipend_services.create_batch(programme=world.programme, user=maker, pay_on=date(2020, 12, 20))
    stipend_services.freeze_batch(batch_id=world.batch.pk)
    stipend_services.approve_batch(batch=world.batch, user=world.finance, confirmed=True)
    # One of its transfers failed: finance corrects its bank details.
    world.failed_item = world.batch.items.order_by("pk").first()
    PayoutItem.objects.filter(pk=world.failed_item.pk).update(status=PayoutItem.Status.FAILED, failure_reason="户名不符")
    # Its bank file, prepared by the job (run here, in-process).
    world.bank_job = stipend_services.start_bank_file(batch=world.batch, what="file", user=world.finance)
    execute_job(world.bank_job.pk)
    # A programme of another school with another company (the other_* users' organisations).
    world.foreign_programme = ProgrammeFactory(agreement=AgreementFactory(
        school=world.other_coordinator.organisation, company=world.other_finance.organisation))
    return world
