"""Attendance (出勤) grids, the online-hours import, leave, withdrawals and dismissals.

Mentors record and import for their own teams only; everything is scoped
through ``programs.access``.
"""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl.utils import get_column_letter

from programs.agreements.selectors import get_programme, programme_span
from programs.attendance import imports, rules, selectors
from programs.attendance import services as svc
from programs.attendance.forms import (
    DecisionForm,
    DepartureForm,
    LeaveRequestForm,
    OnlineHoursImportForm,
    OnlineHoursMappingForm,
)
from programs.attendance.models import Attendance, Departure, LeaveRequest
from programs.rosters import rules as roster_rules
from programs.rosters.selectors import get_plan
from programs.rosters.views import chosen_week, grid_values, roster_weeks
from programs.students.models import Enrolment
from programs.students.selectors import (
    require_team,
    visible_enrolments,
    visible_team_ids,
    visible_teams,
)
from trainingweek import versioning
from trainingweek.forms import upload_limits
from trainingweek.imports import Chosen
from trainingweek.permissions import require_perm
from trainingweek.versioning import Loaded


def attendance_index(request, pk):
    """The teams the user may see, with a link to each week of the roster."""
    programme = get_programme(request.user, pk)
    weeks = roster_weeks(programme)
    return render(request, "programs/attendance/index.html", {
        "programme": programme, "teams": visible_teams(request.user, programme), "weeks": weeks,
        "monday": chosen_week(request, weeks),
        "tab": "rosters", "subtab": "attendance",
    })


def _hours(raw: str) -> Decimal | None:
    """Typed online hours (8.5, 8，5); raises InvalidOperation when unreadable."""
    raw = (raw or "").strip().replace("，", ".")
    value = Decimal(raw) if raw else None
    if value is not None and not value.is_finite():
        raise InvalidOperation
    return value


def _loaded(token: str | None) -> Loaded:
    """What the page showed for a cell, from its hidden ``was_`` field; without
    a readable one, an empty cell at version 0 (so nothing stored is overwritten blindly)."""
    parsed = versioning.parse_token(token, 2)
    if parsed is not None:
        version, (status, hours) = parsed
        try:
            return Loaded(version, (status, _hours(hours)))
        except InvalidOperation:
            pass
    return Loaded(0, svc.EMPTY)


def _entries(post, days):
    """The posted grid as AttendanceInput values; unreadable hours are reported, not dropped."""
    statuses = grid_values(post, "s")
    hours = grid_values(post, "h")
    tokens = grid_values(post, "was")
    entries, bad = [], []
    day_set = set(days)
    for key in set(statuses) | set(hours):
        enrolment_id, day = key
        if day not in day_set:
            continue
        raw = hours.get(key) or ""
        try:
            value = _hours(raw)
        except InvalidOperation:
            bad.append(raw.strip())
            continue
        entries.append(svc.AttendanceInput(enrolment_id, day, (statuses.get(key) or "").strip(), value,
                                           loaded=_loaded(tokens.get(key))))
    return entries, bad


def attendance_week(request, pk, team_pk):
    """A team × week grid of status and online hours with overtime; a save writes
    the cells the user changed, and reports those someone else changed meanwhile."""
    programme = get_programme(request.user, pk)
    team = require_team(request.user, programme, team_pk)
    if request.method == "POST":  # before reading the roster, which may set up its plan
        require_perm(request.user, "attendance.record_attendance", team)
    weeks = roster_weeks(programme)
    monday = chosen_week(request, weeks)
    days = roster_rules.week_days(monday)
    errors, conflicts = [], []
    if request.method == "POST":
        entries, bad = _entries(request.POST, days)
        if bad:
            errors = [_("“%(value)s” is not a number of hours.") % {"value": v} for v in bad]
        else:
            # Only cells of this team's students (active, or left during the week) are written.
            enrolments = selectors.team_enrolments(team, monday)
            # Days after a departed student's last day are refused by the service.
            result = svc.record_attendance(programme=programme, enrolments=enrolments, entries=entries,
                                           user=request.user)
            errors, conflicts = result.errors, result.conflicts
            if not errors:
                messages.success(request, _("Attendance saved: %(saved)s days recorded, %(cleared)s cleared.") % {
                    "saved": result.saved, "cleared": result.cleared})
            if not errors and not conflicts:
                return redirect(f"{request.path}?week={monday.isoformat()}")
    rows = selectors.attendance_grid(programme, team, days)
    if errors:  # a refused save shows what the user typed, not what is stored, against what they loaded
        for row in rows:
            for cell in row.cells:
                key = f"{row.enrolment.pk}_{cell.day:%Y%m%d}"
                cell.status = request.POST.get(f"s_{key}", cell.status)
                cell.typed_hours = request.POST.get(f"h_{key}", cell.hours_text)
                cell.token = request.POST.get(f"was_{key}", cell.token)
    by_key = {(c.enrolment_id, c.day): c for c in conflicts}
    for row in rows if conflicts else ():
        for cell in row.cells:
            conflict = by_key.get((row.enrolment.pk, cell.day))
            if conflict is not None:  # keep the user's entry, against the value stored now
                cell.status, hours = conflict.yours
                cell.typed_hours = "" if hours is None else f"{hours.normalize():f}"
                status_now, hours_now = conflict.current
                cell.token = versioning.token(conflict.version, status_now,
                                              "" if hours_now is None else f"{hours_now.normalize():f}")
                cell.current = svc.shown_value(conflict.current)
    return render(request, "programs/attendance/week.html", {
        "programme": programme, "team": team, "rows": rows, "days": days, "weeks": weeks, "monday": monday,
        "previous": monday - timedelta(days=7), "next": monday + timedelta(days=7),
        "statuses": Attendance.Status.choices, "errors": errors, "conflicts": [c.message for c in conflicts],
        "threshold": get_plan(programme).overtime_threshold,
        "teams": visible_teams(request.user, programme), "tab": "rosters", "subtab": "attendance",
    })


def online_hours_import(request, pk):
    """Upload the platform's online-hours export; its columns are confirmed on the next page."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "attendance.import_online_hours", programme)
    form = OnlineHoursImportForm(request.POST or None, request.FILES or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        preview = imports.preview_online_hours(programme, upload.read())
        if preview.error:
            error = preview.error
        else:
            upload.seek(0)
            kept = svc.keep_online_hours_upload(programme=programme, user=request.user, file=upload)
            return redirect("programs:online_hours_mapping", pk=programme.pk, upload_pk=kept.pk)
    return render(request, "programs/attendance/import.html", {
        "programme": programme, "form": form, "error": error, "tab": "rosters", "subtab": "attendance",
        **upload_limits(),
    })


def online_hours_mapping(request, pk, upload_pk):
    """The uploaded export's header and first rows; the user confirms which column is which, then it is
    imported (nothing is written unless every row is good) and the encrypted upload deleted."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "attendance.import_online_hours", programme)
    upload = selectors.online_hours_upload(programme, request.user, upload_pk)
    preview = imports.preview_online_hours(programme, svc.read_online_hours_upload(upload))
    columns = imports.OnlineHoursImport.columns
    form = OnlineHoursMappingForm(request.POST or None, columns=columns, headers=preview.headers,
                                  initial=preview.suggested)
    result = None
    if request.method == "POST" and form.is_valid():
        chosen = Chosen(row=preview.row, columns={c.key: form.cleaned_data[c.key] for c in columns})
        result = imports.confirm_online_hours(upload, chosen, request.user, visible_team_ids(request.user, programme))
        if result.ok:
            messages.success(request, _("Imported the online hours of %(n)s rows.") % {"n": result.counts["written"]})
            return redirect("programs:attendance_index", pk=programme.pk)
    return render(request, "programs/attendance/import_mapping.html", {
        "programme": programme, "upload": upload, "preview": preview, "form": form, "result": result,
        "letters": [get_column_letter(i + 1) for i in range(len(preview.headers))],
        "tab": "rosters", "subtab": "attendance",
    })


# --------------------------------------------------------------------------- leave
def _leave_step(user, leave, programme) -> str | None:
    """Which decision the user may take on this leave now (``rules.leave_step``)."""
    return rules.leave_step(leave.status, mentor=user.has_perm("attendance.decide_as_mentor", programme),
                            manager=user.has_perm("attendance.decide_as_school", programme))


def leave_list(request, pk):
    """Leave requests of the students the user may see; a new request; decisions."""
    programme = get_programme(request.user, pk)
    enrolments = visible_enrolments(request.user, programme).filter(status=Enrolment.Status.ACTIVE).select_related(
        "student", "school_class")
    form = LeaveRequestForm(request.POST or None, enrolments=enrolments, span=programme_span(programme))
    if request.method == "POST":
        require_perm(request.user, "attendance.request_leave", programme)
        if form.is_valid():
            d = form.cleaned_data
            svc.request_leave(programme=programme, enrolment=d["enrolment"], start=d["start"], end=d["end"],
                              reason=d["reason"], user=request.user)
            messages.success(request, _("The leave request was recorded; it now waits for the mentor."))
            return redirect("programs:leave_list", pk=programme.pk)
    leaves = selectors.leave_requests(programme, visible_enrolments(request.user, programme))
    for leave in leaves:
        leave.step = _leave_step(request.user, leave, programme)
    return render(request, "programs/attendance/leave_list.html", {
        "programme": programme, "leaves": leaves, "form": form,
        "tab": "rosters", "subtab": "leave",
    })


# --------------------------------------------------------------------------- withdrawals and dismissals
def _departure_side(user, departure, programme) -> str | None:
    """The side the user may act for on this departure now (``rules.departure_side``)."""
    return rules.departure_side(
        departure.kind, departure.status, school_decided=departure.school_decided_at is not None,
        company_decided=departure.company_decided_at is not None,
        mentor=user.has_perm("attendance.decide_as_mentor", programme),
        manager=user.has_perm("attendance.decide_as_school", programme))


def departure_list(request, pk):
    """Withdrawals (student asks, both sides approve) and dismissals (company decides)."""
    programme = get_programme(request.user, pk)
    enrolments = visible_enrolments(request.user, programme).filter(status=Enrolment.Status.ACTIVE).select_related(
        "student", "school_class")
    kinds = rules.departure_kinds(mentor=request.user.has_perm("attendance.dismiss", programme),
                                  manager=request.user.has_perm("attendance.request_withdrawal", programme))
    form = DepartureForm(request.POST or None, enrolments=enrolments, kinds=kinds, span=programme_span(programme))
    if request.method == "POST":
        require_perm(request.user, "attendance.request_withdrawal", programme)
        if form.is_valid():
            d = form.cleaned_data
            action = svc.request_withdrawal if d["kind"] == rules.WITHDRAWAL else svc.dismiss
            try:
                action(programme=programme, enrolment=d["enrolment"], last_day=d["last_day"], reason=d["reason"],
                       user=request.user)
            except svc.WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Recorded."))
                return redirect("programs:departure_list", pk=programme.pk)
    departures = selectors.departures(programme, visible_enrolments(request.user, programme))
    for d in departures:
        d.side = _departure_side(request.user, d, programme)
    return render(request, "programs/attendance/departure_list.html", {
        "programme": programme, "departures": departures, "form": form, "kinds": kinds,
        "attrition": selectors.programme_attrition(programme), "tab": "rosters", "subtab": "departures",
    })


# --------------------------------------------------------------------------- decisions (leave and departures)
def _decide(request, pk, obj_pk, *, model, step_of, decide, list_url, needs_choice=lambda step: True):
    """One decision on a leave or a departure: find it among the visible students'
    requests, ask the workflow rule which step the user may take (none: 403),
    read approve/refuse when the step needs it, call the service, go back to the list."""
    programme = get_programme(request.user, pk)
    obj = get_object_or_404(
        model.objects.filter(programme=programme, enrolment__in=visible_enrolments(request.user, programme)),
        pk=obj_pk,
    )
    step = step_of(request.user, obj, programme)
    if step is None:
        raise PermissionDenied
    try:
        choice = {}
        if needs_choice(step):
            form = DecisionForm(request.POST)
            if not form.is_valid():
                raise svc.WorkflowError(_("Choose to approve or refuse."))
            choice = {"approve": form.cleaned_data["approve"], "refusal_reason": form.cleaned_data["refusal_reason"]}
        decide(obj, step, request.user, **choice)
    except svc.WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your decision was recorded."))
    return redirect(list_url, pk=programme.pk)


@require_POST
def leave_decide(request, pk, leave_pk):
    """The mentor's, then the school's decision on a leave request."""
    return _decide(
        request, pk, leave_pk, model=LeaveRequest, step_of=_leave_step, list_url="programs:leave_list",
        decide=lambda leave, step, user, **choice: svc.decide_leave(leave=leave, step=step, user=user, **choice))


@require_POST
def departure_decide(request, pk, departure_pk):
    """A side's decision on a withdrawal, or the school's acknowledgement of a dismissal."""
    return _decide(
        request, pk, departure_pk, model=Departure, step_of=_departure_side, list_url="programs:departure_list",
        needs_choice=lambda side: side != rules.SIDE_ACKNOWLEDGE,
        decide=lambda departure, side, user, **choice: svc.decide_departure(
            departure=departure, side=side, user=user, **choice))
