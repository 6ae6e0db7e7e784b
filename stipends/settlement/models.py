"""School ⇄ company settlement: the rooms a programme uses, payments received,
the settlement's recorded facts (breach, bonus decision, insurance, stipends),
reminders sent, and the holiday calendar for years the package does not know."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programs.agreements.models import MONEY, Programme
from trainingweek.history import audit_history


class HolidayCalendarYear(models.Model):
    """A year's official holidays and adjusted working days, entered by an
    administrator from the State Council's notice (国务院办公厅关于…节假日安排的通知).

    Once a year is here its working days are certain: deadlines counted over
    it are no longer provisional. For a year the ``chinesecalendar`` package
    already knows, the entries here correct the package date by date.
    """

    year = models.PositiveSmallIntegerField(_("Year"), unique=True)
    source = models.CharField(_("Source"), max_length=200, blank=True, help_text=_("The notice the dates come from"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Entered by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        verbose_name = _("Holiday calendar year")
        verbose_name_plural = _("Holiday calendar years")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class HolidayCalendarDay(models.Model):
    """One day that differs from Monday–Friday: a holiday on a weekday, or a
    weekend day worked under 调休."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (day off)")
        WORKING_DAY = "working_day", _("Adjusted working day")

    calendar_year = models.ForeignKey(
        HolidayCalendarYear, verbose_name=_("Year"), on_delete=models.CASCADE, related_name="days"
    )
    day = models.DateField(_("Date"), unique=True)
    kind = models.CharField(_("Kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("Name"), max_length=50, blank=True, help_text=_("e.g. Spring Festival"))

    class Meta:
        verbose_name = _("Holiday calendar day")
        verbose_name_plural = _("Holiday calendar days")
        ordering = ["day"]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.get_kind_display()}"

    def clean(self):
        # An inline of a year not saved yet has no year here; its formset checks.
        if self.day and self.calendar_year_id and self.day.year != self.calendar_year.year:
            raise ValidationError({"day": _("This date is not in %(year)s.") % {"year": self.calendar_year.year}})


class Room(models.Model):
    """A room of the school used by a programme: a lab with computers
    (机房, paid per working computer per day) or a room used without
    equipment (paid as rent per day)."""

    class Kind(models.TextChoices):
        LAB = "lab", _("Lab with computers")
        PLAIN = "plain", _("Room without equipment")

    programme = models.ForeignKey(Programme, verbose_name=_("Programme"), on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(_("Room"), max_length=100, help_text=_("e.g. Training building lab 301"))
    kind = models.CharField(_("Kind"), max_length=10, choices=Kind.choices, default=Kind.LAB)
    notes = models.CharField(_("Notes"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Room")
        verbose_name_plural = _("Rooms")
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="room_unique_name")]

    def __str__(self):
        return self.name

    @property
    def is_lab(self) -> bool:
        return self.kind == self.Kind.LAB


class RoomUse(models.Model):
    """The dates a room is used (both included); for a lab, with the number
    of working computers over those dates. A count that changes (machines
    broke) is a new period."""

    room = models.ForeignKey(Room, verbose_name=_("Room"), on_delete=models.CASCADE, related_name="uses")
    start = models.DateField(_("From"))
    end = models.DateField(_("To"))
    computers = models.PositiveIntegerField(_("Working computers"), default=0, help_text=_("Labs only"))

    class Meta:
        verbose_name = _("Room use")
        verbose_name_plural = _("Room uses")
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="room_use_date_order"),
        ]

    def __str__(self):
        return f"{self.room} {self.start:%Y-%m-%d}—{self.end:%Y-%m-%d}"


class SettlementRecord(models.Model):
    """Facts about a programme's settlement that no other record holds.

    A recorded breach by the school cancels the good-conduct bonus; the
    bonus decision can be overridden by hand with a reason. Insurance and
    stipends are marked done with the day it happened.
    """

    class Bonus(models.TextChoices):
        RULE = "rule", _("As the records say")
        DUE = "due", _("Due")
        NOT_DUE = "not_due", _("Not due")

    programme = models.OneToOneField(
        Programme, verbose_name=_("Programme"), on_delete=models.CASCADE, related_name="settlement_record"
    )
    school_breached = models.BooleanField(_("The school breached the agreement"), default=False)
    breach_note = models.CharField(_("What the breach was"), max_length=300, blank=True)
    bonus_decision = models.CharField(_("Good-conduct bonus"), max_length=10, choices=Bonus.choices, default=Bonus.RULE)
    bonus_reason = models.CharField(_("Reason for deciding by hand"), max_length=300, blank=True)
    insurance_bought_on = models.DateField(_("Accident insurance bought on"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Updated by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    history = audit_history()

    class Meta:
        verbose_name = _("Settlement record")
        verbose_name_plural = _("Settlement records")

    def __str__(self):
        return str(self.programme)


class SettlementPayment(models.Model):
    """Money the school received from the company for a programme."""

    class Kind(models.TextChoices):
        DEPOSIT = "deposit", _("Deposit")
        SETTLEMENT = "settlement", _("Settlement")
        OTHER = "other", _("Other")

    programme = models.ForeignKey(
        Programme, verbose_name=_("Programme"), on_delete=models.CASCADE, related_name="settlement_payments"
    )
    paid_on = models.DateField(_("Date"))
    amount = models.DecimalField(_("Amount (CNY)"), **MONEY)
    kind = models.CharField(_("Kind"), max_length=12, choices=Kind.choices)
    note = models.CharField(_("Note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Recorded by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("Recorded"), auto_now_add=True)

    history = audit_history()

    class Meta:
        verbose_name = _("Payment received")
        verbose_name_plural = _("Payments received")
        ordering = ["paid_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="settlement_payment_positive")]

    def __str__(self):
        return f"{self.paid_on:%Y-%m-%d} {self.get_kind_display()} ¥{self.amount}"


class DeadlineReminder(models.Model):
    """A reminder email sent about a programme's deadline, so the daily job
    never sends the same one twice. A deadline that moves (phases changed)
    has a new due day and may be reminded again."""

    class Stage(models.TextChoices):
        UPCOMING = "upcoming", _("Due soon")
        OVERDUE = "overdue", _("Overdue")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="deadline_reminders")
    deadline = models.CharField(max_length=20)
    due = models.DateField()
    stage = models.CharField(max_length=10, choices=Stage.choices)
    recipients = models.TextField(blank=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Deadline reminder")
        verbose_name_plural = _("Deadline reminders")
        constraints = [
            models.UniqueConstraint(fields=["programme", "deadline", "due", "stage"], name="deadline_reminder_once"),
        ]

    def __str__(self):
        return f"{self.programme} {self.deadline} {self.due} {self.stage}"
