"""Stipend pages: payout overview, rate card, stipend profiles, statements,
payout batches (create, check, approve, download, reconcile, follow up).

Who does what: finance makes, approves (never their own batch), downloads
and reconciles batches, and alone sees unmasked bank data; coordinators read
the overview and statements, keep the rate card with finance and record the
assessment and support duty; mentors read the statements of their own teams.
Everything is scoped through ``programs.access`` (outside scope: 404).
"""


from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from programs.agreements.models import Programme
from programs.agreements.selectors import get_programme, programme_span
from programs.students.forms import EnrolmentFilter
from programs.students.selectors import visible_enrolments, visible_teams, without_personal_data
from stipends.payouts import documents, selectors, services
from stipends.payouts import rules as payout_rules
from stipends.payouts.forms import (
    ApproveForm,
    BankDetailsForm,
    BatchForm,
    PayoutItemFilter,
    RateCardForm,
    ResultUploadForm,
)
from stipends.payouts.models import PayoutBatch, PayoutItem, StipendProfile
from trainingweek.exports import PDF_CONTENT_TYPE, XLSX_CONTENT_TYPE, file_response, xlsx_response
from trainingweek.forms import date_window_problem, upload_limits
from trainingweek.http import client_address
from trainingweek.models import Job, PersonalDataAccess
from trainingweek.pagination import LIST_PAGE_SIZE, paginate
from trainingweek.permissions import require_perm
from trainingweek.services import log_personal_data_access
from trainingweek.text import clean_name

# The account holder's name as the bank file holds it (StipendProfile.account_name).
ACCOUNT_NAME_MAX = StipendProfile._meta.get_field("account_name").max_length


def _context(programme, subtab, **extra) -> dict:
    return {"programme": programme, "tab": "stipends", "subtab": subtab, **extra}


def _batch(request, pk, batch_pk, *, perm: str, checks: bool = True) -> tuple[Programme, PayoutBatch]:
    """The programme's batch, once the user has ``perm`` on the programme (money
    actions and unmasked downloads: its company's finance only, not even an admin).
    Its kept item checks (a JSON of every flagged item, ~90 KiB for 10,000
    items) are read only with ``checks``, or when first used; never its
    follow-up's original's."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, perm, programme)
    batches = PayoutBatch.objects.select_related(
        "school_class", "created_by", "approved_by", "follow_up_of",
    ).defer("follow_up_of__item_checks", *(() if checks else ("item_checks",)))
    batch = get_object_or_404(batches, programme=programme, pk=batch_pk)
    batch.programme = programme  # the one just read with its agreement: not joined again
    return programme, batch


def _log_export(request, batch: PayoutBatch, what: str, fields: str, count: int) -> None:
    log_personal_data_access(user=request.user, action=PersonalDataAccess.Action.EXPORT, subject=f"{batch} {what}",
                             object_id=batch.pk, fields=fields, record_count=count,
                             ip_address=client_address(request))


# --------------------------------------------------------------------------- overview, rate card, profiles
def overview(request, pk):
    """Totals by class and state, and the batches."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "payouts.view_payouts", programme)
    classes, total, batches = selectors.payout_overview(programme)
    return render(request, "stipends/overview.html", _context(
        programme, "overview", classes=classes, total=total, batches=batches))


def rate_card(request, pk):
    """The rate card; coordinators and finance edit it until a batch is approved."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "payouts.view_payouts", programme)
    card = selectors.rate_card(programme)
    locked = selectors.rate_card_locked(programme)
    form = RateCardForm(request.POST or None, instance=card, locked=locked)
    if request.method == "POST":
        require_perm(request.user, "payouts.edit_rate_card", programme)
        if locked:  # an approved batch has frozen the rates
            raise PermissionDenied
        if form.is_valid():
            card = form.save(commit=False)
            card.updated_by = request.user
            card.save()
            messages.success(request, _("The rate card was saved."))
            return redirect("stipends:rate_card", pk=programme.pk)
    return render(request, "stipends/rate_card.html", _context(programme, "rate_card", form=form, locked=locked,
                                                               history=selectors.rate_card_history(programme)))


def profiles(request, pk):
    """Assessment date, support duty and account holder per student; the
    coordinator edits, finance reads."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "payouts.view_payouts", programme)
    classes = list(programme.classes.all())
    class_id = request.GET.get("class") or (str(classes[0].pk) if classes else "")
    school_class = next((c for c in classes if str(c.pk) == class_id), None)
    enrolments = list(visible_enrolments(request.user, programme).filter(school_class=school_class)
                      .select_related("student", "team").order_by("student__student_number")) if school_class else []
    existing = selectors.profiles_for(e.pk for e in enrolments)
    span = programme_span(programme) or (None, None)
    errors = []
    if request.method == "POST":
        require_perm(request.user, "payouts.edit_profiles", programme)
        if school_class is None:  # an unknown or foreign class in the address
            errors.append(_("Choose one of the programme's classes."))
        rows = []
        for e in enrolments:
            raw = request.POST.get(f"passed_{e.pk}", "").strip()
            passed = _date(raw)
            if raw and passed is None:
                errors.append(_("%(name)s: %(value)s is not a date.") % {"name": e.student.name, "value": raw[:20]})
            elif problem := date_window_problem(passed, *span):
                errors.append(f"{e.student.name}: {problem}")
            try:
                account = clean_name(request.POST.get(f"account_{e.pk}", ""), max_length=ACCOUNT_NAME_MAX)
            except ValueError as exc:  # said, never cut
                errors.append(f"{e.student.name}: {exc}")
                account = ""
            rows.append((e.pk, passed, request.POST.get(f"support_{e.pk}") == "on", account))
        if not errors:
            n = services.save_profiles(rows=rows, user=request.user)
            messages.success(request, _("%(n)s students updated.") % {"n": n})
            return redirect(f"{request.path}?class={school_class.pk}")
    rows = []
    for e in enrolments:
        p = existing.get(e.pk)
        if request.method == "POST":  # show again what was typed
            rows.append((e, request.POST.get(f"passed_{e.pk}", ""), request.POST.get(f"support_{e.pk}") == "on",
                         request.POST.get(f"account_{e.pk}", "")))
        else:
            rows.append((e, p.assessment_passed_on.isoformat() if p and p.assessment_passed_on else "",
                         bool(p and p.support_duty), p.account_name if p else ""))
    return render(request, "stipends/profiles.html", _context(
        programme, "profiles", classes=classes, school_class=school_class, rows=rows,
        errors=errors, account_max=ACCOUNT_NAME_MAX, first_day=span[0], last_day=span[1]))


def _date(raw: str):
    """A typed ISO date, or None (empty or not a real date)."""
    from django.utils.dateparse import parse_date

    try:
        return parse_date(raw) if raw else None
    except ValueError:
        return None


# --------------------------------------------------------------------------- statements
STATEMENTS_PAGE_SIZE = LIST_PAGE_SIZE


def statement_list(request, pk):
    """The students the user sees, a page at a time (filtered by class, team
    and status, searched by name or student number), with their gross to
    date, what was paid in payout batches, what is now due and what they owe:
    the statements of the page's students only, their personal data never loaded."""
    programme = get_programme(request.user, pk)
    teams = visible_teams(request.user, programme)
    enrolments = without_personal_data(
        visible_enrolments(request.user, programme).select_related("student", "school_class", "team"), "student",
    ).order_by("school_class__name", "student__student_number", "pk")
    filterset = EnrolmentFilter(request.GET or None, queryset=enrolments, programme=programme, teams=teams,
                                exact_personal=request.user.has_perm("students.reveal_personal_data", programme))
    page, query = paginate(request, filterset.qs, STATEMENTS_PAGE_SIZE)
    ids = [e.pk for e in page]
    found = selectors.statements(programme, ids)
    standing = selectors.balances(programme, ids, found=found)
    rows = [(e, found[e.pk], standing[e.pk]) for e in page]
    return render(request, "stipends/statement_list.html", _context(
        programme, "statements", rows=rows, page=page, query=query, filter=filterset))


def statement(request, pk, enrolment_pk):
    """One student's statement: every line with its records, gross, tax, net."""
    programme = get_programme(request.user, pk)
    enrolment = get_object_or_404(visible_enrolments(request.user, programme)
                                  .select_related("student", "school_class", "team"), pk=enrolment_pk)
    view = selectors.student_statement(programme, enrolment)
    return render(request, "stipends/statement.html", _context(
        programme, "statements", enrolment=enrolment, view=view, history=selectors.statement_history(enrolment)))


# --------------------------------------------------------------------------- batches
def batch_create(request, pk):
    """Finance starts a batch; a background job computes and freezes it."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "payouts.make_batch", programme)
    from django.utils import timezone

    form = BatchForm(request.POST or None, programme=programme, span=programme_span(programme),
                     initial={"pay_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.create_batch(programme=programme, user=request.user,
                                          school_class=form.cleaned_data["school_class"],
                                          up_to=form.cleaned_data["up_to"], pay_on=form.cleaned_data["pay_on"])
        except services.PayoutError as exc:  # nobody has anything due: said on the form, nothing made
            form.add_error(None, str(exc))
        else:
            return _start_freeze(request, batch)
    return render(request, "stipends/batch_form.html", _context(programme, "overview", form=form))


def _start_freeze(request, batch: PayoutBatch):
    try:
        job = services.start_freeze(batch=batch, user=request.user, language=get_language())
    except services.PayoutError as exc:
        messages.error(request, str(exc))
        return redirect("stipends:batch_detail", pk=batch.programme_id, batch_pk=batch.pk)
    return redirect("job_detail", pk=job.pk)


@require_POST
def batch_compute(request, pk, batch_pk):
    """Run the freezing job again (after a crash, or after students joined):
    it finishes what is missing. The service refuses a batch that is not a draft."""
    _programme, batch = _batch(request, pk, batch_pk, perm="payouts.make_batch")
    return _start_freeze(request, batch)


ITEMS_PAGE_SIZE = LIST_PAGE_SIZE

#: What a batch's page never loads of its items: the encrypted account (the
#: page shows the masked copy) and the frozen statement (the student's page explains it).
ITEM_COLUMNS_NOT_SHOWN = ("account", "lines", "tax_detail")


def batch_detail(request, pk, batch_pk):
    """A batch: its state, the checks, its items a page at a time (filtered
    by class and status, searched), the next step. Totals are over the whole
    batch (and over the filter when one is set), from aggregates; no item's
    account is decrypted nor its lines decoded."""
    # The checks are shown on a draft's page only (read there when used).
    programme, batch = _batch(request, pk, batch_pk, perm="payouts.view_batch", checks=False)
    classes = list(programme.classes.filter(pk__in=batch.items.values("school_class_id")))
    items = (batch.items.select_related("school_class", "enrolment__team").defer(*ITEM_COLUMNS_NOT_SHOWN)
             .order_by(*selectors.ITEM_ORDER))
    filterset = PayoutItemFilter(
        request.GET or None, queryset=items, classes=programme.classes.filter(pk__in=[c.pk for c in classes]),
        exact_personal=request.user.has_perm("students.reveal_personal_data", programme))
    page, query = paginate(request, filterset.qs, ITEMS_PAGE_SIZE)
    found = selectors.shown_findings(batch) if batch.state == PayoutBatch.State.DRAFT and batch.computed_at else []
    flagged = {}
    for f in found:
        for i in f.item_ids:
            flagged.setdefault(i, []).append(f.kind)
    totals, control = selectors.batch_totals(batch, with_control=batch.state != PayoutBatch.State.DRAFT)
    filtered = any(value for name, value in request.GET.items() if name != "page")
    shown_totals = filterset.qs.order_by().aggregate(
        count=Count("pk"), gross=Sum("gross"), tax=Sum("tax"), net=Sum("net")) if filtered else None
    ready, waiting = (selectors.retry_candidates(batch) if batch.state == PayoutBatch.State.RECONCILED
                      else ([], []))
    # A big batch's bank documents are prepared by a job: the page offers that and the files prepared last.
    bank_files = (selectors.prepared_bank_files(batch) if control and payout_rules.prepared_in_background(
        control[0], direct_max=settings.DIRECT_DOWNLOAD_MAX_ROWS) else None)
    return render(request, "stipends/batch_detail.html", _context(
        programme, "overview", batch=batch, page=page, query=query, filter=filterset, findings=found,
        flagged=flagged, totals=totals, shown_totals=shown_totals,
        classes=[(c.pk, c.name) for c in classes], approve_form=ApproveForm(),
        active_job=selectors.active_freeze_jobs(batch.pk).first() if batch.state == PayoutBatch.State.DRAFT else None,
        is_maker=batch.created_by_id == request.user.pk, ready=ready, waiting=waiting,
        correctable=({i.pk for i in ready + waiting}
                     if request.user.has_perm("payouts.correct_bank_details", programme) else set()),
        blocking=any(f.blocking for f in found), history=selectors.batch_history(batch),
        control=control, bank_files=bank_files, bank_profile=selectors.bank_file_profile(programme)))


@require_POST
def batch_approve(request, pk, batch_pk):
    programme, batch = _batch(request, pk, batch_pk, perm="payouts.approve_batch")
    form = ApproveForm(request.POST)
    form.is_valid()
    try:
        services.approve_batch(batch=batch, user=request.user, confirmed=bool(form.cleaned_data.get("confirmed")))
    except PermissionDenied as exc:
        return render(request, "stipends/refused.html", _context(
            programme, "overview", batch=batch, message=str(exc)), status=403)
    except services.PayoutError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The batch was approved."))
    return redirect("stipends:batch_detail", pk=programme.pk, batch_pk=batch.pk)


@require_POST
def batch_refresh(request, pk, batch_pk):
    programme, batch = _batch(request, pk, batch_pk, perm="payouts.make_batch")
    try:
        n = services.refresh_accounts(batch=batch)
        messages.success(request, _("Bank details of %(n)s items refreshed.") % {"n": n})
    except services.PayoutError as exc:
        messages.error(request, str(exc))
    return redirect("stipends:batch_detail", pk=programme.pk, batch_pk=batch.pk)


@require_POST
def batch_delete(request, pk, batch_pk):
    programme, batch = _batch(request, pk, batch_pk, perm="payouts.make_batch")
    try:
        services.delete_draft(batch=batch)
    except services.PayoutError as exc:
        messages.error(request, str(exc))
        return redirect("stipends:batch_detail", pk=programme.pk, batch_pk=batch.pk)
    messages.success(request, _("The draft batch was deleted."))
    return redirect("stipends:overview", pk=programme.pk)


def _approved(batch: PayoutBatch) -> None:
    if batch.state == PayoutBatch.State.DRAFT:
        raise Http404  # nothing to download before approval


def bank_file(request, pk, batch_pk):
    """The bulk-transfer upload sheet in the layout of the programme's paying
    bank (its rate card). Downloading only logs the personal-data export;
    finance marks the batch as sent to the bank with its own button (a POST).
    A batch of more than ``DIRECT_DOWNLOAD_MAX_ROWS`` transfers answers with
    the page that prepares the file in the background instead."""
    return _bank_document(request, pk, batch_pk, "file")


def bank_summary(request, pk, batch_pk):
    """The bank file for people: title, transfers and the control total
    (prepared in the background for a big batch, like the bank file)."""
    return _bank_document(request, pk, batch_pk, "summary")


def _bank_document(request, pk, batch_pk, what: str):
    programme, batch = _batch(request, pk, batch_pk, perm="payouts.export_bank_data")
    _approved(batch)
    count = selectors.bank_transfer_count(batch)
    if payout_rules.prepared_in_background(count, direct_max=settings.DIRECT_DOWNLOAD_MAX_ROWS):
        return _bank_prepare_page(request, programme, batch, what, count=count)  # reads only: GET never writes
    transfers = selectors.bank_transfers(batch)
    profile = selectors.bank_file_profile(programme) if what == "file" else None
    content = documents.bank_file(transfers, profile) if what == "file" else documents.bank_summary(batch, transfers)
    _log_export(request, batch, _bank_subject(what), "bank_card", len(transfers))
    return xlsx_response(content, _bank_file_name(what, programme, batch, profile))


def _bank_subject(what: str) -> str:
    """What the personal-data access log calls a bank document."""
    return _("bank file") if what == "file" else _("bank file summary")


def _bank_file_name(what: str, programme, batch: PayoutBatch, profile) -> str:
    if what == "file":
        name = _("Bank transfer %(year)s #%(n)s") % {"year": programme.year, "n": batch.pk}
        return f"{name} {profile.label}.xlsx"
    name = _("Bank transfer summary %(year)s #%(n)s") % {"year": programme.year, "n": batch.pk}
    return f"{name}.xlsx"


def _known_document(what: str) -> None:
    if what not in selectors.BANK_DOCUMENTS:
        raise Http404


def _bank_prepare_page(request, programme, batch, what, *, count=None, refusal="", status=200):
    """The page of a big batch's bank document: why it is prepared in the
    background, the button that prepares it, the file prepared last (if
    kept) and, after a refused download, why it was refused."""
    return render(request, "stipends/bank_prepare.html", _context(
        programme, "overview", batch=batch, what=what, refusal=refusal,
        count=selectors.bank_transfer_count(batch) if count is None else count,
        direct_max=settings.DIRECT_DOWNLOAD_MAX_ROWS, entry=selectors.prepared_bank_files(batch)[what]),
        status=status)


@require_POST
def bank_prepare(request, pk, batch_pk, what):
    """Start the job that prepares an approved batch's bank file (``file``)
    or summary (``summary``), or follow the one already running for it."""
    programme, batch = _batch(request, pk, batch_pk, perm="payouts.export_bank_data")
    _known_document(what)
    try:
        job = services.start_bank_file(batch=batch, what=what, user=request.user, language=get_language())
    except services.PayoutError as exc:
        messages.error(request, str(exc))
        return redirect("stipends:batch_detail", pk=programme.pk, batch_pk=batch.pk)
    return redirect("job_detail", pk=job.pk)


#: The status of a refused download of a prepared file.
REFUSED_STATUS = {selectors.STALE: 409, selectors.EXPIRED: 410}


def bank_prepared(request, pk, batch_pk, what, job_pk):
    """Download a prepared bank document: the batch's programme's finance
    only, a finished job of this batch and document (any other job: 404),
    decrypted, under the name of the direct download. Refused, with the
    button to prepare it again, once the file is no longer kept or the
    batch's transfers changed since it was made (its fingerprint). The
    download is the personal-data export logged, as the direct one is."""
    programme, batch = _batch(request, pk, batch_pk, perm="payouts.export_bank_data")
    _known_document(what)
    _approved(batch)
    job = get_object_or_404(selectors.bank_file_jobs(batch.pk).filter(
        params__programme=programme.pk, params__what=what, status=Job.Status.SUCCEEDED), pk=job_pk)
    state = selectors.prepared_file_state(batch, job)
    content = selectors.prepared_file_content(job) if state == selectors.READY else None
    if content is None:
        state = state if state != selectors.READY else selectors.EXPIRED  # the file went meanwhile
        return _bank_prepare_page(request, programme, batch, what, refusal=state, status=REFUSED_STATUS[state])
    _log_export(request, batch, _bank_subject(what), "bank_card", job.result.get("transfers", 0))
    profile = selectors.bank_file_profile(programme) if what == "file" else None
    return xlsx_response(content, _bank_file_name(what, programme, batch, profile))


@require_POST
def batch_mark_sent(request, pk, batch_pk):
    """Finance records that the approved batch's bank file was sent to the bank."""
    programme, batch = _batch(request, pk, batch_pk, perm="payouts.mark_batch_sent")
    try:
        services.mark_sent_to_bank(batch=batch)
    except services.PayoutError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The batch is marked as sent to the bank; upload the bank's result when it comes."))
    return redirect("stipends:batch_detail", pk=programme.pk, batch_pk=batch.pk)


def _file_name(what: str, school_class, batch: PayoutBatch, extension: str) -> str:
    return f"{what} {school_class.name} #{batch.pk}.{extension}"


def _class_items(batch: PayoutBatch, class_pk) -> tuple[object, list[PayoutItem]]:
    items = list(batch.items.filter(school_class_id=class_pk).select_related("enrolment__student", "school_class")
                 .order_by("enrolment__student__student_number", "pk"))
    if not items:
        raise Http404
    return items[0].school_class, items


def _class_document(request, pk, batch_pk, class_pk, *, render, subject, fields, title, ext, mime):
    """A per-class document of an approved batch, logged as an unmasked export."""
    programme, batch = _batch(request, pk, batch_pk, perm="payouts.export_bank_data")
    _approved(batch)
    school_class, items = _class_items(batch, class_pk)
    content = render(batch, school_class, items)
    _log_export(request, batch, f"{subject} {school_class.name}", fields, len(items))
    return file_response(content, _file_name(title, school_class, batch, ext), mime)


def register(request, pk, batch_pk, class_pk):
    return _class_document(request, pk, batch_pk, class_pk, render=documents.register,
                           subject=_("stipend register"), fields="id_number,phone",
                           title=_("Stipend register"), ext="xlsx", mime=XLSX_CONTENT_TYPE)


def signoff_xlsx(request, pk, batch_pk, class_pk):
    return _class_document(request, pk, batch_pk, class_pk, render=documents.signoff_xlsx,
                           subject=_("sign-off sheet"), fields="id_number,bank_card",
                           title=_("Sign-off sheet"), ext="xlsx", mime=XLSX_CONTENT_TYPE)


def signoff_pdf(request, pk, batch_pk, class_pk):
    return _class_document(request, pk, batch_pk, class_pk, render=documents.signoff_pdf,
                           subject=_("sign-off sheet"), fields="id_number,bank_card",
                           title=_("Sign-off sheet"), ext="pdf", mime=PDF_CONTENT_TYPE)


def result_upload(request, pk, batch_pk):
    """Upload the bank's result file: every item paid or failed, all or nothing."""
    programme, batch = _batch(request, pk, batch_pk, perm="payouts.reconcile_batch")
    form = ResultUploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        result = services.reconcile(batch=batch, data=form.cleaned_data["file"].read())
        if result.ok:
            messages.success(request, _("Reconciled: %(paid)s paid, %(failed)s failed.") % result.counts)
            return redirect("stipends:batch_detail", pk=programme.pk, batch_pk=batch.pk)
        errors = result.errors
    return render(request, "stipends/result_upload.html", _context(
        programme, "overview", batch=batch, form=form, errors=errors, **upload_limits()))


@require_POST
def follow_up(request, pk, batch_pk):
    programme, batch = _batch(request, pk, batch_pk, perm="payouts.make_batch")
    try:
        new = services.create_follow_up(batch=batch, user=request.user)
    except services.PayoutError as exc:
        messages.error(request, str(exc))
        return redirect("stipends:batch_detail", pk=programme.pk, batch_pk=batch.pk)
    messages.success(request, _("Follow-up batch created with %(n)s failed items.") % {"n": new.items.count()})
    return redirect("stipends:batch_detail", pk=programme.pk, batch_pk=new.pk)


def correct_bank_details(request, pk, batch_pk, item_pk):
    """Finance corrects the bank details of a failed transfer's student; the
    follow-up batch then pays the corrected account."""
    programme, batch = _batch(request, pk, batch_pk, perm="payouts.correct_bank_details")
    item = get_object_or_404(batch.items.select_related("enrolment__student", "school_class"),
                             pk=item_pk, status=PayoutItem.Status.FAILED, retries__isnull=True)
    student = item.enrolment.student
    form = BankDetailsForm(request.POST or None, initial={
        "account_holder": item.account_name, "bank_name": student.bank_name, "bank_branch": student.bank_branch})
    if request.method == "POST" and form.is_valid():
        try:
            warnings = services.correct_bank_details(item=item, user=request.user, **form.cleaned_data)
        except services.PayoutError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The bank details of %(name)s were corrected; a follow-up batch pays "
                                        "the corrected account.") % {"name": item.name})
            for warning in warnings:
                messages.warning(request, warning)
            return redirect("stipends:batch_detail", pk=programme.pk, batch_pk=batch.pk)
    return render(request, "stipends/correct_bank_details.html", _context(
        programme, "overview", batch=batch, item=item, form=form))
