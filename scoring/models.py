"""KPIs, incidents, score sheets, rankings and prizes (builds on programs).

- ``KpiDefinition``: a programme's KPI with unit, direction, target and weight;
  measured per student or per team (``level``).
- ``ScoringPeriod``: the stretch a set of values belongs to (pre-sale,
  Double-11 day, after-sale, whole programme).
- ``KpiValue`` / ``TeamKpiValue``: one value per student (or team) × KPI × period.
- ``TeamKpiTotal``: the members' values per team × KPI × period, added up by
  the database (what the standings read).
- ``Incident``: an error (差错) reported by a mentor, confirmed or disputed by
  the school; a confirmed level 4 takes the student off customer duty.
- ``ScoreSettings``: the programme's score-sheet weights, team prizes by rank
  and how a team's prize is split, and the period the score sheet uses.
- ``EnrolmentScore``: a student's typed items (school items by the
  coordinator, the mentor's evaluation) and whether they are off duty.
- ``Award`` (individual awards) and ``TeamPrize`` / ``PrizeShare`` (team
  prizes fixed from a ranking): the amounts stipends pay.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programs.agreements.models import Programme
from programs.students.models import Enrolment, Team
from scoring.rules import DEFAULT_WEIGHTS, ITEMS
from trainingweek.history import audit_history

MONEY = {"max_digits": 12, "decimal_places": 2}
VALUE = {"max_digits": 16, "decimal_places": 4}
SCORE = {"max_digits": 5, "decimal_places": 2}
DEFAULT_PRIZES = "2000.00, 1500.00, 1000.00, 500.00"


class KpiDefinition(models.Model):
    """A KPI of the programme: what is measured, in which unit, which way is better."""

    class Unit(models.TextChoices):
        AMOUNT = "amount", _("Amount (CNY)")
        PERCENT = "percent", _("Percent")
        COUNT = "count", _("Count")
        SECONDS = "seconds", _("Seconds")

    class Direction(models.TextChoices):
        HIGHER = "higher", _("Higher is better")
        LOWER = "lower", _("Lower is better")

    class Level(models.TextChoices):
        STUDENT = "student", _("Per student")
        TEAM = "team", _("Per team")

    programme = models.ForeignKey(Programme, verbose_name=_("Programme"), on_delete=models.CASCADE, related_name="kpis")
    code = models.SlugField(_("Code"), max_length=30)
    name = models.CharField(_("Name"), max_length=100)
    unit = models.CharField(_("Unit"), max_length=10, choices=Unit.choices, default=Unit.AMOUNT)
    direction = models.CharField(_("Direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    level = models.CharField(_("Measured"), max_length=10, choices=Level.choices, default=Level.STUDENT)
    target = models.DecimalField(_("Target"), **VALUE)
    weight = models.DecimalField(_("Weight"), max_digits=6, decimal_places=2, default=Decimal(1))
    order = models.PositiveSmallIntegerField(_("Order"), default=0)

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="kpi_unique_code"),
            models.CheckConstraint(condition=Q(target__gt=0), name="kpi_target_positive"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="kpi_weight_not_negative"),
        ]

    def __str__(self):
        return self.name

    @property
    def higher_is_better(self) -> bool:
        return self.direction == self.Direction.HIGHER

    @property
    def is_team_level(self) -> bool:
        return self.level == self.Level.TEAM


class ScoringPeriod(models.Model):
    """A stretch of the programme that KPI values are recorded for."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("Programme"), on_delete=models.CASCADE, related_name="scoring_periods"
    )
    name = models.CharField(_("Name"), max_length=100)
    start = models.DateField(_("Start"), null=True, blank=True)
    end = models.DateField(_("End"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("Order"), default=0)

    class Meta:
        verbose_name = _("Scoring period")
        verbose_name_plural = _("Scoring periods")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="scoring_period_unique_name"),
            models.CheckConstraint(
                condition=Q(start__isnull=True) | Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="scoring_period_date_order",
            ),
        ]

    def __str__(self):
        return self.name


class KpiValue(models.Model):
    """One student's value of one KPI in one period."""

    enrolment = models.ForeignKey(Enrolment, verbose_name=_("Student"), on_delete=models.CASCADE, related_name="kpi_values")
    kpi = models.ForeignKey(KpiDefinition, verbose_name=_("KPI"), on_delete=models.CASCADE, related_name="values")
    period = models.ForeignKey(ScoringPeriod, verbose_name=_("Period"), on_delete=models.CASCADE, related_name="values")
    value = models.DecimalField(_("Value"), **VALUE)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency: every write adds one (see trainingweek.versioning).
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)

    class Meta:
        verbose_name = _("KPI value")
        verbose_name_plural = _("KPI values")
        constraints = [models.UniqueConstraint(fields=["enrolment", "kpi", "period"], name="kpi_value_unique")]
        indexes = [models.Index(fields=["period", "kpi"])]

    def __str__(self):
        return f"{self.enrolment_id} {self.kpi_id} {self.period_id}: {self.value}"


class TeamKpiValue(models.Model):
    """A team's value of a team-level KPI (e.g. the QC score of the team) in one period."""

    team = models.ForeignKey(Team, verbose_name=_("Team"), on_delete=models.CASCADE, related_name="kpi_values")
    kpi = models.ForeignKey(KpiDefinition, verbose_name=_("KPI"), on_delete=models.CASCADE, related_name="team_values")
    period = models.ForeignKey(ScoringPeriod, verbose_name=_("Period"), on_delete=models.CASCADE, related_name="team_values")
    value = models.DecimalField(_("Value"), **VALUE)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency: every write adds one (see trainingweek.versioning).
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)

    class Meta:
        verbose_name = _("Team KPI value")
        verbose_name_plural = _("Team KPI values")
        constraints = [models.UniqueConstraint(fields=["team", "kpi", "period"], name="team_kpi_value_unique")]

    def __str__(self):
        return f"{self.team_id} {self.kpi_id} {self.period_id}: {self.value}"


class TeamKpiTotal(models.Model):
    """A team's members' values of one KPI in one period, added up: the total
    (in ten-thousandths, a whole number, so that SQLite adds it exactly too)
    and how many values there are. What the standings need of every team, so
    that a page showing one team reads a row per team and KPI, never one per
    student (issue #12).

    Kept by the database, not by the code (triggers, migration 0005): a value
    written, changed or deleted however (the grid, an import, the admin, a
    bulk insert, a cascade) or a student moved to another team updates it in
    the same statement. Students who left still count, as in the figures.
    A total whose values are all gone stays with a count of 0 (no figure).
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    kpi = models.ForeignKey(KpiDefinition, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(ScoringPeriod, on_delete=models.CASCADE, related_name="+")
    units = models.BigIntegerField()  # the sum of the values × 10,000
    count = models.IntegerField()

    class Meta:
        verbose_name = _("Team KPI total")
        verbose_name_plural = _("Team KPI totals")
        constraints = [models.UniqueConstraint(fields=["team", "kpi", "period"], name="team_kpi_total_unique")]

    def __str__(self):
        return f"{self.team_id} {self.kpi_id} {self.period_id}: {self.units} / {self.count}"


class Incident(models.Model):
    """差错: an error a student made, with its level or a cash compensation.

    The mentor reports it; the school's coordinator confirms or disputes it
    (both sides verify). Only confirmed incidents are deducted from stipends.
    """

    class Level(models.TextChoices):
        LEVEL_1 = "1", _("Level 1")
        LEVEL_2 = "2", _("Level 2")
        LEVEL_3 = "3", _("Level 3")
        LEVEL_4 = "4", _("Level 4")
        CASH = "cash", _("Cash compensation")

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported")
        CONFIRMED = "confirmed", _("Confirmed")
        DISPUTED = "disputed", _("Disputed")

    programme = models.ForeignKey(Programme, verbose_name=_("Programme"), on_delete=models.CASCADE, related_name="incidents")
    enrolment = models.ForeignKey(Enrolment, verbose_name=_("Student"), on_delete=models.CASCADE, related_name="incidents")
    occurred_on = models.DateField(_("Date"))
    level = models.CharField(_("Level"), max_length=4, choices=Level.choices)
    cash_amount = models.DecimalField(_("Cash amount (CNY)"), null=True, blank=True, **MONEY)
    description = models.TextField(_("What happened"))
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.REPORTED)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Reported by"), on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("Reported at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Decided by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("Decided at"), null=True, blank=True)
    decision_note = models.CharField(_("Note on the decision"), max_length=300, blank=True)

    history = audit_history()

    class Meta:
        verbose_name = _("Incident")
        verbose_name_plural = _("Incidents")
        ordering = ["-occurred_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(level="cash") & Q(cash_amount__gt=0)) | (~Q(level="cash") & Q(cash_amount__isnull=True)),
                name="incident_cash_amount",
            ),
        ]
        indexes = [models.Index(fields=["programme", "status"])]

    def __str__(self):
        return f"{self.occurred_on} {self.get_level_display()} ({self.enrolment_id})"

    @property
    def takes_off_duty(self) -> bool:
        return self.status == self.Status.CONFIRMED and self.level == self.Level.LEVEL_4


class ScoreSettings(models.Model):
    """A programme's score-sheet weights and team prizes (defaults from the seeds)."""

    class Split(models.TextChoices):
        EQUAL = "equal", _("Equal shares")
        SCORE = "score", _("By KPI score")

    programme = models.OneToOneField(
        Programme, verbose_name=_("Programme"), on_delete=models.CASCADE, related_name="score_settings"
    )
    weight_obedience = models.DecimalField(_("Obedience"), default=DEFAULT_WEIGHTS["obedience"], **SCORE)
    weight_learning = models.DecimalField(_("Learning"), default=DEFAULT_WEIGHTS["learning"], **SCORE)
    weight_teamwork = models.DecimalField(_("Teamwork"), default=DEFAULT_WEIGHTS["teamwork"], **SCORE)
    weight_exam = models.DecimalField(_("Exam"), default=DEFAULT_WEIGHTS["exam"], **SCORE)
    weight_attendance = models.DecimalField(_("Attendance"), default=DEFAULT_WEIGHTS["attendance"], **SCORE)
    weight_kpi = models.DecimalField(_("KPI achievement"), default=DEFAULT_WEIGHTS["kpi"], **SCORE)
    weight_mentor = models.DecimalField(_("Mentor evaluation"), default=DEFAULT_WEIGHTS["mentor"], **SCORE)
    prize_amounts = models.CharField(
        _("Team prizes by rank (CNY)"), max_length=200, default=DEFAULT_PRIZES,
        help_text=_("Amounts for rank 1, 2, 3 … separated by commas"),
    )
    prize_split = models.CharField(_("Split of a team's prize"), max_length=10, choices=Split.choices, default=Split.EQUAL)
    sheet_period = models.ForeignKey(
        ScoringPeriod, verbose_name=_("Period of the score sheet"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", help_text=_("KPI achievement and attendance on the score sheet are taken from this period"),
    )

    class Meta:
        verbose_name = _("Score settings")
        verbose_name_plural = _("Score settings")

    def __str__(self):
        return str(self.programme)

    def weights(self) -> dict[str, Decimal]:
        return {item: getattr(self, f"weight_{item}") for item in ITEMS}

    def prizes(self) -> list[Decimal]:
        from scoring.rules import parse_prizes

        return parse_prizes(self.prize_amounts)


class EnrolmentScore(models.Model):
    """A student's typed score-sheet items and duty standing.

    School items (obedience, learning, teamwork, exam) are entered by the
    coordinator, the mentor's evaluation by the mentor; each 0–100. A
    confirmed level-4 incident sets ``off_duty`` (taken off customer duty).
    """

    enrolment = models.OneToOneField(Enrolment, verbose_name=_("Student"), on_delete=models.CASCADE, related_name="score")
    obedience = models.DecimalField(_("Obedience"), null=True, blank=True, **SCORE)
    learning = models.DecimalField(_("Learning"), null=True, blank=True, **SCORE)
    teamwork = models.DecimalField(_("Teamwork"), null=True, blank=True, **SCORE)
    exam = models.DecimalField(_("Exam"), null=True, blank=True, **SCORE)
    mentor = models.DecimalField(_("Mentor evaluation"), null=True, blank=True, **SCORE)
    mentor_note = models.CharField(_("Mentor's comment"), max_length=300, blank=True)
    off_duty = models.BooleanField(_("Off customer duty"), default=False)
    off_duty_since = models.DateField(_("Off duty since"), null=True, blank=True)
    off_duty_incident = models.ForeignKey(
        Incident, verbose_name=_("Because of"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Student score")
        verbose_name_plural = _("Student scores")
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{item}__isnull": True}) | Q(**{f"{item}__gte": 0, f"{item}__lte": 100}),
                name=f"enrolment_score_{item}_range",
            )
            for item in ("obedience", "learning", "teamwork", "exam", "mentor")
        ]

    def __str__(self):
        return str(self.enrolment_id)


class Award(models.Model):
    """An individual award (sales champion of a brand and period, points tier…) with its amount."""

    programme = models.ForeignKey(Programme, verbose_name=_("Programme"), on_delete=models.CASCADE, related_name="awards")
    enrolment = models.ForeignKey(Enrolment, verbose_name=_("Student"), on_delete=models.CASCADE, related_name="awards")
    period = models.ForeignKey(
        ScoringPeriod, verbose_name=_("Period"), on_delete=models.SET_NULL, null=True, blank=True, related_name="awards"
    )
    label = models.CharField(_("Award"), max_length=100)
    amount = models.DecimalField(_("Amount (CNY)"), **MONEY)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = audit_history()

    class Meta:
        verbose_name = _("Award")
        verbose_name_plural = _("Awards")
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="award_amount_not_negative")]

    def __str__(self):
        return f"{self.label} {self.amount}"


class TeamPrize(models.Model):
    """A team's prize for its rank in a period, fixed by the coordinator."""

    programme = models.ForeignKey(Programme, verbose_name=_("Programme"), on_delete=models.CASCADE, related_name="team_prizes")
    period = models.ForeignKey(ScoringPeriod, verbose_name=_("Period"), on_delete=models.CASCADE, related_name="team_prizes")
    team = models.ForeignKey(Team, verbose_name=_("Team"), on_delete=models.CASCADE, related_name="prizes")
    rank = models.PositiveSmallIntegerField(_("Rank"))
    composite = models.DecimalField(_("KPI composite"), max_digits=7, decimal_places=2)
    amount = models.DecimalField(_("Amount (CNY)"), **MONEY)
    split = models.CharField(_("Split"), max_length=10, choices=ScoreSettings.Split.choices)
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    awarded_at = models.DateTimeField(auto_now_add=True)

    history = audit_history()

    class Meta:
        verbose_name = _("Team prize")
        verbose_name_plural = _("Team prizes")
        ordering = ["period", "rank", "team__name"]
        constraints = [models.UniqueConstraint(fields=["period", "team"], name="team_prize_unique")]

    def __str__(self):
        return f"{self.team} #{self.rank} {self.amount}"


class PrizeShare(models.Model):
    """One member's share of a team prize, to the cent."""

    prize = models.ForeignKey(TeamPrize, verbose_name=_("Team prize"), on_delete=models.CASCADE, related_name="shares")
    enrolment = models.ForeignKey(Enrolment, verbose_name=_("Student"), on_delete=models.CASCADE, related_name="prize_shares")
    amount = models.DecimalField(_("Amount (CNY)"), **MONEY)

    history = audit_history()

    class Meta:
        verbose_name = _("Prize share")
        verbose_name_plural = _("Prize shares")
        constraints = [models.UniqueConstraint(fields=["prize", "enrolment"], name="prize_share_unique")]

    def __str__(self):
        return f"{self.enrolment_id} {self.amount}"
