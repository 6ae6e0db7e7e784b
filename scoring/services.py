"""Scoring services: load the records, call the pure rules, write in one transaction.

Every loader here runs a fixed number of queries whatever the number of
students (query-count tests hold them to it); writers validate everything
first and write nothing when anything is wrong.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from programs.agreements.models import Programme
from programs.students.models import Enrolment, Team
from scoring import rules as kpi_rules
from scoring.models import (
    EnrolmentScore,
    Incident,
    KpiDefinition,
    KpiValue,
    PrizeShare,
    ScoreSettings,
    ScoringPeriod,
    TeamKpiValue,
    TeamPrize,
)
from scoring.rules import SCHOOL_ITEMS
from scoring.selectors import Setup, load_setup, team_standings

TYPED_SCHOOL_ITEMS = SCHOOL_ITEMS
TYPED_MENTOR_ITEMS = ("mentor",)


# --------------------------------------------------------------------------- set-up


@transaction.atomic
def create_default_setup(*, programme: Programme) -> Setup:
    """Create what is missing of the default set-up (DESIGN "Scoring"): the
    default KPIs, the periods dated from the programme's phases, and the
    settings with the seed's weights and prizes. What exists is kept, so
    running it twice creates nothing the second time."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)  # two clicks create one set
    if not KpiDefinition.objects.filter(programme=programme).exists():
        KpiDefinition.objects.bulk_create(
            KpiDefinition(programme=programme, code=d.code, name=str(d.name), unit=d.unit,
                          direction="higher" if d.higher_is_better else "lower", level=d.level,
                          target=d.target, weight=d.weight, order=n)
            for n, d in enumerate(kpi_rules.DEFAULT_KPIS, start=1)
        )
    if not ScoringPeriod.objects.filter(programme=programme).exists():
        phases = list(programme.phases.values_list("kind", "start", "end"))
        ScoringPeriod.objects.bulk_create(
            ScoringPeriod(programme=programme, name=p.name, start=p.start, end=p.end, order=n)
            for n, p in enumerate(kpi_rules.default_periods(phases, programme.year), start=1)
        )
    periods = list(programme.scoring_periods.all())
    settings, created = ScoreSettings.objects.get_or_create(
        programme=programme, defaults={"sheet_period": periods[-1] if periods else None})
    if not created and settings.sheet_period_id is None and periods:
        settings.sheet_period = periods[-1]
        settings.save(update_fields=["sheet_period"])
    return load_setup(programme)


# --------------------------------------------------------------------------- KPI grid


@dataclass(frozen=True)
class CellInput:
    """One posted cell: a student's (``enrolment_id``) or the team's (None) value of a KPI."""

    enrolment_id: int | None
    kpi_id: int
    raw: str


@dataclass
class SaveResult:
    saved: int = 0
    cleared: int = 0
    errors: dict = field(default_factory=dict)  # (enrolment_id | None, kpi_id) -> reason

    @property
    def ok(self) -> bool:
        return not self.errors


def save_kpi_grid(*, setup: Setup, team: Team, period: ScoringPeriod, cells: Iterable[CellInput], user) -> SaveResult:
    """Save a team's grid of a period in one transaction, or nothing at all.

    Every cell is read first (``kpis.parse_value``); a bad cell, a student not
    in the team or a KPI of the wrong level is reported with its reason and
    nothing is written. An empty cell clears the stored value. Writes are
    bulk: one upsert, and one delete per KPI that had cells cleared.
    """
    member_ids = set(Enrolment.objects.filter(team=team).values_list("pk", flat=True))
    by_id = {k.pk: k for k in setup.kpis}
    result = SaveResult()
    student_rows, team_rows = [], []
    clear_students: dict[int, list[int]] = defaultdict(list)
    clear_team: list[int] = []
    for cell in cells:
        kpi = by_id.get(cell.kpi_id)
        key = (cell.enrolment_id, cell.kpi_id)
        if kpi is None or kpi.is_team_level != (cell.enrolment_id is None):
            result.errors[key] = _("This KPI is not entered here.")
            continue
        if cell.enrolment_id is not None and cell.enrolment_id not in member_ids:
            result.errors[key] = _("This student is not in the team.")
            continue
        try:
            value = kpi_rules.parse_value(cell.raw, kpi.unit)
        except ValueError as exc:
            result.errors[key] = str(exc)
            continue
        if value is None:
            if cell.enrolment_id is None:
                clear_team.append(kpi.pk)
            else:
                clear_students[kpi.pk].append(cell.enrolment_id)
        elif cell.enrolment_id is None:
            team_rows.append(TeamKpiValue(team=team, kpi=kpi, period=period, value=value, updated_by=user))
        else:
            student_rows.append(KpiValue(enrolment_id=cell.enrolment_id, kpi=kpi, period=period, value=value,
                                         updated_by=user))
    if result.errors:
        return result
    with transaction.atomic():
        for kpi_id, enrolment_ids in clear_students.items():
            result.cleared += KpiValue.objects.filter(period=period, kpi_id=kpi_id, enrolment_id__in=enrolment_ids).delete()[0]
        if clear_team:
            result.cleared += TeamKpiValue.objects.filter(period=period, team=team, kpi_id__in=clear_team).delete()[0]
        upsert_values(student_rows=student_rows, team_rows=team_rows)
    result.saved = len(student_rows) + len(team_rows)
    return result


def upsert_values(*, student_rows: list[KpiValue], team_rows: list[TeamKpiValue]) -> None:
    """Write student and team KPI values, each row inserted or updated in place (one statement per 500 rows)."""
    if student_rows:
        KpiValue.objects.bulk_create(student_rows, batch_size=500, update_conflicts=True,
                                     unique_fields=["enrolment", "kpi", "period"],
                                     update_fields=["value", "updated_by", "updated_at"])
    if team_rows:
        TeamKpiValue.objects.bulk_create(team_rows, batch_size=500, update_conflicts=True,
                                         unique_fields=["team", "kpi", "period"],
                                         update_fields=["value", "updated_by", "updated_at"])


# --------------------------------------------------------------------------- teams, ranking, prizes


def award_team_prizes(*, setup: Setup, programme: Programme, period: ScoringPeriod, user) -> list[TeamPrize]:
    """Fix the team prizes of a period from its current ranking: replaces the
    period's earlier prizes and their shares, in one transaction."""
    standings = [s for s in team_standings(setup, programme, period) if s.rank is not None and s.prize > 0]
    with transaction.atomic():
        TeamPrize.objects.filter(programme=programme, period=period).delete()
        prizes = TeamPrize.objects.bulk_create(
            TeamPrize(programme=programme, period=period, team=s.team, rank=s.rank, composite=s.composite,
                      amount=s.prize, split=setup.settings.prize_split, awarded_by=user)
            for s in standings
        )
        PrizeShare.objects.bulk_create(
            PrizeShare(prize=prize, enrolment=enrolment, amount=amount)
            for prize, standing in zip(prizes, standings, strict=True) for enrolment, amount in standing.shares
        )
    return prizes


# --------------------------------------------------------------------------- score sheets


# --------------------------------------------------------------------------- typed items


def save_typed_scores(*, enrolments: Sequence[Enrolment], items: Sequence[str], posted: dict[tuple[int, str], str],
                      notes: dict[int, str] | None = None) -> dict[tuple[int, str], str]:
    """Save typed score-sheet items (0–100; empty clears) of these students in
    one upsert, or nothing: returns the bad cells with their reason.
    ``notes`` (enrolment id → text) are the mentor's comments, saved alongside."""
    errors, values = {}, {}
    for enrolment in enrolments:
        for item in items:
            raw = (posted.get((enrolment.pk, item)) or "").strip()
            if not raw:
                values[(enrolment.pk, item)] = None
                continue
            try:
                value = kpi_rules.parse_value(raw, kpi_rules.PERCENT)
            except ValueError:
                errors[(enrolment.pk, item)] = _("A score is a number from 0 to 100.")
                continue
            values[(enrolment.pk, item)] = value.quantize(Decimal("0.01"))
    if errors:
        return errors
    extra = {} if notes is None else {"mentor_note": ""}
    rows = [EnrolmentScore(enrolment=e, **{item: values[(e.pk, item)] for item in items}, **extra) for e in enrolments]
    if notes is not None:
        for row in rows:
            row.mentor_note = (notes.get(row.enrolment_id) or "").strip()[:300]
    with transaction.atomic():
        EnrolmentScore.objects.bulk_create(rows, batch_size=500, update_conflicts=True, unique_fields=["enrolment"],
                                           update_fields=[*items, *extra, "updated_at"])
    return {}


# --------------------------------------------------------------------------- incidents


def decide_incident(*, incident: Incident, confirm: bool, user, note: str = "") -> Incident:
    """The school confirms or disputes a reported incident. A confirmed
    level-4 incident takes the student off customer duty (recorded on the
    student's ``EnrolmentScore``)."""
    if incident.status != Incident.Status.REPORTED:
        raise ValueError(_("This incident has been decided already."))
    with transaction.atomic():
        incident.status = Incident.Status.CONFIRMED if confirm else Incident.Status.DISPUTED
        incident.decided_by, incident.decided_at, incident.decision_note = user, timezone.now(), note
        incident.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        if incident.takes_off_duty:
            EnrolmentScore.objects.update_or_create(
                enrolment_id=incident.enrolment_id,
                defaults={"off_duty": True, "off_duty_since": incident.occurred_on, "off_duty_incident": incident})
    return incident










