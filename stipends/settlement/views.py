"""Settlement between school and company: the statement with its rooms and
payments, the deadlines (per programme and across programmes), downloads,
and the holiday calendar for administrators.

Coordinators of the school and finance of the company see a programme's
settlement; mentors do not (403), other organisations get 404. Coordinators
record the school's rooms; finance records payments and the settlement facts
(breach, bonus decision, insurance); the stipends' payment date comes from the payout batches.
"""

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from programs.agreements.models import Programme
from programs.agreements.selectors import get_programme, visible_programmes
from stipends.settlement import rules as dl
from stipends.settlement import selectors, services
from stipends.settlement.documents import filename, statement_pdf, statement_xlsx
from stipends.settlement.forms import (
    CalendarYearForm,
    PaymentForm,
    RoomForm,
    RoomUseFormSet,
    SettlementRecordForm,
)
from stipends.settlement.models import HolidayCalendarYear, Room, SettlementRecord
from stipends.settlement.rules import package_calendar
from trainingweek.exports import PDF_CONTENT_TYPE, file_response, xlsx_response
from trainingweek.permissions import require_perm


def _programme(request, pk) -> Programme:
    """The programme if the user may see its settlement (404 outside their
    organisation, 403 for mentors)."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "settlement.view_settlement", programme)
    return programme


def _page(request, programme, template, extra=None):
    money = selectors.programme_money(programme)
    today = timezone.localdate()
    context = {
        "programme": programme, "money": money, "statement": money.statement, "today": today,
        "rows": dl.with_status(money.deadlines, today),
    }
    context.update(extra or {})
    return render(request, template, context)


def settlement_detail(request, pk):
    programme = _programme(request, pk)
    return _page(request, programme, "programs/settlement_detail.html")


def programme_deadlines(request, pk):
    programme = _programme(request, pk)
    return _page(request, programme, "programs/settlement_deadlines.html")


def deadlines_overview(request):
    """Every deadline of the user's programmes of this year and last, and
    overdue ones of any year (all years with ?all=1), overdue first in red."""
    require_perm(request.user, "settlement.view_settlement")
    today = timezone.localdate()
    show_all = request.GET.get("all") == "1"
    rows = selectors.deadlines_overview(visible_programmes(request.user), today=today, all_years=show_all)
    return render(request, "programs/deadlines_overview.html", {
        "rows": rows, "today": today, "show_all": show_all,
        "provisional": any(r.deadline.provisional and r.status != dl.DONE for r in rows),
    })


def room_form(request, programme_pk, pk=None):
    programme = _programme(request, programme_pk)
    require_perm(request.user, "settlement.manage_rooms", programme)
    room = get_object_or_404(programme.rooms, pk=pk) if pk else None
    data = request.POST or None
    form = RoomForm(data, instance=room, programme=programme)
    uses = RoomUseFormSet(data, instance=room, prefix="uses")
    if request.method == "POST":
        form_ok = form.is_valid()
        uses.is_lab = request.POST.get("kind", Room.Kind.LAB) == Room.Kind.LAB
        if form_ok and uses.is_valid():
            # Saving the formset without commit lists the periods to add, change and delete.
            rows = uses.save(commit=False)
            services.save_room(room=form.save(commit=False), uses=rows, deleted=uses.deleted_objects)
            messages.success(request, _("The room was saved."))
            return redirect("settlement:settlement_detail", pk=programme.pk)
    return render(request, "programs/room_form.html", {
        "form": form, "uses": uses, "programme": programme, "room": room,
        "title": _("Edit room") if room else _("New room"),
    })


@require_POST
def room_delete(request, programme_pk, pk):
    programme = _programme(request, programme_pk)
    require_perm(request.user, "settlement.manage_rooms", programme)
    room = get_object_or_404(programme.rooms, pk=pk)
    room.delete()
    messages.success(request, _("The room “%(room)s” was removed.") % {"room": room.name})
    return redirect("settlement:settlement_detail", pk=programme.pk)


def payment_form(request, programme_pk):
    programme = _programme(request, programme_pk)
    require_perm(request.user, "settlement.record_money", programme)
    form = PaymentForm(request.POST or None, programme=programme)
    if request.method == "POST" and form.is_valid():
        services.record_payment(payment=form.save(commit=False), user=request.user)
        messages.success(request, _("The payment was recorded."))
        return redirect("settlement:settlement_detail", pk=programme.pk)
    return render(request, "programs/settlement_form.html", {
        "form": form, "programme": programme, "title": _("Record a payment received"),
    })


@require_POST
def payment_delete(request, programme_pk, pk):
    programme = _programme(request, programme_pk)
    require_perm(request.user, "settlement.record_money", programme)
    get_object_or_404(programme.settlement_payments, pk=pk).delete()
    messages.success(request, _("The payment was removed."))
    return redirect("settlement:settlement_detail", pk=programme.pk)


def record_form(request, programme_pk):
    programme = _programme(request, programme_pk)
    require_perm(request.user, "settlement.record_money", programme)
    record = SettlementRecord.objects.filter(programme=programme).first() or SettlementRecord(programme=programme)
    form = SettlementRecordForm(request.POST or None, instance=record)
    if request.method == "POST" and form.is_valid():
        services.save_settlement_record(record=form.save(commit=False), user=request.user)
        messages.success(request, _("The settlement record was saved."))
        return redirect("settlement:settlement_deadlines", pk=programme.pk)
    return render(request, "programs/settlement_form.html", {
        "form": form, "programme": programme, "title": _("Breach, bonus and insurance"),
    })


def settlement_pdf(request, pk):
    money = selectors.programme_money(_programme(request, pk))
    return file_response(statement_pdf(money), filename(money, "pdf"), PDF_CONTENT_TYPE)


def settlement_xlsx(request, pk):
    money = selectors.programme_money(_programme(request, pk))
    return xlsx_response(statement_xlsx(money), filename(money, "xlsx"))


# --- holiday calendar (administrators) ---------------------------------------------
def calendar_list(request):
    """The years the working-day arithmetic knows, and those still missing
    that programmes need."""
    require_perm(request.user, "settlement.manage_calendar")
    package_years = package_calendar().known_years
    entered = list(HolidayCalendarYear.objects.annotate(n_days=Count("days")).select_related("updated_by"))
    known = package_years | {e.year for e in entered}
    needed = set()
    for year in Programme.objects.values_list("year", flat=True).distinct():
        needed |= {year, year + 1}  # settlement may run into the next year
    needed.add(timezone.localdate().year + 1)
    return render(request, "programs/calendar_list.html", {
        "entered": entered, "package_first": min(package_years), "package_last": max(package_years),
        "missing": sorted(y for y in needed if y not in known),
    })


def calendar_year_form(request, year=None):
    require_perm(request.user, "settlement.manage_calendar")
    entry = get_object_or_404(HolidayCalendarYear.objects.prefetch_related("days"), year=year) if year else None
    initial = CalendarYearForm.initial_for(entry) if entry else {"year": request.GET.get("year")}
    form = CalendarYearForm(request.POST or None, initial=initial, fixed_year=entry.year if entry else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.save_calendar_year(year=data["year"], source=data["source"], holidays=data["holiday_lines"],
                                    working_days=data["working_day_lines"], user=request.user)
        messages.success(request, _("The holiday calendar of %(year)s was saved.") % {"year": data["year"]})
        return redirect("settlement:calendar_list")
    return render(request, "programs/calendar_year_form.html", {
        "form": form, "entry": entry, "package_knows": bool(entry and entry.year in package_calendar().known_years),
    })
