"""Scoring pages: dashboard, KPI entry and import, ranking and prizes, score
sheets (pages and PDFs), incidents, awards and the coordinator's set-up.

Who does what: mentors enter KPI values, their evaluation and incidents for
their own teams (others get 404 through ``programs.access``); the school's
coordinator sets up KPIs, periods, weights and prizes, enters the school
items, confirms or disputes incidents and fixes the team prizes; finance
reads the dashboard, ranking, incidents and awards but not score sheets (403).
"""

import re

from django.contrib import messages
from django.core.files.storage import default_storage
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from programs.agreements.models import Programme
from programs.agreements.selectors import get_programme
from programs.students.models import Enrolment
from programs.students.selectors import (
    require_team,
    visible_enrolments,
    visible_teams,
    without_personal_data,
)
from scoring import documents, exports, imports, selectors, services
from scoring import rules as kpi_rules
from scoring.forms import (
    AwardForm,
    DecisionForm,
    IncidentForm,
    KpiFormSet,
    KpiImportForm,
    PeriodFormSet,
    ScoreSettingsForm,
    TableHelper,
)
from scoring.models import Award, Incident, KpiDefinition, ScoringPeriod
from trainingweek import versioning
from trainingweek.exports import (
    PDF_CONTENT_TYPE,
    file_response,
    stored_file_response,
    xlsx_response,
)
from trainingweek.forms import upload_limits
from trainingweek.jobs import start_job
from trainingweek.models import Job
from trainingweek.pagination import paginate
from trainingweek.permissions import require_perm
from trainingweek.protection import DeleteRefused
from trainingweek.versioning import Loaded

CELL = re.compile(r"^v_(\d+)_(\d+)$")
TEAM_CELL = re.compile(r"^t_(\d+)$")
GRID_RANKING_TOP = 10  # teams of the ranking shown under a KPI grid, besides the grid's own


def _context(programme, subtab, **extra) -> dict:
    return {"programme": programme, "tab": "scoring", "subtab": subtab, **extra}


def _period(request, setup) -> ScoringPeriod | None:
    return setup.period(request.GET.get("period")) or setup.sheet_period


# --------------------------------------------------------------------------- dashboard and ranking


def dashboard(request, pk):
    """Team KPI table of a period (headcount, each KPI's team figure,
    composite, rank) with bars comparing the teams per KPI."""
    programme = get_programme(request.user, pk)
    setup = selectors.load_setup(programme)
    period = _period(request, setup)
    standings = selectors.team_standings(setup, programme, period, member_teams=())  # figures only
    charts = []
    for kpi in setup.kpis:
        figures = [s.figures.get(kpi.pk) for s in standings]
        widths = kpi_rules.bar_widths(figures)
        charts.append({"kpi": kpi, "bars": [
            {"team": s.team, "value": kpi_rules.format_value(f, kpi.unit), "width": w}
            for s, f, w in zip(standings, figures, widths, strict=True)]})
    rows = [{"standing": s, "cells": [kpi_rules.format_value(s.figures.get(k.pk), k.unit) for k in setup.kpis]}
            for s in standings]
    return render(request, "scoring/dashboard.html", _context(
        programme, "dashboard", setup=setup, period=period, rows=rows, charts=charts,
        composite_bars=zip(standings, kpi_rules.bar_widths([s.composite for s in standings]), strict=True)))


#: Teams on one page of the ranking.
RANKING_PAGE_SIZE = 50


def ranking(request, pk):
    """Teams ranked on the KPI composite with their prizes and each member's share."""
    programme = get_programme(request.user, pk)
    setup = selectors.load_setup(programme)
    period = _period(request, setup)
    # Members only where a prize is split among them (the page lists the shares), not all the programme's.
    standings = selectors.team_standings(setup, programme, period, member_teams=selectors.PRIZED, headcounts=False)
    # Every team is ranked; the page shows RANKING_PAGE_SIZE of them (the prize winners lead the first),
    # with the headcounts of those shown.
    page, query = paginate(request, standings, RANKING_PAGE_SIZE)
    selectors.fill_headcounts(programme, page.object_list)
    fixed = selectors.fixed_team_prizes(programme=programme, period=period, team_ids=[s.team_id for s in page])
    rows = [(s, fixed.by_team.get(s.team_id)) for s in page]
    return render(request, "scoring/ranking.html", _context(
        programme, "ranking", setup=setup, period=period, rows=rows, page=page, query=query, fixed=fixed,
        prizes_text=" / ".join(f"{p:,}" for p in setup.settings.prizes()) or "—"))


@require_POST
def award_prizes(request, pk):
    """The coordinator fixes the period's team prizes from the current ranking."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "scoring.award_prizes", programme)
    setup = selectors.load_setup(programme)
    period = setup.period(request.POST.get("period"))
    if period is None:
        raise Http404
    prizes = services.award_team_prizes(setup=setup, programme=programme, period=period, user=request.user)
    messages.success(request, _("The team prizes of “%(period)s” were fixed for %(n)s teams.") % {
        "period": period.name, "n": len(prizes)})
    return redirect(f"{reverse('scoring:ranking', args=[programme.pk])}?period={period.pk}")


# --------------------------------------------------------------------------- KPI entry


def kpi_index(request, pk):
    """The teams the user may see × the periods, each a link to its grid."""
    programme = get_programme(request.user, pk)
    setup = selectors.load_setup(programme)
    teams = list(visible_teams(request.user, programme).annotate(n=Count("enrolments")))
    return render(request, "scoring/kpi_index.html", _context(
        programme, "kpi", setup=setup, teams=teams))


def _loaded(token: str | None) -> Loaded:
    """What the page showed for a cell, from its hidden ``was_`` field; without
    a readable one, an empty cell at version 0 (nothing stored is overwritten blindly)."""
    parsed = versioning.parse_token(token, 1)
    return Loaded(0, "") if parsed is None else Loaded(parsed[0], parsed[1][0])


def _posted_cells(post) -> list[services.CellInput]:
    cells = []
    for name, raw in post.items():
        if match := CELL.match(name):
            cells.append(services.CellInput(int(match[1]), int(match[2]), raw, _loaded(post.get(f"was_{name}"))))
        elif match := TEAM_CELL.match(name):
            cells.append(services.CellInput(None, int(match[1]), raw, _loaded(post.get(f"was_{name}"))))
    return cells


def _keep_conflicts(cells, conflicts, key_of):
    """After a save with conflicts: each conflicting cell keeps the user's entry,
    shows the stored value, and names the stored version (a re-save replaces it)."""
    for cell in cells:
        conflict = conflicts.get(key_of(cell))
        if conflict is not None:
            cell.text = conflict.yours
            cell.current = kpi_rules.plain_value(conflict.current) or _("empty")
            cell.token = versioning.token(conflict.version, kpi_rules.plain_value(conflict.current))


def kpi_grid(request, pk, team_pk, period_pk):
    """A team's KPI values of one period: one row per student, one column per
    KPI, the team's own values below; saved in one request, all or nothing."""
    programme = get_programme(request.user, pk)
    team = require_team(request.user, programme, team_pk)
    setup = selectors.load_setup(programme)
    period = setup.period(period_pk)
    if period is None:
        raise Http404
    errors, result = [], None
    if request.method == "POST":
        require_perm(request.user, "scoring.enter_kpis", team)
        result = services.save_kpi_grid(setup=setup, team=team, period=period, cells=_posted_cells(request.POST), user=request.user)
        if result.ok:
            messages.success(request, _("KPI values saved: %(saved)s values, %(cleared)s cleared.") % {
                "saved": result.saved, "cleared": result.cleared})
        if result.ok and not result.conflicts:
            return redirect("scoring:kpi_grid", pk=programme.pk, team_pk=team.pk, period_pk=period.pk)
    grid = selectors.kpi_grid(setup, team, period)
    if result is not None and not result.ok:  # a refused save shows what the user typed, with the reason per cell
        names = {row.enrolment.pk: row.enrolment.student.name for row in grid.rows}
        kpi_names = {k.pk: k.name for k in setup.kpis}
        for row in grid.rows:
            for cell in row.cells:
                name = f"v_{row.enrolment.pk}_{cell.kpi.pk}"
                cell.text = request.POST.get(name, cell.text)
                cell.token = request.POST.get(f"was_{name}", cell.token)  # still against what they loaded
                cell.error = result.errors.get((row.enrolment.pk, cell.kpi.pk), "")
        for cell in grid.team_cells:
            cell.text = request.POST.get(f"t_{cell.kpi.pk}", cell.text)
            cell.token = request.POST.get(f"was_t_{cell.kpi.pk}", cell.token)
            cell.error = result.errors.get((None, cell.kpi.pk), "")
        for (enrolment_id, kpi_id), reason in result.errors.items():
            who = names.get(enrolment_id, _("Team")) if enrolment_id else team.name
            errors.append(f"{who} · {kpi_names.get(kpi_id, '?')}: {reason}")
    conflicts = result.conflicts if result is not None and result.ok else {}
    for row in grid.rows if conflicts else ():
        _keep_conflicts(row.cells, conflicts, lambda cell, e=row.enrolment.pk: (e, cell.kpi.pk))
    _keep_conflicts(grid.team_cells, conflicts, lambda cell: (None, cell.kpi.pk))
    # The ranking below the grid shows the leading teams' and this team's rank, composite and prize
    # (the whole ranking has its own page): no member of any team, no headcount.
    standings, more_teams = kpi_rules.ranking_excerpt(
        selectors.team_standings(setup, programme, period, member_teams=(), headcounts=False),
        lambda s: s.team_id == team.pk, top=GRID_RANKING_TOP)
    return render(request, "scoring/kpi_grid.html", _context(
        programme, "kpi", setup=setup, team=team, period=period, grid=grid, errors=errors,
        conflicts=[c.message for c in conflicts.values()],
        standings=standings, more_teams=more_teams, teams=visible_teams(request.user, programme)))


def _import_enrolments(user, programme) -> list[Enrolment]:
    return list(without_personal_data(visible_enrolments(user, programme).filter(team__isnull=False)
                                      .select_related("student", "team"), "student")
                .order_by("team__name", "student__student_number"))


def kpi_template(request, pk):
    """The Excel template of a period for the user's students, prefilled."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "scoring.enter_kpis", programme)
    setup = selectors.load_setup(programme)
    period = _period(request, setup)
    if period is None:
        raise Http404  # no scoring periods yet: nothing to fill in
    content = exports.template_workbook(setup, period, _import_enrolments(request.user, programme))
    return xlsx_response(content, f"{_('KPI values')} {period.name}.xlsx")


def kpi_import(request, pk):
    """Upload a filled template: every row is checked, nothing is written unless all are good."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "scoring.enter_kpis", programme)
    setup = selectors.load_setup(programme)
    form = KpiImportForm(request.POST or None, request.FILES or None, periods=programme.scoring_periods.all(),
                         initial={"period": setup.sheet_period})
    result = None
    if request.method == "POST" and form.is_valid():
        period = form.cleaned_data["period"]
        result = imports.import_kpi_values(setup, period, form.cleaned_data["file"].read(),
                                         _import_enrolments(request.user, programme), request.user)
        if result.ok:
            messages.success(request, _("Imported %(n)s KPI values for “%(period)s”.") % {"n": result.counts["written"], "period": period.name})
            return redirect("scoring:kpi_index", pk=programme.pk)
    return render(request, "scoring/kpi_import.html", _context(
        programme, "kpi", form=form, result=result, **upload_limits()))


# --------------------------------------------------------------------------- score sheets


def sheet_index(request, pk):
    """Coordinators: the classes; mentors: their teams."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "scoring.view_score_sheets", programme)
    classes = (programme.classes.annotate(n=Count("enrolments"))
               if request.user.has_perm("scoring.enter_school_scores", programme) else [])
    teams = visible_teams(request.user, programme).annotate(n=Count("enrolments"))
    return render(request, "scoring/sheet_index.html", _context(programme, "sheets", classes=classes, teams=teams))


def _sheet_rows(sheets, typed_items, posted=None, errors=None):
    rows = []
    for sheet in sheets:
        cells = []
        for item in sheet.items:
            cell = {"item": item, "input": None}
            if item.key in typed_items:
                name = f"{item.key}_{sheet.enrolment.pk}"
                text = posted.get(name, "") if posted is not None else kpi_rules.plain_value(item.score)
                cell["input"] = {"name": name, "text": text,
                                 "error": (errors or {}).get((sheet.enrolment.pk, item.key), "")}
            cells.append(cell)
        rows.append({"sheet": sheet, "cells": cells})
    return rows


def _posted_scores(post, enrolments, items) -> dict:
    return {(e.pk, item): post.get(f"{item}_{e.pk}", "") for e in enrolments for item in items}


def class_sheets(request, pk, class_pk):
    """A class's score sheets: the coordinator enters the school items here and
    sees every item, the total, and starts the class PDF."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "scoring.enter_school_scores", programme)
    school_class = get_object_or_404(programme.classes, pk=class_pk)
    enrolments = selectors.class_enrolments(school_class=school_class)
    errors = {}
    if request.method == "POST":
        errors = services.save_typed_scores(enrolments=enrolments, items=services.TYPED_SCHOOL_ITEMS,
                                            posted=_posted_scores(request.POST, enrolments, services.TYPED_SCHOOL_ITEMS))
        if not errors:
            messages.success(request, _("The school's scores were saved."))
            return redirect("scoring:class_sheets", pk=programme.pk, class_pk=school_class.pk)
    setup = selectors.load_setup(programme)
    sheets = selectors.score_sheets(setup, programme, enrolments)
    rows = _sheet_rows(sheets, services.TYPED_SCHOOL_ITEMS, request.POST if errors else None, errors)
    jobs = selectors.recent_class_pdf_jobs(programme=programme, school_class=school_class, kind=documents.JOB_KIND)
    return render(request, "scoring/class_sheets.html", _context(
        programme, "sheets", setup=setup, school_class=school_class, rows=rows, errors=errors, jobs=jobs,
        typed=[selectors.ITEM_LABELS[i] for i in services.TYPED_SCHOOL_ITEMS], period=setup.sheet_period))


def team_sheets(request, pk, team_pk):
    """A team's score sheets: the mentor enters their evaluation here."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "scoring.view_score_sheets", programme)
    team = require_team(request.user, programme, team_pk)
    enrolments = selectors.team_enrolments(team)
    errors = {}
    if request.method == "POST":
        require_perm(request.user, "scoring.evaluate_team", team)
        posted = _posted_scores(request.POST, enrolments, services.TYPED_MENTOR_ITEMS)
        notes = {e.pk: request.POST.get(f"note_{e.pk}", "") for e in enrolments}
        errors = services.save_typed_scores(enrolments=enrolments, items=services.TYPED_MENTOR_ITEMS, posted=posted, notes=notes)
        if not errors:
            messages.success(request, _("Your evaluations were saved."))
            return redirect("scoring:team_sheets", pk=programme.pk, team_pk=team.pk)
    setup = selectors.load_setup(programme)
    sheets = selectors.score_sheets(setup, programme, enrolments)
    rows = _sheet_rows(sheets, services.TYPED_MENTOR_ITEMS, request.POST if errors else None, errors)
    notes = selectors.typed_scores(enrolments)
    for row in rows:
        entry = notes.get(row["sheet"].enrolment.pk)
        row["note"] = request.POST.get(f"note_{row['sheet'].enrolment.pk}", "") if errors else (entry.mentor_note if entry else "")
        row["note_error"] = errors.get((row["sheet"].enrolment.pk, "note"), "")
    return render(request, "scoring/team_sheets.html", _context(
        programme, "sheets", setup=setup, team=team, rows=rows, errors=errors,
        period=setup.sheet_period, note_max=services.MENTOR_NOTE_MAX))


def _student(request, pk, enrolment_pk) -> tuple[Programme, Enrolment]:
    programme = get_programme(request.user, pk)
    require_perm(request.user, "scoring.view_score_sheets", programme)
    enrolment = get_object_or_404(without_personal_data(
        visible_enrolments(request.user, programme).select_related("student", "team", "school_class"), "student"),
        pk=enrolment_pk)
    return programme, enrolment


def student_sheet(request, pk, enrolment_pk):
    """One student's score sheet, each computed item saying how, with incidents and awards."""
    programme, enrolment = _student(request, pk, enrolment_pk)
    setup = selectors.load_setup(programme)
    (sheet,) = selectors.score_sheets(setup, programme, [enrolment])
    incidents = list(enrolment.incidents.select_related("reported_by", "decided_by"))
    credits = selectors.prize_and_award_credits(programme, enrolment_ids=[enrolment.pk]).get(enrolment.pk, [])
    return render(request, "scoring/student_sheet.html", _context(
        programme, "sheets", setup=setup, sheet=sheet, enrolment=enrolment, incidents=incidents, credits=credits))


def student_pdf(request, pk, enrolment_pk):
    programme, enrolment = _student(request, pk, enrolment_pk)
    setup = selectors.load_setup(programme)
    (sheet,) = selectors.score_sheets(setup, programme, [enrolment])
    return file_response(documents.student_pdf(programme, sheet), documents.filename(enrolment), PDF_CONTENT_TYPE)


@require_POST
def class_pdf(request, pk, class_pk):
    """Start the background job building the class's merged PDF and ZIP."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "scoring.enter_school_scores", programme)
    school_class = get_object_or_404(programme.classes, pk=class_pk)
    job = start_job(kind=documents.JOB_KIND, user=request.user, params={
        "programme": programme.pk, "school_class": school_class.pk, "language": get_language()})
    return redirect("job_detail", pk=job.pk)


def _class_job(request, pk, job_pk) -> tuple[Programme, Job]:
    """A finished class-PDF job of this programme, for those who may see the class."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "scoring.enter_school_scores", programme)
    job = get_object_or_404(Job, pk=job_pk, kind=documents.JOB_KIND, params__programme=programme.pk,
                            status=Job.Status.SUCCEEDED)
    if not programme.classes.filter(pk=job.params.get("school_class")).exists():
        raise Http404
    return programme, job


def class_pdf_result(request, pk, job_pk):
    programme, job = _class_job(request, pk, job_pk)
    school_class = programme.classes.get(pk=job.params["school_class"])
    return render(request, "scoring/class_pdf_result.html", _context(
        programme, "sheets", job=job, school_class=school_class))


def class_pdf_download(request, pk, job_pk, kind):
    programme, job = _class_job(request, pk, job_pk)
    if kind == "zip" and job.result_file:
        handle, name = job.result_file.open("rb"), job.result_file.name
    elif kind == "pdf" and job.result.get("pdf") and default_storage.exists(job.result["pdf"]):
        handle, name = default_storage.open(job.result["pdf"], "rb"), job.result["pdf"]
    else:
        raise Http404
    return stored_file_response(handle, name.rsplit("/", 1)[-1])


# --------------------------------------------------------------------------- incidents


def incident_list(request, pk):
    """Incidents of the students the user sees; the coordinator confirms or disputes."""
    programme = get_programme(request.user, pk)
    incidents = selectors.incidents_for(programme, visible_enrolments(request.user, programme))
    return render(request, "scoring/incident_list.html", _context(
        programme, "incidents", incidents=incidents, decision_form=DecisionForm()))


def incident_create(request, pk):
    """A mentor reports an incident of one of their students."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "scoring.report_incident", programme)
    enrolments = visible_enrolments(request.user, programme).filter(status=Enrolment.Status.ACTIVE)
    form = IncidentForm(request.POST or None, enrolments=enrolments, instance=Incident(programme=programme,
                        reported_by=request.user), level_costs=selectors.incident_level_costs(programme))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The incident was reported; the school will confirm or dispute it."))
        return redirect("scoring:incident_list", pk=programme.pk)
    return render(request, "scoring/form.html", _context(
        programme, "incidents", form=form, title=_("Report an incident"),
        back=reverse("scoring:incident_list", args=[programme.pk])))


@require_POST
def incident_decide(request, pk, incident_pk):
    programme = get_programme(request.user, pk)
    require_perm(request.user, "scoring.decide_incident", programme)
    incident = get_object_or_404(programme.incidents, pk=incident_pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to confirm or to dispute."))
    else:
        try:
            services.decide_incident(incident=incident, confirm=form.cleaned_data["decision"] == "confirm", user=request.user,
                                     note=form.cleaned_data["note"])
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The incident is now “%(status)s”.") % {"status": incident.get_status_display()})
            if incident.takes_off_duty:
                messages.warning(request, _("%(name)s is taken off customer duty.") % {"name": incident.enrolment.student.name})
    return redirect("scoring:incident_list", pk=programme.pk)


# --------------------------------------------------------------------------- awards


def award_list(request, pk):
    """Individual awards of the students the user sees; coordinators and mentors add them."""
    programme = get_programme(request.user, pk)
    enrolments = visible_enrolments(request.user, programme)
    may_add = request.user.has_perm("scoring.add_award", programme)
    form = AwardForm(request.POST or None, enrolments=enrolments, periods=programme.scoring_periods.all(),
                     instance=Award(programme=programme, created_by=request.user)) if may_add else None
    if request.method == "POST":
        require_perm(request.user, "scoring.add_award", programme)
        if form.is_valid():
            form.save()
            messages.success(request, _("The award was added."))
            return redirect("scoring:award_list", pk=programme.pk)
    awards = selectors.awards_for(programme=programme, enrolments=enrolments)
    return render(request, "scoring/award_list.html", _context(
        programme, "awards", awards=awards, form=form,
        history=selectors.award_history(programme=programme, enrolments=enrolments)))


@require_POST
def award_delete(request, pk, award_pk):
    programme = get_programme(request.user, pk)
    award = get_object_or_404(Award.objects.filter(enrolment__in=visible_enrolments(request.user, programme)),
                              programme=programme, pk=award_pk)
    require_perm(request.user, "scoring.delete_award", award)
    try:
        services.delete_award(award=award)
    except DeleteRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The award was removed."))
    return redirect("scoring:award_list", pk=programme.pk)


# --------------------------------------------------------------------------- set-up (coordinator)


def settings_form(request, pk):
    """Weights of the score sheet (adding up to 100), team prizes and their split."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "scoring.manage_setup", programme)
    setup = selectors.load_setup(programme)
    form = ScoreSettingsForm(request.POST or None, instance=setup.settings)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The scoring settings were saved."))
        return redirect("scoring:settings", pk=programme.pk)
    return render(request, "scoring/settings.html", _context(programme, "settings", form=form, setup=setup))


@require_POST
def setup_defaults(request, pk):
    """The coordinator's explicit action creating the default KPIs, periods and
    settings (pages only read: a programme's first visit creates nothing)."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "scoring.manage_setup", programme)
    setup = services.create_default_setup(programme=programme)
    messages.success(request, _("The default set-up was created: %(kpis)s KPIs and %(periods)s scoring periods.") % {
        "kpis": len(setup.kpis), "periods": len(setup.periods)})
    return redirect("scoring:settings", pk=programme.pk)


def _formset_page(request, programme, formset_class, queryset, title, subtab, instance_defaults):
    formset = formset_class(request.POST or None, queryset=queryset, prefix="f")
    formset.helper = TableHelper()
    if request.method == "POST" and formset.is_valid():
        for form in formset.forms:
            for field_name, value in instance_defaults.items():
                setattr(form.instance, field_name, value)
        formset.save()
        messages.success(request, _("Saved."))
        return redirect(request.path)
    return render(request, "scoring/formset.html", _context(programme, subtab, formset=formset, title=title))


def kpi_setup(request, pk):
    """The programme's KPIs: code, name, unit, direction, per student or team, target, weight."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "scoring.manage_setup", programme)
    return _formset_page(request, programme, KpiFormSet, KpiDefinition.objects.filter(programme=programme),
                         _("KPIs"), "settings", {"programme": programme})


def period_setup(request, pk):
    """The scoring periods (pre-sale, Double-11 day, after-sale, whole programme…)."""
    programme = get_programme(request.user, pk)
    require_perm(request.user, "scoring.manage_setup", programme)
    return _formset_page(request, programme, PeriodFormSet, ScoringPeriod.objects.filter(programme=programme),
                         _("Scoring periods"), "settings", {"programme": programme})
