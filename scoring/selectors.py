"""Scoring reads: KPI grids, standings, score sheets, incidents and credits (no writes).

Every loader here runs a fixed number of queries whatever the number of
students (query-count tests hold them to it); writers validate everything
first and write nothing when anything is wrong.
"""

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from types import MappingProxyType

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Aggregate, BigIntegerField, Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programs.agreements.models import Programme
from programs.agreements.selectors import count_by_programme
from programs.attendance.selectors import AttendanceFigures, attendance_summary
from programs.students.models import Enrolment, Team
from programs.students.selectors import enrolments_seen_by, teams_seen_by, without_personal_data
from scoring import rules
from scoring import rules as kpi_rules
from scoring.models import (
    Award,
    EnrolmentScore,
    Incident,
    KpiDefinition,
    KpiValue,
    PrizeShare,
    ScoreSettings,
    ScoringPeriod,
    TeamKpiTotal,
    TeamKpiValue,
    TeamPrize,
)
from scoring.rules import COMPUTED_ITEMS, ITEMS, SCHOOL_ITEMS, sheet_total
from trainingweek import versioning
from trainingweek.history import history_entries
from trainingweek.memo import Memo
from trainingweek.models import Job
from trainingweek.money import ZERO, money

ITEM_LABELS = {
    "obedience": gettext_lazy("Obedience"),
    "learning": gettext_lazy("Learning ability"),
    "teamwork": gettext_lazy("Teamwork"),
    "exam": gettext_lazy("Exam"),
    "attendance": gettext_lazy("Attendance"),
    "kpi": gettext_lazy("KPI achievement"),
    "mentor": gettext_lazy("Mentor evaluation"),
}


@dataclass
class Setup:
    """A programme's scoring set-up: settings, KPIs and periods (in order)."""

    settings: ScoreSettings
    kpis: list[KpiDefinition]
    periods: list[ScoringPeriod]

    @property
    def student_kpis(self) -> list[KpiDefinition]:
        return [k for k in self.kpis if not k.is_team_level]

    @property
    def team_kpis(self) -> list[KpiDefinition]:
        return [k for k in self.kpis if k.is_team_level]

    @cached_property
    def kpi_levels(self) -> list[tuple[KpiDefinition, bool]]:
        """Each KPI with whether it is measured per team (read once, not per student of a class's sheets)."""
        return [(k, k.is_team_level) for k in self.kpis]

    @property
    def sheet_period(self) -> ScoringPeriod | None:
        chosen = self.settings.sheet_period_id
        return next((p for p in self.periods if p.pk == chosen), self.periods[-1] if self.periods else None)

    def period(self, pk) -> ScoringPeriod | None:
        return next((p for p in self.periods if str(p.pk) == str(pk)), None)


def load_setup(programme: Programme) -> Setup:
    """The programme's scoring set-up, as recorded (three queries; writes nothing).

    A programme not set up yet has no KPIs and no periods, and unsaved default
    settings (the seed's weights and prizes); the coordinator creates the
    defaults with :func:`scoring.services.create_default_setup` (the settings page's button).
    """
    settings = ScoreSettings.objects.filter(programme=programme).select_related("sheet_period").first()
    kpis = list(programme.kpis.all())
    periods = list(programme.scoring_periods.all())
    if settings is None:
        settings = ScoreSettings(programme=programme)
    return Setup(settings, kpis, periods)


def is_set_up(setup: Setup) -> bool:
    """Whether the programme has KPIs and periods to score with."""
    return bool(setup.kpis and setup.periods)




@dataclass
class GridCell:
    kpi: KpiDefinition
    value: Decimal | None
    version: int = 0     # of the stored row (0: none)
    text: str = ""
    error: str = ""
    token: str = ""      # the hidden field: the version and value this page shows (trainingweek.versioning)
    current: str = ""    # after a conflict: the value someone else stored meanwhile

    def __post_init__(self):
        self.text = self.text or kpi_rules.plain_value(self.value)
        self.token = self.token or versioning.token(self.version, kpi_rules.plain_value(self.value))


@dataclass
class GridRow:
    enrolment: Enrolment
    cells: list[GridCell]
    kpi_score: Decimal | None = None


@dataclass
class KpiGrid:
    team: Team
    period: ScoringPeriod
    kpis: list[KpiDefinition]  # student-level columns
    team_kpis: list[KpiDefinition]
    rows: list[GridRow]
    team_cells: list[GridCell]


#: What the grids, the score sheets and their PDFs show of an enrolment: its
#: status, class, team and the student's name and number, no personal data (a
#: class's 200 enrolments read half as fast with every column of the four rows).
SHEET_COLUMNS = ("programme_id", "student_id", "school_class_id", "team_id", "status", "is_group_leader",
                 "student__name", "student__student_number", "school_class__name", "team__name", "team__programme_id")


def team_enrolments(team: Team) -> list[Enrolment]:
    """A team's students for scoring, those who left included (their values count),
    without their personal data (the grid and the sheets show names and numbers)."""
    return list(Enrolment.objects.filter(team=team).select_related("student", "school_class", "team")
                .only(*SHEET_COLUMNS).order_by("school_class__name", "student__student_number"))


def _values_of(enrolment_ids: Collection[int], kpis: Sequence[KpiDefinition], period: ScoringPeriod):
    """The values of these students and KPIs in the period, found by their own
    key (enrolment, KPI, period): the whole key given, or SQLite's planner
    reads every value of the period in the programme to pick the team's."""
    return KpiValue.objects.filter(enrolment_id__in=list(enrolment_ids), kpi__in=[k.pk for k in kpis], period=period)


def kpi_grid(setup: Setup, team: Team, period: ScoringPeriod) -> KpiGrid:
    """The team × KPI grid of a period with the stored values (three queries)."""
    enrolments = team_enrolments(team)
    stored = {(e, k): (v, n) for e, k, v, n in _values_of([e.pk for e in enrolments], setup.student_kpis, period)
              .values_list("enrolment_id", "kpi_id", "value", "version")}
    team_stored = {k: (v, n) for k, v, n in TeamKpiValue.objects.filter(team=team, period=period)
                   .values_list("kpi_id", "value", "version")}
    team_values = {k: v for k, (v, _n) in team_stored.items()}
    rows = []
    for enrolment in enrolments:
        cells = [GridCell(k, *stored.get((enrolment.pk, k.pk), (None, 0))) for k in setup.student_kpis]
        kpis = [rules.KpiValue(c.value, k.target, k.higher_is_better, k.weight) for c, k in zip(cells, setup.student_kpis, strict=True)]
        kpis += [rules.KpiValue(team_values.get(k.pk), k.target, k.higher_is_better, k.weight) for k in setup.team_kpis]
        rows.append(GridRow(enrolment, cells, rules.kpi_score(kpis)))
    return KpiGrid(team, period, setup.student_kpis, setup.team_kpis, rows,
                   [GridCell(k, *team_stored.get(k.pk, (None, 0))) for k in setup.team_kpis])


@dataclass
class TeamStanding:
    team_id: int
    team_name: str
    headcount: int | None  # active members (None: not read, ``headcounts=False``)
    figures: Mapping[int, Decimal | None]  # KPI id -> team figure (read-only: shared by the reads of a memo)
    composite: Decimal | None
    rank: int | None = None
    prize: Decimal = ZERO
    members: list[Enrolment] = field(default_factory=list)  # active members, who share the prize
    member_scores: dict[int, Decimal | None] = field(default_factory=dict)
    shares: list[tuple[Enrolment, Decimal]] = field(default_factory=list)
    programme_id: int | None = None

    @cached_property
    def team(self) -> Team:
        """The team, made when a page shows it (a ranking lists a thousand
        standings and shows fifty): its id, programme and name as read,
        any other field loaded on first use, as ``.only()`` would."""
        return Team.from_db(DEFAULT_DB_ALIAS, ["id", "programme_id", "name"],
                            [self.team_id, self.programme_id, self.team_name])

    def figure_list(self, kpis: Sequence[KpiDefinition]) -> list[Decimal | None]:
        return [self.figures.get(k.pk) for k in kpis]


class _Units(Aggregate):
    """The exact sum of a four-place decimal column, in ten-thousandths (a whole number).

    PostgreSQL adds NUMERICs exactly, but SQLite keeps a decimal as a REAL and
    a SUM of REALs is off in its last bits; each value × 10,000, rounded, is a
    whole number that both add exactly (on SQLite as a 64-bit integer: up to
    9.2 × 10^14 in a group, far beyond a team's KPI total). The same sum as
    the triggers keep in ``TeamKpiTotal`` (scoring/migrations/0005).
    """

    function = "SUM"
    template = "%(function)s(CAST(ROUND(%(expressions)s * 10000) AS BIGINT))"
    output_field = BigIntegerField()


UNIT = Decimal("0.0001")

Totals = dict[int, dict[int, tuple[Decimal, int]]]  # team id -> KPI id -> (total, count)


def team_totals(programme: Programme, period: ScoringPeriod, kpi_ids: Collection[int]) -> Totals:
    """Per team and KPI, the total and count of its students' values in the
    period (those who left included), as the database keeps them
    (``TeamKpiTotal``): a row per team × KPI, whatever the number of students."""
    return _totals_of(_kept_total_rows(programme, period, kpi_ids))


def _kept_total_rows(programme: Programme, period: ScoringPeriod, kpi_ids: Collection[int]):
    """The kept totals' rows (team, KPI, units, count) with a value counted."""
    return TeamKpiTotal.objects.filter(period=period, team__programme=programme, kpi__in=list(kpi_ids), count__gt=0) \
        .values_list("team", "kpi", "units", "count")


def _totals_of(rows) -> Totals:
    """Kept totals' rows as :data:`Totals` (units of ten-thousandths back to decimals)."""
    totals: Totals = defaultdict(dict)
    for team_id, kpi_id, units, n in rows:
        totals[team_id][kpi_id] = (Decimal(units) * UNIT, n)
    return totals


def live_team_totals(programme: Programme, period: ScoringPeriod, kpi_ids: Collection[int]) -> Totals:
    """:func:`team_totals` added up from the values themselves (one GROUP BY
    over every value of the period): what the kept totals must equal."""
    totals: Totals = defaultdict(dict)
    for team_id, kpi_id, units, n in (
            KpiValue.objects.filter(period=period, enrolment__team__programme=programme, kpi__in=list(kpi_ids))
            .order_by().values_list("enrolment__team", "kpi").annotate(units=_Units("value"), n=Count("pk"))
            .values_list("enrolment__team", "kpi", "units", "n")):
        totals[team_id][kpi_id] = (Decimal(units) * UNIT, n)
    return totals


#: ``team_standings(member_teams=PRIZED)``: the members of the teams that win a prize only (whom it is split among).
PRIZED = object()


def team_standings(setup: Setup, programme: Programme, period: ScoringPeriod | None, *,
                   member_teams: Collection[int] | None | object = None, headcounts: bool = True,
                   ) -> list[TeamStanding]:
    """Every team's KPI figures, composite, rank and prize, and for the teams
    in ``member_teams`` (None: every team; :data:`PRIZED`: those with a
    prize) the active members, their KPI scores and the split of the prize
    among them.

    The figures come from the totals the database keeps per team × KPI
    (``team_totals``) and the team values, a row per team and KPI each, so a
    page showing one team costs that team and a row per other team, however
    many students the programme has; ``member_teams=()`` loads no member at
    all, and ``headcounts=False`` no count of any team's members either (the
    one read of every student left: a page that shows no headcount needs it
    not). Members are read without the students' personal data. While those
    rows stay exactly the same, a process computes the composites and ranks
    once (:func:`_ranked_composites`).

    The composite weights each KPI's achievement capped at twice the target
    (``rules.MAX_ACHIEVEMENT``) over the KPIs with a figure; ranks are
    competition ranks (1, 2, 2, 4); tied teams share their places' prizes;
    a prize is split among the active members equally or by their KPI score,
    to the cent. Teams are listed best first, unranked ones last.
    """
    active = Enrolment.Status.ACTIVE
    teams = programme.teams.order_by("pk")
    if headcounts:
        teams = teams.annotate(
            active_members=Count("enrolments", filter=Q(enrolments__programme=programme, enrolments__status=active)))
    team_rows = list(teams.values_list("pk", "name", *(["active_members"] if headcounts else [])))
    kpis = tuple(kpi_rules.CompositeKpi(k.pk, k.level == kpi_rules.TEAM, k.target, k.higher_is_better, k.weight)
                 for k in setup.kpis)
    team_values: dict[int, dict[int, Decimal]] = defaultdict(dict)
    if period is None:
        composites, ranks = _ranked_composites(kpis, (), (), tuple(row[0] for row in team_rows))
    else:
        # The rows the composites are made from, as the database keeps them
        # (a row per team × KPI); a read with exactly the rows of a recent one
        # reuses its composites and ranks (``_COMPOSITES``).
        total_rows = _kept_total_rows(programme, period, [k.pk for k in setup.student_kpis])
        value_rows = TeamKpiValue.objects.filter(period=period, team__programme=programme) \
            .values_list("team_id", "kpi_id", "value")
        value_rows = frozenset(value_rows)
        for team_id, kpi_id, value in value_rows:
            team_values[team_id][kpi_id] = value
        composites, ranks = _ranked_composites(kpis, frozenset(total_rows), value_rows,
                                               tuple(row[0] for row in team_rows))
    standings = {}
    for pk, name, *counted in team_rows:
        figures, composite = composites[pk]
        standings[pk] = TeamStanding(pk, name, counted[0] if headcounts else None, figures, composite,
                                     programme_id=programme.pk)
    prizes = rules.prizes_by_rank(ranks, setup.settings.prizes())
    if member_teams is PRIZED:
        member_teams = [pk for pk in standings if prizes.get(pk)]
    _add_members(setup, programme, period, standings, member_teams, team_values)
    by_score = setup.settings.prize_split == ScoreSettings.Split.SCORE
    for pk, standing in standings.items():
        standing.rank = ranks.get(pk)
        standing.prize = prizes.get(pk, ZERO)
        if standing.prize and standing.members:
            split = rules.split_prize(standing.prize, [e.pk for e in standing.members],
                                      {k: v or ZERO for k, v in standing.member_scores.items()} if by_score else None)
            standing.shares = [(e, split[e.pk]) for e in standing.members]
    return sorted(standings.values(), key=lambda s: (s.rank is None, s.rank or 0, s.team_name))


#: The composites and ranks of recent reads, by exactly the rows they were made from (per process).
_COMPOSITES: Memo[tuple[dict, dict]] = Memo(size=16)


def _ranked_composites(kpis: tuple[kpi_rules.CompositeKpi, ...], total_rows: frozenset, value_rows: frozenset,
                       team_ids: tuple[int, ...]) -> tuple[dict, dict]:
    """Each team's (figures, composite) by :func:`rules.team_composites`
    and the competition ranks by :func:`rules.rank`, from the kept totals'
    rows (team, KPI, units, count) and the team values' rows (team, KPI,
    value): computed once for the same KPIs, rows and teams, then reused
    while they stay exactly the same. The figures are read-only."""

    def compute() -> tuple[dict, dict]:
        totals = _totals_of(total_rows)
        values: dict[int, dict[int, Decimal]] = defaultdict(dict)
        for team_id, kpi_id, value in value_rows:
            values[team_id][kpi_id] = value
        composites = {pk: (MappingProxyType(figures), composite) for pk, (figures, composite) in
                      kpi_rules.team_composites(kpis, totals, values, team_ids).items()}
        return composites, rules.rank({pk: composite for pk, (_f, composite) in composites.items()})

    return _COMPOSITES.get((kpis, team_ids, total_rows, value_rows), compute)


def fill_headcounts(programme: Programme, standings: Sequence[TeamStanding]) -> None:
    """Set the active members' count of these standings' teams (a page of
    the ranking read with ``headcounts=False``): one query for the teams
    shown, not a count of every team's members. The count
    ``team_standings(headcounts=True)`` gives."""
    counts = dict(Enrolment.objects.filter(
        programme=programme, status=Enrolment.Status.ACTIVE, team_id__in=[s.team_id for s in standings])
        .order_by().values("team").annotate(n=Count("pk")).values_list("team", "n"))
    for standing in standings:
        standing.headcount = counts.get(standing.team_id, 0)


def _add_members(setup: Setup, programme: Programme, period: ScoringPeriod | None, standings: dict[int, TeamStanding],
                 member_teams: Collection[int] | None, team_values: dict[int, dict[int, Decimal]]) -> None:
    """Fill the active members and their KPI scores of the standings of
    ``member_teams`` (None: all): two queries, none for ``()``."""
    if member_teams is not None and not member_teams:
        return
    members = Enrolment.objects.filter(programme=programme, team__isnull=False, status=Enrolment.Status.ACTIVE)
    if member_teams is not None:
        members = members.filter(team__in=list(member_teams))
    student_values: dict[int, dict[int, Decimal]] = defaultdict(dict)
    if period is not None:
        for enrolment_id, kpi_id, value in KpiValue.objects.filter(
                period=period, kpi__in=[k.pk for k in setup.kpis], enrolment__in=members) \
                .values_list("enrolment_id", "kpi_id", "value"):
            student_values[enrolment_id][kpi_id] = value
    for e in without_personal_data(members.select_related("student"), "student").order_by("student__student_number"):
        standing = standings.get(e.team_id)
        if standing is not None:
            standing.members.append(e)
            standing.member_scores[e.pk] = student_kpi_score(setup, student_values[e.pk], team_values[e.team_id])


def student_kpi_score(setup: Setup, own: dict[int, Decimal], team: dict[int, Decimal]) -> Decimal | None:
    """A student's KPI achievement (0–100): their own values of student-level
    KPIs, their team's of team-level ones, each capped at the target."""
    return rules.kpi_score([
        rules.KpiValue(team.get(k.pk) if k.is_team_level else own.get(k.pk), k.target, k.higher_is_better, k.weight)
        for k in setup.kpis
    ])


@dataclass
class KpiLine:
    kpi: KpiDefinition
    value: Decimal | None
    achievement: Decimal | None
    team_figure: bool

    @property
    def value_text(self) -> str:
        return kpi_rules.format_value(self.value, self.kpi.unit)

    @property
    def target_text(self) -> str:
        return kpi_rules.format_value(self.kpi.target, self.kpi.unit)

    @property
    def achievement_pct(self) -> Decimal | None:
        return None if self.achievement is None else (self.achievement * 100).quantize(Decimal("0.01"))


@dataclass
class SheetItem:
    key: str
    label: str
    side: str  # "school" / "company"
    weight: Decimal
    score: Decimal | None
    points: Decimal | None
    computed: bool
    how: str = ""


@dataclass
class ScoreSheet:
    enrolment: Enrolment
    items: list[SheetItem]
    total: Decimal | None
    missing: tuple[str, ...]
    kpi_lines: list[KpiLine]
    attendance: AttendanceFigures | None
    off_duty: bool
    period: ScoringPeriod | None

    @property
    def school_items(self) -> list[SheetItem]:
        return [i for i in self.items if i.side == "school"]

    @property
    def company_items(self) -> list[SheetItem]:
        return [i for i in self.items if i.side == "company"]


def attendance_item(figures: AttendanceFigures | None) -> tuple[Decimal | None, str]:
    """The attendance score and how it was computed, from the attendance records."""
    if figures is None or figures.expected == 0:
        return None, _("No attendance recorded yet.")
    approved_leave = figures.absent + figures.leave - figures.truancy  # absence or leave not counted as truancy
    score = rules.attendance_score(figures.expected, figures.present, figures.late, approved_leave)
    how = _("%(present)s present, %(late)s late of %(scheduled)s scheduled days.") % {
        "present": figures.present, "late": figures.late, "scheduled": figures.expected}
    if approved_leave:
        how += " " + _("%(days)s days of approved leave are not counted.") % {"days": approved_leave}
    if figures.truancy:
        how += " " + _("%(days)s days of truancy count nothing.") % {"days": figures.truancy}
    if figures.late:
        how += " " + _("A late day counts half.")
    if score is None:
        return None, how
    return score, how


def kpi_item(setup: Setup, own: dict[int, Decimal], team: dict[int, Decimal], period) -> tuple[Decimal | None, str, list[KpiLine]]:
    """The KPI-achievement score, how it was computed, and one line per KPI."""
    lines = []
    for k, team_level in setup.kpi_levels:
        value = team.get(k.pk) if team_level else own.get(k.pk)
        lines.append(KpiLine(k, value, rules.achievement(value, k.target, k.higher_is_better), team_level))
    # student_kpi_score, from the achievements just computed.
    score = rules.score_of_achievements([(line.achievement, line.kpi.weight) for line in lines])
    counted = sum(1 for line in lines if line.value is not None)
    if score is None:
        return None, _("No KPI values in “%(period)s” yet.") % {"period": period or "—"}, lines
    how = _("Weighted achievement of %(n)s of %(total)s KPIs in “%(period)s”, each counted up to its target.") % {
        "n": counted, "total": len(lines), "period": period}
    return score, how, lines


def score_sheets(setup: Setup, programme: Programme, enrolments: Sequence[Enrolment]) -> list[ScoreSheet]:
    """The score sheet (成绩评定表) of each enrolment, in the given order.

    School items and the mentor's evaluation are as typed; attendance and KPI
    achievement are computed from the records of the score-sheet period
    (``ScoreSettings.sheet_period``), each with a sentence saying how. Four
    queries whatever the number of students.
    """
    period = setup.sheet_period
    weights = setup.settings.weights()
    ids = [e.pk for e in enrolments]
    typed = {s.enrolment_id: s for s in EnrolmentScore.objects.filter(enrolment_id__in=ids)}
    own: dict[int, dict[int, Decimal]] = defaultdict(dict)
    team: dict[int, dict[int, Decimal]] = defaultdict(dict)
    figures = {}
    if period is not None:
        for enrolment_id, kpi_id, value in _values_of(ids, setup.kpis, period) \
                .values_list("enrolment_id", "kpi_id", "value"):
            own[enrolment_id][kpi_id] = value
        team_ids = {e.team_id for e in enrolments if e.team_id}
        for team_id, kpi_id, value in TeamKpiValue.objects.filter(period=period, team_id__in=team_ids) \
                .values_list("team_id", "kpi_id", "value"):
            team[team_id][kpi_id] = value
        figures = attendance_summary(programme, ids, period.start, period.end)
    else:
        figures = attendance_summary(programme, ids)
    sheets = []
    labels = {item: str(ITEM_LABELS[item]) for item in ITEMS}  # translated once, not per student
    for enrolment in enrolments:
        entry = typed.get(enrolment.pk)
        scores, hows = {}, {}
        for item in ITEMS:
            if item not in COMPUTED_ITEMS:
                scores[item] = getattr(entry, item) if entry else None
        scores["attendance"], hows["attendance"] = attendance_item(figures.get(enrolment.pk))
        scores["kpi"], hows["kpi"], lines = kpi_item(setup, own[enrolment.pk], team[enrolment.team_id], period)
        total = sheet_total(scores, weights)
        items = [
            SheetItem(item, labels[item], "school" if item in SCHOOL_ITEMS else "company", weights[item],
                      scores[item], total.weighted.get(item), item in COMPUTED_ITEMS, hows.get(item, ""))
            for item in ITEMS
        ]
        sheets.append(ScoreSheet(enrolment, items, total.total, total.missing, lines, figures.get(enrolment.pk),
                                 bool(entry and entry.off_duty), period))
    return sheets


def typed_scores(enrolments: Sequence[Enrolment]) -> dict[int, EnrolmentScore]:
    """The typed school items and mentor evaluation of these enrolments, by enrolment id (one query)."""
    return {s.enrolment_id: s for s in EnrolmentScore.objects.filter(enrolment__in=[e.pk for e in enrolments])}


def confirmed_incidents(programme: Programme, *, enrolment_ids: Collection[int] | None = None,
                        ) -> dict[int, list[tuple[int, date, str, Decimal | None]]]:
    """Confirmed incidents per enrolment as plain values (for stipends):
    ``{enrolment_id: [(incident id, date, level "1"–"4" or "cash", cash amount or None)]}``;
    the whole programme's, or only those of ``enrolment_ids`` (a page of students)."""
    result = defaultdict(list)
    qs = Incident.objects.filter(programme=programme, status=Incident.Status.CONFIRMED)
    if enrolment_ids is not None:
        qs = qs.filter(enrolment_id__in=list(enrolment_ids))
    for pk, enrolment_id, day, level, cash in qs.order_by("occurred_on", "pk") \
            .values_list("pk", "enrolment_id", "occurred_on", "level", "cash_amount"):
        result[enrolment_id].append((pk, day, level, None if cash is None else money(cash)))
    return dict(result)


def prize_and_award_credits(programme: Programme, *, enrolment_ids: Collection[int] | None = None
                            ) -> dict[int, list[tuple[str, str, Decimal]]]:
    """What stipends add for each student, as plain values:
    ``{enrolment_id: [(id, label, amount)]}``. Ids are ``"award:<pk>"`` for an
    individual award and ``"prize:<pk>"`` for a share of a fixed team prize,
    stable as long as the record stands (re-fixing a period's prizes makes new ones).
    ``enrolment_ids`` limits it to those students (a page about one reads only theirs)."""
    result = defaultdict(list)
    awards = Award.objects.filter(programme=programme)
    shares = PrizeShare.objects.filter(prize__programme=programme)
    if enrolment_ids is not None:
        awards = awards.filter(enrolment_id__in=list(enrolment_ids))
        shares = shares.filter(enrolment_id__in=list(enrolment_ids))
    for pk, enrolment_id, label, amount, period in awards.order_by("pk") \
            .values_list("pk", "enrolment_id", "label", "amount", "period__name"):
        result[enrolment_id].append((f"award:{pk}", f"{label}（{period}）" if period else label, money(amount)))
    template = _("Team prize: %(team)s, rank %(rank)s in “%(period)s”")  # translated once, not per share
    for pk, enrolment_id, amount, rank, period, team in shares \
            .order_by("prize__period__order", "pk") \
            .values_list("pk", "enrolment_id", "amount", "prize__rank", "prize__period__name", "prize__team__name"):
        label = template % {"team": team, "rank": rank, "period": period}
        result[enrolment_id].append((f"prize:{pk}", label, money(amount)))
    return dict(result)


def conduct_source(programme_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    """Confirmed incidents count as student misconduct for the school's
    good-conduct bonus (registered with programs' settlement in ``apps.ready``)."""
    counts = dict(Incident.objects.filter(programme__in=programme_ids, status=Incident.Status.CONFIRMED)
                  .values_list("programme").annotate(n=Count("pk")).values_list("programme", "n"))
    label = _("confirmed incidents")
    return {pid: [(label, counts.get(pid, 0))] for pid in programme_ids}


def incidents_for(programme: Programme, enrolments_qs) -> list[Incident]:
    """The programme's incidents of the given enrolments, with what their list shows (one query)."""
    return list(Incident.objects.filter(programme=programme, enrolment__in=enrolments_qs)
                .select_related("enrolment__student", "enrolment__team", "reported_by", "decided_by"))


def off_duty_ids(programme: Programme) -> set[int]:
    """Enrolments taken off customer duty by a confirmed level-4 incident."""
    return set(EnrolmentScore.objects.filter(enrolment__programme=programme, off_duty=True)
               .values_list("enrolment_id", flat=True))


@dataclass
class FixedPrizes:
    """What was fixed of a period's team prizes: how many teams, the total,
    the last fixing (when, by whom), and the fixed prize of each team asked for."""

    teams: int
    total: Decimal
    last: TeamPrize | None
    by_team: dict[int, TeamPrize]


def fixed_team_prizes(*, programme, period, team_ids: Collection[int]) -> FixedPrizes:
    """The period's fixed team prizes: counted and added up for all teams, and
    read for ``team_ids`` only (a page of the ranking), three queries however
    many teams won a prize."""
    fixed = TeamPrize.objects.filter(programme=programme, period=period)
    summary = fixed.aggregate(teams=Count("pk"), total=Sum("amount"))
    return FixedPrizes(summary["teams"], summary["total"] or ZERO,
                       fixed.select_related("awarded_by").order_by("-awarded_at", "-pk").first(),
                       {p.team_id: p for p in fixed.filter(team__in=list(team_ids)).order_by()})


def class_enrolments(*, school_class) -> list[Enrolment]:
    """A class's enrolments by student number, with what a score sheet shows
    and no personal data (one query)."""
    return list(Enrolment.objects.filter(school_class=school_class).select_related("student", "team", "school_class")
                .only(*SHEET_COLUMNS).order_by("student__student_number"))


def recent_class_pdf_jobs(*, programme, school_class, kind: str, limit: int = 3) -> list[Job]:
    """The latest PDF-set jobs of a class, newest first."""
    return list(Job.objects.filter(kind=kind, params__programme=programme.pk, params__school_class=school_class.pk)
                .order_by("-created_at")[:limit])


def awards_for(*, programme, enrolments) -> list[Award]:
    """The awards of the given enrolments (a queryset), with what the list shows (one query)."""
    return list(Award.objects.filter(programme=programme, enrolment__in=enrolments)
                .select_related("enrolment__student", "enrolment__team", "period", "created_by", "programme__agreement"))


# --------------------------------------------------------------------------- the inbox
def incidents_in(user, status: str, *, decided_since: date | None = None) -> list[tuple[Programme, int]]:
    """Per programme, the incidents in ``status`` among the students the user
    sees (a mentor: their teams'), decided on or after ``decided_since`` when
    given. One query."""
    qs = Incident.objects.filter(enrolment__in=enrolments_seen_by(user), status=status)
    if decided_since is not None:
        qs = qs.filter(decided_at__date__gte=decided_since)
    return count_by_programme(qs)


@dataclass(frozen=True)
class MissingKpis:
    """A team's period, ended, with KPI values still to enter."""

    programme_id: int
    programme_name: str
    team_id: int
    team_name: str
    period_id: int
    period_name: str
    missing: int


def missing_kpi_values(user, today: date) -> list[MissingKpis]:
    """Per team the user sees and scoring period ended before ``today``, how
    many KPI values are missing: each active student's student-level KPIs and
    the team's team-level KPIs (``rules.missing_kpi_values``). Five queries,
    however many teams, periods and students."""
    teams = list(teams_seen_by(user).annotate(
        active=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.ACTIVE), distinct=True))
        .values_list("pk", "name", "programme", "programme__name", "active"))
    programme_ids = {t[2] for t in teams}
    if not programme_ids:
        return []
    periods = defaultdict(list)
    for pk, programme_id, name in (ScoringPeriod.objects.filter(programme__in=programme_ids, end__lt=today)
                                   .values_list("pk", "programme", "name")):
        periods[programme_id].append((pk, name))
    kpis: dict[int, dict[str, int]] = defaultdict(dict)
    for programme_id, level, n in (KpiDefinition.objects.filter(programme__in=programme_ids).order_by()
                                   .values_list("programme", "level").annotate(n=Count("pk"))):
        kpis[programme_id][level] = n
    team_ids = [t[0] for t in teams]
    student_values = dict(((team, period), n) for team, period, n in (
        KpiValue.objects.filter(enrolment__team__in=team_ids, enrolment__status=Enrolment.Status.ACTIVE,
                                kpi__level=KpiDefinition.Level.STUDENT, period__end__lt=today)
        .order_by().values_list("enrolment__team", "period").annotate(n=Count("pk"))))
    team_values = dict(((team, period), n) for team, period, n in (
        TeamKpiValue.objects.filter(team__in=team_ids, kpi__level=KpiDefinition.Level.TEAM, period__end__lt=today)
        .order_by().values_list("team", "period").annotate(n=Count("pk"))))
    found = []
    for team_id, team_name, programme_id, programme_name, active in teams:
        own = kpis[programme_id]
        for period_id, period_name in periods[programme_id]:
            missing = rules.missing_kpi_values(
                students=active, student_kpis=own.get(KpiDefinition.Level.STUDENT, 0),
                team_kpis=own.get(KpiDefinition.Level.TEAM, 0),
                student_values=student_values.get((team_id, period_id), 0),
                team_values=team_values.get((team_id, period_id), 0))
            if missing:
                found.append(MissingKpis(programme_id, programme_name, team_id, team_name, period_id, period_name,
                                         missing))
    return sorted(found, key=lambda m: (m.programme_name, m.team_name, m.period_id))


def award_history(*, programme, enrolments, limit: int = 50) -> list:
    """The audit history of the programme's awards of the given enrolments
    (deleted ones too), newest first: who added, changed or removed which."""
    return history_entries(Award, limit=limit, programme_id=programme.pk, enrolment_id__in=enrolments.values("pk"))


# --------------------------------------------------------------------------- what an incident costs
@dataclass(frozen=True)
class LevelCost:
    """What an incident of one level costs: the company's and the student's share."""

    company: Decimal
    student: Decimal


# The amounts are the payouts rate card's, a layer above scoring: payouts
# registers its reader here at start-up (stipends.payouts.apps), so scoring
# never imports it.
LEVEL_COST_READERS: list = []


def incident_level_costs(programme: Programme) -> dict[str, LevelCost]:
    """Each incident level's cost in this programme ({} when nothing says)."""
    for reader in LEVEL_COST_READERS:
        return reader(programme)
    return {}

