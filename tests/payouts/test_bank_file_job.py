"""A big batch's bank file goes through a background job (issue #12).

Up to ``DIRECT_DOWNLOAD_MAX_ROWS`` transfers the bank file and its summary
are built within the request, as before. Above it the batch's page offers
POST buttons that start a job; the job builds the very sheet the direct
download builds, stores it encrypted (it holds every full account number,
and never as the job's plain ``result_file``), and finance downloads it from
a view of its own that checks the programme, the batch, the document and
the freshness of the file (a fingerprint of the transfers) and logs the
export when the file is downloaded. A GET of the old URL writes nothing.
"""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from stipends.payouts import selectors, services
from stipends.payouts.models import PayoutBatch, PayoutItem
from tests.factories import ProgrammeFactory, StudentFactory, UserFactory
from tests.test_get_never_writes import writes
from trainingweek import crypto
from trainingweek.jobs import execute_job, expire_results
from trainingweek.models import Job, PersonalDataAccess, User

from .conftest import approved_exported, bank_rows, frozen_batch, result_workbook

DIRECT = {"file": "bank_file", "summary": "bank_summary"}


@pytest.fixture
def big(settings):
    """Six transfers count as a big batch."""
    settings.DIRECT_DOWNLOAD_MAX_ROWS = 3
    return settings


@pytest.fixture
def approved(worked, finance2):
    batch = frozen_batch(worked)
    services.approve_batch(batch=batch, user=finance2, confirmed=True)
    return batch


def url(name, world, *args):
    return reverse(f"stipends:{name}", args=[world.programme.pk, *args])


def rows_of(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def prepare(client, world, batch, what, capture) -> Job:
    """Finance's POST of the prepare button; the job runs when the request commits."""
    with capture(execute=True):
        response = client.post(url("bank_prepare", world, batch.pk, what))
    job = Job.objects.filter(kind=selectors.BANK_FILE_JOB_KIND).latest("pk")
    assert response.status_code == 302 and response["Location"] == reverse("job_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.message
    return job


def direct(client, world, batch, what, settings):
    """The same document downloaded directly (the threshold raised for one request)."""
    limit = settings.DIRECT_DOWNLOAD_MAX_ROWS
    settings.DIRECT_DOWNLOAD_MAX_ROWS = 10_000
    try:
        return client.get(url(DIRECT[what], world, batch.pk))
    finally:
        settings.DIRECT_DOWNLOAD_MAX_ROWS = limit


# --------------------------------------------------------------------------- small batches: as before
def test_up_to_the_threshold_the_download_is_direct(worked, approved, client_for, settings):
    settings.DIRECT_DOWNLOAD_MAX_ROWS = 6  # exactly the batch's six transfers
    client = client_for(worked.finance)
    response = client.get(url("bank_file", worked, approved.pk))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    page = client.get(url("batch_detail", worked, approved.pk)).content.decode()
    assert 'data-testid="download-bank"' in page and 'data-testid="prepare-bank-file"' not in page
    assert not Job.objects.filter(kind=selectors.BANK_FILE_JOB_KIND).exists()


# --------------------------------------------------------------------------- big batches: through a job
@pytest.mark.parametrize("what", ["file", "summary"])
def test_a_get_of_a_big_batchs_download_writes_nothing_and_offers_the_button(worked, approved, big, client_for, what):
    client = client_for(worked.finance)
    logged = PersonalDataAccess.objects.count()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(DIRECT[what], worked, approved.pk))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert writes(queries.captured_queries) == []
    assert not Job.objects.exists() and PersonalDataAccess.objects.count() == logged  # nothing exported
    page = response.content.decode()
    assert f'action="{url("bank_prepare", worked, approved.pk, what)}"' in page
    assert 'data-testid="background-note"' in page and "6 transfers" in page


def test_the_batch_page_of_a_big_batch_has_prepare_buttons_instead_of_links(worked, approved, big, client_for):
    page = client_for(worked.finance).get(url("batch_detail", worked, approved.pk)).content.decode()
    assert 'data-testid="download-bank"' not in page and 'data-testid="download-bank-summary"' not in page
    for what in ("file", "summary"):
        assert f'action="{url("bank_prepare", worked, approved.pk, what)}"' in page
        assert f'data-testid="prepare-bank-{what}"' in page
    assert 'data-testid="control-count">6<' in page  # the control total stays


@pytest.mark.parametrize("what", ["file", "summary"])
def test_the_job_builds_the_direct_file_and_the_download_logs_it_alike(
        worked, approved, big, client_for, django_capture_on_commit_callbacks, what):
    client = client_for(worked.finance)
    logged = PersonalDataAccess.objects.count()
    job = prepare(client, worked, approved, what, django_capture_on_commit_callbacks)
    assert PersonalDataAccess.objects.count() == logged  # preparing exports nothing
    assert not job.result_file and job.result["what"] == what and job.result["transfers"] == 6
    assert job.result["redirect"].startswith(url("batch_detail", worked, approved.pk))
    # The batch's page offers the prepared file.
    page = client.get(url("batch_detail", worked, approved.pk)).content.decode()
    download = url("bank_prepared", worked, approved.pk, what, job.pk)
    assert f'href="{download}"' in page and f'data-testid="prepared-bank-{what}"' in page

    response = client.get(download)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    prepared_log = PersonalDataAccess.objects.latest("pk")
    same = direct(client, worked, approved, what, big)
    direct_log = PersonalDataAccess.objects.latest("pk")
    assert rows_of(response.content) == rows_of(same.content) and len(rows_of(same.content)) >= 7
    assert response["Content-Disposition"] == same["Content-Disposition"]  # the same name as today
    assert response["Content-Type"] == same["Content-Type"] and "no-store" in response["Cache-Control"]
    fields = ("user_id", "action", "subject", "object_id", "fields", "record_count")
    assert [getattr(prepared_log, f) for f in fields] == [getattr(direct_log, f) for f in fields]
    assert PersonalDataAccess.objects.count() == logged + 2  # each download is logged, once


def test_the_stored_file_is_encrypted_and_never_the_plain_job_download(
        worked, approved, big, client_for, django_capture_on_commit_callbacks, settings):
    client = client_for(worked.finance)
    job = prepare(client, worked, approved, "file", django_capture_on_commit_callbacks)
    name = job.result["file"]
    assert job.result["files"] == [name] and name.startswith("jobs/private/")
    with default_storage.open(name, "rb") as stored:
        raw = stored.read()
    accounts = [i.account for i in approved.items.all()]
    assert len(accounts) == 6 and all(accounts)
    assert not zipfile.is_zipfile(io.BytesIO(raw)) and not raw.startswith(b"PK")
    assert not any(a.encode() in raw for a in accounts)
    assert {r[0] for r in rows_of(crypto.decrypt_bytes(raw))[1:]} == set(accounts)
    # The generic job pages never serve it.
    assert client.get(reverse("job_download", args=[job.pk])).status_code == 404
    assert client.get(reverse("job_status", args=[job.pk])).json()["has_file"] is False


def test_a_second_click_follows_the_job_already_queued(worked, approved, big, client_for):
    client = client_for(worked.finance)
    first = client.post(url("bank_prepare", worked, approved.pk, "file"))  # not committed: stays queued
    second = client.post(url("bank_prepare", worked, approved.pk, "file"))
    job = Job.objects.get()
    assert first["Location"] == second["Location"] == reverse("job_detail", args=[job.pk])
    assert job.status == Job.Status.PENDING and job.params == {
        "programme": worked.programme.pk, "batch": approved.pk, "what": "file", "language": "en"}
    page = client.get(url("batch_detail", worked, approved.pk)).content.decode()
    assert 'data-testid="preparing-bank-file"' in page and reverse("job_detail", args=[job.pk]) in page
    client.post(url("bank_prepare", worked, approved.pk, "summary"))
    assert Job.objects.count() == 2  # the summary is another document


def test_running_the_job_again_replaces_its_file(worked, approved, big, client_for, django_capture_on_commit_callbacks,
                                                 settings):
    job = prepare(client_for(worked.finance), worked, approved, "file", django_capture_on_commit_callbacks)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED)  # as if the first run died at the end
    execute_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2
    _folders, files = default_storage.listdir("jobs/private")
    assert files == [f"{job.pk}.enc"]


def test_a_draft_batch_prepares_nothing(worked, big, client_for):
    draft = frozen_batch(worked)
    client = client_for(worked.finance)
    response = client.post(url("bank_prepare", worked, draft.pk, "file"), follow=True)
    assert "once the batch is approved" in response.content.decode()
    assert not Job.objects.exists()
    assert client.get(url("bank_file", worked, draft.pk)).status_code == 404


def test_an_unknown_document_is_404(worked, approved, big, client_for):
    client = client_for(worked.finance)
    assert client.post(url("bank_prepare", worked, approved.pk, "register")).status_code == 404
    assert not Job.objects.exists()


# --------------------------------------------------------------------------- whose job
def _job_of(world, user, *, programme, batch, what="file"):
    return Job.objects.create(kind=selectors.BANK_FILE_JOB_KIND, created_by=user, status=Job.Status.SUCCEEDED,
                              params={"programme": programme.pk, "batch": batch.pk, "what": what},
                              result={"file": "jobs/private/none.enc", "fingerprint": "x"},
                              finished_at=timezone.now())


def test_another_programmes_or_batchs_or_documents_job_is_404(
        worked, approved, finance2, big, client_for, django_capture_on_commit_callbacks):
    client = client_for(worked.finance)
    job = prepare(client, worked, approved, "file", django_capture_on_commit_callbacks)
    # Another programme of the same company (finance sees it too), with its own approved batch.
    other = ProgrammeFactory(agreement=worked.agreement, name="另一个实训")
    maker = UserFactory(username="maker_other", role=User.Role.FINANCE, organisation=worked.company)
    other_batch = PayoutBatch.objects.create(programme=other, created_by=maker, state=PayoutBatch.State.APPROVED,
                                             approved_by=finance2, approved_at=timezone.now())
    foreign_job = _job_of(worked, worked.finance, programme=other, batch=other_batch)
    sibling = PayoutBatch.objects.create(programme=worked.programme, created_by=maker,
                                         state=PayoutBatch.State.APPROVED, approved_by=finance2,
                                         approved_at=timezone.now())
    sibling_job = _job_of(worked, worked.finance, programme=worked.programme, batch=sibling)
    freeze_job = Job.objects.create(kind=selectors.FREEZE_JOB_KIND, created_by=worked.finance,
                                    status=Job.Status.SUCCEEDED,
                                    params={"programme": worked.programme.pk, "batch": approved.pk, "what": "file"})
    logged = PersonalDataAccess.objects.count()
    for job_pk in (foreign_job.pk, sibling_job.pk, freeze_job.pk):
        assert client.get(url("bank_prepared", worked, approved.pk, "file", job_pk)).status_code == 404
    assert client.get(url("bank_prepared", worked, approved.pk, "summary", job.pk)).status_code == 404
    assert client.get(url("bank_prepared", worked, sibling.pk, "file", job.pk)).status_code == 404
    # The right batch and job under the other programme's address.
    path = reverse("stipends:bank_prepared", args=[other.pk, approved.pk, "file", job.pk])
    assert client.get(path).status_code == 404
    assert PersonalDataAccess.objects.count() == logged
    assert client.get(url("bank_prepared", worked, approved.pk, "file", job.pk)).status_code == 200


def test_an_unfinished_job_has_no_file_to_download(worked, approved, big, client_for):
    client = client_for(worked.finance)
    client.post(url("bank_prepare", worked, approved.pk, "file"))
    job = Job.objects.get()
    assert client.get(url("bank_prepared", worked, approved.pk, "file", job.pk)).status_code == 404


# GET of the big batch's bank URL, POST of prepare, GET of the prepared file, GET of the job's page.
ROLE_STATUS = {
    "coordinator": (403, 403, 403, 404), "mentor_a": (403, 403, 403, 404),
    "admin": (403, 403, 403, 200), "admin_role": (403, 403, 403, 200),  # admins see every job, no bank file
    "other_finance": (404, 404, 404, 404), "other_coordinator": (404, 404, 404, 404),
    "finance": (200, 302, 200, 200), "finance2": (200, 302, 200, 200),  # finance2 did not start it
}


@pytest.mark.parametrize("role", sorted(ROLE_STATUS))
def test_who_prepares_and_downloads_a_big_batchs_file(
        worked, approved, finance2, big, client_for, django_capture_on_commit_callbacks, role):
    job = prepare(client_for(worked.finance), worked, approved, "file", django_capture_on_commit_callbacks)
    user = finance2 if role == "finance2" else getattr(worked, role)
    client = client_for(user)
    jobs, logged = Job.objects.count(), PersonalDataAccess.objects.count()
    get_bank, post_prepare, get_prepared, job_page = ROLE_STATUS[role]
    assert client.get(url("bank_file", worked, approved.pk)).status_code == get_bank
    assert client.get(url("bank_prepared", worked, approved.pk, "file", job.pk)).status_code == get_prepared
    assert client.get(url("bank_prepare", worked, approved.pk, "file")).status_code == 405
    assert client.get(reverse("job_detail", args=[job.pk])).status_code == job_page
    assert client.post(url("bank_prepare", worked, approved.pk, "summary")).status_code == post_prepare
    if post_prepare == 302:  # finance of the company: a new job, and the download was logged
        assert Job.objects.count() == jobs + 1 and PersonalDataAccess.objects.count() == logged + 1
    else:
        assert Job.objects.count() == jobs and PersonalDataAccess.objects.count() == logged


# --------------------------------------------------------------------------- stale and expired files
def _refused(response, testid):
    page = response.content.decode()
    assert f'data-testid="{testid}"' in page and 'data-testid="prepare-bank-' in page
    return page


def test_a_file_prepared_before_the_transfers_changed_is_refused(
        worked, approved, big, client_for, django_capture_on_commit_callbacks):
    """An approved batch's items never change through the services (they lock
    and refuse); a repair made around them (the shell, a data fix) changes the
    fingerprint, and the file prepared before must not reach the bank."""
    client = client_for(worked.finance)
    job = prepare(client, worked, approved, "file", django_capture_on_commit_callbacks)
    summary = prepare(client, worked, approved, "summary", django_capture_on_commit_callbacks)
    item = approved.items.order_by("pk").first()
    item.account = StudentFactory.build().bank_card  # same holder, another card
    item.save()
    logged = PersonalDataAccess.objects.count()
    for what, prepared in (("file", job), ("summary", summary)):
        response = client.get(url("bank_prepared", worked, approved.pk, what, prepared.pk))
        assert response.status_code == 409
        page = _refused(response, "stale-file")
        assert "must not go to the bank" in page
        assert f'action="{url("bank_prepare", worked, approved.pk, what)}"' in page
    assert PersonalDataAccess.objects.count() == logged  # nothing exported
    again = prepare(client, worked, approved, "file", django_capture_on_commit_callbacks)
    response = client.get(url("bank_prepared", worked, approved.pk, "file", again.pk))
    assert response.status_code == 200 and item.account in {r[0] for r in rows_of(response.content)}


@pytest.mark.parametrize("change", ["amount", "holder", "branch", "dropped"])
def test_every_change_of_what_the_file_holds_makes_it_stale(worked, approved, big, change):
    before = selectors.bank_file_fingerprint(approved, "file")
    item = approved.items.order_by("pk").first()
    if change == "amount":
        PayoutItem.objects.filter(pk=item.pk).update(gross=item.gross + 1, net=item.net + 1)
    elif change == "holder":
        PayoutItem.objects.filter(pk=item.pk).update(account_name="另一人")
    elif change == "branch":
        PayoutItem.objects.filter(pk=item.pk).update(bank_branch="另一支行")
    else:
        PayoutItem.objects.filter(pk=item.pk).update(status=PayoutItem.Status.FAILED)
    assert selectors.bank_file_fingerprint(approved, "file") != before


def test_renaming_the_programme_makes_the_summary_stale_not_the_upload_sheet(worked, approved, big):
    file, summary = (selectors.bank_file_fingerprint(approved, w) for w in ("file", "summary"))
    worked.programme.name = "改名后的实训"
    worked.programme.save()
    approved.refresh_from_db()
    assert selectors.bank_file_fingerprint(approved, "file") == file  # the upload sheet holds no title
    assert selectors.bank_file_fingerprint(approved, "summary") != summary



def test_renaming_a_class_after_freezing_keeps_the_order_and_the_fingerprint(worked, approved, big):
    """The bank file lists the transfers by the class name and student number
    frozen on the items: renaming a class (or renumbering a student) after
    the batch was frozen changes neither the order of an approved batch's
    file nor its fingerprint."""
    before = selectors.bank_file_fingerprint(approved, "file")
    order = [t.account for t in selectors.bank_transfers(approved)]
    assert order == [i.account for i in approved.items.filter(net__gt=0).order_by(
        "school_class__name", "enrolment__student__student_number", "pk")]  # the order as it was frozen
    worked.class_a.name = "99电商9班"  # would now sort after class B
    worked.class_a.save()
    student = worked.enrolments_b[0].student
    student.student_number = "0000"
    student.save()
    assert [t.account for t in selectors.bank_transfers(approved)] == order
    assert selectors.bank_file_fingerprint(approved, "file") == before


def test_the_fingerprint_agrees_with_the_rows_the_job_reads(worked, approved, big):
    for what in ("file", "summary"):
        snapshot = selectors.bank_file_snapshot(approved, what)
        assert snapshot.transfers == selectors.bank_transfers(approved)
        assert snapshot.fingerprint == selectors.bank_file_fingerprint(approved, what)


def _awkward_rows(approved):
    """Holders, banks and branches that a careless digest would confuse:
    a field holding the separator, an empty one, quotes, Chinese."""
    from stipends.payouts.models import PayoutItem

    first, second, *_ = approved.items.filter(net__gt=0).order_by("pk")
    PayoutItem.objects.filter(pk=first.pk).update(account_name="张:三", bank_name='a"b', bank_branch="")
    PayoutItem.objects.filter(pk=second.pk).update(account_name="张", bank_name=":三a\"b", bank_branch="")
    return approved.items.filter(net__gt=0, status="pending").order_by().annotate(
        account_token=selectors._ACCOUNT_TOKEN).values_list(*selectors._FINGERPRINT_COLUMNS)


def test_the_rows_digest_tells_fields_apart(worked, approved):
    rows = list(_awkward_rows(approved))
    moved = [list(r) for r in rows]
    # The same characters, one field's end moved into the next: another digest.
    moved[0][2], moved[0][4] = "张", ":三" + moved[0][4]
    assert selectors._rows_digest(rows) != selectors._rows_digest(map(tuple, moved))
    assert selectors._rows_digest(rows) == selectors._rows_digest(reversed(rows))  # by id, not as read
    assert selectors._rows_digest([]) == "d41d8cd98f00b204e9800998ecf8427e"  # MD5 of nothing


def test_postgresql_computes_the_digest_python_computes(worked, approved, on_postgres):
    """The download's check (in the database) and the job's fingerprint (in
    Python, from the rows it writes) must agree byte for byte."""
    from django.db.models import F

    rows = _awkward_rows(approved)
    in_database = rows.aggregate(digest=selectors._RowsDigest(*(F(c) for c in selectors._FINGERPRINT_COLUMNS)))
    assert in_database["digest"] == selectors._rows_digest(list(rows))
    empty = rows.filter(pk__lt=0).aggregate(digest=selectors._RowsDigest(*(F(c) for c in selectors._FINGERPRINT_COLUMNS)))
    assert empty["digest"] == selectors._rows_digest([])
    for what in ("file", "summary"):
        assert selectors.bank_file_snapshot(approved, what).fingerprint == selectors.bank_file_fingerprint(approved, what)


def test_reconciling_and_correcting_bank_details_leave_the_prepared_file_valid(
        worked, finance2, big, client_for, django_capture_on_commit_callbacks):
    """What the services may still do to a batch past approval: the bank's
    result marks its items paid or failed, and finance corrects a failed
    student's card (on the student: the follow-up batch pays it). The file
    the bank received lists the same transfers, so it stays downloadable;
    the follow-up batch has its own file with the corrected card."""
    batch = approved_exported(worked, finance2)
    client = client_for(worked.finance)
    job = prepare(client, worked, batch, "file", django_capture_on_commit_callbacks)
    failing = worked.enrolments_b[0]
    assert services.reconcile(batch=batch, data=result_workbook(bank_rows(batch, fail={failing.pk}))).ok
    item = batch.items.get(enrolment=failing)
    new_card = StudentFactory.build().bank_card
    services.correct_bank_details(item=item, bank_card=new_card, account_holder=item.account_name,
                                  bank_name="中国银行", bank_branch="芙蓉支行", user=worked.finance)
    batch.refresh_from_db()
    response = client.get(url("bank_prepared", worked, batch.pk, "file", job.pk))
    assert response.status_code == 200
    accounts = {r[0] for r in rows_of(response.content)[1:]}
    assert item.account in accounts and new_card not in accounts and len(accounts) == 6
    follow_up = services.create_follow_up(batch=batch, user=worked.finance)
    assert [t.account for t in selectors.bank_transfers(follow_up)] == [new_card]


def test_an_expired_file_is_refused_and_deleted_by_the_clean_up(
        worked, approved, big, client_for, django_capture_on_commit_callbacks):
    big.BANK_FILE_KEEP_HOURS = 2
    client = client_for(worked.finance)
    job = prepare(client, worked, approved, "file", django_capture_on_commit_callbacks)
    name = job.result["file"]
    assert expire_results(now=timezone.now() + timedelta(hours=1)) == 0 and default_storage.exists(name)
    assert expire_results(now=timezone.now() + timedelta(hours=3)) == 1  # hours, not JOB_RESULT_KEEP_DAYS
    assert not default_storage.exists(name)
    job.refresh_from_db()
    assert job.result["expired"] is True
    response = client.get(url("bank_prepared", worked, approved.pk, "file", job.pk))
    assert response.status_code == 410
    _refused(response, "expired-file")
    page = client.get(url("batch_detail", worked, approved.pk)).content.decode()
    assert 'data-testid="prepared-bank-file"' not in page  # an expired file is not offered


def test_a_file_gone_before_its_time_is_refused_as_expired(
        worked, approved, big, client_for, django_capture_on_commit_callbacks):
    client = client_for(worked.finance)
    job = prepare(client, worked, approved, "summary", django_capture_on_commit_callbacks)
    default_storage.delete(job.result["file"])
    logged = PersonalDataAccess.objects.count()
    response = client.get(url("bank_prepared", worked, approved.pk, "summary", job.pk))
    assert response.status_code == 410 and PersonalDataAccess.objects.count() == logged


def test_the_new_pages_have_nothing_the_policy_blocks(
        worked, approved, big, client_for, django_capture_on_commit_callbacks):
    from tests.trainingweek.test_csp import _problems

    client = client_for(worked.finance)
    job = prepare(client, worked, approved, "file", django_capture_on_commit_callbacks)
    PayoutItem.objects.filter(pk=approved.items.order_by("pk").first().pk).update(account_name="另一人")
    for path in (url("batch_detail", worked, approved.pk), url("bank_file", worked, approved.pk),
                 url("bank_prepared", worked, approved.pk, "file", job.pk)):
        response = client.get(path)
        assert response["Content-Type"].startswith("text/html") and _problems(response) == [], path
