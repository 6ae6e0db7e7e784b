"""Shifts (班次) and rosters (排班表): what each class, and each student, does each day."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programs.agreements.models import Programme
from programs.rosters import rules
from programs.students.models import Enrolment, SchoolClass

HOURS = {"max_digits": 5, "decimal_places": 2}


def shift_iff_kind(name: str) -> models.CheckConstraint:
    """A cell names a shift exactly when its kind is a shift."""
    return models.CheckConstraint(
        condition=Q(kind=CellKind.SHIFT, shift__isnull=False) | (~Q(kind=CellKind.SHIFT) & Q(shift__isnull=True)),
        name=name,
    )


class CellKind(models.TextChoices):
    """What a class or a student does on a day."""

    SHIFT = rules.SHIFT, _("Shift")
    TRAINING = rules.TRAINING, _("Training")
    INTENSIVE = rules.INTENSIVE, _("Intensive training")
    REST = rules.REST, _("Rest")
    TBD = rules.TBD, _("To be decided")


class ShiftTemplate(models.Model):
    """班次: a named shift of a programme. A shift may end after midnight
    (07:00–02:00); it then belongs to the day it starts. 24:00 is entered as 00:00."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("Programme"), on_delete=models.CASCADE, related_name="shift_templates"
    )
    name = models.CharField(_("Shift name"), max_length=50)
    label = models.CharField(
        _("Cell text"), max_length=20, blank=True,
        help_text=_("Short text in roster cells, e.g. 早; the name when empty"),
    )
    start = models.TimeField(_("Starts"))
    end = models.TimeField(_("Ends"), help_text=_("At or before the start means the next day (24:00 is 00:00)"))
    paid_hours = models.DecimalField(_("Paid hours"), **HOURS)
    briefing_minutes = models.PositiveSmallIntegerField(_("Briefing (minutes)"), default=0)
    is_peak = models.BooleanField(
        _("Peak shift"), default=False, help_text=_("Peak days (大促) allow no rest rotation")
    )

    class Meta:
        verbose_name = _("Shift")
        verbose_name_plural = _("Shifts")
        ordering = ["start", "name"]
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="shift_unique_name")]

    def __str__(self):
        return f"{self.name} {self.start:%H:%M}–{self.end:%H:%M}"

    @property
    def cell_text(self) -> str:
        return self.label or self.name

    @property
    def length_hours(self) -> Decimal:
        return rules.shift_hours(self.start, self.end)

    @property
    def crosses_midnight(self) -> bool:
        return rules.crosses_midnight(self.start, self.end)

    def spec(self) -> rules.ShiftSpec:
        return rules.ShiftSpec(self.pk, self.start, self.end, self.paid_hours, self.briefing_minutes, self.is_peak)


class RosterPlan(models.Model):
    """The rules a programme's roster is generated from, and its thresholds.

    Blank dates default to the phases: the roster runs from the first to the
    last phase day, the rotation starts on the first practice day.
    """

    programme = models.OneToOneField(
        Programme, verbose_name=_("Programme"), on_delete=models.CASCADE, related_name="roster_plan"
    )
    first_day = models.DateField(_("Roster from"), null=True, blank=True)
    last_day = models.DateField(_("Roster to"), null=True, blank=True)
    rotation_start = models.DateField(_("Rotation starts"), null=True, blank=True)
    rotation_days = models.PositiveSmallIntegerField(_("Swap every (days)"), default=7)
    first_shift = models.ForeignKey(
        ShiftTemplate, verbose_name=_("Shift of classes 1, 3, 5…"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    second_shift = models.ForeignKey(
        ShiftTemplate, verbose_name=_("Shift of classes 2, 4, 6…"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    min_day_hours = models.DecimalField(_("Minimum hours a day"), default=Decimal("7"), **HOURS)
    min_week_hours = models.DecimalField(_("Minimum hours a week"), default=Decimal("42"), **HOURS)
    training_day_hours = models.DecimalField(_("Hours of a training day"), default=Decimal("8"), **HOURS)
    overtime_threshold = models.DecimalField(
        _("Overtime above (online hours a day)"), default=Decimal("8"), **HOURS
    )
    attrition_promise = models.DecimalField(
        _("Promised attrition below (%)"), default=Decimal("5"), **HOURS
    )

    class Meta:
        verbose_name = _("Roster rules")
        verbose_name_plural = _("Roster rules")

    def __str__(self):
        return str(self.programme)

    def rotation_pattern(self) -> tuple:
        return tuple(s for s in (self.first_shift_id, self.second_shift_id) if s)


class RosterSpecialDay(models.Model):
    """A date on which every class gets the same cell (a peak shift, "to be decided")."""

    plan = models.ForeignKey(RosterPlan, on_delete=models.CASCADE, related_name="special_days")
    day = models.DateField(_("Date"))
    kind = models.CharField(_("Kind"), max_length=12, choices=CellKind.choices)
    shift = models.ForeignKey(
        ShiftTemplate, verbose_name=_("Shift"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Special day")
        verbose_name_plural = _("Special days")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "day"], name="special_day_unique"),
            shift_iff_kind("special_day_shift_iff_kind"),
        ]

    def __str__(self):
        return f"{self.day} {self.kind}"

    def cell(self) -> rules.Cell:
        return rules.Cell(self.kind, self.shift_id)


class RosterCell(models.Model):
    """The fields of one cell of a schedule, and their validation: shared by a
    class's cell (``RosterEntry``) and a student's own (``ScheduleOverride``)."""

    day = models.DateField(_("Date"))
    kind = models.CharField(_("Kind"), max_length=12, choices=CellKind.choices)
    shift = models.ForeignKey(
        ShiftTemplate, verbose_name=_("Shift"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if (self.kind == CellKind.SHIFT) != (self.shift_id is not None):
            raise ValidationError({"shift": _("Choose a shift exactly when the kind is a shift.")})

    def cell(self) -> rules.Cell:
        return rules.Cell(self.kind, self.shift_id)


class RosterEntry(RosterCell):
    """One cell of the roster: what a class does on a day."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="roster_entries")
    school_class = models.ForeignKey(
        SchoolClass, verbose_name=_("Class"), on_delete=models.CASCADE, related_name="roster_entries"
    )

    class Meta:
        verbose_name = _("Roster entry")
        verbose_name_plural = _("Roster entries")
        ordering = ["day", "school_class__name"]
        constraints = [
            models.UniqueConstraint(fields=["school_class", "day"], name="roster_entry_unique"),
            shift_iff_kind("roster_entry_shift_iff_kind"),
        ]
        indexes = [models.Index(fields=["programme", "day"])]

    def __str__(self):
        return f"{self.school_class_id} {self.day} {self.kind}"


class ScheduleOverride(RosterCell):
    """A student's own cell on a day, different from their class's (rest rotation)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="schedule_overrides")
    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("Student"), on_delete=models.CASCADE, related_name="schedule_overrides"
    )

    class Meta:
        verbose_name = _("Schedule change")
        verbose_name_plural = _("Schedule changes")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "day"], name="schedule_override_unique"),
            shift_iff_kind("schedule_override_shift_iff_kind"),
        ]
        indexes = [models.Index(fields=["programme", "day"])]

    def __str__(self):
        return f"{self.enrolment_id} {self.day} {self.kind}"
