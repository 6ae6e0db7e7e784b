"""Scoring services: load the records, call the pure rules, write in one transaction.

Every loader here runs a fixed number of queries whatever the number of
students (query-count tests hold them to it); writers validate everything
first and write nothing when anything is wrong.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from programs.agreements.models import Programme
from programs.attendance.selectors import platform_figures
from programs.students.models import Enrolment, Team
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
    TeamKpiValue,
    TeamPrize,
)
from scoring.rules import SCHOOL_ITEMS
from scoring.selectors import PRIZED, Setup, load_setup, team_standings
from trainingweek import versioning
from trainingweek.history import history_attrs
from trainingweek.versioning import Loaded, upsert_bumping_version

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
    """One posted cell: a student's (``enrolment_id``) or the team's (None) value of a KPI.

    ``loaded`` is what the grid showed: the row's version (0: none) and the
    text of its value; the cell is written only if the user changed it and
    nobody else has since. ``None`` writes regardless (tests, scripts).
    """

    enrolment_id: int | None
    kpi_id: int
    raw: str
    loaded: Loaded | None = None


@dataclass(frozen=True)
class Conflict:
    """A cell someone else changed after the user's page was loaded: not written.
    ``yours`` is the user's text (kept in their form), ``current`` the stored
    value now with its ``version`` (the one a deliberate re-save names)."""

    enrolment_id: int | None
    kpi_id: int
    yours: str
    current: Decimal | None
    version: int
    message: str


@dataclass
class SaveResult:
    saved: int = 0
    cleared: int = 0
    errors: dict = field(default_factory=dict)  # (enrolment_id | None, kpi_id) -> reason
    conflicts: dict = field(default_factory=dict)  # (enrolment_id | None, kpi_id) -> Conflict

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Change:
    cell: CellInput
    kpi: KpiDefinition
    value: Decimal | None
    loaded: Loaded | None


def _shown_loaded(cell: CellInput, unit: str) -> Loaded | None:
    """The loaded text as a value; unreadable: an empty cell at version 0 (never a blind overwrite)."""
    if cell.loaded is None:
        return None
    try:
        return Loaded(cell.loaded.version, kpi_rules.parse_value(cell.loaded.value, unit))
    except ValueError:
        return Loaded(0, None)


def _stored_values(team: Team, period: ScoringPeriod, changes: list[_Change]) -> dict:
    """The stored rows of these cells, by (enrolment id | None, KPI id): two queries at most."""
    students = [c for c in changes if c.cell.enrolment_id is not None]
    stored = {}
    if students:
        stored.update({(v.enrolment_id, v.kpi_id): v for v in KpiValue.objects.filter(
            period=period, kpi_id__in={c.kpi.pk for c in students}, enrolment_id__in={c.cell.enrolment_id for c in students},
        ).order_by("pk").select_for_update()})
    if len(students) < len(changes):
        stored.update({(None, v.kpi_id): v for v in TeamKpiValue.objects.filter(
            period=period, team=team).order_by("pk").select_for_update()})
    return stored


def _new_row(team: Team, period: ScoringPeriod, change: _Change, user):
    if change.cell.enrolment_id is None:
        return TeamKpiValue(team=team, kpi=change.kpi, period=period, value=change.value, updated_by=user)
    return KpiValue(enrolment_id=change.cell.enrolment_id, kpi=change.kpi, period=period, value=change.value,
                    updated_by=user)


def _write_all(team: Team, period: ScoringPeriod, writes: list[tuple[_Change, object]], user) -> list[_Change]:
    """Write the changed cells, each only while its row is still the one read
    (locked by ``_stored_values``); returns the cells someone else got to first.
    A few statements in a savepoint; should a row have moved meanwhile, it is
    rolled back and the cells are written one by one."""
    try:
        with transaction.atomic():
            now = timezone.now()
            for model in (KpiValue, TeamKpiValue):
                mine = [(c, row) for c, row in writes if isinstance(row, model)]
                updates = [(row, {"value": c.value, "updated_by": getattr(user, "pk", None), "updated_at": now})
                           for c, row in mine if c.value is not None]
                deletes = [row for c, row in mine if c.value is None]
                if versioning.update_unchanged(model.objects, updates) != len(updates) \
                        or versioning.delete_unchanged(model.objects, deletes) != len(deletes):
                    raise versioning.Raced
            new = sorted((c for c, row in writes if row is None), key=lambda c: (c.cell.enrolment_id or 0, c.kpi.pk))
            KpiValue.objects.bulk_create([_new_row(team, period, c, user) for c in new if c.cell.enrolment_id],
                                         batch_size=500)
            TeamKpiValue.objects.bulk_create([_new_row(team, period, c, user) for c in new if not c.cell.enrolment_id])
        return []
    except (versioning.Raced, IntegrityError):
        return [c for c, row in writes if not _write_value(team, period, c, row, user)]


def _write_value(team: Team, period: ScoringPeriod, change: _Change, row, user) -> bool:
    """Write one changed cell only while its stored version is ``row``'s (none:
    nobody created it meanwhile); False when someone else got there first."""
    if row is not None:
        same = type(row).objects.filter(pk=row.pk, version=row.version)
        if change.value is None:
            return same.delete()[0] == 1
        # The conditional UPDATE ... WHERE version = N.
        return same.update(value=change.value, updated_by=user, updated_at=timezone.now(),
                           version=F("version") + 1) == 1
    new = _new_row(team, period, change, user)
    try:
        with transaction.atomic():  # a savepoint: the unique key refuses a row created meanwhile
            new.save(force_insert=True)
    except IntegrityError:
        return False
    return True


def save_kpi_grid(*, setup: Setup, team: Team, period: ScoringPeriod, cells: Iterable[CellInput], user) -> SaveResult:
    """Save the changed cells of a team's grid of a period in one transaction.

    Every cell is read first (``kpis.parse_value``); a bad cell, a student not
    in the team or a KPI of the wrong level is reported with its reason and
    nothing is written. A cell posted as it was loaded is no write. An empty
    cell clears the stored value.

    A cell with ``loaded`` is written only while its row is still the one
    loaded (``trainingweek.versioning.outcome``, then a conditional write);
    otherwise it is reported in ``result.conflicts`` with the stored value
    and left alone, while the other cells are saved. Cells without ``loaded``
    are written regardless: one upsert, and one delete per KPI cleared.
    """
    member_ids = set(Enrolment.objects.filter(team=team).values_list("pk", flat=True))
    by_id = {k.pk: k for k in setup.kpis}
    result = SaveResult()
    changes: list[_Change] = []
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
        loaded = _shown_loaded(cell, kpi.unit)
        if loaded is not None and value == loaded.value:
            continue  # unchanged: not a write, even when the client posts every cell
        changes.append(_Change(cell, kpi, value, loaded))
    if result.errors:
        return result
    with transaction.atomic():
        blind = [c for c in changes if c.loaded is None]
        clear_students: dict[int, list[int]] = defaultdict(list)
        clear_team: list[int] = []
        student_rows, team_rows = [], []
        for c in blind:
            if c.value is None and c.cell.enrolment_id is None:
                clear_team.append(c.kpi.pk)
            elif c.value is None:
                clear_students[c.kpi.pk].append(c.cell.enrolment_id)
            elif c.cell.enrolment_id is None:
                team_rows.append(TeamKpiValue(team=team, kpi=c.kpi, period=period, value=c.value, updated_by=user))
            else:
                student_rows.append(KpiValue(enrolment_id=c.cell.enrolment_id, kpi=c.kpi, period=period,
                                             value=c.value, updated_by=user))
        for kpi_id, enrolment_ids in clear_students.items():
            result.cleared += KpiValue.objects.filter(period=period, kpi_id=kpi_id, enrolment_id__in=enrolment_ids).delete()[0]
        if clear_team:
            result.cleared += TeamKpiValue.objects.filter(period=period, team=team, kpi_id__in=clear_team).delete()[0]
        upsert_values(student_rows=student_rows, team_rows=team_rows)
        result.saved = len(student_rows) + len(team_rows)

        versioned = [c for c in changes if c.loaded is not None]
        stored = _stored_values(team, period, versioned)
        lost, writes = versioning.partition(
            versioned, row_of=lambda c: stored.get((c.cell.enrolment_id, c.kpi.pk)),
            loaded_of=lambda row: Loaded(row.version, row.value) if row is not None else Loaded(0, None))
        raced = _write_all(team, period, writes, user)
        lost += raced
        for c, _row in writes:
            if c not in raced:
                if c.value is None:
                    result.cleared += 1
                else:
                    result.saved += 1
        now = _stored_values(team, period, lost) if lost else {}
        names = dict(Enrolment.objects.filter(pk__in={c.cell.enrolment_id for c in lost} - {None})
                     .values_list("pk", "student__name")) if lost else {}
        for c in lost:
            row = now.get((c.cell.enrolment_id, c.kpi.pk))
            current = row.value if row is not None else None
            who = team.name if c.cell.enrolment_id is None else names.get(c.cell.enrolment_id, "?")
            result.conflicts[(c.cell.enrolment_id, c.kpi.pk)] = Conflict(
                c.cell.enrolment_id, c.kpi.pk, c.cell.raw.strip(), current, row.version if row is not None else 0,
                versioning.conflict_message(
                    f"{who} · {c.kpi.name}", current=kpi_rules.plain_value(current) or _("empty"),
                    yours=kpi_rules.plain_value(c.value) or _("empty")))
    return result


def upsert_values(*, student_rows: list[KpiValue], team_rows: list[TeamKpiValue]) -> None:
    """Write student and team KPI values, each row inserted or updated in place,
    its version moved on (imports and the demo data: written regardless)."""
    upsert_bumping_version(KpiValue, student_rows, unique_fields=["enrolment", "kpi", "period"],
                           update_fields=["value", "updated_by", "updated_at"])
    upsert_bumping_version(TeamKpiValue, team_rows, unique_fields=["team", "kpi", "period"],
                           update_fields=["value", "updated_by", "updated_at"])


@transaction.atomic
def feed_platform_kpis(*, programme: Programme, enrolment_ids: Iterable[int], days: Iterable, user) -> int:
    """Write the KPIs fed by the platform's export (codes ``customers`` and
    ``response_time``, student level) for every scoring period that holds one
    of ``days``, from the students' attendance figures over the whole period
    (``rules.platform_kpi_values``).

    Registered with ``programs.attendance.services.AFTER_PLATFORM_IMPORT``
    (scoring.apps): the online-hours import calls it in its transaction. A
    programme without these KPIs gets nothing; a student without a figure
    in a period keeps whatever value they have. Changed values are written
    through :func:`upsert_values`, so their versions move and an open KPI
    grid reports the change instead of overwriting it; unchanged ones are
    not touched. Returns how many values were written.
    """
    days = set(days)
    enrolment_ids = set(enrolment_ids)
    kpis = {k.code: k for k in KpiDefinition.objects.filter(
        programme=programme, level=KpiDefinition.Level.STUDENT,
        code__in=[kpi_rules.CUSTOMERS_KPI, kpi_rules.RESPONSE_TIME_KPI])}
    if not kpis or not days or not enrolment_ids:
        return 0
    periods = [p for p in ScoringPeriod.objects.filter(programme=programme)
               if any(kpi_rules.in_period(d, start=p.start, end=p.end) for d in days)]
    if not periods:
        return 0
    starts, ends = [p.start for p in periods], [p.end for p in periods]
    figures = platform_figures(programme, enrolment_ids, None if None in starts else min(starts),
                               None if None in ends else max(ends))
    stored = {(v.enrolment_id, v.kpi_id, v.period_id): v.value for v in KpiValue.objects.filter(
        kpi__in=kpis.values(), period__in=periods, enrolment_id__in=enrolment_ids).only(
        "enrolment_id", "kpi_id", "period_id", "value")}
    rows = []
    for period in periods:
        by_student = defaultdict(list)
        for enrolment_id, day, customers, seconds in figures:
            if kpi_rules.in_period(day, start=period.start, end=period.end):
                by_student[enrolment_id].append((customers, seconds))
        for enrolment_id, pairs in by_student.items():
            values = kpi_rules.platform_kpi_values([c for c, _s in pairs], [s for _c, s in pairs])
            for code, value in values.items():
                kpi = kpis.get(code)
                if kpi is not None and stored.get((enrolment_id, kpi.pk, period.pk)) != value:
                    rows.append(KpiValue(enrolment_id=enrolment_id, kpi=kpi, period=period, value=value,
                                         updated_by=user))
    upsert_values(student_rows=rows, team_rows=[])
    return len(rows)


# --------------------------------------------------------------------------- teams, ranking, prizes


def award_team_prizes(*, setup: Setup, programme: Programme, period: ScoringPeriod, user) -> list[TeamPrize]:
    """Fix the team prizes of a period from its current ranking: replaces the
    period's earlier prizes and their shares, in one transaction."""
    standings = [s for s in team_standings(setup, programme, period, member_teams=PRIZED)
                 if s.rank is not None and s.prize > 0]
    with transaction.atomic():
        TeamPrize.objects.filter(programme=programme, period=period).delete()
        # The replaced prizes' deletion is in their history (per-row delete signals);
        # the new ones are recorded as created, made by ``user``.
        prizes = bulk_create_with_history([
            TeamPrize(programme=programme, period=period, team=s.team, rank=s.rank, composite=s.composite,
                      amount=s.prize, split=setup.settings.prize_split, awarded_by=user)
            for s in standings
        ], TeamPrize, default_user=user, custom_historical_attrs=history_attrs())
        bulk_create_with_history([
            PrizeShare(prize=prize, enrolment=enrolment, amount=amount)
            for prize, standing in zip(prizes, standings, strict=True) for enrolment, amount in standing.shares
        ], PrizeShare, default_user=user, custom_historical_attrs=history_attrs())
    return prizes


# --------------------------------------------------------------------------- score sheets


# --------------------------------------------------------------------------- typed items


# The mentor's comment as the score sheet holds it (EnrolmentScore.mentor_note).
MENTOR_NOTE_MAX = EnrolmentScore._meta.get_field("mentor_note").max_length


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
    for enrolment_id, note in (notes or {}).items():
        if len((note or "").strip()) > MENTOR_NOTE_MAX:  # refused with the limit, never cut
            errors[(enrolment_id, "note")] = _("At most %(max)d characters (this has %(n)d).") % {
                "max": MENTOR_NOTE_MAX, "n": len(note.strip())}
    if errors:
        return errors
    extra = {} if notes is None else {"mentor_note": ""}
    rows = [EnrolmentScore(enrolment=e, **{item: values[(e.pk, item)] for item in items}, **extra) for e in enrolments]
    if notes is not None:
        for row in rows:
            row.mentor_note = (notes.get(row.enrolment_id) or "").strip()
    with transaction.atomic():
        EnrolmentScore.objects.bulk_create(rows, batch_size=500, update_conflicts=True, unique_fields=["enrolment"],
                                           update_fields=[*items, *extra, "updated_at"])
    return {}


# --------------------------------------------------------------------------- awards


@transaction.atomic
def delete_award(*, award: Award) -> None:
    """Remove an award added by mistake. An award already paid in a batch
    past draft is refused (:class:`trainingweek.protection.DeleteRefused`,
    raised by the model's delete check, which the caller shows): it stays on
    record and is corrected by a new record. The deletion is in the audit history."""
    award.delete()


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










