"""Shifts (班次), the roster (排班表) and each team's student schedules."""

from datetime import date, timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from programs.agreements.selectors import get_programme
from programs.rosters import exports, rules, selectors
from programs.rosters import services as svc
from programs.rosters.forms import (
    RosterPlanForm,
    ShiftTemplateForm,
    SpecialDayFormSet,
    special_day_choices,
)
from programs.students.selectors import require_team, visible_teams
from programs.students.views import edit_programme_item
from trainingweek.exports import xlsx_response
from trainingweek.permissions import require_perm


def parse_day_key(text: str) -> date | None:
    """``20201109`` → date(2020, 11, 9); None when it is not a date."""
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8])) if len(text) == 8 and text.isdigit() else None
    except ValueError:
        return None


def grid_values(post, prefix: str) -> dict[tuple[int, date], str]:
    """Cells posted as ``<prefix>_<id>_<yyyymmdd>`` → {(id, day): value}."""
    values = {}
    for key, value in post.items():
        parts = key.split("_")
        if len(parts) == 3 and parts[0] == prefix and parts[1].isdigit():
            day = parse_day_key(parts[2])
            if day is not None:
                values[(int(parts[1]), day)] = value
    return values


def roster_weeks(programme) -> list[date]:
    """The Mondays of the roster period (from the plan or the phases)."""
    plan = selectors.get_plan(programme)
    span = selectors.roster_span(plan, selectors.phase_ranges(programme))
    if span is None:
        return []
    monday, last = rules.week_start(span[0]), span[1]
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def chosen_week(request, weeks: list[date]) -> date:
    """The Monday asked for in ``?week=``, else this week if in the roster, else the first."""
    asked = request.GET.get("week", "")
    try:
        return rules.week_start(date.fromisoformat(asked))
    except ValueError:
        pass
    today = rules.week_start(timezone.localdate())
    if not weeks or today in weeks:
        return today
    return weeks[0]


# --------------------------------------------------------------------------- shifts
def shift_list(request, pk):
    programme = get_programme(request.user, pk)
    return render(request, "programs/rosters/shift_list.html", {
        "programme": programme, "shifts": programme.shift_templates.all(), "tab": "rosters", "subtab": "shifts",
    })


def shift_form(request, pk, shift_pk=None):
    return edit_programme_item(
        request, pk, shift_pk, items="shift_templates", form_class=ShiftTemplateForm,
        saved=_("The shift was saved."), titles=(_("New shift"), _("Edit shift")), perm="rosters.manage_roster",
        next_url=lambda programme, _obj: reverse("programs:shift_list", args=[programme.pk]),
        template="programs/rosters/form.html", context={"tab": "rosters", "subtab": "shifts"},
    )


# --------------------------------------------------------------------------- roster
def roster(request, pk):
    """The roster grid; coordinators change cells and save them all in one request."""
    programme = get_programme(request.user, pk)
    if request.method == "POST":
        require_perm(request.user, "rosters.manage_roster", programme)
        try:
            changed = svc.save_roster_cells(programme=programme, values=grid_values(request.POST, "r"))
        except svc.RosterError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Saved %(n)s changed cells.") % {"n": changed})
            return redirect("programs:roster", pk=programme.pk)
    return render(request, "programs/rosters/roster.html", {
        "programme": programme, "grid": selectors.roster_grid(programme),
        "tab": "rosters", "subtab": "roster",
    })


def roster_rules(request, pk):
    """The rotation rule, special days and thresholds the roster is generated from."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "rosters.manage_roster", programme)
    plan = selectors.get_plan(programme)
    shifts = list(programme.shift_templates.all())
    choices = special_day_choices(shifts)
    initial = [{"day": s.day, "value": selectors.cell_value(s.cell())} for s in (plan.special_days.all() if plan.pk else [])]
    data = request.POST or None
    form = RosterPlanForm(data, instance=plan)
    days = SpecialDayFormSet(data, initial=initial, prefix="special", form_kwargs={"choices": choices})
    if request.method == "POST" and form.is_valid() and days.is_valid():
        shift_ids = {s.pk for s in shifts}
        special, seen, clash = [], set(), False
        for f in days.forms:
            if not f.cleaned_data or f.cleaned_data.get("DELETE"):
                continue
            day = f.cleaned_data["day"]
            if day in seen:
                f.add_error("day", _("This date is listed twice."))
                clash = True
            seen.add(day)
            special.append((day, svc.parse_cell_value(f.cleaned_data["value"], shift_ids)))
        if not clash:
            svc.save_plan(plan=form.instance, special_days=special)
            if "generate" in request.POST:
                try:
                    n = svc.generate_roster(programme=programme)
                except svc.RosterError as exc:
                    messages.error(request, str(exc))
                    return redirect("programs:roster_rules", pk=programme.pk)
                messages.success(request, _("The roster was generated: %(n)s cells.") % {"n": n})
                return redirect("programs:roster", pk=programme.pk)
            messages.success(request, _("The roster rules were saved."))
            return redirect("programs:roster_rules", pk=programme.pk)
    return render(request, "programs/rosters/roster_rules.html", {
        "programme": programme, "form": form, "days": days, "has_shifts": bool(shifts),
        "tab": "rosters", "subtab": "rules",
    })


def roster_export(request, pk):
    """The roster as an Excel file shaped like the seeds' 排班表."""
    programme = get_programme(request.user, pk)
    return xlsx_response(exports.export_roster_xlsx(programme), f"roster-{programme.pk}.xlsx")


# --------------------------------------------------------------------------- student schedules
def team_schedule(request, pk, team_pk):
    """A team's students × a week: each student's own cell, changeable (rest rotation)."""
    programme = get_programme(request.user, pk)
    team = require_team(request.user, programme, team_pk)
    if request.method == "POST":  # before reading the roster, which may set up its plan
        require_perm(request.user, "rosters.edit_schedule", team)
    weeks = roster_weeks(programme)
    monday = chosen_week(request, weeks)
    if request.method == "POST":
        try:
            n = svc.save_overrides(programme=programme, team=team, values=grid_values(request.POST, "o"))
        except svc.RosterError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Saved %(n)s changed cells.") % {"n": n})
        return redirect(f"{request.path}?week={monday.isoformat()}")
    days = rules.week_days(monday)
    rows, shifts = selectors.schedule_grid(programme, team, days)
    return render(request, "programs/rosters/schedule.html", {
        "programme": programme, "team": team, "rows": rows, "days": days, "weeks": weeks, "monday": monday,
        "choices": selectors.cell_choices(shifts),
        "teams": visible_teams(request.user, programme), "tab": "rosters", "subtab": "schedule",
    })


@require_POST
def spread_rest(request, pk, team_pk):
    """One rest day a week for every student of the team, over the practice weeks."""
    programme = get_programme(request.user, pk)
    team = require_team(request.user, programme, team_pk)
    require_perm(request.user, "rosters.edit_schedule", team)
    span = selectors.roster_span(selectors.get_plan(programme), selectors.phase_ranges(programme))
    if span is None:
        messages.error(request, _("The programme has no phases yet, so there is no roster period."))
    else:
        n = svc.spread_rest_days(programme=programme, team=team, first=span[0], last=span[1])
        messages.success(request, _("Set %(n)s rest days.") % {"n": n})
    return redirect("programs:team_schedule", pk=programme.pk, team_pk=team.pk)


def schedule_index(request, pk):
    """The first visible team's schedule (mentors see only theirs)."""
    programme = get_programme(request.user, pk)
    team = visible_teams(request.user, programme).first()
    if team is None:
        return render(request, "programs/rosters/no_teams.html", {"programme": programme, "tab": "rosters",
                                                                  "subtab": "schedule"})
    return redirect("programs:team_schedule", pk=programme.pk, team_pk=team.pk)
