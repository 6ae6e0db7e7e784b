"""Who uses trainingweek (organisations, users and their roles), long-running
jobs, the log of every unmasked look at personal data, and the base of every
audit-history table."""

from datetime import timedelta

import rules
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from trainingweek import rules as job_rules


class Organisation(models.Model):
    class Kind(models.TextChoices):
        SCHOOL = "school", _("School")
        COMPANY = "company", _("Company")

    name = models.CharField(_("Name"), max_length=200, unique=True)
    kind = models.CharField(_("Kind"), max_length=10, choices=Kind.choices)

    class Meta:
        verbose_name = _("Organisation")
        verbose_name_plural = _("Organisation")
        ordering = ["name"]

    def __str__(self):
        return self.name


class User(AbstractUser):
    """A person who logs in. The role decides what they may do; the
    organisation decides which programmes they see."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        MENTOR = "mentor", _("Mentor")
        FINANCE = "finance", _("Finance")
        ADMIN = "admin", _("Admin")

    role = models.CharField(_("Role"), max_length=20, choices=Role.choices, default=Role.COORDINATOR)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("Organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    display_name = models.CharField(_("Name"), max_length=100, blank=True)
    # Part of every session's auth hash: a new value ends all of the user's
    # sessions ("log out everywhere"). Empty until first used, so the hash of
    # an untouched user is Django's own and no session ends on deploy.
    session_token = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("User")
        verbose_name_plural = _("User")

    def _get_session_auth_hash(self, secret=None):
        # Django derives both get_session_auth_hash and the SECRET_KEY_FALLBACKS
        # hashes from this method, so a rotated token ends sessions under old
        # secret keys too.
        password_hash = super()._get_session_auth_hash(secret=secret)
        if not self.session_token:
            return password_hash
        return salted_hmac("trainingweek.User.session_token", password_hash + self.session_token,
                           secret=secret, algorithm="sha256").hexdigest()

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    def has_perm(self, perm, obj=None) -> bool:
        """The project's permissions (registered with ``rules`` in each app's
        permissions.py) are decided by their predicates alone: a superuser is
        not let past a finance-only action. Django's model permissions (the
        admin site) keep the usual superuser shortcut."""
        if rules.perm_exists(perm):
            return self.is_active and rules.has_perm(perm, self, obj)
        return super().has_perm(perm, obj)


class Job(models.Model):
    """A long task (import, payout batch, PDF set) that the browser polls.

    A Celery task moves it through the states and reports progress; the same
    code path runs eagerly in development and on a worker in production.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("Kind"), max_length=50)
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("Progress"), default=0)
    message = models.TextField(_("Message"), blank=True)
    params = models.JSONField(_("Parameters"), default=dict, blank=True)
    result = models.JSONField(_("Result"), default=dict, blank=True)
    result_file = models.FileField(_("Result file"), upload_to="jobs/%Y/%m/", blank=True)
    input_file = models.FileField(_("Uploaded file"), upload_to="uploads/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Started by"), on_delete=models.PROTECT, related_name="jobs"
    )
    created_at = models.DateTimeField(_("Created"), default=timezone.now)
    started_at = models.DateTimeField(_("Started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("Finished"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("Attempts"), default=0)
    # Moved on whenever the work reports progress: a running job whose
    # heartbeat is old lost its worker (trainingweek.rules.job_state).
    heartbeat_at = models.DateTimeField(_("Last sign of life"), null=True, blank=True)

    class Meta:
        verbose_name = _("Background job")
        verbose_name_plural = _("Background job")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def state(self) -> str:
        """The status as shown: a running job without a recent heartbeat is
        ``"interrupted"`` (derived, never written; see :func:`trainingweek.rules.job_state`)."""
        return job_rules.job_state(
            status=self.status, heartbeat_at=self.heartbeat_at or self.started_at, now=timezone.now(),
            stale_after=timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS))

    @property
    def is_interrupted(self) -> bool:
        return self.state == job_rules.INTERRUPTED

    def get_state_display(self) -> str:
        return _("Interrupted") if self.is_interrupted else self.get_status_display()

    def report(self, done: int, total: int, message: str = "") -> None:
        """Record progress and a heartbeat without touching other columns (one UPDATE).

        The UPDATE is fenced by the attempt this worker claimed: once another
        worker has claimed the job (after it was resumed), this one's report
        changes nothing and raises :class:`JobSuperseded`, so the two never
        go on working side by side.
        """
        pct = 100 if total <= 0 else min(99, int(done * 100 / total))
        fields = {"progress": pct, "heartbeat_at": timezone.now()}
        if message:
            fields["message"] = message
        if not Job.objects.filter(pk=self.pk, attempts=self.attempts).update(**fields):
            raise JobSuperseded(f"job {self.pk} was claimed by another worker")
        self.progress = pct


class JobSuperseded(Exception):
    """Another worker claimed the job; this one stops without recording an outcome."""


class PersonalDataAccess(models.Model):
    """One unmasked look at, or export of, personal data: who, what, when."""

    class Action(models.TextChoices):
        REVEAL = "reveal", _("Reveal")
        EXPORT = "export", _("Export unmasked")
        CHECK = "check", _("Checked against records")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("User"), on_delete=models.PROTECT)
    action = models.CharField(_("Action"), max_length=10, choices=Action.choices)
    subject = models.CharField(_("Subject"), max_length=200)
    object_id = models.CharField(_("Subject id"), max_length=64, blank=True)
    fields = models.CharField(_("Fields"), max_length=200)
    record_count = models.PositiveIntegerField(_("Records"), default=1)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    at = models.DateTimeField(_("Time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("Personal data access")
        verbose_name_plural = _("Personal data access")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.user} {self.get_action_display()} {self.subject} {self.fields}"


class AuditHistoryBase(models.Model):
    """What every audit-history row (django-simple-history, see
    :mod:`trainingweek.history`) records beyond who and when: the client's
    address, filled from the request being served."""

    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        abstract = True
