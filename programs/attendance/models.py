"""Attendance (出勤) with online hours, leave (请假), withdrawals and dismissals.

``Attendance`` is one row per enrolment and day, shaped so later work can
aggregate it in one query: the status, the day kind stipends pay by
(training / intensive / practice / pre-sale / after-sale / rest / other),
the shift, the online hours, and whether the day is truancy, all stored.
``day_kind`` and ``is_truancy`` are derived (``programs.rosters.classify_attendance``)
when the row is written and kept in step when a leave is decided.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programs.agreements import rules as day_kinds
from programs.agreements.models import Programme
from programs.attendance import rules
from programs.rosters.models import ShiftTemplate
from programs.students.models import Enrolment


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = rules.PRESENT, _("Present")
        LATE = rules.LATE, _("Late")
        ABSENT = rules.ABSENT, _("Absent")
        LEAVE = rules.LEAVE, _("On leave")
        REST = rules.STATUS_REST, _("Rest")

    class DayKind(models.TextChoices):
        TRAINING = day_kinds.PHASE_TRAINING, _("Training")
        INTENSIVE = day_kinds.PHASE_INTENSIVE, _("Intensive training")
        PRACTICE = day_kinds.PHASE_PRACTICE, _("Practice")
        PRE_SALE = day_kinds.PHASE_PRE_SALE, _("Pre-sale")
        AFTER_SALE = day_kinds.PHASE_AFTER_SALE, _("After-sale")
        REST = day_kinds.DAY_REST, _("Rest")
        OTHER = day_kinds.DAY_OTHER, _("Outside the phases")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="attendance")
    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("Student"), on_delete=models.CASCADE, related_name="attendance"
    )
    day = models.DateField(_("Date"))
    status = models.CharField(_("Attendance"), max_length=10, choices=Status.choices)
    online_hours = models.DecimalField(_("Online hours"), max_digits=4, decimal_places=2, null=True, blank=True)
    # From the platform's export (optional columns of the online-hours import); they feed scoring's KPIs.
    customers_served = models.PositiveIntegerField(_("Customers served"), null=True, blank=True)
    response_seconds = models.DecimalField(
        _("Average response time (seconds)"), max_digits=8, decimal_places=2, null=True, blank=True)
    day_kind = models.CharField(_("Day kind"), max_length=12, choices=DayKind.choices)
    shift = models.ForeignKey(
        ShiftTemplate, verbose_name=_("Shift"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_truancy = models.BooleanField(_("Truancy"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency: every write adds one; a grid saves a cell only if
    # the version it showed is still the stored one (trainingweek.versioning).
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)

    class Meta:
        verbose_name = _("Attendance")
        verbose_name_plural = _("Attendance")
        ordering = ["day", "enrolment"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "day"], name="attendance_unique_day"),
            models.CheckConstraint(
                condition=Q(online_hours__isnull=True) | Q(online_hours__gte=0, online_hours__lte=24),
                name="attendance_online_hours_range",
            ),
        ]
        indexes = [models.Index(fields=["programme", "day"])]

    def __str__(self):
        return f"{self.enrolment_id} {self.day} {self.status}"


class DecidedRequest(models.Model):
    """What a request decided in steps has: who asked and when, the school's
    decision and when, and why it was refused. The other side's step (the
    mentor's for leave, the company's for a departure) is named on each model."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    school_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    school_decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.CharField(_("Reason for refusal"), max_length=300, blank=True)

    class Meta:
        abstract = True


class LeaveRequest(DecidedRequest):
    """请假: the mentor approves first, then the school's coordinator; either may refuse."""

    class Status(models.TextChoices):
        PENDING_MENTOR = rules.LEAVE_PENDING_MENTOR, _("Waiting for the mentor")
        PENDING_SCHOOL = rules.LEAVE_PENDING_SCHOOL, _("Waiting for the school")
        APPROVED = rules.LEAVE_APPROVED, _("Approved")
        REFUSED = rules.LEAVE_REFUSED, _("Refused")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="leave_requests")
    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("Student"), on_delete=models.CASCADE, related_name="leave_requests"
    )
    start = models.DateField(_("From"))
    end = models.DateField(_("To"))
    reason = models.CharField(_("Reason"), max_length=300)
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.PENDING_MENTOR)
    mentor_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    mentor_decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Leave request")
        verbose_name_plural = _("Leave requests")
        ordering = ["-start", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="leave_date_order")]
        indexes = [models.Index(fields=["enrolment", "status"])]

    def __str__(self):
        return f"{self.enrolment_id} {self.start}–{self.end} {self.status}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class Departure(DecidedRequest):
    """A student leaving a programme before its end.

    A withdrawal (退出) is asked for by the student and takes effect once
    both the school and the company approve; a dismissal (劝退/淘汰) is the
    company's decision, effective at once, and the school acknowledges it.
    Either way the enrolment's status follows.
    """

    class Kind(models.TextChoices):
        WITHDRAWAL = rules.WITHDRAWAL, _("Withdrawal")
        DISMISSAL = rules.DISMISSAL, _("Dismissal")

    class Status(models.TextChoices):
        PENDING = rules.DEPARTURE_PENDING, _("Waiting for approval")
        DONE = rules.DEPARTURE_DONE, _("In effect")
        REFUSED = rules.DEPARTURE_REFUSED, _("Refused")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="departures")
    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("Student"), on_delete=models.CASCADE, related_name="departures"
    )
    kind = models.CharField(_("Kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    last_day = models.DateField(_("Last day"))
    reason = models.CharField(_("Reason"), max_length=300)
    company_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    company_decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Withdrawal or dismissal")
        verbose_name_plural = _("Withdrawals and dismissals")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One open or effective departure per enrolment; refused ones may repeat.
            models.UniqueConstraint(
                fields=["enrolment"], condition=~Q(status="refused"), name="departure_one_open_per_enrolment"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.enrolment_id} {self.last_day}"


class OnlineHoursUpload(models.Model):
    """An online-hours export waiting for its person to confirm the columns.

    The file holds the platform's accounts: it is stored Fernet-encrypted
    (``trainingweek.crypto.encrypt_bytes``), never in plaintext, and deleted
    once imported, replaced by the same person's next upload, or a day old
    (``services.keep_online_hours_upload``)."""

    programme = models.ForeignKey(Programme, verbose_name=_("Programme"), on_delete=models.CASCADE,
                                  related_name="online_hours_uploads")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Uploaded by"),
                                    on_delete=models.CASCADE, related_name="+")
    file = models.FileField(_("Uploaded file"), upload_to="uploads/online-hours/")
    file_name = models.CharField(_("File name"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("Uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("Online-hours upload")
        verbose_name_plural = _("Online-hours upload")

    def __str__(self):
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})" if self.created_at else self.file_name


class OnlineHoursMapping(models.Model):
    """The columns last confirmed for a programme's online-hours exports:
    column key -> header text (``trainingweek.imports.header_key``), so the
    next file of the same layout is preselected."""

    programme = models.OneToOneField(Programme, verbose_name=_("Programme"), on_delete=models.CASCADE,
                                     related_name="online_hours_mapping")
    columns = models.JSONField(_("Columns"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        verbose_name = _("Online-hours columns")
        verbose_name_plural = _("Online-hours columns")

    def __str__(self):
        return f"{self.programme}: {self.columns}"
